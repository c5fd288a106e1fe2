"""Pad, then crop back to the original size at a random offset."""

import keras

from keras_cifar_blocks.augmentation.base_augmentation_layer import (
    BaseAugmentationLayer,
)
from keras_cifar_blocks.utils import validation

FILL_MODES = ("constant", "reflect", "wrap", "nearest")


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class RandomPadCrop(BaseAugmentationLayer):
    """Pads each image, then crops it back to its size at a random offset.

    The CIFAR recipe of ResNet and Wide ResNet: "4 pixels are padded on
    each side, and a 32x32 crop is randomly sampled from the padded image"
    (He et al., 2016). Every image of a batch gets its own offset, drawn
    uniformly from the `(2 * padding + 1) ** 2` possible crops, so the
    output is the input shifted by a whole number of pixels in
    `[-padding, padding]` along each axis, with the uncovered border filled
    according to `fill_mode`. No pixel is interpolated: the output values
    are input values (or `fill_value`), cast to the layer's compute dtype.

    At inference (`training=False`) the layer returns its input unchanged
    (cast to the compute dtype). It is safe to use inside a `tf.data`
    pipeline under every backend, like Keras' image augmentation layers.

    Args:
        padding: int or tuple of 2 ints `(height_pad, width_pad)`, pixels
            added on each side before cropping. Defaults to `4`.
        fill_mode: how the padding is filled, with Keras' names:
            `"constant"` (`fill_value`, zeros by default; the ResNet
            recipe), `"reflect"` (`d c b a | a b c d | d c b a`, the edge
            pixel repeated, as in Keras' image layers; Wide ResNet pads
            with reflections), `"wrap"` (`a b c d | a b c d | a b c d`) or
            `"nearest"` (`a a a a | a b c d | d d d d`). Defaults to
            `"constant"`.
        fill_value: float, the value of `"constant"` padding. Defaults to
            `0.0`.
        seed: optional int, seed of the random offsets.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: images of shape `(batch, height, width, channels)` or
            `(height, width, channels)`, or a dict with such an `"images"`
            entry (other entries, e.g. `"labels"`, pass through unchanged).
        training: bool, whether to crop at a random offset. Defaults to
            `True` when the layer is called directly; inside a model it
            follows the model (`fit` trains, `predict` infers).

    Input shape:
        3D or 4D tensor, `"channels_last"`, with a known height and width.

    Output shape:
        Same as the input.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import RandomPadCrop
    >>> images = np.ones((4, 32, 32, 3), dtype="uint8")
    >>> crops = RandomPadCrop(padding=4, seed=0)(images)
    >>> tuple(crops.shape)
    (4, 32, 32, 3)

    Reference:

    - [He et al., 2016](https://arxiv.org/abs/1512.03385), section 4.2.
    - [Zagoruyko and Komodakis, 2016](https://arxiv.org/abs/1605.07146).
    """

    def __init__(
        self,
        padding=4,
        fill_mode="constant",
        fill_value=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if isinstance(fill_mode, str):
            fill_mode = fill_mode.lower()
        self.padding = validation.positive_int_pair("padding", padding)
        self.fill_mode = validation.one_of("fill_mode", fill_mode, FILL_MODES)
        self.fill_value = validation.number("fill_value", fill_value)

    def _source_index(self, index, size):
        """Fold the padded coordinates `index` back into `[0, size)`.

        Returns the folded index and whether it was inside the image.
        """
        ops = self.backend
        inside = ops.numpy.logical_and(index >= 0, index < size)
        if self.fill_mode == "reflect":
            index = ops.numpy.where(index < 0, -index - 1, index)
            index = ops.numpy.where(index >= size, 2 * size - 1 - index, index)
        elif self.fill_mode == "wrap":
            index = ops.numpy.mod(index, size)
        else:
            index = ops.numpy.clip(index, 0, size - 1)
        return index, inside

    def _augment_batch(self, images):
        ops = self.backend
        _, height, width, channels = images.shape
        if height is None or width is None or channels is None:
            raise ValueError(
                "`RandomPadCrop` needs images with a known height, width "
                f"and channels. Received shape={tuple(images.shape)}"
            )
        pad_h, pad_w = self.padding
        if self.fill_mode == "reflect" and (pad_h > height or pad_w > width):
            raise ValueError(
                "`RandomPadCrop` with fill_mode='reflect' needs padding <= "
                f"the image size. Received padding={self.padding} for "
                f"images of size {(height, width)}"
            )
        batch = ops.shape(images)[0]
        seed = self._seed_generator()
        # The crop at offset (dy, dx) of the padded image is the input
        # shifted by (dy - pad_h, dx - pad_w).
        shift_y = ops.random.randint((batch, 1), 0, 2 * pad_h + 1, seed=seed)
        shift_x = ops.random.randint((batch, 1), 0, 2 * pad_w + 1, seed=seed)
        rows = shift_y - pad_h + ops.numpy.arange(height, dtype="int32")
        cols = shift_x - pad_w + ops.numpy.arange(width, dtype="int32")
        rows, rows_inside = self._source_index(rows, height)
        cols, cols_inside = self._source_index(cols, width)
        # A gather, not a one-hot matmul: it copies values exactly on every
        # device (GPU matmuls may run in TF32).
        first = ops.numpy.arange(batch, dtype="int32")[:, None, None]
        index = (first * height + rows[:, :, None]) * width + cols[:, None, :]
        pixels = ops.numpy.reshape(images, (-1, channels))
        crops = ops.numpy.take(pixels, ops.numpy.reshape(index, (-1,)), axis=0)
        crops = ops.numpy.reshape(crops, (-1, height, width, channels))
        if self.fill_mode == "constant":
            inside = ops.numpy.logical_and(
                rows_inside[:, :, None], cols_inside[:, None, :]
            )
            crops = ops.numpy.where(
                inside[..., None],
                crops,
                ops.cast(self.fill_value, self.compute_dtype),
            )
        return crops

    def get_config(self):
        config = {
            "padding": self.padding,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
