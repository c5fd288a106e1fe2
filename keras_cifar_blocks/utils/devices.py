"""The devices the active Keras backend can compute on.

Keras has no device listing that covers all three backends
(`keras.distribution.list_devices` has none for PyTorch, and returns
accelerators or CPUs, never both), so each backend is asked its own way:
TensorFlow's physical devices, `jax.devices()` and PyTorch's CUDA and MPS
queries. `kcb info --devices` prints this list.
"""

import platform
from pathlib import Path

import keras


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


def _tensorflow_devices() -> list[dict]:
    import tensorflow as tf

    rows = []
    for device in tf.config.list_physical_devices():
        kind = device.device_type.lower()
        row = {
            "device": f"{kind}:{device.name.rsplit(':', 1)[-1]}",
            "type": kind,
            "name": _cpu_name() if kind == "cpu" else device.device_type,
        }
        if kind == "gpu":
            details = tf.config.experimental.get_device_details(device)
            row["name"] = details.get("device_name", row["name"])
            if details.get("compute_capability"):
                row["compute_capability"] = ".".join(
                    str(part) for part in details["compute_capability"]
                )
        rows.append(row)
    return rows


def _jax_devices() -> list[dict]:
    import jax

    devices = list(jax.devices())
    if devices[0].platform != "cpu":
        try:
            devices += jax.devices("cpu")
        except RuntimeError:  # JAX_PLATFORMS leaves the CPU out.
            pass
    rows = []
    for device in devices:
        platform_ = device.platform
        kind = "gpu" if platform_ in ("gpu", "cuda", "rocm") else platform_
        row = {
            "device": f"{kind}:{device.id}",
            "type": kind,
            "name": _cpu_name() if kind == "cpu" else device.device_kind,
        }
        capability = getattr(device, "compute_capability", None)
        if kind == "gpu" and capability:
            row["compute_capability"] = str(capability)
        rows.append(row)
    return rows


def _torch_devices() -> list[dict]:
    import torch

    rows = []
    if torch.cuda.is_available():  # NVIDIA CUDA, or AMD ROCm builds.
        for index in range(torch.cuda.device_count()):
            major, minor = torch.cuda.get_device_capability(index)
            rows.append(
                {
                    "device": f"gpu:{index}",
                    "type": "gpu",
                    "name": torch.cuda.get_device_name(index),
                    "compute_capability": f"{major}.{minor}",
                }
            )
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        rows.append({"device": "mps:0", "type": "mps", "name": "Apple MPS"})
    rows.append({"device": "cpu:0", "type": "cpu", "name": _cpu_name()})
    return rows


def list_devices() -> list[dict]:
    """Every device the active Keras backend sees, accelerators first.

    Keras computes on the first accelerator (GPU, TPU or Apple MPS) when
    there is one, else on the CPU. A GPU the machine has but the backend
    does not list is one its installed build cannot use (e.g.
    `tensorflow-cpu`, or a CPU-only PyTorch wheel).

    Returns:
        A list of dicts, one per device: `device` (`"gpu:0"`, `"cpu:0"`,
        `"tpu:0"`, `"mps:0"`), `type` (`"gpu"`, `"cpu"`, `"tpu"`,
        `"mps"`), `name` (e.g. `"NVIDIA H200"`, or the CPU model) and,
        for GPUs whose backend reports it, `compute_capability`.

    Example:

    >>> from keras_cifar_blocks.utils.devices import list_devices
    >>> any(device["type"] == "cpu" for device in list_devices())
    True
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        devices = _tensorflow_devices()
    elif backend == "jax":
        devices = _jax_devices()
    elif backend == "torch":
        devices = _torch_devices()
    else:
        devices = [{"device": "cpu:0", "type": "cpu", "name": _cpu_name()}]
    # Accelerators first, each backend's order kept among them.
    return sorted(devices, key=lambda device: device["type"] == "cpu")


def accelerators(devices: list[dict] | None = None) -> list[dict]:
    """The devices of `list_devices()` (or `devices`) that are not CPUs.

    Example:

    >>> from keras_cifar_blocks.utils.devices import accelerators
    >>> accelerators([{"device": "cpu:0", "type": "cpu", "name": "x"}])
    []
    """
    if devices is None:
        devices = list_devices()
    return [device for device in devices if device["type"] != "cpu"]
