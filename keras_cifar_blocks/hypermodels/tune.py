"""`tune(space)`: a seeded KerasTuner search on CIFAR-10, in a run folder.

The run folder (`out`) holds:

- `config.json`: the settings, the data sizes, the points evaluated
  first, the versions, one entry per session and `status` (`"running"`,
  `"complete"`, or `"stopped"` when `time_budget` ended the session);
- `search/`: KerasTuner's project (oracle, trials, checkpoints), from
  which a stopped search resumes;
- `trials.json` and `results.md`: every trial with its values, score,
  epochs, parameter count, training seconds and, for a documented point,
  its architecture name;
- `best.json`: the best trial, the best documented point and, with
  `evaluate=True`, the best model's test accuracy;
- `search.png`, `search_parameters.png`, `search_hyperparameters.png`:
  validation accuracy per trial, against parameter count and per value
  of each hyperparameter (see `study.plot_study`).

The files are written with the run folder helpers of `train`
(`training.run_dir`: atomic JSON and text writers, the settings
comparison, the versions), so a killed process leaves the old file or
the new one.
"""

import math
import os
import shlex
import sys
import time
import warnings
from pathlib import Path

import keras
import keras_tuner

from keras_cifar_blocks.hypermodels import base_hypermodel as base
from keras_cifar_blocks.hypermodels.conv_stack import ConvStackHyperModel
from keras_cifar_blocks.hypermodels.enqueue import enqueue_points
from keras_cifar_blocks.hypermodels.enqueue import point_values
from keras_cifar_blocks.hypermodels.study import PLOTS
from keras_cifar_blocks.hypermodels.study import plot_study
from keras_cifar_blocks.hypermodels.study import trials_markdown
from keras_cifar_blocks.hypermodels.transfer import TransferHyperModel
from keras_cifar_blocks.hypermodels.tune_settings import LEGACY_SETTINGS
from keras_cifar_blocks.hypermodels.tune_settings import RESUMABLE_CHANGES
from keras_cifar_blocks.hypermodels.tune_settings import TUNERS  # noqa: F401
from keras_cifar_blocks.hypermodels.tune_settings import TuneSettings
from keras_cifar_blocks.hypermodels.wide_resnet import WideResNetHyperModel
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.settings import DEFAULT_VALIDATION_SPLIT
from keras_cifar_blocks.training.settings import validation_split_argument
from keras_cifar_blocks.utils import validation
from keras_cifar_blocks.utils.command_line import train_command

SPACES = {
    "conv_stack": ConvStackHyperModel,
    "wide_resnet": WideResNetHyperModel,
    "transfer": TransferHyperModel,
}
OBJECTIVE = "val_accuracy"
NUM_CLASSES = 10  # CIFAR-10

PROJECT = "search"
CONFIG = "config.json"
TRIALS = "trials.json"
RESULTS = "results.md"
BEST = "best.json"
OUTPUTS = (CONFIG, TRIALS, RESULTS, BEST, *PLOTS.values())


def get_hypermodel(space, num_classes=NUM_CLASSES, **options):
    """The hypermodel of a space by name.

    Args:
        space: `"conv_stack"`, `"wide_resnet"` or `"transfer"` (see
            `SPACES`).
        num_classes: int, output classes. Defaults to 10.
        **options: the hypermodel's other constructor arguments, e.g.
            `max_stages=3` or, for `"transfer"`, `weights=None`.

    Returns:
        A new `ConvStackHyperModel`, `WideResNetHyperModel` or
        `TransferHyperModel`.

    Example:

    >>> from keras_cifar_blocks.hypermodels import get_hypermodel
    >>> get_hypermodel("conv_stack", max_stages=3).max_stages
    3
    >>> get_hypermodel("resnet")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `space`. Expected one of ...
    """
    validation.one_of("space", space, tuple(SPACES))
    return SPACES[space](num_classes, **options)


def tune(
    space,
    *,
    tuner="hyperband",
    epochs=10,
    max_trials=None,
    factor=3,
    hyperband_iterations=1,
    batch_size=128,
    data_dir=None,
    subset=None,
    validation_split=DEFAULT_VALIDATION_SPLIT,
    test_subset=None,
    seed=0,
    out=None,
    documented_first=True,
    fixed=None,
    options=None,
    early_stopping_patience=None,
    evaluate=False,
    overwrite=False,
    verbose=0,
    time_budget=None,
    precision=None,
    progress=False,
    command=None,
    val_split=None,
):
    """Searches a space on CIFAR-10, documented architectures first.

    The training images are split into a stratified training and
    validation set (`validation_split`); trials are scored on the validation
    accuracy. The test set is read only with `evaluate=True`, once, to
    report the best model. With `documented_first=True` every documented
    architecture of the space (`hypermodel.documented_points()`) is
    evaluated before the tuner explores (see `enqueue_points`), so the
    best trial is never worse than the best documented point under the
    same budget.

    `tune` is a composition of steps, each a function of this module:
    the settings (`TuneSettings`), the run folder (`prepare_folder`, which
    refuses a search with other settings), the data (`load_search_data`),
    the tuner (`make_tuner`), the search, the evaluation of the best
    model and the results (`write_results`).

    Run the same call again to resume a stopped search: finished trials
    are kept, the one that was cut off is retried, and the search goes
    on. A folder holding a search with other settings is refused unless
    `overwrite=True`. With `time_budget`, no trial starts once that many
    seconds of search have passed (the running one finishes): the
    folder's status is then `"stopped"`, and the same call resumes.

    Distributed: with KerasTuner's `KERASTUNER_TUNER_ID`,
    `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT` set, the process
    whose id contains `"chief"` serves the oracle and writes the results
    when the workers are done; the others (ids such as `"tuner0"`) run
    trials. Run the same call in each process.

    Args:
        space: `"conv_stack"`, `"wide_resnet"` or `"transfer"`.
        tuner: `"hyperband"`, `"random"` or `"bayesian"`.
        epochs: int, epochs per trial (Hyperband: `max_epochs`).
            Defaults to `10`.
        max_trials: int, trials of a random or Bayesian search, documented
            points included. Defaults to `20`; not used by Hyperband.
        factor: int >= 2, Hyperband's reduction factor. Defaults to `3`.
        hyperband_iterations: int, Hyperband iterations. Defaults to `1`.
        batch_size: int. Defaults to `128`.
        data_dir: where CIFAR-10 is; see `datasets.load_cifar10`.
        subset: int, a class-balanced subset of the 50,000 training images
            to search on (before the validation split). Defaults to all.
        validation_split: float in (0, 1), the validation share. Defaults
            to 0.1.
        test_subset: int, a class-balanced subset of the test set for
            `evaluate`. Defaults to all 10,000 images.
        seed: int, seeds the data subsets, the split, the tuner and Keras.
        out: the run folder. Defaults to `runs/tune_{space}_{tuner}`.
        documented_first: bool, evaluate the documented points first.
        fixed: dict `{hyperparameter: value}` to fix (narrows the space);
            documented points that disagree are left out.
        options: dict of hypermodel constructor arguments, e.g.
            `{"max_stages": 3}` or `{"weights": None}`.
        early_stopping_patience: int, stop a trial after this many epochs
            without a better validation accuracy. Defaults to none.
        evaluate: bool, evaluate the best model on the test set.
        overwrite: bool, replace a search in `out` instead of resuming it.
        verbose: KerasTuner and `model.fit` verbosity (0, 1, 2, "auto").
        time_budget: seconds, or None (no limit): no trial starts once
            this session's search (after the data is loaded) has run that
            long; the trial running then finishes. May change when the
            search resumes.
        precision: the dtype policy every trial's model (and the best
            model, evaluated) is built under: `"float32"`,
            `"mixed_bfloat16"` or `"mixed_float16"`. Defaults to Keras'
            global policy.
        progress: bool, print one line per finished trial (see
            `progress_line`): its number out of the planned ones, its
            score, the best so far and its values. Independent of
            `verbose`.
        command: the command line that called `tune`, as a string or a
            list of strings (as `kcb train` takes it), recorded in
            `config.json` and `results.md`.
        val_split: deprecated name of `validation_split`.

    Returns:
        The run folder, a `Path`.

    Raises:
        ValueError: for an invalid argument, or a run folder holding a
            search with other settings.
    """
    settings = TuneSettings(
        space=space,
        tuner=tuner,
        epochs=epochs,
        max_trials=max_trials,
        factor=factor,
        hyperband_iterations=hyperband_iterations,
        batch_size=batch_size,
        subset=subset,
        validation_split=validation_split_argument(validation_split, val_split),
        test_subset=test_subset,
        seed=seed,
        documented_first=documented_first,
        fixed=fixed,
        options=options,
        early_stopping_patience=early_stopping_patience,
        evaluate=evaluate,
        verbose=verbose,
        time_budget=time_budget,
        precision=precision,
    )
    validation.boolean("overwrite", overwrite)
    validation.boolean("progress", progress)
    command = _command_line(command)
    out = Path(out if out is not None else f"runs/tune_{space}_{tuner}")
    role = process_role()
    hypermodel = get_hypermodel(
        space, **settings.options, dtype_policy=settings.precision
    )
    fixed_hp = _fixed_hyperparameters(hypermodel, settings.fixed)
    # The chief prepares the folder; a worker never deletes its project.
    overwrite = overwrite and role != "worker"
    prepare_folder(out, settings, overwrite, check=role != "worker")
    data = None if role == "chief" else load_search_data(data_dir, settings)

    keras.utils.set_random_seed(settings.seed)
    search_tuner = make_tuner(hypermodel, settings, fixed_hp, out, overwrite)
    queue = []
    if settings.documented_first:
        queue = _enqueue_documented(search_tuner, hypermodel)
    if role != "worker":
        start_session(out, settings, command, queue, _sizes(data))
    budget = _watch_oracle(search_tuner.oracle, settings, queue, progress)
    seconds = _search(search_tuner, settings, data)
    if role == "worker":
        return out

    test = (
        _evaluate(search_tuner, hypermodel, data_dir, settings)
        if settings.evaluate
        else None
    )
    stopped = budget is not None and budget["spent"]
    write_results(
        out, search_tuner, queue, settings, command, seconds, test, stopped
    )
    return out


# Arguments.


def _fixed_hyperparameters(hypermodel, fixed):
    if not fixed:
        return None
    # Completed values would fix every hyperparameter: fix only the given.
    values = base.check_values(hypermodel.space(), fixed, "fixed")
    hyperparameters = keras_tuner.HyperParameters()
    for key in fixed:
        hyperparameters.Fixed(key, values[key])
    return hyperparameters


def _command_line(command) -> str | None:
    """`command` as one shell-quoted string (None stays None)."""
    if command is None or isinstance(command, str):
        return command
    if isinstance(command, (list, tuple)) and all(
        isinstance(part, str) for part in command
    ):
        return shlex.join(command)
    raise TypeError(
        "Invalid type for argument `command`. Expected a string, a list "
        f"of strings or None. Received command={command!r}"
    )


def process_role() -> str:
    """`"single"`, or `"chief"`/`"worker"` in KerasTuner's distributed mode."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return "single"
    return (
        "chief"
        if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "")
        else "worker"
    )


# The run folder.


def _write_json(path: Path, data) -> None:
    run_dir.write_json(path, data, default=run_dir.to_json)


def prepare_folder(
    out, settings: TuneSettings, overwrite: bool, check: bool = True
) -> None:
    """Makes `out` ready for the search, or refuses it.

    With `overwrite`, the results of an earlier search are removed (the
    tuner replaces its project). Else a folder holding a search with
    other settings (besides `RESUMABLE_CHANGES`), or a KerasTuner project
    that `tune` did not write, is refused.

    Args:
        out: the run folder (created if missing).
        settings: the search's `TuneSettings`.
        overwrite: bool, whether an earlier search is replaced.
        check: bool, whether to check (or clear) what `out` holds; a
            distributed worker only creates the folder, which its chief
            checks. Defaults to `True`.

    Raises:
        ValueError: if `out` may not be used (see above).
    """
    out = Path(out)
    if check:
        _clear_or_refuse(out, settings, overwrite)
    out.mkdir(parents=True, exist_ok=True)


def _clear_or_refuse(out: Path, settings: TuneSettings, overwrite: bool):
    config_path = out / CONFIG
    if overwrite:
        for name in OUTPUTS:
            (out / name).unlink(missing_ok=True)
    elif config_path.exists():
        changed = run_dir.changed_settings(
            {
                **LEGACY_SETTINGS,
                **run_dir.read_json(config_path).get("settings", {}),
            },
            settings.as_config(),
            resumable=RESUMABLE_CHANGES,
            default=run_dir.to_json,
        )
        if changed:
            raise ValueError(
                f"The run folder '{out}' holds a search with other settings "
                f"({run_dir.describe_changes(changed)}). Pass overwrite=True "
                "to replace it, or another `out`."
            )
    elif (out / PROJECT / "oracle.json").exists():
        # (Distributed workers create `PROJECT` before the chief gets here,
        # but only an oracle writes `oracle.json`.)
        raise ValueError(
            f"The run folder '{out}' holds a KerasTuner project but no "
            f"{CONFIG}; it was not written by `tune`. Pass overwrite=True "
            "to replace it, or another `out`."
        )


def _versions() -> dict:
    """The versions a search records (`config.json`'s layout)."""
    environment = run_dir.environment()
    return {
        "python": environment["python"],
        "keras": keras.__version__,
        "keras_backend": environment["backend"],
        "numpy": environment["versions"]["numpy"],
        **run_dir.package_versions(
            ("keras-tuner", "keras-cifar-blocks"), missing=True
        ),
    }


def start_session(out, settings: TuneSettings, command, queue, sizes) -> None:
    """Records a new session of the search in `config.json` (`running`)."""
    path = Path(out) / CONFIG
    config = run_dir.read_json(path) if path.exists() else {}
    config.update(
        settings=settings.as_config(),
        status="running",
        documented_points=[name for name, _ in queue],
        versions=_versions(),
    )
    if sizes is not None:
        config["data"] = sizes
    config.setdefault("sessions", []).append(
        {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "command": command
            or " ".join([Path(sys.executable).name, *sys.argv]),
            "backend": keras.backend.backend(),
            "seconds": None,
        }
    )
    _write_json(path, config)


# Data.


def load_search_data(data_dir, settings: TuneSettings) -> dict:
    """The training and validation arrays of a search.

    A class-balanced `subset` of the CIFAR-10 training images (if smaller
    than the training set), split into stratified training and
    validation sets, both drawn with `seed`.

    Returns:
        A dict with `x_train`, `y_train`, `x_val`, `y_val`.
    """
    from keras_cifar_blocks.datasets import load_cifar10
    from keras_cifar_blocks.datasets import subset
    from keras_cifar_blocks.datasets import train_validation_split

    (images, labels), _ = load_cifar10(data_dir)
    if settings.subset is not None and settings.subset < len(images):
        images, labels = subset(
            images, labels, settings.subset, seed=settings.seed
        )
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        images, labels, settings.validation_split, seed=settings.seed
    )
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_val": x_val,
        "y_val": y_val,
    }


def _sizes(data) -> dict | None:
    if data is None:
        return None
    return {
        "train": int(len(data["x_train"])),
        "validation": int(len(data["x_val"])),
    }


# The tuner and the search.


def make_tuner(hypermodel, settings: TuneSettings, fixed_hp, out, overwrite):
    """The KerasTuner tuner of the search, its project in `out/search`."""
    common = {
        "hypermodel": hypermodel,
        "objective": OBJECTIVE,
        "seed": settings.seed,
        "hyperparameters": fixed_hp,
        "directory": str(out),
        "project_name": PROJECT,
        "overwrite": overwrite,
        # Every value of the spaces builds a model (documented points are
        # also checked when enqueued), so a failed trial is a real error
        # (out of memory, a broken install): stop after a few in a row.
        "max_consecutive_failed_trials": 3,
    }
    if settings.tuner == "hyperband":
        return keras_tuner.Hyperband(
            max_epochs=settings.epochs,
            factor=settings.factor,
            hyperband_iterations=settings.hyperband_iterations,
            **common,
        )
    tuner_class = (
        keras_tuner.RandomSearch
        if settings.tuner == "random"
        else keras_tuner.BayesianOptimization
    )
    return tuner_class(max_trials=settings.max_trials, **common)


def _watch_oracle(oracle, settings: TuneSettings, queue, progress: bool):
    """Progress lines and the time budget, on the oracle that decides.

    The oracle (here, or the chief's) decides which trial starts and sees
    each one end, also the workers' trials. Returns the budget's state
    (see `_stop_after`), or None without a budget or an oracle here.
    """
    if not isinstance(oracle, keras_tuner.Oracle):
        return None
    if progress:
        total = planned_trials(settings.as_config(), queue)
        _print_progress(oracle, queue, total)
    if settings.time_budget is None:
        return None
    return _stop_after(oracle, time.monotonic() + settings.time_budget)


def _search(search_tuner, settings: TuneSettings, data) -> float:
    """Runs the search; returns its seconds."""
    started = time.perf_counter()
    callbacks = []
    if settings.early_stopping_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=OBJECTIVE,
                mode="max",
                patience=settings.early_stopping_patience,
            )
        )
    fit_args = (data["x_train"], data["y_train"]) if data else (None, None)
    search_tuner.search(
        *fit_args,
        validation_data=(data["x_val"], data["y_val"]) if data else None,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        callbacks=callbacks,
        verbose=settings.verbose,
    )
    return time.perf_counter() - started


def _enqueue_documented(search_tuner, hypermodel):
    if not isinstance(search_tuner.oracle, keras_tuner.Oracle):
        return []  # a worker: the chief schedules the points
    space = search_tuner.oracle.get_space()
    points = {}
    for name, values in hypermodel.documented_points().items():
        try:
            base.check_values(space, values, name)
        except ValueError:
            continue  # outside the space `fixed` narrowed
        points[name] = values
    return enqueue_points(search_tuner, points)


def _stop_after(oracle, deadline) -> dict:
    """Makes `oracle` start no trial after `deadline` (`time.monotonic()`).

    KerasTuner's own way to end a search: the oracle answers `STOPPED`
    when asked for a trial, and each tuner (or distributed worker) asking
    stops; the trial running then finishes. Returns a dict whose
    `"spent"` turns True once a trial was refused.
    """
    state = {"spent": False}
    populate_space = oracle.populate_space

    def populate_space_within_budget(trial_id):
        if time.monotonic() >= deadline:
            state["spent"] = True
            return {"status": "STOPPED", "values": None}
        return populate_space(trial_id)

    oracle.populate_space = populate_space_within_budget
    return state


def planned_trials(settings, queue=()) -> int | None:
    """How many trials a search of `tune(**settings)` runs in all.

    `max_trials` for random and Bayesian search (documented points
    included); for Hyperband, the documented points plus the trials of
    its brackets, as KerasTuner's `HyperbandOracle` plans them. None if
    unknown.
    """
    if settings["tuner"] != "hyperband":
        return settings.get("max_trials")
    max_epochs, factor = settings["epochs"], settings["factor"]
    brackets, epochs = 0, max_epochs
    while epochs >= 1:
        epochs /= factor
        brackets += 1
    last_round = math.ceil(1 + math.log(max_epochs, factor))
    per_iteration = sum(
        math.ceil(last_round / (bracket + 1) * factor ** (bracket - round_))
        for bracket in range(brackets)
        for round_ in range(bracket + 1)
    )
    return len(queue) + settings["hyperband_iterations"] * per_iteration


def _print_progress(oracle, queue, total) -> None:
    """Prints `progress_line` each time `oracle` ends a trial for good."""
    end_trial = oracle.end_trial

    def end_trial_and_print(trial):
        end_trial(trial)
        if trial.trial_id in oracle.end_order:  # not sent for a retry
            print(progress_line(_progress(oracle, trial, queue, total)))
            sys.stdout.flush()

    oracle.end_trial = end_trial_and_print


def _progress(oracle, trial, queue, total) -> dict:
    names = list(queue)
    trial = oracle.trials[trial.trial_id]
    record = _record(trial, names)
    best = oracle.get_best_trials(1)
    return {
        "number": len(oracle.end_order),
        "total": total,
        "trial": record,
        "best": _record(best[0], names) if best else None,
    }


def progress_line(report) -> str:
    """One line on a finished trial, as `kcb tune` prints it.

    Args:
        report: dict with `number` (trials finished so far), `total`
            (planned trials, or None), `trial` and `best` (records as in
            `trial_records`; `best` may be None).

    Example:

    >>> from keras_cifar_blocks.hypermodels.tune import progress_line
    >>> trial = {"trial_id": "3", "status": "COMPLETED", "score": 0.41,
    ...          "point": None, "epochs": None, "continues": None,
    ...          "values": {"stages": 2, "learning_rate": 0.0012345}}
    >>> best = dict(trial, trial_id="1", score=0.45, point="li2018_model1")
    >>> report = {"number": 4, "total": 20, "trial": trial, "best": best}
    >>> progress_line(report)[:59]
    'trial 4 of 20 (id 3): val_accuracy 0.4100, best 0.4500 (tri'
    >>> progress_line(report)[59:]
    'al 1, li2018_model1); stages=2 learning_rate=0.00123'
    """
    trial, best = report["trial"], report["best"]
    total = "?" if report["total"] is None else report["total"]
    label = f"id {trial['trial_id']}"
    if trial["point"]:
        label += f", {trial['point']}"
    if trial["score"] is not None:
        outcome = f"{OBJECTIVE} {trial['score']:.4f}"
    else:
        outcome = trial["status"].lower()
    if best is not None and best["score"] is not None:
        about = f"trial {best['trial_id']}"
        if best["point"]:
            about += f", {best['point']}"
        outcome += f", best {best['score']:.4f} ({about})"
    if trial["continues"]:
        outcome += (
            f"; epochs {trial['initial_epoch']}-{trial['epochs']} (continues "
            f"trial {trial['continues']})"
        )
    elif trial["epochs"] is not None:
        epochs = trial["epochs"]
        outcome += f"; {epochs} epoch{'s' if epochs != 1 else ''}"
    return (
        f"trial {report['number']} of {total} ({label}): {outcome}; "
        f"{format_values(trial['values'], ' ')}"
    )


# Results.


def _evaluate(search_tuner, hypermodel, data_dir, settings):
    from keras_cifar_blocks.datasets import load_cifar10
    from keras_cifar_blocks.datasets import subset

    best = search_tuner.oracle.get_best_trials(1)
    if not best or best[0].status != "COMPLETED":
        return None
    _, (x_test, y_test) = load_cifar10(data_dir)
    test_subset = settings.test_subset
    if test_subset is not None and test_subset < len(x_test):
        x_test, y_test = subset(x_test, y_test, test_subset, seed=settings.seed)
    with warnings.catch_warnings():
        # The checkpoint holds the optimizer's state, which an evaluation
        # does not need; Keras says so when the weights are loaded.
        warnings.filterwarnings(
            "ignore", message="Skipping variable loading for optimizer"
        )
        model = search_tuner.get_best_models(1)[0]
    loss, accuracy = model.evaluate(
        hypermodel.preprocess(best[0].hyperparameters, x_test),
        y_test,
        batch_size=settings.batch_size,
        verbose=0,
    )
    return {
        "trial_id": best[0].trial_id,
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "test_images": int(len(x_test)),
        "parameters": int(model.count_params()),
    }


def trial_records(oracle, queue=()) -> list[dict]:
    """One dict per trial of an oracle, in the order trials started.

    Args:
        oracle: a KerasTuner oracle, e.g. `tuner.oracle`.
        queue: the `(name, values)` pairs `enqueue_points` returned; trials
            with those values get `"point"` set to the name.

    Returns:
        A list of dicts with `trial_id`, `status`, `score` (best
        validation accuracy, `None` unless completed), `best_epoch`,
        `epochs` (the last epoch trained to), `initial_epoch`,
        `continues` (the trial a Hyperband round continues, or `None`),
        `point` (a documented name or `None`), `parameters` (the model's
        parameter count) and `seconds` (its training time; both `None`
        when the trial did not record them) and `values`.
    """
    names = list(queue)
    return [
        _record(trial, names)
        for trial in sorted(
            oracle.trials.values(), key=lambda trial: int(trial.trial_id)
        )
    ]


def _record(trial, names) -> dict:
    values = point_values(trial)
    raw = trial.hyperparameters.values
    return {
        "trial_id": trial.trial_id,
        "status": trial.status,
        "score": (
            float(trial.score)
            if trial.status == "COMPLETED" and trial.score is not None
            else None
        ),
        "best_epoch": trial.best_step,
        "epochs": raw.get("tuner/epochs"),
        "initial_epoch": raw.get("tuner/initial_epoch", 0),
        "continues": raw.get("tuner/trial_id"),
        "point": next((name for name, point in names if point == values), None),
        "parameters": _metric(trial, base.PARAMETERS, int),
        "seconds": _metric(
            trial, base.SECONDS, lambda seconds: round(seconds, 1)
        ),
        "values": values,
    }


def _metric(trial, name, convert):
    if not trial.metrics.exists(name):
        return None
    return convert(trial.metrics.get_last_value(name))


def _best(records, point_only=False):
    completed = [
        record
        for record in records
        if record["score"] is not None and (record["point"] or not point_only)
    ]
    return max(completed, key=lambda record: record["score"], default=None)


def write_results(
    out, search_tuner, queue, settings, command, seconds, test, stopped
) -> None:
    """Writes `trials.json`, `best.json`, `results.md` and the plots.

    Also ends the session in `config.json`: its seconds, and the status
    `"complete"`, or `"stopped"` when the time budget ended it.
    """
    out = Path(out)
    records = trial_records(search_tuner.oracle, queue)
    for record in records:
        if record["epochs"] is None:
            record["epochs"] = settings.epochs
    summary = _summary(records, test, search_tuner.hypermodel)
    _write_json(out / TRIALS, records)
    _write_json(out / BEST, summary)
    config = run_dir.read_json(out / CONFIG)
    config["status"] = "stopped" if stopped else "complete"
    config["sessions"][-1]["seconds"] = round(seconds, 1)
    config["sessions"][-1]["time_budget_spent"] = stopped
    _write_json(out / CONFIG, config)
    run_dir.write_text(
        out / RESULTS, results_markdown(config, records, summary, command)
    )
    plot_study(records, out, title=f"{settings.space} search")


def _summary(records, test, hypermodel=None) -> dict:
    """`best.json`: the best trial, the best documented one, the test,
    and the best trial as a change of the best documented architecture
    (`CifarHyperModel.architecture_of`) with its `kcb train` line."""
    best = _best(records)
    best_point = _best(records, point_only=True)
    change = None
    if (
        isinstance(hypermodel, base.CifarHyperModel)
        and best is not None
        and best_point is not None
        and best["point"] is None
    ):
        change = hypermodel.architecture_of(best["values"], best_point["point"])
        change["command"] = train_command(change)
    return {
        "objective": OBJECTIVE,
        "best": best,
        "best_documented": best_point,
        "best_at_least_best_documented": (
            None
            if best is None or best_point is None
            else best["score"] >= best_point["score"]
        ),
        "trials": len(records),
        "completed": sum(record["status"] == "COMPLETED" for record in records),
        "test": test,
        "best_as_documented_change": change,
    }


def format_values(values, separator=", ") -> str:
    """`key=value` pairs, floats to 3 significant digits."""
    return separator.join(
        f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in values.items()
    )


def results_markdown(config, records, summary, command=None) -> str:
    """The `results.md` of a run folder: settings and the trials table."""
    settings = config["settings"]
    sessions = config.get("sessions", [])
    lines = [
        f"# Search: {settings['space']} with {settings['tuner']}",
        "",
    ]
    shown = command or (sessions[-1]["command"] if sessions else None)
    if shown:
        lines += ["Command:", "", "```bash", shown, "```", ""]
    data = config.get("data")
    if data:
        lines.append(
            f"Data: CIFAR-10, {data['train']} training and "
            f"{data['validation']} validation images (stratified split of "
            "the training set); trials are scored on validation accuracy."
        )
    lines.append(
        "Settings: "
        + ", ".join(
            f"{key}={value}"
            for key, value in settings.items()
            if key not in ("space", "tuner", "verbose")
            and value not in (None, {})
        )
        + "."
    )
    seconds = sum(session["seconds"] or 0 for session in sessions)
    lines.append(
        f"Time: {seconds:.0f} s of search on the "
        f"{config['versions']['keras_backend']} backend "
        f"(keras {config['versions']['keras']}, keras-tuner "
        f"{config['versions']['keras-tuner']})."
    )
    lines.append("")
    best, point = summary["best"], summary["best_documented"]
    if best:
        lines.append(
            f"Best: trial {best['trial_id']}"
            + (f" ({best['point']})" if best["point"] else "")
            + f", validation accuracy {best['score']:.4f}."
        )
    if point:
        lines.append(
            f"Best documented point: {point['point']} (trial "
            f"{point['trial_id']}), validation accuracy {point['score']:.4f}."
        )
    if summary["test"]:
        test = summary["test"]
        lines.append(
            f"Test accuracy of the best model (trial {test['trial_id']}, "
            f"{test['parameters']:,} parameters, {test['test_images']} test "
            f"images, evaluated once): {test['test_accuracy']:.4f}."
        )
    change = summary.get("best_as_documented_change")
    if change:
        lines += [
            "",
            f"The best trial is `{change['architecture']}` changed; to train "
            "it with that architecture's recipe (its epochs, schedule, "
            "augmentation and batch size; the optimizer, learning rate and "
            "input scaling of the search):",
            "",
            "```bash",
            change["command"],
            "```",
            "",
        ]
    if config.get("status") == "stopped":
        planned = planned_trials(settings, config.get("documented_points", []))
        lines.append(
            f"Stopped by the time budget ({settings['time_budget']} s) after "
            f"{len(records)} of {planned or '?'} planned trials: run the same "
            "command again to go on."
        )
    lines += ["", trials_markdown(records)]
    return "\n".join(lines)
