import keras
import numpy as np
import pytest

from keras_cifar_blocks.training.normalization import InputNormalization


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (20, 8, 8, 3), "uint8")


def test_raw_and_divide_by_255(images):
    raw = InputNormalization.fit("raw", images)
    np.testing.assert_array_equal(raw.apply(images), images.astype("float32"))
    scaled = InputNormalization.fit("divide_by_255", images).apply(images)
    np.testing.assert_allclose(scaled, images / 255.0, rtol=1e-6)
    assert scaled.dtype == np.float32


def test_standardize_per_channel_uses_the_training_statistics(images):
    norm = InputNormalization.fit("standardize_per_channel", images)
    x = images / 255.0
    np.testing.assert_allclose(norm.mean, x.mean(axis=(0, 1, 2)), rtol=1e-9)
    np.testing.assert_allclose(norm.std, x.std(axis=(0, 1, 2)), rtol=1e-9)
    out = norm.apply(images)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "mode", ["raw", "divide_by_255", "standardize_per_channel"]
)
def test_layer_computes_what_apply_computes(images, mode):
    norm = InputNormalization.fit(mode, images)
    layer = norm.layer()
    assert isinstance(layer, keras.layers.Rescaling)
    out = keras.ops.convert_to_numpy(layer(images.astype("float32")))
    np.testing.assert_allclose(out, norm.apply(images), rtol=1e-5, atol=1e-5)


def test_config_round_trip_through_json(images):
    import json

    norm = InputNormalization.fit("standardize_per_channel", images)
    config = json.loads(json.dumps(norm.get_config()))
    assert InputNormalization.from_config(config) == norm


def test_errors():
    with pytest.raises(ValueError, match="argument `mode`. Expected one of"):
        InputNormalization("per_pixel")
    with pytest.raises(ValueError, match="`mean`. Expected per-channel"):
        InputNormalization("standardize_per_channel")
    with pytest.raises(ValueError, match="`mean`. Expected None with mode="):
        InputNormalization("raw", mean=(0.5,), std=(0.2,))
    with pytest.raises(ValueError, match="`std`. Expected strictly positive"):
        InputNormalization("standardize_per_channel", (0.5,), (0.0,))
