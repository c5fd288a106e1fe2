"""Keeps `benchmarks/fast_cifar_ablation.py` working (never measures)."""

import dataclasses
import json

import pytest

from benchmarks import fast_cifar_ablation as bench
from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.architectures import recipe

SETTINGS = {
    **bench.SETTINGS,
    "precision": "float32",
    "epochs": 1,
    "train_images": 200,
    "test_images": 100,
    "eval_batch_size": 50,
}


def test_every_variant_switches_one_thing_off():
    assert list(bench.VARIANTS) == SETTINGS["variants"]
    base = recipe(SETTINGS["architecture"])
    for variant, changes in bench.VARIANTS.items():
        changed = bench.variant_recipe(SETTINGS["architecture"], variant, 10)
        differs = [
            field.name
            for field in dataclasses.fields(base)
            if getattr(changed, field.name) != getattr(base, field.name)
            and field.name != "early_stopping"
        ]
        assert differs == sorted(changes.get("recipe", {})), variant
        # Every config override is an option of the architecture.
        build(SETTINGS["architecture"], **changes.get("config", {}))


def test_one_run_records_the_accuracy_of_every_view(real_cifar10):
    result = bench.run("no_lookahead", seed=0, settings=SETTINGS)
    assert result["epochs"] == 1
    assert (result["train_images"], result["test_images"]) == (200, 100)
    assert set(result["test_accuracy"]) == {"None", "flip", "flip_translate"}
    for accuracy in result["test_accuracy"].values():
        assert 0.0 <= accuracy <= 1.0
    assert 0.0 < result["adapt_seconds"] < result["train_seconds"]
    summary = bench.summarize_runs([result, {**result, "variant": "airbench"}])
    assert summary["no_lookahead"]["difference"] == 0.0
    bench._plot(summary, SETTINGS)


def test_unknown_variants_are_refused():
    with pytest.raises(ValueError, match="Unknown variant"):
        bench.main(["--settings", '{"variants": ["no_such_trick"]}'])


def test_an_interrupted_ablation_resumes_after_its_finished_runs(
    monkeypatch, tmp_path
):
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    started = []

    def fake_run(module, args, backend, timeout):
        job = json.loads(args[args.index("--child") + 1])
        started.append(job["variant"])
        if len(started) == 2:
            raise RuntimeError("killed")
        accuracy = {"None": 0.5, "flip": 0.51, "flip_translate": 0.52}
        return {**job, "train_seconds": 1.0, "test_accuracy": accuracy}

    monkeypatch.setattr("benchmarks.common.run_in_subprocess", fake_run)
    with pytest.raises(RuntimeError, match="killed"):
        bench.main(["--quick"])
    assert (tmp_path / "fast_cifar_ablation_quick.partial.json").exists()
    bench.main(["--quick"])
    # The rerun started only the variant that had failed.
    assert started == ["airbench", "no_whitening", "no_whitening"]
    assert (tmp_path / "fast_cifar_ablation_quick.json").exists()
    assert not (tmp_path / "fast_cifar_ablation_quick.partial.json").exists()


def test_partial_reports_the_finished_runs_every_variant_first(
    monkeypatch, tmp_path
):
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    started = []
    accuracies = {"airbench": 0.52, "no_whitening": 0.47}

    def fake_run(module, args, backend, timeout):
        job = json.loads(args[args.index("--child") + 1])
        started.append((job["variant"], job["seed"]))
        if len(started) == 3:
            raise RuntimeError("killed")
        accuracy = accuracies[job["variant"]]
        views = {"None": accuracy - 0.02, "flip": accuracy - 0.01}
        return {
            **job,
            "train_seconds": 60.0,
            "test_accuracy": {**views, "flip_translate": accuracy},
        }

    monkeypatch.setattr("benchmarks.common.run_in_subprocess", fake_run)
    argv = ["--quick", "--settings", '{"seeds": [0, 1]}']
    with pytest.raises(RuntimeError, match="killed"):
        bench.main(argv)
    # Every variant's first seed before any second seed.
    assert started == [("airbench", 0), ("no_whitening", 0), ("airbench", 1)]

    report = bench.main([*argv, "--partial"])
    assert len(started) == 3  # --partial trains nothing
    assert report["summary"]["no_whitening"]["difference"] == pytest.approx(
        -0.05
    )
    assert report["lines"][-1] == "partial: 2 run(s) still to come"
    results = json.loads(
        (tmp_path / "fast_cifar_ablation_quick.json").read_text()
    )
    assert results["partial"] is True
    assert results["to_run"] == [
        {"variant": "airbench", "seed": 1},
        {"variant": "no_whitening", "seed": 1},
    ]
    assert [run["variant"] for run in results["runs"]] == [
        "airbench",
        "no_whitening",
    ]
    # The partial file stays for the run that goes on.
    assert (tmp_path / "fast_cifar_ablation_quick.partial.json").exists()


def test_partial_without_finished_runs_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr("benchmarks.common.RESULTS_DIR", tmp_path)
    with pytest.raises(ValueError, match="No finished run under these"):
        bench.main(["--quick", "--partial"])
    assert list(tmp_path.iterdir()) == []
