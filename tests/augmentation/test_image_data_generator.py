import math
import warnings

import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import RandomAffine
from keras_cifar_blocks.augmentation import from_image_data_generator
from keras_cifar_blocks.augmentation.image_data_generator import (
    IMAGE_DATA_GENERATOR_DEFAULTS,
)
from tests.testing import to_numpy


def _types(pipeline):
    return [type(layer).__name__ for layer in pipeline.layers]


def test_every_argument_is_known():
    legacy = pytest.importorskip("keras.src.legacy.preprocessing.image")
    import inspect

    parameters = inspect.signature(legacy.ImageDataGenerator).parameters
    assert {
        name: parameter.default for name, parameter in parameters.items()
    } == IMAGE_DATA_GENERATOR_DEFAULTS


def test_the_defaults_give_an_empty_pipeline(images):
    pipeline = from_image_data_generator(**IMAGE_DATA_GENERATOR_DEFAULTS)
    assert pipeline.layers == []
    assert isinstance(pipeline, keras.layers.Pipeline)


def test_units_are_converted():
    with pytest.warns(UserWarning, match="top-left corner"):
        pipeline = from_image_data_generator(
            rotation_range=20,
            width_shift_range=0.1,
            height_shift_range=0.2,
            shear_range=30,
            zoom_range=0.25,
            channel_shift_range=51,
            horizontal_flip=True,
            vertical_flip=True,
            brightness_range=(0.5, 1.5),
            fill_mode="constant",
            cval=3.0,
            interpolation_order=0,
            rescale=1 / 255,
            seed=0,
        )
    assert _types(pipeline) == [
        "RandomRotation",
        "RandomTranslation",
        "RandomShear",
        "RandomZoom",
        "RandomBrightness",
        "RandomFlip",
        "RandomFlip",
        "RandomBrightnessScale",
        "Rescaling",
    ]
    rotation, shift, shear, zoom, channel, h_flip, v_flip, scale, rescale = (
        pipeline.layers
    )
    assert rotation.factor == pytest.approx((-20 / 360, 20 / 360))
    assert (shift.height_factor, shift.width_factor) == (0.2, 0.1)
    assert shear.x_factor == pytest.approx((-0.5, 0.5))  # sin(30 degrees)
    assert shear.y_factor == (0.0, 0.0)
    assert (zoom.height_lower, zoom.height_upper) == (-0.25, 0.25)
    assert (zoom.width_lower, zoom.width_upper) == (-0.25, 0.25)
    assert channel.factor == pytest.approx((-0.2, 0.2))  # 51 of 255
    assert (h_flip.mode, v_flip.mode) == ("horizontal", "vertical")
    assert scale.factor == (0.5, 1.5)
    assert rescale.scale == pytest.approx(1 / 255)
    for layer in (rotation, shift, shear, zoom):
        assert layer.fill_mode == "constant"
        assert layer.fill_value == 3.0
        assert layer.interpolation == "nearest"
    random_layers = pipeline.layers[:-1]
    assert [layer.seed for layer in random_layers] == list(range(8))


def test_fill_mode_defaults_to_nearest_and_zoom_takes_a_range():
    pipeline = from_image_data_generator(
        rotation_range=15, zoom_range=[0.8, 1.5], fused=False
    )
    rotation, zoom = pipeline.layers
    assert rotation.fill_mode == zoom.fill_mode == "nearest"
    assert rotation.interpolation == "bilinear"
    assert (zoom.height_lower, zoom.height_upper) == pytest.approx((-0.2, 0.5))
    (affine,) = from_image_data_generator(
        rotation_range=15, zoom_range=[0.8, 1.5]
    ).layers
    assert isinstance(affine, RandomAffine)
    assert affine.fill_mode == "nearest"
    assert affine.interpolation == "bilinear"
    assert affine.rotation_factor == pytest.approx((-15 / 360, 15 / 360))
    # zx and zy drawn independently, as ImageDataGenerator did.
    assert affine.zoom_height_factor == pytest.approx((-0.2, 0.5))
    assert affine.zoom_width_factor == pytest.approx((-0.2, 0.5))


def _legacy():
    pytest.importorskip("scipy")
    legacy = pytest.importorskip("keras.src.legacy.preprocessing.image")
    return legacy.apply_affine_transform


def _picture():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 30, (32, 32, 3)).astype("float32")
    image[6:10, 20:26] = 255.0
    image[20:28, 4:8, 1] = 200.0
    return image


def test_rotation_and_zoom_match_image_data_generator():
    """The converted layers at their bounds transform like the legacy code."""
    apply_affine_transform = _legacy()
    image = _picture()

    def legacy(**parameters):
        return apply_affine_transform(
            image, row_axis=0, col_axis=1, channel_axis=2, **parameters
        )

    (rotation,) = from_image_data_generator(
        rotation_range=15, fused=False
    ).layers
    upper = rotation.factor[1]
    forced = keras.layers.RandomRotation((upper, upper), fill_mode="nearest")
    rotated = to_numpy(forced(np.stack([image] * 4)))[0]
    assert np.abs(rotated - legacy(theta=15)).mean() < 1e-3
    # 15 read as radians, or as 15 / (2 pi) turns, would be far off.
    assert np.abs(rotated - legacy(theta=15 * 180 / math.pi % 360)).mean() > 5

    (zoom,) = from_image_data_generator(
        zoom_range=[0.8, 1.25], fused=False
    ).layers
    for scale in (0.8, 1.25):
        forced = keras.layers.RandomZoom(
            (scale - 1, scale - 1), (scale - 1, scale - 1), fill_mode="nearest"
        )
        zoomed = to_numpy(forced(np.stack([image] * 4)))[0]
        assert np.abs(zoomed - legacy(zx=scale, zy=scale)).mean() < 1e-3
    assert (zoom.height_lower, zoom.height_upper) == pytest.approx((-0.2, 0.25))


def test_fused_pipeline_is_image_data_generators_single_affine_map():
    """Rotation, shift and zoom at fixed values, one resampling each.

    `apply_affine_transform` (the legacy code) composes rotation, shift
    and zoom into one map about the centre and resamples once, as
    `RandomAffine` does; its `tx`/`ty` are pixels along x/y, read the
    other way round (the input is taken at the output point plus the
    rotated shift).
    """
    apply_affine_transform = _legacy()
    image = _picture()
    expected = apply_affine_transform(
        image,
        theta=15,
        tx=3,
        ty=-2,
        zx=0.9,
        zy=1.2,
        row_axis=0,
        col_axis=1,
        channel_axis=2,
    )
    forced = RandomAffine(
        rotation_factor=(15 / 360, 15 / 360),
        width_factor=(-3 / 32, -3 / 32),
        height_factor=(2 / 32, 2 / 32),
        zoom_height_factor=(0.2, 0.2),
        zoom_width_factor=(-0.1, -0.1),
        fill_mode="nearest",
    )
    transformed = to_numpy(forced(np.stack([image] * 2)))
    for output in transformed:
        assert np.abs(output - expected).mean() < 1e-3
    # A chain of layers resamples three times: blurrier, and with its
    # own borders.
    chain = from_image_data_generator(
        rotation_range=15, width_shift_range=0.1, zoom_range=0.2, fused=False
    )
    assert len(chain.layers) == 3


def test_flips_are_independent(images):
    pipeline = from_image_data_generator(
        horizontal_flip=True, vertical_flip=True, seed=0
    )
    batch = np.repeat(images[:1], 4, axis=0).astype("float32")
    flipped = np.concatenate([to_numpy(pipeline(batch)) for _ in range(8)])
    original = batch[0]
    seen = set()
    for image in flipped:
        for name, candidate in {
            "none": original,
            "h": original[:, ::-1],
            "v": original[::-1],
            "hv": original[::-1, ::-1],
        }.items():
            if np.array_equal(image, candidate):
                seen.add(name)
    assert seen == {"none", "h", "v", "hv"}


def test_brightness_range_multiplies_and_channel_shift_adds():
    image = np.full((4, 32, 32, 3), 100.0, "float32")
    (scale,) = from_image_data_generator(brightness_range=(0.5, 0.5)).layers
    np.testing.assert_allclose(to_numpy(scale(image)), 50.0)
    (shift,) = from_image_data_generator(channel_shift_range=10).layers
    shifted = np.concatenate([to_numpy(shift(image)) for _ in range(8)])
    # One offset per image, the same on every channel, within +-10.
    assert np.abs(shifted - 100).max() <= 10 + 1e-4
    np.testing.assert_allclose(shifted.std(axis=(1, 2, 3)), 0.0, atol=1e-4)
    assert shifted.std() > 1.0


def test_runs_in_a_tf_data_map(images, tf):
    pipeline = from_image_data_generator(
        rotation_range=10, brightness_range=(0.8, 1.2), rescale=1 / 255, seed=0
    )
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(4)
    batch = to_numpy(next(iter(dataset.map(pipeline))))
    assert batch.shape == images.shape and 0 <= batch.min() <= batch.max() <= 1


def test_unknown_arguments_raise_a_type_error():
    with pytest.raises(
        TypeError,
        match=r"from_image_data_generator\(\) got keyword arguments that "
        r"ImageDataGenerator does not have: \['rotation', 'zoom'\]\. Valid "
        r"arguments: \['brightness_range', ",
    ):
        from_image_data_generator(rotation=15, zoom=0.1)


def test_arguments_without_an_equivalent_raise_and_say_what_to_do():
    with pytest.raises(ValueError) as info:
        from_image_data_generator(
            featurewise_center=True,
            featurewise_std_normalization=True,
            zca_whitening=True,
            samplewise_center=True,
            samplewise_std_normalization=True,
            preprocessing_function=np.sqrt,
            validation_split=0.2,
            interpolation_order=3,
            data_format="channels_first",
            rotation_range=15,
        )
    message = str(info.value)
    assert message.startswith(
        "These ImageDataGenerator arguments have no equivalent Keras 3 "
        "augmentation layer:"
    )
    for expected in (
        "featurewise_center=True: adapt a `keras.layers.Normalization()`",
        "featurewise_std_normalization=True: adapt",
        "zca_whitening=True: there is no ZCA layer",
        "samplewise_center=True: there is no per-image standardization",
        "samplewise_std_normalization=True",
        "preprocessing_function=<ufunc 'sqrt'>: write it as a registered",
        "validation_split=0.2: it splits data",
        "interpolation_order=3: Keras 3 layers interpolate with 'nearest'",
        "data_format='channels_first': these pipelines are channels_last",
    ):
        assert expected in message


def test_their_defaults_are_accepted():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipeline = from_image_data_generator(
            featurewise_center=False,
            zca_whitening=False,
            zca_epsilon=1e-5,
            preprocessing_function=None,
            validation_split=0.0,
            data_format="channels_last",
            dtype="float32",
            horizontal_flip=True,
        )
    assert _types(pipeline) == ["RandomAffine"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"width_shift_range": 4}, r"`width_shift_range`. Expected a fraction"),
        (
            {"height_shift_range": [-2, 0, 2]},
            r"read.* as pixels; divide by the image size",
        ),
        ({"rotation_range": -5}, r"`rotation_range`. Expected a number in"),
        ({"zoom_range": [0.0, 1.2]}, r"A zoom scale must be > 0"),
        ({"zoom_range": [1.2, 0.8]}, r"`zoom_range`. Expected a tuple"),
        ({"brightness_range": 0.2}, r"`brightness_range`. Expected a tuple"),
        ({"fill_mode": "mirror"}, r"`fill_mode`. Expected one of"),
        ({"channel_shift_range": 300}, r"`channel_shift_range`"),
        ({"value_range": (0, 0)}, r"`value_range`. Expected a tuple"),
        ({"engine": "torchvision"}, r"`engine`. Expected one of"),
        ({"seed": -1}, r"`seed`"),
    ],
)
def test_invalid_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        from_image_data_generator(**kwargs)


def test_flip_flags_must_be_booleans():
    with pytest.raises(TypeError, match=r"`horizontal_flip`. Expected a bool"):
        from_image_data_generator(horizontal_flip="yes")
