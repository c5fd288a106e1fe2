"""`RunRecorder`: `history.json` per epoch, the checkpoint to `model.keras`."""

import keras
import numpy as np

from keras_cifar_blocks.training import run_dir
from keras_cifar_blocks.training.run_recorder import RunRecorder


def _model():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 2, 16)


def test_records_each_epoch_and_moves_the_checkpoint(tmp_path):
    pattern = str(tmp_path / "checkpoints" / "epoch_{epoch:04d}.keras")
    (tmp_path / "checkpoints").mkdir()
    x, y = _data()
    model = _model()
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=8,
        verbose=0,
        callbacks=[
            keras.callbacks.ModelCheckpoint(pattern),
            RunRecorder(tmp_path, pattern),
        ],
    )
    history = run_dir.load_history(tmp_path)
    assert history["epoch"] == [1, 2]
    assert len(history["loss"]) == 2
    assert history["learning_rate"] == [np.float32(0.05)] * 2
    assert all(seconds >= 0 for seconds in history["seconds"])
    # Each epoch's checkpoint was moved over model.keras, none is left.
    assert (tmp_path / run_dir.MODEL).is_file()
    assert not list((tmp_path / "checkpoints").iterdir())
    keras.saving.load_model(tmp_path / run_dir.MODEL)


def test_a_resumed_epoch_replaces_the_one_recorded(tmp_path):
    run_dir.write_json(
        tmp_path / run_dir.HISTORY,
        {"epoch": [1, 2], "loss": [9.0, 8.0]},
    )
    recorder = RunRecorder(tmp_path, str(tmp_path / "none_{epoch}.keras"))
    recorder.set_model(_model())
    recorder.on_epoch_begin(1)
    recorder.on_epoch_end(1, {"loss": np.float32(0.5)})
    history = run_dir.load_history(tmp_path)
    assert history["epoch"] == [1, 2]
    assert history["loss"] == [9.0, 0.5]
    assert not (tmp_path / run_dir.MODEL).exists()
