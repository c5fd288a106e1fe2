import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import augmentation_preset
from keras_cifar_blocks.augmentation import plot_augmentations


def test_writes_a_png_grid(images, tmp_path):
    import matplotlib.image

    path = tmp_path / "pictures" / "grid.png"
    returned = plot_augmentations(
        images, ["cifar_standard", "mixup"], path=path, n=4, repeats=2, dpi=50
    )
    assert returned == path
    assert path.stat().st_size > 5_000
    picture = matplotlib.image.imread(path)
    height, width = picture.shape[:2]
    # 1 + 2 * 2 rows of 4 images, plus a column of row labels.
    assert 0.8 < height / width < 1.5
    assert picture[..., :3].std() > 0.05, "not a blank picture"


def test_returns_the_figure_and_labels_its_rows(images):
    layer = augmentation_preset("li2018", seed=0)
    figure = plot_augmentations(images / 255, [layer, "cutmix"], n=4)
    assert len(figure.axes) == 3 * 4
    labels = [ax.get_ylabel() for ax in figure.axes[::4]]
    assert labels == ["original", layer.name, "cutmix"]
    shown = figure.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(shown, images[0] / 255, rtol=1e-6)


def test_grayscale_images(images):
    gray = images[..., :1]
    figure = plot_augmentations(gray, "schnack2022", n=4)
    assert figure.axes[0].get_images()[0].get_array().shape == (32, 32)


def test_real_cifar10_picture(cifar10_sample, tmp_path):
    images, _ = cifar10_sample
    path = plot_augmentations(
        images[:4], ["li2018", "cifar_standard+cutmix"], tmp_path / "c.png"
    )
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((np.zeros((4, 32, 32)), "li2018"), {}, ValueError, r"expects images"),
        ((np.zeros((1, 8, 8, 3)), []), {}, ValueError, r"`preset`"),
        ((np.zeros((1, 8, 8, 3)), "li2019"), {}, ValueError, r"Unknown"),
        ((np.zeros((1, 8, 8, 3)), "li2018"), {"n": 0}, ValueError, r"`n`"),
        (
            (np.zeros((1, 8, 8, 3)), "li2018"),
            {"repeats": 1.5},
            ValueError,
            r"`repeats`",
        ),
    ],
)
def test_invalid_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_augmentations(*args, **kwargs)


def test_accepts_tensors(images):
    figure = plot_augmentations(keras.ops.convert_to_tensor(images), "ntua")
    assert len(figure.axes) == 2 * 4
