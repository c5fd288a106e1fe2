import numpy as np
import pytest

from keras_cifar_blocks.augmentation import RandomBrightnessScale
from tests.testing import run_layer_test
from tests.testing import to_numpy


def test_random_brightness_scale_clips_to_the_value_range():
    layer = RandomBrightnessScale(0.5, value_range=(0, 1), seed=0)
    assert layer.factor == (0.5, 1.5)
    images = np.full((4, 32, 32, 3), 0.9, "float32")
    output = np.concatenate([to_numpy(layer(images)) for _ in range(8)])
    assert output.max() == pytest.approx(1.0) and output.min() >= 0.45 - 1e-6
    np.testing.assert_allclose(
        to_numpy(layer(np.full((2, 2, 3), 0.9), training=False)), 0.9
    )


def test_random_brightness_scale_layer(tmp_path):
    run_layer_test(
        RandomBrightnessScale,
        {"factor": (0.8, 1.2), "seed": 1},
        (4, 32, 32, 3),
        tmp_path,
        input_range=(0.0, 255.0),
        expect_trainable_weights=False,
    )


def test_multiplies_each_image_by_one_factor():
    images = np.random.default_rng(0).uniform(10, 100, (4, 32, 32, 3))
    layer = RandomBrightnessScale((0.5, 2.0), seed=0)
    images = np.concatenate([images] * 4)
    output = np.concatenate([to_numpy(layer(x)) for x in np.split(images, 4)])
    ratios = output / images
    np.testing.assert_allclose(
        ratios, ratios[:, :1, :1, :1] * np.ones_like(ratios), rtol=1e-5
    )
    assert 0.5 - 1e-6 <= ratios.min() and ratios.max() <= 2.0 + 1e-6
    assert ratios.std() > 0.1


def test_in_a_tf_data_map_on_single_images(tf):
    images = np.full((3, 4, 4, 3), 100.0, "float32")
    layer = RandomBrightnessScale((2.0, 2.0))
    dataset = tf.data.Dataset.from_tensor_slices(images).map(layer)
    assert [float(to_numpy(x).max()) for x in dataset] == [200.0] * 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"factor": 1.5},
            r"`factor`. Expected a number in the range \[0.0, 1.0\]",
        ),
        ({"factor": (1.2, 0.8)}, r"`factor`. Expected a tuple \(a, b\)"),
        ({"factor": (-0.1, 1.0)}, r"Received factor=\(-0.1, 1.0\)"),
        ({"factor": 0.1, "value_range": (255, 0)}, r"`value_range`"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomBrightnessScale(**kwargs)
