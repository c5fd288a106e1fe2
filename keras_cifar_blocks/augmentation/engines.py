"""Where the standard layers of a pipeline come from: Keras or KerasCV."""

import keras

from keras_cifar_blocks.utils import validation

ENGINES = ("keras", "keras_cv")
KERAS_CV_PIP = 'pip install "keras-cifar-blocks[cv]"'


def import_keras_cv():
    """Import KerasCV, or raise an ImportError that says how to install it."""
    try:
        import keras_cv
    except ImportError as error:
        raise ImportError(
            'engine="keras_cv" needs KerasCV, which is not installed. '
            f"Install it with: {KERAS_CV_PIP} (or pip install keras-cv). "
            "KerasCV computes in TensorFlow: use its pipelines in a "
            "tf.data map."
        ) from error
    return keras_cv


def layers_module(engine: str):
    """`keras.layers` for `engine="keras"`, `keras_cv.layers` for KerasCV."""
    engine = validation.one_of("engine", engine, ENGINES)
    if engine == "keras_cv":
        return import_keras_cv().layers
    return keras.layers


def seed_stream(seed: int | None):
    """Yield one seed per random layer: `seed`, `seed + 1`, ...

    Layers seeded alike draw alike (two `RandomFlip`s with one seed would
    always flip together), so each layer of a pipeline gets its own.
    """
    index = 0
    while True:
        yield None if seed is None else seed + index
        index += 1
