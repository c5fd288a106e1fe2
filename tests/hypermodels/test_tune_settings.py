"""`TuneSettings` and the run-folder step of `tune`, alone."""

import dataclasses

import pytest

from keras_cifar_blocks.hypermodels.tune import prepare_folder
from keras_cifar_blocks.hypermodels.tune_settings import TuneSettings
from keras_cifar_blocks.training import run_dir


def test_defaults_and_normalization():
    settings = TuneSettings("conv_stack", tuner="bayesian", fixed=None)
    assert settings.max_trials == 20
    assert settings.fixed == {} and settings.options == {}
    assert TuneSettings("conv_stack").max_trials is None  # Hyperband
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.seed = 1


def test_precision_defaults_to_the_global_policy():
    import keras

    from keras_cifar_blocks.training.settings import dtype_policy

    assert TuneSettings("conv_stack").precision == "float32"
    with dtype_policy("mixed_bfloat16"):
        assert TuneSettings("conv_stack").precision == "mixed_bfloat16"
        given = TuneSettings("conv_stack", precision="float32")
        assert given.precision == "float32"
    assert keras.config.dtype_policy().name == "float32"


def test_as_config_keeps_the_recorded_keys():
    config = TuneSettings("wide_resnet", validation_split=0.2).as_config()
    assert config["val_split"] == 0.2
    assert "validation_split" not in config
    assert list(config)[:3] == ["space", "tuner", "epochs"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"space": 3}, TypeError, "type for argument `space`"),
        ({"factor": True}, ValueError, "argument `factor`"),
        ({"validation_split": 0}, ValueError, "argument `validation_split`"),
        ({"seed": 1.5}, ValueError, "argument `seed`"),
        ({"options": "x"}, TypeError, "type for argument `options`"),
        ({"time_budget": float("inf")}, ValueError, "`time_budget`"),
        (
            {"options": {"dtype_policy": "float32"}},
            ValueError,
            "argument `options`. The dtype policy of a search is its "
            "`precision` argument",
        ),
    ],
)
def test_invalid_fields_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        TuneSettings(**{"space": "conv_stack", **kwargs})


def test_prepare_folder_step(tmp_path):
    settings = TuneSettings("conv_stack", tuner="random", max_trials=2)
    prepare_folder(tmp_path / "run", settings, overwrite=False)
    run_dir.write_json(
        tmp_path / "run" / "config.json", {"settings": settings.as_config()}
    )
    # More trials may resume the search; another seed may not.
    more = dataclasses.replace(settings, max_trials=5)
    prepare_folder(tmp_path / "run", more, overwrite=False)
    other = dataclasses.replace(settings, seed=1)
    with pytest.raises(ValueError, match=r"other settings \(seed: 0 -> 1\)"):
        prepare_folder(tmp_path / "run", other, overwrite=False)
    (tmp_path / "run" / "trials.json").write_text("[]")
    prepare_folder(tmp_path / "run", other, overwrite=True)
    assert not (tmp_path / "run" / "config.json").exists()
    assert not (tmp_path / "run" / "trials.json").exists()
