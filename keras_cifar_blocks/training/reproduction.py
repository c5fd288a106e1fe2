"""`reproduce(name)`: train an architecture as its report did, and compare.

A reproduction is a `train()` run under the report's data `Protocol`
(`recipe(name).protocol`: what it trained and validated on, which epoch's
accuracy it gives) with the recipe's epochs, early stopping, optimizer,
schedule, augmentation and batch size. It trains in a run folder
(`runs_dir/ROW`, resumable like any run: the same call goes on from the
last finished epoch, and a finished run is only exported again) and,
after every epoch, exports the light files of
the run (`config.json`, `history.json` and, once evaluated,
`metrics.json`, `report.md` and the plots; never `model.keras`) with a
`reproduction.json` summary into `results_dir/ROW`, then rewrites the
table of `results_dir/README.md`. So a stopped run leaves a partial row,
marked as such, that the next call completes.

ROW is the architecture's name, with `-float32` (or another precision)
appended when the run does not use the backend's reproduction precision
(`mixed_bfloat16` on TensorFlow, `float32` elsewhere) and `-jax` or
`-torch` when it does not run on TensorFlow: each is its own row. A
variant of the recipe (`recipe_overrides`, to find which detail explains
a gap) is a row too, `NAME-KEY=VALUE...`, marked in the table and never
taken as the architecture's reproduced accuracy.
"""

import os
import platform
import re
import shlex
import shutil
import statistics
from pathlib import Path

import keras

from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.settings import TEST_IMAGES
from keras_cifar_blocks.training.settings import TRAIN_IMAGES
from keras_cifar_blocks.training.training_loop import train
from keras_cifar_blocks.utils.command_line import key_value

SUMMARY = "reproduction.json"
TABLE = "README.md"
# What a results row holds: the run's light files (never model.keras).
EXPORTED = (
    run_dir.CONFIG,
    run_dir.HISTORY,
    run_dir.METRICS,
    run_dir.REPORT,
    run_dir.LEARNING_CURVES,
    run_dir.CONFUSION_MATRIX,
    run_dir.MISCLASSIFIED,
)
KEEP = {"final": "last", "best": "best"}
TABLE_BEGIN = "<!-- BEGIN GENERATED table: kcb reproduce -->"
TABLE_END = "<!-- END GENERATED table -->"
ESTIMATES = "estimates.json"
ESTIMATES_BEGIN = (
    "<!-- BEGIN GENERATED estimates: kcb reproduce --estimates -->"
)
ESTIMATES_END = "<!-- END GENERATED estimates -->"
# airbench94's network (fast_cifar's layout) trains 9.9 epochs of CIFAR-10
# in 3.83 s on one NVIDIA A100 (Jordan 2024, arXiv:2404.00498): the FLOP
# rate it achieves there is the GPU rate the estimates assume.
AIRBENCH94 = {"architecture": "fast_cifar", "epochs": 9.9, "seconds": 3.83}


def reproduction_precision(backend: str | None = None) -> str:
    """The precision reproductions use by default on `backend`.

    `mixed_bfloat16` on TensorFlow, which trains faster than float32 on
    CPUs with bfloat16 units and on GPUs; `float32` on JAX and PyTorch.
    """
    backend = backend or keras.backend.backend()
    return "mixed_bfloat16" if backend == "tensorflow" else "float32"


def row_name(
    name: str, precision: str, backend: str, recipe_overrides=None
) -> str:
    """The results folder name of a reproduction (see the module doc).

    >>> row_name("li2018_model3_1", "mixed_bfloat16", "tensorflow",
    ...          {"optimizer_options.epsilon": 1e-14})
    'li2018_model3_1-optimizer_options.epsilon=1e-14'
    """
    row = name
    if recipe_overrides:
        row += "-" + variant_label(recipe_overrides)
    if precision != reproduction_precision(backend):
        row += f"-{precision}"
    if backend != "tensorflow":
        row += f"-{backend}"
    return row


def variant_label(recipe_overrides: dict) -> str:
    """`KEY=VALUE` pairs of the recipe overrides, sorted, joined by `+`;
    a file name (any other character becomes `_`).

    >>> variant_label({"input_normalization": "standardize_per_channel",
    ...                "learning_rate": 0.0005})
    'input_normalization=standardize_per_channel+learning_rate=0.0005'
    """
    pairs = (
        key_value(key, value) for key, value in sorted(recipe_overrides.items())
    )
    return re.sub(r"[^A-Za-z0-9._=+-]", "_", "+".join(pairs))


def reproduce(
    name,
    *,
    runs_dir="runs/reproductions",
    results_dir="reproductions",
    data_dir=None,
    precision=None,
    seed=0,
    epochs=None,
    subset=None,
    test_subset=None,
    recipe_overrides=None,
    verbose="auto",
    command=None,
) -> dict:
    """Trains `name` as its report did; writes and returns its summary.

    Args:
        name: an architecture name (`keras_cifar_blocks.architectures.
            names()`).
        runs_dir: where the run folders are (`runs_dir/ROW`, with
            `model.keras` and the resume backup). Defaults to
            `"runs/reproductions"`.
        results_dir: where the rows are exported (`results_dir/ROW`) and
            the table written (`results_dir/README.md`). Defaults to
            `"reproductions"`.
        data_dir: where the dataset lies (see `train`).
        precision: the dtype policy; defaults to
            `reproduction_precision()`.
        seed: int >= 0, the run's seed. Defaults to `0`.
        epochs: fewer epochs, for a quick check of the protocol only. A
            row trained with `epochs`, `subset` or `test_subset` is
            marked "not the full protocol" in the table.
        subset: a class-balanced subset of the training images, for a
            quick check only.
        test_subset: a class-balanced subset of the test images, for a
            quick check only.
        recipe_overrides: optional dict of recipe fields to change (see
            `Recipe.with_overrides`): a variant of the report's recipe,
            to measure which detail explains a gap. The row is named
            after them (`NAME-KEY=VALUE`), lists them in the table and
            does not count as the architecture's reproduced accuracy.
        verbose: Keras verbosity. Defaults to `"auto"`.
        command: optional command line (a string or a list of strings)
            recorded in the row; the CLI passes it.

    Returns:
        The row's summary, the dict written to `reproduction.json`:
        `documented` and `ours` accuracies (`ours` is the test accuracy of
        the epoch the report's protocol gives), `difference_points`,
        `epochs_run`, `wall_seconds`, `backend`, `precision`, `hardware`,
        `command`, `status` (`"complete"` or `"partial"`) and more.

    Raises:
        ValueError: if `name` is unknown or an argument is out of range.
        FileExistsError: if the row's results folder or run folder holds
            another architecture's run.
        FileNotFoundError: if the dataset is not found (nothing is
            written then).

    Example:

    ```py
    from keras_cifar_blocks.training import reproduce

    row = reproduce("li2018_model1")  # 100 epochs, as the report
    print(row["documented"]["value"], row["ours"])
    ```

    >>> reproduce("li2018_model9")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `name`. Expected one of [...]. ...
    """
    entry = get_architecture(name)
    protocol = entry.recipe.protocol
    backend = keras.backend.backend()
    if precision is None:
        precision = reproduction_precision(backend)
    if recipe_overrides:  # Checked before anything is written.
        entry.recipe.with_overrides(recipe_overrides)
    row = row_name(name, precision, backend, recipe_overrides)
    run = Path(runs_dir) / row
    results = Path(results_dir) / row
    _check_results_folder(results, name)
    if isinstance(command, (list, tuple)):
        command = shlex.join(command)
    exporter = _Exporter(
        run,
        results,
        command=command,
        full_protocol=epochs is None and subset is None and test_subset is None,
    )
    existing = run_dir.existing_run(run, name)
    if existing is not None and existing.get("status") == "complete":
        # Finished earlier (e.g. `--all` run again after a stop): the row
        # is exported again, nothing is trained.
        return exporter.export()
    train(
        name,
        out=run,
        epochs=epochs,
        subset=subset,
        test_subset=test_subset,
        data_dir=data_dir,
        seed=seed,
        recipe_overrides=recipe_overrides,
        validation_split=protocol.validation_split
        if protocol.validation == "split"
        else 0.0,
        validate_on_test=protocol.validation == "test",
        keep=KEEP[protocol.reported],
        precision=precision,
        verbose=verbose,
        command=None if command is None else shlex.split(command),
        callbacks=[exporter],
    )
    return exporter.export()


def _check_results_folder(results: Path, name: str) -> None:
    summary = results / SUMMARY
    if summary.exists():
        architecture = run_dir.read_json(summary).get("architecture")
        if architecture != name:
            raise FileExistsError(
                f"Refusing to overwrite '{results}': it holds the "
                f"reproduction of {architecture!r}, not {name!r}."
            )
    elif results.exists() and any(results.iterdir()):
        raise FileExistsError(
            f"Refusing to write a reproduction into '{results}': the folder "
            f"is not empty and holds no {SUMMARY}."
        )


class _Exporter(keras.callbacks.Callback):
    """Exports the run's light files and its summary after every epoch."""

    def __init__(self, run: Path, results: Path, command, full_protocol):
        super().__init__()
        self.run = run
        self.results = results
        self.command = command
        self.full_protocol = full_protocol

    def on_epoch_end(self, epoch, logs=None):
        self.export()

    def export(self) -> dict:
        self.results.mkdir(parents=True, exist_ok=True)
        for name in EXPORTED:
            source = self.run / name
            if source.exists():
                shutil.copyfile(source, self.results / f".{name}.tmp")
                os.replace(self.results / f".{name}.tmp", self.results / name)
        _relative_data_dir(self.results / run_dir.CONFIG)
        summary = summarize(
            run_dir.load_config(self.run),
            run_dir.load_history(self.run),
            _read_optional(self.run / run_dir.METRICS),
            command=self.command,
            full_protocol=self.full_protocol,
        )
        run_dir.write_json(self.results / SUMMARY, summary)
        write_table(self.results.parent)
        return summary


def _relative_data_dir(config_path: Path) -> None:
    """Records the data folder relative to the current folder.

    Rows are committed: the data folder of the machine that ran them
    (an absolute path) would mean nothing elsewhere.
    """
    config = run_dir.read_json(config_path)
    data_dir = config.get("data", {}).get("data_dir")
    if data_dir and os.path.isabs(data_dir):
        config["data"]["data_dir"] = os.path.relpath(data_dir)
        run_dir.write_json(config_path, config)


def _read_optional(path: Path):
    return run_dir.read_json(path) if path.exists() else None


def hardware() -> dict:
    """The machine a row was measured on: processor, cores, platform."""
    processor = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    processor = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    devices = []
    try:
        devices = [
            str(device)
            for device in keras.distribution.list_devices()
            if not str(device).lower().startswith("cpu")
        ]
    except Exception:  # A backend without device listing.
        devices = []
    return {
        "processor": processor,
        "cpu_count": os.cpu_count(),
        "accelerators": devices,
        "platform": platform.platform(),
    }


def summarize(config, history, metrics, *, command, full_protocol) -> dict:
    """A row's `reproduction.json` from its run's files.

    `metrics` is `None` until the run is evaluated: the row is then
    `"partial"`, and `ours_so_far` is the last epoch's validation
    accuracy (the test accuracy, where the report validated on the test
    set).
    """
    recipe = config["recipe"]
    settings = config["settings"]
    protocol = recipe["protocol"]
    seconds = [
        epoch_seconds
        for epoch_seconds in history.get("seconds", [])
        if epoch_seconds is not None
    ]
    epochs_run = len(history.get("epoch", []))
    recipe_epochs = settings["epochs"]
    complete = metrics is not None and config["status"] == "complete"
    ours = metrics["test_accuracy"] if complete else None
    documented = recipe["accuracy"]
    per_epoch = statistics.median(seconds) if seconds else None
    val = [
        accuracy
        for accuracy in history.get("val_accuracy", [])
        if accuracy is not None
    ]
    return {
        "architecture": config["architecture"],
        "status": "complete" if complete else "partial",
        "full_protocol": full_protocol,
        "recipe_overrides": settings.get("recipe_overrides") or {},
        "documented": {
            "value": documented["value"],
            "split": documented["split"],
            "text": recipe["accuracy_text"],
        },
        "ours": ours,
        "ours_so_far": None if complete or not val else val[-1],
        "difference_points": None
        if ours is None
        else round(100 * (ours - documented["value"]), 2),
        "protocol": protocol,
        "reported_epoch": _reported_epoch(protocol, metrics, epochs_run),
        "epochs_run": epochs_run,
        "recipe_epochs": recipe_epochs,
        "stopped_early": complete and epochs_run < recipe_epochs,
        "wall_seconds": round(sum(seconds), 1),
        "seconds_per_epoch": None if per_epoch is None else round(per_epoch, 1),
        "estimated_seconds": None
        if per_epoch is None
        else round(per_epoch * recipe_epochs),
        "parameters": config["parameters"],
        "train_images": config["data"]["sizes"]["train"],
        "test_images": config["data"]["sizes"]["test"],
        "backend": config["environment"]["backend"],
        "precision": settings["precision"],
        "seed": settings["seed"],
        "hardware": hardware(),
        "versions": config["environment"]["versions"],
        "command": command,
        "started": config["created"],
        "resumed": config.get("resumed", []),
        "updated": config["updated"],
    }


def _reported_epoch(protocol, metrics, epochs_run):
    if metrics is None:
        return None
    if protocol["reported"] == "best":
        return metrics["best_epoch"]
    return epochs_run


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _duration(seconds) -> str:
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _table_line(summary: dict, row: str) -> str:
    if summary["status"] == "complete":
        ours = f"**{_percent(summary['ours'])}**"
        difference = f"{summary['difference_points']:+.2f}"
        status = "complete"
        if summary["stopped_early"]:
            status += " (early stop)"
    else:
        ours = f"{_percent(summary['ours_so_far'])} so far"
        difference = "-"
        status = (
            f"partial; estimate {_duration(summary['estimated_seconds'])} "
            f"at {summary['seconds_per_epoch']:.0f} s/epoch"
            if summary["seconds_per_epoch"]
            else "partial"
        )
    if not summary["full_protocol"]:
        status += "; not the full protocol"
    if summary.get("recipe_overrides"):
        changes = ", ".join(
            f"{key}={value}"
            for key, value in sorted(summary["recipe_overrides"].items())
        )
        status += f"; variant of the recipe: {changes}"
    epochs = f"{summary['epochs_run']}/{summary['recipe_epochs']}"
    return (
        f"| `{row}` | {summary['documented']['text']} | "
        f"{ours} | {difference} | {summary['protocol']['reported']} | "
        f"{epochs} | {_duration(summary['wall_seconds'])} | "
        f"{summary['backend']} | {summary['precision']} | {status} |"
    )


def table(results_dir) -> str:
    """The markdown table of every row in `results_dir`, and the commands."""
    results_dir = Path(results_dir)
    rows = sorted(
        (path.parent.name, run_dir.read_json(path))
        for path in results_dir.glob(f"*/{SUMMARY}")
    )
    lines = [
        "| Row | Documented | Ours | Points | Reported epoch | Epochs "
        "(run/recipe) | Wall time | Backend | Precision | Status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_table_line(summary, row) for row, summary in rows),
    ]
    machines = sorted(
        {
            f"{summary['hardware']['processor']}, "
            f"{summary['hardware']['cpu_count']} "
            "cores"
            + (
                f", {', '.join(summary['hardware']['accelerators'])}"
                if summary["hardware"]["accelerators"]
                else ""
            )
            for _, summary in rows
        }
    )
    lines += ["", "Hardware: " + "; ".join(machines) if machines else ""]
    lines += ["", "Commands (from the project's root):", ""]
    lines += [
        f"- `{row}`: `{summary['command'] or 'reproduce() from Python'}`"
        for row, summary in rows
    ]
    return "\n".join(lines) + "\n"


def write_table(results_dir) -> Path:
    """Writes `table()` into `results_dir/README.md` between its markers.

    Text outside the markers (the notes of each row) is kept; a README
    without markers gets the table appended.
    """
    return _write_block(
        Path(results_dir) / TABLE, TABLE_BEGIN, table(results_dir), TABLE_END
    )


def _write_block(path: Path, begin: str, body: str, end: str) -> Path:
    """Replaces the text between `begin` and `end` in `path` by `body`."""
    generated = f"{begin}\n{body}{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: generated, text)
    else:
        text = (text.rstrip() + "\n\n" if text else "") + generated + "\n"
    return run_dir.write_text(path, text)


def reproduced_accuracies(results_dir) -> dict[str, dict]:
    """`{architecture: summary}` of the complete full-protocol rows
    trained with the report's recipe (not a variant).

    The row named after the architecture alone is preferred, i.e. the
    backend's default precision on TensorFlow.
    """
    found = {}
    for path in sorted(Path(results_dir).glob(f"*/{SUMMARY}")):
        summary = run_dir.read_json(path)
        if (
            summary["status"] != "complete"
            or not summary["full_protocol"]
            or summary.get("recipe_overrides")
        ):
            continue
        name = summary["architecture"]
        if name not in found or path.parent.name == name:
            found[name] = summary
    return found


def cost_estimates(results_dir=None, names=None) -> dict:
    """What each architecture's recipe costs to train, in FLOPs and hours.

    For each architecture: its training FLOPs per image
    (`keras_cifar_blocks.utils.flops.count_flops`, on the model built
    with `weights=None`), the FLOPs of its whole recipe (every epoch
    trains on the protocol's training images and evaluates its
    validation images), and two time estimates:

    - `cpu_hours`: at the median FLOP rate measured by the rows of
      `results_dir` (the machine that ran them), or the row's own
      measured seconds per epoch times its epochs where it has one;
    - `gpu_hours`: at the rate airbench94 achieves on one NVIDIA A100
      (`AIRBENCH94`), a lower bound: Keras' input pipeline and small
      models reach less of a GPU than airbench's tuned PyTorch code.

    Early stopping can only shorten a run: the estimates assume every
    epoch of the recipe.

    Args:
        results_dir: optional results folder of `reproduce`, for the
            measured rates.
        names: optional architecture names. Defaults to all.

    Returns:
        A dict: `assumptions` and `architectures` (name -> estimate).
    """
    from keras_cifar_blocks.architectures import build
    from keras_cifar_blocks.architectures import names as all_names
    from keras_cifar_blocks.utils.flops import count_flops

    rows = {}
    for name in names or all_names():
        entry = get_architecture(name)
        recipe = entry.recipe
        options = {"weights": None} if "weights" in entry.overrides else {}
        flops = count_flops(build(name, **options))
        protocol = recipe.protocol
        train_images = TRAIN_IMAGES
        validation_images = 0
        if protocol.validation == "split":
            validation_images = round(TRAIN_IMAGES * protocol.validation_split)
            train_images -= validation_images
        elif protocol.validation == "test":
            validation_images = TEST_IMAGES
        per_epoch = (
            train_images * flops["training"]
            + validation_images * flops["forward"]
        )
        rows[name] = {
            "parameters": entry.parameters,
            "forward_flops_per_image": flops["forward"],
            "training_flops_per_image": flops["training"],
            "epochs": recipe.epochs,
            "flops_per_epoch": per_epoch,
            "recipe_flops": per_epoch * recipe.epochs,
        }
    gpu_rate = _airbench_rate()
    measured = _measured(results_dir, rows)
    cpu_rate = (
        statistics.median(rate for rate, _ in measured.values())
        if measured
        else None
    )
    for name, row in rows.items():
        row["gpu_hours"] = row["recipe_flops"] / gpu_rate / 3600
        if name in measured:
            row["cpu_hours"] = measured[name][1] * row["epochs"] / 3600
            row["cpu_basis"] = "measured"
        elif cpu_rate:
            row["cpu_hours"] = row["recipe_flops"] / cpu_rate / 3600
            row["cpu_basis"] = "rate"
        else:
            row["cpu_hours"], row["cpu_basis"] = None, None
    return {
        "assumptions": {
            "gpu": (
                f"one NVIDIA A100 at airbench94's achieved rate, "
                f"{gpu_rate / 1e12:.0f} TFLOP/s ({AIRBENCH94['epochs']} "
                f"epochs of fast_cifar's network in "
                f"{AIRBENCH94['seconds']} s); a lower bound"
            ),
            "gpu_flops_per_second": gpu_rate,
            "cpu_flops_per_second": cpu_rate,
            "cpu": "the median FLOP rate of the rows measured here"
            if cpu_rate
            else "no row measured yet",
            "flops": "2 per multiply-add of the convolutions and dense "
            "layers; training = forward + 2 x forward of the trainable "
            "layers (count_flops)",
        },
        "architectures": rows,
    }


def _airbench_rate() -> float:
    from keras_cifar_blocks.architectures import build
    from keras_cifar_blocks.utils.flops import count_flops

    flops = count_flops(build(AIRBENCH94["architecture"]))["training"]
    images = AIRBENCH94["epochs"] * TRAIN_IMAGES
    return flops * images / AIRBENCH94["seconds"]


def _measured(results_dir, rows) -> dict:
    """`{name: (FLOP/s, seconds per epoch)}` of the measured default rows."""
    measured = {}
    if results_dir is None:
        return measured
    for path in sorted(Path(results_dir).glob(f"*/{SUMMARY}")):
        summary = run_dir.read_json(path)
        name = summary["architecture"]
        if (
            path.parent.name != name
            or name not in rows
            or not summary["full_protocol"]
            or not summary["seconds_per_epoch"]
        ):
            continue
        seconds = summary["seconds_per_epoch"]
        measured[name] = (rows[name]["flops_per_epoch"] / seconds, seconds)
    return measured


def _hours(value) -> str:
    if value is None:
        return "-"
    if value < 1 / 60:
        return f"{value * 3600:.0f} s"
    if value < 1:
        return f"{value * 60:.0f} min"
    return f"{value:.1f} h"


def estimates_table(estimates: dict) -> str:
    """The markdown table of `cost_estimates()`."""
    lines = [
        "| Architecture | Parameters | Training GFLOPs per image | Epochs | "
        "Recipe PFLOPs | CPU here | One A100 (lower bound) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in estimates["architectures"].items():
        cpu = _hours(row["cpu_hours"])
        if row["cpu_basis"] == "measured":
            cpu += " (measured epochs)"
        lines.append(
            f"| `{name}` | {row['parameters']:,} | "
            f"{row['training_flops_per_image'] / 1e9:.3g} | {row['epochs']} "
            f"| {row['recipe_flops'] / 1e15:.3g} | {cpu} | "
            f"{_hours(row['gpu_hours'])} |"
        )
    assumptions = estimates["assumptions"]
    lines += [
        "",
        f"- GPU: {assumptions['gpu']}.",
        f"- CPU: {assumptions['cpu']}"
        + (
            f", {assumptions['cpu_flops_per_second'] / 1e12:.2f} TFLOP/s."
            if assumptions["cpu_flops_per_second"]
            else "."
        ),
        f"- FLOPs: {assumptions['flops']}.",
    ]
    return "\n".join(lines) + "\n"


def write_estimates(results_dir) -> Path:
    """Writes `cost_estimates()` to `estimates.json` and the README."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    estimates = cost_estimates(results_dir)
    run_dir.write_json(results_dir / ESTIMATES, estimates)
    return _write_block(
        results_dir / TABLE,
        ESTIMATES_BEGIN,
        estimates_table(estimates),
        ESTIMATES_END,
    )
