"""CIFAR data: safe loaders, a validation split and input pipelines.

`load_cifar10` and `load_cifar100` return NHWC `uint8` images and 1-D
`int64` labels from a local copy of the official "python version"
archives (or download them through `keras.datasets`) without running
code from the data files, `locate` says where they read the data from,
and `subset` takes a class-balanced subset.
`train_validation_split` splits a stratified validation set off the
training data. `make_dataset` (tf.data) and `ArrayDataset`
(`keras.utils.PyDataset`, no TensorFlow needed) feed `model.fit` on
every backend.

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
from keras_cifar_blocks.datasets.cifar import locate
from keras_cifar_blocks.datasets.cifar import subset
from keras_cifar_blocks.datasets.pipelines import ArrayDataset
from keras_cifar_blocks.datasets.pipelines import make_dataset
from keras_cifar_blocks.datasets.split import train_validation_split

__all__ = [
    "ArrayDataset",
    "CIFAR10_CLASS_NAMES",
    "CIFAR100_COARSE_CLASS_NAMES",
    "CIFAR100_FINE_CLASS_NAMES",
    "load_cifar10",
    "load_cifar100",
    "locate",
    "make_dataset",
    "subset",
    "train_validation_split",
]
