"""Donzella and Picarelli, Milano-Bicocca: the Mish CNN and InceptionResNetV2.

The report prints the CNN's full Keras code and the transfer model's
summary (55,193,194 parameters, 855,178 trainable); both are rebuilt
here with the same parameter counts.
"""

import keras

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import EarlyStoppingRule
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.registry import l2_regularizer
from keras_cifar_blocks.architectures.registry import per_stage
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_classifier,
)
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation as check

SEED = "004_753b23262839900e.txt"
CITATION = (
    "Donzella and Picarelli, Università di Milano-Bicocca, 'Image "
    "classification' (Foundations of Deep Learning project)"
)
# (filters, convolutions) of the three stages of the report's CNN.
CNN_STAGES = ((32, 2), (64, 2), (128, 1))


def cnn(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="donzella_cnn",
    dropout=(0.2, 0.3, 0.4),
    head_dropout=0.5,
    l2=0.001,
    classifier_activation="softmax",
):
    """The report's Mish CNN: three Mish stages, dense 128 Mish, softmax.

    `l2` applies to the conv kernels (the dense layers have none, as in
    the report); `dropout` is the rate after each stage's pooling.
    """
    rates = per_stage("dropout", dropout, len(CNN_STAGES))
    check.rate("head_dropout", head_dropout)
    regularizer = l2_regularizer(l2)
    stages = [
        ConvBNPoolDropout(
            filters,
            convs=convs,
            activation="Mish",
            dropout=rate,
            kernel_initializer="he_uniform",
            kernel_regularizer=regularizer,
            name=f"stage_{i}",
        )
        for i, ((filters, convs), rate) in enumerate(
            zip(CNN_STAGES, rates, strict=True), start=1
        )
    ]
    return keras.Sequential(
        [
            keras.Input(input_shape, name="images"),
            *stages,
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(
                128,
                activation="Mish",
                kernel_initializer="he_uniform",
                name="dense",
            ),
            keras.layers.BatchNormalization(name="dense_bn"),
            keras.layers.Dropout(head_dropout, name="dense_dropout"),
            keras.layers.Dense(
                num_classes,
                activation=classifier_activation,
                name="predictions",
                dtype="float32",  # float32 under mixed precision too
            ),
        ],
        name=name,
    )


def inception_resnet_v2(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="donzella_inception_resnet_v2",
    weights="imagenet",
    dropout=0.5,
    image_size=None,
    trainable=False,
    classifier_activation="softmax",
):
    """The report's transfer model: frozen InceptionResNetV2 at 299x299.

    Then global average pooling and dense 512 and 128, each followed by
    BatchNorm and dropout, and the classifier. `weights="imagenet"`
    downloads the ImageNet weights on first use; `weights=None` builds
    the same model randomly initialized, without a network.
    """
    return transfer_classifier(
        "InceptionResNetV2",
        num_classes,
        input_shape=input_shape,
        weights=weights,
        image_size=image_size,
        head_units=(512, 128),
        head_batch_norm=True,
        dropout=dropout,
        pooling="avg",
        classifier_activation=classifier_activation,
        trainable=trainable,
        name=name,
    )


CNN_NOTES = (
    "The model is the report's Sequential code, layer for layer: three "
    "ConvBNPoolDropout stages (Mish, he_uniform, L2 0.001, BatchNorm "
    "after each conv; 2, 2 and 1 convolutions; dropout 0.2, 0.3, 0.4), "
    "Dense 128 Mish + BatchNorm + Dropout 0.5, Dense softmax: 404,778 "
    "parameters, the count of the report's code.",
    "Training exactly as the report's model.fit: Adam (Keras' default "
    "learning rate 0.001), categorical cross-entropy on one-hot labels, "
    "batch 128, at most 100 epochs, EarlyStopping(monitor='accuracy', "
    "patience=10). The report monitors the training accuracy, not "
    "val_accuracy, and validates on the test set.",
    "The report passes steps_per_epoch=x_train.shape[0] // 128 (390, "
    "dropping the last partial batch); Recipe.steps_per_epoch counts it "
    "(391).",
    "Input normalization: divide by 255, then standardize each of the 3 "
    "channels (the report's 'Preprocessing'); the report does not say "
    "with which statistics: the training set's.",
    "Augmentation: the 'donzella' preset (rotation 15 degrees, horizontal "
    "flip, shifts 0.1), as the report lists it.",
)

TRANSFER_NOTES = (
    "transfer_classifier('InceptionResNetV2', head_units=(512, 128)): "
    "TransferAdapter (resize 32 to 299 and the backbone's own "
    "preprocessing, scaling to [-1, 1]) replaces the report's Lambda "
    "resize and truediv/subtract; the frozen backbone, global average "
    "pooling, Dense 512, BatchNorm, Dropout, Dense 128, BatchNorm, "
    "Dropout and Dense 10 follow the report's summary: 55,193,194 "
    "parameters, 855,178 trainable, as printed.",
    "Head dropout 0.5 and ReLU in the head's dense layers: the report "
    "gives neither (its summary has no activation layers, i.e. "
    "Dense(..., activation=...)); the parameter counts do not depend on "
    "them. Override `dropout`.",
    "weights='imagenet' by default, as the report; weights=None builds "
    "the same model randomly initialized (for tests, or without a "
    "network).",
    "The report's model contains three augmentation layers (horizontal "
    "flip, translation, rotation) without values; they are left out of "
    "the model and the recipe names the 'donzella' preset, the same "
    "three with the report's CNN values.",
    "Training as the report: Adam (learning rate 0.001, Keras' default), "
    "categorical cross-entropy, batch 256, 4 epochs, no early stopping.",
    "Input normalization: none in the training loop: the model takes "
    "0-255 pixels and the TransferAdapter preprocesses them.",
)

PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The report's code: model.fit(x_train, yc_train, ..., "
        "validation_data=(x_test, yc_test)) on all 50,000 training images; "
        "it gives the test accuracy where training ends ('always around "
        "86%'), the last epoch's (EarlyStopping without "
        "restore_best_weights)."
    ),
)

ARCHITECTURES = (
    Architecture(
        name="donzella_cnn",
        builder=cnn,
        description=(
            "Mish CNN: 3 conv stages (2, 2, 1 convs; BatchNorm, L2, "
            "dropout), dense 128 Mish, softmax."
        ),
        parameters=404_778,
        trainable_parameters=403_882,
        documented_parameters="404,778 (its Keras code)",
        recipe=Recipe(
            name="donzella_cnn",
            dataset="cifar10",
            optimizer="adam",
            learning_rate=0.001,
            batch_size=128,
            epochs=100,
            early_stopping=EarlyStoppingRule("accuracy", patience=10),
            loss="categorical_crossentropy",
            input_normalization="standardize_per_channel",
            augmentation="donzella",
            accuracy=Accuracy(0.86, "cifar10"),
            source=Source(
                SEED,
                (
                    "The model",
                    "Preprocessing",
                    "Data augmentation",
                    "Performance",
                ),
                CITATION,
            ),
            notes=CNN_NOTES,
            protocol=PROTOCOL,
        ),
    ),
    Architecture(
        name="donzella_inception_resnet_v2",
        builder=inception_resnet_v2,
        description=(
            "Frozen InceptionResNetV2 at 299x299, dense 512 and 128 with "
            "BatchNorm and dropout, softmax."
        ),
        parameters=55_193_194,
        trainable_parameters=855_178,
        documented_parameters="55,193,194 (855,178 trainable)",
        recipe=Recipe(
            name="donzella_inception_resnet_v2",
            dataset="cifar10",
            optimizer="adam",
            learning_rate=0.001,
            batch_size=256,
            epochs=4,
            loss="categorical_crossentropy",
            input_normalization="raw",
            augmentation="donzella",
            accuracy=Accuracy(0.92, "cifar10"),
            source=Source(
                SEED,
                ("Transfer learning", "The final model", "Performance"),
                CITATION,
            ),
            notes=TRANSFER_NOTES,
            protocol=PROTOCOL,
        ),
    ),
)
