"""Keeps `benchmarks/fast_cifar_ablation.py` working (never measures)."""

import dataclasses

import pytest

from benchmarks import fast_cifar_ablation as bench
from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.architectures import recipe
from tests.augmentation.conftest import DATA_DIR

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


def test_one_run_records_the_accuracy_of_every_view(monkeypatch):
    if not any(
        (DATA_DIR / name).exists()
        for name in ("cifar-10-python.tar.gz", "cifar-10-batches-py")
    ):
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    monkeypatch.setattr("benchmarks.common.DEFAULT_DATA_DIR", DATA_DIR)
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
