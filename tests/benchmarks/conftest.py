import pytest

from tests.augmentation.conftest import DATA_DIR


@pytest.fixture
def real_cifar10(monkeypatch):
    """Points the benchmarks at the real CIFAR-10; skips without it."""
    if not any(
        (DATA_DIR / name).exists()
        for name in ("cifar-10-python.tar.gz", "cifar-10-batches-py")
    ):
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    monkeypatch.setattr("benchmarks.common.DEFAULT_DATA_DIR", DATA_DIR)
    return DATA_DIR
