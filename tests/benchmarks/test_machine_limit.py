"""Keeps `benchmarks/machine_limit.py` working; pins the FLOP counter."""

import keras

from benchmarks import machine_limit as bench
from benchmarks.common import model_flops
from keras_cifar_blocks.layers import ConvBNPoolDropout


def test_flops_of_a_tiny_model_by_hand():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, padding="same"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(2, 3, padding="valid"),
            keras.layers.Flatten(),
            keras.layers.Dense(5),
        ]
    )
    same = 2 * (8 * 8) * (3 * 3) * 3 * 4  # 8x8 output, 3x3x3 -> 4
    valid = 2 * (2 * 2) * (3 * 3) * 4 * 2  # 4x4 in, 2x2 out, 3x3x4 -> 2
    dense = 2 * (2 * 2 * 2) * 5
    assert model_flops(model) == same + valid + dense == 14_480


def test_flops_reach_inside_our_blocks():
    model = keras.Sequential(
        [keras.Input((8, 8, 3)), ConvBNPoolDropout(4, convs=2)]
    )
    first = 2 * 64 * 9 * 3 * 4
    second = 2 * 64 * 9 * 4 * 4
    assert model_flops(model) == first + second == 32_256


def test_flops_of_schnack2022():
    from benchmarks.common import build_model

    stages = [(32, 3, 32), (16, 32, 64), (8, 64, 128), (4, 128, 256)]
    convs = sum(
        2 * size * size * 9 * (c_in * c_out + c_out * c_out)
        for size, c_in, c_out in stages
    )
    dense = 2 * (2 * 2 * 256) * 128 + 2 * 128 * 10
    assert model_flops(build_model("schnack2022")) == convs + dense
    assert convs + dense == 105_843_200


def test_measure_and_plot():
    settings = {
        **bench.SETTINGS,
        "matmul_size": 32,
        "matmul_calls": 2,
        "matmul_rounds": 2,
        "batch_size": 4,
        "steps": 1,
        "repeats": 2,
    }
    (row,) = bench.measure("measure", settings)
    assert row["backend"] == keras.backend.backend()
    assert row["forward_flops_per_image"] == 105_843_200
    assert row["training_flops_per_image"] == 3 * 105_843_200
    stats = row["matmul_gflops"]
    assert len(stats["samples"]) == 2
    assert 0 < stats["min"] <= stats["median"] <= stats["max"]
    achieved = row["achieved_gflops"]
    assert achieved["min"] <= achieved["median"] <= achieved["max"]
    numpy_peak = bench.numpy_matmul(settings)
    assert numpy_peak["median"] > 0
    row["achieved_over_peak"] = achieved["median"] / numpy_peak["median"]
    figure = bench.plot([row], numpy_peak, numpy_peak["median"])
    assert "GFLOP/s" in figure.axes[0].get_ylabel()
