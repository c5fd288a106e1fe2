"""Tests for `make_dataset` (tf.data) and `ArrayDataset` (PyDataset).

Both must feed `model.fit` on the TensorFlow, JAX and PyTorch backends;
the suite runs under each. The real CIFAR-10 archive is read from
`$KCB_DATA_DIR` if set, else from `../shared/data` next to the
repository (as in `test_cifar.py`); those tests are skipped when it is
absent.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_cifar_blocks.datasets import ArrayDataset
from keras_cifar_blocks.datasets import load_cifar10
from keras_cifar_blocks.datasets import make_dataset
from keras_cifar_blocks.datasets import subset

try:
    import tensorflow as tf
except ImportError:  # ArrayDataset needs no TensorFlow.
    tf = None

needs_tf = pytest.mark.skipif(tf is None, reason="make_dataset needs TF")

ROOT = Path(__file__).parents[2]
_DEFAULT_REAL_DIR = ROOT.parent / "shared" / "data"
REAL_ARCHIVE = (
    Path(os.environ.get("KCB_DATA_DIR") or _DEFAULT_REAL_DIR)
    / "cifar-10-python.tar.gz"
)
BUILDERS = [make_dataset, ArrayDataset]
# A backend under which `import keras` does not import TensorFlow itself.
_OTHER_BACKEND = next(
    (b for b in ("jax", "torch") if importlib.util.find_spec(b)), None
)


def _images(n, size=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _index_coded(n):
    """Images whose first pixel is their index, and labels = index."""
    x = np.zeros((n, 2, 2, 1), dtype=np.int32)
    x[:, 0, 0, 0] = np.arange(n)
    return x, np.arange(n)


def _batches(data):
    """The `(images, labels)` batches of a tf.data dataset or PyDataset
    as NumPy arrays."""
    if hasattr(data, "as_numpy_iterator"):  # A tf.data.Dataset.
        batches = list(data.as_numpy_iterator())
    else:
        batches = [data[i] for i in range(len(data))]
    return [
        tuple(np.asarray(keras.ops.convert_to_numpy(t)) for t in batch)
        if isinstance(batch, tuple)
        else np.asarray(batch)
        for batch in batches
    ]


def _epoch_order(data):
    """The sample order of one epoch of `_index_coded` data."""
    return np.concatenate([labels for _, labels in _batches(data)])


def _tiny_model(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Rescaling(1 / 255),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss="sparse_categorical_crossentropy",
    )
    return model


def _fit_and_check(model, data, epochs, steps_per_epoch):
    weights = model.trainable_weights
    before = [keras.ops.convert_to_numpy(w) for w in weights]
    history = model.fit(data, epochs=epochs, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == epochs and np.all(np.isfinite(losses))
    assert int(model.optimizer.iterations) == epochs * steps_per_epoch
    after = [keras.ops.convert_to_numpy(w) for w in weights]
    assert any(
        not np.allclose(a, b) for a, b in zip(before, after, strict=True)
    )


# --------------------------------------------------------------------------
# make_dataset.
# --------------------------------------------------------------------------


@needs_tf
def test_make_dataset_batches_keep_order_and_dtypes():
    x = _images(10)
    y = (np.arange(10) % 3).astype(np.int32)
    ds = make_dataset(x, y, batch_size=4)
    assert isinstance(ds, tf.data.Dataset)
    assert int(ds.cardinality()) == 3
    batches = _batches(ds)
    assert [images.shape for images, _ in batches] == [
        (4, 4, 4, 3),
        (4, 4, 4, 3),
        (2, 4, 4, 3),
    ]
    np.testing.assert_array_equal(
        np.concatenate([images for images, _ in batches]), x
    )
    np.testing.assert_array_equal(
        np.concatenate([labels for _, labels in batches]), y
    )
    assert batches[0][0].dtype == np.uint8 and batches[0][1].dtype == np.int32


@needs_tf
def test_make_dataset_without_labels_and_drop_remainder():
    x = _images(10)
    batches = _batches(make_dataset(x, batch_size=4, drop_remainder=True))
    assert [b.shape for b in batches] == [(4, 4, 4, 3)] * 2
    np.testing.assert_array_equal(np.concatenate(batches), x[:8])


@needs_tf
@pytest.mark.parametrize("cache", [True, False, "path"])
def test_make_dataset_cache_options(tmp_path, cache):
    x, y = _index_coded(12)
    if cache == "path":
        cache = tmp_path / "cache"
    ds = make_dataset(
        x, y, batch_size=5, shuffle=True, seed=1, cache=cache, prefetch=False
    )
    for _ in range(2):  # The second epoch reads the cache.
        assert sorted(_epoch_order(ds).tolist()) == list(range(12))
    if cache not in (True, False):
        assert list(tmp_path.glob("cache*"))


@needs_tf
def test_make_dataset_shuffle_is_seeded_and_reshuffles_each_epoch():
    x, y = _index_coded(64)
    a = make_dataset(x, y, batch_size=10, shuffle=True, seed=3)
    b = make_dataset(x, y, batch_size=10, shuffle=True, seed=3)
    c = make_dataset(x, y, batch_size=10, shuffle=True, seed=4)
    first, second = _epoch_order(a), _epoch_order(a)
    for order in (first, second):
        assert sorted(order.tolist()) == list(range(64))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(64))
    np.testing.assert_array_equal(_epoch_order(b), first)
    assert not np.array_equal(_epoch_order(c), first)
    # Images stay with their labels.
    for images, labels in _batches(a):
        np.testing.assert_array_equal(images[:, 0, 0, 0], labels)


@needs_tf
def test_make_dataset_small_shuffle_buffer():
    x, y = _index_coded(20)
    ds = make_dataset(
        x, y, batch_size=20, shuffle=True, seed=0, shuffle_buffer_size=2
    )
    order = _epoch_order(ds)
    assert sorted(order.tolist()) == list(range(20))
    # A buffer of 2 moves each sample only a little.
    assert np.all(order[:2] < 4)


@needs_tf
def test_make_dataset_applies_a_keras_layer_per_batch():
    x = _images(6)
    ds = make_dataset(
        x, np.zeros(6), batch_size=4, augment=keras.layers.Rescaling(0.5)
    )
    images = np.concatenate([images for images, _ in _batches(ds)])
    assert images.dtype == np.float32
    np.testing.assert_allclose(images, x.astype(np.float32) * 0.5)


@needs_tf
def test_make_dataset_random_flip_flips_whole_images():
    x = _images(16)
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    (images,) = _batches(make_dataset(x, batch_size=16, augment=flip))
    flipped = [
        not np.array_equal(out, image)
        for out, image in zip(images, x.astype(np.float32), strict=True)
    ]
    for out, image, was_flipped in zip(images, x, flipped, strict=True):
        expected = image[:, ::-1] if was_flipped else image
        np.testing.assert_array_equal(out, expected)
    assert 0 < sum(flipped) < 16


@needs_tf
def test_make_dataset_augment_with_labels_callable():
    x, y = _index_coded(8)

    def shift_labels(images, labels):
        return images * 2, labels + 100

    ds = make_dataset(
        x, y, batch_size=4, augment=shift_labels, augment_labels=True
    )
    for images, labels in _batches(ds):
        np.testing.assert_array_equal(images[:, 0, 0, 0], 2 * (labels - 100))


@needs_tf
def test_make_dataset_augment_with_labels_mixup_layer():
    x = _images(16).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(16) % 4, 4)
    ds = make_dataset(
        x,
        y,
        batch_size=8,
        augment=keras.layers.MixUp(seed=0),
        augment_labels=True,
    )
    for images, labels in _batches(ds):
        assert images.shape == (8, 4, 4, 3) and labels.shape == (8, 4)
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-5)
    # Mixed labels are no longer one-hot.
    assert not np.all(np.isin(labels, [0.0, 1.0]))


@needs_tf
def test_make_dataset_augment_that_cannot_run_in_tf_data():
    def numpy_only(images):
        return np.asarray(images) + 1

    with pytest.raises(
        ValueError,
        match=(
            r"(?s)Could not apply `augment` inside tf\.data on the "
            rf"'{keras.backend.backend()}' backend .*keras\.layers\.Pipeline"
            r".*ArrayDataset"
        ),
    ):
        make_dataset(_images(4), augment=numpy_only)


def _images_only(images, labels):
    return images


_WRONG_OUTPUT = (
    r"With augment_labels=True, `augment\(images, labels\)` must return a "
    r"tuple `\(images, labels\)`\. Received an output of type"
)


@needs_tf
def test_make_dataset_augment_with_labels_wrong_output():
    # tf.data traces `augment` when the dataset is built.
    with pytest.raises(TypeError, match=_WRONG_OUTPUT):
        make_dataset(
            _images(4), np.zeros(4), augment=_images_only, augment_labels=True
        )


class _SwapLabels(keras.layers.Layer):
    """Gets and returns `{"images": ..., "labels": ...}` like `MixUp`."""

    def call(self, data):
        return {"images": data["images"], "labels": 1 - data["labels"]}


class _ImagesOnly(keras.layers.Layer):
    def call(self, data):
        return data["images"]


@needs_tf
def test_make_dataset_fits_a_model():
    x = _images(48, size=8)
    y = np.arange(48) % 3
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    # 48 = 20 + 20 + 8: the last batch is smaller.
    ds = make_dataset(x, y, batch_size=20, shuffle=True, seed=0, augment=flip)
    model = _tiny_model((8, 8, 3), 3)
    _fit_and_check(model, ds, epochs=2, steps_per_epoch=3)
    assert model.evaluate(make_dataset(x, y, batch_size=16), verbose=0) > 0
    probabilities = model.predict(make_dataset(x, batch_size=16), verbose=0)
    assert probabilities.shape == (48, 3)


def test_make_dataset_without_tensorflow(monkeypatch):
    # `None` in sys.modules makes `import tensorflow` raise ImportError.
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(
        ImportError,
        match=(
            r"needs TensorFlow.*"
            r'pip install "keras-cifar-blocks\[tensorflow\]".*'
            r"tensorflow-cpu.*ArrayDataset"
        ),
    ):
        make_dataset(_images(4), np.zeros(4))


@pytest.mark.skipif(
    _OTHER_BACKEND is None, reason="needs the jax or torch backend installed"
)
def test_importing_the_module_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "import keras_cifar_blocks.datasets.pipelines\n"
        "print('tensorflow' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "KERAS_BACKEND": _OTHER_BACKEND},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[-1] == "False"


# --------------------------------------------------------------------------
# ArrayDataset.
# --------------------------------------------------------------------------


def test_array_dataset_batches_keep_order_and_dtypes():
    x = _images(10)
    y = (np.arange(10) % 3).astype(np.int32).reshape(10, 1)
    ds = ArrayDataset(x, y, batch_size=4)
    assert isinstance(ds, keras.utils.PyDataset)
    assert len(ds) == 3 and ds.num_batches == 3
    batches = _batches(ds)
    assert [labels.shape for _, labels in batches] == [(4, 1), (4, 1), (2, 1)]
    np.testing.assert_array_equal(
        np.concatenate([images for images, _ in batches]), x
    )
    assert batches[0][0].dtype == np.uint8 and batches[0][1].dtype == np.int32
    assert len(list(ds)) == 3  # Iteration stops after the last batch.


def test_array_dataset_without_labels_and_drop_remainder():
    x = _images(10)
    ds = ArrayDataset(x, batch_size=4, drop_remainder=True)
    assert len(ds) == 2
    batch = ds[1]
    assert isinstance(batch, tuple) and len(batch) == 1
    np.testing.assert_array_equal(batch[0], x[4:8])


@pytest.mark.parametrize("index", [3, -1, 1.0, True])
def test_array_dataset_index_out_of_range(index):
    ds = ArrayDataset(_images(10), batch_size=4)
    with pytest.raises(IndexError, match=r"out of range.*of 3 batches"):
        ds[index]


def test_array_dataset_visits_every_sample_once_per_epoch():
    x, y = _index_coded(23)
    ds = ArrayDataset(x, y, batch_size=5, shuffle=True, seed=0)
    orders = []
    for _ in range(3):
        for images, labels in _batches(ds):
            np.testing.assert_array_equal(images[:, 0, 0, 0], labels)
        order = _epoch_order(ds)
        assert sorted(order.tolist()) == list(range(23))
        orders.append(order)
        ds.on_epoch_end()
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    assert not np.array_equal(orders[0], np.arange(23))


def test_array_dataset_shuffle_is_seeded():
    x, y = _index_coded(30)
    a = ArrayDataset(x, y, batch_size=8, shuffle=True, seed=5)
    b = ArrayDataset(x, y, batch_size=8, shuffle=True, seed=5)
    c = ArrayDataset(x, y, batch_size=8, shuffle=True, seed=6)
    for _ in range(2):
        np.testing.assert_array_equal(_epoch_order(a), _epoch_order(b))
        assert not np.array_equal(_epoch_order(a), _epoch_order(c))
        for ds in (a, b, c):
            ds.on_epoch_end()


def test_array_dataset_unseeded_and_unshuffled_orders():
    x, y = _index_coded(30)
    ds = ArrayDataset(x, y, batch_size=8, shuffle=True)
    assert sorted(_epoch_order(ds).tolist()) == list(range(30))
    ordered = ArrayDataset(x, y, batch_size=8)
    ordered.on_epoch_end()
    np.testing.assert_array_equal(_epoch_order(ordered), np.arange(30))


def test_array_dataset_augment_numpy_callable():
    x, y = _index_coded(9)
    ds = ArrayDataset(x, y, batch_size=4, augment=lambda images: -images)
    for images, labels in _batches(ds):
        np.testing.assert_array_equal(images[:, 0, 0, 0], -labels)


def test_array_dataset_augment_keras_layer():
    x = _images(6)
    ds = ArrayDataset(x, batch_size=4, augment=keras.layers.Rescaling(0.5))
    images = np.concatenate([batch[0] for batch in _batches(ds)])
    np.testing.assert_allclose(images, x.astype(np.float32) * 0.5)


def test_array_dataset_augment_with_labels_wrong_output():
    ds = ArrayDataset(
        _images(4), np.zeros(4), augment=_images_only, augment_labels=True
    )
    with pytest.raises(TypeError, match=_WRONG_OUTPUT):
        ds[0]
    ds = ArrayDataset(
        _images(4), np.zeros(4), augment=_ImagesOnly(), augment_labels=True
    )
    with pytest.raises(
        TypeError,
        match=(
            r"With augment_labels=True, a Keras layer passed as `augment` "
            r'must return a dict with keys "images" and "labels"'
        ),
    ):
        ds[0]


def test_array_dataset_augment_with_labels():
    x, y = _index_coded(8)
    ds = ArrayDataset(
        x,
        y,
        batch_size=4,
        augment=lambda images, labels: (images, labels + 1),
        augment_labels=True,
    )
    for images, labels in _batches(ds):
        np.testing.assert_array_equal(images[:, 0, 0, 0] + 1, labels)
    # A Keras layer gets and returns a dict, as MixUp and CutMix do.
    x = _images(8).astype(np.float32)
    y = (np.arange(8) % 2).astype(np.float32)
    swapped = ArrayDataset(
        x, y, batch_size=8, augment=_SwapLabels(), augment_labels=True
    )
    ((images, labels),) = _batches(swapped)
    np.testing.assert_array_equal(images, x)
    np.testing.assert_array_equal(labels, 1 - y)


def test_array_dataset_passes_parallelism_to_pydataset():
    ds = ArrayDataset(
        _images(4), workers=3, use_multiprocessing=True, max_queue_size=5
    )
    assert ds.workers == 3
    assert ds.use_multiprocessing is True
    assert ds.max_queue_size == 5
    default = ArrayDataset(_images(4))
    assert (default.workers, default.use_multiprocessing) == (1, False)


def test_array_dataset_fits_a_model():
    x = _images(48, size=8)
    y = np.arange(48)  # One class per sample, to follow the order.
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    # 48 = 20 + 20 + 8: the last batch is smaller.
    ds = ArrayDataset(x, y, batch_size=20, shuffle=True, seed=0, augment=flip)
    before = _epoch_order(ds)
    model = _tiny_model((8, 8, 3), 48)
    _fit_and_check(model, ds, epochs=2, steps_per_epoch=3)
    # fit called on_epoch_end: the dataset moved on to a new order.
    after = _epoch_order(ds)
    assert sorted(after.tolist()) == list(range(48))
    assert not np.array_equal(after, before)
    probabilities = model.predict(ArrayDataset(x, batch_size=16), verbose=0)
    assert probabilities.shape == (48, 48)


# --------------------------------------------------------------------------
# Argument checks (both builders).
# --------------------------------------------------------------------------


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (
            {"batch_size": 0},
            ValueError,
            r"Invalid value for argument `batch_size`\. Expected a strictly "
            r"positive integer\. Received batch_size=0",
        ),
        ({"batch_size": -4}, ValueError, r"`batch_size`.*batch_size=-4"),
        ({"batch_size": 2.0}, ValueError, r"`batch_size`.*batch_size=2\.0"),
        ({"batch_size": True}, ValueError, r"`batch_size`.*batch_size=True"),
        (
            {"y": np.zeros(5)},
            ValueError,
            r"Expected `x` and `y` to have the same number of samples\. "
            r"Received x.shape=\(6, 4, 4, 3\) and y.shape=\(5,\)",
        ),
        (
            {"x": None},
            ValueError,
            r"Invalid value for argument `x`\. Expected an array of samples",
        ),
        (
            {"augment": "flip"},
            TypeError,
            r"Invalid type for argument `augment`\. Expected a callable "
            r"\(for example a Keras preprocessing layer\) or None\. "
            r"Received augment='flip' of type str",
        ),
        (
            {"augment_labels": True},
            ValueError,
            r"`augment_labels=True` requires an `augment` callable",
        ),
        (
            {"augment": abs, "augment_labels": True, "y": None},
            ValueError,
            r"`augment_labels=True` requires labels `y`",
        ),
        (
            {"augment": abs, "augment_labels": 1},
            TypeError,
            r"Invalid type for argument `augment_labels`\. Expected a bool",
        ),
        (
            {"shuffle": "yes"},
            TypeError,
            r"Invalid type for argument `shuffle`\. Expected a bool\. "
            r"Received shuffle='yes' of type str",
        ),
        (
            {"drop_remainder": None},
            TypeError,
            r"Invalid type for argument `drop_remainder`\. Expected a bool",
        ),
        (
            {"seed": -1},
            ValueError,
            r"Invalid value for argument `seed`\. Expected None or a "
            r"non-negative integer\. Received seed=-1",
        ),
        ({"seed": "0"}, ValueError, r"argument `seed`.*seed='0'"),
        (
            {"batch_size": 8, "drop_remainder": True},
            ValueError,
            r"With drop_remainder=True and batch_size=8, the 6 samples make "
            r"no complete batch",
        ),
        (
            {"x": np.zeros((0, 4, 4, 3)), "y": np.zeros(0)},
            ValueError,
            r"Expected at least one sample",
        ),
    ],
)
def test_bad_arguments(builder, kwargs, error, pattern):
    arguments = {"x": _images(6), "y": np.zeros(6), **kwargs}
    with pytest.raises(error, match=pattern):
        builder(**arguments)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (
            {"cache": 1},
            TypeError,
            r"Invalid type for argument `cache`\. Expected a bool or a file "
            r"path prefix\. Received cache=1 of type int",
        ),
        (
            {"prefetch": "no"},
            TypeError,
            r"Invalid type for argument `prefetch`\. Expected a bool",
        ),
        (
            {"shuffle_buffer_size": 0},
            ValueError,
            r"Invalid value for argument `shuffle_buffer_size`\. Expected a "
            r"strictly positive integer\. Received shuffle_buffer_size=0",
        ),
    ],
)
def test_make_dataset_bad_arguments(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        make_dataset(_images(6), np.zeros(6), **kwargs)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (
            {"workers": 0},
            ValueError,
            r"Invalid value for argument `workers`\. Expected a strictly "
            r"positive integer\. Received workers=0",
        ),
        (
            {"max_queue_size": -1},
            ValueError,
            r"argument `max_queue_size`.*max_queue_size=-1",
        ),
        (
            {"use_multiprocessing": 1},
            TypeError,
            r"Invalid type for argument `use_multiprocessing`\. Expected a "
            r"bool",
        ),
    ],
)
def test_array_dataset_bad_arguments(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        ArrayDataset(_images(6), np.zeros(6), **kwargs)


# --------------------------------------------------------------------------
# Real CIFAR-10.
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_subset():
    """512 real training images, 51 or 52 per class."""
    if not REAL_ARCHIVE.is_file():
        pytest.skip(f"real CIFAR-10 archive not found at {REAL_ARCHIVE}")
    (x_train, y_train), _ = load_cifar10(data_dir=REAL_ARCHIVE.parent)
    return subset(x_train, y_train, 512, seed=0)


@needs_tf
def test_real_cifar10_tf_data_pipeline(real_subset):
    x, y = real_subset
    augment = keras.layers.Pipeline(
        [
            keras.layers.RandomFlip("horizontal", seed=0),
            keras.layers.RandomTranslation(0.125, 0.125, seed=1),
        ]
    )
    ds = make_dataset(
        x, y, batch_size=128, shuffle=True, seed=0, augment=augment
    )
    batches = _batches(ds)
    assert len(batches) == 4
    for images, labels in batches:
        assert images.shape == (128, 32, 32, 3) and images.dtype == np.float32
        assert labels.shape == (128,) and labels.dtype == np.int64
        assert images.min() >= 0 and images.max() <= 255
    labels = np.concatenate([labels for _, labels in batches])
    assert np.array_equal(np.bincount(labels), np.bincount(y))


def test_real_cifar10_array_dataset(real_subset):
    x, y = real_subset
    ds = ArrayDataset(x, y, batch_size=128, shuffle=True, seed=0)
    assert len(ds) == 4
    images, labels = ds[3]
    assert images.shape == (128, 32, 32, 3) and images.dtype == np.uint8
    assert labels.shape == (128,) and labels.dtype == np.int64
    order = np.concatenate([ds[i][1] for i in range(len(ds))])
    assert np.array_equal(np.bincount(order), np.bincount(y))


def test_shards_split_every_batch_into_equal_slices():
    from keras_cifar_blocks.datasets import make_dataset

    x = np.arange(14 * 2).reshape(14, 2)
    y = np.arange(14)
    whole = [b[1].numpy().tolist() for b in make_dataset(x, y, batch_size=6)]
    halves = [
        [b[1].numpy().tolist() for b in make_dataset(x, y, 6, shard=(2, i))]
        for i in (0, 1)
    ]
    assert whole == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12, 13]]
    assert [a + b for a, b in zip(*halves, strict=True)] == whole
    images = next(iter(make_dataset(x, batch_size=6, shard=(3, 2))))
    assert images.numpy().tolist() == [[8, 9], [10, 11]]


@pytest.mark.parametrize("shard", [(2, 2), (0, 0), (2,), "ab", (2.0, 1)])
def test_bad_shards(shard):
    from keras_cifar_blocks.datasets import make_dataset

    with pytest.raises(ValueError, match="argument `shard`"):
        make_dataset(np.zeros((4, 2)), batch_size=2, shard=shard)
