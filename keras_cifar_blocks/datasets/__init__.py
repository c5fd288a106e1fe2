"""CIFAR-10 and CIFAR-100 loaders that never execute code from the data.

`load_cifar10` and `load_cifar100` return NHWC `uint8` images and 1-D
`int64` labels from a local copy of the official "python version"
archives (or download them through `keras.datasets`), and `subset` takes
a class-balanced subset.

>>> CIFAR10_CLASS_NAMES[6]
'frog'
>>> len(CIFAR100_FINE_CLASS_NAMES), len(CIFAR100_COARSE_CLASS_NAMES)
(100, 20)
"""

from keras_cifar_blocks.datasets.cifar import CIFAR10_CLASS_NAMES
from keras_cifar_blocks.datasets.cifar import CIFAR100_COARSE_CLASS_NAMES
from keras_cifar_blocks.datasets.cifar import CIFAR100_FINE_CLASS_NAMES
from keras_cifar_blocks.datasets.cifar import load_cifar10
from keras_cifar_blocks.datasets.cifar import load_cifar100
from keras_cifar_blocks.datasets.cifar import subset

__all__ = [
    "CIFAR10_CLASS_NAMES",
    "CIFAR100_COARSE_CLASS_NAMES",
    "CIFAR100_FINE_CLASS_NAMES",
    "load_cifar10",
    "load_cifar100",
    "subset",
]
