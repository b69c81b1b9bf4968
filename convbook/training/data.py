"""From the datasets' uint8 arrays to what a network learns from: ``prepare`` and ``tf.data``.

:func:`prepare` turns the arrays of :func:`convbook.datasets.load` into float32 images with a
channel axis, scaled to ``[0, 1]`` (or centred on the training set's mean), optionally padded
to 32x32 for LeNet-5, and integer (``"sparse"``) or one-hot labels. :func:`make_tf_dataset`
feeds arrays to ``model.fit`` through a ``tf.data`` pipeline.

Examples
--------
>>> from convbook.training import data
>>> data.one_hot([1, 0], 2)
array([[0., 1.],
       [1., 0.]], dtype=float32)
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import keras
import numpy as np

from convbook import _checks, datasets, settings

Normalization = Literal["unit", "centered"]
LabelKind = Literal["sparse", "one_hot"]

NORMALIZATIONS: tuple[str, ...] = ("unit", "centered")
LABEL_KINDS: tuple[str, ...] = ("sparse", "one_hot")

#: Height and width of every image in the book's datasets.
SOURCE_SIZE = 28


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


def _check_padded_image_shape(input_shape: object) -> tuple[int, int, int]:
    """Check a shape the 28x28 grey source images can be padded (and repeated) into."""
    shape = _checks.int_tuple("input_shape", input_shape, length=3)
    height, width, channels = shape
    if height < SOURCE_SIZE or width < SOURCE_SIZE or channels not in (1, 3):
        _checks.fail(
            "input_shape",
            input_shape,
            f"(height, width, channels) with height and width at least {SOURCE_SIZE} (smaller "
            "images are not made by cropping) and 1 or 3 channels, e.g. (32, 32, 1)",
        )
    return shape  # type: ignore[return-value]


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
        _checks.fail(argument, n_wanted, f"at most the {n_total} images available")
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


def one_hot(labels: Any, num_classes: int) -> np.ndarray:
    """Return integer labels as one-hot float32 rows.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    num_classes = _checks.positive_int("num_classes", num_classes)
    labels = _checks.class_labels("labels", labels, num_classes, allow_one_hot=False)
    return np.eye(num_classes, dtype=np.float32)[labels]


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
    TypeError, ValueError
        For an unknown dataset, normalization or label kind, a bad shape or sample count.
    convbook.datasets.DatasetUnavailable
        When the dataset is not available (Kuzushiji-MNIST on a machine without internet).

    Examples
    --------
    >>> data = prepare("mnist", input_shape=(32, 32, 1), train_samples=100)  # doctest: +SKIP
    >>> data.x_train.shape, data.x_train.dtype, float(data.x_train.max())  # doctest: +SKIP
    ((100, 32, 32, 1), dtype('float32'), 1.0)
    """
    _checks.choice("dataset", dataset, datasets.NAMES)
    shape = _check_padded_image_shape(input_shape)
    _checks.choice("normalization", normalization, NORMALIZATIONS)
    _checks.choice("labels", labels, LABEL_KINDS)
    train_samples = _checks.optional_positive_int("train_samples", train_samples)
    test_samples = _checks.optional_positive_int("test_samples", test_samples)
    seed = _checks.integer("seed", seed, minimum=0)

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
    n_samples = _checks.integer("n_samples", n_samples, minimum=0)
    validation_split = _checks.fraction("validation_split", validation_split)
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
    TypeError, ValueError
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
    batch_size = _checks.positive_int("batch_size", batch_size)
    seed = _checks.integer("seed", seed, minimum=0)
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
