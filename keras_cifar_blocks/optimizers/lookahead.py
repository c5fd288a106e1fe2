"""Lookahead: average the weights, and train on from the average."""

import keras
import numpy as np

from keras_cifar_blocks.utils import validation


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class Lookahead(keras.callbacks.Callback):
    """An exponential moving average of the weights, copied back into them.

    From epoch `start_epoch` on, every `every` steps the callback moves
    its average of the model's weights towards the current weights,
    `average += (1 - rho) * (weights - average)`, then sets the weights
    to the average, so training goes on from there (Lookahead, with the
    "slow weights" an exponential average). The decay grows over the run,
    `rho = decay ** every * (step / total_steps) ** decay_power`: the
    average follows the weights closely at first and smooths strongly at
    the end. After the last step of the run the weights are set to the
    average (as airbench94 ends), so the trained model is the average;
    within the run, the steps after an update train on from it, epoch
    boundaries included (copying the average at every epoch's end would
    undo up to `every - 1` steps each epoch). A run stopped early (e.g.
    by `EarlyStopping`) also ends on the average. Every float
    weight is averaged, BatchNorm's moving statistics included (the
    frozen ones do not move). The first update only records the average.

    Keras optimizers' `use_ema=True` keeps an average of the trainable
    weights with a constant momentum and swaps it in at the end; this is
    what airbench94 does instead: a decay that grows, BatchNorm
    statistics averaged too, and the average trained from.

    Args:
        start_epoch: int >= 0, the first epoch (from 0) that averages.
            Defaults to `3`.
        every: int > 0, steps between two updates. Defaults to `5`.
        decay: float in [0, 1), the decay per step; an update decays by
            `decay ** every`. Defaults to `0.95`.
        decay_power: float >= 0, the power of the run's progress that
            multiplies the decay. Defaults to `3.0`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.optimizers import Lookahead
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((32, 4)), np.zeros((32, 2))
    >>> lookahead = Lookahead(start_epoch=1, every=2)
    >>> history = model.fit(x, y, batch_size=8, epochs=3, verbose=0,
    ...                     callbacks=[lookahead])
    >>> lookahead.updates  # epochs 1 and 2, 4 steps each, every 2 steps
    4
    >>> Lookahead(every=0)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `every`. Expected a strictly ...

    Reference:

    - [Zhang et al., 2019](https://arxiv.org/abs/1907.08610), Lookahead.
    - [Jordan, 2024](https://arxiv.org/abs/2404.00498), airbench94.
    """

    def __init__(self, start_epoch=3, every=5, decay=0.95, decay_power=3.0):
        super().__init__()
        self.start_epoch = validation.non_negative_int(
            "start_epoch", start_epoch
        )
        self.every = validation.positive_int("every", every)
        self.decay = validation.rate("decay", decay)
        self.decay_power = validation.non_negative_float(
            "decay_power", decay_power
        )
        self.average = None
        self.updates = 0
        self._epoch = 0

    def _weights(self):
        if hasattr(self.model, "jax_state_sync"):
            # On JAX the trainer holds the weights during fit: put them
            # back into the model, which the next step reads again.
            self.model.jax_state_sync()
        return [
            weight
            for weight in self.model.weights
            if "float" in str(weight.dtype)
        ]

    def on_train_begin(self, logs=None):
        self.average = None
        self.updates = 0
        self._ended = False
        self._total = max(self.params["epochs"] * self.params["steps"], 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        steps = self.params["steps"]
        step = self._epoch * steps + batch + 1
        if self._epoch >= self.start_epoch and step % self.every == 0:
            progress = min(step / self._total, 1.0)
            self._update(self.decay**self.every * progress**self.decay_power)
        if step >= self._total and self.average is not None:
            # The run ends on the average (airbench's last copy).
            self._update(1.0)
            self._ended = True

    def on_train_end(self, logs=None):
        if self.average is not None and not self._ended:
            self._update(1.0)  # Stopped early: end on the average too.

    def _update(self, rho):
        """Moves the average towards the weights by `1 - rho`, then sets
        the weights to it; the first call only records the average."""
        weights = self._weights()
        values = [
            np.asarray(keras.ops.convert_to_numpy(w), dtype="float32")
            for w in weights
        ]
        if self.average is None:
            self.average = values
            self.updates = 1
            return
        for weight, value, average in zip(
            weights, values, self.average, strict=True
        ):
            average += (1.0 - rho) * (value - average)
            weight.assign(average)
        if rho < 1.0:
            self.updates += 1

    def get_config(self):
        return {
            "start_epoch": self.start_epoch,
            "every": self.every,
            "decay": self.decay,
            "decay_power": self.decay_power,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
