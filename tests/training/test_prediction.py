"""`load_run`, `predict_files` and `kcb predict` on a real finished run."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from keras_cifar_blocks import datasets
from keras_cifar_blocks.cli.main import main
from keras_cifar_blocks.training import load_run
from keras_cifar_blocks.training import predict_files
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.data import CLASS_NAMES
from keras_cifar_blocks.training.normalization import InputNormalization
from keras_cifar_blocks.training.test_time_augmentation import predict
from tests.training.conftest import RUN_SETTINGS


@pytest.fixture(scope="module")
def test_images(trained_run, cifar10_dir):
    """20 images of the run's test subset, as `evaluate` saw them."""
    _, (x_test, y_test) = datasets.load_cifar10(cifar10_dir)
    x_test, y_test = datasets.subset(
        x_test, y_test, RUN_SETTINGS["test_subset"], RUN_SETTINGS["seed"]
    )
    return x_test[:20], y_test[:20]


def _evaluate_predictions(run, images):
    """The probabilities `evaluate` computes for `images`."""
    config = run_dir.read_json(run / run_dir.CONFIG)
    model = keras.saving.load_model(run / run_dir.MODEL)
    normalization = InputNormalization.from_config(
        config["data"]["normalization"]
    )
    return predict(model, normalization.apply(images))


def test_load_run_takes_raw_images(trained_run, test_images):
    images, _ = test_images
    model = load_run(trained_run)
    raw = np.asarray(model.predict(images, verbose=0))
    expected = _evaluate_predictions(trained_run, images)
    np.testing.assert_allclose(raw, expected, atol=1e-5)


def test_kcb_predict_on_png_files_matches_evaluate(
    trained_run, test_images, tmp_path, capsys
):
    images, _ = test_images
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{i:02d}.png")
    expected = _evaluate_predictions(trained_run, images).argmax(axis=1)
    names = CLASS_NAMES["cifar10"]

    assert main(["predict", str(trained_run), str(folder), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [p["path"] for p in printed] == [
        str(folder / f"{i:02d}.png") for i in range(20)
    ]
    assert [p["top"][0][0] for p in printed] == [names[i] for i in expected]

    paths = [str(folder / "00.png"), str(folder / "01.png")]
    assert main(["predict", str(trained_run), *paths, "--top-k", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{paths[0]}: {names[expected[0]]} ")
    assert lines[0].count("%") == 3


def test_images_are_resized_to_the_models_input(
    trained_run, test_images, tmp_path
):
    images, _ = test_images
    Image.fromarray(images[0]).resize((64, 48)).save(tmp_path / "big.jpg")
    (prediction,) = predict_files(trained_run, tmp_path / "big.jpg", top_k=10)
    probabilities = [p for _, p in prediction["top"]]
    assert len(probabilities) == 10
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.png", "No such file or folder"),
        (lambda d: _write(d / "notes.txt", b"hi"), "Expected a PNG or JPEG"),
        (lambda d: _write(d / "fake.png", b"not a png"), "cannot be read"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "holds no PNG"),
    ],
)
def test_bad_images_exit_2(trained_run, tmp_path, capsys, make, message):
    path = make(tmp_path)
    assert main(["predict", str(trained_run), str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kcb predict: error: ")
    assert message in err


def test_a_corrupt_model_is_reported_as_corrupt(trained_run, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    for name in (run_dir.CONFIG, run_dir.HISTORY):
        (run / name).write_bytes((trained_run / name).read_bytes())
    model = (trained_run / run_dir.MODEL).read_bytes()
    (run / run_dir.MODEL).write_bytes(model[: len(model) // 2])
    png = tmp_path / "a.png"
    Image.fromarray(np.zeros((32, 32, 3), "uint8")).save(png)
    assert main(["predict", str(run), str(png)]) == 2
    assert "is corrupt" in capsys.readouterr().err


def _write(path, data):
    path.write_bytes(data)
    return path
