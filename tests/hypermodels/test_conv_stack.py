"""ConvStackHyperModel: space, documented points, errors, tuners."""

import dataclasses

import keras
import keras_tuner
import numpy as np
import pytest

from keras_cifar_blocks import architectures
from keras_cifar_blocks.hypermodels import ConvStackHyperModel
from keras_cifar_blocks.hypermodels import InvalidHyperparametersError
from keras_cifar_blocks.hypermodels import enqueue
from keras_cifar_blocks.hypermodels import enqueue_points
from tests.hypermodels.common import BACKEND
from tests.hypermodels.common import SLOW_ON_JAX
from tests.hypermodels.common import TINY
from tests.hypermodels.common import assert_same_architecture
from tests.hypermodels.common import tiny_hyperparameters

# Every from-scratch CNN the registry documents.
FROM_SCRATCH = (
    "li2018_model1",
    "li2018_model2_1",
    "li2018_model2_2",
    "li2018_model2_3",
    "li2018_model3_1",
    "li2018_model3_2",
    "li2018_model3_3",
    "schnack2022",
    "donzella_cnn",
    "ntua_simple_cnn",
)
# Built under every backend in CI; the others with `-m slow` under JAX.
QUICK_POINTS = ("li2018_model1", "donzella_cnn")


@pytest.fixture(scope="module")
def hypermodel():
    return ConvStackHyperModel(num_classes=10)


def test_documented_points_are_the_from_scratch_architectures(hypermodel):
    assert tuple(hypermodel.documented_points()) == FROM_SCRATCH


@pytest.mark.parametrize("name", FROM_SCRATCH)
def test_each_point_sets_every_active_hyperparameter(hypermodel, name):
    point = hypermodel.documented_points()[name]
    hp = hypermodel.point_hyperparameters(name)
    hypermodel.declare_hyperparameters(hp)
    active = {h.name for h in hp.space if hp.is_active(h)}
    # A point does not rely on defaults: it is the architecture exactly.
    assert set(point) == active


@pytest.mark.parametrize(
    "name",
    [
        name if name in QUICK_POINTS else pytest.param(name, marks=SLOW_ON_JAX)
        for name in FROM_SCRATCH
    ],
)
def test_point_builds_the_documented_architecture(hypermodel, name):
    model = hypermodel.build(hypermodel.point_hyperparameters(name))
    expected = architectures.build(name, num_classes=10)
    assert_same_architecture(model, expected)
    entry = architectures.get_architecture(name)
    if entry.num_classes == 10:
        assert model.count_params() == entry.parameters


@pytest.mark.parametrize("name", FROM_SCRATCH)
def test_a_documented_point_is_its_architecture_unchanged(hypermodel, name):
    point = hypermodel.documented_points()[name]
    change = hypermodel.architecture_of(point, name)
    assert change["architecture"] == name
    assert change["overrides"] == {}
    # The search scales pixels to [0, 1] (or the model does, with
    # `rescaling`); Donzella's recipe standardizes them.
    expected = (
        {"input_normalization": "divide_by_255"}
        if name == "donzella_cnn"
        else {}
    )
    assert change["recipe_overrides"] == expected


@pytest.mark.parametrize("base", ["li2018_model3_2", "schnack2022"])
def test_a_searched_point_is_a_documented_architecture_changed(
    hypermodel, base
):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective="val_accuracy", max_trials=8, seed=3
    )
    oracle.update_space(hypermodel.space())
    for i in range(8):
        hp = hypermodel.space()
        hp.values.update(oracle.populate_space(str(i))["values"])
        values = {
            key: value
            for key, value in hp.values.items()
            if hp.is_active(hp._hps[key][0])
        }
        change = hypermodel.architecture_of(values, base)
        keras.backend.clear_session()
        searched = hypermodel.build(hypermodel.point_hyperparameters(values))
        changed = architectures.build(
            base, num_classes=10, **change["overrides"]
        )
        assert_same_architecture(searched, changed)
        recipe = architectures.recipe(base).with_overrides(
            change["recipe_overrides"]
        )
        assert recipe.optimizer == values["optimizer"]
        assert recipe.learning_rate == values["learning_rate"]
        assert recipe.input_normalization == (
            "raw" if values["rescaling"] else "divide_by_255"
        )
        if values["optimizer"] == "sgd":
            assert dict(recipe.optimizer_options) == {"momentum": 0.9}


def test_architecture_of_refuses_another_family(hypermodel):
    point = hypermodel.documented_points()["li2018_model1"]
    with pytest.raises(
        ValueError,
        match=r"argument `base`. Expected an architecture built from a "
        r"ConvStackConfig.*Received base='wrn_28_10', built from a "
        r"WideResNetConfig",
    ):
        hypermodel.architecture_of(point, "wrn_28_10")


@pytest.mark.parametrize("name", FROM_SCRATCH)
def test_point_compiles_with_the_recipes_optimizer(hypermodel, name):
    point = hypermodel.documented_points()[name]
    recipe = architectures.recipe(name)
    assert point["optimizer"] == recipe.optimizer
    assert point["learning_rate"] == recipe.learning_rate
    optimizer = hypermodel.make_optimizer(
        point["optimizer"], point["learning_rate"]
    )
    for key, value in recipe.optimizer_options:
        assert getattr(optimizer, key) == value


def test_defaults_are_li2018_model3_1(hypermodel):
    space = hypermodel.space()
    point = hypermodel.documented_points()["li2018_model3_1"]
    assert {key: space.get(key) for key in point} == point


def test_editing_a_config_changes_the_registry_and_the_point(monkeypatch):
    # One source of truth: the registry's config is both the model and
    # the documented point.
    registry = architectures.registry._registry()
    entry = registry["donzella_cnn"]
    config = dataclasses.replace(
        entry.config, activation="elu", dropout=(0.1, 0.2, 0.3)
    )
    monkeypatch.setitem(
        registry, "donzella_cnn", dataclasses.replace(entry, config=config)
    )
    model = architectures.build("donzella_cnn")
    stages = [model.get_layer(f"stage_{i}") for i in (1, 2, 3)]
    assert [stage.activation.__name__ for stage in stages] == ["elu"] * 3
    assert [stage.dropout for stage in stages] == [0.1, 0.2, 0.3]
    hypermodel = ConvStackHyperModel(num_classes=10)
    point = hypermodel.documented_points()["donzella_cnn"]
    assert (point["activation"], point["dropout"]) == ("elu", 0.1)
    assert point["dropout_step"] == 0.1
    built = hypermodel.build(hypermodel.point_hyperparameters("donzella_cnn"))
    assert_same_architecture(built, model)


def test_a_config_the_space_cannot_build_is_no_point(monkeypatch):
    registry = architectures.registry._registry()
    entry = registry["donzella_cnn"]
    # Widths 32, 48, 128 follow no growth factor of the space.
    config = dataclasses.replace(entry.config, filters=(32, 48, 128))
    monkeypatch.setitem(
        registry, "donzella_cnn", dataclasses.replace(entry, config=config)
    )
    hypermodel = ConvStackHyperModel(num_classes=10)
    assert "donzella_cnn" not in hypermodel.documented_points()


def test_overrides_change_the_model():
    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = tiny_hyperparameters(
        rescaling=True, head_units=64, head_batch_norm=True, activation="mish"
    )
    model = hypermodel.build(hp)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [
        "Rescaling",
        "ConvBNPoolDropout",
        "Flatten",
        "Dense",
        "BatchNormalization",
        "Dense",
    ]
    stage = model.get_layer("stage_1")
    assert (stage.filters, stage.convs, stage.batch_norm) == (16, 1, False)
    # "mish" is this package's Mish, as the reports write it.
    assert keras.activations.serialize(stage.activation)["config"] == (
        "keras_cifar_blocks>mish"
    )
    assert model.optimizer.__class__.__name__ == "RMSprop"


def test_width_schedule_and_dropout_schedule():
    hypermodel = ConvStackHyperModel(num_classes=10)
    values = {
        "stages": 5,
        "filters": 16,
        "width_growth": 1.5,
        "max_filters": 64,
        "dropout": 0.3,
        "dropout_step": 0.15,
    }
    settings = hypermodel.declare_hyperparameters(
        hypermodel.point_hyperparameters(values)
    )
    assert hypermodel._widths(settings) == [16, 24, 36, 54, 64]
    assert [round(r, 6) for r in hypermodel._rates(settings)] == [
        0.3,
        0.45,
        0.5,
        0.5,
        0.5,
    ]


@pytest.mark.parametrize(
    "values, paddings, pools, side",
    [
        # li2018_model1: fits its 32x32 images, built as its values say.
        (
            {"stages": 2, "convs": 1, "last_stage_convs": 1},
            ["valid", "valid"],
            ["max", "max"],
            6,
        ),
        # 32 -> 30 -> 15 -> 13 -> 6 -> 4 -> 2: stage 4 has no pixel left
        # for an unpadded convolution.
        (
            {"stages": 4, "convs": 1, "last_stage_convs": 1},
            ["valid", "valid", "valid", "same"],
            ["max", "max", "max", "max"],
            1,
        ),
        # 32 -> 28 -> 14 -> 10 -> 5 -> 1: no pixel left to pool.
        (
            {"stages": 3, "convs": 2, "last_stage_convs": 2},
            ["valid", "valid", "valid"],
            ["max", "max", None],
            1,
        ),
        (
            {"stages": 5, "convs": 3, "last_stage_convs": 3},
            ["valid", "valid", "same", "same", "same"],
            ["max", "max", "max", None, None],
            1,
        ),
    ],
)
def test_valid_padding_pads_the_stages_the_image_is_too_small_for(
    values, paddings, pools, side
):
    # Every combination builds: a tuner never draws a model it cannot
    # train.
    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = tiny_hyperparameters(padding="valid", **values)
    hypermodel.validate(hp)
    model = hypermodel.build(hp)
    stages = [model.get_layer(f"stage_{i + 1}") for i in range(len(pools))]
    assert [stage.padding for stage in stages] == paddings
    assert [stage.pool for stage in stages] == pools
    assert tuple(stages[-1].output.shape[1:3]) == (side, side)


def test_default_depth_fits_the_fixed_size_values():
    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("padding", "valid")
    # Two convolutions per stage leave a third stage no pixel to pool.
    assert hypermodel.declare_hyperparameters(hp)["stages"] == 2


def test_value_outside_the_space_raises_before_any_layer():
    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("stages", 6)
    match = (
        r"Invalid value for hyperparameter `stages`. Expected an integer in "
        r"\[1, 5\]. Received stages=6"
    )
    with pytest.raises(InvalidHyperparametersError, match=match):
        hypermodel.validate(hp)
    keras.backend.clear_session()
    with pytest.raises(InvalidHyperparametersError, match=match):
        hypermodel.build(hp)
    # Nothing was built: the first layer created next gets the first name.
    assert keras.layers.Dense(1).name == "dense"


def test_unknown_activation_is_refused_in_init():
    with pytest.raises(
        ValueError,
        match=r"argument `activations`. Expected the name of a Keras "
        r"activation.*Received activations='swishy'",
    ):
        ConvStackHyperModel(num_classes=10, activations=("relu", "swishy"))
    with pytest.raises(TypeError, match=r"Expected activation names"):
        ConvStackHyperModel(num_classes=10, activations=("relu", len))


def test_unknown_activation_value_is_refused_before_building():
    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("activation", "swishy")
    with pytest.raises(
        InvalidHyperparametersError,
        match=r"hyperparameter `activation`. Expected one of \['relu', "
        r"'elu', 'mish'\]. Received activation='swishy'",
    ):
        hypermodel.build(hp)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"max_dropout": 1.0},
            r"argument `max_dropout`. Expected a float in the range \[0, 1\). "
            r"Received max_dropout=1.0",
        ),
        (
            {"kernel_size": 0},
            r"argument `kernel_size`. Expected a strictly positive integer. "
            r"Received kernel_size=0",
        ),
        (
            {"batch_norm_momentum": -0.1},
            r"argument `batch_norm_momentum`. Expected a float in the range "
            r"\[0, 1\). Received batch_norm_momentum=-0.1",
        ),
        (
            {"max_stages": 0},
            r"argument `max_stages`. Expected a strictly positive integer. "
            r"Received max_stages=0",
        ),
        (
            {"activations": ()},
            r"argument `activations`. Expected a non-empty tuple of distinct "
            r"values. Received activations=\(\)",
        ),
    ],
)
def test_other_fixed_arguments_are_validated(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConvStackHyperModel(num_classes=10, **kwargs)


def test_batch_norm_momentum_reaches_every_batch_norm():
    hypermodel = ConvStackHyperModel(num_classes=10, batch_norm_momentum=0.9)
    model = hypermodel.build(
        tiny_hyperparameters(
            batch_norm=True, head_units=64, head_batch_norm=True
        )
    )
    assert model.get_layer("stage_1").momentum == 0.9
    assert model.get_layer("dense_bn").momentum == 0.9


def test_max_stages_is_checked_against_the_image():
    with pytest.raises(
        ValueError,
        match=r"argument `max_stages`. Expected at most 5 for "
        r"input_shape=\(32, 32, 3\): each stage halves the image with 2x2 "
        r"pooling. Received max_stages=6",
    ):
        ConvStackHyperModel(num_classes=10, max_stages=6)
    assert ConvStackHyperModel(10, input_shape=(64, 64, 3)).max_stages == 6


def test_narrower_space_keeps_only_the_points_it_contains():
    hypermodel = ConvStackHyperModel(
        num_classes=10, max_stages=3, activations=("relu", "elu")
    )
    assert tuple(hypermodel.documented_points()) == (
        "li2018_model1",
        "li2018_model2_1",
        "li2018_model3_1",
        "ntua_simple_cnn",
    )


def test_other_number_of_classes_and_input_shape():
    hypermodel = ConvStackHyperModel(num_classes=100, input_shape=(24, 24, 3))
    model = hypermodel.build(tiny_hyperparameters())
    assert model.output_shape == (None, 100)
    assert model.input_shape == (None, 24, 24, 3)


def _tuner(kind, directory, continued=False, **kwargs):
    hypermodel = ConvStackHyperModel(num_classes=10)
    common = {
        "objective": "val_accuracy",
        "hyperparameters": tiny_hyperparameters(),
        "directory": str(directory),
        "seed": 1,
        **kwargs,
    }
    if kind == "random":
        return keras_tuner.RandomSearch(hypermodel, max_trials=2, **common)
    if kind == "bayesian":
        return keras_tuner.BayesianOptimization(
            hypermodel, max_trials=3, num_initial_points=2, **common
        )
    tuner = keras_tuner.Hyperband(hypermodel, max_epochs=2, factor=2, **common)
    # The point (2 epochs) and the first round of the first bracket, two
    # 1-epoch trials (Hyperband has no `max_trials` argument); with
    # `-m slow`, also the continuation of the better one.
    tuner.oracle.max_trials = 4 if continued else 3
    return tuner


@pytest.mark.filterwarnings("ignore:Skipping variable loading:UserWarning")
@pytest.mark.parametrize(
    "kind",
    [
        # In CI, Hyperband with an enqueued point (points, then successive
        # halving with a continued trial); under JAX, whose trials compile
        # for seconds, random search. Every tuner under every backend with
        # `-m slow`.
        pytest.param("hyperband", marks=SLOW_ON_JAX),
        pytest.param("hyperband_continued", marks=pytest.mark.slow),
        pytest.param(
            "random", marks=() if BACKEND == "jax" else (pytest.mark.slow,)
        ),
        pytest.param("bayesian", marks=pytest.mark.slow),
    ],
)
def test_search_on_cifar10_with_each_tuner(kind, cifar10_small, tmp_path):
    tuner = _tuner(
        kind.split("_")[0], tmp_path, continued=kind == "hyperband_continued"
    )
    point = {"learning_rate": 0.003, "dropout": 0.0, "activation": "relu"}
    queue = enqueue_points(tuner, {"mine": point})
    data = cifar10_small
    tuner.search(
        data["x_train"],
        data["y_train"],
        validation_data=(data["x_val"], data["y_val"]),
        epochs=1,
        batch_size=64,
        verbose=0,
    )
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    assert all(t.status == "COMPLETED" for t in trials), [
        t.message for t in trials
    ]
    assert (
        len(trials)
        == {
            "random": 2,
            "hyperband": 3,
            "hyperband_continued": 4,
            "bayesian": 3,
        }[kind]
    )
    # The point ran first, with its values (and, in Hyperband, for the
    # full max_epochs).
    assert enqueue.point_values(trials[0]) == queue[0][1]
    if kind.startswith("hyperband"):
        assert trials[0].hyperparameters.values["tuner/epochs"] == 2
        assert trials[1].hyperparameters.values["tuner/epochs"] == 1
    if kind == "hyperband_continued":
        continued = trials[3].hyperparameters.values
        assert continued["tuner/trial_id"] in ("1", "2")
        assert continued["tuner/initial_epoch"] == 1
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score >= trials[0].score
    assert {key: best.hyperparameters.values[key] for key in TINY} == TINY
    model = tuner.get_best_models(1)[0]
    x_test = tuner.hypermodel.preprocess(best.hyperparameters, data["x_test"])
    _, accuracy = model.evaluate(x_test, data["y_test"], verbose=0)
    assert 0.0 <= accuracy <= 1.0
    assert np.isfinite(best.score)
