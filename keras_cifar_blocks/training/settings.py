"""`TrainSettings`: the checked settings of a training run.

`train` turns its arguments into one frozen `TrainSettings` before it
touches any file or data; `config.json` records `as_config()`, and a
resumed run is compared on it. Every instance is valid: `__post_init__`
checks each field and the fields against each other, and errors name the
argument, as Keras' do.
"""

import contextlib
import dataclasses
import json
import numbers
import os
import warnings
from pathlib import Path

import keras

from keras_cifar_blocks.utils import validation

# Training and test images of CIFAR-10 and CIFAR-100 alike.
TRAIN_IMAGES = 50_000
TEST_IMAGES = 10_000
# Which epoch's model `model.keras` holds (and the test set evaluates).
KEEP = ("best", "last")
# The dtype policies a run may be asked to train under.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
# The validation share when none is given, for `train` and `tune`.
DEFAULT_VALIDATION_SPLIT = 0.1
# Settings that runs recorded before they existed had, in effect.
LEGACY_SETTINGS = {
    "images": None,
    "test_images": None,
    "validate_on_test": False,
    "keep": "best",
    "precision": "float32",
    "recipe_overrides": {},
}


def validation_split_argument(validation_split, val_split=None):
    """The validation share given as `validation_split` or `val_split`.

    `val_split` is the deprecated name of `validation_split` (Keras'
    name, as in `Model.fit`); it still works, with a `DeprecationWarning`.

    Args:
        validation_split: the value of `validation_split`.
        val_split: the value of `val_split`, or `None` (not given).

    Returns:
        `val_split` if given, else `validation_split`.

    Raises:
        TypeError: if both are given, with different values.

    Example:

    >>> import warnings
    >>> from keras_cifar_blocks.training.settings import (
    ...     validation_split_argument,
    ... )
    >>> validation_split_argument(0.2)
    0.2
    >>> with warnings.catch_warnings(record=True):
    ...     validation_split_argument(0.1, val_split=0.3)
    0.3
    """
    if val_split is None:
        return validation_split
    if validation_split not in (DEFAULT_VALIDATION_SPLIT, val_split):
        raise TypeError(
            "Pass the validation share once, as `validation_split` "
            "(`val_split` is its deprecated name). Received "
            f"validation_split={validation_split!r}, val_split={val_split!r}"
        )
    warnings.warn(
        "`val_split` is deprecated; pass `validation_split` (Keras' name) "
        "instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return val_split


def recorded(settings) -> dict:
    """Settings (a dataclass) as a run folder's `config.json` records them.

    The validation share keeps the key `val_split` that every run and
    search folder has recorded, so that older ones still resume.

    Example:

    >>> from keras_cifar_blocks.training.settings import TrainSettings
    >>> from keras_cifar_blocks.training.settings import recorded
    >>> list(recorded(TrainSettings(epochs=1, batch_size=8)))[3:6]
    ['test_subset', 'val_split', 'seed']
    """
    return {
        "val_split" if key == "validation_split" else key: value
        for key, value in dataclasses.asdict(settings).items()
    }


def _size(name: str, value, minimum: int, maximum: int) -> int | None:
    """None, or an integer in [minimum, maximum]."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not minimum <= value <= maximum
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected an integer in "
            f"[{minimum}, {maximum}] or None. Received {name}={value!r}"
        )
    return int(value)


def _folder(name: str, folder) -> str | None:
    """None, or an existing folder as an absolute path."""
    if folder is None:
        return None
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a folder "
            f"path. Received {name}={folder!r}"
        )
    if not Path(folder).is_dir():
        raise FileNotFoundError(
            f"Invalid value for argument `{name}`. Expected a folder of "
            f"class sub-folders. Received {name}='{folder}', which is "
            "not a folder."
        )
    return os.fspath(Path(folder).expanduser().resolve())


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """The settings of a training run, checked; see `train` for each.

    Build it with `for_architecture`, which fills in the recipe's
    defaults and checks what depends on the architecture (subset sizes,
    overrides, the recipe's early stopping); the constructor checks the
    rest.

    Args:
        epochs: int > 0, the most epochs.
        batch_size: int > 0, the global batch size.
        subset: `None` or the number of training images to train on.
        test_subset: `None` or the number of test images.
        validation_split: float in [0, 1), the share held out.
        seed: int >= 0.
        overrides: dict of fields of the architecture's config to replace
            (`None`: none).
        recipe_overrides: dict of recipe fields replaced for this run
            (`Recipe.with_overrides`; `None`: none). Values must be JSON
            values, as `config.json` records them.
        augment: bool.
        shuffle: bool.
        distribute: bool.
        validate_on_test: bool (needs `validation_split=0`).
        keep: `"best"` (needs validation data) or `"last"`.
        precision: a dtype policy name, e.g. `"mixed_bfloat16"`.
        images: `None` or a folder of class sub-folders (made absolute).
        test_images: `None` or a test folder, only with `images`.

    Example:

    >>> from keras_cifar_blocks.training.settings import TrainSettings
    >>> settings = TrainSettings(epochs=3, batch_size=64)
    >>> settings.as_config()["val_split"], settings.keep
    (0.1, 'best')
    >>> TrainSettings(epochs=3, batch_size=64, validation_split=0)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `keep`. 'best' chooses ...
    """

    epochs: int
    batch_size: int
    subset: int | None = None
    test_subset: int | None = None
    validation_split: float = DEFAULT_VALIDATION_SPLIT
    seed: int = 0
    overrides: dict = dataclasses.field(default_factory=dict)
    recipe_overrides: dict = dataclasses.field(default_factory=dict)
    augment: bool = True
    shuffle: bool = True
    distribute: bool = False
    validate_on_test: bool = False
    keep: str = "best"
    precision: str = "float32"
    images: str | None = None
    test_images: str | None = None

    def __post_init__(self):
        checked = {
            "epochs": validation.positive_int("epochs", self.epochs),
            "batch_size": validation.positive_int(
                "batch_size", self.batch_size
            ),
            "subset": _size("subset", self.subset, 1, TRAIN_IMAGES),
            "test_subset": _size(
                "test_subset", self.test_subset, 1, TEST_IMAGES
            ),
            "validation_split": validation.rate(
                "validation_split", self.validation_split
            ),
            "seed": validation.seed("seed", self.seed, optional=False),
            "overrides": _overrides(self.overrides),
            "recipe_overrides": _recipe_overrides(self.recipe_overrides),
        }
        for name in ("augment", "shuffle", "distribute", "validate_on_test"):
            checked[name] = validation.boolean(name, getattr(self, name))
        checked["keep"] = validation.one_of("keep", self.keep, KEEP)
        checked["precision"] = _precision(self.precision)
        if self.images is None and self.test_images is not None:
            raise ValueError(
                "Invalid value for argument `test_images`. Expected it only "
                "with `images` (the training folder). Received "
                f"test_images={self.test_images!r}, images=None"
            )
        checked["images"] = _folder("images", self.images)
        checked["test_images"] = _folder("test_images", self.test_images)
        for name, value in checked.items():
            # Frozen: the normalized values go in the way `dataclasses` does.
            object.__setattr__(self, name, value)
        self._check_validation()

    @property
    def validated(self) -> bool:
        """Whether the run has validation data (a split or the test set)."""
        return self.validate_on_test or self.validation_split > 0

    def _check_validation(self) -> None:
        if self.validate_on_test and self.validation_split:
            raise ValueError(
                "Invalid value for argument `validate_on_test`. The test "
                "set replaces the validation split, so it needs "
                "validation_split=0. Received validate_on_test=True, "
                f"validation_split={self.validation_split}"
            )
        if self.keep == "best" and not self.validated:
            raise ValueError(
                "Invalid value for argument `keep`. 'best' chooses the epoch "
                "with the best validation accuracy, and with "
                "validation_split=0 there is no validation data: pass "
                "keep='last', a validation_split > 0 or "
                "validate_on_test=True. Received keep='best'"
            )

    @classmethod
    def for_architecture(cls, entry, **arguments) -> "TrainSettings":
        """The settings of a run of `entry`, from `train`'s arguments.

        `None` for `epochs` or `batch_size` means the recipe's, for
        `keep` `"best"` when there is validation data (else `"last"`),
        for `precision` Keras' global dtype policy.

        Args:
            entry: the architecture's registry entry
                (`get_architecture(name)`).
            **arguments: `train`'s arguments of the same names as the
                fields.

        Returns:
            A `TrainSettings`.

        Example:

        >>> from keras_cifar_blocks.architectures import get_architecture
        >>> from keras_cifar_blocks.training.settings import TrainSettings
        >>> entry = get_architecture("li2018_model1")
        >>> settings = TrainSettings.for_architecture(entry, epochs=2)
        >>> settings.epochs, settings.batch_size == entry.recipe.batch_size
        (2, True)
        >>> TrainSettings.for_architecture(entry, subset=5)
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for argument `subset`. Expected an ...
        """
        given = dict(arguments)
        recipe = entry.recipe.with_overrides(
            _recipe_overrides(given.get("recipe_overrides"))
        )
        for key in ("epochs", "batch_size"):
            if given.get(key) is None:
                given[key] = getattr(recipe, key)
        classes = recipe.num_classes
        _size("subset", given.get("subset"), 2 * classes, TRAIN_IMAGES)
        _size("test_subset", given.get("test_subset"), classes, TEST_IMAGES)
        split = validation.rate(
            "validation_split",
            given.get("validation_split", DEFAULT_VALIDATION_SPLIT),
        )
        if given.get("keep") is None:
            given["keep"] = (
                "best" if split or given.get("validate_on_test") else "last"
            )
        if given.get("precision") is None:
            given["precision"] = keras.config.dtype_policy().name
        else:
            validation.one_of("precision", given["precision"], PRECISIONS)
        entry.check_overrides(_overrides(given.get("overrides")))
        settings = cls(**given)
        rule = recipe.early_stopping
        if rule is not None and rule.monitor.startswith("val_"):
            if not settings.validated:
                raise ValueError(
                    "Invalid value for argument `validation_split`. The "
                    f"recipe of {recipe.name!r} stops early on "
                    f"{rule.monitor!r}, which needs validation data: pass "
                    "a validation_split > 0 or validate_on_test=True. "
                    "Received validation_split=0"
                )
        return settings

    def as_config(self) -> dict:
        """The settings as `config.json` records them (`recorded`)."""
        return recorded(self)

    def recipe_of(self, entry):
        """The recipe this run trains with: `entry`'s, with
        `recipe_overrides` applied."""
        return entry.recipe.with_overrides(self.recipe_overrides)


def _overrides(
    overrides, name="overrides", expected="architecture options"
) -> dict:
    """`overrides` as a new dict (`None`: empty); `name` and `expected`
    word the error."""
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a dict of "
            f"{expected} or None. Received {name}={overrides!r}"
        )
    return dict(overrides)


def _recipe_overrides(overrides) -> dict:
    """A dict of JSON values (`config.json` records it); the keys are
    checked by `Recipe.with_overrides`."""
    overrides = _overrides(
        overrides, "recipe_overrides", "recipe fields to values"
    )
    try:
        json.dumps(overrides)
    except TypeError as error:
        raise TypeError(
            "Invalid type for argument `recipe_overrides`. Expected JSON "
            "values (numbers, strings, booleans, None, lists and dicts of "
            f"them). Received recipe_overrides={overrides!r}"
        ) from error
    return overrides


@contextlib.contextmanager
def dtype_policy(name: str):
    """Sets Keras' global dtype policy for the block, then puts it back.

    Example:

    >>> import keras
    >>> from keras_cifar_blocks.training.settings import dtype_policy
    >>> with dtype_policy("mixed_bfloat16"):
    ...     keras.layers.Dense(2).dtype_policy.name
    'mixed_bfloat16'
    >>> keras.config.dtype_policy().name
    'float32'
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _precision(precision) -> str:
    """A dtype policy name Keras knows (`for_architecture` narrows it)."""
    try:
        return keras.dtype_policies.get(precision).name
    except (ValueError, TypeError) as error:
        raise ValueError(
            "Invalid value for argument `precision`. Expected the name of "
            f"a dtype policy, one of {list(PRECISIONS)}. Received "
            f"precision={precision!r}"
        ) from error
