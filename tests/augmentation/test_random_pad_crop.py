import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import RandomPadCrop
from tests.testing import run_layer_test
from tests.testing import to_numpy

# Keras' fill_mode names and the np.pad modes that fill the same way.
NUMPY_MODES = {
    "constant": "constant",
    "reflect": "symmetric",
    "wrap": "wrap",
    "nearest": "edge",
}


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding": (2, 3), "fill_mode": "reflect", "seed": 1}],
)
def test_layer(kwargs, tmp_path):
    run_layer_test(
        RandomPadCrop,
        kwargs,
        (4, 32, 32, 3),
        tmp_path,
        expected_output_shape=(4, 32, 32, 3),
        expect_trainable_weights=False,
    )


def _crop_offsets(crops, padded, size):
    """For each crop, the offsets (dy, dx) where it sits in `padded`."""
    offsets = []
    for crop, image in zip(crops, padded, strict=True):
        found = [
            (dy, dx)
            for dy in range(image.shape[0] - size + 1)
            for dx in range(image.shape[1] - size + 1)
            if np.array_equal(crop, image[dy : dy + size, dx : dx + size])
        ]
        offsets.append(found)
    return offsets


@pytest.mark.parametrize("fill_mode", list(NUMPY_MODES))
def test_crops_are_windows_of_the_padded_images(fill_mode, images):
    layer = RandomPadCrop(3, fill_mode=fill_mode, fill_value=7.0, seed=0)
    crops = to_numpy(layer(images))
    assert crops.shape == images.shape and crops.dtype == np.float32
    pad = ((0, 0), (3, 3), (3, 3), (0, 0))
    extra = {"constant_values": 7.0} if fill_mode == "constant" else {}
    padded = np.pad(images, pad, mode=NUMPY_MODES[fill_mode], **extra)
    offsets = _crop_offsets(crops, padded, 32)
    assert all(offsets), "every crop is a window of its padded image"
    # Different images get different offsets.
    assert len({found[0] for found in offsets}) > 1


def test_offsets_cover_every_shift_uniformly():
    # One bright pixel in the centre of a 9x9 image: where it lands gives
    # the shift of each crop.
    images = np.zeros((1000, 9, 9, 1), "float32")
    images[:, 4, 4] = 1.0
    crops = to_numpy(RandomPadCrop(2, seed=3)(images)).reshape(1000, -1)
    # A shift of at most 2 pixels never loses the pixel.
    np.testing.assert_array_equal(crops.sum(axis=1), 1.0)
    rows, cols = np.divmod(crops.argmax(axis=1), 9)
    counts = np.zeros((5, 5))
    np.add.at(counts, (rows - 2, cols - 2), 1)
    # 25 shifts, 40 expected each; a uniform draw stays well within this.
    assert counts.min() > 15 and counts.max() < 70


def test_inference_and_single_images(images):
    layer = RandomPadCrop(seed=0)
    np.testing.assert_array_equal(
        to_numpy(layer(images, training=False)), images
    )
    single = to_numpy(layer(images[0]))
    assert single.shape == (32, 32, 3)
    padded = np.pad(images[:1], ((0, 0), (4, 4), (4, 4), (0, 0)))
    assert all(_crop_offsets(single[None], padded, 32))


def test_dicts_pass_other_entries_through(images):
    labels = np.arange(4)
    output = RandomPadCrop(seed=0)({"images": images, "labels": labels})
    assert set(output) == {"images", "labels"}
    np.testing.assert_array_equal(to_numpy(output["labels"]), labels)
    assert tuple(output["images"].shape) == images.shape


def test_runs_in_a_tf_data_map_with_a_dynamic_batch(images, tf):
    layer = RandomPadCrop(seed=0)
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(3)
    batches = [to_numpy(b) for b in dataset.map(layer)]
    assert [b.shape for b in batches] == [(3, 32, 32, 3), (1, 32, 32, 3)]
    padded = np.pad(images, ((0, 0), (4, 4), (4, 4), (0, 0)))
    assert all(_crop_offsets(np.concatenate(batches), padded, 32))


def test_keeps_values_exactly(images):
    crops = to_numpy(RandomPadCrop(fill_mode="nearest", seed=0)(images))
    assert set(np.unique(crops)) <= set(np.unique(images))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"padding": 0}, r"Invalid value for argument `padding`. Expected a "),
        ({"padding": (1, 2, 3)}, r"Received padding=\(1, 2, 3\)"),
        ({"fill_mode": "mirror"}, r"Expected one of \['constant', 'reflect'"),
        ({"fill_value": "black"}, r"`fill_value`. Expected a number"),
        ({"seed": -3}, r"`seed`. Expected None or a non-negative integer"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomPadCrop(**kwargs)


def test_invalid_inputs():
    with pytest.raises(ValueError, match=r"expects images of shape"):
        RandomPadCrop()(np.zeros((2, 4, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"padding <= the image size"):
        RandomPadCrop(5, fill_mode="reflect")(np.zeros((1, 4, 4, 3)))


def test_fill_mode_is_case_insensitive():
    assert RandomPadCrop(fill_mode="Reflect").fill_mode == "reflect"


def test_in_a_model_uses_the_training_flag(images):
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, RandomPadCrop(seed=0)(inputs))
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    assert not np.array_equal(to_numpy(model(images, training=True)), images)
