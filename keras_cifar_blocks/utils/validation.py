"""Argument checks shared by the package; errors read like Keras' own."""

import numbers

import keras


def positive_int(name: str, value) -> int:
    """Return `value` if it is an int > 0, else raise a ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly "
            f"positive integer. Received {name}={value!r}"
        )
    return value


def non_negative_int(name: str, value) -> int:
    """Return `value` as an int if it is an integer >= 0, else raise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a non-negative "
            f"integer. Received {name}={value!r}"
        )
    return int(value)


def seed(name: str, value, *, optional: bool = True) -> int | None:
    """Return a random seed: an int >= 0, or `None` when `optional`.

    NumPy integers are accepted and returned as Python ints; booleans are
    refused. Every `seed` argument of the package goes through this check,
    so they all accept the same values and fail with the same message.
    """
    if value is None and optional:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 0
    ):
        expected = (
            "None or a non-negative integer"
            if optional
            else ("a non-negative integer")
        )
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected {expected}. "
            f"Received {name}={value!r}"
        )
    return int(value)


def positive_int_pair(name: str, value) -> tuple[int, int]:
    """Normalize an int or a pair of ints > 0 to a tuple of two ints."""
    pair = (value, value) if isinstance(value, int) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or any(
            isinstance(v, bool) or not isinstance(v, int) or v <= 0
            for v in pair
        )
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly "
            "positive integer or a tuple of two strictly positive "
            f"integers. Received {name}={value!r}"
        )
    return tuple(pair)


def rate(name: str, value) -> float:
    """Return `value` as a float in [0, 1), else raise a ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0.0 <= value < 1.0
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a float in "
            f"the range [0, 1). Received {name}={value!r}"
        )
    return float(value)


def open_fraction(name: str, value) -> float:
    """Return `value` as a float in (0, 1), else raise a ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0.0 < value < 1.0
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a float in "
            f"the open range (0, 1). Received {name}={value!r}"
        )
    return float(value)


def positive_float(name: str, value) -> float:
    """Return `value` as a float > 0, else raise a ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value <= 0
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly "
            f"positive float. Received {name}={value!r}"
        )
    return float(value)


def one_of(name: str, value, allowed):
    """Return `value` if it is one of `allowed`, else raise a ValueError."""
    if value not in allowed:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected one of "
            f"{list(allowed)}. Received {name}={value!r}"
        )
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
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected the name of a "
            "Keras activation (e.g. 'relu', 'mish', 'Mish'), a callable or "
            f"None. Received {name}={value!r}"
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
        or any(
            isinstance(d, bool) or not isinstance(d, int) or d <= 0
            for d in value
        )
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a tuple "
            "`(height, width, channels)` of strictly positive integers. "
            f"Received {name}={value!r}"
        )
    return tuple(value)
