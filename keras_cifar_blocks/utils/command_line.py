"""Command lines as `kcb` reads them back."""

import json
import shlex


def key_value(key: str, value) -> str:
    """`KEY=VALUE` as `kcb`'s `--override`, `--recipe` and `--fix` read
    it: the value as JSON, a string without its quotes.

    Example:

    >>> from keras_cifar_blocks.utils.command_line import key_value
    >>> key_value("filters", (64, 128)), key_value("activation", "Mish")
    ('filters=[64, 128]', 'activation=Mish')
    """
    return f"{key}={json.dumps(value).strip(chr(34))}"


def train_command(change: dict, *options: str) -> str:
    """The `kcb train` line of an architecture changed by overrides.

    Args:
        change: a dict with `architecture`, `overrides` and
            `recipe_overrides`, e.g. from
            `CifarHyperModel.architecture_of`.
        *options: further arguments, e.g. `"--seed", "1"`.

    Returns:
        One shell-quoted line.

    Example:

    >>> from keras_cifar_blocks.utils.command_line import train_command
    >>> change = {"architecture": "li2018_model3_1",
    ...           "overrides": {"filters": [64, 128, 256]},
    ...           "recipe_overrides": {"learning_rate": 3e-4}}
    >>> for part in train_command(change).split(" --"):
    ...     print(part)
    kcb train li2018_model3_1
    override 'filters=[64, 128, 256]'
    recipe learning_rate=0.0003
    """
    parts = ["kcb", "train", change["architecture"]]
    for flag, key in (
        ("--override", "overrides"),
        ("--recipe", "recipe_overrides"),
    ):
        for name, value in change[key].items():
            parts += [flag, key_value(name, value)]
    return shlex.join([*parts, *options])
