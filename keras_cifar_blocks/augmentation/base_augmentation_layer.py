"""Base of our augmentation layers: random, seeded, usable in `tf.data`.

Keras' own augmentation layers run inside a `tf.data` pipeline under every
backend because they derive from Keras' `DataLayer`: its `self.backend` is
the `keras.ops` backend namespace, switched to TensorFlow while the layer is
called in a `tf.data` graph (where JAX or PyTorch ops cannot run), and its
seed generators follow. `DataLayer` is not exported by `keras`, so it is
imported from `keras.src` here, in one place (`keras>=3.15,<4`). Layers that
derive from this base therefore compute with `self.backend.numpy`,
`self.backend.random`, ... instead of `keras.ops`: the same functions, with
the backend chosen per call.
"""

import keras
from keras.src.layers.preprocessing.data_layer import DataLayer

from keras_cifar_blocks.utils import validation


class BaseAugmentationLayer(DataLayer):
    """Holds the seed, reads images from a tensor or an `"images"` dict.

    Subclasses implement `_augment_batch(images)` for a 4D batch (`call`
    casts to the compute dtype, adds and removes the batch axis of single
    images, and passes images through at inference), or override `call`.
    They get `inputs` either as a batch of images or as a dict with
    an `"images"` entry (the convention of Keras' image augmentation
    layers); `_images` and `_with_images` read and replace the images
    while passing every other entry through.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = validation.seed("seed", seed)
        self.generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs, training=True):
        images = self.backend.convert_to_tensor(self._images(inputs))
        images = self.backend.cast(images, self.compute_dtype)
        if training:
            if len(images.shape) == 3:
                images = self._augment_batch(images[None])[0]
            else:
                images = self._augment_batch(images)
        return self._with_images(inputs, images)

    def _augment_batch(self, images):
        """Augments a 4D batch (compute dtype); called while training."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `_augment_batch` or "
            "override `call`."
        )

    def _seed_generator(self):
        return self._get_seed_generator(self.backend._backend)

    def _images(self, inputs):
        images = inputs["images"] if isinstance(inputs, dict) else inputs
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(
                f"`{type(self).__name__}` expects images of shape (height, "
                "width, channels) or (batch, height, width, channels). "
                f"Received shape={tuple(images.shape)}"
            )
        return images

    @staticmethod
    def _with_images(inputs, images):
        if isinstance(inputs, dict):
            return {**inputs, "images": images}
        return images

    def compute_output_shape(self, input_shape):
        return input_shape
