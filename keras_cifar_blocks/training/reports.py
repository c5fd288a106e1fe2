"""`report.md`: a run's test results beside the documented accuracy.

The report embeds the run's plots, gives the per-class scores, and puts
the accuracy measured on the test set beside the one the seed report
documents, with its source. When the run differs from the recipe in
what matters for accuracy (fewer training images or epochs, a test
subset, overrides, no augmentation) it says so, so the two numbers are
not read as a replication.
"""

from pathlib import Path

from keras_cifar_blocks.training.data import DATASET_TITLES
from keras_cifar_blocks.training.run_dir import CONFUSION_MATRIX
from keras_cifar_blocks.training.run_dir import LEARNING_CURVES
from keras_cifar_blocks.training.run_dir import MISCLASSIFIED
from keras_cifar_blocks.training.run_dir import MODEL
from keras_cifar_blocks.training.run_dir import REPORT
from keras_cifar_blocks.training.run_dir import write_text

# Training images of the full datasets (both have 50,000).
FULL_TRAIN_SIZE = 50_000


def _percent(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _early_stopping(config: dict) -> str:
    rule = config["training"]["early_stopping"]
    if not rule:
        return "none"
    text = (
        f"on {rule['monitor']}, patience {rule['patience']} epochs, mode "
        f"{rule['mode']}"
    )
    if rule["restore_best_weights"]:
        text += ", restoring the best weights"
    return text


def best_epoch(history: dict, monitor: str = "val_accuracy"):
    """The first epoch with the highest `monitor`, and that value.

    `ModelCheckpoint` saves only on strict improvement, so the first of
    equal values is the one `model.keras` holds. Returns `(None, None)`
    when nothing was logged.

    Example:

    >>> from keras_cifar_blocks.training.reports import best_epoch
    >>> best_epoch({"epoch": [1, 2, 3], "val_accuracy": [0.3, 0.5, 0.5]})
    (2, 0.5)
    """
    pairs = [
        (value, epoch)
        for epoch, value in zip(
            history.get("epoch", []), history.get(monitor, []), strict=False
        )
        if value is not None
    ]
    if not pairs:
        return None, None
    value = max(value for value, _ in pairs)
    epoch = min(epoch for score, epoch in pairs if score == value)
    return epoch, value


def differences_from_recipe(config: dict) -> list[str]:
    """What this run changed from the recipe, in words (may be empty)."""
    settings = config["settings"]
    recipe = config["recipe"]
    sizes = config["data"]["sizes"]
    notes = []
    train_images = sizes["train"] + sizes["validation"]
    if train_images < FULL_TRAIN_SIZE:
        notes.append(
            f"{train_images:,} of the {FULL_TRAIN_SIZE:,} training images "
            f"({sizes['train']:,} to train, {sizes['validation']:,} to "
            "validate)"
        )
    if settings["epochs"] != recipe["epochs"]:
        notes.append(
            f"{settings['epochs']} epoch(s) instead of {recipe['epochs']}"
        )
    if settings["batch_size"] != recipe["batch_size"]:
        notes.append(
            f"batch size {settings['batch_size']} instead of "
            f"{recipe['batch_size']}"
        )
    if settings["test_subset"] is not None:
        notes.append(f"a balanced subset of {sizes['test']:,} test images")
    if settings["overrides"]:
        notes.append(f"architecture overrides {settings['overrides']}")
    if not settings["augment"] and recipe["augmentation"]:
        notes.append(f"no augmentation (the recipe: {recipe['augmentation']})")
    return notes


def format_report(config: dict, history: dict, metrics: dict) -> str:
    """The Markdown text of `report.md`.

    Args:
        config: the run's `config.json` data.
        history: its `history.json` data.
        metrics: its `metrics.json` data.

    Returns:
        A string of Markdown that links the plots by their file names.
    """
    lines = [
        *_heading(config),
        *_comparison(config, metrics),
        *_training(config, history),
        *_test_set(metrics),
    ]
    return "\n".join(lines)


def _heading(config: dict) -> list[str]:
    environment = config["environment"]
    dataset = DATASET_TITLES[config["data"]["dataset"]]
    return [
        f"# {config['architecture']} on {dataset}",
        "",
        f"{config.get('description', '')}",
        "",
        f"Backend {environment['backend']}, Keras "
        f"{environment['versions'].get('keras')}, keras-cifar-blocks "
        f"{environment['versions'].get('keras_cifar_blocks')}; "
        f"{config['parameters']:,} parameters. Status: {config['status']}.",
        "",
    ]


def _comparison(config: dict, metrics: dict) -> list[str]:
    """The test accuracy beside the documented one, and what differs."""
    recipe = config["recipe"]
    dataset = DATASET_TITLES[config["data"]["dataset"]]
    documented = recipe["accuracy"]
    source = recipe["source"]
    lines = [
        "## Test accuracy against the documented one",
        "",
        "| | Accuracy | Measured on |",
        "|---|---|---|",
        f"| This run | {_percent(metrics['test_accuracy'])} | {dataset} "
        f"test set, {metrics['test_size']:,} images |",
        f"| Documented | {_percent(documented['value'])} | "
        f"{DATASET_TITLES[documented['dataset']]} {documented['split']} "
        "set |",
        "",
        # The citation and its sections tell a reader where to look; the
        # seed's file name (kept in config.json) means nothing to them.
        f"Source: {'; '.join([source['citation'], *source['sections']])}.",
    ]
    if documented.get("note"):
        lines += ["", f"Note on the documented accuracy: {documented['note']}"]
    differences = differences_from_recipe(config)
    if differences:
        lines += [
            "",
            "**Not a replication.** This run used "
            + "; ".join(differences)
            + ", so its accuracy is not comparable with the documented one.",
        ]
    return lines


def _training(config: dict, history: dict) -> list[str]:
    recipe = config["recipe"]
    data = config["data"]
    settings = config["settings"]
    training = config["training"]
    epoch, val_accuracy = best_epoch(history)
    epochs_run = len(history.get("epoch", []))
    seconds = sum(
        epoch_seconds
        for epoch_seconds in history.get("seconds", [])
        if epoch_seconds is not None
    )
    schedule = (
        f", schedule {recipe['schedule']['type']}" if recipe["schedule"] else ""
    )
    devices = (
        f" on {training['replicas']} devices" if settings["distribute"] else ""
    )
    return [
        "",
        "## Training",
        "",
        f"- Optimizer: {recipe['optimizer']}, learning rate "
        f"{recipe['learning_rate']:g}{schedule}; batch size "
        f"{settings['batch_size']}; loss {training['loss']}.",
        f"- Augmentation: {training['augmentation'] or 'none'}; "
        f"input normalization: {data['normalization']['mode']}.",
        f"- Early stopping: {_early_stopping(config)}.",
        f"- Data: {data['sizes']['train']:,} training and "
        f"{data['sizes']['validation']:,} validation images (stratified "
        f"split, seed {settings['seed']}), "
        f"{data['sizes']['test']:,} test images.",
        f"- Epochs run: {epochs_run} of {settings['epochs']}, "
        f"{seconds:.0f} s in all{devices}.",
        f"- Saved model (`{MODEL}`): epoch {epoch}, validation "
        f"accuracy {_percent(val_accuracy)}.",
        "",
        f"![Learning curves]({LEARNING_CURVES})",
        "",
    ]


def _test_set(metrics: dict) -> list[str]:
    lines = [
        "## Test set",
        "",
        f"Accuracy {_percent(metrics['test_accuracy'])}, loss "
        f"{metrics['test_loss']:.4f}; macro precision "
        f"{_percent(metrics['macro_avg']['precision'])}, recall "
        f"{_percent(metrics['macro_avg']['recall'])}, F1 "
        f"{_percent(metrics['macro_avg']['f1'])}.",
        "",
        f"![Confusion matrix]({CONFUSION_MATRIX})",
        "",
        "| Class | Precision | Recall | F1 | Support |",
        "|---|---|---|---|---|",
    ]
    for class_name, scores in metrics["per_class"].items():
        lines.append(
            f"| {class_name} | {_percent(scores['precision'])} | "
            f"{_percent(scores['recall'])} | {_percent(scores['f1'])} | "
            f"{scores['support']} |"
        )
    lines += [
        "",
        "## Misclassified test images",
        "",
        f"![Misclassified test images]({MISCLASSIFIED})",
        "",
    ]
    return lines


def write_report(run_dir, config: dict, history: dict, metrics: dict) -> Path:
    """Writes `report.md` into `run_dir` (atomically) and returns its path."""
    return write_text(
        Path(run_dir) / REPORT, format_report(config, history, metrics)
    )
