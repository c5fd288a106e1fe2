"""`TuneSettings`: the checked settings of a search (see `tune`).

`tune` turns its arguments into one frozen `TuneSettings` before it
touches any file or data; `config.json` records `as_config()`, and a
resumed search is compared on it.
"""

import dataclasses
import math

import keras

from keras_cifar_blocks.training.settings import DEFAULT_VALIDATION_SPLIT
from keras_cifar_blocks.training.settings import PRECISIONS
from keras_cifar_blocks.training.settings import recorded
from keras_cifar_blocks.utils import validation

# The spaces by name (`tune.SPACES` maps them to their hypermodels).
SPACE_NAMES = ("conv_stack", "wide_resnet", "transfer")
TUNERS = ("hyperband", "random", "bayesian")
VERBOSITIES = (0, 1, 2, "auto")
# Trials of a random or Bayesian search when `max_trials` is not given.
DEFAULT_MAX_TRIALS = 20
# Settings a resumed search may change; any other change is refused.
RESUMABLE_CHANGES = (
    "max_trials",
    "evaluate",
    "test_subset",
    "verbose",
    "time_budget",
)
# Settings that searches recorded before they existed had, in effect.
LEGACY_SETTINGS = {"precision": "float32"}


@dataclasses.dataclass(frozen=True)
class TuneSettings:
    """The settings of a search, checked; see `tune` for each.

    `max_trials` is filled in for random and Bayesian search (20) and
    refused for Hyperband, whose budget `epochs`, `factor` and
    `hyperband_iterations` set. `precision` `None` is Keras' global dtype
    policy when the settings are made.

    Example:

    >>> from keras_cifar_blocks.hypermodels.tune_settings import TuneSettings
    >>> settings = TuneSettings("conv_stack", tuner="random")
    >>> settings.max_trials, settings.as_config()["val_split"]
    (20, 0.1)
    >>> TuneSettings("conv_stack", precision="mixed_bfloat16").precision
    'mixed_bfloat16'
    >>> TuneSettings("conv_stack", seed=-1)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `seed`. Expected a non-negative ...
    """

    space: str
    tuner: str = "hyperband"
    epochs: int = 10
    max_trials: int | None = None
    factor: int = 3
    hyperband_iterations: int = 1
    batch_size: int = 128
    subset: int | None = None
    validation_split: float = DEFAULT_VALIDATION_SPLIT
    test_subset: int | None = None
    seed: int = 0
    documented_first: bool = True
    fixed: dict = dataclasses.field(default_factory=dict)
    options: dict = dataclasses.field(default_factory=dict)
    early_stopping_patience: int | None = None
    evaluate: bool = False
    verbose: object = 0
    time_budget: float | None = None
    precision: str | None = None

    def __post_init__(self):
        if not isinstance(self.space, str):
            raise TypeError(
                "Invalid type for argument `space`. Expected a space name, "
                f"one of {list(SPACE_NAMES)}. Received space={self.space!r}"
            )
        validation.one_of("space", self.space, SPACE_NAMES)
        validation.one_of("tuner", self.tuner, TUNERS)
        validation.positive_int("epochs", self.epochs)
        self._set("max_trials", self._checked_budget())
        validation.positive_int("batch_size", self.batch_size)
        for name in ("subset", "test_subset", "early_stopping_patience"):
            if getattr(self, name) is not None:
                validation.positive_int(name, getattr(self, name))
        self._set(
            "validation_split",
            validation.open_fraction("validation_split", self.validation_split),
        )
        self._set("seed", validation.seed("seed", self.seed, optional=False))
        validation.boolean("documented_first", self.documented_first)
        validation.boolean("evaluate", self.evaluate)
        for name in ("fixed", "options"):
            self._set(name, _dictionary(name, getattr(self, name)))
        if "dtype_policy" in self.options:
            raise ValueError(
                "Invalid value for argument `options`. The dtype policy of "
                "a search is its `precision` argument. Received options="
                f"{self.options!r}"
            )
        validation.one_of("verbose", self.verbose, VERBOSITIES)
        budget = self.time_budget
        if budget is not None and (
            isinstance(budget, bool)
            or not isinstance(budget, (int, float))
            or not 0 < budget < math.inf
        ):
            raise ValueError(
                "Invalid value for argument `time_budget`. Expected a number "
                f"of seconds > 0, or None. Received time_budget={budget!r}"
            )
        if self.precision is None:
            self._set("precision", keras.config.dtype_policy().name)
        else:
            validation.one_of("precision", self.precision, PRECISIONS)

    def _set(self, name: str, value) -> None:
        # Frozen: normalized values go in the way `dataclasses` does.
        object.__setattr__(self, name, value)

    def _checked_budget(self) -> int | None:
        """`max_trials`, checked against the tuner, with its default."""
        if self.tuner != "hyperband":
            if self.max_trials is None:
                return DEFAULT_MAX_TRIALS
            return validation.positive_int("max_trials", self.max_trials)
        if self.max_trials is not None:
            raise ValueError(
                "Invalid value for argument `max_trials`. Hyperband's "
                "budget is set by `epochs` (max_epochs), `factor` and "
                "`hyperband_iterations`; use max_trials with tuner='random' "
                f"or 'bayesian'. Received max_trials={self.max_trials!r}"
            )
        factor = self.factor
        if (
            isinstance(factor, bool)
            or not isinstance(factor, int)
            or factor < 2
        ):
            raise ValueError(
                "Invalid value for argument `factor`. Expected an integer "
                f">= 2. Received factor={factor!r}"
            )
        validation.positive_int(
            "hyperband_iterations", self.hyperband_iterations
        )
        return None

    def as_config(self) -> dict:
        """The settings as `config.json` records them (`recorded`)."""
        return recorded(self)


def _dictionary(name: str, value) -> dict:
    value = {} if value is None else value
    if not isinstance(value, dict):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a dict. "
            f"Received {name}={value!r} of type {type(value).__name__}"
        )
    return dict(value)
