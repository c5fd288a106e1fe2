"""Rotation, translation, zoom and flips as one affine resampling."""

import math
import numbers

import keras

from keras_cifar_blocks.augmentation.base_augmentation_layer import (
    BaseAugmentationLayer,
)
from keras_cifar_blocks.utils import validation

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def _factor(name, value, bound=None):
    """A Keras-style factor: `f` means `(-f, f)`; `(low, high)` as given.

    With `bound`, both ends must lie in `[-bound, bound]`.
    """

    def is_number(v):
        return isinstance(v, numbers.Real) and not isinstance(v, bool)

    if is_number(value):
        pair = (-abs(value), abs(value))
    else:
        pair = tuple(value) if isinstance(value, (tuple, list)) else ()
    numbers_ok = len(pair) == 2 and all(is_number(v) for v in pair)
    in_bounds = numbers_ok and pair[0] <= pair[1]
    if in_bounds and bound is not None:
        in_bounds = -bound <= pair[0] and pair[1] <= bound
    if not in_bounds:
        limits = (
            "" if bound is None else f" and -{bound} <= low, high <= {bound}"
        )
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a number f "
            f"(the range (-f, f)) or a tuple (low, high) with low <= high"
            f"{limits}. Received {name}={value!r}"
        )
    return float(pair[0]), float(pair[1])


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class RandomAffine(BaseAugmentationLayer):
    """Random rotation, translation, zoom and flips in one resampling.

    Draws, per image, a rotation angle, a translation, a zoom and
    horizontal/vertical flips, composes them into one affine map and
    resamples the image once. The result has the distribution of
    `RandomRotation`, `RandomTranslation`, `RandomZoom` and `RandomFlip`
    applied in that order (it equals that chain for transforms that map
    pixels onto pixels, such as quarter turns and whole-pixel shifts), at
    the cost of one `affine_transform` instead of four, and without the
    blur of interpolating several times. `ImageDataGenerator` (Keras 2)
    also applied its rotation, shift and zoom as one affine map.

    Factors use the units of Keras' layers: `rotation_factor` in
    fractions of a turn (`15 / 360` is 15 degrees), translation factors in
    fractions of the image size, zoom factors as offsets from 1 (a
    factor `z` samples an area `1 + z` times the image's: `z > 0` zooms
    out). A number `f` means the range `(-f, f)`; a tuple `(low, high)` is
    used as given.

    At inference (`training=False`) the layer returns its input unchanged
    (cast to the compute dtype). It runs inside a model on every backend
    and in a `tf.data` pipeline under every backend, like Keras' image
    augmentation layers.

    Args:
        rotation_factor: float or tuple, rotation range in fractions of a
            turn. Defaults to `0.0`.
        height_factor: float or tuple, vertical translation range as a
            fraction of the height. Defaults to `0.0`.
        width_factor: float or tuple, horizontal translation range as a
            fraction of the width. Defaults to `0.0`.
        zoom_height_factor: float or tuple, zoom range of the height, as
            offsets in `(-1, inf)`. Defaults to `0.0`.
        zoom_width_factor: float, tuple or `None`: zoom range of the width,
            drawn independently of the height's (as `ImageDataGenerator`
            did); `None` keeps the aspect ratio (the width's zoom equals
            the height's, as in `keras.layers.RandomZoom`). Defaults to
            `None`.
        horizontal_flip: bool, mirror left-right with probability 0.5.
            Defaults to `False`.
        vertical_flip: bool, mirror upside down with probability 0.5,
            independently of the horizontal flip. Defaults to `False`.
        fill_mode: how points outside the input are filled: `"reflect"`,
            `"wrap"`, `"constant"` or `"nearest"`, as in Keras' layers.
            Defaults to `"reflect"`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to
            `"bilinear"`.
        fill_value: float, the value of `"constant"` fill. Defaults to
            `0.0`.
        seed: optional int, seed of the random draws.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: images of shape `(batch, height, width, channels)` or
            `(height, width, channels)`, or a dict with such an `"images"`
            entry (other entries pass through unchanged).
        training: bool, whether to transform. Defaults to `True` when the
            layer is called directly; inside a model it follows the model.

    Input shape:
        3D or 4D tensor, `"channels_last"`.

    Output shape:
        Same as the input.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import RandomAffine
    >>> augment = RandomAffine(
    ...     rotation_factor=15 / 360, height_factor=0.1, width_factor=0.1,
    ...     horizontal_flip=True, seed=0)
    >>> images = np.random.uniform(0, 255, (8, 32, 32, 3))
    >>> tuple(augment(images).shape)
    (8, 32, 32, 3)
    >>> quarter_turn = RandomAffine(rotation_factor=(0.25, 0.25))
    >>> image = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> np.asarray(quarter_turn(image))[0, :, :, 0].round(4)
    array([[1., 3.],
           [0., 2.]], dtype=float32)
    """

    def __init__(
        self,
        rotation_factor=0.0,
        height_factor=0.0,
        width_factor=0.0,
        zoom_height_factor=0.0,
        zoom_width_factor=None,
        horizontal_flip=False,
        vertical_flip=False,
        fill_mode="reflect",
        interpolation="bilinear",
        fill_value=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.rotation_factor = _factor("rotation_factor", rotation_factor)
        self.height_factor = _factor("height_factor", height_factor, 1.0)
        self.width_factor = _factor("width_factor", width_factor, 1.0)
        self.zoom_height_factor = self._zoom(
            "zoom_height_factor", zoom_height_factor
        )
        self.zoom_width_factor = (
            None
            if zoom_width_factor is None
            else self._zoom("zoom_width_factor", zoom_width_factor)
        )
        self.horizontal_flip = validation.boolean(
            "horizontal_flip", horizontal_flip
        )
        self.vertical_flip = validation.boolean("vertical_flip", vertical_flip)
        if isinstance(fill_mode, str):
            fill_mode = fill_mode.lower()
        self.fill_mode = validation.one_of("fill_mode", fill_mode, FILL_MODES)
        if isinstance(interpolation, str):
            interpolation = interpolation.lower()
        self.interpolation = validation.one_of(
            "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill_value = validation.number("fill_value", fill_value)

    @staticmethod
    def _zoom(name, value):
        low, high = _factor(name, value)
        if low <= -1.0:
            raise ValueError(
                f"Invalid value for argument `{name}`. Zoom offsets must be "
                f"> -1 (a scale 1 + offset > 0). Received {name}={value!r}"
            )
        return low, high

    def _flip(self, draw, enabled):
        """-1 (mirror) with probability 0.5 if `enabled`, else 1."""
        if not enabled:
            return self.backend.numpy.ones_like(draw)
        return self.backend.numpy.where(draw < 0.5, -1.0, 1.0)

    def transformation_matrix(self, batch, height, width):
        """Draws `batch` transforms, as rows `[a0, a1, a2, b0, b1, b2, 0, 0]`.

        Each row maps an output pixel `(x, y)` to the input point
        `(a0 x + a1 y + a2, b0 x + b1 y + b2)`, the format of
        `keras.ops.image.affine_transform`. Relative to the centre `c` and
        with rotation `R`, zoom `Z`, flips `F` and translation `t`, the
        input point is `c + R (Z F (p - c) - t)`.
        """
        ops = self.backend
        # One draw for the whole batch (with small images, per-op overhead
        # dominates): columns are rotation, vertical and horizontal shift,
        # vertical and horizontal zoom, and the two flips.
        low, high = zip(
            self.rotation_factor,
            self.height_factor,
            self.width_factor,
            self.zoom_height_factor,
            self.zoom_width_factor or (0.0, 0.0),
            (0.0, 1.0),
            (0.0, 1.0),
            strict=True,
        )
        draw = ops.random.uniform(
            (batch, 7), dtype="float32", seed=self._seed_generator()
        )
        low = ops.convert_to_tensor(low, "float32")
        high = ops.convert_to_tensor(high, "float32")
        draw = low + draw * (high - low)
        angle = draw[:, 0] * (2.0 * math.pi)
        shift_y = draw[:, 1] * height
        shift_x = draw[:, 2] * width
        zoom_y = 1.0 + draw[:, 3]
        zoom_x = zoom_y if self.zoom_width_factor is None else 1.0 + draw[:, 4]
        flip_x = self._flip(draw[:, 5], self.horizontal_flip)
        flip_y = self._flip(draw[:, 6], self.vertical_flip)
        cos, sin = ops.numpy.cos(angle), ops.numpy.sin(angle)
        scale_x, scale_y = zoom_x * flip_x, zoom_y * flip_y
        a0, a1 = cos * scale_x, -sin * scale_y
        b0, b1 = sin * scale_x, cos * scale_y
        center_x, center_y = (width - 1) / 2.0, (height - 1) / 2.0
        a2 = center_x - a0 * center_x - a1 * center_y
        a2 = a2 - (cos * shift_x - sin * shift_y)
        b2 = center_y - b0 * center_x - b1 * center_y
        b2 = b2 - (sin * shift_x + cos * shift_y)
        zeros = ops.numpy.zeros_like(angle)
        return ops.numpy.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)

    def _augment_batch(self, images):
        _, height, width, _ = images.shape
        if height is None or width is None:
            raise ValueError(
                "`RandomAffine` needs images with a known height and width. "
                f"Received shape={tuple(images.shape)}"
            )
        batch = self.backend.shape(images)[0]
        matrix = self.transformation_matrix(batch, height, width)
        return self.backend.image.affine_transform(
            images,
            matrix,
            interpolation=self.interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format="channels_last",
        )

    def get_config(self):
        config = {
            "rotation_factor": self.rotation_factor,
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "zoom_height_factor": self.zoom_height_factor,
            "zoom_width_factor": self.zoom_width_factor,
            "horizontal_flip": self.horizontal_flip,
            "vertical_flip": self.vertical_flip,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
