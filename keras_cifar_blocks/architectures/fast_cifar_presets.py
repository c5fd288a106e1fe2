"""`fast_cifar`, this package's short-schedule network, as a config.

Two entries, each a `FastCifarConfig` built by `fast_cifar`, a recipe
and the notes on what it keeps of airbench94 and why: `fast_cifar`,
plain Keras layers and optimizer (the committed time-to-accuracy
benchmark), and `fast_cifar_airbench`, with airbench94's tricks as this
package's reusable pieces (`PatchWhitening`, `Dirac`, `Lookahead`,
`PiecewiseLinearDecay`) and its hyperparameters.
"""

from keras_cifar_blocks.architectures import reports
from keras_cifar_blocks.architectures.fast_cifar import FastCifarConfig
from keras_cifar_blocks.architectures.fast_cifar import fast_cifar
from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import LookaheadRule
from keras_cifar_blocks.architectures.recipes import TriangularByEpoch
from keras_cifar_blocks.architectures.recipes import WarmupCosineDecayByEpoch
from keras_cifar_blocks.architectures.registry import Architecture

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

# airbench94's hyperparameters (airbench94.py, `hyp`), in its units.
AIRBENCH94 = {
    "batch_size": 1024,
    "lr": 11.5,  # per 1024 examples, "decoupled" from the momentum
    "momentum": 0.85,  # Nesterov
    "weight_decay": 0.0153,  # per 1024 examples, decoupled from the lr
    "label_smoothing": 0.2,
    "train_epochs": 9.9,
    "batchnorm_momentum": 0.6,  # Keras' convention (PyTorch's 0.4)
    "batchnorm_epsilon": 1e-12,
    "whitening_epsilon": 5e-4,
    "bias_scaler": 64.0,  # the BatchNorm biases' rate, times the others'
}
# PyTorch's SGD rate on airbench's summed loss: lr / (1024 * (1 + 1 /
# (1 - momentum))); Keras' losses are means over the batch, which
# multiplies the gradient by 1 / batch_size, so the same steps take a
# rate batch_size times larger: 11.5 / (1 + 1 / 0.15) = 1.5 at batch 1024.
_KILOSTEP = 1024 * (1 + 1 / (1 - AIRBENCH94["momentum"]))
AIRBENCH_LEARNING_RATE = round(
    AIRBENCH94["lr"] / _KILOSTEP * AIRBENCH94["batch_size"], 4
)
# PyTorch adds wd * w to the gradient, where airbench's wd is
# weight_decay * batch_size / kilostep divided by the rate, so each step
# decays by schedule * weight_decay * batch_size / kilostep, and through
# Nesterov momentum 1 / (1 - momentum) times that once the momentum has
# built up. Keras decays by rate * weight_decay per step, outside the
# momentum: the same decay needs that amount divided by the peak rate.
AIRBENCH_WEIGHT_DECAY = round(
    AIRBENCH94["weight_decay"]
    * AIRBENCH94["batch_size"]
    / _KILOSTEP
    / (1 - AIRBENCH94["momentum"])
    / AIRBENCH_LEARNING_RATE,
    5,
)

# PyTorch's default initialization of a convolution (kaiming_uniform with
# a=sqrt(5)): uniform in +-1/sqrt(fan_in), i.e. variance 1 / (3 fan_in).
TORCH_CONV_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1 / 3, "mode": "fan_in", "distribution": "uniform"},
}

AIRBENCH_NOTES = (
    "Not from a seed report: airbench94's network and training as "
    "config and recipe options of fast_cifar; which of its tricks pay on "
    "this CPU is measured by benchmarks/fast_cifar_ablation.py.",
    "Stem: PatchWhitening (2x2 patches, 24 filters: the eigenvectors of "
    "the training patches' second moments scaled by 1/sqrt(eigenvalue + "
    "5e-4), both signs), frozen, adapted on the standardized training "
    "images by train() before fit (timed with the run; about 1.6 s for "
    "50,000 images on this CPU), then GELU; its bias is trained "
    "throughout (airbench trains it for 3 epochs, then freezes it: "
    "changing the trainable set mid-fit needs a retrace per backend).",
    "3x3 convolutions initialized by Dirac: identity for the first "
    "in_channels filters; the others as PyTorch's default, which airbench "
    "keeps: uniform in +-1/sqrt(fan_in) (VarianceScaling(1/3, 'fan_in', "
    "'uniform')). GELU activations.",
    "BatchNorm without scale (airbench freezes its weight at 1), "
    "momentum 0.6 and epsilon 1e-12 as airbench. airbench trains the "
    "BatchNorm biases at 64x the rate; Keras optimizers have no "
    "per-variable rates, so each offset is 8x a variable "
    "(bias_multiplier=8): under SGD that is the same 64x step, weight "
    "decay and momentum included.",
    "Each group pools right after its first convolution, before "
    "BatchNorm and GELU, as airbench (pool_position='after_conv'): these "
    "then run on a quarter of the pixels.",
    "Nesterov SGD, momentum 0.85, batch 1024. airbench's rate 11.5 'per "
    "1024 examples' is 11.5 / (1024 * (1 + 1/(1 - 0.85))) = 1.465e-3 on "
    "its summed loss; on Keras' mean loss that is 1024x: 1.5. Its weight "
    "decay 0.0153 becomes PyTorch's 0.0153 * 1024 / 7850.7 = 2.0e-3 "
    "added to the gradient (times the schedule), which Nesterov "
    "momentum amplifies 1/(1 - 0.85) = 6.7x; Keras' decoupled decay per "
    "step is rate x weight_decay, so weight_decay = 0.0133 / 1.5 = "
    "0.00887 gives the same decay.",
    "Learning rate: a triangle, 0.2x at the first step, 1x at 23% of "
    "the steps, 0.07x at the last (TriangularByEpoch), as airbench.",
    "Lookahead as airbench: from epoch 3, every 5 steps, the weights "
    "(BatchNorm statistics included) move to an average with decay "
    "0.95^5 x (step / total)^3 and training goes on from it; each "
    "epoch ends on the average.",
    "10 epochs of 49 steps (airbench: 9.9 epochs of 48 full batches, "
    "476 steps; Keras keeps the last partial batch).",
    "Augmentation: the 'airbench94' preset (reflect-pad 2, random crop, "
    "random horizontal flip; airbench flips every image on alternate "
    "epochs instead of at random). Label smoothing 0.2.",
    "Test-time augmentation 'flip_translate' (airbench's level 2): the "
    "image, its mirror, and both shifted one pixel up-left and "
    "down-right, probabilities averaged with airbench's weights.",
    "Left as fast_cifar: global max-pooling over the last 3x3 map "
    "(airbench's MaxPool2d(3), the same), a glorot_uniform classifier.",
)

ARCHITECTURES = (
    Architecture(
        name="fast_cifar",
        builder=fast_cifar,
        config=FastCifarConfig(),
        options=(
            "widths",
            "stem_width",
            "activation",
            "batch_norm_momentum",
            "logit_scale",
        ),
        description=(
            "airbench-style: 2x2 stem, 3 x (conv, max-pool, conv) of "
            "64/256/256 filters, global max-pool, scaled linear logits; a "
            "short Nesterov-SGD recipe with label smoothing and flip TTA."
        ),
        parameters=1_975_168,
        trainable_parameters=1_972_816,
        recipe=reports.AIRBENCH.recipe(
            "fast_cifar",
            ("airbench94",),
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
            notes=NOTES,
        ),
    ),
    Architecture(
        name="fast_cifar_airbench",
        builder=fast_cifar,
        config=FastCifarConfig(
            activation="gelu",
            batch_norm_momentum=AIRBENCH94["batchnorm_momentum"],
            batch_norm_epsilon=AIRBENCH94["batchnorm_epsilon"],
            batch_norm_scale=False,
            kernel_initializer=TORCH_CONV_INITIALIZER,
            dirac_init=True,
            whitening=True,
            whitening_epsilon=AIRBENCH94["whitening_epsilon"],
            pool_position="after_conv",
            bias_multiplier=AIRBENCH94["bias_scaler"] ** 0.5,
        ),
        options=(
            "widths",
            "activation",
            "batch_norm_momentum",
            "logit_scale",
            "batch_norm_epsilon",
            "batch_norm_scale",
            "kernel_initializer",
            "dirac_init",
            "whitening",
            "whitening_epsilon",
            "whitening_bias_trainable",
            "pool_position",
            "bias_multiplier",
        ),
        description=(
            "fast_cifar with airbench94's tricks: frozen patch-whitening "
            "stem, Dirac-initialized convolutions, scale-free BatchNorm, "
            "GELU, Lookahead, a triangular learning rate and "
            "flip-translate TTA."
        ),
        parameters=1_973_944,
        trainable_parameters=1_971_352,
        recipe=reports.AIRBENCH.recipe(
            "fast_cifar_airbench",
            ("airbench94",),
            dataset="cifar10",
            optimizer="sgd",
            learning_rate=AIRBENCH_LEARNING_RATE,
            optimizer_options={
                "momentum": AIRBENCH94["momentum"],
                "nesterov": True,
                "weight_decay": AIRBENCH_WEIGHT_DECAY,
            },
            batch_size=AIRBENCH94["batch_size"],
            epochs=10,
            schedule=TriangularByEpoch(
                peak_fraction=0.23, start_fraction=0.2, final_fraction=0.07
            ),
            loss="categorical_crossentropy",
            label_smoothing=AIRBENCH94["label_smoothing"],
            input_normalization="standardize_per_channel",
            augmentation="airbench94",
            test_time_augmentation="flip_translate",
            lookahead=LookaheadRule(
                start_epoch=3, every=5, decay=0.95, decay_power=3.0
            ),
            accuracy=Accuracy(
                0.94,
                "cifar10",
                note=(
                    "airbench94's mean accuracy (94.01% in 9.9 epochs), "
                    "the target; this recipe's CPU figures are in "
                    "benchmarks/results/time_to_accuracy.json"
                ),
            ),
            notes=AIRBENCH_NOTES,
        ),
    ),
)
