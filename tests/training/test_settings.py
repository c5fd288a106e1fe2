"""`TrainSettings`: each field checked, errors naming the argument."""

import dataclasses

import keras
import pytest

from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.training.settings import TrainSettings
from keras_cifar_blocks.training.settings import validation_split_argument


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": 0}, ValueError, "argument `epochs`. Expected a strictly"),
        ({"batch_size": 1.5}, ValueError, "argument `batch_size`"),
        ({"subset": 0}, ValueError, r"`subset`. Expected an integer in \[1,"),
        ({"test_subset": 10_001}, ValueError, "argument `test_subset`"),
        ({"validation_split": 1.0}, ValueError, "argument `validation_split`"),
        ({"seed": -1}, ValueError, "`seed`. Expected a non-negative integer"),
        ({"seed": True}, ValueError, "argument `seed`"),
        ({"overrides": [1]}, TypeError, "argument `overrides`"),
        ({"augment": 1}, TypeError, "argument `augment`. Expected a bool"),
        ({"shuffle": "yes"}, TypeError, "argument `shuffle`"),
        ({"keep": "first"}, ValueError, "argument `keep`. Expected one of"),
        ({"precision": "float7"}, ValueError, "argument `precision`"),
        ({"images": 3}, TypeError, "argument `images`. Expected a folder"),
        ({"test_images": "x"}, ValueError, "Expected it only with `images`"),
        ({"images": "/no/such/folder"}, FileNotFoundError, "`images`"),
        (
            {"validation_split": 0.2, "validate_on_test": True},
            ValueError,
            "needs validation_split=0",
        ),
        ({"validation_split": 0}, ValueError, "no validation data"),
    ],
)
def test_invalid_fields_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainSettings(**{"epochs": 2, "batch_size": 32, **kwargs})


def test_settings_are_frozen_and_normalized(tmp_path):
    settings = TrainSettings(
        epochs=2, batch_size=32, overrides=None, images=str(tmp_path)
    )
    assert settings.overrides == {}
    assert settings.validation_split == 0.1
    assert settings.images == str(tmp_path.resolve())
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.epochs = 3


def test_as_config_keeps_the_recorded_key_order():
    config = TrainSettings(epochs=2, batch_size=32).as_config()
    assert list(config) == [
        "epochs",
        "batch_size",
        "subset",
        "test_subset",
        "val_split",
        "seed",
        "overrides",
        "recipe_overrides",
        "augment",
        "shuffle",
        "distribute",
        "validate_on_test",
        "keep",
        "precision",
        "images",
        "test_images",
    ]


def test_for_architecture_fills_in_the_recipe():
    entry = get_architecture("li2018_model1")
    settings = TrainSettings.for_architecture(entry)
    assert settings.epochs == entry.recipe.epochs
    assert settings.batch_size == entry.recipe.batch_size
    assert settings.keep == "best"
    assert settings.precision == keras.config.dtype_policy().name
    last = TrainSettings.for_architecture(entry, validation_split=0)
    assert last.keep == "last"


@pytest.mark.parametrize(
    "name, kwargs, error, match",
    [
        ("li2018_model1", {"subset": 19}, ValueError, r"\[20, 50000\]"),
        ("li2018_model1", {"test_subset": 9}, ValueError, r"\[10, 10000\]"),
        (
            "li2018_model1",
            {"overrides": {"depth": 3}},
            TypeError,
            r"Unknown override\(s\) \['depth'\]",
        ),
        (
            "li2018_model1",
            {"precision": "float16"},
            ValueError,
            "argument `precision`. Expected one of",
        ),
        (
            "schnack2022",
            {"validation_split": 0, "keep": "last"},
            ValueError,
            "stops early on 'val_loss'",
        ),
        (
            "li2018_model1",
            {"recipe_overrides": {"lookahead": {"every": 5}}},
            ValueError,
            "'lookahead' can only be switched off",
        ),
        (
            "li2018_model1",
            {"recipe_overrides": {"epochs": 0}},
            ValueError,
            "Received epochs=0",
        ),
    ],
)
def test_for_architecture_checks_what_depends_on_it(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainSettings.for_architecture(get_architecture(name), **kwargs)


def test_val_split_alias():
    assert validation_split_argument(0.3) == 0.3
    with pytest.warns(DeprecationWarning, match="`val_split` is deprecated"):
        assert validation_split_argument(0.1, val_split=0.2) == 0.2
    with pytest.raises(TypeError, match="Pass the validation share once"):
        validation_split_argument(0.3, val_split=0.2)


def test_recipe_overrides_change_the_run_and_its_defaults():
    entry = get_architecture("schnack2022")
    settings = TrainSettings.for_architecture(
        entry,
        validation_split=0,
        recipe_overrides={"epochs": 7, "early_stopping": None},
    )
    # The recipe's epochs are the overridden ones, and without early
    # stopping no validation data is needed.
    assert settings.epochs == 7
    assert settings.keep == "last"
    recipe = settings.recipe_of(entry)
    assert (recipe.epochs, recipe.early_stopping) == (7, None)
    assert entry.recipe.epochs == 100  # the registry's is unchanged
    assert settings.as_config()["recipe_overrides"] == {
        "epochs": 7,
        "early_stopping": None,
    }
    assert TrainSettings.for_architecture(entry).recipe_of(entry) == (
        entry.recipe
    )


def test_recipe_overrides_must_be_json_values():
    with pytest.raises(TypeError, match="Expected JSON values"):
        TrainSettings(
            epochs=1, batch_size=8, recipe_overrides={"learning_rate": object()}
        )
    with pytest.raises(TypeError, match="Received recipe_overrides=3"):
        TrainSettings(epochs=1, batch_size=8, recipe_overrides=3)
