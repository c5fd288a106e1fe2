"""Time to accuracy: fast_cifar_airbench vs the documented CNNs, same budget.

Claim: at a 30-minute training budget on this 2-core CPU (TensorFlow,
`mixed_bfloat16`), `fast_cifar_airbench` (SETTINGS' `ours`) reaches >=
94% CIFAR-10 test accuracy (median of 3 seeds) and is ahead of every
documented from-scratch CNN trained with its own recipe for the same
wall time (`li2018_model3_2`, `schnack2022`, `donzella_cnn`); the same
recipe reaches >= 93% on JAX and PyTorch (run to the end of its 10
epochs, whatever the time). `fast_cifar`, the plain-Keras recipe, is
shown beside it.

Protocol, per run (one architecture, one seed), each in a fresh process
with the backend fixed before `import keras`:

- data: all 50,000 CIFAR-10 training images from `../shared/data` (no
  validation split: nothing is chosen during training); the 10,000 test
  images only for the recorded evaluations;
- training: the architecture's registry recipe (optimizer, schedule,
  batch size, loss and label smoothing, augmentation preset, input
  normalization, Lookahead), under the `precision` policy of SETTINGS
  (or of the run's entry). Documented recipes keep their epochs and
  schedules and are cut at the budget (their early stopping, which needs
  a validation set, is off); `fast_cifar*` run the number of epochs their
  entry gives, so that their schedules end within the budget;
- clock: training wall time from the start of `fit` (tracing and
  compilation included), plus the time layers take to read the training
  data before it (`PatchWhitening.adapt`), paused while the test set is
  evaluated after every epoch; a run stops after the first epoch that
  ends past the budget (an entry with `budget_minutes: null` runs its
  whole recipe);
- evaluation: test accuracy after every epoch, with the recipe's
  test-time augmentation (`fast_cifar_airbench`: flips and one-pixel
  translations; `fast_cifar`: flips).

Reported, per row (an architecture, with the backend and precision where
they are not SETTINGS'): one curve (wall time, test accuracy) per run,
the accuracy at the budget (median over its seeds), the final accuracy
and training time, and the wall time each needs to reach 89.38% (Li 2018
model 3-2's documented accuracy, the best from-scratch accuracy of the
seed reports) as the ratio to `ours`'. Where a documented recipe does
not get there within the budget, its time is extrapolated from the trend
of its last epochs (accuracy linear in log time) and marked
`extrapolated`.

Run:

    python -m benchmarks.time_to_accuracy [--quick] [--settings JSON]
        [--reuse benchmarks/results/time_to_accuracy.json]

`--reuse` takes the runs of an earlier results file that were made under
the same run settings (the documented recipes' 30-minute runs do not
change when `fast_cifar_airbench` does) and marks them `reused_from`.
Writes `benchmarks/results/time_to_accuracy[_quick].{json,png}`. Each
run takes the budget plus its test evaluations (about 45 min for
`fast_cifar_airbench`); every finished run is kept in
`time_to_accuracy.partial.json`, and the same command goes on after
them.
"""

import datetime
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
    "ours": "fast_cifar_airbench",  # compared with every other run
    "target_accuracy": 0.94,  # the target at the budget
    "reference_accuracy": 0.8938,  # li2018_model3_2's documented accuracy
    # Each entry: `name`, `seeds`, optional `epochs` (the schedule
    # follows), and optional `backend`, `precision` and `budget_minutes`
    # for its runs alone (`budget_minutes: null`: the whole recipe).
    "runs": [
        {"name": "fast_cifar_airbench", "seeds": [0, 1, 2], "epochs": 10},
        {"name": "fast_cifar", "seeds": [0, 1], "epochs": 12},
        {"name": "li2018_model3_2", "seeds": [0]},
        {"name": "schnack2022", "seeds": [0]},
        {"name": "donzella_cnn", "seeds": [0]},
        {
            "name": "fast_cifar_airbench",
            "seeds": [0],
            "epochs": 10,
            "backend": "jax",
            "precision": "float32",
            "budget_minutes": None,
        },
        {
            "name": "fast_cifar_airbench",
            "seeds": [0],
            "epochs": 10,
            "backend": "torch",
            "precision": "float32",
            "budget_minutes": None,
        },
    ],
    "train_images": 50_000,  # all of CIFAR-10's training set
    "test_images": 10_000,  # all of its test set
    "eval_batch_size": 1_000,  # images per forward pass when evaluating
    "extrapolate_last": 4,  # epochs whose trend extrapolates a curve
}
QUICK = {
    "budget_minutes": 0.5,
    "ours": "fast_cifar",
    "train_images": 1_024,
    "test_images": 512,
    "runs": [
        {"name": "fast_cifar", "seeds": [0], "epochs": 2},
        {"name": "li2018_model3_2", "seeds": [0]},
    ],
}
# What a run's job may set for itself, over SETTINGS.
JOB_SETTINGS = ("backend", "precision", "budget_minutes")
# The settings a run's result depends on: results measured under the
# same ones may be reused (`--reuse`).
RUN_SETTINGS = (
    "backend",
    "precision",
    "budget_minutes",
    "train_images",
    "test_images",
    "eval_batch_size",
)


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


def _budget_seconds(settings: dict) -> float:
    """The run's budget in seconds; `budget_minutes=None`: no limit."""
    minutes = settings["budget_minutes"]
    return math.inf if minutes is None else 60 * minutes


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
        budget=_budget_seconds(settings),
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
        "budget_minutes": settings["budget_minutes"],
        "documented": run_recipe.source.report is not None,
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


def label(result: dict, settings: dict) -> str:
    """A run's row in the summary: its name, and what it ran under where
    that is not SETTINGS' (`"fast_cifar_airbench [jax, float32]"`)."""
    own = [
        str(result[key])
        for key in ("backend", "precision")
        if result.get(key, settings[key]) != settings[key]
    ]
    return result["name"] + (f" [{', '.join(own)}]" if own else "")


def summarize_runs(runs: list[dict], settings: dict) -> dict:
    """Per row (`label`): accuracy at the budget, time to the reference.

    Every row gets the median of its seeds' accuracy at SETTINGS' budget
    (the last epoch that ended within it), the median of their final
    accuracies and training minutes (all the epochs they ran: the whole
    recipe for a run without a budget), and the time to
    `reference_accuracy`, also as a ratio to the row of `ours`. The row
    of `ours` is checked against `target_accuracy` and against every
    documented architecture (a run whose `documented` is true; results
    without the field count as documented unless they are `ours` or
    `fast_cifar`).
    """
    budget = _budget_seconds(settings)
    rows = {}
    for result in runs:
        rows.setdefault(label(result, settings), []).append(result)
    summary = {}
    for row, mine in rows.items():
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
        summary[row] = {
            "name": mine[0]["name"],
            "documented": mine[0].get(
                "documented",
                mine[0]["name"] not in (settings["ours"], "fast_cifar"),
            ),
            "seeds": [r["seed"] for r in mine],
            "accuracy_at_budget": at_budget,
            "median_accuracy_at_budget": statistics.median(at_budget)
            if at_budget
            else None,
            "median_final_accuracy": statistics.median(
                r["curve"][-1]["test_accuracy"] for r in mine
            ),
            "median_train_minutes": statistics.median(
                r["curve"][-1]["train_seconds"] / 60 for r in mine
            ),
            "best_accuracy": max(
                (p["test_accuracy"] for r in mine for p in r["curve"]),
                default=None,
            ),
            "seconds_to_reference": statistics.median(known) if known else None,
            "reference_extrapolated": any(t["extrapolated"] for t in times),
        }
    ours = settings["ours"]
    fast = summary.get(ours, {}).get("seconds_to_reference")
    for entry in summary.values():
        seconds = entry["seconds_to_reference"]
        entry["time_ratio_to_ours"] = (
            seconds / fast if fast and seconds is not None else None
        )
    if ours in summary:
        accuracy = summary[ours]["median_accuracy_at_budget"]
        others = [
            e["median_accuracy_at_budget"]
            for e in summary.values()
            if e["documented"] and e["median_accuracy_at_budget"] is not None
        ]
        summary[ours]["meets_target"] = (
            accuracy is not None and accuracy >= settings["target_accuracy"]
        )
        ahead = accuracy is not None and all(a < accuracy for a in others)
        summary[ours]["ahead_of_every_documented"] = ahead
    return summary


def _summary_line(row: str, entry: dict, settings: dict) -> str:
    accuracy = entry["median_accuracy_at_budget"]
    seconds = entry["seconds_to_reference"]
    ratio = entry["time_ratio_to_ours"]
    line = (
        f"{row:18s} at {settings['budget_minutes']:g} min: "
        + (f"{accuracy:.2%}" if accuracy is not None else "no epoch done")
        + f" (final {entry['median_final_accuracy']:.2%} after "
        + f"{entry['median_train_minutes']:.1f} min); "
        + f"to {settings['reference_accuracy']:.2%}: "
        + (f"{seconds / 60:.1f} min" if seconds is not None else "never")
    )
    if entry["reference_extrapolated"]:
        line += " (extrapolated)"
    if ratio is not None and row != settings["ours"]:
        line += f", {ratio:.1f}x {settings['ours']}'s"
    return line


def _plot(runs: list[dict], settings: dict):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 5))
    colors = {}
    for r in runs:
        row = label(r, settings)
        color = colors.setdefault(row, f"C{len(colors)}")
        minutes = [p["train_seconds"] / 60 for p in r["curve"]]
        accuracy = [100 * p["test_accuracy"] for p in r["curve"]]
        axis.plot(
            minutes,
            accuracy,
            marker="o",
            markersize=3,
            color=color,
            label=f"{row} (seed {r['seed']})",
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

    return benchmark_main(
        argv, __name__, _run_job, _run_and_report, _add_arguments
    )


def _add_arguments(parser):
    parser.add_argument(
        "--reuse",
        default=None,
        metavar="JSON",
        help="results of an earlier run of this benchmark (e.g. the "
        "committed benchmarks/results/time_to_accuracy.json): its runs "
        "that match a job under the same settings are not run again",
    )


def jobs_of(settings: dict) -> list[dict]:
    """One job per run: name, seed, epochs, and the entry's own settings."""
    return [
        {
            "name": entry["name"],
            "seed": seed,
            "epochs": entry.get("epochs"),
            **{key: entry[key] for key in JOB_SETTINGS if key in entry},
        }
        for entry in settings["runs"]
        for seed in entry["seeds"]
    ]


def job_settings(job: dict, settings: dict) -> dict:
    """SETTINGS as one job runs under them."""
    return {**settings, **{key: job[key] for key in JOB_SETTINGS if key in job}}


def reusable_runs(path, settings: dict, jobs: list[dict]) -> dict:
    """The runs of an earlier results file that jobs here would repeat.

    `path` is a results file or the partial file of an unfinished
    invocation. A recorded run stands for a job when it was made under the same
    RUN_SETTINGS (the job's own ones included) with the same name and
    seed, and, for a job that fixes its epochs, the same planned epochs.
    Each reused run is marked with `reused_from` (the file's name and
    date), so the results say which runs this invocation measured.

    Returns:
        The reused runs keyed as `run_jobs` keys its jobs.
    """
    from pathlib import Path

    path = Path(path)
    recorded = json.loads(path.read_text())
    runs = recorded["runs"]
    if isinstance(runs, dict):  # An unfinished invocation's partial file.
        runs = list(runs.values())
    origin = {
        "file": path.name,
        # A partial file has no date of its own: its last write.
        "date": recorded.get("date")
        or datetime.date.fromtimestamp(path.stat().st_mtime).isoformat(),
    }
    reused = {}
    for job in jobs:
        wanted = job_settings(job, settings)
        for result in runs:
            under = {**recorded["settings"], **result}
            if (
                result["name"] == job["name"]
                and result["seed"] == job["seed"]
                and job["epochs"] in (None, result["epochs_planned"])
                and all(under.get(k) == wanted[k] for k in RUN_SETTINGS)
            ):
                reused[json.dumps(job, sort_keys=True)] = {
                    **result,
                    "reused_from": result.get("reused_from", origin),
                }
                break
    return reused


def _run_job(job: str, settings: dict) -> dict:
    """The child: one run, given as the JSON of its job (`jobs_of`)."""
    job = json.loads(job)
    return run(
        job["name"], job["seed"], job_settings(job, settings), job.get("epochs")
    )


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per run (resumable), then the summary."""
    from benchmarks.common import run_jobs
    from benchmarks.common import save_results

    name = "time_to_accuracy" + ("_quick" if args.quick else "")
    jobs = jobs_of(settings)
    reused = reusable_runs(args.reuse, settings, jobs) if args.reuse else {}
    if args.reuse:
        print(f"Reusing {len(reused)} of {len(jobs)} runs from {args.reuse}")
    longest = max(_budget_seconds(job_settings(job, settings)) for job in jobs)
    runs, partial = run_jobs(
        "benchmarks.time_to_accuracy",
        name,
        settings,
        jobs,
        # A run without a budget has the whole recipe: at most 4 hours.
        timeout=min(3 * longest + 600, 4 * 3600),
        reused=reused,
    )
    summary = summarize_runs(runs, settings)
    lines = [
        _summary_line(row, entry, settings) for row, entry in summary.items()
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
