"""WideResNetHyperModel: the WRN depth rule, points, errors."""

import keras_tuner
import pytest

from keras_cifar_blocks import architectures
from keras_cifar_blocks.hypermodels import InvalidHyperparametersError
from keras_cifar_blocks.hypermodels import WideResNetHyperModel
from tests.hypermodels.common import BACKEND
from tests.hypermodels.common import SLOW_ON_JAX
from tests.hypermodels.common import assert_same_architecture


def test_depth_follows_the_wrn_rule():
    space = WideResNetHyperModel(num_classes=10, max_depth=40).space()
    depth = next(hp for hp in space.space if hp.name == "depth")
    assert list(depth.values) == [10, 16, 22, 28, 34, 40]
    assert all((d - 4) % 6 == 0 for d in depth.values)


def test_defaults_are_li2018_wrn_16_8():
    hypermodel = WideResNetHyperModel(num_classes=10)
    space = hypermodel.space()
    point = hypermodel.documented_points()["li2018_wrn_16_8"]
    assert {key: space.get(key) for key in point} == point


@pytest.mark.slow if BACKEND == "jax" else (lambda test: test)
def test_override_builds_a_thin_network():
    hypermodel = WideResNetHyperModel(num_classes=10)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("depth", 10)
    hp.Fixed("width", 1)
    hp.Fixed("dropout", 0.3)
    hp.Fixed("optimizer", "sgd")
    model = hypermodel.build(hp)
    assert model.name == "wrn_10_1"
    block = model.get_layer("group_1_block_0")
    assert block.dropout == pytest.approx(0.3)
    assert model.optimizer.nesterov


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("li2018_wrn_16_8", marks=SLOW_ON_JAX),
        pytest.param("wrn_28_10", marks=pytest.mark.slow),
    ],
)
def test_point_builds_the_documented_architecture(name):
    hypermodel = WideResNetHyperModel(num_classes=10)
    model = hypermodel.build(hypermodel.point_hyperparameters(name))
    assert_same_architecture(model, architectures.build(name))
    assert (
        model.count_params() == architectures.get_architecture(name).parameters
    )


@pytest.mark.parametrize("name", ["li2018_wrn_16_8", "wrn_28_10"])
def test_point_compiles_with_the_recipes_optimizer(name):
    hypermodel = WideResNetHyperModel(num_classes=10)
    point = hypermodel.documented_points()[name]
    recipe = architectures.recipe(name)
    assert (point["optimizer"], point["learning_rate"]) == (
        recipe.optimizer,
        recipe.learning_rate,
    )
    optimizer = hypermodel.make_optimizer(
        point["optimizer"], point["learning_rate"]
    )
    for key, value in recipe.optimizer_options:
        assert getattr(optimizer, key) == value


@pytest.mark.parametrize("max_depth", [30, 4, 16.0])
def test_max_depth_must_follow_the_rule(max_depth):
    with pytest.raises(
        ValueError,
        match=r"argument `max_depth`. Expected `\(max_depth - 4\)` to be a "
        rf"positive multiple of 6.*Received max_depth={max_depth}",
    ):
        WideResNetHyperModel(num_classes=10, max_depth=max_depth)


def test_depth_off_the_rule_is_refused_before_building():
    hp = keras_tuner.HyperParameters()
    hp.Fixed("depth", 18)
    with pytest.raises(
        InvalidHyperparametersError,
        match=r"hyperparameter `depth`. Expected an integer in \[10, 28\] in "
        r"steps of 6 from 10. Received depth=18",
    ):
        WideResNetHyperModel(num_classes=10).build(hp)


def test_smaller_space_drops_points_it_does_not_contain():
    hypermodel = WideResNetHyperModel(num_classes=10, max_depth=16)
    assert list(hypermodel.documented_points()) == ["li2018_wrn_16_8"]


def test_max_width_is_validated():
    with pytest.raises(
        ValueError,
        match=r"argument `max_width`. Expected a strictly positive integer. "
        r"Received max_width=0",
    ):
        WideResNetHyperModel(num_classes=10, max_width=0)
