"""Augmentation for CIFAR-sized images that runs on every Keras backend.

- `augmentation_preset(name, **overrides)`: an `AugmentationPipeline` (a
  `keras.layers.Pipeline`) by name: the seed reports' policies (`li2018`,
  `schnack2022`, `ntua`, `donzella`) and the standard ones
  (`cifar_standard`, `randaugment`, `augmix`, `cutmix`, `mixup`),
  composable as `"cifar_standard+cutmix"`; `augmentation_presets()` lists
  them.
- `from_image_data_generator(**kwargs)`: the Keras 3 pipeline of a Keras 2
  `ImageDataGenerator(...)` call, with its units converted;
  `image_data_generator_kwargs(name)` gives a seed preset's arguments.
- Layers: `RandomAffine` (rotation, shifts, zoom and flips in one
  resampling), `RandomPadCrop` (pad and crop back), `CutMix` and `MixUp` (mix
  images and labels), `RandomBrightnessScale` (multiplicative brightness),
  `AugmentationPipeline` (a `keras.layers.Pipeline` with output shapes).
- `plot_augmentations(images, preset)`: a grid of originals and augmented
  versions, saved as an image.

Every layer here is safe in a model and in a `tf.data` map, is seeded, and
saves to `.keras` files that load with `safe_mode=True`.
"""

from keras_cifar_blocks.augmentation.augmentation_pipeline import (
    AugmentationPipeline,
)
from keras_cifar_blocks.augmentation.cut_mix import CutMix
from keras_cifar_blocks.augmentation.image_data_generator import (
    from_image_data_generator,
)
from keras_cifar_blocks.augmentation.mix_up import MixUp
from keras_cifar_blocks.augmentation.plotting import plot_augmentations
from keras_cifar_blocks.augmentation.presets import augmentation_preset
from keras_cifar_blocks.augmentation.presets import augmentation_presets
from keras_cifar_blocks.augmentation.presets import image_data_generator_kwargs
from keras_cifar_blocks.augmentation.random_affine import RandomAffine
from keras_cifar_blocks.augmentation.random_brightness_scale import (
    RandomBrightnessScale,
)
from keras_cifar_blocks.augmentation.random_pad_crop import RandomPadCrop

__all__ = [
    "AugmentationPipeline",
    "CutMix",
    "MixUp",
    "RandomAffine",
    "RandomBrightnessScale",
    "RandomPadCrop",
    "augmentation_preset",
    "augmentation_presets",
    "from_image_data_generator",
    "image_data_generator_kwargs",
    "plot_augmentations",
]
