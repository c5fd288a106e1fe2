import shutil

import pytest

from keras_cifar_blocks.training import evaluate
from keras_cifar_blocks.training import run_dir


def test_evaluate_rewrites_the_same_metrics(trained_run, tmp_path):
    run = shutil.copytree(trained_run, tmp_path / "run")
    before = run_dir.read_json(run / run_dir.METRICS)
    for name in (run_dir.METRICS, run_dir.REPORT, run_dir.CONFUSION_MATRIX):
        (run / name).unlink()
    # The data folder recorded in config.json is found again.
    metrics = evaluate(run, verbose=0)
    assert metrics == run_dir.read_json(run / run_dir.METRICS)
    for key in ("test_accuracy", "confusion_matrix", "per_class"):
        assert metrics[key] == before[key]
    assert metrics["test_loss"] == pytest.approx(before["test_loss"])
    assert (run / run_dir.REPORT).is_file()
    assert (run / run_dir.CONFUSION_MATRIX).is_file()


def test_evaluate_needs_a_run_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a run folder"):
        evaluate(tmp_path)


def test_evaluate_needs_a_model(tmp_path):
    run_dir.write_json(
        tmp_path / run_dir.CONFIG,
        {"architecture": "li2018_model1", "status": "running"},
    )
    with pytest.raises(FileNotFoundError, match="holds no model.keras"):
        evaluate(tmp_path)


def test_evaluate_says_a_truncated_model_is_corrupt(tmp_path):
    run_dir.write_json(
        tmp_path / run_dir.CONFIG,
        {"architecture": "li2018_model1", "status": "complete"},
    )
    (tmp_path / run_dir.MODEL).write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match="model.keras' is corrupt"):
        evaluate(tmp_path)
