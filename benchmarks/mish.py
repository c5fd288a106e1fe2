"""Mish: our layer vs `keras.activations.mish` vs ReLU vs the native op.

Claim: `keras_cifar_blocks.layers.Mish` is no slower than
`keras.activations.mish` under any backend, forward plus backward, on a
CIFAR-sized activation tensor; where a backend has a native Mish
(`jax.nn.mish`, `torch.nn.functional.mish`; TensorFlow has none since
TensorFlow Addons) it is timed too, so that we know whether dispatching
to it would pay.

Method, per backend in its own subprocess: one forward and backward
pass (the gradient with respect to the input, for a fixed random output
gradient) is the timing unit, in each backend's usual execution mode:
`tf.function`, `jax.jit`, PyTorch eager autograd. The methods run
interleaved in rounds of `calls` passes each; the first round is
warm-up (tracing, compilation) and excluded. Ratios are medians of
per-round ratios.

Peak memory: the growth of the subprocess' peak resident memory during
one pass, measured in a second subprocess per backend in which glibc
returns every large buffer to the system on free
(`MALLOC_MMAP_THRESHOLD_`), so that one method's freed buffers do not
hide the next one's; it covers the output, the saved intermediates and
the gradient.

Run:

    python -m benchmarks.mish [--quick]

Writes `benchmarks/results/mish[_quick].{json,png}`.
"""

import sys

SETTINGS = {
    "backends": ["tensorflow", "jax", "torch"],
    "shape": [128, 32, 32, 64],  # float32 activations, 32 MiB
    "calls": 5,  # forward + backward passes per timed sample
    "rounds": 15,  # interleaved samples per method (medians)
    "seed": 0,
}
QUICK = {"shape": [32, 32, 32, 64], "calls": 3, "rounds": 5}
MODULE = "benchmarks.mish"
METHODS = ("ours", "keras", "native", "relu")
LABELS = {
    "ours": "keras_cifar_blocks.layers.Mish",
    "keras": "keras.activations.mish",
    "native": "native (jax.nn.mish, torch...mish)",
    "relu": "keras.activations.relu",
}
# glibc: serve (and unmap on free) every buffer above 64 KiB with mmap.
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536"}


def activations() -> dict:
    """The activation functions to compare under the current backend."""
    import keras

    from keras_cifar_blocks.layers import Mish

    functions = {
        "ours": Mish(),
        "keras": keras.activations.mish,
        "relu": keras.activations.relu,
    }
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        functions["native"] = jax.nn.mish
    elif backend == "torch":
        import torch

        functions["native"] = torch.nn.functional.mish
    return functions


def forward_backward(function, x, gradient):
    """A callable doing one forward and backward pass of `function`."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def step(x, gradient):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = function(x)
            return tape.gradient(y, x, output_gradients=gradient)

        return lambda: step(x, gradient)
    if backend == "jax":
        import jax

        step = jax.jit(lambda x, g: jax.vjp(function, x)[1](g)[0])
        return lambda: step(x, gradient).block_until_ready()
    if backend == "torch":
        import torch

        x = x.detach().requires_grad_(True)

        def step():
            (grad,) = torch.autograd.grad(function(x), x, gradient)
            return grad

        return step
    raise ValueError(f"Unsupported backend {backend!r}")


def _tensors(settings: dict):
    import keras
    import numpy as np

    rng = np.random.default_rng(settings["seed"])
    shape = tuple(settings["shape"])
    x = rng.normal(0.0, 2.0, shape).astype("float32")
    gradient = rng.normal(0.0, 1.0, shape).astype("float32")
    return keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(gradient)


def measure_time(settings: dict) -> dict:
    """Seconds per forward + backward pass of every method, interleaved."""
    import keras

    from benchmarks.common import interleaved
    from benchmarks.common import per_round_ratio

    x, gradient = _tensors(settings)
    calls = settings["calls"]

    def repeated(step):
        def run_once():
            for _ in range(calls):
                step()

        return run_once

    runners = {
        name: repeated(forward_backward(function, x, gradient))
        for name, function in activations().items()
    }
    timing = interleaved(runners, settings["rounds"])
    per_pass = {
        name: [s / calls for s in stats["samples"]]
        for name, stats in timing.items()
    }
    ratios = {
        f"{name}_vs_keras": per_round_ratio(per_pass[name], per_pass["keras"])
        for name in runners
        if name != "keras"
    }
    return {
        "backend": keras.backend.backend(),
        "seconds_per_pass": timing,
        "ratios": ratios,
    }


def measure_memory(settings: dict) -> dict:
    """Peak resident memory growth (MiB) of one pass of every method."""
    import keras

    from benchmarks.common import peak_memory
    from benchmarks.common import reset_peak_memory

    x, gradient = _tensors(settings)
    growth = {}
    for name, function in activations().items():
        step = forward_backward(function, x, gradient)
        step()  # compile outside the measured pass
        baseline = reset_peak_memory()
        result = step()
        growth[name] = peak_memory() - baseline
        del result
    return {"backend": keras.backend.backend(), "peak_growth_mib": growth}


def measure(child: str, settings: dict) -> list[dict]:
    if child == "memory":
        return [measure_memory(settings)]
    return [measure_time(settings)]


def plot(rows: list[dict]):
    """Time per pass (and peak memory growth) per method and backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    backends = [row["backend"] for row in rows]
    width = 0.8 / len(METHODS)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    for i, method in enumerate(METHODS):
        positions = np.arange(len(backends)) + i * width
        seconds = [
            row["seconds_per_pass"].get(method, {}).get("median", 0.0) / calls
            for row, calls in ((r, r["calls"]) for r in rows)
        ]
        memory = [row["peak_growth_mib"].get(method, 0.0) for row in rows]
        left.bar(
            positions, [s * 1e3 for s in seconds], width, label=LABELS[method]
        )
        right.bar(positions, memory, width, label=LABELS[method])
    for axis in (left, right):
        axis.set_xticks(
            np.arange(len(backends)) + width * (len(METHODS) - 1) / 2
        )
        axis.set_xticklabels(backends)
    left.set_ylabel("ms per forward + backward (median)")
    right.set_ylabel("peak memory growth per pass (MiB)")
    left.legend(fontsize=8)
    shape = "x".join(str(d) for d in rows[0]["shape"])
    figure.suptitle(f"Mish on a {shape} float32 tensor, 2-core CPU")
    figure.tight_layout()
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(argv, __name__, measure, _run_and_report)


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per backend, then report and save."""
    from benchmarks.common import run_backends
    from benchmarks.common import save_and_report

    backends = settings["backends"]
    rows = run_backends(MODULE, settings, [(b, "time") for b in backends])
    memory = run_backends(
        MODULE, settings, [(b, "memory") for b in backends], env=MEMORY_ENV
    )
    for row, extra in zip(rows, memory, strict=True):
        row.update(extra, shape=settings["shape"], calls=settings["calls"])
    lines = []
    for row in rows:
        ratios = ", ".join(
            f"{name} {stats['median']:.3f}"
            for name, stats in row["ratios"].items()
        )
        growth = ", ".join(
            f"{name} {mib:.0f}" for name, mib in row["peak_growth_mib"].items()
        )
        lines.append(
            f"{row['backend']:10s} time / keras.activations.mish: {ratios}; "
            f"peak MiB: {growth}"
        )
    print("\n".join(lines))
    save_and_report(
        "mish",
        args.quick,
        {
            "settings": settings,
            "notes": (
                "seconds_per_pass samples are per round of `calls` passes; "
                "ratios are per pass, median of per-round ratios. Memory: "
                "growth of peak RSS during one pass, measured with "
                f"{MEMORY_ENV} in a separate subprocess."
            ),
            "rows": rows,
        },
        plot(rows),
    )
    return {"lines": lines}


if __name__ == "__main__":
    main()
    sys.exit(0)
