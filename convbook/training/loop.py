"""The training loop: compile with the matching loss, fit, score the test set.

:func:`train` takes a built model and prepared data; :func:`build_and_train` is the whole
pipeline by name (prepare the data, seed, build the model, train) that the command line
and :func:`convbook.recipes.run_recipe` both run. :func:`loss_for` picks the
cross-entropy that fits a model's last layer and the form of the labels.

In an interactive terminal Keras draws its own progress bar. Anywhere else (the book
build, CI, a log file) :class:`~convbook.training.EpochLogger` prints one compact line per
epoch instead; ``verbose=0`` silences both.

Examples
--------
>>> import keras
>>> from convbook.training import loop
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
>>> loop.loss_for(model, one_hot=True).get_config()["from_logits"]
False
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import keras
import numpy as np

from convbook import _checks, devices, models
from convbook.training.callbacks import EpochLogger, RocAucCallback, checkpointing
from convbook.training.data import PreparedData, prepare, validation_split_point
from convbook.training.reproducibility import seed_everything
from convbook.training.result import TrainingResult
from convbook.training.schedules import steps_per_epoch

LearningRate = float | keras.optimizers.schedules.LearningRateSchedule


def loss_for(
    model: keras.Model, *, one_hot: bool, label_smoothing: float = 0.0
) -> keras.losses.Loss:
    """Return the cross-entropy loss that fits ``model``'s last layer and the label form.

    Categorical cross-entropy for one-hot labels, sparse categorical cross-entropy for
    integer labels; computed from logits unless the model ends with a softmax (see
    :func:`convbook.models.ends_with_softmax`).

    Parameters
    ----------
    model
        A Keras model.
    one_hot
        Whether the labels are one-hot rows (else integer class labels).
    label_smoothing
        In ``[0, 1)``. With ``k`` classes, the target of the right class becomes
        ``1 - label_smoothing + label_smoothing / k`` and every other class gets
        ``label_smoothing / k``, so the network is never pushed towards certainty
        (Szegedy et al., 2016). Keras smooths one-hot labels only: a positive value
        needs ``one_hot=True``.

    Raises
    ------
    ValueError
        For a positive ``label_smoothing`` with integer labels.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> loss = loss_for(model, one_hot=False)
    >>> type(loss).__name__, loss.get_config()["from_logits"]
    ('SparseCategoricalCrossentropy', True)
    """
    from_logits = not models.ends_with_softmax(model)
    smoothing = _checks.real(
        "label_smoothing", label_smoothing, minimum=0, maximum=1, include_maximum=False
    )
    if _checks.boolean("one_hot", one_hot):
        return keras.losses.CategoricalCrossentropy(
            from_logits=from_logits, label_smoothing=smoothing
        )
    if smoothing:
        _checks.fail(
            "label_smoothing",
            label_smoothing,
            "0 with integer labels (Keras smooths one-hot labels only: prepare the data "
            "with labels='one_hot')",
        )
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)


# --------------------------------------------------------------------------- steps of train()


def _verbosity(verbose: int | None) -> int:
    """0 silent, 1 Keras' progress bar, 2 one line per epoch; ``None``: 1 in a terminal."""
    if verbose is None:
        return 1 if sys.stdout.isatty() else 2
    return _checks.integer("verbose", verbose, minimum=0, maximum=2)


def _optimizer(optimizer: Any, learning_rate: Any) -> keras.optimizers.Optimizer:
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None:
            _checks.fail(
                "learning_rate",
                learning_rate,
                "None when optimizer is an optimizer object (set the rate on the optimizer, "
                "or pass the optimizer by name)",
            )
        return optimizer
    expected = "a Keras optimizer name such as 'adam', 'sgd' or 'rmsprop'"
    if not isinstance(optimizer, str):
        _checks.fail(
            "optimizer", optimizer, f"{expected}, or a keras.optimizers.Optimizer", TypeError
        )
    try:
        chosen = keras.optimizers.get(optimizer)
    except ValueError:
        _checks.fail("optimizer", optimizer, expected)
    if learning_rate is None:
        return chosen
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = _checks.positive("learning_rate", learning_rate)
    return type(chosen)(learning_rate=learning_rate)


def compile_model(
    model: keras.Model,
    *,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: LearningRate | None = None,
    one_hot: bool = False,
    label_smoothing: float = 0.0,
) -> keras.Model:
    """Compile ``model`` as :func:`train` does: the matching loss, accuracy, the optimizer.

    ``one_hot`` and ``label_smoothing`` choose the loss as in :func:`loss_for`.

    :func:`convbook.recipes.run_recipe` compiles a network rebuilt from the run cache
    with it, so the reused model evaluates and predicts like the trained one.
    """
    model.compile(
        optimizer=_optimizer(optimizer, learning_rate),
        loss=loss_for(model, one_hot=one_hot, label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
    return model


def _prepared_for(model: keras.Model, data: PreparedData | str, seed: int) -> PreparedData:
    """Return ``data``, prepared for ``model`` if it is a dataset name; check that it fits."""
    if isinstance(data, str):
        data = prepare(data, input_shape=tuple(model.input_shape[1:]), seed=seed)
    elif not isinstance(data, PreparedData):
        _checks.fail("data", data, "a PreparedData or a dataset name", TypeError)
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
    return data


class _HeldOut(NamedTuple):
    """The training images split into those fitted on and those held out to validate."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    validation: tuple[np.ndarray, np.ndarray] | None


def _hold_out(data: PreparedData, validation_split: float) -> _HeldOut:
    split_at = validation_split_point(len(data.x_train), validation_split)
    if split_at < 1:
        _checks.fail(
            "validation_split",
            validation_split,
            f"small enough to leave training images out of {len(data.x_train)}",
        )
    validation = None
    if split_at < len(data.x_train):
        validation = (data.x_train[split_at:], data.y_train[split_at:])
    return _HeldOut(data.x_train[:split_at], data.y_train[:split_at], validation)


def _give_validation_data(
    callbacks: list[keras.callbacks.Callback], validation: tuple[np.ndarray, np.ndarray] | None
) -> None:
    """Hand the held-out images to every :class:`RocAucCallback` that has no data."""
    for callback in callbacks:
        if isinstance(callback, RocAucCallback) and callback.validation_data is None:
            if validation is None:
                raise ValueError(
                    "callbacks: RocAucCallback needs validation_split > 0 or its own data."
                )
            callback.validation_data = validation


def _score_test(
    model: keras.Model, data: PreparedData, batch_size: int, verbosity: int
) -> tuple[float, float]:
    test = model.evaluate(
        data.x_test, data.y_test, batch_size=max(batch_size, 1024), verbose=0, return_dict=True
    )
    if verbosity:
        print(f"test loss {test['loss']:.4f}  test accuracy {test['accuracy']:.4f}")
    return float(test["loss"]), float(test["accuracy"])


# --------------------------------------------------------------------------- train


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
    label_smoothing: float = 0.0,
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
        Make the run resumable (see :func:`~convbook.training.checkpointing`):
        :class:`~convbook.training.EpochBackup` backs up the weights, the optimizer's state
        and the epoch counter after every epoch, so calling ``train`` again with the same
        directory after an interruption continues from the last completed epoch (the backup
        is removed when a run completes); ``ModelCheckpoint`` keeps the best model (lowest
        validation loss) as ``<model name>-best.keras``; ``history.json`` keeps the full
        history.
    verbose
        ``0`` silent; ``1`` Keras' progress bar; ``2`` one line per epoch
        (:class:`EpochLogger`); ``None`` chooses 1 in a terminal, else 2.
    device
        ``"auto"``, ``"cpu"`` or ``"gpu"``; default ``$CONVBOOK_DEVICE`` (see
        :func:`convbook.devices.configure`).
    deterministic
        Also request deterministic kernels (see :func:`seed_everything`).
    label_smoothing
        Smooth the training targets by this much (see :func:`loss_for`); needs one-hot
        labels (``prepare(..., labels="one_hot")``). The reported accuracy is unaffected.

    Returns
    -------
    TrainingResult

    Raises
    ------
    TypeError, ValueError
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
    epochs = _checks.positive_int("epochs", epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    validation_split = _checks.fraction("validation_split", validation_split)
    seed = _checks.integer("seed", seed, minimum=0)
    deterministic = _checks.boolean("deterministic", deterministic)
    verbosity = _verbosity(verbose)
    info = devices.configure(device)
    data = _prepared_for(model, data, seed)
    held_out = _hold_out(data, validation_split)

    seed_everything(seed, deterministic=deterministic)
    compile_model(
        model,
        optimizer=optimizer,
        learning_rate=learning_rate,
        one_hot=data.labels == "one_hot",
        label_smoothing=label_smoothing,
    )
    extra = list(callbacks)
    _give_validation_data(extra, held_out.validation)
    resumable = None
    if checkpoint_dir is not None:
        monitor = "val_loss" if held_out.validation is not None else "loss"
        resumable = checkpointing(checkpoint_dir, model, epochs=epochs, monitor=monitor)
        extra += resumable.callbacks
    initial_epoch = resumable.initial_epoch if resumable is not None else 0
    if verbosity == 2:
        extra.append(EpochLogger())
        if initial_epoch:
            print(f"resuming after epoch {initial_epoch} (backup in {checkpoint_dir})")

    started = time.perf_counter()
    keras_history = model.fit(
        held_out.x_fit,
        held_out.y_fit,
        epochs=epochs,
        initial_epoch=initial_epoch,
        batch_size=batch_size,
        validation_data=held_out.validation,
        callbacks=extra,
        shuffle=True,
        verbose=1 if verbosity == 1 else 0,
    )
    wall_time = time.perf_counter() - started

    test_loss, test_accuracy = _score_test(model, data, batch_size, verbosity)
    best = resumable.best_path if resumable is not None else None
    return TrainingResult(
        model=model,
        history=(
            resumable.history_log.history
            if resumable is not None
            else {k: [float(v) for v in vs] for k, vs in keras_history.history.items()}
        ),
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        wall_time_s=wall_time,
        device=str(info),
        epochs_run=len(keras_history.epoch),
        train_samples=len(held_out.x_fit),
        dataset=data.dataset,
        model_name=model.name,
        validation_samples=len(data.x_train) - len(held_out.x_fit),
        initial_epoch=keras_history.epoch[0] if keras_history.epoch else initial_epoch,
        best_checkpoint=str(best) if best is not None and best.exists() else None,
        batch_size=batch_size,
        trained_at=time.strftime("%Y-%m-%d %H:%M"),
        precision=model.dtype_policy.name,
    )


# --------------------------------------------------------------------------- by name


def build_and_train(
    model_name: str,
    dataset: str,
    *,
    epochs: int,
    input_shape: Sequence[int] | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
    normalization: str = "unit",
    labels: str = "sparse",
    train_samples: int | None = None,
    test_samples: int | None = None,
    batch_size: int = 128,
    validation_split: float = 0.1,
    learning_rate: LearningRate | None = None,
    schedule: Callable[[int], LearningRate] | None = None,
    seed: int = 0,
    device: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    precision: str | None = None,
    **train_options: Any,
) -> TrainingResult:
    """Prepare a dataset, seed, build a model by name and train it: the whole pipeline.

    The order matters: the device is configured before any model exists (GPU memory
    growth), and the random number generators are seeded *before* the model is built, so
    the same seed repeats the initial weights too (see :func:`seed_everything`).

    Parameters
    ----------
    model_name
        A name from :data:`convbook.models.MODEL_NAMES`.
    dataset
        ``"mnist"``, ``"fashion_mnist"`` or ``"kmnist"``.
    epochs, batch_size, validation_split, seed, device
        As for :func:`train`.
    input_shape
        The image shape to prepare and build for; ``None``: the model's default
        (:func:`convbook.models.default_input_shape`).
    model_kwargs
        The builder's own options (see :func:`convbook.models.build`).
    normalization, labels, train_samples, test_samples, data_dir
        As for :func:`prepare` (the subset is drawn with ``seed``).
    precision
        The dtype policy the model is built in, ``"auto"``, ``"float32"`` or
        ``"mixed_bfloat16"``; default ``$CONVBOOK_PRECISION`` (see
        :func:`convbook.devices.precision_policy`); the result's ``precision`` names it.
    learning_rate
        The optimizer's learning rate, a number or a schedule; ``None``: its default.
    schedule
        Instead of ``learning_rate``: a function that gets the number of optimizer steps
        per epoch (known once the data is prepared) and returns the learning rate, e.g.
        ``lambda steps: one_cycle_schedule(epochs * steps, 3e-3)``.
    **train_options
        ``optimizer``, ``callbacks``, ``checkpoint_dir``, ``verbose``, ``deterministic``,
        ``label_smoothing``: passed to :func:`train`.

    Returns
    -------
    TrainingResult

    Examples
    --------
    >>> result = build_and_train("compact_cnn", "mnist", epochs=1,
    ...                          train_samples=2000)  # doctest: +SKIP
    epoch 1/1  loss 1.3215  accuracy 0.5978  val_loss 0.6017  val_accuracy 0.8300  (1.2 s)
    test loss 0.5721  test accuracy 0.8325
    """
    if schedule is not None and learning_rate is not None:
        _checks.fail("learning_rate", learning_rate, "None when a schedule is given")
    info = devices.configure(device)  # before any model exists: GPU memory growth
    policy = devices.precision_policy(precision, info, model_name)
    data = prepare(
        dataset,
        input_shape=input_shape or models.default_input_shape(model_name),
        normalization=normalization,  # type: ignore[arg-type]
        labels=labels,  # type: ignore[arg-type]
        train_samples=train_samples,
        test_samples=test_samples,
        seed=seed,
        data_dir=data_dir,
    )
    seed_everything(seed)
    with devices.dtype_policy(policy):
        model = models.build(
            model_name,
            input_shape=data.input_shape,
            num_classes=data.num_classes,
            **dict(model_kwargs or {}),
        )
    if schedule is not None:
        fitted = validation_split_point(len(data.x_train), validation_split)
        learning_rate = schedule(steps_per_epoch(fitted, batch_size))
    result = train(
        model,
        data,
        epochs=epochs,
        batch_size=batch_size,
        validation_split=validation_split,
        seed=seed,
        learning_rate=learning_rate,
        device=device,
        **train_options,
    )
    return result
