import numpy as np
import pytest

from keras_cifar_blocks.training.plots import MISCLASSIFIED_GAP_INCHES
from keras_cifar_blocks.training.plots import MISCLASSIFIED_IMAGE_INCHES
from keras_cifar_blocks.training.plots import plot_confusion_matrix
from keras_cifar_blocks.training.plots import plot_learning_curves
from keras_cifar_blocks.training.plots import plot_misclassified

PNG = b"\x89PNG\r\n\x1a\n"


def test_learning_curves_png(tmp_path):
    history = {
        "epoch": [1, 2, 3],
        "loss": [2.0, 1.5, 1.2],
        "val_loss": [1.9, 1.6, None],
        "accuracy": [0.3, 0.4, 0.5],
        "val_accuracy": [0.35, 0.42, 0.4],
    }
    path = plot_learning_curves(history, tmp_path / "curves.png", 2)
    assert path.read_bytes().startswith(PNG)


def test_learning_curves_draw_training_and_validation():
    history = {"epoch": [1, 2], "loss": [2.0, 1.5], "val_loss": [1.9, 1.6]}
    loss_axes, accuracy_axes = plot_learning_curves(history).axes
    labels = [line.get_label() for line in loss_axes.get_lines()]
    assert labels == ["training", "validation"]
    assert not accuracy_axes.get_lines()


def test_confusion_matrix_png_without_counts_for_many_classes(tmp_path):
    confusion = np.random.default_rng(0).integers(0, 5, (30, 30))
    names = [f"class_{i}" for i in range(30)]
    figure = plot_confusion_matrix(confusion, names)
    assert not figure.axes[0].texts
    path = plot_confusion_matrix(confusion, names, tmp_path / "cm.png")
    assert path.read_bytes().startswith(PNG)


def test_confusion_matrix_annotates_counts():
    figure = plot_confusion_matrix([[5, 1], [0, 4]], ["cat", "dog"])
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["5", "1", "0", "4"]


def test_confusion_matrix_needs_one_name_per_class():
    with pytest.raises(ValueError, match="one class name per row"):
        plot_confusion_matrix([[1, 0], [0, 1]], ["cat"])


def test_misclassified_shows_only_mistakes(tmp_path):
    images = np.zeros((30, 32, 32, 3), dtype="uint8")
    y_true = np.arange(30) % 3
    y_pred = np.where(np.arange(30) < 7, (y_true + 1) % 3, y_true)
    figure = plot_misclassified(
        images, y_true, y_pred, ["a", "b", "c"], confidence=np.full(30, 0.5)
    )
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert len(labels) == 7
    assert labels[0] == "true: a\npred: b (50%)"
    path = plot_misclassified(
        images, y_true, y_pred, ["a", "b", "c"], path=tmp_path / "some.png"
    )
    assert path.read_bytes().startswith(PNG)
    figure = plot_misclassified(images, y_true, y_true, ["a", "b", "c"])
    assert figure.axes[0].texts[0].get_text() == "No misclassified images."


@pytest.mark.parametrize("mistakes, rows", [(25, 5), (7, 2), (3, 1)])
def test_misclassified_figure_is_sized_to_its_grid(mistakes, rows):
    images = np.zeros((40, 32, 32, 3), dtype="uint8")
    y_true = np.arange(40) % 10
    y_pred = np.where(np.arange(40) < mistakes, (y_true + 1) % 10, y_true)
    names = [f"class{i}" for i in range(9)] + ["automobile"]
    figure = plot_misclassified(
        images, y_true, y_pred, names, confidence=np.ones(40)
    )
    axes = figure.axes[0]
    mosaic = axes.images[0].get_array()
    width, height = figure.get_size_inches()
    # The mosaic fills the figure: its aspect is the figure's, no margins.
    assert axes.get_position().bounds == pytest.approx((0, 0, 1, 1))
    assert width / height == pytest.approx(mosaic.shape[1] / mosaic.shape[0])
    assert width == pytest.approx(
        min(mistakes, 5) * MISCLASSIFIED_IMAGE_INCHES
        + (min(mistakes, 5) - 1) * MISCLASSIFIED_GAP_INCHES
    )
    # Each row is an image and a band just tall enough for its label.
    band_inches = height / rows - MISCLASSIFIED_IMAGE_INCHES
    renderer = figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in axes.texts]
    label_inches = max(box.height for box in boxes) / figure.dpi
    assert label_inches <= band_inches <= 1.6 * label_inches
    # Labels stay inside the figure and clear of each other.
    figure_box = figure.bbox
    for i, box in enumerate(boxes):
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1
        assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])
