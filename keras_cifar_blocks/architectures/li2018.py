"""Li (2018), "CIFAR10 CNN use Keras": models 1, 2-x, 3-x and WRN-16-8.

The report's models 2 and 3 each come in three depths: 3, 4 and 5 conv
stages with 32, 64, 128, 256 and 512 filters. It gives the layer order
but not the rates; the recipes' notes say what was chosen and why.
"""

import keras

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import InverseTimeDecayByStep
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.recipes import Sweep
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.registry import l2_regularizer
from keras_cifar_blocks.architectures.registry import per_stage
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation as check

SEED = "003_9b08b6f72382b430.txt"
CITATION = 'Li (2018), "CIFAR10 CNN use Keras"'
FILTERS = (32, 64, 128, 256, 512)
STAGES = (3, 4, 5)
# Model 3's dropout per stage: reference [6] of the report for the first
# three stages; see MODEL3_NOTES for the last two.
MODEL3_DROPOUT = (0.2, 0.3, 0.4, 0.5, 0.5)


def _check_stages(stages) -> int:
    return check.one_of("stages", stages, STAGES)


def model1(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="li2018_model1",
    classifier_activation="softmax",
):
    """Model 1: conv 32, max-pool, conv 64, max-pool, dense (valid padding).

    42,442 parameters with 10 classes, as the report prints.
    """
    return keras.Sequential(
        [
            keras.Input(input_shape, name="images"),
            ConvBNPoolDropout(
                32, batch_norm=False, padding="valid", name="stage_1"
            ),
            ConvBNPoolDropout(
                64, batch_norm=False, padding="valid", name="stage_2"
            ),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(
                num_classes,
                activation=classifier_activation,
                name="predictions",
                dtype="float32",  # float32 under mixed precision too
            ),
        ],
        name=name,
    )


def model2(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    stages,
    name=None,
    activation="relu",
    dropout=0.25,
    head_units=512,
    head_dropout=0.0,
    classifier_activation="softmax",
):
    """Model 2-1/2-2/2-3: `stages` x (conv, activation, max-pool, dropout).

    Then flatten, dense `head_units` with `activation`, optional dropout
    and the classifier.
    """
    stages = _check_stages(stages)
    rates = per_stage("dropout", dropout, stages)
    check.positive_int("head_units", head_units)
    check.rate("head_dropout", head_dropout)
    layers = [keras.Input(input_shape, name="images")]
    layers += [
        ConvBNPoolDropout(
            filters,
            batch_norm=False,
            activation=activation,
            dropout=rate,
            name=f"stage_{i}",
        )
        for i, (filters, rate) in enumerate(
            zip(FILTERS[:stages], rates, strict=True), start=1
        )
    ]
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(head_units, activation=activation, name="dense"),
    ]
    if head_dropout:
        layers.append(keras.layers.Dropout(head_dropout, name="dropout"))
    layers.append(
        keras.layers.Dense(
            num_classes,
            activation=classifier_activation,
            name="predictions",
            dtype="float32",  # float32 under mixed precision too
        )
    )
    return keras.Sequential(layers, name=name or f"li2018_model2_{stages - 2}")


def model3(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    stages,
    name=None,
    activation="elu",
    dropout=None,
    l2=1e-4,
    classifier_activation="softmax",
):
    """Model 3-1/3-2/3-3: `stages` x (2 x (conv, act, BN), max-pool, dropout).

    Then flatten and the classifier. `dropout=None` gives the rates
    0.2, 0.3, 0.4, 0.5, 0.5 for stages 1 to 5.
    """
    stages = _check_stages(stages)
    if dropout is None:
        dropout = MODEL3_DROPOUT[:stages]
    rates = per_stage("dropout", dropout, stages)
    regularizer = l2_regularizer(l2)
    layers = [keras.Input(input_shape, name="images")]
    layers += [
        ConvBNPoolDropout(
            filters,
            convs=2,
            activation=activation,
            dropout=rate,
            kernel_regularizer=regularizer,
            name=f"stage_{i}",
        )
        for i, (filters, rate) in enumerate(
            zip(FILTERS[:stages], rates, strict=True), start=1
        )
    ]
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(
            num_classes,
            activation=classifier_activation,
            name="predictions",
            dtype="float32",  # float32 under mixed precision too
        ),
    ]
    return keras.Sequential(layers, name=name or f"li2018_model3_{stages - 2}")


def wrn_16_8(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="li2018_wrn_16_8",
    dropout=0.0,
    l2=0.0,
    classifier_activation="softmax",
):
    """WRN-16-8 as the report trained it: no dropout, no weight decay."""
    return wide_resnet(
        16,
        8,
        num_classes,
        dropout=dropout,
        input_shape=input_shape,
        kernel_regularizer=l2_regularizer(l2),
        classifier_activation=classifier_activation,
        name=name,
    )


LOSS_NOTE = (
    "Loss: the report names none; sparse categorical cross-entropy on the "
    "integer labels (the same loss as categorical cross-entropy on one-hot "
    "labels, as the Keras examples of the time wrote it)."
)
NORMALIZATION_NOTE = (
    "Input normalization: the report does not say; pixels divided by 255, "
    "as in the Keras CIFAR-10 examples it builds on."
)

MODEL1_NOTES = (
    "Activation: ReLU in both convolutions. The report's summary has no "
    "separate activation layers, i.e. Conv2D(..., activation=...); ReLU "
    "is the Keras examples' choice.",
    "Adam at Keras' default learning rate 0.001: the report sets only "
    "optimizer='adam'.",
    NORMALIZATION_NOTE,
    LOSS_NOTE,
    "No augmentation and no early stopping: the report adds augmentation "
    "only in model 3, and trains a fixed 100 epochs.",
)

MODEL2_NOTES = (
    "The report builds model 2-1 'base on reference [4]', but its [4] is "
    "the Adam paper; the structure (Table 6) is that of the Keras "
    "CIFAR-10 CNN example (keras/examples/cifar10_cnn.py), so its values "
    "fill the gaps.",
    "Padding 'same' and 3x3 kernels ('Con3'): five 2x2 poolings of a 32x32 "
    "image need 'same' padding.",
    "Activation: ReLU, after each convolution and after the dense layer "
    "(the Keras example's).",
    "Dropout 0.25 after every pooling (the Keras example's rate; the "
    "report gives none). Override `dropout` with a float or one rate per "
    "stage.",
    "Dense layer: 512 units (the Keras example's width; the report says "
    "only 'Dense'). Override `head_units`.",
    "No dropout between the dense layers: Table 6 lists Flatten, Dense, "
    "Activation, Dense, softmax and no Dropout there, although the Keras "
    "example has Dropout(0.5): pass head_dropout=0.5 for it.",
    "SGD with momentum 0.9 and 'the others as default': Keras' default "
    "learning rate 0.01, no Nesterov, no decay.",
    NORMALIZATION_NOTE,
    LOSS_NOTE,
    "No augmentation and no early stopping: augmentation comes only in "
    "model 3; the report trains a fixed 200 epochs.",
)

MODEL3_NOTES = (
    "The stage (Table 12: conv, activation, BatchNorm, twice, then "
    "max-pool and dropout) is that of the report's reference [6] (Kumar "
    "2018, 'Achieving 90% accuracy in Object Recognition Task on CIFAR-10 "
    "Dataset with Keras'), which gives the values: 3x3 kernels, padding "
    "'same', ELU, L2 1e-4 on the conv kernels, dropout 0.2, 0.3 and 0.4 "
    "after stages 1-3, Keras' BatchNorm defaults. Model 3-1 is exactly "
    "[6]'s model.",
    "Stages 4 and 5 (256 and 512 filters) are not in [6]: dropout 0.5 "
    "after each, continuing [6]'s steps of 0.1 and stopping at 0.5, the "
    "usual upper rate. Override `dropout` with a float or one rate per "
    "stage.",
    "No hidden dense layer: Table 12 goes from Flatten to softmax, as [6] "
    "does.",
    "RMSprop(lr=0.001, decay=1e-6) is Keras 2 code; Keras 3 has no "
    "`decay`, so the same decay, lr / (1 + 1e-6 * step), is an "
    "InverseTimeDecay(0.001, decay_steps=1, decay_rate=1e-6) schedule. "
    "rho 0.9 and epsilon 1e-7 are the Keras defaults then and now.",
    "Augmentation: the 'li2018' preset (rotation 15 degrees, shifts 0.1, "
    "horizontal flip), as the report lists it.",
    "Input normalization: pixels divided by 255 (the report mentions "
    "'rescaling'); [6] instead standardizes with the training set's mean "
    "and standard deviation.",
    "[6] trains 125 epochs at batch 64 with a step schedule on top of the "
    "decay; the recipe keeps the report's 100 epochs at batch 128 and the "
    "decay only.",
    LOSS_NOTE,
)

WRN_NOTES = (
    "The report's WRN text follows the README of its reference [9], "
    "titu1994/Wide-Residual-Networks (Keras), whose WRN-16-8 script "
    "trains with dropout 0.0 and no weight decay: both are the defaults "
    "here (override `dropout` and `l2`).",
    "Built with `wide_resnet(16, 8)` from our WideResidualBlock (the "
    "paper's pre-activation B(3,3) block): 10,968,570 parameters, the "
    "paper's 11.0M.",
    "Batch size 100 as the report's 'Parameter setting' says (the caption "
    "of Table 18 says 128).",
    "Adam at Keras' default learning rate 0.001; no schedule, no early "
    "stopping (100 epochs).",
    "Augmentation: the report does not say; [9]'s script uses rotation 10 "
    "degrees, shifts 5/32 and horizontal flips, closest to the 'li2018' "
    "preset (rotation 15, shifts 0.1, flip). For [9]'s values use "
    "augmentation_preset('li2018', rotation_range=10, "
    "width_shift_range=5 / 32, height_shift_range=5 / 32).",
    "Input normalization: pixels divided by 255, as in [9]'s script.",
    LOSS_NOTE,
    "The paper reports about 95.7% for WRN-16-8 (mean/std normalization, "
    "SGD, 200 epochs); the report quotes 'about 96%'. Recorded in "
    "other_accuracies.",
)

MODEL1_SWEEP = Sweep(
    parameter="batch_size",
    columns=("batch_size", "epochs", "test_loss", "test_accuracy"),
    rows=(
        (32, 100, 2.2219, 0.662),
        (64, 100, 1.9812, 0.6716),
        (128, 100, 1.5645, 0.6834),
    ),
)

MODEL2_ACCURACY = {3: 0.8088, 4: 0.8089, 5: 0.8315}
MODEL2_PARAMETERS = {3: 1_147_466, 4: 918_346, 5: 1_836_362}
MODEL3_ACCURACY = {3: 0.8755, 4: 0.8938, 5: 0.8900}
MODEL3_PARAMETERS = {3: 309_290, 4: 1_186_346, 5: 4_725_290}
MODEL3_TRAINABLE = {3: 308_394, 4: 1_184_426, 5: 4_721_322}


# Every model of the report: Keras' examples' model.fit protocol.
PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The report trains each model for a fixed number of epochs on the "
        "50,000 training images, plots train/test curves per epoch (Tables "
        "2-4, 8-10, 14-16: model.fit(..., validation_data=(x_test, "
        "y_test)), as in the Keras examples it follows) and gives the test "
        "accuracy 'after 100 epochs' (200 for model 2): the last epoch's."
    ),
)


def _model2_entry(stages: int) -> Architecture:
    name = f"li2018_model2_{stages - 2}"
    return Architecture(
        name=name,
        builder=model2,
        fixed=(("stages", stages),),
        description=(
            f"Model 2-{stages - 2}: {stages} x (conv, ReLU, max-pool, "
            "dropout), dense 512, softmax."
        ),
        parameters=MODEL2_PARAMETERS[stages],
        recipe=Recipe(
            name=name,
            dataset="cifar10",
            optimizer="sgd",
            optimizer_options={"momentum": 0.9},
            learning_rate=0.01,
            batch_size=128,
            epochs=200,
            loss="sparse_categorical_crossentropy",
            input_normalization="divide_by_255",
            accuracy=Accuracy(MODEL2_ACCURACY[stages], "cifar10"),
            source=Source(
                SEED,
                (
                    "2-2 Model 2: More-layers model",
                    "Table 6: Compare of architecture of Model 2",
                    "Table 7: Results summary of Model 2",
                ),
                CITATION,
            ),
            notes=MODEL2_NOTES,
            protocol=PROTOCOL,
        ),
    )


def _model3_entry(stages: int) -> Architecture:
    name = f"li2018_model3_{stages - 2}"
    return Architecture(
        name=name,
        builder=model3,
        fixed=(("stages", stages),),
        description=(
            f"Model 3-{stages - 2}: {stages} x (2 x (conv, ELU, BatchNorm), "
            "max-pool, dropout), softmax."
        ),
        parameters=MODEL3_PARAMETERS[stages],
        trainable_parameters=MODEL3_TRAINABLE[stages],
        recipe=Recipe(
            name=name,
            dataset="cifar10",
            optimizer="rmsprop",
            learning_rate=0.001,
            schedule=InverseTimeDecayByStep(1e-6),
            batch_size=128,
            epochs=100,
            loss="sparse_categorical_crossentropy",
            input_normalization="divide_by_255",
            augmentation="li2018",
            accuracy=Accuracy(MODEL3_ACCURACY[stages], "cifar10"),
            source=Source(
                SEED,
                (
                    "2-3 Model 3: Data augmentation",
                    "Table 12: Compare architecture of Model 3",
                    "Table 13: Results summary of Model 3",
                ),
                CITATION,
            ),
            notes=MODEL3_NOTES,
            protocol=PROTOCOL,
        ),
    )


ARCHITECTURES = (
    Architecture(
        name="li2018_model1",
        builder=model1,
        description=(
            "Model 1: conv 32, max-pool, conv 64, max-pool, dense softmax "
            "(valid padding)."
        ),
        parameters=42_442,
        documented_parameters="42,442",
        recipe=Recipe(
            name="li2018_model1",
            dataset="cifar10",
            optimizer="adam",
            learning_rate=0.001,
            batch_size=128,
            epochs=100,
            loss="sparse_categorical_crossentropy",
            input_normalization="divide_by_255",
            accuracy=Accuracy(0.6834, "cifar10"),
            source=Source(
                SEED,
                (
                    "2-1 Model 1: Simple model",
                    "Figure 3: Architecture of Model 1",
                    "Table 1: Results summary of Model 1",
                ),
                CITATION,
            ),
            sweeps=(MODEL1_SWEEP,),
            notes=MODEL1_NOTES,
            protocol=PROTOCOL,
        ),
    ),
    *(_model2_entry(stages) for stages in STAGES),
    *(_model3_entry(stages) for stages in STAGES),
    Architecture(
        name="li2018_wrn_16_8",
        builder=wrn_16_8,
        description="WRN-16-8 (wide_resnet), trained with Adam.",
        parameters=10_968_570,
        trainable_parameters=10_961_370,
        recipe=Recipe(
            name="li2018_wrn_16_8",
            dataset="cifar10",
            optimizer="adam",
            learning_rate=0.001,
            batch_size=100,
            epochs=100,
            loss="sparse_categorical_crossentropy",
            input_normalization="divide_by_255",
            augmentation="li2018",
            accuracy=Accuracy(0.8617, "cifar10"),
            other_accuracies=(
                Accuracy(
                    0.957,
                    "cifar10",
                    note=(
                        "about 95.7%: Zagoruyko and Komodakis (2016), the "
                        "report's reference [10]"
                    ),
                ),
            ),
            source=Source(
                SEED,
                ("3-3. Other trials", "Wide Residual Network"),
                CITATION,
            ),
            notes=WRN_NOTES,
            protocol=PROTOCOL,
        ),
    ),
)
