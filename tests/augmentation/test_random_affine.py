import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import RandomAffine
from tests.testing import run_layer_test
from tests.testing import to_numpy


def _fixed(value):
    return (value, value)


def _chain(layers, images):
    for layer in layers:
        images = layer(images, training=True)
    return to_numpy(images)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {
            "rotation_factor": 0.1,
            "height_factor": (-0.2, 0.1),
            "width_factor": 0.1,
            "zoom_height_factor": (-0.1, 0.3),
            "zoom_width_factor": 0.2,
            "horizontal_flip": True,
            "vertical_flip": True,
            "fill_mode": "constant",
            "interpolation": "nearest",
            "fill_value": 3.0,
            "seed": 1,
        },
    ],
)
def test_layer(kwargs, tmp_path):
    run_layer_test(
        RandomAffine,
        kwargs,
        (4, 32, 32, 3),
        tmp_path,
        expected_output_shape=(4, 32, 32, 3),
        expect_trainable_weights=False,
    )


def test_single_transforms_equal_keras_core_layers(images):
    """Each factor means what the Keras core layer of that name does."""
    images = images.astype("float32")
    cases = [
        (
            RandomAffine(rotation_factor=_fixed(0.03)),
            [keras.layers.RandomRotation(_fixed(0.03))],
        ),
        (
            RandomAffine(height_factor=_fixed(0.1), width_factor=_fixed(-0.2)),
            [keras.layers.RandomTranslation(_fixed(0.1), _fixed(-0.2))],
        ),
        (
            RandomAffine(zoom_height_factor=_fixed(0.2)),
            [keras.layers.RandomZoom(_fixed(0.2))],
        ),
        (
            RandomAffine(
                zoom_height_factor=_fixed(-0.1), zoom_width_factor=_fixed(0.3)
            ),
            [keras.layers.RandomZoom(_fixed(-0.1), _fixed(0.3))],
        ),
    ]
    for fused, chain in cases:
        np.testing.assert_allclose(
            to_numpy(fused(images)), _chain(chain, images), atol=2e-3
        )


def test_composition_equals_the_chain_where_pixels_map_to_pixels(images):
    """A quarter turn and whole-pixel shifts: one map equals three layers."""
    images = images.astype("float32")
    fused = RandomAffine(
        rotation_factor=_fixed(0.25),
        height_factor=_fixed(2 / 32),
        width_factor=_fixed(-3 / 32),
        fill_mode="constant",
    )
    chain = [
        keras.layers.RandomRotation(_fixed(0.25), fill_mode="constant"),
        keras.layers.RandomTranslation(
            _fixed(2 / 32), _fixed(-3 / 32), fill_mode="constant"
        ),
    ]
    np.testing.assert_allclose(
        to_numpy(fused(images)), _chain(chain, images), atol=1e-3
    )


def test_flips_are_independent_and_exact(images):
    layer = RandomAffine(horizontal_flip=True, vertical_flip=True, seed=0)
    batch = np.repeat(images[:1], 8, axis=0).astype("float32")
    original = batch[0]
    candidates = {
        "none": original,
        "h": original[:, ::-1],
        "v": original[::-1],
        "hv": original[::-1, ::-1],
    }
    seen = []
    for _ in range(4):
        for image in to_numpy(layer(batch)):
            matches = [
                name
                for name, candidate in candidates.items()
                if np.allclose(image, candidate, atol=1e-3)
            ]
            assert len(matches) == 1
            seen += matches
    assert set(seen) == set(candidates)
    # Each way with probability 1/2: 32 images, 16 expected flipped.
    horizontal = sum(name in ("h", "hv") for name in seen)
    assert 6 <= horizontal <= 26


def test_draws_cover_the_rotation_range():
    """A dot rotated about the centre lands at angles filling the range."""
    images = np.zeros((64, 33, 33, 1), "float32")
    images[:, 16, 30] = 1.0  # 14 pixels right of the centre (16, 16)
    layer = RandomAffine(rotation_factor=30 / 360, seed=2)
    rotated = to_numpy(layer(images))[..., 0]
    rows, cols = np.mgrid[0:33, 0:33]
    total = rotated.sum(axis=(1, 2))
    y = (rotated * rows).sum(axis=(1, 2)) / total - 16
    x = (rotated * cols).sum(axis=(1, 2)) / total - 16
    angles = np.degrees(np.arctan2(-y, x))
    assert np.abs(angles).max() < 31.0
    assert angles.min() < -20.0 and angles.max() > 20.0


def test_seeds_reproduce_and_distinguish(images):
    kwargs = {"rotation_factor": 0.1, "width_factor": 0.1}
    first = to_numpy(RandomAffine(**kwargs, seed=1)(images))
    np.testing.assert_array_equal(
        to_numpy(RandomAffine(**kwargs, seed=1)(images)), first
    )
    assert not np.allclose(
        to_numpy(RandomAffine(**kwargs, seed=2)(images)), first
    )


def test_inference_single_images_and_dicts(images):
    layer = RandomAffine(rotation_factor=0.1, seed=0)
    np.testing.assert_array_equal(
        to_numpy(layer(images, training=False)), images
    )
    assert to_numpy(layer(images[0])).shape == (32, 32, 3)
    labels = np.arange(4)
    output = layer({"images": images, "labels": labels})
    np.testing.assert_array_equal(to_numpy(output["labels"]), labels)
    assert tuple(output["images"].shape) == images.shape


def test_runs_in_a_tf_data_map_with_a_dynamic_batch(images, tf):
    layer = RandomAffine(horizontal_flip=True, seed=0)
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(3)
    batches = [to_numpy(b) for b in dataset.map(layer)]
    assert [b.shape for b in batches] == [(3, 32, 32, 3), (1, 32, 32, 3)]
    for image, original in zip(np.concatenate(batches), images, strict=True):
        assert np.allclose(image, original) or np.allclose(
            image, original[:, ::-1]
        )


def test_in_a_model_uses_the_training_flag(images):
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, RandomAffine(0.1, seed=0)(inputs))
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    assert not np.allclose(to_numpy(model(images, training=True)), images)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rotation_factor": "15"}, r"`rotation_factor`. Expected a number"),
        ({"rotation_factor": (0.2, 0.1)}, r"Received rotation_factor="),
        ({"height_factor": 1.5}, r"-1.0 <= low, high <= 1.0"),
        ({"width_factor": (0, 1, 2)}, r"Received width_factor=\(0, 1, 2\)"),
        ({"zoom_height_factor": (-1.0, 0.0)}, r"Zoom offsets must be > -1"),
        ({"zoom_width_factor": (-2.0, 0.0)}, r"`zoom_width_factor`"),
        ({"horizontal_flip": "yes"}, r"`horizontal_flip`"),
        ({"fill_mode": "mirror"}, r"Expected one of \['reflect', 'wrap'"),
        ({"interpolation": "bicubic"}, r"\['bilinear', 'nearest'\]"),
        ({"fill_value": "black"}, r"`fill_value`. Expected a number"),
        ({"seed": -3}, r"`seed`. Expected None or a non-negative integer"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        RandomAffine(**kwargs)


def test_invalid_inputs():
    with pytest.raises(ValueError, match=r"expects images of shape"):
        RandomAffine()(np.zeros((2, 4, 4, 4, 3)))
