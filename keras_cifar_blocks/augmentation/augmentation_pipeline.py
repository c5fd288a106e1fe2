"""A `keras.layers.Pipeline` that knows its output shape."""

import keras


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class AugmentationPipeline(keras.layers.Pipeline):
    """`keras.layers.Pipeline` of augmentation layers, with shapes and build.

    It runs its layers in order exactly as `keras.layers.Pipeline` does
    (inside a model or a `tf.data` map, on any backend) and adds what an
    augmentation pipeline can know without running: its output shape
    (each layer's `compute_output_shape` in turn) and a `build` that builds
    its layers. Keras otherwise infers both by tracing the whole pipeline
    symbolically on its first call, which is slow for RandAugment under
    JAX and fails there for mixing layers over a batch of unknown size.

    `augmentation_preset` and `from_image_data_generator` return one.

    Args:
        layers: list of layers, applied in order.
        name: optional name of the pipeline.

    Call arguments:
        inputs: images, or a dict `{"images": ..., "labels": ...}` for
            pipelines with label-mixing layers.
        training: bool, whether to augment. Defaults to `True` when called
            directly; inside a model it follows the model.

    Example:

    >>> import keras
    >>> from keras_cifar_blocks.augmentation import AugmentationPipeline
    >>> pipeline = AugmentationPipeline(
    ...     [keras.layers.RandomFlip("horizontal", seed=0)])
    >>> model = keras.Sequential([keras.Input((32, 32, 3)), pipeline])
    >>> model.output_shape
    (None, 32, 32, 3)
    """

    def __init__(self, layers, name=None):
        super().__init__(layers, name=name)

    def build(self, input_shape=None):
        # Keras passes no shape for NumPy inputs, which a Pipeline does not
        # convert; the layers then build on their first call.
        shape = input_shape
        for layer in self.layers if shape is not None else ():
            if not layer.built:
                layer.build(shape)
            try:
                shape = layer.compute_output_shape(shape)
            except NotImplementedError:
                # E.g. a KerasCV layer: the rest build on their first call.
                break
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape
