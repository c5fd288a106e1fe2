"""Schnack (2022), TUM slides: a four-stage BatchNorm CNN of 1.3M params."""

import keras

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import EarlyStoppingRule
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.recipes import Sweep
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.registry import per_stage
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation as check

SEED = "000_b73c0e796d975c7e.txt"
CITATION = (
    "Schnack (2022), TUM slides 'Image classification of CIFAR-10 with "
    "Deep Learning using TensorFlow'"
)


def schnack2022(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="schnack2022",
    filters=(32, 64, 128, 256),
    head_units=128,
    activation="relu",
    dropout=0.0,
    classifier_activation="softmax",
):
    """Rescaling, 4 x (conv, BN, conv, BN, max-pool), flatten, dense, output.

    The model takes 0-255 pixels: it rescales them itself, as the slides'
    model does. `dropout` (none in the slides) goes after each pooling.
    """
    filters = tuple(filters)
    for value in filters:
        check.positive_int("filters", value)
    check.positive_int("head_units", head_units)
    rates = per_stage("dropout", dropout, len(filters))
    return keras.Sequential(
        [
            keras.Input(input_shape, name="images"),
            keras.layers.Rescaling(1 / 255, name="rescaling"),
            *(
                ConvBNPoolDropout(
                    width,
                    convs=2,
                    activation=activation,
                    dropout=rate,
                    name=f"stage_{i}",
                )
                for i, (width, rate) in enumerate(
                    zip(filters, rates, strict=True), start=1
                )
            ),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(head_units, activation=activation, name="dense"),
            keras.layers.Dense(
                num_classes,
                activation=classifier_activation,
                name="predictions",
                dtype="float32",  # float32 under mixed precision too
            ),
        ],
        name=name,
    )


LEARNING_RATE_SWEEP = Sweep(
    parameter="learning_rate",
    columns=("learning_rate", "epochs_until_early_stopping", "test_accuracy"),
    rows=(
        (0.0005, 43, 0.83),
        (0.001, 48, 0.8436),
        (0.002, 57, 0.8431),
        (0.005, 61, 0.8378),
        (0.01, 74, 0.8404),
        (0.025, 43, 0.7331),
        (0.05, 34, 0.5978),
    ),
)

NOTES = (
    "Filters 32, 64, 128, 256 (doubling per stage, the usual VGG-style "
    "choice) and a 128-unit dense layer give 1,308,586 parameters, 0.7% "
    "from the slides' '1.3M'; the slides give neither.",
    "Conv 3x3 with padding 'same' (four 2x2 poolings of unpadded 3x3 "
    "convolutions would shrink 32x32 to nothing), ReLU, and the order "
    "conv, activation, BatchNorm, i.e. Conv2D(..., activation='relu') "
    "then BatchNormalization() as the other reports write it.",
    "No dropout: the slides list none (override `dropout`).",
    "Rescaling(1/255) is inside the model, as the slides' 'Rescaling + "
    "Augmentation layer'; the augmentation is not: the recipe names the "
    "'schnack2022' preset (RandomFlip horizontal, RandomRotation 0.15) "
    "and the training loop applies it. So the model takes raw pixels.",
    "Adam at learning rate 0.001, the best of Table 1 (84.36%); the whole "
    "table is in `sweeps`.",
    "Batch size 32: the slides call model.fit(images, labels) without a "
    "batch size, i.e. Keras' default.",
    "Early stopping: the slides give no rule. EarlyStopping on val_loss "
    "(Keras' default monitor) with patience 10 and "
    "restore_best_weights=True, since Table 1 reports the best test "
    "accuracy; the runs stopped after 34 to 74 epochs, so 100 epochs is "
    "the cap.",
    "Loss: not named; sparse categorical cross-entropy on the integer labels.",
    "The slides subclass keras.Model; a Sequential of the same layers here.",
)

PROTOCOL = Protocol(
    validation="test",
    reported="best",
    note=(
        "Table 1 gives the 'best test accuracy' of runs that stop early: "
        "the slides validate on the test set and report its best epoch "
        "(EarlyStopping with restore_best_weights)."
    ),
)

ARCHITECTURES = (
    Architecture(
        name="schnack2022",
        builder=schnack2022,
        description=(
            "Rescaling, 4 x (conv, BatchNorm, conv, BatchNorm, max-pool), "
            "dense 128, softmax."
        ),
        parameters=1_308_586,
        trainable_parameters=1_306_666,
        documented_parameters="1.3M",
        recipe=Recipe(
            name="schnack2022",
            dataset="cifar10",
            optimizer="adam",
            learning_rate=0.001,
            batch_size=32,
            epochs=100,
            early_stopping=EarlyStoppingRule(
                "val_loss", patience=10, restore_best_weights=True
            ),
            loss="sparse_categorical_crossentropy",
            input_normalization="raw",
            augmentation="schnack2022",
            accuracy=Accuracy(0.8436, "cifar10"),
            sweeps=(LEARNING_RATE_SWEEP,),
            source=Source(
                SEED,
                (
                    "Model implementation",
                    "Variation of the learning rate",
                    "Table 1 Accuracy on the test data set for different "
                    "learning rates",
                    "State-of-the-art",
                ),
                CITATION,
            ),
            notes=NOTES,
            protocol=PROTOCOL,
        ),
    ),
)
