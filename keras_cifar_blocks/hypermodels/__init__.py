"""KerasTuner search spaces built from this package's blocks.

- `ConvStackHyperModel`: CNNs of `ConvBNPoolDropout` stages; every
  from-scratch CNN of the seed reports is a point of its space.
- `WideResNetHyperModel`: WRN-d-k; `li2018_wrn_16_8` and `wrn_28_10` are
  points.
- `TransferHyperModel`: `keras.applications` backbones with a head; the
  reports' transfer models are points.
- `enqueue_points(tuner, points)`: evaluate given points (e.g.
  `hypermodel.documented_points()`) first, then search.
- `tune(space, ...)`: a seeded search on CIFAR-10 that writes a run folder
  (settings, trials table, plots, best values) and resumes; optionally
  within a time budget, printing a line per finished trial.
- `plot_study(run, out_dir)` and `write_trials_table(run, path)`: a
  search's plots and trials table, from its `trials.json`.

Needs KerasTuner: `pip install "keras-cifar-blocks[tuner]"`.
"""

try:
    import keras_tuner  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "keras_cifar_blocks.hypermodels needs KerasTuner, which is not "
        'installed. Install it with `pip install "keras-cifar-blocks[tuner]"` '
        "(or `pip install keras-tuner tensorboard`)."
    ) from e

from keras_cifar_blocks.hypermodels.base_hypermodel import (
    InvalidHyperparametersError,
)
from keras_cifar_blocks.hypermodels.base_hypermodel import check_values
from keras_cifar_blocks.hypermodels.conv_stack import ConvStackHyperModel
from keras_cifar_blocks.hypermodels.enqueue import enqueue_points
from keras_cifar_blocks.hypermodels.study import plot_study
from keras_cifar_blocks.hypermodels.study import trials_markdown
from keras_cifar_blocks.hypermodels.study import write_trials_table
from keras_cifar_blocks.hypermodels.transfer import TransferHyperModel
from keras_cifar_blocks.hypermodels.tune import SPACES
from keras_cifar_blocks.hypermodels.tune import TUNERS
from keras_cifar_blocks.hypermodels.tune import get_hypermodel
from keras_cifar_blocks.hypermodels.tune import tune
from keras_cifar_blocks.hypermodels.wide_resnet import WideResNetHyperModel

__all__ = [
    "SPACES",
    "TUNERS",
    "ConvStackHyperModel",
    "InvalidHyperparametersError",
    "TransferHyperModel",
    "WideResNetHyperModel",
    "check_values",
    "enqueue_points",
    "get_hypermodel",
    "plot_study",
    "trials_markdown",
    "tune",
    "write_trials_table",
]
