"""Constants and helpers shared by the hypermodel tests."""

import os
from pathlib import Path

import keras
import keras_tuner
import pytest

_DEFAULT_DATA_DIR = Path(__file__).parents[2].parent / "shared" / "data"
DATA_DIR = Path(os.environ.get("KCB_DATA_DIR") or _DEFAULT_DATA_DIR)
HAS_CIFAR10 = (DATA_DIR / "cifar-10-python.tar.gz").exists() or (
    DATA_DIR / "cifar-10-batches-py"
).exists()
BACKEND = keras.backend.backend()
# Building a model compiles every new weight shape under JAX, and each
# trial's train step takes seconds to compile there: the JAX variants of
# the heavier tests run with `-m slow`.
SLOW_ON_JAX = (pytest.mark.slow,) if BACKEND == "jax" else ()

# A model of a few thousand parameters: one stage of 16 filters.
TINY = {
    "stages": 1,
    "filters": 16,
    "last_stage_convs": 1,
    "batch_norm": False,
    "head_units": 0,
    "rescaling": False,
}


def tiny_hyperparameters(**overrides) -> keras_tuner.HyperParameters:
    """A space narrowed to tiny ConvStack models (see TINY)."""
    hp = keras_tuner.HyperParameters()
    for key, value in {**TINY, **overrides}.items():
        hp.Fixed(key, value)
    return hp


def layer_signature(model) -> list[tuple[str, dict]]:
    """Each layer's class and config (less its name), in order.

    A nested model (a backbone) is described by its layers' classes and
    trainable flags: its full config holds auto-generated names.
    """
    signature = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            config = {
                "layers": [
                    (type(inner).__name__, inner.trainable)
                    for inner in layer.layers
                ],
                "trainable": layer.trainable,
            }
        else:
            config = dict(layer.get_config())
            config.pop("name", None)
        signature.append((type(layer).__name__, config))
    return signature


def assert_same_architecture(built, expected) -> None:
    """Same parameter counts and the same layers with the same configs."""
    assert built.count_params() == expected.count_params()
    assert _trainable(built) == _trainable(expected)
    assert layer_signature(built) == layer_signature(expected)


def _trainable(model) -> int:
    return sum(_size(w.shape) for w in model.trainable_weights)


def _size(shape) -> int:
    size = 1
    for dim in shape:
        size *= dim
    return size
