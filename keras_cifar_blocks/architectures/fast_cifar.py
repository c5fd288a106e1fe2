"""`fast_cifar`: a short-schedule CIFAR-10 network in the style of airbench.

Not from a seed report: this package's recipe for reaching a target test
accuracy in the least wall time, built from `ConvBNPoolDropout` stages
(`FastCifarConfig`; the registry entry is in `fast_cifar_presets`).
The network follows airbench94 (Jordan 2024): a small stem, three groups
of two convolutions with max-pooling after the first, global max-pooling
and a bias-free linear classifier whose logits are scaled down. The
recipe keeps what fast CIFAR-10 trainings share: Nesterov SGD with
decoupled weight decay, a short warm-up then decay of the learning rate,
label smoothing, pad-crop-flip augmentation, BatchNorm momentum suited to
a few thousand steps, and test-time flip averaging.
`benchmarks/time_to_accuracy.py` measures it against the documented
architectures on the same machine and wall-time budget.
"""

import dataclasses

import keras

from keras_cifar_blocks.initializers import Dirac
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.layers import PatchWhitening
from keras_cifar_blocks.layers.conv_bn_pool_dropout import POOL_POSITIONS
from keras_cifar_blocks.utils import validation


@dataclasses.dataclass(frozen=True)
class FastCifarConfig:
    """The `fast_cifar` network as data.

    Attributes:
        widths: ints, the filters of each group. Defaults to
            `(64, 256, 256)`.
        stem_width: int, the filters of the 2x2 stem. Defaults to `24`.
        activation: after every BatchNorm. Defaults to `"relu"`.
        batch_norm_momentum: float in [0, 1). Defaults to `0.9`.
        logit_scale: float > 0, the factor on the logits. Defaults to
            `1 / 9`.
        batch_norm_epsilon: float > 0. Defaults to `1e-3` (Keras').
        batch_norm_scale: bool, whether BatchNorm learns a scale.
            Defaults to `True`.
        kernel_initializer: the Keras initializer of the convolutions: a
            name, or a serialized initializer (a dict, e.g.
            `keras.initializers.serialize(initializer)`). Defaults to
            `"he_normal"`.
        dirac_init: bool, whether the first filters of every 3x3
            convolution start as identities (`Dirac`, with
            `kernel_initializer` for the rest). Defaults to `False`.
        whitening: bool, whether the stem is a `PatchWhitening` layer
            (2x2 patches, `2 * 2 * 2 * channels` = 24 filters for RGB, no
            BatchNorm; `stem_width` is then unused) followed by the
            activation. Its kernel comes from the training images: call
            `adapt` on it (`train` does). Defaults to `False`.
        whitening_epsilon: float > 0, the whitening's `epsilon`.
            Defaults to `5e-4`.
        whitening_bias_trainable: bool, whether the whitening's bias is
            trained. Defaults to `True`.
        pool_position: where each group's first convolution pools:
            `"end"`, after its BatchNorm and activation, or
            `"after_conv"`, before them, as airbench94 (cheaper: they run
            on a quarter of the pixels). Defaults to `"end"`.
        bias_multiplier: float > 0, the BatchNorm offsets are this times
            their variables, so that SGD trains them at its square times
            the learning rate (`ConvBNPoolDropout`'s `beta_multiplier`).
            Defaults to `1.0`.

    Example:

    >>> from keras_cifar_blocks.architectures.fast_cifar import (
    ...     FastCifarConfig, fast_cifar)
    >>> model = fast_cifar(FastCifarConfig(widths=(16, 32)), num_classes=10)
    >>> [layer.name for layer in model.layers][:3]
    ['stem', 'group_1_a', 'group_1_b']
    >>> FastCifarConfig(widths=())
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `widths`. Expected at least ...
    """

    widths: tuple[int, ...] = (64, 256, 256)
    stem_width: int = 24
    activation: str = "relu"
    batch_norm_momentum: float = 0.9
    logit_scale: float = 1 / 9
    batch_norm_epsilon: float = 1e-3
    batch_norm_scale: bool = True
    kernel_initializer: str | dict = "he_normal"
    dirac_init: bool = False
    whitening: bool = False
    whitening_epsilon: float = 5e-4
    whitening_bias_trainable: bool = True
    pool_position: str = "end"
    bias_multiplier: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "widths", tuple(self.widths))
        if not self.widths:
            raise ValueError(
                "Invalid value for argument `widths`. Expected at least one "
                f"group width. Received widths={self.widths!r}"
            )
        for width in self.widths:
            validation.positive_int("widths", width)
        validation.positive_int("stem_width", self.stem_width)
        validation.rate("batch_norm_momentum", self.batch_norm_momentum)
        validation.positive_float("logit_scale", self.logit_scale)
        validation.positive_float("batch_norm_epsilon", self.batch_norm_epsilon)
        validation.boolean("batch_norm_scale", self.batch_norm_scale)
        try:
            known = isinstance(self.kernel_initializer, (str, dict)) and (
                keras.initializers.get(self.kernel_initializer) is not None
            )
        except (ValueError, TypeError):
            known = False
        if not known:
            raise ValueError(
                "Invalid value for argument `kernel_initializer`. Expected "
                "the name of a Keras initializer or a serialized one. "
                f"Received kernel_initializer={self.kernel_initializer!r}"
            )
        validation.boolean("dirac_init", self.dirac_init)
        validation.boolean("whitening", self.whitening)
        validation.positive_float("whitening_epsilon", self.whitening_epsilon)
        validation.boolean(
            "whitening_bias_trainable", self.whitening_bias_trainable
        )
        validation.one_of("pool_position", self.pool_position, POOL_POSITIONS)
        validation.positive_float("bias_multiplier", self.bias_multiplier)


def fast_cifar(
    config,
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="fast_cifar",
    classifier_activation="softmax",
):
    """Stem, `len(widths)` x (conv-pool, conv), global max-pool, linear.

    Every convolution is bias-free and followed by BatchNorm and the
    activation (`order="conv-bn-act"`). The stem is a 2x2 convolution with
    `"valid"` padding (32x32 becomes 31x31); each group is a 3x3
    convolution followed by 2x2 max-pooling, then a second 3x3
    convolution at the pooled resolution, which costs a quarter of the
    first. The classifier's logits are multiplied by `logit_scale`, which
    keeps the early softmax soft under a large learning rate.

    The config's airbench94 options change the pieces, not the layout:
    `whitening` makes the stem a frozen `PatchWhitening` convolution,
    `dirac_init` starts the 3x3 convolutions near the identity,
    `batch_norm_scale=False` leaves BatchNorm without a scale.

    Args:
        config: a `FastCifarConfig`.
        num_classes: int, number of output classes.
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        name: the model's name. Defaults to `"fast_cifar"`.
        classifier_activation: activation of the output layer; `None`
            gives logits. Defaults to `"softmax"`.

    Returns:
        An uncompiled `keras.Sequential`.
    """
    validation.instance_of("config", config, FastCifarConfig)
    options = {
        "order": "conv-bn-act",
        "activation": config.activation,
        "use_bias": False,
        "momentum": config.batch_norm_momentum,
        "epsilon": config.batch_norm_epsilon,
        "scale": config.batch_norm_scale,
        "beta_multiplier": config.bias_multiplier,
    }
    initializer = config.kernel_initializer
    group_initializer = Dirac(initializer) if config.dirac_init else initializer
    layers = [keras.Input(input_shape, name="images")]
    if config.whitening:
        layers += [
            PatchWhitening(
                kernel_size=2,
                epsilon=config.whitening_epsilon,
                bias_trainable=config.whitening_bias_trainable,
                name="stem",
            ),
            keras.layers.Activation(config.activation, name="stem_act"),
        ]
    else:
        layers.append(
            ConvBNPoolDropout(
                config.stem_width,
                kernel_size=2,
                padding="valid",
                pool=None,
                kernel_initializer=initializer,
                name="stem",
                **options,
            )
        )
    for index, width in enumerate(config.widths, start=1):
        layers += [
            ConvBNPoolDropout(
                width,
                pool="max",
                pool_position=config.pool_position,
                kernel_initializer=group_initializer,
                name=f"group_{index}_a",
                **options,
            ),
            ConvBNPoolDropout(
                width,
                pool=None,
                kernel_initializer=group_initializer,
                name=f"group_{index}_b",
                **options,
            ),
        ]
    layers += [
        keras.layers.GlobalMaxPooling2D(name="pool"),
        keras.layers.Dense(num_classes, use_bias=False, name="logits"),
        # In float32 under a mixed precision policy, as Keras advises for
        # the outputs: the softmax and the loss need the precision.
        keras.layers.Rescaling(
            config.logit_scale, name="logit_scale", dtype="float32"
        ),
        keras.layers.Activation(
            classifier_activation, name="predictions", dtype="float32"
        ),
    ]
    return keras.Sequential(layers, name=name)
