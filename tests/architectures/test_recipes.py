import dataclasses
from pathlib import Path

import keras
import pytest

from keras_cifar_blocks.architectures import Accuracy
from keras_cifar_blocks.architectures import EarlyStoppingRule
from keras_cifar_blocks.architectures import InverseTimeDecayByStep
from keras_cifar_blocks.architectures import PiecewiseConstantByEpoch
from keras_cifar_blocks.architectures import Recipe
from keras_cifar_blocks.architectures import Source
from keras_cifar_blocks.architectures import Sweep
from keras_cifar_blocks.architectures import WarmupCosineDecayByEpoch
from keras_cifar_blocks.architectures import names
from keras_cifar_blocks.architectures import recipe

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
# The presets of keras_cifar_blocks.augmentation; recipes name them.
AUGMENTATION_PRESETS = (
    "li2018",
    "schnack2022",
    "ntua",
    "donzella",
    "cifar_standard",
    "airbench94",
    "randaugment",
    "augmix",
    "cutmix",
    "mixup",
)
LI, SCHNACK, NTUA, BADZIOCH, DONZELLA = (
    "003_9b08b6f72382b430.txt",
    "000_b73c0e796d975c7e.txt",
    "001_1916683a2f029551.txt",
    "002_34de920739df3dbc.txt",
    "004_753b23262839900e.txt",
)

# name: (optimizer, learning rate, batch size, epochs, early stopping,
#        augmentation, input normalization, loss, accuracy, seed).
SPARSE, ONE_HOT = "sparse_categorical_crossentropy", "categorical_crossentropy"
D255, STD = "divide_by_255", "standardize_per_channel"
DOCUMENTED = {
    "li2018_model1": (
        "adam",
        1e-3,
        128,
        100,
        None,
        None,
        D255,
        SPARSE,
        0.6834,
        LI,
    ),
    "li2018_model2_1": (
        "sgd",
        0.01,
        128,
        200,
        None,
        None,
        D255,
        SPARSE,
        0.8088,
        LI,
    ),
    "li2018_model2_2": (
        "sgd",
        0.01,
        128,
        200,
        None,
        None,
        D255,
        SPARSE,
        0.8089,
        LI,
    ),
    "li2018_model2_3": (
        "sgd",
        0.01,
        128,
        200,
        None,
        None,
        D255,
        SPARSE,
        0.8315,
        LI,
    ),
    "li2018_model3_1": (
        "rmsprop",
        1e-3,
        128,
        100,
        None,
        "li2018",
        D255,
        SPARSE,
        0.8755,
        LI,
    ),
    "li2018_model3_2": (
        "rmsprop",
        1e-3,
        128,
        100,
        None,
        "li2018",
        D255,
        SPARSE,
        0.8938,
        LI,
    ),
    "li2018_model3_3": (
        "rmsprop",
        1e-3,
        128,
        100,
        None,
        "li2018",
        D255,
        SPARSE,
        0.89,
        LI,
    ),
    "li2018_wrn_16_8": (
        "adam",
        1e-3,
        100,
        100,
        None,
        "li2018",
        D255,
        SPARSE,
        0.8617,
        LI,
    ),
    "wrn_28_10": (
        "sgd",
        0.1,
        128,
        200,
        None,
        "cifar_standard",
        STD,
        SPARSE,
        0.9611,
        LI,
    ),
    "schnack2022": (
        "adam",
        1e-3,
        32,
        100,
        ("val_loss", 10),
        "schnack2022",
        "raw",
        SPARSE,
        0.8436,
        SCHNACK,
    ),
    "donzella_cnn": (
        "adam",
        1e-3,
        128,
        100,
        ("accuracy", 10),
        "donzella",
        STD,
        ONE_HOT,
        0.86,
        DONZELLA,
    ),
    "donzella_inception_resnet_v2": (
        "adam",
        1e-3,
        256,
        4,
        None,
        "donzella",
        "raw",
        ONE_HOT,
        0.92,
        DONZELLA,
    ),
    "ntua_simple_cnn": (
        "adam",
        1e-3,
        128,
        50,
        ("val_loss", 25),
        "ntua",
        D255,
        SPARSE,
        0.51,
        NTUA,
    ),
    "ntua_vgg16": (
        "adam",
        1e-3,
        128,
        100,
        ("val_loss", 25),
        "ntua",
        "raw",
        SPARSE,
        0.67,
        NTUA,
    ),
    "ntua_resnet": (
        "adam",
        1e-3,
        128,
        100,
        ("val_loss", 25),
        "ntua",
        "raw",
        SPARSE,
        0.44,
        NTUA,
    ),
    "ntua_densenet": (
        "adam",
        1e-3,
        128,
        100,
        ("val_loss", 25),
        "ntua",
        "raw",
        SPARSE,
        0.67,
        NTUA,
    ),
    "badzioch2024_mobilenet_v2": (
        "adam",
        0.01,
        32,
        30,
        None,
        None,
        "raw",
        ONE_HOT,
        0.95,
        BADZIOCH,
    ),
    # Not from a seed report: airbench94's accuracy is its target.
    "fast_cifar": (
        "sgd",
        0.4,
        256,
        12,
        None,
        "cifar_standard",
        STD,
        ONE_HOT,
        0.94,
        None,
    ),
    "fast_cifar_airbench": (
        "sgd",
        1.5,
        1024,
        10,
        None,
        "airbench94",
        STD,
        ONE_HOT,
        0.94,
        None,
    ),
}


def test_every_architecture_has_a_documented_recipe():
    assert sorted(DOCUMENTED) == sorted(names())


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_recipe(name):
    r = recipe(name)
    (
        optimizer,
        learning_rate,
        batch_size,
        epochs,
        early_stopping,
        augmentation,
        normalization,
        loss,
        accuracy,
        seed,
    ) = DOCUMENTED[name]
    assert r.name == name
    assert r.optimizer == optimizer
    assert r.learning_rate == learning_rate
    assert (r.batch_size, r.epochs) == (batch_size, epochs)
    if early_stopping is None:
        assert r.early_stopping is None
        # Only Lookahead, for the recipes that average their weights.
        assert len(r.callbacks()) == (r.lookahead is not None)
    else:
        rule = r.early_stopping
        assert (rule.monitor, rule.patience) == early_stopping
    assert r.augmentation == augmentation
    assert augmentation is None or augmentation in AUGMENTATION_PRESETS
    assert r.input_normalization == normalization
    assert r.loss == loss
    assert r.accuracy.value == accuracy
    assert r.accuracy.dataset == r.dataset
    assert r.source.report == seed
    assert r.notes, "every recipe records its choices"


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_recipes_are_frozen_and_hashable(name):
    r = recipe(name)
    assert dataclasses.is_dataclass(r)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.batch_size = 1
    assert hash(r) == hash(dataclasses.replace(r))
    assert dataclasses.replace(r, epochs=1) != r


@pytest.mark.skipif(not SEEDS_DIR.exists(), reason=f"no {SEEDS_DIR}")
@pytest.mark.parametrize(
    "name", sorted(name for name, row in DOCUMENTED.items() if row[-1])
)
def test_sources_point_at_the_seed_reports(name):
    source = recipe(name).source
    text = (SEEDS_DIR / source.report).read_text()
    for section in source.sections:
        assert section in text, section


def test_wrn_28_10_schedule():
    r = recipe("wrn_28_10")
    steps = r.steps_per_epoch(50_000)
    assert steps == 391
    schedule = r.learning_rate_schedule(steps)
    assert isinstance(
        schedule, keras.optimizers.schedules.PiecewiseConstantDecay
    )

    def at(step):
        return float(keras.ops.convert_to_numpy(schedule(step)))

    assert at(0) == pytest.approx(0.1)
    assert at(60 * steps - 1) == pytest.approx(0.1)  # epoch 59's last step
    assert at(60 * steps) == pytest.approx(0.02)
    rates = [r.learning_rate_at(epoch, steps) for epoch in (59, 60, 120, 160)]
    assert rates == pytest.approx([0.1, 0.02, 0.004, 0.0008])
    assert r.learning_rate_at(199, steps) == pytest.approx(0.0008)
    optimizer = r.make_optimizer(steps)
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.momentum == 0.9 and optimizer.nesterov


def test_badzioch_schedule():
    r = recipe("badzioch2024_mobilenet_v2")
    steps = r.steps_per_epoch(50_000)
    assert steps == 1563
    rates = [
        r.learning_rate_at(epoch, steps) for epoch in (0, 9, 10, 19, 20, 29)
    ]
    assert rates == pytest.approx([0.01, 0.01, 0.001, 0.001, 1e-4, 1e-4])
    assert isinstance(r.make_optimizer(steps), keras.optimizers.Adam)


def test_li2018_rmsprop_decay_is_an_inverse_time_schedule():
    r = recipe("li2018_model3_2")
    assert r.schedule == InverseTimeDecayByStep(1e-6)
    schedule = r.learning_rate_schedule()  # needs no steps per epoch
    assert isinstance(schedule, keras.optimizers.schedules.InverseTimeDecay)

    def at(step):
        return float(keras.ops.convert_to_numpy(schedule(step)))

    # Keras 2's decay: lr / (1 + decay * iterations).
    assert at(0) == pytest.approx(1e-3)
    assert at(1_000_000) == pytest.approx(5e-4)
    assert at(39_100) == pytest.approx(1e-3 / (1 + 1e-6 * 39_100))
    optimizer = r.make_optimizer()
    assert isinstance(optimizer, keras.optimizers.RMSprop)
    assert optimizer.rho == 0.9


def test_constant_learning_rates():
    r = recipe("li2018_model2_1")
    assert r.learning_rate_schedule() == 0.01
    optimizer = r.make_optimizer()
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.momentum == 0.9 and not optimizer.nesterov
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    assert r.learning_rate_at(150, 391) == 0.01


def test_epoch_schedules_need_steps_per_epoch():
    with pytest.raises(
        ValueError, match=r"'wrn_28_10' changes its learning rate.*required"
    ):
        recipe("wrn_28_10").make_optimizer()
    with pytest.raises(ValueError, match="Received steps_per_epoch=0"):
        recipe("wrn_28_10").make_optimizer(0)
    with pytest.raises(ValueError, match="Received num_samples=0"):
        recipe("wrn_28_10").steps_per_epoch(0)
    with pytest.raises(ValueError, match="Received epoch=-1"):
        recipe("wrn_28_10").learning_rate_at(-1, 10)


def test_callbacks():
    (callback,) = recipe("donzella_cnn").callbacks()
    assert isinstance(callback, keras.callbacks.EarlyStopping)
    assert (callback.monitor, callback.patience) == ("accuracy", 10)
    (callback,) = recipe("ntua_densenet").callbacks()
    assert (callback.monitor, callback.patience) == ("val_loss", 25)
    (callback,) = recipe("schnack2022").callbacks()
    assert callback.restore_best_weights
    assert recipe("li2018_model1").callbacks() == []


def test_sweeps():
    (sweep,) = recipe("schnack2022").sweeps
    assert sweep.parameter == "learning_rate"
    assert len(sweep.rows) == 7
    best = max(sweep.rows, key=lambda row: row[-1])
    assert best == (0.001, 48, 0.8436)
    assert best[-1] == recipe("schnack2022").accuracy.value
    (sweep,) = recipe("li2018_model1").sweeps
    assert [row[0] for row in sweep.rows] == [32, 64, 128]
    assert sweep.rows[-1][-1] == recipe("li2018_model1").accuracy.value


def test_other_accuracies():
    wrn = recipe("wrn_28_10")
    assert [(a.value, a.dataset) for a in wrn.other_accuracies] == [
        (0.8115, "cifar100"),
        (0.9583, "cifar10"),
    ]
    assert str(wrn.accuracy) == "96.11% (CIFAR-10)"
    badzioch = recipe("badzioch2024_mobilenet_v2").accuracy
    assert badzioch.split == "validation"
    assert str(badzioch) == "95% (CIFAR-10, validation)"


def _recipe(**overrides):
    arguments = dict(
        name="test",
        dataset="cifar10",
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=128,
        epochs=10,
        loss="sparse_categorical_crossentropy",
        input_normalization="divide_by_255",
        accuracy=Accuracy(0.5, "cifar10"),
        source=Source("seed.txt", ("Section",), "Someone (2024)"),
    )
    return Recipe(**{**arguments, **overrides})


def test_optimizer_options_are_stored_sorted():
    r = _recipe(optimizer_options={"nesterov": True, "momentum": 0.9})
    assert r.optimizer_options == (("momentum", 0.9), ("nesterov", True))
    assert r.num_classes == 10


def test_checking_a_recipe_makes_no_optimizer(monkeypatch):
    # An optimizer creates backend variables; the registry must not, so
    # that JAX's multi-process start (before any computation) still works.
    def refuse(*args, **kwargs):
        raise AssertionError("an optimizer was created")

    monkeypatch.setattr(keras.optimizers.Optimizer, "__init__", refuse)
    for name in ("adam", "sgd", "rmsprop"):
        _recipe(optimizer=name, optimizer_options={"weight_decay": 1e-4})
    with pytest.raises(ValueError, match="'foo' is not an argument"):
        _recipe(optimizer_options={"foo": 1})


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"dataset": "cifar1000"}, ValueError, "Received dataset='cifar1000'"),
        ({"optimizer": "adamw"}, ValueError, "Received optimizer='adamw'"),
        ({"learning_rate": 0}, ValueError, "Received learning_rate=0"),
        ({"batch_size": 0}, ValueError, "Received batch_size=0"),
        ({"epochs": 2.5}, ValueError, "Received epochs=2.5"),
        ({"loss": "mse"}, ValueError, "Received loss='mse'"),
        (
            {"input_normalization": "zca"},
            ValueError,
            "Received input_normalization='zca'",
        ),
        (
            {"optimizer": "adam", "optimizer_options": {"momentum": 0.9}},
            ValueError,
            "'momentum' is not an argument of the 'adam' optimizer",
        ),
        (
            {"optimizer_options": {"learning_rate": 0.1}},
            ValueError,
            "'learning_rate' is not an argument",
        ),
        (
            {"schedule": PiecewiseConstantByEpoch((5,), (0.2, 0.1))},
            ValueError,
            r"first value must be the learning rate \(0.1\)",
        ),
        ({"schedule": "cosine"}, TypeError, "argument `schedule`"),
        ({"accuracy": 0.5}, TypeError, "argument `accuracy`"),
        ({"early_stopping": "val_loss"}, TypeError, "early_stopping"),
        ({"augmentation": ""}, ValueError, "Received augmentation=''"),
        ({"notes": "one note"}, ValueError, "argument `notes`"),
        ({"other_accuracies": (0.9,)}, TypeError, "other_accuracies"),
    ],
)
def test_bad_recipes(kwargs, error, message):
    with pytest.raises(error, match=message):
        _recipe(**kwargs)


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: Accuracy(1.5, "cifar10"), ValueError, "Received value=1.5"),
        (
            lambda: Accuracy(0.5, "mnist"),
            ValueError,
            "Received dataset='mnist'",
        ),
        (
            lambda: Accuracy(0.5, "cifar10", "train"),
            ValueError,
            "split='train'",
        ),
        (lambda: Source("s.txt", (), "c"), ValueError, "at least one section"),
        (lambda: Source("s.txt", "Section", "c"), ValueError, "`sections`"),
        (lambda: EarlyStoppingRule("val_loss", 0), ValueError, "patience=0"),
        (lambda: EarlyStoppingRule("", 3), ValueError, "Received monitor=''"),
        (
            lambda: EarlyStoppingRule("val_loss", 3, mode="up"),
            ValueError,
            "Received mode='up'",
        ),
        (
            lambda: PiecewiseConstantByEpoch((20, 10), (1.0, 0.1, 0.01)),
            ValueError,
            "strictly increasing epochs",
        ),
        (
            lambda: PiecewiseConstantByEpoch((10,), (1.0,)),
            ValueError,
            r"one more value than boundaries \(2\)",
        ),
        (lambda: InverseTimeDecayByStep(0), ValueError, "decay_rate=0"),
        (
            lambda: WarmupCosineDecayByEpoch(-1),
            ValueError,
            r"Expected a number >= 0. Received warmup_epochs=-1",
        ),
        (
            lambda: WarmupCosineDecayByEpoch(1, start_fraction=0),
            ValueError,
            r"`start_fraction`. Expected a float in \(0, 1\]",
        ),
        (
            lambda: WarmupCosineDecayByEpoch(1, final_fraction=1.0),
            ValueError,
            r"`final_fraction`. Expected a float in the range \[0, 1\)",
        ),
        (
            lambda: Sweep("lr", ("lr", "accuracy"), ((0.1,),)),
            ValueError,
            "rows of 2 values",
        ),
    ],
)
def test_bad_parts(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_warmup_cosine_decay_spans_the_run_it_is_built_for():
    r = _recipe(
        learning_rate=0.2,
        epochs=4,
        schedule=WarmupCosineDecayByEpoch(1, start_fraction=0.1),
    )
    steps = 10

    def at(schedule, step):
        return float(keras.ops.convert_to_numpy(schedule(step)))

    schedule = r.learning_rate_schedule(steps)
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert at(schedule, 0) == pytest.approx(0.02)  # start_fraction x peak
    assert at(schedule, 5) == pytest.approx(0.11)  # halfway up, linearly
    assert at(schedule, 10) == pytest.approx(0.2)  # the peak, one epoch in
    assert at(schedule, 25) == pytest.approx(0.1)  # halfway down the cosine
    assert at(schedule, 40) == pytest.approx(0.0, abs=1e-7)
    # Fewer epochs: the same cycle, compressed to the shorter run.
    short = dataclasses.replace(r, epochs=2).learning_rate_schedule(steps)
    assert at(short, 10) == pytest.approx(0.2)
    assert at(short, 15) == pytest.approx(0.1)
    assert at(short, 20) == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="`steps_per_epoch` is required"):
        r.learning_rate_schedule()
    assert str(r.schedule) == (
        "linear warm-up from 0.1x over 1 epoch(s), then cosine decay to 0x"
    )


def test_label_smoothing_and_test_time_augmentation():
    r = _recipe(label_smoothing=0.1, test_time_augmentation="flip")
    assert (r.label_smoothing, r.test_time_augmentation) == (0.1, "flip")
    with pytest.raises(ValueError, match=r"Received label_smoothing=1.0"):
        _recipe(label_smoothing=1.0)
    with pytest.raises(
        ValueError,
        match=r"`test_time_augmentation`. Expected one of \['flip', "
        r"'flip_translate'\]. Received test_time_augmentation='crop'",
    ):
        _recipe(test_time_augmentation="crop")


def test_a_source_without_a_seed_report():
    source = Source(None, ("airbench94",), "Jordan (2024)")
    assert source.report is None
    assert str(source) == "Jordan (2024), airbench94"
    assert recipe("fast_cifar").source.report is None


def test_source_seed_is_a_deprecated_alias_of_report():
    source = recipe("li2018_model1").source
    with pytest.warns(DeprecationWarning, match="use `Source.report`"):
        assert source.seed == source.report == "003_9b08b6f72382b430.txt"


def test_triangular_schedule_and_lookahead_of_fast_cifar_airbench():
    from keras_cifar_blocks.architectures.recipes import LookaheadRule
    from keras_cifar_blocks.architectures.recipes import TriangularByEpoch
    from keras_cifar_blocks.optimizers import Lookahead

    r = recipe("fast_cifar_airbench")
    assert r.test_time_augmentation == "flip_translate"
    assert dict(r.optimizer_options) == {
        "momentum": 0.85,
        "nesterov": True,
        "weight_decay": 0.00887,
    }
    rates = [r.learning_rate_at(epoch, 49) for epoch in (0, 2)]
    assert rates[0] == pytest.approx(0.3)
    assert rates[1] == pytest.approx(0.3 + 1.2 * 98 / 112, rel=1e-5)
    (callback,) = r.callbacks()
    assert isinstance(callback, Lookahead)
    assert callback.get_config() == {
        "start_epoch": 3,
        "every": 5,
        "decay": 0.95,
        "decay_power": 3.0,
    }
    assert "peak at 23%" in str(r.schedule)
    with pytest.raises(ValueError, match="Received peak_fraction=1.0"):
        TriangularByEpoch(1.0)
    with pytest.raises(ValueError, match="Received every=0"):
        LookaheadRule(every=0)
    # The shortest run still goes up and down.
    assert TriangularByEpoch(0.23).build(1.0, 1, 1).boundaries == (0, 1, 2)


def test_with_overrides_replaces_training_fields_and_checks_them():
    base = recipe("li2018_model3_1")
    assert base.with_overrides(None) is base
    changed = base.with_overrides(
        {
            "optimizer_options.epsilon": 1e-14,
            "learning_rate": 5e-4,
            "augmentation": None,
        }
    )
    options = dict(changed.optimizer_options)
    assert options["epsilon"] == 1e-14
    # The other options are kept.
    assert {k: v for k, v in options.items() if k != "epsilon"} == {
        k: v for k, v in dict(base.optimizer_options).items() if k != "epsilon"
    }
    assert (changed.learning_rate, changed.augmentation) == (5e-4, None)
    assert (changed.accuracy, changed.protocol) == (
        base.accuracy,
        base.protocol,
    )
    replaced = base.with_overrides({"optimizer_options": {"rho": 0.8}})
    assert dict(replaced.optimizer_options) == {"rho": 0.8}
    # Checked as any recipe: an unknown option, a bad normalization.
    with pytest.raises(ValueError, match="'nesterov' is not an argument"):
        base.with_overrides({"optimizer_options.nesterov": True})
    with pytest.raises(ValueError, match="input_normalization"):
        base.with_overrides({"input_normalization": "zscore"})


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        ({"name": "x"}, ValueError, "Expected keys among"),
        ({"epochs.max": 3}, ValueError, "Expected keys among"),
        ({"schedule": "cosine"}, ValueError, "can only be switched off"),
        ([("epochs", 3)], TypeError, "Expected a dict of recipe fields"),
    ],
)
def test_with_overrides_refuses_what_it_cannot_change(overrides, error, match):
    with pytest.raises(error, match=match):
        recipe("li2018_model1").with_overrides(overrides)
