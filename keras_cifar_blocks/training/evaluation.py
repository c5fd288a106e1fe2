"""`evaluate(run_dir)`: test metrics, plots and report of a trained run."""

import datetime
from pathlib import Path

import numpy as np

from keras_cifar_blocks.training.data import load_test_data
from keras_cifar_blocks.training.data import run_class_names
from keras_cifar_blocks.training.metrics import classification_metrics
from keras_cifar_blocks.training.metrics import confusion_matrix
from keras_cifar_blocks.training.metrics import cross_entropy
from keras_cifar_blocks.training.normalization import InputNormalization
from keras_cifar_blocks.training.plots import plot_confusion_matrix
from keras_cifar_blocks.training.plots import plot_learning_curves
from keras_cifar_blocks.training.plots import plot_misclassified
from keras_cifar_blocks.training.reports import best_epoch
from keras_cifar_blocks.training.reports import write_report
from keras_cifar_blocks.training.run_dir import CONFUSION_MATRIX
from keras_cifar_blocks.training.run_dir import LEARNING_CURVES
from keras_cifar_blocks.training.run_dir import METRICS
from keras_cifar_blocks.training.run_dir import MISCLASSIFIED
from keras_cifar_blocks.training.run_dir import load_config
from keras_cifar_blocks.training.run_dir import load_history
from keras_cifar_blocks.training.run_dir import load_model
from keras_cifar_blocks.training.run_dir import set_status
from keras_cifar_blocks.training.run_dir import write_json
from keras_cifar_blocks.training.test_time_augmentation import predict

PREDICT_BATCH_SIZE = 256


def evaluate(run_dir, data_dir=None, verbose="auto") -> dict:
    """Evaluates a run's `model.keras` on the test set and writes its report.

    Loads the model, the test images the run was configured with (the
    whole test set, or the same balanced subset) and the input
    normalization fitted at training time, then writes into `run_dir`:
    `metrics.json`, `learning_curves.png`, `confusion_matrix.png`,
    `misclassified.png` and `report.md`. `train` calls it at the end; call
    it again to rebuild the report, e.g. after an interrupted evaluation.

    `metrics.json` holds `test_accuracy` (the trace of the confusion
    matrix over its total), `test_loss` (the cross-entropy of the
    predicted probabilities, without regularization terms), `per_class`
    precision, recall, F1 and support, their `macro_avg`, the
    `confusion_matrix` (rows true classes, columns predicted), the
    `class_names`, the epoch of the saved model and the documented
    accuracy.

    Args:
        run_dir: a folder written by `train` (or `kcb train`).
        data_dir: where the dataset lies (see
            `keras_cifar_blocks.datasets.load_cifar10`). Defaults to the
            folder the run was trained from, if it still exists, then to
            the usual search (`KCB_DATA_DIR`, the Keras cache).
        verbose: Keras verbosity of `predict`. Defaults to `"auto"`.

    Returns:
        The dict written to `metrics.json`.

    Raises:
        FileNotFoundError: if `run_dir` holds no `config.json` or no
            `model.keras`, or the data is not found.
        ValueError: if `config.json` or `model.keras` is corrupt.

    Example:

    See `train`, which ends with `evaluate`. A folder that holds no run
    is refused:

    >>> import tempfile
    >>> from keras_cifar_blocks.training import evaluate
    >>> evaluate(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    FileNotFoundError: '...' is not a run folder: it has no config.json. ...
    """
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    model = load_model(run_dir)
    settings = config["settings"]
    if data_dir is None:
        recorded = config["data"].get("data_dir")
        if recorded is not None and Path(recorded).exists():
            data_dir = recorded
    x_test, y_test = load_test_data(
        config["data"]["dataset"],
        data_dir,
        settings["test_subset"],
        settings["seed"],
        images=settings.get("images"),
        test_images=settings.get("test_images"),
    )
    return evaluate_model(run_dir, model, x_test, y_test, verbose=verbose)


def evaluate_model(run_dir, model, x_test, y_test, verbose="auto") -> dict:
    """Like `evaluate`, for a model and test data already in memory."""
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    history = load_history(run_dir)
    class_names = run_class_names(config)
    normalization = InputNormalization.from_config(
        config["data"]["normalization"]
    )
    # Runs recorded before recipes had test-time augmentation have none.
    views = config["recipe"].get("test_time_augmentation")
    probabilities = predict(
        model,
        normalization.apply(x_test),
        test_time_augmentation=views,
        batch_size=PREDICT_BATCH_SIZE,
        verbose=verbose,
    )
    y_true = np.asarray(y_test).reshape(-1).astype("int64")
    y_pred = probabilities.argmax(axis=1)
    confusion = confusion_matrix(y_true, y_pred, len(class_names))
    scores = classification_metrics(confusion, class_names)
    epoch, val_accuracy = best_epoch(history)
    documented = config["recipe"]["accuracy"]
    metrics = {
        "architecture": config["architecture"],
        "dataset": config["data"]["dataset"],
        "test_size": scores["total"],
        "test_accuracy": scores["accuracy"],
        "test_loss": cross_entropy(y_true, probabilities),
        "test_time_augmentation": views,
        "macro_avg": scores["macro_avg"],
        "per_class": scores["per_class"],
        "class_names": class_names,
        "confusion_matrix": confusion.tolist(),
        "best_epoch": epoch,
        "best_val_accuracy": val_accuracy,
        "epochs_run": len(history.get("epoch", [])),
        "documented_accuracy": {
            **documented,
            "text": config["recipe"]["accuracy_text"],
            "source": config["recipe"]["source_text"],
        },
        "evaluated": datetime.datetime.now(datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat(),
    }
    write_json(run_dir / METRICS, metrics)
    plot_learning_curves(history, run_dir / LEARNING_CURVES, best_epoch=epoch)
    plot_confusion_matrix(confusion, class_names, run_dir / CONFUSION_MATRIX)
    plot_misclassified(
        x_test,
        y_true,
        y_pred,
        class_names,
        confidence=probabilities[np.arange(len(y_pred)), y_pred],
        path=run_dir / MISCLASSIFIED,
    )
    finished = config["status"] == "trained"
    if finished:
        config["status"] = "complete"
    write_report(run_dir, config, history, metrics)
    # Last: a run is complete only once its report is written.
    if finished:
        set_status(run_dir, "complete")
    return metrics
