"""The `kcb` command line."""

import argparse
import json
import pickle
import sys
from pathlib import Path

from keras_cifar_blocks.utils.command_line import key_value

# The errors a command reports in one line (exit status 2), rather than
# with a traceback: bad arguments, missing or crafted data (the CIFAR
# loader refuses a pickle that asks for code with an UnpicklingError), a
# corrupt or refused run folder.
USER_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    ValueError,
    TypeError,
    pickle.UnpicklingError,
)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= 1, got {text}"
        )
    return value


def _verbosity(text: str):
    if text == "auto":
        return text
    if text in ("0", "1", "2"):
        return int(text)
    raise argparse.ArgumentTypeError(f"expected auto, 0, 1 or 2, got {text}")


def _override(text: str) -> tuple[str, object]:
    """`KEY=VALUE`; the value is read as JSON when it parses (0.3, null,
    [0.2, 0.3], true), else kept as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE (e.g. dropout=0.3), got {text!r}"
        )
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


class _RecordedFlag(argparse.Action):
    """Stores a flag's value and records the flag as given.

    `kcb reproduce` records, with each row, the flags it was run with:
    argparse says which were given, in their order, as it parses them
    (`args.recorded_flags`), so nothing parses the command line again.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.recorded_flags = [
            *namespace.recorded_flags,
            option_string,
            str(values),
        ]


class _RecordedAppend(_RecordedFlag):
    """A repeatable `_RecordedFlag`: appends each value, records each."""

    def __call__(self, parser, namespace, values, option_string=None):
        previous = getattr(namespace, self.dest, None) or []
        setattr(namespace, self.dest, [*previous, values])
        namespace.recorded_flags = [
            *namespace.recorded_flags,
            option_string,
            key_value(*values),
        ]


_RECIPE_HELP = (
    "change a recipe field for this run, e.g. --recipe "
    "input_normalization=standardize_per_channel or --recipe "
    "optimizer_options.epsilon=1e-14 (repeatable; values are read as JSON; "
    "schedule, early_stopping and lookahead take only null, off)"
)


def _add_image_count(parser, flag: str, help: str, action="store") -> None:
    """`--subset` or `--test-subset`: a number of images, default all."""
    parser.add_argument(
        flag,
        action=action,
        type=_positive_int,
        default=None,
        metavar="N",
        help=help,
    )


def _add_validation_split(parser, help: str) -> None:
    parser.add_argument(
        "--validation-split",
        "--val-split",  # The former name, still accepted.
        dest="validation_split",
        type=float,
        default=0.1,
        help=help,
    )


def _add_precision(parser, help: str, action="store") -> None:
    """`--precision`: a dtype policy name, default None (the command's)."""
    parser.add_argument(
        "--precision",
        action=action,
        choices=("float32", "mixed_bfloat16", "mixed_float16"),
        default=None,
        help=help,
    )


def _add_data_dir(parser: argparse.ArgumentParser, action="store") -> None:
    parser.add_argument(
        "--data-dir",
        action=action,
        default=None,
        help="folder with the dataset's archive or extracted folder, e.g. "
        "cifar-10-python.tar.gz (default: $KCB_DATA_DIR, then the Keras "
        "cache, then download)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kcb",
        description="keras-cifar-blocks: Keras 3 blocks for CIFAR-sized "
        "image classifiers. The backend is chosen with KERAS_BACKEND "
        "(tensorflow, jax or torch).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser(
        "list",
        help="list the documented architectures: parameters, documented "
        "accuracy, source",
    )
    listing.add_argument(
        "--json", action="store_true", help="print the list as JSON"
    )
    listing.add_argument(
        "--reproductions",
        default=None,
        metavar="DIR",
        help="results folder of `kcb reproduce` whose complete rows fill "
        "the REPRODUCED column (default: ./reproductions, else the "
        "checkout's reproductions/)",
    )

    train = commands.add_parser(
        "train",
        help="train a documented architecture with its recipe and write a "
        "run folder with its report",
        description="Train NAME with its documented recipe (optimizer, "
        "schedule, batch size, epochs, loss, augmentation, input "
        "normalization, early stopping), keep the best model on a "
        "stratified validation split, evaluate it on the test set and "
        "write config.json, history.json, model.keras, metrics.json, plots "
        "and report.md into the run folder. Run the same command again "
        "to resume an interrupted run.",
    )
    train.add_argument("name", help="architecture name (see `kcb list`)")
    train.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="most epochs (default: the recipe's)",
    )
    train.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="global batch size (default: the recipe's)",
    )
    _add_data_dir(train)
    _add_image_count(
        train,
        "--subset",
        "train on a class-balanced subset of N training images "
        "(validation included; default: all)",
    )
    _add_image_count(
        train,
        "--test-subset",
        "evaluate on a class-balanced subset of N test images (default: all)",
    )
    _add_validation_split(
        train,
        "share of the training images held out for validation "
        "(stratified; default: 0.1); 0 trains on all of them and keeps "
        "the last epoch's model",
    )
    train.add_argument(
        "--images",
        default=None,
        metavar="DIR",
        help="train on your own images: a folder with one sub-folder per "
        "class (resized to 32x32) instead of CIFAR",
    )
    train.add_argument(
        "--test-images",
        default=None,
        metavar="DIR",
        help="with --images: a test folder with the same sub-folders "
        "(default: a stratified 10%% of --images)",
    )
    train.add_argument(
        "--validate-on-test",
        action="store_true",
        help="with --validation-split 0: watch the test set after every "
        "epoch, as the seed reports did (for reproductions, not model "
        "selection)",
    )
    train.add_argument(
        "--keep",
        choices=("best", "last"),
        default=None,
        help="which epoch's model is saved and tested: best (validation "
        "accuracy; the default with validation data) or last",
    )
    _add_precision(
        train,
        "dtype policy to train under (default: Keras' global policy, float32)",
    )
    train.add_argument("--seed", type=int, default=0, help="default: 0")
    train.add_argument(
        "--out", default=None, help="run folder (default: runs/NAME)"
    )
    train.add_argument(
        "--override",
        type=_override,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a field of the architecture's config, e.g. --override "
        "dropout=0.3 or --override filters=[64,128,256] (repeatable; values "
        "are read as JSON; an unknown key lists the valid ones)",
    )
    train.add_argument(
        "--recipe",
        type=_override,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=_RECIPE_HELP,
    )
    train.add_argument(
        "--no-augment",
        action="store_true",
        help="do not apply the recipe's augmentation",
    )
    train.add_argument(
        "--distribute",
        action="store_true",
        help="data-parallel on all devices: keras.distribution.DataParallel "
        "(JAX) or tf.distribute.MirroredStrategy (TensorFlow)",
    )
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a run of the same architecture in --out instead of "
        "resuming it",
    )
    train.add_argument(
        "--verbose",
        type=_verbosity,
        default="auto",
        help="Keras verbosity: auto (progress bars), 0, 1 or 2",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a run folder's model on the test set and rewrite "
        "its metrics, plots and report",
    )
    evaluate.add_argument("run_dir", help="a folder written by `kcb train`")
    _add_data_dir(evaluate)

    predict = commands.add_parser(
        "predict",
        help="classify PNG/JPEG images with a run folder's model",
        description="Load RUN_DIR's model with its input normalization, "
        "resize each image to the model's input, and print its most "
        "probable classes (with the recipe's test-time augmentation, as "
        "`kcb evaluate`).",
    )
    predict.add_argument("run_dir", help="a folder written by `kcb train`")
    predict.add_argument(
        "images",
        nargs="+",
        metavar="IMAGE",
        help="PNG or JPEG files, or folders of them",
    )
    predict.add_argument(
        "--top-k",
        type=_positive_int,
        default=1,
        help="classes to print per image (default: 1)",
    )
    predict.add_argument(
        "--json", action="store_true", help="print the predictions as JSON"
    )

    demo = commands.add_parser(
        "demo",
        help="train li2018_model1 on a CIFAR-10 subset for a few epochs, "
        "print its test accuracy and the report folder",
    )
    _add_data_dir(demo)
    demo.add_argument(
        "--train-size",
        type=_positive_int,
        default=5_000,
        help="training images, validation included (default: 5000)",
    )
    demo.add_argument(
        "--test-size",
        type=_positive_int,
        default=None,
        help="evaluate on a balanced subset of the test set (default: all)",
    )
    demo.add_argument("--epochs", type=_positive_int, default=3)
    demo.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="default: the recipe's",
    )
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--out", default="runs/demo", help="run folder (default: runs/demo)"
    )
    demo.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a run in --out made with other settings (a previous "
        "demo with the same settings is always replaced)",
    )
    demo.add_argument(
        "--json", action="store_true", help="print the result as JSON"
    )

    _add_tune_parser(commands)
    _add_reproduce_parser(commands)

    info = commands.add_parser(
        "info", help="print versions and the active backend"
    )
    info.add_argument(
        "--devices",
        action="store_true",
        help="also list every device the active backend sees (GPUs "
        "first; a GPU missing there is one the installed build cannot use)",
    )
    return parser


def _add_tune_parser(commands) -> None:
    tune = commands.add_parser(
        "tune",
        help="run a seeded KerasTuner search over a space of our blocks "
        "and write a run folder with its trials table and plot",
        description="Search SPACE on CIFAR-10: the documented "
        "architectures of the space are evaluated first, then the tuner "
        "explores. Trials are scored on a stratified validation split of "
        "the training set; the test set is read only with --evaluate, "
        "once, for the best model. The run folder holds config.json, "
        "KerasTuner's project (search/), trials.json, results.md, "
        "best.json and plots (search*.png). Each finished trial prints "
        "one line: its number out of the planned ones, its score, the "
        "best so far and its values. Run the same command again to "
        "resume a stopped search. For distributed tuning set "
        "KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and "
        "KERASTUNER_ORACLE_PORT in each process (see docs/tuning.md).",
    )
    tune.add_argument(
        "space",
        help="search space: conv_stack, wide_resnet or transfer",
    )
    tune.add_argument(
        "--tuner",
        default="hyperband",
        help="hyperband (default), random or bayesian",
    )
    tune.add_argument(
        "--epochs",
        type=_positive_int,
        default=10,
        help="epochs per trial; Hyperband's max_epochs (default: 10)",
    )
    tune.add_argument(
        "--max-trials",
        type=_positive_int,
        default=None,
        help="trials of a random or Bayesian search, documented points "
        "included (default: 20)",
    )
    tune.add_argument(
        "--factor",
        type=int,
        default=3,
        help="Hyperband's reduction factor (default: 3)",
    )
    tune.add_argument(
        "--hyperband-iterations",
        type=_positive_int,
        default=1,
        help="Hyperband iterations (default: 1)",
    )
    tune.add_argument(
        "--batch-size", type=_positive_int, default=128, help="default: 128"
    )
    _add_data_dir(tune)
    _add_image_count(
        tune,
        "--subset",
        "search on a class-balanced subset of N training images "
        "(validation included; default: all)",
    )
    _add_validation_split(
        tune,
        "share of the training images held out for validation "
        "(stratified; default: 0.1)",
    )
    _add_image_count(
        tune,
        "--test-subset",
        "with --evaluate: a class-balanced subset of N test images "
        "(default: all)",
    )
    tune.add_argument("--seed", type=int, default=0, help="default: 0")
    tune.add_argument(
        "--out",
        default=None,
        help="run folder (default: runs/tune_SPACE_TUNER)",
    )
    tune.add_argument(
        "--fix",
        type=_override,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fix a hyperparameter, narrowing the space, e.g. --fix "
        "activation=mish (repeatable; values are read as JSON)",
    )
    tune.add_argument(
        "--option",
        type=_override,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="hypermodel constructor argument, e.g. --option max_stages=3 "
        "or --option weights=null (repeatable; values are read as JSON)",
    )
    tune.add_argument(
        "--no-documented-first",
        action="store_true",
        help="do not evaluate the documented architectures first",
    )
    tune.add_argument(
        "--early-stopping-patience",
        type=_positive_int,
        default=None,
        metavar="N",
        help="stop a trial after N epochs without a better validation "
        "accuracy (default: never)",
    )
    tune.add_argument(
        "--evaluate",
        action="store_true",
        help="evaluate the best model on the test set at the end",
    )
    tune.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a search in --out instead of resuming it",
    )

    def seconds(text: str) -> float:
        value = float(text)
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(
                f"expected a number of seconds > 0, got {text}"
            )
        return value

    tune.add_argument(
        "--time-budget",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="start no trial once the search (after loading the data) "
        "has run SECONDS; the trial running then finishes, and the same "
        "command resumes the search, with the same or another budget "
        "(default: none)",
    )
    _add_precision(
        tune,
        "dtype policy every trial trains under, e.g. mixed_bfloat16 "
        "(default: Keras' global policy, float32)",
    )
    tune.add_argument(
        "--verbose",
        type=_verbosity,
        default=1,
        help="KerasTuner and Keras verbosity: auto, 0, 1 (default) or 2; "
        "the one-line progress of each finished trial is printed at any "
        "verbosity",
    )


def _add_reproduce_parser(commands) -> None:
    reproduce = commands.add_parser(
        "reproduce",
        help="train documented architectures exactly as their reports did "
        "and compare with the documented accuracy",
        description="Train each NAME with its report's recipe and data "
        "protocol (what it trained and validated on, which epoch's "
        "accuracy it gives; see recipe(NAME).protocol) in a run folder "
        "under --runs-dir, and export its config, history, metrics, "
        "report and plots with a reproduction.json summary to "
        "--results-dir/ROW after every epoch, with the table in "
        "--results-dir/README.md. Run the same command again to resume "
        "a stopped run from its last finished epoch.",
    )
    reproduce.set_defaults(recorded_flags=[])
    reproduce.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="architecture names (see `kcb list`)",
    )
    reproduce.add_argument(
        "--all",
        action="store_true",
        help="every architecture of the registry, one after the other",
    )
    reproduce.add_argument(
        "--table",
        action="store_true",
        help="only rewrite the table of --results-dir from its rows",
    )
    reproduce.add_argument(
        "--estimates",
        action="store_true",
        help="only write each architecture's training FLOPs and CPU/GPU "
        "time estimates into --results-dir (estimates.json, README.md)",
    )
    _add_precision(
        reproduce,
        "dtype policy (default: mixed_bfloat16 on TensorFlow, float32 "
        "on JAX and PyTorch); another precision is its own row, "
        "NAME-PRECISION",
        action=_RecordedFlag,
    )
    reproduce.add_argument(
        "--runs-dir",
        action=_RecordedFlag,
        default="runs/reproductions",
        help="where the run folders (with model.keras and the resume "
        "backup) go (default: runs/reproductions)",
    )
    reproduce.add_argument(
        "--results-dir",
        action=_RecordedFlag,
        default="reproductions",
        help="where the rows and the table go (default: reproductions)",
    )
    _add_data_dir(reproduce, action=_RecordedFlag)
    reproduce.add_argument(
        "--seed", action=_RecordedFlag, type=int, default=0, help="default: 0"
    )
    reproduce.add_argument(
        "--epochs",
        action=_RecordedFlag,
        type=_positive_int,
        default=None,
        help="fewer epochs, to check the protocol quickly (the row is "
        "marked as not the full protocol)",
    )
    _add_image_count(
        reproduce,
        "--subset",
        "a class-balanced subset of N training images, to check the "
        "protocol quickly (marked as not the full protocol)",
        action=_RecordedFlag,
    )
    _add_image_count(
        reproduce,
        "--test-subset",
        "a class-balanced subset of N test images (marked as not the "
        "full protocol)",
        action=_RecordedFlag,
    )
    reproduce.add_argument(
        "--recipe",
        action=_RecordedAppend,
        type=_override,
        default=[],
        metavar="KEY=VALUE",
        help=_RECIPE_HELP + "; the row is a variant, NAME-KEY=VALUE, not "
        "the architecture's reproduction",
    )
    reproduce.add_argument(
        "--verbose",
        action=_RecordedFlag,
        type=_verbosity,
        default="auto",
        help="Keras verbosity: auto (progress bars), 0, 1 or 2",
    )


def _reproduce(args) -> int:
    from keras_cifar_blocks.architectures import get_architecture
    from keras_cifar_blocks.architectures import names
    from keras_cifar_blocks.training.reproduction import reproduce
    from keras_cifar_blocks.training.reproduction import write_estimates
    from keras_cifar_blocks.training.reproduction import write_table

    if args.table:
        print(f"Table: {write_table(args.results_dir)}")
        return 0
    if args.estimates:
        print(f"Estimates: {write_estimates(args.results_dir)}")
        return 0
    if args.all == bool(args.names):
        raise ValueError(
            "Invalid arguments. Expected architecture names or --all (not "
            f"both). Received names={args.names}, --all={args.all}"
        )
    selected = names() if args.all else args.names
    for name in selected:  # Every name is checked before any training.
        get_architecture(name).recipe.with_overrides(dict(args.recipe))
    for name in selected:
        row = reproduce(
            name,
            runs_dir=args.runs_dir,
            results_dir=args.results_dir,
            data_dir=args.data_dir,
            precision=args.precision,
            seed=args.seed,
            epochs=args.epochs,
            subset=args.subset,
            test_subset=args.test_subset,
            recipe_overrides=dict(args.recipe) or None,
            verbose=args.verbose,
            command=["kcb", "reproduce", name, *args.recorded_flags],
        )
        documented = row["documented"]
        reported = row["protocol"]["reported"]
        print(
            f"{name}: {row['ours']:.2%} test accuracy ({reported} epoch, "
            f"{row['epochs_run']} epochs, "
            f"{row['wall_seconds'] / 60:.0f} min); documented "
            f"{documented['text']}: {row['difference_points']:+.2f} points."
        )
    print(f"Table: {Path(args.results_dir) / 'README.md'}")
    return 0


def _info(devices: bool = False) -> dict:
    import keras

    import keras_cifar_blocks

    backend = keras.backend.backend()
    info = {
        "keras_cifar_blocks": keras_cifar_blocks.__version__,
        "keras": keras.__version__,
        "backend": backend,
        # Keras has imported the backend's package by now.
        "backend_version": getattr(
            sys.modules.get(backend), "__version__", None
        ),
        "python": sys.version.split()[0],
        "layers": keras_cifar_blocks.layers.__all__,
    }
    if devices:
        from keras_cifar_blocks.utils.devices import list_devices

        info["devices"] = list_devices()
    return info


def _reproductions_dir(given) -> Path | None:
    """The folder `kcb list` reads reproduced accuracies from."""
    if given is not None:
        if not Path(given).is_dir():
            raise FileNotFoundError(
                "Invalid value for argument `--reproductions`. Expected a "
                f"folder written by `kcb reproduce`. Received '{given}'"
            )
        return Path(given)
    for candidate in (
        Path("reproductions"),
        Path(__file__).resolve().parents[2] / "reproductions",
    ):
        if candidate.is_dir():
            return candidate
    return None


def architecture_table(reproductions=None) -> list[dict]:
    """One dict per architecture: what `kcb list` prints.

    Args:
        reproductions: optional results folder of `kcb reproduce`; each
            architecture's complete, full-protocol row there fills
            `"reproduced"` (else `None`).
    """
    from keras_cifar_blocks.architectures import get_architecture
    from keras_cifar_blocks.architectures import names
    from keras_cifar_blocks.training.reproduction import reproduced_accuracies

    reproduced = (
        {} if reproductions is None else reproduced_accuracies(reproductions)
    )
    rows = []
    for name in names():
        entry = get_architecture(name)
        accuracy = entry.recipe.accuracy
        source = entry.recipe.source
        rows.append(
            {
                "name": name,
                "parameters": entry.parameters,
                "trainable_parameters": entry.trainable_parameters
                or entry.parameters,
                "dataset": entry.dataset,
                "documented_accuracy": {
                    "value": accuracy.value,
                    "dataset": accuracy.dataset,
                    "split": accuracy.split,
                    "note": accuracy.note,
                    "text": str(accuracy),
                },
                "source": {
                    "citation": source.citation,
                    "sections": list(source.sections),
                    "report": source.report,
                    # The name this key had first; kept for scripts.
                    "seed": source.report,
                },
                "description": entry.description,
                "reproduced": _reproduced(reproduced.get(name)),
            }
        )
    return rows


def _reproduced(summary) -> dict | None:
    if summary is None:
        return None
    keys = ("ours", "difference_points", "epochs_run", "backend", "precision")
    return {key: summary[key] for key in keys}


def _print_table(rows: list[dict]) -> None:
    header = (
        "NAME",
        "PARAMETERS",
        "DOCUMENTED ACCURACY",
        "REPRODUCED",
        "SOURCE",
    )
    lines = [
        (
            row["name"],
            f"{row['parameters']:,}",
            row["documented_accuracy"]["text"],
            "-"
            if row["reproduced"] is None
            else f"{row['reproduced']['ours']:.2%}",
            row["source"]["citation"],
        )
        for row in rows
    ]
    widths = [
        max(len(line[column]) for line in [header, *lines])
        for column in range(4)
    ]
    for line in [header, *lines]:
        print(
            f"{line[0]:<{widths[0]}}  {line[1]:>{widths[1]}}  "
            f"{line[2]:<{widths[2]}}  {line[3]:>{widths[3]}}  {line[4]}"
        )


def _train(args, argv) -> int:
    from keras_cifar_blocks.training import train
    from keras_cifar_blocks.training.run_dir import METRICS
    from keras_cifar_blocks.training.run_dir import read_json

    run = train(
        args.name,
        epochs=args.epochs,
        batch_size=args.batch_size,
        data_dir=args.data_dir,
        subset=args.subset,
        test_subset=args.test_subset,
        validation_split=args.validation_split,
        seed=args.seed,
        out=args.out,
        overrides=dict(args.override) or None,
        recipe_overrides=dict(args.recipe) or None,
        augment=not args.no_augment,
        distribute=args.distribute,
        overwrite=args.overwrite,
        verbose=args.verbose,
        command=["kcb", *argv],
        validate_on_test=args.validate_on_test,
        keep=args.keep,
        precision=args.precision,
        images=args.images,
        test_images=args.test_images,
    )
    _print_result(read_json(run / METRICS), run)
    return 0


def _tune(args, argv) -> int:
    # Imported here: KerasTuner is an optional dependency, and without it
    # `hypermodels` raises an ImportError whose message is the install
    # line; that line is the whole answer, not a traceback.
    try:
        from keras_cifar_blocks.hypermodels import tune
    except ImportError as error:
        print(f"kcb tune: error: {error}", file=sys.stderr)
        return 2
    from keras_cifar_blocks.hypermodels.tune import BEST
    from keras_cifar_blocks.hypermodels.tune import process_role
    from keras_cifar_blocks.training.run_dir import read_json

    run = tune(
        args.space,
        tuner=args.tuner,
        epochs=args.epochs,
        max_trials=args.max_trials,
        factor=args.factor,
        hyperband_iterations=args.hyperband_iterations,
        batch_size=args.batch_size,
        data_dir=args.data_dir,
        subset=args.subset,
        validation_split=args.validation_split,
        test_subset=args.test_subset,
        seed=args.seed,
        out=args.out,
        documented_first=not args.no_documented_first,
        fixed=dict(args.fix),
        options=dict(args.option),
        early_stopping_patience=args.early_stopping_patience,
        evaluate=args.evaluate,
        overwrite=args.overwrite,
        verbose=args.verbose,
        time_budget=args.time_budget,
        precision=args.precision,
        progress=True,
        command=["kcb", *argv],
    )
    if process_role() == "worker":
        print(f"Trials done; the chief writes the results into {run}")
        return 0
    summary = read_json(run / BEST)
    best, documented = summary["best"], summary["best_documented"]
    stopped = read_json(run / "config.json")["status"] == "stopped"
    if stopped:
        print(
            f"Time budget of {args.time_budget:g} s spent after "
            f"{summary['trials']} trial(s); run the same command again to "
            "go on."
        )
    if best is None:
        print(f"No trial completed; see {run / 'results.md'}")
        return 1
    print(
        f"Best of {summary['completed']} completed trial(s): trial "
        f"{best['trial_id']}, validation accuracy {best['score']:.4f}"
        + (f" ({best['point']})" if best["point"] else "")
    )
    if documented is not None:
        print(
            f"Best documented point: {documented['point']}, validation "
            f"accuracy {documented['score']:.4f}"
        )
    test = summary["test"]
    if test is not None:
        print(
            f"Test accuracy of the best model: {test['test_accuracy']:.2%} "
            f"on {test['test_images']:,} test images"
        )
    change = summary.get("best_as_documented_change")
    if change is not None:
        print(
            "To train the best trial with the recipe of "
            f"{change['architecture']}:\n  {change['command']}"
        )
    print(f"Run folder: {run}")
    return 0


def _predict(args) -> int:
    from keras_cifar_blocks.training import predict_files

    predictions = predict_files(args.run_dir, args.images, top_k=args.top_k)
    if args.json:
        print(json.dumps(predictions, indent=2))
        return 0
    for prediction in predictions:
        classes = ", ".join(
            f"{name} {probability:.1%}"
            for name, probability in prediction["top"]
        )
        print(f"{prediction['path']}: {classes}")
    return 0


def _print_result(metrics: dict, run) -> None:
    documented = metrics["documented_accuracy"]
    print(
        f"{metrics['architecture']}: test accuracy "
        f"{metrics['test_accuracy']:.2%} on {metrics['test_size']:,} test "
        f"images; documented: {documented['text']} in "
        f"{documented['source']}."
    )
    print(f"Report folder: {run}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kcb` console script."""
    if argv is None:
        argv = sys.argv[1:]
    args = _parser().parse_args(argv)
    if args.command == "info":
        print(json.dumps(_info(devices=args.devices), indent=2))
        return 0
    try:
        if args.command == "list":
            rows = architecture_table(_reproductions_dir(args.reproductions))
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                _print_table(rows)
            return 0
        if args.command == "train":
            return _train(args, argv)
        if args.command == "tune":
            return _tune(args, argv)
        if args.command == "reproduce":
            return _reproduce(args)
        if args.command == "predict":
            return _predict(args)
        if args.command == "evaluate":
            return _evaluate(args)
        return _demo(args, argv)
    except USER_ERRORS as error:
        print(f"kcb {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = RESUME_HINTS.get(args.command, "")
        print(f"\nkcb {args.command}: interrupted.{hint}", file=sys.stderr)
        return 130


# What Ctrl-C leaves, for the commands that resume.
RESUME_HINTS = {
    "train": " Run the same command again to resume from the last finished "
    "epoch.",
    "reproduce": " Run the same command again to resume from the last "
    "finished epoch.",
    "tune": " Run the same command again to resume the search after its "
    "last finished trial.",
}


def _evaluate(args) -> int:
    from keras_cifar_blocks.training import evaluate
    from keras_cifar_blocks.training.run_dir import load_config

    metrics = evaluate(args.run_dir, data_dir=args.data_dir)
    config = load_config(args.run_dir)
    if config["status"] != "complete":
        print(
            f"Unfinished run: {metrics['epochs_run']} of "
            f"{config['settings']['epochs']} epoch(s) trained; these are "
            "the metrics of its model so far. Resume it with the `kcb "
            "train` command that started it."
        )
    _print_result(metrics, args.run_dir)
    return 0


def _demo(args, argv) -> int:
    from keras_cifar_blocks.cli.demo import run_demo

    result = run_demo(
        data_dir=args.data_dir,
        train_size=args.train_size,
        test_size=args.test_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        out=args.out,
        command=["kcb", *argv],
        overwrite=args.overwrite,
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['architecture']}: test accuracy "
        f"{result['test_accuracy']:.2%} on {result['test_size']:,} CIFAR-10 "
        f"test images after {result['epochs']} epoch(s) on "
        f"{result['train_size']:,} training images "
        f"({result['parameters']:,} parameters, {result['seconds']:.0f} s "
        f"on {result['backend']}; chance is "
        f"{result['chance_accuracy']:.0%}, the report documents "
        f"{result['documented_accuracy']:.2%} after the full recipe)."
    )
    print(f"Report folder: {result['run_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
