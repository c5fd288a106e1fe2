"""Keeps `benchmarks/backends.py` working (never times)."""

import json
import math

import keras
import pytest

from benchmarks import backends as bench

TINY = {
    **bench.SETTINGS,
    "models": ["donzella_cnn"],
    "batch_size": 4,
    "train_steps": {"default": 2},
    "infer_steps": {"default": 2},
    "repeats": 2,
    "mixed_bfloat16": [],
    "mixed_rounds": 1,
}


@pytest.fixture
def settings(tmp_path):
    settings = {**TINY, "weights_dir": str(tmp_path)}
    bench.save_initial_weights(settings)
    assert (tmp_path / "donzella_cnn.weights.h5").is_file()
    return settings


def _check_stats(stats, count):
    assert len(stats["samples"]) == count
    assert stats["min"] <= stats["q1"] <= stats["median"]
    assert stats["median"] <= stats["q3"] <= stats["max"]


def test_measure_report_and_plot(settings):
    (row,) = bench.measure(json.dumps("auto"), settings)
    assert row["model"] == "donzella_cnn"
    assert row["backend"] == keras.backend.backend()
    assert row["run"] == keras.backend.backend()
    assert row["parameters"] == 404_778
    for kind in ("training", "inference"):
        _check_stats(row[kind]["images_per_second"], 2)
        assert row[kind]["compile_seconds"] >= 0
        assert row[kind]["first_epoch_seconds"] > 0
    assert row["training_steps"] == 6
    assert row["peak_memory_mib"] > 0
    assert math.isfinite(row["initial_loss"])
    assert math.isfinite(row["final_loss"])
    assert bench.fastest([row], "training") == row["run"]
    (line,) = bench.report([row])
    assert "donzella_cnn" in line and "img/s" in line
    figure = bench.plot([row])
    assert figure.axes[0].get_title() == "donzella_cnn"


def test_saved_initial_weights_are_loaded(settings):
    first = bench._loaded_model("donzella_cnn", settings, "auto")
    again = bench._loaded_model("donzella_cnn", settings, "auto")
    for a, b in zip(first.weights, again.weights, strict=True):
        assert keras.ops.convert_to_numpy(a).tolist() == (
            keras.ops.convert_to_numpy(b).tolist()
        )


def test_run_label():
    assert bench.run_label("jax", "auto") == "jax"
    assert bench.run_label("torch", True) == "torch+jit_compile"


def test_fastest_ignores_runs_that_miss_a_model():
    def row(run, model, rate):
        return {
            "run": run,
            "model": model,
            "training": {"images_per_second": {"median": rate}},
        }

    rows = [
        row("a", "m1", 10.0),
        row("a", "m2", 10.0),
        row("b", "m1", 100.0),
    ]
    assert bench.fastest(rows, "training") == "a"


@pytest.mark.slow
def test_mixed_bfloat16(settings):
    settings = {**settings, "mixed_bfloat16": ["donzella_cnn"]}
    result = bench.measure_mixed_bfloat16("donzella_cnn", settings)
    assert set(result["seconds"]) == {"float32", "mixed_bfloat16"}
    _check_stats(result["speedup"], 1)
