"""Keeps `benchmarks/zero_overhead.py` working and its twins faithful."""

import keras
import numpy as np
import pytest

from benchmarks import zero_overhead as bench
from benchmarks.common import input_scale


@pytest.mark.parametrize("name", sorted(bench.PLAIN))
def test_plain_twin_has_our_parameters_and_outputs(name):
    ours, plain = bench.build_pair(name)
    assert plain.count_params() == ours.count_params()
    assert len(plain.weights) == len(ours.weights)
    x = np.random.default_rng(0).uniform(0, input_scale(name), (2, 32, 32, 3))
    x = x.astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(plain(x, training=False)),
        keras.ops.convert_to_numpy(ours(x, training=False)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_copy_weights_refuses_models_that_differ():
    ours, _ = bench.build_pair("donzella_cnn")
    other = bench.plain_schnack2022()
    with pytest.raises(ValueError, match="The models' variables differ"):
        bench.copy_weights(ours, other)


def test_measure_and_plot():
    settings = {
        **bench.SETTINGS,
        "models": ["donzella_cnn"],
        "batch_size": 4,
        "steps": {"default": 1},
        "rounds": 2,
    }
    (row,) = bench.measure("measure", settings)
    assert row["backend"] == keras.backend.backend()
    assert row["parameters"]["ours"] == row["parameters"]["plain"]
    for kind in ("ours", "plain"):
        assert len(row["seconds"][kind]["samples"]) == 2
        assert len(row["seconds"][kind]["warmup_seconds"]) == 1
    ratio = row["ratio"]
    assert len(ratio["samples"]) == 2
    assert 0 < ratio["min"] <= ratio["median"] <= ratio["max"]
    figure = bench.plot([row], settings["target"])
    assert figure.axes[0].get_ylabel().startswith("training time")
