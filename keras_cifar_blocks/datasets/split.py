"""A stratified, seeded split of training data into train and validation.

Model selection (early stopping, learning-rate schedules, architecture or
hyperparameter search) must never look at the test set; split a
validation set off the training data instead, with the same class
proportions in both parts.
"""

import numpy as np

from keras_cifar_blocks.utils import validation

Split = tuple[np.ndarray, np.ndarray]


def train_validation_split(
    x, y, validation_fraction: float = 0.1, seed: int = 0
) -> tuple[Split, Split]:
    """Splits `(x, y)` into stratified training and validation sets.

    Each class keeps the same share of samples in both sets: a class with
    `count` samples puts `round(count * validation_fraction)` of them,
    drawn at random, in the validation set, but always at least one and
    at most `count - 1`, so that every class is seen in both sets. The
    draw depends only on `y`, `validation_fraction` and `seed`, so the
    same call always gives the same split, whatever the Keras backend.
    Both sets keep the original order of the samples; shuffle them when
    training (`make_dataset(..., shuffle=True)`, `ArrayDataset(...,
    shuffle=True)` or `model.fit(..., shuffle=True)`).

    Use it to keep the test set out of model selection: pick epochs,
    learning rates and architectures on the validation set, and evaluate
    on the test set once at the end. Unlike `model.fit(...,
    validation_split=...)`, which takes the last samples as they come,
    the split is stratified and random.

    Args:
        x: Array of samples (NumPy array or array-like), indexed along
            its first axis.
        y: Labels for `x`: integers of shape `(N,)` or `(N, 1)`, or
            one-hot labels of shape `(N, num_classes)` (stratified on
            their `argmax`).
        validation_fraction: Float in the open range (0, 1), the share of
            each class that goes to the validation set. Defaults to
            `0.1`.
        seed: Int >= 0 seeding the random choice of the validation
            samples. Defaults to `0`.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_val, y_val)`.
        Together they hold every sample exactly once; each keeps the
        dtype and the trailing shape of `x` and `y`.

    Raises:
        ValueError: If `validation_fraction` is not in (0, 1), if `seed`
            is not an int >= 0, if `x` and `y` have different lengths, if
            `y` is not integer or one-hot labels, if there are no samples,
            or if a class has fewer than 2 samples (it cannot be in both
            sets).

    Example:

    >>> import numpy as np
    >>> x = np.arange(20).reshape(10, 2)
    >>> y = np.array([0, 1] * 5)
    >>> (x_train, y_train), (x_val, y_val) = train_validation_split(
    ...     x, y, validation_fraction=0.2, seed=0
    ... )
    >>> tuple(x_train.shape), tuple(x_val.shape)
    ((8, 2), (2, 2))
    >>> sorted(y_val.tolist())
    [0, 1]
    """
    validation_fraction = validation.open_fraction(
        "validation_fraction", validation_fraction
    )
    seed = validation.seed("seed", seed, optional=False)
    x, y = validation.samples(x, y)
    labels = validation.label_ids("y", y, one_hot=True)
    if labels.shape[0] == 0:
        raise ValueError("Cannot split `x` and `y`: they hold no samples.")
    classes, counts = np.unique(labels, return_counts=True)
    rng = np.random.default_rng(seed)
    chosen = []
    for label, count in zip(classes, counts, strict=True):
        if count < 2:
            raise ValueError(
                f"Class {label} has only {count} sample: each class needs "
                "at least 2 to appear in both the training and the "
                "validation set."
            )
        # Round half up (not to even), then keep >= 1 sample per set.
        n_val = int(np.floor(count * validation_fraction + 0.5))
        n_val = min(max(n_val, 1), count - 1)
        (indices,) = np.nonzero(labels == label)
        chosen.append(rng.choice(indices, size=n_val, replace=False))
    is_val = np.zeros(labels.shape[0], dtype=bool)
    is_val[np.concatenate(chosen)] = True
    (train_index,) = np.nonzero(~is_val)
    (val_index,) = np.nonzero(is_val)
    return (x[train_index], y[train_index]), (x[val_index], y[val_index])
