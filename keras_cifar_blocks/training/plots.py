"""The pictures of a run's report: learning curves, confusion, mistakes.

Figures are drawn with Matplotlib's Agg renderer without `pyplot`: no
display is needed and no global state changes. Each function returns
the `matplotlib.figure.Figure`, or saves it and returns the path when
`path` is given.
"""

import os

import numpy as np

# The grid of misclassified images: each image's width on the figure, the
# space between columns, and the size of the labels above the images.
MISCLASSIFIED_IMAGE_INCHES = 1.6
MISCLASSIFIED_GAP_INCHES = 0.2
_LABEL_POINTS = 8
_LINE_SPACING = 1.2


def new_figure(width: float, height: float, layout="constrained"):
    """A Matplotlib `Figure` of `width` x `height` inches, without pyplot.

    The Agg canvas is attached, so the figure can be drawn and saved
    without a display. Every plot of the package (runs and searches)
    starts here.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure, path, dpi: int = 120):
    """Saves `figure` to `path` and returns `path`; with no path, `figure`.

    Every plot of the package (runs and searches) ends here.
    """
    if path is None:
        return figure
    figure.savefig(os.fspath(path), dpi=dpi)
    return path


def plot_learning_curves(history: dict, path=None, best_epoch=None):
    """Loss and accuracy per epoch, training against validation.

    Args:
        history: a dict of lists as `history.json` holds it (`epoch`,
            `loss`, `accuracy`, `val_loss`, `val_accuracy`); the keys
            that are missing are not drawn.
        path: optional file path (e.g. `"learning_curves.png"`).
        best_epoch: optional int, the epoch of the saved model; marked
            with a vertical line.

    Returns:
        `path` if given, else the `matplotlib.figure.Figure`.

    Example:

    >>> from keras_cifar_blocks.training.plots import plot_learning_curves
    >>> history = {"epoch": [1, 2], "loss": [2.0, 1.6],
    ...            "val_loss": [1.9, 1.7], "accuracy": [0.3, 0.4],
    ...            "val_accuracy": [0.32, 0.41]}
    >>> figure = plot_learning_curves(history, best_epoch=2)
    >>> [axes.get_title() for axes in figure.axes]
    ['Loss', 'Accuracy']
    """
    from matplotlib.ticker import MaxNLocator

    epochs = list(history.get("epoch", []))
    figure = new_figure(10, 4)
    for axes, metric, title in zip(
        figure.subplots(1, 2),
        ("loss", "accuracy"),
        ("Loss", "Accuracy"),
        strict=True,
    ):
        for key, label, style in (
            (metric, "training", "o-"),
            (f"val_{metric}", "validation", "s--"),
        ):
            values = history.get(key)
            if not values:
                continue
            points = [
                (epoch, value)
                for epoch, value in zip(epochs, values, strict=False)
                if value is not None
            ]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, style, label=label, markersize=3)
        if best_epoch is not None:
            axes.axvline(
                best_epoch, color="gray", linestyle=":", label="saved model"
            )
        axes.set_title(title)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        if axes.has_data():
            axes.legend()
    return save_figure(figure, path)


def plot_confusion_matrix(confusion, class_names, path=None):
    """A heatmap of a confusion matrix, rows true and columns predicted.

    Colors show each row's shares (the recall of the class on the
    diagonal); with at most 20 classes, each cell prints its count.

    Args:
        confusion: square array of counts (see `confusion_matrix`).
        class_names: one name per class.
        path: optional file path.

    Returns:
        `path` if given, else the `matplotlib.figure.Figure`.

    Example:

    >>> from keras_cifar_blocks.training.plots import plot_confusion_matrix
    >>> figure = plot_confusion_matrix([[5, 1], [2, 4]], ["cat", "dog"])
    >>> [label.get_text() for label in figure.axes[0].get_xticklabels()]
    ['cat', 'dog']
    """
    confusion = np.asarray(confusion)
    num_classes = confusion.shape[0]
    if (
        confusion.shape != (num_classes, num_classes)
        or len(class_names) != num_classes
    ):
        raise ValueError(
            "Expected a square `confusion` matrix and one class name per "
            f"row. Received confusion of shape {confusion.shape} and "
            f"{len(class_names)} class names"
        )
    rows = confusion.sum(axis=1, keepdims=True)
    shares = np.divide(
        confusion,
        rows,
        out=np.zeros(confusion.shape, dtype="float64"),
        where=rows != 0,
    )
    size = min(max(5.0, 0.55 * num_classes + 2.0), 24.0)
    figure = new_figure(size + 1.0, size)
    axes = figure.subplots()
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=axes, label="share of the true class")
    font = 8 if num_classes <= 20 else 4
    ticks = np.arange(num_classes)
    axes.set_xticks(ticks, labels=list(class_names), fontsize=font)
    axes.set_yticks(ticks, labels=list(class_names), fontsize=font)
    axes.tick_params(axis="x", labelrotation=90)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(f"Confusion matrix ({int(confusion.sum())} images)")
    if num_classes <= 20:
        for true_class in range(num_classes):
            for predicted_class in range(num_classes):
                axes.text(
                    predicted_class,
                    true_class,
                    str(int(confusion[true_class, predicted_class])),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white"
                    if shares[true_class, predicted_class] > 0.5
                    else "black",
                )
    return save_figure(figure, path)


def plot_misclassified(
    images, y_true, y_pred, class_names, confidence=None, n=25, path=None
):
    """A grid of misclassified images with their true and predicted class.

    Shows the first `n` mistakes in the order of `images`, five per row,
    each below its label `"true: <class>\\npred: <class>"`. The grid is one
    mosaic image, which draws much faster than one axes per image, and the
    figure is sized to it: `MISCLASSIFIED_IMAGE_INCHES` per image, a label
    band as tall as two lines of text, no margins.

    Args:
        images: array of shape `(N, height, width, channels)`, values in
            [0, 255] (as loaded, before normalization).
        y_true: integer class ids, shape `(N,)`.
        y_pred: predicted class ids, shape `(N,)`.
        class_names: one name per class.
        confidence: optional array `(N,)`, the predicted class's
            probability, printed after its name.
        n: int, the most images to show. Defaults to `25`.
        path: optional file path.

    Returns:
        `path` if given, else the `matplotlib.figure.Figure`.

    Example:

    >>> import numpy as np
    >>> from keras_cifar_blocks.training.plots import plot_misclassified
    >>> images = np.zeros((3, 32, 32, 3), dtype="uint8")
    >>> figure = plot_misclassified(images, [0, 1, 1], [0, 0, 1],
    ...                             ["cat", "dog"])
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['true: dog\\npred: cat']
    """
    images = np.asarray(images)
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    if not len(wrong):
        figure = new_figure(4.0, 1.0)
        axes = figure.subplots()
        axes.axis("off")
        axes.text(0.5, 0.5, "No misclassified images.", ha="center")
        return save_figure(figure, path)
    columns = min(5, len(wrong))
    rows = int(np.ceil(len(wrong) / columns))
    # The figure is the mosaic at a fixed scale, without margins: every
    # image is MISCLASSIFIED_IMAGE_INCHES wide, and the band above it is
    # just tall enough for its two lines of text, whatever the grid.
    height, width = images.shape[1:3]
    inches_per_pixel = MISCLASSIFIED_IMAGE_INCHES / width
    label_inches = 2 * _LINE_SPACING * _LABEL_POINTS / 72 + 0.1
    label = int(np.ceil(label_inches / inches_per_pixel))
    gap = max(1, round(MISCLASSIFIED_GAP_INCHES / inches_per_pixel))
    cell_h, cell_w = label + height, width + gap
    mosaic = np.ones((rows * cell_h, columns * cell_w - gap, 3), "float32")
    figure = new_figure(
        mosaic.shape[1] * inches_per_pixel,
        mosaic.shape[0] * inches_per_pixel,
        layout=None,
    )
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.axis("off")
    for place, index in enumerate(wrong):
        row, column = divmod(place, columns)
        image = np.clip(images[index].astype("float32") / 255.0, 0.0, 1.0)
        top, left = row * cell_h + label, column * cell_w
        mosaic[top : top + height, left : left + width] = image
        text = (
            f"true: {class_names[y_true[index]]}\n"
            f"pred: {class_names[y_pred[index]]}"
        )
        if confidence is not None:
            text += f" ({float(confidence[index]):.0%})"
        axes.text(
            left + width / 2,
            top - 0.5,
            text,
            ha="center",
            va="bottom",
            fontsize=_LABEL_POINTS,
            linespacing=_LINE_SPACING,
        )
    axes.imshow(mosaic, interpolation="nearest", aspect="equal")
    return save_figure(figure, path)
