"""Closeness to the machine's limit: achieved vs peak float32 GFLOP/s.

Claim: training `schnack2022` on the fastest backend reaches at least half
of this machine's dense float32 matmul throughput.

Method:

- Peak: GFLOP/s (`2 n^3` per product) of an `n x n` float32 matmul, with
  numpy in the parent process and with `keras.ops.matmul` in each
  backend's subprocess (`jax.jit`-compiled under JAX), every library at
  its default thread count (all cores); the best median is the peak.
- Achieved: the model's FLOPs per image, counted analytically
  (`common.model_flops`: Conv2D and Dense, 2 per multiply-add), times 3
  for a training step (forward, and the gradients with respect to inputs
  and weights), times the training images/s of steady-state `fit` epochs
  (compilation excluded), per backend.

Run:

    python -m benchmarks.machine_limit [--quick]

Writes `benchmarks/results/machine_limit[_quick].{json,png}`.
"""

import sys
import time

SETTINGS = {
    "backends": ["tensorflow", "jax", "torch"],
    "model": "schnack2022",
    "matmul_size": 2048,  # n of the n x n float32 matmul
    "matmul_calls": 10,  # products per timed sample
    "matmul_rounds": 5,  # timed samples (medians)
    "batch_size": 64,  # images per training step
    "steps": 8,  # training steps per timed epoch
    "repeats": 5,  # timed epochs after the first
    "training_factor": 3,  # training FLOPs / forward FLOPs
    "target": 0.5,  # achieved / peak on the fastest backend
    "seed": 0,
}
QUICK = {
    "matmul_size": 1024,
    "matmul_rounds": 3,
    "batch_size": 32,
    "steps": 4,
    "repeats": 2,
}
MODULE = "benchmarks.machine_limit"


def matmul_gflops(multiply, size: int, calls: int, rounds: int) -> dict:
    """GFLOP/s of `multiply()`, an `size x size` product, over rounds."""
    from benchmarks.common import interleaved

    def run_once():
        for _ in range(calls):
            multiply()

    timing = interleaved({"matmul": run_once}, rounds)["matmul"]
    flops = 2 * size**3 * calls
    from benchmarks.common import summarize

    return {
        **summarize([flops / s / 1e9 for s in timing["samples"]]),
        "warmup_seconds": timing["warmup_seconds"],
    }


def numpy_matmul(settings: dict) -> dict:
    import numpy as np

    rng = np.random.default_rng(settings["seed"])
    n = settings["matmul_size"]
    a = rng.standard_normal((n, n), dtype="float32")
    b = rng.standard_normal((n, n), dtype="float32")
    return matmul_gflops(
        lambda: a @ b, n, settings["matmul_calls"], settings["matmul_rounds"]
    )


def backend_matmul(settings: dict) -> dict:
    import keras
    import numpy as np

    rng = np.random.default_rng(settings["seed"])
    n = settings["matmul_size"]
    a, b = (
        keras.ops.convert_to_tensor(
            rng.standard_normal((n, n), dtype="float32")
        )
        for _ in range(2)
    )
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        product = jax.jit(keras.ops.matmul)
        multiply = lambda: product(a, b).block_until_ready()  # noqa: E731
    else:
        multiply = lambda: keras.ops.matmul(a, b)  # noqa: E731
    return matmul_gflops(
        multiply, n, settings["matmul_calls"], settings["matmul_rounds"]
    )


def threads() -> dict:
    """Each library's intra-op thread count, where it says."""
    import keras

    backend = keras.backend.backend()
    found = {}
    if backend == "torch":
        import torch

        found["torch"] = torch.get_num_threads()
    elif backend == "tensorflow":
        import tensorflow as tf

        # 0 means "all cores", TensorFlow's default.
        found["tensorflow_intra_op"] = (
            tf.config.threading.get_intra_op_parallelism_threads()
        )
    return found


def measure(child: str, settings: dict) -> list[dict]:
    import keras

    from benchmarks.common import build_model
    from benchmarks.common import compile_for_training
    from benchmarks.common import input_scale
    from benchmarks.common import model_flops
    from benchmarks.common import synthetic_cifar
    from benchmarks.common import training_throughput

    matmul = backend_matmul(settings)
    name, batch_size = settings["model"], settings["batch_size"]
    keras.utils.set_random_seed(settings["seed"])
    model = compile_for_training(build_model(name))
    x, y = synthetic_cifar(
        batch_size * settings["steps"], settings["seed"], 10, input_scale(name)
    )
    train = training_throughput(model, x, y, batch_size, settings["repeats"])
    forward = model_flops(model)
    per_image = forward * settings["training_factor"]
    rate = train["images_per_second"]
    return [
        {
            "backend": keras.backend.backend(),
            "threads": threads(),
            "matmul_gflops": matmul,
            "forward_flops_per_image": forward,
            "training_flops_per_image": per_image,
            "training": train,
            "achieved_gflops": {
                key: rate[key] * per_image / 1e9
                for key in ("median", "min", "max")
            },
        }
    ]


def plot(rows: list[dict], numpy_peak: dict, peak: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = ["numpy matmul"]
    values = [numpy_peak["median"]]
    colors = ["grey"]
    for row in rows:
        labels += [f"{row['backend']}\nmatmul", f"{row['backend']}\ntraining"]
        values += [
            row["matmul_gflops"]["median"],
            row["achieved_gflops"]["median"],
        ]
        colors += ["grey", "tab:blue"]
    figure, axis = plt.subplots(figsize=(9, 4))
    axis.bar(np.arange(len(values)), values, color=colors)
    for i, value in enumerate(values):
        axis.annotate(
            f"{value / peak:.2f}",
            (i, value),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    axis.axhline(peak, color="black", linestyle="--", label="peak")
    axis.axhline(peak / 2, color="red", linestyle=":", label="half of peak")
    axis.set_xticks(np.arange(len(values)))
    axis.set_xticklabels(labels, fontsize=8)
    axis.set_ylabel("float32 GFLOP/s (median); label: / peak")
    axis.set_title("Training schnack2022 vs dense matmul, 2-core CPU")
    axis.legend(fontsize=8)
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(argv, __name__, measure, _run_and_report)


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per backend, then report and save."""
    from benchmarks.common import run_backends
    from benchmarks.common import save_and_report

    start = time.perf_counter()
    numpy_peak = numpy_matmul(settings)
    print(
        f"  numpy matmul: {numpy_peak['median']:.0f} GFLOP/s "
        f"({time.perf_counter() - start:.0f} s)"
    )
    rows = run_backends(
        MODULE, settings, [(b, "measure") for b in settings["backends"]]
    )
    peak = max(
        [numpy_peak["median"]] + [r["matmul_gflops"]["median"] for r in rows]
    )
    for row in rows:
        row["achieved_over_peak"] = row["achieved_gflops"]["median"] / peak
    best = max(rows, key=lambda row: row["achieved_over_peak"])
    lines = [f"peak (best float32 matmul): {peak:.0f} GFLOP/s"]
    lines += [
        f"{row['backend']:10s} matmul {row['matmul_gflops']['median']:6.0f} "
        f"GFLOP/s, training {settings['model']} "
        f"{row['achieved_gflops']['median']:6.1f} GFLOP/s = "
        f"{row['achieved_over_peak']:.2f} of peak"
        for row in rows
    ]
    lines.append(
        f"best: {best['backend']} at {best['achieved_over_peak']:.2f} of peak "
        f"(target {settings['target']})"
    )
    print("\n".join(lines))
    save_and_report(
        "machine_limit",
        args.quick,
        {
            "settings": settings,
            "notes": (
                "Peak = best median float32 matmul GFLOP/s of numpy and the "
                "backends; achieved = analytic training FLOPs per image "
                "(3 x forward, Conv2D and Dense only) x training images/s."
            ),
            "numpy_matmul_gflops": numpy_peak,
            "peak_gflops": peak,
            "rows": rows,
        },
        plot(rows, numpy_peak, peak),
    )
    return {"lines": lines}


if __name__ == "__main__":
    main()
    sys.exit(0)
