"""Fixtures shared across the test folders."""

import os
import tarfile
from pathlib import Path

import pytest

_DEFAULT_DATA_DIR = Path(__file__).parents[1].parent / "shared" / "data"
DATA_DIR = Path(os.environ.get("KCB_DATA_DIR") or _DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def cifar10_dir(tmp_path_factory) -> Path:
    """A folder holding `cifar-10-batches-py/`, for tests that train.

    The extracted batches load in about half the time of the archive, and
    the tests that train load CIFAR-10 several times, so the archive in
    `$KCB_DATA_DIR` (else `../shared/data`) is extracted once per session.
    Skips when neither is there.
    """
    if (DATA_DIR / "cifar-10-batches-py").is_dir():
        return DATA_DIR
    archive = DATA_DIR / "cifar-10-python.tar.gz"
    if not archive.is_file():
        pytest.skip(f"CIFAR-10 not found in {DATA_DIR}")
    folder = tmp_path_factory.mktemp("cifar10")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder
