import numpy as np
import pytest

from keras_cifar_blocks.augmentation import augmentation_preset
from keras_cifar_blocks.training.data import RunData
from keras_cifar_blocks.training.data import load_run_data
from keras_cifar_blocks.training.data import make_training_datasets
from keras_cifar_blocks.training.data import mixes_labels
from keras_cifar_blocks.training.normalization import InputNormalization


def _run_data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype="uint8")
    y = np.arange(n) % 4
    return RunData(x, y, x[:8], y[:8], x[:4], y[:4], ("a", "b", "c", "d"))


def _first_batch(ds):
    images, labels = next(iter(ds))
    return np.asarray(images), np.asarray(labels)


def test_load_run_data_is_a_function_of_the_settings(cifar10_dir):
    data = load_run_data(
        "cifar10", cifar10_dir, subset=200, test_subset=50, seed=1
    )
    assert data.sizes() == {"train": 180, "validation": 20, "test": 50}
    assert np.bincount(data.y_val).tolist() == [2] * 10
    assert np.bincount(data.y_test).tolist() == [5] * 10
    assert data.class_names[0] == "airplane"
    again = load_run_data(
        "cifar10", cifar10_dir, subset=200, test_subset=50, seed=1
    )
    np.testing.assert_array_equal(again.x_train, data.x_train)
    np.testing.assert_array_equal(again.x_test, data.x_test)
    trimmed = load_run_data(
        "cifar10", cifar10_dir, subset=202, test_subset=50, multiple_of=4
    )
    assert trimmed.sizes()["train"] % 4 == 0
    assert trimmed.sizes()["validation"] % 4 == 0


def test_datasets_normalize_and_keep_integer_labels():
    data = _run_data()
    norm = InputNormalization.fit("standardize_per_channel", data.x_train)
    train_ds, val_ds = make_training_datasets(
        data, batch_size=16, shuffle=False, seed=0, normalization=norm
    )
    images, labels = _first_batch(train_ds)
    np.testing.assert_allclose(images, norm.apply(data.x_train), atol=1e-5)
    np.testing.assert_array_equal(labels, data.y_train)
    images, labels = _first_batch(val_ds)
    np.testing.assert_allclose(images, norm.apply(data.x_val), atol=1e-5)


def test_augmentation_changes_training_images_only():
    data = _run_data()
    norm = InputNormalization("divide_by_255")
    augment = augmentation_preset("cifar_standard", seed=0)
    train_ds, val_ds = make_training_datasets(
        data,
        batch_size=16,
        shuffle=False,
        seed=0,
        normalization=norm,
        augmentation=augment,
        one_hot=True,
    )
    images, labels = _first_batch(train_ds)
    assert images.shape == (16, 32, 32, 3)
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert not np.allclose(images, norm.apply(data.x_train))
    np.testing.assert_array_equal(labels, np.eye(4)[data.y_train])
    images, _ = _first_batch(val_ds)
    np.testing.assert_allclose(images, norm.apply(data.x_val), atol=1e-6)


def test_label_mixing_augmentation_needs_one_hot_labels():
    data = _run_data()
    norm = InputNormalization("divide_by_255")
    mixup = augmentation_preset("mixup", seed=0)
    assert mixes_labels(mixup)
    assert not mixes_labels(augmentation_preset("li2018"))
    with pytest.raises(ValueError, match="needs one-hot labels"):
        make_training_datasets(
            data,
            batch_size=8,
            shuffle=False,
            seed=0,
            normalization=norm,
            augmentation=mixup,
        )
    train_ds, _ = make_training_datasets(
        data,
        batch_size=8,
        shuffle=False,
        seed=0,
        normalization=norm,
        augmentation=mixup,
        one_hot=True,
    )
    images, labels = _first_batch(train_ds)
    assert images.max() <= 1.0
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    assert (labels.max(axis=1) < 1.0).any()  # mixed, not one-hot
