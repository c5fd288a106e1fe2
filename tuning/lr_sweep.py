"""Learning-rate sweep: the shape of Schnack (2022), Table 1, on a budget.

Claim checked: Table 1 of the slides trains their CNN (`schnack2022`,
1.3M parameters) with Adam at seven learning rates, 5e-4 to 5e-2, with
early stopping, and finds the test accuracy flat (83-84%) from 5e-4 to
1e-2, then falling (73% at 0.025, 60% at 0.05). Here the same
architecture is the `schnack2022` point of `ConvStackHyperModel`, with
the learning rate the only free hyperparameter (KerasTuner
`GridSearch`), each run stopped early on the validation loss.

Budget: the slides train on 50,000 images for up to 100 epochs on a GPU.
The default settings below fit about ten minutes of a shared 2-core CPU:
a class-balanced subset of the training set, split into training and
validation images, a few epochs, no augmentation (the slides' flip and
rotation would need more epochs to pay off). Absolute accuracies are
therefore far below the slides'; compare the shape of the curve. `--full`
runs the slides' budget (hours on a GPU).

Model selection uses the validation images only (best epoch of each run,
early stopping); each run's best-epoch model is then evaluated once on
the test subset, as Table 1 reports test accuracy.

Run:

    KERAS_BACKEND=tensorflow python tuning/lr_sweep.py [--full]

Writes `tuning/results/lr_sweep{,_full}.{json,md,png}` with the settings,
versions and the command; KerasTuner's project goes to `runs/lr_sweep*/`,
so a stopped sweep resumes where it stopped.
"""

import json
import os
import platform
import sys
import time
from pathlib import Path

from study import study_settings

SETTINGS = {
    "backend": "tensorflow",  # KERAS_BACKEND when it is not set
    "architecture": "schnack2022",  # a ConvStackHyperModel point
    # Table 1 of the slides, in order.
    "learning_rates": [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05],
    "subset": 1200,  # training images drawn (class-balanced), then split
    "val_split": 1 / 3,  # share of `subset` held out for validation
    "test_subset": 1000,  # test images (class-balanced), used once per run
    "max_epochs": 4,  # epochs per run at most
    "patience": 2,  # early stopping on val_loss, epochs
    "batch_size": 32,  # the slides' model.fit default
    # BatchNorm moving-average momentum. Keras' 0.99 (the slides') leaves
    # the moving statistics 37% at their initial values after the ~100
    # steps of the CPU budget, so evaluation would measure that lag; 0.9
    # forgets them within ~40 steps.
    "batch_norm_momentum": 0.9,
    "seed": 0,  # subsets, split, weights
}
FULL = {
    "subset": 50_000,
    "val_split": 0.1,
    "test_subset": 10_000,
    "max_epochs": 100,
    "patience": 10,
    "batch_norm_momentum": 0.99,
}
ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "tuning" / "results"
DATA_DIR = os.environ.get("KCB_DATA_DIR") or str(
    ROOT.parent / "shared" / "data"
)


def _versions() -> dict:
    from keras_cifar_blocks.training.run_dir import package_versions

    packages = ("keras", "keras-tuner", "tensorflow-cpu", "jax", "torch")
    return {"python": platform.python_version(), **package_versions(packages)}


def run(settings: dict, name: str, command: str) -> dict:
    import keras
    import keras_tuner

    from keras_cifar_blocks.architectures import recipe
    from keras_cifar_blocks.datasets import load_cifar10
    from keras_cifar_blocks.datasets import subset
    from keras_cifar_blocks.datasets import train_validation_split
    from keras_cifar_blocks.hypermodels import ConvStackHyperModel

    seed = settings["seed"]
    (x, y), (x_test, y_test) = load_cifar10(DATA_DIR)
    if settings["subset"] < len(x):
        x, y = subset(x, y, settings["subset"], seed=seed)
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        x, y, settings["val_split"], seed=seed
    )
    if settings["test_subset"] < len(x_test):
        x_test, y_test = subset(x_test, y_test, settings["test_subset"], seed)

    hypermodel = ConvStackHyperModel(
        num_classes=10, batch_norm_momentum=settings["batch_norm_momentum"]
    )
    point = hypermodel.documented_points()[settings["architecture"]]
    hp = keras_tuner.HyperParameters()
    for key, value in point.items():
        if key != "learning_rate":
            hp.Fixed(key, value)
    hp.Choice("learning_rate", settings["learning_rates"], ordered=True)

    project = ROOT / "runs" / name
    epochs_file = project / "epochs_run.json"

    class Sweep(keras_tuner.GridSearch):
        """GridSearch that records how many epochs early stopping left."""

        def run_trial(self, trial, *args, **kwargs):
            histories = super().run_trial(trial, *args, **kwargs)
            done = (
                json.loads(epochs_file.read_text())
                if epochs_file.exists()
                else {}
            )
            done[trial.trial_id] = len(histories[0].history["loss"])
            epochs_file.write_text(json.dumps(done))
            return histories

    keras.utils.set_random_seed(seed)
    tuner = Sweep(
        hypermodel,
        objective="val_accuracy",
        hyperparameters=hp,
        tune_new_entries=False,
        seed=seed,
        directory=str(ROOT / "runs"),
        project_name=name,
    )
    started = time.perf_counter()
    tuner.search(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=settings["max_epochs"],
        batch_size=settings["batch_size"],
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=settings["patience"],
                restore_best_weights=True,
            )
        ],
        verbose=0,
    )
    search_seconds = time.perf_counter() - started
    epochs_run = json.loads(epochs_file.read_text())

    rows = []
    for trial in sorted(
        tuner.oracle.trials.values(), key=lambda t: int(t.trial_id)
    ):
        lr = trial.hyperparameters.get("learning_rate")
        model = tuner.load_model(trial)
        loss, accuracy = model.evaluate(
            hypermodel.preprocess(trial.hyperparameters, x_test),
            y_test,
            batch_size=256,
            verbose=0,
        )
        rows.append(
            {
                "learning_rate": lr,
                "epochs_run": epochs_run.get(trial.trial_id),
                "best_epoch": int(trial.best_step) + 1,
                "val_accuracy": float(trial.score),
                "test_accuracy": float(accuracy),
                "test_loss": float(loss),
            }
        )
        keras.backend.clear_session()
    rows.sort(key=lambda r: r["learning_rate"])
    return {
        "claim": (
            "Schnack (2022), Table 1: test accuracy flat from lr 5e-4 to "
            "1e-2, then falling at 0.025 and 0.05 (Adam, early stopping)."
        ),
        "command": command,
        "settings": settings,
        "data": {
            "train": int(len(x_train)),
            "validation": int(len(x_val)),
            "test": int(len(x_test)),
        },
        "backend": keras.backend.backend(),
        "versions": _versions(),
        "cpu_count": os.cpu_count(),
        "search_seconds": round(search_seconds, 1),
        "runs": rows,
        "table_1": [
            {"learning_rate": lr, "epochs": epochs, "test_accuracy": acc}
            # Table 1 of the slides, as the registry records it.
            for lr, epochs, acc in recipe("schnack2022").sweeps[0].rows
        ],
        "best_learning_rate_by_validation": max(
            rows, key=lambda r: r["val_accuracy"]
        )["learning_rate"],
    }


def markdown(result: dict, name: str) -> str:
    s = result["settings"]
    d = result["data"]
    lines = [
        "# Learning-rate sweep (Schnack 2022, Table 1)",
        "",
        "Command:",
        "",
        "```bash",
        result["command"],
        "```",
        "",
        f"`{s['architecture']}` (ConvStackHyperModel point), Adam, batch "
        f"{s['batch_size']}, at most {s['max_epochs']} epochs, early "
        f"stopping on val_loss (patience {s['patience']}, best weights "
        f"restored), BatchNorm momentum {s['batch_norm_momentum']}; "
        f"{d['train']} training / {d['validation']} validation "
        f"images (stratified split of a class-balanced subset of the "
        f"training set), {d['test']} test images; no augmentation. "
        f"{result['search_seconds']:.0f} s on the {result['backend']} "
        f"backend ({result['cpu_count']} CPU cores, shared).",
        "",
        "CPU budget: accuracies are far below the slides' (50,000 images, "
        "up to 100 epochs); compare the shape.",
        "",
        "| Learning rate | Epochs run | Best epoch | Val. accuracy | "
        "Test accuracy | Slides: epochs | Slides: test accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    slides = {row["learning_rate"]: row for row in result["table_1"]}
    for r in result["runs"]:
        ref = slides.get(r["learning_rate"], {})
        lines.append(
            f"| {r['learning_rate']:g} | {r['epochs_run']} | "
            f"{r['best_epoch']} | {r['val_accuracy']:.4f} | "
            f"{r['test_accuracy']:.4f} | {ref.get('epochs', '')} | "
            f"{ref.get('test_accuracy', '')} |"
        )
    lines += [
        "",
        "Best learning rate by validation accuracy: "
        f"{result['best_learning_rate_by_validation']:g}.",
        "",
        f"![accuracy vs learning rate]({name}.png)",
    ]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.2), layout="constrained")
    axes = figure.add_subplot()
    runs = result["runs"]
    lrs = [r["learning_rate"] for r in runs]
    axes.plot(
        lrs, [r["val_accuracy"] for r in runs], "o-", label="ours: validation"
    )
    axes.plot(lrs, [r["test_accuracy"] for r in runs], "s-", label="ours: test")
    table = result["table_1"]
    axes.plot(
        [r["learning_rate"] for r in table],
        [r["test_accuracy"] for r in table],
        "^--",
        color="gray",
        label="Schnack (2022), Table 1: test",
    )
    axes.set_xscale("log")
    axes.set_xlabel("learning rate (Adam)")
    axes.set_ylabel("accuracy")
    axes.set_ylim(0, 1)
    d = result["data"]
    axes.set_title(
        f"{result['settings']['architecture']}: {d['train']} training "
        f"images, <= {result['settings']['max_epochs']} epochs "
        f"({result['backend']}, CPU)"
    )
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.savefig(path, dpi=120)


def main(argv=None) -> int:
    settings, name, command, _ = study_settings(
        argv,
        __doc__,
        SETTINGS,
        {"full": (FULL, "the slides' budget (GPU hours)")},
        "lr_sweep",
    )
    result = run(settings, name, command)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )
    (RESULTS_DIR / f"{name}.md").write_text(
        markdown(result, name), encoding="utf-8"
    )
    plot(result, RESULTS_DIR / f"{name}.png")
    print(markdown(result, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
