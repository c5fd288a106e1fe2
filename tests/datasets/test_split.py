"""Tests for `keras_cifar_blocks.datasets.train_validation_split`.

The real CIFAR-10 archive is read from `$KCB_DATA_DIR` if set, else from
`../shared/data` next to the repository (as in `test_cifar.py`); those
tests are skipped when it is absent.
"""

import os
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_cifar_blocks.datasets import load_cifar10
from keras_cifar_blocks.datasets import train_validation_split

_DEFAULT_REAL_DIR = Path(__file__).parents[2].parent / "shared" / "data"
REAL_ARCHIVE = (
    Path(os.environ.get("KCB_DATA_DIR") or _DEFAULT_REAL_DIR)
    / "cifar-10-python.tar.gz"
)


@pytest.fixture
def labelled():
    """x[i] == i, so the tests can tell which samples went where."""
    rng = np.random.default_rng(0)
    y = rng.permutation(np.repeat(np.arange(10), [50] * 9 + [25]))
    return np.arange(len(y)), y


def _check_partition(x, y, split):
    (x_train, y_train), (x_val, y_val) = split
    indices = np.concatenate([x_train, x_val])
    assert len(indices) == len(x)
    np.testing.assert_array_equal(np.sort(indices), np.arange(len(x)))
    assert not set(x_train.tolist()) & set(x_val.tolist())
    np.testing.assert_array_equal(y_train, y[x_train])
    np.testing.assert_array_equal(y_val, y[x_val])


def test_split_is_a_stratified_partition(labelled):
    x, y = labelled
    split = train_validation_split(x, y, validation_fraction=0.2)
    _check_partition(x, y, split)
    (_, y_train), (_, y_val) = split
    assert np.bincount(y_val).tolist() == [10] * 9 + [5]
    assert np.bincount(y_train).tolist() == [40] * 9 + [20]


def test_default_fraction_is_ten_percent(labelled):
    x, y = labelled
    (_, _), (_, y_val) = train_validation_split(x, y)
    # 25 * 0.1 = 2.5 rounds half up to 3.
    assert np.bincount(y_val).tolist() == [5] * 9 + [3]


def test_each_split_keeps_the_original_order(labelled):
    x, y = labelled
    (x_train, _), (x_val, _) = train_validation_split(x, y, seed=3)
    assert np.all(np.diff(x_train) > 0) and np.all(np.diff(x_val) > 0)


def test_seeded_split_is_reproducible(labelled):
    x, y = labelled
    a = train_validation_split(x, y, seed=7)
    b = train_validation_split(x, y, seed=7)
    c = train_validation_split(x, y, seed=8)
    np.testing.assert_array_equal(a[1][0], b[1][0])
    np.testing.assert_array_equal(a[0][0], b[0][0])
    assert not np.array_equal(a[1][0], c[1][0])
    _check_partition(x, y, c)


def test_small_classes_keep_one_sample_on_each_side():
    y = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    x = np.arange(len(y))
    (_, y_train), (_, y_val) = train_validation_split(x, y, 0.1)
    # round(0.2) = 0 and round(0.3) = 0 are raised to 1.
    assert np.bincount(y_val).tolist() == [1, 1, 1]
    (_, y_train), (_, y_val) = train_validation_split(x, y, 0.9)
    # round(1.8) = 2 and round(2.7) = 3 are lowered to count - 1.
    assert np.bincount(y_train).tolist() == [1, 1, 1]
    assert np.bincount(y_val).tolist() == [1, 2, 9]


def test_dtypes_and_shapes_are_kept():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (40, 4, 4, 3), dtype=np.uint8)
    y = (np.arange(40) % 4).astype(np.int32).reshape(40, 1)
    (x_train, y_train), (x_val, y_val) = train_validation_split(x, y, 0.25)
    assert x_train.dtype == x_val.dtype == np.uint8
    assert y_train.dtype == y_val.dtype == np.int32
    # 10 per class: 10 * 0.25 = 2.5 rounds to 3 validation samples each.
    assert x_train.shape == (28, 4, 4, 3) and x_val.shape == (12, 4, 4, 3)
    assert y_train.shape == (28, 1) and y_val.shape == (12, 1)


def test_rounding_is_per_class_and_half_up():
    # 10 samples per class: 10 * 0.25 = 2.5 -> 3 validation samples each,
    # so 12 in all rather than round(40 * 0.25) = 10.
    y = np.arange(40) % 4
    (_, _), (_, y_val) = train_validation_split(np.arange(40), y, 0.25)
    assert np.bincount(y_val).tolist() == [3] * 4


def test_one_hot_labels_are_stratified_on_argmax():
    labels = np.arange(30) % 3
    y = keras.utils.to_categorical(labels, 3).astype("float32")
    x = np.arange(30)
    (x_train, y_train), (x_val, y_val) = train_validation_split(x, y, 0.2)
    assert y_train.shape == (24, 3) and y_val.shape == (6, 3)
    assert y_val.dtype == np.float32
    assert np.bincount(y_val.argmax(axis=1)).tolist() == [2, 2, 2]
    np.testing.assert_array_equal(y_val.argmax(axis=1), labels[x_val])


def test_array_likes_are_accepted():
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        [[1], [2], [3], [4]], [0, 1, 0, 1], 0.5
    )
    assert isinstance(x_train, np.ndarray) and x_train.shape == (2, 1)
    assert sorted(y_val.tolist()) == [0, 1]


@pytest.mark.parametrize("fraction", [0, 0.0, 1, 1.0, -0.1, 1.5, True, "0.1"])
def test_bad_validation_fraction(labelled, fraction):
    x, y = labelled
    with pytest.raises(
        ValueError,
        match=(
            r"Invalid value for argument `validation_fraction`\. Expected a "
            r"float in the open range \(0, 1\)\. Received "
            rf"validation_fraction={fraction!r}"
        ),
    ):
        train_validation_split(x, y, fraction)


@pytest.mark.parametrize("seed", [None, -1, 1.5, True, "0"])
def test_bad_seed(labelled, seed):
    x, y = labelled
    with pytest.raises(
        ValueError,
        match=(
            r"argument `seed`\. Expected a non-negative integer\. "
            r"Received seed="
        ),
    ):
        train_validation_split(x, y, seed=seed)


def test_mismatched_lengths(labelled):
    x, y = labelled
    with pytest.raises(
        ValueError,
        match=(
            r"Expected `x` and `y` to have the same number of samples\. "
            r"Received x.shape=\(474,\) and y.shape=\(475,\)"
        ),
    ):
        train_validation_split(x[:-1], y)


def test_class_too_small_to_split():
    y = np.array([0, 0, 0, 1, 2, 2])
    with pytest.raises(
        ValueError,
        match=r"Class 1 has only 1 sample: each class needs at least 2",
    ):
        train_validation_split(np.arange(6), y, 0.5)


@pytest.mark.parametrize(
    "y",
    [
        np.array([0.0, 1.0, 0.0, 1.0]),
        np.array(["a", "b", "a", "b"]),
        np.zeros((4, 2, 2)),
    ],
    ids=["float", "str", "3d"],
)
def test_labels_must_be_integers_or_one_hot(y):
    with pytest.raises(
        ValueError, match=r"argument `y`\. Expected integer class ids"
    ):
        train_validation_split(np.arange(4), y)


def test_no_samples():
    with pytest.raises(ValueError, match=r"they hold no samples"):
        train_validation_split(np.zeros((0, 2)), np.zeros((0,), int))


# --------------------------------------------------------------------------
# Real CIFAR-10.
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_train():
    if not REAL_ARCHIVE.is_file():
        pytest.skip(f"real CIFAR-10 archive not found at {REAL_ARCHIVE}")
    (x_train, y_train), _ = load_cifar10(data_dir=REAL_ARCHIVE.parent)
    return x_train, y_train


def test_real_cifar10_split_is_stratified(real_train):
    x, y = real_train
    (x_train, y_train), (x_val, y_val) = train_validation_split(x, y)
    assert x_train.shape == (45000, 32, 32, 3)
    assert x_val.shape == (5000, 32, 32, 3)
    assert x_train.dtype == x_val.dtype == np.uint8
    assert y_train.dtype == y_val.dtype == np.int64
    assert np.bincount(y_val, minlength=10).tolist() == [500] * 10
    assert np.bincount(y_train, minlength=10).tolist() == [4500] * 10
    # Images stay with their labels.
    for i in (0, 2500, 4999):
        (source,) = np.flatnonzero((x == x_val[i]).all(axis=(1, 2, 3)))
        assert y[source] == y_val[i]
