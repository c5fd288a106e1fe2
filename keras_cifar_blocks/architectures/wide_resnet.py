"""WRN-d-k, the wide residual network of Zagoruyko & Komodakis (2016).

`wide_resnet(depth, width, num_classes)` builds one; a `WideResNetConfig`
(in `wide_resnet_presets` for the documented ones) is the same network as
data, which `wide_resnet_from_config` builds for the registry and for
`WideResNetHyperModel` alike.
"""

import dataclasses

import keras

from keras_cifar_blocks.layers import WideResidualBlock
from keras_cifar_blocks.utils import validation


def check_depth(name: str, depth) -> int:
    """Return `depth` if `(depth - 4)` is a positive multiple of 6."""
    if (
        isinstance(depth, bool)
        or not isinstance(depth, int)
        or depth < 10
        or (depth - 4) % 6 != 0
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected `({name} - 4)` "
            "to be a positive multiple of 6 (e.g. 16, 22, 28, 40). "
            f"Received {name}={depth!r}"
        )
    return depth


def wide_resnet(
    depth,
    width,
    num_classes,
    dropout=0.0,
    input_shape=(32, 32, 3),
    kernel_regularizer=None,
    classifier_activation="softmax",
    name=None,
):
    """Build WRN-`depth`-`width` from `WideResidualBlock`s.

    The network is a 3x3 convolution with 16 filters, three groups of
    `(depth - 4) / 6` blocks with `16 * width`, `32 * width` and
    `64 * width` filters (the second and third group halve the
    resolution), then BatchNorm, ReLU, global average pooling and a dense
    classifier. WRN-16-8 has about 11.0M parameters and WRN-28-10 about
    36.5M, as in the paper's Table 5 (CIFAR-10).

    Args:
        depth: int, total number of layers; `(depth - 4)` must be a
            positive multiple of 6 (10, 16, 22, 28, 40, ...).
        width: int, the widening factor `k` (1 gives a thin ResNet).
        num_classes: int, number of output classes.
        dropout: float in [0, 1), dropout inside each block (0.3 in the
            paper's CIFAR runs). Defaults to `0.0`.
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        kernel_regularizer: optional regularizer for every kernel, e.g.
            `keras.regularizers.L2(2.5e-4)` for the paper's weight decay
            of 5e-4.
        classifier_activation: activation of the output layer;
            `None` gives logits. Defaults to `"softmax"`.
        name: model name; defaults to `"wrn_{depth}_{width}"`.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import keras_cifar_blocks as kcb
    >>> model = kcb.wide_resnet(depth=16, width=8, num_classes=10)
    >>> round(model.count_params() / 1e6, 1)
    11.0
    >>> kcb.wide_resnet(depth=15, width=1, num_classes=10)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `depth`. Expected `(depth - 4)` ...

    Reference:

    - [Zagoruyko & Komodakis, 2016](https://arxiv.org/abs/1605.07146)
    """
    check_depth("depth", depth)
    validation.positive_int("width", width)
    validation.positive_int("num_classes", num_classes)
    validation.rate("dropout", dropout)
    blocks_per_group = (depth - 4) // 6
    kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    inputs = keras.Input(input_shape)
    features = keras.layers.Conv2D(
        16,
        3,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        kernel_regularizer=kernel_regularizer,
        name="stem_conv",
    )(inputs)
    for group, (filters, strides) in enumerate(
        ((16 * width, 1), (32 * width, 2), (64 * width, 2)), start=1
    ):
        for block in range(blocks_per_group):
            features = WideResidualBlock(
                filters,
                strides=strides if block == 0 else 1,
                dropout=dropout,
                kernel_regularizer=kernel_regularizer,
                name=f"group_{group}_block_{block}",
            )(features)
    features = keras.layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, name="head_bn"
    )(features)
    features = keras.layers.Activation("relu", name="head_relu")(features)
    features = keras.layers.GlobalAveragePooling2D(name="avg_pool")(features)
    outputs = keras.layers.Dense(
        num_classes,
        activation=classifier_activation,
        kernel_regularizer=kernel_regularizer,
        name="predictions",
        dtype="float32",  # float32 under mixed precision too
    )(features)
    return keras.Model(inputs, outputs, name=name or f"wrn_{depth}_{width}")


@dataclasses.dataclass(frozen=True)
class WideResNetConfig:
    """A WRN-`depth`-`width` as data: what `wide_resnet` takes.

    Attributes:
        depth: int, `(depth - 4)` a positive multiple of 6.
        width: int, the widening factor `k`.
        dropout: float in [0, 1), inside each block. Defaults to `0.0`.
        l2: float >= 0, the L2 factor on every kernel (0: none; 2.5e-4
            is the paper's weight decay of 5e-4). Defaults to `0.0`.

    Example:

    >>> from keras_cifar_blocks.architectures.wide_resnet import (
    ...     WideResNetConfig, wide_resnet_from_config)
    >>> model = wide_resnet_from_config(WideResNetConfig(10, 1), 10)
    >>> model.name, model.count_params()
    ('wrn_10_1', 78330)
    """

    depth: int
    width: int
    dropout: float = 0.0
    l2: float = 0.0

    def __post_init__(self):
        check_depth("depth", self.depth)
        validation.positive_int("width", self.width)
        validation.rate("dropout", self.dropout)
        validation.non_negative_float("l2", self.l2)


def wide_resnet_from_config(
    config,
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name=None,
    classifier_activation="softmax",
):
    """Build the `wide_resnet` a `WideResNetConfig` describes.

    Args:
        config: a `WideResNetConfig`.
        num_classes: int, number of output classes.
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        name: model name; defaults to `"wrn_{depth}_{width}"`.
        classifier_activation: activation of the output layer; `None`
            gives logits. Defaults to `"softmax"`.

    Returns:
        An uncompiled functional `keras.Model`.
    """
    validation.instance_of("config", config, WideResNetConfig)
    return wide_resnet(
        config.depth,
        config.width,
        num_classes,
        dropout=config.dropout,
        input_shape=input_shape,
        kernel_regularizer=(
            keras.regularizers.L2(config.l2) if config.l2 else None
        ),
        classifier_activation=classifier_activation,
        name=name,
    )
