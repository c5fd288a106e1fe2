"""`kcb demo`: the main job, small: train a documented model, report.

Trains `li2018_model1` (Li 2018, 42,442 parameters) with its recipe on a
class-balanced CIFAR-10 subset for a few epochs through
`keras_cifar_blocks.training.train`, which writes the run folder with its
report; a couple of minutes on a laptop CPU.
"""

import time

import keras
import numpy as np

from keras_cifar_blocks.training import train
from keras_cifar_blocks.training.run_dir import CONFIG
from keras_cifar_blocks.training.run_dir import METRICS
from keras_cifar_blocks.training.run_dir import existing_run
from keras_cifar_blocks.training.run_dir import read_json
from keras_cifar_blocks.utils import validation

DEMO_ARCHITECTURE = "li2018_model1"


def run_demo(
    data_dir=None,
    train_size: int = 5_000,
    test_size: int | None = None,
    epochs: int = 3,
    batch_size: int | None = None,
    seed: int = 0,
    out="runs/demo",
    verbose: int | str = "auto",
    command: list[str] | None = None,
    overwrite: bool = False,
) -> dict:
    """Train `li2018_model1` on a balanced CIFAR-10 subset and evaluate it.

    The demo trains from scratch at every call: a run in `out` made with
    the same settings (a previous demo) is replaced. A run of
    `li2018_model1` with other settings (another number of epochs,
    images, batch size or seed, e.g. a full `kcb train`) is refused
    unless `overwrite=True`, and `out` must not hold another
    architecture's run.

    Args:
        data_dir: where CIFAR-10 lies (see `datasets.load_cifar10`).
        train_size: number of training images (class-balanced subset), of
            which 10% are held out for validation.
        test_size: number of test images to evaluate on; `None` for all
            10,000.
        epochs: training epochs.
        batch_size: batch size; `None` for the recipe's (128).
        seed: seed of the subsets, the split and the weights.
        out: the run folder. Defaults to `"runs/demo"`.
        verbose: Keras verbosity (`"auto"` shows progress bars).
        command: the command line, recorded in `config.json`.
        overwrite: bool, whether to replace a run in `out` that was made
            with other settings.

    Returns:
        A dict with `architecture`, `test_accuracy`, `test_loss`,
        `train_size`, `validation_size`, `test_size`, `epochs`, `seconds`
        (wall time of training and evaluation), `backend`, `parameters`,
        `chance_accuracy`, `documented_accuracy` and `run_dir`.

    Raises:
        FileExistsError: if `out` holds a run with other settings (without
            `overwrite`), another architecture's run, or files that are
            not a run.
    """
    validation.positive_int("train_size", train_size)
    validation.positive_int("epochs", epochs)
    validation.boolean("overwrite", overwrite)
    existing = existing_run(out, DEMO_ARCHITECTURE)
    if existing is not None and not overwrite:
        _check_same_demo(
            out,
            existing,
            epochs=epochs,
            batch_size=batch_size,
            subset=train_size,
            test_subset=test_size,
            seed=seed,
        )
    start = time.perf_counter()
    run = train(
        DEMO_ARCHITECTURE,
        epochs=epochs,
        batch_size=batch_size,
        data_dir=data_dir,
        subset=train_size,
        test_subset=test_size,
        seed=seed,
        out=out,
        overwrite=True,
        verbose=verbose,
        command=command,
    )
    seconds = time.perf_counter() - start
    metrics = read_json(run / METRICS)
    config = read_json(run / CONFIG)
    sizes = config["data"]["sizes"]
    return {
        "architecture": DEMO_ARCHITECTURE,
        "test_accuracy": metrics["test_accuracy"],
        "test_loss": metrics["test_loss"],
        "train_size": sizes["train"],
        "validation_size": sizes["validation"],
        "test_size": sizes["test"],
        "epochs": metrics["epochs_run"],
        "seconds": round(seconds, 2),
        "backend": keras.backend.backend(),
        "parameters": config["parameters"],
        "chance_accuracy": float(1 / len(np.unique(metrics["class_names"]))),
        "documented_accuracy": metrics["documented_accuracy"]["value"],
        "run_dir": str(run),
    }


def _check_same_demo(out, existing: dict, **wanted) -> None:
    """Refuses to replace a run made with other settings than `wanted`."""
    recorded = existing.get("settings", {})
    if wanted["batch_size"] is None:  # The recipe's, as `train` records it.
        wanted["batch_size"] = existing.get("recipe", {}).get("batch_size")
    changed = {
        key: (recorded.get(key), value)
        for key, value in wanted.items()
        if recorded.get(key) != value
    }
    if not changed:
        return
    details = ", ".join(
        f"{key}: {old!r} -> {new!r}" for key, (old, new) in changed.items()
    )
    state = "finished" if existing.get("status") == "complete" else "unfinished"
    raise FileExistsError(
        f"Refusing to replace the {state} run of {DEMO_ARCHITECTURE!r} in "
        f"'{out}': it was made with other settings ({details}). Choose "
        "another `out` folder (--out), or pass overwrite=True "
        "(--overwrite) to replace it."
    )
