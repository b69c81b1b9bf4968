"""Side-by-side training runs that differ in one choice only, e.g. the optimizer.

:func:`compare_optimizers` trains the same network on the same data several times, starting
each time from the same initial weights, with a different optimizer each time, through
:func:`convbook.training.train`. :func:`format_comparison` prints the results as a table;
:func:`convbook.plotting.training.show_histories` draws their validation curves.

Keras is imported (through :mod:`convbook.training`) only when a comparison runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from convbook import _checks
from convbook.tables import format_table

if TYPE_CHECKING:
    import keras

    from convbook.training import PreparedData, TrainingResult

__all__ = ["compare_optimizers", "format_comparison"]

ModelSpec = str | Callable[[], "keras.Model"]


def _learning_rates(
    optimizers: Sequence[str] | Mapping[str, float | None],
) -> dict[str, float | None]:
    if isinstance(optimizers, str):
        expected = "a sequence of names or a mapping name -> learning rate"
        _checks.fail("optimizers", optimizers, expected, TypeError)
    if isinstance(optimizers, Mapping):
        return dict(optimizers)
    return dict.fromkeys(optimizers)


def _fresh_model(model: ModelSpec, data: PreparedData, policy: str) -> keras.Model:
    from convbook import devices, models

    with devices.dtype_policy(policy):
        if callable(model):
            return model()
        return models.build(model, input_shape=data.input_shape, num_classes=data.num_classes)


def compare_optimizers(
    data: PreparedData,
    optimizers: Sequence[str] | Mapping[str, float | None] = ("sgd", "adam"),
    *,
    model: ModelSpec = "compact_cnn",
    epochs: int = 1,
    batch_size: int = 128,
    validation_split: float = 0.1,
    seed: int = 0,
    verbose: int | None = 0,
    precision: str | None = None,
) -> dict[str, TrainingResult]:
    """Train one network once per optimizer, from identical initial weights; return the runs.

    Before each run every random generator is seeded with ``seed`` and a fresh model is
    built, so the runs share their initial weights and the order of the training batches:
    the optimizer is the only difference.

    Parameters
    ----------
    data
        Prepared data (:func:`convbook.training.prepare`).
    optimizers
        Names from :data:`convbook.activations.OPTIMIZER_NAMES` (each with Keras' default
        learning rate), or a mapping from name to learning rate (``None`` for the default).
    model
        A name for :func:`convbook.models.build` (built for ``data``'s input shape and
        classes), or a function returning a new, uncompiled model.
    epochs, batch_size, validation_split, seed, verbose
        Passed to :func:`convbook.training.train`.
    precision
        The dtype policy every run builds its network in, as for
        :func:`convbook.training.build_and_train`: ``"auto"`` (the default with
        ``$CONVBOOK_PRECISION`` unset), ``"float32"`` or ``"mixed_bfloat16"``. ``"auto"``
        treats a ``model`` given as a function as a network that does not gain: float32.

    Returns
    -------
    dict
        Optimizer name to its :class:`~convbook.training.TrainingResult`, in the given order.

    Raises
    ------
    ValueError
        For an unknown optimizer name or an empty list (before anything is trained).

    Examples
    --------
    >>> from convbook import comparisons, training  # doctest: +SKIP
    >>> data = training.prepare("mnist", train_samples=2000, test_samples=500)  # doctest: +SKIP
    >>> runs = comparisons.compare_optimizers(data, ["sgd", "adam"])  # doctest: +SKIP
    >>> print(comparisons.format_comparison(runs))  # doctest: +SKIP
    """
    from convbook import activations, devices, training

    rates = _learning_rates(optimizers)
    if not rates:
        _checks.fail("optimizers", optimizers, "at least one optimizer name")
    for index, (name, rate) in enumerate(rates.items()):
        _checks.choice(f"optimizers[{index}]", name, activations.OPTIMIZER_NAMES)
        if rate is not None:
            _checks.positive(f"learning rate of {name!r}", rate)
    if not (isinstance(model, str) or callable(model)):
        _checks.fail("model", model, "a model name or a function building one", TypeError)
    policy = devices.precision_policy(
        precision, model_name=model if isinstance(model, str) else None
    )
    results = {}
    for name, rate in rates.items():
        training.seed_everything(seed)
        network = _fresh_model(model, data, policy)
        results[name] = training.train(
            network,
            data,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            seed=seed,
            optimizer=activations.make_optimizer(name, rate),
            verbose=verbose,
        )
    return results


def format_comparison(results: Mapping[str, TrainingResult]) -> str:
    """Return a table of runs: test accuracy, test loss, fit time, time per epoch.

    Parameters
    ----------
    results
        Run name to its :class:`~convbook.training.TrainingResult`, e.g. from
        :func:`compare_optimizers`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> run = SimpleNamespace(test_accuracy=0.9512, test_loss=0.16, wall_time_s=12.34,
    ...                       epochs_run=2)
    >>> print(format_comparison({"adam": run}))
    run      test accuracy    test loss    fit time (s)    s per epoch
    -----  ---------------  -----------  --------------  -------------
    adam            0.9512       0.1600            12.3            6.2
    """
    if not results:
        _checks.fail("results", results, "a mapping with at least one run")
    rows = []
    for name, result in results.items():
        per_epoch = result.wall_time_s / result.epochs_run if result.epochs_run else 0.0
        rows.append(
            (
                str(name),
                f"{result.test_accuracy:.4f}",
                f"{result.test_loss:.4f}",
                f"{result.wall_time_s:.1f}",
                f"{per_epoch:.1f}",
            )
        )
    headers = ("run", "test accuracy", "test loss", "fit time (s)", "s per epoch")
    return format_table(rows, headers, align=("left", "right", "right", "right", "right"))
