"""Ablation of `fast_cifar_airbench`: what each of airbench94's tricks buys.

Claim: each trick that `fast_cifar_airbench` keeps (patch whitening,
Dirac initialization, scale-free BatchNorm, BatchNorm biases at 64x the
rate, pooling before BatchNorm, GELU, Lookahead, the
triangular learning rate, label smoothing, airbench's augmentation)
raises the CIFAR-10 test accuracy at a fixed number of epochs, and the
test-time augmentations (flip, flip + translate) each add to it. A
trick whose removal does not lower the accuracy (beyond the spread of
the seeds) does not pay on this CPU.

Protocol, per run (one variant, one seed), each in a fresh process with
the backend fixed before `import keras`:

- data: all 50,000 CIFAR-10 training images from `../shared/data` (no
  validation split), the 10,000 test images for the final evaluation;
- training: `fast_cifar_airbench`'s registry config and recipe with one
  trick switched off (VARIANTS: config overrides or recipe fields),
  `epochs` epochs (the schedule follows), under `precision`;
- clock: wall time of the adapt step (the whitening reads the training
  images) plus `fit` (tracing and compilation included);
- evaluation: the test accuracy of the final model without test-time
  augmentation, with flip averaging and with flip + translate, so the
  test-time augmentations need no run of their own.

Reported: per variant, the median test accuracy over the seeds (with
`flip_translate` test-time augmentation) and its difference to the
variant with every trick on (`airbench`); the training time.

Run:

    python -m benchmarks.fast_cifar_ablation [--quick] [--settings JSON]
        [--partial]

Writes `benchmarks/results/fast_cifar_ablation[_quick].{json,png}`. The
full run trains 11 variants x 2 seeds of 10 epochs (about 20 min each
on this CPU under mixed_bfloat16: about 7.5 hours; minutes on a GPU),
every variant's first seed before any second seed. Each finished run is
kept in `fast_cifar_ablation.partial.json`; the same command, run again,
goes on after them. `--partial` trains nothing: it writes the results of
the runs finished so far, marked `"partial": true` with the runs still to
come, so that a run spanning several working sessions shows what it has.
"""

import json
import statistics
import sys
import time

SETTINGS = {
    # The fastest backend for training on this CPU (benchmarks/backends.py).
    "backend": "tensorflow",
    "precision": "mixed_bfloat16",
    "architecture": "fast_cifar_airbench",
    "epochs": 10,  # for every variant alike (airbench94: 9.9)
    "seeds": [0, 1],
    "variants": [
        "airbench",
        "no_whitening",
        "no_dirac",
        "batch_norm_scale",
        "no_bias_multiplier",
        "pool_at_end",
        "relu",
        "no_lookahead",
        "warmup_cosine",
        "no_label_smoothing",
        "cifar_standard_augmentation",
    ],
    "train_images": 50_000,  # all of CIFAR-10's training set
    "test_images": 10_000,  # all of its test set
    "eval_batch_size": 1_000,  # images per forward pass when evaluating
}
QUICK = {
    "epochs": 1,
    "seeds": [0],
    "variants": ["airbench", "no_whitening"],
    "train_images": 1_024,
    "test_images": 512,
}
REFERENCE = "airbench"
TEST_TIME_AUGMENTATIONS = (None, "flip", "flip_translate")

# Each variant: `config` overrides of the architecture, `recipe` fields
# replaced (a schedule is named, built in the child).
VARIANTS = {
    "airbench": {},
    "no_whitening": {"config": {"whitening": False}},
    "no_dirac": {"config": {"dirac_init": False}},
    "batch_norm_scale": {"config": {"batch_norm_scale": True}},
    "no_bias_multiplier": {"config": {"bias_multiplier": 1.0}},
    "pool_at_end": {"config": {"pool_position": "end"}},
    "relu": {"config": {"activation": "relu"}},
    "no_lookahead": {"recipe": {"lookahead": None}},
    "warmup_cosine": {"recipe": {"schedule": "warmup_cosine"}},
    "no_label_smoothing": {"recipe": {"label_smoothing": 0.0}},
    "cifar_standard_augmentation": {
        "recipe": {"augmentation": "cifar_standard"}
    },
}


def variant_recipe(name: str, variant: str, epochs: int):
    """The architecture's recipe with the variant's fields replaced."""
    import dataclasses

    from keras_cifar_blocks.architectures import recipe
    from keras_cifar_blocks.architectures.recipes import (
        WarmupCosineDecayByEpoch,
    )

    fields = dict(VARIANTS[variant].get("recipe", {}))
    if fields.get("schedule") == "warmup_cosine":
        # fast_cifar's shape at fast_cifar_airbench's peak rate.
        fields["schedule"] = WarmupCosineDecayByEpoch(
            warmup_epochs=1, start_fraction=0.1, final_fraction=0.0
        )
    return dataclasses.replace(
        recipe(name), epochs=epochs, early_stopping=None, **fields
    )


def run(variant: str, seed: int, settings: dict) -> dict:
    """Trains one variant for `settings["epochs"]`; its test accuracies."""
    import keras
    import numpy as np

    from keras_cifar_blocks.training.test_time_augmentation import predict
    from keras_cifar_blocks.training.training_loop import adapt_model

    keras.mixed_precision.set_global_policy(settings["precision"])
    keras.utils.set_random_seed(seed)
    from benchmarks.common import cifar10_arrays
    from benchmarks.common import recipe_training

    x_train, y_train, x_test, y_test = cifar10_arrays(
        settings["train_images"], settings["test_images"]
    )
    name = settings["architecture"]
    run_recipe = variant_recipe(name, variant, settings["epochs"])
    model, train_ds, normalization = recipe_training(
        run_recipe,
        name,
        seed,
        x_train,
        y_train,
        **VARIANTS[variant].get("config", {}),
    )
    start = time.perf_counter()
    adapt_seconds = adapt_model(model, normalization.apply(x_train))
    history = model.fit(
        train_ds,
        epochs=run_recipe.epochs,
        callbacks=run_recipe.callbacks(),
        verbose=0,
    )
    train_seconds = time.perf_counter() - start
    x_test_input = normalization.apply(x_test)
    accuracy = {}
    for views in TEST_TIME_AUGMENTATIONS:
        probabilities = predict(
            model,
            x_test_input,
            test_time_augmentation=views,
            batch_size=settings["eval_batch_size"],
        )
        accuracy[str(views)] = float(
            np.mean(probabilities.argmax(axis=1) == y_test)
        )
    print(
        f"{variant} seed {seed}: {train_seconds:.1f} s, test accuracy "
        f"{accuracy['flip_translate']:.4f} (flip_translate)",
        file=sys.stderr,
        flush=True,
    )
    return {
        "variant": variant,
        "seed": seed,
        "backend": keras.backend.backend(),
        "precision": settings["precision"],
        "epochs": run_recipe.epochs,
        "parameters": int(model.count_params()),
        "train_images": int(len(y_train)),
        "test_images": int(len(y_test)),
        "adapt_seconds": round(adapt_seconds, 3),
        "train_seconds": round(train_seconds, 2),
        "train_loss": [float(v) for v in history.history["loss"]],
        "test_accuracy": accuracy,
    }


def summarize_runs(runs: list[dict]) -> dict:
    """Per variant: median accuracies and the difference to REFERENCE.

    Example:

    >>> runs = [
    ...     {"variant": "airbench", "train_seconds": 10.0,
    ...      "test_accuracy": {"None": 0.9, "flip": 0.91,
    ...                        "flip_translate": 0.92}},
    ...     {"variant": "relu", "train_seconds": 9.0,
    ...      "test_accuracy": {"None": 0.88, "flip": 0.89,
    ...                        "flip_translate": 0.9}}]
    >>> round(summarize_runs(runs)["relu"]["difference"], 4)
    -0.02
    """
    summary = {}
    for variant in dict.fromkeys(r["variant"] for r in runs):
        mine = [r for r in runs if r["variant"] == variant]
        summary[variant] = {
            "seeds": len(mine),
            "median_train_seconds": statistics.median(
                r["train_seconds"] for r in mine
            ),
            **{
                f"median_accuracy_{views}": statistics.median(
                    r["test_accuracy"][str(views)] for r in mine
                )
                for views in TEST_TIME_AUGMENTATIONS
            },
        }
    reference = summary.get(REFERENCE, {}).get("median_accuracy_flip_translate")
    for entry in summary.values():
        entry["difference"] = (
            entry["median_accuracy_flip_translate"] - reference
            if reference is not None
            else None
        )
    return summary


def _plot(summary: dict, settings: dict, partial: bool = False):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    figure, axis = plt.subplots(figsize=(9, 5))
    width = 0.27
    for offset, views in enumerate(TEST_TIME_AUGMENTATIONS):
        axis.bar(
            [i + (offset - 1) * width for i in range(len(names))],
            [100 * summary[n][f"median_accuracy_{views}"] for n in names],
            width,
            label=f"test-time augmentation: {views or 'none'}",
        )
    axis.set_xticks(range(len(names)), names, rotation=30, ha="right")
    axis.set(
        ylabel="CIFAR-10 test accuracy (%, median over seeds)",
        title=f"{settings['architecture']}, one trick off at a time "
        f"({settings['epochs']} epochs, {settings['backend']}, "
        f"{settings['precision']}" + ("; partial)" if partial else ")"),
    )
    low = min(
        100 * summary[n][f"median_accuracy_{v}"]
        for n in names
        for v in TEST_TIME_AUGMENTATIONS
    )
    axis.set_ylim(max(0.0, low - 5), 100)
    axis.grid(alpha=0.3, axis="y")
    axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(
        argv, __name__, _run_job, _run_and_report, _add_arguments
    )


def _add_arguments(parser) -> None:
    parser.add_argument(
        "--partial",
        action="store_true",
        help="train nothing: write the results of the runs finished so "
        "far (marked partial) from the partial file",
    )


def _run_job(job: str, settings: dict) -> dict:
    """The child: one run, given as the JSON of its variant and seed."""
    job = json.loads(job)
    return run(job["variant"], job["seed"], settings)


def _run_and_report(args, settings) -> dict:
    """The parent: one child per variant and seed, then the summary."""
    from benchmarks.common import run_jobs

    unknown = sorted(set(settings["variants"]) - set(VARIANTS))
    if unknown:
        raise ValueError(
            f"Unknown variant(s) {unknown}. Valid variants: {list(VARIANTS)}"
        )
    name = "fast_cifar_ablation" + ("_quick" if args.quick else "")
    # Every variant once before any twice: a stopped run has compared all
    # the tricks on one seed first.
    jobs = [
        {"variant": variant, "seed": seed}
        for seed in settings["seeds"]
        for variant in settings["variants"]
    ]
    if args.partial:
        return _report_partial(args, settings, name, jobs)
    runs, partial = run_jobs(
        "benchmarks.fast_cifar_ablation",
        name,
        settings,
        jobs,
        timeout=4 * 3600,
    )
    report = _report(args, settings, runs, {})
    partial.unlink(missing_ok=True)
    return report


def _report_partial(args, settings, name, jobs) -> dict:
    """The results of the runs a stopped invocation finished, if any."""
    from benchmarks.common import RESULTS_DIR
    from benchmarks.common import finished_runs

    path = RESULTS_DIR / f"{name}.partial.json"
    done = finished_runs(path, settings)
    keys = [json.dumps(job, sort_keys=True) for job in jobs]
    runs = [done[key] for key in keys if key in done]
    if not runs:
        raise ValueError(
            f"No finished run under these settings in {path}: nothing to "
            "report. Run the ablation without --partial first."
        )
    missing = [
        job for job, key in zip(jobs, keys, strict=True) if key not in done
    ]
    return _report(args, settings, runs, {"partial": True, "to_run": missing})


def _report(args, settings, runs, extra) -> dict:
    """Prints and saves the summary of `runs`."""
    from benchmarks.common import save_and_report

    summary = summarize_runs(runs)
    lines = [
        f"{name:28s} {entry['median_accuracy_flip_translate']:.2%} ("
        + (
            f"{entry['difference']:+.2%}"
            if entry["difference"] is not None
            else "no run"
        )
        + f" vs {REFERENCE}), {entry['median_train_seconds'] / 60:.1f} min"
        for name, entry in summary.items()
    ]
    if extra.get("partial"):
        lines.append(f"partial: {len(extra['to_run'])} run(s) still to come")
    print("\n".join(lines))
    save_and_report(
        "fast_cifar_ablation",
        args.quick,
        {**extra, "settings": settings, "summary": summary, "runs": runs},
        _plot(summary, settings, partial=bool(extra.get("partial"))),
    )
    return {"lines": lines, "summary": summary}


if __name__ == "__main__":
    main()
