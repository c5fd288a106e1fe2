"""Keeps `benchmarks/scaling.py` working (never times)."""

import json

import keras
import pytest

from benchmarks import scaling as bench


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("jax", ("jax", "auto")),
        ("tensorflow+jit_compile", ("tensorflow", True)),
    ],
)
def test_fastest_run_from_the_setting(setting, expected):
    assert bench.fastest_run({"backend": setting}) == expected


def test_fastest_run_from_backends_results(tmp_path, monkeypatch):
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    assert bench.fastest_run({"backend": "auto"}) == bench.DEFAULT_BACKEND
    (tmp_path / "backends.json").write_text(
        json.dumps({"summary": {"fastest_training": "torch+jit_compile"}})
    )
    assert bench.fastest_run({"backend": "auto"}) == ("torch", True)


# Two more models to compile (about 7 s under JAX); the helpers it uses
# are covered by the other benchmark tests.
@pytest.mark.slow
def test_measure_and_plot():
    settings = {
        **bench.SETTINGS,
        "batch_model": "li2018_model1",
        "batch_sizes": [4],
        "batch_images": 8,
        "widths": [1],
        "width_batch_size": 4,
        "width_images": {"1": 8},
        "repeats": 1,
    }
    rows = bench.measure(json.dumps("auto"), settings)
    assert [row["sweep"] for row in rows] == ["batch_size", "width"]
    assert rows[0]["model"] == "li2018_model1"
    assert rows[1]["model"] == "wrn_16_1"
    for row in rows:
        assert len(row["images_per_second"]["samples"]) == 1
        assert row["achieved_gflops"] > 0
        assert row["compile_seconds"] >= 0
    figure = bench.plot(rows, keras.backend.backend())
    assert len(figure.axes) == 2
