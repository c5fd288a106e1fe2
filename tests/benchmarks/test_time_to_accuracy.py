"""Keeps `benchmarks/time_to_accuracy.py` working (never times)."""

import json

import keras
import pytest

from benchmarks import time_to_accuracy as bench
from keras_cifar_blocks.architectures import recipe

SETTINGS = {
    **bench.SETTINGS,
    "precision": "float32",
    "budget_minutes": 60.0,
    "train_images": 200,
    "test_images": 100,
    "eval_batch_size": 50,
}


def _curve(*points):
    return [
        {"train_seconds": seconds, "test_accuracy": accuracy}
        for seconds, accuracy in points
    ]


def test_one_run_records_an_accuracy_curve(real_cifar10):
    result = bench.run("fast_cifar", seed=0, settings=SETTINGS, epochs=2)
    assert result["backend"] == keras.backend.backend()
    assert result["epochs_planned"] == 2
    assert (result["train_images"], result["test_images"]) == (200, 100)
    assert result["test_time_augmentation"] == "flip"
    curve = result["curve"]
    assert [p["epoch"] for p in curve] == [1, 2]
    assert 0 < curve[0]["train_seconds"] < curve[1]["train_seconds"]
    for point in curve:
        assert 0.0 <= point["test_accuracy"] <= 1.0
        # 100 test images: accuracies are whole percents.
        assert point["test_accuracy"] * 100 == pytest.approx(
            round(point["test_accuracy"] * 100)
        )
    # The schedule ran its whole cycle: warm-up to the peak after the
    # first epoch's single step, cosine down to zero at the end.
    peak = recipe("fast_cifar").learning_rate
    assert curve[0]["learning_rate"] == pytest.approx(peak, rel=1e-3)
    assert curve[1]["learning_rate"] == pytest.approx(0.0, abs=1e-6)
    assert keras.mixed_precision.global_policy().name == "float32"


def test_adapting_layers_and_recipe_callbacks_run_on_the_clock(
    monkeypatch, real_cifar10
):
    lookahead = type(recipe("fast_cifar_airbench").lookahead.build())
    seen = []
    monkeypatch.setattr(
        lookahead,
        "on_epoch_end",
        lambda self, epoch, logs=None: seen.append(epoch),
    )
    result = bench.run(
        "fast_cifar_airbench", seed=0, settings=SETTINGS, epochs=1
    )
    # PatchWhitening adapted on the training images, counted as training.
    assert result["adapt_seconds"] > 0
    assert result["curve"][0]["train_seconds"] > result["adapt_seconds"]
    assert seen == [0]


def test_a_run_stops_after_the_epoch_that_passes_the_budget(real_cifar10):
    result = bench.run(
        "li2018_model1",
        seed=0,
        settings={**SETTINGS, "budget_minutes": 1e-6},
    )
    assert result["epochs_planned"] == 100  # the recipe's
    assert len(result["curve"]) == 1


def test_time_to_an_accuracy_measured_or_extrapolated():
    curve = _curve((60, 0.5), (120, 0.6), (240, 0.7))
    assert bench.time_to(curve, 0.55) == {
        "seconds": 120,
        "extrapolated": False,
    }
    # 0.1 more accuracy per doubling of time: 0.9 at 4 x 240 s.
    result = bench.time_to(curve, 0.9)
    assert result["extrapolated"] is True
    assert result["seconds"] == pytest.approx(960)
    # A flat or falling trend never gets there.
    flat = _curve((60, 0.5), (120, 0.5), (240, 0.49))
    assert bench.time_to(flat, 0.9) == {"seconds": None, "extrapolated": True}
    assert bench.time_to(_curve((60, 0.5)), 0.9)["seconds"] is None


def test_summary_compares_every_architecture_with_fast_cifar():
    settings = {**bench.SETTINGS, "budget_minutes": 10.0}
    runs = [
        {
            "name": "fast_cifar",
            "seed": 0,
            "curve": _curve((200, 0.85), (400, 0.90), (600, 0.92), (700, 0.93)),
        },
        {
            "name": "fast_cifar",
            "seed": 1,
            "curve": _curve((200, 0.84), (400, 0.89), (590, 0.91)),
        },
        {
            "name": "schnack2022",
            "seed": 0,
            "curve": _curve((150, 0.5), (300, 0.6), (600, 0.7)),
        },
    ]
    summary = bench.summarize_runs(runs, settings)
    fast, other = summary["fast_cifar"], summary["schnack2022"]
    # At 600 s: 0.92 and 0.91 (the 700 s epoch is past the budget).
    assert fast["accuracy_at_budget"] == [0.92, 0.91]
    assert fast["median_accuracy_at_budget"] == pytest.approx(0.915)
    assert fast["best_accuracy"] == 0.93
    assert fast["meets_target"] is True
    assert fast["ahead_of_every_documented"] is True
    # 89.38% first reached at 400 s and 590 s: the median is 495 s.
    assert fast["seconds_to_reference"] == pytest.approx(495)
    assert fast["reference_extrapolated"] is False
    assert other["median_accuracy_at_budget"] == 0.7
    assert other["reference_extrapolated"] is True
    # 0.1 per doubling: 0.8938 at 600 * 2**1.938 s.
    assert other["seconds_to_reference"] == pytest.approx(600 * 2**1.938)
    assert other["time_ratio_to_fast_cifar"] == pytest.approx(
        600 * 2**1.938 / 495
    )
    figure = bench._plot(runs, settings)
    assert len(figure.axes[0].lines) == 3 + 3  # runs, budget, two targets


def test_an_interrupted_benchmark_resumes_after_its_finished_runs(
    monkeypatch, tmp_path
):
    """Each run takes the whole budget: a failure in the second must not
    lose the first, and the rerun starts after it."""
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    started = []

    def fake_run(module, args, backend, timeout):
        job = json.loads(args[args.index("--child") + 1])
        started.append(job["name"])
        if job["name"] != "fast_cifar" and len(started) == 2:
            raise RuntimeError("killed")
        curve = _curve((60, 0.5), (120, 0.6))
        return {"name": job["name"], "seed": job["seed"], "curve": curve}

    monkeypatch.setattr("benchmarks.common.run_in_subprocess", fake_run)
    with pytest.raises(RuntimeError, match="killed"):
        bench.main(["--quick"])
    partial = tmp_path / "time_to_accuracy_quick.partial.json"
    recorded = json.loads(partial.read_text())
    assert [r["name"] for r in recorded["runs"].values()] == ["fast_cifar"]
    assert not (tmp_path / "time_to_accuracy_quick.json").exists()

    bench.main(["--quick"])
    # The rerun started only the run that had failed.
    assert started == ["fast_cifar", "li2018_model3_2", "li2018_model3_2"]
    results = json.loads((tmp_path / "time_to_accuracy_quick.json").read_text())
    assert [r["name"] for r in results["runs"]] == [
        "fast_cifar",
        "li2018_model3_2",
    ]
    assert (tmp_path / "time_to_accuracy_quick.png").exists()
    assert not partial.exists()
