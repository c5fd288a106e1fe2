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
    images = _images(images)
    return _average(
        model, [(images, 0.5), (images[:, :, ::-1], 0.5)], batch_size, verbose
    )


def predict_with_flip_translate(model, images, batch_size=256, verbose=0):
    """Flip averaging, also over the images shifted by one pixel.

    airbench94's test-time augmentation (its level 2): half the weight on
    the image and its mirror image (as `predict_with_flip`), half on
    four more views, the image shifted one pixel up-left and one pixel
    down-right (reflect padding, then a crop) and their mirror images.
    Six forward passes; the views' probabilities are averaged with
    weights 1/4, 1/4, 1/8, 1/8, 1/8, 1/8 (airbench averages logits: our
    models output probabilities).

    Args:
        model: a `keras.Model` taking the images as they are given here.
        images: array `(N, height, width, channels)`, channels last,
            already as the model takes them.
        batch_size: int, images per forward pass. Defaults to `256`.
        verbose: `model.predict` verbosity. Defaults to `0`.

    Returns:
        NumPy array `(N, classes)`, the weighted mean of the predictions.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.training.test_time_augmentation import (
    ...     predict_with_flip_translate)
    >>> model = keras.Sequential([
    ...     keras.Input((4, 4, 3)), keras.layers.Flatten(),
    ...     keras.layers.Dense(10, activation="softmax")])
    >>> images = np.random.default_rng(0).random((8, 4, 4, 3), "float32")
    >>> predict_with_flip_translate(model, images).shape
    (8, 10)
    """
    images = _images(images)
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    views = [(images, 0.25), (images[:, :, ::-1], 0.25)]
    for top, left in ((0, 0), (2, 2)):
        shifted = padded[:, top : top + height, left : left + width]
        views += [(shifted, 0.125), (shifted[:, :, ::-1], 0.125)]
    return _average(model, views, batch_size, verbose)


def _images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            "Invalid value for argument `images`. Expected a 4D array "
            "(N, height, width, channels). Received an array of shape "
            f"{images.shape}"
        )
    return images


def _average(model, views, batch_size, verbose) -> np.ndarray:
    """The weighted mean of the model's predictions on `(view, weight)`s."""
    validation.positive_int("batch_size", batch_size)
    total = None
    for view, weight in views:
        predictions = model.predict(
            np.ascontiguousarray(view), batch_size=batch_size, verbose=verbose
        )
        predictions = weight * np.asarray(
            keras.ops.convert_to_numpy(predictions), dtype="float64"
        )
        total = predictions if total is None else total + predictions
    return total.astype("float32")


def predict(
    model, images, test_time_augmentation=None, batch_size=256, verbose=0
):
    """`model.predict`, `predict_with_flip` for `"flip"` or
    `predict_with_flip_translate` for `"flip_translate"`.

    Args:
        model: a `keras.Model` that outputs probabilities.
        images: the model's input images.
        test_time_augmentation: `None` (one view), `"flip"` or
            `"flip_translate"`.
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
    if test_time_augmentation == "flip_translate":
        return predict_with_flip_translate(
            model, images, batch_size=batch_size, verbose=verbose
        )
    predictions = model.predict(images, batch_size=batch_size, verbose=verbose)
    return np.asarray(keras.ops.convert_to_numpy(predictions))
