"""Seeded Hyperband over ConvStackHyperModel on CIFAR-10, on a budget.

Claim checked: a search that evaluates the documented architectures
first (every from-scratch CNN of the seed reports is a point of
`ConvStackHyperModel`'s space) and then explores with Hyperband finds a
model at least as good on the validation set as the best documented one
under the same budget, because the documented points are among its
trials, each trained for Hyperband's full `max_epochs`.

Protocol: `keras_cifar_blocks.hypermodels.tune("conv_stack",
tuner="hyperband")`. The validation images are a stratified split of a
class-balanced subset of the training set; every trial (documented or
explored) gets the same data, batch size, precision and no augmentation,
and is scored on its best validation accuracy. The test set is read
once, at the end, to report the best model.

Budgets:

- default: about ten minutes of a shared 2-core CPU. The models see a
  few hundred images for a few epochs and every accuracy is far below
  the reports'; the comparison between trials under one budget is the
  point.
- `--all-data`: all of CIFAR-10's training set, 45,000 images to train
  and a stratified 5,000 to validate, under `mixed_bfloat16`; Hyperband
  with `max_epochs` 4, factor 2 and two iterations: the ten documented
  points at 4 epochs each, then 30 explored trials (20 models, 10 of
  them continued for more epochs), 60 epochs in all. From the training
  FLOPs (the documented points: 178 million per image on average, 100
  random draws of the space: 186 million), about an hour for each part
  on this 2-core CPU. `--time-budget SECONDS` ends a working session
  cleanly (no trial starts after it); a killed one resumes too.
- `--full`: a GPU-sized search (81 epochs).

Run:

    KERAS_BACKEND=tensorflow python tuning/search_conv_stack.py
        [--all-data | --full] [--time-budget SECONDS]

Writes `tuning/results/search_conv_stack{,_all_data,_full}.{json,md}`
and its plots (validation accuracy per trial with the best so far,
against parameter count, per value of each hyperparameter); the run
folder, with KerasTuner's checkpoints, goes to `runs/search_conv_stack*/`,
from which the same command resumes a stopped search.
"""

import json
import os
import shutil
import sys
from pathlib import Path

from study import study_settings

SETTINGS = {
    "backend": "tensorflow",  # KERAS_BACKEND when it is not set
    "tuner": "hyperband",
    "subset": 900,  # training images drawn (class-balanced), then split
    "val_split": 1 / 3,  # share of `subset` held out for validation
    "test_subset": 1000,  # test images, read once for the best model
    "epochs": 3,  # Hyperband max_epochs, and each documented point's epochs
    "factor": 3,  # Hyperband reduction factor
    "hyperband_iterations": 1,
    "batch_size": 64,  # one batch size for every trial
    # BatchNorm moving-average momentum of every model. Keras' 0.99 (the
    # reports') leaves the moving statistics far from the batches' after
    # the few dozen steps of the CPU budget, and evaluation would measure
    # that lag rather than the architecture; 0.9 forgets them quickly.
    "batch_norm_momentum": 0.9,
    "precision": "float32",  # the dtype policy of every trial
    "seed": 0,  # subsets, split, tuner, weights
}
ALL_DATA = {
    "subset": 50_000,  # all of it: 45,000 to train, 5,000 to validate
    "val_split": 0.1,
    "test_subset": 10_000,
    "epochs": 4,
    "factor": 2,
    "hyperband_iterations": 2,
    "batch_size": 128,
    # 352 steps per epoch: Keras' (and the reports') moving statistics.
    "batch_norm_momentum": 0.99,
    "precision": "mixed_bfloat16",
}
FULL = {
    "subset": 50_000,
    "val_split": 0.1,
    "test_subset": 10_000,
    "epochs": 81,
    "hyperband_iterations": 2,
    "batch_size": 128,
    "batch_norm_momentum": 0.99,
}
ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "tuning" / "results"
DATA_DIR = os.environ.get("KCB_DATA_DIR") or str(
    ROOT.parent / "shared" / "data"
)


def _add_time_budget(parser) -> None:
    parser.add_argument(
        "--time-budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="start no trial after SECONDS of search in this session; "
        "the same command goes on (default: none)",
    )


def main(argv=None) -> int:
    settings, name, command, args = study_settings(
        argv,
        __doc__,
        SETTINGS,
        {
            "all-data": (
                ALL_DATA,
                "all 50,000 training images (45,000/5,000), about 2-3 "
                "hours on a 2-core CPU under mixed_bfloat16",
            ),
            "full": (FULL, "a GPU-sized search"),
        },
        "search_conv_stack",
        _add_time_budget,
    )

    from keras_cifar_blocks.hypermodels import tune

    out = tune(
        "conv_stack",
        tuner=settings["tuner"],
        epochs=settings["epochs"],
        factor=settings["factor"],
        hyperband_iterations=settings["hyperband_iterations"],
        batch_size=settings["batch_size"],
        data_dir=DATA_DIR,
        subset=settings["subset"],
        validation_split=settings["val_split"],
        test_subset=settings["test_subset"],
        seed=settings["seed"],
        out=ROOT / "runs" / name,
        documented_first=True,
        options={"batch_norm_momentum": settings["batch_norm_momentum"]},
        evaluate=True,
        precision=settings["precision"],
        time_budget=args.time_budget,
        progress=True,
        command=command,
    )
    records = json.loads((out / "trials.json").read_text(encoding="utf-8"))
    summary = json.loads((out / "best.json").read_text(encoding="utf-8"))
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    result = {
        "claim": (
            "A seeded search's best validation accuracy is at least the "
            "best documented architecture's under the same budget."
        ),
        "command": command,
        "script_settings": settings,
        "config": config,
        "summary": summary,
        "trials": records,
    }
    (RESULTS_DIR / f"{name}.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )
    markdown = (out / "results.md").read_text(encoding="utf-8")
    verdict = summary["best_at_least_best_documented"]
    if config["status"] != "complete":
        markdown += (
            f"\n**Partial**: the search is {config['status']}; the same "
            "command goes on.\n"
        )
    markdown += (
        "\nBest trial at least as good as the best documented point "
        f"(validation): **{verdict}**.\n\n"
        f"![validation accuracy per trial]({name}.png)\n\n"
        f"![validation accuracy against parameters]({name}_parameters.png)"
        "\n\n"
        "![validation accuracy per value of each hyperparameter]"
        f"({name}_hyperparameters.png)\n"
    )
    (RESULTS_DIR / f"{name}.md").write_text(markdown, encoding="utf-8")
    # Each trial records its model's parameter count and seconds, and
    # `tune` plots from them: no model is built again here.
    for suffix in ("", "_parameters", "_hyperparameters"):
        shutil.copyfile(
            out / f"search{suffix}.png", RESULTS_DIR / f"{name}{suffix}.png"
        )
    print(markdown)
    return 0 if verdict in (True, None) else 1


if __name__ == "__main__":
    sys.exit(main())
