"""What CutMix and MixUp share: labels, smoothing, calls, saving, errors."""

import json
import os

import keras
import numpy as np
import pytest

from keras_cifar_blocks.augmentation import CutMix
from keras_cifar_blocks.augmentation import MixUp
from tests.testing import to_numpy

LAYERS = [CutMix, MixUp]
LABELS = np.array([0, 1, 2, 3])


def _batch(images, labels=LABELS):
    return {"images": images, "labels": labels}


@pytest.mark.parametrize("layer_class", LAYERS)
def test_class_indices_and_one_hot_labels_give_the_same_targets(
    layer_class, images
):
    outputs = [
        layer_class(num_classes=6, seed=4)(_batch(images, labels))
        for labels in (
            LABELS,
            LABELS[:, None],
            keras.utils.to_categorical(LABELS, 6),
        )
    ]
    for output in outputs[1:]:
        for key in ("images", "labels"):
            np.testing.assert_allclose(
                to_numpy(output[key]), to_numpy(outputs[0][key]), rtol=1e-6
            )
    targets = to_numpy(outputs[0]["labels"])
    assert targets.shape == (4, 6) and targets.dtype == np.float32
    np.testing.assert_allclose(targets.sum(axis=-1), 1.0, rtol=1e-6)
    # One-hot labels do not need num_classes.
    no_count = layer_class(seed=4)(
        _batch(images, keras.utils.to_categorical(LABELS, 6))
    )
    np.testing.assert_allclose(to_numpy(no_count["labels"]), targets)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_targets_are_convex_combinations_of_two_one_hot_labels(
    layer_class, images
):
    labels = np.array([7, 1, 7, 4])
    targets = to_numpy(
        layer_class(num_classes=10, seed=0)(_batch(images, labels))["labels"]
    )
    assert targets.min() >= 0.0
    np.testing.assert_allclose(targets.sum(axis=-1), 1.0, rtol=1e-6)
    for row, label in zip(targets, labels, strict=True):
        classes = np.flatnonzero(row > 1e-7)
        assert 1 <= len(classes) <= 2
        assert label in classes
        assert set(classes) <= set(labels)
    assert (targets.max(axis=-1) < 1.0).any(), "some labels are mixed"


@pytest.mark.parametrize("layer_class", LAYERS)
def test_label_smoothing_while_training_only(layer_class, images):
    layer = layer_class(num_classes=10, label_smoothing=0.2, seed=0)
    targets = to_numpy(layer(_batch(images))["labels"])
    np.testing.assert_allclose(targets.sum(axis=-1), 1.0, rtol=1e-6)
    assert targets.min() == pytest.approx(0.02)  # 0.2 / 10 classes
    assert targets.max() <= 0.8 + 0.02 + 1e-6
    inferred = layer(_batch(images), training=False)
    np.testing.assert_array_equal(to_numpy(inferred["images"]), images)
    np.testing.assert_array_equal(
        to_numpy(inferred["labels"]), keras.utils.to_categorical(LABELS, 10)
    )


@pytest.mark.parametrize("layer_class", LAYERS)
def test_label_smoothing_of_a_single_class(layer_class, images):
    # Mixing images of one class leaves the smoothed one-hot targets.
    output = layer_class(num_classes=4, label_smoothing=0.1, seed=0)(
        _batch(images, np.array([2, 2, 2, 2]))
    )
    np.testing.assert_allclose(
        to_numpy(output["labels"]),
        [[0.025, 0.025, 0.925, 0.025]] * 4,
        rtol=1e-6,
    )


def test_cutmix_label_weights_are_the_pixel_fractions():
    # Image i is filled with the value i + 1 and has class i.
    images = np.arange(1, 5, dtype="float32")[:, None, None, None] * np.ones(
        (4, 32, 32, 3), "float32"
    )
    output = CutMix(num_classes=4, seed=2)(_batch(images, np.arange(4)))
    mixed, targets = to_numpy(output["images"]), to_numpy(output["labels"])
    for i in range(4):
        own = np.mean(mixed[i] == i + 1)
        assert targets[i, i] == pytest.approx(own, abs=1e-6)
        others = np.unique(mixed[i][mixed[i] != i + 1])
        assert len(others) <= 1
        if len(others):
            partner = int(others[0]) - 1
            assert targets[i, partner] == pytest.approx(1 - own, abs=1e-6)
            # The pasted region is one box.
            rows, cols = np.nonzero(mixed[i][..., 0] != i + 1)
            box = mixed[i][
                rows.min() : rows.max() + 1, cols.min() : cols.max() + 1
            ]
            assert (box == partner + 1).all()
    assert (targets.max(axis=-1) < 1).sum() >= 2, "images are mixed"


def test_mixup_blends_images_with_the_label_weights():
    values = 10.0 * np.arange(1, 5, dtype="float32")
    images = values[:, None, None, None] * np.ones((4, 32, 32, 3), "float32")
    output = MixUp(num_classes=4, alpha=0.4, seed=2)(
        _batch(images, np.arange(4))
    )
    mixed, targets = to_numpy(output["images"]), to_numpy(output["labels"])
    expected = targets @ values  # each target weighs the image values
    np.testing.assert_allclose(mixed[:, 0, 0, 0], expected, rtol=1e-5)
    np.testing.assert_allclose(mixed.std(axis=(1, 2, 3)), 0.0, atol=1e-3)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_same_seed_same_mix(layer_class, images):
    first, second, other = (
        layer_class(num_classes=10, seed=seed)(_batch(images))
        for seed in (7, 7, 8)
    )
    for key in ("images", "labels"):
        np.testing.assert_array_equal(
            to_numpy(first[key]), to_numpy(second[key])
        )
    assert not np.allclose(to_numpy(first["images"]), to_numpy(other["images"]))


@pytest.mark.parametrize("layer_class", LAYERS)
def test_other_entries_pass_through(layer_class, images):
    output = layer_class(num_classes=10, seed=0)(
        {"images": images, "labels": LABELS, "weights": np.ones(4)}
    )
    assert set(output) == {"images", "labels", "weights"}


@pytest.mark.parametrize("layer_class", LAYERS)
def test_in_a_tf_data_map_after_batch(layer_class, images, tf):
    layer = layer_class(num_classes=10, seed=0)
    dataset = tf.data.Dataset.from_tensor_slices(_batch(images)).batch(3)
    batches = list(dataset.map(layer))
    assert [tuple(b["labels"].shape) for b in batches] == [(3, 10), (1, 10)]
    for batch in batches:
        np.testing.assert_allclose(
            to_numpy(batch["labels"]).sum(axis=-1), 1.0, rtol=1e-6
        )


@pytest.mark.parametrize("layer_class", LAYERS)
def test_in_a_model_config_and_keras_file(layer_class, images, tmp_path):
    layer = layer_class(num_classes=10, alpha=0.5, label_smoothing=0.1, seed=3)
    config = layer.get_config()
    restored = layer_class.from_config(json.loads(json.dumps(config)))
    assert restored.get_config() == config
    inputs = {
        "images": keras.Input((32, 32, 3), name="images"),
        "labels": keras.Input((), dtype="int32", name="labels"),
    }
    outputs = layer(inputs)
    assert outputs["labels"].shape == (None, 10)
    assert outputs["images"].shape == (None, 32, 32, 3)
    model = keras.Model(inputs, outputs)
    trained = model(_batch(images), training=True)
    assert not np.allclose(to_numpy(trained["images"]), images)
    path = os.path.join(tmp_path, "mix.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    predicted = loaded.predict(_batch(images), verbose=0)
    np.testing.assert_array_equal(predicted["images"], images)
    np.testing.assert_array_equal(
        predicted["labels"], keras.utils.to_categorical(LABELS, 10)
    )


@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_classes": 0}, r"`num_classes`. Expected a strictly positive"),
        ({"alpha": 0.0}, r"`alpha`. Expected a strictly positive float"),
        ({"label_smoothing": 1.0}, r"`label_smoothing`. Expected a float in"),
        ({"seed": "1"}, r"`seed`. Expected None or a non-negative integer"),
    ],
)
def test_invalid_arguments(layer_class, kwargs, message):
    with pytest.raises(ValueError, match=message):
        layer_class(**kwargs)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_invalid_inputs(layer_class, images):
    name = layer_class.__name__
    layer = layer_class(num_classes=10)
    with pytest.raises(
        ValueError,
        match=rf"`{name}` mixes images and labels together: call it on a "
        r"dict \{'images': images, 'labels': labels\}. Received a tensor "
        r"of shape \(4, 32, 32, 3\)",
    ):
        layer(images)
    with pytest.raises(ValueError, match=r"Received a dict with keys \['x'"):
        layer({"x": images, "y": LABELS})
    with pytest.raises(ValueError, match=r"mixes the images of a batch"):
        layer(_batch(images[0], LABELS[0]))
    with pytest.raises(
        ValueError, match=rf"`{name}` received class indices of shape \(4,\)"
    ):
        layer_class()(_batch(images))
    with pytest.raises(
        ValueError,
        match=r"got num_classes=10 but one-hot labels of shape \(4, 5\)",
    ):
        layer(_batch(images, keras.utils.to_categorical(LABELS, 5)))
    with pytest.raises(ValueError, match=r"expects labels of shape"):
        layer(_batch(images, np.zeros((4, 2, 5))))
