"""Model builders assembled from `keras_cifar_blocks.layers`."""

from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_classifier,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    unfreeze_top_layers,
)
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet

__all__ = [
    "transfer_classifier",
    "unfreeze_top_layers",
    "wide_resnet",
]
