import shutil

import pytest

from keras_cifar_blocks.training import evaluate
from keras_cifar_blocks.training import run_dir as files


def test_evaluate_rewrites_the_same_metrics(trained_run, tmp_path):
    run = shutil.copytree(trained_run, tmp_path / "run")
    before = files.read_json(run / files.METRICS)
    for name in (files.METRICS, files.REPORT, files.CONFUSION_MATRIX):
        (run / name).unlink()
    # The data folder recorded in config.json is found again.
    metrics = evaluate(run, verbose=0)
    assert metrics == files.read_json(run / files.METRICS)
    for key in ("test_accuracy", "confusion_matrix", "per_class"):
        assert metrics[key] == before[key]
    assert metrics["test_loss"] == pytest.approx(before["test_loss"])
    assert (run / files.REPORT).is_file()
    assert (run / files.CONFUSION_MATRIX).is_file()


def test_evaluate_needs_a_run_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a run folder"):
        evaluate(tmp_path)


def test_evaluate_needs_a_model(tmp_path):
    files.write_json(
        tmp_path / files.CONFIG,
        {"architecture": "li2018_model1", "status": "running"},
    )
    with pytest.raises(FileNotFoundError, match="holds no model.keras"):
        evaluate(tmp_path)


def test_evaluate_says_a_truncated_model_is_corrupt(tmp_path):
    files.write_json(
        tmp_path / files.CONFIG,
        {"architecture": "li2018_model1", "status": "complete"},
    )
    (tmp_path / files.MODEL).write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match="model.keras' is corrupt"):
        evaluate(tmp_path)
