"""What the studies in `tuning/` share: their command line and backend.

A study runs as `python tuning/NAME.py [--PRESET]`: its small CPU budget
by default, a preset flag for another scale (`--full`: the reports'
budget). The backend is
`KERAS_BACKEND` if set, else the study's `settings["backend"]`; it is
fixed here, before the study imports Keras.
"""

import argparse
import os
import sys


def study_settings(
    argv, doc: str, settings: dict, presets: dict, name: str, add_arguments=None
) -> tuple[dict, str, str, argparse.Namespace]:
    """Parses the preset flags; returns the settings, name and command.

    Args:
        argv: the arguments (`None`: `sys.argv[1:]`).
        doc: the study's module docstring; its first line is the help.
        settings: the study's SETTINGS (not modified).
        presets: `{flag: (overrides, help)}`, e.g. `{"full": (FULL, "a
            GPU-sized search")}`: `--flag` applies the overrides and
            appends `_flag` (dashes as underscores) to the results' name.
            At most one preset is given.
        name: the results' base name.
        add_arguments: optional function adding the study's own flags to
            the `argparse` parser.

    Returns:
        `(settings, name, command, args)`: the settings with `backend` set
        to the one in use, the results' name, the command line to record
        (with its `KERAS_BACKEND`), and the parsed arguments.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    for flag, (_, help_text) in presets.items():
        group.add_argument(f"--{flag}", action="store_true", help=help_text)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    settings = dict(settings)
    for flag, (overrides, _) in presets.items():
        if getattr(args, flag.replace("-", "_")):
            settings.update(overrides)
            name = f"{name}_{flag.replace('-', '_')}"
    os.environ.setdefault("KERAS_BACKEND", settings["backend"])
    settings["backend"] = os.environ["KERAS_BACKEND"]
    command = " ".join(
        [f"KERAS_BACKEND={settings['backend']}", "python", *sys.argv]
    )
    return settings, name, command, args
