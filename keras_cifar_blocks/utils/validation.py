"""Argument checks shared by the package; errors read like Keras' own.

Each check takes the argument's name and its value, returns the value
normalized (a Python `int` or `float`, a tuple, an array) and otherwise
raises with the one wording of its kind ("Invalid value for argument
`filters`. Expected a strictly positive integer. Received filters=0"), so
that a mistake reads the same in every module. Numbers may be Python or
NumPy numbers; booleans are never numbers.

Example:

>>> from keras_cifar_blocks.utils import validation
>>> validation.seed("seed", 7), validation.seed("seed", None)
(7, None)
>>> validation.positive_int_pair("pool_size", 2)
(2, 2)
>>> validation.rate("dropout", 1.5)
Traceback (most recent call last):
    ...
ValueError: Invalid value for argument `dropout`. ... Received dropout=1.5
"""

import numbers

import keras
import numpy as np


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _invalid(name: str, expected: str, value) -> ValueError:
    return ValueError(
        f"Invalid value for argument `{name}`. Expected {expected}. "
        f"Received {name}={value!r}"
    )


def positive_int(name: str, value) -> int:
    """Return `value` as an int if it is an integer > 0, else raise."""
    if not _is_int(value) or value <= 0:
        raise _invalid(name, "a strictly positive integer", value)
    return int(value)


def non_negative_int(name: str, value) -> int:
    """Return `value` as an int if it is an integer >= 0, else raise."""
    if not _is_int(value) or value < 0:
        raise _invalid(name, "a non-negative integer", value)
    return int(value)


def seed(name: str, value, *, optional: bool = True) -> int | None:
    """Return a random seed: an int >= 0, or `None` when `optional`.

    NumPy integers are accepted and returned as Python ints; booleans are
    refused. Every `seed` argument of the package goes through this check,
    so they all accept the same values and fail with the same message.
    """
    if value is None and optional:
        return None
    if not _is_int(value) or value < 0:
        expected = (
            "None or a non-negative integer"
            if optional
            else "a non-negative integer"
        )
        raise _invalid(name, expected, value)
    return int(value)


def positive_int_pair(name: str, value) -> tuple[int, int]:
    """Normalize an int or a pair of ints > 0 to a tuple of two ints."""
    pair = (value, value) if _is_int(value) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or any(not _is_int(v) or v <= 0 for v in pair)
    ):
        raise _invalid(
            name,
            "a strictly positive integer or a tuple of two strictly "
            "positive integers",
            value,
        )
    return int(pair[0]), int(pair[1])


def rate(name: str, value) -> float:
    """Return `value` as a float in [0, 1), else raise a ValueError."""
    if not _is_number(value) or not 0.0 <= value < 1.0:
        raise _invalid(name, "a float in the range [0, 1)", value)
    return float(value)


def open_fraction(name: str, value) -> float:
    """Return `value` as a float in (0, 1), else raise a ValueError."""
    if not _is_number(value) or not 0.0 < value < 1.0:
        raise _invalid(name, "a float in the open range (0, 1)", value)
    return float(value)


def positive_float(name: str, value) -> float:
    """Return `value` as a float > 0, else raise a ValueError."""
    if not _is_number(value) or value <= 0:
        raise _invalid(name, "a strictly positive float", value)
    return float(value)


def number(name: str, value) -> float:
    """Return `value` as a float if it is a real number, else raise."""
    if not _is_number(value):
        raise _invalid(name, "a number", value)
    return float(value)


def number_in(name: str, value, low: float, high: float) -> float:
    """Return `value` as a float if `low <= value <= high`, else raise."""
    if not _is_number(value) or not low <= value <= high:
        raise _invalid(name, f"a number in the range [{low}, {high}]", value)
    return float(value)


def _is_number_pair(value) -> bool:
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_number(v) for v in value)
    )


def value_range(name: str, value) -> tuple[float, float]:
    """Return `value` as `(low, high)` with `low < high`, else raise."""
    if not _is_number_pair(value) or not value[0] < value[1]:
        raise _invalid(
            name, "a tuple (low, high) of two numbers with low < high", value
        )
    return float(value[0]), float(value[1])


def number_pair(
    name: str, value, low: float, high: float
) -> tuple[float, float]:
    """Return `value` as `(a, b)`, `low <= a <= b <= high`, else raise."""
    if not _is_number_pair(value) or not low <= value[0] <= value[1] <= high:
        raise _invalid(
            name,
            f"a tuple (a, b) of two numbers with {low} <= a <= b <= {high}",
            value,
        )
    return float(value[0]), float(value[1])


def one_of(name: str, value, allowed):
    """Return `value` if it is one of `allowed`, else raise a ValueError."""
    if value not in allowed:
        raise _invalid(name, f"one of {list(allowed)}", value)
    return value


def boolean(name: str, value) -> bool:
    """Return `value` if it is a bool, else raise a TypeError."""
    if not isinstance(value, bool):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a bool. "
            f"Received {name}={value!r} of type {type(value).__name__}"
        )
    return value


def activation(name: str, value):
    """Resolve an activation identifier, naming the argument on failure."""
    try:
        return keras.activations.get(value)
    except (ValueError, TypeError) as e:
        raise _invalid(
            name,
            "the name of a Keras activation (e.g. 'relu', 'mish', 'Mish'), "
            "a callable or None",
            value,
        ) from e


def image_rank(layer_name: str, input_shape) -> None:
    """Raise a ValueError unless `input_shape` is a batch of images."""
    if len(input_shape) != 4:
        raise ValueError(
            f"`{layer_name}` expects 4D inputs of shape (batch, height, "
            f"width, channels). Received input_shape={tuple(input_shape)}"
        )


def image_shape(name: str, value) -> tuple[int, int, int]:
    """Return `value` as `(height, width, channels)` of ints > 0."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 3
        or any(not _is_int(d) or d <= 0 for d in value)
    ):
        raise _invalid(
            name,
            "a tuple `(height, width, channels)` of strictly positive integers",
            value,
        )
    return tuple(int(d) for d in value)


def samples(x, y=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Return `x` and `y` as arrays with the same number of samples.

    `x` must be an array indexed along its first axis; `y` (labels) is
    optional and, when given, must have as many entries as `x`.
    """
    if x is None:
        raise _invalid("x", "an array of samples", x)
    x = np.asarray(x)
    if x.ndim == 0:
        raise _invalid(
            "x", "an array of samples indexed along its first axis", x
        )
    if y is None:
        return x, None
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != x.shape[0]:
        raise ValueError(
            "Expected `x` and `y` to have the same number of samples. "
            f"Received x.shape={x.shape} and y.shape={y.shape}"
        )
    return x, y


def label_ids(
    name: str, value, num_classes: int | None = None, *, one_hot=False
) -> np.ndarray:
    """Return labels as integer class ids, an `int64` array of shape `(N,)`.

    Accepts integer labels of shape `(N,)` or `(N, 1)` and, when
    `num_classes` is given, requires them in `[0, num_classes)`. With
    `one_hot=True`, labels of shape `(N, num_classes)` (one-hot or soft)
    are accepted too and read as their most likely class.
    """
    array = np.asarray(value)
    if one_hot and array.ndim == 2 and array.shape[1] != 1:
        if array.dtype.kind in "iufb":
            return np.argmax(array, axis=1).astype(np.int64)
    elif array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        expected = "integer class ids of shape (N,) or (N, 1)" + (
            ", or one-hot labels of shape (N, num_classes)" if one_hot else ""
        )
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected {expected}. "
            f"Received {name} with shape {array.shape} and dtype "
            f"{array.dtype}"
        )
    if num_classes is not None and array.size:
        if array.min() < 0 or array.max() >= num_classes:
            raise ValueError(
                f"Invalid value for argument `{name}`. Expected class ids "
                f"in [0, {num_classes}). Received values in "
                f"[{array.min()}, {array.max()}]"
            )
    return array.astype(np.int64)


def non_negative_float(name: str, value) -> float:
    """Return `value` as a float >= 0 (e.g. an L2 factor), else raise."""
    if not _is_number(value) or value < 0:
        raise _invalid(name, "a float >= 0", value)
    return float(value)


def instance_of(name: str, value, cls):
    """Return `value` if it is an instance of `cls`, else raise a TypeError."""
    if not isinstance(value, cls):
        raise TypeError(
            f"Invalid type for argument `{name}`. Expected a "
            f"{cls.__name__}. Received {name}={value!r}"
        )
    return value
