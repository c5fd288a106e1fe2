"""keras-cifar-blocks: Keras 3 building blocks for small-image classifiers.

Importing the package registers its layers for serialization and makes
`activation="Mish"` work in every Keras layer.
"""

from keras_cifar_blocks import architectures
from keras_cifar_blocks import augmentation
from keras_cifar_blocks import backbones
from keras_cifar_blocks import datasets
from keras_cifar_blocks import layers
from keras_cifar_blocks import training
from keras_cifar_blocks.architectures import transfer_classifier
from keras_cifar_blocks.architectures import unfreeze_top_layers
from keras_cifar_blocks.architectures import wide_resnet
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.layers import Mish
from keras_cifar_blocks.layers import TransferAdapter
from keras_cifar_blocks.layers import WideResidualBlock
from keras_cifar_blocks.version import __version__

__all__ = [
    "ConvBNPoolDropout",
    "Mish",
    "TransferAdapter",
    "WideResidualBlock",
    "__version__",
    "architectures",
    "augmentation",
    "backbones",
    "datasets",
    "layers",
    "training",
    "transfer_classifier",
    "unfreeze_top_layers",
    "wide_resnet",
]
