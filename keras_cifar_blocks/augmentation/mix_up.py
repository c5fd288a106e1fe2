"""MixUp: blend pairs of images and their labels with the same weight."""

import keras

from keras_cifar_blocks.augmentation.base_mixing_layer import BaseMixingLayer


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class MixUp(BaseMixingLayer):
    """MixUp on a batch of images and labels, with one-hot targets.

    Each image gets a partner from the same batch (a random permutation)
    and a weight `lam ~ Beta(alpha, alpha)`; the output image is
    `lam * x + (1 - lam) * x_partner` and its target
    `lam * y + (1 - lam) * y_partner`.

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

    Unlike `keras.layers.MixUp`, it accepts class indices and smooths
    labels.

    Args:
        num_classes: optional int, number of classes; required when the
            labels are class indices.
        alpha: float > 0, the Beta distribution's parameter. Defaults to
            `1.0`, the paper's CIFAR-10 setting (`keras.layers.MixUp`
            defaults to the ImageNet value, `0.2`).
        label_smoothing: float in [0, 1), applied to the targets while
            training. Defaults to `0.0`.
        seed: optional int, seed of the partners and weights.
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
    >>> from keras_cifar_blocks.augmentation import MixUp
    >>> batch = {
    ...     "images": np.random.uniform(0, 255, (4, 32, 32, 3)),
    ...     "labels": np.eye(10)[[0, 1, 2, 3]],
    ... }
    >>> mixed = MixUp(alpha=0.2, seed=0)(batch)
    >>> tuple(mixed["labels"].shape)
    (4, 10)

    Reference:

    - [Zhang et al., 2018](https://arxiv.org/abs/1710.09412)
    """

    def _mix(self, images, targets):
        ops = self.backend
        batch = ops.shape(images)[0]
        partners = self._partners(batch)
        weights = self._mix_weights(batch)
        images = weights[:, None, None, None] * images + (
            1.0 - weights[:, None, None, None]
        ) * ops.numpy.take(images, partners, axis=0)
        targets = weights[:, None] * targets + (
            1.0 - weights[:, None]
        ) * ops.numpy.take(targets, partners, axis=0)
        return images, targets
