"""`train(name)`: train a documented architecture with its recipe."""

import dataclasses
import datetime
import os
import shutil
from pathlib import Path

import keras
import numpy as np

from keras_cifar_blocks import datasets
from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.augmentation import augmentation_preset
from keras_cifar_blocks.training import distribution
from keras_cifar_blocks.training import run_dir as files
from keras_cifar_blocks.training.data import IMAGE_FOLDER
from keras_cifar_blocks.training.data import load_run_data
from keras_cifar_blocks.training.data import make_training_datasets
from keras_cifar_blocks.training.data import recipe_loss
from keras_cifar_blocks.training.evaluation import evaluate_model
from keras_cifar_blocks.training.normalization import InputNormalization
from keras_cifar_blocks.training.reports import best_epoch
from keras_cifar_blocks.training.run_recorder import RunRecorder
from keras_cifar_blocks.utils import validation as check

# `model.keras` is the epoch with the best validation accuracy.
CHECKPOINT_MONITOR = "val_accuracy"
# Training and test images of CIFAR-10 and CIFAR-100 alike.
TRAIN_IMAGES = 50_000
TEST_IMAGES = 10_000
VERBOSITIES = ("auto", 0, 1, 2)
# Which epoch's model `model.keras` holds (and the test set evaluates).
KEEP = ("best", "last")
# The dtype policies a run may train under.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
# Settings that runs recorded before they existed had, in effect.
LEGACY_SETTINGS = {
    "images": None,
    "test_images": None,
    "validate_on_test": False,
    "keep": "best",
    "precision": "float32",
}


def _now() -> str:
    return (
        datetime.datetime.now(datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
    )


def _check_size(name: str, value, minimum: int, maximum: int):
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not minimum <= value <= maximum
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected an integer in "
            f"[{minimum}, {maximum}] or None. Received {name}={value!r}"
        )
    return int(value)


def _check_val_split(val_split) -> float:
    if (
        isinstance(val_split, bool)
        or not isinstance(val_split, (int, float))
        or not 0.0 <= val_split < 1.0
    ):
        raise ValueError(
            "Invalid value for argument `val_split`. Expected a float in "
            "[0, 1): the share of the training images held out for "
            "validation (0 trains on all of them). Received "
            f"val_split={val_split!r}"
        )
    return float(val_split)


def _check_validation(recipe, settings: dict) -> None:
    """Checks the validation settings against each other and the recipe."""
    if settings["validate_on_test"] and settings["val_split"]:
        raise ValueError(
            "Invalid value for argument `validate_on_test`. The test set "
            "replaces the validation split, so it needs val_split=0. "
            f"Received validate_on_test=True, val_split={settings['val_split']}"
        )
    validated = settings["validate_on_test"] or settings["val_split"] > 0
    if settings["keep"] == "best" and not validated:
        raise ValueError(
            "Invalid value for argument `keep`. 'best' chooses the epoch "
            "with the best validation accuracy, and with val_split=0 there "
            "is no validation data: pass keep='last', a val_split > 0 or "
            "validate_on_test=True. Received keep='best'"
        )
    rule = recipe.early_stopping
    if rule is not None and rule.monitor.startswith("val_") and not validated:
        raise ValueError(
            f"Invalid value for argument `val_split`. The recipe of "
            f"{recipe.name!r} stops early on {rule.monitor!r}, which needs "
            "validation data: pass a val_split > 0 or validate_on_test=True. "
            "Received val_split=0"
        )


def _check_precision(precision) -> str:
    """The dtype policy name to train under (the global one for None)."""
    if precision is None:
        return keras.config.dtype_policy().name
    return check.one_of("precision", precision, PRECISIONS)


def _check_callbacks(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, keras.callbacks.Callback) or not all(
        isinstance(callback, keras.callbacks.Callback) for callback in callbacks
    ):
        raise TypeError(
            "Invalid type for argument `callbacks`. Expected a list of "
            "keras.callbacks.Callback or None. Received "
            f"callbacks={callbacks!r}"
        )
    return list(callbacks)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(
            "Invalid value for argument `seed`. Expected an integer >= 0. "
            f"Received seed={seed!r}"
        )
    return seed


def _check_overrides(entry, overrides) -> dict:
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise TypeError(
            "Invalid type for argument `overrides`. Expected a dict of "
            f"architecture options or None. Received overrides={overrides!r}"
        )
    unknown = sorted(set(overrides) - set(entry.overrides))
    if unknown:
        raise TypeError(
            f"Unknown override(s) {unknown} for architecture "
            f"{entry.name!r}. Valid overrides: {list(entry.overrides)}"
        )
    return dict(overrides)


def _check_out(out, name: str) -> Path:
    if out is None:
        return Path("runs") / name
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise TypeError(
            "Invalid type for argument `out`. Expected a folder path. "
            f"Received out={out!r}"
        )
    return Path(out)


def _check_command(command):
    if command is None:
        return None
    if isinstance(command, str) or not all(
        isinstance(part, str) for part in command
    ):
        raise TypeError(
            "Invalid type for argument `command`. Expected a list of "
            f"strings or None. Received command={command!r}"
        )
    return list(command)


def _early_stopping_config(recipe) -> dict | None:
    if recipe.early_stopping is None:
        return None
    return dataclasses.asdict(recipe.early_stopping)


def _existing_run(out: Path, name: str, settings: dict, overwrite: bool):
    """The config of the unfinished run to resume in `out`, or None.

    Raises if `out` may not be used: another architecture's run or files
    that are not a run (even with `overwrite`), a finished run (without
    `overwrite`), or an unfinished run with other settings. With
    `overwrite`, the caller removes the old run once the data is loaded.
    """
    existing = files.existing_run(out, name)
    if existing is None or overwrite:
        return None
    existing["settings"] = {
        **LEGACY_SETTINGS,
        **existing.get("settings", {}),
    }
    if existing.get("status") == "complete":
        raise FileExistsError(
            f"'{out}' already holds a finished run of {name!r} (see its "
            f"{files.REPORT}). Choose another `out` folder (--out), or "
            "pass overwrite=True (--overwrite) to train it again."
        )
    changed = files.changed_settings(existing.get("settings", {}), settings)
    if changed:
        details = ", ".join(
            f"{key}: {old!r} -> {new!r}" for key, (old, new) in changed.items()
        )
        raise ValueError(
            f"'{out}' holds an unfinished run of {name!r} with other "
            f"settings ({details}). Resume it with its settings, pass "
            "overwrite=True (--overwrite) to start over, or choose another "
            "`out` folder."
        )
    return existing


def train(
    name,
    *,
    epochs=None,
    batch_size=None,
    data_dir=None,
    subset=None,
    test_subset=None,
    val_split=0.1,
    seed=0,
    out=None,
    overrides=None,
    augment=True,
    shuffle=True,
    distribute=False,
    overwrite=False,
    verbose="auto",
    command=None,
    validate_on_test=False,
    keep=None,
    precision=None,
    callbacks=None,
    images=None,
    test_images=None,
) -> Path:
    """Trains a documented architecture with its recipe; writes a run folder.

    By default everything comes from `recipe(name)`: the optimizer with
    its learning-rate schedule, the batch size, the epochs, the loss
    (integer labels, one-hot for a categorical loss), the augmentation
    preset (applied to the training batches in the `tf.data` pipeline),
    the input normalization (fitted on the training images) and the early
    stopping rule. A stratified `val_split` of the training images is
    held out: early stopping watches it and `model.keras` keeps the epoch
    with the best validation accuracy (`keras.callbacks.ModelCheckpoint`).
    The test set is used once, at the end, by `evaluate`, which writes
    `metrics.json`, the plots and `report.md`. With `val_split=0` every
    training image is trained on and `model.keras` is the last epoch's;
    `validate_on_test=True` then watches the test set after every epoch,
    as the seed reports did (`keras_cifar_blocks.training.reproduce`
    follows each report's protocol).

    The run folder (`out`) holds `config.json`, `history.json`,
    `model.keras` and the report. Training backs itself up after every
    epoch (`keras.callbacks.BackupAndRestore`, in `out/backup`): if the
    process stops, call `train` again with the same arguments and it goes
    on from the last finished epoch. A folder that holds another
    architecture's run, or files that are not a run, is never written
    to; a finished run is replaced only with `overwrite=True`.

    Args:
        name: an architecture name; see
            `keras_cifar_blocks.architectures.names()`.
        epochs: int, the most epochs to train. Defaults to the recipe's.
            When resuming, a larger value extends the run.
        batch_size: int, the (global) batch size. Defaults to the
            recipe's.
        data_dir: where the dataset lies (see
            `keras_cifar_blocks.datasets.load_cifar10`). Defaults to
            `KCB_DATA_DIR`, then the Keras cache.
        subset: optional int, train on a class-balanced subset of this
            many training images (the validation split comes out of it).
        test_subset: optional int, evaluate on a class-balanced subset of
            the test set.
        val_split: float in [0, 1), the share of the training images held
            out for validation; `0` trains on all of them. Defaults to
            `0.1`.
        seed: int >= 0, seed of the subsets, the split, the weights, the
            shuffle and the augmentation. Defaults to `0`.
        out: the run folder. Defaults to `runs/<name>`.
        overrides: optional dict of architecture options, e.g.
            `{"dropout": 0.3}`; see
            `get_architecture(name).overrides`.
        augment: bool, whether to apply the recipe's augmentation preset.
            Defaults to `True`.
        shuffle: bool, whether to reshuffle the training images every
            epoch. Defaults to `True`.
        distribute: bool, whether to train data-parallel on every device:
            `keras.distribution.DataParallel` on JAX (the batch size must
            then be a multiple of the number of devices) or
            `tf.distribute.MirroredStrategy` on TensorFlow. Not supported
            on PyTorch. On JAX it spans several processes or hosts when
            the launcher sets `KERAS_DISTRIBUTION_JOB_ADDRESSES`,
            `KERAS_DISTRIBUTION_NUM_PROCESSES` and
            `KERAS_DISTRIBUTION_PROCESS_ID` (see
            `keras_cifar_blocks.training.distribution`); process 0 writes
            `out`. Defaults to `False`.
        overwrite: bool, whether to replace a run of the same
            architecture in `out` instead of resuming it or refusing.
            Defaults to `False`.
        verbose: Keras verbosity of `fit` and `predict` (`"auto"`, 0, 1
            or 2). Defaults to `"auto"` (progress bars).
        command: optional list of strings, the command line that started
            the run, recorded in `config.json` (the CLI passes it).
        validate_on_test: bool, whether the test set is the validation
            data, evaluated after every epoch (needs `val_split=0`): the
            seed reports' `model.fit(..., validation_data=(x_test,
            y_test))`. Use it to reproduce a report, not to choose a model.
            Defaults to `False`.
        keep: `"best"` (the epoch with the best validation accuracy) or
            `"last"`: which epoch's model `model.keras` holds and the test
            set evaluates. Defaults to `"best"` when there is validation
            data, else `"last"`.
        precision: `None` (the global dtype policy), `"float32"`,
            `"mixed_bfloat16"` or `"mixed_float16"`: the dtype policy the
            model is built and trained under (the global policy is put
            back afterwards). Recorded in `config.json`.
        callbacks: optional list of further `keras.callbacks.Callback`s,
            called after the run's own ones each epoch.
        images: optional folder with one sub-folder of images per class
            (read with `keras.utils.image_dataset_from_directory`, resized
            to 32x32) to train on instead of the recipe's dataset; the
            model gets one output per sub-folder and the report names
            them. Defaults to `None` (CIFAR).
        test_images: optional test folder with the same sub-folders, for
            `images`; without it a stratified 10% of `images` (drawn with
            `seed`) is the test set.

    Returns:
        The run folder, a `pathlib.Path`.

    Raises:
        ValueError: if `name` is unknown (the message lists the valid
            names), an argument is out of range, `distribute=True` on
            PyTorch, or `out` holds an unfinished run with other settings.
        TypeError: if an override is not valid for the architecture (the
            message lists the valid ones) or an argument has the wrong
            type.
        FileExistsError: if `out` holds another architecture's run, files
            that are not a run, or a finished run (without `overwrite`).
        FileNotFoundError: if the dataset is not found.

    Example:

    ```python
    from keras_cifar_blocks.training import train

    run = train("li2018_model1", epochs=3, subset=5000)
    print(run / "report.md")
    ```

    Arguments are checked before any data is loaded:

    >>> from keras_cifar_blocks.training import train
    >>> train("li2018_model1", epochs=-1)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `epochs`. Expected a strictly ...
    >>> train("li2018_model9")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `name`. Expected one of [...]. ...
    """
    entry = get_architecture(name)
    settings = _settings(
        entry,
        epochs=epochs,
        batch_size=batch_size,
        subset=subset,
        test_subset=test_subset,
        val_split=val_split,
        seed=seed,
        overrides=overrides,
        augment=augment,
        shuffle=shuffle,
        distribute=distribute,
        validate_on_test=validate_on_test,
        keep=keep,
        precision=precision,
        images=images,
        test_images=test_images,
    )
    check.boolean("overwrite", overwrite)
    check.one_of("verbose", verbose, VERBOSITIES)
    out = _check_out(out, name)
    command = _check_command(command)
    extra_callbacks = _check_callbacks(callbacks)
    backend = keras.backend.backend()
    if settings["distribute"]:
        distribution.initialize(backend)
        if not distribution.is_chief():
            # The chief alone writes `out`; this process keeps its copy.
            out = distribution.worker_folder(out)
    replicas = _check_replicas(settings, backend)

    existing = _existing_run(out, name, settings, overwrite)
    data = _load_data(entry.recipe, settings, data_dir, backend, replicas)
    # Only now: a run whose data is missing leaves the folder as it was.
    if overwrite and out.exists():
        files.remove_run(out)
    out.mkdir(parents=True, exist_ok=True)
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(settings["precision"])
    try:
        if existing is not None and existing.get("status") == "trained":
            # Killed during the evaluation: only the report is missing.
            if verbose:
                print(f"'{out}' is trained; evaluating it.")
        else:
            _fit(
                entry,
                settings,
                data,
                out=out,
                existing=existing,
                data_dir=data_dir,
                command=command,
                extra_callbacks=extra_callbacks,
                verbose=verbose,
            )
        model = keras.saving.load_model(out / files.MODEL)
        evaluate_model(out, model, data.x_test, data.y_test, verbose=verbose)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    return out


def _settings(entry, *, epochs, batch_size, subset, test_subset, **given):
    """The run's settings, checked, as `config.json` records them."""
    recipe = entry.recipe
    classes = recipe.num_classes
    val_split = _check_val_split(given["val_split"])
    validate_on_test = check.boolean(
        "validate_on_test", given["validate_on_test"]
    )
    keep = given["keep"]
    if keep is None:
        keep = "best" if val_split or validate_on_test else "last"
    settings = {
        "epochs": recipe.epochs
        if epochs is None
        else check.positive_int("epochs", epochs),
        "batch_size": recipe.batch_size
        if batch_size is None
        else check.positive_int("batch_size", batch_size),
        "subset": _check_size("subset", subset, 2 * classes, TRAIN_IMAGES),
        "test_subset": _check_size(
            "test_subset", test_subset, classes, TEST_IMAGES
        ),
        "val_split": val_split,
        "seed": _check_seed(given["seed"]),
        "overrides": _check_overrides(entry, given["overrides"]),
        "augment": check.boolean("augment", given["augment"]),
        "shuffle": check.boolean("shuffle", given["shuffle"]),
        "distribute": check.boolean("distribute", given["distribute"]),
        "validate_on_test": validate_on_test,
        "keep": check.one_of("keep", keep, KEEP),
        "precision": _check_precision(given["precision"]),
        **_check_image_folders(given["images"], given["test_images"]),
    }
    _check_validation(recipe, settings)
    return settings


def _check_image_folders(images, test_images) -> dict:
    """The image folders of a run on the user's images, resolved."""
    folders = {"images": images, "test_images": test_images}
    if images is None and test_images is not None:
        raise ValueError(
            "Invalid value for argument `test_images`. Expected it only "
            "with `images` (the training folder). Received "
            f"test_images={test_images!r}, images=None"
        )
    for name, folder in folders.items():
        if folder is None:
            continue
        if not isinstance(folder, (str, os.PathLike)):
            raise TypeError(
                f"Invalid type for argument `{name}`. Expected a folder "
                f"path. Received {name}={folder!r}"
            )
        if not Path(folder).is_dir():
            raise FileNotFoundError(
                f"Invalid value for argument `{name}`. Expected a folder of "
                f"class sub-folders. Received {name}='{folder}', which is "
                "not a folder."
            )
        folders[name] = os.fspath(Path(folder).expanduser().resolve())
    return folders


def _check_replicas(settings: dict, backend: str) -> int:
    """The number of devices a `distribute` run splits each batch over."""
    if not settings["distribute"]:
        return 1
    replicas = distribution.replicas(backend)
    if backend == "jax" and settings["batch_size"] % replicas:
        raise ValueError(
            "Invalid value for argument `batch_size`. With "
            f"distribute=True on {replicas} JAX devices, each batch is "
            "split evenly across them, so the batch size must be a "
            f"multiple of {replicas}. Received "
            f"batch_size={settings['batch_size']}"
        )
    return replicas


def _load_data(recipe, settings: dict, data_dir, backend: str, replicas):
    """The run's arrays; the test set is the validation set if asked."""
    data = load_run_data(
        recipe.dataset,
        data_dir,
        subset=settings["subset"],
        test_subset=settings["test_subset"],
        val_split=settings["val_split"],
        seed=settings["seed"],
        multiple_of=replicas if backend == "jax" else 1,
        images=settings["images"],
        test_images=settings["test_images"],
    )
    if settings["validate_on_test"]:
        data = dataclasses.replace(data, x_val=data.x_test, y_val=data.y_test)
    return data


def _fit(
    entry,
    settings,
    data,
    *,
    out,
    existing,
    data_dir,
    command,
    extra_callbacks,
    verbose,
):
    """Builds, compiles and fits the model; `model.keras` is the result."""
    recipe = entry.recipe
    # tf.data derives its shuffle seeds from TensorFlow's global seed too:
    # set it first, so the run does not depend on what ran before it.
    keras.utils.set_random_seed(settings["seed"])
    normalization = InputNormalization.fit(
        recipe.input_normalization, data.x_train
    )
    pipeline = None
    if settings["augment"] and recipe.augmentation:
        pipeline = augmentation_preset(
            recipe.augmentation, seed=settings["seed"]
        )
    one_hot, loss_function = recipe_loss(recipe, pipeline)
    effective = dataclasses.replace(
        recipe, epochs=settings["epochs"], batch_size=settings["batch_size"]
    )
    steps_per_epoch = effective.steps_per_epoch(len(data.y_train))
    train_ds, val_ds = make_training_datasets(
        data,
        batch_size=settings["batch_size"],
        shuffle=settings["shuffle"],
        seed=settings["seed"],
        normalization=normalization,
        augmentation=pipeline,
        one_hot=one_hot,
        shard=distribution.process_shard() if settings["distribute"] else None,
    )
    history = files.load_history(out) if existing else files.empty_history()
    if existing is not None and verbose:
        print(
            f"Resuming the run in '{out}' "
            f"({len(history['epoch'])} epoch(s) recorded)."
        )
    with distribution.distribution_scope(
        settings["distribute"], keras.backend.backend()
    ) as replicas:
        keras.utils.set_random_seed(settings["seed"])
        model = entry.build(
            num_classes=len(data.class_names), **settings["overrides"]
        )
        model.compile(
            optimizer=effective.make_optimizer(steps_per_epoch),
            loss=loss_function,
            metrics=["accuracy"],
        )
        training = {
            "loss": "categorical_crossentropy" if one_hot else recipe.loss,
            "label_smoothing": recipe.label_smoothing,
            "one_hot_labels": one_hot,
            "augmentation": recipe.augmentation if pipeline else None,
            "early_stopping": _early_stopping_config(recipe),
            "checkpoint_monitor": CHECKPOINT_MONITOR
            if settings["keep"] == "best"
            else None,
            "validation_data": _validation_data(settings),
            "steps_per_epoch": steps_per_epoch,
            "replicas": replicas,
        }
        data_info = {
            "dataset": IMAGE_FOLDER if settings["images"] else recipe.dataset,
            "data_dir": None
            if settings["images"]
            else datasets.locate(recipe.dataset, data_dir),
            "class_names": list(data.class_names),
            "sizes": data.sizes(),
            "normalization": normalization.get_config(),
        }
        _write_config(
            out,
            entry,
            model,
            settings=settings,
            existing=existing,
            command=command,
            training=training,
            data=data_info,
        )
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=settings["epochs"],
            shuffle=False,  # The dataset shuffles (seeded).
            callbacks=_callbacks(out, effective, settings, history)
            + extra_callbacks,
            verbose=verbose,
        )
    files.set_status(out, "trained")
    shutil.rmtree(out / files.CHECKPOINTS, ignore_errors=True)


def _validation_data(settings: dict) -> str:
    if settings["validate_on_test"]:
        return "test"
    return "split" if settings["val_split"] else "none"


def _write_config(out, entry, model, *, settings, existing, **sections):
    now = _now()
    config = {
        "architecture": entry.name,
        "description": entry.description,
        "parameters": int(model.count_params()),
        "status": "running",
        "created": existing["created"] if existing else now,
        "updated": now,
        "resumed": (existing.get("resumed", []) + [now]) if existing else [],
        "settings": settings,
        "command": sections["command"],
        "recipe": files.recipe_as_dict(entry.recipe),
        "training": sections["training"],
        "data": sections["data"],
        "environment": files.environment(),
    }
    files.write_json(out / files.CONFIG, config)


def _callbacks(out, recipe, settings: dict, history: dict) -> list:
    """The run's own callbacks, in the order they must run."""
    checkpoints = out / files.CHECKPOINTS
    checkpoints.mkdir(exist_ok=True)
    pattern = os.fspath(checkpoints / "epoch_{epoch:04d}.keras")
    if settings["keep"] == "best":
        _, best_so_far = best_epoch(history, CHECKPOINT_MONITOR)
        checkpoint = keras.callbacks.ModelCheckpoint(
            pattern,
            monitor=CHECKPOINT_MONITOR,
            mode="max",
            save_best_only=True,
            initial_value_threshold=best_so_far,
        )
    else:
        checkpoint = keras.callbacks.ModelCheckpoint(pattern)
    return [
        # Order matters: the checkpoint writes, the recorder moves it to
        # model.keras and logs the epoch, then the backup.
        checkpoint,
        RunRecorder(out, pattern),
        *recipe.callbacks(),
        keras.callbacks.BackupAndRestore(
            os.fspath(out / files.BACKUP), double_checkpoint=True
        ),
    ]
