"""Classification metrics: confusion matrix, per-class scores, loss.

No scikit-learn: the formulas are short, and a class that is never
predicted (or never present) gets a precision (or recall) of 0 rather
than a warning, as `sklearn.metrics.precision_recall_fscore_support`
does with `zero_division=0`.
"""

import keras
import numpy as np

from keras_cifar_blocks.utils import validation


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Args:
        y_true: integer class ids, shape `(N,)` (or `(N, 1)`).
        y_pred: integer class ids, the same shape.
        num_classes: int, the number of classes.

    Returns:
        An `int64` array of shape `(num_classes, num_classes)`: row `i`,
        column `j` counts the samples of class `i` predicted as `j`. The
        diagonal holds the correct predictions.

    Raises:
        ValueError: if the ids are not integers in `[0, num_classes)` or
            the two arrays have different lengths.

    Example:

    >>> from keras_cifar_blocks.training import confusion_matrix
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], num_classes=3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise ValueError(
            "Invalid value for argument `num_classes`. Expected a strictly "
            f"positive integer. Received num_classes={num_classes!r}"
        )
    y_true = validation.label_ids("y_true", y_true, num_classes)
    y_pred = validation.label_ids("y_pred", y_pred, num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Expected `y_true` and `y_pred` to have the same length. "
            f"Received {y_true.shape[0]} and {y_pred.shape[0]}"
        )
    flat = y_true * num_classes + y_pred
    counts = np.bincount(flat, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """`numerator / denominator`, 0 where the denominator is 0."""
    out = np.zeros(numerator.shape, dtype="float64")
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def classification_metrics(confusion, class_names=None) -> dict:
    """Accuracy, per-class precision, recall, F1 and support, macro means.

    For class `c`: precision is `confusion[c, c] / confusion[:, c].sum()`
    (of the samples predicted `c`, the share that is `c`), recall is
    `confusion[c, c] / confusion[c, :].sum()`, F1 is their harmonic mean
    `2 * p * r / (p + r)`, and support is `confusion[c, :].sum()`. A 0/0
    gives 0. Macro averages are the unweighted means over classes;
    accuracy is the trace over the total.

    Args:
        confusion: square array of counts, rows true classes and columns
            predicted classes (see `confusion_matrix`).
        class_names: optional sequence of names, one per class. Defaults
            to `"0"`, `"1"`, ....

    Returns:
        A dict with `accuracy` (float), `total` (int), `per_class` (a dict
        from class name to a dict of `precision`, `recall`, `f1` and
        `support`) and `macro_avg` (a dict of `precision`, `recall` and
        `f1`).

    Raises:
        ValueError: if `confusion` is not a square array of non-negative
            counts with at least one sample, or `class_names` has the
            wrong length.

    Example:

    >>> from keras_cifar_blocks.training import classification_metrics
    >>> result = classification_metrics([[3, 1], [0, 4]], ["cat", "dog"])
    >>> result["accuracy"]
    0.875
    >>> result["per_class"]["cat"]
    {'precision': 1.0, 'recall': 0.75, 'f1': 0.857..., 'support': 4}
    >>> round(result["macro_avg"]["f1"], 4)
    0.873
    """
    confusion = np.asarray(confusion)
    if (
        confusion.ndim != 2
        or confusion.shape[0] != confusion.shape[1]
        or confusion.shape[0] == 0
        or confusion.dtype.kind not in "iuf"
        or (confusion < 0).any()
        or confusion.sum() == 0
    ):
        raise ValueError(
            "Invalid value for argument `confusion`. Expected a square "
            "array of non-negative counts holding at least one sample. "
            f"Received an array of shape {confusion.shape}"
        )
    num_classes = confusion.shape[0]
    if class_names is None:
        class_names = [str(index) for index in range(num_classes)]
    class_names = [str(name) for name in class_names]
    if len(class_names) != num_classes:
        raise ValueError(
            "Invalid value for argument `class_names`. Expected one name "
            f"per class ({num_classes}). Received {len(class_names)} names"
        )
    correct = np.diag(confusion).astype("float64")
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    precision = _divide(correct, predicted)
    recall = _divide(correct, support)
    f1 = _divide(2 * precision * recall, precision + recall)
    total = int(confusion.sum())
    return {
        "accuracy": float(correct.sum() / total),
        "total": total,
        "per_class": {
            name: {
                "precision": float(precision[index]),
                "recall": float(recall[index]),
                "f1": float(f1[index]),
                "support": int(support[index]),
            }
            for index, name in enumerate(class_names)
        },
        "macro_avg": {
            "precision": float(precision.mean()),
            "recall": float(recall.mean()),
            "f1": float(f1.mean()),
        },
    }


def cross_entropy(y_true, probabilities) -> float:
    """Mean cross-entropy of predicted class probabilities: Keras' loss.

    The mean of `keras.losses.sparse_categorical_crossentropy` (each row
    divided by its sum and clipped to `[1e-7, 1 - 1e-7]`, then
    `-log(p[true class])`), after the arguments are checked. No
    regularization term is added.

    Args:
        y_true: integer class ids, shape `(N,)`.
        probabilities: array of shape `(N, num_classes)`, e.g. the output
            of a softmax.

    Returns:
        A float.

    Example:

    >>> from keras_cifar_blocks.training import cross_entropy
    >>> round(cross_entropy([0, 1], [[0.5, 0.5], [0.2, 0.8]]), 4)
    0.4581
    """
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim != 2:
        raise ValueError(
            "Invalid value for argument `probabilities`. Expected an array "
            "of shape (N, num_classes). Received shape "
            f"{probabilities.shape}"
        )
    y_true = validation.label_ids("y_true", y_true, probabilities.shape[1])
    if y_true.shape[0] != probabilities.shape[0] or not y_true.size:
        raise ValueError(
            "Expected `y_true` and `probabilities` to have the same, non-"
            f"zero number of samples. Received {y_true.shape[0]} and "
            f"{probabilities.shape[0]}"
        )
    losses = keras.losses.sparse_categorical_crossentropy(y_true, probabilities)
    return float(np.mean(keras.ops.convert_to_numpy(losses)))
