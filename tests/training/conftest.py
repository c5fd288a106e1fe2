"""Fixtures shared by the training tests.

The tests that train read real CIFAR-10 through `cifar10_dir`
(tests/conftest.py), and are skipped when it is absent.
"""

import pytest

# One small run that the tests of the run folder share: li2018_model1
# (42,442 parameters), 2 epochs on 500 images (450 train, 50 validate),
# evaluated on a balanced subset of 256 test images. Every batch has the
# same shape (3 x 150 to train, 50 to validate, 256 to predict), so JAX
# compiles each step once.
RUN_SETTINGS = {
    "epochs": 2,
    "batch_size": 150,
    "subset": 500,
    "test_subset": 256,
    "seed": 3,
}


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, cifar10_dir):
    """The folder of a finished li2018_model1 run (see RUN_SETTINGS)."""
    from keras_cifar_blocks.training import train

    out = tmp_path_factory.mktemp("runs") / "li2018_model1"
    return train(
        "li2018_model1",
        data_dir=cifar10_dir,
        out=out,
        verbose=0,
        **RUN_SETTINGS,
    )
