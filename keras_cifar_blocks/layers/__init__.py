"""Keras layers for CIFAR-sized image models; each works on every backend."""

from keras_cifar_blocks.layers.conv_bn_pool_dropout import ConvBNPoolDropout
from keras_cifar_blocks.layers.mish import Mish
from keras_cifar_blocks.layers.mish import mish
from keras_cifar_blocks.layers.patch_whitening import PatchWhitening
from keras_cifar_blocks.layers.transfer_adapter import TransferAdapter
from keras_cifar_blocks.layers.wide_residual_block import WideResidualBlock

__all__ = [
    "ConvBNPoolDropout",
    "Mish",
    "PatchWhitening",
    "TransferAdapter",
    "WideResidualBlock",
    "mish",
]
