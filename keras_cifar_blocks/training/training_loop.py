"""`train(name)`: train a documented architecture with its recipe.

`train` is a short composition of steps, each a function of this module
that can be called (and tested) alone:

1. settings: `TrainSettings.for_architecture` checks the arguments;
2. resume state: `resume_state` reads the run folder (the config of an
   unfinished run to go on with, or `None`) and refuses what may not be
   used;
3. data: `load_data`, the arrays of the run;
4. inputs: `make_inputs`, the normalization, augmentation, loss and
   `tf.data` pipelines;
5. model: `build_model`, built and compiled;
6. adapt: `adapt_model`, the layers computed from the training images
   (`PatchWhitening`), timed as part of training;
7. callbacks: `make_callbacks`, the run's own callbacks in their order;
8. fit: `fit_run` records `config.json` and fits;
9. evaluate: `evaluation.evaluate_model` on the test set.
"""

import dataclasses
import datetime
import os
import shutil
import time
from pathlib import Path

import keras

from keras_cifar_blocks import datasets
from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.augmentation import augmentation_preset
from keras_cifar_blocks.training import distribution
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.data import IMAGE_FOLDER
from keras_cifar_blocks.training.data import RunData
from keras_cifar_blocks.training.data import load_run_data
from keras_cifar_blocks.training.data import make_training_datasets
from keras_cifar_blocks.training.data import recipe_loss
from keras_cifar_blocks.training.evaluation import evaluate_model
from keras_cifar_blocks.training.normalization import InputNormalization
from keras_cifar_blocks.training.reports import best_epoch
from keras_cifar_blocks.training.run_recorder import RunRecorder
from keras_cifar_blocks.training.settings import DEFAULT_VALIDATION_SPLIT
from keras_cifar_blocks.training.settings import LEGACY_SETTINGS
from keras_cifar_blocks.training.settings import TrainSettings
from keras_cifar_blocks.training.settings import dtype_policy
from keras_cifar_blocks.training.settings import validation_split_argument
from keras_cifar_blocks.utils import validation

# `model.keras` is the epoch with the best validation accuracy.
CHECKPOINT_MONITOR = "val_accuracy"
VERBOSITIES = ("auto", 0, 1, 2)


def train(
    name,
    *,
    epochs=None,
    batch_size=None,
    data_dir=None,
    subset=None,
    test_subset=None,
    validation_split=DEFAULT_VALIDATION_SPLIT,
    seed=0,
    out=None,
    overrides=None,
    recipe_overrides=None,
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
    val_split=None,
) -> Path:
    """Trains a documented architecture with its recipe; writes a run folder.

    By default everything comes from `recipe(name)`: the optimizer with
    its learning-rate schedule, the batch size, the epochs, the loss
    (integer labels, one-hot for a categorical loss), the augmentation
    preset (applied to the training batches in the `tf.data` pipeline),
    the input normalization (fitted on the training images) and the early
    stopping rule. A stratified `validation_split` of the training images
    is held out: early stopping watches it and `model.keras` keeps the
    epoch with the best validation accuracy
    (`keras.callbacks.ModelCheckpoint`).
    The test set is used once, at the end, by `evaluate`, which writes
    `metrics.json`, the plots and `report.md`. With `validation_split=0`
    every training image is trained on and `model.keras` is the last
    epoch's; `validate_on_test=True` then watches the test set after every
    epoch, as the seed reports did (`keras_cifar_blocks.training.reproduce`
    follows each report's protocol).

    The steps (settings, resume state, data, inputs, model, callbacks,
    fit, evaluation) are the functions of this module, each testable
    alone; `TrainSettings` holds the checked settings.

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
        validation_split: float in [0, 1), the share of the training
            images held out for validation; `0` trains on all of them.
            Defaults to `0.1`.
        seed: int >= 0, seed of the subsets, the split, the weights, the
            shuffle and the augmentation. Defaults to `0`.
        out: the run folder. Defaults to `runs/<name>`.
        overrides: optional dict of fields of the architecture's config
            to replace, e.g. `{"dropout": 0.3}` or `{"filters": [64, 128,
            256]}`; see `get_architecture(name).overrides`.
        recipe_overrides: optional dict of recipe fields to change for
            this run, e.g. `{"input_normalization":
            "standardize_per_channel", "optimizer_options.epsilon":
            1e-14}` (see `Recipe.with_overrides`); `config.json` records
            them and the recipe the run trained with. Defaults to none.
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
            data, evaluated after every epoch (needs
            `validation_split=0`): the seed reports'
            `model.fit(..., validation_data=(x_test, y_test))`. Use it
            to reproduce a report, not to choose a model.
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
        val_split: deprecated name of `validation_split`.

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
    settings = TrainSettings.for_architecture(
        entry,
        epochs=epochs,
        batch_size=batch_size,
        subset=subset,
        test_subset=test_subset,
        validation_split=validation_split_argument(validation_split, val_split),
        seed=seed,
        overrides=overrides,
        recipe_overrides=recipe_overrides,
        augment=augment,
        shuffle=shuffle,
        distribute=distribute,
        validate_on_test=validate_on_test,
        keep=keep,
        precision=precision,
        images=images,
        test_images=test_images,
    )
    validation.boolean("overwrite", overwrite)
    validation.one_of("verbose", verbose, VERBOSITIES)
    out = _check_out(out, name)
    command = _check_command(command)
    extra_callbacks = _check_callbacks(callbacks)
    out, replicas = _distribution(settings, out)

    existing = resume_state(out, name, settings, overwrite)
    data = load_data(settings.recipe_of(entry), settings, data_dir, replicas)
    # Only now: a run whose data is missing leaves the folder as it was.
    if overwrite and out.exists():
        run_dir.remove_run(out)
    out.mkdir(parents=True, exist_ok=True)
    with dtype_policy(settings.precision):
        if existing is not None and existing.get("status") == "trained":
            # Killed during the evaluation: only the report is missing.
            if verbose:
                print(f"'{out}' is trained; evaluating it.")
        else:
            fit_run(
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
        model = run_dir.load_model(out)
        evaluate_model(out, model, data.x_test, data.y_test, verbose=verbose)
    return out


# Arguments that are not settings (they do not change what is trained).


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


def _distribution(settings: TrainSettings, out: Path) -> tuple[Path, int]:
    """The folder this process writes, and the devices of a batch."""
    if not settings.distribute:
        return out, 1
    backend = keras.backend.backend()
    distribution.initialize(backend)
    if not distribution.is_chief():
        # The chief alone writes `out`; this process keeps its copy.
        out = distribution.worker_folder(out)
    replicas = distribution.replicas(backend)
    if backend == "jax" and settings.batch_size % replicas:
        raise ValueError(
            "Invalid value for argument `batch_size`. With "
            f"distribute=True on {replicas} JAX devices, each batch is "
            "split evenly across them, so the batch size must be a "
            f"multiple of {replicas}. Received "
            f"batch_size={settings.batch_size}"
        )
    return out, replicas


# The steps.


def resume_state(out, name: str, settings: TrainSettings, overwrite: bool):
    """The config of the unfinished run to resume in `out`, or None.

    Raises if `out` may not be used: another architecture's run or files
    that are not a run (even with `overwrite`), a finished run (without
    `overwrite`), or an unfinished run with other settings. With
    `overwrite`, the caller removes the old run once the data is loaded.

    Args:
        out: the run folder.
        name: the architecture to train there.
        settings: the run's `TrainSettings`.
        overwrite: bool, whether an existing run is to be replaced.

    Returns:
        The recorded `config.json` (its `settings` completed with the
        defaults of settings added since), or `None` to start afresh.

    Raises:
        FileExistsError: if `out` may not be written (see above).
        ValueError: if `out` holds an unfinished run with other settings.
    """
    existing = run_dir.existing_run(out, name)
    if existing is None or overwrite:
        return None
    existing["settings"] = {
        **LEGACY_SETTINGS,
        **existing.get("settings", {}),
    }
    if existing.get("status") == "complete":
        raise FileExistsError(
            f"'{out}' already holds a finished run of {name!r} (see its "
            f"{run_dir.REPORT}). Choose another `out` folder (--out), or "
            "pass overwrite=True (--overwrite) to train it again."
        )
    changed = run_dir.changed_settings(
        existing["settings"], settings.as_config()
    )
    if changed:
        raise ValueError(
            f"'{out}' holds an unfinished run of {name!r} with other "
            f"settings ({run_dir.describe_changes(changed)}). Resume it "
            "with its settings, pass overwrite=True (--overwrite) to start "
            "over, or choose another `out` folder."
        )
    return existing


def load_data(recipe, settings: TrainSettings, data_dir, replicas=1):
    """The run's arrays; the test set is the validation set if asked.

    Args:
        recipe: the architecture's `Recipe` (its dataset).
        settings: the run's `TrainSettings`.
        data_dir: where the dataset lies, or `None`.
        replicas: int, the devices each batch is split over (on JAX the
            splits are made a multiple of it).

    Returns:
        A `RunData`.
    """
    data = load_run_data(
        recipe.dataset,
        data_dir,
        subset=settings.subset,
        test_subset=settings.test_subset,
        val_split=settings.validation_split,
        seed=settings.seed,
        multiple_of=replicas if keras.backend.backend() == "jax" else 1,
        images=settings.images,
        test_images=settings.test_images,
    )
    if settings.validate_on_test:
        data = dataclasses.replace(data, x_val=data.x_test, y_val=data.y_test)
    return data


@dataclasses.dataclass(frozen=True)
class RunInputs:
    """What `fit` gets, besides the model: see `make_inputs`."""

    recipe: object  # The recipe with the run's epochs and batch size.
    normalization: InputNormalization
    augmentation: keras.layers.Layer | None
    one_hot: bool
    loss: object
    steps_per_epoch: int
    train: object  # tf.data.Dataset
    validation: object  # tf.data.Dataset or None


def make_inputs(recipe, settings: TrainSettings, data: RunData) -> RunInputs:
    """The normalization, augmentation, loss and `tf.data` inputs of a run.

    The input normalization is fitted on the training images; the
    augmentation is the recipe's preset (seeded) unless `augment=False`;
    labels are one-hot where the loss or the augmentation needs them.

    Args:
        recipe: the architecture's `Recipe`.
        settings: the run's `TrainSettings`.
        data: the run's `RunData`.

    Returns:
        A `RunInputs`.
    """
    normalization = InputNormalization.fit(
        recipe.input_normalization, data.x_train
    )
    augmentation = None
    if settings.augment and recipe.augmentation:
        augmentation = augmentation_preset(
            recipe.augmentation, seed=settings.seed
        )
    one_hot, loss = recipe_loss(recipe, augmentation)
    effective = dataclasses.replace(
        recipe, epochs=settings.epochs, batch_size=settings.batch_size
    )
    train_ds, val_ds = make_training_datasets(
        data,
        batch_size=settings.batch_size,
        shuffle=settings.shuffle,
        seed=settings.seed,
        normalization=normalization,
        augmentation=augmentation,
        one_hot=one_hot,
        shard=distribution.process_shard() if settings.distribute else None,
    )
    return RunInputs(
        recipe=effective,
        normalization=normalization,
        augmentation=augmentation,
        one_hot=one_hot,
        loss=loss,
        steps_per_epoch=effective.steps_per_epoch(len(data.y_train)),
        train=train_ds,
        validation=val_ds,
    )


def build_model(entry, settings: TrainSettings, num_classes: int, inputs):
    """The architecture, seeded, built and compiled with its recipe.

    Args:
        entry: the architecture's registry entry.
        settings: the run's `TrainSettings` (seed, overrides).
        num_classes: int, the model's outputs.
        inputs: the run's `RunInputs` (optimizer schedule, loss).

    Returns:
        A compiled `keras.Model`.
    """
    keras.utils.set_random_seed(settings.seed)
    model = entry.build(num_classes=num_classes, **settings.overrides)
    model.compile(
        optimizer=inputs.recipe.make_optimizer(inputs.steps_per_epoch),
        loss=inputs.loss,
        metrics=["accuracy"],
    )
    return model


def adapt_model(model, images) -> float:
    """Adapts every layer of `model` that has an `adapt` method.

    Such a layer computes weights from data, as Keras' preprocessing
    layers do (`PatchWhitening`'s kernel from the patches' second
    moments). Everything that reads the training data counts as
    training, so the caller times this step with the run.

    Args:
        model: a built `keras.Model`.
        images: the training images as the model receives them (after
            the input normalization, before augmentation).

    Returns:
        float, the seconds it took (0 when no layer adapts).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import PatchWhitening
    >>> from keras_cifar_blocks.training.training_loop import adapt_model
    >>> model = keras.Sequential([keras.Input((8, 8, 3)), PatchWhitening()])
    >>> images = np.random.default_rng(0).normal(size=(16, 8, 8, 3))
    >>> adapt_model(model, images) >= 0.0
    True
    """
    start = time.perf_counter()
    adaptable = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if callable(getattr(layer, "adapt", None))
    ]
    for layer in adaptable:
        layer.adapt(images)
    return time.perf_counter() - start if adaptable else 0.0


def make_callbacks(out, recipe, settings: TrainSettings, history: dict):
    """The run's own callbacks, in the order they must run.

    Args:
        out: the run folder.
        recipe: the recipe (its early stopping and scheduling callbacks).
        settings: the run's `TrainSettings` (`keep`).
        history: the run's history so far (a resumed run's best
            validation accuracy is the one to beat).

    Returns:
        A list of `keras.callbacks.Callback`.
    """
    checkpoints = Path(out) / run_dir.CHECKPOINTS
    checkpoints.mkdir(exist_ok=True)
    pattern = os.fspath(checkpoints / "epoch_{epoch:04d}.keras")
    if settings.keep == "best":
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
            os.fspath(Path(out) / run_dir.BACKUP), double_checkpoint=True
        ),
    ]


def fit_run(
    entry,
    settings: TrainSettings,
    data: RunData,
    *,
    out,
    existing=None,
    data_dir=None,
    command=None,
    extra_callbacks=(),
    verbose="auto",
):
    """Builds, compiles and fits the model; `model.keras` is the result.

    Records `config.json` (status `"running"`) before the first epoch and
    sets the status to `"trained"` after the last.
    """
    # tf.data derives its shuffle seeds from TensorFlow's global seed too:
    # set it first, so the run does not depend on what ran before it.
    keras.utils.set_random_seed(settings.seed)
    recipe = settings.recipe_of(entry)
    inputs = make_inputs(recipe, settings, data)
    history = run_dir.load_history(out) if existing else run_dir.empty_history()
    if existing is not None and verbose:
        print(
            f"Resuming the run in '{out}' "
            f"({len(history['epoch'])} epoch(s) recorded)."
        )
    with distribution.distribution_scope(
        settings.distribute, keras.backend.backend()
    ) as replicas:
        model = build_model(entry, settings, len(data.class_names), inputs)
        # A resumed run's backup restores the adapted weights over these.
        adapt_seconds = adapt_model(
            model, inputs.normalization.apply(data.x_train)
        )
        training = _training_record(recipe, settings, inputs, replicas)
        _write_config(
            out,
            entry,
            model,
            recipe=recipe,
            settings=settings,
            existing=existing,
            command=command,
            training={**training, "adapt_seconds": round(adapt_seconds, 3)},
            data=_data_record(recipe, settings, data, inputs, data_dir),
        )
        model.fit(
            inputs.train,
            validation_data=inputs.validation,
            epochs=settings.epochs,
            shuffle=False,  # The dataset shuffles (seeded).
            callbacks=make_callbacks(out, inputs.recipe, settings, history)
            + list(extra_callbacks),
            verbose=verbose,
        )
    run_dir.set_status(out, "trained")
    shutil.rmtree(Path(out) / run_dir.CHECKPOINTS, ignore_errors=True)


# config.json


def _now() -> str:
    return (
        datetime.datetime.now(datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
    )


def _training_record(recipe, settings, inputs: RunInputs, replicas) -> dict:
    """How the run trains, as `config.json`'s `training` records it."""
    if settings.validate_on_test:
        validation_data = "test"
    else:
        validation_data = "split" if settings.validation_split else "none"
    early_stopping = recipe.early_stopping
    return {
        "loss": "categorical_crossentropy" if inputs.one_hot else recipe.loss,
        "label_smoothing": recipe.label_smoothing,
        "one_hot_labels": inputs.one_hot,
        "augmentation": recipe.augmentation if inputs.augmentation else None,
        "early_stopping": None
        if early_stopping is None
        else dataclasses.asdict(early_stopping),
        "checkpoint_monitor": CHECKPOINT_MONITOR
        if settings.keep == "best"
        else None,
        "validation_data": validation_data,
        "steps_per_epoch": inputs.steps_per_epoch,
        "replicas": replicas,
    }


def _data_record(recipe, settings, data, inputs, data_dir) -> dict:
    """The run's data, as `config.json`'s `data` records it."""
    return {
        "dataset": IMAGE_FOLDER if settings.images else recipe.dataset,
        "data_dir": None
        if settings.images
        else datasets.locate(recipe.dataset, data_dir),
        "class_names": list(data.class_names),
        "sizes": data.sizes(),
        "normalization": inputs.normalization.get_config(),
    }


def _write_config(out, entry, model, *, recipe, settings, existing, **sections):
    now = _now()
    config = {
        "architecture": entry.name,
        "description": entry.description,
        "parameters": int(model.count_params()),
        "status": "running",
        "created": existing["created"] if existing else now,
        "updated": now,
        "resumed": (existing.get("resumed", []) + [now]) if existing else [],
        "settings": settings.as_config(),
        "command": sections["command"],
        "recipe": run_dir.recipe_as_dict(recipe),
        "training": sections["training"],
        "data": sections["data"],
        "environment": run_dir.environment(),
    }
    run_dir.write_json(Path(out) / run_dir.CONFIG, config)
