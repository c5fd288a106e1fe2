"""Argument checks of the augmentation layers and presets.

They complement `keras_cifar_blocks.utils.validation` (which they use for
the message format) with the checks only augmentation needs: seeds, value
ranges and factors in a closed interval.
"""

import numbers


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def seed(name: str, value) -> int | None:
    """Return `value` if it is `None` or an int >= 0, else raise."""
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected None or a "
            f"non-negative integer. Received {name}={value!r}"
        )
    return None if value is None else int(value)


def number(name: str, value) -> float:
    """Return `value` as a float if it is a real number, else raise."""
    if not _is_number(value):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a number. "
            f"Received {name}={value!r}"
        )
    return float(value)


def number_in(name: str, value, low: float, high: float) -> float:
    """Return `value` as a float if `low <= value <= high`, else raise."""
    if not _is_number(value) or not low <= value <= high:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a number in "
            f"the range [{low}, {high}]. Received {name}={value!r}"
        )
    return float(value)


def value_range(name: str, value) -> tuple[float, float]:
    """Return `value` as `(low, high)` with `low < high`, else raise."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(_is_number(v) for v in value)
        or not value[0] < value[1]
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a tuple "
            f"(low, high) of two numbers with low < high. Received "
            f"{name}={value!r}"
        )
    return float(value[0]), float(value[1])


def number_pair(name: str, value, low: float, high: float):
    """Return `value` as `(a, b)`, `low <= a <= b <= high`, else raise."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(_is_number(v) for v in value)
        or not low <= value[0] <= value[1] <= high
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a tuple (a, b) "
            f"of two numbers with {low} <= a <= b <= {high}. Received "
            f"{name}={value!r}"
        )
    return float(value[0]), float(value[1])
