import keras
import numpy as np
import pytest

import keras_cifar_blocks as kcb
from keras_cifar_blocks.layers import TransferAdapter
from tests.testing import to_numpy


def _data(n=8, classes=3):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 32, 32, 3)).astype("float32")
    return x, rng.integers(0, classes, (n,))


def _weights(layer):
    return [to_numpy(w).copy() for w in layer.weights]


def _changed(before, after):
    return [not np.allclose(b, a) for b, a in zip(before, after, strict=True)]


def test_frozen_backbone_trains_only_the_head(tmp_path):
    # Randomly initialized backbones whose features do not vanish, so
    # that a frozen weight is frozen and not just receiving ~0 gradient.
    model = kcb.transfer_classifier(
        "VGG16",
        num_classes=3,
        weights=None,
        image_size=32,
        head_units=(16,),
    )
    assert isinstance(model.get_layer("adapter"), TransferAdapter)
    backbone = model.get_layer("backbone")
    assert not backbone.trainable
    assert model.output_shape == (None, 3)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    x, y = _data()
    backbone_before = _weights(backbone)
    head_before = _weights(model.get_layer("head_dense_0"))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not any(_changed(backbone_before, _weights(backbone)))
    assert all(_changed(head_before, _weights(model.get_layer("head_dense_0"))))

    path = tmp_path / "transfer.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        to_numpy(loaded.predict(x, verbose=0)),
        to_numpy(model.predict(x, verbose=0)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_unfreeze_top_layers_keeps_batchnorm_frozen():
    model = kcb.transfer_classifier(
        "ResNet50", 3, weights=None, image_size=32, head_units=()
    )
    backbone = model.get_layer("backbone")
    names = kcb.unfreeze_top_layers(model, 4)
    assert names == [
        "conv5_block3_3_conv",
        "conv5_block3_add",
        "conv5_block3_out",
    ]
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            assert not layer.trainable
    trainable = [
        layer.name
        for layer in backbone.layers
        if layer.trainable and not isinstance(layer, keras.layers.InputLayer)
    ]
    assert trainable == names
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    x, y = _data()
    conv = backbone.get_layer("conv5_block3_3_conv")
    bn = backbone.get_layer("conv5_block3_3_bn")
    low = backbone.get_layer("conv5_block3_2_conv")
    before = [_weights(conv), _weights(bn), _weights(low)]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert any(_changed(before[0], _weights(conv)))
    assert not any(_changed(before[1], _weights(bn)))
    assert not any(_changed(before[2], _weights(low)))

    assert kcb.unfreeze_top_layers(model, 0) == []
    assert not backbone.trainable


def test_donzella_inception_resnet_v2_parameter_counts():
    """The Milano-Bicocca report prints 55,193,194 / 855,178 parameters."""
    model = kcb.transfer_classifier(
        "InceptionResNetV2",
        num_classes=10,
        weights=None,
        head_units=(512, 128),
        dropout=0.5,
    )
    assert model.get_layer("adapter").image_size == (299, 299)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert model.count_params() == 55_193_194
    assert trainable == 855_178


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"backbone": "ResNet18"}, ValueError, "Received backbone='ResNet18'"),
        ({"num_classes": 0}, ValueError, "Received num_classes=0"),
        ({"num_classes": "10"}, ValueError, "Received num_classes='10'"),
        ({"pooling": "sum"}, ValueError, "Received pooling='sum'"),
        ({"head_units": (64, 0)}, ValueError, "Received head_units=0"),
        ({"trainable": "yes"}, TypeError, "trainable"),
        ({"dropout": 1.5}, ValueError, "Received dropout=1.5"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    arguments = {"backbone": "MobileNetV2", "num_classes": 10, "weights": None}
    with pytest.raises(error, match=message):
        kcb.transfer_classifier(**{**arguments, **kwargs})


def test_unfreeze_bad_arguments():
    model = kcb.transfer_classifier("VGG16", 3, weights=None, image_size=32)
    with pytest.raises(ValueError, match="Received num_layers=-1"):
        kcb.unfreeze_top_layers(model, -1)
    with pytest.raises(ValueError, match="The backbone has"):
        kcb.unfreeze_top_layers(model, 10_000)
    with pytest.raises(TypeError, match="Expected a keras.Model"):
        kcb.unfreeze_top_layers("model", 1)
