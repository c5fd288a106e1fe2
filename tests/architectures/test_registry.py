import dataclasses
import functools

import keras
import numpy as np
import pytest

from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.architectures import get_architecture
from keras_cifar_blocks.architectures import names
from keras_cifar_blocks.architectures import recipe
from keras_cifar_blocks.layers import ConvBNPoolDropout
from keras_cifar_blocks.layers import TransferAdapter
from keras_cifar_blocks.layers import WideResidualBlock
from keras_cifar_blocks.training.data import recipe_loss
from tests.testing import to_numpy

NAMES = [
    "li2018_model1",
    "li2018_model2_1",
    "li2018_model2_2",
    "li2018_model2_3",
    "li2018_model3_1",
    "li2018_model3_2",
    "li2018_model3_3",
    "li2018_wrn_16_8",
    "wrn_28_10",
    "schnack2022",
    "donzella_cnn",
    "donzella_inception_resnet_v2",
    "ntua_simple_cnn",
    "ntua_vgg16",
    "ntua_resnet",
    "ntua_densenet",
    "badzioch2024_mobilenet_v2",
    "fast_cifar",
    "fast_cifar_airbench",
]
TRANSFER = [
    "donzella_inception_resnet_v2",
    "ntua_vgg16",
    "ntua_resnet",
    "ntua_densenet",
    "badzioch2024_mobilenet_v2",
]
FROM_SCRATCH = [name for name in NAMES if name not in TRANSFER]

# Under JAX, every new weight shape compiles its random initializer and
# every model compiles its train step with XLA: 5 to 60 seconds per model
# on a 2-core machine. So under JAX the big models, and all fit steps but
# three that cover the recipes' optimizers, schedules and losses, run only
# with `-m slow`; TensorFlow and PyTorch run every case. The models are
# backend-neutral Keras code (and our layers are fit-tested per backend in
# tests/layers): what the JAX cases add is the backend's initializers and
# compiler, which the cheap cases exercise.
JAX = keras.backend.backend() == "jax"
BIG = {
    "li2018_wrn_16_8",
    "wrn_28_10",
    "donzella_inception_resnet_v2",
    "ntua_resnet",
    "ntua_densenet",
    "badzioch2024_mobilenet_v2",
}
# Adam + integer labels; RMSprop + inverse-time decay, BatchNorm, L2;
# Nesterov SGD with weight decay, warm-up and cosine decay, label smoothing.
FIT_ON_JAX = {
    "li2018_model1",
    "ntua_simple_cnn",
    "li2018_model3_1",
    "fast_cifar",
}


slow_on_jax = pytest.mark.slow if JAX else (lambda test: test)


def _slow_on_jax(cases, slow):
    """Parametrize cases (names, or tuples starting with one); under JAX
    those whose name is in `slow` are marked slow."""
    params = []
    for case in cases:
        values = case if isinstance(case, tuple) else (case,)
        marks = [pytest.mark.slow] if JAX and values[0] in slow else []
        params.append(pytest.param(*values, marks=marks))
    return params


# Parameter counts of build(name): (total, trainable). The ones the
# reports print are exact; schnack2022 is "1.3M" in its slides and the
# WRNs are the paper's 11.0M and 36.5M.
PARAMETERS = {
    "li2018_model1": (42_442, 42_442),
    "li2018_model2_1": (1_147_466, 1_147_466),
    "li2018_model2_2": (918_346, 918_346),
    "li2018_model2_3": (1_836_362, 1_836_362),
    "li2018_model3_1": (309_290, 308_394),
    "li2018_model3_2": (1_186_346, 1_184_426),
    "li2018_model3_3": (4_725_290, 4_721_322),
    "li2018_wrn_16_8": (10_968_570, 10_961_370),
    "wrn_28_10": (36_497_146, 36_479_194),
    "schnack2022": (1_308_586, 1_306_666),
    "donzella_cnn": (404_778, 403_882),
    "donzella_inception_resnet_v2": (55_193_194, 855_178),
    "ntua_simple_cnn": (128_420, 128_420),
    "ntua_vgg16": (14_765_988, 51_300),
    "ntua_resnet": (23_792_612, 204_900),
    "ntua_densenet": (7_140_004, 102_500),
    "badzioch2024_mobilenet_v2": (2_588_490, 1_055_946),
    "fast_cifar": (1_975_168, 1_972_816),
    "fast_cifar_airbench": (1_973_944, 1_971_352),
}

# Layers that augment; no registry model may contain one.
AUGMENTATION_LAYERS = (
    keras.layers.RandomFlip,
    keras.layers.RandomRotation,
    keras.layers.RandomTranslation,
    keras.layers.RandomZoom,
    keras.layers.RandomCrop,
    keras.layers.RandomContrast,
    keras.layers.Pipeline,
)


def _trainable(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@functools.cache
def _model(name):
    """Each architecture built once per session (transfer ones offline).

    The big backbones take seconds to build (much more under JAX, which
    compiles a random initializer per weight shape); the tests below
    share one model per name.
    """
    overrides = {"weights": None} if name in TRANSFER else {}
    return build(name, **overrides)


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def test_names():
    assert names() == NAMES
    assert all(get_architecture(name).name == name for name in NAMES)


@pytest.mark.parametrize("name", _slow_on_jax(NAMES, BIG))
def test_builds_with_the_pinned_parameter_counts(name):
    entry = get_architecture(name)
    model = _model(name)
    assert isinstance(model, keras.Model)
    assert model.name == name
    assert not model.compiled
    assert model.input_shape == (None, 32, 32, 3)
    assert model.output_shape == (None, entry.num_classes)
    total, trainable = PARAMETERS[name]
    assert model.count_params() == total == entry.parameters
    assert _trainable(model) == trainable
    assert entry.trainable_parameters in (trainable, None)
    if entry.trainable_parameters is None:
        assert trainable == total
    for layer in _all_layers(model):
        assert not isinstance(layer, AUGMENTATION_LAYERS), layer
        assert not isinstance(layer, keras.layers.Lambda), layer
    # Only Keras layers, keras.applications backbones and our blocks.
    for layer in model.layers:
        module = type(layer).__module__
        assert module.startswith(("keras.", "keras_cifar_blocks.layers.")), (
            layer
        )


def test_documented_datasets_set_the_classes():
    assert {name: get_architecture(name).num_classes for name in NAMES} == {
        name: 100 if name.startswith("ntua") else 10 for name in NAMES
    }


def test_num_classes_and_input_shape_overrides():
    model = build("li2018_model1", num_classes=100)
    assert model.output_shape == (None, 100)
    wider = build("donzella_cnn", input_shape=(64, 64, 3))
    assert wider.input_shape == (None, 64, 64, 3)
    # Flatten sees 8x8x128 instead of 4x4x128: 3 x 2048 more inputs.
    assert wider.count_params() - 404_778 == 3 * 2048 * 128


def test_li2018_model1_is_the_printed_summary():
    model = _model("li2018_model1")
    stages = [
        layer for layer in model.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert [(s.filters, s.padding, s.batch_norm) for s in stages] == [
        (32, "valid", False),
        (64, "valid", False),
    ]
    # The report's summary: (None, 6, 6, 64), 2304, dense 23,050.
    assert stages[1].output.shape == (None, 6, 6, 64)
    assert model.get_layer("predictions").count_params() == 23_050


@pytest.mark.parametrize("stages", [3, 4, 5])
def test_li2018_model2_structure(stages):
    model = _model(f"li2018_model2_{stages - 2}")
    blocks = [
        layer for layer in model.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert len(blocks) == stages
    assert [b.filters for b in blocks] == [32, 64, 128, 256, 512][:stages]
    assert all(
        b.convs == 1 and not b.batch_norm and b.dropout == 0.25 for b in blocks
    )
    assert blocks[-1].output.shape[1:3] == (32 // 2**stages,) * 2
    dense = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert [d.units for d in dense] == [512, 10]
    assert not any(
        isinstance(layer, keras.layers.Dropout) for layer in model.layers
    )


@pytest.mark.parametrize("stages", [3, 4, 5])
def test_li2018_model3_structure(stages):
    model = _model(f"li2018_model3_{stages - 2}")
    blocks = [
        layer for layer in model.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert len(blocks) == stages
    assert [b.filters for b in blocks] == [32, 64, 128, 256, 512][:stages]
    assert [b.dropout for b in blocks] == [0.2, 0.3, 0.4, 0.5, 0.5][:stages]
    for block in blocks:
        assert block.convs == 2 and block.batch_norm
        assert block.order == "conv-act-bn"
        assert block.activation.__name__ == "elu"
        assert block.kernel_regularizer.get_config() == {"l2": 1e-4}
    dense = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert [d.units for d in dense] == [10]


@pytest.mark.parametrize(
    "name, depth, width, dropout, l2",
    _slow_on_jax(
        [
            ("li2018_wrn_16_8", 16, 8, 0.0, None),
            ("wrn_28_10", 28, 10, 0.3, 2.5e-4),
        ],
        BIG,
    ),
)
def test_wide_resnets(name, depth, width, dropout, l2):
    model = _model(name)
    blocks = [
        layer for layer in model.layers if isinstance(layer, WideResidualBlock)
    ]
    assert len(blocks) == 3 * (depth - 4) // 6
    assert {b.dropout for b in blocks} == {dropout}
    assert blocks[-1].filters == 64 * width
    if l2 is None:
        assert all(b.kernel_regularizer is None for b in blocks)
    else:
        factors = [b.kernel_regularizer.get_config()["l2"] for b in blocks]
        assert factors == pytest.approx([l2] * len(blocks))
    # The same network as wide_resnet's, with the paper's 11.0M / 36.5M.
    reference = {16: 10_968_570, 28: 36_497_146}[depth]
    assert model.count_params() == reference
    assert model.count_params() / 1e6 == pytest.approx(
        {16: 11.0, 28: 36.5}[depth], abs=0.05
    )


def test_schnack2022_structure_and_size():
    model = _model("schnack2022")
    rescaling = model.layers[0]
    assert isinstance(rescaling, keras.layers.Rescaling)
    assert rescaling.scale == pytest.approx(1 / 255)
    blocks = [
        layer for layer in model.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert [(b.filters, b.convs, b.batch_norm, b.pool) for b in blocks] == [
        (f, 2, True, "max") for f in (32, 64, 128, 256)
    ]
    # The slides: "1.3M parameters".
    assert model.count_params() == pytest.approx(1.3e6, rel=0.05)


def _donzella_report_model():
    """The Milano-Bicocca report's Sequential code, as printed."""
    layers = keras.layers

    def conv(filters):
        return layers.Conv2D(
            filters,
            (3, 3),
            activation="Mish",
            padding="same",
            kernel_initializer="he_uniform",
            kernel_regularizer=keras.regularizers.l2(0.001),
        )

    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            conv(32),
            layers.BatchNormalization(),
            conv(32),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.2),
            conv(64),
            layers.BatchNormalization(),
            conv(64),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.3),
            conv(128),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.4),
            layers.Flatten(),
            layers.Dense(
                128, activation="Mish", kernel_initializer="he_uniform"
            ),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def test_donzella_cnn_is_the_reports_code():
    ours = _model("donzella_cnn")
    report = _donzella_report_model()
    assert ours.count_params() == report.count_params() == 404_778
    assert _trainable(ours) == _trainable(report)
    shapes = sorted(tuple(w.shape) for w in ours.weights)
    assert shapes == sorted(tuple(w.shape) for w in report.weights)
    # One L2 penalty per conv kernel, none on the dense layers.
    x = np.zeros((1, 32, 32, 3), "float32")
    ours(x)
    report(x)
    assert len(ours.losses) == len(report.losses) == 5
    blocks = [
        layer for layer in ours.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert [(b.filters, b.convs, b.dropout) for b in blocks] == [
        (32, 2, 0.2),
        (64, 2, 0.3),
        (128, 1, 0.4),
    ]


@pytest.mark.parametrize(
    "name, backbone, image_size",
    _slow_on_jax(
        [
            ("donzella_inception_resnet_v2", "InceptionResNetV2", (299, 299)),
            ("ntua_vgg16", "VGG16", (224, 224)),
            ("ntua_resnet", "ResNet50", (224, 224)),
            ("ntua_densenet", "DenseNet121", (224, 224)),
            ("badzioch2024_mobilenet_v2", "MobileNetV2", (32, 32)),
        ],
        BIG,
    ),
)
def test_transfer_models(name, backbone, image_size):
    model = _model(name)
    adapter = model.get_layer("adapter")
    assert isinstance(adapter, TransferAdapter)
    assert adapter.backbone == backbone
    assert adapter.image_size == image_size
    base = model.get_layer("backbone")
    if name == "badzioch2024_mobilenet_v2":
        trainable = [
            layer.name for layer in base.layers if layer.trainable_weights
        ]
        assert trainable == ["block_16_depthwise", "block_16_project", "Conv_1"]
        assert "flatten" in [layer.name for layer in model.layers]
    else:
        assert not base.trainable


@slow_on_jax
def test_transfer_head_matches_the_donzella_summary():
    model = _model("donzella_inception_resnet_v2")
    head = [
        (type(layer).__name__, layer.count_params())
        for layer in model.layers[
            model.layers.index(model.get_layer("backbone")) :
        ]
    ]
    assert head == [
        ("Functional", 54_336_736),
        ("GlobalAveragePooling2D", 0),
        ("Dense", 786_944),
        ("BatchNormalization", 2_048),
        ("Dropout", 0),
        ("Dense", 65_664),
        ("BatchNormalization", 512),
        ("Dropout", 0),
        ("Dense", 1_290),
    ]


def test_overrides_and_their_defaults():
    # The options the report leaves open first, then every other field of
    # the config, then the classifier's activation.
    li2018_model1 = get_architecture("li2018_model1")
    assert li2018_model1.options == ()
    assert li2018_model1.overrides == {
        **dataclasses.asdict(li2018_model1.config),
        "classifier_activation": "softmax",
    }
    li2018_model2_3 = get_architecture("li2018_model2_3").overrides
    assert list(li2018_model2_3)[:4] == [
        "activation",
        "dropout",
        "head_units",
        "head_dropout",
    ]
    assert (li2018_model2_3["dropout"], li2018_model2_3["head_units"]) == (
        0.25,
        512,
    )
    assert get_architecture("wrn_28_10").overrides == {
        "dropout": 0.3,
        "l2": 2.5e-4,
        **{
            key: value
            for key, value in dataclasses.asdict(
                get_architecture("wrn_28_10").config
            ).items()
            if key not in ("dropout", "l2")
        },
        "classifier_activation": "softmax",
    }
    for name in TRANSFER:
        overrides = get_architecture(name).overrides
        assert overrides["weights"] == "imagenet"
        assert "dropout" in overrides
    for name in NAMES:
        assert "classifier_activation" in get_architecture(name).overrides


def test_overrides_change_the_model():
    model = build("li2018_model3_1", dropout=(0.1, 0.2, 0.3), l2=0)
    blocks = [
        layer for layer in model.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert [b.dropout for b in blocks] == [0.1, 0.2, 0.3]
    assert all(b.kernel_regularizer is None for b in blocks)
    model = build("li2018_model2_1", head_dropout=0.5, dropout=0.0)
    assert model.get_layer("dropout").rate == 0.5
    logits = build("li2018_model1", classifier_activation=None)
    assert logits.get_layer("predictions").activation.__name__ == "linear"
    donzella = build("donzella_cnn", l2=0.0, head_dropout=0.3)
    assert donzella.get_layer("dense_dropout").rate == 0.3
    # A field that is not among the options: twice the widths.
    wider = build("li2018_model3_1", filters=(64, 128, 256))
    assert [b.filters for b in wider.layers[:3]] == [64, 128, 256]
    assert wider.count_params() == 1_189_962


def test_none_override_keeps_the_architectures_value():
    default = build("li2018_model3_2")
    model = build("li2018_model3_2", dropout=None)
    assert model.get_config() == default.get_config()
    blocks = [
        layer for layer in model.layers if isinstance(layer, ConvBNPoolDropout)
    ]
    assert [block.dropout for block in blocks] == [0.2, 0.3, 0.4, 0.5]
    # `weights` can be None: there it means random initialization.
    transfer = build("ntua_vgg16", weights=None, image_size=None)
    assert transfer.get_layer("adapter").image_size != (32, 32)


def test_transfer_dropout_override():
    model = build("ntua_vgg16", weights=None, dropout=0.4, image_size=32)
    assert model.get_layer("head_dropout").rate == 0.4
    assert model.get_layer("adapter").image_size == (32, 32)
    assert model.count_params() == PARAMETERS["ntua_vgg16"][0]


@pytest.mark.parametrize(
    "name, kwargs, error, message",
    [
        (
            "li2018_model9",
            {},
            ValueError,
            r"Invalid value for argument `name`. Expected one of "
            r"\['li2018_model1', 'li2018_model2_1', .*\]. "
            r"Received name='li2018_model9'",
        ),
        ("", {}, ValueError, "Received name=''"),
        (None, {}, ValueError, "Received name=None"),
        (
            "li2018_model1",
            {"depth": 3},
            TypeError,
            r"Unknown override\(s\) \['depth'\] for architecture "
            r"'li2018_model1'. Valid overrides: the fields of its "
            r"ConvStackConfig, \['filters', 'convs', .*, "
            r"'classifier_activation'\]",
        ),
        (
            "li2018_model2_1",
            {"stages": 5},
            TypeError,
            r"Unknown override\(s\) \['stages'\].*'head_dropout'",
        ),
        (
            "donzella_cnn",
            {"weights": None},
            TypeError,
            r"Unknown override\(s\) \['weights'\]",
        ),
        (
            "li2018_model2_1",
            {"dropout": (0.1, 0.2)},
            ValueError,
            r"a sequence of 3 such floats \(one per stage\). "
            r"Received dropout=\(0.1, 0.2\)",
        ),
        (
            "li2018_model3_2",
            {"dropout": 1.0},
            ValueError,
            "Received dropout=1.0",
        ),
        ("donzella_cnn", {"l2": -0.1}, ValueError, "Received l2=-0.1"),
        ("li2018_model2_1", {"head_units": 0}, ValueError, "head_units=0"),
        ("schnack2022", {"filters": (32, 0)}, ValueError, "filters=0"),
        ("li2018_model1", {"num_classes": 0}, ValueError, "num_classes=0"),
        (
            "li2018_model1",
            {"input_shape": (32, 32)},
            ValueError,
            r"argument `input_shape`.*Received input_shape=\(32, 32\)",
        ),
        (
            "ntua_vgg16",
            {"weights": None, "dropout": 1.5},
            ValueError,
            "Received dropout=1.5",
        ),
    ],
)
def test_bad_arguments(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        build(name, **kwargs)


def test_unknown_name_in_recipe_and_get_architecture():
    with pytest.raises(ValueError, match="Received name='wrn_16_8'"):
        recipe("wrn_16_8")
    with pytest.raises(ValueError, match="Received name='LI2018_MODEL1'"):
        get_architecture("LI2018_MODEL1")


@pytest.fixture(scope="module")
def cifar10_subset(cifar10_dir):
    """16 real CIFAR-10 training images, two per class where possible."""
    from keras_cifar_blocks.datasets import load_cifar10

    (x_train, y_train), _ = load_cifar10(str(cifar10_dir))
    return x_train[:16], y_train[:16]


def _batch(name, model, subset):
    r = recipe(name)
    x, y = subset
    x = x.astype("float32")
    if r.input_normalization != "raw":
        x /= 255.0
    one_hot, _ = recipe_loss(r)
    if one_hot:
        y = keras.utils.to_categorical(y, model.output_shape[-1])
    return x, y


@pytest.mark.parametrize(
    "name", _slow_on_jax(FROM_SCRATCH, set(FROM_SCRATCH) - FIT_ON_JAX)
)
def test_one_epoch_on_real_cifar10_with_the_recipe(name, cifar10_subset):
    """One epoch (one step of 16 images) on real CIFAR-10 images with the
    recipe's optimizer, schedule and loss."""
    model = _model(name)
    r = recipe(name)
    model.compile(
        optimizer=r.make_optimizer(steps_per_epoch=10),
        loss=recipe_loss(r)[1],
        metrics=["accuracy"],
        # For one step, tracing a tf.function costs several times the
        # step (graph-mode fits of our blocks run in tests/layers). JAX
        # runs op by op slower than it compiles, and torch is eager.
        run_eagerly=keras.backend.backend() == "tensorflow",
    )
    x, y = _batch(name, model, cifar10_subset)
    before = [to_numpy(w).copy() for w in model.trainable_weights[:2]]
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = [to_numpy(w) for w in model.trainable_weights[:2]]
    assert any(
        not np.allclose(b, a) for b, a in zip(before, after, strict=True)
    )


@pytest.mark.parametrize(
    "name",
    _slow_on_jax(
        ["donzella_cnn", "schnack2022", "fast_cifar"],
        {"schnack2022", "fast_cifar"},
    ),
)
def test_save_and_load_with_safe_mode(name, tmp_path, cifar10_subset):
    model = build(name)
    x, _ = _batch(name, model, cifar10_subset)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.count_params() == model.count_params()
    np.testing.assert_allclose(
        to_numpy(loaded(x, training=False)),
        to_numpy(model(x, training=False)),
        rtol=1e-5,
        atol=1e-6,
    )
