"""A pretrained `keras.applications` backbone with a small-image head."""

import keras

from keras_cifar_blocks import backbones
from keras_cifar_blocks.layers import TransferAdapter
from keras_cifar_blocks.utils import validation as check

POOLINGS = ("avg", "max", "flatten")


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
    check.positive_int("num_classes", num_classes)
    check.one_of("pooling", pooling, POOLINGS)
    head_units = tuple(head_units)
    for units in head_units:
        check.positive_int("head_units", units)
    check.rate("dropout", dropout)
    check.boolean("head_batch_norm", head_batch_norm)
    check.boolean("trainable", trainable)

    inputs = keras.Input(input_shape, name="images")
    adapter = TransferAdapter(spec.name, image_size=image_size, name="adapter")
    x = adapter(inputs)
    base = spec.build(
        include_top=False,
        weights=weights,
        input_shape=(*adapter.image_size, 3),
        name="backbone",
    )
    base.trainable = trainable
    x = base(x, training=False)
    if pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    else:
        x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(head_units):
        x = keras.layers.Dense(
            units, activation=head_activation, name=f"head_dense_{i}"
        )(x)
        if head_batch_norm:
            x = keras.layers.BatchNormalization(name=f"head_bn_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"head_dropout_{i}")(x)
    if not head_units and dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation=classifier_activation,
        name="predictions",
        dtype="float32",  # float32 under mixed precision too
    )(x)
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
    for i, layer in enumerate(layers):
        trainable = i >= cut and not isinstance(
            layer, keras.layers.BatchNormalization
        )
        layer.trainable = trainable
        if trainable:
            unfrozen.append(layer.name)
    if not unfrozen:
        base.trainable = False
    return unfrozen
