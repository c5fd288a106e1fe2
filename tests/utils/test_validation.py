"""keras_cifar_blocks/utils/validation.py: each check accepts, normalizes,
and refuses with the one message of its kind, naming the argument."""

import re

import numpy as np
import pytest

from keras_cifar_blocks.utils import validation


def _refused(name: str, expected: str, value) -> str:
    """The pattern of the shared message for a refused `value`."""
    return re.escape(
        f"Invalid value for argument `{name}`. Expected {expected}. "
        f"Received {name}={value!r}"
    )


# --------------------------------------------------------------------------
# Integers.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 32, np.int64(3), np.uint8(7)])
def test_positive_int_accepts_python_and_numpy_ints(value):
    result = validation.positive_int("filters", value)
    assert result == value and type(result) is int


@pytest.mark.parametrize("value", [0, -1, 2.0, 2.5, True, "3", None])
def test_positive_int_refuses(value):
    expected = "a strictly positive integer"
    with pytest.raises(ValueError, match=_refused("filters", expected, value)):
        validation.positive_int("filters", value)


@pytest.mark.parametrize("value", [0, 5, np.int32(0)])
def test_non_negative_int_accepts(value):
    result = validation.non_negative_int("patience", value)
    assert result == value and type(result) is int


@pytest.mark.parametrize("value", [-1, 1.0, False, "0", None])
def test_non_negative_int_refuses(value):
    expected = "a non-negative integer"
    with pytest.raises(ValueError, match=_refused("patience", expected, value)):
        validation.non_negative_int("patience", value)


@pytest.mark.parametrize("value", [0, 42, np.int64(7), None])
def test_seed_accepts_ints_and_none(value):
    result = validation.seed("seed", value)
    assert result == value
    assert result is None or type(result) is int


@pytest.mark.parametrize("value", [-1, 1.5, True, "0"])
def test_seed_refuses(value):
    expected = "None or a non-negative integer"
    with pytest.raises(ValueError, match=_refused("seed", expected, value)):
        validation.seed("seed", value)


@pytest.mark.parametrize("value", [None, -1])
def test_a_required_seed_refuses_none(value):
    expected = "a non-negative integer"
    with pytest.raises(ValueError, match=_refused("seed", expected, value)):
        validation.seed("seed", value, optional=False)
    assert validation.seed("seed", 3, optional=False) == 3


@pytest.mark.parametrize(
    "value, pair", [(3, (3, 3)), ((1, 2), (1, 2)), ([5, 4], (5, 4))]
)
def test_positive_int_pair_normalizes_to_a_tuple(value, pair):
    assert validation.positive_int_pair("kernel_size", value) == pair


@pytest.mark.parametrize("value", [0, (3,), (3, 0), (3, 2.0), "3", True])
def test_positive_int_pair_refuses(value):
    expected = (
        "a strictly positive integer or a tuple of two strictly positive "
        "integers"
    )
    with pytest.raises(
        ValueError, match=_refused("kernel_size", expected, value)
    ):
        validation.positive_int_pair("kernel_size", value)


def test_image_shape():
    assert validation.image_shape("input_shape", [32, 32, 3]) == (32, 32, 3)
    expected = (
        "a tuple `(height, width, channels)` of strictly positive integers"
    )
    for value in [(32, 32), (32, 0, 3), (32.0, 32, 3), None]:
        with pytest.raises(
            ValueError, match=_refused("input_shape", expected, value)
        ):
            validation.image_shape("input_shape", value)


# --------------------------------------------------------------------------
# Numbers.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "check, accepted, refused, expected",
    [
        (
            validation.rate,
            [0, 0.0, 0.5, np.float32(0.25)],
            [1, 1.0, -0.1, True, "0.1"],
            "a float in the range [0, 1)",
        ),
        (
            validation.open_fraction,
            [0.1, 0.9, np.float32(0.5)],
            [0, 1.0, 1.5, True, "0.1"],
            "a float in the open range (0, 1)",
        ),
        (
            validation.positive_float,
            [1, 1e-3, np.float64(2.0)],
            [0, -1.0, False, "1"],
            "a strictly positive float",
        ),
        (
            validation.number,
            [0, -3.5, np.int64(2)],
            [True, "1", None, (1,)],
            "a number",
        ),
    ],
    ids=["rate", "open_fraction", "positive_float", "number"],
)
def test_number_checks(check, accepted, refused, expected):
    for value in accepted:
        result = check("factor", value)
        assert result == float(value) and type(result) is float
    for value in refused:
        with pytest.raises(
            ValueError, match=_refused("factor", expected, value)
        ):
            check("factor", value)


def test_non_negative_float():
    assert validation.non_negative_float("l2", 0) == 0.0
    assert validation.non_negative_float("l2", np.float32(0.5)) == 0.5
    for value in [-1e-4, True, "0.1", None]:
        with pytest.raises(
            ValueError, match=_refused("l2", "a float >= 0", value)
        ):
            validation.non_negative_float("l2", value)


def test_number_in():
    assert validation.number_in("severity", 1, 0.0, 1.0) == 1.0
    for value in [-0.1, 1.1, True, "0.5"]:
        with pytest.raises(
            ValueError,
            match=_refused(
                "severity", "a number in the range [0.0, 1.0]", value
            ),
        ):
            validation.number_in("severity", value, 0.0, 1.0)


def test_value_range():
    assert validation.value_range("value_range", [0, 255]) == (0.0, 255.0)
    expected = "a tuple (low, high) of two numbers with low < high"
    for value in [(1, 1), (255, 0), (0,), (0, "255"), 255]:
        with pytest.raises(
            ValueError, match=_refused("value_range", expected, value)
        ):
            validation.value_range("value_range", value)


def test_number_pair():
    assert validation.number_pair("factor", (0.5, 0.5), 0.0, 2.0) == (0.5, 0.5)
    expected = "a tuple (a, b) of two numbers with 0.0 <= a <= b <= 2.0"
    for value in [(1.5, 0.5), (-0.1, 1.0), (0.5, 2.5), (0.5,), 1.0]:
        with pytest.raises(
            ValueError, match=_refused("factor", expected, value)
        ):
            validation.number_pair("factor", value, 0.0, 2.0)


# --------------------------------------------------------------------------
# Options, booleans and activations.
# --------------------------------------------------------------------------


def test_one_of():
    assert validation.one_of("pool", None, ("max", "avg", None)) is None
    with pytest.raises(
        ValueError,
        match=_refused("pool", "one of ['max', 'avg', None]", "min"),
    ):
        validation.one_of("pool", "min", ("max", "avg", None))


def test_boolean():
    assert validation.boolean("shuffle", False) is False
    with pytest.raises(
        TypeError,
        match=re.escape(
            "Invalid type for argument `shuffle`. Expected a bool. "
            "Received shuffle=1 of type int"
        ),
    ):
        validation.boolean("shuffle", 1)


def test_instance_of():
    assert validation.instance_of("settings", {}, dict) == {}
    with pytest.raises(
        TypeError,
        match=re.escape(
            "Invalid type for argument `settings`. Expected a dict. "
            "Received settings=[]"
        ),
    ):
        validation.instance_of("settings", [], dict)


def test_activation():
    assert callable(validation.activation("activation", "relu"))
    assert callable(validation.activation("activation", "Mish"))
    with pytest.raises(
        ValueError,
        match=r"argument `activation`\. Expected the name of a Keras "
        r"activation .* Received activation='swishy'",
    ):
        validation.activation("activation", "swishy")


def test_image_rank():
    validation.image_rank("ConvBNPoolDropout", (None, 32, 32, 3))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "`ConvBNPoolDropout` expects 4D inputs of shape (batch, height, "
            "width, channels). Received input_shape=(32, 32, 3)"
        ),
    ):
        validation.image_rank("ConvBNPoolDropout", (32, 32, 3))


# --------------------------------------------------------------------------
# Arrays: samples and labels.
# --------------------------------------------------------------------------


def test_samples_returns_arrays():
    x, y = validation.samples([[1, 2], [3, 4]], [0, 1])
    assert isinstance(x, np.ndarray) and x.shape == (2, 2)
    assert isinstance(y, np.ndarray) and y.shape == (2,)
    x, y = validation.samples(np.zeros((3, 4)))
    assert x.shape == (3, 4) and y is None


def test_samples_refuses():
    with pytest.raises(
        ValueError, match=_refused("x", "an array of samples", None)
    ):
        validation.samples(None)
    with pytest.raises(ValueError, match=r"argument `x`.*first axis"):
        validation.samples(3)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected `x` and `y` to have the same number of samples. "
            "Received x.shape=(3, 2) and y.shape=(2,)"
        ),
    ):
        validation.samples(np.zeros((3, 2)), [0, 1])


@pytest.mark.parametrize(
    "labels", [[2, 0, 1], [[2], [0], [1]], np.array([2, 0, 1], "uint8")]
)
def test_label_ids_flattens_integer_labels(labels):
    ids = validation.label_ids("y", labels, num_classes=3)
    np.testing.assert_array_equal(ids, [2, 0, 1])
    assert ids.dtype == np.int64


def test_label_ids_reads_one_hot_labels_only_when_asked():
    one_hot = np.array([[0.0, 1.0], [0.9, 0.1]])
    np.testing.assert_array_equal(
        validation.label_ids("y", one_hot, one_hot=True), [1, 0]
    )
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Invalid value for argument `y`. Expected integer class ids of "
            "shape (N,) or (N, 1). Received y with shape (2, 2) and dtype "
            "float64"
        ),
    ):
        validation.label_ids("y", one_hot)


@pytest.mark.parametrize(
    "labels", [[0.0, 1.0], ["a", "b"], np.zeros((2, 2, 2), int)]
)
def test_label_ids_refuses_what_is_not_integer_ids(labels):
    with pytest.raises(
        ValueError, match=r"argument `y_true`\. Expected integer class ids"
    ):
        validation.label_ids("y_true", labels)


def test_label_ids_says_one_hot_is_accepted_where_it_is():
    with pytest.raises(
        ValueError,
        match=r"Expected integer class ids of shape \(N,\) or \(N, 1\), or "
        r"one-hot labels of shape \(N, num_classes\)\. Received y with "
        r"shape \(2, 2, 2\)",
    ):
        validation.label_ids("y", np.zeros((2, 2, 2)), one_hot=True)


@pytest.mark.parametrize("labels", [[0, 3], [-1, 2]])
def test_label_ids_in_range(labels):
    low, high = min(labels), max(labels)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Invalid value for argument `labels`. Expected class ids in "
            f"[0, 3). Received values in [{low}, {high}]"
        ),
    ):
        validation.label_ids("labels", labels, num_classes=3)
    empty = validation.label_ids("labels", np.zeros(0, int), num_classes=3)
    assert empty.shape == (0,)
