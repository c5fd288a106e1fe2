"""`fast_cifar`: a short-schedule CIFAR-10 network in the style of airbench.

Not from a seed report: this package's recipe for reaching a target test
accuracy in the least wall time, built from `ConvBNPoolDropout` stages.
The network follows airbench94 (Jordan 2024): a small stem, three groups
of two convolutions with max-pooling after the first, global max-pooling
and a bias-free linear classifier whose logits are scaled down. The
recipe keeps what fast CIFAR-10 trainings share: Nesterov SGD with
decoupled weight decay, a short warm-up then decay of the learning rate,
label smoothing, pad-crop-flip augmentation, BatchNorm momentum suited to
a few thousand steps, and test-time flip averaging.
`benchmarks/time_to_accuracy.py` measures it against the documented
architectures on the same machine and wall-time budget.
"""

import keras

from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import Protocol
from keras_cifar_blocks.architectures.recipes import Recipe
from keras_cifar_blocks.architectures.recipes import Source
from keras_cifar_blocks.architectures.recipes import WarmupCosineDecayByEpoch
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation as check

CITATION = (
    "Jordan (2024), '94% on CIFAR-10 in 3.29 Seconds on a Single GPU' "
    "(airbench), arXiv:2404.00498"
)


def fast_cifar(
    num_classes,
    input_shape=(32, 32, 3),
    *,
    name="fast_cifar",
    widths=(64, 256, 256),
    stem_width=24,
    activation="relu",
    batch_norm_momentum=0.9,
    logit_scale=1 / 9,
    classifier_activation="softmax",
):
    """Stem, `len(widths)` x (conv-pool, conv), global max-pool, linear.

    Every convolution is bias-free and followed by BatchNorm and the
    activation (`order="conv-bn-act"`). The stem is a 2x2 convolution with
    `"valid"` padding (32x32 becomes 31x31); each group is a 3x3
    convolution followed by 2x2 max-pooling, then a second 3x3
    convolution at the pooled resolution, which costs a quarter of the
    first. The classifier's logits are multiplied by `logit_scale`, which
    keeps the early softmax soft under a large learning rate.
    """
    widths = tuple(widths)
    if not widths:
        raise ValueError(
            "Invalid value for argument `widths`. Expected at least one "
            f"group width. Received widths={widths!r}"
        )
    for width in widths:
        check.positive_int("widths", width)
    check.positive_int("stem_width", stem_width)
    check.rate("batch_norm_momentum", batch_norm_momentum)
    check.positive_float("logit_scale", logit_scale)
    options = {
        "order": "conv-bn-act",
        "activation": activation,
        "use_bias": False,
        "momentum": batch_norm_momentum,
        "kernel_initializer": "he_normal",
    }
    layers = [
        keras.Input(input_shape, name="images"),
        ConvBNPoolDropout(
            stem_width,
            kernel_size=2,
            padding="valid",
            pool=None,
            name="stem",
            **options,
        ),
    ]
    for i, width in enumerate(widths, start=1):
        layers += [
            ConvBNPoolDropout(
                width, pool="max", name=f"group_{i}_a", **options
            ),
            ConvBNPoolDropout(width, pool=None, name=f"group_{i}_b", **options),
        ]
    layers += [
        keras.layers.GlobalMaxPooling2D(name="pool"),
        keras.layers.Dense(num_classes, use_bias=False, name="logits"),
        # In float32 under a mixed precision policy, as Keras advises for
        # the outputs: the softmax and the loss need the precision.
        keras.layers.Rescaling(
            logit_scale, name="logit_scale", dtype="float32"
        ),
        keras.layers.Activation(
            classifier_activation, name="predictions", dtype="float32"
        ),
    ]
    return keras.Sequential(layers, name=name)


NOTES = (
    "Not from a seed report: the documented accuracy is airbench94's "
    "(its own PyTorch network and tricks, on an A100); what this recipe "
    "reaches on a CPU is measured by benchmarks/time_to_accuracy.py and "
    "committed in benchmarks/results/time_to_accuracy.json.",
    "Widths 64, 256, 256 and the 2x2 stem of 24 filters as airbench94; "
    "its patch-whitening initialization, Lookahead, scaled BatchNorm "
    "biases and alternating flips are left out (plain Keras layers and "
    "optimizers only).",
    "ReLU rather than airbench's GELU: cheaper on a CPU.",
    "BatchNorm momentum 0.9 (Keras convention): about 2,300 steps in all, "
    "so the moving statistics must follow the weights quickly.",
    "Nesterov SGD, momentum 0.9, decoupled weight decay 5e-4, batch 256, "
    "peak learning rate 0.4 after a one-epoch linear warm-up from 0.04, "
    "cosine decay to zero over the run: the usual short-schedule recipe "
    "of ResNet-9 / airbench, in Keras' mean-loss units. Batch 256 and "
    "rate 0.4 beat batch 512 and rate 0.2 by 5 points after 4 epochs on "
    "this CPU (85.9% vs 80.6%), and batch 256 is no slower per image.",
    "Label smoothing 0.2 and test-time flip averaging, as airbench.",
    "Augmentation: the 'cifar_standard' preset (pad 4, random crop, "
    "horizontal flip); inputs standardized per channel.",
)

PROTOCOL = Protocol(
    validation="none",
    reported="final",
    note=(
        "As airbench94: train on all 50,000 training images, no "
        "validation, and report the test accuracy after the last epoch."
    ),
)

ARCHITECTURES = (
    Architecture(
        name="fast_cifar",
        builder=fast_cifar,
        description=(
            "airbench-style: 2x2 stem, 3 x (conv, max-pool, conv) of "
            "64/256/256 filters, global max-pool, scaled linear logits; a "
            "short Nesterov-SGD recipe with label smoothing and flip TTA."
        ),
        parameters=1_975_168,
        trainable_parameters=1_972_816,
        recipe=Recipe(
            name="fast_cifar",
            dataset="cifar10",
            optimizer="sgd",
            learning_rate=0.4,
            optimizer_options={
                "momentum": 0.9,
                "nesterov": True,
                "weight_decay": 5e-4,
            },
            batch_size=256,
            epochs=12,
            schedule=WarmupCosineDecayByEpoch(
                warmup_epochs=1, start_fraction=0.1, final_fraction=0.0
            ),
            loss="categorical_crossentropy",
            label_smoothing=0.2,
            input_normalization="standardize_per_channel",
            augmentation="cifar_standard",
            test_time_augmentation="flip",
            accuracy=Accuracy(
                0.94,
                "cifar10",
                note=(
                    "airbench94's mean accuracy (94.01%, 3.83 s on an "
                    "A100), the target; this recipe's CPU figures are in "
                    "benchmarks/results/time_to_accuracy.json"
                ),
            ),
            source=Source(None, ("airbench94",), CITATION),
            notes=NOTES,
            protocol=PROTOCOL,
        ),
    ),
)
