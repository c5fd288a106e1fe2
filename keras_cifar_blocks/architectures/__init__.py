"""Model builders assembled from `keras_cifar_blocks.layers`.

- `wide_resnet`, `transfer_classifier`, `unfreeze_top_layers`: builders.
- `ConvStackConfig`, `WideResNetConfig`, `TransferConfig`,
  `FastCifarConfig`: each model family's architecture as data, which one
  builder per family (`conv_stack`, `wide_resnet_from_config`,
  `transfer_from_config`, `fast_cifar`) builds.
- `build(name)`, `recipe(name)`, `names()`, `get_architecture(name)`:
  every documented architecture, by name (a family config in one of the
  `*_presets` modules), with the training recipe of its report
  (`Recipe`).
"""

from keras_cifar_blocks.architectures.conv_stack import ConvStackConfig
from keras_cifar_blocks.architectures.conv_stack import conv_stack
from keras_cifar_blocks.architectures.fast_cifar import FastCifarConfig
from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import EarlyStoppingRule
from keras_cifar_blocks.architectures.recipes import InverseTimeDecayByStep
from keras_cifar_blocks.architectures.recipes import PiecewiseConstantByEpoch
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.recipes import Sweep
from keras_cifar_blocks.architectures.recipes import WarmupCosineDecayByEpoch
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.registry import build
from keras_cifar_blocks.architectures.registry import get_architecture
from keras_cifar_blocks.architectures.registry import names
from keras_cifar_blocks.architectures.registry import recipe
from keras_cifar_blocks.architectures.transfer_classifier import TransferConfig
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_classifier,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_from_config,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    unfreeze_top_layers,
)
from keras_cifar_blocks.architectures.wide_resnet import WideResNetConfig
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet_from_config

__all__ = [
    "Accuracy",
    "Architecture",
    "ConvStackConfig",
    "EarlyStoppingRule",
    "FastCifarConfig",
    "InverseTimeDecayByStep",
    "PiecewiseConstantByEpoch",
    "WarmupCosineDecayByEpoch",
    "Protocol",
    "Recipe",
    "Source",
    "Sweep",
    "TransferConfig",
    "WideResNetConfig",
    "build",
    "conv_stack",
    "get_architecture",
    "names",
    "recipe",
    "transfer_classifier",
    "transfer_from_config",
    "unfreeze_top_layers",
    "wide_resnet",
    "wide_resnet_from_config",
]
