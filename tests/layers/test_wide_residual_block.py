import keras
import numpy as np
import pytest

from keras_cifar_blocks.layers import WideResidualBlock
from tests.testing import run_layer_test
from tests.testing import to_numpy


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape, projection",
    [
        ({"filters": 4}, (2, 8, 8, 4), (2, 8, 8, 4), False),
        ({"filters": 8}, (2, 8, 8, 4), (2, 8, 8, 8), True),
        (
            {"filters": 8, "strides": 2, "dropout": 0.3, "seed": 2},
            (2, 8, 8, 8),
            (2, 4, 4, 8),
            True,
        ),
        (
            {
                "filters": 4,
                "activation": "Mish",
                "kernel_regularizer": keras.regularizers.L2(2.5e-4),
            },
            (2, 7, 7, 4),
            (2, 7, 7, 4),
            False,
        ),
    ],
)
def test_layer(kwargs, input_shape, expected_shape, projection, tmp_path):
    model = run_layer_test(
        WideResidualBlock,
        kwargs,
        input_shape,
        tmp_path,
        expected_output_shape=expected_shape,
    )
    block = model.layers[1]
    assert (block.shortcut is not None) == projection
    convs = 3 if projection else 2
    channels = input_shape[-1]
    filters = kwargs["filters"]
    expected_params = (
        9 * channels * filters
        + 9 * filters * filters
        + (channels * filters if projection else 0)
        + 4 * channels
        + 4 * filters
    )
    assert block.count_params() == expected_params
    assert len([w for w in block.weights if "kernel" in w.path]) == convs


def test_identity_shortcut_passes_input_through():
    block = WideResidualBlock(4)
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 4)).astype("float32")
    block(x)
    block.conv_2.kernel.assign(np.zeros(block.conv_2.kernel.shape))
    np.testing.assert_allclose(to_numpy(block(x)), x, atol=1e-6)


def test_projection_uses_preactivated_input():
    """The 1x1 shortcut sees relu(BN(x)), as in the reference code."""
    block = WideResidualBlock(3, strides=1)
    x = np.random.default_rng(0).normal(size=(1, 4, 4, 2)).astype("float32")
    block(x)
    block.conv_2.kernel.assign(np.zeros(block.conv_2.kernel.shape))
    kernel = np.random.default_rng(1).normal(size=(1, 1, 2, 3))
    block.shortcut.kernel.assign(kernel)
    bn = block.norm_1
    pre = np.maximum(
        (x - to_numpy(bn.moving_mean))
        / np.sqrt(to_numpy(bn.moving_variance) + bn.epsilon),
        0,
    )
    expected = np.einsum("bhwc,cf->bhwf", pre, kernel[0, 0])
    np.testing.assert_allclose(
        to_numpy(block(x, training=False)), expected, rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"filters": 0}, ValueError, "Received filters=0"),
        ({"filters": 8, "strides": 0}, ValueError, "Received strides=0"),
        ({"filters": 8, "dropout": -0.5}, ValueError, "Received dropout=-0.5"),
        ({"filters": 8, "momentum": 1.5}, ValueError, "Received momentum=1.5"),
        ({"filters": 8, "epsilon": 0}, ValueError, "Received epsilon=0"),
        ({"filters": 8, "activation": "nope"}, ValueError, "`activation`"),
        ({"filters": 8, "seed": "1"}, ValueError, "argument `seed`"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        WideResidualBlock(**kwargs)


def test_wrong_input_rank():
    with pytest.raises(ValueError, match="expects 4D inputs"):
        WideResidualBlock(4)(keras.Input((8, 4)))
