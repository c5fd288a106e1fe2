"""Every documented architecture, by name.

`build(name)` returns the model, uncompiled, made of Keras core layers and
this package's blocks; `recipe(name)` returns how the report trained it
(a `Recipe`); `names()` lists them. Each entry is a config of one model
family (`ConvStackConfig`, `WideResNetConfig`, `TransferConfig`,
`FastCifarConfig`) and that family's builder; the entries live in the
family's presets module (`conv_stack_presets`, `wide_resnet_presets`,
`transfer_presets`, `fast_cifar_presets`), and the hypermodels read the
same configs for their documented points.

Example:

>>> from keras_cifar_blocks.architectures import build, names, recipe
>>> names()[:2]
['li2018_model1', 'li2018_model2_1']
>>> model = build("li2018_model1")
>>> model.count_params(), model.output_shape
(42442, (None, 10))
>>> recipe("li2018_model1").accuracy.value
0.6834
>>> build("ntua_simple_cnn").output_shape
(None, 100)
>>> build("li2018_model2_1", dropout=0.3, head_units=256).count_params()
620362
>>> build("li2018_model9")
Traceback (most recent call last):
...
ValueError: Invalid value for argument `name`. Expected one of [...]. ...
"""

import dataclasses
import functools
import importlib
from collections.abc import Callable

import keras

from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.utils import validation

# The modules that declare `ARCHITECTURES`, one per model family.
PRESETS = (
    "conv_stack_presets",
    "wide_resnet_presets",
    "transfer_presets",
    "fast_cifar_presets",
)


@dataclasses.dataclass(frozen=True)
class Architecture:
    """One named architecture: its config, builder, recipe and size.

    Attributes:
        name: the registry name, e.g. `"li2018_model1"`.
        builder: the family's builder, `builder(config, num_classes,
            input_shape, *, name, classifier_activation)`, returning an
            uncompiled `keras.Model` (e.g. `conv_stack`).
        config: the frozen dataclass the builder takes (e.g. a
            `ConvStackConfig`): the architecture as data.
        recipe: the `Recipe` the report trained it with.
        description: one line on what the model is.
        parameters: int, the parameter count of `build(name)` (default
            classes and input shape); a test pins it.
        trainable_parameters: int, its trainable parameters; `None` when
            all are trainable.
        documented_parameters: the count the report prints, as it prints
            it (e.g. `"42,442"` or `"1.3M"`), or `None`.
        options: the fields of `config` the report leaves open (or
            that one would vary first), listed on the architectures page.
            `build` takes any field of `config` as an override, and
            `classifier_activation`.

    Example:

    >>> from keras_cifar_blocks.architectures import get_architecture
    >>> entry = get_architecture("li2018_model3_1")
    >>> entry.config.stage_dropouts(), entry.options
    ((0.2, 0.3, 0.4), ('activation', 'dropout', 'l2'))
    >>> entry.build(filters=(64, 128, 256)).count_params()  # twice as wide
    1189962
    """

    name: str
    builder: Callable[..., keras.Model]
    config: object
    recipe: Recipe
    description: str
    parameters: int
    trainable_parameters: int | None = None
    documented_parameters: str | None = None
    options: tuple[str, ...] = ()

    def __post_init__(self):
        if self.recipe.name != self.name:
            raise ValueError(
                f"Architecture {self.name!r} has the recipe of "
                f"{self.recipe.name!r}."
            )
        fields = {field.name for field in dataclasses.fields(self.config)}
        unknown = sorted(set(self.options) - fields)
        if unknown:
            raise ValueError(
                f"Architecture {self.name!r} offers overrides {unknown} "
                f"that its {type(self.config).__name__} does not have."
            )

    @property
    def dataset(self) -> str:
        """The dataset the report trained on (`"cifar10"`/`"cifar100"`)."""
        return self.recipe.dataset

    @property
    def num_classes(self) -> int:
        """The number of classes of `dataset`: the default output size."""
        return self.recipe.num_classes

    @property
    def overrides(self) -> dict:
        """The valid overrides and their defaults: `options` first, then
        the other fields of `config`, then `classifier_activation`."""
        fields = [field.name for field in dataclasses.fields(self.config)]
        ordered = [*self.options, *(f for f in fields if f not in self.options)]
        return {
            **{field: getattr(self.config, field) for field in ordered},
            "classifier_activation": "softmax",
        }

    def check_overrides(self, overrides) -> None:
        """Raises a TypeError naming any key that is not an override."""
        unknown = sorted(set(overrides) - set(self.overrides))
        if unknown:
            raise TypeError(
                f"Unknown override(s) {unknown} for architecture "
                f"{self.name!r}. Valid overrides: the fields of its "
                f"{type(self.config).__name__}, {list(self.overrides)}"
            )

    def build(self, num_classes=None, input_shape=(32, 32, 3), **overrides):
        """The model; see `keras_cifar_blocks.architectures.build`."""
        self.check_overrides(overrides)
        valid = self.overrides
        if num_classes is None:
            num_classes = self.num_classes
        validation.positive_int("num_classes", num_classes)
        input_shape = validation.image_shape("input_shape", input_shape)
        classifier_activation = overrides.pop(
            "classifier_activation", valid["classifier_activation"]
        )
        # `None` for an option that cannot be `None` (`weights=None` can)
        # asks for the architecture's own value, e.g. li2018 model 3's
        # per-stage dropout rates.
        nullable = {
            field.name
            for field in dataclasses.fields(self.config)
            if "None" in str(field.type)
        }
        overrides = {
            option: value
            for option, value in overrides.items()
            if value is not None or option in nullable
        }
        return self.builder(
            dataclasses.replace(self.config, **overrides),
            num_classes,
            input_shape,
            name=self.name,
            classifier_activation=classifier_activation,
        )


@functools.cache
def _registry() -> dict[str, Architecture]:
    # The presets modules import this one (for `Architecture`), so they
    # are loaded on first use, not at import.
    from keras_cifar_blocks.architectures.reports import REPORTS

    citations = [report.citation for report in REPORTS]
    entries = [
        entry
        for module in PRESETS
        for entry in importlib.import_module(
            f"keras_cifar_blocks.architectures.{module}"
        ).ARCHITECTURES
    ]
    # Report by report; within a report, family by family.
    entries.sort(
        key=lambda entry: citations.index(entry.recipe.source.citation)
    )
    registry = {}
    for entry in entries:
        if entry.name in registry:
            raise RuntimeError(f"Duplicate architecture {entry.name!r}")
        registry[entry.name] = entry
    return registry


def names() -> list[str]:
    """The names of all architectures, grouped by report.

    Example:

    >>> from keras_cifar_blocks.architectures import names
    >>> len(names()), "wrn_28_10" in names()
    (19, True)
    """
    return list(_registry())


def get_architecture(name) -> Architecture:
    """The registry entry of an architecture.

    Args:
        name: an architecture name; see `names()`.

    Returns:
        The `Architecture`: builder, recipe, pinned parameter count and
        valid overrides.

    Raises:
        ValueError: if `name` is unknown; the message lists the valid
            names.

    Example:

    >>> from keras_cifar_blocks.architectures import get_architecture
    >>> entry = get_architecture("donzella_inception_resnet_v2")
    >>> entry.parameters, entry.trainable_parameters
    (55193194, 855178)
    >>> entry.options
    ('weights', 'dropout', 'image_size', 'trainable')
    >>> list(entry.overrides)[:4], "backbone" in entry.overrides
    (['weights', 'dropout', 'image_size', 'trainable'], True)
    """
    registry = _registry()
    if not isinstance(name, str) or name not in registry:
        validation.one_of("name", name, tuple(registry))
    return registry[name]


def build(name, num_classes=None, input_shape=(32, 32, 3), **overrides):
    """Build a documented architecture by name.

    The model is uncompiled and contains no augmentation (the recipe
    names the preset; the training loop applies it). Compile it with the
    recipe: `recipe(name).make_optimizer(steps_per_epoch)` and
    `recipe(name).loss`.

    Args:
        name: an architecture name; see `names()`.
        num_classes: int, output classes. Defaults to the classes of the
            dataset the report trained on (10 for CIFAR-10, 100 for
            CIFAR-100).
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        **overrides: fields of the architecture's config to replace,
            e.g. `dropout`, `l2` or, for transfer models, `weights=None`
            (`get_architecture(name).options` lists those the report
            leaves open, the architectures page explains them; any other
            field of the config is taken too, e.g. `filters`), and
            `classifier_activation`. `None` for an option that cannot be
            `None` keeps the architecture's own value.

    Returns:
        An uncompiled `keras.Model` named `name`.

    Raises:
        ValueError: if `name` is unknown (the message lists the valid
            names) or an argument is invalid.
        TypeError: if an override is not valid for the architecture (the
            message lists the valid ones).
    """
    return get_architecture(name).build(num_classes, input_shape, **overrides)


def recipe(name) -> Recipe:
    """The documented training recipe of an architecture.

    Args:
        name: an architecture name; see `names()`.

    Returns:
        The `Recipe`, a frozen dataclass.

    Raises:
        ValueError: if `name` is unknown; the message lists the valid
            names.

    Example:

    >>> from keras_cifar_blocks.architectures import recipe
    >>> donzella = recipe("donzella_cnn")
    >>> (donzella.optimizer, donzella.batch_size,
    ...  donzella.early_stopping.monitor, donzella.augmentation)
    ('adam', 128, 'accuracy', 'donzella')
    >>> donzella.source.report
    '004_753b23262839900e.txt'
    """
    return get_architecture(name).recipe
