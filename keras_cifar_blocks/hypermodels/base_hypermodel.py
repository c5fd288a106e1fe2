"""What the package's hypermodels share: fixed arguments, compile, data.

A hypermodel here is a `keras_tuner.HyperModel` that validates its fixed
arguments in `__init__`, declares its whole search space with defaults
in `declare_hyperparameters(hp)` (which `build(hp)` calls first), checks
the chosen values before it builds anything, builds only from this
package's blocks and Keras core layers, and compiles with the optimizer
and learning rate the hyperparameters choose.

Data contract: every hypermodel is searched with raw 0-255 pixels (the
CIFAR arrays as `load_cifar10` returns them). `fit` hands each model its
pixels the way its architecture expects them (`preprocess`), so models
with and without an internal `Rescaling` layer compete on the same data.
"""

import dataclasses
import time

import keras
import keras_tuner
import numpy as np
from keras_tuner.engine import hyperparameters as hp_types

from keras_cifar_blocks import architectures
from keras_cifar_blocks.training.settings import PRECISIONS
from keras_cifar_blocks.training.settings import dtype_policy as policy_scope
from keras_cifar_blocks.utils import validation

# Optimizer names as `keras.optimizers.get` spells them.
OPTIMIZERS = ("adam", "sgd", "rmsprop")
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy")
# Hyperband's bookkeeping values, which are not part of any space.
TUNER_KEYS_PREFIX = "tuner/"
# Entries `fit` adds to each trial's History, which KerasTuner records as
# the trial's metrics.
PARAMETERS = "parameters"
SECONDS = "seconds"
# Scaled copies of the training and validation images kept between
# trials (`preprocess`), so a search does not allocate them per trial.
_CACHE_SIZE = 4


class InvalidHyperparametersError(
    ValueError, keras_tuner.errors.FailedTrialError
):
    """Hyperparameter values from which no model can be built.

    Raised by a hypermodel's `build` and `validate` before any layer is
    created, when a value lies outside the declared space (every value
    inside the spaces of this package builds a model; a subclass may
    reject more in `_check`). It is a `ValueError` and a
    `keras_tuner.errors.FailedTrialError`: a tuner marks such a trial
    failed and moves on without retrying it.
    """


def _invalid(name: str, expected: str, value) -> InvalidHyperparametersError:
    return InvalidHyperparametersError(
        f"Invalid value for hyperparameter `{name}`. Expected {expected}. "
        f"Received {name}={value!r}"
    )


def check_choices(name: str, values, allowed=None) -> tuple:
    """A non-empty tuple of distinct values, each in `allowed` if given."""
    if isinstance(values, (str, bytes)) or not isinstance(
        values, (tuple, list)
    ):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a tuple of "
            f"values. Received {name}={values!r} of type "
            f"{type(values).__name__}"
        )
    values = tuple(values)
    if not values or len(set(values)) != len(values):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a non-empty "
            f"tuple of distinct values. Received {name}={values!r}"
        )
    if allowed is not None:
        for value in values:
            if value not in allowed:
                raise ValueError(
                    f"Invalid value for argument `{name}`. Expected values "
                    f"from {list(allowed)}. Received {name}={values!r}"
                )
    return values


def check_learning_rate_range(value) -> tuple[float, float]:
    """`(low, high)` with `0 < low <= high`, as floats."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or any(
            isinstance(bound, bool)
            or not isinstance(bound, (int, float))
            or bound <= 0
            for bound in value
        )
        or value[0] > value[1]
    ):
        raise ValueError(
            "Invalid value for argument `learning_rate_range`. Expected a "
            "pair `(low, high)` of floats with 0 < low <= high. Received "
            f"learning_rate_range={value!r}"
        )
    return float(value[0]), float(value[1])


# Declaring hyperparameters. KerasTuner returns an existing value as it
# is, even one a caller fixed outside the declared range (`hp.Fixed`), so
# each helper checks the value it gets.
#
# A conditional hyperparameter (`when={parent: values}`) is declared with
# KerasTuner's `Parent` conditions attached, and only once per name: a
# name declared under several conditions (e.g. one range of `stages` per
# padding) loses its drawn value, because `HyperParameters.
# ensure_active_values`, which the oracle runs on every trial, removes it
# whenever any of the declarations is inactive (KerasTuner 1.4). A name
# the caller fixed (`hp.Fixed`, as `tune(fixed=...)` does) keeps its
# value: a conditional declaration of it would be a second, drawn copy
# overriding the fixed one in every random draw. Every hyperparameter is
# declared on every build, so the tuners need no extra builds to find the
# conditional ones (KerasTuner's `_activate_all_conditions`).


def _fixed_def(hp, name):
    """The caller's unconditional `hp.Fixed(name, ...)`, or None."""
    for hp_def in hp.space:
        if (
            hp_def.name == name
            and isinstance(hp_def, hp_types.Fixed)
            and not hp_def.conditions
        ):
            return hp_def
    return None


def _with_conditions(hp_def, when):
    """A copy of `hp_def` active only when each parent has one of its
    values; `when` is a dict or a sequence of `(parent, values)` pairs."""
    pairs = list(when.items()) if isinstance(when, dict) else list(when)
    if not pairs:
        return hp_def
    config = hp_def.get_config()
    config["conditions"] = [
        {
            "class_name": "Parent",
            "config": {"name": name, "values": list(values)},
        }
        for name, values in pairs
    ]
    return type(hp_def).from_config(config)


def _conditions_hold(hp, hp_def) -> bool:
    return all(
        condition.is_active(hp.values) for condition in hp_def.conditions
    )


def _value(hp, hp_def):
    """Declares `hp_def` on `hp`; its value, or None while inactive."""
    fixed = _fixed_def(hp, hp_def.name)
    if fixed is not None:
        if not _conditions_hold(hp, hp_def):
            return None
        return hp.values.get(hp_def.name, fixed.value)
    hp.merge([hp_def], overwrite=False)
    if not hp.is_active(hp_def):
        return None
    return hp.values.setdefault(hp_def.name, hp_def.default)


def choice(hp, name, values, default, when=None):
    """`hp.Choice`, checking that the value is one of `values`.

    `when`: optional `{parent name: values}`; the hyperparameter is active
    (not None) only when every parent has one of its values.
    """
    hp_def = hp_types.Choice(name, list(values), default=default)
    value = _value(hp, _with_conditions(hp_def, when or {}))
    if value is not None and value not in values:
        raise _invalid(name, f"one of {list(values)}", value)
    return value


def boolean(hp, name, default, when=None):
    """`hp.Boolean`, checking that the value is a bool."""
    hp_def = hp_types.Boolean(name, default=default)
    value = _value(hp, _with_conditions(hp_def, when or {}))
    if value is not None and not isinstance(value, bool):
        raise _invalid(name, "a bool", value)
    return value


def integer(hp, name, min_value, max_value, default, step=1, when=None):
    """`hp.Int`, checking range and step."""
    hp_def = hp_types.Int(
        name, min_value, max_value, step=step, default=default
    )
    value = _value(hp, _with_conditions(hp_def, when or {}))
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not min_value <= value <= max_value
        or (value - min_value) % step
    ):
        steps = f" in steps of {step} from {min_value}" if step != 1 else ""
        raise _invalid(
            name, f"an integer in [{min_value}, {max_value}]{steps}", value
        )
    return value


def number(
    hp, name, min_value, max_value, default, step=None, log=False, when=None
):
    """`hp.Float`, checking range (and step, for linear sampling)."""
    hp_def = hp_types.Float(
        name,
        min_value,
        max_value,
        step=step,
        sampling="log" if log else "linear",
        default=default,
    )
    value = _value(hp, _with_conditions(hp_def, when or {}))
    if value is None:
        return value
    tolerance = 1e-9 * max(1.0, abs(max_value))
    off_grid = (
        step is not None
        and not log
        and isinstance(value, (int, float))
        and abs((value - min_value) / step - round((value - min_value) / step))
        > 1e-6
    )
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not min_value - tolerance <= value <= max_value + tolerance
        or off_grid
    ):
        steps = f" in steps of {step}" if step is not None and not log else ""
        raise _invalid(
            name, f"a float in [{min_value}, {max_value}]{steps}", value
        )
    return float(value)


def _legal(hp_def, value):
    """`value` in the canonical type of `hp_def`, or None if illegal."""
    config = hp_def.get_config()
    kind = type(hp_def).__name__
    if kind == "Boolean":
        return value if isinstance(value, bool) else None
    if kind == "Fixed":
        return value if value == config["value"] else None
    if kind == "Choice":
        for allowed in config["values"]:
            if isinstance(value, bool) == isinstance(allowed, bool) and (
                value == allowed
            ):
                return allowed
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high, step = config["min_value"], config["max_value"], config["step"]
    linear = config.get("sampling", "linear") == "linear"
    if kind == "Int":
        if value != int(value) or not low <= value <= high:
            return None
        if step and linear and (int(value) - low) % step:
            return None
        return int(value)
    tolerance = 1e-9 * max(1.0, abs(high))
    if not low - tolerance <= value <= high + tolerance:
        return None
    if step and linear:
        index = (value - low) / step
        if abs(index - round(index)) > 1e-6:
            return None
    return float(value)


def describe(hp_def) -> str:
    """The values a hyperparameter allows, in words."""
    config = hp_def.get_config()
    kind = type(hp_def).__name__
    if kind == "Boolean":
        return "a bool"
    if kind == "Fixed":
        return f"{config['value']!r} (fixed)"
    if kind == "Choice":
        return f"one of {config['values']}"
    noun = "an integer" if kind == "Int" else "a float"
    text = f"{noun} in [{config['min_value']}, {config['max_value']}]"
    step = config["step"]
    if step and config.get("sampling", "linear") == "linear":
        if kind == "Float" or step != 1:
            text += f" in steps of {step}"
    return text


def check_values(space, values, name="point") -> dict:
    """Checks hyperparameter values against a space and completes them.

    Args:
        space: a `keras_tuner.HyperParameters` holding the declared space,
            e.g. `hypermodel.space()` or `tuner.oracle.get_space()`.
        values: dict `{hyperparameter name: value}`; hyperparameters it
            leaves out take their defaults.
        name: what to call `values` in error messages.

    Returns:
        A dict with a value for every hyperparameter that is active under
        `values`, in the order of the space, each in the type of its
        hyperparameter (e.g. `2.0` for a `Choice` of floats given `2`).

    Raises:
        TypeError: if `values` is not a dict.
        ValueError: if a name is not in the space, a value is not one the
            space allows, or a value is given for a hyperparameter whose
            condition does not hold (e.g. `order` without `batch_norm`).

    Example:

    >>> import keras_tuner
    >>> from keras_cifar_blocks.hypermodels.base_hypermodel import (
    ...     check_values)
    >>> space = keras_tuner.HyperParameters()
    >>> space.Int("units", 8, 64, step=8, default=32)
    32
    >>> check_values(space, {})
    {'units': 32}
    >>> check_values(space, {"units": 12})
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for hyperparameter `units` in point. ...
    """
    if not isinstance(values, dict):
        raise TypeError(
            f"Invalid type for `{name}`. Expected a dict of hyperparameter "
            f"values. Received {values!r} of type {type(values).__name__}"
        )
    values = {
        key: value
        for key, value in values.items()
        if not str(key).startswith(TUNER_KEYS_PREFIX)
    }
    known = {hp_def.name for hp_def in space.space}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(
            f"Unknown hyperparameter(s) {unknown} in {name}. The space "
            f"has: {sorted(known)}"
        )
    hps = keras_tuner.HyperParameters()
    hps.values = dict(values)
    for hp_def in space.space:
        hps.merge([hp_def], overwrite=False)
    for key, value in values.items():
        active = [
            hp_def
            for hp_def in space.space
            if hp_def.name == key and hps.is_active(hp_def)
        ]
        if not active:
            conditions = {
                str(condition.name): condition.values
                for hp_def in space.space
                if hp_def.name == key
                for condition in hp_def.conditions
            }
            raise ValueError(
                f"Hyperparameter `{key}` in {name} is inactive: it is used "
                f"only when {conditions} (name: allowed values). Received "
                f"{key}={value!r}"
            )
        legal = _legal(active[0], value)
        if legal is None:
            raise ValueError(
                f"Invalid value for hyperparameter `{key}` in {name}. "
                f"Expected {describe(active[0])}. Received {key}={value!r}"
            )
        hps.values[key] = legal
    return {
        hp_def.name: hps.values[hp_def.name]
        for hp_def in space.space
        if hps.is_active(hp_def) and hp_def.name in hps.values
    }


class CifarHyperModel(keras_tuner.HyperModel):
    """Base of `ConvStackHyperModel`, `WideResNetHyperModel` and
    `TransferHyperModel`: the fixed arguments they share, the optimizer
    hyperparameters, compile, the data contract and documented points.

    Subclasses declare their architecture's hyperparameters in
    `_declare(hp)` (returning plain settings), check them in
    `_check(settings)`, turn them into their family's config (`CONFIG`,
    e.g. a `ConvStackConfig`) in `_config(settings)` and build it in
    `_build_model(settings)` with the registry's own builder. The
    documented points are the registry's architectures of that family,
    each config turned into values by `_point(config)`.

    Args:
        num_classes: int, number of output classes.
        input_shape: shape of one input image.
        optimizers: the optimizers the `optimizer` hyperparameter chooses
            from: `"adam"`, `"sgd"` (with `momentum`) and `"rmsprop"`.
        learning_rate_range: `(low, high)` of the `learning_rate`
            hyperparameter, sampled on a log scale.
        momentum: SGD momentum.
        nesterov: bool, Nesterov momentum for SGD.
        loss: `"sparse_categorical_crossentropy"` (integer labels) or
            `"categorical_crossentropy"` (one-hot labels).
        name: optional name of the hypermodel.
        tunable: bool, whether `build` adds its hyperparameters to the
            search space (KerasTuner's `HyperModel(tunable=...)`).
        dtype_policy: the dtype policy every model is built under
            (`"float32"`, `"mixed_bfloat16"` or `"mixed_float16"`).
            Defaults to Keras' global policy when the hypermodel is made:
            tuners clear Keras' session, and with it the global policy,
            before each build.
    """

    # The config class of the registry's architectures this space holds.
    CONFIG = None
    # The `optimizer` and `learning_rate` hyperparameters' defaults.
    DEFAULT_OPTIMIZER = "adam"
    DEFAULT_LEARNING_RATE = 1e-3
    # Config fields that only name layers: `architecture_of` keeps base's.
    LABEL_FIELDS = ()

    def __init__(
        self,
        num_classes,
        input_shape=(32, 32, 3),
        *,
        optimizers=OPTIMIZERS,
        learning_rate_range=(1e-4, 1e-1),
        momentum=0.9,
        nesterov=False,
        loss="sparse_categorical_crossentropy",
        name=None,
        tunable=True,
        dtype_policy=None,
    ):
        super().__init__(name=name, tunable=tunable)
        self.num_classes = validation.positive_int("num_classes", num_classes)
        self.input_shape = validation.image_shape("input_shape", input_shape)
        self.optimizers = check_choices("optimizers", optimizers, OPTIMIZERS)
        self.learning_rate_range = check_learning_rate_range(
            learning_rate_range
        )
        self.momentum = validation.rate("momentum", momentum)
        self.nesterov = validation.boolean("nesterov", nesterov)
        self.loss = validation.one_of("loss", loss, LOSSES)
        validation.boolean("tunable", tunable)
        if dtype_policy is None:
            dtype_policy = keras.config.dtype_policy().name
        else:
            validation.one_of("dtype_policy", dtype_policy, PRECISIONS)
        self.dtype_policy = dtype_policy
        self._scaled = {}

    # The search space.

    def declare_hyperparameters(self, hp):
        """Declares the whole search space on `hp`, with defaults.

        KerasTuner calls it before the search starts; `build` calls it
        first. Every hyperparameter is declared, also those whose
        condition does not hold for the current values (they are then
        inactive: `None`).

        Args:
            hp: a `keras_tuner.HyperParameters`.

        Returns:
            A dict of the values the model is built from.

        Raises:
            InvalidHyperparametersError: if a value in `hp` is not one
                the space allows.
        """
        settings = self._declare(hp)
        low, high = self.learning_rate_range
        default_optimizer = (
            self.DEFAULT_OPTIMIZER
            if self.DEFAULT_OPTIMIZER in self.optimizers
            else self.optimizers[0]
        )
        settings["optimizer"] = choice(
            hp, "optimizer", self.optimizers, default_optimizer
        )
        settings["learning_rate"] = number(
            hp,
            "learning_rate",
            low,
            high,
            min(max(self.DEFAULT_LEARNING_RATE, low), high),
            log=low < high,
        )
        return settings

    def space(self):
        """The whole search space, every value at its default.

        Returns:
            A new `keras_tuner.HyperParameters`.
        """
        hp = keras_tuner.HyperParameters()
        self.declare_hyperparameters(hp)
        return hp

    def validate(self, hp):
        """Checks that `hp`'s values build a model, without building it.

        Args:
            hp: a `keras_tuner.HyperParameters`; missing values take their
                defaults. It is not modified.

        Raises:
            InvalidHyperparametersError: naming the hyperparameters at
                fault.
        """
        self._check(self.declare_hyperparameters(hp.copy()))

    def build(self, hp):
        """Builds and compiles the model that `hp`'s values describe.

        Args:
            hp: a `keras_tuner.HyperParameters`; every hyperparameter of
                the space is declared on it, missing values at their
                defaults.

        Returns:
            A compiled `keras.Model`, its layers under `dtype_policy`.

        Raises:
            InvalidHyperparametersError: before any layer is created, if
                a value is outside the space (every value inside it
                builds a model).
        """
        settings = self.declare_hyperparameters(hp)
        self._check(settings)
        with policy_scope(self.dtype_policy):
            model = self._build_model(settings)
            model.compile(
                optimizer=self.make_optimizer(
                    settings["optimizer"], settings["learning_rate"]
                ),
                loss=self.loss,
                metrics=["accuracy"],
            )
        return model

    def make_optimizer(self, optimizer, learning_rate):
        """A new Keras optimizer by name, with this hypermodel's options."""
        validation.one_of("optimizer", optimizer, OPTIMIZERS)
        options = self._optimizer_options(optimizer)
        return keras.optimizers.deserialize(
            {
                "class_name": optimizer,
                "config": {"learning_rate": learning_rate, **options},
            }
        )

    def _optimizer_options(self, optimizer) -> dict:
        """The optimizer's arguments besides the learning rate (Keras'
        defaults left out, as recipes write them)."""
        if optimizer != "sgd":
            return {}
        options = {"momentum": self.momentum}
        if self.nesterov:
            options["nesterov"] = True
        return options

    # Documented architectures.

    def documented_points(self):
        """The documented architectures this space contains, as values.

        Each point is derived from the registry's config of the
        architecture (`architectures.get_architecture(name).config`) and
        the optimizer and learning rate of its recipe, so that a point
        cannot drift from its architecture.

        Returns:
            A dict `{architecture name: {hyperparameter name: value}}`,
            in the order of `keras_cifar_blocks.architectures.names()`.
            Building a point (`point_hyperparameters(name)`) gives the
            model of `architectures.build(name)`: the same layers, the
            same parameter count. Architectures that this space cannot
            build exactly (with narrowed fixed arguments, e.g.
            `max_stages=3`) are left out.
        """
        space = self.space()
        points = {}
        for name in architectures.names():
            entry = architectures.get_architecture(name)
            if not isinstance(entry.config, self.CONFIG):
                continue
            values = {
                **self._point(entry.config),
                "optimizer": entry.recipe.optimizer,
                "learning_rate": entry.recipe.learning_rate,
            }
            if self._builds(space, name, values, entry.config):
                points[name] = values
        return points

    def _builds(self, space, name, values, config) -> bool:
        """Whether `values` are in the space and build `config` exactly."""
        try:
            hp = self._fixed(check_values(space, values, name))
            self.validate(hp)
        except ValueError:
            return False
        built = self._config(self.declare_hyperparameters(hp))
        return self._comparable(built) == self._comparable(config)

    def architecture_of(self, values, base):
        """A registry architecture changed to train a point of the space.

        To train a searched model with a documented recipe (e.g. the best
        trial of a search with the recipe of the best documented point),
        with `train` or `kcb train`: `base`'s config with the fields
        that `values` change (`overrides`), and `base`'s recipe with the
        optimizer, learning rate and input scaling the search trained
        with (`recipe_overrides`); the rest of the recipe (epochs,
        schedule, augmentation, batch size) stays `base`'s.

        Args:
            values: dict of hyperparameter values, e.g. a trial's
                (`trials.json`'s `values`); missing ones take their
                defaults.
            base: the name of a registry architecture of this space's
                family, e.g. a documented point.

        Returns:
            A dict: `architecture` (`base`), `overrides` (config fields
            to values, for `train(..., overrides=...)`) and
            `recipe_overrides` (for `train(..., recipe_overrides=...)`);
            both empty for `base`'s own point.

        Raises:
            ValueError: if `base` is not an architecture of this family,
                or a value is outside the space.

        Example:

        >>> from keras_cifar_blocks.hypermodels import ConvStackHyperModel
        >>> hypermodel = ConvStackHyperModel(num_classes=10)
        >>> values = {**hypermodel.documented_points()["li2018_model3_1"],
        ...           "activation": "mish", "learning_rate": 3e-4}
        >>> change = hypermodel.architecture_of(values, "li2018_model3_1")
        >>> change["overrides"], change["recipe_overrides"]
        ({'activation': 'Mish'}, {'learning_rate': 0.0003})
        """
        entry = architectures.get_architecture(base)
        if not isinstance(entry.config, self.CONFIG):
            raise ValueError(
                "Invalid value for argument `base`. Expected an "
                f"architecture built from a {self.CONFIG.__name__}, as this "
                f"space's models are. Received base={base!r}, built from a "
                f"{type(entry.config).__name__}"
            )
        hp = self._fixed(check_values(self.space(), values, "values"))
        settings = self.declare_hyperparameters(hp)
        self._check(settings)
        searched = self._canonical(self._config(settings))
        documented = self._canonical(entry.config)
        overrides = {
            field.name: getattr(searched, field.name)
            for field in dataclasses.fields(searched)
            if field.name not in self.LABEL_FIELDS
            and getattr(searched, field.name) != getattr(documented, field.name)
        }
        optimizer = settings["optimizer"]
        trained = {
            "optimizer": optimizer,
            "learning_rate": settings["learning_rate"],
            "optimizer_options": self._optimizer_options(optimizer),
            "input_normalization": "raw"
            if self._takes_raw_pixels(settings)
            else "divide_by_255",
        }
        recipe = entry.recipe
        documented_recipe = {
            "optimizer": recipe.optimizer,
            "learning_rate": recipe.learning_rate,
            "optimizer_options": dict(recipe.optimizer_options),
            "input_normalization": recipe.input_normalization,
        }
        recipe_overrides = {
            key: value
            for key, value in trained.items()
            if value != documented_recipe[key]
        }
        return {
            "architecture": base,
            "overrides": overrides,
            "recipe_overrides": recipe_overrides,
        }

    def point_hyperparameters(self, point):
        """`keras_tuner.HyperParameters` with a point's values fixed.

        Args:
            point: the name of a documented architecture (see
                `documented_points()`) or a dict of hyperparameter values;
                values it leaves out take their defaults.

        Returns:
            A `keras_tuner.HyperParameters` on which `build` builds that
            model.

        Raises:
            ValueError: if the name is not a documented point of this space
                (the message lists them) or a value is not allowed.
        """
        if isinstance(point, str):
            points = self.documented_points()
            validation.one_of("point", point, tuple(points))
            values, label = points[point], point
        else:
            values, label = point, "point"
        return self._fixed(check_values(self.space(), values, label))

    @staticmethod
    def _fixed(values):
        hp = keras_tuner.HyperParameters()
        for key, value in values.items():
            hp.Fixed(key, value)
        return hp

    # Data.

    def preprocess(self, hp, images):
        """The model input for raw 0-255 images, as `fit` gives it.

        Use it to evaluate a model the search returns, e.g.
        `model.evaluate(hypermodel.preprocess(hp, x_test), y_test)`.

        Args:
            hp: the `keras_tuner.HyperParameters` the model was built with.
            images: NumPy array of 0-255 pixels, `(N, height, width, 3)`.

        Returns:
            `images` unchanged if the model takes raw pixels (it rescales
            them itself), else the images divided by 255 as float32.
        """
        if self._takes_raw_pixels(self.declare_hyperparameters(hp.copy())):
            return images
        return self._divided_by_255(images)

    def _divided_by_255(self, images):
        key = id(images)
        if key in self._scaled and self._scaled[key][0] is images:
            return self._scaled[key][1]
        if not isinstance(images, np.ndarray):
            if not hasattr(images, "__array__") or hasattr(images, "map"):
                raise TypeError(
                    "Invalid type for `x`. The hypermodel expects NumPy "
                    "arrays of 0-255 pixels, which it divides by 255 for "
                    "models without a Rescaling layer. Received an object "
                    f"of type {type(images).__name__}"
                )
        scaled = np.asarray(images, dtype=keras.config.floatx()) / 255
        if len(self._scaled) >= _CACHE_SIZE:
            self._scaled.pop(next(iter(self._scaled)))
        # Keep `images` referenced, so that its id is not reused.
        self._scaled[key] = (images, scaled)
        return scaled

    def fit(self, hp, model, x=None, y=None, *args, **kwargs):
        """Trains `model` on raw 0-255 images, scaled as it expects.

        KerasTuner calls it with the arguments of `tuner.search`. `x` and
        the images of `validation_data` go through `preprocess`; the rest
        goes to `model.fit` unchanged.

        Returns:
            The `History` of `model.fit`, with two more entries per epoch:
            `"parameters"` (the model's parameter count) and `"seconds"`
            (how long `fit` took). KerasTuner keeps them with the trial's
            metrics (also from distributed workers), so the trials table
            and plots of `tune` can show them.
        """
        validation_data = kwargs.pop("validation_data", None)
        if validation_data is not None:
            validation_data = (
                self.preprocess(hp, validation_data[0]),
                *validation_data[1:],
            )
        started = time.perf_counter()
        history = model.fit(
            self.preprocess(hp, x),
            y,
            *args,
            validation_data=validation_data,
            **kwargs,
        )
        seconds = time.perf_counter() - started
        epochs = len(history.epoch)
        history.history.setdefault(
            PARAMETERS, [float(model.count_params())] * epochs
        )
        history.history.setdefault(SECONDS, [seconds] * epochs)
        return history

    # Subclass hooks.

    def _declare(self, hp) -> dict:
        raise NotImplementedError

    def _check(self, settings) -> None:
        """Raises InvalidHyperparametersError for settings without a model."""

    def _config(self, settings):
        """The family config (`CONFIG`) that `settings` describe."""
        raise NotImplementedError

    def _point(self, config) -> dict:
        """The hyperparameter values of a config, less the optimizer's."""
        raise NotImplementedError

    def _comparable(self, config):
        """`config` as compared with a point's: by default, itself."""
        return config

    def _canonical(self, config):
        """`config` spelled one way, so that equal networks compare equal."""
        return config

    def _build_model(self, settings):
        raise NotImplementedError

    def _takes_raw_pixels(self, settings) -> bool:
        return False
