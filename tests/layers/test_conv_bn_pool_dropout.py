import keras
import numpy as np
import pytest

from keras_cifar_blocks.layers import ConvBNPoolDropout
from tests.testing import run_layer_test
from tests.testing import to_numpy


@pytest.mark.parametrize(
    "kwargs, expected_shape",
    [
        ({"filters": 8}, (2, 8, 8, 8)),
        ({"filters": 8, "convs": 2, "dropout": 0.2, "seed": 1}, (2, 8, 8, 8)),
        ({"filters": 4, "order": "conv-bn-act", "pool": "avg"}, (2, 8, 8, 4)),
        ({"filters": 4, "order": "bn-act-conv", "pool": None}, (2, 16, 16, 4)),
        (
            {"filters": 4, "padding": "valid", "batch_norm": False},
            (2, 7, 7, 4),
        ),
        (
            {
                "filters": 4,
                "convs": 2,
                "activation": "Mish",
                "kernel_initializer": "he_uniform",
                "kernel_regularizer": keras.regularizers.L2(0.001),
                "pool_size": (4, 2),
            },
            (2, 4, 8, 4),
        ),
    ],
)
def test_layer(kwargs, expected_shape, tmp_path):
    run_layer_test(
        ConvBNPoolDropout,
        kwargs,
        (2, 16, 16, 3),
        tmp_path,
        expected_output_shape=expected_shape,
    )


def _copy_weights(stage, plain_layers):
    """Give hand-written Keras layers the stage's weights, in order."""
    weights = [w for w in stage.weights]
    plain = [w for layer in plain_layers for w in layer.weights]
    assert len(weights) == len(plain)
    for source, target in zip(weights, plain, strict=True):
        target.assign(source)


def _randomize_batchnorm(layer, rng):
    for sub in layer._flatten_layers():
        if isinstance(sub, keras.layers.BatchNormalization):
            sub.moving_mean.assign(rng.normal(size=sub.moving_mean.shape))
            sub.moving_variance.assign(
                rng.uniform(0.5, 2.0, size=sub.moving_variance.shape)
            )


@pytest.mark.parametrize("order", ["conv-act-bn", "conv-bn-act", "bn-act-conv"])
def test_matches_the_hand_written_stage(order):
    """The stage computes exactly what the seeds wrote layer by layer."""
    rng = np.random.default_rng(0)
    stage = ConvBNPoolDropout(6, convs=2, activation="Mish", order=order)
    x = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    stage(x)
    _randomize_batchnorm(stage, rng)

    plain = []
    for _ in range(2):
        parts = {
            "conv": keras.layers.Conv2D(6, 3, padding="same"),
            "act": keras.layers.Activation("mish"),
            "bn": keras.layers.BatchNormalization(),
        }
        plain += [parts[step] for step in order.split("-")]
    plain += [keras.layers.MaxPooling2D(2), keras.layers.Dropout(0.0)]
    reference = keras.Sequential([keras.Input((8, 8, 3)), *plain])
    # Weight creation order inside the stage: convs first, then BNs.
    convs = [layer for layer in plain if isinstance(layer, keras.layers.Conv2D)]
    norms = [
        layer
        for layer in plain
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    _copy_weights(stage, convs + norms)
    np.testing.assert_allclose(
        to_numpy(stage(x, training=False)),
        to_numpy(reference(x, training=False)),
        rtol=1e-5,
        atol=1e-5,
    )
    if order == "conv-bn-act":
        default = ConvBNPoolDropout(6, convs=2, activation="Mish")
        default(x)
        for source, target in zip(stage.weights, default.weights, strict=True):
            target.assign(source)
        assert not np.allclose(
            to_numpy(default(x, training=False)),
            to_numpy(stage(x, training=False)),
        )


def test_expresses_li2018_model1_with_its_printed_parameter_count():
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            ConvBNPoolDropout(32, padding="valid", batch_norm=False),
            ConvBNPoolDropout(64, padding="valid", batch_norm=False),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.layers[1].output.shape == (None, 6, 6, 64)
    assert model.count_params() == 42_442


def test_expresses_the_milano_bicocca_mish_cnn_exactly():
    """Same parameters and outputs as the report's Sequential code."""
    l2 = keras.regularizers.L2(0.001)
    common = {
        "activation": "Mish",
        "kernel_initializer": "he_uniform",
        "kernel_regularizer": l2,
    }
    ours = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            ConvBNPoolDropout(32, convs=2, dropout=0.2, **common),
            ConvBNPoolDropout(64, convs=2, dropout=0.3, **common),
            ConvBNPoolDropout(128, convs=1, dropout=0.4, **common),
            keras.layers.Flatten(),
        ]
    )
    conv = dict(padding="same", **common)
    BN = keras.layers.BatchNormalization
    report = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(32, (3, 3), **conv),
            BN(),
            keras.layers.Conv2D(32, (3, 3), **conv),
            BN(),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Dropout(0.2),
            keras.layers.Conv2D(64, (3, 3), **conv),
            BN(),
            keras.layers.Conv2D(64, (3, 3), **conv),
            BN(),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Dropout(0.3),
            keras.layers.Conv2D(128, (3, 3), **conv),
            BN(),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Dropout(0.4),
            keras.layers.Flatten(),
        ]
    )
    assert ours.count_params() == report.count_params() == 140_704
    for stage, start, n in ((0, 0, 2), (1, 6, 2), (2, 12, 1)):
        layers = report.layers[start : start + 2 * n + 2]
        _copy_weights(
            ours.layers[stage],
            [
                layer
                for layer in layers
                if isinstance(layer, keras.layers.Conv2D)
            ]
            + [layer for layer in layers if isinstance(layer, BN)],
        )
    x = np.random.default_rng(1).normal(size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        to_numpy(ours(x)), to_numpy(report(x)), rtol=1e-4, atol=1e-4
    )
    # Both carry the L2 penalty of every conv kernel.
    assert len(ours.losses) == len(report.losses) == 5


def test_dropout_only_in_training():
    stage = ConvBNPoolDropout(4, batch_norm=False, dropout=0.5, seed=3)
    x = np.ones((2, 8, 8, 3), "float32")
    inference = to_numpy(stage(x, training=False))
    np.testing.assert_allclose(inference, to_numpy(stage(x, training=False)))
    trained = to_numpy(stage(x, training=True))
    assert (trained == 0).mean() > 0.2
    assert (inference == 0).mean() < (trained == 0).mean()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"filters": 0}, ValueError, "argument `filters`.*Received filters=0"),
        ({"filters": 2.5}, ValueError, "Received filters=2.5"),
        ({"filters": 8, "convs": -1}, ValueError, "Received convs=-1"),
        ({"filters": 8, "dropout": -0.1}, ValueError, "Received dropout=-0.1"),
        ({"filters": 8, "dropout": 1.0}, ValueError, r"range \[0, 1\)"),
        ({"filters": 8, "pool": "min"}, ValueError, "Received pool='min'"),
        (
            {"filters": 8, "order": "act-conv"},
            ValueError,
            r"argument `order`. Expected one of \['conv-act-bn'",
        ),
        ({"filters": 8, "padding": "full"}, ValueError, "Received padding="),
        ({"filters": 8, "kernel_size": (3,)}, ValueError, "kernel_size"),
        ({"filters": 8, "pool_size": 0}, ValueError, "Received pool_size=0"),
        ({"filters": 8, "batch_norm": "yes"}, TypeError, "batch_norm"),
        (
            {"filters": 8, "activation": "swishy"},
            ValueError,
            "argument `activation`.*Received activation='swishy'",
        ),
        ({"filters": 8, "seed": -1}, ValueError, "argument `seed`.*seed=-1"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        ConvBNPoolDropout(**kwargs)


def test_wrong_input_rank():
    with pytest.raises(ValueError, match=r"expects 4D inputs.*\(2, 8, 3\)"):
        ConvBNPoolDropout(4)(np.zeros((2, 8, 3), "float32"))


def test_too_small_input_for_valid_padding():
    with pytest.raises(ValueError):
        ConvBNPoolDropout(4, convs=2, padding="valid")(keras.Input((3, 3, 1)))


def test_batch_norm_without_scale():
    stage = ConvBNPoolDropout(4, convs=2, order="conv-bn-act", scale=False)
    stage.build((None, 8, 8, 3))
    for norm in stage.norm_layers:
        assert not norm.scale and norm.gamma is None
    assert stage.get_config()["scale"] is False
    assert ConvBNPoolDropout(4).get_config()["scale"] is True
    with pytest.raises(TypeError, match="Received scale=0"):
        ConvBNPoolDropout(4, scale=0)


def _one_sgd_step(stage, images, targets, learning_rate):
    model = keras.Sequential([keras.Input(images.shape[1:]), stage])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    model.fit(images, targets, batch_size=len(images), epochs=1, verbose=0)


@pytest.mark.parametrize("order", ["conv-bn-act", "bn-act-conv"])
def test_beta_multiplier_trains_the_offset_at_its_square_times_the_rate(order):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(8, 6, 6, 3)).astype("float32")
    targets = rng.normal(size=(8, 6, 6, 4)).astype("float32")
    options = {"order": order, "pool": None, "scale": False, "seed": 0}
    plain = ConvBNPoolDropout(4, **options)
    scaled = ConvBNPoolDropout(4, beta_multiplier=8.0, **options)
    for stage in (plain, scaled):
        stage.build(images.shape)
    scaled.conv_layers[0].kernel.assign(to_numpy(plain.conv_layers[0].kernel))
    scaled.conv_layers[0].bias.assign(to_numpy(plain.conv_layers[0].bias))
    assert not scaled.norm_layers[0].center and len(scaled.betas) == 1
    # Same outputs before training: the offsets start at zero.
    np.testing.assert_allclose(
        to_numpy(plain(images)), to_numpy(scaled(images)), atol=1e-5
    )
    _one_sgd_step(plain, images, targets, learning_rate=0.01)
    _one_sgd_step(scaled, images, targets, learning_rate=0.01)
    plain_offset = to_numpy(plain.norm_layers[0].beta)
    scaled_offset = 8.0 * to_numpy(scaled.betas[0])
    assert np.abs(plain_offset).max() > 1e-4
    np.testing.assert_allclose(scaled_offset, 64.0 * plain_offset, rtol=1e-3)


def test_beta_multiplier_serializes(tmp_path):
    run_layer_test(
        ConvBNPoolDropout,
        {
            "filters": 4,
            "convs": 2,
            "order": "conv-bn-act",
            "beta_multiplier": 8.0,
        },
        (2, 16, 16, 3),
        tmp_path,
        expected_output_shape=(2, 8, 8, 4),
    )
    stage = ConvBNPoolDropout(4, convs=2, beta_multiplier=8)
    stage.build((None, 8, 8, 3))
    assert [w.name for w in stage.trainable_weights].count("beta_1") == 1
    assert stage.get_config()["beta_multiplier"] == 8.0
    assert ConvBNPoolDropout(4).get_config()["beta_multiplier"] == 1.0
    with pytest.raises(ValueError, match="Received beta_multiplier=0"):
        ConvBNPoolDropout(4, beta_multiplier=0)


def test_pooling_after_the_convolution():
    images = np.random.default_rng(1).normal(size=(4, 8, 8, 3))
    images = images.astype("float32")
    options = {"order": "conv-bn-act", "convs": 2, "seed": 0}
    end = ConvBNPoolDropout(4, **options)
    early = ConvBNPoolDropout(4, pool_position="after_conv", **options)
    for stage in (end, early):
        stage.build(images.shape)
    early.set_weights(end.get_weights())
    # At inference BatchNorm (scale 1) and ReLU are increasing per
    # channel, so they commute with max-pooling: the same outputs.
    np.testing.assert_allclose(
        to_numpy(early(images)), to_numpy(end(images)), atol=1e-5
    )
    # In training, the last BatchNorm's statistics are the pooled ones.
    first = end.norm_layers[0](end.conv_layers[0](images), training=True)
    inner = end.conv_layers[1](keras.ops.relu(first))
    pooled = to_numpy(keras.layers.MaxPooling2D(2)(inner))
    early(images, training=True)
    np.testing.assert_allclose(
        to_numpy(early.norm_layers[1].moving_mean),
        0.01 * pooled.mean(axis=(0, 1, 2)),
        rtol=1e-4,
        atol=1e-6,
    )
    assert early.get_config()["pool_position"] == "after_conv"
    assert ConvBNPoolDropout(4).get_config()["pool_position"] == "end"
    with pytest.raises(ValueError, match="Received pool_position='start'"):
        ConvBNPoolDropout(4, pool_position="start")
