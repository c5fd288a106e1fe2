"""What the studies in `tuning/` share: their command line and backend.

A study runs as `python tuning/NAME.py [--full]`: its CPU budget by
default, `--full` for the reports' budget. The backend is
`KERAS_BACKEND` if set, else the study's `settings["backend"]`; it is
fixed here, before the study imports Keras.
"""

import argparse
import os
import sys


def study_settings(
    argv, doc: str, settings: dict, full: dict, name: str, full_help: str
) -> tuple[dict, str, str]:
    """Parses `--full`; returns the settings, result name and command.

    Args:
        argv: the arguments (`None`: `sys.argv[1:]`).
        doc: the study's module docstring; its first line is the help.
        settings: the study's SETTINGS (not modified).
        full: the overrides `--full` applies.
        name: the results' base name; `--full` appends `_full`.
        full_help: what `--full` means, for `--help`.

    Returns:
        `(settings, name, command)`: the settings with `backend` set to
        the one in use, the results' name, and the command line to
        record (with its `KERAS_BACKEND`).
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--full", action="store_true", help=full_help)
    args = parser.parse_args(argv)
    settings = dict(settings)
    if args.full:
        settings.update(full)
        name = f"{name}_full"
    os.environ.setdefault("KERAS_BACKEND", settings["backend"])
    settings["backend"] = os.environ["KERAS_BACKEND"]
    command = " ".join(
        [f"KERAS_BACKEND={settings['backend']}", "python", *sys.argv]
    )
    return settings, name, command
