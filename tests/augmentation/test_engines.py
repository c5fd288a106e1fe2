import sys

import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import augmentation_preset
from keras_cifar_blocks.augmentation import augmentation_presets
from keras_cifar_blocks.augmentation import engines
from keras_cifar_blocks.augmentation import from_image_data_generator
from tests.testing import to_numpy

PIP_LINE = r'pip install "keras-cifar-blocks\[cv\]"'


@pytest.fixture
def no_keras_cv(monkeypatch):
    # A None entry in sys.modules makes `import keras_cv` raise ImportError.
    monkeypatch.setitem(sys.modules, "keras_cv", None)


def test_missing_keras_cv_says_how_to_install_it(no_keras_cv):
    with pytest.raises(
        ImportError,
        match=r'engine="keras_cv" needs KerasCV, which is not installed\. '
        r"Install it with: " + PIP_LINE,
    ):
        augmentation_preset("li2018", engine="keras_cv")
    with pytest.raises(ImportError, match=PIP_LINE):
        from_image_data_generator(rotation_range=15, engine="keras_cv")


def test_the_default_engine_does_not_need_keras_cv(no_keras_cv):
    assert augmentation_preset("cifar_standard+mixup").layers


def test_seed_stream():
    seeds = engines.seed_stream(7)
    assert [next(seeds) for _ in range(3)] == [7, 8, 9]
    unseeded = engines.seed_stream(None)
    assert [next(unseeded) for _ in range(2)] == [None, None]


def test_keras_cv_overrides_are_checked_without_keras_cv(no_keras_cv):
    # Override names are checked before KerasCV is imported: KerasCV's
    # CutMix takes one-hot labels and no smoothing.
    with pytest.raises(
        TypeError,
        match=r"Unknown overrides \['num_classes'\] for augmentation preset "
        r"'cutmix' \(engine='keras_cv'\)\. Valid overrides: \['alpha', "
        r"'seed'\]",
    ):
        augmentation_preset("cutmix", engine="keras_cv", num_classes=10)


def test_keras_cv_builds_every_preset():
    keras_cv = pytest.importorskip("keras_cv")
    for name in augmentation_presets():
        pipeline = augmentation_preset(name, engine="keras_cv", seed=0)
        modules = {type(layer).__module__ for layer in pipeline.layers}
        assert any(module.startswith("keras_cv") for module in modules), name
    layers = augmentation_preset("ntua", engine="keras_cv").layers
    assert [type(layer) for layer in layers] == [
        keras_cv.layers.RandomRotation,
        keras_cv.layers.RandomTranslation,
        keras_cv.layers.RandomZoom,
        keras_cv.layers.RandomFlip,
    ]
    assert np.max(np.abs(layers[0].factor)) == pytest.approx(15 / 360)


@pytest.mark.parametrize(
    "name", ["ntua", "cifar_standard+mixup", "randaugment", "augmix"]
)
def test_keras_cv_pipelines_run_in_tf_data(name, images, tf):
    pytest.importorskip("keras_cv")
    if name in ("randaugment", "augmix") and keras.backend.backend() != (
        "tensorflow"
    ):
        # Their graphs take seconds to trace; KerasCV is for TensorFlow
        # users, and its other layers show it runs in tf.data here.
        pytest.skip("KerasCV's RandAugment/AugMix: TensorFlow backend only")
    overrides = {"num_ops": 1} if name == "randaugment" else {}
    pipeline = augmentation_preset(name, engine="keras_cv", seed=0, **overrides)
    if "mixup" in name:
        inputs = {"images": images, "labels": np.eye(4, dtype="float32")}
    else:
        inputs = images
    dataset = tf.data.Dataset.from_tensor_slices(inputs).batch(4)
    batch = next(iter(dataset.map(lambda x: pipeline(x, training=True))))
    augmented = batch["images"] if isinstance(batch, dict) else batch
    assert tuple(augmented.shape) == images.shape
    assert not np.allclose(to_numpy(augmented), images)
