import json

import keras
import numpy as np
import pytest

from keras_cifar_blocks.optimizers import PiecewiseLinearDecay
from tests.testing import to_numpy


def test_interpolates_between_the_points():
    schedule = PiecewiseLinearDecay((0, 112, 476), (0.3, 1.5, 0.105))
    steps = np.arange(0, 600)
    rates = np.array([float(to_numpy(schedule(step))) for step in steps])
    expected = np.interp(steps, (0, 112, 476), (0.3, 1.5, 0.105))
    np.testing.assert_allclose(rates, expected, rtol=1e-5, atol=1e-6)


def test_drives_an_optimizer_and_serializes():
    schedule = PiecewiseLinearDecay((2, 4), (1.0, 0.0))
    optimizer = keras.optimizers.SGD(schedule)
    config = json.loads(json.dumps(keras.optimizers.serialize(optimizer)))
    assert config["config"]["learning_rate"]["registered_name"] == (
        "keras_cifar_blocks>PiecewiseLinearDecay"
    )
    keras.optimizers.deserialize(config)
    restored = keras.optimizers.schedules.deserialize(
        json.loads(json.dumps(keras.optimizers.schedules.serialize(schedule)))
    )
    assert isinstance(restored, PiecewiseLinearDecay)
    assert restored.get_config() == schedule.get_config()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.ones((6, 2)), np.zeros((6, 1)), batch_size=2, verbose=0)
    assert float(to_numpy(optimizer.learning_rate)) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "boundaries, values, match",
    [
        ((0,), (1.0,), "at least two strictly increasing"),
        ((0, 5, 5), (1.0, 1.0, 1.0), "at least two strictly increasing"),
        ((-1, 5), (1.0, 1.0), "Received boundaries=-1"),
        ((0, 5), (1.0,), "one value per boundary"),
        ((0, 5), (1.0, -0.1), "Received values=-0.1"),
    ],
)
def test_invalid_arguments(boundaries, values, match):
    with pytest.raises(ValueError, match=match):
        PiecewiseLinearDecay(boundaries, values)
