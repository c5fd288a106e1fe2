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

    It takes and returns what `CutMix` does: a dict `{"images": ...,
    "labels": ...}` with class indices (and `num_classes`) or one-hot
    labels in, float one-hot targets of shape `(batch, num_classes)` out,
    mixed and smoothed while training and plain at inference. See
    `CutMix` for the call arguments and the input and output shapes.

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

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import MixUp
    >>> batch = {
    ...     "images": np.random.uniform(0, 255, (4, 32, 32, 3)),
    ...     "labels": keras.utils.to_categorical([0, 1, 2, 3], 10),
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
        return images, self._mix_targets(targets, partners, weights)
