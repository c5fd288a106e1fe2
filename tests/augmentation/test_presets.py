import json
import math
import os
import random

import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import CutMix
from keras_cifar_blocks.augmentation import RandomAffine
from keras_cifar_blocks.augmentation import RandomPadCrop
from keras_cifar_blocks.augmentation import augmentation_preset
from keras_cifar_blocks.augmentation import augmentation_presets
from tests.testing import to_numpy

IMAGE_PRESETS = [
    "li2018",
    "schnack2022",
    "ntua",
    "donzella",
    "cifar_standard",
    "airbench94",
    "randaugment",
    "augmix",
]
MIXING_PRESETS = ["cutmix", "mixup"]
PRESETS = IMAGE_PRESETS + MIXING_PRESETS
LABELS = np.array([0, 1, 2, 3])
# RandAugment and AugMix build large graphs (slow under JAX): their tests
# use two images and fewer operations than the defaults.
HEAVY = ("randaugment", "augmix")
SMALL = {
    "randaugment": {"num_ops": 1},
    "augmix": {"num_chains": 2, "chain_depth": 1},
    "cutmix": {"num_classes": 10},
    "mixup": {"num_classes": 10},
}


def _preset(name, seed=1):
    return augmentation_preset(name, seed=seed, **SMALL.get(name, {}))


def _sample(name, images):
    """The images a preset's tests use: two for the heavy presets.

    Their values are squeezed into [40, 167]: with images spanning the full
    range, RandAugment's one operation may be AutoContrast, which then
    changes nothing.
    """
    if name in HEAVY:
        return (images[:2] // 2 + 40).astype("uint8")
    return images


def _skip_slow_tf_data_under_jax(name, request):
    # Keras 3.15's Equalization (inside RandAugment and AugMix) checks the
    # global backend, not the one it computes with: under JAX it builds a
    # 256-step Python loop per channel even in a tf.data graph, ~30 s per
    # trace. These run with `-m slow`; TensorFlow and PyTorch always run
    # them.
    markexpr = request.config.option.markexpr or ""
    if (
        keras.backend.backend() == "jax"
        and name in HEAVY
        and ("slow" not in markexpr or "not slow" in markexpr)
    ):
        pytest.skip("slow under JAX (Keras' Equalization); run with -m slow")


def _inputs(name, images):
    if name in MIXING_PRESETS:
        return {"images": images, "labels": LABELS}
    return images


def _augment(layer, inputs):
    """Call `layer` while training, reproducibly.

    keras.layers.AugMix (Keras 3.15) picks its operations with Python's
    global `random`, not with its seed: reset it so augmix reproduces too.
    """
    random.seed(0)
    return layer(inputs, training=True)


def _strip_build(config):
    """A config without the `build_config` entries a built layer adds."""
    if isinstance(config, dict):
        return {
            key: _strip_build(value)
            for key, value in config.items()
            if key != "build_config"
        }
    if isinstance(config, list):
        return [_strip_build(value) for value in config]
    return config


def _images(output):
    return to_numpy(output["images"] if isinstance(output, dict) else output)


def _model(name, pipeline):
    """A model whose output is the pipeline's: augmentation in-model."""
    if name in MIXING_PRESETS:
        inputs = {
            "images": keras.Input((32, 32, 3), name="images"),
            "labels": keras.Input((), dtype="int32", name="labels"),
        }
    else:
        inputs = keras.Input((32, 32, 3), name="images")
    return keras.Model(inputs, pipeline(inputs))


def _canonical(config):
    return json.dumps(config, sort_keys=True, default=str)


def test_presets_are_listed_with_their_sources():
    presets = augmentation_presets()
    assert list(presets) == PRESETS
    for description in presets.values():
        assert "\n" not in description and description.endswith(".")
    assert "Li (2018)" in presets["li2018"]
    assert "Schnack (2022)" in presets["schnack2022"]
    assert "NTUA" in presets["ntua"] and "no values" in presets["ntua"]
    assert "Milano-Bicocca" in presets["donzella"]
    assert "pad 4" in presets["cifar_standard"]


def _tf_data_batch(tf, pipeline, inputs):
    dataset = tf.data.Dataset.from_tensor_slices(inputs).batch(4)
    return next(iter(dataset.map(lambda x: pipeline(x, training=True))))


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.slow) if name in HEAVY else name
        for name in PRESETS
    ],
)
def test_runs_in_a_tf_data_map(name, images, tf, request):
    _skip_slow_tf_data_under_jax(name, request)
    images = _sample(name, images)
    batch = _tf_data_batch(tf, _preset(name), _inputs(name, images))
    assert tuple(_images(batch).shape) == images.shape
    assert not np.allclose(_images(batch), images)
    if name in MIXING_PRESETS:
        assert tuple(batch["labels"].shape) == (4, 10)
        np.testing.assert_allclose(
            to_numpy(batch["labels"]).sum(axis=-1), 1.0, rtol=1e-6
        )


def test_seeds_reproduce_in_tf_data(images, tf):
    inputs = {"images": images, "labels": LABELS}
    first, second = (
        _tf_data_batch(
            tf,
            augmentation_preset("ntua+cutmix", num_classes=10, seed=3),
            inputs,
        )
        for _ in "ab"
    )
    for key in ("images", "labels"):
        np.testing.assert_array_equal(
            to_numpy(first[key]), to_numpy(second[key])
        )


@pytest.mark.parametrize("name", ["li2018", "cifar_standard"])
def test_runs_on_single_images_in_a_tf_data_map(name, images, tf):
    pipeline = _preset(name)
    dataset = tf.data.Dataset.from_tensor_slices(images).map(pipeline)
    batch = next(iter(dataset.batch(4)))
    assert tuple(batch.shape) == images.shape


@pytest.mark.parametrize("name", PRESETS)
def test_in_model_config_and_keras_file(name, images, tmp_path):
    images = _sample(name, images)
    pipeline = _preset(name, seed=5)
    config = pipeline.get_config()
    restored = type(pipeline).from_config(json.loads(_canonical(config)))
    assert _canonical(restored.get_config()) == _canonical(config)
    revived = keras.saving.deserialize_keras_object(
        json.loads(_canonical(keras.saving.serialize_keras_object(pipeline)))
    )
    assert _canonical(revived.get_config()) == _canonical(config)

    model = _model(name, pipeline)
    path = os.path.join(tmp_path, "augment.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert _canonical(
        _strip_build(loaded.get_layer(pipeline.name).get_config())
    ) == _canonical(config)

    inputs = _inputs(name, images)
    # In a model the pipeline augments while training and passes the
    # images through at inference.
    trained = _augment(model, inputs)
    assert _images(trained).shape == images.shape
    assert not np.allclose(_images(trained), images)
    inferred = model(inputs, training=False)
    np.testing.assert_array_equal(_images(inferred), images)
    np.testing.assert_array_equal(
        _images(loaded.predict(inputs, verbose=0)), images
    )
    if name in MIXING_PRESETS:
        one_hot = keras.utils.to_categorical(LABELS, 10)
        np.testing.assert_array_equal(to_numpy(inferred["labels"]), one_hot)
        assert not np.allclose(to_numpy(trained["labels"]), one_hot)
    # The seeds survive the file: the loaded model augments exactly like
    # the saved one did (same seed, same output).
    np.testing.assert_allclose(
        _images(_augment(loaded, inputs)), _images(trained), atol=1e-4
    )


def test_a_preset_trains_in_a_classifier(images, tmp_path):
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 255),
            augmentation_preset("li2018", seed=0),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(images, LABELS % 3, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_seeds_reproduce_and_distinguish(images):
    first = _images(_preset("li2018", seed=1)(images))
    np.testing.assert_array_equal(
        _images(_preset("li2018", seed=1)(images)), first
    )
    assert not np.allclose(_images(_preset("li2018", seed=2)(images)), first)
    unseeded = [_images(_preset("li2018", seed=None)(images)) for _ in "ab"]
    assert not np.allclose(*unseeded)


def test_layers_of_a_pipeline_get_distinct_seeds():
    pipeline = augmentation_preset("ntua+cifar_standard", seed=10, fused=False)
    assert [layer.seed for layer in pipeline.layers] == list(range(10, 16))
    pipeline = augmentation_preset("ntua+cifar_standard", seed=10)
    assert [layer.seed for layer in pipeline.layers] == [10, 11, 12]


# The seed reports' rotations: ImageDataGenerator took degrees, Keras
# takes fractions of a turn (RandomRotation(f) rotates by up to f * 360
# degrees).
@pytest.mark.parametrize("name", ["li2018", "ntua", "donzella"])
def test_degrees_become_fractions_of_a_turn(name):
    rotation = augmentation_preset(name, fused=False).layers[0]
    assert isinstance(rotation, keras.layers.RandomRotation)
    assert rotation.factor == pytest.approx((-15 / 360, 15 / 360))
    assert rotation.fill_mode == "nearest"  # ImageDataGenerator's default
    (affine,) = augmentation_preset(name).layers
    assert isinstance(affine, RandomAffine)
    assert affine.rotation_factor == pytest.approx((-15 / 360, 15 / 360))
    assert affine.fill_mode == "nearest"


def test_schnack2022_keeps_keras_layers_as_written():
    flip, rotation = augmentation_preset("schnack2022", fused=False).layers
    assert flip.mode == "horizontal"
    assert rotation.factor == pytest.approx((-0.15, 0.15))
    assert rotation.fill_mode == "reflect"  # Keras' default, as written
    (affine,) = augmentation_preset("schnack2022").layers
    assert affine.rotation_factor == pytest.approx((-0.15, 0.15))
    assert affine.horizontal_flip and not affine.vertical_flip
    assert affine.fill_mode == "reflect"


def test_seed_presets_layers_and_factors():
    rotation, shift, flip = augmentation_preset("li2018", fused=False).layers
    assert shift.height_factor == shift.width_factor == 0.1
    assert flip.mode == "horizontal"
    (affine,) = augmentation_preset("li2018").layers
    assert affine.height_factor == affine.width_factor == (-0.1, 0.1)
    assert affine.horizontal_flip and not affine.vertical_flip
    assert affine.zoom_height_factor == affine.zoom_width_factor == (0, 0)
    (affine,) = augmentation_preset("ntua").layers
    assert affine.zoom_height_factor == pytest.approx((-0.1, 0.1))
    assert affine.zoom_width_factor == pytest.approx((-0.1, 0.1))
    layers = augmentation_preset("ntua", fused=False).layers
    assert [type(layer).__name__ for layer in layers] == [
        "RandomRotation",
        "RandomTranslation",
        "RandomZoom",
        "RandomFlip",
    ]
    zoom = layers[2]
    assert (zoom.height_lower, zoom.height_upper) == pytest.approx((-0.1, 0.1))
    assert (zoom.width_lower, zoom.width_upper) == pytest.approx((-0.1, 0.1))
    pad_crop, flip = augmentation_preset("cifar_standard").layers
    assert isinstance(pad_crop, RandomPadCrop) and pad_crop.padding == (4, 4)
    assert flip.mode == "horizontal"


def _dot_images():
    """Four black 32x32 images with a 2x2 dot 13 pixels right of centre.

    Keras rotates about (15.5, 15.5), the centre of the pixel grid.
    """
    images = np.zeros((4, 32, 32, 3), "float32")
    images[:, 15:17, 28:30] = 1.0
    return images


def _dot_angles(rotated):
    """Angle in degrees of the dot around the centre, per image."""
    rows, cols = np.mgrid[0:32, 0:32]
    weights = rotated[..., 0]
    total = weights.sum(axis=(1, 2))
    y = (weights * rows).sum(axis=(1, 2)) / total - 15.5
    x = (weights * cols).sum(axis=(1, 2)) / total - 15.5
    return np.degrees(np.arctan2(-y, x))


@pytest.mark.parametrize("fused", [False, True])
def test_rotation_angles_are_degrees_not_radians(fused):
    if fused:
        (rotation,) = augmentation_preset(
            "li2018",
            seed=0,
            width_shift_range=0.0,
            height_shift_range=0.0,
            horizontal_flip=False,
        ).layers
        upper = rotation.rotation_factor[1]
        forced = RandomAffine((upper, upper), fill_mode="nearest")
        angles = _dot_angles(to_numpy(forced(_dot_images())))
        np.testing.assert_allclose(np.abs(angles), 15.0, atol=0.5)
        angles = np.concatenate(
            [_dot_angles(to_numpy(rotation(_dot_images()))) for _ in range(12)]
        )
        assert 12.5 < np.abs(angles).max() < 15.5
        assert angles.min() < -5.0 and angles.max() > 5.0
        return
    rotation = augmentation_preset("li2018", seed=0, fused=False).layers[0]
    upper = rotation.factor[1]
    forced = keras.layers.RandomRotation((upper, upper), fill_mode="nearest")
    angles = _dot_angles(to_numpy(forced(_dot_images())))
    np.testing.assert_allclose(np.abs(angles), 15.0, atol=0.5)
    # Over many draws the angles fill [-15, 15] degrees; 15 taken as
    # radians, or 15 / (2 pi) turns, would reach far beyond.
    angles = np.concatenate(
        [_dot_angles(to_numpy(rotation(_dot_images()))) for _ in range(12)]
    )
    assert 12.5 < np.abs(angles).max() < 15.5
    assert angles.min() < -5.0 and angles.max() > 5.0


def test_composition_routes_overrides(images):
    pipeline = augmentation_preset(
        "cifar_standard + cutmix",
        num_classes=10,
        fill_mode="reflect",
        label_smoothing=0.1,
        seed=0,
    )
    pad_crop, flip, cutmix = pipeline.layers
    assert pad_crop.fill_mode == "reflect"
    assert isinstance(cutmix, CutMix)
    assert cutmix.num_classes == 10 and cutmix.label_smoothing == 0.1
    assert pipeline.name == "cifar_standard_cutmix_augmentation"
    output = pipeline({"images": images, "labels": LABELS})
    assert tuple(output["labels"].shape) == (4, 10)
    assert to_numpy(output["labels"]).min() >= 0.1 / 10 - 1e-6


def test_randaugment_and_augmix_overrides():
    pipeline = augmentation_preset("randaugment", num_ops=3, magnitude=0.2)
    (layer,) = pipeline.layers
    assert layer.num_ops == 3 and layer.factor == pytest.approx((0.0, 0.2))
    (augmix,) = augmentation_preset("augmix", severity=0.5).layers
    assert augmix.factor == pytest.approx((0.0, 0.5))


def test_image_data_generator_presets_take_its_arguments():
    (affine,) = augmentation_preset(
        "li2018", rotation_range=30, vertical_flip=True
    ).layers
    assert affine.rotation_factor == pytest.approx((-30 / 360, 30 / 360))
    assert affine.horizontal_flip and affine.vertical_flip
    layers = augmentation_preset(
        "li2018", rotation_range=30, vertical_flip=True, fused=False
    ).layers
    assert layers[0].factor == pytest.approx((-30 / 360, 30 / 360))
    assert [getattr(layer, "mode", None) for layer in layers[-2:]] == [
        "horizontal",
        "vertical",
    ]


def test_unknown_preset_lists_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"Unknown augmentation preset 'li2019' in name='li2019'\. "
        r"Valid presets: \['li2018', 'schnack2022', 'ntua', 'donzella', "
        r"'cifar_standard', 'airbench94', 'randaugment', 'augmix', 'cutmix', "
        r"'mixup'\]",
    ):
        augmentation_preset("li2019")
    with pytest.raises(ValueError, match="Unknown augmentation preset 'cut'"):
        augmentation_preset("cifar_standard+cut")
    with pytest.raises(TypeError, match="join.* with '\\+'"):
        augmentation_preset(["cifar_standard", "cutmix"])


def test_unknown_override_lists_the_valid_ones():
    with pytest.raises(
        TypeError,
        match=r"Unknown overrides \['magnitud'\] for augmentation preset "
        r"'randaugment' \(engine='keras'\)\. Valid overrides: "
        r"\['interpolation', 'magnitude', 'num_ops', 'seed', "
        r"'value_range'\]",
    ):
        augmentation_preset("randaugment", magnitud=0.3)
    with pytest.raises(TypeError, match=r"Valid overrides: \['alpha', "):
        augmentation_preset("cifar_standard+mixup", num_class=10)
    with pytest.raises(TypeError, match="'horizontal_flip'"):
        augmentation_preset("li2018", horizontal_flips=False)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seed": -1}, ValueError, r"Invalid value for argument `seed`"),
        ({"seed": 1.5}, ValueError, r"Received seed=1.5"),
        ({"engine": "cv"}, ValueError, r"Expected one of \['keras'"),
    ],
)
def test_invalid_seed_and_engine(kwargs, error, message):
    with pytest.raises(error, match=message):
        augmentation_preset("li2018", **kwargs)


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("randaugment", {"magnitude": 1.5}, r"`magnitude`.*\[0.0, 1.0\]"),
        ("randaugment", {"num_ops": 0}, r"`num_ops`.*strictly positive"),
        ("augmix", {"severity": -0.1}, r"`severity`"),
        ("augmix", {"value_range": (1, 0)}, r"`value_range`"),
        ("schnack2022", {"flip_mode": "horizontally"}, r"`flip_mode`"),
        ("cifar_standard", {"padding": 0}, r"`padding`"),
        ("cutmix", {"alpha": 0}, r"`alpha`"),
        ("mixup", {"label_smoothing": 1.0}, r"`label_smoothing`"),
    ],
)
def test_invalid_overrides(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        augmentation_preset(name, **kwargs)


def test_mixing_presets_need_num_classes_for_class_indices(images):
    with pytest.raises(ValueError, match="pass `num_classes`"):
        augmentation_preset("mixup")({"images": images, "labels": LABELS})


def test_presets_on_real_cifar10_images(cifar10_sample):
    for name in PRESETS:
        images, labels = (a[:4] for a in cifar10_sample)
        images = _sample(name, images)
        pipeline = _preset(name, seed=0)
        if name in MIXING_PRESETS:
            output = pipeline({"images": images, "labels": labels})
            targets = to_numpy(output["labels"])
            assert targets.shape == (4, 10)
            np.testing.assert_allclose(targets.sum(axis=-1), 1.0, rtol=1e-6)
        else:
            output = pipeline(images)
        augmented = _images(output)
        assert augmented.shape == images.shape, name
        assert augmented.dtype == np.float32, name
        # Augmented CIFAR images stay in the uint8 range.
        assert augmented.min() >= -1e-3 and augmented.max() <= 255 + 1e-3, name
        assert not np.allclose(augmented, images), name
    assert math.isclose(cifar10_sample[0].mean(), 120, abs_tol=20)  # photos


def test_image_data_generator_kwargs_of_the_seed_presets():
    from keras_cifar_blocks.augmentation import from_image_data_generator
    from keras_cifar_blocks.augmentation import image_data_generator_kwargs

    assert image_data_generator_kwargs("li2018") == {
        "rotation_range": 15,
        "width_shift_range": 0.1,
        "height_shift_range": 0.1,
        "horizontal_flip": True,
    }
    assert image_data_generator_kwargs("ntua")["zoom_range"] == 0.1
    schnack = image_data_generator_kwargs("schnack2022")
    rotation, flip = from_image_data_generator(**schnack, fused=False).layers
    assert rotation.factor == pytest.approx((-0.15, 0.15))
    assert rotation.fill_mode == "reflect" and flip.mode == "horizontal"
    with pytest.raises(
        ValueError,
        match=r"presets written as ImageDataGenerator arguments: \['li2018', "
        r"'schnack2022', 'ntua', 'donzella'\]. Received name='cutmix'",
    ):
        image_data_generator_kwargs("cutmix")
