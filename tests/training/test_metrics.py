import keras
import numpy as np
import pytest

from keras_cifar_blocks.training import classification_metrics
from keras_cifar_blocks.training import confusion_matrix
from keras_cifar_blocks.training import cross_entropy


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    y_true = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 0, 1, 2, 2, 2, 0, 2]
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, num_classes=4),
        [[2, 1, 0, 0], [0, 1, 1, 0], [1, 0, 3, 0], [0, 0, 0, 0]],
    )


def test_confusion_matrix_accepts_column_labels_and_matches_loop():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 7, (500, 1))
    y_pred = rng.integers(0, 7, 500)
    expected = np.zeros((7, 7), dtype=int)
    for t, p in zip(y_true[:, 0], y_pred, strict=True):
        expected[t, p] += 1
    result = confusion_matrix(y_true, y_pred, 7)
    np.testing.assert_array_equal(result, expected)
    assert result.sum() == 500


@pytest.mark.parametrize(
    "args, match",
    [
        (([0, 3], [0, 1], 3), r"`y_true`. Expected class ids in \[0, 3\)"),
        (([0, 1], [0, -1], 3), r"`y_pred`. Expected class ids in \[0, 3\)"),
        (([0, 1], [0, 1, 1], 3), "same length. Received 2 and 3"),
        (([0.0, 1.0], [0, 1], 3), "`y_true`. Expected integer class ids"),
        (([0, 1], [0, 1], 0), "`num_classes`. Expected a strictly positive"),
    ],
)
def test_confusion_matrix_errors(args, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(*args)


def test_classification_metrics_by_hand():
    # Class a: 2 right, 1 predicted as b, 1 as c. Class b: 1 right, 1
    # predicted as a. Class c: no sample, predicted once: precision 0/1,
    # recall 0/0, both 0.
    confusion = np.array([[2, 1, 1], [1, 1, 0], [0, 0, 0]])
    result = classification_metrics(confusion, ["a", "b", "c"])
    assert result["total"] == 6
    assert result["accuracy"] == pytest.approx(3 / 6)
    a, b, c = (result["per_class"][k] for k in "abc")
    assert a["precision"] == pytest.approx(2 / 3)
    assert a["recall"] == pytest.approx(2 / 4)
    assert a["f1"] == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert a["support"] == 4
    assert b["precision"] == pytest.approx(1 / 2)
    assert b["recall"] == pytest.approx(1 / 2)
    assert b["f1"] == pytest.approx(1 / 2)
    assert c == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    for key in ("precision", "recall", "f1"):
        assert result["macro_avg"][key] == pytest.approx(
            np.mean([a[key], b[key], c[key]])
        )


def test_classification_metrics_perfect_and_default_names():
    result = classification_metrics(np.diag([3, 4]))
    assert result["accuracy"] == 1.0
    assert list(result["per_class"]) == ["0", "1"]
    assert result["macro_avg"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


@pytest.mark.parametrize(
    "confusion",
    [np.zeros((2, 3)), np.zeros((2, 2)), np.array([[1, -1], [0, 1]]), []],
)
def test_classification_metrics_rejects_bad_confusion(confusion):
    with pytest.raises(ValueError, match="Invalid value for argument `confu"):
        classification_metrics(confusion)


def test_classification_metrics_rejects_wrong_number_of_names():
    with pytest.raises(ValueError, match=r"one name per class \(2\)"):
        classification_metrics(np.eye(2, dtype=int), ["a"])


def test_cross_entropy_matches_keras_loss():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(64, 10)).astype("float32")
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    probabilities[0] = np.eye(10)[3]  # a zero probability is clipped
    y_true = rng.integers(0, 10, 64)
    y_true[0] = 5
    expected = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(y_true, probabilities)
    ).mean()
    assert cross_entropy(y_true, probabilities) == pytest.approx(
        float(expected), rel=1e-5
    )


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match="shape \\(N, num_classes\\)"):
        cross_entropy([0], [0.5, 0.5])
    with pytest.raises(ValueError, match="same, non-zero number of samples"):
        cross_entropy([0, 1], [[0.5, 0.5]])
