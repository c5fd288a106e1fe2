"""CutMix: paste a box of another image, mix the labels by area."""

import keras

from keras_cifar_blocks.augmentation.base_mixing_layer import BaseMixingLayer


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class CutMix(BaseMixingLayer):
    """CutMix on a batch of images and labels, with one-hot targets.

    Each image gets a partner from the same batch (a random permutation)
    and a box of the partner is pasted into it. As in the paper, the box
    has a random centre and sides `sqrt(1 - lam)` times the image's, with
    `lam ~ Beta(alpha, alpha)`, and is clipped to the image. The targets
    are `w * y + (1 - w) * y_partner`, where `w` is the fraction of pixels
    that still come from the image itself, counted on the pixel grid, so
    the label weights match the pixels exactly.

    The layer takes and returns a dict `{"images": ..., "labels": ...}`,
    the convention of Keras' own `CutMix`/`MixUp`; other entries pass
    through. Labels may be class indices, shape `(batch,)` or `(batch, 1)`
    (then `num_classes` is required), or one-hot, shape
    `(batch, num_classes)`. The returned labels are always float one-hot
    targets of shape `(batch, num_classes)`: mixed and, with
    `label_smoothing`, smoothed as `y * (1 - label_smoothing) +
    label_smoothing / num_classes` while training; plain one-hot at
    inference (`training=False`), where the images pass unchanged. Use it
    in a `tf.data` map after `batch()` (it needs whole batches), on any
    backend, or in a custom `train_step`.

    Unlike `keras.layers.CutMix`, it accepts class indices, smooths labels
    and computes the label weights from the pasted pixels.

    Args:
        num_classes: optional int, number of classes; required when the
            labels are class indices.
        alpha: float > 0, the Beta distribution's parameter. Defaults to
            `1.0` (uniform box area), the paper's CIFAR setting.
        label_smoothing: float in [0, 1), applied to the targets while
            training. Defaults to `0.0`.
        seed: optional int, seed of the partners and boxes.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: dict with `"images"`, shape `(batch, height, width,
            channels)`, and `"labels"`.
        training: bool, whether to mix. Defaults to `True` when called
            directly.

    Input shape:
        `{"images": (batch, height, width, channels), "labels": (batch,),
        (batch, 1) or (batch, num_classes)}`.

    Output shape:
        `{"images": (batch, height, width, channels), "labels": (batch,
        num_classes)}`.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import CutMix
    >>> batch = {
    ...     "images": np.random.uniform(0, 255, (4, 32, 32, 3)),
    ...     "labels": np.array([0, 1, 2, 3]),
    ... }
    >>> mixed = CutMix(num_classes=10, label_smoothing=0.1, seed=0)(batch)
    >>> tuple(mixed["images"].shape), tuple(mixed["labels"].shape)
    ((4, 32, 32, 3), (4, 10))

    Reference:

    - [Yun et al., 2019](https://arxiv.org/abs/1905.04899)
    """

    def _mix(self, images, targets):
        ops = self.backend
        _, height, width, _ = images.shape
        batch = ops.shape(images)[0]
        partners = self._partners(batch)
        ratio = ops.numpy.sqrt(1.0 - self._mix_weights(batch))
        seed = self._seed_generator()
        box_h = ops.numpy.floor(ratio * height)
        box_w = ops.numpy.floor(ratio * width)
        center_y = ops.cast(
            ops.random.randint((batch,), 0, height, seed=seed),
            self.compute_dtype,
        )
        center_x = ops.cast(
            ops.random.randint((batch,), 0, width, seed=seed),
            self.compute_dtype,
        )
        top = ops.numpy.clip(center_y - ops.numpy.floor(box_h / 2), 0, height)
        bottom = ops.numpy.clip(
            center_y + ops.numpy.floor(box_h / 2), 0, height
        )
        left = ops.numpy.clip(center_x - ops.numpy.floor(box_w / 2), 0, width)
        right = ops.numpy.clip(center_x + ops.numpy.floor(box_w / 2), 0, width)
        rows = ops.numpy.arange(height, dtype=self.compute_dtype)[None, :]
        cols = ops.numpy.arange(width, dtype=self.compute_dtype)[None, :]
        in_rows = ops.numpy.logical_and(
            rows >= top[:, None], rows < bottom[:, None]
        )
        in_cols = ops.numpy.logical_and(
            cols >= left[:, None], cols < right[:, None]
        )
        box = ops.numpy.logical_and(in_rows[:, :, None], in_cols[:, None, :])
        images = ops.numpy.where(
            box[..., None], ops.numpy.take(images, partners, axis=0), images
        )
        kept = 1.0 - (bottom - top) * (right - left) / (height * width)
        return images, self._mix_targets(targets, partners, kept)
