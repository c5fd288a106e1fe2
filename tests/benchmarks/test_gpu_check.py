"""Keeps `benchmarks/gpu_check.py` working on a CPU-only machine (never
times): `--allow-cpu`, one architecture, one step."""

import json
import math

import keras
import pytest

from benchmarks import common
from benchmarks import gpu_check as bench
from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.architectures import names
from keras_cifar_blocks.utils.devices import list_devices

TINY = {
    "models": ["li2018_model1"],
    "batch_size": 4,
    "steps": 1,
    "repeats": 1,
}
ROW_KEYS = {
    "model",
    "policy",
    "backend",
    "parameters",
    "compute_dtype",
    "loss_scaling",
    "jit_compile",
    "weights_device",
    "images_per_epoch",
    "training",
    "loss_after",
    "finite_loss",
    "gpu_memory_peak_mib",
}
COMPUTE_DTYPES = {
    "float32": "float32",
    "mixed_float16": "float16",
    "mixed_bfloat16": "bfloat16",
}


def _gpu_here() -> bool:
    return any(device["type"] == "gpu" for device in list_devices())


def _check_row(row, policy):
    assert set(row) == ROW_KEYS
    assert row["model"] == "li2018_model1"
    assert row["policy"] == policy
    assert row["backend"] == keras.backend.backend()
    assert row["parameters"] == 42_442
    assert row["compute_dtype"] == COMPUTE_DTYPES[policy]
    # Keras wraps the optimizer for dynamic loss scaling under float16.
    assert row["loss_scaling"] == (policy == "mixed_float16")
    assert row["weights_device"] == ("gpu:0" if _gpu_here() else "cpu:0")
    assert row["images_per_epoch"] == 4
    stats = row["training"]["images_per_second"]
    assert len(stats["samples"]) == 1 and stats["median"] > 0
    assert row["training"]["compile_seconds"] >= 0
    assert row["finite_loss"] and math.isfinite(row["loss_after"])


def test_measure_trains_every_policy_and_says_where():
    settings = {**bench.SETTINGS, **TINY, "allow_cpu": True}
    result = bench.measure(settings)
    assert result["backend"] == keras.backend.backend()
    assert result["backend_version"]
    assert result["devices"] == list_devices()
    assert result["gpu"] == _gpu_here()
    assert result["measured"]
    assert result["failed"] == []
    assert result["skipped_architectures"] == {}
    policies = [row["policy"] for row in result["rows"]]
    assert policies == ["float32", "mixed_float16", "mixed_bfloat16"]
    for row, policy in zip(result["rows"], policies, strict=True):
        _check_row(row, policy)
    lines = bench.report([result])
    assert lines[0].startswith(f"{keras.backend.backend()} ")
    assert "cpu:0" in lines[0]
    assert lines[-1].endswith("(geo. mean)")
    assert f"  {keras.backend.backend()}: 3/3 trained" in "\n".join(lines)
    figure = bench.plot([result])
    assert figure.axes[0].get_title().startswith(keras.backend.backend())


def test_without_a_gpu_nothing_is_measured_unless_allowed():
    if _gpu_here():
        pytest.skip("this machine has a GPU")
    result = bench.measure({**bench.SETTINGS, **TINY})
    assert not result["gpu"] and not result["measured"]
    assert result["rows"] == [] and "skipped_architectures" not in result


def test_main_says_no_gpu_and_writes_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    cpu = [{"device": "cpu:0", "type": "cpu", "name": "CPU"}]

    def no_gpu(module, args, backend, **kwargs):
        assert module == "benchmarks.gpu_check"
        assert args[-2:] == ["--child", backend]
        return {
            "backend": backend,
            "backend_version": "1.0",
            "devices": cpu,
            "gpu": False,
            "measured": False,
            "rows": [],
            "failed": [],
        }

    monkeypatch.setattr(common, "run_in_subprocess", no_gpu)
    result = bench.main(["--backend", "jax", "--backend", "torch"])
    out = capsys.readouterr().out
    assert result["gpu"] is False
    assert "jax 1.0: no GPU; sees cpu:0 CPU" in out
    assert "torch 1.0: no GPU" in out
    assert "no GPU: no backend sees a GPU here" in out
    assert list(tmp_path.iterdir()) == []


def test_main_records_a_backend_that_cannot_run(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)

    def missing(module, args, backend, **kwargs):
        raise RuntimeError("ModuleNotFoundError: No module named 'jax'")

    monkeypatch.setattr(common, "run_in_subprocess", missing)
    result = bench.main(["--backend", "jax"])
    assert result["gpu"] is False
    out = capsys.readouterr().out
    assert "jax could not run: ModuleNotFoundError" in out
    assert list(tmp_path.iterdir()) == []


def test_main_writes_json_and_png_with_allow_cpu(monkeypatch, tmp_path):
    """The whole script, its per-backend subprocess included."""
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    backend = keras.backend.backend()
    settings = {**TINY, "policies": ["float32", "mixed_bfloat16"]}
    result = bench.main(
        ["--allow-cpu", "--quick", "--backend", backend]
        + ["--settings", json.dumps(settings)]
    )
    gpu = _gpu_here()
    name = "gpu_check_quick" if gpu else "gpu_check_cpu_quick"
    assert result["json"] == str(tmp_path / f"{name}.json")
    assert (tmp_path / f"{name}.png").is_file()
    payload = json.loads((tmp_path / f"{name}.json").read_text())
    for key in ("benchmark", "date", "command", "hardware", "versions"):
        assert key in payload
    assert payload["benchmark"] == name
    assert payload["device_kind"] == ("gpu" if gpu else "cpu")
    assert ("NO GPU" in payload["notes"]) != gpu
    assert payload["settings"]["backends"] == [backend]
    assert payload["settings"]["allow_cpu"] is True
    (entry,) = payload["backends"]
    assert entry["backend"] == backend and entry["measured"]
    assert entry["devices"][-1]["type"] == "cpu"
    assert payload["failed_backends"] == {} and payload["failed"] == []
    assert payload["skipped_architectures"] == {}
    assert set(payload["speedup_over_float32"]) == {f"{backend}/mixed_bfloat16"}
    policies = [row["policy"] for row in payload["rows"]]
    assert policies == ["float32", "mixed_bfloat16"]
    for row, policy in zip(payload["rows"], policies, strict=True):
        _check_row(row, policy)


def test_architectures_are_the_from_scratch_ones_by_default():
    chosen, skipped = bench.architectures(bench.SETTINGS)
    transfer = [
        n for n in names() if "weights" in get_architecture(n).overrides
    ]
    assert transfer and set(skipped) == set(transfer)
    assert chosen == [n for n in names() if n not in transfer]
    assert "wrn_28_10" in chosen and "fast_cifar" in chosen
    everything, none = bench.architectures({**bench.SETTINGS, "transfer": True})
    assert everything == names() and none == {}
    assert bench.architectures({**bench.SETTINGS, **TINY}) == (
        ["li2018_model1"],
        {},
    )


def test_transfer_models_are_built_without_downloading_weights():
    model = bench._build("badzioch2024_mobilenet_v2", "mixed_bfloat16")
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"


def test_speedups_are_geometric_means_over_models():
    def row(model, policy, rate):
        return {
            "backend": "jax",
            "model": model,
            "policy": policy,
            "training": {"images_per_second": {"median": rate}},
        }

    rows = [
        row("a", "float32", 100.0),
        row("a", "mixed_float16", 400.0),
        row("b", "float32", 100.0),
        row("b", "mixed_float16", 100.0),
        row("c", "mixed_float16", 1.0),  # no float32 row: left out
    ]
    assert bench.speedups(rows) == {"jax/mixed_float16": pytest.approx(2.0)}


def test_device_of_names_the_device_like_list_devices():
    variable = keras.Variable([1.0, 2.0])
    assert bench.device_of(variable) == ("gpu:0" if _gpu_here() else "cpu:0")
