"""Fixtures shared by the hypermodel tests.

Real CIFAR-10 is read once per session from `$KCB_DATA_DIR` (else
`../shared/data`); the tests that need it are skipped when it is absent.
Searches run by `tune` in subprocesses read a small real subset written
as a `cifar-10-batches-py/` folder, which loads in milliseconds.
"""

import pickle
from pathlib import Path

import numpy as np
import pytest

from tests.hypermodels.common import DATA_DIR
from tests.hypermodels.common import HAS_CIFAR10


@pytest.fixture(scope="session")
def cifar10_small():
    """Real CIFAR-10: 256 training, 128 validation and 128 test images.

    Class-balanced, the validation images drawn from the training set.
    """
    if not HAS_CIFAR10:
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    from keras_cifar_blocks.datasets import load_cifar10
    from keras_cifar_blocks.datasets import subset
    from keras_cifar_blocks.datasets import train_validation_split

    (x, y), (x_test, y_test) = load_cifar10(DATA_DIR)
    x, y = subset(x, y, 384, seed=0)
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        x, y, validation_fraction=1 / 3, seed=0
    )
    x_test, y_test = subset(x_test, y_test, 128, seed=0)
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_val": x_val,
        "y_val": y_val,
        "x_test": x_test,
        "y_test": y_test,
    }


def _write_batch(path: Path, images: np.ndarray, labels: np.ndarray):
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {
        b"batch_label": path.name.encode(),
        b"labels": [int(v) for v in labels],
        b"data": np.ascontiguousarray(rows, dtype=np.uint8),
        b"filenames": [f"{i}.png".encode() for i in range(len(images))],
    }
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


@pytest.fixture(scope="session")
def small_data_dir(cifar10_small, tmp_path_factory):
    """A `cifar-10-batches-py/` folder of 320 real training images (64 per
    batch file) and 128 test images, for `tune(data_dir=...)`."""
    root = tmp_path_factory.mktemp("cifar_small")
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    x = np.concatenate([cifar10_small["x_train"], cifar10_small["x_val"]])
    y = np.concatenate([cifar10_small["y_train"], cifar10_small["y_val"]])
    for i in range(5):
        part = slice(64 * i, 64 * (i + 1))
        _write_batch(folder / f"data_batch_{i + 1}", x[part], y[part])
    _write_batch(
        folder / "test_batch", cifar10_small["x_test"], cifar10_small["y_test"]
    )
    return root
