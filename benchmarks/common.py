"""What every benchmark shares: timing, environment capture, result files.

A benchmark states its settings at the top, runs each backend in its own
subprocess (the backend is fixed before `import keras`), excludes warm-up
from timing, repeats and reports medians with spread, and writes a JSON
(hardware, versions, settings, raw samples) next to a PNG plot in
`benchmarks/results/`.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

PACKAGES = (
    "keras",
    "tensorflow-cpu",
    "tensorflow",
    "jax",
    "jaxlib",
    "torch",
    "numpy",
    "tf-keras",
    "keras-cv",
    "keras-cifar-blocks",
)


def versions() -> dict:
    """Installed versions of the packages that matter for the numbers."""
    # The package's one version capture; imported here, as it loads Keras.
    from keras_cifar_blocks.training.run_dir import package_versions

    return package_versions(PACKAGES)


def hardware() -> dict:
    """CPU model, core count and memory of this machine."""
    info = {
        "machine": platform.machine(),
        "system": platform.system(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    return info


def summarize(samples: list[float]) -> dict:
    """Median and spread (min, max, interquartile range) of samples."""
    ordered = sorted(samples)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "samples": samples,
    }


def throughput(
    run_once: Callable[[], int], repeats: int, warmup: int = 1
) -> dict:
    """Items per second of `run_once` (which returns the items it did).

    The first `warmup` calls (tracing, compilation, caches) are timed and
    reported separately, never mixed into the steady-state samples.
    """
    warmup_seconds = []
    for _ in range(warmup):
        start = time.perf_counter()
        run_once()
        warmup_seconds.append(time.perf_counter() - start)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        items = run_once()
        samples.append(items / (time.perf_counter() - start))
    return {**summarize(samples), "warmup_seconds": warmup_seconds}


def run_in_subprocess(
    module: str,
    args: list[str],
    backend: str,
    timeout: float = 3600,
    env: dict | None = None,
) -> dict:
    """Run `python -m module args` with KERAS_BACKEND set; parse its JSON.

    The child prints one JSON object as its last stdout line; `env` adds
    environment variables.
    """
    env = {**os.environ, **(env or {}), "KERAS_BACKEND": backend}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{module} under {backend} failed with exit code "
            f"{completed.returncode}:\n{completed.stderr[-4000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def command_line(argv: list[str] | None = None) -> str:
    """How this process was started, project-relative.

    A script of this repository run as `python -m benchmarks.mish --quick`
    reads back that way, not as the absolute path Python puts in
    `sys.argv[0]`; anything else is left as it was.
    """
    argv = list(sys.argv if argv is None else argv)
    script = Path(argv[0]).resolve() if argv and argv[0] else None
    if script and script.suffix == ".py" and script.is_relative_to(REPO_ROOT):
        module = script.relative_to(REPO_ROOT).with_suffix("").parts
        # A module of one of our packages (not, say, pytest in .venv/).
        packages = [
            REPO_ROOT.joinpath(*module[:i]) for i in range(1, len(module))
        ]
        if packages and all((p / "__init__.py").is_file() for p in packages):
            if module[-1] == "__main__":
                module = module[:-1]
            return " ".join(["python", "-m", ".".join(module), *argv[1:]])
    return " ".join([Path(sys.executable).name, *argv])


def save_results(name: str, results: dict, figure) -> tuple[Path, Path]:
    """Write `results/<name>.json` (with environment) and `<name>.png`."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": command_line(),
        "hardware": hardware(),
        "load_average_at_end": list(os.getloadavg()),
        "versions": versions(),
        **results,
    }
    json_path = RESULTS_DIR / f"{name}.json"
    png_path = RESULTS_DIR / f"{name}.png"
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    figure.savefig(png_path, dpi=120, bbox_inches="tight")
    return json_path, png_path


BACKENDS = ("tensorflow", "jax", "torch")


def parse_args(
    argv,
    doc: str,
    settings: dict,
    quick: dict,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> tuple[argparse.Namespace, dict]:
    """The command line every benchmark shares, and its settings.

    `--quick` applies the script's `QUICK` overrides, `--settings` a JSON
    dict of further ones; `--child ARG` marks the per-backend subprocess
    that the parent starts (see `run_backends`). `add_arguments(parser)`
    adds a script's own flags.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small settings, for CI"
    )
    parser.add_argument("--settings", default=None, help="JSON overrides")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    settings = dict(settings)
    if args.quick:
        settings.update(quick)
    if args.settings:
        settings.update(json.loads(args.settings))
    return args, settings


def benchmark_main(
    argv,
    script: str,
    child: Callable[[str, dict], object],
    parent: Callable[[argparse.Namespace, dict], dict],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> dict:
    """The `main()` every benchmark shares: parse, then child or parent.

    `script` names the benchmark's module (`"benchmarks.mish"`), whose
    `__doc__`, `SETTINGS` and `QUICK` make the command line (see
    `parse_args`; `add_arguments` adds the script's own flags). In the
    per-backend subprocess (`--child ARG`) it prints `child(ARG,
    settings)` as JSON on stdout, where `run_in_subprocess` reads it, and
    returns `{}`; otherwise it returns `parent(args, settings)`, which
    runs the children, reports and saves the results.
    """
    module = sys.modules[script]
    args, settings = parse_args(
        argv, module.__doc__, module.SETTINGS, module.QUICK, add_arguments
    )
    if args.child:
        print(json.dumps(child(args.child, settings)))
        return {}
    return parent(args, settings)


def save_and_report(
    name: str, quick: bool, results: dict, figure
) -> tuple[Path, Path]:
    """`save_results` under `name` (`name_quick` for `--quick` runs)."""
    json_path, png_path = save_results(
        name + ("_quick" if quick else ""), results, figure
    )
    print(f"Wrote {json_path} and {png_path}")
    return json_path, png_path


def run_backends(
    module: str,
    settings: dict,
    children: list[tuple[str, str]],
    env: dict | None = None,
) -> list:
    """Run `module --child ARG` once per `(backend, ARG)`; collect rows.

    Each child is a fresh process with `KERAS_BACKEND` set before Keras is
    imported, and returns a list of result rows.
    """
    rows = []
    for backend, child in children:
        print(f"  {backend} ({child}) ...", flush=True)
        start = time.perf_counter()
        rows += run_in_subprocess(
            module,
            ["--settings", json.dumps(settings), "--child", child],
            backend,
            env=env,
        )
        print(f"  ... {time.perf_counter() - start:.0f} s", flush=True)
    return rows


def finished_runs(path, settings: dict) -> dict:
    """The runs an interrupted invocation finished, keyed by their job.

    `run_jobs` records every finished run in `path`, so a rerun with the
    same settings starts after them; runs made under other settings, or
    an unreadable file, are not reused (the file is left as it is until
    the invocation overwrites it).
    """
    if not path.exists():
        return {}
    try:
        recorded = json.loads(path.read_text())
    except json.JSONDecodeError:
        print(f"Ignoring {path}: not valid JSON.", flush=True)
        return {}
    if recorded.get("settings") != settings:
        print(f"Ignoring {path}: made with other settings.", flush=True)
        return {}
    return dict(recorded["runs"])


def write_json_atomically(path, data: dict):
    """Write `data` as JSON to `path` through a temporary file + rename.

    `keras_cifar_blocks.training.run_dir.write_json` does the same, but
    importing it would load Keras and its backend into the parent
    process, which must stay light while each timed child trains.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1))
    temporary.replace(path)


def run_jobs(
    module: str,
    name: str,
    settings: dict,
    jobs: list[dict],
    timeout: float,
    reused: dict | None = None,
):
    """Runs each job in a child process of `module`, resumably.

    A benchmark whose runs take minutes each must not lose the finished
    ones when it is stopped: each result is recorded in
    `RESULTS_DIR/NAME.partial.json` as soon as it comes, and a rerun with
    the same settings starts after them. The caller deletes the partial
    file once it has written the full results.

    Args:
        module: the benchmark module, run as `--settings JSON --child JOB`.
        name: the results' name (e.g. `"time_to_accuracy_quick"`).
        settings: the benchmark's settings, passed to every child.
        jobs: one JSON-able dict per run, given to the child as its job.
        timeout: seconds each child may take. A job's `backend` key, if
            any, is its child's backend (`settings["backend"]` otherwise).
        reused: optional results already measured, keyed as the partial
            file keys them (`json.dumps(job, sort_keys=True)`): those
            jobs are not run again.

    Returns:
        `(results, partial)`: each job's result in the order of `jobs`,
        and the partial file's path.
    """
    partial = RESULTS_DIR / f"{name}.partial.json"
    done = {**(reused or {}), **finished_runs(partial, settings)}
    results = []
    for job in jobs:
        key = json.dumps(job, sort_keys=True)
        label = " ".join(f"{k} {v}" for k, v in job.items() if v is not None)
        if key in done:
            print(f"{label}: from {partial}", flush=True)
        else:
            print(f"{label} ...", flush=True)
            done[key] = run_in_subprocess(
                module,
                [
                    "--settings",
                    json.dumps(settings),
                    "--child",
                    json.dumps(job),
                ],
                job.get("backend") or settings["backend"],
                timeout=timeout,
            )
            write_json_atomically(partial, {"settings": settings, "runs": done})
        results.append(done[key])
    return results, partial


def cifar10_arrays(train_images: int, test_images: int):
    """CIFAR-10 from `DEFAULT_DATA_DIR`, cut to the sizes a run asks for.

    Smaller sizes take a stratified subset (seed 0), so every benchmark
    that trains on N images trains on the same N.

    Returns:
        `(x_train, y_train, x_test, y_test)`, labels of shape `(N,)`.
    """
    from keras_cifar_blocks.datasets import load_cifar10
    from keras_cifar_blocks.datasets import subset

    (x_train, y_train), (x_test, y_test) = load_cifar10(DEFAULT_DATA_DIR)
    if train_images < len(y_train):
        x_train, y_train = subset(x_train, y_train, train_images, seed=0)
    if test_images < len(y_test):
        x_test, y_test = subset(x_test, y_test, test_images, seed=0)
    return x_train, y_train.reshape(-1), x_test, y_test.reshape(-1)


def recipe_training(
    run_recipe, name: str, seed: int, x_train, y_train, **overrides
):
    """The compiled model, training dataset and input normalization of a run.

    What `train()` sets up from a recipe, for benchmarks that time or
    vary it themselves: the recipe's input normalization (fitted on
    `x_train`), augmentation (seeded) and loss, the shuffled `tf.data`
    input, and `build(name, **overrides)` compiled with the recipe's
    optimizer and schedule.

    Returns:
        `(model, train_dataset, normalization)`.
    """
    from keras_cifar_blocks.architectures import build
    from keras_cifar_blocks.augmentation import augmentation_preset
    from keras_cifar_blocks.training.data import recipe_loss
    from keras_cifar_blocks.training.data import training_dataset
    from keras_cifar_blocks.training.normalization import InputNormalization

    normalization = InputNormalization.fit(
        run_recipe.input_normalization, x_train
    )
    pipeline = (
        augmentation_preset(run_recipe.augmentation, seed=seed)
        if run_recipe.augmentation
        else None
    )
    one_hot, loss = recipe_loss(run_recipe, pipeline)
    train_dataset = training_dataset(
        x_train,
        y_train,
        num_classes=10,
        batch_size=run_recipe.batch_size,
        shuffle=True,
        seed=seed,
        normalization=normalization,
        augmentation=pipeline,
        one_hot=one_hot,
    )
    steps_per_epoch = run_recipe.steps_per_epoch(len(y_train))
    model = build(name, **overrides)
    model.compile(
        optimizer=run_recipe.make_optimizer(steps_per_epoch), loss=loss
    )
    return model, train_dataset, normalization


def synthetic_cifar(
    images: int, seed: int = 0, num_classes: int = 10, scale: float = 1.0
):
    """Random CIFAR-shaped images in [0, scale) and integer labels.

    Timing does not depend on pixel values; a fixed numpy seed makes the
    data identical under every backend.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, scale, (images, 32, 32, 3)).astype("float32")
    y = rng.integers(0, num_classes, images).astype("int32")
    return x, y


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_memory() -> float:
    """Reset this process' peak resident memory; return the current MiB.

    Linux resets the high-water mark `VmHWM` to the current RSS when "5"
    is written to `/proc/self/clear_refs`; elsewhere the peak stays the
    process' lifetime peak (`ru_maxrss`).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    current = _status_kib("VmRSS")
    return (current if current is not None else 0) / 1024


def peak_memory() -> float:
    """Peak resident memory (MiB) since the last `reset_peak_memory`.

    Resident memory of the whole process: tensors, the framework's
    allocator caches and compiled code alike, which is what a CPU user
    pays for.
    """
    peak = _status_kib("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024


def interleaved(
    runners: dict[str, Callable[[], object]], rounds: int, warmup: int = 1
) -> dict:
    """Seconds per call of every runner, timed in rounds.

    Each round calls every runner once, so drift in the machine's load
    hits all of them alike. The first `warmup` rounds (tracing,
    compilation, caches) are timed separately and never enter the
    steady-state samples.
    """
    warmup_seconds = {name: [] for name in runners}
    seconds = {name: [] for name in runners}
    for round_index in range(warmup + rounds):
        for name, run_once in runners.items():
            start = time.perf_counter()
            run_once()
            elapsed = time.perf_counter() - start
            target = warmup_seconds if round_index < warmup else seconds
            target[name].append(elapsed)
    return {
        name: {
            **summarize(seconds[name]),
            "warmup_seconds": warmup_seconds[name],
        }
        for name in runners
    }


def per_round_ratio(numerator: list[float], denominator: list[float]) -> dict:
    """Summary of `numerator[i] / denominator[i]` over interleaved rounds."""
    pairs = zip(numerator, denominator, strict=True)
    return summarize([a / b for a, b in pairs])


def fit_seconds(model, x, y, batch_size: int) -> Callable[[], None]:
    """One `fit` epoch over `(x, y)` in order, silently: a timing unit."""

    def run_once():
        model.fit(
            x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0
        )

    return run_once


def training_throughput(model, x, y, batch_size: int, repeats: int) -> dict:
    """Training images/s of a compiled model, and its compile overhead.

    The first epoch (tracing and compilation) is timed alone; its excess
    over a steady-state epoch of the same steps is `compile_seconds`.
    """
    timing = interleaved({"fit": fit_seconds(model, x, y, batch_size)}, repeats)
    return _throughput_from(timing["fit"], len(x))


def inference_throughput(model, x, batch_size: int, repeats: int) -> dict:
    """`predict` images/s of a model, and its compile overhead."""

    def run_once():
        model.predict(x, batch_size=batch_size, verbose=0)

    timing = interleaved({"predict": run_once}, repeats)
    return _throughput_from(timing["predict"], len(x))


def _throughput_from(seconds: dict, images: int) -> dict:
    first = seconds["warmup_seconds"][0]
    stats = summarize([images / s for s in seconds["samples"]])
    return {
        "images_per_second": stats,
        "first_epoch_seconds": first,
        "compile_seconds": max(0.0, first - seconds["median"]),
    }


# The networks the benchmarks train: registry names, and WRN-16-k.
WRN_PREFIX = "wrn_16_"


def build_model(name: str):
    """An uncompiled model by registry name, or `wrn_16_<k>` (WRN-16-k)."""
    import keras_cifar_blocks

    if name.startswith(WRN_PREFIX):
        width = int(name[len(WRN_PREFIX) :])
        return keras_cifar_blocks.wide_resnet(
            depth=16, width=width, num_classes=10
        )
    return keras_cifar_blocks.architectures.build(name)


def input_scale(name: str) -> float:
    """255 for models that take raw pixels (they rescale), else 1."""
    if name.startswith(WRN_PREFIX):
        return 1.0
    from keras_cifar_blocks.architectures import recipe

    return 255.0 if recipe(name).input_normalization == "raw" else 1.0


def compile_for_training(model, jit_compile="auto", learning_rate=1e-3):
    """The one training set-up every benchmark uses: Adam, cross-entropy."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        jit_compile=jit_compile,
    )
    return model


def model_flops(model) -> int:
    """Forward FLOPs of one image: Conv2D and Dense, 2 per multiply-add.

    Counted analytically from each layer's built input shape, including
    the layers inside our composite blocks. BatchNorm, activations,
    pooling and additions are left out (well under 2% of the total for
    the CIFAR networks here); a training step is taken as 3x forward
    (forward, gradient with respect to inputs and to weights).
    """
    import keras

    total = 0
    # `_flatten_layers` is Keras' own recursive walk; there is no public
    # one that reaches the sublayers of a custom layer.
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Conv2D):
            input_shape = layer.get_build_config()["input_shape"]
            _, height, width, _ = layer.compute_output_shape(input_shape)
            kernel_h, kernel_w, fan_in, filters = layer.kernel.shape
            total += 2 * height * width * kernel_h * kernel_w * fan_in * filters
        elif isinstance(layer, keras.layers.Dense):
            fan_in, units = layer.kernel.shape
            total += 2 * fan_in * units
    return int(total)
