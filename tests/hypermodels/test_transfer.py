"""TransferHyperModel: backbones, image sizes, head, points, errors."""

import keras_tuner
import pytest

from keras_cifar_blocks import architectures
from keras_cifar_blocks.hypermodels import TransferHyperModel
from tests.hypermodels.common import SLOW_ON_JAX
from tests.hypermodels.common import assert_same_architecture

TRANSFER = (
    "donzella_inception_resnet_v2",
    "ntua_vgg16",
    "ntua_resnet",
    "ntua_densenet",
    "badzioch2024_mobilenet_v2",
)


@pytest.fixture(scope="module")
def hypermodel():
    return TransferHyperModel(num_classes=10, weights=None)


def test_documented_points_are_the_transfer_architectures(hypermodel):
    assert tuple(hypermodel.documented_points()) == TRANSFER


def test_defaults_are_badzioch2024_mobilenet_v2(hypermodel):
    space = hypermodel.space()
    point = hypermodel.documented_points()["badzioch2024_mobilenet_v2"]
    assert {key: space.get(key) for key in point} == point


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=SLOW_ON_JAX)
        if name == "badzioch2024_mobilenet_v2"
        else pytest.param(name, marks=pytest.mark.slow)
        for name in TRANSFER
    ],
)
def test_point_builds_the_documented_architecture(hypermodel, name):
    model = hypermodel.build(hypermodel.point_hyperparameters(name))
    expected = architectures.build(name, num_classes=10, weights=None)
    assert_same_architecture(model, expected)


@pytest.mark.parametrize("name", TRANSFER)
def test_point_compiles_with_the_recipes_optimizer(hypermodel, name):
    point = hypermodel.documented_points()[name]
    recipe = architectures.recipe(name)
    assert (point["optimizer"], point["learning_rate"]) == (
        recipe.optimizer,
        recipe.learning_rate,
    )


def test_image_size_is_raised_to_the_backbones_minimum(hypermodel):
    # Every value builds: a tuner never draws a model it cannot train.
    hp = keras_tuner.HyperParameters()
    hp.Fixed("backbone", "InceptionResNetV2")
    hp.Fixed("image_size", 32)
    hypermodel.validate(hp)
    settings = hypermodel.declare_hyperparameters(hp)
    assert hypermodel._input_size(settings) == 75
    settings.update(backbone="Xception", image_size=96)
    assert hypermodel._input_size(settings) == 96


# VGG16 has 18 layers, 13 of them convolutions: its top 10 layers hold 7
# convolutions, and 20 layers unfreeze the whole backbone.
@pytest.mark.parametrize(
    "trainable_layers, convolutions",
    [pytest.param(10, 7, marks=SLOW_ON_JAX), pytest.param(20, 13)],
)
def test_a_backbone_with_fewer_layers_is_fine_tuned_whole(
    hypermodel, trainable_layers, convolutions
):
    hp = keras_tuner.HyperParameters()
    hp.Fixed("backbone", "VGG16")
    hp.Fixed("trainable_layers", trainable_layers)
    hp.Fixed("head_units", 0)
    backbone = hypermodel.build(hp).get_layer("backbone")
    trainable = [layer for layer in backbone.layers if layer.trainable_weights]
    assert len(trainable) == convolutions


def test_unknown_backbone_lists_the_known_ones():
    with pytest.raises(
        ValueError,
        match=r"argument `backbone`. Expected one of \[.*'MobileNetV2'.*\]"
        r".*Received backbone='MobileNetV9'",
    ):
        TransferHyperModel(num_classes=10, backbones=("MobileNetV9",))


def test_backbone_names_are_normalized():
    hypermodel = TransferHyperModel(
        num_classes=10, weights=None, backbones=("mobilenetv2", "vgg16")
    )
    assert hypermodel.backbones == ("MobileNetV2", "VGG16")
    assert list(hypermodel.documented_points()) == [
        "ntua_vgg16",
        "badzioch2024_mobilenet_v2",
    ]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"weights": 3},
            TypeError,
            r"type for argument `weights`. Expected 'imagenet', None or the "
            r"path of a weights file. Received weights=3",
        ),
        (
            {"image_sizes": (32, 0)},
            ValueError,
            r"argument `image_sizes`. Expected a strictly positive integer",
        ),
        (
            {"backbones": "VGG16"},
            TypeError,
            r"type for argument `backbones`. Expected a tuple of values. "
            r"Received backbones='VGG16'",
        ),
        (
            {"max_trainable_layers": 2.0},
            TypeError,
            r"type for argument `max_trainable_layers`. Expected an int. "
            r"Received max_trainable_layers=2.0",
        ),
        (
            {"max_trainable_layers": -1},
            ValueError,
            r"argument `max_trainable_layers`. Expected an integer >= 0. "
            r"Received max_trainable_layers=-1",
        ),
    ],
)
def test_fixed_arguments_are_validated(kwargs, error, match):
    with pytest.raises(error, match=match):
        TransferHyperModel(num_classes=10, **kwargs)


def test_models_take_raw_pixels_and_freeze_by_default_except_top(
    hypermodel,
):
    hp = keras_tuner.HyperParameters()
    hp.Fixed("trainable_layers", 0)
    hp.Fixed("head_units", 0)
    hp.Fixed("pooling", "avg")
    settings = hypermodel.declare_hyperparameters(hp)
    assert settings["second_head_units"] == 0
    assert "second_head_units" not in hp.values  # inactive without a head
