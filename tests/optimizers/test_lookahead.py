import json

import keras
import numpy as np
import pytest

from keras_cifar_blocks.optimizers import Lookahead
from tests.testing import to_numpy


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)), rng.normal(size=(32, 2))


class _Record(keras.callbacks.Callback):
    """The float weights at the end of each epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([to_numpy(w).copy() for w in self.model.weights])


def test_the_run_ends_on_the_average_and_epochs_train_on():
    model = _model()
    lookahead = Lookahead(start_epoch=1, every=3)
    record = _Record()
    model.fit(
        *_data(),
        batch_size=8,
        epochs=3,
        verbose=0,
        callbacks=[lookahead, record],
    )
    # 4 steps per epoch; from epoch 1 updates at steps 6, 9 and 12 (the
    # first records the average), then the last copy.
    assert lookahead.updates == 3
    for weight, average in zip(
        record.weights[-1], lookahead.average, strict=True
    ):
        np.testing.assert_allclose(weight, average, rtol=1e-6, atol=1e-6)
    # Epoch 1 ended 2 steps after its update at step 6: those steps are
    # kept, not replaced by the average.
    assert not all(
        np.allclose(epoch_one, epoch_two)
        for epoch_one, epoch_two in zip(
            record.weights[1], record.weights[2], strict=True
        )
    )
    # BatchNorm's moving statistics are averaged too.
    assert len(lookahead.average) == len(model.weights)


def test_a_run_stopped_early_ends_on_the_average():
    model = _model()
    lookahead = Lookahead(start_epoch=0, every=3)

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    model.fit(
        *_data(),
        batch_size=8,
        epochs=5,
        verbose=0,
        callbacks=[lookahead, StopAfterFirstEpoch()],
    )
    # Updated at step 3; step 4 trained on, then the run ended on the
    # average.
    for weight, average in zip(model.weights, lookahead.average, strict=True):
        np.testing.assert_allclose(
            to_numpy(weight), average, rtol=1e-6, atol=1e-6
        )


def test_the_average_slows_training_down():
    """With a decay near 1 the weights barely move after the first
    update, which records them."""
    x, y = _data()
    plain, averaged = _model(), _model()
    plain.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    lookahead = Lookahead(start_epoch=0, every=1, decay=0.999, decay_power=0)
    averaged.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        verbose=0,
        shuffle=False,
        callbacks=[lookahead],
    )
    assert lookahead.updates == 8
    recorded = lookahead.average  # set to the final weights
    first = _model()
    first.fit(x[:8], y[:8], batch_size=8, epochs=1, verbose=0)

    def distance(weights, reference):
        return sum(
            float(np.abs(to_numpy(w) - r).sum())
            for w, r in zip(weights, reference, strict=True)
        )

    after_one_step = [to_numpy(w) for w in first.weights]
    assert distance(averaged.weights, after_one_step) < 0.05 * distance(
        plain.weights, after_one_step
    )
    assert distance(averaged.weights, recorded) < 1e-4


def test_nothing_changes_before_the_start_epoch():
    x, y = _data()
    plain, late = _model(), _model()
    plain.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    lookahead = Lookahead(start_epoch=5)
    late.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        verbose=0,
        shuffle=False,
        callbacks=[lookahead],
    )
    assert lookahead.average is None and lookahead.updates == 0
    for a, b in zip(plain.weights, late.weights, strict=True):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-5)


def test_config_round_trip():
    lookahead = Lookahead(start_epoch=2, every=3, decay=0.9, decay_power=2)
    config = json.loads(json.dumps(lookahead.get_config()))
    assert config == {
        "start_epoch": 2,
        "every": 3,
        "decay": 0.9,
        "decay_power": 2.0,
    }
    assert Lookahead.from_config(config).get_config() == config
    revived = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(lookahead)
    )
    assert isinstance(revived, Lookahead)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"start_epoch": -1}, "Received start_epoch=-1"),
        ({"every": 0}, "Received every=0"),
        ({"decay": 1.0}, "Received decay=1.0"),
        ({"decay_power": -1.0}, "Received decay_power=-1.0"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Lookahead(**kwargs)
