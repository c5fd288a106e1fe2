import os

import keras
import numpy as np
import pytest

from keras_cifar_blocks.layers import PatchWhitening
from tests.testing import run_layer_test
from tests.testing import to_numpy


def _correlated_images(n=32, size=8, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.normal(size=(n, size, size, 3)).astype("float32")
    images[..., 1] += 0.8 * images[..., 0]
    images[..., 2] -= 0.5 * images[..., 1]
    return images


def test_layer_contract(tmp_path):
    run_layer_test(
        PatchWhitening,
        {"kernel_size": 2, "epsilon": 1e-3},
        (2, 8, 8, 3),
        tmp_path,
        expected_output_shape=(2, 7, 7, 24),
    )


def test_frozen_bias_leaves_nothing_to_train(tmp_path):
    layer = PatchWhitening(bias_trainable=False)
    layer.build((None, 8, 8, 3))
    assert layer.trainable_weights == []
    assert {w.name for w in layer.non_trainable_weights} == {"kernel", "bias"}
    run_layer_test(
        PatchWhitening,
        {"bias_trainable": False},
        (2, 8, 8, 3),
        tmp_path,
        expect_trainable_weights=False,
    )


@pytest.mark.parametrize("kernel_size", [2, (3, 2)])
def test_adapted_features_are_white(kernel_size):
    images = _correlated_images()
    layer = PatchWhitening(kernel_size=kernel_size, epsilon=1e-7)
    layer.adapt(images)
    kh, kw = layer.kernel_size
    size = kh * kw * 3
    features = to_numpy(layer(images)).reshape(-1, 2 * size)
    positive, negative = features[:, :size], features[:, size:]
    np.testing.assert_allclose(negative, -positive, atol=1e-5)
    second_moment = positive.T @ positive / len(positive)
    np.testing.assert_allclose(second_moment, np.eye(size), atol=1e-3)


def test_filters_come_largest_variance_first_and_epsilon_damps():
    images = _correlated_images()
    layer = PatchWhitening(epsilon=1.0)
    layer.adapt(images)
    features = to_numpy(layer(images)).reshape(-1, 24)[:, :12]
    variances = (features**2).mean(axis=0)
    # lambda / (lambda + 1): below 1, and larger for larger eigenvalues.
    assert np.all(variances < 1.0)
    assert np.all(np.diff(variances) <= 1e-6)


def test_before_adapt_the_kernel_passes_each_value_with_both_signs():
    images = _correlated_images(n=2)
    layer = PatchWhitening(epsilon=1e-12)
    outputs = to_numpy(layer(images))
    # Filter 0 reads the top-left pixel's first channel of each window.
    np.testing.assert_allclose(outputs[..., 0], images[:, :-1, :-1, 0], 1e-5)
    np.testing.assert_allclose(outputs[..., 12], -images[:, :-1, :-1, 0], 1e-5)


def test_adapted_kernel_survives_saving(tmp_path):
    images = _correlated_images()
    model = keras.Sequential(
        [keras.Input((8, 8, 3)), PatchWhitening(name="whiten")]
    )
    model.layers[0].adapt(images)
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        to_numpy(loaded.layers[0].kernel),
        to_numpy(model.layers[0].kernel),
    )
    assert not loaded.layers[0].kernel.trainable


def test_adapt_chunks_give_the_same_kernel(monkeypatch):
    images = _correlated_images(n=10)
    whole = PatchWhitening()
    whole.adapt(images)
    monkeypatch.setattr(
        "keras_cifar_blocks.layers.patch_whitening.ADAPT_CHUNK", 3
    )
    chunked = PatchWhitening()
    chunked.adapt(images)
    # Eigenvectors are defined up to sign: compare the whitened outputs'
    # magnitudes through the second moment of the kernels' products.
    a, b = to_numpy(whole.kernel), to_numpy(chunked.kernel)
    np.testing.assert_allclose(np.abs(a), np.abs(b), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kernel_size": 0}, "Received kernel_size=0"),
        ({"epsilon": 0.0}, "Received epsilon=0.0"),
        ({"use_bias": 1}, "Received use_bias=1"),
        ({"bias_trainable": "no"}, "Received bias_trainable='no'"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PatchWhitening(**kwargs)


def test_invalid_adapt_data():
    layer = PatchWhitening()
    with pytest.raises(ValueError, match="Expected a 4D array"):
        layer.adapt(np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="Expected at least one"):
        PatchWhitening(kernel_size=4).adapt(np.zeros((2, 3, 3, 3)))
    layer.build((None, 8, 8, 3))
    with pytest.raises(ValueError, match="was built for 3 channels"):
        layer.adapt(np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match="expects 4D inputs"):
        PatchWhitening().build((None, 8, 3))
