"""Scaling: training cost vs batch size and vs WRN width, fastest backend.

Claim: on the fastest backend here (from `benchmarks/results/backends.json`
unless `backend` is set), training throughput rises with batch size until
the cores are busy, and the time per image of WRN-16-k grows no faster
than its FLOPs (about `k^2`) as the width `k` goes from 1 to 8.

Method: one subprocess on that backend; for each batch size (training
`schnack2022`) and each width (training WRN-16-k at `width_batch_size`),
steady-state `fit` epochs of a fixed number of images are timed after a
first epoch that compiles (reported as `compile_seconds`). Reported per
point: images/s (median and spread), FLOPs per image (analytic, training
= 3 x forward) and the GFLOP/s they imply.

Run:

    python -m benchmarks.scaling [--quick]

Writes `benchmarks/results/scaling[_quick].{json,png}`.
"""

import json
import sys

SETTINGS = {
    "backend": "auto",  # "auto": the fastest training run in backends.json
    "batch_model": "schnack2022",
    "batch_sizes": [32, 64, 128, 256],  # images per step
    "batch_images": 512,  # images per timed epoch
    "widths": [1, 2, 4, 8],  # k of WRN-16-k
    "width_batch_size": 32,  # images per step
    "width_images": {"1": 256, "2": 128, "4": 64, "8": 64},  # per epoch
    "repeats": 4,  # timed epochs after the first
    "training_factor": 3,  # training FLOPs / forward FLOPs
    "seed": 0,
}
QUICK = {
    "batch_sizes": [32, 64],
    "batch_images": 128,
    "widths": [1, 2],
    "width_images": {"1": 64, "2": 64},
    "repeats": 2,
}
MODULE = "benchmarks.scaling"
DEFAULT_BACKEND = ("tensorflow", "auto")


def fastest_run(settings: dict) -> tuple[str, object]:
    """(backend, jit_compile) to scale on: the setting, or backends.json."""
    from benchmarks.common import RESULTS_DIR

    if settings["backend"] != "auto":
        backend, _, jit = settings["backend"].partition("+")
        return backend, (True if jit else "auto")
    path = RESULTS_DIR / "backends.json"
    if not path.exists():
        return DEFAULT_BACKEND
    run = json.loads(path.read_text())["summary"]["fastest_training"]
    backend, _, jit = run.partition("+")
    return backend, (True if jit else "auto")


def _point(name: str, batch_size: int, images: int, settings, jit) -> dict:
    import keras

    from benchmarks.common import build_model
    from benchmarks.common import compile_for_training
    from benchmarks.common import input_scale
    from benchmarks.common import model_flops
    from benchmarks.common import synthetic_cifar
    from benchmarks.common import training_throughput

    keras.utils.set_random_seed(settings["seed"])
    model = compile_for_training(build_model(name), jit)
    x, y = synthetic_cifar(images, settings["seed"], 10, input_scale(name))
    train = training_throughput(model, x, y, batch_size, settings["repeats"])
    flops = model_flops(model) * settings["training_factor"]
    rate = train["images_per_second"]["median"]
    return {
        "model": name,
        "batch_size": batch_size,
        "images_per_epoch": images,
        **train,
        "training_flops_per_image": flops,
        "achieved_gflops": rate * flops / 1e9,
    }


def measure(child: str, settings: dict) -> list[dict]:
    from benchmarks.common import WRN_PREFIX

    jit = json.loads(child)
    rows = [
        {
            "sweep": "batch_size",
            **_point(
                settings["batch_model"],
                batch,
                settings["batch_images"],
                settings,
                jit,
            ),
        }
        for batch in settings["batch_sizes"]
    ]
    rows += [
        {
            "sweep": "width",
            "width": width,
            **_point(
                f"{WRN_PREFIX}{width}",
                settings["width_batch_size"],
                settings["width_images"][str(width)],
                settings,
                jit,
            ),
        }
        for width in settings["widths"]
    ]
    return rows


def plot(rows: list[dict], run: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    batch = [r for r in rows if r["sweep"] == "batch_size"]
    width = [r for r in rows if r["sweep"] == "width"]
    for axis, points, key in (
        (left, batch, "batch_size"),
        (right, width, "width"),
    ):
        xs = [p[key] for p in points]
        stats = [p["images_per_second"] for p in points]
        medians = [s["median"] for s in stats]
        axis.errorbar(
            xs,
            medians,
            yerr=[
                [m - s["min"] for m, s in zip(medians, stats, strict=True)],
                [s["max"] - m for m, s in zip(medians, stats, strict=True)],
            ],
            marker="o",
            label="measured",
            capsize=3,
        )
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(xs)
        axis.set_xticklabels([str(x) for x in xs])
        axis.set_ylabel("training images / s (median, min-max)")
        for x, point in zip(xs, points, strict=True):
            axis.annotate(
                f"{point['achieved_gflops']:.0f} GFLOP/s",
                (x, point["images_per_second"]["median"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
            )
    if width:
        # Constant GFLOP/s from the narrowest network: cost grows like FLOPs.
        base = width[0]
        ideal = [
            base["images_per_second"]["median"]
            * base["training_flops_per_image"]
            / p["training_flops_per_image"]
            for p in width
        ]
        right.plot(
            [p["width"] for p in width], ideal, "--", label="cost ~ FLOPs"
        )
        right.legend(fontsize=8)
    left.set_xlabel(f"batch size ({batch[0]['model'] if batch else ''})")
    right.set_xlabel("width k of WRN-16-k (batch 32)")
    figure.suptitle(f"Training throughput scaling on {run}, 2-core CPU")
    figure.tight_layout()
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(argv, __name__, measure, _run_and_report)


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per backend, then report and save."""
    from benchmarks.common import run_backends
    from benchmarks.common import save_and_report

    backend, jit = fastest_run(settings)
    run = backend if jit == "auto" else f"{backend}+jit_compile"
    rows = run_backends(MODULE, settings, [(backend, json.dumps(jit))])
    lines = [f"scaling on {run}"]
    for row in rows:
        point = (
            f"batch {row['batch_size']:4d}"
            if row["sweep"] == "batch_size"
            else f"WRN-16-{row['width']}"
        )
        lines.append(
            f"  {row['model']:16s} {point:10s} "
            f"{row['images_per_second']['median']:8.1f} img/s, "
            f"{row['achieved_gflops']:6.1f} GFLOP/s, compile "
            f"{row['compile_seconds']:.1f} s"
        )
    print("\n".join(lines))
    save_and_report(
        "scaling",
        args.quick,
        {
            "settings": settings,
            "run": run,
            "notes": (
                "GFLOP/s = images/s x analytic training FLOPs per image "
                "(3 x forward, Conv2D and Dense only)."
            ),
            "rows": rows,
        },
        plot(rows, run),
    )
    return {"lines": lines}


if __name__ == "__main__":
    main()
    sys.exit(0)
