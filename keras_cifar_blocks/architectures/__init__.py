"""Model builders assembled from `keras_cifar_blocks.layers`.

- `wide_resnet`, `transfer_classifier`, `unfreeze_top_layers`: builders.
- `build(name)`, `recipe(name)`, `names()`, `get_architecture(name)`:
  every architecture the seed reports document, by name, with the
  training recipe of its report (`Recipe`).
"""

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
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_classifier,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    unfreeze_top_layers,
)
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet

__all__ = [
    "Accuracy",
    "Architecture",
    "EarlyStoppingRule",
    "InverseTimeDecayByStep",
    "PiecewiseConstantByEpoch",
    "WarmupCosineDecayByEpoch",
    "Protocol",
    "Recipe",
    "Source",
    "Sweep",
    "build",
    "get_architecture",
    "names",
    "recipe",
    "transfer_classifier",
    "unfreeze_top_layers",
    "wide_resnet",
]
