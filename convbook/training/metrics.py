"""Scoring a trained model: predictions in chunks, test-set evaluation, confusion, ROC AUC.

:func:`predict_in_batches` scores a large array chunk by chunk (the cure for "out of
memory" on a GPU); :func:`evaluate` keeps the true and predicted classes of the test set;
:func:`confusion_matrix` and :func:`roc_auc_ovr` (with :func:`average_ranks`) are computed
in NumPy, so a reader can check them by hand.

Examples
--------
>>> from convbook.training import metrics
>>> metrics.roc_auc_ovr([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from convbook import _checks, activations, models

if TYPE_CHECKING:
    from convbook.training.data import PreparedData


def predict_in_batches(model: keras.Model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Return ``model``'s outputs for ``x``, computed ``batch_size`` images at a time.

    A GPU holds the activations of one batch at a time; scoring 10 000 images at once can
    exhaust its memory ("OOM"), while chunks of a thousand fit. The result equals
    ``model.predict(x)`` (up to float rounding, which can depend on the batch size).

    Parameters
    ----------
    model
        A built Keras model.
    x
        Inputs, first axis the samples.
    batch_size
        Positive number of samples per chunk.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> predict_in_batches(model, np.zeros((5, 3), dtype="float32"), batch_size=2).shape
    (5, 2)
    """
    batch_size = _checks.positive_int("batch_size", batch_size)
    x = np.asarray(x)
    if len(x) == 0:
        return np.zeros((0, *model.output_shape[1:]), dtype=np.float32)
    chunks = [
        np.asarray(model.predict_on_batch(x[start : start + batch_size]))
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(chunks, axis=0)


@dataclass(frozen=True)
class Evaluation:
    """Test-set scores with the predictions behind them."""

    loss: float
    accuracy: float
    y_true: np.ndarray
    y_pred: np.ndarray
    probabilities: np.ndarray = field(repr=False)


def evaluate(model: keras.Model, data: PreparedData, batch_size: int = 1024) -> Evaluation:
    """Score ``model`` on ``data``'s test set; keep the true and predicted classes.

    Works on models that end with a softmax and on models that output logits (their
    outputs are turned into probabilities here). The loss is the mean cross-entropy.

    Examples
    --------
    >>> evaluation = evaluate(model, data)  # doctest: +SKIP
    >>> evaluation.accuracy, evaluation.y_pred[:5]  # doctest: +SKIP
    (0.9871, array([7, 2, 1, 0, 4]))
    """
    outputs = predict_in_batches(model, data.x_test, batch_size).astype(np.float64)
    probabilities = outputs if models.ends_with_softmax(model) else activations.softmax(outputs)
    y_true = data.class_indices("test")
    y_pred = np.argmax(probabilities, axis=1)
    picked = probabilities[np.arange(len(y_true)), y_true]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    return Evaluation(
        loss=loss,
        accuracy=float(np.mean(y_pred == y_true)),
        y_true=y_true,
        y_pred=y_pred,
        probabilities=probabilities.astype(np.float32),
    )


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int) -> np.ndarray:
    """Count how often each true class (row) was predicted as each class (column).

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], num_classes=3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    num_classes = _checks.positive_int("num_classes", num_classes)
    true = _checks.class_labels("y_true", y_true, num_classes)
    pred = _checks.class_labels("y_pred", y_pred, num_classes)
    if true.shape != pred.shape:
        raise ValueError(
            f"y_pred must have as many labels as y_true ({len(true)}); got {len(pred)}."
        )
    counts = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def average_ranks(values: Any) -> np.ndarray:
    """Rank values from 1 (smallest) up; tied values share the mean of their ranks.

    Examples
    --------
    >>> average_ranks([0.3, 0.1, 0.3, 0.7])
    array([2.5, 1. , 2.5, 4. ])
    """
    values = _checks.real_array("values", values, ndim=1, allow_empty=True).astype(np.float64)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts_group = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    group = np.cumsum(starts_group) - 1
    first = np.flatnonzero(starts_group)  # 0-based position where each group starts
    after = np.append(first[1:], len(values))  # one past its end
    mean_rank = (first + 1 + after) / 2.0  # mean of the 1-based ranks first+1 .. after
    ranks = np.empty(len(values))
    ranks[order] = mean_rank[group]
    return ranks


def roc_auc_ovr(y_true: Any, scores: Any) -> float:
    """Return the macro one-vs-rest ROC AUC of class scores, computed in NumPy.

    For each class, the area under its ROC curve equals the probability that a random
    image of that class scores higher for it than a random image of another class (ties
    count one half). That is the Mann-Whitney statistic, computed from ranks:
    ``(sum of the positives' ranks - P (P + 1) / 2) / (P N)`` for ``P`` positives and ``N``
    negatives, with tied scores given their average rank. The macro average is the plain
    mean over classes. Classes that do not occur in ``y_true`` (or make up all of it) have
    no ROC curve and are left out of the mean.

    Parameters
    ----------
    y_true
        Integer labels ``(N,)`` or one-hot rows ``(N, K)``.
    scores
        ``(N, K)`` scores: probabilities or logits (only their order matters).

    Returns
    -------
    float
        1.0 for a perfect ranking, 0.5 for chance, 0.0 for a reversed ranking.

    Examples
    --------
    >>> roc_auc_ovr([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.2, 0.8]])
    0.75
    """
    scores = _checks.real_array("scores", scores, ndim=2, layout="(N, classes)").astype(np.float64)
    labels = _checks.class_labels("y_true", y_true, scores.shape[1])
    if len(labels) != len(scores):
        raise ValueError(
            f"scores must have one row per label of y_true ({len(labels)}); got {len(scores)} rows."
        )
    areas = []
    for k in range(scores.shape[1]):
        positive = labels == k
        n_pos = int(positive.sum())
        n_neg = len(labels) - n_pos
        if n_pos == 0 or n_neg == 0:
            continue
        ranks = average_ranks(scores[:, k])
        areas.append((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    if not areas:
        raise ValueError(
            "y_true must hold at least two different classes for a ROC AUC; got "
            f"{_checks.shown(y_true)}."
        )
    return float(np.mean(areas))
