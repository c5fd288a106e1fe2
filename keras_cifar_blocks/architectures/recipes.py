"""Training recipes: how each report trained its model, as data.

A `Recipe` records what a report documents (optimizer, learning rate and
its schedule, batch size, epochs, early stopping, augmentation preset,
input normalization, loss, the accuracy it measured and where) and, in
`notes`, every choice made where the report leaves a detail open. It is
a frozen dataclass: plain data that a training loop reads, plus helpers
that build the Keras objects (`make_optimizer`, `callbacks`).

Augmentation is named, never built here: `Recipe.augmentation` is the
name of a `keras_cifar_blocks.augmentation` preset, which the training
loop applies to the data; no model of the registry contains it.
"""

import dataclasses
import inspect
import math
import warnings

import keras

from keras_cifar_blocks.optimizers import Lookahead
from keras_cifar_blocks.optimizers import PiecewiseLinearDecay
from keras_cifar_blocks.utils import validation

# Number of classes of each dataset a recipe can be documented on.
DATASETS = {"cifar10": 10, "cifar100": 100}

# The optimizers a recipe may name, as `keras.optimizers.get` spells them.
OPTIMIZERS = ("adam", "sgd", "rmsprop")

LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")

# What the training loop does to the 0-255 uint8 images before the model.
INPUT_NORMALIZATIONS = {
    "raw": (
        "none: the model takes 0-255 pixels and rescales or preprocesses "
        "them itself (Rescaling, TransferAdapter)"
    ),
    "divide_by_255": "divide by 255, to [0, 1]",
    "standardize_per_channel": (
        "divide by 255, then subtract the training set's per-channel mean "
        "and divide by its per-channel standard deviation"
    ),
}

# What the test accuracy averages over, besides each image itself:
# `"flip"`, its mirror image; `"flip_translate"`, also both views shifted
# by one pixel up-left and down-right (airbench94's level 2).
TEST_TIME_AUGMENTATIONS = ("flip", "flip_translate")

# Which data a documented accuracy was measured on.
SPLITS = ("test", "validation", "unstated")

# What a report validated on during training (see `Protocol`).
VALIDATION_DATA = {
    "split": "a stratified share of the training images, held out",
    "test": "the test set (model.fit(..., validation_data=(x_test, y_test)))",
    "none": "nothing: every training image is trained on, nothing watched",
}
# Which model's accuracy a report gives: the last epoch's or the best one.
REPORTED_EPOCHS = ("final", "best")

# The recipe fields a run may change (`Recipe.with_overrides`): what it
# trains with. The rest (the name, dataset, the report's numbers and
# notes, its protocol) say what the recipe is and are kept. Fields whose
# values are objects (schedule, early stopping, Lookahead) can only be
# switched off, with `None`.
OVERRIDABLE_FIELDS = (
    "optimizer",
    "learning_rate",
    "batch_size",
    "epochs",
    "loss",
    "input_normalization",
    "optimizer_options",
    "augmentation",
    "label_smoothing",
    "test_time_augmentation",
    "schedule",
    "early_stopping",
    "lookahead",
)
_OFF_ONLY_FIELDS = ("schedule", "early_stopping", "lookahead")


def _check_str(name: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a non-empty "
            f"string. Received {name}={value!r}"
        )
    return value


def _check_strings(name: str, value) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a tuple of "
            f"strings. Received {name}={value!r}"
        )
    return tuple(_check_str(name, item) for item in value)


def _set(obj, name: str, value) -> None:
    """Store a normalized field on a frozen dataclass in `__post_init__`."""
    object.__setattr__(obj, name, value)


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """An accuracy a report documents, and what it was measured on.

    Attributes:
        value: float in (0, 1], e.g. `0.6834`.
        dataset: `"cifar10"` or `"cifar100"`.
        split: `"test"`, `"validation"` or `"unstated"` (the report does
            not say).
        note: where the number comes from when it is not the report's
            own run, e.g. the paper it cites. Defaults to `""`.
    """

    value: float
    dataset: str
    split: str = "test"
    note: str = ""

    def __post_init__(self):
        if (
            isinstance(self.value, bool)
            or not isinstance(self.value, (int, float))
            or not 0.0 < self.value <= 1.0
        ):
            raise ValueError(
                "Invalid value for argument `value`. Expected an accuracy "
                f"in (0, 1]. Received value={self.value!r}"
            )
        validation.one_of("dataset", self.dataset, tuple(DATASETS))
        validation.one_of("split", self.split, SPLITS)

    def __str__(self) -> str:
        dataset = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}
        split = "" if self.split == "test" else f", {self.split}"
        return (
            f"{round(self.value * 100, 2):g}% ({dataset[self.dataset]}{split})"
        )


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a recipe comes from: a report and its sections.

    Attributes:
        report: file name of the report in `shared/seeds/`, e.g.
            `"003_9b08b6f72382b430.txt"`, or `None` for a recipe of this
            package that no report there documents (`fast_cifar`): the
            citation then says where it comes from.
        sections: headings (or table captions) of the report, as the
            report writes them, that document the model and its training.
        citation: short citation of the report.

    Example:

    >>> from keras_cifar_blocks.architectures import recipe
    >>> source = recipe("li2018_model1").source
    >>> source.report, source.sections[0]
    ('003_9b08b6f72382b430.txt', '2-1 Model 1: Simple model')
    """

    report: str | None
    sections: tuple[str, ...]
    citation: str

    def __post_init__(self):
        if self.report is not None:
            _check_str("report", self.report)
        _set(self, "sections", _check_strings("sections", self.sections))
        if not self.sections:
            raise ValueError(
                "Invalid value for argument `sections`. Expected at least "
                "one section."
            )
        _check_str("citation", self.citation)

    def __str__(self) -> str:
        return f"{self.citation}, {'; '.join(self.sections)}"

    @property
    def seed(self) -> str | None:
        """Deprecated alias of `report` (the report's file name)."""
        warnings.warn(
            "`Source.seed` is deprecated: use `Source.report`, the file "
            "name of the report.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.report


@dataclasses.dataclass(frozen=True)
class EarlyStoppingRule:
    """The arguments of `keras.callbacks.EarlyStopping` a report used.

    Attributes:
        monitor: the logged quantity, e.g. `"val_loss"` or `"accuracy"`.
        patience: int, epochs without improvement before stopping.
        mode: `"auto"`, `"min"` or `"max"`. Defaults to `"auto"`.
        restore_best_weights: bool. Defaults to `False` (Keras' default).
    """

    monitor: str
    patience: int
    mode: str = "auto"
    restore_best_weights: bool = False

    def __post_init__(self):
        _check_str("monitor", self.monitor)
        validation.positive_int("patience", self.patience)
        validation.one_of("mode", self.mode, ("auto", "min", "max"))
        validation.boolean("restore_best_weights", self.restore_best_weights)

    def build(self) -> keras.callbacks.EarlyStopping:
        """The `keras.callbacks.EarlyStopping` callback."""
        return keras.callbacks.EarlyStopping(
            monitor=self.monitor,
            patience=self.patience,
            mode=self.mode,
            restore_best_weights=self.restore_best_weights,
        )


@dataclasses.dataclass(frozen=True)
class Protocol:
    """A report's data protocol: what it trained on and which number it gave.

    `keras_cifar_blocks.training.reproduce` trains an architecture under
    its recipe's protocol, so that our accuracy is measured the way the
    report measured its own.

    Attributes:
        validation: what the report validated on after every epoch (and
            what its early stopping and best epoch watched): `"split"`, a
            stratified `validation_split` of the training images held out
            (the rest is trained on); `"test"`, the test set, as
            `model.fit(x_train, y_train, validation_data=(x_test, y_test))`
            does, so all 50,000 training images are trained on; or
            `"none"`, all training images and no validation.
        reported: `"final"`, the accuracy of the model after the last
            epoch (or the early stop), or `"best"`, that of the epoch with
            the best validation accuracy. Defaults to `"final"`.
        validation_split: float in (0, 1), the held-out share when
            `validation="split"`. Defaults to `0.1`.
        note: where the report states its protocol, or why this one was
            chosen where it is silent. Defaults to `""`.

    Example:

    >>> from keras_cifar_blocks.architectures import recipe
    >>> recipe("li2018_model1").protocol.validation
    'test'
    >>> Protocol(validation="none", reported="best")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `reported`. ...
    """

    validation: str
    reported: str = "final"
    validation_split: float = 0.1
    note: str = ""

    def __post_init__(self):
        validation.one_of("validation", self.validation, tuple(VALIDATION_DATA))
        validation.one_of("reported", self.reported, REPORTED_EPOCHS)
        if self.validation == "none" and self.reported == "best":
            raise ValueError(
                "Invalid value for argument `reported`. Expected 'final' "
                "when validation='none': without validation data there is "
                f"no best epoch. Received reported={self.reported!r}"
            )
        validation.open_fraction("validation_split", self.validation_split)

    def __str__(self) -> str:
        data = {
            "split": (
                f"trained on {1 - self.validation_split:.0%} of the "
                f"training images, validated on the other "
                f"{self.validation_split:.0%}"
            ),
            "test": "trained on all training images, validated on the test set",
            "none": "trained on all training images, no validation",
        }[self.validation]
        epoch = {"final": "the last epoch", "best": "the best epoch"}
        return f"{data}; reports {epoch[self.reported]}"


# The protocol of `train()`'s defaults, for recipes whose report is silent.
DEFAULT_PROTOCOL = Protocol(
    validation="split",
    reported="best",
    note=(
        "The report does not say what it validated on: a 10% stratified "
        "split of the training images, and the best epoch on it (train()'s "
        "defaults)."
    ),
)


@dataclasses.dataclass(frozen=True)
class PiecewiseConstantByEpoch:
    """A learning rate that changes at given epochs.

    The learning rate is `values[0]` for the first `boundaries[0]` epochs,
    then `values[1]` until epoch `boundaries[1]`, and so on: with
    `boundaries=(60, 120)`, epochs 0-59 (counted from 0) use `values[0]`
    and epoch 60 is the first to use `values[1]`.

    Attributes:
        boundaries: strictly increasing ints > 0, the epochs (counted from
            0) at which the next value starts.
        values: floats, one more than `boundaries`.
    """

    boundaries: tuple[int, ...]
    values: tuple[float, ...]

    needs_steps_per_epoch = True

    def __post_init__(self):
        boundaries = tuple(self.boundaries)
        values = tuple(self.values)
        for epoch in boundaries:
            validation.positive_int("boundaries", epoch)
        if list(boundaries) != sorted(set(boundaries)):
            raise ValueError(
                "Invalid value for argument `boundaries`. Expected strictly "
                f"increasing epochs. Received boundaries={boundaries}"
            )
        for value in values:
            validation.positive_float("values", value)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "Invalid value for argument `values`. Expected one more "
                f"value than boundaries ({len(boundaries) + 1}). Received "
                f"values={values}"
            )
        _set(self, "boundaries", boundaries)
        _set(self, "values", values)

    def __str__(self) -> str:
        steps = ", ".join(
            f"{value:g} until epoch {epoch}"
            for value, epoch in zip(self.values, self.boundaries, strict=False)
        )
        return f"{steps}, then {self.values[-1]:g}"

    def build(self, learning_rate, steps_per_epoch, epochs=None):
        """The Keras schedule, with epoch boundaries converted to steps."""
        del learning_rate, epochs  # values[0] is the initial rate.
        # Keras keeps values[i] while step <= boundaries[i], and the
        # optimizer counts steps from 0, so epoch e starts at step
        # e * steps_per_epoch: the boundary is the step before.
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [epoch * steps_per_epoch - 1 for epoch in self.boundaries],
            list(self.values),
        )


@dataclasses.dataclass(frozen=True)
class InverseTimeDecayByStep:
    """Keras 2's optimizer `decay`: `lr / (1 + decay_rate * step)`.

    Keras 3 optimizers have no `decay` argument; this is the same decay
    as a `keras.optimizers.schedules.InverseTimeDecay` with
    `decay_steps=1`.

    Attributes:
        decay_rate: float > 0, e.g. `1e-6`.
    """

    decay_rate: float

    needs_steps_per_epoch = False

    def __post_init__(self):
        validation.positive_float("decay_rate", self.decay_rate)

    def __str__(self) -> str:
        return f"lr / (1 + {self.decay_rate:g} * step)"

    def build(self, learning_rate, steps_per_epoch=None, epochs=None):
        """The Keras schedule."""
        del steps_per_epoch, epochs  # The decay counts steps only.
        return keras.optimizers.schedules.InverseTimeDecay(
            learning_rate, decay_steps=1, decay_rate=self.decay_rate
        )


@dataclasses.dataclass(frozen=True)
class WarmupCosineDecayByEpoch:
    """A one-cycle learning rate: linear warm-up, then cosine decay.

    Over the first `warmup_epochs` the learning rate rises linearly from
    `start_fraction * learning_rate` to the recipe's `learning_rate`, then
    falls along a cosine to `final_fraction * learning_rate` at the last
    step of the run. The run's length (epochs times steps per epoch) sets
    the shape, so a run with fewer epochs gets the whole cycle, shorter.
    It is `keras.optimizers.schedules.CosineDecay` with a warm-up.

    Attributes:
        warmup_epochs: float >= 0, the warm-up, in epochs (may be a
            fraction of one).
        start_fraction: float in (0, 1], the first step's learning rate
            as a fraction of the peak. Defaults to `0.1`.
        final_fraction: float in [0, 1), the last step's learning rate as
            a fraction of the peak. Defaults to `0.0`.
    """

    warmup_epochs: float
    start_fraction: float = 0.1
    final_fraction: float = 0.0

    needs_steps_per_epoch = True

    def __post_init__(self):
        if (
            isinstance(self.warmup_epochs, bool)
            or not isinstance(self.warmup_epochs, (int, float))
            or self.warmup_epochs < 0
        ):
            raise ValueError(
                "Invalid value for argument `warmup_epochs`. Expected a "
                f"number >= 0. Received warmup_epochs={self.warmup_epochs!r}"
            )
        if (
            isinstance(self.start_fraction, bool)
            or not isinstance(self.start_fraction, (int, float))
            or not 0.0 < self.start_fraction <= 1.0
        ):
            raise ValueError(
                "Invalid value for argument `start_fraction`. Expected a "
                "float in (0, 1]. Received "
                f"start_fraction={self.start_fraction!r}"
            )
        validation.rate("final_fraction", self.final_fraction)

    def __str__(self) -> str:
        return (
            f"linear warm-up from {self.start_fraction:g}x over "
            f"{self.warmup_epochs:g} epoch(s), then cosine decay to "
            f"{self.final_fraction:g}x"
        )

    def build(self, learning_rate, steps_per_epoch, epochs):
        """The Keras schedule for a run of `epochs` epochs."""
        validation.positive_int("epochs", epochs)
        total = epochs * steps_per_epoch
        warmup = min(round(self.warmup_epochs * steps_per_epoch), total - 1)
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=self.start_fraction * learning_rate,
            decay_steps=total - warmup,
            alpha=self.final_fraction,
            warmup_target=learning_rate,
            warmup_steps=warmup,
        )


@dataclasses.dataclass(frozen=True)
class TriangularByEpoch:
    """A learning rate that rises linearly to its peak, then falls linearly.

    The first step's rate is `start_fraction * learning_rate`; it reaches
    the recipe's `learning_rate` at `peak_fraction` of the run's steps
    and falls to `final_fraction * learning_rate` at the last step
    (airbench94: 0.2, 0.23 and 0.07). The run's length sets the shape, as
    for `WarmupCosineDecayByEpoch`. It builds a
    `keras_cifar_blocks.optimizers.PiecewiseLinearDecay`.

    Attributes:
        peak_fraction: float in (0, 1), where the peak lies, as a share
            of the run's steps.
        start_fraction: float >= 0, the first step's rate as a fraction of
            the peak. Defaults to `0.2`.
        final_fraction: float >= 0, the last step's rate as a fraction
            of the peak. Defaults to `0.07`.

    Example:

    >>> from keras_cifar_blocks.architectures.recipes import TriangularByEpoch
    >>> schedule = TriangularByEpoch(0.23).build(1.5, 49, 10)
    >>> schedule.boundaries, schedule.values
    ((0, 112, 490), (0.3, 1.5, 0.105))
    """

    peak_fraction: float
    start_fraction: float = 0.2
    final_fraction: float = 0.07

    needs_steps_per_epoch = True

    def __post_init__(self):
        validation.open_fraction("peak_fraction", self.peak_fraction)
        validation.non_negative_float("start_fraction", self.start_fraction)
        validation.non_negative_float("final_fraction", self.final_fraction)

    def __str__(self) -> str:
        return (
            f"linear from {self.start_fraction:g}x to the peak at "
            f"{self.peak_fraction:.0%} of the steps, then linear to "
            f"{self.final_fraction:g}x"
        )

    def build(self, learning_rate, steps_per_epoch, epochs):
        """The Keras schedule for a run of `epochs` epochs."""
        validation.positive_int("epochs", epochs)
        # At least one step up and one down, however short the run.
        total = max(epochs * steps_per_epoch, 2)
        peak = min(max(int(self.peak_fraction * total), 1), total - 1)
        return PiecewiseLinearDecay(
            (0, peak, total),
            (
                round(self.start_fraction * learning_rate, 12),
                learning_rate,
                round(self.final_fraction * learning_rate, 12),
            ),
        )


@dataclasses.dataclass(frozen=True)
class LookaheadRule:
    """The arguments of the `keras_cifar_blocks.optimizers.Lookahead`
    callback a recipe trains with (see there).

    Attributes:
        start_epoch: int >= 0, the first epoch that averages.
        every: int > 0, steps between two updates.
        decay: float in [0, 1), the decay per step.
        decay_power: float >= 0, the power of the run's progress on the
            decay.
    """

    start_epoch: int = 3
    every: int = 5
    decay: float = 0.95
    decay_power: float = 3.0

    def __post_init__(self):
        self.build()  # The callback checks the arguments.

    def __str__(self) -> str:
        return (
            f"from epoch {self.start_epoch}, every {self.every} steps, "
            f"decay {self.decay:g}^{self.every} x progress^"
            f"{self.decay_power:g}"
        )

    def build(self) -> Lookahead:
        """The `Lookahead` callback."""
        return Lookahead(**dataclasses.asdict(self))


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A table of runs a report compares, e.g. one per learning rate.

    Attributes:
        parameter: the setting the runs vary, e.g. `"learning_rate"`.
        columns: names of the table's columns.
        rows: tuples of values, one per run, in the order of `columns`.
    """

    parameter: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]

    def __post_init__(self):
        _check_str("parameter", self.parameter)
        _set(self, "columns", _check_strings("columns", self.columns))
        rows = tuple(tuple(row) for row in self.rows)
        for row in rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    "Invalid value for argument `rows`. Expected rows of "
                    f"{len(self.columns)} values. Received row={row}"
                )
        _set(self, "rows", rows)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a report trained one architecture, and what it measured.

    Build one with keyword arguments; `optimizer_options` may be given as
    a dict and is stored as a sorted tuple of `(name, value)` pairs, so
    that a recipe is immutable and hashable.

    Attributes:
        name: the architecture's registry name.
        dataset: `"cifar10"` or `"cifar100"`: the dataset the report
            trained on, which sets the model's default number of classes.
        optimizer: `"adam"`, `"sgd"` or `"rmsprop"`.
        learning_rate: float, the (initial) learning rate.
        batch_size: int.
        epochs: int, the number of epochs (the maximum, with early
            stopping).
        loss: `"categorical_crossentropy"` (one-hot labels) or
            `"sparse_categorical_crossentropy"` (integer labels).
        input_normalization: one of `INPUT_NORMALIZATIONS`: what the
            training loop does to the 0-255 images before the model.
        accuracy: the `Accuracy` the report documents.
        source: the `Source`: report and sections.
        optimizer_options: other optimizer arguments, e.g.
            `{"momentum": 0.9}`; each must be an argument of the Keras
            optimizer. Defaults to none.
        schedule: `None` (constant learning rate), a
            `PiecewiseConstantByEpoch`, an `InverseTimeDecayByStep`, a
            `WarmupCosineDecayByEpoch` or a `TriangularByEpoch`.
        early_stopping: an `EarlyStoppingRule`, or `None`.
        augmentation: name of a `keras_cifar_blocks.augmentation` preset
            (e.g. `"li2018"`), or `None`.
        other_accuracies: further documented accuracies, e.g. the paper's
            or another dataset's.
        sweeps: tables of runs the report compares (`Sweep`).
        notes: every choice made where the report leaves a detail open,
            each with its reason.
        label_smoothing: float in [0, 1): the training loss's label
            smoothing (labels become one-hot). Defaults to `0.0`.
        test_time_augmentation: `None`, `"flip"` or `"flip_translate"`:
            the test accuracy averages the predictions of each image and
            its mirror image (see
            `keras_cifar_blocks.training.predict_with_flip`), and with
            `"flip_translate"` those of both shifted by one pixel too.
        protocol: the report's data `Protocol` (what it trained and
            validated on, which epoch's accuracy it gives). Defaults to
            `DEFAULT_PROTOCOL`.
        lookahead: a `LookaheadRule` (weight averaging during training,
            a callback), or `None`. Defaults to `None`.

    Example:

    >>> from keras_cifar_blocks.architectures import recipe
    >>> r = recipe("wrn_28_10")
    >>> r.optimizer, r.batch_size, r.epochs
    ('sgd', 128, 200)
    >>> optimizer = r.make_optimizer(steps_per_epoch=r.steps_per_epoch(50_000))
    >>> round(float(optimizer.learning_rate), 4)
    0.1
    >>> [round(float(r.learning_rate_at(epoch, 391)), 4)
    ...  for epoch in (59, 60, 120, 160)]
    [0.1, 0.02, 0.004, 0.0008]
    """

    name: str
    dataset: str
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    loss: str
    input_normalization: str
    accuracy: Accuracy
    source: Source
    optimizer_options: tuple = ()
    schedule: (
        PiecewiseConstantByEpoch
        | InverseTimeDecayByStep
        | WarmupCosineDecayByEpoch
        | TriangularByEpoch
        | None
    ) = None
    early_stopping: EarlyStoppingRule | None = None
    augmentation: str | None = None
    other_accuracies: tuple[Accuracy, ...] = ()
    sweeps: tuple[Sweep, ...] = ()
    notes: tuple[str, ...] = ()
    label_smoothing: float = 0.0
    test_time_augmentation: str | None = None
    protocol: Protocol = DEFAULT_PROTOCOL
    lookahead: LookaheadRule | None = None

    def __post_init__(self):
        _check_str("name", self.name)
        validation.one_of("dataset", self.dataset, tuple(DATASETS))
        validation.one_of("optimizer", self.optimizer, OPTIMIZERS)
        validation.positive_float("learning_rate", self.learning_rate)
        validation.positive_int("batch_size", self.batch_size)
        validation.positive_int("epochs", self.epochs)
        validation.one_of("loss", self.loss, LOSSES)
        validation.one_of(
            "input_normalization",
            self.input_normalization,
            tuple(INPUT_NORMALIZATIONS),
        )
        _check_type("accuracy", self.accuracy, Accuracy)
        _check_type("source", self.source, Source)
        _set(self, "optimizer_options", self._checked_optimizer_options())
        if self.schedule is not None:
            _check_type(
                "schedule",
                self.schedule,
                (
                    PiecewiseConstantByEpoch,
                    InverseTimeDecayByStep,
                    WarmupCosineDecayByEpoch,
                    TriangularByEpoch,
                ),
            )
            if isinstance(self.schedule, PiecewiseConstantByEpoch) and (
                self.schedule.values[0] != self.learning_rate
            ):
                raise ValueError(
                    "Invalid value for argument `schedule`. Its first value "
                    "must be the learning rate "
                    f"({self.learning_rate}). Received {self.schedule}"
                )
        if self.early_stopping is not None:
            _check_type(
                "early_stopping", self.early_stopping, EarlyStoppingRule
            )
        if self.augmentation is not None:
            _check_str("augmentation", self.augmentation)
        _set(
            self,
            "other_accuracies",
            _check_tuple_of(
                "other_accuracies", self.other_accuracies, Accuracy
            ),
        )
        _set(self, "sweeps", _check_tuple_of("sweeps", self.sweeps, Sweep))
        _set(self, "notes", _check_strings("notes", self.notes))
        validation.rate("label_smoothing", self.label_smoothing)
        if self.test_time_augmentation is not None:
            validation.one_of(
                "test_time_augmentation",
                self.test_time_augmentation,
                TEST_TIME_AUGMENTATIONS,
            )
        _check_type("protocol", self.protocol, Protocol)
        if self.lookahead is not None:
            _check_type("lookahead", self.lookahead, LookaheadRule)
        if (
            self.early_stopping is not None
            and self.early_stopping.monitor.startswith("val_")
            and self.protocol.validation == "none"
        ):
            raise ValueError(
                "Invalid value for argument `protocol`. The early stopping "
                f"rule watches {self.early_stopping.monitor!r}, which needs "
                "validation data. Received protocol.validation='none'"
            )

    def _checked_optimizer_options(self) -> tuple:
        """`optimizer_options` as sorted `(name, value)` pairs, each an
        argument of the optimizer `keras.optimizers.get` names."""
        options = self.optimizer_options
        if isinstance(options, dict):
            options = options.items()
        options = tuple(sorted((str(key), value) for key, value in options))
        allowed = inspect.signature(optimizer_class(self.optimizer)).parameters
        for key, _ in options:
            if key not in allowed or key in ("learning_rate", "kwargs"):
                raise ValueError(
                    "Invalid value for argument `optimizer_options`. "
                    f"{key!r} is not an argument of the {self.optimizer!r} "
                    "optimizer (the learning rate has its own field). "
                    f"Received optimizer_options={dict(options)}"
                )
        return options

    @property
    def num_classes(self) -> int:
        """The number of classes of `dataset`."""
        return DATASETS[self.dataset]

    def steps_per_epoch(self, num_samples: int) -> int:
        """Batches per epoch for `num_samples` training images.

        Like `model.fit`, counts the last, partial batch.
        """
        validation.positive_int("num_samples", num_samples)
        return math.ceil(num_samples / self.batch_size)

    def learning_rate_schedule(self, steps_per_epoch: int | None = None):
        """The learning rate to give the optimizer: a float or a schedule.

        Args:
            steps_per_epoch: int, batches per epoch (see
                `steps_per_epoch()`); required when the schedule changes
                the learning rate at given epochs.

        Returns:
            `learning_rate` (a float) when the recipe has no schedule,
            else a `keras.optimizers.schedules.LearningRateSchedule`.
        """
        if self.schedule is None:
            return self.learning_rate
        if self.schedule.needs_steps_per_epoch:
            if steps_per_epoch is None:
                raise ValueError(
                    f"Recipe {self.name!r} changes its learning rate at "
                    "given epochs, so `steps_per_epoch` is required, e.g. "
                    "recipe.steps_per_epoch(50_000)."
                )
            validation.positive_int("steps_per_epoch", steps_per_epoch)
        return self.schedule.build(
            self.learning_rate, steps_per_epoch, self.epochs
        )

    def learning_rate_at(self, epoch: int, steps_per_epoch: int) -> float:
        """The learning rate of the first step of `epoch` (from 0)."""
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(
                "Invalid value for argument `epoch`. Expected an integer "
                f">= 0. Received epoch={epoch!r}"
            )
        schedule = self.learning_rate_schedule(steps_per_epoch)
        if not callable(schedule):
            return float(schedule)
        step = epoch * steps_per_epoch
        return float(keras.ops.convert_to_numpy(schedule(step)))

    def make_optimizer(self, steps_per_epoch: int | None = None):
        """A new Keras optimizer with the recipe's settings and schedule.

        Args:
            steps_per_epoch: int, batches per epoch; required when the
                learning rate changes at given epochs.

        Returns:
            A `keras.optimizers.Optimizer`.
        """
        return keras.optimizers.deserialize(
            {
                "class_name": self.optimizer,
                "config": {
                    "learning_rate": self.learning_rate_schedule(
                        steps_per_epoch
                    ),
                    **dict(self.optimizer_options),
                },
            }
        )

    def with_overrides(self, overrides) -> "Recipe":
        """This recipe with some of its training fields replaced.

        For a run that changes one detail of a documented recipe, e.g. to
        find which detail explains a gap to the report. Keys are fields of
        `OVERRIDABLE_FIELDS`; `"optimizer_options.NAME"` sets one
        optimizer option and keeps the others. `schedule`,
        `early_stopping` and `lookahead` take only `None` (off). The
        result is checked as any recipe is.

        Args:
            overrides: dict of field names (or `optimizer_options.NAME`)
                to values; `None` or `{}` gives this recipe.

        Returns:
            A new `Recipe`.

        Example:

        >>> from keras_cifar_blocks.architectures import recipe
        >>> base = recipe("li2018_model3_1")
        >>> changed = base.with_overrides(
        ...     {"optimizer_options.epsilon": 1e-14,
        ...      "input_normalization": "standardize_per_channel"})
        >>> dict(changed.optimizer_options)["epsilon"], changed.epochs
        (1e-14, 100)
        >>> base.with_overrides({"accuracy": 0.9})
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for argument `recipe_overrides`. ...
        """
        if overrides is None:
            return self
        if not isinstance(overrides, dict):
            raise TypeError(
                "Invalid type for argument `recipe_overrides`. Expected a "
                "dict of recipe fields to values or None. Received "
                f"recipe_overrides={overrides!r}"
            )
        fields = {}
        options = dict(self.optimizer_options)
        for key, value in overrides.items():
            field, _, option = str(key).partition(".")
            if field not in OVERRIDABLE_FIELDS or (
                option and field != "optimizer_options"
            ):
                raise ValueError(
                    "Invalid value for argument `recipe_overrides`. "
                    f"Expected keys among {list(OVERRIDABLE_FIELDS)} or "
                    "'optimizer_options.NAME'. Received "
                    f"recipe_overrides={overrides!r}"
                )
            if field in _OFF_ONLY_FIELDS and value is not None:
                raise ValueError(
                    "Invalid value for argument `recipe_overrides`. "
                    f"{field!r} can only be switched off (None). Received "
                    f"{key}={value!r}"
                )
            if option:
                options[option] = value
            elif field == "optimizer_options":
                options = dict(value or {})
            else:
                fields[field] = value
        if options != dict(self.optimizer_options):
            fields["optimizer_options"] = options
        return dataclasses.replace(self, **fields)

    def callbacks(self) -> list:
        """The Keras callbacks the recipe trains with (early stopping,
        Lookahead)."""
        callbacks = []
        if self.early_stopping is not None:
            callbacks.append(self.early_stopping.build())
        if self.lookahead is not None:
            callbacks.append(self.lookahead.build())
        return callbacks


def optimizer_class(name: str) -> type:
    """The Keras optimizer class `keras.optimizers.get(name)` instantiates.

    Found by Keras' own rule (the class name, lower-cased) without making
    an optimizer: an instance creates backend variables, which must not
    happen when the registry loads (JAX's multi-process start refuses to
    run after any computation).

    >>> optimizer_class("rmsprop").__name__
    'RMSprop'
    """
    for value in vars(keras.optimizers).values():
        if (
            isinstance(value, type)
            and issubclass(value, keras.optimizers.Optimizer)
            and value.__name__.lower() == name
        ):
            return value
    raise ValueError(
        "Invalid value for argument `optimizer`. Expected the name of a "
        f"Keras optimizer, e.g. 'adam'. Received optimizer={name!r}"
    )


def _check_type(name: str, value, types) -> None:
    if not isinstance(value, types):
        expected = (
            " or ".join(kind.__name__ for kind in types)
            if isinstance(types, tuple)
            else types.__name__
        )
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected {expected}. "
            f"Received {name}={value!r} of type {type(value).__name__}"
        )


def _check_tuple_of(name: str, value, cls) -> tuple:
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a tuple of "
            f"{cls.__name__}. Received {name}={value!r}"
        )
    for item in value:
        _check_type(name, item, cls)
    return tuple(value)
