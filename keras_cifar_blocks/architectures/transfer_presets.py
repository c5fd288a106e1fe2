"""The documented transfer classifiers, as configs.

Each entry is a `TransferConfig` built by `transfer_from_config`, its
report's `Recipe` and the notes on every choice the report leaves open:

- Donzella and Picarelli: `donzella_inception_resnet_v2`.
- NTUA: `ntua_vgg16`, `ntua_resnet` and `ntua_densenet`.
- Badzioch et al. (2024): `badzioch2024_mobilenet_v2`.

`TransferHyperModel.documented_points()` reads these configs too.
"""

from keras_cifar_blocks.architectures import reports
from keras_cifar_blocks.architectures.recipes import Accuracy
from keras_cifar_blocks.architectures.recipes import PiecewiseConstantByEpoch
from keras_cifar_blocks.architectures.registry import Architecture
from keras_cifar_blocks.architectures.transfer_classifier import TransferConfig
from keras_cifar_blocks.architectures.transfer_classifier import (
    transfer_from_config,
)

# The overrides of a frozen backbone (`trainable` may unfreeze it).
FROZEN_OPTIONS = ("weights", "dropout", "image_size", "trainable")

DONZELLA_TRANSFER_NOTES = (
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

DONZELLA_INCEPTION_RESNET_V2 = Architecture(
    name="donzella_inception_resnet_v2",
    builder=transfer_from_config,
    # Frozen InceptionResNetV2 at its 299x299, then dense 512 and 128,
    # each followed by BatchNorm and dropout.
    config=TransferConfig(
        "InceptionResNetV2",
        head_units=(512, 128),
        head_batch_norm=True,
        dropout=0.5,
        pooling="avg",
    ),
    options=FROZEN_OPTIONS,
    description=(
        "Frozen InceptionResNetV2 at 299x299, dense 512 and 128 with "
        "BatchNorm and dropout, softmax."
    ),
    parameters=55_193_194,
    trainable_parameters=855_178,
    documented_parameters="55,193,194 (855,178 trainable)",
    recipe=reports.DONZELLA.recipe(
        "donzella_inception_resnet_v2",
        ("Transfer learning", "The final model", "Performance"),
        batch_size=256,
        epochs=4,
        input_normalization="raw",
        accuracy=Accuracy(0.92, "cifar10"),
        notes=DONZELLA_TRANSFER_NOTES,
    ),
)


def _ntua_notes(what: str) -> tuple[str, ...]:
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
        *reports.NTUA_BASELINE_NOTES,
    )


def _ntua(name, backbone, description, parameters, trainable, recipe):
    """An NTUA transfer model: frozen `backbone`, average pooling, dropout
    0.2 and the classifier (the report's transfer head)."""
    return Architecture(
        name=name,
        builder=transfer_from_config,
        config=TransferConfig(
            backbone, head_batch_norm=False, dropout=0.2, pooling="avg"
        ),
        options=FROZEN_OPTIONS,
        description=description,
        parameters=parameters,
        trainable_parameters=trainable,
        recipe=recipe,
    )


NTUA_VGG16 = _ntua(
    "ntua_vgg16",
    "VGG16",
    "Frozen VGG16, global average pooling, dropout, dense softmax.",
    14_765_988,
    51_300,
    reports.NTUA.recipe(
        "ntua_vgg16",
        ("Transfer Learning Models", "VGG16"),
        accuracy=Accuracy(0.67, "cifar100", split="unstated"),
        notes=_ntua_notes(
            "VGG16 with ImageNet weights, as the report (its accuracy, "
            "0.67 with loss 1.42, on an unstated split)."
        ),
        epochs=100,
        input_normalization="raw",
    ),
)
NTUA_RESNET = _ntua(
    "ntua_resnet",
    "ResNet50",
    "Frozen ResNet50, global average pooling, dropout, dense softmax.",
    23_792_612,
    204_900,
    reports.NTUA.recipe(
        "ntua_resnet",
        ("Optimized Architectures", "ResNet"),
        accuracy=Accuracy(0.44, "cifar100"),
        notes=_ntua_notes(
            "The report's 'ResNet' is not named and its text is "
            "garbled; ResNet50, the Keras application usually meant "
            "by 'ResNet', with the head the report describes for its "
            "transfer models. The report's low score (44%, loss 4.22) "
            "is not explained."
        ),
        epochs=100,
        input_normalization="raw",
    ),
)
NTUA_DENSENET = _ntua(
    "ntua_densenet",
    "DenseNet121",
    "Frozen DenseNet121, global average pooling, dropout, dense softmax.",
    7_140_004,
    102_500,
    reports.NTUA.recipe(
        "ntua_densenet",
        ("Optimized Architectures", "DenseNet"),
        accuracy=Accuracy(0.67, "cifar100"),
        notes=_ntua_notes(
            "The report does not name the DenseNet variant; "
            "DenseNet121, the smallest in keras.applications and the "
            "usual default."
        ),
        epochs=100,
        input_normalization="raw",
    ),
)

BADZIOCH2024_NOTES = (
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

BADZIOCH2024_MOBILENET_V2 = Architecture(
    name="badzioch2024_mobilenet_v2",
    builder=transfer_from_config,
    # MobileNetV2 at 32x32 with its top 10 layers trainable (BatchNorm
    # stays frozen), then flatten, Dense 256 ReLU and dropout.
    config=TransferConfig(
        "MobileNetV2",
        image_size=32,
        head_units=(256,),
        head_batch_norm=False,
        dropout=0.5,
        pooling="flatten",
        trainable_layers=10,
    ),
    options=("weights", "dropout", "image_size", "trainable_layers"),
    description=(
        "MobileNetV2 at 32x32, top 10 layers trainable, flatten, "
        "dense 256, dropout, softmax."
    ),
    parameters=2_588_490,
    trainable_parameters=1_055_946,
    recipe=reports.BADZIOCH2024.recipe(
        "badzioch2024_mobilenet_v2",
        (
            "Model Building",
            "Model Training",
            "Model architecture and performance metrics:",
            "DISCUSSION",
        ),
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
        notes=BADZIOCH2024_NOTES,
    ),
)

ARCHITECTURES = (
    DONZELLA_INCEPTION_RESNET_V2,
    NTUA_VGG16,
    NTUA_RESNET,
    NTUA_DENSENET,
    BADZIOCH2024_MOBILENET_V2,
)
