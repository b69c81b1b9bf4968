"""Training a Keras model on the book's datasets: data preparation, ``train()``, its result.

The pieces a chapter needs, in the order it needs them:

1. :func:`prepare` turns the uint8 arrays of :func:`convbook.datasets.load` into what a
   network learns from: float32 images with a channel axis, scaled to ``[0, 1]`` (or
   centred on the training set's mean), optionally padded to 32x32 for LeNet-5, and
   integer (``"sparse"``) or one-hot labels.
2. :func:`train` compiles the model with the matching loss, seeds every random number
   generator, picks the device, fits, and scores the test set. It returns a
   :class:`TrainingResult` holding the history, the test accuracy, the fit time and a
   one-line description of the device.
3. :func:`evaluate`, :func:`confusion_matrix` and :func:`roc_auc_ovr` look at the
   predictions; :func:`predict_in_batches` scores a large array chunk by chunk (the cure
   for "out of memory" on a GPU).

Progress
--------
In an interactive terminal Keras draws its own progress bar. Anywhere else (the book
build, CI, a log file) :class:`EpochLogger` prints one compact line per epoch instead::

    epoch 2/5  loss 0.1234  accuracy 0.9612  val_loss 0.0811  val_accuracy 0.9750  (3.1 s)

``verbose=0`` silences both.

Reproducibility
---------------
``train(..., seed=s)`` calls :func:`seed_everything`, which calls
:func:`keras.utils.set_random_seed` (Python's, NumPy's and the backend's generators).
Build the model *after* seeding (as :func:`convbook.recipes.run_recipe` and the command
line do) and the initial weights, the shuffling order and the dropout masks repeat: on a
CPU, the same seed gives the same weights and accuracy run after run, as long as the
number of threads stays the same (the order in which threads add up partial sums changes
the last bits of a float). On a GPU that is not guaranteed: cuDNN picks its fastest
convolution algorithm by timing candidates (autotuning), and several GPU kernels add
with atomic operations whose order varies, so two runs differ in the last digits and the
difference grows over the epochs. ``deterministic=True`` asks TensorFlow for
deterministic kernels (:func:`tf.config.experimental.enable_op_determinism`): runs then
repeat on a GPU too, at some cost in speed, and an operation that has no deterministic
kernel raises an error instead of running. The setting lasts for the whole process.

Importing this module imports Keras (its whole job is Keras); ``import convbook`` does not.

Examples
--------
>>> from convbook import training
>>> training.roc_auc_ovr([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
1.0
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import keras
import numpy as np

from convbook import activations, datasets, devices, settings

Normalization = Literal["unit", "centered"]
LabelKind = Literal["sparse", "one_hot"]

NORMALIZATIONS: tuple[str, ...] = ("unit", "centered")
LABEL_KINDS: tuple[str, ...] = ("sparse", "one_hot")

#: Height and width of every image in the book's datasets.
SOURCE_SIZE = 28

_HISTORY_FILE = "history.json"
_BACKUP_SUBDIR = "backup"


# --------------------------------------------------------------------------- checks


def _check_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _check_optional_int(name: str, value: Any) -> int | None:
    return None if value is None else _check_int(name, value)


def _check_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a positive number; got {value!r}.")
    if not float(value) > 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}.")
    return float(value)


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not valid; use one of {', '.join(allowed)}.")
    return value


def _check_fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a number in [0, 1); got {value!r}.")
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name} must be in [0, 1); got {value!r}.")
    return float(value)


def _check_input_shape(input_shape: Any) -> tuple[int, int, int]:
    try:
        shape = tuple(int(n) for n in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if (
        len(shape) != 3
        or shape[0] < SOURCE_SIZE
        or shape[1] < SOURCE_SIZE
        or shape[2] not in (1, 3)
    ):
        raise ValueError(
            f"input_shape={input_shape!r} is not valid; use (height, width, channels) with "
            f"height and width >= {SOURCE_SIZE} (smaller images are not made by cropping) "
            "and 1 or 3 channels, e.g. (28, 28, 1) or (32, 32, 1)."
        )
    return shape  # type: ignore[return-value]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class PreparedData:
    """Arrays ready for ``model.fit``: float32 images ``(N, H, W, C)`` and their labels.

    Labels are integers ``(N,)`` (``labels="sparse"``) or one-hot float32 ``(N, K)``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    dataset: str
    class_names: tuple[str, ...]
    input_shape: tuple[int, int, int]
    num_classes: int

    @property
    def labels(self) -> str:
        """``"one_hot"`` if the labels are one-hot rows, else ``"sparse"``."""
        return "one_hot" if self.y_train.ndim == 2 else "sparse"

    def class_indices(self, split: Literal["train", "test"] = "test") -> np.ndarray:
        """Return the labels of ``split`` as integers, whichever form they are stored in."""
        y = self.y_train if split == "train" else self.y_test
        return np.argmax(y, axis=1) if y.ndim == 2 else np.asarray(y)


@functools.lru_cache(maxsize=4)
def _raw(dataset: str, data_dir: str) -> datasets.Splits:
    (x_train, y_train), (x_test, y_test) = datasets.load(dataset, data_dir)
    for array in (x_train, y_train, x_test, y_test):
        array.flags.writeable = False  # shared by every caller of the cache
    return (x_train, y_train), (x_test, y_test)


def _subset(n_total: int, n_wanted: int | None, seed: int, argument: str) -> np.ndarray:
    if n_wanted is None:
        return np.arange(n_total)
    if n_wanted > n_total:
        raise ValueError(f"{argument}={n_wanted} is more than the {n_total} images available.")
    chosen = np.random.default_rng(seed).choice(n_total, size=n_wanted, replace=False)
    return np.sort(chosen)


def _pad(images: np.ndarray, height: int, width: int) -> np.ndarray:
    top, left = (height - images.shape[1]) // 2, (width - images.shape[2]) // 2
    bottom, right = height - images.shape[1] - top, width - images.shape[2] - left
    return np.pad(images, ((0, 0), (top, bottom), (left, right)))


def _to_images(raw: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    height, width, channels = input_shape
    images = raw if (height, width) == raw.shape[1:] else _pad(raw, height, width)
    images = images.astype(np.float32)[..., np.newaxis]
    return np.repeat(images, channels, axis=-1) if channels > 1 else images


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Return integer labels as one-hot float32 rows.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]


def prepare(
    dataset: str,
    *,
    input_shape: Sequence[int] = (28, 28, 1),
    normalization: Normalization = "unit",
    labels: LabelKind = "sparse",
    train_samples: int | None = None,
    test_samples: int | None = None,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
) -> PreparedData:
    """Load a dataset and turn it into float32 images and labels a network can learn from.

    Parameters
    ----------
    dataset
        ``"mnist"``, ``"fashion_mnist"`` or ``"kmnist"``.
    input_shape
        ``(height, width, channels)`` the model expects. The 28x28 images are padded with
        background (zeros) around the border when it is larger, e.g. ``(32, 32, 1)`` for
        LeNet-5; ``channels=3`` repeats the grey values in three channels.
    normalization
        ``"unit"`` divides by 255 (pixels in ``[0, 1]``); ``"centered"`` then subtracts the
        training images' mean and divides by their standard deviation (both computed on the
        chosen training images only, so nothing leaks from the test set).
    labels
        ``"sparse"``: integer class labels; ``"one_hot"``: one-hot float32 rows.
    train_samples, test_samples
        Use a random subset of this many images (drawn with ``seed``, kept in the official
        order); ``None`` uses them all.
    seed
        Seed of the subset draw.
    data_dir
        Passed to :func:`convbook.datasets.load`.

    Returns
    -------
    PreparedData

    Raises
    ------
    ValueError
        For an unknown dataset, normalization or label kind, a bad shape or sample count.
    convbook.datasets.DatasetUnavailable
        When the dataset is not available (Kuzushiji-MNIST on a machine without internet).

    Examples
    --------
    >>> data = prepare("mnist", input_shape=(32, 32, 1), train_samples=100)  # doctest: +SKIP
    >>> data.x_train.shape, data.x_train.dtype, float(data.x_train.max())  # doctest: +SKIP
    ((100, 32, 32, 1), dtype('float32'), 1.0)
    """
    if dataset not in datasets.NAMES:
        valid = ", ".join(repr(n) for n in datasets.NAMES)
        raise ValueError(f"dataset={dataset!r} is not known; valid names are {valid}.")
    shape = _check_input_shape(input_shape)
    _check_choice("normalization", normalization, NORMALIZATIONS)
    _check_choice("labels", labels, LABEL_KINDS)
    train_samples = _check_optional_int("train_samples", train_samples)
    test_samples = _check_optional_int("test_samples", test_samples)
    seed = _check_int("seed", seed, minimum=0)

    (x_train, y_train), (x_test, y_test) = _raw(dataset, str(settings.data_dir(data_dir)))
    train_index = _subset(len(x_train), train_samples, seed, "train_samples")
    test_index = _subset(len(x_test), test_samples, seed + 1, "test_samples")

    x_train_f = _to_images(x_train[train_index], shape) / np.float32(255)
    x_test_f = _to_images(x_test[test_index], shape) / np.float32(255)
    if normalization == "centered":
        source = x_train[train_index].astype(np.float64) / 255
        mean, std = np.float32(source.mean()), np.float32(source.std())
        x_train_f = (x_train_f - mean) / std
        x_test_f = (x_test_f - mean) / std

    class_names = tuple(datasets.CLASS_NAMES[dataset])
    num_classes = len(class_names)
    y_train_out = np.asarray(y_train[train_index], dtype=np.int64)
    y_test_out = np.asarray(y_test[test_index], dtype=np.int64)
    if labels == "one_hot":
        y_train_out, y_test_out = (
            one_hot(y_train_out, num_classes),
            one_hot(y_test_out, num_classes),
        )
    return PreparedData(
        x_train=x_train_f,
        y_train=y_train_out,
        x_test=x_test_f,
        y_test=y_test_out,
        dataset=dataset,
        class_names=class_names,
        input_shape=shape,
        num_classes=num_classes,
    )


def validation_split_point(n_samples: int, validation_split: float) -> int:
    """Return how many of ``n_samples`` are trained on; the rest (the tail) validates.

    The same rule Keras uses for ``validation_split``.

    Examples
    --------
    >>> validation_split_point(1000, 0.1)
    900
    """
    return int(math.floor(n_samples * (1.0 - validation_split)))


def make_tf_dataset(
    x: Any,
    y: Any,
    batch_size: int,
    *,
    shuffle: bool = True,
    cache: bool = True,
    prefetch: bool = True,
    seed: int = 0,
) -> Any:
    """Return a ``tf.data`` pipeline of ``(images, labels)`` batches for ``model.fit``.

    The stages, in the order TensorFlow's performance guide recommends:
    ``from_tensor_slices`` (one element per image) -> ``cache`` (keep the elements in memory
    after the first pass, so later epochs skip whatever produced them: reading files,
    decoding, a ``map``) -> ``shuffle`` (a new order every epoch, drawn from ``seed``) ->
    ``batch`` (the last batch may be smaller) -> ``prefetch`` (prepare the next batches
    in the background while the model trains on the current one).

    Needs the TensorFlow backend; ``model.fit`` of every backend accepts the result there.

    Parameters
    ----------
    x, y
        Inputs and labels with the same length (first axis).
    batch_size
        Positive number of elements per batch.
    shuffle, cache, prefetch
        Switch the stages on or off.
    seed
        Seed of the shuffling (integer >= 0).

    Returns
    -------
    tf.data.Dataset

    Raises
    ------
    RuntimeError
        When the Keras backend is not TensorFlow.
    ValueError
        For a bad batch size or seed, or ``x`` and ``y`` of different lengths.

    Examples
    --------
    >>> batches = make_tf_dataset(np.zeros((5, 2), "float32"), np.arange(5), 2, shuffle=False)
    >>> [(tuple(xb.shape), yb.numpy().tolist()) for xb, yb in batches]
    [((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]
    """
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"make_tf_dataset needs the TensorFlow backend (tf.data); the Keras backend is "
            f"{backend!r}. Pass NumPy arrays to model.fit instead, or set "
            "KERAS_BACKEND=tensorflow."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}.")
    batch_size = _check_int("batch_size", batch_size)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}.")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(
            f"x and y must have the same length; got x with shape {x.shape} and y with "
            f"shape {y.shape}."
        )
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=int(seed), reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if prefetch:
        dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset


# --------------------------------------------------------------------------- seeds


def seed_everything(seed: int, *, deterministic: bool = False) -> None:
    """Seed Python's, NumPy's and the Keras backend's random number generators.

    Parameters
    ----------
    seed
        Any integer >= 0.
    deterministic
        Also ask TensorFlow for deterministic kernels (slower on a GPU; lasts for the
        process). Ignored on other backends. See the module notes on reproducibility.

    Examples
    --------
    >>> seed_everything(0)
    >>> a = np.random.rand()
    >>> seed_everything(0)
    >>> a == np.random.rand()
    True
    """
    keras.utils.set_random_seed(_check_int("seed", seed, minimum=0))
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


# --------------------------------------------------------------------------- schedules


@keras.saving.register_keras_serializable(package="convbook")
class OneCycleSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """The one-cycle learning rate: a linear warm-up to a peak, then a cosine decay.

    Training starts at ``peak / initial_divisor``, climbs linearly to ``peak`` over the
    first ``warmup_fraction`` of the steps, then follows half a cosine down to
    ``peak / final_divisor`` at the last step. The high middle lets the optimizer move fast
    and the long, low tail lets it settle, so a network reaches a given accuracy in fewer
    epochs than with a constant rate (Smith and Topin, "Super-convergence", 2017).
    Computed with ``keras.ops``, so it works on every backend.

    Examples
    --------
    >>> schedule = OneCycleSchedule(total_steps=100, peak_learning_rate=0.01)
    >>> curve = schedule.curve()
    >>> int(curve.argmax()), float(curve.max()).__round__(4)
    (25, 0.01)
    """

    def __init__(
        self,
        total_steps: int,
        peak_learning_rate: float,
        warmup_fraction: float = 0.25,
        initial_divisor: float = 25.0,
        final_divisor: float = 1e4,
    ) -> None:
        self.total_steps = _check_int("total_steps", total_steps, minimum=2)
        self.peak_learning_rate = _check_positive("peak_learning_rate", peak_learning_rate)
        if not 0.0 < float(warmup_fraction) < 1.0:
            raise ValueError(f"warmup_fraction must be in (0, 1); got {warmup_fraction!r}.")
        for name, divisor in (
            ("initial_divisor", initial_divisor),
            ("final_divisor", final_divisor),
        ):
            if not float(divisor) >= 1.0:
                raise ValueError(f"{name} must be >= 1; got {divisor!r}.")
        self.warmup_fraction = float(warmup_fraction)
        self.initial_divisor = float(initial_divisor)
        self.final_divisor = float(final_divisor)
        self.warmup_steps = min(
            max(1, round(self.total_steps * self.warmup_fraction)), self.total_steps - 1
        )

    def __call__(self, step: Any) -> Any:
        """Return the learning rate at optimizer step ``step`` (counted from 0)."""
        ops = keras.ops
        step = ops.cast(step, "float32")
        peak = self.peak_learning_rate
        start, end = peak / self.initial_divisor, peak / self.final_divisor
        warm = float(self.warmup_steps)
        rising = start + (peak - start) * ops.minimum(step / warm, 1.0)
        progress = ops.clip((step - warm) / float(self.total_steps - 1 - self.warmup_steps), 0, 1)
        falling = end + (peak - end) * 0.5 * (1.0 + ops.cos(math.pi * progress))
        return ops.where(step < warm, rising, falling)

    def curve(self) -> np.ndarray:
        """Return the learning rate at every step ``0 .. total_steps - 1`` as a NumPy array."""
        steps = np.arange(self.total_steps, dtype=np.float32)
        return np.asarray(keras.ops.convert_to_numpy(self(steps)), dtype=np.float64)

    def get_config(self) -> dict[str, Any]:  # noqa: D102
        return {
            "total_steps": self.total_steps,
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_fraction": self.warmup_fraction,
            "initial_divisor": self.initial_divisor,
            "final_divisor": self.final_divisor,
        }


def one_cycle_schedule(
    total_steps: int,
    peak_learning_rate: float,
    *,
    warmup_fraction: float = 0.25,
    initial_divisor: float = 25.0,
    final_divisor: float = 1e4,
) -> OneCycleSchedule:
    """Return a :class:`OneCycleSchedule` to pass as ``learning_rate`` to :func:`train`.

    ``total_steps`` is the number of optimizer updates of the whole run: epochs times
    batches per epoch (see :func:`steps_per_epoch`).

    Examples
    --------
    >>> schedule = one_cycle_schedule(steps_per_epoch(54000, 256) * 2, 0.005)
    >>> schedule.total_steps, schedule.warmup_steps
    (422, 106)
    """
    return OneCycleSchedule(
        total_steps, peak_learning_rate, warmup_fraction, initial_divisor, final_divisor
    )


@keras.saving.register_keras_serializable(package="convbook")
class WarmRestartSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """One-cycle learning rates in a row: warm restarts (Loshchilov and Hutter, "SGDR", 2016).

    Each cycle of ``cycle_steps`` has the shape of :class:`OneCycleSchedule`: a linear
    warm-up from ``peak / initial_divisor`` to ``peak`` over its first ``warmup_fraction``,
    then half a cosine down to ``peak / final_divisor`` at its last step. The next cycle
    starts again low and climbs back to the peak (the "restart"). A short first cycle ends
    at a low rate early, so the model is already good after it; the later, longer cycle
    then takes it further. Steps past the last cycle keep its final rate. Computed with
    ``keras.ops``, so it works on every backend.

    Examples
    --------
    >>> schedule = WarmRestartSchedule(cycle_steps=(40, 60), peak_learning_rate=0.01)
    >>> curve = schedule.curve()
    >>> len(curve), int(curve[:40].argmax()), 40 + int(curve[40:].argmax())
    (100, 10, 55)
    >>> bool(curve[39] < 1e-5), float(curve[40]).__round__(4)
    (True, 0.0004)
    """

    def __init__(
        self,
        cycle_steps: Sequence[int],
        peak_learning_rate: float,
        warmup_fraction: float = 0.25,
        initial_divisor: float = 25.0,
        final_divisor: float = 1e4,
    ) -> None:
        if isinstance(cycle_steps, str | bytes) or not isinstance(cycle_steps, Iterable):
            raise TypeError(f"cycle_steps must be a sequence of integers; got {cycle_steps!r}.")
        self.cycle_steps = tuple(_check_int("cycle_steps", n, minimum=2) for n in cycle_steps)
        if not self.cycle_steps:
            raise ValueError("cycle_steps must name at least one cycle.")
        # The per-cycle shape and its checks are OneCycleSchedule's.
        self._cycles = [
            OneCycleSchedule(n, peak_learning_rate, warmup_fraction, initial_divisor, final_divisor)
            for n in self.cycle_steps
        ]
        first = self._cycles[0]
        self.peak_learning_rate = first.peak_learning_rate
        self.warmup_fraction = first.warmup_fraction
        self.initial_divisor = first.initial_divisor
        self.final_divisor = first.final_divisor
        self.total_steps = sum(self.cycle_steps)

    @property
    def boundaries(self) -> tuple[int, ...]:
        """The step at which each cycle starts (the first is 0)."""
        return tuple(int(n) for n in np.cumsum((0, *self.cycle_steps[:-1])))

    def __call__(self, step: Any) -> Any:
        """Return the learning rate at optimizer step ``step`` (counted from 0)."""
        ops = keras.ops
        step = ops.cast(step, "float32")
        rate = self._cycles[0](step)
        for start, cycle in zip(self.boundaries[1:], self._cycles[1:], strict=True):
            rate = ops.where(step >= float(start), cycle(step - float(start)), rate)
        return rate

    def curve(self) -> np.ndarray:
        """Return the learning rate at every step ``0 .. total_steps - 1`` as a NumPy array."""
        steps = np.arange(self.total_steps, dtype=np.float32)
        return np.asarray(keras.ops.convert_to_numpy(self(steps)), dtype=np.float64)

    def get_config(self) -> dict[str, Any]:  # noqa: D102
        return {
            "cycle_steps": list(self.cycle_steps),
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_fraction": self.warmup_fraction,
            "initial_divisor": self.initial_divisor,
            "final_divisor": self.final_divisor,
        }


def warm_restart_schedule(
    steps_per_epoch: int,
    peak_learning_rate: float,
    cycle_epochs: Sequence[int] = (2, 8),
    *,
    warmup_fraction: float = 0.25,
    initial_divisor: float = 25.0,
    final_divisor: float = 1e4,
) -> WarmRestartSchedule:
    """Return a :class:`WarmRestartSchedule` whose cycles last ``cycle_epochs`` epochs.

    ``steps_per_epoch`` is the number of batches in one epoch (see :func:`steps_per_epoch`).
    Train for ``sum(cycle_epochs)`` epochs; evaluated at the end of a cycle, the model has
    just finished a low-rate tail.

    Examples
    --------
    >>> schedule = warm_restart_schedule(steps_per_epoch(54000, 128), 0.004, (2, 8))
    >>> schedule.cycle_steps, schedule.boundaries
    ((844, 3376), (0, 844))
    """
    steps = _check_int("steps_per_epoch", steps_per_epoch)
    if isinstance(cycle_epochs, str | bytes) or not isinstance(cycle_epochs, Iterable):
        raise TypeError(f"cycle_epochs must be a sequence of integers; got {cycle_epochs!r}.")
    epochs = [_check_int("cycle_epochs", n) for n in cycle_epochs]
    return WarmRestartSchedule(
        [n * steps for n in epochs],
        peak_learning_rate,
        warmup_fraction,
        initial_divisor,
        final_divisor,
    )


def steps_per_epoch(train_samples: int, batch_size: int) -> int:
    """Return the number of batches (optimizer updates) in one epoch.

    Examples
    --------
    >>> steps_per_epoch(54000, 256)
    211
    """
    return math.ceil(
        _check_int("train_samples", train_samples) / _check_int("batch_size", batch_size)
    )


# --------------------------------------------------------------------------- callbacks


def _log_order(key: str) -> tuple[int, int, str]:
    """Sort logged names: training before validation, loss first, learning rate last."""
    base = key.removeprefix("val_")
    rank = {"loss": 0, "accuracy": 1}.get(base, 3 if "learning_rate" in base else 2)
    return (int(key.startswith("val_")) if rank < 3 else 2, rank, base)


class EpochLogger(keras.callbacks.Callback):
    """Print one compact line per epoch: the epoch, every logged number, the epoch's time.

    Parameters
    ----------
    stream
        Where to write; default standard output at the time of writing.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> logger = EpochLogger(stream=out)
    >>> logger.set_params({"epochs": 5})
    >>> logger.on_epoch_begin(1)
    >>> logger.on_epoch_end(1, {"accuracy": 0.96, "val_loss": 0.2, "loss": 0.12345})
    >>> out.getvalue().split("(")[0]
    'epoch 2/5  loss 0.1235  accuracy 0.9600  val_loss 0.2000  '
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        seconds = time.perf_counter() - self._started
        parts = [f"epoch {epoch + 1}/{self.params.get('epochs', '?')}"]
        for key, value in sorted((logs or {}).items(), key=lambda item: _log_order(item[0])):
            if np.ndim(value) == 0:
                number = float(value)
                parts.append(
                    f"{key} {number:.3g}" if "learning_rate" in key else f"{key} {number:.4f}"
                )
        parts.append(f"({seconds:.1f} s)")
        stream = self.stream if self.stream is not None else sys.stdout
        print("  ".join(parts), file=stream, flush=True)


class RocAucCallback(keras.callbacks.Callback):
    """Log the macro one-vs-rest ROC AUC on validation data at the end of every epoch.

    The value goes into the epoch's logs as ``log_name`` (default ``"val_roc_auc"``), so the
    history, :class:`EpochLogger`, ``EarlyStopping`` and ``ModelCheckpoint`` listed *after*
    this callback can all use it.

    Parameters
    ----------
    validation_data
        ``(x, y)`` with integer or one-hot labels. ``None``: :func:`train` fills in the
        validation images it holds out (``validation_split``).
    batch_size
        Images scored at a time (see :func:`predict_in_batches`).
    log_name
        The key the value is logged under.

    Examples
    --------
    >>> RocAucCallback().log_name
    'val_roc_auc'
    """

    def __init__(
        self,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        batch_size: int = 1024,
        log_name: str = "val_roc_auc",
    ) -> None:
        super().__init__()
        self.validation_data = validation_data
        self.batch_size = _check_int("batch_size", batch_size)
        self.log_name = log_name

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        if self.validation_data is None:
            raise ValueError(
                "RocAucCallback has no validation_data; pass (x, y) or use it in train() "
                "with validation_split > 0."
            )
        x, y = self.validation_data
        scores = predict_in_batches(self.model, x, self.batch_size)
        if logs is not None:
            logs[self.log_name] = roc_auc_ovr(y, scores)


class _HistoryLog(keras.callbacks.Callback):
    """Keep the full history of a run that may be resumed, on disk after every epoch."""

    def __init__(self, path: Path, previous: dict[str, list[float]]) -> None:
        super().__init__()
        self.path = path
        self.history = {key: list(values) for key, values in previous.items()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            if np.ndim(value) == 0:
                self.history.setdefault(key, []).append(float(value))
        _write_json(self.path, self.history)


def _write_json(path: Path, content: Any) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def _completed_epochs(backup_dir: Path) -> int:
    """Return the epoch BackupAndRestore will resume from (0 when there is no backup)."""
    try:
        metadata = json.loads((backup_dir / "training_metadata.json").read_text(encoding="utf-8"))
        return int(metadata["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _previous_history(path: Path, epochs_done: int) -> dict[str, list[float]]:
    if epochs_done == 0 or not path.is_file():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return {key: [float(v) for v in values[:epochs_done]] for key, values in stored.items()}


# --------------------------------------------------------------------------- results


@dataclass
class TrainingResult:
    """What :func:`train` returns: the trained model, its history and its test scores.

    ``history`` maps each logged quantity (``loss``, ``accuracy``, ``val_loss``, ...) to one
    value per epoch, including epochs completed before a resumed run restarted.
    ``wall_time_s`` counts ``model.fit`` only (not loading data or scoring the test set) and
    ``epochs_run`` the epochs this call trained (fewer than asked after early stopping, or
    after resuming from ``initial_epoch``). ``train_samples`` is the number of images fitted
    on, after ``validation_samples`` were held out.
    """

    model: keras.Model
    history: dict[str, list[float]]
    test_loss: float
    test_accuracy: float
    wall_time_s: float
    device: str
    epochs_run: int
    train_samples: int
    dataset: str
    model_name: str
    validation_samples: int = 0
    initial_epoch: int = 0
    best_checkpoint: str | None = None
    batch_size: int | None = None

    @property
    def seconds_per_epoch(self) -> float:
        """Fit time divided by the epochs run."""
        return self.wall_time_s / self.epochs_run if self.epochs_run else 0.0

    def scores(self) -> dict[str, Any]:
        """Return every field except the model and the history (what ``result.json`` holds)."""
        return {
            key: getattr(self, key)
            for key in self.__dataclass_fields__
            if key not in ("model", "history")
        }

    def summary(self) -> str:
        """Return a small aligned table of the run.

        Examples
        --------
        >>> result = TrainingResult(None, {"loss": [0.5]}, 0.1, 0.97, 2.0, "CPU: demo", 1,
        ...                         900, "mnist", "tiny")
        >>> print(result.summary())
        model          tiny
        dataset        mnist
        trained on     900 images, 1 epoch, batch size ?
        device         CPU: demo
        fit time       2.0 s (2.0 s per epoch)
        test loss      0.1000
        test accuracy  0.9700
        """
        epochs = f"{self.epochs_run} epoch{'s' if self.epochs_run != 1 else ''}"
        if self.initial_epoch:
            epochs += f" (resumed after epoch {self.initial_epoch})"
        held_out = (
            f" (+{self.validation_samples} for validation)" if self.validation_samples else ""
        )
        rows = [
            ("model", self.model_name),
            ("dataset", self.dataset),
            (
                "trained on",
                f"{self.train_samples} images{held_out}, {epochs}, "
                f"batch size {self.batch_size or '?'}",
            ),
            ("device", self.device),
            ("fit time", f"{self.wall_time_s:.1f} s ({self.seconds_per_epoch:.1f} s per epoch)"),
            ("test loss", f"{self.test_loss:.4f}"),
            ("test accuracy", f"{self.test_accuracy:.4f}"),
        ]
        if self.best_checkpoint:
            rows.append(("best checkpoint", self.best_checkpoint))
        width = max(len(label) for label, _ in rows) + 2
        return "\n".join(f"{label:<{width}}{value}" for label, value in rows)

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``<model_name>.keras``, ``history.json`` and ``result.json`` into ``directory``.

        The directory is created if needed. Returns it as a :class:`~pathlib.Path`.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        self.model.save(target / f"{self.model_name}.keras")
        _write_json(target / _HISTORY_FILE, self.history)
        _write_json(target / "result.json", self.scores())
        return target


# --------------------------------------------------------------------------- training


def _ends_with_softmax(model: keras.Model) -> bool:
    from convbook import models

    return models.ends_with_softmax(model)


def _check_model_fits_data(model: keras.Model, data: PreparedData) -> None:
    expected = tuple(model.input_shape[1:])
    if len(expected) != 3 or any(
        e is not None and e != d for e, d in zip(expected, data.input_shape, strict=True)
    ):
        raise ValueError(
            f"input_shape mismatch: model {model.name!r} expects images shaped {expected} but "
            f"the data has input_shape={data.input_shape}; prepare the data with "
            f"input_shape={expected}."
        )
    outputs = model.output_shape[-1]
    if outputs != data.num_classes:
        raise ValueError(
            f"num_classes mismatch: model {model.name!r} has {outputs} outputs but "
            f"{data.dataset!r} has {data.num_classes} classes; build it with "
            f"num_classes={data.num_classes}."
        )


def _optimizer(optimizer: Any, learning_rate: Any) -> keras.optimizers.Optimizer:
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None:
            raise ValueError(
                "learning_rate was given together with an optimizer object; set the "
                "learning rate on the optimizer itself (or pass the optimizer by name)."
            )
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError(
            f"optimizer must be a name such as 'adam' or a keras.optimizers.Optimizer; "
            f"got {optimizer!r}."
        )
    try:
        chosen = keras.optimizers.get(optimizer)
    except ValueError as error:
        raise ValueError(
            f"optimizer={optimizer!r} is not a Keras optimizer (try 'adam', 'sgd', 'rmsprop')."
        ) from error
    if learning_rate is None:
        return chosen
    if isinstance(learning_rate, int | float) and not isinstance(learning_rate, bool):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive; got {learning_rate!r}.")
    elif not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        raise TypeError(
            "learning_rate must be a positive number or a "
            f"keras.optimizers.schedules.LearningRateSchedule; got {learning_rate!r}."
        )
    return type(chosen)(learning_rate=learning_rate)


def _loss(model: keras.Model, data: PreparedData) -> keras.losses.Loss:
    from_logits = not _ends_with_softmax(model)
    if data.labels == "one_hot":
        return keras.losses.CategoricalCrossentropy(from_logits=from_logits)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)


def _verbosity(verbose: int | None) -> int:
    if verbose is None:
        return 1 if sys.stdout.isatty() else 2
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(
            f"verbose={verbose!r} is not valid; use 0 (silent), 1 (Keras' progress bar), "
            "2 (one line per epoch) or None (1 in a terminal, else 2)."
        )
    return verbose


def _checkpoint_callbacks(
    directory: Path, model: keras.Model, monitor: str, previous: dict[str, list[float]]
) -> tuple[list[keras.callbacks.Callback], Path]:
    best_path = directory / f"{model.name}-best.keras"
    earlier = previous.get(monitor, [])
    best = keras.callbacks.ModelCheckpoint(
        best_path,
        monitor=monitor,
        mode="min",
        save_best_only=True,
        initial_value_threshold=min(earlier) if earlier else None,
    )
    backup = keras.callbacks.BackupAndRestore(directory / _BACKUP_SUBDIR)
    return [backup, best], best_path


def train(
    model: keras.Model,
    data: PreparedData | str,
    *,
    epochs: int,
    batch_size: int = 128,
    validation_split: float = 0.1,
    seed: int = 0,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None = None,
    callbacks: Iterable[keras.callbacks.Callback] = (),
    checkpoint_dir: str | os.PathLike[str] | None = None,
    verbose: int | None = None,
    device: str | None = None,
    deterministic: bool = False,
) -> TrainingResult:
    """Compile, fit and test a model; return a :class:`TrainingResult`.

    The loss follows the labels and the model's last layer: sparse or categorical
    cross-entropy, computed from logits unless the model ends with a softmax (see
    :func:`convbook.models.ends_with_softmax`). The metric is accuracy.

    Parameters
    ----------
    model
        An (uncompiled or compiled) Keras model; it is compiled again here.
    data
        A :class:`PreparedData`, or a dataset name, prepared with the model's input shape.
    epochs, batch_size
        How many passes over the training images, and how many images per update.
    validation_split
        The fraction in ``[0, 1)`` of training images held out (the last ones, as in Keras)
        to measure ``val_loss`` and ``val_accuracy`` after every epoch.
    seed
        Seeds shuffling and dropout (see :func:`seed_everything`; seed *before* building
        the model to repeat its initial weights as well).
    optimizer, learning_rate
        A Keras optimizer name (with an optional learning rate or schedule, e.g.
        :func:`one_cycle_schedule`, :func:`warm_restart_schedule`) or an optimizer object.
    callbacks
        Extra Keras callbacks. A :class:`RocAucCallback` without data gets the validation
        images.
    checkpoint_dir
        Make the run resumable: ``BackupAndRestore`` backs up the weights and the epoch
        counter after every epoch, so calling ``train`` again with the same directory after
        an interruption continues from the last completed epoch (the backup is removed when
        a run completes); ``ModelCheckpoint`` keeps the best model (lowest validation loss)
        as ``<model name>-best.keras``; ``history.json`` keeps the full history.
    verbose
        ``0`` silent; ``1`` Keras' progress bar; ``2`` one line per epoch
        (:class:`EpochLogger`); ``None`` chooses 1 in a terminal, else 2.
    device
        ``"auto"``, ``"cpu"`` or ``"gpu"``; default ``$CONVBOOK_DEVICE`` (see
        :func:`convbook.devices.configure`).
    deterministic
        Also request deterministic kernels (see :func:`seed_everything`).

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        For a bad argument (named in the message), or a model whose input shape or number
        of outputs does not match the data.

    Examples
    --------
    >>> from convbook import models, training  # doctest: +SKIP
    >>> data = training.prepare("mnist", train_samples=3000, test_samples=1000)  # doctest: +SKIP
    >>> result = training.train(models.build("compact_cnn"), data, epochs=1)  # doctest: +SKIP
    epoch 1/1  loss 0.9351  accuracy 0.7104  val_loss 0.3551  val_accuracy 0.8933  (2.4 s)
    >>> result.test_accuracy > 0.85  # doctest: +SKIP
    True
    """
    epochs = _check_int("epochs", epochs)
    batch_size = _check_int("batch_size", batch_size)
    validation_split = _check_fraction("validation_split", validation_split)
    seed = _check_int("seed", seed, minimum=0)
    verbosity = _verbosity(verbose)
    info = devices.configure(device)
    if isinstance(data, str):
        data = prepare(data, input_shape=tuple(model.input_shape[1:]), seed=seed)
    elif not isinstance(data, PreparedData):
        raise TypeError(f"data must be a PreparedData or a dataset name; got {type(data)}.")
    _check_model_fits_data(model, data)
    split_at = validation_split_point(len(data.x_train), validation_split)
    if split_at < 1:
        raise ValueError(
            f"validation_split={validation_split} leaves no training images out of "
            f"{len(data.x_train)}."
        )
    x_fit, y_fit = data.x_train[:split_at], data.y_train[:split_at]
    validation = (data.x_train[split_at:], data.y_train[split_at:])
    has_validation = split_at < len(data.x_train)

    seed_everything(seed, deterministic=deterministic)
    model.compile(
        optimizer=_optimizer(optimizer, learning_rate),
        loss=_loss(model, data),
        metrics=["accuracy"],
    )

    extra = list(callbacks)
    for callback in extra:
        if isinstance(callback, RocAucCallback) and callback.validation_data is None:
            if not has_validation:
                raise ValueError("RocAucCallback needs validation_split > 0 or its own data.")
            callback.validation_data = validation
    best_path, history_log, initial_epoch = None, None, 0
    if checkpoint_dir is not None:
        directory = Path(checkpoint_dir)
        directory.mkdir(parents=True, exist_ok=True)
        initial_epoch = min(_completed_epochs(directory / _BACKUP_SUBDIR), epochs)
        previous = _previous_history(directory / _HISTORY_FILE, initial_epoch)
        monitor = "val_loss" if has_validation else "loss"
        backup_and_best, best_path = _checkpoint_callbacks(directory, model, monitor, previous)
        history_log = _HistoryLog(directory / _HISTORY_FILE, previous)
        # The backup comes last: an epoch is backed up only after every other callback
        # (including the history log) has finished it, so a resumed run repeats nothing
        # and misses nothing.
        extra = [*extra, backup_and_best[1], history_log, backup_and_best[0]]
    if verbosity == 2:
        extra.append(EpochLogger())
        if initial_epoch:
            print(f"resuming after epoch {initial_epoch} (backup in {checkpoint_dir})")

    started = time.perf_counter()
    keras_history = model.fit(
        x_fit,
        y_fit,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation if has_validation else None,
        callbacks=extra,
        shuffle=True,
        verbose=1 if verbosity == 1 else 0,
    )
    wall_time = time.perf_counter() - started
    if getattr(model, "_initial_epoch", None) is not None:
        model._initial_epoch = None  # set by BackupAndRestore; a later fit starts afresh
    this_run = {k: [float(v) for v in vs] for k, vs in keras_history.history.items()}
    history = history_log.history if history_log is not None else this_run
    epochs_run = len(keras_history.epoch)

    test = model.evaluate(
        data.x_test, data.y_test, batch_size=max(batch_size, 1024), verbose=0, return_dict=True
    )
    if verbosity:
        print(f"test loss {test['loss']:.4f}  test accuracy {test['accuracy']:.4f}")
    return TrainingResult(
        model=model,
        history=history,
        test_loss=float(test["loss"]),
        test_accuracy=float(test["accuracy"]),
        wall_time_s=wall_time,
        device=str(info),
        epochs_run=epochs_run,
        train_samples=split_at,
        dataset=data.dataset,
        model_name=model.name,
        validation_samples=len(data.x_train) - split_at,
        initial_epoch=keras_history.epoch[0] if keras_history.epoch else initial_epoch,
        best_checkpoint=str(best_path) if best_path is not None and best_path.exists() else None,
        batch_size=batch_size,
    )


# --------------------------------------------------------------------------- predictions


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
    batch_size = _check_int("batch_size", batch_size)
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
    probabilities = outputs if _ends_with_softmax(model) else activations.softmax(outputs)
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


def _labels_1d(name: str, labels: Any) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim == 2:
        array = np.argmax(array, axis=1)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be integer class labels (N,) or one-hot rows (N, K).")
    return array.astype(np.int64)


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int) -> np.ndarray:
    """Count how often each true class (row) was predicted as each class (column).

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], num_classes=3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    num_classes = _check_int("num_classes", num_classes)
    true, pred = _labels_1d("y_true", y_true), _labels_1d("y_pred", y_pred)
    if true.shape != pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {len(true)} vs {len(pred)}.")
    for name, labels in (("y_true", true), ("y_pred", pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"{name} holds labels outside 0..{num_classes - 1}.")
    counts = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def average_ranks(values: Any) -> np.ndarray:
    """Rank values from 1 (smallest) up; tied values share the mean of their ranks.

    Examples
    --------
    >>> average_ranks([0.3, 0.1, 0.3, 0.7])
    array([2.5, 1. , 2.5, 4. ])
    """
    values = np.asarray(values, dtype=np.float64)
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
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be shaped (N, classes); got shape {scores.shape}.")
    labels = _labels_1d("y_true", y_true)
    if len(labels) != len(scores):
        raise ValueError(f"y_true has {len(labels)} labels but scores has {len(scores)} rows.")
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f"y_true holds labels outside 0..{scores.shape[1] - 1}.")
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
        raise ValueError("y_true needs at least two different classes for a ROC AUC.")
    return float(np.mean(areas))
