"""study: a search's plots and trials table from its trials.json."""

import json

import numpy as np
import pytest
from matplotlib import image

from keras_cifar_blocks.hypermodels import plot_study
from keras_cifar_blocks.hypermodels import trials_markdown
from keras_cifar_blocks.hypermodels import write_trials_table
from keras_cifar_blocks.hypermodels.study import load_trials


def _values(i, **overrides):
    values = {
        "padding": ["same", "valid"][i % 2],
        "stages": 1 + i % 4,
        "batch_norm": i % 3 != 0,
        "activation": ["relu", "elu", "mish"][i % 3],
        "dropout": round(0.05 * (i % 5), 2),
        "learning_rate": 10 ** (-4 + 3 * ((i * 7) % 11) / 10),
    }
    if values["batch_norm"]:
        values["order"] = ["conv-act-bn", "bn-act-conv"][i % 2]
    values.update(overrides)
    return values


def _fake_trials():
    """A Hyperband-like search of 14 trials: two documented points first,
    a failed trial, a continued one, and older trials without parameter
    counts or seconds."""
    rng = np.random.default_rng(0)
    records = []
    for i in range(14):
        records.append(
            {
                "trial_id": f"{i:02d}",
                "status": "COMPLETED",
                "score": round(float(0.2 + 0.3 * rng.random()), 4),
                "best_epoch": 1,
                "epochs": 3 if i < 2 else 1 + i % 3,
                "initial_epoch": 0,
                "continues": None,
                "point": None,
                "parameters": int(10 ** (4 + 2.5 * rng.random())),
                "seconds": round(float(5 + 20 * rng.random()), 1),
                "values": _values(i),
            }
        )
    records[0].update(point="li2018_model1", values=_values(0, stages=2))
    records[1].update(point="donzella_cnn")
    records[5].update(status="FAILED", score=None)
    records[9].update(continues="07", initial_epoch=1, epochs=3)
    for record in records[10:12]:
        record.update(parameters=None, seconds=None)
    return records


@pytest.fixture()
def trials_file(tmp_path):
    path = tmp_path / "run" / "trials.json"
    path.parent.mkdir()
    path.write_text(json.dumps(_fake_trials(), indent=2))
    return path


def test_plot_study_writes_the_three_plots(trials_file, tmp_path):
    paths = plot_study(trials_file, tmp_path / "plots", title="fake search")
    assert {name: path.name for name, path in paths.items()} == {
        "trials": "search.png",
        "parameters": "search_parameters.png",
        "hyperparameters": "search_hyperparameters.png",
    }
    for path in paths.values():
        pixels = image.imread(path)
        height, width = pixels.shape[:2]
        assert height >= 400 and width >= 800, (path.name, pixels.shape)
        # Something was drawn: not one flat colour.
        assert pixels[..., :3].std() > 0.05, path.name
    # One panel per hyperparameter, four a row: 7 of them, two rows.
    height, width = image.imread(paths["hyperparameters"]).shape[:2]
    assert height > 500


def test_plot_study_reads_a_run_folder_or_records(trials_file, tmp_path):
    from_folder = plot_study(trials_file.parent, tmp_path / "a")
    from_records = plot_study(_fake_trials(), tmp_path / "b")
    for name in from_folder:
        assert from_folder[name].stat().st_size > 0
        assert from_records[name].stat().st_size > 0


def test_plots_of_a_search_without_scores_still_draw(tmp_path):
    records = [
        {
            "trial_id": "0",
            "status": "FAILED",
            "score": None,
            "point": None,
            "values": {"stages": 2},
        }
    ]
    paths = plot_study(records, tmp_path)
    assert all(path.stat().st_size > 0 for path in paths.values())


def test_trials_table_has_every_trial_best_first(trials_file, tmp_path):
    table = trials_markdown(trials_file)
    lines = table.splitlines()
    assert lines[0] == (
        "| Rank | Trial | Documented | Val. accuracy | Epochs | Parameters "
        "| Seconds | Status | Hyperparameters |"
    )
    rows = [line.split(" | ") for line in lines[2:]]
    assert len(rows) == 14
    scores = [row[3] for row in rows]
    assert scores[-1] == "-"  # the failed trial, last
    assert scores[:-1] == sorted(scores[:-1], reverse=True)
    by_trial = {row[1]: row for row in rows}
    # Documented points are marked with their architecture.
    assert by_trial["00"][2] == "li2018_model1"
    assert by_trial["01"][2] == "donzella_cnn"
    assert by_trial["02"][2] == ""
    records = {r["trial_id"]: r for r in _fake_trials()}
    assert by_trial["03"][5] == f"{records['03']['parameters']:,}"
    assert by_trial["03"][6] == str(records["03"]["seconds"])
    assert by_trial["10"][5:7] == ["-", "-"]  # not recorded
    assert by_trial["09"][4] == "1-3 (from 07)"
    assert by_trial["05"][7] == "FAILED"
    assert "stages=2, batch_norm=False" in by_trial["00"][8]
    path = write_trials_table(trials_file, tmp_path / "trials.md")
    assert path.read_text() == table


def test_load_trials_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No trials file at"):
        load_trials(tmp_path)
    with pytest.raises(
        TypeError,
        match=r"Invalid type for argument `source`. Expected a run folder",
    ):
        load_trials(3)
