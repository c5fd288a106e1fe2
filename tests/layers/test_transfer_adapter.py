import importlib

import keras
import numpy as np
import pytest

from keras_cifar_blocks import backbones
from keras_cifar_blocks.layers import TransferAdapter
from tests.testing import run_layer_test
from tests.testing import to_numpy


def _images(shape=(2, 32, 32, 3)):
    return np.random.default_rng(0).integers(0, 256, shape).astype("uint8")


@pytest.mark.parametrize("name", backbones.backbone_names())
def test_equals_keras_preprocess_input(name):
    spec = backbones.get_backbone_spec(name)
    size = max(spec.min_input_size[0], 40)
    adapter = TransferAdapter(name, image_size=size)
    images = _images()
    resized = keras.ops.image.resize(
        images.astype("float32"), (size, size), interpolation=spec.interpolation
    )
    module = importlib.import_module(f"keras.applications.{spec.module}")
    expected = module.preprocess_input(to_numpy(resized).copy())
    np.testing.assert_allclose(
        to_numpy(adapter(images)), expected, rtol=1e-5, atol=1e-4
    )


@pytest.mark.parametrize(
    "name, mode, size",
    [
        ("VGG16", "caffe", 224),
        ("ResNet50", "caffe", 224),
        ("MobileNetV2", "tf", 224),
        ("InceptionV3", "tf", 299),
        ("InceptionResNetV2", "tf", 299),
        ("Xception", "tf", 299),
        ("DenseNet121", "torch", 224),
        ("EfficientNetB0", "none", 224),
        ("EfficientNetB7", "none", 600),
    ],
)
def test_registry_entries(name, mode, size):
    spec = backbones.get_backbone_spec(name)
    assert spec.preprocessing == mode
    assert spec.input_size == (size, size)
    assert TransferAdapter(name).image_size == (size, size)
    assert hasattr(keras.applications, spec.name)


def test_passthrough_keeps_pixels_when_no_resize_needed():
    images = _images((1, 32, 32, 3))
    out = TransferAdapter("EfficientNetB0", image_size=32)(images)
    np.testing.assert_array_equal(to_numpy(out), images.astype("float32"))


def test_caffe_mode_swaps_channels():
    image = np.zeros((1, 32, 32, 3), "uint8")
    image[..., 0] = 200  # red
    out = to_numpy(TransferAdapter("VGG16", image_size=32)(image))
    mean = backbones.CAFFE_MEAN_BGR
    np.testing.assert_allclose(
        out[0, 0, 0], [-mean[0], -mean[1], 200 - mean[2]], rtol=1e-6
    )


def test_layer(tmp_path):
    run_layer_test(
        TransferAdapter,
        {"backbone": "MobileNetV2", "image_size": (48, 40)},
        (2, 32, 32, 3),
        tmp_path,
        expected_output_shape=(2, 48, 40, 3),
        input_range=(0, 255),
        expect_trainable_weights=False,
    )


def test_interpolation_override_and_config():
    adapter = TransferAdapter(
        "resnet50", image_size=64, interpolation="nearest"
    )
    config = adapter.get_config()
    assert config["backbone"] == "ResNet50"
    assert config["image_size"] == (64, 64)
    assert config["interpolation"] == "nearest"


def test_an_alias_is_stored_as_the_class_name():
    adapter = TransferAdapter("inception_resnet_v2", image_size=75)
    assert adapter.backbone == "InceptionResNetV2"
    config = adapter.get_config()
    assert config["backbone"] == "InceptionResNetV2"
    assert TransferAdapter.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"backbone": "VGG17"}, r"Expected one of \[.*'VGG16'.*VGG17"),
        (
            {"backbone": "InceptionV3", "image_size": 32},
            r"InceptionV3 needs inputs of at least \(75, 75\)",
        ),
        ({"backbone": "VGG16", "image_size": 0}, "Received image_size=0"),
        (
            {"backbone": "VGG16", "interpolation": "cubic"},
            "Received interpolation='cubic'",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TransferAdapter(**kwargs)


def test_wrong_inputs():
    adapter = TransferAdapter("VGG16", image_size=32)
    with pytest.raises(ValueError, match="expects 4D inputs"):
        adapter(np.zeros((32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="3 channels"):
        TransferAdapter("VGG16", image_size=32)(keras.Input((32, 32, 1)))
