"""`train(name, images=DIR)`: a registry architecture on the user's images.

The folders are written from real CIFAR-10 test images: three classes
under the user's own names, 40 PNG files each.
"""

import numpy as np
import pytest
from PIL import Image

from keras_cifar_blocks import datasets
from keras_cifar_blocks.cli.main import main
from keras_cifar_blocks.training import evaluate
from keras_cifar_blocks.training import predict_files
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training import train
from keras_cifar_blocks.training.data import load_image_folder

CLASSES = {"boats": 8, "cats": 3, "planes": 0}  # Folder name: CIFAR label.


@pytest.fixture(scope="module")
def folders(tmp_path_factory, cifar10_dir):
    """`train/` (40 images per class) and `test/` (10 per class)."""
    _, (x_test, y_test) = datasets.load_cifar10(cifar10_dir)
    root = tmp_path_factory.mktemp("images")
    for name, label in CLASSES.items():
        images = x_test[y_test == label][:50]
        for split, chunk in (("train", images[:40]), ("test", images[40:])):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i, image in enumerate(chunk):
                Image.fromarray(image).save(folder / f"{i:03d}.png")
    return root


@pytest.fixture(scope="module")
def folder_run(folders, tmp_path_factory):
    return train(
        "li2018_model1",
        images=folders / "train",
        epochs=2,
        batch_size=36,
        out=tmp_path_factory.mktemp("runs") / "mine",
        verbose=0,
    )


def test_load_image_folder_reads_classes_in_order(folders):
    x, y, names = load_image_folder(folders / "test")
    assert names == ("boats", "cats", "planes")
    assert x.dtype == np.uint8 and x.shape == (30, 32, 32, 3)
    assert np.bincount(y).tolist() == [10, 10, 10]


def test_run_on_a_folder_names_its_classes(folder_run, folders):
    config = run_dir.read_json(folder_run / run_dir.CONFIG)
    assert config["data"]["dataset"] == "images"
    assert config["data"]["class_names"] == ["boats", "cats", "planes"]
    # 40 images per class: 4 held out for the test set, then 4 of the
    # other 36 (10%, rounded per class) for validation.
    assert config["data"]["sizes"] == {
        "train": 96,
        "validation": 12,
        "test": 12,
    }
    assert config["parameters"] == 42_442 - 10 * 2305 + 3 * 2305
    metrics = run_dir.read_json(folder_run / run_dir.METRICS)
    assert list(metrics["per_class"]) == ["boats", "cats", "planes"]
    assert np.array(metrics["confusion_matrix"]).shape == (3, 3)
    assert "boats" in (folder_run / run_dir.REPORT).read_text()
    # evaluate() finds the same held-out test images again.
    again = evaluate(folder_run)
    assert again["confusion_matrix"] == metrics["confusion_matrix"]
    (prediction,) = predict_files(folder_run, folders / "test/cats/000.png")
    assert prediction["top"][0][0] in CLASSES


def test_cli_trains_on_a_folder_with_a_test_folder(folders, tmp_path, capsys):
    run = tmp_path / "run"
    argv = [
        "train",
        "li2018_model1",
        "--images",
        str(folders / "train"),
        "--test-images",
        str(folders / "test"),
        "--epochs",
        "1",
        "--out",
        str(run),
        "--verbose",
        "0",
    ]
    assert main(argv) == 0
    assert "on 30 test images" in capsys.readouterr().out
    config = run_dir.read_json(run / run_dir.CONFIG)
    assert config["settings"]["test_images"] == str(folders / "test")
    assert config["data"]["sizes"]["test"] == 30


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"images": "missing"}, FileNotFoundError, "argument `images`"),
        ({"test_images": "x"}, ValueError, "only with `images`"),
        ({"images": 3}, TypeError, "argument `images`"),
    ],
)
def test_bad_folders(kwargs, error, match, tmp_path):
    kwargs = {
        key: tmp_path / value if isinstance(value, str) else value
        for key, value in kwargs.items()
    }
    with pytest.raises(error, match=match):
        train("li2018_model1", out=tmp_path / "run", **kwargs)
    assert not (tmp_path / "run").exists()


def test_a_test_folder_with_other_classes_is_refused(folders, tmp_path):
    other = tmp_path / "other"
    (other / "dogs").mkdir(parents=True)
    Image.fromarray(np.zeros((32, 32, 3), "uint8")).save(other / "dogs/a.png")
    with pytest.raises(ValueError, match="Expected the class sub-folders"):
        train(
            "li2018_model1",
            images=folders / "train",
            test_images=other,
            out=tmp_path / "run",
        )
    assert not (tmp_path / "run").exists()


def test_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="Invalid image folder"):
        load_image_folder(tmp_path / "empty")
