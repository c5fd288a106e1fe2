"""Time to accuracy: `fast_cifar` vs the documented CNNs, same CPU budget.

Claim: at a 30-minute training budget on this 2-core CPU, `fast_cifar`
reaches >= 90% CIFAR-10 test accuracy (median of its seeds) and is ahead
of every documented from-scratch CNN trained with its own recipe for the
same wall time (`li2018_model3_2`, `schnack2022`, `donzella_cnn`).

Protocol, per run (one architecture, one seed), each in a fresh process
with the backend fixed before `import keras`:

- data: all 50,000 CIFAR-10 training images from `../shared/data` (no
  validation split: nothing is chosen during training); the 10,000 test
  images only for the recorded evaluations;
- training: the architecture's registry recipe (optimizer, schedule,
  batch size, loss and label smoothing, augmentation preset, input
  normalization), under the `precision` policy of SETTINGS for every
  run alike. Documented recipes keep their epochs and schedules and are
  cut at the budget (their early stopping, which needs a validation
  set, is off); `fast_cifar` runs the number of epochs SETTINGS gives
  it, so that its one-cycle schedule ends within the budget;
- clock: training wall time from the start of `fit` (tracing and
  compilation included), paused while the test set is evaluated after
  every epoch; a run stops after the first epoch that ends past the
  budget;
- evaluation: test accuracy after every epoch, with the recipe's
  test-time augmentation (`fast_cifar`: flip averaging).

Reported: one curve (wall time, test accuracy) per run, the accuracy of
each architecture at the budget (median over its seeds), and the wall
time each needs to reach 89.38% (Li 2018 model 3-2's documented accuracy,
the best from-scratch accuracy of the seed reports) as the ratio to
`fast_cifar`'s. Where a documented recipe does not get there within the
budget, its time is extrapolated from the trend of its last epochs
(accuracy linear in log time) and marked `extrapolated`.

Run:

    python -m benchmarks.time_to_accuracy [--quick] [--settings JSON]

Writes `benchmarks/results/time_to_accuracy[_quick].{json,png}`. The full
run takes the budget once per run (5 runs: about 2.5 hours at 30 min).
"""

import json
import math
import statistics
import sys
import time

SETTINGS = {
    # The fastest backend for training on this CPU (benchmarks/backends.py).
    "backend": "tensorflow",
    "precision": "mixed_bfloat16",  # or "float32"; for every run alike
    "budget_minutes": 30.0,  # training wall time per run
    "target_accuracy": 0.90,  # the target at the budget
    "reference_accuracy": 0.8938,  # li2018_model3_2's documented accuracy
    "runs": [
        {"name": "fast_cifar", "seeds": [0, 1], "epochs": 12},
        {"name": "li2018_model3_2", "seeds": [0]},
        {"name": "schnack2022", "seeds": [0]},
        {"name": "donzella_cnn", "seeds": [0]},
    ],
    "train_images": 50_000,  # all of CIFAR-10's training set
    "test_images": 10_000,  # all of its test set
    "eval_batch_size": 1_000,  # images per forward pass when evaluating
    "extrapolate_last": 4,  # epochs whose trend extrapolates a curve
}
QUICK = {
    "budget_minutes": 0.5,
    "train_images": 1_024,
    "test_images": 512,
    "runs": [
        {"name": "fast_cifar", "seeds": [0], "epochs": 2},
        {"name": "li2018_model3_2", "seeds": [0]},
    ],
}
FAST = "fast_cifar"


# The child: one run.


def _run_recipe(name: str, epochs):
    import dataclasses

    from keras_cifar_blocks.architectures import recipe

    run_recipe = recipe(name)
    return dataclasses.replace(
        run_recipe,
        epochs=epochs or run_recipe.epochs,
        early_stopping=None,
    )


def _clock(label: str, evaluate, budget: float, curve: list, start_seconds=0.0):
    """A callback that times training per epoch and appends to `curve`.

    `evaluate(model)` gives the test accuracy, off the clock; training
    stops after the epoch that reaches `budget` seconds. The clock starts
    at `start_seconds` (training work done before `fit`).
    """
    import keras

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.trained = start_seconds
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.trained += time.perf_counter() - self.start
            accuracy = evaluate(self.model)
            rate = self.model.optimizer.learning_rate
            curve.append(
                {
                    "epoch": epoch + 1,
                    "train_seconds": round(self.trained, 2),
                    "test_accuracy": accuracy,
                    "train_loss": float(logs["loss"]),
                    "learning_rate": float(keras.ops.convert_to_numpy(rate)),
                }
            )
            print(
                f"{label} epoch {epoch + 1}: "
                f"{self.trained:7.1f} s, test accuracy {accuracy:.4f}",
                file=sys.stderr,
                flush=True,
            )
            if self.trained >= budget:
                self.model.stop_training = True
            self.start = time.perf_counter()

    return Clock()


def run(name: str, seed: int, settings: dict, epochs=None) -> dict:
    """Trains one architecture for the budget; its accuracy curve.

    Args:
        name: an architecture of the registry.
        seed: int, seeds Keras, the shuffle and the augmentation.
        settings: SETTINGS (or overrides of them).
        epochs: int, overrides the recipe's epochs (the schedule follows).

    Returns:
        A dict with the run's settings and `curve`: one entry per epoch
        with `epoch`, `train_seconds` (cumulative, evaluation excluded),
        `test_accuracy` and `learning_rate` (at the epoch's last step).
    """
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
    run_recipe = _run_recipe(name, epochs)
    model, train_ds, normalization = recipe_training(
        run_recipe, name, seed, x_train, y_train
    )
    x_test_input = normalization.apply(x_test)
    # Layers that read the training data (PatchWhitening) adapt on the
    # clock: it starts with the seconds they took.
    adapt_seconds = adapt_model(model, normalization.apply(x_train))

    def test_accuracy(trained_model) -> float:
        probabilities = predict(
            trained_model,
            x_test_input,
            test_time_augmentation=run_recipe.test_time_augmentation,
            batch_size=settings["eval_batch_size"],
        )
        return float(np.mean(probabilities.argmax(axis=1) == y_test))

    curve = []
    clock = _clock(
        f"{name} seed {seed}",
        test_accuracy,
        budget=60 * settings["budget_minutes"],
        curve=curve,
        start_seconds=adapt_seconds,
    )
    # The recipe's callbacks (Lookahead) first: their end-of-epoch work
    # is training time, and the clock evaluates what they leave.
    model.fit(
        train_ds,
        epochs=run_recipe.epochs,
        callbacks=[*run_recipe.callbacks(), clock],
        verbose=0,
    )
    return {
        "name": name,
        "seed": seed,
        "backend": keras.backend.backend(),
        "precision": settings["precision"],
        "epochs_planned": run_recipe.epochs,
        "batch_size": run_recipe.batch_size,
        "parameters": int(model.count_params()),
        "train_images": int(len(y_train)),
        "test_images": int(len(y_test)),
        "test_time_augmentation": run_recipe.test_time_augmentation,
        "adapt_seconds": round(adapt_seconds, 3),
        "curve": curve,
    }


# The parent: summary and plot.


def accuracy_at(curve: list[dict], seconds: float) -> float | None:
    """The test accuracy of the last epoch that ended within `seconds`."""
    within = [p for p in curve if p["train_seconds"] <= seconds]
    return within[-1]["test_accuracy"] if within else None


def time_to(curve: list[dict], accuracy: float, last: int = 4) -> dict:
    """When a curve first reaches `accuracy`, measured or extrapolated.

    Measured: the training time of the first epoch at or above it.
    Otherwise, a straight line through the last `last` points of accuracy
    against log time (least squares) gives the time at which it would get
    there; `None` when that trend does not rise.

    Returns:
        `{"seconds": float | None, "extrapolated": bool}`.

    Example:

    >>> curve = [{"train_seconds": 10.0 * 2**i, "test_accuracy": 0.5 + 0.1 * i}
    ...          for i in range(3)]
    >>> time_to(curve, 0.6)
    {'seconds': 20.0, 'extrapolated': False}
    >>> result = time_to(curve, 0.8)
    >>> round(result["seconds"]), result["extrapolated"]
    (80, True)
    """
    for point in curve:
        if point["test_accuracy"] >= accuracy:
            return {"seconds": point["train_seconds"], "extrapolated": False}
    tail = curve[-last:]
    if len(tail) < 2:
        return {"seconds": None, "extrapolated": True}
    xs = [math.log(p["train_seconds"]) for p in tail]
    ys = [p["test_accuracy"] for p in tail]
    x_mean, y_mean = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - x_mean) ** 2 for x in xs)
    slope = (
        sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
        / spread
        if spread > 0
        else 0.0
    )
    if slope <= 0:
        return {"seconds": None, "extrapolated": True}
    seconds = math.exp(x_mean + (accuracy - y_mean) / slope)
    return {"seconds": seconds, "extrapolated": True}


def summarize_runs(runs: list[dict], settings: dict) -> dict:
    """Per architecture: accuracy at the budget, time to the reference."""
    budget = 60 * settings["budget_minutes"]
    summary = {}
    for name in dict.fromkeys(r["name"] for r in runs):
        mine = [r for r in runs if r["name"] == name]
        at_budget = [accuracy_at(r["curve"], budget) for r in mine]
        at_budget = [a for a in at_budget if a is not None]
        times = [
            time_to(
                r["curve"],
                settings["reference_accuracy"],
                settings["extrapolate_last"],
            )
            for r in mine
        ]
        known = [t["seconds"] for t in times if t["seconds"] is not None]
        summary[name] = {
            "seeds": [r["seed"] for r in mine],
            "accuracy_at_budget": at_budget,
            "median_accuracy_at_budget": statistics.median(at_budget)
            if at_budget
            else None,
            "best_accuracy": max(
                (p["test_accuracy"] for r in mine for p in r["curve"]),
                default=None,
            ),
            "seconds_to_reference": statistics.median(known) if known else None,
            "reference_extrapolated": any(t["extrapolated"] for t in times),
        }
    fast = summary.get(FAST, {}).get("seconds_to_reference")
    for entry in summary.values():
        seconds = entry["seconds_to_reference"]
        entry["time_ratio_to_fast_cifar"] = (
            seconds / fast if fast and seconds is not None else None
        )
    if FAST in summary:
        ours = summary[FAST]["median_accuracy_at_budget"]
        others = [
            e["median_accuracy_at_budget"]
            for n, e in summary.items()
            if n != FAST and e["median_accuracy_at_budget"] is not None
        ]
        summary[FAST]["meets_target"] = (
            ours is not None and ours >= settings["target_accuracy"]
        )
        summary[FAST]["ahead_of_every_documented"] = ours is not None and all(
            ours > other for other in others
        )
    return summary


def _summary_line(name: str, entry: dict, settings: dict) -> str:
    accuracy = entry["median_accuracy_at_budget"]
    seconds = entry["seconds_to_reference"]
    ratio = entry["time_ratio_to_fast_cifar"]
    line = (
        f"{name:18s} at {settings['budget_minutes']:g} min: "
        + (f"{accuracy:.2%}" if accuracy is not None else "no epoch done")
        + f"; to {settings['reference_accuracy']:.2%}: "
        + (f"{seconds / 60:.1f} min" if seconds is not None else "never")
    )
    if entry["reference_extrapolated"]:
        line += " (extrapolated)"
    if ratio is not None and name != FAST:
        line += f", {ratio:.1f}x fast_cifar's"
    return line


def _plot(runs: list[dict], settings: dict):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 5))
    colors = {}
    for r in runs:
        color = colors.setdefault(r["name"], f"C{len(colors)}")
        minutes = [p["train_seconds"] / 60 for p in r["curve"]]
        accuracy = [100 * p["test_accuracy"] for p in r["curve"]]
        axis.plot(
            minutes,
            accuracy,
            marker="o",
            markersize=3,
            color=color,
            label=f"{r['name']} (seed {r['seed']})",
        )
    axis.axvline(
        settings["budget_minutes"], color="grey", linestyle=":", label="budget"
    )
    axis.axhline(
        100 * settings["target_accuracy"],
        color="black",
        linestyle="--",
        linewidth=0.8,
        label=f"target {100 * settings['target_accuracy']:g}%",
    )
    axis.axhline(
        100 * settings["reference_accuracy"],
        color="black",
        linestyle=":",
        linewidth=0.8,
        label=f"li2018_model3_2 documented "
        f"{100 * settings['reference_accuracy']:g}%",
    )
    axis.set(
        xlabel="training wall time (minutes; test evaluations excluded)",
        ylabel="CIFAR-10 test accuracy (%)",
        title=f"Time to accuracy on this CPU ({settings['backend']}, "
        f"{settings['precision']})",
    )
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(argv, __name__, _run_job, _run_and_report)


def _run_job(job: str, settings: dict) -> dict:
    """The child: one run, given as the JSON of its name, seed, epochs."""
    job = json.loads(job)
    return run(job["name"], job["seed"], settings, job.get("epochs"))


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per run (resumable), then the summary."""
    from benchmarks.common import run_jobs
    from benchmarks.common import save_results

    name = "time_to_accuracy" + ("_quick" if args.quick else "")
    jobs = [
        {"name": entry["name"], "seed": seed, "epochs": entry.get("epochs")}
        for entry in settings["runs"]
        for seed in entry["seeds"]
    ]
    runs, partial = run_jobs(
        "benchmarks.time_to_accuracy",
        name,
        settings,
        jobs,
        timeout=60 * settings["budget_minutes"] * 3 + 600,
    )
    summary = summarize_runs(runs, settings)
    lines = [
        _summary_line(name, entry, settings) for name, entry in summary.items()
    ]
    print("\n".join(lines))
    json_path, png_path = save_results(
        name,
        {"settings": settings, "summary": summary, "runs": runs},
        _plot(runs, settings),
    )
    partial.unlink(missing_ok=True)
    print(f"Wrote {json_path} and {png_path}")
    return {"lines": lines}


if __name__ == "__main__":
    main()
