"""The run folder: what a training run writes, and how it is kept safe.

A run folder holds one architecture's run and nothing else of ours:

- `config.json`: the architecture, the settings, the recipe as a dict,
  the data sizes and input normalization, versions and `status`
  (`"running"`, `"trained"`, `"complete"`);
- `history.json`: one list per logged quantity (Keras' `History` layout)
  plus `epoch` (from 1) and `seconds`, merged across resumes;
- `model.keras`: the model of the epoch with the best validation
  accuracy;
- `metrics.json`, the plots (`*.png`) and `report.md`, from the test set;
- while training, `backup/` (`keras.callbacks.BackupAndRestore`) and
  `checkpoints/` (where `ModelCheckpoint` writes before the file is
  moved over `model.keras`).

Every text file is written to a temporary file and moved into place with
`os.replace` (`write_text`, `write_json`), so a killed process leaves the
old file or the new one, never half of one. `tune` keeps its search in a
run folder of its own layout with the same helpers: the JSON and text
writers, `changed_settings` and `package_versions`.
"""

import dataclasses
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import sys
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np

CONFIG = "config.json"
HISTORY = "history.json"
MODEL = "model.keras"
METRICS = "metrics.json"
REPORT = "report.md"
LEARNING_CURVES = "learning_curves.png"
CONFUSION_MATRIX = "confusion_matrix.png"
MISCLASSIFIED = "misclassified.png"
BACKUP = "backup"
CHECKPOINTS = "checkpoints"

# Everything a run writes; `overwrite=True` removes these and only these.
RUN_FILES = (
    CONFIG,
    HISTORY,
    MODEL,
    METRICS,
    REPORT,
    LEARNING_CURVES,
    CONFUSION_MATRIX,
    MISCLASSIFIED,
)
RUN_FOLDERS = (BACKUP, CHECKPOINTS)

STATUSES = ("running", "trained", "complete")

# Settings that may change when a run is resumed: more epochs extend it.
RESUMABLE_CHANGES = ("epochs",)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Writes `text` to `path` atomically (temporary file, rename).

    Every file a run folder holds as text (JSON, `report.md`,
    `results.md`) is written this way: a killed process leaves the old
    file or the new one, never half of one. The file gets the
    permissions the umask leaves (0644 for the usual umask 022).

    Args:
        path: the file to write; its folder must exist.
        text: the whole content, written as UTF-8.

    Returns:
        `path` as a `Path`.

    Example:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from keras_cifar_blocks.training.run_dir import write_text
    >>> path = Path(tempfile.mkdtemp()) / "report.md"
    >>> write_text(path, "# Report").read_text()
    '# Report'
    """
    path = Path(path)
    # Not `tempfile.mkstemp`, which creates the file with mode 0600: with
    # mode 0666 the umask decides, as for any other file.
    tmp = path.with_name(
        f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    )
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def to_json(value):
    """What JSON cannot hold, as what it can: `json.dumps`' `default`.

    NumPy scalars become Python numbers, paths strings, anything else its
    `repr`.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.training.run_dir import to_json
    >>> to_json(np.int64(3)), to_json(object)
    (3, "<class 'object'>")
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def write_json(path: str | os.PathLike, data, default=None) -> Path:
    """Writes `data` as JSON to `path` atomically (see `write_text`).

    Args:
        path: the file to write; its folder must exist.
        data: anything `json.dumps` accepts.
        default: optional function that turns what JSON cannot hold into
            what it can (`json.dumps`' `default`, e.g. `to_json`).

    Returns:
        `path` as a `Path`.

    Example:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from keras_cifar_blocks.training.run_dir import read_json, write_json
    >>> path = Path(tempfile.mkdtemp()) / "numbers.json"
    >>> read_json(write_json(path, {"a": [1, 2]}))
    {'a': [1, 2]}
    """
    # Serialize first: a value JSON cannot hold must not cost the old file.
    text = json.dumps(data, indent=2, allow_nan=True, default=default) + "\n"
    return write_text(path, text)


def read_json(path: str | os.PathLike):
    """Reads a JSON file; a corrupt file raises a ValueError naming it."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"'{path}' is not valid JSON ({error}).") from error


def empty_history() -> dict:
    return {"epoch": []}


def history_records(history: dict) -> list[dict]:
    """`{"loss": [...], ...}` to one dict per epoch."""
    epochs = history.get("epoch", [])
    return [
        {
            key: values[index]
            for key, values in history.items()
            if index < len(values) and values[index] is not None
        }
        for index in range(len(epochs))
    ]


def history_from_records(records: list[dict]) -> dict:
    """One dict per epoch to `{"epoch": [...], "loss": [...], ...}`."""
    keys = ["epoch"]
    for record in records:
        keys += [key for key in record if key not in keys]
    return {key: [record.get(key) for record in records] for key in keys}


def merge_epoch(history: dict, epoch: int, logs: dict) -> dict:
    """The history with `epoch`'s logs, dropping that epoch and later ones.

    After a resume, Keras runs again the epochs after the last backup;
    their new logs replace whatever an interrupted process had recorded.

    Args:
        history: a history dict (`{"epoch": [...], ...}`).
        epoch: int, the epoch, counted from 1.
        logs: dict of the epoch's logged values.

    Returns:
        A new history dict.

    Example:

    >>> from keras_cifar_blocks.training.run_dir import merge_epoch
    >>> history = {"epoch": [1, 2], "loss": [2.0, 1.5]}
    >>> merge_epoch(history, 2, {"loss": 1.4})
    {'epoch': [1, 2], 'loss': [2.0, 1.4]}
    >>> merge_epoch(history, 3, {"loss": 1.2, "val_loss": 1.3})
    {'epoch': [1, 2, 3], 'loss': [2.0, 1.5, 1.2], 'val_loss': [None, None, 1.3]}
    """
    records = [
        record for record in history_records(history) if record["epoch"] < epoch
    ]
    records.append({"epoch": epoch, **logs})
    return history_from_records(records)


def load_history(run_dir: str | os.PathLike) -> dict:
    """The run's `history.json`, or an empty history."""
    path = Path(run_dir) / HISTORY
    if not path.exists():
        return empty_history()
    return read_json(path)


def load_config(run_dir: str | os.PathLike) -> dict:
    """The run's `config.json`; a ValueError if it is not a run folder."""
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise FileNotFoundError(
            f"'{run_dir}' is not a run folder: it has no {CONFIG}. Pass the "
            "folder that `kcb train` (or `train()`) wrote."
        )
    config = read_json(path)
    if not isinstance(config, dict) or "architecture" not in config:
        raise ValueError(
            f"'{path}' is not the config of a keras_cifar_blocks run (it "
            "names no architecture)."
        )
    return config


# What `keras.saving.load_model` raises for a cut-off or damaged file:
# its zip directory (BadZipFile, EOFError), a member's JSON, or the
# weights' HDF5 (an OSError without errno from h5py; one with an errno is
# the system's, e.g. a full disk, and is raised as is).
_CORRUPT_MODEL_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    json.JSONDecodeError,
    OSError,
)


def load_model(run_dir: str | os.PathLike):
    """The run's `model.keras`, loaded with `keras.saving.load_model`.

    Raises:
        FileNotFoundError: if the run has no `model.keras` (yet).
        ValueError: if `model.keras` is there but truncated or corrupt
            (for instance when the disk filled up while it was written).

    Example:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from keras_cifar_blocks.training.run_dir import load_model
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "model.keras").write_bytes(b"PK\x03\x04 cut off")
    >>> load_model(run)
    Traceback (most recent call last):
    ...
    ValueError: '...model.keras' is corrupt: it is not a complete .keras ...
    """
    run_dir = Path(run_dir)
    path = run_dir / MODEL
    if not path.is_file():
        raise FileNotFoundError(
            f"'{run_dir}' holds no {MODEL}: the run has not finished "
            "an epoch yet. Train it (again) with `kcb train` first."
        )
    with path.open("rb"):  # Unreadable (permissions): that error, as is.
        pass
    problem = None
    if not zipfile.is_zipfile(path):
        problem = "its zip directory is missing"
    else:
        try:
            return keras.saving.load_model(path)
        except _CORRUPT_MODEL_ERRORS as error:
            if isinstance(error, OSError) and error.errno is not None:
                raise
            problem = f"{type(error).__name__}: {error}"
    raise ValueError(
        f"'{path}' is corrupt: it is not a complete .keras file "
        f"({problem}), e.g. because the disk filled up or the process was "
        "killed while writing it. Train the run again with `kcb train` "
        "(--overwrite for a finished run)."
    )


def set_status(run_dir: str | os.PathLike, status: str) -> dict:
    """Sets `status` in the run's `config.json` (atomically)."""
    config = load_config(run_dir)
    config["status"] = status
    write_json(Path(run_dir) / CONFIG, config)
    return config


def existing_run(out: str | os.PathLike, architecture: str) -> dict | None:
    """The config of the run in `out`, after checking it may be used.

    Args:
        out: the run folder asked for.
        architecture: the architecture about to be trained there.

    Returns:
        `None` when `out` does not exist or is empty, else the config of
        the run of `architecture` it holds.

    Raises:
        FileExistsError: if `out` is not a folder, is a non-empty folder
            that holds no run, or holds a run of another architecture.
    """
    out = Path(out)
    if not out.exists():
        return None
    if not out.is_dir():
        raise FileExistsError(
            f"Invalid value for argument `out`. Expected a folder for the "
            f"run. Received out='{out}', which is a file."
        )
    if not (out / CONFIG).exists():
        if any(out.iterdir()):
            raise FileExistsError(
                f"Refusing to write a run into '{out}': the folder is not "
                f"empty and holds no run ({CONFIG} is missing). Choose "
                "another `out` folder."
            )
        return None
    config = load_config(out)
    if config["architecture"] != architecture:
        raise FileExistsError(
            f"Refusing to overwrite '{out}': it holds a run of "
            f"{config['architecture']!r}, not {architecture!r}. Choose "
            "another `out` folder."
        )
    return config


def changed_settings(
    old: dict, new: dict, resumable=RESUMABLE_CHANGES, default=None
) -> dict:
    """Settings that differ, less those a resume may change.

    Both sides are compared as `config.json` stores them (tuples become
    lists), so a resumed run compares what it recorded with what it is
    given.

    Args:
        old: the settings a run folder recorded.
        new: the settings of the call that would resume it.
        resumable: keys a resume may change. Defaults to `("epochs",)`,
            those of `train`.
        default: optional `json.dumps` `default` for values JSON cannot
            hold (e.g. `to_json`).

    Returns:
        A dict `{key: (old value, new value)}`, sorted by key.

    Example:

    >>> from keras_cifar_blocks.training.run_dir import changed_settings
    >>> changed_settings({"seed": 0, "epochs": 5}, {"seed": 1, "epochs": 9})
    {'seed': (0, 1)}
    """
    old = json.loads(json.dumps(old, default=default))
    new = json.loads(json.dumps(new, default=default))
    keys = sorted((set(old) | set(new)) - set(resumable))
    return {
        key: (old.get(key), new.get(key))
        for key in keys
        if old.get(key) != new.get(key)
    }


def describe_changes(changed: dict) -> str:
    """`changed_settings`' result in words, for an error message.

    Example:

    >>> from keras_cifar_blocks.training.run_dir import describe_changes
    >>> describe_changes({"seed": (0, 1), "tuner": ("random", "bayesian")})
    "seed: 0 -> 1, tuner: 'random' -> 'bayesian'"
    """
    return ", ".join(
        f"{key}: {old!r} -> {new!r}" for key, (old, new) in changed.items()
    )


def remove_run(run_dir: str | os.PathLike) -> None:
    """Deletes the files and folders a run writes, and nothing else."""
    run_dir = Path(run_dir)
    for name in RUN_FILES:
        (run_dir / name).unlink(missing_ok=True)
    for name in RUN_FOLDERS:
        shutil.rmtree(run_dir / name, ignore_errors=True)


def recipe_as_dict(recipe) -> dict:
    """A `Recipe` as JSON-ready data; schedules name their type."""
    data = dataclasses.asdict(recipe)
    data["optimizer_options"] = dict(recipe.optimizer_options)
    if recipe.schedule is not None:
        data["schedule"] = {
            "type": type(recipe.schedule).__name__,
            **dataclasses.asdict(recipe.schedule),
        }
    data["accuracy_text"] = str(recipe.accuracy)
    data["source_text"] = str(recipe.source)
    # Tuples as lists, as config.json gives them back.
    return json.loads(json.dumps(data))


# Distributions whose versions a run records, when installed.
_PACKAGES = (
    "keras",
    "numpy",
    "tensorflow",
    "tensorflow-cpu",
    "jax",
    "jaxlib",
    "torch",
    "matplotlib",
)


def package_versions(packages, *, missing: bool = False) -> dict:
    """The installed versions of distributions, by name.

    The one place the package reads versions (runs, searches and
    benchmarks all record theirs with it).

    Args:
        packages: distribution names, e.g. `("keras", "keras-tuner")`.
        missing: bool, whether a distribution that is not installed is
            listed, as `None`. Defaults to `False` (left out).

    Returns:
        A dict `{name: version}` in the order of `packages`.

    Example:

    >>> from keras_cifar_blocks.training.run_dir import package_versions
    >>> package_versions(["keras", "no-such-package"], missing=True)
    {'keras': '...', 'no-such-package': None}
    """
    versions = {}
    for package in packages:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            if missing:
                versions[package] = None
    return versions


def environment() -> dict:
    """The backend and the versions that produce a run."""
    from keras_cifar_blocks.version import __version__

    versions = {
        "keras_cifar_blocks": __version__,
        **package_versions(_PACKAGES),
        # The imported modules', which a source checkout may not install.
        "keras": keras.__version__,
        "numpy": np.__version__,
    }
    return {
        "backend": keras.backend.backend(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": versions,
    }
