"""Training dynamics beyond Keras' own: a learning-rate schedule and
Lookahead weight averaging, each serializable and backend-neutral.

- `PiecewiseLinearDecay`: a `LearningRateSchedule` that interpolates
  linearly between (step, rate) points, e.g. airbench's triangle.
- `Lookahead`: a callback that keeps an exponential moving average of
  the weights and copies it back into the model every few steps.
"""

from keras_cifar_blocks.optimizers.lookahead import Lookahead
from keras_cifar_blocks.optimizers.piecewise_linear_decay import (
    PiecewiseLinearDecay,
)

__all__ = ["Lookahead", "PiecewiseLinearDecay"]
