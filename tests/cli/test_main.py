import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.architectures import names
from keras_cifar_blocks.cli.main import main
from keras_cifar_blocks.training import run_dir

ROOT = Path(__file__).parents[2]


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


# --------------------------------------------------------------------------
# kcb list
# --------------------------------------------------------------------------


def test_list_prints_a_table_of_every_architecture(capsys, tmp_path):
    assert main(["list", "--reproductions", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "NAME",
        "PARAMETERS",
        "DOCUMENTED",
        "ACCURACY",
        "REPRODUCED",
        "SOURCE",
    ]
    assert [line.split()[0] for line in lines[1:]] == names()
    row = next(line for line in lines if line.startswith("li2018_model1 "))
    assert "42,442" in row
    assert "68.34% (CIFAR-10)" in row
    assert 'Li (2018), "CIFAR10 CNN use Keras"' in row
    assert row.split()[4] == "-"  # Not reproduced in tmp_path.


def _write_row(results, row, **summary):
    (results / row).mkdir(parents=True)
    run_dir.write_json(
        results / row / "reproduction.json",
        {
            "architecture": "li2018_model1",
            "status": "complete",
            "full_protocol": True,
            "ours": 0.6789,
            "difference_points": -0.45,
            "epochs_run": 100,
            "backend": "tensorflow",
            "precision": "mixed_bfloat16",
            **summary,
        },
    )


def test_list_shows_the_reproduced_accuracy(capsys, tmp_path):
    _write_row(tmp_path, "li2018_model1")
    _write_row(tmp_path, "li2018_model1-float32", ours=0.7, precision="f")
    _write_row(
        tmp_path, "schnack2022", architecture="schnack2022", status="partial"
    )
    assert main(["list", "--reproductions", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(line for line in lines if line.startswith("li2018_model1 "))
    # The default precision's row, not the float32 control.
    assert "67.89%" in row
    row = next(line for line in lines if line.startswith("schnack2022 "))
    assert " - " in row  # A partial row is not a result.
    assert main(["list", "--json", "--reproductions", str(tmp_path)]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["li2018_model1"]["reproduced"]["ours"] == 0.6789
    assert rows["schnack2022"]["reproduced"] is None


def test_list_refuses_a_missing_reproductions_folder(capsys, tmp_path):
    assert main(["list", "--reproductions", str(tmp_path / "no")]) == 2
    assert "--reproductions" in capsys.readouterr().err


def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == names()
    row = rows[names().index("donzella_inception_resnet_v2")]
    entry = get_architecture("donzella_inception_resnet_v2")
    assert row["parameters"] == entry.parameters
    assert row["trainable_parameters"] == entry.trainable_parameters
    assert row["documented_accuracy"]["value"] == entry.recipe.accuracy.value
    assert row["source"]["report"] == entry.recipe.source.report
    assert row["source"]["seed"] == entry.recipe.source.report


# --------------------------------------------------------------------------
# kcb train and kcb evaluate
# --------------------------------------------------------------------------


def test_train_then_evaluate_on_real_cifar10(tmp_path, cifar10_dir, capsys):
    run = tmp_path / "run"
    argv = [
        "train",
        "li2018_model1",
        "--subset",
        "1000",
        "--epochs",
        "1",
        # Batches of one shape (9 x 100, 100, 2 x 256): one JAX compile.
        "--batch-size",
        "100",
        "--test-subset",
        "512",
        "--data-dir",
        str(cifar10_dir),
        "--out",
        str(run),
        "--verbose",
        "0",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert _last_line(out) == f"Report folder: {run}"
    assert "documented: 68.34% (CIFAR-10)" in out
    for name in run_dir.RUN_FILES:
        assert (run / name).is_file(), name

    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["command"] == ["kcb", *argv]
    assert config["settings"]["subset"] == 1000
    assert config["data"]["sizes"] == {
        "train": 900,
        "validation": 100,
        "test": 512,
    }
    assert run_dir.read_json(run / run_dir.HISTORY)["epoch"] == [1]

    metrics = run_dir.read_json(run / run_dir.METRICS)
    confusion = np.array(metrics["confusion_matrix"])
    assert confusion.sum() == metrics["test_size"] == 512
    assert metrics["test_accuracy"] == pytest.approx(
        np.trace(confusion) / confusion.sum()
    )
    for i, name in enumerate(metrics["class_names"]):
        scores = metrics["per_class"][name]
        p, r = scores["precision"], scores["recall"]
        assert r == pytest.approx(confusion[i, i] / confusion[i].sum())
        assert scores["f1"] == pytest.approx(
            2 * p * r / (p + r) if p + r else 0
        )
        assert scores["support"] == (52 if i < 2 else 51)
    report = (run / run_dir.REPORT).read_text()
    assert "| Documented | 68.34% | CIFAR-10 test set |" in report
    assert f"{100 * metrics['test_accuracy']:.2f}%" in report

    (run / run_dir.METRICS).unlink()
    assert main(["evaluate", str(run), "--data-dir", str(cifar10_dir)]) == 0
    assert _last_line(capsys.readouterr().out) == f"Report folder: {run}"
    again = run_dir.read_json(run / run_dir.METRICS)
    assert again["test_accuracy"] == metrics["test_accuracy"]
    assert again["confusion_matrix"] == metrics["confusion_matrix"]


def test_train_unknown_name_lists_the_valid_ones(capsys):
    assert main(["train", "li2018_model9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kcb train: error: Invalid value for argument `name`")
    assert "li2018_model1" in err and "wrn_28_10" in err


def test_train_refuses_another_architectures_run(tmp_path, capsys):
    config = {"architecture": "wrn_28_10", "status": "complete"}
    run_dir.write_json(tmp_path / run_dir.CONFIG, config)
    assert main(["train", "li2018_model1", "--out", str(tmp_path)]) == 2
    assert "Refusing to overwrite" in capsys.readouterr().err
    assert run_dir.read_json(tmp_path / run_dir.CONFIG) == config


def test_train_unknown_override(capsys):
    argv = ["train", "li2018_model1", "--override", "depth=3"]
    assert main(argv) == 2
    assert "Unknown override(s) ['depth']" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "li2018_model1", "--epochs", "-1"], "expected an integer"),
        (["train", "li2018_model1", "--override", "depth"], "KEY=VALUE"),
        (["train", "li2018_model1", "--verbose", "3"], "expected auto, 0, 1"),
        (["demo", "--epochs", "0"], "expected an integer >= 1"),
    ],
)
def test_bad_arguments_exit_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_evaluate_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "is not a run folder" in capsys.readouterr().err


def test_evaluate_says_a_truncated_model_is_corrupt(tmp_path, capsys):
    run_dir.write_json(
        tmp_path / run_dir.CONFIG,
        {"architecture": "li2018_model1", "status": "complete"},
    )
    path = tmp_path / run_dir.MODEL
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(path)
    path.write_bytes(path.read_bytes()[:-200])  # Cut off its zip directory.
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kcb evaluate: error: '{path}' is corrupt")
    assert "File not found" not in err
    assert len(err.strip().splitlines()) == 1


class _RunsCode:
    """Unpickling this runs a shell command: a crafted data file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def test_train_refuses_a_crafted_data_file_in_one_line(tmp_path, capsys):
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    marker = tmp_path / "pwned"
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps(_RunsCode(marker), 2))
    out = tmp_path / "run"
    argv = ["train", "li2018_model1", "--data-dir", str(folder.parent)]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kcb train: error: Refusing to unpickle ")
    assert "may be malicious" in err
    assert len(err.strip().splitlines()) == 1
    assert not marker.exists() and not out.exists()


# The first `kcb train` stops after writing the backup of epoch 1 (and
# says so), so that the SIGKILL lands at a known point.
_STOP_AFTER_FIRST_BACKUP = """
import sys
import time

import keras

from keras_cifar_blocks.cli.main import main

_backup = keras.callbacks.BackupAndRestore.on_epoch_end


def on_epoch_end(self, epoch, logs=None):
    _backup(self, epoch, logs)
    if epoch == 0:
        print("TEST: backup of epoch 1 written", flush=True)
        time.sleep(600)


keras.callbacks.BackupAndRestore.on_epoch_end = on_epoch_end
sys.exit(main(sys.argv[1:]))
"""


def _wait_for(predicate, process, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if process.poll() is not None:
            raise AssertionError(f"exited early ({process.returncode})")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_killed_training_resumes_where_it_stopped(
    tmp_path, cifar10_dir, capsys
):
    run = tmp_path / "run"
    argv = [
        "train",
        "li2018_model1",
        "--subset",
        "500",
        "--test-subset",
        "100",
        "--epochs",
        "3",
        "--batch-size",
        "150",
        "--data-dir",
        str(cifar10_dir),
        "--out",
        str(run),
        "--verbose",
        "2",
    ]
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    log = tmp_path / "first.log"
    with open(log, "w") as stdout:
        first = subprocess.Popen(
            [sys.executable, "-c", _STOP_AFTER_FIRST_BACKUP, *argv],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )
        _wait_for(
            lambda: "TEST: backup of epoch 1 written" in log.read_text(),
            first,
            seconds=300,
        )
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert first.returncode == -signal.SIGKILL
    killed = run_dir.read_json(run / run_dir.HISTORY)
    assert killed["epoch"] == [1]
    assert run_dir.read_json(run / run_dir.CONFIG)["status"] == "running"
    assert (run / run_dir.BACKUP).is_dir()

    # The same command again (in this process: it needs no kill).
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Resuming the run in" in out
    assert "Epoch 1/3" not in out
    assert "Epoch 2/3" in out and "Epoch 3/3" in out
    assert _last_line(out) == f"Report folder: {run}"

    history = run_dir.read_json(run / run_dir.HISTORY)
    assert history["epoch"] == [1, 2, 3]
    assert history["loss"][0] == killed["loss"][0]  # not trained again
    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["status"] == "complete"
    assert len(config["resumed"]) == 1
    assert not (run / run_dir.BACKUP).exists()
    # The saved model's optimizer counts the steps of every epoch up to
    # the best one: the second process went on from the restored state.
    best = run_dir.read_json(run / run_dir.METRICS)["best_epoch"]
    model = keras.saving.load_model(run / run_dir.MODEL)
    steps = config["training"]["steps_per_epoch"]
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == (
        best * steps
    )


# --------------------------------------------------------------------------
# kcb tune
# --------------------------------------------------------------------------


def test_tune_searches_real_cifar10_into_a_run_folder(
    tmp_path, cifar10_dir, capsys
):
    pytest.importorskip("keras_tuner")
    out = tmp_path / "search"
    argv = [
        "tune",
        "conv_stack",
        "--tuner",
        "random",
        "--max-trials",
        "2",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--subset",
        "320",
        "--validation-split",
        "0.25",
        # li2018_model1 is then the only documented point.
        "--option",
        "max_stages=2",
        "--fix",
        "batch_norm=false",
        "--fix",
        "head_units=0",
        "--data-dir",
        str(cifar10_dir),
        "--out",
        str(out),
        "--verbose",
        "0",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Best of 2 completed trial(s)" in printed
    assert "Best documented point: li2018_model1" in printed
    assert f"Run folder: {out}" in printed
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["fixed"] == {
        "batch_norm": False,
        "head_units": 0,
    }
    assert config["settings"]["options"] == {"max_stages": 2}
    assert config["data"]["train"] + config["data"]["validation"] == 320
    trials = json.loads((out / "trials.json").read_text())
    assert [t["point"] for t in trials] == ["li2018_model1", None]
    assert all(t["values"]["batch_norm"] is False for t in trials)
    assert "kcb tune conv_stack --tuner random" in (
        (out / "results.md").read_text()
    )
    # The same command resumes: both trials are kept, none re-run.
    assert main(argv) == 0
    assert json.loads((out / "trials.json").read_text()) == trials


@pytest.mark.parametrize(
    "argv, message",
    [
        (["tune", "resnet"], "Expected one of ['conv_stack', 'wide_resnet'"),
        (["tune", "conv_stack", "--tuner", "grid"], "argument `tuner`"),
        (
            ["tune", "conv_stack", "--fix", "depth=16"],
            "Unknown hyperparameter(s) ['depth'] in fixed",
        ),
    ],
)
def test_tune_bad_arguments_exit_2_before_training(
    argv, message, tmp_path, capsys
):
    pytest.importorskip("keras_tuner")
    out = tmp_path / "search"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kcb tune: error: ")
    assert message in err
    assert not out.exists()


def test_tune_without_keras_tuner_prints_the_install_line(
    tmp_path, capsys, monkeypatch
):
    # As if the `tuner` extra were not installed: `import keras_tuner`
    # fails, and `hypermodels` is imported afresh.
    monkeypatch.setitem(sys.modules, "keras_tuner", None)
    monkeypatch.delitem(
        sys.modules, "keras_cifar_blocks.hypermodels", raising=False
    )
    out = tmp_path / "search"
    assert main(["tune", "conv_stack", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "kcb tune: error: keras_cifar_blocks.hypermodels needs KerasTuner"
    )
    assert 'pip install "keras-cifar-blocks[tuner]"' in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


# --------------------------------------------------------------------------
# kcb info
# --------------------------------------------------------------------------


def test_info(capsys):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["backend"] in ("tensorflow", "jax", "torch")
    assert "ConvBNPoolDropout" in info["layers"]
    assert info["backend_version"]
    assert "devices" not in info


def test_info_devices_lists_what_the_backend_sees(capsys):
    assert main(["info", "--devices"]) == 0
    info = json.loads(capsys.readouterr().out)
    devices = info["devices"]
    assert devices[-1]["type"] == "cpu"
    for device in devices:
        assert device["device"].startswith(device["type"] + ":")
        assert device["name"]


# --------------------------------------------------------------------------
# kcb train --precision --val-split 0 (the former name), and kcb reproduce
# --------------------------------------------------------------------------


def test_train_on_all_images_under_a_precision(tmp_path, cifar10_dir, capsys):
    run = tmp_path / "run"
    argv = [
        "train",
        "li2018_model1",
        "--subset",
        "300",
        "--epochs",
        "1",
        "--val-split",
        "0",
        "--precision",
        "mixed_bfloat16",
        "--test-subset",
        "100",
        "--data-dir",
        str(cifar10_dir),
        "--out",
        str(run),
        "--verbose",
        "0",
    ]
    assert main(argv) == 0
    assert _last_line(capsys.readouterr().out) == f"Report folder: {run}"
    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["settings"]["precision"] == "mixed_bfloat16"
    assert config["settings"]["keep"] == "last"
    assert config["data"]["sizes"]["train"] == 300


def test_train_refuses_validate_on_test_with_a_split(capsys, tmp_path):
    argv = ["train", "li2018_model1", "--validate-on-test"]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 2
    assert "needs validation_split=0" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flag", ["--validation-split", "--val-split"])
def test_train_takes_the_validation_split_by_both_names(flag, capsys, tmp_path):
    # --val-split is the former name of --validation-split.
    argv = ["train", "li2018_model1", "--validate-on-test", flag, "0.3"]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 2
    assert "validation_split=0.3" in capsys.readouterr().err


def _small_reproduce(tmp_path, cifar10_dir, *flags) -> list[str]:
    """`kcb reproduce li2018_model1` on 300 images for 1 epoch, `flags`
    added, into `tmp_path`."""
    return [
        "reproduce",
        "li2018_model1",
        "--epochs",
        "1",
        "--subset",
        "300",
        "--test-subset",
        "100",
        *flags,
        "--data-dir",
        str(cifar10_dir),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--results-dir",
        str(tmp_path / "results"),
        "--verbose",
        "0",
    ]


def test_reproduce_writes_rows_and_the_table(tmp_path, cifar10_dir, capsys):
    results = tmp_path / "results"
    argv = _small_reproduce(tmp_path, cifar10_dir, "--precision", "float32")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "li2018_model1: " in out
    assert "documented 68.34% (CIFAR-10)" in out
    assert _last_line(out) == f"Table: {results / 'README.md'}"
    (summary,) = results.glob("*/reproduction.json")
    row = run_dir.read_json(summary)
    assert row["command"] == "kcb reproduce li2018_model1 " + " ".join(argv[2:])
    assert row["precision"] == "float32"
    assert row["full_protocol"] is False
    (results / "README.md").unlink()
    assert main(["reproduce", "--table", "--results-dir", str(results)]) == 0
    assert summary.parent.name in (results / "README.md").read_text()


def test_reproduce_a_variant_records_its_recipe_flags(
    tmp_path, cifar10_dir, capsys
):
    results = tmp_path / "results"
    argv = _small_reproduce(
        tmp_path,
        cifar10_dir,
        "--recipe",
        "optimizer_options.epsilon=1e-14",
        "--recipe",
        "input_normalization=standardize_per_channel",
    )
    assert main(argv) == 0
    (summary,) = results.glob("*/reproduction.json")
    row = run_dir.read_json(summary)
    assert row["recipe_overrides"] == {
        "optimizer_options.epsilon": 1e-14,
        "input_normalization": "standardize_per_channel",
    }
    assert summary.parent.name.startswith(
        "li2018_model1-input_normalization=standardize_per_channel"
        "+optimizer_options.epsilon=1e-14"
    )
    assert row["command"] == "kcb reproduce li2018_model1 " + " ".join(argv[2:])


def test_train_recipe_flag(tmp_path, capsys):
    argv = ["train", "li2018_model1", "--recipe", "loss=hinge"]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 2
    assert "Invalid value for argument `loss`" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["reproduce"], "Expected architecture names or --all"),
        (["reproduce", "li2018_model1", "--all"], "(not both)"),
        (["reproduce", "li2018_model1", "nope"], "Received name='nope'"),
        (
            ["reproduce", "li2018_model1", "--recipe", "accuracy=0.9"],
            "Expected keys among",
        ),
    ],
)
def test_reproduce_bad_arguments_exit_2(argv, message, capsys, tmp_path):
    argv = [*argv, "--results-dir", str(tmp_path / "results")]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def test_ctrl_c_says_how_to_resume(monkeypatch, capsys):
    import keras_cifar_blocks.cli.main as cli

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_train", interrupted)
    assert main(["train", "li2018_model1"]) == 130
    err = capsys.readouterr().err
    assert "kcb train: interrupted." in err
    assert "Run the same command again to resume" in err
    assert "Traceback" not in err


def test_evaluate_says_when_a_run_is_unfinished(tmp_path, cifar10_dir, capsys):
    from keras_cifar_blocks.training import train

    class StopAfterOneEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(
            "li2018_model1",
            epochs=3,
            subset=300,
            test_subset=100,
            data_dir=cifar10_dir,
            out=run,
            verbose=0,
            callbacks=[StopAfterOneEpoch()],
        )
    argv = ["evaluate", str(run), "--data-dir", str(cifar10_dir)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Unfinished run: 1 of 3 epoch(s) trained" in out
    assert run_dir.read_json(run / run_dir.CONFIG)["status"] == "running"
