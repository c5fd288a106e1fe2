import keras
import numpy as np
import pytest

import keras_cifar_blocks  # noqa: F401  (registers the "Mish" alias)
from keras_cifar_blocks.layers import Mish
from keras_cifar_blocks.layers import mish
from tests.testing import gradient
from tests.testing import run_layer_test
from tests.testing import to_numpy

HALF_TOLERANCE = {"float32": 1e-6, "float16": 2e-3, "bfloat16": 1.6e-2}


def reference_mish(x):
    x = np.asarray(x, dtype="float64")
    return x * np.tanh(np.logaddexp(0.0, x))


def reference_mish_grad(x):
    x = np.asarray(x, dtype="float64")
    softplus = np.logaddexp(0.0, x)
    sigmoid = 0.5 * (1.0 + np.tanh(0.5 * x))
    tanh = np.tanh(softplus)
    return tanh + x * sigmoid * (1.0 - tanh**2)


def test_values_match_the_formula():
    x = np.linspace(-20, 20, 401).astype("float32")
    np.testing.assert_allclose(
        to_numpy(mish(x)), reference_mish(x), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        to_numpy(Mish()(x)), reference_mish(x), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_stable_for_huge_inputs(dtype):
    x = np.array([-1e4, -1e3, -100, -30, -1, 0, 1, 30, 100, 1e3, 1e4])
    y = to_numpy(keras.ops.cast(mish(keras.ops.cast(x, dtype)), "float32"))
    assert np.all(np.isfinite(y))
    # mish(x) -> x for large x and -> 0 (from below) for very negative x.
    x_in_dtype = to_numpy(keras.ops.cast(keras.ops.cast(x, dtype), "float32"))
    np.testing.assert_allclose(y[-3:], x_in_dtype[-3:], rtol=1e-3)
    np.testing.assert_allclose(y[:3], 0.0, atol=1e-6)
    tolerance = HALF_TOLERANCE[dtype]
    np.testing.assert_allclose(
        y, reference_mish(x_in_dtype), rtol=tolerance, atol=tolerance
    )


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_gradient_finite_and_correct_for_huge_inputs(dtype):
    x = np.array([-1e4, -1e3, -100, -30, -3, -1, 0, 1, 3, 30, 100, 1e3, 1e4])
    grad = gradient(mish, x, dtype=dtype)
    assert np.all(np.isfinite(grad))
    x_in_dtype = to_numpy(keras.ops.cast(keras.ops.cast(x, dtype), "float32"))
    tolerance = max(HALF_TOLERANCE[dtype], 1e-5) * 4
    np.testing.assert_allclose(
        grad, reference_mish_grad(x_in_dtype), rtol=tolerance, atol=tolerance
    )


def test_gradient_matches_finite_differences():
    x = np.linspace(-8, 8, 161).astype("float64")
    eps = 1e-3
    numeric = (
        reference_mish(x + eps).astype("float32")
        - reference_mish(x - eps).astype("float32")
    ) / (2 * eps)
    # Central differences of the layer itself, in float32.
    layer_fd = (
        to_numpy(mish((x + eps).astype("float32")))
        - to_numpy(mish((x - eps).astype("float32")))
    ) / (2 * eps)
    analytic = gradient(mish, x.astype("float32"))
    np.testing.assert_allclose(analytic, numeric, atol=2e-3)
    np.testing.assert_allclose(analytic, layer_fd, atol=2e-2)
    np.testing.assert_allclose(analytic, reference_mish_grad(x), atol=1e-5)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_policy(policy):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        layer = Mish()
        x = np.linspace(-5, 5, 11).astype("float32")
        y = layer(x)
        compute_dtype = policy.split("_")[1]
        assert keras.backend.standardize_dtype(y.dtype) == compute_dtype
        np.testing.assert_allclose(
            to_numpy(keras.ops.cast(y, "float32")),
            reference_mish(x),
            rtol=HALF_TOLERANCE[compute_dtype],
            atol=HALF_TOLERANCE[compute_dtype],
        )
        conv = keras.layers.Conv2D(2, 3, activation="Mish")
        out = conv(np.ones((1, 5, 5, 1), "float32"))
        assert keras.backend.standardize_dtype(out.dtype) == compute_dtype
    finally:
        keras.config.set_dtype_policy(previous)


def test_layer(tmp_path):
    run_layer_test(
        Mish,
        {},
        (4, 6, 6, 3),
        tmp_path,
        expected_output_shape=(4, 6, 6, 3),
        expect_trainable_weights=False,
    )


@pytest.mark.parametrize("name", ["mish", "Mish"])
def test_string_identifier_in_any_layer(name, tmp_path):
    assert keras.activations.get(name)(1.0) is not None
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, activation=name),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation=name),
        ]
    )
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    dense = model.layers[-1]
    features = to_numpy(model.layers[1](model.layers[0](x)))
    pre = features @ to_numpy(dense.kernel) + to_numpy(dense.bias)
    np.testing.assert_allclose(
        to_numpy(model(x)), reference_mish(pre), rtol=1e-5, atol=1e-5
    )
    path = tmp_path / "mish.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(to_numpy(loaded(x)), to_numpy(model(x)))


def test_unknown_activation_still_fails_clearly():
    with pytest.raises(ValueError, match="Could not interpret activation"):
        keras.activations.get("MISH")
