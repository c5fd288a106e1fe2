"""The documented CNNs of `ConvBNPoolDropout` stages, as configs.

Each entry is a `ConvStackConfig` built by `conv_stack`, the report's
`Recipe` and the notes on every choice its report leaves open:

- Li (2018): models 1, 2-1 to 2-3 and 3-1 to 3-3 (`li2018_*`).
- Schnack (2022): `schnack2022`.
- Donzella and Picarelli: `donzella_cnn`.
- NTUA: `ntua_simple_cnn`.

`ConvStackHyperModel.documented_points()` reads these configs too.
"""

from keras_cifar_blocks.architectures import reports
from keras_cifar_blocks.architectures.conv_stack import ConvStackConfig
from keras_cifar_blocks.architectures.conv_stack import conv_stack
from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import EarlyStoppingRule
from keras_cifar_blocks.architectures.recipes import InverseTimeDecayByStep
from keras_cifar_blocks.architectures.recipes import Sweep
from keras_cifar_blocks.architectures.registry import Architecture

# Li (2018). Models 2 and 3 come in three depths: 3, 4 and 5 stages of
# 32, 64, 128, 256 and 512 filters. The report gives the layer order but
# not the rates; the notes say what was chosen and why.
LI2018_FILTERS = (32, 64, 128, 256, 512)
LI2018_STAGES = (3, 4, 5)
# Model 3's dropout per stage: reference [6] of the report for the first
# three stages; see MODEL3_NOTES for the last two.
MODEL3_DROPOUT = (0.2, 0.3, 0.4, 0.5, 0.5)

MODEL1_NOTES = (
    "Activation: ReLU in both convolutions. The report's summary has no "
    "separate activation layers, i.e. Conv2D(..., activation=...); ReLU "
    "is the Keras examples' choice.",
    "Adam at Keras' default learning rate 0.001: the report sets only "
    "optimizer='adam'.",
    reports.LI2018_NORMALIZATION_NOTE,
    reports.LI2018_LOSS_NOTE,
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
    reports.LI2018_NORMALIZATION_NOTE,
    reports.LI2018_LOSS_NOTE,
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
    reports.LI2018_LOSS_NOTE,
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


def _li2018_model2(stages: int) -> Architecture:
    name = f"li2018_model2_{stages - 2}"
    return Architecture(
        name=name,
        builder=conv_stack,
        config=ConvStackConfig(
            filters=LI2018_FILTERS[:stages],
            batch_norm=False,
            activation="relu",
            dropout=0.25,
            head_units=512,
            head_dropout=0.0,
            # The Keras CIFAR-10 example's name for it.
            head_dropout_name="dropout",
        ),
        options=("activation", "dropout", "head_units", "head_dropout"),
        description=(
            f"Model 2-{stages - 2}: {stages} x (conv, ReLU, max-pool, "
            "dropout), dense 512, softmax."
        ),
        parameters=MODEL2_PARAMETERS[stages],
        recipe=reports.LI2018.recipe(
            name,
            (
                "2-2 Model 2: More-layers model",
                "Table 6: Compare of architecture of Model 2",
                "Table 7: Results summary of Model 2",
            ),
            optimizer="sgd",
            optimizer_options={"momentum": 0.9},
            learning_rate=0.01,
            batch_size=128,
            epochs=200,
            accuracy=Accuracy(MODEL2_ACCURACY[stages], "cifar10"),
            notes=MODEL2_NOTES,
        ),
    )


def _li2018_model3(stages: int) -> Architecture:
    name = f"li2018_model3_{stages - 2}"
    return Architecture(
        name=name,
        builder=conv_stack,
        config=ConvStackConfig(
            filters=LI2018_FILTERS[:stages],
            convs=2,
            activation="elu",
            l2=1e-4,
            dropout=MODEL3_DROPOUT[:stages],
        ),
        options=("activation", "dropout", "l2"),
        description=(
            f"Model 3-{stages - 2}: {stages} x (2 x (conv, ELU, BatchNorm), "
            "max-pool, dropout), softmax."
        ),
        parameters=MODEL3_PARAMETERS[stages],
        trainable_parameters=MODEL3_TRAINABLE[stages],
        recipe=reports.LI2018.recipe(
            name,
            (
                "2-3 Model 3: Data augmentation",
                "Table 12: Compare architecture of Model 3",
                "Table 13: Results summary of Model 3",
            ),
            optimizer="rmsprop",
            learning_rate=0.001,
            schedule=InverseTimeDecayByStep(1e-6),
            batch_size=128,
            epochs=100,
            augmentation="li2018",
            accuracy=Accuracy(MODEL3_ACCURACY[stages], "cifar10"),
            notes=MODEL3_NOTES,
        ),
    )


LI2018_MODEL1 = Architecture(
    name="li2018_model1",
    builder=conv_stack,
    config=ConvStackConfig(filters=(32, 64), padding="valid", batch_norm=False),
    description=(
        "Model 1: conv 32, max-pool, conv 64, max-pool, dense softmax "
        "(valid padding)."
    ),
    parameters=42_442,
    documented_parameters="42,442",
    recipe=reports.LI2018.recipe(
        "li2018_model1",
        (
            "2-1 Model 1: Simple model",
            "Figure 3: Architecture of Model 1",
            "Table 1: Results summary of Model 1",
        ),
        optimizer="adam",
        learning_rate=0.001,
        batch_size=128,
        epochs=100,
        accuracy=Accuracy(0.6834, "cifar10"),
        sweeps=(MODEL1_SWEEP,),
        notes=MODEL1_NOTES,
    ),
)

SCHNACK2022_SWEEP = Sweep(
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

SCHNACK2022_NOTES = (
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

SCHNACK2022_MODEL = Architecture(
    name="schnack2022",
    builder=conv_stack,
    config=ConvStackConfig(
        filters=(32, 64, 128, 256),
        convs=2,
        activation="relu",
        dropout=0.0,
        head_units=128,
        rescaling=True,
    ),
    options=("filters", "head_units", "activation", "dropout"),
    description=(
        "Rescaling, 4 x (conv, BatchNorm, conv, BatchNorm, max-pool), "
        "dense 128, softmax."
    ),
    parameters=1_308_586,
    trainable_parameters=1_306_666,
    documented_parameters="1.3M",
    recipe=reports.SCHNACK2022.recipe(
        "schnack2022",
        (
            "Model implementation",
            "Variation of the learning rate",
            "Table 1 Accuracy on the test data set for different "
            "learning rates",
            "State-of-the-art",
        ),
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
        sweeps=(SCHNACK2022_SWEEP,),
        notes=SCHNACK2022_NOTES,
    ),
)

DONZELLA_CNN_NOTES = (
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

DONZELLA_CNN = Architecture(
    name="donzella_cnn",
    builder=conv_stack,
    # The report's Sequential code: Mish, he_uniform and L2 on the convs.
    config=ConvStackConfig(
        filters=(32, 64, 128),
        convs=(2, 2, 1),
        activation="Mish",
        kernel_initializer="he_uniform",
        l2=0.001,
        dropout=(0.2, 0.3, 0.4),
        head_units=128,
        head_batch_norm=True,
        head_dropout=0.5,
    ),
    options=("dropout", "head_dropout", "l2"),
    description=(
        "Mish CNN: 3 conv stages (2, 2, 1 convs; BatchNorm, L2, "
        "dropout), dense 128 Mish, softmax."
    ),
    parameters=404_778,
    trainable_parameters=403_882,
    documented_parameters="404,778 (its Keras code)",
    recipe=reports.DONZELLA.recipe(
        "donzella_cnn",
        ("The model", "Preprocessing", "Data augmentation", "Performance"),
        batch_size=128,
        epochs=100,
        early_stopping=EarlyStoppingRule("accuracy", patience=10),
        input_normalization="standardize_per_channel",
        accuracy=Accuracy(0.86, "cifar10"),
        notes=DONZELLA_CNN_NOTES,
    ),
)

NTUA_SIMPLE_NOTES = (
    "Layers as the report lists them: 3x3 ReLU convolutions (32, 64, 64) "
    "with 2x2 max-pooling after the first two, no BatchNorm, no dropout, "
    "Keras' default 'valid' padding, Dense 64 ReLU, Dense 100 softmax: "
    "128,420 parameters (the report prints none).",
    "50 epochs, as the report trains it, with the baseline's early "
    "stopping as the only other stop.",
    "Input normalization: divide by 255, done when the dataset is loaded, "
    "as the report says.",
    "Accuracy 0.51 (loss 1.62): the report does not say on which split.",
    *reports.NTUA_BASELINE_NOTES,
)

NTUA_SIMPLE_CNN = Architecture(
    name="ntua_simple_cnn",
    builder=conv_stack,
    config=ConvStackConfig(
        filters=(32, 64, 64),
        padding="valid",
        pool=("max", "max", None),
        batch_norm=False,
        head_units=64,
    ),
    description=(
        "Conv 32, max-pool, conv 64, max-pool, conv 64, dense 64, "
        "softmax (valid padding, no BatchNorm)."
    ),
    parameters=128_420,
    recipe=reports.NTUA.recipe(
        "ntua_simple_cnn",
        ('"from scratch" models',),
        accuracy=Accuracy(0.51, "cifar100", split="unstated"),
        notes=NTUA_SIMPLE_NOTES,
        epochs=50,
        input_normalization="divide_by_255",
    ),
)

ARCHITECTURES = (
    LI2018_MODEL1,
    *(_li2018_model2(stages) for stages in LI2018_STAGES),
    *(_li2018_model3(stages) for stages in LI2018_STAGES),
    SCHNACK2022_MODEL,
    DONZELLA_CNN,
    NTUA_SIMPLE_CNN,
)
