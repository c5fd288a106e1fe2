"""Input pipelines over in-memory arrays for `model.fit` on every backend.

`make_dataset` builds a `tf.data.Dataset`: it caches the arrays, then
shuffles, batches, augments each batch in parallel and prefetches, so
that the next batches are ready while the model trains. Keras 3 accepts
a `tf.data.Dataset` on the TensorFlow, JAX and PyTorch backends alike,
but it needs TensorFlow installed (`tensorflow-cpu` is enough).

`ArrayDataset` is a `keras.utils.PyDataset` that needs no TensorFlow: it
serves shuffled (and optionally augmented) NumPy batches from Python,
with `workers` threads or processes.

TensorFlow is imported only when `make_dataset` is called.
"""

import math
import os
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from keras_cifar_blocks.utils import validation

_INSTALL_TENSORFLOW = (
    "`make_dataset` builds a tf.data.Dataset and needs TensorFlow, which "
    "is not installed. Install it with "
    '`pip install "keras-cifar-blocks[tensorflow]"` (or `pip install '
    "tensorflow-cpu`); Keras uses a tf.data.Dataset with the JAX and "
    "PyTorch backends too. Without TensorFlow, use "
    "`keras_cifar_blocks.datasets.ArrayDataset`, a keras.utils.PyDataset "
    "over NumPy arrays that takes the same arguments."
)


# --------------------------------------------------------------------------
# Argument checks shared by `make_dataset` and `ArrayDataset`.
# --------------------------------------------------------------------------


def _check_augment(augment, augment_labels: bool, has_labels: bool) -> None:
    if augment is not None and not callable(augment):
        raise TypeError(
            "Invalid type for argument `augment`. Expected a callable (for "
            "example a Keras preprocessing layer) or None. Received "
            f"augment={augment!r} of type {type(augment).__name__}"
        )
    validation.boolean("augment_labels", augment_labels)
    if augment_labels and augment is None:
        raise ValueError(
            "`augment_labels=True` requires an `augment` callable. "
            "Received augment=None"
        )
    if augment_labels and not has_labels:
        raise ValueError(
            "`augment_labels=True` requires labels `y`, since `augment` "
            "receives and returns `(images, labels)`. Received y=None"
        )


def _check_not_empty(num_samples: int, batch_size: int, drop_remainder):
    if num_samples == 0:
        raise ValueError(
            "Expected at least one sample. Received `x` with 0 samples"
        )
    if drop_remainder and num_samples < batch_size:
        raise ValueError(
            f"With drop_remainder=True and batch_size={batch_size}, the "
            f"{num_samples} samples make no complete batch. Pass a smaller "
            "`batch_size` or drop_remainder=False."
        )


class _AugmentOutputError(TypeError):
    """`augment` returned the wrong structure."""


def _apply_augment(augment, augment_labels: bool, images, labels):
    """Run `augment` on a batch, with the calling convention documented
    in `make_dataset`; return `(images, labels)` (`labels` may be None).
    """
    if not augment_labels:
        return augment(images), labels
    if isinstance(augment, keras.layers.Layer):
        # Keras' image preprocessing layers (`MixUp`, `CutMix`, and the
        # geometric ones) take and return a dict when labels change too.
        out = augment({"images": images, "labels": labels})
        if not isinstance(out, dict) or not {"images", "labels"} <= set(out):
            raise _AugmentOutputError(
                "With augment_labels=True, a Keras layer passed as "
                '`augment` must return a dict with keys "images" and '
                f'"labels". Received an output of type {type(out).__name__}'
            )
        return out["images"], out["labels"]
    out = augment(images, labels)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _AugmentOutputError(
            "With augment_labels=True, `augment(images, labels)` must "
            "return a tuple `(images, labels)`. Received an output of type "
            f"{type(out).__name__}"
        )
    return tuple(out)


# --------------------------------------------------------------------------
# tf.data.
# --------------------------------------------------------------------------


def _import_tensorflow():
    try:
        import tensorflow as tf
    except ImportError as e:
        raise ImportError(_INSTALL_TENSORFLOW) from e
    return tf


def make_dataset(
    x,
    y=None,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int | None = None,
    augment: Callable | None = None,
    augment_labels: bool = False,
    cache: bool | str | os.PathLike = True,
    prefetch: bool = True,
    drop_remainder: bool = False,
    shuffle_buffer_size: int | None = None,
    shard: tuple[int, int] | None = None,
):
    """Builds a batched, shuffled, augmented and prefetched `tf.data` input.

    The steps, in order: `from_tensor_slices((x, y))`, `cache()`,
    `shuffle(shuffle_buffer_size, seed, reshuffle_each_iteration=True)`,
    `batch(batch_size, drop_remainder)`, `map(augment,
    num_parallel_calls=AUTOTUNE)`, `prefetch(AUTOTUNE)`. Caching comes
    before shuffling so every epoch is reshuffled, and augmentation after
    it so every epoch sees new random transforms; augmenting whole
    batches rather than single images is much faster.

    The result works with `model.fit`, `evaluate` and `predict` on the
    TensorFlow, JAX and PyTorch backends (pass `shuffle=False` to `fit`,
    which cannot shuffle a dataset: shuffle here). Images keep their
    dtype unless `augment` changes it (Keras preprocessing layers output
    `float32`); rescale them in the model, e.g. with
    `keras.layers.Rescaling(1 / 255)`.

    `augment` runs inside the tf.data graph, with TensorFlow ops, on
    every backend. Keras' image preprocessing layers (`RandomFlip`,
    `RandomCrop`, `RandomTranslation`, `MixUp`, ...) switch to TensorFlow
    there by themselves; chain several with `keras.layers.Pipeline` (not
    `keras.Sequential`, which keeps the backend's ops). A plain function
    must use TensorFlow ops. For augmentation written with `keras.ops`
    on the JAX or PyTorch backend, use `ArrayDataset` instead.

    With `augment_labels=False`, `augment(images)` returns the images.
    With `augment_labels=True`, for augmentations that change labels
    (MixUp, CutMix): a Keras layer is called as `augment({"images":
    images, "labels": labels})` and returns such a dict, as Keras'
    `MixUp` and `CutMix` do; any other callable is called as
    `augment(images, labels)` and returns `(images, labels)`. Label-mixing
    layers need one-hot float labels (`keras.utils.to_categorical(y)`).

    Args:
        x: Images (or any samples), a NumPy array indexed along its first
            axis, for example `uint8` of shape `(N, 32, 32, 3)`.
        y: Optional labels with the same first dimension. When `None`,
            the dataset yields image batches alone (for `predict`).
        batch_size: Strictly positive int. Defaults to `128`.
        shuffle: Bool, whether to reshuffle the samples every epoch.
            Defaults to `False` (right for validation and test data).
        seed: Optional int >= 0 seeding the shuffle, so the sequence of
            epochs is reproducible. Seed random augmentation layers
            through their own `seed` argument.
        augment: Optional callable (typically a Keras preprocessing
            layer) applied to each batch; see above.
        augment_labels: Bool, whether `augment` also receives and returns
            the labels; see above. Defaults to `False`.
        cache: `True` caches the samples in memory, a path (str or
            `os.PathLike`) caches them in files with that prefix, `False`
            does not cache. Defaults to `True`. The in-memory cache holds
            a second copy of the arrays; `cache=False` avoids it when
            memory is short.
        prefetch: Bool, whether to prefetch batches while the model
            trains (`prefetch(tf.data.AUTOTUNE)`). Defaults to `True`.
        drop_remainder: Bool, whether to drop the last batch when it is
            smaller than `batch_size`. Defaults to `False`.
        shuffle_buffer_size: Optional strictly positive int, the size of
            the shuffle buffer. Defaults to the number of samples (a
            uniform shuffle); a smaller buffer uses less memory.
        shard: optional `(count, index)`: keep the `index`-th of `count`
            equal slices of every batch, before augmentation. Each process
            of a multi-process data-parallel job feeds its slice of the
            global batch (the batch sizes must divide by `count`).
            Defaults to `None` (whole batches).

    Returns:
        A `tf.data.Dataset` of `(images, labels)` batches, or of image
        batches when `y` is `None`.

    Raises:
        ImportError: If TensorFlow is not installed. The message gives
            the `pip install` line and points to `ArrayDataset`.
        ValueError: If `batch_size`, `seed` or `shuffle_buffer_size` is
            invalid, if `x` and `y` have different lengths, if there are
            no samples or (with `drop_remainder=True`) no complete batch,
            if `augment_labels=True` without `augment` or `y`, or if
            `augment` cannot run inside tf.data.
        TypeError: If `augment` is not callable, if a bool argument is
            not a bool, if `cache` is not a bool or a path, or if
            `augment` returns the wrong structure.

    Example:

    >>> import numpy as np
    >>> x = np.zeros((10, 32, 32, 3), dtype="uint8")
    >>> y = np.arange(10) % 2
    >>> flip = keras.layers.RandomFlip("horizontal", seed=0)
    >>> ds = make_dataset(x, y, batch_size=4, shuffle=True, seed=0,
    ...                   augment=flip)
    >>> [tuple(images.shape) for images, labels in ds]
    [(4, 32, 32, 3), (4, 32, 32, 3), (2, 32, 32, 3)]
    >>> images, labels = next(iter(ds))
    >>> images.dtype.name, labels.dtype.name
    ('float32', 'int64')
    """
    batch_size = validation.positive_int("batch_size", batch_size)
    validation.boolean("shuffle", shuffle)
    seed = validation.seed("seed", seed)
    _check_augment(augment, augment_labels, has_labels=y is not None)
    if isinstance(cache, bool):
        cache_path = "" if cache else None
    elif isinstance(cache, (str, os.PathLike)):
        cache_path = os.fspath(cache)
    else:
        raise TypeError(
            "Invalid type for argument `cache`. Expected a bool or a file "
            f"path prefix. Received cache={cache!r} of type "
            f"{type(cache).__name__}"
        )
    validation.boolean("prefetch", prefetch)
    validation.boolean("drop_remainder", drop_remainder)
    if shuffle_buffer_size is not None:
        validation.positive_int("shuffle_buffer_size", shuffle_buffer_size)
    x, y = validation.samples(x, y)
    _check_not_empty(x.shape[0], batch_size, drop_remainder)

    tf = _import_tensorflow()
    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if cache_path is not None:
        ds = ds.cache(cache_path)
    if shuffle:
        ds = ds.shuffle(
            shuffle_buffer_size or x.shape[0],
            seed=seed,
            reshuffle_each_iteration=True,
        )
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if shard is not None:
        ds = _shard_batches(ds, shard, tf)
    if augment is not None:
        if y is None:

            def augment_batch(images):
                return _apply_augment(augment, False, images, None)[0]

        else:

            def augment_batch(images, labels):
                return _apply_augment(augment, augment_labels, images, labels)

        try:
            ds = ds.map(augment_batch, num_parallel_calls=tf.data.AUTOTUNE)
        except Exception as e:
            raise _augment_error(e) from e
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds


def _check_shard(shard) -> tuple[int, int]:
    if (
        not isinstance(shard, (tuple, list))
        or len(shard) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in shard)
        or not 0 <= shard[1] < shard[0]
    ):
        raise ValueError(
            "Invalid value for argument `shard`. Expected `(count, index)` "
            "with 0 <= index < count. Received "
            f"shard={shard!r}"
        )
    return tuple(shard)


def _shard_batches(ds, shard, tf):
    """Keeps the `index`-th of `count` equal slices of every batch."""
    count, index = _check_shard(shard)

    def take(*batch):
        size = tf.shape(batch[0])[0] // count
        sliced = tuple(t[index * size : (index + 1) * size] for t in batch)
        return sliced if len(sliced) > 1 else sliced[0]

    return ds.map(take)


def _augment_error(e: Exception) -> Exception:
    """The error to raise when `ds.map(augment_batch)` failed with `e`."""
    # AutoGraph wraps errors raised while tracing in a StagingError; a
    # wrong output structure is the user's to fix, so surface it as is.
    seen = set()
    cause = e
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, _AugmentOutputError):
            return TypeError(str(cause))
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return ValueError(
        "Could not apply `augment` inside tf.data on the "
        f"{keras.backend.backend()!r} backend ({type(e).__name__}: {e}). "
        "tf.data runs `augment` in a TensorFlow graph whatever the Keras "
        "backend, so it must be a Keras preprocessing layer (chain several "
        "with keras.layers.Pipeline, not keras.Sequential) or use "
        "TensorFlow ops; for augmentation written with keras.ops, use "
        "ArrayDataset."
    )


# --------------------------------------------------------------------------
# keras.utils.PyDataset.
# --------------------------------------------------------------------------


class ArrayDataset(keras.utils.PyDataset):
    """A `keras.utils.PyDataset` of shuffled, augmented NumPy batches.

    The TensorFlow-free counterpart of `make_dataset`: it serves batches
    of `x` (and `y`) from Python, which Keras' `fit`, `evaluate` and
    `predict` accept on every backend. With `shuffle=True` each epoch
    visits every sample exactly once, in a new order drawn from `seed`
    and the epoch number, so two datasets with the same seed give the
    same batches. Keras calls `on_epoch_end` after each epoch, which
    moves to the next order.

    `augment` is called on each batch in Python, with NumPy arrays in:
    it may be a Keras preprocessing layer, a function of `keras.ops` or
    of NumPy, and may return NumPy arrays or backend tensors. The calling
    convention (`augment_labels`) is the one of `make_dataset`: a Keras
    layer gets and returns `{"images": ..., "labels": ...}`, any other
    callable gets `(images, labels)` and returns `(images, labels)`.

    Note that `model.fit(..., shuffle=True)`, the default, also shuffles
    the order of the batches (unseeded); pass `shuffle=False` to `fit`
    for a fully reproducible order and let this dataset shuffle.

    Args:
        x: Images (or any samples), a NumPy array indexed along its first
            axis.
        y: Optional labels with the same first dimension. When `None`,
            each batch is the 1-tuple `(images,)`.
        batch_size: Strictly positive int. Defaults to `128`.
        shuffle: Bool, whether to reshuffle the samples every epoch.
            Defaults to `False` (batches in the order of `x`).
        seed: Optional int >= 0 seeding the shuffle; `None` draws a
            random seed when the dataset is created.
        augment: Optional callable applied to each batch; see above.
        augment_labels: Bool, whether `augment` also receives and returns
            the labels. Defaults to `False`.
        drop_remainder: Bool, whether to drop the last batch when it is
            smaller than `batch_size`. Defaults to `False`.
        workers: Strictly positive int, the number of threads (or
            processes) that prepare batches during `fit`. Defaults to
            `1`: batches are prepared in the training loop.
        use_multiprocessing: Bool, whether `workers` are processes rather
            than threads (the dataset and `augment` must then be
            picklable). Defaults to `False`.
        max_queue_size: Strictly positive int, how many batches the
            workers may prepare ahead. Defaults to `10`.

    Raises:
        ValueError: If `batch_size`, `seed`, `workers` or `max_queue_size`
            is invalid, if `x` and `y` have different lengths, if there
            are no samples or (with `drop_remainder=True`) no complete
            batch, or if `augment_labels=True` without `augment` or `y`.
        TypeError: If `augment` is not callable or a bool argument is not
            a bool; when a batch is read, if `augment` returns the wrong
            structure.

    Example:

    >>> import numpy as np
    >>> x = np.zeros((10, 32, 32, 3), dtype="uint8")
    >>> y = np.arange(10) % 2
    >>> ds = ArrayDataset(x, y, batch_size=4, shuffle=True, seed=0)
    >>> len(ds)
    3
    >>> images, labels = ds[2]
    >>> tuple(images.shape), images.dtype.name, tuple(labels.shape)
    ((2, 32, 32, 3), 'uint8', (2,))
    """

    def __init__(
        self,
        x,
        y=None,
        batch_size: int = 128,
        shuffle: bool = False,
        seed: int | None = None,
        augment: Callable | None = None,
        augment_labels: bool = False,
        drop_remainder: bool = False,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ):
        super().__init__(
            workers=validation.positive_int("workers", workers),
            use_multiprocessing=validation.boolean(
                "use_multiprocessing", use_multiprocessing
            ),
            max_queue_size=validation.positive_int(
                "max_queue_size", max_queue_size
            ),
        )
        self.batch_size = validation.positive_int("batch_size", batch_size)
        self.shuffle = validation.boolean("shuffle", shuffle)
        self.seed = validation.seed("seed", seed)
        _check_augment(augment, augment_labels, has_labels=y is not None)
        self.augment = augment
        self.augment_labels = augment_labels
        self.drop_remainder = validation.boolean(
            "drop_remainder", drop_remainder
        )
        self.x, self.y = validation.samples(x, y)
        _check_not_empty(self.x.shape[0], self.batch_size, drop_remainder)
        # With seed=None, fix a random seed now so that the order is a
        # function of (seed, epoch) in this dataset and its worker copies.
        self._shuffle_seed = (
            np.random.SeedSequence().entropy if self.seed is None else self.seed
        )
        self._epoch = 0
        self._order = self._order_for_epoch(self._epoch)

    def _order_for_epoch(self, epoch: int) -> np.ndarray | None:
        if not self.shuffle:
            return None
        rng = np.random.default_rng([self._shuffle_seed, epoch])
        return rng.permutation(self.x.shape[0])

    def __len__(self) -> int:
        num_samples = self.x.shape[0]
        if self.drop_remainder:
            return num_samples // self.batch_size
        return math.ceil(num_samples / self.batch_size)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        """Returns batch `index` of the current epoch.

        Returns `(images, labels)`, or `(images,)` when `y` is None, after
        `augment`. Raises `IndexError` outside `[0, len(self))`.
        """
        if (
            isinstance(index, bool)
            or not isinstance(index, (int, np.integer))
            or not 0 <= index < len(self)
        ):
            raise IndexError(
                f"Batch index {index!r} is out of range for an "
                f"ArrayDataset of {len(self)} batches."
            )
        start = int(index) * self.batch_size
        stop = min(start + self.batch_size, self.x.shape[0])
        if self._order is None:
            selection = slice(start, stop)
        else:
            selection = self._order[start:stop]
        images = self.x[selection]
        labels = None if self.y is None else self.y[selection]
        if self.augment is not None:
            images, labels = _apply_augment(
                self.augment, self.augment_labels, images, labels
            )
        return (images,) if labels is None else (images, labels)

    def on_epoch_end(self) -> None:
        """Moves to the next epoch's order (when `shuffle=True`)."""
        self._epoch += 1
        self._order = self._order_for_epoch(self._epoch)
