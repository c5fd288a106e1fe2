"""`kcb demo`: train a small model built from our blocks on CIFAR-10."""

import time

import keras
import numpy as np

from keras_cifar_blocks import datasets
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.utils import validation as check


def demo_model(num_classes: int = 10, seed: int | None = None) -> keras.Model:
    """A ~0.3M-parameter CNN made of three `ConvBNPoolDropout` stages.

    Example:

    >>> from keras_cifar_blocks.cli.demo import demo_model
    >>> model = demo_model()
    >>> model.output_shape
    (None, 10)
    """
    # ReLU rather than Mish: Mish costs about 2x the step time on CPU.
    # BatchNorm momentum 0.9 so the moving statistics keep up in one epoch.
    stage = {
        "activation": "relu",
        "kernel_initializer": "he_uniform",
        "momentum": 0.9,
    }
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 255.0),
            ConvBNPoolDropout(32, convs=2, dropout=0.1, seed=seed, **stage),
            ConvBNPoolDropout(64, convs=2, dropout=0.2, seed=seed, **stage),
            ConvBNPoolDropout(128, convs=2, dropout=0.3, seed=seed, **stage),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ],
        name="kcb_demo",
    )


def run_demo(
    data_dir: str | None = None,
    train_size: int = 10_000,
    test_size: int | None = None,
    epochs: int = 1,
    batch_size: int = 64,
    learning_rate: float = 2e-3,
    seed: int = 0,
    verbose: int | str = "auto",
) -> dict:
    """Train `demo_model` on a balanced CIFAR-10 subset and evaluate it.

    Args:
        data_dir: where CIFAR-10 lies (see `datasets.load_cifar10`).
        train_size: number of training images (class-balanced subset).
        test_size: number of test images to evaluate on; `None` for all
            10,000.
        epochs: training epochs.
        batch_size: batch size.
        learning_rate: Adam learning rate.
        seed: seed of the subset, the weights and the dropout.
        verbose: Keras verbosity (`"auto"` shows progress bars).

    Returns:
        A dict with `test_accuracy`, `test_loss`, `train_size`,
        `test_size`, `epochs`, `seconds` (training wall time), `backend`
        and `parameters`.
    """
    check.positive_int("train_size", train_size)
    check.positive_int("epochs", epochs)
    (x_train, y_train), (x_test, y_test) = datasets.load_cifar10(data_dir)
    x_train, y_train = datasets.subset(x_train, y_train, train_size, seed)
    if test_size is not None:
        x_test, y_test = datasets.subset(x_test, y_test, test_size, seed)

    keras.utils.set_random_seed(seed)
    model = demo_model(seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(
        x_train.astype("float32"),
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(
        x_test.astype("float32"), y_test, batch_size=256, verbose=verbose
    )
    return {
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "train_size": int(len(y_train)),
        "test_size": int(len(y_test)),
        "epochs": epochs,
        "seconds": round(seconds, 2),
        "backend": keras.backend.backend(),
        "parameters": int(model.count_params()),
        "chance_accuracy": float(1 / len(np.unique(y_test))),
    }
