"""WRN-28-10, the wide residual network the Li (2018) report aimed for.

Li (2018) could not train it ("GPU memory constraints") and cites the
paper, Zagoruyko and Komodakis (2016), whose CIFAR recipe this is.
"""

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import PiecewiseConstantByEpoch
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.registry import l2_regularizer
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet

SEED = "003_9b08b6f72382b430.txt"
CITATION = (
    'Li (2018), "CIFAR10 CNN use Keras", and its reference [10], '
    "Zagoruyko and Komodakis (2016), Wide Residual Networks"
)


def wrn_28_10(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="wrn_28_10",
    dropout=0.3,
    l2=2.5e-4,
    classifier_activation="softmax",
):
    """WRN-28-10 with the paper's dropout 0.3 and weight decay 5e-4."""
    return wide_resnet(
        28,
        10,
        num_classes,
        dropout=dropout,
        input_shape=input_shape,
        kernel_regularizer=l2_regularizer(l2),
        classifier_activation=classifier_activation,
        name=name,
    )


NOTES = (
    "The paper's CIFAR recipe: SGD with Nesterov momentum 0.9, learning "
    "rate 0.1 multiplied by 0.2 at epochs 60, 120 and 160, 200 epochs, "
    "batch 128, weight decay 5e-4, dropout 0.3 in every block.",
    "Weight decay 5e-4 is an L2(2.5e-4) regularizer on every kernel: "
    "Keras' L2 has no factor 1/2. It is part of the model (override "
    "`l2`), not of the optimizer.",
    "The epoch boundaries become steps when the optimizer is built: "
    "make_optimizer(recipe.steps_per_epoch(50_000)) uses 391 steps per "
    "epoch at batch 128; epoch 60 (counted from 0) is the first at 0.02.",
    "Augmentation: 'cifar_standard' (pad 4, random 32x32 crop, "
    "horizontal flip), the paper's 'flip/translation'.",
    "Input normalization: per-channel mean/std ('meanstd'), with which "
    "the paper's updated CIFAR numbers were measured.",
    "Loss: cross-entropy; sparse categorical on the integer labels.",
    "Accuracies: 96.11% on CIFAR-10 and 81.15% on CIFAR-100 (3.89% and "
    "18.85% test error, WRN-28-10-dropout, median of 5 runs, from the "
    "paper's authors). The Li report quotes 95.83% for WRN-28-10. For "
    "CIFAR-100 build it with num_classes=100.",
)

PROTOCOL = Protocol(
    validation="test",
    reported="final",
    note=(
        "The paper trains on all 50,000 training images for 200 epochs "
        "and reports the test error at the end (the median of runs); the "
        "test set is watched every epoch for the curves only."
    ),
)

ARCHITECTURES = (
    Architecture(
        name="wrn_28_10",
        builder=wrn_28_10,
        description=(
            "WRN-28-10 (wide_resnet) with dropout 0.3 and L2 2.5e-4, the "
            "paper's CIFAR setting."
        ),
        parameters=36_497_146,
        trainable_parameters=36_479_194,
        documented_parameters="36.5M (paper)",
        recipe=Recipe(
            name="wrn_28_10",
            dataset="cifar10",
            optimizer="sgd",
            optimizer_options={"momentum": 0.9, "nesterov": True},
            learning_rate=0.1,
            schedule=PiecewiseConstantByEpoch(
                boundaries=(60, 120, 160),
                values=(0.1, 0.02, 0.004, 0.0008),
            ),
            batch_size=128,
            epochs=200,
            loss="sparse_categorical_crossentropy",
            input_normalization="standardize_per_channel",
            augmentation="cifar_standard",
            accuracy=Accuracy(
                0.9611,
                "cifar10",
                note="Zagoruyko and Komodakis (2016), WRN-28-10-dropout",
            ),
            other_accuracies=(
                Accuracy(
                    0.8115,
                    "cifar100",
                    note="Zagoruyko and Komodakis (2016), WRN-28-10-dropout",
                ),
                Accuracy(
                    0.9583,
                    "cifar10",
                    note="as quoted by Li (2018), 3-4. Future Improvements",
                ),
            ),
            source=Source(
                SEED,
                ("3-4. Future Improvements", "References"),
                CITATION,
            ),
            notes=NOTES,
            protocol=PROTOCOL,
        ),
    ),
)
