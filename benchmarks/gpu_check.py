"""GPU readiness: each backend sees the GPU and trains every network on it.

Claim: on a machine with a GPU, each installed Keras backend lists it,
keeps the model's weights on it, and trains every from-scratch
architecture of the registry on it under `mixed_float16` and
`mixed_bfloat16` (and float32, the baseline) to a finite loss. The script
measures the training images/s of each architecture, precision and
backend on that GPU.

Method:

- One subprocess per backend, with `KERAS_BACKEND` set before
  `import keras`. It lists the devices the backend sees
  (`keras_cifar_blocks.utils.devices.list_devices`, what
  `kcb info --devices` prints); a backend that sees no GPU measures
  nothing, unless `--allow-cpu` says to measure on the CPU.
- Architectures: `architectures.names()` less the transfer models, whose
  default `weights="imagenet"` needs a download (they are listed in
  `skipped_architectures`). `--settings '{"transfer": true}'` times them
  too, built with `weights=None`: the speed does not depend on the
  weight values.
- Each architecture and precision: the model is built under that
  `keras.mixed_precision` policy, compiled with Adam and sparse
  cross-entropy (`jit_compile="auto"`: XLA on TensorFlow and JAX with a
  GPU; `mixed_float16` adds dynamic loss scaling) and trained with `fit`
  on synthetic CIFAR-shaped batches: a first epoch of `steps` batches
  (tracing, compilation, autotuning) timed alone, then `repeats` timed
  epochs; images/s is their median. The device that holds the weights
  after training, the loss of the last epoch and, on TensorFlow and
  PyTorch, the peak GPU memory are recorded.
- A failure (out of memory, an op without a kernel for that dtype) is
  recorded for its row, and the run goes on.

Run, on a machine with a GPU:

    python -m benchmarks.gpu_check [--quick] [--backend jax ...]

Writes `benchmarks/results/gpu_check[_quick].{json,png}`. Where no backend
sees a GPU, it prints "no GPU", writes nothing and exits 0. `--allow-cpu`
measures on the CPU anyway (for tests): it writes
`gpu_check_cpu[_quick].{json,png}`, whose `device_kind` is `"cpu"`.
"""

import argparse
import gc
import json
import math
import statistics
import sys

SETTINGS = {
    "backends": ["tensorflow", "jax", "torch"],
    # None: every architecture of the registry less the transfer models.
    "models": None,
    "transfer": False,  # also time the transfer models, weights=None
    "policies": ["float32", "mixed_float16", "mixed_bfloat16"],
    "batch_size": 256,  # images per step
    "steps": 20,  # batches per timed epoch
    "repeats": 5,  # timed epochs after the first (median)
    "learning_rate": 1e-3,  # Adam
    "seed": 0,
    "allow_cpu": False,  # measure where no GPU is seen (--allow-cpu)
}
QUICK = {"steps": 3, "repeats": 2}
MODULE = "benchmarks.gpu_check"
BASELINE = "float32"
# Device types that count as a GPU (`mps`: Apple's, through PyTorch).
GPU_TYPES = ("gpu", "mps")
# A child's entries that the JSON gathers over all backends.
GATHERED = ("rows", "failed", "skipped_architectures")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        action="append",
        choices=("tensorflow", "jax", "torch"),
        help="check only this backend (repeat for several; default: all)",
    )
    parser.add_argument(
        "--allow-cpu",
        action="store_true",
        help="measure even where no GPU is seen (on the CPU: for tests)",
    )


def architectures(settings: dict) -> tuple[list[str], dict[str, str]]:
    """The architectures to train, and those left out with the reason."""
    from keras_cifar_blocks.architectures import names

    if settings["models"]:
        return list(settings["models"]), {}
    chosen, skipped = [], {}
    for name in names():
        if _is_transfer(name) and not settings["transfer"]:
            skipped[name] = (
                "transfer model: its default weights are ImageNet's "
                "(a download); transfer=true times it with weights=None"
            )
        else:
            chosen.append(name)
    return chosen, skipped


def _is_transfer(name: str) -> bool:
    from keras_cifar_blocks.architectures import get_architecture

    return "weights" in get_architecture(name).overrides


def _build(name: str, policy: str):
    import keras

    from keras_cifar_blocks.architectures import build

    overrides = {"weights": None} if _is_transfer(name) else {}
    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy)
    try:
        return build(name, **overrides)
    finally:
        keras.mixed_precision.set_global_policy(previous)


def device_of(variable) -> str:
    """`"gpu:0"`, `"cpu:0"`, ...: where a Keras variable's value lives."""
    import keras

    value = variable.value
    if keras.backend.backend() == "jax":
        (device,) = value.devices()
        text = f"{device.platform}:{device.id}"
    else:  # tf: "/job:localhost/.../device:GPU:0"; torch: "cuda:0"
        text = str(value.device)
    kind, _, index = text.lower().rsplit("device:", 1)[-1].partition(":")
    kind = "gpu" if kind in ("cuda", "rocm") else kind
    return f"{kind}:{index or 0}"


def _reset_gpu_memory() -> None:
    import keras

    try:
        if keras.backend.backend() == "torch":
            import torch

            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        elif keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.reset_memory_stats("GPU:0")
    except Exception:  # No GPU, or no statistics on this build.
        pass


def _gpu_memory_peak_mib() -> float | None:
    """Peak GPU memory since `_reset_gpu_memory`; None where unknown
    (JAX keeps no resettable peak)."""
    import keras

    try:
        if keras.backend.backend() == "torch":
            import torch

            return torch.cuda.max_memory_allocated() / 2**20
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            info = tf.config.experimental.get_memory_info("GPU:0")
            return info["peak"] / 2**20
    except Exception:
        pass
    return None


def measure_model(name: str, policy: str, settings: dict, gpu: bool) -> dict:
    """Train one architecture under one policy; its images/s and checks."""
    import keras

    from benchmarks.common import compile_for_training
    from benchmarks.common import input_scale
    from benchmarks.common import interleaved
    from benchmarks.common import summarize
    from benchmarks.common import synthetic_cifar
    from keras_cifar_blocks.architectures import get_architecture

    batch_size, steps = settings["batch_size"], settings["steps"]
    images = batch_size * steps
    x, y = synthetic_cifar(
        images,
        settings["seed"],
        get_architecture(name).num_classes,
        input_scale(name),
    )
    if gpu:
        _reset_gpu_memory()
    keras.utils.set_random_seed(settings["seed"])
    model = compile_for_training(
        _build(name, policy), "auto", settings["learning_rate"]
    )
    losses = []

    def run_once():
        history = model.fit(
            x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0
        )
        losses.append(float(history.history["loss"][-1]))

    timing = interleaved({"fit": run_once}, settings["repeats"])["fit"]
    first = timing["warmup_seconds"][0]
    row = {
        "model": name,
        "policy": policy,
        "backend": keras.backend.backend(),
        "parameters": model.count_params(),
        "compute_dtype": model.dtype_policy.compute_dtype,
        "loss_scaling": isinstance(
            model.optimizer, keras.optimizers.LossScaleOptimizer
        ),
        "jit_compile": model.jit_compile,
        "weights_device": device_of(model.trainable_variables[0]),
        "images_per_epoch": images,
        "training": {
            "images_per_second": summarize(
                [images / seconds for seconds in timing["samples"]]
            ),
            "first_epoch_seconds": first,
            "compile_seconds": max(0.0, first - timing["median"]),
        },
        "loss_after": losses[-1],
        "finite_loss": math.isfinite(losses[-1]),
        "gpu_memory_peak_mib": _gpu_memory_peak_mib() if gpu else None,
    }
    return row


def measure(settings: dict) -> dict:
    """One backend's subprocess: its devices and, with a GPU (or
    `allow_cpu`), a row per architecture and policy."""
    import keras

    from keras_cifar_blocks.utils.devices import list_devices

    backend = keras.backend.backend()
    devices = list_devices()
    gpu = any(device["type"] in GPU_TYPES for device in devices)
    result = {
        "backend": backend,
        "backend_version": getattr(sys.modules[backend], "__version__", None),
        "devices": devices,
        "gpu": gpu,
        "measured": gpu or settings["allow_cpu"],
        "rows": [],
        "failed": [],
    }
    if not result["measured"]:
        return result
    names, result["skipped_architectures"] = architectures(settings)
    for name in names:
        for policy in settings["policies"]:
            print(f"    {backend} {name} {policy}", file=sys.stderr)
            try:
                result["rows"].append(
                    measure_model(name, policy, settings, gpu)
                )
            except Exception as error:  # e.g. out of memory
                result["failed"].append(
                    {
                        "model": name,
                        "policy": policy,
                        "backend": backend,
                        "error": f"{type(error).__name__}: {error}"[:2000],
                    }
                )
            # Frees the model (and its GPU memory) before the next one.
            keras.backend.clear_session()
            gc.collect()
    return result


def speedups(rows: list[dict]) -> dict:
    """Geometric mean over the models of each policy's images/s over
    float32's, per backend: `{"jax/mixed_bfloat16": 1.8, ...}`."""
    rate = {
        (row["backend"], row["model"], row["policy"]): row["training"][
            "images_per_second"
        ]["median"]
        for row in rows
    }
    ratios = {}
    for (backend, model, policy), value in rate.items():
        baseline = rate.get((backend, model, BASELINE))
        if policy != BASELINE and baseline:
            ratios.setdefault(f"{backend}/{policy}", []).append(
                math.log(value / baseline)
            )
    return {
        key: math.exp(statistics.fmean(logs)) for key, logs in ratios.items()
    }


def _describe(devices: list[dict]) -> str:
    return ", ".join(
        device["device"]
        + f" {device['name']}"
        + (
            f" (compute capability {device['compute_capability']})"
            if device.get("compute_capability")
            else ""
        )
        for device in devices
    )


def report(children: list[dict]) -> list[str]:
    """Printable lines: what each backend sees, a line per row, totals."""
    lines = []
    for child in children:
        seen = _describe(child["devices"])
        gpu = "GPU" if child["gpu"] else "no GPU"
        lines.append(
            f"{child['backend']} {child['backend_version']}: {gpu}; sees {seen}"
        )
        for row in child["rows"]:
            rate = row["training"]["images_per_second"]["median"]
            lines.append(
                f"  {row['model']:18s} {row['policy']:14s} "
                f"{rate:10.1f} img/s on {row['weights_device']}, "
                f"compile {row['training']['compile_seconds']:5.1f} s, "
                f"loss {row['loss_after']:.3f}"
            )
        for row in child["failed"]:
            lines.append(
                f"  {row['model']:18s} {row['policy']:14s} FAILED: "
                f"{row['error'].splitlines()[0][:200]}"
            )
        if child["measured"]:
            trained = [row for row in child["rows"] if row["finite_loss"]]
            total = len(child["rows"]) + len(child["failed"])
            lines.append(
                f"  {child['backend']}: {len(trained)}/{total} trained to "
                "a finite loss"
            )
    for key, value in speedups(
        [row for child in children for row in child["rows"]]
    ).items():
        lines.append(f"{key} / float32 images/s: {value:.2f}x (geo. mean)")
    return lines


def plot(children: list[dict]):
    """A panel per backend: images/s per architecture, a bar per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    measured = [child for child in children if child["rows"]]
    figure, axes = plt.subplots(
        len(measured),
        1,
        figsize=(12, 3.8 * max(1, len(measured))),
        squeeze=False,
    )
    for axis, child in zip(axes.flat, measured, strict=False):
        models = list(dict.fromkeys(row["model"] for row in child["rows"]))
        policies = list(dict.fromkeys(row["policy"] for row in child["rows"]))
        width = 0.8 / len(policies)
        positions = np.arange(len(models))
        for index, policy in enumerate(policies):
            rates = {
                row["model"]: row["training"]["images_per_second"]["median"]
                for row in child["rows"]
                if row["policy"] == policy
            }
            axis.bar(
                positions + (index - (len(policies) - 1) / 2) * width,
                [rates.get(model, 0.0) for model in models],
                width,
                label=policy,
            )
        axis.set_xticks(positions)
        axis.set_xticklabels(models, rotation=30, ha="right", fontsize=8)
        axis.set_yscale("log")
        axis.set_ylabel("training images / s (median)")
        gpus = [d["name"] for d in child["devices"] if d["type"] in GPU_TYPES]
        where = gpus[0] if gpus else "CPU (no GPU)"
        axis.set_title(f"{child['backend']} on {where}")
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(
        argv,
        __name__,
        lambda backend, settings: measure(settings),
        _run_and_report,
        _add_arguments,
    )


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per backend, then report and save."""
    from benchmarks.common import run_in_subprocess
    from benchmarks.common import save_and_report

    # The children get these through --settings.
    if args.backend:
        settings["backends"] = list(dict.fromkeys(args.backend))
    if args.allow_cpu:
        settings["allow_cpu"] = True
    children, failed_backends = [], {}
    for backend in settings["backends"]:
        print(f"  {backend} ...", flush=True)
        try:
            children.append(
                run_in_subprocess(
                    MODULE,
                    ["--settings", json.dumps(settings), "--child", backend],
                    backend,
                )
            )
        except RuntimeError as error:  # e.g. the backend is not installed
            failed_backends[backend] = str(error)[-2000:]
    lines = report(children)
    lines += [
        f"{backend} could not run: {error.splitlines()[-1]}"
        for backend, error in failed_backends.items()
    ]
    if not any(child["measured"] for child in children):
        lines.append(
            "no GPU: no backend sees a GPU here, so nothing was measured "
            "and nothing was written (--allow-cpu measures on the CPU)."
        )
        print("\n".join(lines))
        return {"gpu": False, "lines": lines}
    gpu = any(child["gpu"] for child in children)
    print("\n".join(lines))
    rows = [row for child in children for row in child["rows"]]
    name = "gpu_check" + ("" if gpu else "_cpu")
    json_path, _ = save_and_report(
        name,
        args.quick,
        {
            "settings": settings,
            "device_kind": "gpu" if gpu else "cpu",
            "notes": (
                "Synthetic CIFAR-shaped batches; images/s = median over "
                "timed fit epochs after a first one (compilation) timed "
                "alone; compile_seconds = first epoch minus a steady-state "
                "one. weights_device: where the first trainable weight "
                "lives after training."
                + (
                    ""
                    if gpu
                    else " NO GPU: measured on the CPU (--allow-cpu), "
                    "not a GPU result."
                )
            ),
            "backends": [
                {key: child[key] for key in child if key not in GATHERED}
                for child in children
            ],
            "failed_backends": failed_backends,
            "skipped_architectures": next(
                child["skipped_architectures"]
                for child in children
                if child["measured"]
            ),
            "speedup_over_float32": speedups(rows),
            "rows": rows,
            "failed": [row for child in children for row in child["failed"]],
        },
        plot(children),
    )
    return {"gpu": gpu, "lines": lines, "json": str(json_path)}


if __name__ == "__main__":
    main()
    sys.exit(0)
