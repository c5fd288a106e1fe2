"""Fixtures shared by the augmentation tests."""

import os
from pathlib import Path

import numpy as np
import pytest

_DEFAULT_DATA_DIR = Path(__file__).parents[2].parent / "shared" / "data"
DATA_DIR = Path(os.environ.get("KCB_DATA_DIR") or _DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def cifar10_sample():
    """Eight real CIFAR-10 training images (uint8) and their labels."""
    if (
        not (DATA_DIR / "cifar-10-python.tar.gz").exists()
        and not (DATA_DIR / "cifar-10-batches-py").exists()
    ):
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    from keras_cifar_blocks.datasets import load_cifar10

    (images, labels), _ = load_cifar10(str(DATA_DIR))
    return images[:8], labels[:8]


@pytest.fixture
def images():
    """Four distinct random 32x32 RGB images in [0, 255], as uint8."""
    return np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), "uint8")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, for `tf.data` pipelines under every backend."""
    return pytest.importorskip("tensorflow")
