"""A learning rate linear between given steps (a triangle, a ramp...)."""

import keras
from keras import ops

from keras_cifar_blocks.utils import validation


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class PiecewiseLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate interpolated linearly between `(step, value)` points.

    At step `boundaries[i]` the rate is `values[i]`; between two
    boundaries it moves on a straight line; before the first and after
    the last it stays at the end value. `boundaries=(0, 112, 476)` and
    `values=(0.3, 1.5, 0.105)` is airbench94's triangle: up from 0.2x
    to the peak at 23% of the run, down to 0.07x at the end. Keras has
    `PiecewiseConstantDecay` for steps; this is its linear counterpart.

    Args:
        boundaries: strictly increasing ints >= 0, the optimizer steps
            (counted from 0) of the points.
        values: floats >= 0, the rate at each boundary; as many as
            `boundaries` (at least two).

    Example:

    >>> from keras_cifar_blocks.optimizers import PiecewiseLinearDecay
    >>> schedule = PiecewiseLinearDecay((0, 10, 30), (0.2, 1.0, 0.0))
    >>> [round(float(schedule(step)), 3) for step in (0, 5, 10, 20, 30, 99)]
    [0.2, 0.6, 1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, boundaries, values, name="PiecewiseLinearDecay"):
        super().__init__()
        boundaries = tuple(boundaries)
        values = tuple(values)
        for step in boundaries:
            validation.non_negative_int("boundaries", step)
        if len(boundaries) < 2 or list(boundaries) != sorted(set(boundaries)):
            raise ValueError(
                "Invalid value for argument `boundaries`. Expected at least "
                "two strictly increasing steps. Received "
                f"boundaries={boundaries}"
            )
        for value in values:
            validation.non_negative_float("values", value)
        if len(values) != len(boundaries):
            raise ValueError(
                "Invalid value for argument `values`. Expected one value "
                f"per boundary ({len(boundaries)}). Received values={values}"
            )
        self.boundaries = tuple(int(step) for step in boundaries)
        self.values = tuple(float(value) for value in values)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        rate = ops.convert_to_tensor(self.values[0], "float32")
        points = list(zip(self.boundaries, self.values, strict=True))
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            line = y0 + (y1 - y0) * (step - x0) / (x1 - x0)
            rate = ops.where(step >= x0, line, rate)
        return ops.where(step >= self.boundaries[-1], self.values[-1], rate)

    def get_config(self):
        return {
            "boundaries": list(self.boundaries),
            "values": list(self.values),
            "name": self.name,
        }
