"""A search space of wide residual networks (WRN-d-k)."""

import dataclasses

from keras_cifar_blocks.architectures.wide_resnet import WideResNetConfig
from keras_cifar_blocks.architectures.wide_resnet import check_depth
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet_from_config
from keras_cifar_blocks.hypermodels import base_hypermodel
from keras_cifar_blocks.utils import validation

MIN_DEPTH = 10
L2_FACTORS = (0.0, 1e-4, 2.5e-4, 5e-4)


class WideResNetHyperModel(base_hypermodel.CifarHyperModel):
    """A KerasTuner search space of wide residual networks.

    Each model is `keras_cifar_blocks.wide_resnet(depth, width)`, built
    from `WideResidualBlock`s. The depth follows the WRN rule
    `depth = 6 n + 4` by construction: the `depth` hyperparameter takes
    10, 16, 22, 28, ... up to `max_depth`.

    Hyperparameters (declared in `build`; defaults give
    `li2018_wrn_16_8`):

    - `depth` (int, 10 to `max_depth` in steps of 6; `16`).
    - `width` (int, 1 to `max_width`; `8`): the widening factor `k`.
    - `dropout` (0 to 0.5 in steps of 0.1; `0.0`): inside each block.
    - `l2` (0, 1e-4, 2.5e-4, 5e-4; `0.0`): L2 factor on every kernel
      (2.5e-4 is the paper's weight decay of 5e-4).
    - `optimizer` (one of `optimizers`; `"adam"`): SGD uses `momentum`
      and, by default, Nesterov momentum, as the paper.
    - `learning_rate` (log scale over `learning_rate_range`; `1e-3`):
      constant; the recipes' schedules are not searched.

    Models take pixels divided by 255, which `fit` does.

    Args:
        num_classes: int, number of output classes.
        input_shape: shape of one input image. Defaults to `(32, 32, 3)`.
        max_depth: int, the deepest network searched; `(max_depth - 4)`
            must be a multiple of 6. Defaults to `28`.
        max_width: int, the widest. Defaults to `10`.
        optimizers: optimizer names for the `optimizer` hyperparameter,
            among `"adam"`, `"sgd"` and `"rmsprop"`.
        learning_rate_range: `(low, high)` of the `learning_rate`
            hyperparameter. Defaults to `(1e-4, 0.1)`.
        momentum: float, SGD momentum. Defaults to `0.9`.
        nesterov: bool, Nesterov momentum for SGD. Defaults to `True`.
        loss: `"sparse_categorical_crossentropy"` (integer labels, the
            default) or `"categorical_crossentropy"` (one-hot labels).
        name: optional name of the hypermodel.
        tunable: bool, whether `build` adds its hyperparameters to the
            search space. Defaults to `True`.
        dtype_policy: the dtype policy every model is built under, e.g.
            `"mixed_bfloat16"`. Defaults to Keras' global policy when the
            hypermodel is made (tuners clear it before each build).

    Example:

    >>> import keras_tuner
    >>> from keras_cifar_blocks.hypermodels import WideResNetHyperModel
    >>> hypermodel = WideResNetHyperModel(num_classes=10)
    >>> space = hypermodel.space()
    >>> space.get("depth"), space.get("width"), space.get("optimizer")
    (16, 8, 'adam')
    >>> hypermodel.documented_points()["wrn_28_10"]
    {'depth': 28, 'width': 10, 'dropout': 0.3, 'l2': 0.00025,
     'optimizer': 'sgd', 'learning_rate': 0.1}
    >>> hp = keras_tuner.HyperParameters()
    >>> hp.Fixed("depth", 18)
    18
    >>> hypermodel.validate(hp)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidHyperparametersError: Invalid value for hyperparameter `depth`.
    >>> WideResNetHyperModel(num_classes=10, max_depth=30)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `max_depth`. ...
    """

    CONFIG = WideResNetConfig
    DEFAULT_OPTIMIZER = "adam"
    DEFAULT_LEARNING_RATE = 1e-3

    def __init__(
        self,
        num_classes,
        input_shape=(32, 32, 3),
        *,
        max_depth=28,
        max_width=10,
        optimizers=("sgd", "adam"),
        learning_rate_range=(1e-4, 1e-1),
        momentum=0.9,
        nesterov=True,
        loss="sparse_categorical_crossentropy",
        name=None,
        tunable=True,
        dtype_policy=None,
    ):
        super().__init__(
            num_classes,
            input_shape,
            optimizers=optimizers,
            learning_rate_range=learning_rate_range,
            momentum=momentum,
            nesterov=nesterov,
            loss=loss,
            name=name,
            tunable=tunable,
            dtype_policy=dtype_policy,
        )
        self.max_depth = check_depth("max_depth", max_depth)
        self.max_width = validation.positive_int("max_width", max_width)

    def _declare(self, hp):
        return {
            "depth": base_hypermodel.integer(
                hp,
                "depth",
                MIN_DEPTH,
                self.max_depth,
                min(16, self.max_depth),
                step=6,
            ),
            "width": base_hypermodel.integer(
                hp, "width", 1, self.max_width, min(8, self.max_width)
            ),
            "dropout": base_hypermodel.number(
                hp, "dropout", 0.0, 0.5, 0.0, 0.1
            ),
            "l2": base_hypermodel.choice(hp, "l2", L2_FACTORS, 0.0),
        }

    def _config(self, settings) -> WideResNetConfig:
        return WideResNetConfig(
            depth=settings["depth"],
            width=settings["width"],
            dropout=settings["dropout"],
            l2=settings["l2"],
        )

    def _point(self, config) -> dict:
        return dataclasses.asdict(config)

    def _build_model(self, settings):
        return wide_resnet_from_config(
            self._config(settings), self.num_classes, self.input_shape
        )
