"""Timing training: one fresh model per variant, warmed up, then timed epoch by epoch.

Keras is imported inside the functions that train, so importing this module is cheap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from convbook import _checks
from convbook.speed.results import DEFAULT_TOLERANCE, Throughput, verdict
from convbook.speed.variants import VARIANTS, SpeedVariant

if TYPE_CHECKING:
    import keras

    from convbook.training import PreparedData

__all__ = ["compare_variants", "measure_throughput"]


def _arrays(data: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Return the training images, their labels and the number of classes of ``data``."""
    from convbook.training import PreparedData

    if isinstance(data, PreparedData):
        return data.x_train, data.y_train, data.num_classes
    if not (isinstance(data, tuple | list) and len(data) == 2):
        _checks.fail("data", data, "a PreparedData or a pair (x, y) of arrays", TypeError)
    x = _checks.real_array("data[0]", data[0], ndim=4, layout="(N, height, width, channels)")
    y = _checks.real_array("data[1]", data[1], ndim=(1, 2), layout="of labels or one-hot rows")
    if len(y) != len(x):
        _checks.fail("data[1]", y, f"one label (or one-hot row) per image ({len(x)} images)")
    num_classes = y.shape[1] if y.ndim == 2 else int(y.max()) + 1
    return x, y, max(num_classes, 2)


def _check_arguments(
    epochs: Any, model: Any, seed: Any, variants: Sequence[SpeedVariant] = ()
) -> None:
    from convbook import models

    _checks.integer("epochs", epochs, minimum=2)
    _checks.choice("model", model, models.MODEL_NAMES)
    for variant in variants:
        if variant.model is not None:
            _checks.choice(f"{variant.name}.model", variant.model, models.MODEL_NAMES)
    _checks.integer("seed", seed, minimum=0)


def _step_timer() -> keras.callbacks.Callback:
    """Return a callback that times one ``fit`` call: every call into the training step.

    ``.calls`` holds one ``(seconds, steps)`` per call (``steps`` > 1 with
    ``steps_per_execution``), measured from the end of the previous call (or the start of
    the epoch), so the Python loop between steps is included.
    """
    import keras

    class StepTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[tuple[float, int]] = []
            self._last = time.perf_counter()
            self._last_step = -1

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._last, self._last_step = time.perf_counter(), -1

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            now = time.perf_counter()
            self.calls.append((now - self._last, batch - self._last_step))
            self._last, self._last_step = now, batch

    return StepTimer()


def _skip_reason(variant: SpeedVariant, backend: str) -> str | None:
    if variant.pipeline == "tf_data" and backend != "tensorflow":
        return f"tf.data needs the TensorFlow backend (this run uses {backend})"
    return None


class _Run:
    """One variant's model, compiled once and trained one epoch at a time."""

    def __init__(
        self,
        variant: SpeedVariant,
        x: np.ndarray,
        y: np.ndarray,
        num_classes: int,
        model: str,
        seed: int,
    ) -> None:
        import keras

        from convbook import models, training

        self.variant = variant
        self.images = len(x)
        x = x.astype(variant.input_dtype, copy=False)
        previous_policy = keras.config.dtype_policy()
        try:
            keras.config.set_dtype_policy(variant.dtype_policy)
            training.seed_everything(seed)
            self.network = models.build(
                model, input_shape=tuple(x.shape[1:]), num_classes=num_classes
            )
        finally:
            keras.config.set_dtype_policy(previous_policy)
        self.network.compile(
            optimizer="adam",
            loss=training.loss_for(self.network, one_hot=y.ndim == 2),
            metrics=["accuracy"],
            jit_compile=variant.jit_compile,
            steps_per_execution=variant.steps_per_execution,
        )
        if variant.pipeline == "tf_data":
            pipeline = training.make_tf_dataset(
                x, y, variant.batch_size, cache=variant.cache, prefetch=variant.prefetch, seed=seed
            )
            self.inputs: dict[str, Any] = {"x": pipeline, "shuffle": False}  # it shuffles itself
        else:
            self.inputs = {"x": x, "y": y, "batch_size": variant.batch_size, "shuffle": True}
        self.epoch_seconds: list[float] = []
        self.timed_calls: list[tuple[float, int]] = []
        self.steps = 0
        self.history: dict[str, list[float]] = {}

    def epoch(self) -> None:
        """Train one more epoch; every epoch after the first is timed step by step."""
        timer = _step_timer()
        started = time.perf_counter()
        history = self.network.fit(**self.inputs, epochs=1, callbacks=[timer], verbose=0)
        self.epoch_seconds.append(time.perf_counter() - started)
        self.steps += sum(steps for _, steps in timer.calls)
        if len(self.epoch_seconds) > 1:
            # The first call of an epoch also sets up the epoch's input iterator.
            self.timed_calls.extend(timer.calls[1:] if len(timer.calls) > 1 else timer.calls)
        self.history = history.history

    def result(self, backend: str) -> Throughput:
        from convbook import flops

        # The median ignores the few slow calls that start an epoch or meet a busy moment
        # of the machine.
        seconds_per_step = float(np.median([s / n for s, n in self.timed_calls]))
        return Throughput(
            variant=self.variant,
            images_per_second=self.variant.batch_size / seconds_per_step,
            epoch_seconds=tuple(self.epoch_seconds),
            startup_seconds=max(0.0, sum(self.epoch_seconds) - self.steps * seconds_per_step),
            images_per_epoch=self.images,
            epochs=len(self.epoch_seconds),
            jit_compile=bool(self.network.jit_compile),
            training_flops_per_image=flops.training_flops(self.network),
            final_loss=float(self.history["loss"][-1]),
            final_accuracy=float(self.history["accuracy"][-1]),
            model_name=self.network.name,
            backend=backend,
        )


def _measure(
    variants: Sequence[SpeedVariant],
    data: Any,
    epochs: int,
    model: str,
    seed: int,
    progress: bool = False,
) -> list[Throughput]:
    """Warm every variant up, then time its later epochs in rounds, one variant after another."""
    import keras

    x, y, num_classes = _arrays(data)
    backend = keras.backend.backend()
    runs: list[_Run | Throughput] = []
    for variant in variants:
        reason = _skip_reason(variant, backend)
        if reason is not None:
            runs.append(Throughput.not_run(variant, reason, variant.model or model, backend))
            continue
        run = _Run(variant, x, y, num_classes, variant.model or model, int(seed))
        run.epoch()
        runs.append(run)
        if progress:
            print(f"{variant.name}: warmed up in {run.epoch_seconds[0]:.1f} s", flush=True)
    for _ in range(int(epochs) - 1):
        for run in runs:
            if isinstance(run, _Run):
                run.epoch()
    return [run.result(backend) if isinstance(run, _Run) else run for run in runs]


def measure_throughput(
    variant: SpeedVariant,
    data: PreparedData | tuple[np.ndarray, np.ndarray],
    *,
    epochs: int = 2,
    model: str = "fast_cnn",
    seed: int = 0,
) -> Throughput:
    """Train a fresh ``model`` under ``variant`` and measure its steady-state throughput.

    The model is built (after seeding, so every variant starts from the same weights),
    compiled with Adam and cross-entropy, and fitted for ``epochs`` epochs on all of
    ``data``'s training images with no validation. The first epoch warms up (tracing,
    compiling); in the others every call into the training step is timed. The throughput
    comes from the median time per step; the start-up cost is what all the epochs took
    beyond their steps at that steady time.

    Parameters
    ----------
    variant
        The settings to time.
    data
        A :class:`convbook.training.PreparedData` (its training images are used) or a pair
        ``(x, y)`` of images ``(N, H, W, C)`` and integer or one-hot labels.
    epochs
        At least 2: one to warm up, the rest to time.
    model
        A name from :data:`convbook.models.MODEL_NAMES` (unless the variant names its own).
    seed
        Seeds the initial weights and the shuffling.

    Returns
    -------
    Throughput
        With ``relative`` and ``verdict`` unset (see :func:`compare_variants`); a skipped
        result (NaN numbers, the reason in ``skipped``) for a variant the backend cannot
        run.

    Raises
    ------
    ValueError
        For a bad argument (named in the message).

    Examples
    --------
    >>> from convbook import speed, training
    >>> data = training.prepare("mnist", train_samples=2048)  # doctest: +SKIP
    >>> variant = speed.get_variant("batch_512")
    >>> result = speed.measure_throughput(variant, data, epochs=3)  # doctest: +SKIP
    >>> f"{result.images_per_second:,.0f} images/s"  # doctest: +SKIP
    '7,612 images/s'
    """
    _checks.instance("variant", variant, SpeedVariant, "a SpeedVariant")
    _check_arguments(epochs, model, seed, [variant])
    return _measure([variant], data, epochs, model, seed)[0]


def compare_variants(
    variants: Sequence[SpeedVariant] | None,
    data: PreparedData | tuple[np.ndarray, np.ndarray],
    *,
    epochs: int = 2,
    model: str = "fast_cnn",
    seed: int = 0,
    baseline: str | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    repeat_baseline: bool = False,
    progress: bool = False,
) -> list[Throughput]:
    """Measure every variant and compare each with the baseline.

    Every variant gets its own model, warmed up by one epoch. The timed epochs then run in
    rounds, one epoch of each variant after another, so a busy moment of the machine
    slows all the variants a little rather than one of them a lot.

    Parameters
    ----------
    variants
        The variants to time, in order; ``None`` for :data:`~convbook.speed.VARIANTS`.
    data, epochs, model, seed
        As for :func:`measure_throughput` (the same for every variant; ``epochs - 1``
        rounds are timed).
    baseline
        Name of the variant the others are compared with; default the first.
    tolerance
        Speed ratios within ``1 +- tolerance`` are called "no change" (see
        :func:`~convbook.speed.verdict`).
    repeat_baseline
        Also measure a second, independent copy of the baseline (its own model, last in
        every round), listed as ``"<baseline>_again"`` with ``repeat=True``. The others
        are then compared with the mean of the two baseline measurements, and how far
        apart the two land is the noise of the measurement (see
        :func:`~convbook.speed.measurement_noise`): when it exceeds ``tolerance``, the
        verdicts use the noise (rounded up to a whole percent) as their tolerance instead,
        so that no difference smaller than the noise is called faster or slower.
    progress
        Print one line per variant as it is warmed up.

    Returns
    -------
    list of Throughput
        In the order of ``variants`` (then the repeated baseline), with ``relative`` and
        ``verdict`` filled in.

    Raises
    ------
    ValueError
        For an empty or duplicated list of variants, an unknown or skipped baseline, or
        another bad argument (named in the message).

    Examples
    --------
    >>> from convbook import speed
    >>> pair = [speed.get_variant("baseline"), speed.get_variant("xla")]
    >>> results = speed.compare_variants(pair, data, epochs=3)  # doctest: +SKIP
    >>> [(r.name, r.verdict) for r in results]  # doctest: +SKIP
    [('baseline', 'baseline'), ('xla', '1.52x slower')]
    """
    chosen = list(VARIANTS if variants is None else variants)
    for number, variant in enumerate(chosen):
        _checks.instance(f"variants[{number}]", variant, SpeedVariant, "a SpeedVariant")
    if not chosen:
        _checks.fail("variants", variants, "a non-empty sequence of SpeedVariant (or None)")
    names = [v.name for v in chosen]
    if len(set(names)) != len(names):
        _checks.fail("variants", names, "SpeedVariants with distinct names")
    baseline = _checks.choice("baseline", names[0] if baseline is None else baseline, names)
    tolerance = _checks.fraction("tolerance", tolerance)
    _checks.boolean("repeat_baseline", repeat_baseline)
    _checks.boolean("progress", progress)
    _check_arguments(epochs, model, seed, chosen)
    _arrays(data)

    if repeat_baseline:
        again = replace(
            chosen[names.index(baseline)],
            name=f"{baseline}_again",
            description="the baseline measured again (its own model): the spread is noise",
        )
        chosen.append(again)
    measured = _measure(chosen, data, epochs, model, seed, progress)
    reference = measured[names.index(baseline)]
    if reference.skipped:
        raise ValueError(f"baseline={baseline!r} was skipped: {reference.skipped}.")
    reference_speed = reference.images_per_second
    if repeat_baseline:
        again = measured[-1] = replace(measured[-1], repeat=True)
        spread = abs(again.images_per_second / reference.images_per_second - 1.0)
        tolerance = min(max(tolerance, math.ceil(spread * 100) / 100), 0.99)
        reference_speed = (reference.images_per_second + again.images_per_second) / 2
    compared = []
    for result in measured:
        if result.skipped:
            compared.append(result)
            continue
        relative = result.images_per_second / reference_speed
        is_baseline = result is reference or result.repeat
        words = "baseline" if is_baseline else verdict(relative, tolerance)
        compared.append(replace(result, relative=relative, verdict=words, tolerance=tolerance))
    return compared
