"""Data-parallel training with each backend's own API.

- JAX: `keras.distribution.DataParallel` over `keras.distribution.
  list_devices()` (the GPUs or TPUs, else the CPU devices). Each global
  batch is split evenly across the devices, so its size must be a
  multiple of their number.
- TensorFlow: `tf.distribute.MirroredStrategy` over the GPUs, else the
  logical CPU devices; the model is built and compiled in its scope.
- PyTorch: Keras has no distribution API for it; a ValueError says so.

On a CPU-only machine, test with several virtual devices:
`XLA_FLAGS=--xla_force_host_platform_device_count=2` (JAX, set before
JAX starts) or `tf.config.set_logical_device_configuration` with two
`LogicalDeviceConfiguration()` on the CPU (TensorFlow, before it
initializes).
"""

import contextlib

import keras

BACKENDS = ("jax", "tensorflow")


def check_backend(backend: str | None = None) -> str:
    """The backend, if `distribute=True` is supported on it."""
    backend = backend or keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(
            f"`distribute=True` is not supported on the {backend!r} "
            "backend: Keras 3 offers data-parallel training through "
            "keras.distribution.DataParallel on JAX and "
            "tf.distribute.MirroredStrategy on TensorFlow. Set "
            "KERAS_BACKEND=jax or KERAS_BACKEND=tensorflow, or train "
            "without `distribute` (--distribute)."
        )
    return backend


def replicas(backend: str | None = None) -> int:
    """The number of devices `distribution_scope` trains on."""
    backend = check_backend(backend)
    if backend == "jax":
        return len(keras.distribution.list_devices())
    return len(_tensorflow_devices())


def _tensorflow_devices() -> list[str]:
    import tensorflow as tf

    devices = tf.config.list_logical_devices("GPU")
    devices = devices or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]


@contextlib.contextmanager
def distribution_scope(distribute: bool, backend: str | None = None):
    """Build, compile and fit the model inside this context.

    Args:
        distribute: bool; `False` gives a context that does nothing.
        backend: the Keras backend. Defaults to the active one.

    Yields:
        The number of replicas (1 without `distribute`).

    Raises:
        ValueError: if `distribute=True` on a backend other than JAX and
            TensorFlow.

    Example:

    >>> from keras_cifar_blocks.training.distribution import (
    ...     distribution_scope,
    ... )
    >>> with distribution_scope(False) as replicas:
    ...     print(replicas)
    1
    >>> with distribution_scope(True, backend="torch"):
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: `distribute=True` is not supported on the 'torch' backend...
    """
    if not distribute:
        yield 1
        return
    backend = check_backend(backend)
    if backend == "jax":
        devices = keras.distribution.list_devices()
        distribution = keras.distribution.DataParallel(devices=devices)
        with distribution.scope():
            yield len(devices)
        return
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(_tensorflow_devices())
    with strategy.scope():
        yield strategy.num_replicas_in_sync
