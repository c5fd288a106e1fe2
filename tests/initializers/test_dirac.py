import json
import os

import keras
import numpy as np
import pytest

from keras_cifar_blocks.initializers import Dirac
from tests.testing import to_numpy


@pytest.mark.parametrize(
    "shape", [(3, 3, 4, 8), (3, 3, 8, 4), (1, 1, 3, 3), (2, 2, 3, 5)]
)
def test_first_filters_are_identities(shape):
    kernel = to_numpy(Dirac(base="zeros")(shape))
    *window, cin, cout = shape
    centre = tuple(size // 2 for size in window)
    expected = np.zeros(shape, "float32")
    for i in range(min(cin, cout)):
        expected[(*centre, i, i)] = 1.0
    np.testing.assert_array_equal(kernel, expected)


def test_other_filters_come_from_the_base():
    kernel = to_numpy(Dirac(base="ones")((3, 3, 2, 5)))
    assert np.all(kernel[..., 2:] == 1.0)
    assert kernel[..., :2].sum() == 2.0


def test_a_dirac_convolution_starts_as_the_identity():
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 5)).astype("float32")
    conv = keras.layers.Conv2D(
        7, 3, padding="same", use_bias=False, kernel_initializer=Dirac()
    )
    np.testing.assert_allclose(to_numpy(conv(x))[..., :5], x, atol=1e-6)


def test_config_round_trip_and_saving(tmp_path):
    initializer = Dirac(base=keras.initializers.LecunUniform(seed=3))
    config = json.loads(json.dumps(keras.initializers.serialize(initializer)))
    assert config["registered_name"] == "keras_cifar_blocks>Dirac"
    revived = keras.initializers.deserialize(config)
    assert isinstance(revived, Dirac)
    assert revived.get_config() == initializer.get_config()
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, kernel_initializer=initializer),
        ]
    )
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.layers[0].kernel_initializer, Dirac)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        Dirac(base="no_such_initializer")
    with pytest.raises(ValueError, match="Received base=None"):
        Dirac(base=None)
    with pytest.raises(ValueError, match="Received shape=\\(4, 8\\)"):
        Dirac()((4, 8))
