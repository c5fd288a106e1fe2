"""Keeps `benchmarks/mish.py` working, and runs its quick mode end to end."""

import json

import keras
import numpy as np

from benchmarks import mish as bench

TINY = {**bench.SETTINGS, "shape": [2, 4, 4, 3], "calls": 2, "rounds": 2}


def test_methods_per_backend():
    names = set(bench.activations())
    assert {"ours", "keras", "relu"} <= names
    has_native = keras.backend.backend() in ("jax", "torch")
    assert ("native" in names) == has_native


def test_every_mish_has_the_same_gradient():
    x, gradient = bench._tensors(TINY)
    results = {
        name: keras.ops.convert_to_numpy(
            bench.forward_backward(function, x, gradient)()
        )
        for name, function in bench.activations().items()
        if name != "relu"
    }
    for name, value in results.items():
        np.testing.assert_allclose(
            value, results["keras"], rtol=1e-5, atol=1e-6, err_msg=name
        )


def test_measure_time_and_memory():
    (row,) = bench.measure("time", TINY)
    assert row["backend"] == keras.backend.backend()
    assert set(row["seconds_per_pass"]) == set(bench.activations())
    for stats in row["seconds_per_pass"].values():
        assert len(stats["samples"]) == 2
        assert stats["min"] <= stats["median"] <= stats["max"]
    assert "ours_vs_keras" in row["ratios"]
    (memory,) = bench.measure("memory", TINY)
    assert set(memory["peak_growth_mib"]) == set(bench.activations())
    row.update(memory, shape=TINY["shape"], calls=TINY["calls"])
    figure = bench.plot([row])
    assert len(figure.axes) == 2


def test_quick_mode_end_to_end(tmp_path, monkeypatch):
    """The one benchmark CI runs in `--quick` mode, on this backend only."""
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    overrides = {**TINY, "backends": [keras.backend.backend()]}
    del overrides["seed"]
    bench.main(["--quick", "--settings", json.dumps(overrides)])
    payload = json.loads((tmp_path / "mish_quick.json").read_text())
    assert payload["settings"]["shape"] == TINY["shape"]
    assert {"hardware", "versions", "load_average_at_end"} <= set(payload)
    (row,) = payload["rows"]
    assert row["backend"] == keras.backend.backend()
    assert (tmp_path / "mish_quick.png").stat().st_size > 0


def test_labels_cover_methods():
    assert set(bench.LABELS) == set(bench.METHODS)
