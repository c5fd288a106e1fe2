"""Multiply each image by a random factor: ImageDataGenerator's brightness."""

import keras

from keras_cifar_blocks.augmentation.base_augmentation_layer import (
    BaseAugmentationLayer,
)
from keras_cifar_blocks.utils import validation


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class RandomBrightnessScale(BaseAugmentationLayer):
    """Multiplies each image by a random factor, then clips to the range.

    This is what `ImageDataGenerator(brightness_range=(low, high))` does
    (PIL's `ImageEnhance.Brightness`: every pixel times a factor drawn
    uniformly from `[low, high]`, clipped to `[0, 255]`).
    `keras.layers.RandomBrightness` differs: it *adds* a random offset.

    At inference (`training=False`) the layer returns its input unchanged
    (cast to the compute dtype). It is safe to use inside a `tf.data`
    pipeline under every backend.

    Args:
        factor: tuple `(low, high)` with `0 <= low <= high`, the range of
            the multiplier, as `ImageDataGenerator`'s `brightness_range`;
            or a float `f` in [0, 1] for `(1 - f, 1 + f)`.
        value_range: tuple `(low, high)`, the range of the pixel values;
            results are clipped to it. Defaults to `(0, 255)`.
        seed: optional int, seed of the factors.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: images of shape `(batch, height, width, channels)` or
            `(height, width, channels)`, or a dict with such an `"images"`
            entry (other entries pass through unchanged).
        training: bool, whether to rescale. Defaults to `True` when the
            layer is called directly.

    Input shape:
        3D or 4D tensor.

    Output shape:
        Same as the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import RandomBrightnessScale
    >>> layer = RandomBrightnessScale(factor=(0.5, 0.5))
    >>> x = np.full((1, 2, 2, 3), 100.0)
    >>> float(keras.ops.convert_to_numpy(layer(x)).max())
    50.0
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(factor, (tuple, list)):
            self.factor = validation.number_pair(
                "factor", factor, 0.0, float("inf")
            )
        else:
            spread = validation.number_in("factor", factor, 0.0, 1.0)
            self.factor = (1.0 - spread, 1.0 + spread)
        self.value_range = validation.value_range("value_range", value_range)

    def call(self, inputs, training=True):
        ops = self.backend
        images = ops.convert_to_tensor(self._images(inputs))
        images = ops.cast(images, self.compute_dtype)
        if training:
            shape = (ops.shape(images)[0], 1, 1, 1)
            if len(images.shape) == 3:
                shape = (1, 1, 1)
            scale = ops.random.uniform(
                shape,
                minval=self.factor[0],
                maxval=self.factor[1],
                dtype=self.compute_dtype,
                seed=self._seed_generator(),
            )
            images = ops.numpy.clip(
                images * scale, self.value_range[0], self.value_range[1]
            )
        return self._with_images(inputs, images)

    def get_config(self):
        config = {
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
