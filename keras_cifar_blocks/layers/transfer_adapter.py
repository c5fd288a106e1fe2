"""Resize small images and preprocess them for a pretrained backbone."""

import keras
from keras import ops

from keras_cifar_blocks import backbones
from keras_cifar_blocks.utils import validation

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class TransferAdapter(keras.layers.Layer):
    """Resize raw images to a backbone's input size and preprocess them.

    Puts in one serializable layer what the seed reports wrote as a
    `Lambda` around `tf.image.resize` followed by the backbone's
    `preprocess_input`: the layer takes raw 0-255 RGB images of any size
    (e.g. 32x32 CIFAR), resizes them to the backbone's input size and
    applies that backbone family's own preprocessing (see
    `keras_cifar_blocks.backbones`). A model saved with it therefore takes
    raw images, and reloads with `safe_mode=True`.

    Its output equals
    `keras.applications.<module>.preprocess_input(resized_images)`.

    Args:
        backbone: name of a `keras.applications` backbone, e.g.
            `"InceptionResNetV2"` (case-insensitive); see
            `keras_cifar_blocks.backbones.backbone_names()`.
        image_size: int or `(height, width)` to resize to. Defaults to
            the backbone's own input size (e.g. 299x299 for
            InceptionResNetV2). It must be at least the backbone's
            minimum input size.
        interpolation: one of `"bilinear"`, `"nearest"`, `"bicubic"`,
            `"lanczos3"`, `"lanczos5"`. Defaults to the backbone's entry.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: 4D tensor `(batch, height, width, 3)` of RGB values in
            [0, 255], of any numeric dtype.

    Input shape:
        4D tensor with shape `(batch, height, width, 3)`.

    Output shape:
        4D tensor with shape `(batch, image_size[0], image_size[1], 3)`.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import TransferAdapter
    >>> adapter = TransferAdapter("MobileNetV2", image_size=96)
    >>> images = np.full((2, 32, 32, 3), 255, dtype="uint8")
    >>> out = adapter(images)
    >>> tuple(out.shape), float(keras.ops.max(out))
    ((2, 96, 96, 3), 1.0)
    """

    def __init__(self, backbone, image_size=None, interpolation=None, **kwargs):
        super().__init__(**kwargs)
        self.spec = backbones.get_backbone_spec(backbone)
        self.backbone = self.spec.name
        if image_size is None:
            image_size = self.spec.input_size
        self.image_size = validation.positive_int_pair("image_size", image_size)
        min_size = self.spec.min_input_size
        if self.image_size[0] < min_size[0] or self.image_size[1] < min_size[1]:
            raise ValueError(
                f"Invalid value for argument `image_size`. {self.backbone} "
                f"needs inputs of at least {min_size}. "
                f"Received image_size={image_size!r}"
            )
        if interpolation is None:
            interpolation = self.spec.interpolation
        self.interpolation = validation.one_of(
            "interpolation", interpolation, INTERPOLATIONS
        )
        self.resizing = keras.layers.Resizing(
            *self.image_size,
            interpolation=self.interpolation,
            dtype=self.dtype_policy,
            name="resizing",
        )
        self._build_at_init()

    def build(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        if input_shape[-1] != 3:
            raise ValueError(
                f"`{type(self).__name__}` expects RGB images with 3 "
                f"channels. Received input_shape={tuple(input_shape)}"
            )

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        if tuple(inputs.shape[1:3]) != self.image_size:
            x = self.resizing(x)
        return self._preprocess(x)

    def _preprocess(self, x):
        # Same arithmetic, in the same order, as
        # keras.applications.imagenet_utils.preprocess_input.
        mode = self.spec.preprocessing
        if mode == "tf":
            return x / 127.5 - 1.0
        if mode == "caffe":
            x = ops.flip(x, axis=-1)
            mean = ops.convert_to_tensor(
                backbones.CAFFE_MEAN_BGR, dtype=x.dtype
            )
            return x - mean
        if mode == "torch":
            mean = ops.convert_to_tensor(
                backbones.TORCH_MEAN_RGB, dtype=x.dtype
            )
            std = ops.convert_to_tensor(backbones.TORCH_STD_RGB, dtype=x.dtype)
            return (x / 255.0 - mean) / std
        return x

    def compute_output_shape(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        return (input_shape[0], *self.image_size, input_shape[-1])

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(
            self.compute_output_shape(inputs.shape), dtype=self.compute_dtype
        )

    def get_config(self):
        config = {
            "backbone": self.backbone,
            "image_size": self.image_size,
            "interpolation": self.interpolation,
        }
        return {**super().get_config(), **config}
