"""Learning-rate schedules: one cycle, and one cycle after another (warm restarts).

Both are :class:`keras.optimizers.schedules.LearningRateSchedule` subclasses computed with
``keras.ops`` (so they run on every backend), registered for Keras serialization (a saved
model reloads with its schedule), and have a ``curve()`` to plot. :func:`steps_per_epoch`
turns a training-set size into the number of optimizer updates they count in.

Examples
--------
>>> from convbook.training import schedules
>>> schedules.steps_per_epoch(1000, 128)
8
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from convbook import _checks


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
        self.total_steps = _checks.integer("total_steps", total_steps, minimum=2)
        self.peak_learning_rate = _checks.positive("peak_learning_rate", peak_learning_rate)
        self.warmup_fraction = _checks.real(
            "warmup_fraction",
            warmup_fraction,
            minimum=0,
            maximum=1,
            include_minimum=False,
            include_maximum=False,
        )
        self.initial_divisor = _checks.real("initial_divisor", initial_divisor, minimum=1)
        self.final_divisor = _checks.real("final_divisor", final_divisor, minimum=1)
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
        self.cycle_steps = _checks.int_tuple("cycle_steps", cycle_steps, minimum=2)
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
    steps = _checks.positive_int("steps_per_epoch", steps_per_epoch)
    epochs = _checks.int_tuple("cycle_epochs", cycle_epochs)
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
        _checks.positive_int("train_samples", train_samples)
        / _checks.positive_int("batch_size", batch_size)
    )
