"""One stage of the seed reports' CNNs: convolutions, pooling, dropout."""

import keras
from keras import ops

from keras_cifar_blocks.layers.base_conv_block import BaseConvBlock
from keras_cifar_blocks.utils import validation

ORDERS = ("conv-act-bn", "conv-bn-act", "bn-act-conv")
POOLS = ("max", "avg", None)
PADDINGS = ("same", "valid")
POOL_POSITIONS = ("end", "after_conv")


@keras.saving.register_keras_serializable(package="keras_cifar_blocks")
class ConvBNPoolDropout(BaseConvBlock):
    """A conv stage: `convs` x (conv, activation, BatchNorm), pool, dropout.

    This is the unit every CNN in the seed reports repeats. Within each of
    the `convs` repetitions, `order` sets where the activation and the
    BatchNormalization go:

    - `"conv-act-bn"` (default): conv, activation, BatchNorm, as the
      reports write it (`Conv2D(..., activation=...)` then
      `BatchNormalization()`).
    - `"conv-bn-act"`: conv, BatchNorm, activation (ResNet style).
    - `"bn-act-conv"`: BatchNorm, activation, conv (pre-activation).

    With `batch_norm=False` the BatchNorm steps are left out. After the
    convolutions come optional pooling and optional dropout.

    Args:
        filters: int, number of output channels of every convolution.
        convs: int, number of convolutions in the stage. Defaults to `1`.
        kernel_size: int or tuple of 2 ints, convolution window.
            Defaults to `3`.
        activation: activation name (e.g. `"relu"`, `"mish"`, `"Mish"`),
            callable or `None` for linear. Defaults to `"relu"`.
        batch_norm: bool, whether to apply BatchNormalization after (or
            before, see `order`) each convolution. Defaults to `True`.
        order: one of `"conv-act-bn"`, `"conv-bn-act"`, `"bn-act-conv"`.
            Defaults to `"conv-act-bn"`.
        pool: `"max"`, `"avg"` or `None` (no pooling). Defaults to `"max"`.
        pool_size: int or tuple of 2 ints, pooling window and stride.
            Defaults to `2`.
        pool_position: `"end"`, after the last convolution's BatchNorm and
            activation, or `"after_conv"`, right after the last
            convolution, before its BatchNorm and activation (airbench94's
            order: these then run on a quarter of the pixels). Defaults
            to `"end"`.
        dropout: float in [0, 1), dropout rate after pooling. Defaults to
            `0.0` (no dropout).
        padding: `"same"` or `"valid"`, for the convolutions. Defaults to
            `"same"`.
        kernel_initializer: initializer for the convolution kernels.
            Defaults to `"glorot_uniform"` (Keras' default).
        kernel_regularizer: optional regularizer for the convolution
            kernels, e.g. `keras.regularizers.L2(0.001)`.
        use_bias: bool, whether the convolutions have a bias. Defaults to
            `True`, as in the reports.
        momentum: BatchNorm momentum of the moving statistics. Defaults to
            `0.99` (Keras' default); use `0.9` for short trainings, where
            the moving statistics would otherwise lag behind.
        epsilon: BatchNorm epsilon. Defaults to `1e-3` (Keras' default).
        scale: bool, whether BatchNorm learns a scale (`gamma`); without
            one it only shifts, as in airbench94, whose convolutions
            before it set the scale anyway. Defaults to `True`.
        beta_multiplier: float > 0, BatchNorm's offset is
            `beta_multiplier * beta`, where `beta` is the trained
            variable. Under SGD (with or without momentum and decoupled
            weight decay) the offset then learns as if at
            `beta_multiplier**2` times the learning rate, the per-layer
            rate Keras optimizers do not have: airbench94 trains its
            BatchNorm biases 64x faster, `beta_multiplier=8`. Defaults to
            `1.0` (Keras' BatchNorm).
        seed: optional int, seed of the dropout.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: 4D tensor `(batch, height, width, channels)`.
        training: bool, whether dropout and BatchNorm run in training mode.

    Input shape:
        4D tensor with shape `(batch, height, width, channels)`.

    Output shape:
        4D tensor with shape `(batch, new_height, new_width, filters)`;
        height and width shrink with `padding="valid"` and pooling.

    Example:

    The stage the Li (2018) model 3 repeats, and the Mish stage of the
    Milano-Bicocca report:

    >>> import keras
    >>> import numpy as np
    >>> from keras_cifar_blocks.layers import ConvBNPoolDropout
    >>> li_stage = ConvBNPoolDropout(32, convs=2, dropout=0.2)
    >>> tuple(li_stage(np.zeros((1, 32, 32, 3))).shape)
    (1, 16, 16, 32)
    >>> mish_stage = ConvBNPoolDropout(
    ...     64, convs=2, activation="Mish", dropout=0.3,
    ...     kernel_initializer="he_uniform",
    ...     kernel_regularizer=keras.regularizers.L2(0.001))
    >>> model = keras.Sequential(
    ...     [keras.Input((32, 32, 3)), li_stage, mish_stage,
    ...      keras.layers.Flatten(), keras.layers.Dense(10)])
    >>> model.output_shape
    (None, 10)
    """

    def __init__(
        self,
        filters,
        convs=1,
        kernel_size=3,
        activation="relu",
        batch_norm=True,
        order="conv-act-bn",
        pool="max",
        pool_size=2,
        pool_position="end",
        dropout=0.0,
        padding="same",
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        use_bias=True,
        momentum=0.99,
        epsilon=1e-3,
        scale=True,
        beta_multiplier=1.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(padding, str):
            padding = padding.lower()
        if isinstance(pool, str):
            pool = pool.lower()
        self.filters = validation.positive_int("filters", filters)
        self.convs = validation.positive_int("convs", convs)
        self.kernel_size = validation.positive_int_pair(
            "kernel_size", kernel_size
        )
        self.activation = validation.activation("activation", activation)
        self.batch_norm = validation.boolean("batch_norm", batch_norm)
        self.order = validation.one_of("order", order, ORDERS)
        self.pool = validation.one_of("pool", pool, POOLS)
        self.pool_size = validation.positive_int_pair("pool_size", pool_size)
        self.pool_position = validation.one_of(
            "pool_position", pool_position, POOL_POSITIONS
        )
        self.dropout = validation.rate("dropout", dropout)
        self.padding = validation.one_of("padding", padding, PADDINGS)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.use_bias = validation.boolean("use_bias", use_bias)
        self.momentum = validation.rate("momentum", momentum)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.scale = validation.boolean("scale", scale)
        self.beta_multiplier = validation.positive_float(
            "beta_multiplier", beta_multiplier
        )
        self.seed = validation.seed("seed", seed)

        self.conv_layers = [
            self._conv(
                f"conv_{i}",
                self.kernel_size,
                padding=self.padding,
                use_bias=self.use_bias,
            )
            for i in range(self.convs)
        ]
        self.norm_layers = (
            [
                self._norm(
                    f"bn_{i}",
                    scale=self.scale,
                    center=self.beta_multiplier == 1.0,
                )
                for i in range(self.convs)
            ]
            if self.batch_norm
            else []
        )
        # With a multiplier, the offsets are the block's own variables
        # (`beta_0`, ...), made in `build` once their channels are known.
        self.betas = []
        self.pool_layer = self._pool_layer()
        self.dropout_layer = self._dropout_layer()

    def _pool_layer(self):
        if self.pool is None:
            return None
        pool_class = {
            "max": keras.layers.MaxPooling2D,
            "avg": keras.layers.AveragePooling2D,
        }[self.pool]
        return pool_class(self.pool_size, dtype=self.dtype_policy, name="pool")

    def _steps(self, i):
        """The (kind, layer) steps of convolution `i`, in `order`.

        The pooling is a step of the last convolution, after it with
        `pool_position="after_conv"`, at the end otherwise.
        """
        steps = {
            "conv": self.conv_layers[i],
            "act": None,
            "bn": self.norm_layers[i] if self.batch_norm else None,
        }
        sequence = [
            (kind, steps[kind])
            for kind in self.order.split("-")
            if kind == "act" or steps[kind] is not None
        ]
        if self.pool_layer is None or i != self.convs - 1:
            return sequence
        pool = ("pool", self.pool_layer)
        if self.pool_position == "end":
            return [*sequence, pool]
        at = [kind for kind, _ in sequence].index("conv") + 1
        return [*sequence[:at], pool, *sequence[at:]]

    def build(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        shape = tuple(input_shape)
        for i in range(self.convs):
            for kind, layer in self._steps(i):
                if kind == "act":
                    continue
                layer.build(shape)
                if kind == "bn" and not layer.center:
                    self.betas.append(
                        self.add_weight(
                            name=f"beta_{i}",
                            shape=(shape[-1],),
                            initializer="zeros",
                        )
                    )
                shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=None):
        x = inputs
        for i in range(self.convs):
            for kind, layer in self._steps(i):
                if kind == "act":
                    x = self.activation(x)
                elif kind == "bn":
                    x = layer(x, training=training)
                    if self.betas:
                        beta = self.beta_multiplier * self.betas[i]
                        x = x + ops.cast(beta, x.dtype)
                else:
                    x = layer(x)
        if self.dropout_layer is not None:
            x = self.dropout_layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        validation.image_rank(type(self).__name__, input_shape)
        shape = tuple(input_shape)
        for conv in self.conv_layers:
            shape = conv.compute_output_shape(shape)
        if self.pool_layer is not None:
            shape = self.pool_layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = {
            "filters": self.filters,
            "convs": self.convs,
            "kernel_size": self.kernel_size,
            "activation": keras.activations.serialize(self.activation),
            "batch_norm": self.batch_norm,
            "order": self.order,
            "pool": self.pool,
            "pool_size": self.pool_size,
            "pool_position": self.pool_position,
            "dropout": self.dropout,
            "padding": self.padding,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "use_bias": self.use_bias,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "scale": self.scale,
            "beta_multiplier": self.beta_multiplier,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
