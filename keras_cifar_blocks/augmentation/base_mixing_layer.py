"""Base of the layers that mix pairs of images and their labels."""

from keras_cifar_blocks.augmentation.base_augmentation_layer import (
    BaseAugmentationLayer,
)
from keras_cifar_blocks.utils import validation


class BaseMixingLayer(BaseAugmentationLayer):
    """Reads `{"images", "labels"}`, makes one-hot targets, mixes them.

    Labels of shape `(batch,)` or `(batch, 1)` are class indices and need
    `num_classes`; labels of shape `(batch, num_classes)` are one-hot (or
    already soft) targets. The rule goes by shape, not dtype, because
    `tf.data` hands Keras' data layers every entry as floats.

    Subclasses implement `_mix(images, targets)`, which pairs each image
    with another one of the batch and returns the mixed images and
    targets.
    """

    def __init__(
        self,
        num_classes=None,
        alpha=1.0,
        label_smoothing=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.num_classes = (
            None
            if num_classes is None
            else validation.positive_int("num_classes", num_classes)
        )
        self.alpha = validation.positive_float("alpha", alpha)
        self.label_smoothing = validation.rate(
            "label_smoothing", label_smoothing
        )

    def _split(self, inputs):
        name = type(self).__name__
        if not isinstance(inputs, dict) or not {"images", "labels"} <= set(
            inputs
        ):
            if isinstance(inputs, dict):
                found = f"a dict with keys {sorted(inputs)}"
            elif hasattr(inputs, "shape"):
                found = f"a tensor of shape {tuple(inputs.shape)}"
            else:
                found = f"{type(inputs).__name__}"
            raise ValueError(
                f"`{name}` mixes images and labels together: call it on a "
                "dict {'images': images, 'labels': labels}. "
                f"Received {found}"
            )
        images, labels = inputs["images"], inputs["labels"]
        if len(images.shape) != 4:
            raise ValueError(
                f"`{name}` mixes the images of a batch: it expects images "
                "of shape (batch, height, width, channels). Received "
                f"shape={tuple(images.shape)}"
            )
        return images, labels

    def _target_width(self, labels_shape) -> int:
        """The number of classes of the targets, from the labels' shape."""
        name = type(self).__name__
        rank = len(labels_shape)
        sparse = rank == 1 or (rank == 2 and labels_shape[-1] == 1)
        if sparse:
            if self.num_classes is None:
                raise ValueError(
                    f"`{name}` received class indices of shape "
                    f"{tuple(labels_shape)}: pass `num_classes` to turn "
                    "them into one-hot targets, or pass one-hot labels of "
                    "shape (batch, num_classes)."
                )
            return self.num_classes
        if rank != 2 or labels_shape[-1] is None:
            raise ValueError(
                f"`{name}` expects labels of shape (batch,), (batch, 1) or "
                f"(batch, num_classes). Received shape={tuple(labels_shape)}"
            )
        if self.num_classes is not None and labels_shape[-1] != (
            self.num_classes
        ):
            raise ValueError(
                f"`{name}` got num_classes={self.num_classes} but one-hot "
                f"labels of shape {tuple(labels_shape)}."
            )
        return labels_shape[-1]

    def _targets(self, labels):
        ops = self.backend
        labels = ops.convert_to_tensor(labels)
        width = self._target_width(labels.shape)
        if len(labels.shape) == 2 and labels.shape[-1] == width:
            return ops.cast(labels, self.compute_dtype)
        indices = ops.cast(ops.numpy.reshape(labels, (-1,)), "int32")
        return ops.nn.one_hot(indices, width, dtype=self.compute_dtype)

    def call(self, inputs, training=True):
        images, labels = self._split(inputs)
        ops = self.backend
        images = ops.cast(ops.convert_to_tensor(images), self.compute_dtype)
        targets = self._targets(labels)
        if training:
            if self.label_smoothing:
                width = targets.shape[-1]
                targets = (
                    targets * (1.0 - self.label_smoothing)
                    + self.label_smoothing / width
                )
            images, targets = self._mix(images, targets)
        return {**inputs, "images": images, "labels": targets}

    def _mix(self, images, targets):
        raise NotImplementedError

    def _partners(self, batch):
        """A random permutation of the batch: each image's partner."""
        ops = self.backend
        # The order of uniform draws, rather than `random.shuffle`, which
        # JAX cannot trace for a batch of unknown size.
        draws = ops.random.uniform((batch,), seed=self._seed_generator())
        return ops.cast(ops.numpy.argsort(draws), "int32")

    def _mix_targets(self, targets, partners, weights):
        """`weights * targets + (1 - weights) * the partners' targets`."""
        weights = weights[:, None]
        partner_targets = self.backend.numpy.take(targets, partners, axis=0)
        return weights * targets + (1.0 - weights) * partner_targets

    def _mix_weights(self, batch):
        """One Beta(alpha, alpha) draw per image."""
        ops = self.backend
        seed = self._seed_generator()
        if self.alpha == 1.0:
            # Beta(1, 1) is uniform, and far cheaper to draw (JAX compiles
            # a loop for every Beta sample shape).
            return ops.random.uniform(
                (batch,), dtype=self.compute_dtype, seed=seed
            )
        return ops.random.beta(
            (batch,),
            self.alpha,
            self.alpha,
            seed=seed,
            dtype=self.compute_dtype,
        )

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, dict) or not {
            "images",
            "labels",
        } <= set(input_shape):
            raise ValueError(
                f"`{type(self).__name__}` mixes images and labels together: "
                "call it on a dict {'images': images, 'labels': labels}. "
                f"Received input_shape={input_shape}"
            )
        labels_shape = tuple(input_shape["labels"])
        width = self._target_width(labels_shape)
        return {
            **input_shape,
            "labels": (labels_shape[0], width),
        }

    def get_config(self):
        config = {
            "num_classes": self.num_classes,
            "alpha": self.alpha,
            "label_smoothing": self.label_smoothing,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
