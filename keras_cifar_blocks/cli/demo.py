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
from keras_cifar_blocks.training.run_dir import read_json
from keras_cifar_blocks.utils import validation as check

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
) -> dict:
    """Train `li2018_model1` on a balanced CIFAR-10 subset and evaluate it.

    The run folder `out` is replaced at every call (`overwrite=True`); it
    must not hold another architecture's run.

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

    Returns:
        A dict with `architecture`, `test_accuracy`, `test_loss`,
        `train_size`, `validation_size`, `test_size`, `epochs`, `seconds`
        (wall time of training and evaluation), `backend`, `parameters`,
        `chance_accuracy`, `documented_accuracy` and `run_dir`.
    """
    check.positive_int("train_size", train_size)
    check.positive_int("epochs", epochs)
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
