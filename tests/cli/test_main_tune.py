"""kcb tune: one progress line per finished trial, --time-budget and
--precision."""

import json
import time

import pytest

from keras_cifar_blocks.cli.main import main

# li2018_model1 is then the only documented point.
SMALL_SEARCH = [
    "tune",
    "conv_stack",
    "--tuner",
    "random",
    "--max-trials",
    "3",
    "--epochs",
    "1",
    "--batch-size",
    "64",
    "--subset",
    "300",
    "--val-split",
    "0.25",
    "--option",
    "max_stages=2",
    "--fix",
    "batch_norm=false",
    "--fix",
    "head_units=0",
]


def _progress_lines(text):
    return [line for line in text.splitlines() if line.startswith("trial ")]


@pytest.mark.filterwarnings("ignore:Skipping variable loading:UserWarning")
def test_tune_prints_each_trial_and_stops_at_the_time_budget(
    cifar10_dir, tmp_path, capsys, monkeypatch
):
    pytest.importorskip("keras_tuner")
    from keras_cifar_blocks.hypermodels import base_hypermodel

    # Every trial takes a second more: a budget of half a second ends the
    # search after its first trial, however fast the machine.
    fit = base_hypermodel.CifarHyperModel.fit

    def slow_fit(self, *args, **kwargs):
        history = fit(self, *args, **kwargs)
        time.sleep(1.0)
        return history

    monkeypatch.setattr(base_hypermodel.CifarHyperModel, "fit", slow_fit)
    out = tmp_path / "search"
    argv = [
        *SMALL_SEARCH,
        "--data-dir",
        str(cifar10_dir),
        "--out",
        str(out),
        "--precision",
        "mixed_bfloat16",
    ]

    assert main([*argv, "--verbose", "0", "--time-budget", "0.5"]) == 0
    printed = capsys.readouterr().out
    lines = _progress_lines(printed)
    assert len(lines) == 1
    assert lines[0].startswith(
        "trial 1 of 3 (id 0, li2018_model1): val_accuracy "
    )
    assert "Time budget of 0.5 s spent after 1 trial(s); run the same " in (
        printed
    )
    assert "Search: Running Trial" not in printed  # KerasTuner is quiet
    assert json.loads((out / "config.json").read_text())["status"] == (
        "stopped"
    )

    # The same command with a larger budget goes on; --verbose 1 brings
    # KerasTuner's own report back, beside the progress lines.
    assert main([*argv, "--verbose", "1", "--time-budget", "600"]) == 0
    printed = capsys.readouterr().out
    lines = _progress_lines(printed)
    assert [line.split(" (")[0] for line in lines] == [
        "trial 2 of 3",
        "trial 3 of 3",
    ]
    assert "Search: Running Trial #2" in printed
    assert "Time budget" not in printed
    assert "Best of 3 completed trial(s)" in printed
    trials = json.loads((out / "trials.json").read_text())
    assert len(trials) == 3
    for line, trial in zip(lines, trials[1:], strict=True):
        assert (
            f"(id {trial['trial_id']}): val_accuracy {trial['score']:.4f}"
            in (line)
        )
    config = json.loads((out / "config.json").read_text())
    assert config["status"] == "complete"
    assert config["settings"]["time_budget"] == 600
    assert config["settings"]["precision"] == "mixed_bfloat16"


@pytest.mark.parametrize("budget", ["0", "-5", "nan", "soon"])
def test_tune_refuses_a_bad_time_budget(budget, tmp_path, capsys):
    pytest.importorskip("keras_tuner")
    out = tmp_path / "search"
    with pytest.raises(SystemExit) as exit_info:
        main(["tune", "conv_stack", "--time-budget", budget, "--out", str(out)])
    assert exit_info.value.code == 2
    assert "argument --time-budget" in capsys.readouterr().err
    assert not out.exists()


def test_tune_refuses_an_unknown_precision(tmp_path, capsys):
    out = tmp_path / "search"
    argv = ["tune", "conv_stack", "--precision", "float16", "--out", str(out)]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "argument --precision: invalid choice: 'float16'" in (
        capsys.readouterr().err
    )
    assert not out.exists()
