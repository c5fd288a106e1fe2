"""WRN-d-k, the wide residual network of Zagoruyko & Komodakis (2016)."""

import keras

from keras_cifar_blocks.layers import WideResidualBlock
from keras_cifar_blocks.utils import validation as check


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
    if (
        isinstance(depth, bool)
        or not isinstance(depth, int)
        or depth < 10
        or (depth - 4) % 6 != 0
    ):
        raise ValueError(
            "Invalid value for argument `depth`. Expected `(depth - 4)` to "
            "be a positive multiple of 6 (e.g. 16, 22, 28, 40). "
            f"Received depth={depth!r}"
        )
    check.positive_int("width", width)
    check.positive_int("num_classes", num_classes)
    check.rate("dropout", dropout)
    blocks_per_group = (depth - 4) // 6
    kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(
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
            x = WideResidualBlock(
                filters,
                strides=strides if block == 0 else 1,
                dropout=dropout,
                kernel_regularizer=kernel_regularizer,
                name=f"group_{group}_block_{block}",
            )(x)
    x = keras.layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, name="head_bn"
    )(x)
    x = keras.layers.Activation("relu", name="head_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation=classifier_activation,
        kernel_regularizer=kernel_regularizer,
        name="predictions",
        dtype="float32",  # float32 under mixed precision too
    )(x)
    return keras.Model(inputs, outputs, name=name or f"wrn_{depth}_{width}")
