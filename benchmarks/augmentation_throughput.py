"""Augmentation throughput: our presets vs ImageDataGenerator vs KerasCV.

Claim: the seed policies as `augmentation_preset(...)` pipelines in
`tf.data` run at least 10x faster than the seeds' own `ImageDataGenerator`
(Keras 2, from `tf-keras`) and no slower than the same policy built from
`keras_cv.layers`, on real CIFAR-10 images.

Methods, per preset, all fed the same CIFAR-10 training images:

- `ours`: `augmentation_preset(name)` (rotation, shifts, zoom and flips as
  one `RandomAffine`) mapped over batches in `tf.data`;
- `ours_chain`: `augmentation_preset(name, fused=False)`, the chain of
  Keras core layers (`RandomRotation`, `RandomTranslation`, ...), the
  same way;
- `keras_cv`: `augmentation_preset(name, engine="keras_cv")`, KerasCV 0.9's
  layers, the same way;
- `image_data_generator`: `ImageDataGenerator(**kwargs).flow(...)` with the
  seed's own arguments, single-threaded Python, as the seeds ran it.

Side by side: the TensorFlow-backend methods run in one process, in
rounds; each round times one pass of every method, so the machine's load
drifts equally over all of them. Ratios are the median over rounds of the
per-round ratio. The first pass of each method (tracing, caches) is timed
separately and excluded. Our presets are also timed under the JAX and
PyTorch backends (in `tf.data` Keras layers compute with TensorFlow
whatever the backend, so these should match).

Run (`make bench-deps` installs tf-keras for ImageDataGenerator):

    python -m benchmarks.augmentation_throughput [--quick]

Writes `benchmarks/results/augmentation_throughput[_quick].{json,png}`.
"""

import json
import statistics
import sys
import time

SETTINGS = {
    "presets": ["li2018", "schnack2022", "ntua", "donzella"],
    "other_backends": ["jax", "torch"],  # also time `ours` under these
    "images": 10_000,  # CIFAR-10 training images per pass
    "batch_size": 128,  # images per batch, as in the seeds
    "rounds": 5,  # timed passes of every method (medians reported)
    "seed": 0,
}
QUICK = {"images": 2048, "rounds": 3, "presets": ["li2018"]}
METHODS = ("ours", "ours_chain", "keras_cv", "image_data_generator")
LABELS = {
    "ours": "ours (RandomAffine)",
    "ours_chain": "ours, fused=False (Keras core layers)",
    "keras_cv": "KerasCV 0.9 layers",
    "image_data_generator": "ImageDataGenerator (tf-keras)",
}


def _images(count: int):
    from benchmarks.common import DEFAULT_DATA_DIR
    from keras_cifar_blocks.datasets import load_cifar10

    (x_train, _), _ = load_cifar10(DEFAULT_DATA_DIR)
    return x_train[:count]


def _tf_data_pass(layer, images, batch_size):
    import tensorflow as tf

    dataset = (
        tf.data.Dataset.from_tensor_slices(images)
        .batch(batch_size)
        .map(
            lambda x: layer(tf.cast(x, "float32"), training=True),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .prefetch(tf.data.AUTOTUNE)
    )

    def run_once():
        seen = 0
        for batch in dataset:
            seen += int(batch.shape[0])
        return seen

    return run_once


def _image_data_generator_pass(preset, images, batch_size, seed):
    from tf_keras.preprocessing.image import ImageDataGenerator

    from keras_cifar_blocks.augmentation import image_data_generator_kwargs

    generator = ImageDataGenerator(**image_data_generator_kwargs(preset))
    steps = -(-len(images) // batch_size)
    images = images.astype("float32")

    def run_once():
        flow = generator.flow(
            images, batch_size=batch_size, shuffle=False, seed=seed
        )
        seen = 0
        for _ in range(steps):
            seen += len(next(flow))
        return seen

    return run_once


def _runner(preset, method, images, settings):
    from keras_cifar_blocks.augmentation import augmentation_preset

    batch_size, seed = settings["batch_size"], settings["seed"]
    if method == "image_data_generator":
        return _image_data_generator_pass(preset, images, batch_size, seed)
    options = {
        "ours": {},
        "ours_chain": {"fused": False},
        "keras_cv": {"engine": "keras_cv"},
    }[method]
    layer = augmentation_preset(preset, seed=seed, **options)
    return _tf_data_pass(layer, images, batch_size)


def _timed(run_once):
    start = time.perf_counter()
    items = run_once()
    return items / (time.perf_counter() - start)


def measure(methods, settings: dict) -> list[dict]:
    """Every (preset, method) in this process, interleaved in rounds."""
    import keras

    from benchmarks.common import summarize

    images = _images(settings["images"])
    rows = []
    for preset in settings["presets"]:
        runners = {m: _runner(preset, m, images, settings) for m in methods}
        first_pass = {}
        for method, run_once in runners.items():
            start = time.perf_counter()
            run_once()
            first_pass[method] = time.perf_counter() - start
        samples = {method: [] for method in methods}
        for _ in range(settings["rounds"]):
            for method, run_once in runners.items():
                samples[method].append(_timed(run_once))
        for method in methods:
            rows.append(
                {
                    "preset": preset,
                    "method": method,
                    "backend": keras.backend.backend(),
                    "first_pass_seconds": first_pass[method],
                    "images_per_second": summarize(samples[method]),
                }
            )
    return rows


def _per_round_ratio(rows, preset, numerator, denominator):
    def samples(method):
        for row in rows:
            if (row["preset"], row["method"], row["backend"]) == (
                preset,
                method,
                "tensorflow",
            ):
                return row["images_per_second"]["samples"]
        raise KeyError((preset, method))

    pairs = zip(samples(numerator), samples(denominator), strict=True)
    return statistics.median(a / b for a, b in pairs)


def _plot(rows, ratios):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    presets = list(dict.fromkeys(row["preset"] for row in rows))
    series = list(
        dict.fromkeys((row["method"], row["backend"]) for row in rows)
    )
    width = 0.8 / len(series)
    figure, axis = plt.subplots(figsize=(12, 4.8))
    for i, (method, backend) in enumerate(series):
        values, lows, highs = [], [], []
        for preset in presets:
            (stats,) = [
                row["images_per_second"]
                for row in rows
                if row["preset"] == preset
                and (row["method"], row["backend"]) == (method, backend)
            ]
            values.append(stats["median"])
            lows.append(stats["median"] - stats["min"])
            highs.append(stats["max"] - stats["median"])
        label = LABELS[method]
        if backend != "tensorflow":
            label += f", KERAS_BACKEND={backend}"
        axis.bar(
            np.arange(len(presets)) + i * width,
            values,
            width,
            yerr=[lows, highs],
            label=label,
        )
    axis.set_xticks(np.arange(len(presets)) + width * (len(series) - 1) / 2)
    axis.set_xticklabels(presets)
    axis.set_yscale("log")
    axis.set_ylabel("images / second (median, min-max)")
    worst = min(r["ours_vs_image_data_generator"] for r in ratios.values())
    axis.set_title(
        "CIFAR-10 augmentation throughput on a 2-core CPU: ours is "
        f">= {worst:.1f}x ImageDataGenerator"
    )
    for j, preset in enumerate(presets):
        axis.annotate(
            f"{ratios[preset]['ours_vs_image_data_generator']:.1f}x",
            (j, axis.get_ylim()[1]),
            xytext=(0, -12),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(
        argv,
        __name__,
        lambda methods, settings: measure(json.loads(methods), settings),
        _run_and_report,
    )


def _run_and_report(args, settings) -> dict:
    """The parent process: the TensorFlow child times every method."""
    from benchmarks.common import run_in_subprocess
    from benchmarks.common import save_and_report

    def child(methods: list[str]) -> list[str]:
        return [
            "--settings",
            json.dumps(settings),
            "--child",
            json.dumps(methods),
        ]

    print("TensorFlow backend: all methods, interleaved ...", flush=True)
    rows = run_in_subprocess(
        "benchmarks.augmentation_throughput", child(list(METHODS)), "tensorflow"
    )
    for backend in settings["other_backends"]:
        print(f"{backend} backend: ours ...", flush=True)
        rows += run_in_subprocess(
            "benchmarks.augmentation_throughput", child(["ours"]), backend
        )
    for row in rows:
        print(
            f"{row['preset']:12s} {row['method']:22s} {row['backend']:10s} "
            f"{row['images_per_second']['median']:9.0f} images/s"
        )
    ratios = {}
    for preset in settings["presets"]:
        ratios[preset] = {
            f"ours_vs_{other}": _per_round_ratio(rows, preset, "ours", other)
            for other in METHODS[1:]
        }
        print(
            f"{preset:12s} ours / ImageDataGenerator = "
            f"{ratios[preset]['ours_vs_image_data_generator']:.1f}x, "
            f"ours / KerasCV = {ratios[preset]['ours_vs_keras_cv']:.2f}x, "
            f"ours / chain = {ratios[preset]['ours_vs_ours_chain']:.2f}x"
        )
    save_and_report(
        "augmentation_throughput",
        args.quick,
        {
            "settings": settings,
            "notes": (
                "tf.data maps use every core (num_parallel_calls=AUTOTUNE); "
                "ImageDataGenerator.flow is single-threaded Python, as the "
                "seed reports ran it. Ratios: median over rounds of the "
                "per-round ratio, all TensorFlow-backend methods "
                "interleaved in one process."
            ),
            "rows": rows,
            "ratios": ratios,
        },
        _plot(rows, ratios),
    )
    return {}


if __name__ == "__main__":
    main()
    sys.exit(0)
