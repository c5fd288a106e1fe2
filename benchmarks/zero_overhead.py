"""Zero overhead: our blocks vs the same networks in plain `keras.layers`.

Claim: an architecture built from `ConvBNPoolDropout` and
`WideResidualBlock` trains as fast as the same network written layer by
layer with `keras.layers`: the ratio of training step times (ours /
plain) is at most 1.02, within noise, under every backend.

Method: the plain twins are written out below, with layer names that
mirror our blocks' sublayer paths, so that `copy_weights` gives them our
weights; `tests/benchmarks/test_zero_overhead.py` checks that they have
the same parameters and compute the same outputs. Both models of a pair
train in the same process, interleaved epoch by epoch (ours, plain,
ours, plain, ...) on the same synthetic CIFAR-shaped batches; the first
epoch of each (tracing, compilation) is excluded. The ratio is the median
over rounds of the per-round ours / plain epoch time.

Run:

    python -m benchmarks.zero_overhead [--quick]

Writes `benchmarks/results/zero_overhead[_quick].{json,png}`.
"""

import sys

SETTINGS = {
    "models": ["schnack2022", "li2018_model3_2", "donzella_cnn", "wrn_16_4"],
    "backends": ["tensorflow", "jax", "torch"],
    "batch_size": 32,  # images per step
    "steps": {"default": 8, "wrn_16_4": 2},  # training steps per epoch
    "rounds": 7,  # interleaved (ours, plain) epochs after the first
    "target": 1.02,  # ours / plain step time at most this
    "seed": 0,
}
QUICK = {
    "models": ["schnack2022", "donzella_cnn"],
    "steps": {"default": 4},
    "rounds": 3,
}
MODULE = "benchmarks.zero_overhead"


def _plain_stage(prefix, filters, convs, activation, dropout, **conv_kwargs):
    """`ConvBNPoolDropout` (conv-act-bn order, max-pool) in plain layers."""
    import keras

    layers = []
    for i in range(convs):
        layers += [
            keras.layers.Conv2D(
                filters,
                3,
                padding="same",
                activation=activation,
                name=f"{prefix}_conv_{i}",
                **conv_kwargs,
            ),
            keras.layers.BatchNormalization(name=f"{prefix}_bn_{i}"),
        ]
    layers.append(keras.layers.MaxPooling2D(2, name=f"{prefix}_pool"))
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name=f"{prefix}_dropout"))
    return layers


def plain_schnack2022():
    """`schnack2022` with plain `keras.layers`."""
    import keras

    layers = [
        keras.Input((32, 32, 3)),
        keras.layers.Rescaling(1 / 255, name="rescaling"),
    ]
    for i, filters in enumerate((32, 64, 128, 256), start=1):
        layers += _plain_stage(f"stage_{i}", filters, 2, "relu", 0.0)
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(128, activation="relu", name="dense"),
        keras.layers.Dense(10, activation="softmax", name="predictions"),
    ]
    return keras.Sequential(layers, name="schnack2022_plain")


def plain_li2018_model3_2():
    """`li2018_model3_2` (Li 2018, model 3-2) with plain `keras.layers`."""
    import keras

    layers = [keras.Input((32, 32, 3))]
    stages = zip((32, 64, 128, 256), (0.2, 0.3, 0.4, 0.5), strict=True)
    for i, (filters, rate) in enumerate(stages, start=1):
        layers += _plain_stage(
            f"stage_{i}",
            filters,
            2,
            "elu",
            rate,
            kernel_regularizer=keras.regularizers.L2(1e-4),
        )
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(10, activation="softmax", name="predictions"),
    ]
    return keras.Sequential(layers, name="li2018_model3_2_plain")


def plain_donzella_cnn():
    """`donzella_cnn` with plain `keras.layers` and Keras' own `"mish"`."""
    import keras

    layers = [keras.Input((32, 32, 3))]
    stages = zip(((32, 2), (64, 2), (128, 1)), (0.2, 0.3, 0.4), strict=True)
    for i, ((filters, convs), rate) in enumerate(stages, start=1):
        layers += _plain_stage(
            f"stage_{i}",
            filters,
            convs,
            "mish",
            rate,
            kernel_initializer="he_uniform",
            kernel_regularizer=keras.regularizers.L2(0.001),
        )
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(
            128,
            activation="mish",
            kernel_initializer="he_uniform",
            name="dense",
        ),
        keras.layers.BatchNormalization(name="dense_bn"),
        keras.layers.Dropout(0.5, name="dense_dropout"),
        keras.layers.Dense(10, activation="softmax", name="predictions"),
    ]
    return keras.Sequential(layers, name="donzella_cnn_plain")


def plain_wrn_16_4():
    """WRN-16-4 (pre-activation blocks) with plain `keras.layers`."""
    import keras

    def conv(filters, kernel_size, strides, name):
        return keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer="he_normal",
            name=name,
        )

    def norm(name):
        return keras.layers.BatchNormalization(
            momentum=0.9, epsilon=1e-5, name=name
        )

    inputs = keras.Input((32, 32, 3))
    x = conv(16, 3, 1, "stem_conv")(inputs)
    channels = 16
    for group, (filters, strides) in enumerate(
        ((64, 1), (128, 2), (256, 2)), start=1
    ):
        for block in range(2):
            prefix = f"group_{group}_block_{block}"
            block_strides = strides if block == 0 else 1
            h = keras.layers.ReLU(name=f"{prefix}_relu_1")(
                norm(f"{prefix}_bn_1")(x)
            )
            if channels != filters or block_strides != 1:
                shortcut = conv(
                    filters, 1, block_strides, f"{prefix}_shortcut"
                )(h)
            else:
                shortcut = x
            h = conv(filters, 3, block_strides, f"{prefix}_conv_1")(h)
            h = keras.layers.ReLU(name=f"{prefix}_relu_2")(
                norm(f"{prefix}_bn_2")(h)
            )
            h = conv(filters, 3, 1, f"{prefix}_conv_2")(h)
            x = keras.layers.Add(name=f"{prefix}_add")([h, shortcut])
            channels = filters
    x = keras.layers.ReLU(name="head_relu")(norm("head_bn")(x))
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="predictions")(
        x
    )
    return keras.Model(inputs, outputs, name="wrn_16_4_plain")


PLAIN = {
    "schnack2022": plain_schnack2022,
    "li2018_model3_2": plain_li2018_model3_2,
    "donzella_cnn": plain_donzella_cnn,
    "wrn_16_4": plain_wrn_16_4,
}


def _weight_key(model, variable) -> str:
    """`model/stage_1/conv_0/kernel` and `stage_1_conv_0/kernel` both
    become `stage_1_conv_0_kernel` (a `Sequential` puts its own name in
    front of its variables' paths, a functional model does not)."""
    path = variable.path.removeprefix(model.name + "/")
    return path.replace("/", "_")


def copy_weights(source, target) -> int:
    """Give `target` the weights of `source`, matched by variable path.

    Returns the number of variables copied; raises `ValueError` if the two
    models' variables do not correspond one to one.
    """
    import keras

    weights = {_weight_key(source, v): v for v in source.weights}
    keys = {_weight_key(target, v) for v in target.weights}
    if keys != set(weights):
        raise ValueError(
            "The models' variables differ: only in source "
            f"{sorted(set(weights) - keys)}, only in target "
            f"{sorted(keys - set(weights))}"
        )
    for variable in target.weights:
        # A copy: under JAX a training step donates (frees) its model's
        # buffers, which the other model must not share.
        value = keras.ops.convert_to_numpy(
            weights[_weight_key(target, variable)]
        )
        variable.assign(value)
    return len(keys)


def build_pair(name: str, seed: int = 0):
    """(ours, plain) for one architecture, with the same weights."""
    import keras

    from benchmarks.common import build_model

    keras.utils.set_random_seed(seed)
    ours = build_model(name)
    plain = PLAIN[name]()
    copy_weights(ours, plain)
    return ours, plain


def measure_model(name: str, settings: dict) -> dict:
    """Interleaved training epochs of ours and plain; their time ratio."""
    import keras

    from benchmarks.common import compile_for_training
    from benchmarks.common import fit_seconds
    from benchmarks.common import input_scale
    from benchmarks.common import interleaved
    from benchmarks.common import per_round_ratio
    from benchmarks.common import synthetic_cifar

    batch_size = settings["batch_size"]
    steps = settings["steps"].get(name, settings["steps"]["default"])
    x, y = synthetic_cifar(
        batch_size * steps, settings["seed"], 10, input_scale(name)
    )
    models = dict(
        zip(("ours", "plain"), build_pair(name, settings["seed"]), strict=True)
    )
    runners = {
        kind: fit_seconds(compile_for_training(model), x, y, batch_size)
        for kind, model in models.items()
    }
    timing = interleaved(runners, settings["rounds"])
    return {
        "model": name,
        "backend": keras.backend.backend(),
        "parameters": {k: m.count_params() for k, m in models.items()},
        "steps_per_epoch": steps,
        "seconds": timing,
        "ratio": per_round_ratio(
            timing["ours"]["samples"], timing["plain"]["samples"]
        ),
    }


def measure(child: str, settings: dict) -> list[dict]:
    return [measure_model(name, settings) for name in settings["models"]]


def plot(rows: list[dict], target: float):
    """Ours / plain step time per model and backend, with the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = list(dict.fromkeys(row["model"] for row in rows))
    backends = list(dict.fromkeys(row["backend"] for row in rows))
    width = 0.8 / len(backends)
    figure, axis = plt.subplots(figsize=(9, 4))
    for i, backend in enumerate(backends):
        ratios = [
            next(
                r["ratio"]
                for r in rows
                if (r["model"], r["backend"]) == (model, backend)
            )
            for model in models
        ]
        medians = [r["median"] for r in ratios]
        axis.bar(
            np.arange(len(models)) + i * width,
            medians,
            width,
            yerr=[
                [m - r["q1"] for m, r in zip(medians, ratios, strict=True)],
                [r["q3"] - m for m, r in zip(medians, ratios, strict=True)],
            ],
            label=backend,
        )
    axis.axhline(1.0, color="black", linewidth=0.8)
    axis.axhline(target, color="red", linestyle="--", label=f"target {target}")
    axis.set_xticks(np.arange(len(models)) + width * (len(backends) - 1) / 2)
    axis.set_xticklabels(models)
    axis.set_ylim(0.8, 1.2)
    axis.set_ylabel("training time, ours / plain (median, IQR)")
    axis.set_title("Our blocks vs plain keras.layers, per-round ratio")
    axis.legend(fontsize=8)
    return figure


def main(argv=None) -> dict:
    from benchmarks.common import benchmark_main

    return benchmark_main(argv, __name__, measure, _run_and_report)


def _run_and_report(args, settings) -> dict:
    """The parent process: one child per backend, then report and save."""
    from benchmarks.common import run_backends
    from benchmarks.common import save_and_report

    rows = run_backends(
        MODULE, settings, [(b, "measure") for b in settings["backends"]]
    )
    target = settings["target"]
    lines = [
        f"{row['model']:16s} {row['backend']:10s} ours / plain = "
        f"{row['ratio']['median']:.3f} (IQR {row['ratio']['q1']:.3f}-"
        f"{row['ratio']['q3']:.3f}) "
        + ("ok" if row["ratio"]["median"] <= target else f"ABOVE {target}")
        for row in rows
    ]
    print("\n".join(lines))
    save_and_report(
        "zero_overhead",
        args.quick,
        {
            "settings": settings,
            "notes": (
                "ratio = median over rounds of ours / plain epoch time, "
                "the two models interleaved in one process per backend."
            ),
            "rows": rows,
        },
        plot(rows, target),
    )
    return {"lines": lines}


if __name__ == "__main__":
    main()
    sys.exit(0)
