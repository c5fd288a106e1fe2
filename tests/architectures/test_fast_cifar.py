import dataclasses

import keras
import numpy as np
import pytest

from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.architectures.fast_cifar import FastCifarConfig
from keras_cifar_blocks.architectures.fast_cifar import fast_cifar
from keras_cifar_blocks.initializers import Dirac
from keras_cifar_blocks.layers import PatchWhitening
from tests.testing import to_numpy

SMALL = FastCifarConfig(widths=(8, 16))


def test_the_defaults_build_fast_cifar_as_before():
    model = fast_cifar(SMALL, num_classes=10)
    stem = model.get_layer("stem")
    assert stem.filters == 24 and stem.norm_layers[0].scale
    assert stem.epsilon == 1e-3
    group = model.get_layer("group_1_a")
    assert type(group.kernel_initializer).__name__ == "HeNormal"


def test_the_airbench_options():
    config = dataclasses.replace(
        SMALL,
        activation="gelu",
        batch_norm_epsilon=1e-12,
        batch_norm_scale=False,
        dirac_init=True,
        whitening=True,
        whitening_bias_trainable=False,
    )
    model = fast_cifar(config, num_classes=10)
    stem = model.get_layer("stem")
    assert isinstance(stem, PatchWhitening)
    assert stem.trainable_weights == []
    assert model.get_layer("stem_act").output.shape == (None, 31, 31, 24)
    group = model.get_layer("group_1_a")
    assert isinstance(group.kernel_initializer, Dirac)
    assert group.epsilon == 1e-12
    assert all(norm.gamma is None for norm in group.norm_layers)
    # The first 8 filters pass the first 8 whitened channels through.
    kernel = to_numpy(group.conv_layers[0].kernel)
    np.testing.assert_array_equal(kernel[1, 1, :, :8], np.eye(24, 8))


def test_the_airbench_entry_adapts_and_saves(tmp_path):
    model = build("fast_cifar_airbench", widths=(8, 16))
    images = np.random.default_rng(0).normal(size=(16, 32, 32, 3))
    images = images.astype("float32")
    model.get_layer("stem").adapt(images)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        to_numpy(loaded.predict(images, verbose=0)),
        to_numpy(model.predict(images, verbose=0)),
        rtol=1e-5,
        atol=1e-6,
    )
    entry = get_architecture("fast_cifar_airbench")
    assert entry.config.whitening and entry.config.dirac_init


def test_the_airbench_entry_follows_airbench94():
    model = build("fast_cifar_airbench")
    group = model.get_layer("group_2_a")
    # BatchNorm biases at 64x the rate: offsets of 8x their variables.
    assert group.beta_multiplier == 8.0 and len(group.betas) == 1
    assert all(not norm.center for norm in group.norm_layers)
    assert group.pool_position == "after_conv"
    # Past the identity filters, PyTorch's default: U(+-1/sqrt(fan_in)).
    kernel = to_numpy(group.conv_layers[0].kernel)
    np.testing.assert_array_equal(kernel[1, 1, :, :64], np.eye(64))
    limit = 1 / np.sqrt(3 * 3 * 64)
    assert np.abs(kernel[..., 64:]).max() <= limit
    assert np.abs(kernel[..., 64:]).max() > 0.9 * limit
    assert (
        model.count_params()
        == get_architecture("fast_cifar_airbench").parameters
    )


def test_a_serialized_kernel_initializer():
    config = dataclasses.replace(
        SMALL,
        kernel_initializer=keras.initializers.serialize(
            keras.initializers.Constant(0.5)
        ),
    )
    model = fast_cifar(config, num_classes=10)
    kernel = to_numpy(model.get_layer("group_1_a").conv_layers[0].kernel)
    assert np.all(kernel == 0.5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_norm_epsilon": 0}, ValueError, "batch_norm_epsilon=0"),
        ({"batch_norm_scale": 1}, TypeError, "batch_norm_scale=1"),
        (
            {"kernel_initializer": "nope"},
            ValueError,
            "kernel_initializer='nope'",
        ),
        (
            {"kernel_initializer": {"class_name": "Nope"}},
            ValueError,
            "Expected the name of a Keras initializer or a serialized one",
        ),
        ({"kernel_initializer": 3}, ValueError, "kernel_initializer=3"),
        ({"pool_position": "start"}, ValueError, "pool_position='start'"),
        ({"bias_multiplier": 0.0}, ValueError, "bias_multiplier=0.0"),
        ({"dirac_init": "yes"}, TypeError, "dirac_init='yes'"),
        ({"whitening": None}, TypeError, "whitening=None"),
        ({"whitening_epsilon": -1.0}, ValueError, "whitening_epsilon=-1.0"),
        (
            {"whitening_bias_trainable": 0},
            TypeError,
            "whitening_bias_trainable=0",
        ),
    ],
)
def test_invalid_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        FastCifarConfig(**kwargs)
