"""`train`: argument checks, the run folder it writes, and its refusals.

Most tests share one small finished run (`trained_run` in conftest.py);
the checks of arguments and folders fail before any data is loaded.
"""

import json
import shutil

import keras
import numpy as np
import pytest

from keras_cifar_blocks.architectures import names
from keras_cifar_blocks.architectures import recipe
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training import train
from tests.training.conftest import RUN_SETTINGS


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": -1}, "argument `epochs`. Expected a strictly positive"),
        ({"epochs": 0}, "argument `epochs`. Expected a strictly positive"),
        ({"batch_size": 0}, "argument `batch_size`. Expected a strictly"),
        ({"subset": 10}, r"`subset`. Expected an integer in \[20, 50000\]"),
        ({"subset": 50_001}, r"`subset`. Expected an integer in \[20, 50000"),
        ({"test_subset": 5}, r"`test_subset`. Expected an integer in \[10,"),
        (
            {"validation_split": -0.1},
            r"`validation_split`. Expected a float in the range \[0, 1\)",
        ),
        (
            {"validation_split": 1},
            r"`validation_split`. Expected a float in the range \[0, 1\)",
        ),
        ({"validation_split": 0, "keep": "best"}, "no validation data"),
        (
            {"validation_split": 0.1, "validate_on_test": True},
            "needs validation_split=0",
        ),
        ({"keep": "first"}, "argument `keep`. Expected one of"),
        ({"precision": "float16"}, "argument `precision`. Expected one of"),
        ({"seed": -1}, "argument `seed`. Expected a non-negative integer"),
        ({"verbose": 3}, "argument `verbose`. Expected one of"),
    ],
)
def test_invalid_arguments(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        train("li2018_model1", out=tmp_path / "run", **kwargs)
    assert not (tmp_path / "run").exists()


def test_val_split_is_the_deprecated_name_of_validation_split(tmp_path):
    with pytest.warns(DeprecationWarning, match="`val_split` is deprecated"):
        with pytest.raises(ValueError, match="`validation_split`. Expected"):
            train("li2018_model1", out=tmp_path / "run", val_split=1)
    with pytest.raises(TypeError, match="Pass the validation share once"):
        train("li2018_model1", validation_split=0.2, val_split=0.3)
    assert not (tmp_path / "run").exists()


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="argument `name`") as info:
        train("li2018_model9")
    assert all(name in str(info.value) for name in names())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"overrides": {"depth": 3}}, r"Unknown override\(s\) \['depth'\]"),
        ({"overrides": [("a", 1)]}, "argument `overrides`. Expected a dict"),
        ({"augment": "no"}, "argument `augment`. Expected a bool"),
        ({"distribute": 1}, "argument `distribute`. Expected a bool"),
        ({"out": 3}, "argument `out`. Expected a folder path"),
        ({"command": "kcb train"}, "argument `command`. Expected a list"),
    ],
)
def test_invalid_types(kwargs, match):
    with pytest.raises(TypeError, match=match):
        train("li2018_model1", **kwargs)


def test_refuses_a_folder_with_another_architectures_run(tmp_path):
    config = {"architecture": "wrn_28_10", "status": "complete"}
    run_dir.write_json(tmp_path / run_dir.CONFIG, config)
    (tmp_path / run_dir.MODEL).write_bytes(b"their model")
    with pytest.raises(FileExistsError, match="holds a run of 'wrn_28_10'"):
        train("li2018_model1", out=tmp_path, overwrite=True)
    assert run_dir.read_json(tmp_path / run_dir.CONFIG) == config
    assert (tmp_path / run_dir.MODEL).read_bytes() == b"their model"


def test_overwrite_keeps_the_old_run_when_the_data_is_missing(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    config = {"architecture": "li2018_model1", "status": "complete"}
    run_dir.write_json(run / run_dir.CONFIG, config)
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz"):
        train("li2018_model1", out=run, overwrite=True, data_dir=tmp_path)
    assert run_dir.read_json(run / run_dir.CONFIG) == config


def test_refuses_a_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="holds no run"):
        train("li2018_model1", out=tmp_path)


def test_refuses_to_resume_with_other_settings(tmp_path):
    settings = {
        "epochs": 3,
        "batch_size": 128,
        "subset": 1000,
        "test_subset": None,
        "val_split": 0.1,
        "seed": 0,
        "overrides": {},
        "augment": True,
        "shuffle": True,
        "distribute": False,
    }
    run_dir.write_json(
        tmp_path / run_dir.CONFIG,
        {
            "architecture": "li2018_model1",
            "status": "running",
            "settings": settings,
        },
    )
    with pytest.raises(ValueError, match=r"other settings \(seed: 0 -> 1\)"):
        train("li2018_model1", out=tmp_path, epochs=5, subset=1000, seed=1)


def test_distribute_on_torch_is_refused():
    if keras.backend.backend() != "torch":
        pytest.skip("checks the torch backend's refusal")
    with pytest.raises(ValueError, match="not supported on the 'torch'"):
        train("li2018_model1", distribute=True)


def test_run_folder_contents(trained_run):
    for name in (
        run_dir.CONFIG,
        run_dir.HISTORY,
        run_dir.MODEL,
        run_dir.METRICS,
        run_dir.REPORT,
        run_dir.LEARNING_CURVES,
        run_dir.CONFUSION_MATRIX,
        run_dir.MISCLASSIFIED,
    ):
        assert (trained_run / name).is_file(), name
    # The backup is deleted at the end of training, the checkpoint
    # folder once its files are moved to model.keras.
    assert not (trained_run / run_dir.BACKUP).exists()
    assert not (trained_run / run_dir.CHECKPOINTS).exists()
    assert not list(trained_run.glob(".*.tmp"))


def test_config_records_recipe_settings_data_and_versions(trained_run):
    config = run_dir.read_json(trained_run / run_dir.CONFIG)
    assert config["architecture"] == "li2018_model1"
    assert config["status"] == "complete"
    assert config["parameters"] == 42442
    assert config["recipe"]["optimizer"] == "adam"
    assert config["recipe"]["accuracy"]["value"] == 0.6834
    settings = config["settings"]
    assert settings["epochs"] == RUN_SETTINGS["epochs"]
    assert settings["batch_size"] == 150
    assert config["recipe"]["batch_size"] == 128
    assert settings["subset"] == RUN_SETTINGS["subset"]
    assert config["data"]["sizes"] == {
        "train": 450,
        "validation": 50,
        "test": 256,
    }
    assert config["data"]["normalization"]["mode"] == "divide_by_255"
    assert config["training"]["loss"] == "sparse_categorical_crossentropy"
    assert config["training"]["steps_per_epoch"] == 3
    assert config["environment"]["backend"] == keras.backend.backend()


def test_history_has_one_entry_per_epoch(trained_run):
    history = run_dir.read_json(trained_run / run_dir.HISTORY)
    assert history["epoch"] == [1, 2]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds"):
        assert len(history[key]) == 2
        assert all(np.isfinite(history[key]))
    assert history["learning_rate"] == pytest.approx([1e-3, 1e-3])


def test_metrics_are_consistent(trained_run):
    metrics = run_dir.read_json(trained_run / run_dir.METRICS)
    confusion = np.array(metrics["confusion_matrix"])
    assert confusion.shape == (10, 10)
    assert confusion.sum() == metrics["test_size"] == 256
    assert metrics["test_accuracy"] == pytest.approx(
        np.trace(confusion) / confusion.sum()
    )
    assert metrics["class_names"][3] == "cat"
    f1s = []
    for i, name in enumerate(metrics["class_names"]):
        scores = metrics["per_class"][name]
        precision = confusion[i, i] / max(confusion[:, i].sum(), 1)
        recall = confusion[i, i] / confusion[i, :].sum()
        assert scores["precision"] == pytest.approx(precision)
        assert scores["recall"] == pytest.approx(recall)
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision + recall
            else 0.0
        )
        assert scores["f1"] == pytest.approx(f1)
        # A balanced test subset: 26 of the first 6 classes, 25 of the rest.
        assert scores["support"] == (26 if i < 6 else 25)
        f1s.append(f1)
    assert metrics["macro_avg"]["f1"] == pytest.approx(np.mean(f1s))
    assert 0.0 < metrics["test_loss"] < 10.0
    history = run_dir.read_json(trained_run / run_dir.HISTORY)
    best = int(np.argmax(history["val_accuracy"])) + 1
    assert metrics["best_epoch"] == best
    assert metrics["epochs_run"] == 2


def test_report_mentions_the_documented_accuracy(trained_run):
    report = (trained_run / run_dir.REPORT).read_text()
    metrics = run_dir.read_json(trained_run / run_dir.METRICS)
    assert f"| This run | {100 * metrics['test_accuracy']:.2f}% |" in report
    assert "| Documented | 68.34% | CIFAR-10 test set |" in report
    assert 'Li (2018), "CIFAR10 CNN use Keras"' in report
    assert "**Not a replication.**" in report


def test_model_keras_is_the_best_epochs_model(trained_run):
    model = keras.saving.load_model(trained_run / run_dir.MODEL)
    assert model.name == "li2018_model1"
    metrics = run_dir.read_json(trained_run / run_dir.METRICS)
    config = run_dir.read_json(trained_run / run_dir.CONFIG)
    steps = config["training"]["steps_per_epoch"]
    # The optimizer has taken the steps of the epochs up to the best one.
    iterations = keras.ops.convert_to_numpy(model.optimizer.iterations)
    assert int(iterations) == metrics["best_epoch"] * steps


def test_refuses_to_overwrite_a_finished_run(trained_run):
    before = (trained_run / run_dir.METRICS).read_bytes()
    with pytest.raises(FileExistsError, match="already holds a finished run"):
        train("li2018_model1", out=trained_run, **RUN_SETTINGS)
    assert (trained_run / run_dir.METRICS).read_bytes() == before


def test_a_trained_but_unevaluated_run_is_only_evaluated(
    trained_run, cifar10_dir, tmp_path
):
    run = shutil.copytree(trained_run, tmp_path / "run")
    run_dir.set_status(run, "trained")
    for name in (run_dir.METRICS, run_dir.REPORT, run_dir.MISCLASSIFIED):
        (run / name).unlink()
    history = (run / run_dir.HISTORY).read_bytes()
    model = (run / run_dir.MODEL).read_bytes()
    train(
        "li2018_model1",
        out=run,
        data_dir=cifar10_dir,
        verbose=0,
        **RUN_SETTINGS,
    )
    assert (run / run_dir.HISTORY).read_bytes() == history
    assert (run / run_dir.MODEL).read_bytes() == model
    assert run_dir.read_json(run / run_dir.CONFIG)["status"] == "complete"
    assert json.loads((run / run_dir.METRICS).read_text()) | {
        "evaluated": None
    } == run_dir.read_json(trained_run / run_dir.METRICS) | {"evaluated": None}


@pytest.mark.slow
def test_recipe_with_augmentation_categorical_loss_and_standardization(
    cifar10_dir, tmp_path
):
    """donzella_cnn: one-hot labels, the 'donzella' preset in tf.data,
    per-channel standardization and early stopping on `accuracy`."""
    run = train(
        "donzella_cnn",
        epochs=1,
        batch_size=32,
        subset=200,
        test_subset=100,
        data_dir=cifar10_dir,
        out=tmp_path / "run",
        verbose=0,
    )
    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["training"]["loss"] == "categorical_crossentropy"
    assert config["training"]["one_hot_labels"] is True
    assert config["training"]["augmentation"] == "donzella"
    assert config["training"]["early_stopping"]["monitor"] == "accuracy"
    normalization = config["data"]["normalization"]
    assert normalization["mode"] == "standardize_per_channel"
    assert len(normalization["mean"]) == 3
    metrics = run_dir.read_json(run / run_dir.METRICS)
    assert metrics["test_size"] == 100
    assert "Augmentation: donzella" in (run / run_dir.REPORT).read_text()


# About 30 s under JAX (compiling the train, test and predict steps of a
# 2M-parameter model); tests/architectures fit fast_cifar under JAX in CI.
@(pytest.mark.slow if keras.backend.backend() == "jax" else lambda f: f)
def test_fast_cifar_trains_with_label_smoothing_and_flip_averaging(
    cifar10_dir, tmp_path
):
    """fast_cifar: Nesterov SGD with the warm-up/cosine schedule, label
    smoothing (one-hot labels), cifar_standard in tf.data, and a test
    accuracy averaged over each image and its mirror image."""
    run = train(
        "fast_cifar",
        epochs=2,
        batch_size=100,
        subset=500,
        test_subset=200,
        data_dir=cifar10_dir,
        out=tmp_path / "run",
        verbose=0,
    )
    config = run_dir.read_json(run / run_dir.CONFIG)
    training = config["training"]
    assert training["loss"] == "categorical_crossentropy"
    assert training["label_smoothing"] == 0.2
    assert training["one_hot_labels"] is True
    assert training["augmentation"] == "cifar_standard"
    assert config["recipe"]["schedule"]["type"] == "WarmupCosineDecayByEpoch"
    assert config["recipe"]["test_time_augmentation"] == "flip"
    history = run_dir.read_json(run / run_dir.HISTORY)
    # One warm-up epoch of 5 steps to the peak, then the cosine down to 0
    # at the last step: the second epoch's last rate is near 0.
    rates = history["learning_rate"]
    peak = recipe("fast_cifar").learning_rate
    assert rates[0] == pytest.approx(peak, rel=1e-3)
    assert rates[1] < 0.1 * peak
    metrics = run_dir.read_json(run / run_dir.METRICS)
    assert metrics["test_time_augmentation"] == "flip"
    assert metrics["test_size"] == 200
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    # The flip-averaged probabilities are what metrics.json scores.
    model = keras.saving.load_model(run / run_dir.MODEL)
    from keras_cifar_blocks.training import predict_with_flip
    from keras_cifar_blocks.training.data import load_test_data
    from keras_cifar_blocks.training.normalization import InputNormalization

    x_test, y_test = load_test_data("cifar10", cifar10_dir, 200, 0)
    normalization = InputNormalization.from_config(
        config["data"]["normalization"]
    )
    probabilities = predict_with_flip(model, normalization.apply(x_test))
    accuracy = float(np.mean(probabilities.argmax(1) == y_test.reshape(-1)))
    assert metrics["test_accuracy"] == pytest.approx(accuracy, abs=1 / 200)


def test_early_stopping_on_validation_needs_validation_data(tmp_path):
    with pytest.raises(ValueError, match="stops early on 'val_loss'"):
        train("schnack2022", validation_split=0, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_callbacks_must_be_keras_callbacks():
    with pytest.raises(TypeError, match="argument `callbacks`"):
        train("li2018_model1", callbacks=[print])


def test_no_validation_split_trains_on_everything_under_a_precision(
    tmp_path, cifar10_dir
):
    before = keras.config.dtype_policy().name
    # `val_split`, the deprecated name of `validation_split`, still works.
    with pytest.warns(DeprecationWarning, match="`val_split` is deprecated"):
        run = train(
            "li2018_model1",
            data_dir=cifar10_dir,
            out=tmp_path / "run",
            epochs=2,
            subset=300,
            test_subset=100,
            val_split=0,
            precision="mixed_bfloat16",
            verbose=0,
        )
    # The global policy is put back; the run records the one it used.
    assert keras.config.dtype_policy().name == before
    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["settings"]["precision"] == "mixed_bfloat16"
    assert config["settings"]["keep"] == "last"
    assert config["data"]["sizes"] == {
        "train": 300,
        "validation": 0,
        "test": 100,
    }
    assert config["training"]["validation_data"] == "none"
    history = run_dir.read_json(run / run_dir.HISTORY)
    assert history["epoch"] == [1, 2]
    assert "val_accuracy" not in history
    model = keras.saving.load_model(run / run_dir.MODEL)
    assert model.get_layer("predictions").compute_dtype == "float32"
    assert model.get_layer("stage_1").compute_dtype == "bfloat16"
    metrics = run_dir.read_json(run / run_dir.METRICS)
    assert metrics["epochs_run"] == 2
    assert metrics["best_epoch"] is None


def test_config_records_where_the_data_was_found(
    tmp_path, cifar10_dir, monkeypatch
):
    # No data_dir argument: the data comes from KCB_DATA_DIR.
    monkeypatch.setenv("KCB_DATA_DIR", str(cifar10_dir))
    run = train(
        "li2018_model1",
        out=tmp_path / "run",
        epochs=1,
        subset=200,
        test_subset=100,
        verbose=0,
    )
    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["data"]["data_dir"] == str(cifar10_dir.resolve())
    assert config["data"]["class_names"][6] == "frog"


# The steps of `train`, alone.


def test_resume_state_step(tmp_path):
    from keras_cifar_blocks.training.settings import TrainSettings
    from keras_cifar_blocks.training.training_loop import resume_state

    settings = TrainSettings(epochs=3, batch_size=128, subset=1000)
    assert resume_state(tmp_path, "li2018_model1", settings, False) is None
    recorded = {**settings.as_config(), "epochs": 2}
    del recorded["precision"]  # Recorded before the setting existed.
    run_dir.write_json(
        tmp_path / run_dir.CONFIG,
        {
            "architecture": "li2018_model1",
            "status": "running",
            "settings": recorded,
        },
    )
    existing = resume_state(tmp_path, "li2018_model1", settings, False)
    assert existing["settings"]["precision"] == "float32"
    assert resume_state(tmp_path, "li2018_model1", settings, True) is None
    other = TrainSettings(epochs=3, batch_size=64, subset=1000)
    with pytest.raises(ValueError, match=r"\(batch_size: 128 -> 64\)"):
        resume_state(tmp_path, "li2018_model1", other, False)


def test_make_callbacks_step(tmp_path):
    from keras_cifar_blocks.training.run_recorder import RunRecorder
    from keras_cifar_blocks.training.settings import TrainSettings
    from keras_cifar_blocks.training.training_loop import make_callbacks

    settings = TrainSettings(epochs=3, batch_size=128)
    history = {"epoch": [1, 2], "val_accuracy": [0.3, 0.4]}
    callbacks = make_callbacks(
        tmp_path, recipe("li2018_model1"), settings, history
    )
    checkpoint, recorder = callbacks[:2]
    assert isinstance(checkpoint, keras.callbacks.ModelCheckpoint)
    assert checkpoint.save_best_only
    assert checkpoint.best == 0.4  # A resumed run beats its best so far.
    assert isinstance(recorder, RunRecorder)
    assert isinstance(callbacks[-1], keras.callbacks.BackupAndRestore)
    assert (tmp_path / run_dir.CHECKPOINTS).is_dir()
