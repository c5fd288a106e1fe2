"""Every architecture the seed reports document, by name.

`build(name)` returns the model, uncompiled, made of Keras core layers and
this package's blocks; `recipe(name)` returns how the report trained it
(a `Recipe`); `names()` lists them. Each model family lives in its own
module (`li2018`, `zagoruyko2016`, `schnack2022`, `donzella`, `ntua`,
`badzioch2024`, and this package's own `fast_cifar`), which declares its
`ARCHITECTURES`.

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
import inspect
from collections.abc import Callable

import keras

from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.utils import validation as check

# The modules that declare `ARCHITECTURES`, in the order `names()` lists
# them.
FAMILIES = (
    "li2018",
    "zagoruyko2016",
    "schnack2022",
    "donzella",
    "ntua",
    "badzioch2024",
    "fast_cifar",
)

# Builder arguments the registry sets itself; never overrides.
_RESERVED = ("num_classes", "input_shape", "name")


@dataclasses.dataclass(frozen=True)
class Architecture:
    """One named architecture: its builder, recipe and pinned size.

    Attributes:
        name: the registry name, e.g. `"li2018_model1"`.
        builder: `builder(num_classes, input_shape, *, name, **overrides)`
            returning an uncompiled `keras.Model`. Its keyword-only
            arguments, less `name` and those in `fixed`, are the valid
            overrides.
        recipe: the `Recipe` the report trained it with.
        description: one line on what the model is.
        parameters: int, the parameter count of `build(name)` (default
            classes and input shape); a test pins it.
        trainable_parameters: int, its trainable parameters; `None` when
            all are trainable.
        documented_parameters: the count the report prints, as it prints
            it (e.g. `"42,442"` or `"1.3M"`), or `None`.
        fixed: `(argument, value)` pairs that make this variant of the
            builder (e.g. `(("stages", 3),)`); not overridable.
    """

    name: str
    builder: Callable[..., keras.Model]
    recipe: Recipe
    description: str
    parameters: int
    trainable_parameters: int | None = None
    documented_parameters: str | None = None
    fixed: tuple = ()

    def __post_init__(self):
        if self.recipe.name != self.name:
            raise ValueError(
                f"Architecture {self.name!r} has the recipe of "
                f"{self.recipe.name!r}."
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
        """The valid overrides and their defaults, in signature order."""
        fixed = dict(self.fixed)
        return {
            key: parameter.default
            for key, parameter in inspect.signature(
                self.builder
            ).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY
            and key not in _RESERVED
            and key not in fixed
        }

    def build(self, num_classes=None, input_shape=(32, 32, 3), **overrides):
        """The model; see `keras_cifar_blocks.architectures.build`."""
        valid = self.overrides
        unknown = sorted(set(overrides) - set(valid))
        if unknown:
            raise TypeError(
                f"Unknown override(s) {unknown} for architecture "
                f"{self.name!r}. Valid overrides: {list(valid)}"
            )
        if num_classes is None:
            num_classes = self.num_classes
        check.positive_int("num_classes", num_classes)
        input_shape = check.image_shape("input_shape", input_shape)
        return self.builder(
            num_classes,
            input_shape,
            name=self.name,
            **dict(self.fixed),
            **overrides,
        )


@functools.cache
def _registry() -> dict[str, Architecture]:
    # The family modules import this one (for `Architecture` and the
    # argument helpers), so they are loaded on first use, not at import.
    entries = {}
    for family in FAMILIES:
        module = importlib.import_module(
            f"keras_cifar_blocks.architectures.{family}"
        )
        for entry in module.ARCHITECTURES:
            if entry.name in entries:
                raise RuntimeError(f"Duplicate architecture {entry.name!r}")
            entries[entry.name] = entry
    return entries


def names() -> list[str]:
    """The names of all architectures, grouped by report.

    Example:

    >>> from keras_cifar_blocks.architectures import names
    >>> len(names()), "wrn_28_10" in names()
    (18, True)
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
    >>> list(entry.overrides)
    ['weights', 'dropout', 'image_size', 'trainable', 'classifier_activation']
    """
    registry = _registry()
    if not isinstance(name, str) or name not in registry:
        check.one_of("name", name, tuple(registry))
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
        **overrides: the architecture's own options, e.g. `dropout`, `l2`
            or, for transfer models, `weights=None`; see
            `get_architecture(name).overrides` and the architectures page
            of the docs.

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
    >>> r = recipe("donzella_cnn")
    >>> r.optimizer, r.batch_size, r.early_stopping.monitor, r.augmentation
    ('adam', 128, 'accuracy', 'donzella')
    >>> r.source.seed
    '004_753b23262839900e.txt'
    """
    return get_architecture(name).recipe


# Argument helpers shared by the family modules.


def per_stage(name: str, value, stages: int) -> tuple[float, ...]:
    """A dropout rate per stage from a float or a sequence of floats."""
    if isinstance(value, (tuple, list)):
        if len(value) != stages:
            raise ValueError(
                f"Invalid value for argument `{name}`. Expected a float in "
                f"[0, 1) or a sequence of {stages} such floats (one per "
                f"stage). Received {name}={value!r}"
            )
        return tuple(check.rate(name, v) for v in value)
    return (check.rate(name, value),) * stages


def l2_regularizer(value):
    """`keras.regularizers.L2(value)`, or `None` for a factor of 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value < 0
    ):
        raise ValueError(
            "Invalid value for argument `l2`. Expected a float >= 0. "
            f"Received l2={value!r}"
        )
    return keras.regularizers.L2(value) if value else None
