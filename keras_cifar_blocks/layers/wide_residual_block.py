"""The pre-activation wide residual block of Zagoruyko & Komodakis (2016)."""

import keras

from keras_cifar_blocks.layers.base_conv_block import BaseConvBlock
from keras_cifar_blocks.utils import validation


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class WideResidualBlock(BaseConvBlock):
    """Pre-activation wide residual block (the "B(3,3)" block of WRN).

    Computes `shortcut + conv3x3(act(BN(dropout(conv3x3(act(BN(x)))))))`.
    The shortcut is the input itself when the block keeps both the width
    and the resolution; otherwise (`strides > 1` or `filters` different
    from the input channels) it is a 1x1 convolution with `strides`
    applied to the pre-activated input, as in the authors' reference code.
    Convolutions have no bias: each is followed by a BatchNorm.

    Args:
        filters: int, output channels (`16 * k`, `32 * k` or `64 * k` in a
            WRN-d-k).
        strides: int or tuple of 2 ints, stride of the first convolution
            and of the projection shortcut. Defaults to `1`.
        dropout: float in [0, 1), dropout between the two convolutions
            (the paper uses 0.3 on CIFAR). Defaults to `0.0`.
        kernel_initializer: initializer for the convolution kernels.
            Defaults to `"he_normal"`, as in the paper.
        kernel_regularizer: optional regularizer for the convolution
            kernels; the paper's weight decay 5e-4 is
            `keras.regularizers.L2(2.5e-4)` (Keras' L2 has no 1/2 factor).
        activation: activation name, callable or `None`. Defaults to
            `"relu"`.
        momentum: BatchNorm momentum (Keras convention). Defaults to
            `0.9`, the reference Torch code's setting.
        epsilon: BatchNorm epsilon. Defaults to `1e-5`.
        seed: optional int, seed of the dropout.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: 4D tensor `(batch, height, width, channels)`.
        training: bool, whether dropout and BatchNorm run in training mode.

    Input shape:
        4D tensor with shape `(batch, height, width, channels)`.

    Output shape:
        4D tensor with shape `(batch, height / s, width / s, filters)`
        for strides `s` (rounded up).

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import WideResidualBlock
    >>> block = WideResidualBlock(64, strides=2, dropout=0.3)
    >>> tuple(block(np.zeros((2, 32, 32, 16))).shape)
    (2, 16, 16, 64)

    Reference:

    - [Zagoruyko & Komodakis, 2016](https://arxiv.org/abs/1605.07146)
    """

    def __init__(
        self,
        filters,
        strides=1,
        dropout=0.0,
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        activation="relu",
        momentum=0.9,
        epsilon=1e-5,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = validation.positive_int("filters", filters)
        self.strides = validation.positive_int_pair("strides", strides)
        self.dropout = validation.rate("dropout", dropout)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.activation = validation.activation("activation", activation)
        self.momentum = validation.rate("momentum", momentum)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.seed = validation.seed("seed", seed)

        self.norm_1 = self._norm("bn_1")
        self.conv_1 = self._conv3x3("conv_1", self.strides)
        self.dropout_layer = self._dropout_layer()
        self.norm_2 = self._norm("bn_2")
        self.conv_2 = self._conv3x3("conv_2", 1)
        # Depends on the input width, so it is made in `build`.
        self.shortcut = None

    def _conv3x3(self, name, strides):
        return self._conv(
            name, 3, strides=strides, padding="same", use_bias=False
        )

    def build(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        input_shape = tuple(input_shape)
        self.norm_1.build(input_shape)
        self.conv_1.build(input_shape)
        hidden_shape = self.conv_1.compute_output_shape(input_shape)
        self.norm_2.build(hidden_shape)
        self.conv_2.build(hidden_shape)
        if input_shape[-1] != self.filters or self.strides != (1, 1):
            self.shortcut = self._conv(
                "shortcut",
                1,
                strides=self.strides,
                padding="same",
                use_bias=False,
            )
            self.shortcut.build(input_shape)

    def call(self, inputs, training=None):
        x = self.activation(self.norm_1(inputs, training=training))
        shortcut = inputs if self.shortcut is None else self.shortcut(x)
        x = self.conv_1(x)
        if self.dropout_layer is not None:
            x = self.dropout_layer(x, training=training)
        x = self.activation(self.norm_2(x, training=training))
        x = self.conv_2(x)
        return x + shortcut

    def compute_output_shape(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        return self.conv_1.compute_output_shape(tuple(input_shape))

    def get_config(self):
        config = {
            "filters": self.filters,
            "strides": self.strides,
            "dropout": self.dropout,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "activation": keras.activations.serialize(self.activation),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
