"""Data-parallel training on two virtual CPU devices equals one device.

Each comparison runs in a subprocess, since the devices must be set up
before the backend starts: JAX with
`XLA_FLAGS=--xla_force_host_platform_device_count=2`, TensorFlow with
two logical CPU devices. The same seed, no augmentation (li2018_model1's
recipe has none, nor dropout) and no shuffling make both runs see the
same batches; the two replicas' gradients averaged are the global
batch's gradient, up to float rounding.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_cifar_blocks.architectures import build
from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.distribution import check_backend
from keras_cifar_blocks.training.distribution import distribution_scope

BACKEND = keras.backend.backend()
ROOT = Path(__file__).parents[2]

SCRIPT = textwrap.dedent(
    """
    import os
    import sys

    if os.environ["KERAS_BACKEND"] == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )

    from keras_cifar_blocks.training import train

    out, data_dir = sys.argv[1:]
    for distribute in (False, True):
        train(
            "li2018_model1",
            epochs=2,
            batch_size=64,
            subset=300,
            test_subset=100,
            shuffle=False,
            distribute=distribute,
            data_dir=data_dir,
            out=os.path.join(out, "distributed" if distribute else "single"),
            verbose=0,
        )
    """
)


def test_scope_without_distribute_does_nothing():
    with distribution_scope(False) as replicas:
        assert replicas == 1


def test_torch_is_refused_with_the_alternatives():
    with pytest.raises(ValueError) as info:
        check_backend("torch")
    message = str(info.value)
    assert "not supported on the 'torch' backend" in message
    assert "keras.distribution.DataParallel" in message
    assert "tf.distribute.MirroredStrategy" in message


@pytest.mark.skipif(
    BACKEND not in ("jax", "tensorflow"),
    reason="data parallelism is for the JAX and TensorFlow backends",
)
@pytest.mark.slow
def test_two_devices_train_like_one(tmp_path, cifar10_dir):
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    if BACKEND == "jax":
        env["XLA_FLAGS"] = (
            env.get("XLA_FLAGS", "")
            + " --xla_force_host_platform_device_count=2"
        )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(cifar10_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    single, distributed = (
        tmp_path / "single",
        tmp_path / "distributed",
    )
    config = run_dir.read_json(single / run_dir.CONFIG)
    assert config["training"]["replicas"] == 1
    config = run_dir.read_json(distributed / run_dir.CONFIG)
    assert config["training"]["replicas"] == 2
    assert config["data"]["sizes"] == {
        "train": 270,
        "validation": 30,
        "test": 100,
    }
    one = run_dir.read_json(single / run_dir.HISTORY)
    two = run_dir.read_json(distributed / run_dir.HISTORY)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(one[key], two[key], rtol=1e-4)
    # Both saved the same epoch, with the same weights up to float
    # rounding: Adam's normalized steps carry it to about 1e-4 on the
    # few weights whose gradients are near 0, while training moved the
    # weights by about 3e-3 on average.
    metrics = run_dir.read_json(distributed / run_dir.METRICS)
    assert (
        metrics["best_epoch"]
        == run_dir.read_json(single / run_dir.METRICS)["best_epoch"]
    )
    keras.utils.set_random_seed(0)
    initial = _flat(build("li2018_model1").get_weights())
    one = _flat(keras.saving.load_model(single / run_dir.MODEL).get_weights())
    two = _flat(
        keras.saving.load_model(distributed / run_dir.MODEL).get_weights()
    )
    gap = np.abs(one - two)
    assert gap.max() < 1e-3, gap.max()
    assert gap.mean() < 1e-2 * np.abs(one - initial).mean()


def _flat(weights) -> np.ndarray:
    return np.concatenate([np.ravel(w) for w in weights])


# --------------------------------------------------------------------------
# Several processes: two on 127.0.0.1 with the standard environment.
# --------------------------------------------------------------------------

PROCESS_ARGS = [
    "li2018_model1",
    "--keep",
    "last",
    "--epochs",
    "2",
    "--batch-size",
    "64",
    "--subset",
    "300",
    "--test-subset",
    "100",
    "--verbose",
    "0",
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_processes_default_to_one(monkeypatch):
    from keras_cifar_blocks.training import distribution

    for name in (*distribution.JAX_ENVIRONMENT, "TF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert distribution.processes() == (1, 0)
    assert distribution.is_chief()
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "4")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "3")
    assert distribution.processes() == (4, 3)
    assert not distribution.is_chief()
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "4")
    with pytest.raises(ValueError, match="below KERAS_DISTRIBUTION_NUM"):
        distribution.processes()
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "two")
    with pytest.raises(ValueError, match="Expected an integer >= 1"):
        distribution.processes()


def test_tf_config_names_the_process(monkeypatch):
    from keras_cifar_blocks.training import distribution

    monkeypatch.delenv("KERAS_DISTRIBUTION_NUM_PROCESSES", raising=False)
    cluster = {"chief": ["a:1"], "worker": ["b:1", "c:1"]}
    monkeypatch.setenv(
        "TF_CONFIG",
        json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": 1}}
        ),
    )
    assert distribution.processes() == (3, 2)
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="`TF_CONFIG`"):
        distribution.processes()


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's refusal")
def test_tensorflow_across_processes_is_refused_clearly(tmp_path, monkeypatch):
    from keras_cifar_blocks.training import train

    workers = ["127.0.0.1:1", "127.0.0.1:2"]
    monkeypatch.setenv(
        "TF_CONFIG",
        json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker"}}
        ),
    )
    with pytest.raises(ValueError, match="keras-team/keras#20585"):
        train("li2018_model1", distribute=True, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(BACKEND != "jax", reason="multi-process is for JAX")
def test_two_processes_on_loopback_train_like_one(tmp_path, cifar10_dir):
    port = _free_port()
    out = tmp_path / "two"
    command = [
        sys.executable,
        "-m",
        "keras_cifar_blocks",
        "train",
        *PROCESS_ARGS,
        "--distribute",
        "--data-dir",
        str(cifar10_dir),
        "--out",
        str(out),
    ]
    workers = []
    for process_id in (0, 1):
        env = dict(
            os.environ,
            KERAS_BACKEND="jax",
            KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
            KERAS_DISTRIBUTION_NUM_PROCESSES="2",
            KERAS_DISTRIBUTION_PROCESS_ID=str(process_id),
        )
        workers.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [worker.communicate(timeout=300) for worker in workers]
    for worker, (_, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err[-3000:]
    # The chief alone wrote the run folder.
    assert sorted(p.name for p in out.iterdir()) == sorted(run_dir.RUN_FILES)
    config = run_dir.read_json(out / run_dir.CONFIG)
    assert config["training"]["replicas"] == 2

    from keras_cifar_blocks.training import train

    single = train(
        PROCESS_ARGS[0],
        keep="last",
        epochs=2,
        batch_size=64,
        subset=300,
        test_subset=100,
        data_dir=cifar10_dir,
        out=tmp_path / "one",
        verbose=0,
    )
    one = _flat(keras.saving.load_model(single / run_dir.MODEL).get_weights())
    two = _flat(keras.saving.load_model(out / run_dir.MODEL).get_weights())
    keras.utils.set_random_seed(0)
    initial = _flat(build("li2018_model1").get_weights())
    gap = np.abs(one - two)
    assert gap.max() < 1e-3, gap.max()
    assert gap.mean() < 1e-2 * np.abs(one - initial).mean()
    one = run_dir.read_json(single / run_dir.HISTORY)
    two = run_dir.read_json(out / run_dir.HISTORY)
    for key in ("loss", "accuracy", "val_loss"):
        np.testing.assert_allclose(one[key], two[key], rtol=1e-4)
