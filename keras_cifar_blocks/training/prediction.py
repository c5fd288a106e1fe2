"""Use a finished run: its model on raw images, and predictions for files.

`model.keras` in a run folder is the network as trained: it takes images
after the run's input normalization (`config.json`, `data.normalization`).
`load_run(run_dir)` returns that network behind a `keras.layers.Rescaling`
with the run's scale and offset, so it takes raw 0-255 images as they
come from a file or `keras.datasets`, and `predict_files` classifies PNG or
JPEG files the way `evaluate` classifies the test set (with the recipe's
test-time augmentation). `kcb predict RUN_DIR IMAGE...` is its command
line.
"""

import os
from pathlib import Path

import keras
import numpy as np

from keras_cifar_blocks.training.data import run_class_names
from keras_cifar_blocks.training.normalization import InputNormalization
from keras_cifar_blocks.training.run_dir import load_config
from keras_cifar_blocks.training.run_dir import load_model
from keras_cifar_blocks.training.test_time_augmentation import predict
from keras_cifar_blocks.utils import validation

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def load_run(run_dir) -> keras.Model:
    """The model of a run, taking raw 0-255 images.

    Args:
        run_dir: a folder written by `train` (or `kcb train`, `kcb
            reproduce`'s run folders).

    Returns:
        A `keras.Model`: the run's `model.keras` behind a
        `keras.layers.Rescaling` with the run's input normalization. Its
        `predict` on raw images (uint8 or float, 0-255) gives the class
        probabilities the run's evaluation computes (without test-time
        augmentation; `predict_files` adds it where the recipe has it).

    Raises:
        FileNotFoundError: if `run_dir` is not a run folder or holds no
            `model.keras`.
        ValueError: if `model.keras` is corrupt.

    Example:

    ```py
    from keras_cifar_blocks.training import load_run

    model = load_run("runs/li2018_model1")
    probabilities = model.predict(x_test)  # raw uint8 CIFAR images
    ```
    """
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    network = load_model(run_dir)
    normalization = InputNormalization.from_config(
        config["data"]["normalization"]
    )
    scale, offset = normalization.scale_and_offset()
    inputs = keras.Input(network.input_shape[1:], name="raw_images")
    rescaled = keras.layers.Rescaling(
        np.asarray(scale).tolist(),
        np.asarray(offset).tolist(),
        dtype="float32",
        name="input_normalization",
    )(inputs)
    return keras.Model(inputs, network(rescaled), name=f"{network.name}_raw")


def image_files(paths) -> list[Path]:
    """The PNG and JPEG files among `paths` (files, or folders searched).

    Raises:
        FileNotFoundError: if a path does not exist, or a folder holds no
            image.
        ValueError: if a file named directly is not a PNG or JPEG.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            images = sorted(
                file
                for file in path.rglob("*")
                if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES
            )
            if not images:
                raise FileNotFoundError(
                    f"'{path}' holds no PNG or JPEG file "
                    f"({', '.join(IMAGE_SUFFIXES)})."
                )
            found += images
        elif path.is_file():
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                raise ValueError(
                    f"Invalid image file '{path}'. Expected a PNG or JPEG "
                    f"file ({', '.join(IMAGE_SUFFIXES)})."
                )
            found.append(path)
        else:
            raise FileNotFoundError(f"No such file or folder: '{path}'")
    return found


def load_images(paths, size) -> np.ndarray:
    """Reads image files as RGB `uint8`, resized to `size` (bilinear).

    Args:
        paths: image files (see `image_files`).
        size: `(height, width)` of the model's input.

    Returns:
        A `uint8` array `(len(paths), height, width, 3)`.

    Raises:
        ValueError: if a file is not a readable image.
    """
    from PIL import Image
    from PIL import UnidentifiedImageError

    images = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image = image.convert("RGB")
                if image.size != (size[1], size[0]):
                    image = image.resize(
                        (size[1], size[0]), Image.Resampling.BILINEAR
                    )
                images.append(np.asarray(image, dtype="uint8"))
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(
                f"Invalid image file '{path}': it cannot be read as an "
                f"image ({error})."
            ) from error
    return np.stack(images)


def predict_files(run_dir, paths, top_k=1, batch_size=256) -> list[dict]:
    """Classifies image files with a run's model.

    The images are resized to the model's input, normalized as the run
    was, and averaged over the recipe's test-time augmentation, as
    `evaluate` does for the test set.

    Args:
        run_dir: a run folder.
        paths: PNG/JPEG files or folders of them.
        top_k: int >= 1, how many classes to return per image. Defaults
            to `1`.
        batch_size: int, images per forward pass. Defaults to `256`.

    Returns:
        One dict per image: `path` and `top`, a list of `top_k`
        `(class_name, probability)` pairs, most probable first.
    """
    top_k = validation.positive_int("top_k", top_k)
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    paths = image_files(paths)
    model = load_run(run_dir)
    height, width = model.input_shape[1:3]
    images = load_images(paths, (height, width))
    class_names = run_class_names(config)
    probabilities = predict(
        model,
        images.astype("float32"),
        test_time_augmentation=config["recipe"].get("test_time_augmentation"),
        batch_size=batch_size,
    )
    top_k = min(top_k, probabilities.shape[1])
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top_k]
    return [
        {
            "path": os.fspath(path),
            "top": [
                (class_names[int(index)], float(probabilities[row, index]))
                for index in order[row]
            ],
        }
        for row, path in enumerate(paths)
    ]
