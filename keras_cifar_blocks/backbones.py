"""What each `keras.applications` backbone expects of its input, as data.

Every entry says which constructor builds the backbone, the input size it
was trained at, the smallest size it accepts, the interpolation to resize
with and which preprocessing its `preprocess_input` applies:

- `"caffe"`: RGB to BGR, then subtract the ImageNet mean per channel
  (VGG16/19, ResNet50/101/152).
- `"tf"`: scale 0-255 to [-1, 1] (MobileNet/V2, Inception, Xception,
  ResNetV2, NASNet).
- `"torch"`: scale to [0, 1], then normalize with the ImageNet mean and
  standard deviation (DenseNet).
- `"none"`: the backbone rescales internally; pass 0-255 pixels through
  (EfficientNet, EfficientNetV2, MobileNetV3, ConvNeXt).
"""

import dataclasses
import re

PREPROCESSING_MODES = ("caffe", "tf", "torch", "none")

# ImageNet statistics used by `keras.applications.imagenet_utils`.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN_RGB = (0.485, 0.456, 0.406)
TORCH_STD_RGB = (0.229, 0.224, 0.225)


@dataclasses.dataclass(frozen=True)
class BackboneSpec:
    """The input contract of one `keras.applications` backbone.

    Attributes:
        name: the constructor's name in `keras.applications`, e.g.
            `"MobileNetV2"`.
        module: the `keras.applications` submodule that holds its
            `preprocess_input`, e.g. `"mobilenet_v2"`.
        input_size: `(height, width)` the ImageNet weights were trained at.
        min_input_size: the smallest `(height, width)` it accepts with
            `include_top=False`.
        interpolation: resize interpolation for small images.
        preprocessing: one of `PREPROCESSING_MODES`.
    """

    name: str
    module: str
    input_size: tuple
    min_input_size: tuple = (32, 32)
    interpolation: str = "bilinear"
    preprocessing: str = "none"

    def build(self, **kwargs):
        """Instantiate the backbone: `keras.applications.<name>(**kwargs)`."""
        import keras

        return getattr(keras.applications, self.name)(**kwargs)


def _family(module, names, input_size=(224, 224), **fields):
    """The specs of backbones that share a module and an input contract."""
    return [BackboneSpec(name, module, input_size, **fields) for name in names]


def _specs():
    inception = {"min_input_size": (75, 75), "preprocessing": "tf"}
    entries = [
        *_family("vgg16", ["VGG16"], preprocessing="caffe"),
        *_family("vgg19", ["VGG19"], preprocessing="caffe"),
        *_family(
            "resnet",
            ["ResNet50", "ResNet101", "ResNet152"],
            preprocessing="caffe",
        ),
        *_family(
            "resnet_v2",
            ["ResNet50V2", "ResNet101V2", "ResNet152V2"],
            preprocessing="tf",
        ),
        *_family("mobilenet", ["MobileNet"], preprocessing="tf"),
        *_family("mobilenet_v2", ["MobileNetV2"], preprocessing="tf"),
        *_family("mobilenet_v3", ["MobileNetV3Small", "MobileNetV3Large"]),
        *_family("inception_v3", ["InceptionV3"], (299, 299), **inception),
        *_family(
            "inception_resnet_v2",
            ["InceptionResNetV2"],
            (299, 299),
            **inception,
        ),
        *_family(
            "xception",
            ["Xception"],
            (299, 299),
            min_input_size=(71, 71),
            preprocessing="tf",
        ),
        *_family("nasnet", ["NASNetMobile"], preprocessing="tf"),
        *_family(
            "densenet",
            ["DenseNet121", "DenseNet169", "DenseNet201"],
            preprocessing="torch",
        ),
    ]
    efficientnet_sizes = (224, 240, 260, 300, 380, 456, 528, 600)
    entries += [
        BackboneSpec(f"EfficientNetB{i}", "efficientnet", (size, size))
        for i, size in enumerate(efficientnet_sizes)
    ]
    efficientnet_v2_sizes = {
        "B0": 224, "B1": 240, "B2": 260, "B3": 300, "S": 384, "M": 480,
        "L": 480,
    }  # fmt: skip
    entries += [
        BackboneSpec(f"EfficientNetV2{v}", "efficientnet_v2", (size, size))
        for v, size in efficientnet_v2_sizes.items()
    ]
    entries += _family(
        "convnext",
        [f"ConvNeXt{v}" for v in ("Tiny", "Small", "Base", "Large", "XLarge")],
    )
    return {spec.name: spec for spec in entries}


BACKBONES = _specs()

# KerasHub writes the ResNet V2 depths after the version ("resnet_v2_50");
# keras.applications before it ("ResNet50V2").
_KERAS_HUB_NAMES = {
    f"resnet_v2_{depth}": f"ResNet{depth}V2" for depth in (50, 101, 152)
}


def _lookup_key(name: str) -> str:
    """`name` without case, underscores, hyphens, dots or spaces."""
    return re.sub(r"[\s_.\-]", "", name).lower()


# Every accepted spelling, reduced by `_lookup_key`, to its canonical name.
_CANONICAL_NAMES = {
    **{_lookup_key(name): name for name in BACKBONES},
    **{_lookup_key(alias): name for alias, name in _KERAS_HUB_NAMES.items()},
}


def backbone_names():
    """The canonical names of all known backbones, sorted.

    Example:

    >>> from keras_cifar_blocks.backbones import backbone_names
    >>> "InceptionResNetV2" in backbone_names()
    True
    """
    return sorted(BACKBONES)


def canonical_name(name):
    """The `keras.applications` class name a backbone name stands for.

    Names are read without case, underscores, hyphens, dots or spaces, so
    the class name (`"MobileNetV2"`), the `keras.applications` module
    style (`"mobilenet_v2"`, `"efficientnet_b0"`, `"inception_resnet_v2"`)
    and KerasHub's style (`"resnet_50"`, `"resnet_v2_50"`,
    `"densenet_121"`) all name the same backbone. The canonical name is
    what layers and models store in their configs.

    Args:
        name: a backbone name in any of those spellings.

    Returns:
        The class name, one of `backbone_names()`.

    Raises:
        ValueError: if `name` is unknown; the message lists the valid names.

    Example:

    >>> from keras_cifar_blocks.backbones import canonical_name
    >>> canonical_name("mobilenet_v2"), canonical_name("EfficientNet-B0")
    ('MobileNetV2', 'EfficientNetB0')
    >>> canonical_name("resnet_v2_50")
    'ResNet50V2'
    """
    if isinstance(name, str):
        canonical = _CANONICAL_NAMES.get(_lookup_key(name))
        if canonical is not None:
            return canonical
    raise ValueError(
        "Invalid value for argument `backbone`. Expected one of "
        f"{backbone_names()} (any case; module-style names such as "
        f"'mobilenet_v2' work too). Received backbone={name!r}"
    )


def get_backbone_spec(name):
    """Look up a backbone by name (see `canonical_name` for the spellings).

    Args:
        name: a `keras.applications` class name, e.g. `"MobileNetV2"`,
            or an alias such as `"mobilenetv2"`, `"mobilenet_v2"` or
            `"densenet121"`; or a `BackboneSpec`, returned as is.

    Returns:
        The `BackboneSpec`, whose `name` is the canonical class name.

    Raises:
        ValueError: if `name` is unknown; the message lists the valid names.

    Example:

    >>> from keras_cifar_blocks.backbones import get_backbone_spec
    >>> spec = get_backbone_spec("densenet121")
    >>> spec.name, spec.input_size, spec.preprocessing
    ('DenseNet121', (224, 224), 'torch')
    >>> get_backbone_spec("inception_resnet_v2").name
    'InceptionResNetV2'
    """
    if isinstance(name, BackboneSpec):
        return name
    return BACKBONES[canonical_name(name)]
