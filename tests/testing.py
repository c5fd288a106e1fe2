"""Checks shared by the layer tests (config, shapes, training, saving)."""

import json
import os

import keras
import numpy as np


def to_numpy(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def gradient(fn, x: np.ndarray, dtype: str = "float32") -> np.ndarray:
    """d(sum(fn(x)))/dx with the active backend's autodiff."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        t = tf.constant(x, dtype=dtype)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(fn(t))
        return to_numpy(tf.cast(tape.gradient(y, t), "float32"))
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        grad = jax.grad(lambda t: jnp.sum(fn(t)))
        return to_numpy(grad(jnp.asarray(x, dtype=dtype)).astype("float32"))
    if backend == "torch":
        import torch

        t = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
        fn(t).sum().backward()
        return t.grad.float().numpy()
    raise NotImplementedError(backend)


def _canonical(config) -> str:
    return json.dumps(config, sort_keys=True, default=str)


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    tmp_path,
    expected_output_shape=None,
    input_range=(-1.0, 1.0),
    expect_trainable_weights=True,
):
    """Exercise a layer the way users will, and fail on any regression.

    1. `get_config` / `from_config` round trip, also through JSON.
    2. Symbolic and eager output shapes agree with `compute_output_shape`.
    3. One `fit` step in a model changes the layer's trainable weights
       and gives a finite loss.
    4. A `.keras` file reloads with `safe_mode=True` and gives identical
       inference outputs.

    Returns the trained model.
    """
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    restored = layer_cls.from_config(json.loads(json.dumps(config)))
    assert _canonical(restored.get_config()) == _canonical(config)
    revived = keras.saving.deserialize_keras_object(
        json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    )
    assert type(revived) is layer_cls
    assert _canonical(revived.get_config()) == _canonical(config)

    rng = np.random.default_rng(0)
    x = rng.uniform(*input_range, size=input_shape).astype("float32")
    symbolic = layer(keras.Input(input_shape[1:], batch_size=input_shape[0]))
    eager = layer(x)
    computed = tuple(layer.compute_output_shape(input_shape))
    assert tuple(symbolic.shape) == tuple(eager.shape) == computed
    if expected_output_shape is not None:
        assert computed == tuple(expected_output_shape)

    fresh = layer_cls.from_config(config)
    inputs = keras.Input(input_shape[1:])
    features = fresh(inputs)
    if len(features.shape) > 2:
        features = keras.layers.GlobalAveragePooling2D()(features)
    outputs = keras.layers.Dense(3, activation="softmax")(features)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss="sparse_categorical_crossentropy",
    )
    y = rng.integers(0, 3, size=(input_shape[0],))
    before = [to_numpy(w).copy() for w in fresh.trainable_weights]
    history = model.fit(x, y, batch_size=input_shape[0], epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = [to_numpy(w) for w in fresh.trainable_weights]
    if expect_trainable_weights:
        assert before, "the layer has no trainable weights"
        assert any(
            not np.allclose(b, a) for b, a in zip(before, after, strict=True)
        )

    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        to_numpy(loaded.predict(x, verbose=0)),
        to_numpy(model.predict(x, verbose=0)),
        rtol=1e-6,
        atol=1e-6,
    )
    return model
