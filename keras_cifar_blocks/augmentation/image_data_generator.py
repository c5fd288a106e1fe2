"""Translate `ImageDataGenerator` arguments into Keras 3 layers.

`ImageDataGenerator` (Keras 2, `tf.keras.preprocessing.image`) took
degrees, fractions and zoom *scales*; Keras 3's layers take fractions of a
turn, fractions and zoom *offsets*. The conversions, checked against the
legacy implementation (`keras.src.legacy.preprocessing.image`):

- `rotation_range=r` (degrees): `RandomRotation(r / 360)` (turns).
- `width_shift_range=w`, `height_shift_range=h` (fractions < 1):
  `RandomTranslation(height_factor=h, width_factor=w)`.
- `shear_range=s` (degrees): `RandomShear(x_factor=sin(s))`.
- `zoom_range=z` (scales `[1 - z, 1 + z]`) or `[lo, hi]`:
  `RandomZoom((lo - 1, hi - 1), (lo - 1, hi - 1))`.
- `channel_shift_range=c`:
  `RandomBrightness(c / (vmax - vmin), value_range)`.
- `horizontal_flip`, `vertical_flip`: `RandomFlip("horizontal")`,
  `RandomFlip("vertical")`.
- `brightness_range=(lo, hi)`: `RandomBrightnessScale((lo, hi))`.
- `fill_mode`, `cval`, `interpolation_order`: `fill_mode`, `fill_value`,
  `interpolation`.
- `rescale=k`: `Rescaling(k)`, last.

By default rotation, shifts, zoom and flips become one `RandomAffine` with
the same factors (one resampling, as ImageDataGenerator did).
"""

import math
import warnings

import keras

from keras_cifar_blocks.augmentation import engines
from keras_cifar_blocks.augmentation.augmentation_pipeline import (
    AugmentationPipeline,
)
from keras_cifar_blocks.augmentation.random_affine import RandomAffine
from keras_cifar_blocks.augmentation.random_brightness_scale import (
    RandomBrightnessScale,
)
from keras_cifar_blocks.utils import validation

# Every argument of `ImageDataGenerator.__init__`, with its default.
IMAGE_DATA_GENERATOR_DEFAULTS = {
    "featurewise_center": False,
    "samplewise_center": False,
    "featurewise_std_normalization": False,
    "samplewise_std_normalization": False,
    "zca_whitening": False,
    "zca_epsilon": 1e-6,
    "rotation_range": 0,
    "width_shift_range": 0.0,
    "height_shift_range": 0.0,
    "brightness_range": None,
    "shear_range": 0.0,
    "zoom_range": 0.0,
    "channel_shift_range": 0.0,
    "fill_mode": "nearest",
    "cval": 0.0,
    "horizontal_flip": False,
    "vertical_flip": False,
    "rescale": None,
    "preprocessing_function": None,
    "data_format": None,
    "validation_split": 0.0,
    "interpolation_order": 1,
    "dtype": None,
}

# Arguments without a Keras 3 layer, and what to do instead. They are
# accepted at their defaults (so a full ImageDataGenerator call can be
# passed) and refused otherwise.
NO_EQUIVALENT = {
    "featurewise_center": (
        "adapt a `keras.layers.Normalization()` on the training images "
        "and put it in the model"
    ),
    "featurewise_std_normalization": (
        "adapt a `keras.layers.Normalization()` on the training images "
        "and put it in the model"
    ),
    "zca_whitening": (
        "there is no ZCA layer in Keras 3; whiten the arrays before training"
    ),
    "samplewise_center": (
        "there is no per-image standardization layer in Keras 3; write a "
        "small layer with keras.ops"
    ),
    "samplewise_std_normalization": (
        "there is no per-image standardization layer in Keras 3; write a "
        "small layer with keras.ops"
    ),
    "preprocessing_function": (
        "write it as a registered Keras layer and append it to the "
        "pipeline (a `Lambda` layer does not load with safe_mode=True)"
    ),
    "validation_split": (
        "it splits data rather than augmenting it; split the arrays or "
        "use `model.fit(validation_split=...)`"
    ),
}

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _is_set(name: str, value) -> bool:
    default = IMAGE_DATA_GENERATOR_DEFAULTS[name]
    return value is not None and value is not default and value != default


def _shift(name: str, value) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value < 1
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a fraction of "
            "the image size in [0, 1), which keras.layers.RandomTranslation "
            "takes. ImageDataGenerator reads values >= 1 and lists as "
            "pixels; divide by the image size instead (e.g. 4 pixels of "
            f"32: {name}=0.125). Received {name}={value!r}"
        )
    return float(value)


def _zoom(value) -> tuple[float, float]:
    """ImageDataGenerator's zoom scales as RandomZoom's offsets."""
    if isinstance(value, (tuple, list)):
        low, high = validation.number_pair("zoom_range", value, 0.0, 2.0)
    else:
        spread = validation.number_in("zoom_range", value, 0.0, 1.0)
        low, high = 1.0 - spread, 1.0 + spread
    if low <= 0.0:
        raise ValueError(
            "Invalid value for argument `zoom_range`. A zoom scale must be "
            f"> 0. Received zoom_range={value!r}"
        )
    # ImageDataGenerator samples a scale z and reads the input at z times
    # the output coordinates (z > 1 zooms out); RandomZoom does the same
    # with z = 1 + factor.
    return low - 1.0, high - 1.0


def _raise_for_unsupported(args: dict) -> None:
    problems = [
        f"{name}={args[name]!r}: {advice}"
        for name, advice in NO_EQUIVALENT.items()
        if _is_set(name, args[name])
    ]
    order = args["interpolation_order"]
    if order not in (0, 1):
        problems.append(
            f"interpolation_order={order!r}: Keras 3 layers interpolate "
            "with 'nearest' (0) or 'bilinear' (1) only"
        )
    if args["data_format"] not in (None, "channels_last"):
        problems.append(
            f"data_format={args['data_format']!r}: these pipelines are "
            "channels_last"
        )
    if problems:
        raise ValueError(
            "These ImageDataGenerator arguments have no equivalent Keras 3 "
            "augmentation layer:\n- " + "\n- ".join(problems)
        )


def image_data_generator_layers(
    arguments: dict,
    *,
    seeds,
    value_range=(0, 255),
    layers_module=keras.layers,
    fused=True,
) -> list:
    """The Keras 3 layers equivalent to `ImageDataGenerator(**arguments)`.

    Args:
        arguments: `ImageDataGenerator` keyword arguments (checked).
        seeds: iterator of seeds, one per random layer
            (`engines.seed_stream`).
        value_range: range of the pixel values, for brightness changes.
        layers_module: where the standard layers come from:
            `keras.layers` or `keras_cv.layers`.
        fused: with `keras.layers` and no shear, one `RandomAffine` for
            rotation, shifts, zoom and flips (one resampling, as
            ImageDataGenerator did); otherwise one layer per transform.

    Returns:
        A list of layers, in the order ImageDataGenerator applies them.
    """
    unknown = sorted(set(arguments) - set(IMAGE_DATA_GENERATOR_DEFAULTS))
    if unknown:
        raise TypeError(
            f"ImageDataGenerator has no arguments {unknown}. Valid "
            f"arguments: {sorted(IMAGE_DATA_GENERATOR_DEFAULTS)}"
        )
    args = {**IMAGE_DATA_GENERATOR_DEFAULTS, **arguments}
    _raise_for_unsupported(args)
    value_range = validation.value_range("value_range", value_range)
    common = {} if args["dtype"] is None else {"dtype": args["dtype"]}
    geometry = {
        "fill_mode": validation.one_of(
            "fill_mode", args["fill_mode"], FILL_MODES
        ),
        "fill_value": float(args["cval"]),
        "interpolation": ("nearest", "bilinear")[args["interpolation_order"]],
        **common,
    }
    layers = []
    # ImageDataGenerator composes rotation, shift, shear and zoom into one
    # affine map applied in that order; consecutive layers in the same
    # order compose to the same map (each resamples the image once).
    rotation = validation.number_in(
        "rotation_range", args["rotation_range"], 0.0, 180.0
    )
    fused = validation.boolean("fused", fused) and layers_module is keras.layers
    if fused and not args["shear_range"]:
        return _fused_layers(args, rotation, seeds, value_range, geometry)
    if rotation:
        # Degrees to Keras' unit, fractions of a turn.
        layers.append(
            layers_module.RandomRotation(
                rotation / 360.0, seed=next(seeds), **geometry
            )
        )
    width_shift = _shift("width_shift_range", args["width_shift_range"])
    height_shift = _shift("height_shift_range", args["height_shift_range"])
    if width_shift or height_shift:
        layers.append(
            layers_module.RandomTranslation(
                height_shift, width_shift, seed=next(seeds), **geometry
            )
        )
    layers += _shear_layers(args, seeds, geometry, layers_module)
    zoom = _zoom_factor(args["zoom_range"])
    if zoom != (0.0, 0.0):
        # Both factors given: height and width scales are drawn
        # independently, as ImageDataGenerator draws zx and zy.
        layers.append(
            layers_module.RandomZoom(zoom, zoom, seed=next(seeds), **geometry)
        )
    layers += _channel_shift_layers(
        args, seeds, value_range, geometry, layers_module
    )
    # Two layers: ImageDataGenerator flips each way independently, while
    # RandomFlip("horizontal_and_vertical") flips both ways or neither.
    for mode in ("horizontal", "vertical"):
        if validation.boolean(f"{mode}_flip", args[f"{mode}_flip"]):
            layers.append(
                layers_module.RandomFlip(
                    mode, seed=next(seeds), **_dtype(geometry)
                )
            )
    return layers + _brightness_layers(args, seeds, value_range, geometry)


def _shear_layers(args, seeds, geometry, layers_module) -> list:
    """`shear_range` as `RandomShear`, which shears about another point."""
    shear = validation.number_in("shear_range", args["shear_range"], 0.0, 89.0)
    if not shear:
        return []
    warnings.warn(
        "keras.layers.RandomShear shears about the image's top-left "
        "corner, ImageDataGenerator about its centre: with "
        f"shear_range={shear:g} the sheared image is also shifted "
        f"sideways by up to {math.sin(math.radians(shear)) / 2:.0%} of "
        "its height.",
        UserWarning,
        stacklevel=4,  # As if from image_data_generator_layers.
    )
    # ImageDataGenerator's shear matrix moves x by -sin(angle) per unit
    # of y; RandomShear's x_factor is that coefficient.
    return [
        layers_module.RandomShear(
            x_factor=math.sin(math.radians(shear)),
            y_factor=0.0,
            seed=next(seeds),
            **geometry,
        )
    ]


def _dtype(geometry):
    return {"dtype": geometry["dtype"]} if "dtype" in geometry else {}


def _channel_shift_layers(
    args, seeds, value_range, geometry, layers_module=keras.layers
):
    channel_shift = validation.number_in(
        "channel_shift_range",
        args["channel_shift_range"],
        0.0,
        value_range[1] - value_range[0],
    )
    if not channel_shift:
        return []
    # ImageDataGenerator adds one random intensity to every channel.
    return [
        layers_module.RandomBrightness(
            channel_shift / (value_range[1] - value_range[0]),
            value_range=value_range,
            seed=next(seeds),
            **_dtype(geometry),
        )
    ]


def _brightness_layers(args, seeds, value_range, geometry):
    """`brightness_range`, then `rescale` (last, as ImageDataGenerator)."""
    layers = []
    if args["brightness_range"] is not None:
        layers.append(
            RandomBrightnessScale(
                validation.number_pair(
                    "brightness_range",
                    args["brightness_range"],
                    0.0,
                    float("inf"),
                ),
                value_range=value_range,
                seed=next(seeds),
                **_dtype(geometry),
            )
        )
    if args["rescale"]:
        layers.append(
            keras.layers.Rescaling(args["rescale"], **_dtype(geometry))
        )
    return layers


def _zoom_factor(zoom_range):
    if isinstance(zoom_range, (tuple, list)) or zoom_range:
        return _zoom(zoom_range)
    return (0.0, 0.0)


def _fused_layers(args, rotation, seeds, value_range, geometry):
    """One `RandomAffine`, then the colour layers, then `Rescaling`."""
    zoom = _zoom_factor(args["zoom_range"])
    affine = {
        "rotation_factor": rotation / 360.0,
        "height_factor": _shift(
            "height_shift_range", args["height_shift_range"]
        ),
        "width_factor": _shift("width_shift_range", args["width_shift_range"]),
        # Height and width scales drawn independently, as ImageDataGenerator
        # draws zx and zy.
        "zoom_height_factor": zoom,
        "zoom_width_factor": zoom,
        "horizontal_flip": validation.boolean(
            "horizontal_flip", args["horizontal_flip"]
        ),
        "vertical_flip": validation.boolean(
            "vertical_flip", args["vertical_flip"]
        ),
    }
    identity = {
        "rotation_factor": 0.0,
        "height_factor": 0.0,
        "width_factor": 0.0,
        "zoom_height_factor": (0.0, 0.0),
        "zoom_width_factor": (0.0, 0.0),
        "horizontal_flip": False,
        "vertical_flip": False,
    }
    layers = []
    if affine != identity:
        layers.append(RandomAffine(**affine, seed=next(seeds), **geometry))
    layers += _channel_shift_layers(args, seeds, value_range, geometry)
    return layers + _brightness_layers(args, seeds, value_range, geometry)


def from_image_data_generator(
    *,
    seed=None,
    value_range=(0, 255),
    engine="keras",
    fused=True,
    name="image_data_generator",
    **kwargs,
):
    """The Keras 3 augmentation pipeline of an `ImageDataGenerator` call.

    Pass the keyword arguments of a Keras 2 `ImageDataGenerator(...)` and
    get a pipeline of Keras 3 preprocessing layers that augments the same
    way, to put at the start of a model or in a `tf.data` map, on any
    backend. Like ImageDataGenerator, the default pipeline applies
    rotation, shifts, zoom and flips as one affine map (one `RandomAffine`
    layer, one resampling: several times faster than a chain of layers);
    `fused=False` builds one Keras core layer per transform instead
    (`RandomRotation`, `RandomTranslation`, `RandomShear`, `RandomZoom`,
    `RandomFlip`).

    Units are converted: degrees of rotation become fractions of a turn
    (`rotation_range=15` is `rotation_factor=15 / 360`, as in
    `RandomRotation(15 / 360)`), zoom scales become zoom offsets
    (`zoom_range=0.1`, scales in `[0.9, 1.1]`, is the offset range
    `(-0.1, 0.1)`, height and width drawn independently), a shear angle
    in degrees becomes `RandomShear`'s coefficient `sin(angle)`, and
    `fill_mode` keeps ImageDataGenerator's default, `"nearest"` (Keras'
    layers default to `"reflect"`). `brightness_range` multiplies, as
    ImageDataGenerator did, with `RandomBrightnessScale`;
    `channel_shift_range` adds one offset to all channels with
    `keras.layers.RandomBrightness`. `rescale` becomes a final
    `keras.layers.Rescaling`, which, unlike the random layers, also acts
    at inference.

    Arguments without an equivalent layer raise a `ValueError` that says
    what to do instead: `featurewise_center` and
    `featurewise_std_normalization` (adapt a `keras.layers.Normalization`
    on the training data), `zca_whitening`, `samplewise_center`,
    `samplewise_std_normalization`, `preprocessing_function`,
    `validation_split`, `interpolation_order` other than 0 or 1, and
    `data_format="channels_first"`. They are accepted at their defaults.
    Shift ranges must be fractions (< 1); ImageDataGenerator read larger
    values as pixels. `shear_range` builds the chain of layers and gives a
    `UserWarning`: Keras' `RandomShear` shears about the top-left corner,
    not the centre.

    The legacy ImageDataGenerator of TensorFlow 2 / Keras 3 swaps the two
    shift ranges (its `height_shift_range` moves images sideways); this
    function follows the documented meaning.

    Args:
        seed: optional int; the random layers get `seed`, `seed + 1`, ...
        value_range: tuple, range of the pixel values before `rescale`;
            used by the brightness layers. Defaults to `(0, 255)`.
        engine: `"keras"` (default) for `keras.layers`, or `"keras_cv"` to
            build the standard layers from `keras_cv.layers` (TensorFlow,
            for `tf.data`; needs `pip install "keras-cifar-blocks[cv]"`).
        fused: bool, one `RandomAffine` for the geometric transforms
            (default) or one Keras core layer per transform. KerasCV
            pipelines are never fused.
        name: name of the returned pipeline.
        **kwargs: `ImageDataGenerator` keyword arguments.

    Returns:
        An `AugmentationPipeline` (a `keras.layers.Pipeline`).

    Raises:
        TypeError: for keyword arguments `ImageDataGenerator` does not have.
        ValueError: for arguments without a Keras 3 equivalent, or values
            out of range.

    Example:

    >>> from keras_cifar_blocks.augmentation import from_image_data_generator
    >>> pipeline = from_image_data_generator(
    ...     rotation_range=15, width_shift_range=0.1,
    ...     height_shift_range=0.1, horizontal_flip=True, seed=0)
    >>> [type(layer).__name__ for layer in pipeline.layers]
    ['RandomAffine']
    >>> pipeline.layers[0].rotation_factor == (-15 / 360, 15 / 360)
    True
    >>> chain = from_image_data_generator(
    ...     rotation_range=15, width_shift_range=0.1,
    ...     height_shift_range=0.1, horizontal_flip=True, fused=False)
    >>> [type(layer).__name__ for layer in chain.layers]
    ['RandomRotation', 'RandomTranslation', 'RandomFlip']
    """
    unknown = sorted(set(kwargs) - set(IMAGE_DATA_GENERATOR_DEFAULTS))
    if unknown:
        raise TypeError(
            "from_image_data_generator() got keyword arguments that "
            f"ImageDataGenerator does not have: {unknown}. Valid arguments: "
            f"{sorted(IMAGE_DATA_GENERATOR_DEFAULTS)} and seed, "
            "value_range, engine, fused, name."
        )
    layers = image_data_generator_layers(
        kwargs,
        seeds=engines.seed_stream(validation.seed("seed", seed)),
        value_range=value_range,
        layers_module=engines.layers_module(engine),
        fused=fused,
    )
    return AugmentationPipeline(layers, name=name)
