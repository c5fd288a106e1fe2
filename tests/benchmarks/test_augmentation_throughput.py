"""Keeps `benchmarks/augmentation_throughput.py` working (never times)."""

import pytest

from benchmarks import augmentation_throughput as bench
from tests.augmentation.conftest import DATA_DIR


@pytest.fixture(autouse=True)
def _needs_cifar10():
    pytest.importorskip("tensorflow")
    if not any(
        (DATA_DIR / name).exists()
        for name in ("cifar-10-python.tar.gz", "cifar-10-batches-py")
    ):
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")


def test_measure_plot_and_ratios(monkeypatch):
    monkeypatch.setattr(
        "benchmarks.common.DEFAULT_DATA_DIR", DATA_DIR, raising=True
    )
    settings = {
        **bench.SETTINGS,
        "presets": ["li2018"],
        "images": 256,
        "rounds": 2,
    }
    rows = bench.measure(["ours", "ours_chain"], settings)
    assert [(row["preset"], row["method"]) for row in rows] == [
        ("li2018", "ours"),
        ("li2018", "ours_chain"),
    ]
    for row in rows:
        stats = row["images_per_second"]
        assert len(stats["samples"]) == 2
        assert stats["min"] <= stats["median"] <= stats["max"]
        assert row["first_pass_seconds"] > 0
    if rows[0]["backend"] == "tensorflow":
        ratio = bench._per_round_ratio(rows, "li2018", "ours", "ours_chain")
        assert ratio > 0
        figure = bench._plot(
            rows, {"li2018": {"ours_vs_image_data_generator": ratio}}
        )
        assert figure.axes[0].get_yscale() == "log"
