"""A recipe's input normalization, fitted on the training images.

Recipes name what the training loop does to the 0-255 images before the
model (`Recipe.input_normalization`): nothing (`"raw"`: the model
rescales them itself, e.g. with a `Rescaling` layer or a
`TransferAdapter`), divide by 255, or standardize each channel with the
training set's statistics. The run stores the fitted values in its
`config.json` so that `evaluate` normalizes test images the same way.
"""

import dataclasses

import keras
import numpy as np

from keras_cifar_blocks.architectures.recipes import INPUT_NORMALIZATIONS
from keras_cifar_blocks.utils import validation


@dataclasses.dataclass(frozen=True)
class InputNormalization:
    """`images * scale + offset` per channel, from a recipe's mode.

    Attributes:
        mode: one of `"raw"`, `"divide_by_255"`,
            `"standardize_per_channel"`.
        mean: per-channel means of the training images divided by 255
            (`"standardize_per_channel"` only), else `None`.
        std: per-channel standard deviations, likewise.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.training.normalization import (
    ...     InputNormalization,
    ... )
    >>> images = np.stack([np.full((2, 2, 3), 0), np.full((2, 2, 3), 255)])
    >>> norm = InputNormalization.fit("standardize_per_channel", images)
    >>> norm.mean, norm.std
    ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    >>> norm.apply(images)[:, 0, 0, 0]
    array([-1.,  1.], dtype=float32)
    >>> scaled = InputNormalization.fit("divide_by_255", images)
    >>> float(scaled.apply(images).max())
    1.0
    """

    mode: str
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    def __post_init__(self):
        validation.one_of("mode", self.mode, tuple(INPUT_NORMALIZATIONS))
        needs_statistics = self.mode == "standardize_per_channel"
        for name in ("mean", "std"):
            value = getattr(self, name)
            if needs_statistics != (value is not None):
                raise ValueError(
                    f"Invalid value for argument `{name}`. Expected "
                    f"{'per-channel values' if needs_statistics else 'None'} "
                    f"with mode={self.mode!r}. Received {name}={value!r}"
                )
            if value is not None:
                object.__setattr__(
                    self, name, tuple(float(number) for number in value)
                )
        if self.std is not None and min(self.std) <= 0:
            raise ValueError(
                "Invalid value for argument `std`. Expected strictly "
                f"positive values. Received std={self.std}"
            )

    @classmethod
    def fit(cls, mode: str, images) -> "InputNormalization":
        """The normalization of `mode`, with statistics from `images`.

        Args:
            mode: a recipe's `input_normalization`.
            images: the training images, shape `(N, height, width,
                channels)`, values in [0, 255].
        """
        validation.one_of("mode", mode, tuple(INPUT_NORMALIZATIONS))
        if mode != "standardize_per_channel":
            return cls(mode)
        images = np.asarray(images)
        # Sum per channel in float64 without a float copy of all images.
        pixels = images.reshape(-1, images.shape[-1])
        mean = pixels.mean(axis=0, dtype="float64") / 255.0
        var = (
            np.square(pixels, dtype="float64").mean(axis=0) / 255.0**2 - mean**2
        )
        std = np.sqrt(np.maximum(var, 0.0))
        return cls(mode, tuple(mean), tuple(np.maximum(std, 1e-7)))

    def scale_and_offset(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel `scale` and `offset` with `x * scale + offset`."""
        if self.mode == "raw":
            return np.float32(1.0), np.float32(0.0)
        if self.mode == "divide_by_255":
            return np.float32(1 / 255.0), np.float32(0.0)
        mean = np.asarray(self.mean, dtype="float32")
        std = np.asarray(self.std, dtype="float32")
        return 1.0 / (255.0 * std), -mean / std

    def layer(self) -> keras.layers.Rescaling:
        """A `keras.layers.Rescaling` that applies it (and casts to float).

        Use it in a `tf.data` map: Keras layers compute with TensorFlow
        there, whatever the backend.
        """
        scale, offset = self.scale_and_offset()
        return keras.layers.Rescaling(
            scale=scale.tolist(), offset=offset.tolist(), name="normalization"
        )

    def apply(self, images) -> np.ndarray:
        """The normalized images, as a `float32` NumPy array."""
        scale, offset = self.scale_and_offset()
        return (np.asarray(images, dtype="float32") * scale + offset).astype(
            "float32"
        )

    def get_config(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_config(cls, config: dict) -> "InputNormalization":
        return cls(**config)
