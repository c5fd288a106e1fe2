"""Test-time augmentation: average a model's predictions over views."""

import keras
import numpy as np

from keras_cifar_blocks.architectures.recipes import TEST_TIME_AUGMENTATIONS
from keras_cifar_blocks.utils import validation


def predict_with_flip(model, images, batch_size=256, verbose=0):
    """Class probabilities averaged over each image and its mirror image.

    CIFAR classes look the same mirrored left to right, so a model
    trained with random horizontal flips sees both views as one class;
    averaging its two predictions removes part of its error for the cost
    of a second forward pass (airbench and most fast CIFAR-10 recipes do
    this). The model must output probabilities (a softmax), which are
    averaged.

    Args:
        model: a `keras.Model` taking the images as they are given here.
        images: array `(N, height, width, channels)`, channels last,
            already as the model takes them (e.g. normalized).
        batch_size: int, images per forward pass. Defaults to `256`.
        verbose: `model.predict` verbosity. Defaults to `0`.

    Returns:
        NumPy array `(N, classes)`: the mean of the model's predictions on
        `images` and on `images[:, :, ::-1]`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.training import predict_with_flip
    >>> model = keras.Sequential([
    ...     keras.Input((4, 4, 3)), keras.layers.Flatten(),
    ...     keras.layers.Dense(10, activation="softmax")])
    >>> images = np.random.default_rng(0).random((8, 4, 4, 3), "float32")
    >>> probabilities = predict_with_flip(model, images)
    >>> probabilities.shape
    (8, 10)
    >>> bool(np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5))
    True
    """
    validation.positive_int("batch_size", batch_size)
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            "Invalid value for argument `images`. Expected a 4D array "
            "(N, height, width, channels). Received an array of shape "
            f"{images.shape}"
        )
    views = (images, images[:, :, ::-1])
    total = None
    for view in views:
        predictions = model.predict(
            np.ascontiguousarray(view), batch_size=batch_size, verbose=verbose
        )
        predictions = np.asarray(
            keras.ops.convert_to_numpy(predictions), dtype="float64"
        )
        total = predictions if total is None else total + predictions
    return (total / len(views)).astype("float32")


def predict(
    model, images, test_time_augmentation=None, batch_size=256, verbose=0
):
    """`model.predict`, or `predict_with_flip` for `"flip"`.

    Args:
        model: a `keras.Model` that outputs probabilities.
        images: the model's input images.
        test_time_augmentation: `None` (one view) or `"flip"`.
        batch_size: int, images per forward pass.
        verbose: `model.predict` verbosity.

    Returns:
        NumPy array of class probabilities, `(N, classes)`.
    """
    validation.one_of(
        "test_time_augmentation",
        test_time_augmentation,
        (None, *TEST_TIME_AUGMENTATIONS),
    )
    if test_time_augmentation == "flip":
        return predict_with_flip(
            model, images, batch_size=batch_size, verbose=verbose
        )
    predictions = model.predict(images, batch_size=batch_size, verbose=verbose)
    return np.asarray(keras.ops.convert_to_numpy(predictions))
