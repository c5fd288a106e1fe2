"""What every hypermodel shares: fixed arguments, values, data, optimizer."""

import keras
import keras_tuner
import numpy as np
import pytest

from keras_cifar_blocks.hypermodels import ConvStackHyperModel
from keras_cifar_blocks.hypermodels import InvalidHyperparametersError
from keras_cifar_blocks.hypermodels import TransferHyperModel
from keras_cifar_blocks.hypermodels import WideResNetHyperModel
from keras_cifar_blocks.hypermodels import check_values
from tests.hypermodels.common import BACKEND
from tests.hypermodels.common import tiny_hyperparameters

HYPERMODELS = (ConvStackHyperModel, WideResNetHyperModel, TransferHyperModel)


@pytest.mark.parametrize("cls", HYPERMODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"num_classes": 0},
            ValueError,
            r"argument `num_classes`. Expected a strictly positive integer. "
            r"Received num_classes=0",
        ),
        (
            {"input_shape": (32, 32)},
            ValueError,
            r"argument `input_shape`. Expected a tuple `\(height, width, "
            r"channels\)`.*Received input_shape=\(32, 32\)",
        ),
        (
            {"optimizers": ("adam", "lamb")},
            ValueError,
            r"argument `optimizers`. Expected values from \['adam', 'sgd', "
            r"'rmsprop'\]. Received optimizers=\('adam', 'lamb'\)",
        ),
        (
            {"optimizers": "adam"},
            TypeError,
            r"type for argument `optimizers`. Expected a tuple of values. "
            r"Received optimizers='adam'",
        ),
        (
            {"learning_rate_range": (0.1, 0.01)},
            ValueError,
            r"argument `learning_rate_range`. Expected a pair `\(low, "
            r"high\)`.*Received learning_rate_range=\(0.1, 0.01\)",
        ),
        (
            {"loss": "mse"},
            ValueError,
            r"argument `loss`. Expected one of \['sparse_categorical_"
            r"crossentropy', 'categorical_crossentropy'\]. Received "
            r"loss='mse'",
        ),
        (
            {"momentum": 1.5},
            ValueError,
            r"argument `momentum`. Expected a float in the range \[0, 1\). "
            r"Received momentum=1.5",
        ),
        (
            {"dtype_policy": "float16"},
            ValueError,
            r"argument `dtype_policy`. Expected one of \['float32', "
            r"'mixed_bfloat16', 'mixed_float16'\]. Received "
            r"dtype_policy='float16'",
        ),
    ],
)
def test_fixed_arguments_are_validated(cls, kwargs, error, match):
    arguments = {"num_classes": 10, **kwargs}
    with pytest.raises(error, match=match):
        cls(**arguments)


@pytest.mark.parametrize(
    "cls", (ConvStackHyperModel, WideResNetHyperModel), ids=lambda c: c.__name__
)
def test_models_are_built_under_the_policy_the_hypermodel_was_made_with(cls):
    from keras_cifar_blocks.training.settings import dtype_policy

    with dtype_policy("mixed_bfloat16"):
        hypermodel = cls(num_classes=10)
    assert hypermodel.dtype_policy == "mixed_bfloat16"
    # Tuners clear the session, and the global policy, before each build.
    keras.backend.clear_session()
    model = hypermodel.build(keras_tuner.HyperParameters())
    assert keras.config.dtype_policy().name == "float32"
    with_weights = [layer for layer in model.layers if layer.weights]
    assert with_weights[0].compute_dtype == "bfloat16"
    assert with_weights[-1].compute_dtype == "float32"  # the classifier
    outputs = model(np.zeros((2, 32, 32, 3), "float32"))
    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
    float32 = cls(num_classes=10, dtype_policy="float32")
    with dtype_policy("mixed_bfloat16"):
        model = float32.build(keras_tuner.HyperParameters())
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}


@pytest.mark.parametrize("cls", HYPERMODELS, ids=lambda c: c.__name__)
def test_space_declares_optimizer_and_log_learning_rate(cls):
    hypermodel = cls(num_classes=10, learning_rate_range=(1e-4, 0.1))
    space = hypermodel.space()
    learning_rate = next(h for h in space.space if h.name == "learning_rate")
    config = learning_rate.get_config()
    assert (config["min_value"], config["max_value"]) == (1e-4, 0.1)
    assert config["sampling"] == "log"
    optimizer = next(h for h in space.space if h.name == "optimizer")
    assert set(optimizer.values) <= {"adam", "sgd", "rmsprop"}


def test_defaults_and_fixed_overrides():
    hypermodel = ConvStackHyperModel(num_classes=10)
    space = hypermodel.space()
    assert space.get("optimizer") == "rmsprop"
    assert space.get("learning_rate") == pytest.approx(1e-3)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("optimizer", "sgd")
    hp.Fixed("learning_rate", 0.05)
    settings = hypermodel.declare_hyperparameters(hp)
    assert (settings["optimizer"], settings["learning_rate"]) == ("sgd", 0.05)


@pytest.mark.parametrize(
    "name, value, match",
    [
        ("optimizer", "adamw", r"hyperparameter `optimizer`. Expected one of"),
        (
            "learning_rate",
            2.0,
            r"hyperparameter `learning_rate`. Expected a float in "
            r"\[0.0001, 0.1\]. Received learning_rate=2.0",
        ),
        (
            "stages",
            9,
            r"hyperparameter `stages`. Expected an integer in \[1, 5\]. "
            r"Received stages=9",
        ),
        (
            "dropout",
            0.33,
            r"hyperparameter `dropout`. Expected a float in \[0.0, 0.5\] in "
            r"steps of 0.05. Received dropout=0.33",
        ),
    ],
)
def test_fixed_values_outside_the_space_raise_before_building(
    name, value, match
):
    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = keras_tuner.HyperParameters()
    hp.Fixed(name, value)
    with pytest.raises(InvalidHyperparametersError, match=match):
        hypermodel.validate(hp)
    with pytest.raises(InvalidHyperparametersError, match=match):
        hypermodel.build(hp)


def test_invalid_hyperparameters_error_is_a_failed_trial():
    error = InvalidHyperparametersError("x")
    assert isinstance(error, ValueError)
    assert isinstance(error, keras_tuner.errors.FailedTrialError)


def test_check_values_completes_checks_and_normalizes():
    space = ConvStackHyperModel(num_classes=10).space()
    values = check_values(space, {"width_growth": 1, "batch_norm": False})
    # Defaults fill in; an int given for a Choice of floats becomes float.
    assert values["width_growth"] == 1.0
    assert isinstance(values["width_growth"], float)
    assert values["stages"] == 3
    # `order` is only active with BatchNorm.
    assert "order" not in values
    assert list(values)[0] == "rescaling"  # in the order of the space


@pytest.mark.parametrize(
    "values, error, match",
    [
        ({"depth": 16}, ValueError, r"Unknown hyperparameter\(s\) \['depth'\]"),
        (
            {"batch_norm": False, "order": "conv-bn-act"},
            ValueError,
            r"Hyperparameter `order` in p is inactive: it is used only when "
            r"\{'batch_norm': \[True\]\}",
        ),
        (
            {"activation": "gelu"},
            ValueError,
            r"hyperparameter `activation` in p. Expected one of \['relu', "
            r"'elu', 'mish'\]. Received activation='gelu'",
        ),
        (
            {"convs": 2.5},
            ValueError,
            r"hyperparameter `convs` in p. Expected an integer in \[1, 3\]",
        ),
        ([("stages", 2)], TypeError, r"Invalid type for `p`. Expected a dict"),
    ],
)
def test_check_values_errors(values, error, match):
    space = ConvStackHyperModel(num_classes=10).space()
    with pytest.raises(error, match=match):
        check_values(space, values, "p")


def test_point_hyperparameters_unknown_name_lists_points():
    hypermodel = ConvStackHyperModel(num_classes=10)
    with pytest.raises(
        ValueError,
        match=r"argument `point`. Expected one of \['li2018_model1', .*"
        r"Received point='wrn_28_10'",
    ):
        hypermodel.point_hyperparameters("wrn_28_10")


def test_make_optimizer_uses_momentum_and_nesterov():
    wrn = WideResNetHyperModel(num_classes=10, momentum=0.8)
    sgd = wrn.make_optimizer("sgd", 0.1)
    assert isinstance(sgd, keras.optimizers.SGD)
    assert (sgd.momentum, sgd.nesterov) == (0.8, True)
    conv = ConvStackHyperModel(num_classes=10)
    assert not conv.make_optimizer("sgd", 0.1).nesterov
    assert isinstance(
        conv.make_optimizer("rmsprop", 1e-3), keras.optimizers.RMSprop
    )


def test_preprocess_divides_by_255_once_unless_the_model_rescales():
    hypermodel = ConvStackHyperModel(num_classes=10)
    images = np.full((2, 32, 32, 3), 255, dtype="uint8")
    hp = keras_tuner.HyperParameters()
    scaled = hypermodel.preprocess(hp, images)
    assert scaled.dtype == np.dtype(keras.config.floatx())
    np.testing.assert_allclose(scaled, 1.0)
    # The scaled copy is kept for the next trial on the same array.
    assert hypermodel.preprocess(hp, images) is scaled
    hp.Fixed("rescaling", True)
    assert hypermodel.preprocess(hp, images) is images


def test_preprocess_refuses_datasets_it_cannot_scale():
    class Dataset:
        def map(self, fn):
            return self

    hypermodel = ConvStackHyperModel(num_classes=10)
    with pytest.raises(TypeError, match=r"expects NumPy arrays of 0-255"):
        hypermodel.preprocess(keras_tuner.HyperParameters(), Dataset())


def test_transfer_models_take_raw_pixels():
    hypermodel = TransferHyperModel(num_classes=10, weights=None)
    images = np.zeros((1, 32, 32, 3), dtype="uint8")
    assert (
        hypermodel.preprocess(keras_tuner.HyperParameters(), images) is images
    )


def test_fit_scales_training_and_validation_images():
    seen = {}

    class Recorder:
        def fit(self, x, y, validation_data=None, **kwargs):
            seen.update(x=x, validation=validation_data[0], kwargs=kwargs)
            history = keras.callbacks.History()
            history.epoch = [0, 1, 2]
            history.history = {"val_accuracy": [0.1, 0.3, 0.2]}
            return history

        def count_params(self):
            return 1234

    hypermodel = ConvStackHyperModel(num_classes=10)
    hp = tiny_hyperparameters()
    x = np.full((4, 32, 32, 3), 51, dtype="uint8")
    y = np.zeros(4, dtype="int64")
    history = hypermodel.fit(
        hp, Recorder(), x, y, validation_data=(x[:2], y[:2]), epochs=3
    )
    np.testing.assert_allclose(seen["x"], 0.2, rtol=1e-6)
    np.testing.assert_allclose(seen["validation"], 0.2, rtol=1e-6)
    assert seen["kwargs"] == {"epochs": 3}
    # The parameter count and the training time, per epoch, for
    # KerasTuner to keep with the trial's metrics.
    assert history.history["parameters"] == [1234.0] * 3
    seconds = history.history["seconds"]
    assert len(set(seconds)) == 1 and seconds[0] >= 0


# Every hypermodel's space holds only models that build, so a stock tuner
# never wastes (or fails) a trial on one that cannot. The draws are the
# ones a seeded RandomSearch makes (Hyperband draws the same way), each
# completed as the oracle completes a trial's values, and only built: no
# training. In CI, fewer draws (under JAX, whose every new weight shape
# compiles, fewer still), narrower widths and, for transfer, two light
# backbones that still meet both of its limits (VGG16 has fewer layers
# than `trainable_layers` reaches; Xception needs 71x71 images); with
# `-m slow`, 300 draws of each space.
DRAWS = {
    "conv_stack": (
        lambda: ConvStackHyperModel(num_classes=2),
        {"ci": 20 if BACKEND == "jax" else 60, "slow": 300},
    ),
    "wide_resnet": (
        lambda: WideResNetHyperModel(num_classes=2, max_width=2),
        {"ci": 15},
    ),
    "wide_resnet_wider": (
        lambda: WideResNetHyperModel(num_classes=2, max_width=4),
        {"slow": 300},
    ),
    "transfer_light": (
        lambda: TransferHyperModel(
            num_classes=2,
            weights=None,
            backbones=("VGG16", "Xception"),
            image_sizes=(32, 96),
        ),
        {"ci": 12},
    ),
    "transfer": (
        lambda: TransferHyperModel(num_classes=2, weights=None),
        {"slow": 300},
    ),
}


def _draws(hypermodel, count, seed=0):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective="val_accuracy", max_trials=count, seed=seed
    )
    oracle.update_space(hypermodel.space())
    for i in range(count):
        response = oracle.populate_space(str(i))
        assert response["status"] == "RUNNING"
        hp = oracle.get_space()
        hp.values = response["values"]
        hp.ensure_active_values()  # as Oracle.create_trial does
        yield hp


@pytest.mark.parametrize(
    "space, size",
    [
        pytest.param(space, size, marks=(pytest.mark.slow,) * (size == "slow"))
        for space, (_, counts) in DRAWS.items()
        for size in counts
    ],
)
def test_random_draws_build(space, size):
    make, counts = DRAWS[space]
    hypermodel = make()
    failures = []
    for i, hp in enumerate(_draws(hypermodel, counts[size])):
        # The garbage collector frees the models built so far; run on
        # every build it would take most of the test's time.
        keras.backend.clear_session(free_memory=i % 10 == 0)
        try:
            model = hypermodel.build(hp)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append((hp.values, repr(error)))
            continue
        assert model.output_shape == (None, 2)
    assert not failures, failures[:3]


def test_a_value_fixed_through_the_tuner_stays_fixed_when_conditional(
    tmp_path,
):
    # `order` is active only with BatchNorm: a second, conditional copy of
    # it would override the fixed value in every random draw.
    fixed = keras_tuner.HyperParameters()
    fixed.Fixed("order", "bn-act-conv")
    tuner = keras_tuner.RandomSearch(
        ConvStackHyperModel(num_classes=10),
        objective="val_accuracy",
        hyperparameters=fixed,
        max_trials=20,
        seed=1,
        directory=str(tmp_path),
    )
    draws = [tuner.oracle.populate_space(str(i))["values"] for i in range(20)]
    assert {values["order"] for values in draws} == {"bn-act-conv"}
    model = tuner.hypermodel.build(
        tuner.oracle.get_space().copy()  # the defaults: BatchNorm on
    )
    assert model.get_layer("stage_1").order == "bn-act-conv"
