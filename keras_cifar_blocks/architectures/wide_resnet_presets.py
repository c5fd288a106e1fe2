"""The documented wide residual networks, as configs.

Each entry is a `WideResNetConfig` built by `wide_resnet_from_config`, its
report's `Recipe` and the notes on every choice the report leaves open:

- Li (2018): `li2018_wrn_16_8`, WRN-16-8 as the report trained it.
- Zagoruyko and Komodakis (2016): `wrn_28_10`, the WRN-28-10 Li aimed
  for and could not train ("GPU memory constraints"), with the paper's
  CIFAR recipe.

`WideResNetHyperModel.documented_points()` reads these configs too.
"""

from keras_cifar_blocks.architectures import reports
from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import PiecewiseConstantByEpoch
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.wide_resnet import WideResNetConfig
from keras_cifar_blocks.architectures.wide_resnet import wide_resnet_from_config

LI2018_WRN_NOTES = (
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
    reports.LI2018_LOSS_NOTE,
    "The paper reports about 95.7% for WRN-16-8 (mean/std normalization, "
    "SGD, 200 epochs); the report quotes 'about 96%'. Recorded in "
    "other_accuracies.",
)

LI2018_WRN_16_8 = Architecture(
    name="li2018_wrn_16_8",
    builder=wide_resnet_from_config,
    # As the report trained it: no dropout, no weight decay.
    config=WideResNetConfig(depth=16, width=8, dropout=0.0, l2=0.0),
    options=("dropout", "l2"),
    description="WRN-16-8 (wide_resnet), trained with Adam.",
    parameters=10_968_570,
    trainable_parameters=10_961_370,
    recipe=reports.LI2018.recipe(
        "li2018_wrn_16_8",
        ("3-3. Other trials", "Wide Residual Network"),
        optimizer="adam",
        learning_rate=0.001,
        batch_size=100,
        epochs=100,
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
        notes=LI2018_WRN_NOTES,
    ),
)

WRN_28_10_NOTES = (
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

WRN_28_10 = Architecture(
    name="wrn_28_10",
    builder=wide_resnet_from_config,
    # The paper's dropout 0.3 and weight decay 5e-4 (L2 2.5e-4).
    config=WideResNetConfig(depth=28, width=10, dropout=0.3, l2=2.5e-4),
    options=("dropout", "l2"),
    description=(
        "WRN-28-10 (wide_resnet) with dropout 0.3 and L2 2.5e-4, the "
        "paper's CIFAR setting."
    ),
    parameters=36_497_146,
    trainable_parameters=36_479_194,
    documented_parameters="36.5M (paper)",
    recipe=reports.ZAGORUYKO2016.recipe(
        "wrn_28_10",
        ("3-4. Future Improvements", "References"),
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
        notes=WRN_28_10_NOTES,
    ),
)

ARCHITECTURES = (LI2018_WRN_16_8, WRN_28_10)
