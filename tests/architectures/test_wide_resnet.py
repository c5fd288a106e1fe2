import keras
import numpy as np
import pytest

import keras_cifar_blocks as kcb
from keras_cifar_blocks.layers import WideResidualBlock
from tests.testing import to_numpy


@pytest.mark.parametrize(
    "depth, width, millions",
    # The paper's parameter counts (Zagoruyko & Komodakis 2016, Table 5).
    [(16, 8, 11.0), (28, 10, 36.5), (40, 4, 8.9)],
)
def test_parameter_counts_match_the_paper(depth, width, millions):
    model = kcb.wide_resnet(depth, width, num_classes=10)
    # The paper rounds (or truncates) to 0.1M.
    assert model.count_params() / 1e6 == pytest.approx(millions, abs=0.07)
    blocks = [
        layer for layer in model.layers if isinstance(layer, WideResidualBlock)
    ]
    assert len(blocks) == 3 * (depth - 4) // 6
    assert model.name == f"wrn_{depth}_{width}"


def test_structure_and_training_step():
    model = kcb.wide_resnet(10, 1, num_classes=5, dropout=0.3)
    assert model.output_shape == (None, 5)
    shapes = [
        layer.output.shape
        for layer in model.layers
        if isinstance(layer, WideResidualBlock)
    ]
    assert shapes == [(None, 32, 32, 16), (None, 16, 16, 32), (None, 8, 8, 64)]
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(8, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 5, size=(8,))
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    probabilities = to_numpy(model.predict(x, verbose=0))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_weight_decay_adds_one_loss_per_kernel():
    model = kcb.wide_resnet(
        10, 1, 10, kernel_regularizer=keras.regularizers.L2(2.5e-4)
    )
    model(np.zeros((1, 32, 32, 3), "float32"))
    # stem + 3 blocks x 2 convs + 2 projections (groups 2, 3; group 1 has
    # 16 -> 16 filters and stride 1, so an identity) + classifier.
    assert len(model.losses) == 1 + 6 + 2 + 1


@pytest.mark.parametrize("depth", [15, 8, 4, 16.0, "16"])
def test_bad_depth(depth):
    with pytest.raises(ValueError, match=r"`\(depth - 4\)` to be a positive"):
        kcb.wide_resnet(depth, 1, 10)


@pytest.mark.parametrize("arg", ["width", "num_classes"])
def test_bad_width_and_classes(arg):
    kwargs = {"depth": 16, "width": 1, "num_classes": 10, arg: 0}
    with pytest.raises(ValueError, match=f"Received {arg}=0"):
        kcb.wide_resnet(**kwargs)
