"""Data-parallel training with each backend's own API.

- JAX: `keras.distribution.DataParallel` over `keras.distribution.
  list_devices()` (the GPUs or TPUs, else the CPU devices). Each global
  batch is split evenly across the devices, so its size must be a
  multiple of their number.
- TensorFlow: `tf.distribute.MirroredStrategy` over the GPUs, else the
  logical CPU devices; the model is built and compiled in its scope.
- PyTorch: Keras has no distribution API for it; a ValueError says so.

Across processes (several hosts, or several processes on one), the same
`distribute=True` trains on every process's devices once the launcher
sets the standard environment variables of each process:

- JAX: `KERAS_DISTRIBUTION_JOB_ADDRESSES` (the coordinator's
  `host:port`), `KERAS_DISTRIBUTION_NUM_PROCESSES` and
  `KERAS_DISTRIBUTION_PROCESS_ID`, read by
  `keras.distribution.initialize` (`jax.distributed`). Each process feeds
  its shard of every global batch (`DataParallel` shards the `tf.data`
  input).
- TensorFlow: `TF_CONFIG` is recognised, but Keras 3's `model.fit` does
  not run under `tf.distribute.MultiWorkerMirroredStrategy`
  (keras-team/keras#20585): a ValueError says so and points to JAX.

Process 0 is the chief: it alone writes the run folder. The other
processes keep their own copy of the run (backup included, so that a
resumed run restarts every process from the same epoch) in
`worker_folder(out)`, on their own machine.

On a CPU-only machine, test with several virtual devices:
`XLA_FLAGS=--xla_force_host_platform_device_count=2` (JAX, set before
JAX starts) or `tf.config.set_logical_device_configuration` with two
`LogicalDeviceConfiguration()` on the CPU (TensorFlow, before it
initializes).
"""

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

import keras

# The environment a launcher sets for each process of a JAX job.
JAX_ENVIRONMENT = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)

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


def _environment_int(name: str, minimum: int) -> int:
    text = os.environ[name]
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ValueError(
            f"Invalid value for the environment variable `{name}`. Expected "
            f"an integer >= {minimum}. Received {name}={text!r}"
        )
    return value


def processes() -> tuple[int, int]:
    """`(number of processes, this process's id)` from the environment.

    Reads `KERAS_DISTRIBUTION_NUM_PROCESSES` and
    `KERAS_DISTRIBUTION_PROCESS_ID` (JAX), else `TF_CONFIG`
    (TensorFlow); `(1, 0)` when neither is set.

    Example:

    >>> from keras_cifar_blocks.training.distribution import processes
    >>> processes()
    (1, 0)
    """
    if "KERAS_DISTRIBUTION_NUM_PROCESSES" in os.environ:
        count = _environment_int("KERAS_DISTRIBUTION_NUM_PROCESSES", 1)
        index = 0
        if "KERAS_DISTRIBUTION_PROCESS_ID" in os.environ:
            index = _environment_int("KERAS_DISTRIBUTION_PROCESS_ID", 0)
        if index >= count:
            raise ValueError(
                "Invalid value for the environment variable "
                "`KERAS_DISTRIBUTION_PROCESS_ID`. Expected an integer below "
                f"KERAS_DISTRIBUTION_NUM_PROCESSES={count}. Received {index}"
            )
        return count, index
    if "TF_CONFIG" in os.environ:
        try:
            config = json.loads(os.environ["TF_CONFIG"])
            cluster = config.get("cluster", {})
            count = sum(
                len(cluster.get(kind, [])) for kind in ("chief", "worker")
            )
            task = config.get("task", {})
            index = int(task.get("index", 0))
            if task.get("type") == "worker" and "chief" in cluster:
                index += len(cluster["chief"])
        except (ValueError, TypeError, AttributeError) as error:
            raise ValueError(
                "Invalid value for the environment variable `TF_CONFIG`. "
                "Expected the JSON of tf.distribute's cluster spec. "
                f"Received TF_CONFIG={os.environ['TF_CONFIG']!r}"
            ) from error
        return max(count, 1), index
    return 1, 0


def process_shard() -> tuple[int, int] | None:
    """`(processes, this process's id)` of a multi-process job, else None.

    Each process feeds its slice of every global batch; Keras assembles
    the global batch from the processes' slices.
    """
    count, index = processes()
    return None if count == 1 else (count, index)


def is_chief() -> bool:
    """Whether this process writes the run folder (process 0)."""
    return processes()[1] == 0


def worker_folder(out) -> Path:
    """Where a non-chief process keeps its copy of the run in `out`.

    A folder of the system's temporary folder named after `out` and the
    process id, the same for every attempt, so that a resumed run finds
    the process's backup again.
    """
    key = hashlib.sha256(os.fspath(Path(out).resolve()).encode()).hexdigest()
    return (
        Path(tempfile.gettempdir())
        / "kcb-workers"
        / f"{key[:16]}-process-{processes()[1]}"
    )


def initialize(backend: str | None = None) -> int:
    """Joins the other processes of a multi-process job, if there are any.

    Call it before any computation. With one process it does nothing.

    Returns:
        The number of processes.

    Raises:
        ValueError: on TensorFlow or PyTorch with several processes, or
            for malformed environment variables.
    """
    count, _ = processes()
    if count == 1:
        return 1
    backend = check_backend(backend)
    if backend == "tensorflow":
        raise ValueError(
            f"TF_CONFIG describes {count} processes, but Keras 3's model.fit "
            "does not run under tf.distribute.MultiWorkerMirroredStrategy "
            "(keras-team/keras#20585, tensorflow/tensorflow#72388). Train "
            "across processes with KERAS_BACKEND=jax and the "
            "KERAS_DISTRIBUTION_* variables (docs: Distributed training), "
            "or on the devices of one host without TF_CONFIG."
        )
    missing = [name for name in JAX_ENVIRONMENT if name not in os.environ]
    if missing:
        raise ValueError(
            f"A JAX job of {count} processes needs the environment "
            f"variables {list(JAX_ENVIRONMENT)}. Missing: {missing}"
        )
    import jax

    if not jax.distributed.is_initialized():
        keras.distribution.initialize()
    return count


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
        # Across processes the input is sharded by `process_shard()`,
        # before augmentation, so Keras must not shard it again.
        distribution = keras.distribution.DataParallel(
            devices=devices, auto_shard_dataset=process_shard() is None
        )
        with distribution.scope():
            yield len(devices)
        return
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(_tensorflow_devices())
    with strategy.scope():
        yield strategy.num_replicas_in_sync
