import keras
import numpy as np
import pytest

from keras_cifar_blocks.training import predict_with_flip
from keras_cifar_blocks.training.test_time_augmentation import predict


def _model():
    """A softmax classifier that sees left and right differently."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )


def _images():
    return np.random.default_rng(1).random((6, 4, 4, 3), dtype="float32")


def test_predict_with_flip_averages_the_image_and_its_mirror():
    model, images = _model(), _images()
    plain = keras.ops.convert_to_numpy(model(images))
    mirrored = keras.ops.convert_to_numpy(model(images[:, :, ::-1]))
    assert not np.allclose(plain, mirrored)  # the test would be vacuous
    averaged = predict_with_flip(model, images, batch_size=4)
    np.testing.assert_allclose(averaged, (plain + mirrored) / 2, atol=1e-6)
    # A mirror-symmetric batch gets its plain predictions back.
    symmetric = np.concatenate([images, images[:, :, ::-1]], axis=2)
    wide = keras.Sequential(
        [
            keras.Input((4, 8, 3)),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    np.testing.assert_allclose(
        predict_with_flip(wide, symmetric),
        keras.ops.convert_to_numpy(wide(symmetric)),
        atol=1e-6,
    )


def test_predict_dispatches_on_the_recipe_setting():
    model, images = _model(), _images()
    np.testing.assert_allclose(
        predict(model, images, None),
        keras.ops.convert_to_numpy(model(images)),
        atol=1e-6,
    )
    np.testing.assert_allclose(
        predict(model, images, "flip"),
        predict_with_flip(model, images),
        atol=1e-6,
    )
    with pytest.raises(
        ValueError,
        match=r"`test_time_augmentation`. Expected one of \[None, 'flip', "
        r"'flip_translate'\]. Received test_time_augmentation='crop'",
    ):
        predict(model, images, "crop")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"images": np.zeros((4, 4, 3))},
            ValueError,
            r"Expected a 4D array \(N, height, width, channels\). Received "
            r"an array of shape \(4, 4, 3\)",
        ),
        ({"batch_size": 0}, ValueError, r"Received batch_size=0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    arguments = {"model": _model(), "images": _images(), **kwargs}
    with pytest.raises(error, match=match):
        predict_with_flip(**arguments)


def test_predict_with_flip_translate_weights_six_views():
    from keras_cifar_blocks.training.test_time_augmentation import (
        predict_with_flip_translate,
    )

    model, images = _model(), _images()

    def probabilities(views):
        return keras.ops.convert_to_numpy(model(np.ascontiguousarray(views)))

    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    up_left, down_right = padded[:, :4, :4], padded[:, 2:, 2:]
    expected = (
        0.25 * probabilities(images)
        + 0.25 * probabilities(images[:, :, ::-1])
        + 0.125 * probabilities(up_left)
        + 0.125 * probabilities(up_left[:, :, ::-1])
        + 0.125 * probabilities(down_right)
        + 0.125 * probabilities(down_right[:, :, ::-1])
    )
    averaged = predict_with_flip_translate(model, images, batch_size=4)
    np.testing.assert_allclose(averaged, expected, atol=1e-6)
    np.testing.assert_allclose(
        predict(model, images, "flip_translate"), averaged, atol=1e-6
    )
    # The shift moves the content: pixel (1, 1) of the image is pixel
    # (2, 2) of the up-left view... of the padded image's crop at (0, 0).
    np.testing.assert_array_equal(up_left[:, 1:, 1:], images[:, :3, :3])
    np.testing.assert_array_equal(down_right[:, :3, :3], images[:, 1:, 1:])
