"""Training a Keras model on the book's datasets: data preparation, ``train()``, its result.

The pieces a chapter needs, in the order it needs them:

1. :func:`prepare` turns the uint8 arrays of :func:`convbook.datasets.load` into what a
   network learns from: float32 images with a channel axis, scaled to ``[0, 1]`` (or
   centred on the training set's mean), optionally padded to 32x32 for LeNet-5, and
   integer (``"sparse"``) or one-hot labels.
2. :func:`train` compiles the model with the matching loss (:func:`loss_for`), seeds every
   random number generator, picks the device, fits, and scores the test set. It returns a
   :class:`TrainingResult` holding the history, the test accuracy, the fit time and a
   one-line description of the device. :func:`build_and_train` runs the whole pipeline by
   model and dataset name.
3. :func:`evaluate`, :func:`confusion_matrix` and :func:`roc_auc_ovr` look at the
   predictions; :func:`predict_in_batches` scores a large array chunk by chunk (the cure
   for "out of memory" on a GPU).

The package is arranged by job, and every public name is importable from here:

``data``
    :func:`prepare`, :class:`PreparedData`, :func:`one_hot`, :func:`validation_split_point`,
    :func:`make_tf_dataset`.
``reproducibility``
    :func:`seed_everything`, and what a seed repeats on a CPU and on a GPU.
``schedules``
    :class:`OneCycleSchedule`, :class:`WarmRestartSchedule`, their factories,
    :func:`steps_per_epoch`.
``callbacks``
    :class:`EpochLogger`, :class:`RocAucCallback`, and resumable runs: :class:`EpochBackup`,
    :func:`restore_backup`, :func:`checkpointing`.
``loop``
    :func:`train`, :func:`build_and_train`, :func:`loss_for`.
``result``
    :class:`TrainingResult`.
``metrics``
    :func:`predict_in_batches`, :func:`evaluate`, :class:`Evaluation`,
    :func:`confusion_matrix`, :func:`average_ranks`, :func:`roc_auc_ovr`.

Importing this package imports Keras (its whole job is Keras); ``import convbook`` does not.

Examples
--------
>>> from convbook import training
>>> training.roc_auc_ovr([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
1.0
"""

from __future__ import annotations

from convbook.training.callbacks import (
    Checkpointing,
    EpochBackup,
    EpochLogger,
    HistoryLog,
    RocAucCallback,
    checkpointing,
    restore_backup,
)
from convbook.training.data import (
    LABEL_KINDS,
    NORMALIZATIONS,
    SOURCE_SIZE,
    LabelKind,
    Normalization,
    PreparedData,
    make_tf_dataset,
    one_hot,
    prepare,
    validation_split_point,
)
from convbook.training.loop import build_and_train, compile_model, loss_for, train
from convbook.training.metrics import (
    Evaluation,
    average_ranks,
    confusion_matrix,
    evaluate,
    predict_in_batches,
    roc_auc_ovr,
)
from convbook.training.reproducibility import seed_everything
from convbook.training.result import TrainingResult
from convbook.training.schedules import (
    OneCycleSchedule,
    WarmRestartSchedule,
    one_cycle_schedule,
    steps_per_epoch,
    warm_restart_schedule,
)

__all__ = [
    "LABEL_KINDS",
    "NORMALIZATIONS",
    "SOURCE_SIZE",
    "Checkpointing",
    "EpochBackup",
    "EpochLogger",
    "Evaluation",
    "HistoryLog",
    "LabelKind",
    "Normalization",
    "OneCycleSchedule",
    "PreparedData",
    "RocAucCallback",
    "TrainingResult",
    "WarmRestartSchedule",
    "average_ranks",
    "build_and_train",
    "checkpointing",
    "compile_model",
    "confusion_matrix",
    "evaluate",
    "loss_for",
    "make_tf_dataset",
    "one_cycle_schedule",
    "one_hot",
    "predict_in_batches",
    "prepare",
    "restore_backup",
    "roc_auc_ovr",
    "seed_everything",
    "steps_per_epoch",
    "train",
    "validation_split_point",
    "warm_restart_schedule",
]
