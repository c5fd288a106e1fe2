import keras
import pytest

from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.utils.flops import count_flops


def _model(*layers, shape=(8, 8, 3)):
    return keras.Sequential([keras.Input(shape), *layers])


@pytest.mark.parametrize(
    "layer, macs",
    [
        # 8*8 positions * 4 filters * 3*3 kernel * 3 channels.
        (keras.layers.Conv2D(4, 3, padding="same"), 8 * 8 * 4 * 27),
        # 'valid' padding and stride 2: 3*3 outputs.
        (keras.layers.Conv2D(4, 3, strides=2), 3 * 3 * 4 * 27),
        # Depthwise: each channel alone, multiplier 2.
        (
            keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2),
            8 * 8 * 6 * 9,
        ),
        # Separable: the depthwise pass, then a 1x1 convolution.
        (
            keras.layers.SeparableConv2D(5, 3, padding="same"),
            8 * 8 * (3 * 9 + 3 * 5),
        ),
        # Dense on every position of an image.
        (keras.layers.Dense(7), 8 * 8 * 3 * 7),
    ],
)
def test_counts_multiply_adds_of_each_layer_kind(layer, macs):
    flops = count_flops(_model(layer))
    assert flops["forward"] == 2 * macs
    assert flops["training"] == 3 * flops["forward"]


def test_grouped_convolution():
    flops = count_flops(
        _model(keras.layers.Conv2D(8, 1, groups=4), shape=(8, 8, 8))
    )
    assert flops["forward"] == 2 * 8 * 8 * 8 * (8 // 4)


def test_a_frozen_backbone_costs_its_forward_pass_only():
    backbone = _model(keras.layers.Conv2D(4, 3, padding="same"))
    backbone.trainable = False
    head = keras.layers.Dense(10)
    model = keras.Sequential(
        [keras.Input((8, 8, 3)), backbone, keras.layers.Flatten(), head]
    )
    conv, dense = 2 * 8 * 8 * 4 * 27, 2 * 256 * 10
    assert count_flops(model) == {
        "forward": conv + dense,
        "training": conv + 3 * dense,
    }


def test_wide_resnet_28_10_matches_the_published_count():
    # WRN-28-10: 5.25 G multiply-adds per 32x32 image.
    flops = count_flops(build("wrn_28_10"))
    assert flops["forward"] / 2 == pytest.approx(5.25e9, rel=0.01)


def test_blocks_of_this_package_are_counted():
    # li2018_model3_1 is three ConvBNPoolDropout stages and a Dense layer.
    convs = (
        32 * 32 * 32 * 27
        + 32 * 32 * 32 * 288
        + 16 * 16 * 64 * 288
        + 16 * 16 * 64 * 576
        + 8 * 8 * 128 * 576
        + 8 * 8 * 128 * 1152
    )
    flops = count_flops(build("li2018_model3_1"))
    assert flops["forward"] == 2 * (convs + 2048 * 10)


def test_bad_arguments():
    with pytest.raises(TypeError, match="argument `model`"):
        count_flops("li2018_model1")
    unbuilt = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="Expected a built model"):
        count_flops(unbuilt)
