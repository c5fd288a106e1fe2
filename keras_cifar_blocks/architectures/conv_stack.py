"""CNNs made of `ConvBNPoolDropout` stages: one config, one builder.

Every from-scratch CNN of the seed reports (Li's models 1 to 3, Schnack's,
Donzella's and NTUA's) is a `ConvStackConfig` in `conv_stack_presets`;
`conv_stack(config, num_classes)` builds it, for the registry and for
`ConvStackHyperModel` alike, so a documented point cannot drift from its
architecture.
"""

import dataclasses

import keras

from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation

ORDERS = ("conv-act-bn", "conv-bn-act", "bn-act-conv")
PADDINGS = ("same", "valid")
POOLS = ("max", None)


def _per_stage(name: str, value, stages: int, check) -> tuple:
    """One value per stage, from one value or a sequence of `stages`."""
    if not isinstance(value, (tuple, list)):
        return (check(name, value),) * stages
    if len(value) != stages:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected one value or a "
            f"sequence of {stages} (one per stage). Received {name}={value!r}"
        )
    return tuple(check(name, item) for item in value)


def _dropout_per_stage(value, stages: int) -> tuple[float, ...]:
    if isinstance(value, (tuple, list)) and len(value) != stages:
        raise ValueError(
            "Invalid value for argument `dropout`. Expected a float in "
            f"[0, 1) or a sequence of {stages} such floats (one per "
            f"stage). Received dropout={value!r}"
        )
    return _per_stage("dropout", value, stages, validation.rate)


def _padding(name: str, value) -> str:
    return validation.one_of(name, value, PADDINGS)


def _pool(name: str, value):
    return validation.one_of(name, value, POOLS)


@dataclasses.dataclass(frozen=True)
class ConvStackConfig:
    """A CNN of `ConvBNPoolDropout` stages, a dense head and a classifier.

    The model is an optional `Rescaling(1/255)`, one `ConvBNPoolDropout`
    stage per entry of `filters` (named `stage_1`, `stage_2`, ...),
    `Flatten`, an optional hidden `Dense` layer (`dense`, then optional
    BatchNorm `dense_bn` and dropout) and the classifier `predictions`.
    Fields that take "one value or one per stage" accept either.

    Attributes:
        filters: ints, the filters of each stage; their number is the
            number of stages.
        convs: convolutions per stage: an int or one per stage.
            Defaults to `1`.
        padding: `"same"` or `"valid"`, or one per stage. Defaults to
            `"same"`.
        pool: `"max"` (2x2 max-pooling) or `None`, or one per stage.
            Defaults to `"max"`.
        batch_norm: bool, BatchNorm after each convolution. Defaults to
            `True`.
        order: `"conv-act-bn"`, `"conv-bn-act"` or `"bn-act-conv"`.
        activation: activation of the stages and the hidden dense layer,
            e.g. `"relu"` or `"Mish"` (this package's). Defaults to
            `"relu"`.
        kernel_initializer: of the convolutions and the hidden dense layer.
        l2: float >= 0, L2 factor on the conv kernels (0: none).
        dropout: rate after each stage: a float in [0, 1) or one per stage.
        head_units: int, units of the hidden dense layer, or `None` (the
            default) for none.
        head_batch_norm: bool, BatchNorm after the hidden dense layer.
        head_dropout: float in [0, 1), dropout after it.
        head_dropout_name: name of that dropout layer. Defaults to
            `"dense_dropout"`; Li's model 2 calls it `"dropout"`.
        rescaling: bool, whether the model divides 0-255 pixels by 255
            itself.
        kernel_size: int, the convolution window. Defaults to `3`.
        batch_norm_momentum: float in [0, 1), of every BatchNorm.
            Defaults to `0.99` (Keras').

    Example:

    >>> from keras_cifar_blocks.architectures.conv_stack import (
    ...     ConvStackConfig, conv_stack)
    >>> config = ConvStackConfig(filters=(32, 64), padding="valid",
    ...                          batch_norm=False)
    >>> conv_stack(config, num_classes=10).count_params()
    42442
    >>> config.stages, config.stage_dropouts()
    (2, (0.0, 0.0))
    >>> ConvStackConfig(filters=(32, 64), dropout=(0.1, 0.2, 0.3))
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `dropout`. Expected a float ...
    """

    filters: tuple[int, ...]
    convs: int | tuple[int, ...] = 1
    padding: str | tuple[str, ...] = "same"
    pool: str | None | tuple = "max"
    batch_norm: bool = True
    order: str = "conv-act-bn"
    activation: str = "relu"
    kernel_initializer: str = "glorot_uniform"
    l2: float = 0.0
    dropout: float | tuple[float, ...] = 0.0
    head_units: int | None = None
    head_batch_norm: bool = False
    head_dropout: float = 0.0
    head_dropout_name: str = "dense_dropout"
    rescaling: bool = False
    kernel_size: int = 3
    batch_norm_momentum: float = 0.99

    def __post_init__(self):
        if not isinstance(self.filters, (tuple, list)) or not self.filters:
            raise ValueError(
                "Invalid value for argument `filters`. Expected a sequence "
                f"of ints, one per stage. Received filters={self.filters!r}"
            )
        object.__setattr__(self, "filters", tuple(self.filters))
        for width in self.filters:
            validation.positive_int("filters", width)
        self.stage_convs()
        self.stage_paddings()
        self.stage_pools()
        self.stage_dropouts()
        validation.boolean("batch_norm", self.batch_norm)
        validation.one_of("order", self.order, ORDERS)
        validation.non_negative_float("l2", self.l2)
        if self.head_units is not None:
            validation.positive_int("head_units", self.head_units)
        validation.boolean("head_batch_norm", self.head_batch_norm)
        validation.rate("head_dropout", self.head_dropout)
        validation.boolean("rescaling", self.rescaling)
        validation.positive_int("kernel_size", self.kernel_size)
        validation.rate("batch_norm_momentum", self.batch_norm_momentum)

    @property
    def stages(self) -> int:
        """The number of stages."""
        return len(self.filters)

    def stage_convs(self) -> tuple[int, ...]:
        """The convolutions of each stage."""
        return _per_stage(
            "convs", self.convs, self.stages, validation.positive_int
        )

    def stage_paddings(self) -> tuple[str, ...]:
        """The padding of each stage."""
        return _per_stage("padding", self.padding, self.stages, _padding)

    def stage_pools(self) -> tuple:
        """The pooling of each stage (`"max"` or `None`)."""
        return _per_stage("pool", self.pool, self.stages, _pool)

    def stage_dropouts(self) -> tuple[float, ...]:
        """The dropout rate after each stage."""
        return _dropout_per_stage(self.dropout, self.stages)

    def per_stage(self) -> "ConvStackConfig":
        """The same network with every per-stage field spelled per stage.

        Two configs of the same network compare equal once both are
        spelled this way (`convs=2` and `convs=(2, 2, 2)` alike).
        """
        return dataclasses.replace(
            self,
            convs=self.stage_convs(),
            padding=self.stage_paddings(),
            pool=self.stage_pools(),
            dropout=self.stage_dropouts(),
        )


def _stages(config: ConvStackConfig) -> list:
    regularizer = keras.regularizers.L2(config.l2) if config.l2 else None
    return [
        ConvBNPoolDropout(
            filters,
            convs=convs,
            kernel_size=config.kernel_size,
            activation=config.activation,
            batch_norm=config.batch_norm,
            order=config.order,
            pool=pool,
            dropout=rate,
            padding=padding,
            kernel_initializer=config.kernel_initializer,
            kernel_regularizer=regularizer,
            momentum=config.batch_norm_momentum,
            name=f"stage_{index}",
        )
        for index, (filters, convs, padding, pool, rate) in enumerate(
            zip(
                config.filters,
                config.stage_convs(),
                config.stage_paddings(),
                config.stage_pools(),
                config.stage_dropouts(),
                strict=True,
            ),
            start=1,
        )
    ]


def _head(config: ConvStackConfig) -> list:
    if config.head_units is None:
        return []
    layers = [
        keras.layers.Dense(
            config.head_units,
            activation=config.activation,
            kernel_initializer=config.kernel_initializer,
            name="dense",
        )
    ]
    if config.head_batch_norm:
        layers.append(
            keras.layers.BatchNormalization(
                momentum=config.batch_norm_momentum, name="dense_bn"
            )
        )
    if config.head_dropout:
        layers.append(
            keras.layers.Dropout(
                config.head_dropout, name=config.head_dropout_name
            )
        )
    return layers


def conv_stack(
    config,
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="conv_stack",
    classifier_activation="softmax",
):
    """Build the `keras.Sequential` CNN a `ConvStackConfig` describes.

    Args:
        config: a `ConvStackConfig`.
        num_classes: int, number of output classes.
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        name: the model's name. Defaults to `"conv_stack"`.
        classifier_activation: activation of the output layer; `None`
            gives logits. Defaults to `"softmax"`.

    Returns:
        An uncompiled `keras.Sequential`; the input layer is `images`,
        the output layer `predictions` (float32 under mixed precision
        too).

    Example:

    >>> from keras_cifar_blocks.architectures import get_architecture
    >>> from keras_cifar_blocks.architectures.conv_stack import conv_stack
    >>> config = get_architecture("donzella_cnn").config
    >>> config.stage_convs(), config.stage_dropouts()
    ((2, 2, 1), (0.2, 0.3, 0.4))
    >>> conv_stack(config, num_classes=10).count_params()
    404778
    """
    validation.instance_of("config", config, ConvStackConfig)
    layers = [keras.Input(input_shape, name="images")]
    if config.rescaling:
        layers.append(keras.layers.Rescaling(1 / 255, name="rescaling"))
    layers += _stages(config)
    layers.append(keras.layers.Flatten(name="flatten"))
    layers += _head(config)
    layers.append(
        keras.layers.Dense(
            num_classes,
            activation=classifier_activation,
            name="predictions",
            dtype="float32",  # float32 under mixed precision too
        )
    )
    return keras.Sequential(layers, name=name)
