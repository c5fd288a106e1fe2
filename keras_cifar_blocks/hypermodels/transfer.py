"""A search space of pretrained backbones with a small-image head."""

import keras

from keras_cifar_blocks import backbones as backbone_registry
from keras_cifar_blocks.architectures import transfer_classifier
from keras_cifar_blocks.architectures import unfreeze_top_layers
from keras_cifar_blocks.hypermodels import base_hypermodel as base
from keras_cifar_blocks.utils import validation as check

BACKBONES = (
    "MobileNetV2",
    "VGG16",
    "ResNet50",
    "DenseNet121",
    "InceptionResNetV2",
)
IMAGE_SIZES = (32, 96, 160, 224, 299)
POOLINGS = ("avg", "max", "flatten")
HEAD_UNITS = (0, 128, 256, 512)
SECOND_HEAD_UNITS = (0, 64, 128)

_NTUA = {
    "image_size": 224,
    "pooling": "avg",
    "head_units": 0,
    "dropout": 0.2,
    "trainable_layers": 0,
    "optimizer": "adam",
    "learning_rate": 0.001,
}
POINTS = {
    "donzella_inception_resnet_v2": {
        "backbone": "InceptionResNetV2",
        "image_size": 299,
        "pooling": "avg",
        "head_units": 512,
        "second_head_units": 128,
        "head_batch_norm": True,
        "dropout": 0.5,
        "trainable_layers": 0,
        "optimizer": "adam",
        "learning_rate": 0.001,
    },
    "ntua_vgg16": {"backbone": "VGG16", **_NTUA},
    "ntua_resnet": {"backbone": "ResNet50", **_NTUA},
    "ntua_densenet": {"backbone": "DenseNet121", **_NTUA},
    "badzioch2024_mobilenet_v2": {
        "backbone": "MobileNetV2",
        "image_size": 32,
        "pooling": "flatten",
        "head_units": 256,
        "second_head_units": 0,
        "head_batch_norm": False,
        "dropout": 0.5,
        "trainable_layers": 10,
        "optimizer": "adam",
        "learning_rate": 0.01,
    },
}


class TransferHyperModel(base.CifarHyperModel):
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

    POINTS = POINTS
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
        optimizers=base.OPTIMIZERS,
        learning_rate_range=(1e-5, 1e-1),
        momentum=0.9,
        loss="sparse_categorical_crossentropy",
        name=None,
        tunable=True,
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
        )
        if weights is not None and not isinstance(weights, str):
            raise TypeError(
                "Invalid type for argument `weights`. Expected 'imagenet', "
                f"None or the path of a weights file. Received "
                f"weights={weights!r} of type {type(weights).__name__}"
            )
        self.weights = weights
        self.backbones = tuple(
            backbone_registry.get_backbone_spec(name).name
            for name in base.check_choices("backbones", backbones)
        )
        self.image_sizes = base.check_choices("image_sizes", image_sizes)
        for size in self.image_sizes:
            check.positive_int("image_sizes", size)
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
        s = {}
        s["backbone"] = base.choice(
            hp,
            "backbone",
            self.backbones,
            "MobileNetV2" if "MobileNetV2" in self.backbones else None,
        )
        s["image_size"] = base.choice(
            hp,
            "image_size",
            self.image_sizes,
            32 if 32 in self.image_sizes else None,
        )
        s["pooling"] = base.choice(hp, "pooling", POOLINGS, "flatten")
        s["head_units"] = base.choice(hp, "head_units", HEAD_UNITS, 256)
        head = {"head_units": [units for units in HEAD_UNITS if units]}
        second = base.choice(
            hp, "second_head_units", SECOND_HEAD_UNITS, 0, when=head
        )
        head_batch_norm = base.boolean(hp, "head_batch_norm", False, when=head)
        s["second_head_units"] = second or 0
        s["head_batch_norm"] = bool(head_batch_norm)
        s["dropout"] = base.number(hp, "dropout", 0.0, 0.5, 0.5, 0.1)
        s["trainable_layers"] = base.integer(
            hp,
            "trainable_layers",
            0,
            self.max_trainable_layers,
            min(10, self.max_trainable_layers),
        )
        return s

    @staticmethod
    def _input_size(settings) -> int:
        """`image_size`, raised to the backbone's smallest input."""
        low_h, low_w = backbone_registry.get_backbone_spec(
            settings["backbone"]
        ).min_input_size
        return max(settings["image_size"], low_h, low_w)

    def _build_model(self, s):
        head = tuple(
            units
            for units in (s["head_units"], s["second_head_units"])
            if units
        )
        model = transfer_classifier(
            s["backbone"],
            self.num_classes,
            input_shape=self.input_shape,
            weights=self.weights,
            image_size=self._input_size(s),
            head_units=head,
            head_batch_norm=s["head_batch_norm"],
            dropout=s["dropout"],
            pooling=s["pooling"],
        )
        if s["trainable_layers"]:
            # A backbone with fewer layers (VGG16 has 18) is fine-tuned
            # whole: every value of the space builds, whatever the backbone.
            layers = [
                layer
                for layer in model.get_layer("backbone").layers
                if not isinstance(layer, keras.layers.InputLayer)
            ]
            unfreeze_top_layers(model, min(s["trainable_layers"], len(layers)))
        return model

    def _takes_raw_pixels(self, settings):
        return True
