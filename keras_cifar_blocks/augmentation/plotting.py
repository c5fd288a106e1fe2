"""A picture of what an augmentation does: originals and augmented rows."""

import os

import keras
import numpy as np

from keras_cifar_blocks.augmentation.presets import augmentation_preset
from keras_cifar_blocks.utils import validation


def _to_display(images: np.ndarray, scale: float) -> np.ndarray:
    images = np.clip(np.asarray(images, dtype="float32") / scale, 0.0, 1.0)
    return images[..., 0] if images.shape[-1] == 1 else images


def plot_augmentations(
    images, preset, path=None, n=8, repeats=1, seed=0, dpi=150
):
    """Draws originals and augmented versions in a grid; saves it if asked.

    The first row shows the first `n` images; then each preset adds
    `repeats` rows of the same images augmented (with `training=True`).
    Every preset is called on a dict `{"images", "labels"}` with one class
    per image, so label-mixing presets (`cutmix`, `mixup`) can be shown
    too. The figure is drawn with Matplotlib's Agg renderer without
    `pyplot`: no display is needed and no global state changes.

    Args:
        images: array or tensor of shape `(count, height, width, channels)`
            with 1 or 3 channels, values in `[0, 255]` (e.g. CIFAR's
            `uint8`) or in `[0, 1]`.
        preset: a preset name (`"li2018"`, `"cifar_standard+cutmix"`), a
            Keras layer that takes `{"images", "labels"}` dicts (as Keras'
            image augmentation layers and `augmentation_preset` pipelines
            do), or a list of these for one block of rows each.
        path: optional file path (e.g. `"augmentations.png"`); the format
            follows the extension.
        n: int, number of images (columns). Defaults to `8`.
        repeats: int, rows per preset. Defaults to `1`.
        seed: optional int, seed of the presets given by name. Defaults to
            `0`, so the picture is reproducible.
        dpi: int, resolution of the saved file. Defaults to `150`.

    Returns:
        `path` if given, else the `matplotlib.figure.Figure`.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.augmentation import plot_augmentations
    >>> images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3))
    >>> figure = plot_augmentations(images, ["li2018", "cutmix"], n=4)
    >>> len(figure.axes)
    12
    """
    images = np.asarray(keras.ops.convert_to_numpy(images))
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or not len(images):
        raise ValueError(
            "`plot_augmentations` expects images of shape (count, height, "
            "width, channels) with 1 or 3 channels. Received "
            f"shape={images.shape}"
        )
    n = validation.positive_int("n", n)
    repeats = validation.positive_int("repeats", repeats)
    seed = validation.seed("seed", seed)
    images = images[:n].astype("float32")
    count = len(images)
    presets = list(preset) if isinstance(preset, (list, tuple)) else [preset]
    if not presets:
        raise ValueError(
            "Invalid value for argument `preset`. Expected a preset name, a "
            "layer or a non-empty list of them. Received preset=[]"
        )
    scale = 255.0 if images.max() > 1.0 else 1.0
    rows = [("original", _to_display(images, scale))]
    labels = np.eye(count, dtype="float32")
    for item in presets:
        if isinstance(item, str):
            layer, label = augmentation_preset(item, seed=seed), item
        else:
            layer, label = item, item.name
        for _ in range(repeats):
            output = layer({"images": images, "labels": labels}, training=True)
            augmented = keras.ops.convert_to_numpy(output["images"])
            rows.append((label, _to_display(augmented, scale)))

    # Imported here: Matplotlib is only needed for pictures.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(0.9 * count + 1.4, 0.9 * len(rows) + 0.2))
    axes = figure.subplots(len(rows), count, squeeze=False)
    for (label, row), row_axes in zip(rows, axes, strict=True):
        for image, ax in zip(row, row_axes, strict=True):
            ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(
            label, rotation=0, ha="right", va="center", fontsize=9
        )
    figure.subplots_adjust(
        left=1.3 / (0.9 * count + 1.4),
        right=0.99,
        top=0.99,
        bottom=0.01,
        wspace=0.05,
        hspace=0.05,
    )
    if path is None:
        return figure
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path
