"""The data of a run: its arrays, and the `tf.data` inputs of `fit`.

The arrays depend only on the settings stored in `config.json`
(dataset, subset sizes, validation fraction, seed), so a resumed run and
`evaluate` see exactly the images the first process saw.
"""

import dataclasses
from pathlib import Path

import keras
import numpy as np

from keras_cifar_blocks import datasets
from keras_cifar_blocks.augmentation import CutMix
from keras_cifar_blocks.augmentation import MixUp

CLASS_NAMES = {
    "cifar10": datasets.CIFAR10_CLASS_NAMES,
    "cifar100": datasets.CIFAR100_FINE_CLASS_NAMES,
}
DATASET_TITLES = {
    "cifar10": "CIFAR-10",
    "cifar100": "CIFAR-100",
    "images": "an image folder",
}
# The `dataset` a run on a folder of images records, and the share of
# its images held out as the test set when it has no test folder.
IMAGE_FOLDER = "images"
FOLDER_TEST_SPLIT = 0.1


@dataclasses.dataclass(frozen=True)
class RunData:
    """The arrays of a run (images `uint8`, labels integer class ids)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def sizes(self) -> dict:
        return {
            "train": int(len(self.y_train)),
            "validation": int(len(self.y_val)),
            "test": int(len(self.y_test)),
        }


def run_class_names(config: dict) -> list[str]:
    """The class names of a run, from its `config.json`.

    A run on an image folder records its own; older CIFAR runs do not,
    and get their dataset's.
    """
    data = config["data"]
    return data.get("class_names") or list(CLASS_NAMES[data["dataset"]])


def load_dataset(dataset: str, data_dir=None):
    """`load_cifar10(data_dir)` or `load_cifar100(data_dir)` (fine)."""
    if dataset == "cifar100":
        return datasets.load_cifar100(data_dir)
    return datasets.load_cifar10(data_dir)


def load_image_folder(directory, image_size=(32, 32), class_names=None):
    """The images of a folder of class sub-folders, as arrays.

    Reads every image of `directory/CLASS/...` with
    `keras.utils.image_dataset_from_directory` (PNG, JPEG, BMP, GIF),
    resized to `image_size` (bilinear).

    Args:
        directory: a folder with one sub-folder per class.
        image_size: `(height, width)`. Defaults to `(32, 32)`.
        class_names: optional list of the expected class names (the
            sub-folders), e.g. those of the training folder for a test
            folder.

    Returns:
        `(images, labels, class_names)`: `uint8` images `(N, height,
        width, 3)`, `int64` labels, and the class names in label order
        (the sub-folders, sorted).

    Raises:
        FileNotFoundError: if `directory` is not a folder.
        ValueError: if it holds no image, or other classes than
            `class_names`.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            "Invalid value for argument `images`. Expected a folder of "
            f"class sub-folders. Received images='{directory}', which is "
            "not a folder."
        )
    found = sorted(
        entry.name for entry in directory.iterdir() if entry.is_dir()
    )
    if class_names is not None and found != list(class_names):
        raise ValueError(
            f"Invalid image folder '{directory}'. Expected the class "
            f"sub-folders of the training images, {list(class_names)}. "
            f"Received {found}"
        )
    try:
        images = keras.utils.image_dataset_from_directory(
            directory,
            labels="inferred",
            label_mode="int",
            batch_size=None,
            image_size=tuple(image_size),
            shuffle=False,
            verbose=False,
        )
    except ValueError as error:
        raise ValueError(
            f"Invalid image folder '{directory}'. Expected class "
            f"sub-folders holding images: {error}"
        ) from error
    pairs = [(image.numpy(), int(label)) for image, label in images]
    if not pairs:
        raise ValueError(
            f"Invalid image folder '{directory}'. Expected class "
            "sub-folders holding images; found none."
        )
    x = np.clip(np.rint(np.stack([image for image, _ in pairs])), 0, 255)
    y = np.array([label for _, label in pairs], dtype="int64")
    return x.astype("uint8"), y, tuple(images.class_names)


def _folder_splits(images, test_images, seed):
    """Training and test arrays of a folder run, and its class names."""
    x, y, class_names = load_image_folder(images)
    if test_images is not None:
        x_test, y_test, _ = load_image_folder(
            test_images, class_names=class_names
        )
        return (x, y), (x_test, y_test), class_names
    (x, y), (x_test, y_test) = datasets.train_validation_split(
        x, y, validation_fraction=FOLDER_TEST_SPLIT, seed=seed
    )
    return (x, y), (x_test, y_test), class_names


def load_test_data(
    dataset: str,
    data_dir,
    test_subset,
    seed,
    loaded=None,
    images=None,
    test_images=None,
):
    """The run's test images and labels (a balanced subset if asked).

    For a run on an image folder (`images`), the test folder, or the
    stratified share of the folder held out with `seed`.
    """
    if images is not None:
        _, loaded_test, _ = _folder_splits(images, test_images, seed)
        loaded = (None, loaded_test)
    elif loaded is None:
        loaded = load_dataset(dataset, data_dir)
    _, (x_test, y_test) = loaded
    if test_subset is not None:
        x_test, y_test = datasets.subset(x_test, y_test, test_subset, seed)
    return x_test, y_test


def _trim(x, y, multiple: int):
    """Drop the last `len(x) % multiple` samples."""
    keep = len(y) - len(y) % multiple
    return x[:keep], y[:keep]


def load_run_data(
    dataset: str,
    data_dir=None,
    subset: int | None = None,
    test_subset: int | None = None,
    val_split: float = 0.1,
    seed: int = 0,
    multiple_of: int = 1,
    images=None,
    test_images=None,
) -> RunData:
    """Loads the dataset and makes the run's three sets.

    Args:
        dataset: `"cifar10"` or `"cifar100"`.
        data_dir: where the data lies (see `datasets.load_cifar10`).
        subset: optional int, a class-balanced subset of the training set
            to use (drawn with `seed`); the validation set comes out of
            it.
        test_subset: optional int, a class-balanced subset of the test
            set.
        val_split: float in [0, 1), the stratified share of the training
            images held out for validation; with `0` the validation arrays
            are empty.
        seed: int, seed of the subsets and of the split.
        multiple_of: int, trim the training and validation sets to a
            multiple of it (the number of devices of a JAX data-parallel
            run, whose batches must split evenly).
        images: optional folder of class sub-folders to train on instead
            of `dataset` (see `load_image_folder`).
        test_images: optional test folder with the same sub-folders;
            without it, a stratified 10% of `images` is the test set.

    Returns:
        A `RunData`.
    """
    if images is not None:
        train, test, class_names = _folder_splits(images, test_images, seed)
        loaded = (train, test)
    else:
        loaded = load_dataset(dataset, data_dir)
        class_names = tuple(CLASS_NAMES[dataset])
    (x_train, y_train), _ = loaded
    if subset is not None:
        x_train, y_train = datasets.subset(x_train, y_train, subset, seed)
    if val_split:
        (x_train, y_train), (x_val, y_val) = datasets.train_validation_split(
            x_train, y_train, validation_fraction=val_split, seed=seed
        )
    else:
        x_val, y_val = x_train[:0], y_train[:0]
    x_train, y_train = _trim(x_train, y_train, multiple_of)
    x_val, y_val = _trim(x_val, y_val, multiple_of)
    x_test, y_test = load_test_data(
        dataset, data_dir, test_subset, seed, loaded
    )
    return RunData(
        x_train,
        y_train,
        x_val,
        y_val,
        x_test,
        y_test,
        class_names,
    )


def mixes_labels(augmentation) -> bool:
    """Whether an augmentation pipeline has a `CutMix` or `MixUp` layer."""
    return any(
        isinstance(layer, (CutMix, MixUp))
        for layer in getattr(augmentation, "layers", [augmentation])
    )


def recipe_loss(recipe, augmentation=None):
    """The labels and the loss a recipe trains with.

    Label smoothing and augmentations that mix labels (`CutMix`, `MixUp`)
    need one-hot labels, and so does a categorical loss.

    Args:
        recipe: a `Recipe`.
        augmentation: the augmentation pipeline of the run, or `None`.

    Returns:
        `(one_hot, loss)`: whether the labels are one-hot, and the loss to
        compile with (a name, or a `keras.losses.CategoricalCrossentropy`
        with the recipe's label smoothing).
    """
    one_hot = (
        recipe.loss == "categorical_crossentropy"
        or recipe.label_smoothing > 0
        or (augmentation is not None and mixes_labels(augmentation))
    )
    if recipe.label_smoothing:
        return one_hot, keras.losses.CategoricalCrossentropy(
            label_smoothing=recipe.label_smoothing
        )
    return one_hot, "categorical_crossentropy" if one_hot else recipe.loss


def make_training_datasets(
    data: RunData,
    *,
    batch_size: int,
    shuffle: bool,
    seed: int,
    normalization,
    augmentation=None,
    one_hot: bool = False,
    shard=None,
):
    """The `tf.data` training and validation inputs of a run.

    The training images are shuffled (seeded), batched, augmented on their
    0-255 pixels, then normalized; the validation images are only
    normalized. Keras layers run with TensorFlow ops inside `tf.data` on
    every backend.

    Args:
        data: the run's `RunData`.
        batch_size: int, the (global) batch size.
        shuffle: bool, whether to reshuffle the training images each
            epoch.
        seed: int, seed of the shuffle.
        normalization: the run's `InputNormalization`.
        augmentation: optional augmentation pipeline (a Keras layer). One
            that mixes labels (`CutMix`, `MixUp`) gets and returns
            `{"images", "labels"}` and needs `one_hot=True`.
        one_hot: bool, whether labels become one-hot `float32` vectors
            (for `categorical_crossentropy`).
        shard: optional `(count, index)` of a multi-process job: this
            process's slice of every batch (see `datasets.make_dataset`).

    Returns:
        Two `tf.data.Dataset`s of `(images, labels)` batches: training and
        validation (`None` when `data` has no validation images).

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.training.data import RunData
    >>> from keras_cifar_blocks.training.data import make_training_datasets
    >>> from keras_cifar_blocks.training.normalization import (
    ...     InputNormalization,
    ... )
    >>> x = np.full((6, 32, 32, 3), 255, dtype="uint8")
    >>> y = np.array([0, 1, 2, 0, 1, 2])
    >>> data = RunData(x, y, x[:3], y[:3], x[:3], y[:3], ("a", "b", "c"))
    >>> train_ds, val_ds = make_training_datasets(
    ...     data, batch_size=4, shuffle=False, seed=0,
    ...     normalization=InputNormalization("divide_by_255"), one_hot=True,
    ... )
    >>> images, labels = next(iter(train_ds))
    >>> tuple(images.shape), float(images.numpy().max()), labels.numpy()[0]
    ((4, 32, 32, 3), 1.0, array([1., 0., 0.], dtype=float32))
    """
    train_ds = training_dataset(
        data.x_train,
        data.y_train,
        num_classes=len(data.class_names),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        normalization=normalization,
        augmentation=augmentation,
        one_hot=one_hot,
        shard=shard,
    )
    if not len(data.y_val):
        return train_ds, None
    y_val = data.y_val
    if one_hot:
        y_val = keras.utils.to_categorical(y_val, len(data.class_names)).astype(
            "float32"
        )
    val_ds = datasets.make_dataset(
        data.x_val,
        y_val,
        batch_size=batch_size,
        augment=normalization.layer(),
        shard=shard,
    )
    return train_ds, val_ds


def training_dataset(
    images,
    labels,
    *,
    num_classes: int,
    batch_size: int,
    shuffle: bool,
    seed: int,
    normalization,
    augmentation=None,
    one_hot: bool = False,
    shard=None,
):
    """The `tf.data` training input of `make_training_datasets`, alone.

    For training on a whole training set, without a validation split
    (e.g. `benchmarks/time_to_accuracy.py`). The arguments are those of
    `make_training_datasets`, with the images and integer labels given
    directly and `num_classes` for the one-hot labels.

    Returns:
        A `tf.data.Dataset` of `(images, labels)` batches.
    """
    if one_hot:
        labels = keras.utils.to_categorical(labels, num_classes).astype(
            "float32"
        )
    elif augmentation is not None and mixes_labels(augmentation):
        raise ValueError(
            "An augmentation that mixes labels (CutMix, MixUp) needs "
            "one-hot labels: pass one_hot=True."
        )
    rescale = normalization.layer()
    augment_labels = False
    if augmentation is None:
        augment = rescale
    elif mixes_labels(augmentation):
        augment_labels = True

        def augment(images, labels):
            out = augmentation({"images": images, "labels": labels})
            return rescale(out["images"]), out["labels"]

    else:

        def augment(images):
            return rescale(augmentation(images))

    return datasets.make_dataset(
        images,
        labels,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        augment=augment,
        augment_labels=augment_labels,
        shard=shard,
    )
