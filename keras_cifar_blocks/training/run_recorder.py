"""`RunRecorder`: the callback that keeps `history.json` and `model.keras`.

Keras' `ModelCheckpoint` writes the best model straight to its file
path; a process killed in the middle of that write would leave a broken
`model.keras`. So the checkpoint writes one new file per improving epoch
into `checkpoints/`, and `RunRecorder`, placed after it in the callback
list, moves that file over `model.keras` with `os.replace`: the run
folder always holds a complete model.

It also appends each epoch's logs (plus `epoch`, counted from 1,
`seconds` and the optimizer's `learning_rate`) to `history.json`,
rewritten atomically after every epoch. Placed before
`BackupAndRestore`, it records an epoch before the backup does; if the
process dies in between, the resumed run trains that epoch again and
its new logs replace the old ones.
"""

import os
import time
from pathlib import Path

import keras
import numpy as np

from keras_cifar_blocks.training.run_dir import HISTORY
from keras_cifar_blocks.training.run_dir import MODEL
from keras_cifar_blocks.training.run_dir import load_history
from keras_cifar_blocks.training.run_dir import merge_epoch
from keras_cifar_blocks.training.run_dir import write_json


class RunRecorder(keras.callbacks.Callback):
    """Records each epoch in a run folder (see the module docstring).

    Args:
        run_dir: the run folder.
        checkpoint_pattern: the `filepath` given to `ModelCheckpoint`,
            with an `{epoch...}` field; the file of the epoch that just
            ended, if the checkpoint wrote one, becomes `model.keras`.
    """

    def __init__(self, run_dir, checkpoint_pattern: str):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.checkpoint_pattern = checkpoint_pattern
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._start if self._start else None
        checkpoint = Path(self.checkpoint_pattern.format(epoch=epoch + 1))
        if checkpoint.exists():
            os.replace(checkpoint, self.run_dir / MODEL)
        record = {key: _to_float(value) for key, value in (logs or {}).items()}
        if "learning_rate" not in record:
            record["learning_rate"] = _learning_rate(self.model)
        if seconds is not None:
            record["seconds"] = round(seconds, 3)
        history = merge_epoch(load_history(self.run_dir), epoch + 1, record)
        write_json(self.run_dir / HISTORY, history)


def _to_float(value):
    try:
        return float(np.asarray(keras.ops.convert_to_numpy(value)))
    except (TypeError, ValueError):
        return value


def _learning_rate(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    try:
        return _to_float(optimizer.learning_rate)
    except Exception:  # A custom optimizer without a readable rate.
        return None
