"""NTUA report on CIFAR-100: a simple CNN and three transfer models.

All four train with Adam, sparse categorical cross-entropy, batch 128
and early stopping once the validation loss has not improved for 25
epochs, the report's baseline.
"""

import keras

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import EarlyStoppingRule
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_classifier,
)
from keras_cifar_blocks.layers import ConvBNPoolDropout

SEED = "001_1916683a2f029551.txt"
CITATION = (
    "National Technical University of Athens, Neural Networks and "
    "Intelligent Computer Systems, 'Deep Learning' (CIFAR-100)"
)
BASELINE = "Objective"
EARLY_STOPPING = EarlyStoppingRule("val_loss", patience=25)


def simple_cnn(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="ntua_simple_cnn",
    classifier_activation="softmax",
):
    """Conv 32, pool, conv 64, pool, conv 64, dense 64, output (valid)."""
    return keras.Sequential(
        [
            keras.Input(input_shape, name="images"),
            ConvBNPoolDropout(
                32, batch_norm=False, padding="valid", name="stage_1"
            ),
            ConvBNPoolDropout(
                64, batch_norm=False, padding="valid", name="stage_2"
            ),
            ConvBNPoolDropout(
                64,
                batch_norm=False,
                padding="valid",
                pool=None,
                name="stage_3",
            ),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(64, activation="relu", name="dense"),
            keras.layers.Dense(
                num_classes,
                activation=classifier_activation,
                name="predictions",
                dtype="float32",  # float32 under mixed precision too
            ),
        ],
        name=name,
    )


def _transfer(backbone):
    def build(
        num_classes,
        input_shape=(32, 32, 3),
        *,
        name,
        weights="imagenet",
        dropout=0.2,
        image_size=None,
        trainable=False,
        classifier_activation="softmax",
    ):
        return transfer_classifier(
            backbone,
            num_classes,
            input_shape=input_shape,
            weights=weights,
            image_size=image_size,
            head_units=(),
            dropout=dropout,
            pooling="avg",
            classifier_activation=classifier_activation,
            trainable=trainable,
            name=name,
        )

    build.__name__ = f"{backbone.lower()}_transfer"
    build.__doc__ = (
        f"Frozen {backbone}, global average pooling, dropout, dense "
        "classifier (the report's transfer head)."
    )
    return build


vgg16 = _transfer("VGG16")
resnet50 = _transfer("ResNet50")
densenet121 = _transfer("DenseNet121")

BASELINE_NOTES = (
    "The report's baseline: Adam (Keras' default learning rate 0.001), "
    "sparse categorical cross-entropy, batch 128, early stopping when "
    "the validation loss has not improved for 25 epochs (Keras' "
    "EarlyStopping defaults otherwise).",
    "Augmentation: the 'ntua' preset (flip, zoom, rotation, shifts; the "
    "report names them without values).",
)

SIMPLE_NOTES = (
    "Layers as the report lists them: 3x3 ReLU convolutions (32, 64, 64) "
    "with 2x2 max-pooling after the first two, no BatchNorm, no dropout, "
    "Keras' default 'valid' padding, Dense 64 ReLU, Dense 100 softmax: "
    "128,420 parameters (the report prints none).",
    "50 epochs, as the report trains it, with the baseline's early "
    "stopping as the only other stop.",
    "Input normalization: divide by 255, done when the dataset is loaded, "
    "as the report says.",
    "Accuracy 0.51 (loss 1.62): the report does not say on which split.",
    *BASELINE_NOTES,
)


def _transfer_notes(what: str) -> tuple[str, ...]:
    return (
        what,
        "Head: global average pooling, Dropout, Dense 100 softmax, the "
        "report's 'dropout, GlobalAveragePooling2D and a fully-connected' "
        "layer. Dropout comes after the pooling here (the Keras transfer "
        "learning guide's order, same parameters) at 0.2, the guide's "
        "rate; the report gives no rate. Override `dropout`.",
        "Backbone frozen ('the weights of the trained networks are kept "
        "frozen'); weights='imagenet' by default, weights=None for a "
        "randomly initialized model without a network.",
        "Input: TransferAdapter resizes to the backbone's ImageNet size "
        "(224x224) and applies its own preprocessing, so the training "
        "loop passes 0-255 pixels ('raw'); the report does not say how "
        "it fed 32x32 images to the backbone. Override `image_size` "
        "(at least 32).",
        "Epochs: the report gives none beyond early stopping; 100 is the "
        "cap here.",
        *BASELINE_NOTES,
    )


def _recipe(name, accuracy, sections, notes, epochs, normalization):
    return Recipe(
        name=name,
        dataset="cifar100",
        optimizer="adam",
        learning_rate=0.001,
        batch_size=128,
        epochs=epochs,
        early_stopping=EARLY_STOPPING,
        loss="sparse_categorical_crossentropy",
        input_normalization=normalization,
        augmentation="ntua",
        accuracy=accuracy,
        source=Source(SEED, (*sections, BASELINE), CITATION),
        notes=notes,
    )


ARCHITECTURES = (
    Architecture(
        name="ntua_simple_cnn",
        builder=simple_cnn,
        description=(
            "Conv 32, max-pool, conv 64, max-pool, conv 64, dense 64, "
            "softmax (valid padding, no BatchNorm)."
        ),
        parameters=128_420,
        recipe=_recipe(
            "ntua_simple_cnn",
            Accuracy(0.51, "cifar100", split="unstated"),
            ('"from scratch" models',),
            SIMPLE_NOTES,
            epochs=50,
            normalization="divide_by_255",
        ),
    ),
    Architecture(
        name="ntua_vgg16",
        builder=vgg16,
        description=(
            "Frozen VGG16, global average pooling, dropout, dense softmax."
        ),
        parameters=14_765_988,
        trainable_parameters=51_300,
        recipe=_recipe(
            "ntua_vgg16",
            Accuracy(0.67, "cifar100", split="unstated"),
            ("Transfer Learning Models", "VGG16"),
            _transfer_notes(
                "VGG16 with ImageNet weights, as the report (its accuracy, "
                "0.67 with loss 1.42, on an unstated split)."
            ),
            epochs=100,
            normalization="raw",
        ),
    ),
    Architecture(
        name="ntua_resnet",
        builder=resnet50,
        description=(
            "Frozen ResNet50, global average pooling, dropout, dense softmax."
        ),
        parameters=23_792_612,
        trainable_parameters=204_900,
        recipe=_recipe(
            "ntua_resnet",
            Accuracy(0.44, "cifar100"),
            ("Optimized Architectures", "ResNet"),
            _transfer_notes(
                "The report's 'ResNet' is not named and its text is "
                "garbled; ResNet50, the Keras application usually meant "
                "by 'ResNet', with the head the report describes for its "
                "transfer models. The report's low score (44%, loss 4.22) "
                "is not explained."
            ),
            epochs=100,
            normalization="raw",
        ),
    ),
    Architecture(
        name="ntua_densenet",
        builder=densenet121,
        description=(
            "Frozen DenseNet121, global average pooling, dropout, dense "
            "softmax."
        ),
        parameters=7_140_004,
        trainable_parameters=102_500,
        recipe=_recipe(
            "ntua_densenet",
            Accuracy(0.67, "cifar100"),
            ("Optimized Architectures", "DenseNet"),
            _transfer_notes(
                "The report does not name the DenseNet variant; "
                "DenseNet121, the smallest in keras.applications and the "
                "usual default."
            ),
            epochs=100,
            normalization="raw",
        ),
    ),
)
