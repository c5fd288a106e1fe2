"""Badzioch et al. (2024): MobileNetV2 transfer learning on CIFAR-10.

The report describes its model only in outline; where it is silent, the
values come from the notebook it links to (noted in the recipe).
"""

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import PiecewiseConstantByEpoch
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_classifier,
)
from keras_cifar_blocks.architectures.transfer_classifier import (
    unfreeze_top_layers,
)

SEED = "002_34de920739df3dbc.txt"
CITATION = (
    "Badzioch, Boyd, Solorzano and Degbo (2024), 'Exploration of "
    "TensorFlow x Keras model performance utilizing CIFAR-10 & deep "
    "learning techniques'"
)


def mobilenet_v2(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="badzioch2024_mobilenet_v2",
    weights="imagenet",
    dropout=0.5,
    image_size=32,
    trainable_layers=10,
    classifier_activation="softmax",
):
    """MobileNetV2 with its top `trainable_layers` layers trainable.

    Then flatten, Dense 256 ReLU, dropout and the classifier. BatchNorm
    layers stay frozen (see `unfreeze_top_layers`).
    """
    model = transfer_classifier(
        "MobileNetV2",
        num_classes,
        input_shape=input_shape,
        weights=weights,
        image_size=image_size,
        head_units=(256,),
        head_batch_norm=False,
        dropout=dropout,
        pooling="flatten",
        classifier_activation=classifier_activation,
        name=name,
    )
    unfreeze_top_layers(model, trainable_layers)
    return model


NOTES = (
    "Model: the report says only 'MobileNetV2 as the pre-trained model' "
    "with 'the early layers' frozen and 'the later layers' fine-tuned; "
    "the notebook it links to (github.com/kolbyboyd/Exploration-Of-"
    "Tensorflow-X-Keras-Model-Performance-Utilizing-Cifar-10-Deep-"
    "Learning-Techniques) builds MobileNetV2(weights='imagenet', "
    "include_top=False, input_shape=(32, 32, 3)) with all but the last "
    "10 layers frozen, then Flatten, Dense 256 ReLU, Dropout 0.5, Dense "
    "10 softmax. So: transfer_classifier at image_size=32 with that head "
    "and unfreeze_top_layers(model, 10), which keeps BatchNorm layers "
    "frozen (the notebook trains the one among the last 10).",
    "Input: TransferAdapter applies MobileNetV2's own preprocessing "
    "(scaling to [-1, 1]) to 0-255 pixels; the notebook divides by 255 "
    "and feeds that to the backbone.",
    "Learning rate: the report's '0.01, 0.001, and 0.0001 with 10 epochs "
    "each, totaling in 30 epochs' as one schedule (the notebook instead "
    "trains a separate small CNN per rate). Batch size 32.",
    "Optimizer: not named in the report; Adam, which the notebook uses.",
    "Loss: categorical cross-entropy (the report uses to_categorical).",
    "No augmentation: the report says it 'could have' helped; no early "
    "stopping (the notebook keeps the best epoch with ModelCheckpoint).",
    "The 95% (loss 0.15) is on the validation set, as the report says; "
    "the notebook validates on the test set. The report's '1 input layer, "
    "10 hidden layers, and 1 output layer' matches no layer count of the "
    "notebook's model; we read it as the 10 unfrozen layers.",
)

PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The report splits the data into training (50,000) and test "
        "(10,000) sets only, and gives the accuracy 'on the validation "
        "set' (95%) at the end of its 30 epochs: its validation set is the "
        "test set, the last epoch's accuracy."
    ),
)

ARCHITECTURES = (
    Architecture(
        name="badzioch2024_mobilenet_v2",
        builder=mobilenet_v2,
        description=(
            "MobileNetV2 at 32x32, top 10 layers trainable, flatten, "
            "dense 256, dropout, softmax."
        ),
        parameters=2_588_490,
        trainable_parameters=1_055_946,
        recipe=Recipe(
            name="badzioch2024_mobilenet_v2",
            dataset="cifar10",
            optimizer="adam",
            learning_rate=0.01,
            schedule=PiecewiseConstantByEpoch(
                boundaries=(10, 20), values=(0.01, 0.001, 0.0001)
            ),
            batch_size=32,
            epochs=30,
            loss="categorical_crossentropy",
            input_normalization="raw",
            accuracy=Accuracy(0.95, "cifar10", split="validation"),
            source=Source(
                SEED,
                (
                    "Model Building",
                    "Model Training",
                    "Model architecture and performance metrics:",
                    "DISCUSSION",
                ),
                CITATION,
            ),
            notes=NOTES,
            protocol=PROTOCOL,
        ),
    ),
)
