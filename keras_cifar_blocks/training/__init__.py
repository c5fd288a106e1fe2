"""Train a documented architecture with its recipe, evaluate, report.

- `train(name, ...)`: trains `architectures.build(name)` with
  `architectures.recipe(name)` (optimizer and schedule, batch size,
  epochs, loss, augmentation preset, input normalization, early
  stopping) on a stratified train/validation split, keeps the best
  model on the validation set, backs up every epoch so that a stopped
  run resumes, and ends with `evaluate`. Returns the run folder.
- `reproduce(name, ...)`: trains an architecture as its report did (the
  recipe's `Protocol`: what it trained and validated on, which epoch it
  reports) and exports the run, a summary beside the documented accuracy
  and a table into `reproductions/`.
- `load_run(run_dir)`: a finished run's model behind its input
  normalization, for raw 0-255 images; `predict_files(run_dir, paths)`
  classifies PNG/JPEG files with it.
- `evaluate(run_dir)`: test accuracy and loss, per-class precision,
  recall and F1, the confusion matrix (`metrics.json`), plots and
  `report.md`, which puts the test accuracy beside the documented one.
- `predict_with_flip(model, images)`: test-time augmentation, the mean
  prediction of each image and its mirror image (recipes with
  `test_time_augmentation="flip"` are evaluated with it).
- `confusion_matrix`, `classification_metrics`, `cross_entropy`: the
  metrics, in NumPy.

`kcb train NAME`, `kcb reproduce NAME`, `kcb evaluate RUN_DIR`, `kcb predict
RUN_DIR IMAGE...` and `kcb list` are the command
line of the same functions.
"""

from keras_cifar_blocks.training.evaluation import evaluate
from keras_cifar_blocks.training.metrics import classification_metrics
from keras_cifar_blocks.training.metrics import confusion_matrix
from keras_cifar_blocks.training.metrics import cross_entropy
from keras_cifar_blocks.training.prediction import load_run
from keras_cifar_blocks.training.prediction import predict_files
from keras_cifar_blocks.training.reproduction import reproduce
from keras_cifar_blocks.training.test_time_augmentation import predict_with_flip
from keras_cifar_blocks.training.training_loop import train

__all__ = [
    "classification_metrics",
    "confusion_matrix",
    "cross_entropy",
    "evaluate",
    "load_run",
    "predict_files",
    "predict_with_flip",
    "reproduce",
    "train",
]
