"""A search space of pretrained backbones with a small-image head."""

import dataclasses

from keras_cifar_blocks.architectures.transfer_classifier import POOLINGS
from keras_cifar_blocks.architectures.transfer_classifier import TransferConfig
from keras_cifar_blocks.architectures.transfer_classifier import (
    backbone_layer_count,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_from_config,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    unfreeze_top_layers,
)
from keras_cifar_blocks.backbones import get_backbone_spec
from keras_cifar_blocks.hypermodels import base_hypermodel
from keras_cifar_blocks.utils import validation

BACKBONES = (
    "MobileNetV2",
    "VGG16",
    "ResNet50",
    "DenseNet121",
    "InceptionResNetV2",
)
IMAGE_SIZES = (32, 96, 160, 224, 299)
HEAD_UNITS = (0, 128, 256, 512)
SECOND_HEAD_UNITS = (0, 64, 128)


class TransferHyperModel(base_hypermodel.CifarHyperModel):
    """A KerasTuner search space of transfer classifiers.

    Each model is `keras_cifar_blocks.transfer_classifier`: a
    `TransferAdapter` (resize, then the backbone's own preprocessing), a
    `keras.applications` backbone from `keras_cifar_blocks.backbones`,
    pooling, up to two dense layers and the classifier; the top
    `trainable_layers` layers of the backbone are fine-tuned
    (`unfreeze_top_layers`, BatchNorm stays frozen). Models take raw 0-255
    pixels.

    Hyperparameters (declared in `build`; defaults give
    `badzioch2024_mobilenet_v2`):

    - `backbone` (one of `backbones`; `"MobileNetV2"`).
    - `image_size` (one of `image_sizes`; `32`): the size the adapter
      resizes to, raised to the backbone's smallest input where that is
      larger (InceptionResNetV2 and InceptionV3: 75, Xception: 71), so
      that every backbone builds at every size.
    - `pooling` (`"avg"`, `"max"`, `"flatten"`; `"flatten"`).
    - `head_units` (0, 128, 256, 512; `256`; 0 = a linear classifier)
      and, with a dense layer, `second_head_units` (0, 64, 128; `0`) and
      `head_batch_norm` (bool; `False`).
    - `dropout` (0 to 0.5 in steps of 0.1; `0.5`): after each dense layer,
      or before the classifier when there is none.
    - `trainable_layers` (int, 0 to `max_trainable_layers`; `10`); a
      backbone with fewer layers (VGG16: 18) is fine-tuned whole.
    - `optimizer` (`"adam"`) and `learning_rate` (log scale; `0.01`).

    Args:
        num_classes: int, number of output classes.
        input_shape: shape of one raw input image. Defaults to
            `(32, 32, 3)`.
        weights: `"imagenet"` (downloads the weights on first use), `None`
            (random initialization, no network) or a weights file.
        backbones: backbone names the `backbone` hyperparameter chooses
            from; see `keras_cifar_blocks.backbones.backbone_names()`.
        image_sizes: the sizes `image_size` chooses from.
        max_trainable_layers: int, the most backbone layers unfrozen.
            Defaults to `20`.
        optimizers: optimizer names for the `optimizer` hyperparameter.
        learning_rate_range: `(low, high)` of the `learning_rate`
            hyperparameter. Defaults to `(1e-5, 0.1)`.
        momentum: float, SGD momentum. Defaults to `0.9`.
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
    >>> from keras_cifar_blocks.hypermodels import TransferHyperModel
    >>> hypermodel = TransferHyperModel(num_classes=10, weights=None)
    >>> space = hypermodel.space()
    >>> space.get("backbone"), space.get("image_size"), space.get("pooling")
    ('MobileNetV2', 32, 'flatten')
    >>> list(hypermodel.documented_points())[:2]
    ['donzella_inception_resnet_v2', 'ntua_vgg16']
    >>> hp = keras_tuner.HyperParameters()
    >>> hp.Fixed("backbone", "VGG16")
    'VGG16'
    >>> hp.Fixed("image_size", 16)
    16
    >>> hypermodel.validate(hp)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidHyperparametersError: Invalid value for hyperparameter ...
    """

    CONFIG = TransferConfig
    DEFAULT_OPTIMIZER = "adam"
    DEFAULT_LEARNING_RATE = 0.01

    def __init__(
        self,
        num_classes,
        input_shape=(32, 32, 3),
        *,
        weights="imagenet",
        backbones=BACKBONES,
        image_sizes=IMAGE_SIZES,
        max_trainable_layers=20,
        optimizers=base_hypermodel.OPTIMIZERS,
        learning_rate_range=(1e-5, 1e-1),
        momentum=0.9,
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
            nesterov=False,
            loss=loss,
            name=name,
            tunable=tunable,
            dtype_policy=dtype_policy,
        )
        if weights is not None and not isinstance(weights, str):
            raise TypeError(
                "Invalid type for argument `weights`. Expected 'imagenet', "
                f"None or the path of a weights file. Received "
                f"weights={weights!r} of type {type(weights).__name__}"
            )
        self.weights = weights
        self.backbones = tuple(
            get_backbone_spec(name).name
            for name in base_hypermodel.check_choices("backbones", backbones)
        )
        self.image_sizes = base_hypermodel.check_choices(
            "image_sizes", image_sizes
        )
        for size in self.image_sizes:
            validation.positive_int("image_sizes", size)
        if isinstance(max_trainable_layers, bool) or not isinstance(
            max_trainable_layers, int
        ):
            raise TypeError(
                "Invalid type for argument `max_trainable_layers`. Expected "
                f"an int. Received max_trainable_layers="
                f"{max_trainable_layers!r}"
            )
        if max_trainable_layers < 0:
            raise ValueError(
                "Invalid value for argument `max_trainable_layers`. Expected "
                "an integer >= 0. Received "
                f"max_trainable_layers={max_trainable_layers}"
            )
        self.max_trainable_layers = max_trainable_layers

    def _declare(self, hp):
        settings = {}
        settings["backbone"] = base_hypermodel.choice(
            hp,
            "backbone",
            self.backbones,
            "MobileNetV2" if "MobileNetV2" in self.backbones else None,
        )
        settings["image_size"] = base_hypermodel.choice(
            hp,
            "image_size",
            self.image_sizes,
            32 if 32 in self.image_sizes else None,
        )
        settings["pooling"] = base_hypermodel.choice(
            hp, "pooling", POOLINGS, "flatten"
        )
        settings["head_units"] = base_hypermodel.choice(
            hp, "head_units", HEAD_UNITS, 256
        )
        head = {"head_units": [units for units in HEAD_UNITS if units]}
        second = base_hypermodel.choice(
            hp, "second_head_units", SECOND_HEAD_UNITS, 0, when=head
        )
        head_batch_norm = base_hypermodel.boolean(
            hp, "head_batch_norm", False, when=head
        )
        settings["second_head_units"] = second or 0
        settings["head_batch_norm"] = bool(head_batch_norm)
        settings["dropout"] = base_hypermodel.number(
            hp, "dropout", 0.0, 0.5, 0.5, 0.1
        )
        settings["trainable_layers"] = base_hypermodel.integer(
            hp,
            "trainable_layers",
            0,
            self.max_trainable_layers,
            min(10, self.max_trainable_layers),
        )
        return settings

    @staticmethod
    def _input_size(settings) -> int:
        """`image_size`, raised to the backbone's smallest input."""
        low_h, low_w = get_backbone_spec(settings["backbone"]).min_input_size
        return max(settings["image_size"], low_h, low_w)

    def _config(self, settings) -> TransferConfig:
        """The model that `settings` describe, as the registry holds it."""
        return TransferConfig(
            settings["backbone"],
            image_size=self._input_size(settings),
            head_units=tuple(
                units
                for units in (
                    settings["head_units"],
                    settings["second_head_units"],
                )
                if units
            ),
            head_batch_norm=settings["head_batch_norm"],
            dropout=settings["dropout"],
            pooling=settings["pooling"],
            trainable_layers=settings["trainable_layers"] or None,
            weights=self.weights,
        )

    def _canonical(self, config) -> TransferConfig:
        return config.resolved()

    def _comparable(self, config) -> TransferConfig:
        # The weights are a fixed argument of the space.
        return dataclasses.replace(
            self._canonical(config), weights=self.weights
        )

    def _point(self, config) -> dict:
        """The hyperparameter values of a `TransferConfig`."""
        head = config.head_units
        values = {
            "backbone": config.backbone,
            "image_size": config.resolved().image_size,
            "pooling": config.pooling,
            "head_units": head[0] if head else 0,
        }
        if head:
            values["second_head_units"] = head[1] if len(head) > 1 else 0
            values["head_batch_norm"] = config.head_batch_norm
        values["dropout"] = config.dropout
        values["trainable_layers"] = config.trainable_layers or 0
        return values

    def _build_model(self, settings):
        config = self._config(settings)
        model = transfer_from_config(
            dataclasses.replace(config, trainable_layers=None),
            self.num_classes,
            self.input_shape,
        )
        if config.trainable_layers:
            # A backbone with fewer layers (VGG16 has 18) is fine-tuned
            # whole: every value of the space builds, whatever the backbone.
            unfreeze_top_layers(
                model,
                min(config.trainable_layers, backbone_layer_count(model)),
            )
        return model

    def _takes_raw_pixels(self, settings):
        return True
