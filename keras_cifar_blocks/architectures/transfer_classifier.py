"""A pretrained `keras.applications` backbone with a small-image head.

`transfer_classifier(backbone, num_classes)` builds one and
`unfreeze_top_layers` fine-tunes its top; a `TransferConfig` (in
`transfer_presets` for the documented ones) is the same model as data,
which `transfer_from_config` builds for the registry and for
`TransferHyperModel` alike.
"""

import dataclasses

import keras

from keras_cifar_blocks import backbones
from keras_cifar_blocks.layers import TransferAdapter
from keras_cifar_blocks.utils import validation

POOLINGS = ("avg", "max", "flatten")
_POOLING_LAYERS = {
    "avg": keras.layers.GlobalAveragePooling2D,
    "max": keras.layers.GlobalMaxPooling2D,
    "flatten": keras.layers.Flatten,
}
_POOLING_NAMES = {"avg": "avg_pool", "max": "max_pool", "flatten": "flatten"}


def transfer_classifier(
    backbone,
    num_classes,
    input_shape=(32, 32, 3),
    weights="imagenet",
    image_size=None,
    head_units=(256,),
    head_batch_norm=True,
    dropout=0.5,
    pooling="avg",
    head_activation="relu",
    classifier_activation="softmax",
    trainable=False,
    name=None,
):
    """Wrap a `keras.applications` backbone for small raw images.

    The model is `TransferAdapter` (resize + the backbone's own
    preprocessing), the backbone without its top, pooling, then for each
    entry of `head_units` a `Dense` layer followed by BatchNorm (optional)
    and dropout, then the classifier. The model takes raw 0-255 images.

    The backbone is called with `training=False`, so its BatchNorm layers
    stay in inference mode even after `unfreeze_top_layers`, as the Keras
    fine-tuning guide recommends.

    Args:
        backbone: name of a `keras.applications` backbone, e.g.
            `"InceptionResNetV2"`; see
            `keras_cifar_blocks.backbones.backbone_names()`.
        num_classes: int, number of output classes.
        input_shape: shape of one raw input image. Defaults to
            `(32, 32, 3)`.
        weights: `"imagenet"` (downloads the weights on first use), `None`
            (random initialization) or the path to a weights file.
        image_size: size the adapter resizes to; defaults to the
            backbone's input size (e.g. 299 for InceptionResNetV2).
        head_units: sequence of ints, widths of the dense head layers.
            Defaults to `(256,)`; `()` gives a linear classifier.
        head_batch_norm: bool, BatchNorm after each head layer.
        dropout: float in [0, 1), dropout after each head layer and, when
            `head_units` is empty, before the classifier.
        pooling: `"avg"` (global average), `"max"` or `"flatten"`.
        head_activation: activation of the head layers.
        classifier_activation: activation of the output layer; `None`
            gives logits.
        trainable: bool, whether the backbone's weights are trained.
            Defaults to `False` (feature extraction).
        name: model name; defaults to `"{backbone}_classifier"`.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import keras_cifar_blocks as kcb
    >>> model = kcb.transfer_classifier(
    ...     "MobileNetV2", num_classes=10, weights=None, image_size=96)
    >>> model.output_shape
    (None, 10)
    >>> model.get_layer("backbone").trainable
    False
    """
    spec = backbones.get_backbone_spec(backbone)
    validation.positive_int("num_classes", num_classes)
    validation.one_of("pooling", pooling, POOLINGS)
    head_units = tuple(head_units)
    for units in head_units:
        validation.positive_int("head_units", units)
    validation.rate("dropout", dropout)
    validation.boolean("head_batch_norm", head_batch_norm)
    validation.boolean("trainable", trainable)

    inputs = keras.Input(input_shape, name="images")
    adapter = TransferAdapter(spec.name, image_size=image_size, name="adapter")
    features = adapter(inputs)
    base = spec.build(
        include_top=False,
        weights=weights,
        input_shape=(*adapter.image_size, 3),
        name="backbone",
    )
    base.trainable = trainable
    features = base(features, training=False)
    features = _POOLING_LAYERS[pooling](name=_POOLING_NAMES[pooling])(features)
    for index, units in enumerate(head_units):
        features = keras.layers.Dense(
            units, activation=head_activation, name=f"head_dense_{index}"
        )(features)
        if head_batch_norm:
            features = keras.layers.BatchNormalization(name=f"head_bn_{index}")(
                features
            )
        if dropout:
            features = keras.layers.Dropout(
                dropout, name=f"head_dropout_{index}"
            )(features)
    if not head_units and dropout:
        features = keras.layers.Dropout(dropout, name="head_dropout")(features)
    outputs = keras.layers.Dense(
        num_classes,
        activation=classifier_activation,
        name="predictions",
        dtype="float32",  # float32 under mixed precision too
    )(features)
    return keras.Model(
        inputs, outputs, name=name or f"{spec.name.lower()}_classifier"
    )


def unfreeze_top_layers(model, num_layers):
    """Make the top `num_layers` layers of a backbone trainable.

    Everything below them stays frozen, and BatchNormalization layers stay
    frozen everywhere (their statistics came from ImageNet; updating them
    on a few small batches destroys them). Compile the model again after
    calling this, so the change takes effect.

    Args:
        model: a model from `transfer_classifier` (its `"backbone"` layer is
            used) or a backbone model itself.
        num_layers: int >= 0, how many of the backbone's top layers to
            unfreeze; `0` freezes the whole backbone.

    Returns:
        The list of names of the layers made trainable, bottom to top.

    Example:

    >>> import keras_cifar_blocks as kcb
    >>> model = kcb.transfer_classifier(
    ...     "MobileNetV2", num_classes=10, weights=None, image_size=96)
    >>> names = kcb.unfreeze_top_layers(model, 3)
    >>> names
    ['Conv_1', 'out_relu']
    >>> model.get_layer("backbone").get_layer("Conv_1").trainable
    True
    """
    if isinstance(num_layers, bool) or not isinstance(num_layers, int):
        raise TypeError(
            "Invalid type for argument `num_layers`. Expected an int. "
            f"Received num_layers={num_layers!r}"
        )
    if num_layers < 0:
        raise ValueError(
            "Invalid value for argument `num_layers`. Expected an integer "
            f">= 0. Received num_layers={num_layers}"
        )
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Invalid type for argument `model`. Expected a keras.Model. "
            f"Received model={model!r}"
        )
    names = [layer.name for layer in model.layers]
    base = model.get_layer("backbone") if "backbone" in names else model
    layers = [
        layer
        for layer in base.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    if num_layers > len(layers):
        raise ValueError(
            "Invalid value for argument `num_layers`. The backbone has "
            f"{len(layers)} layers. Received num_layers={num_layers}"
        )
    base.trainable = True
    cut = len(layers) - num_layers
    unfrozen = []
    for index, layer in enumerate(layers):
        trainable = index >= cut and not isinstance(
            layer, keras.layers.BatchNormalization
        )
        layer.trainable = trainable
        if trainable:
            unfrozen.append(layer.name)
    if not unfrozen:
        base.trainable = False
    return unfrozen


def backbone_layer_count(model) -> int:
    """The layers of a transfer model's backbone, less its input layer."""
    names = [layer.name for layer in model.layers]
    base = model.get_layer("backbone") if "backbone" in names else model
    return sum(
        not isinstance(layer, keras.layers.InputLayer) for layer in base.layers
    )


@dataclasses.dataclass(frozen=True)
class TransferConfig:
    """A transfer classifier as data: what `transfer_classifier` takes.

    Attributes:
        backbone: name of a `keras.applications` backbone; see
            `keras_cifar_blocks.backbones.backbone_names()`.
        image_size: size the adapter resizes to, or `None` (the default)
            for the backbone's input size.
        head_units: ints, widths of the dense head layers. Defaults to
            `()`: a linear classifier.
        head_batch_norm: bool, BatchNorm after each head layer.
        dropout: float in [0, 1), after each head layer (before the
            classifier when there is none). Defaults to `0.5`.
        pooling: `"avg"`, `"max"` or `"flatten"`. Defaults to `"avg"`.
        trainable: bool, whether the whole backbone trains. Defaults to
            `False`.
        trainable_layers: int >= 0, the top backbone layers made
            trainable with `unfreeze_top_layers`, or `None` (the default)
            to leave the backbone as `trainable` says.
        weights: `"imagenet"`, `None` (random initialization, no network)
            or a weights file. Defaults to `"imagenet"`.

    Example:

    >>> from keras_cifar_blocks.architectures.transfer_classifier import (
    ...     TransferConfig, transfer_from_config)
    >>> config = TransferConfig("MobileNetV2", image_size=32, weights=None,
    ...                         trainable_layers=3)
    >>> model = transfer_from_config(config, num_classes=10)
    >>> [layer.name for layer in model.get_layer("backbone").layers
    ...  if layer.trainable_weights]
    ['Conv_1']
    """

    backbone: str
    image_size: int | None = None
    head_units: tuple[int, ...] = ()
    head_batch_norm: bool = False
    dropout: float = 0.5
    pooling: str = "avg"
    trainable: bool = False
    trainable_layers: int | None = None
    weights: str | None = "imagenet"

    def __post_init__(self):
        backbones.get_backbone_spec(self.backbone)
        object.__setattr__(self, "head_units", tuple(self.head_units))
        for units in self.head_units:
            validation.positive_int("head_units", units)
        validation.boolean("head_batch_norm", self.head_batch_norm)
        validation.rate("dropout", self.dropout)
        validation.one_of("pooling", self.pooling, POOLINGS)
        validation.boolean("trainable", self.trainable)
        if self.trainable_layers is not None:
            validation.non_negative_int(
                "trainable_layers", self.trainable_layers
            )

    def resolved(self) -> "TransferConfig":
        """The same model, `image_size` set to the size the adapter uses."""
        if self.image_size is not None:
            return self
        height, width = backbones.get_backbone_spec(self.backbone).input_size
        size = height if height == width else (height, width)
        return dataclasses.replace(self, image_size=size)


def transfer_from_config(
    config,
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name=None,
    classifier_activation="softmax",
):
    """Build the `transfer_classifier` a `TransferConfig` describes.

    Then, when `config.trainable_layers` is set, `unfreeze_top_layers`.

    Args:
        config: a `TransferConfig`.
        num_classes: int, number of output classes.
        input_shape: shape of one raw input image. Defaults to
            `(32, 32, 3)`.
        name: model name; defaults to `"{backbone}_classifier"`.
        classifier_activation: activation of the output layer; `None`
            gives logits. Defaults to `"softmax"`.

    Returns:
        An uncompiled functional `keras.Model`.
    """
    validation.instance_of("config", config, TransferConfig)
    model = transfer_classifier(
        config.backbone,
        num_classes,
        input_shape=input_shape,
        weights=config.weights,
        image_size=config.image_size,
        head_units=config.head_units,
        head_batch_norm=config.head_batch_norm,
        dropout=config.dropout,
        pooling=config.pooling,
        classifier_activation=classifier_activation,
        trainable=config.trainable,
        name=name,
    )
    if config.trainable_layers is not None:
        unfreeze_top_layers(model, config.trainable_layers)
    return model
