"""keras_cifar_blocks/backbones.py: the specs, the table, the names."""

import dataclasses
import importlib

import keras
import pytest

from keras_cifar_blocks import backbones
from keras_cifar_blocks.backbones import BACKBONES
from keras_cifar_blocks.backbones import PREPROCESSING_MODES
from keras_cifar_blocks.backbones import BackboneSpec
from keras_cifar_blocks.backbones import backbone_names
from keras_cifar_blocks.backbones import canonical_name
from keras_cifar_blocks.backbones import get_backbone_spec

# --------------------------------------------------------------------------
# BackboneSpec and the table of backbones.
# --------------------------------------------------------------------------


def test_a_spec_is_frozen_and_defaults_to_no_preprocessing():
    spec = BackboneSpec("Custom", "custom", (64, 64))
    assert spec.min_input_size == (32, 32)
    assert spec.interpolation == "bilinear"
    assert spec.preprocessing == "none"
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "Other"


def test_build_calls_the_keras_applications_constructor(monkeypatch):
    calls = []

    def fake_constructor(**kwargs):
        calls.append(kwargs)
        return "model"

    monkeypatch.setattr(keras.applications, "VGG16", fake_constructor)
    spec = BACKBONES["VGG16"]
    assert spec.build(weights=None, include_top=False) == "model"
    assert calls == [{"weights": None, "include_top": False}]


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_every_entry_is_a_keras_application(name):
    spec = BACKBONES[name]
    assert spec.name == name
    assert callable(getattr(keras.applications, name))
    module = importlib.import_module(f"keras.applications.{spec.module}")
    assert callable(module.preprocess_input)
    assert spec.preprocessing in PREPROCESSING_MODES
    assert spec.interpolation == "bilinear"
    assert spec.min_input_size[0] <= spec.input_size[0]
    assert spec.min_input_size[1] <= spec.input_size[1]


# --------------------------------------------------------------------------
# Names: canonical_name, get_backbone_spec, backbone_names.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alias, name",
    [
        # keras.applications module style.
        ("mobilenet_v2", "MobileNetV2"),
        ("mobilenet_v3_small", "MobileNetV3Small"),
        ("efficientnet_b0", "EfficientNetB0"),
        ("efficientnet_v2_s", "EfficientNetV2S"),
        ("inception_resnet_v2", "InceptionResNetV2"),
        ("inception_v3", "InceptionV3"),
        ("nasnet_mobile", "NASNetMobile"),
        ("convnext_tiny", "ConvNeXtTiny"),
        # Lower case, mixed case, other separators.
        ("resnet50", "ResNet50"),
        ("vgg16", "VGG16"),
        ("densenet121", "DenseNet121"),
        ("MobileNetv2", "MobileNetV2"),
        ("mobilenetv2", "MobileNetV2"),
        ("EfficientNet-B0", "EfficientNetB0"),
        ("Inception ResNet V2", "InceptionResNetV2"),
        # KerasHub style.
        ("resnet_50", "ResNet50"),
        ("resnet_v2_50", "ResNet50V2"),
        ("resnet_v2_152", "ResNet152V2"),
        ("densenet_121", "DenseNet121"),
        ("vgg_16", "VGG16"),
    ],
)
def test_aliases_name_one_canonical_backbone(alias, name):
    assert canonical_name(alias) == name
    spec = get_backbone_spec(alias)
    assert spec is BACKBONES[name]
    assert spec.name == name


@pytest.mark.parametrize("name", backbone_names())
def test_every_class_name_is_its_own_canonical_name(name):
    assert canonical_name(name) == name
    assert canonical_name(name.lower()) == name
    assert canonical_name(name.upper()) == name


def test_no_two_backbones_share_a_lookup_key():
    assert len(set(backbones._CANONICAL_NAMES.values())) == len(BACKBONES)
    keys = [backbones._lookup_key(name) for name in BACKBONES]
    assert len(set(keys)) == len(keys)


def test_a_spec_is_returned_as_is():
    spec = BACKBONES["VGG19"]
    assert get_backbone_spec(spec) is spec


@pytest.mark.parametrize("name", ["ResNet18", "mobilenet_v9", "", None, 50])
def test_unknown_names_list_the_valid_ones(name):
    with pytest.raises(
        ValueError,
        match=r"Invalid value for argument `backbone`. Expected one of "
        r"\['ConvNeXtBase', .*'Xception'\] \(any case; module-style names "
        r"such as 'mobilenet_v2' work too\). Received "
        rf"backbone={name!r}",
    ):
        get_backbone_spec(name)


def test_backbone_names_are_the_canonical_names_sorted():
    names = backbone_names()
    assert names == sorted(BACKBONES)
    assert len(names) == 39
    assert "mobilenet_v2" not in names
