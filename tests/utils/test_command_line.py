"""The `kcb` command lines the package writes, read back by `kcb`."""

import shlex

import pytest

from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.architectures import recipe
from keras_cifar_blocks.cli.main import _parser
from keras_cifar_blocks.utils.command_line import key_value
from keras_cifar_blocks.utils.command_line import train_command


@pytest.mark.parametrize(
    "value",
    ["Mish", 0.3, 1e-14, None, True, [0.2, 0.3, 0.4], (32, 64), "same"],
)
def test_key_value_reads_back_as_the_value(value):
    args = _parser().parse_args(
        ["train", "li2018_model3_1", "--override", key_value("x", value)]
    )
    expected = list(value) if isinstance(value, tuple) else value
    assert args.override == [("x", expected)]


def test_train_command_trains_the_changed_architecture():
    change = {
        "architecture": "li2018_model3_1",
        "overrides": {"filters": (64, 128, 256), "activation": "Mish"},
        "recipe_overrides": {"optimizer": "sgd", "learning_rate": 0.01},
    }
    line = train_command(change, "--seed", "1")
    args = _parser().parse_args(shlex.split(line)[1:])
    assert (args.name, args.seed) == ("li2018_model3_1", 1)
    overrides = dict(args.override)
    assert overrides == {"filters": [64, 128, 256], "activation": "Mish"}
    model = build(args.name, **overrides)
    assert [layer.filters for layer in model.layers[:3]] == [64, 128, 256]
    changed = recipe(args.name).with_overrides(dict(args.recipe))
    assert (changed.optimizer, changed.learning_rate) == ("sgd", 0.01)
