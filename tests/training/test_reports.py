import copy

import pytest

from keras_cifar_blocks.architectures import recipe
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.reports import best_epoch
from keras_cifar_blocks.training.reports import differences_from_recipe
from keras_cifar_blocks.training.reports import format_report
from keras_cifar_blocks.training.reports import write_report

CONFIG = {
    "architecture": "li2018_model1",
    "description": "Model 1.",
    "parameters": 42442,
    "status": "complete",
    "settings": {
        "epochs": 100,
        "batch_size": 128,
        "subset": None,
        "test_subset": None,
        "val_split": 0.1,
        "seed": 0,
        "overrides": {},
        "augment": True,
        "shuffle": True,
        "distribute": False,
    },
    "recipe": run_dir.recipe_as_dict(recipe("li2018_model1")),
    "training": {
        "loss": "sparse_categorical_crossentropy",
        "augmentation": None,
        "early_stopping": None,
        "replicas": 1,
    },
    "data": {
        "dataset": "cifar10",
        "sizes": {"train": 45000, "validation": 5000, "test": 10000},
        "normalization": {"mode": "divide_by_255"},
    },
    "environment": {
        "backend": "jax",
        "versions": {"keras": "3.15.1", "keras_cifar_blocks": "0.1.0"},
    },
}
HISTORY = {
    "epoch": [1, 2, 3],
    "loss": [2.0, 1.5, 1.3],
    "val_accuracy": [0.40, 0.52, 0.50],
    "seconds": [10.0, 9.0, 9.5],
}
METRICS = {
    "test_accuracy": 0.5123,
    "test_loss": 1.41,
    "test_size": 10000,
    "macro_avg": {"precision": 0.51, "recall": 0.5123, "f1": 0.50},
    "per_class": {
        "airplane": {
            "precision": 0.6,
            "recall": 0.55,
            "f1": 0.574,
            "support": 1000,
        }
    },
}


def test_report_puts_test_accuracy_beside_the_documented_one():
    text = format_report(CONFIG, HISTORY, METRICS)
    assert "| This run | 51.23% | CIFAR-10 test set, 10,000 images |" in text
    assert "| Documented | 68.34% | CIFAR-10 test set |" in text
    source = CONFIG["recipe"]["source"]
    assert source["report"] == "003_9b08b6f72382b430.txt"
    assert (
        f'Source: Li (2018), "CIFAR10 CNN use Keras"; '
        f"{'; '.join(source['sections'])}.\n" in text
    )
    # The seed's internal file name means nothing to a reader.
    assert source["report"] not in text and "seed report" not in text
    assert "Not a replication" not in text
    assert "epoch 2, validation accuracy 52.00%" in text
    assert "Epochs run: 3 of 100, 28 s in all." in text
    assert "| airplane | 60.00% | 55.00% | 57.40% | 1000 |" in text
    for image in (
        run_dir.LEARNING_CURVES,
        run_dir.CONFUSION_MATRIX,
        run_dir.MISCLASSIFIED,
    ):
        assert f"]({image})" in text


def test_report_says_when_the_run_is_not_a_replication():
    config = copy.deepcopy(CONFIG)
    config["settings"].update(epochs=1, subset=1000, test_subset=500)
    config["data"]["sizes"] = {"train": 900, "validation": 100, "test": 500}
    differences = differences_from_recipe(config)
    assert differences == [
        "1,000 of the 50,000 training images (900 to train, 100 to validate)",
        "1 epoch(s) instead of 100",
        "a balanced subset of 500 test images",
    ]
    assert "**Not a replication.**" in format_report(config, HISTORY, METRICS)


def test_report_describes_early_stopping():
    config = copy.deepcopy(CONFIG)
    config["training"]["early_stopping"] = {
        "monitor": "val_loss",
        "patience": 10,
        "mode": "auto",
        "restore_best_weights": True,
    }
    assert (
        "Early stopping: on val_loss, patience 10 epochs, mode auto, "
        "restoring the best weights." in format_report(config, HISTORY, METRICS)
    )


def test_write_report(tmp_path):
    path = write_report(tmp_path, CONFIG, HISTORY, METRICS)
    assert path == tmp_path / run_dir.REPORT
    assert path.read_text().startswith("# li2018_model1 on CIFAR-10")
    assert sorted(p.name for p in tmp_path.iterdir()) == [run_dir.REPORT]


@pytest.mark.parametrize(
    "history, expected",
    [
        ({"epoch": [1, 2, 3], "val_accuracy": [0.3, 0.5, 0.5]}, (2, 0.5)),
        ({"epoch": [1, 2], "val_accuracy": [None, 0.1]}, (2, 0.1)),
        ({"epoch": []}, (None, None)),
    ],
)
def test_best_epoch(history, expected):
    assert best_epoch(history) == expected
