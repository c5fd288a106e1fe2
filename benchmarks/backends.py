"""Backend switching: what TensorFlow, JAX and PyTorch cost per network.

Claim: every architecture trains and predicts under all three Keras
backends from the same initial weights to the same loss; this script
measures, per backend, training and inference images/s, the compile
overhead of the first epoch, the peak memory, and the loss after the
same steps, for `schnack2022`, `li2018_model3_2`, `donzella_cnn` and a
WRN-16-4, with `jit_compile` on and off where it applies.

Method:

- A first subprocess builds every model once and saves its initial
  weights (`.weights.h5` files are backend-independent); each backend's
  subprocess loads them, so all backends start from the same weights and
  train on the same synthetic CIFAR-shaped batches in the same order.
- Training: `fit` epochs of `train_steps` batches; inference: `predict`
  passes of `infer_steps` batches. The first epoch (tracing and
  compilation) is timed alone; `compile_seconds` is its excess over a
  steady-state epoch. Medians and spread over `repeats` epochs.
- `jit_compile`: TensorFlow runs without XLA on a CPU-only machine unless
  `jit_compile=True`; JAX always compiles with XLA (its `jit_compile=False`
  runs op by op, which no one trains with); PyTorch runs eagerly unless
  `jit_compile=True` (`torch.compile`).
- Peak memory: the peak resident memory of the subprocess while it builds,
  compiles, trains and predicts with that one model (the peak is reset
  before each model; see `common.peak_memory`).
- Loss: `evaluate` on the first batch before training and after all
  `(1 + repeats) * train_steps` steps. Dropout masks come from each
  backend's own random generator, so models with dropout agree only
  approximately.
- `mixed_bfloat16`: the models in `mixed_bfloat16` are also trained under
  `keras.mixed_precision` policy `"mixed_bfloat16"`, interleaved epoch by
  epoch with the float32 model in the same process; the speedup is the
  median of the per-round float32 / bfloat16 time ratio.

Run:

    python -m benchmarks.backends [--quick]

Writes `benchmarks/results/backends[_quick].{json,png}`.
"""

import json
import math
import sys
import tempfile
from pathlib import Path

SETTINGS = {
    "models": ["schnack2022", "li2018_model3_2", "donzella_cnn", "wrn_16_4"],
    # (backend, jit_compile) runs; "auto" is each backend's default.
    # ["torch", True] (torch.compile) is left out by default to keep the
    # run short; add it to measure it (a failure lands in `failed`).
    "runs": [
        ["tensorflow", "auto"],
        ["tensorflow", True],
        ["jax", "auto"],
        ["torch", "auto"],
    ],
    "batch_size": 32,  # images per step (Keras' default batch size)
    "train_steps": {"default": 16, "wrn_16_4": 4},  # steps per timed epoch
    "infer_steps": {"default": 16, "wrn_16_4": 4},  # batches per pass
    "repeats": 5,  # timed epochs / passes after the first (medians)
    "mixed_bfloat16": ["schnack2022"],  # also timed under mixed_bfloat16
    "mixed_bfloat16_backends": ["tensorflow", "jax", "torch"],
    "mixed_rounds": 5,  # interleaved float32 / bfloat16 epochs
    "learning_rate": 1e-3,  # Adam
    "seed": 0,
}
QUICK = {
    "models": ["schnack2022", "donzella_cnn"],
    "runs": [["tensorflow", "auto"], ["jax", "auto"], ["torch", "auto"]],
    "train_steps": {"default": 4},
    "infer_steps": {"default": 4},
    "repeats": 2,
    "mixed_bfloat16_backends": ["tensorflow"],
    "mixed_rounds": 2,
}
MODULE = "benchmarks.backends"


def run_label(backend: str, jit_compile) -> str:
    """`tensorflow`, `tensorflow+jit_compile`, ...: one bar of the plot."""
    return backend if jit_compile == "auto" else f"{backend}+jit_compile"


def _steps(settings: dict, key: str, model: str) -> int:
    table = settings[key]
    return table.get(model, table["default"])


def save_initial_weights(settings: dict) -> None:
    """Build every model once (seeded) and save its initial weights."""
    import keras

    from benchmarks.common import build_model

    folder = Path(settings["weights_dir"])
    for name in settings["models"]:
        keras.utils.set_random_seed(settings["seed"])
        build_model(name).save_weights(folder / f"{name}.weights.h5")


def _loaded_model(name: str, settings: dict, jit_compile, policy=None):
    import keras

    from benchmarks.common import build_model
    from benchmarks.common import compile_for_training

    previous = keras.mixed_precision.global_policy().name
    if policy:
        keras.mixed_precision.set_global_policy(policy)
    try:
        model = build_model(name)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    model.load_weights(Path(settings["weights_dir"]) / f"{name}.weights.h5")
    return compile_for_training(model, jit_compile, settings["learning_rate"])


def measure_model(name: str, settings: dict, jit_compile) -> dict:
    """Throughput, compile time, peak memory and losses of one model."""
    import keras

    from benchmarks.common import inference_throughput
    from benchmarks.common import input_scale
    from benchmarks.common import peak_memory
    from benchmarks.common import reset_peak_memory
    from benchmarks.common import synthetic_cifar
    from benchmarks.common import training_throughput

    batch_size, repeats = settings["batch_size"], settings["repeats"]
    train_images = batch_size * _steps(settings, "train_steps", name)
    infer_images = batch_size * _steps(settings, "infer_steps", name)
    x, y = synthetic_cifar(
        max(train_images, infer_images), settings["seed"], 10, input_scale(name)
    )
    baseline = reset_peak_memory()
    model = _loaded_model(name, settings, jit_compile)
    first_x, first_y = x[:batch_size], y[:batch_size]
    initial_loss = float(model.evaluate(first_x, first_y, verbose=0))
    train = training_throughput(
        model, x[:train_images], y[:train_images], batch_size, repeats
    )
    final_loss = float(model.evaluate(first_x, first_y, verbose=0))
    infer = inference_throughput(model, x[:infer_images], batch_size, repeats)
    return {
        "model": name,
        "backend": keras.backend.backend(),
        "jit_compile": jit_compile,
        "run": run_label(keras.backend.backend(), jit_compile),
        "parameters": model.count_params(),
        "training": train,
        "inference": infer,
        "peak_memory_mib": peak_memory(),
        "memory_before_model_mib": baseline,
        "initial_loss": initial_loss,
        "final_loss": final_loss,
        "training_steps": (1 + repeats) * train_images // batch_size,
    }


def measure_mixed_bfloat16(name: str, settings: dict) -> dict:
    """float32 vs mixed_bfloat16 training of one model, interleaved."""
    import keras

    from benchmarks.common import fit_seconds
    from benchmarks.common import input_scale
    from benchmarks.common import interleaved
    from benchmarks.common import per_round_ratio
    from benchmarks.common import synthetic_cifar

    batch_size = settings["batch_size"]
    images = batch_size * _steps(settings, "train_steps", name)
    x, y = synthetic_cifar(images, settings["seed"], 10, input_scale(name))
    runners = {
        policy: fit_seconds(
            _loaded_model(name, settings, "auto", policy), x, y, batch_size
        )
        for policy in ("float32", "mixed_bfloat16")
    }
    timing = interleaved(runners, settings["mixed_rounds"])
    return {
        "model": name,
        "backend": keras.backend.backend(),
        "images_per_epoch": images,
        "seconds": timing,
        "speedup": per_round_ratio(
            timing["float32"]["samples"], timing["mixed_bfloat16"]["samples"]
        ),
    }


def measure(child: str, settings: dict) -> list[dict]:
    """The rows of one subprocess: `init`, or one run's `jit_compile`."""
    import keras

    if child == "init":
        save_initial_weights(settings)
        return []
    jit_compile = json.loads(child)
    rows = []
    for name in settings["models"]:
        try:
            rows.append(measure_model(name, settings, jit_compile))
        except Exception as error:  # e.g. torch.compile without a compiler
            rows.append(
                {
                    "model": name,
                    "run": run_label(keras.backend.backend(), jit_compile),
                    "error": f"{type(error).__name__}: {error}"[:2000],
                }
            )
    if (
        jit_compile == "auto"
        and keras.backend.backend() in settings["mixed_bfloat16_backends"]
    ):
        rows += [
            {"mixed_bfloat16": measure_mixed_bfloat16(name, settings)}
            for name in settings["mixed_bfloat16"]
        ]
    return rows


def fastest(rows: list[dict], kind: str) -> str:
    """The run with the highest geometric mean images/s over the models."""
    scores = {}
    for row in rows:
        rate = row[kind]["images_per_second"]["median"]
        scores.setdefault(row["run"], []).append(math.log(rate))
    models = max(len(logs) for logs in scores.values())
    complete = {
        run: logs for run, logs in scores.items() if len(logs) == models
    }
    return max(complete, key=lambda run: sum(complete[run]))


def plot(rows: list[dict]):
    """A bar chart per model: training and inference images/s per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = list(dict.fromkeys(row["model"] for row in rows))
    columns = min(2, len(models))
    lines = math.ceil(len(models) / columns)
    figure, axes = plt.subplots(
        lines, columns, figsize=(6 * columns, 3.6 * lines), squeeze=False
    )
    for axis, name in zip(axes.flat, models, strict=False):
        mine = [row for row in rows if row["model"] == name]
        positions = np.arange(len(mine))
        for offset, kind in ((-0.2, "training"), (0.2, "inference")):
            stats = [row[kind]["images_per_second"] for row in mine]
            medians = [s["median"] for s in stats]
            axis.bar(
                positions + offset,
                medians,
                0.4,
                yerr=[
                    [m - s["min"] for m, s in zip(medians, stats, strict=True)],
                    [s["max"] - m for m, s in zip(medians, stats, strict=True)],
                ],
                label=kind,
            )
        for position, row in zip(positions, mine, strict=True):
            axis.annotate(
                f"compile {row['training']['compile_seconds']:.1f} s\n"
                f"{row['peak_memory_mib']:.0f} MiB",
                (position, 0),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
        axis.set_xticks(positions)
        axis.set_xticklabels([row["run"] for row in mine], fontsize=8)
        axis.set_title(name)
        axis.set_ylabel("images / s (median, min-max)")
        axis.legend(fontsize=8)
    for axis in list(axes.flat)[len(models) :]:
        axis.set_visible(False)
    figure.suptitle("Keras backends on a 2-core CPU (synthetic CIFAR batches)")
    figure.tight_layout()
    return figure


def report(rows: list[dict]) -> list[str]:
    """Printable lines: one per model and run, then the winners."""
    lines = []
    for row in rows:
        lines.append(
            f"{row['model']:16s} {row['run']:24s} train "
            f"{row['training']['images_per_second']['median']:7.1f} img/s, "
            f"infer {row['inference']['images_per_second']['median']:7.1f} "
            f"img/s, compile {row['training']['compile_seconds']:5.1f} s, "
            f"peak {row['peak_memory_mib']:5.0f} MiB, loss "
            f"{row['initial_loss']:.4f} -> {row['final_loss']:.4f}"
        )
    return lines


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(argv, __name__, measure, _run_and_report)


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per backend, then report and save."""
    from benchmarks.common import run_backends
    from benchmarks.common import save_and_report

    with tempfile.TemporaryDirectory() as folder:
        settings["weights_dir"] = folder
        run_backends(MODULE, settings, [("tensorflow", "init")])
        rows = run_backends(
            MODULE,
            settings,
            [(backend, json.dumps(jit)) for backend, jit in settings["runs"]],
        )
    del settings["weights_dir"]
    mixed = [row["mixed_bfloat16"] for row in rows if "mixed_bfloat16" in row]
    failed = [row for row in rows if "error" in row]
    rows = [row for row in rows if "training" in row]
    lines = report(rows)
    lines += [
        f"{row['model']} {row['run']} failed: {row['error']}" for row in failed
    ]
    summary = {
        "fastest_training": fastest(rows, "training"),
        "fastest_inference": fastest(rows, "inference"),
        "mixed_bfloat16_speedup": {
            f"{row['model']}/{row['backend']}": row["speedup"]["median"]
            for row in mixed
        },
    }
    lines.append(
        f"fastest here: training {summary['fastest_training']}, "
        f"inference {summary['fastest_inference']}"
    )
    for key, speedup in summary["mixed_bfloat16_speedup"].items():
        lines.append(f"mixed_bfloat16 / float32 speed, {key}: {speedup:.2f}x")
    print("\n".join(lines))
    save_and_report(
        "backends",
        args.quick,
        {
            "settings": settings,
            "notes": (
                "Synthetic CIFAR-shaped batches; compile_seconds = first "
                "epoch minus a steady-state epoch; peak memory = peak RSS "
                "of the backend's subprocess while it handled that model; "
                "speedup = median per-round float32 / mixed_bfloat16 epoch "
                "time."
            ),
            "summary": summary,
            "rows": rows,
            "failed": failed,
            "mixed_bfloat16": mixed,
        },
        plot(rows),
    )
    return {"summary": summary, "lines": lines}


if __name__ == "__main__":
    main()
    sys.exit(0)
