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


def test_summary_compares_every_architecture_with_ours():
    settings = {
        **bench.SETTINGS,
        "budget_minutes": 10.0,
        "ours": "fast_cifar",
        "target_accuracy": 0.90,
    }
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
    assert fast["median_final_accuracy"] == pytest.approx(0.92)
    assert fast["median_train_minutes"] == pytest.approx((700 + 590) / 120)
    assert fast["meets_target"] is True
    assert fast["ahead_of_every_documented"] is True
    # 89.38% first reached at 400 s and 590 s: the median is 495 s.
    assert fast["seconds_to_reference"] == pytest.approx(495)
    assert fast["reference_extrapolated"] is False
    assert other["median_accuracy_at_budget"] == 0.7
    assert other["reference_extrapolated"] is True
    # 0.1 per doubling: 0.8938 at 600 * 2**1.938 s.
    assert other["seconds_to_reference"] == pytest.approx(600 * 2**1.938)
    assert other["time_ratio_to_ours"] == pytest.approx(600 * 2**1.938 / 495)
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


def _result(name, seed, accuracy, **fields):
    return {
        "name": name,
        "seed": seed,
        "epochs_planned": fields.pop("epochs_planned", 10),
        "curve": _curve((100, accuracy - 0.1), (200, accuracy)),
        **fields,
    }


def test_rows_split_by_backend_and_precision_and_only_documented_count():
    settings = {**bench.SETTINGS, "budget_minutes": 4.0, "target_accuracy": 0.9}
    ours = settings["ours"]
    runs = [
        _result(ours, 0, 0.93, backend="tensorflow"),
        _result(ours, 1, 0.95, backend="tensorflow"),
        _result(ours, 2, 0.94, backend="tensorflow"),
        # Another backend and precision, without a budget: its own row.
        _result(ours, 0, 0.935, backend="jax", precision="float32"),
        # Not documented, and better: does not count against ours.
        _result("fast_cifar", 0, 0.96, documented=False),
        _result("donzella_cnn", 0, 0.80, documented=True),
    ]
    assert bench.label(runs[3], settings) == f"{ours} [jax, float32]"
    summary = bench.summarize_runs(runs, settings)
    assert list(summary) == [
        ours,
        f"{ours} [jax, float32]",
        "fast_cifar",
        "donzella_cnn",
    ]
    assert summary[ours]["seeds"] == [0, 1, 2]
    assert summary[ours]["median_accuracy_at_budget"] == pytest.approx(0.94)
    assert summary[ours]["meets_target"] is True
    assert summary[ours]["ahead_of_every_documented"] is True
    assert summary[f"{ours} [jax, float32]"]["median_final_accuracy"] == 0.935
    # A documented row ahead of ours turns the claim off.
    runs.append(_result("schnack2022", 0, 0.97))
    summary = bench.summarize_runs(runs, settings)
    assert summary[ours]["ahead_of_every_documented"] is False
    assert "x " + ours in bench._summary_line(
        "donzella_cnn", summary["donzella_cnn"], settings
    )


def test_jobs_carry_their_own_backend_precision_and_budget():
    settings = {
        **bench.SETTINGS,
        "runs": [
            {"name": "fast_cifar", "seeds": [0, 1], "epochs": 12},
            {
                "name": "fast_cifar",
                "seeds": [0],
                "backend": "jax",
                "budget_minutes": None,
            },
        ],
    }
    jobs = bench.jobs_of(settings)
    assert jobs == [
        {"name": "fast_cifar", "seed": 0, "epochs": 12},
        {"name": "fast_cifar", "seed": 1, "epochs": 12},
        {
            "name": "fast_cifar",
            "seed": 0,
            "epochs": None,
            "backend": "jax",
            "budget_minutes": None,
        },
    ]
    under = bench.job_settings(jobs[2], settings)
    assert (under["backend"], under["precision"]) == ("jax", "mixed_bfloat16")
    assert bench._budget_seconds(under) == float("inf")
    assert bench._budget_seconds(settings) == 1800


def test_reuse_takes_only_runs_made_under_the_same_settings(tmp_path):
    settings = {
        **bench.SETTINGS,
        "runs": [
            {"name": "fast_cifar", "seeds": [0, 1], "epochs": 12},
            {"name": "schnack2022", "seeds": [0]},
            {"name": "donzella_cnn", "seeds": [0]},
            {"name": "li2018_model1", "seeds": [0]},
        ],
    }
    earlier = {
        # The summary's settings may differ; the runs' may not.
        "settings": {**settings, "target_accuracy": 0.5, "runs": []},
        "date": "2026-11-30",
        "runs": [
            _result("fast_cifar", 0, 0.9, epochs_planned=12),
            _result("fast_cifar", 1, 0.9, epochs_planned=10),  # other epochs
            _result("schnack2022", 0, 0.8, epochs_planned=100),
            _result("donzella_cnn", 0, 0.8, precision="float32"),
        ],
    }
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(earlier))
    jobs = bench.jobs_of(settings)
    reused = bench.reusable_runs(path, settings, jobs)
    keys = [json.dumps(job, sort_keys=True) for job in jobs]
    assert sorted(reused) == sorted([keys[0], keys[2]])
    assert reused[keys[0]]["reused_from"] == {
        "file": "earlier.json",
        "date": "2026-11-30",
    }
    # Other budgets: nothing is reused.
    other = {**settings, "budget_minutes": 20.0}
    assert bench.reusable_runs(path, other, jobs) == {}
    # An unfinished invocation's partial file holds its runs by job.
    partial = tmp_path / "time_to_accuracy.partial.json"
    partial.write_text(
        json.dumps(
            {
                "settings": settings,
                "runs": {keys[0]: earlier["runs"][0]},
            }
        )
    )
    assert list(bench.reusable_runs(partial, settings, jobs)) == [keys[0]]


def test_main_reuses_runs_and_runs_the_rest(monkeypatch, tmp_path):
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    started = []

    def fake_run(module, args, backend, timeout):
        job = json.loads(args[args.index("--child") + 1])
        started.append((job["name"], backend))
        return _result(job["name"], job["seed"], 0.7, backend=backend)

    monkeypatch.setattr("benchmarks.common.run_in_subprocess", fake_run)
    quick = {**bench.SETTINGS, **bench.QUICK}
    earlier = tmp_path / "earlier.json"
    earlier.write_text(
        json.dumps(
            {
                "settings": quick,
                "runs": [_result("fast_cifar", 0, 0.9, epochs_planned=2)],
            }
        )
    )
    extra = {
        "runs": [
            *bench.QUICK["runs"],
            {"name": "fast_cifar", "seeds": [0], "epochs": 2, "backend": "jax"},
        ]
    }
    bench.main(
        ["--quick", "--reuse", str(earlier), "--settings", json.dumps(extra)]
    )
    assert started == [("li2018_model3_2", "tensorflow"), ("fast_cifar", "jax")]
    results = json.loads((tmp_path / "time_to_accuracy_quick.json").read_text())
    assert "reused_from" in results["runs"][0]
    assert "fast_cifar [jax]" in results["summary"]
