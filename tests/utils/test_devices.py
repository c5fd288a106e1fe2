import keras

from keras_cifar_blocks.utils import devices as devices_module
from keras_cifar_blocks.utils.devices import accelerators
from keras_cifar_blocks.utils.devices import list_devices

KEYS = {"device", "type", "name"}


def test_lists_the_cpu_after_any_accelerator():
    devices = list_devices()
    types = [device["type"] for device in devices]
    assert "cpu" in types
    assert types == sorted(types, key=lambda kind: kind == "cpu")
    for device in devices:
        assert KEYS <= set(device) <= KEYS | {"compute_capability"}
        kind, _, index = device["device"].partition(":")
        assert kind == device["type"] and index.isdigit()
        assert device["name"]


def test_every_device_the_backend_lists_is_there():
    # Cross-check with the backend's own listing (Keras has one for
    # TensorFlow and JAX; PyTorch lists CUDA devices itself).
    listed = {device["device"] for device in list_devices()}
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        expected = {f"gpu:{i}" for i in range(torch.cuda.device_count())}
    else:
        expected = set(keras.distribution.list_devices())
    assert expected <= listed


def test_accelerators_leave_the_cpus_out():
    gpu = {"device": "gpu:0", "type": "gpu", "name": "NVIDIA H200"}
    cpu = {"device": "cpu:0", "type": "cpu", "name": "Intel"}
    assert accelerators([gpu, cpu]) == [gpu]
    assert accelerators([cpu]) == []
    assert accelerators() == [
        device for device in list_devices() if device["type"] != "cpu"
    ]


def test_the_cpu_name_is_never_empty(monkeypatch):
    assert devices_module._cpu_name()
    monkeypatch.setattr(devices_module, "Path", lambda _: _Unreadable())
    assert devices_module._cpu_name()


class _Unreadable:
    def read_text(self):
        raise OSError("no /proc here")
