"""Named augmentation policies: the seed reports' and the standard ones.

A preset is a plain dict: a one-line description that cites its source,
and per engine a builder whose keyword arguments are the preset's valid
overrides. The seed reports that used `ImageDataGenerator` are stored as
its arguments and built by `image_data_generator_layers`, so their units
are converted in one place.
"""

import inspect

import keras

from keras_cifar_blocks.augmentation import engines
from keras_cifar_blocks.augmentation.augmentation_pipeline import (
    AugmentationPipeline,
)
from keras_cifar_blocks.augmentation.cut_mix import CutMix
from keras_cifar_blocks.augmentation.image_data_generator import (
    IMAGE_DATA_GENERATOR_DEFAULTS,
)
from keras_cifar_blocks.augmentation.image_data_generator import (
    image_data_generator_layers,
)
from keras_cifar_blocks.augmentation.mix_up import MixUp
from keras_cifar_blocks.augmentation.random_affine import RandomAffine
from keras_cifar_blocks.augmentation.random_pad_crop import RandomPadCrop
from keras_cifar_blocks.utils import validation

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _image_data_generator(arguments: dict):
    """A builder for a policy written as `ImageDataGenerator` arguments.

    Its overrides are every `ImageDataGenerator` argument plus
    `value_range`.
    """

    def build(layers, seeds, value_range=(0, 255), fused=True, **overrides):
        return image_data_generator_layers(
            {**arguments, **overrides},
            seeds=seeds,
            value_range=value_range,
            layers_module=layers,
            fused=fused,
        )

    build.overrides = (
        *IMAGE_DATA_GENERATOR_DEFAULTS,
        "value_range",
        "fused",
    )
    return {"keras": build, "keras_cv": build}


def _schnack2022(
    layers,
    seeds,
    *,
    flip_mode="horizontal",
    rotation_factor=0.15,
    fill_mode="reflect",
    interpolation="bilinear",
    fused=True,
):
    # Keras' RandomFlip does not check its mode; a typo would never flip.
    flip_mode = validation.one_of("flip_mode", flip_mode, FLIP_MODES)
    if validation.boolean("fused", fused) and layers is keras.layers:
        # One resampling; the same distribution as the two layers.
        return [
            RandomAffine(
                rotation_factor,
                horizontal_flip="horizontal" in flip_mode,
                vertical_flip="vertical" in flip_mode,
                fill_mode=fill_mode,
                interpolation=interpolation,
                seed=next(seeds),
            )
        ]
    return [
        layers.RandomFlip(flip_mode, seed=next(seeds)),
        layers.RandomRotation(
            rotation_factor,
            fill_mode=fill_mode,
            interpolation=interpolation,
            seed=next(seeds),
        ),
    ]


def _cifar_standard(
    layers, seeds, *, padding=4, fill_mode="constant", fill_value=0.0
):
    # No core or KerasCV layer pads and crops back: RandomPadCrop serves
    # both engines (it runs in tf.data like KerasCV's layers).
    return [
        RandomPadCrop(
            padding,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=next(seeds),
        ),
        layers.RandomFlip("horizontal", seed=next(seeds)),
    ]


def _check_randaugment(num_ops, magnitude, value_range):
    return (
        validation.positive_int("num_ops", num_ops),
        validation.number_in("magnitude", magnitude, 0.0, 1.0),
        validation.value_range("value_range", value_range),
    )


def _airbench94(layers, seeds, *, padding=2, fill_mode="reflect"):
    return _cifar_standard(layers, seeds, padding=padding, fill_mode=fill_mode)


def _randaugment(
    layers,
    seeds,
    *,
    num_ops=2,
    magnitude=0.5,
    value_range=(0, 255),
    interpolation="bilinear",
):
    num_ops, magnitude, value_range = _check_randaugment(
        num_ops, magnitude, value_range
    )
    return [
        layers.RandAugment(
            value_range=value_range,
            num_ops=num_ops,
            factor=magnitude,
            interpolation=interpolation,
            seed=next(seeds),
        )
    ]


def _randaugment_keras_cv(
    layers, seeds, *, num_ops=2, magnitude=0.5, value_range=(0, 255)
):
    num_ops, magnitude, value_range = _check_randaugment(
        num_ops, magnitude, value_range
    )
    return [
        layers.RandAugment(
            value_range=value_range,
            augmentations_per_image=num_ops,
            magnitude=magnitude,
            seed=next(seeds),
        )
    ]


def _augmix(
    layers,
    seeds,
    *,
    num_chains=3,
    chain_depth=3,
    severity=0.3,
    alpha=1.0,
    value_range=(0, 255),
):
    arguments = {
        "num_chains": validation.positive_int("num_chains", num_chains),
        "chain_depth": validation.positive_int("chain_depth", chain_depth),
        "severity": validation.number_in("severity", severity, 0.0, 1.0),
        "alpha": validation.positive_float("alpha", alpha),
        "value_range": validation.value_range("value_range", value_range),
        "seed": next(seeds),
    }
    if layers is keras.layers:
        arguments["factor"] = arguments.pop("severity")
    else:
        # KerasCV draws each chain's depth from a range.
        arguments["chain_depth"] = [1, arguments["chain_depth"]]
    return [layers.AugMix(**arguments)]


def _mixing(layer_class):
    def build(
        layers, seeds, *, num_classes=None, alpha=1.0, label_smoothing=0.0
    ):
        return [
            layer_class(
                num_classes=num_classes,
                alpha=alpha,
                label_smoothing=label_smoothing,
                seed=next(seeds),
            )
        ]

    return build


def _mixing_keras_cv(name):
    # KerasCV's CutMix and MixUp take one-hot labels and do not smooth.
    def build(layers, seeds, *, alpha=1.0):
        alpha = validation.positive_float("alpha", alpha)
        return [getattr(layers, name)(alpha=alpha, seed=next(seeds))]

    return build


# The seed reports' ImageDataGenerator arguments.
LI2018 = {
    "rotation_range": 15,
    "width_shift_range": 0.1,
    "height_shift_range": 0.1,
    "horizontal_flip": True,
}
# The report names the transformations only; the values are ours.
NTUA = {
    "rotation_range": 15,
    "width_shift_range": 0.1,
    "height_shift_range": 0.1,
    "zoom_range": 0.1,
    "horizontal_flip": True,
}
DONZELLA = {
    "rotation_range": 15,
    "width_shift_range": 0.1,
    "height_shift_range": 0.1,
    "horizontal_flip": True,
}

PRESETS = {
    "li2018": {
        "description": (
            "Li (2018), 'CIFAR10 CNN use Keras', model 3: "
            "ImageDataGenerator rotation 15 degrees, width/height shift "
            "0.1, horizontal flip."
        ),
        "image_data_generator": LI2018,
        "builders": _image_data_generator(LI2018),
    },
    "schnack2022": {
        "description": (
            "Schnack (2022), TUM slides on CIFAR-10 with TensorFlow: "
            "RandomFlip('horizontal') and RandomRotation(0.15) as written "
            "(0.15 of a turn, +-54 degrees)."
        ),
        # The same policy in ImageDataGenerator's units, for comparisons.
        "image_data_generator": {
            "rotation_range": 0.15 * 360,
            "horizontal_flip": True,
            "fill_mode": "reflect",
        },
        "builders": {"keras": _schnack2022, "keras_cv": _schnack2022},
    },
    "ntua": {
        "description": (
            "NTUA report on CIFAR-100: ImageDataGenerator flip, zoom, "
            "rotation and shifts; the report gives no values, so these are "
            "standard ones: horizontal flip, zoom 0.1, rotation 15 "
            "degrees, width/height shift 0.1."
        ),
        "image_data_generator": NTUA,
        "builders": _image_data_generator(NTUA),
    },
    "donzella": {
        "description": (
            "Donzella and Picarelli, Milano-Bicocca report on CIFAR-10: "
            "rotation range 15 degrees, horizontal flip, width/height "
            "shift 0.1 (ImageDataGenerator)."
        ),
        "image_data_generator": DONZELLA,
        "builders": _image_data_generator(DONZELLA),
    },
    "cifar_standard": {
        "description": (
            "The ResNet / Wide ResNet CIFAR recipe (He et al. 2016, "
            "Zagoruyko and Komodakis 2016): pad 4 pixels, random 32x32 "
            "crop, horizontal flip."
        ),
        "builders": {"keras": _cifar_standard, "keras_cv": _cifar_standard},
    },
    "airbench94": {
        "description": (
            "airbench94's (Jordan 2024): reflect-pad 2 pixels, random "
            "32x32 crop, horizontal flip (airbench flips on alternate "
            "epochs, this preset at random)."
        ),
        "builders": {"keras": _airbench94, "keras_cv": _airbench94},
    },
    "randaugment": {
        "description": (
            "RandAugment (Cubuk et al. 2020), keras.layers.RandAugment: "
            "num_ops random operations at strength magnitude in [0, 1] "
            "(defaults 2 and 0.5)."
        ),
        "builders": {
            "keras": _randaugment,
            "keras_cv": _randaugment_keras_cv,
        },
    },
    "augmix": {
        "description": (
            "AugMix (Hendrycks et al. 2020), keras.layers.AugMix: a random "
            "mix of num_chains chains of up to chain_depth operations."
        ),
        "builders": {"keras": _augmix, "keras_cv": _augmix},
    },
    "cutmix": {
        "description": (
            "CutMix (Yun et al. 2019): paste a box of another image of the "
            "batch and mix the one-hot labels by area; takes "
            "{'images', 'labels'}."
        ),
        "builders": {
            "keras": _mixing(CutMix),
            "keras_cv": _mixing_keras_cv("CutMix"),
        },
    },
    "mixup": {
        "description": (
            "MixUp (Zhang et al. 2018): blend pairs of images of the batch "
            "and their one-hot labels; takes {'images', 'labels'}."
        ),
        "builders": {
            "keras": _mixing(MixUp),
            "keras_cv": _mixing_keras_cv("MixUp"),
        },
    },
}

# Presets that mix labels: their pipelines take {"images", "labels"}.
LABEL_MIXING = ("cutmix", "mixup")


def _overrides(builder) -> tuple[str, ...]:
    """The keyword arguments a builder accepts: the preset's overrides."""
    if hasattr(builder, "overrides"):
        return builder.overrides
    return tuple(
        name
        for name, parameter in inspect.signature(builder).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    )


def augmentation_presets() -> dict[str, str]:
    """The augmentation presets, each with a one-line description.

    Returns:
        A dict from preset name to its description, which cites the
        report or paper the policy comes from.

    Example:

    >>> from keras_cifar_blocks.augmentation import augmentation_presets
    >>> for name in augmentation_presets():
    ...     print(name)
    li2018
    schnack2022
    ntua
    donzella
    cifar_standard
    airbench94
    randaugment
    augmix
    cutmix
    mixup
    """
    return {name: preset["description"] for name, preset in PRESETS.items()}


def image_data_generator_kwargs(name: str) -> dict:
    """The `ImageDataGenerator` arguments of a seed report's preset.

    For `li2018`, `ntua` and `donzella` these are the arguments the preset
    is built from; for `schnack2022`, which used Keras layers, the same
    policy in `ImageDataGenerator`'s units. Useful to compare with the
    Keras 2 pipeline the reports ran.

    Args:
        name: one of `"li2018"`, `"schnack2022"`, `"ntua"`, `"donzella"`.

    Returns:
        A new dict of `ImageDataGenerator` keyword arguments.

    Example:

    >>> from keras_cifar_blocks.augmentation import image_data_generator_kwargs
    >>> image_data_generator_kwargs("schnack2022")["rotation_range"]
    54.0
    """
    names = [
        key
        for key, preset in PRESETS.items()
        if "image_data_generator" in preset
    ]
    if name not in names:
        raise ValueError(
            "Invalid value for argument `name`. Expected one of the presets "
            f"written as ImageDataGenerator arguments: {names}. Received "
            f"name={name!r}"
        )
    return dict(PRESETS[name]["image_data_generator"])


def split_preset_name(name) -> list[str]:
    """The presets a name composes (`"cifar_standard+cutmix"`), checked."""
    if not isinstance(name, str):
        raise TypeError(
            "Invalid type for argument `name`. Expected a preset name "
            "string; compose presets by joining names with '+', e.g. "
            f"'cifar_standard+cutmix'. Received name={name!r} of type "
            f"{type(name).__name__}"
        )
    parts = [part.strip() for part in name.split("+")]
    for part in parts:
        if part not in PRESETS:
            raise ValueError(
                f"Unknown augmentation preset {part!r} in name={name!r}. "
                f"Valid presets: {list(PRESETS)}; compose them with '+', "
                "e.g. 'cifar_standard+cutmix'."
            )
    return parts


def augmentation_preset(name, *, engine="keras", **overrides):
    """An augmentation pipeline by name, from a seed report or a paper.

    Returns a pipeline of preprocessing layers: put it at
    the start of a model (it augments while training and is the identity
    at inference) or map it over a `tf.data` dataset, on any backend. It
    saves to `.keras` files and loads back with `safe_mode=True`. See
    `augmentation_presets()` for the names.

    Compose presets by joining names with `"+"`; their layers run in that
    order: `augmentation_preset("cifar_standard+cutmix", num_classes=10)`.
    Each override goes to every preset in the name that accepts it.

    The presets that mix labels (`cutmix`, `mixup`, or a composition with
    one of them) take and return a dict `{"images": ..., "labels": ...}`;
    see `CutMix`.

    Args:
        name: preset name, or names joined with `"+"`.
        engine: `"keras"` (default) builds from `keras.layers` and this
            package's layers; `"keras_cv"` builds the standard layers from
            `keras_cv.layers` (pip install "keras-cifar-blocks[cv]"):
            KerasCV computes in TensorFlow, so use such a pipeline in a
            `tf.data` map.
        **overrides: `seed` (int: the pipeline's random layers get `seed`,
            `seed + 1`, ..., so the same seed gives the same output on the
            same input), and the preset's own arguments, e.g.
            `num_ops`/`magnitude` for `randaugment`, `num_classes`/
            `alpha`/`label_smoothing` for `cutmix` and `mixup`, any
            `ImageDataGenerator` argument (and `value_range`) for `li2018`,
            `ntua` and `donzella`, and `fused` for the seeds' presets
            (`True`, the default: one `RandomAffine` for their rotation,
            shifts, zoom and flips, one resampling; `False`: one Keras
            core layer per transform, `RandomRotation`, `RandomTranslation`,
            `RandomZoom`, `RandomFlip`).

    Returns:
        An `AugmentationPipeline` (a `keras.layers.Pipeline`).

    Raises:
        ValueError: if a name is not a preset (the message lists them).
        TypeError: if an override is not valid for the preset (the message
            lists the valid ones).
        ImportError: for `engine="keras_cv"` without KerasCV installed.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import augmentation_preset
    >>> augment = augmentation_preset("li2018", seed=0)
    >>> [type(layer).__name__ for layer in augment.layers]
    ['RandomAffine']
    >>> images = np.random.uniform(0, 255, (4, 32, 32, 3))
    >>> tuple(augment(images).shape)
    (4, 32, 32, 3)
    >>> mix = augmentation_preset("cifar_standard+cutmix", num_classes=10)
    >>> batch = mix({"images": images, "labels": np.array([3, 5, 0, 9])})
    >>> tuple(batch["labels"].shape)
    (4, 10)
    """
    parts = split_preset_name(name)
    engine = validation.one_of("engine", engine, engines.ENGINES)
    seed = validation.seed("seed", overrides.pop("seed", None))
    builders = [PRESETS[part]["builders"][engine] for part in parts]
    accepted = [set(_overrides(builder)) for builder in builders]
    valid = sorted(set().union(*accepted) | {"seed"})
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise TypeError(
            f"Unknown overrides {unknown} for augmentation preset "
            f"{name!r} (engine={engine!r}). Valid overrides: {valid}"
        )
    layers_module = engines.layers_module(engine)
    seeds = engines.seed_stream(seed)
    layers = []
    for builder, keys in zip(builders, accepted, strict=True):
        layers += builder(
            layers_module,
            seeds,
            **{key: value for key, value in overrides.items() if key in keys},
        )
    return AugmentationPipeline(layers, name=f"{'_'.join(parts)}_augmentation")
