"""Reading speed measurements: verdicts against the baseline, noise, the step-time line, a table.

:class:`Throughput` is what :func:`convbook.speed.measure_throughput` measured for one
variant. The functions here only read results, so they run without Keras.

Examples
--------
>>> from convbook.speed import results
>>> results.verdict(1.83), results.verdict(0.97), results.verdict(0.5)
('1.83x faster', 'no change (within 10%)', '2.00x slower')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from convbook import _checks
from convbook.speed.variants import SpeedVariant
from convbook.tables import format_table

__all__ = [
    "DEFAULT_TOLERANCE",
    "StepTime",
    "batch_size_runs",
    "Throughput",
    "by_verdict",
    "fit_step_time",
    "format_throughputs",
    "measurement_noise",
    "verdict",
]

#: Relative differences smaller than this count as "no change" (timings on a shared
#: machine scatter by several percent from run to run).
DEFAULT_TOLERANCE = 0.10


@dataclass(frozen=True)
class Throughput:
    """What :func:`convbook.speed.measure_throughput` measured for one variant.

    Attributes
    ----------
    variant
        The :class:`SpeedVariant` timed.
    images_per_second
        Steady-state training throughput: the batch size divided by the median wall time
        of one step (one batch) in the timed epochs, the Python loop between steps
        included (NaN when skipped).
    epoch_seconds
        Wall time of every epoch, the first included.
    startup_seconds
        What the whole ``fit`` took beyond its number of steps at the steady time per step:
        tracing and compiling the training step, converting the input, starting the
        pipeline, the odd slow step.
    images_per_epoch, epochs
        Training images per epoch, and epochs trained (the warm-up included).
    jit_compile
        Whether XLA was used (what ``"auto"`` resolved to).
    training_flops_per_image
        Estimated FLOPs of one training step per image (:func:`convbook.flops.training_flops`).
    final_loss, final_accuracy
        Training loss and accuracy of the last epoch (a check that the variant still
        learns, and how much a run of this length learns with this batch size).
    model_name, backend
        What was trained, on which Keras backend.
    relative
        Throughput divided by the baseline's, or by the mean of the two baseline
        measurements when the baseline was repeated (set by
        :func:`~convbook.speed.compare_variants`).
    verdict
        ``"baseline"``, ``"1.8x faster"``, ``"no change (within 10%)"``, ``"1.3x slower"``
        or ``"skipped: <reason>"``.
    skipped
        Why the variant was not run (``None`` when it was).
    repeat
        True for a second measurement of the baseline (see
        :func:`~convbook.speed.compare_variants`).
    tolerance
        The tolerance the verdict used (set by :func:`~convbook.speed.compare_variants`).
    """

    variant: SpeedVariant
    images_per_second: float
    epoch_seconds: tuple[float, ...]
    startup_seconds: float
    images_per_epoch: int
    epochs: int
    jit_compile: bool
    training_flops_per_image: int
    final_loss: float
    final_accuracy: float
    model_name: str
    backend: str
    relative: float | None = None
    verdict: str = ""
    skipped: str | None = field(default=None)
    repeat: bool = False
    tolerance: float | None = None

    @property
    def name(self) -> str:
        """The variant's name."""
        return self.variant.name

    @property
    def seconds_per_step(self) -> float:
        """Steady-state wall time of one step (one batch of ``variant.batch_size`` images)."""
        return self.variant.batch_size / self.images_per_second

    @property
    def steady_epoch_seconds(self) -> float:
        """What one epoch takes in the steady state."""
        return self.images_per_epoch / self.images_per_second

    @property
    def gflops(self) -> float:
        """Achieved training arithmetic in GFLOP/s (estimate x images per second / 1e9)."""
        return self.training_flops_per_image * self.images_per_second / 1e9

    @classmethod
    def not_run(
        cls, variant: SpeedVariant, reason: str, model_name: str, backend: str
    ) -> Throughput:
        """Return the result of a variant that was skipped: NaN numbers, ``reason`` kept.

        Examples
        --------
        >>> result = Throughput.not_run(SpeedVariant("tf_data"), "no TF", "fast_cnn", "jax")
        >>> result.verdict, result.skipped
        ('skipped: no TF', 'no TF')
        """
        nan = float("nan")
        return cls(
            variant=variant,
            images_per_second=nan,
            epoch_seconds=(),
            startup_seconds=nan,
            images_per_epoch=0,
            epochs=0,
            jit_compile=False,
            training_flops_per_image=0,
            final_loss=nan,
            final_accuracy=nan,
            model_name=model_name,
            backend=backend,
            verdict=f"skipped: {reason}",
            skipped=reason,
        )


def verdict(relative: float, tolerance: float = DEFAULT_TOLERANCE) -> str:
    """Turn a speed ratio (variant / baseline) into words.

    Parameters
    ----------
    relative
        Throughput of the variant divided by the baseline's.
    tolerance
        Ratios within ``1 +- tolerance`` are ``"no change"``.

    Examples
    --------
    >>> verdict(1.25), verdict(1.04), verdict(0.8)
    ('1.25x faster', 'no change (within 10%)', '1.25x slower')
    """
    relative = _checks.positive("relative", relative)
    tolerance = _checks.fraction("tolerance", tolerance)
    if relative >= 1 + tolerance:
        return f"{relative:.2f}x faster"
    if relative <= 1 - tolerance:
        return f"{1 / relative:.2f}x slower"
    return f"no change (within {tolerance:.0%})"


def by_verdict(results: Sequence[Throughput]) -> dict[str, list[Throughput]]:
    """Group compared results into ``"faster"``, ``"no change"``, ``"slower"``, ``"skipped"``.

    The baseline and its repeated measurement (verdict ``"baseline"``) are left out.

    Examples
    --------
    >>> run = Throughput.not_run(SpeedVariant("x"), "demo", "m", "b")
    >>> fast = replace(run, skipped=None, verdict="1.50x faster")
    >>> {key: [r.name for r in group] for key, group in by_verdict([fast]).items()}
    {'faster': ['x'], 'no change': [], 'slower': [], 'skipped': []}
    """
    groups: dict[str, list[Throughput]] = {
        "faster": [],
        "no change": [],
        "slower": [],
        "skipped": [],
    }
    for result in results:
        if result.verdict == "baseline":
            continue
        if result.skipped:
            groups["skipped"].append(result)
        elif result.verdict.endswith("faster"):
            groups["faster"].append(result)
        elif result.verdict.endswith("slower"):
            groups["slower"].append(result)
        elif result.verdict.startswith("no change"):
            groups["no change"].append(result)
    return groups


def measurement_noise(results: Sequence[Throughput]) -> float | None:
    """Return how far the two measurements of the baseline landed apart, as a fraction.

    ``0.04`` means the same settings measured twice differed by 4% (the repeat against the
    first); differences between variants of that size say nothing. ``None`` when the
    baseline was not repeated (see :func:`~convbook.speed.compare_variants`).

    Examples
    --------
    >>> measured = Throughput.not_run(SpeedVariant("baseline"), "", "m", "b")
    >>> first = replace(measured, skipped=None, images_per_second=1000.0, verdict="baseline")
    >>> again = replace(first, images_per_second=960.0, repeat=True)
    >>> round(measurement_noise([first, again]), 2)
    0.04
    """
    baselines = [r for r in results if r.verdict == "baseline" and not r.skipped]
    first = [r for r in baselines if not r.repeat]
    again = [r for r in baselines if r.repeat]
    if not first or not again:
        return None
    return abs(again[-1].images_per_second / first[0].images_per_second - 1.0)


@dataclass(frozen=True)
class StepTime:
    """A straight line through the steady-state time of one step against the batch size.

    ``seconds_per_step ~ fixed_seconds + seconds_per_image * batch_size``: the intercept is
    what every step costs whatever its size (Python, launching kernels, the optimizer's
    update of every weight, metrics), the slope the arithmetic per image.
    """

    fixed_seconds: float
    seconds_per_image: float
    batch_sizes: tuple[int, ...]

    def fixed_fraction(self, batch_size: int) -> float:
        """Fraction of a step of ``batch_size`` images that is the fixed cost (0 to 1)."""
        images = _checks.positive_int("batch_size", batch_size)
        total = self.fixed_seconds + self.seconds_per_image * images
        return min(1.0, max(0.0, self.fixed_seconds / total)) if total > 0 else 0.0


def batch_size_runs(results: Sequence[Throughput]) -> list[Throughput]:
    """Return the measured results that differ from the default settings in batch size only.

    These are the points :func:`fit_step_time` fits a line through.

    Examples
    --------
    >>> runs = [replace(Throughput.not_run(SpeedVariant(name, **changes), "", "m", "b"),
    ...                 skipped=None) for name, changes in
    ...         [("b64", {"batch_size": 64}), ("xla", {"jit_compile": True})]]
    >>> [r.name for r in batch_size_runs(runs)]
    ['b64']
    """
    default = SpeedVariant("default")
    return [
        r
        for r in results
        if not r.skipped
        and replace(r.variant, name="default", batch_size=128, description="") == default
    ]


def fit_step_time(results: Sequence[Throughput]) -> StepTime:
    """Fit :class:`StepTime` to the results that differ from the baseline only in batch size.

    Uses every measured result whose other settings are the defaults: NumPy float32 input,
    the float32 policy, Keras' default ``jit_compile``, one step per execution.

    Raises
    ------
    ValueError
        When fewer than two distinct batch sizes are among them.

    Examples
    --------
    >>> def fake(batch, per_second):
    ...     variant = SpeedVariant(f"b{batch}", batch_size=batch)
    ...     result = Throughput.not_run(variant, "", "m", "b")
    ...     return replace(result, skipped=None, images_per_second=per_second)
    >>> line = fit_step_time([fake(64, 64 / 0.012), fake(256, 256 / 0.036)])
    >>> round(line.fixed_seconds, 4), round(line.seconds_per_image * 1e6, 1)
    (0.004, 125.0)
    """
    plain = batch_size_runs(results)
    sizes = sorted({r.variant.batch_size for r in plain})
    if len(sizes) < 2:
        raise ValueError(
            f"results must include at least two batch sizes of otherwise default variants; "
            f"got {sizes}."
        )
    batch = np.array([r.variant.batch_size for r in plain], dtype=np.float64)
    step = np.array([r.seconds_per_step for r in plain], dtype=np.float64)
    slope, intercept = np.polyfit(batch, step, 1)
    return StepTime(float(intercept), float(slope), tuple(sizes))


def format_throughputs(results: Sequence[Throughput]) -> str:
    """Return a table: images/s, speed against the baseline, verdict, start-up, settings.

    Examples
    --------
    >>> skipped = Throughput.not_run(SpeedVariant("tf_data"), "no TF", "m", "jax")
    >>> header, rule, row = format_throughputs([skipped]).splitlines()
    >>> header.split()[:4], row.split()[:5]
    (['variant', 'images/s', 'vs', 'baseline'], ['tf_data', '-', '-', 'skipped:', 'no'])
    """
    headers = (
        "variant",
        "images/s",
        "vs baseline",
        "verdict",
        "start-up",
        "GFLOP/s",
        "train acc.",
        "settings",
    )
    rows = []
    for r in results:
        if r.skipped:
            rows.append((r.name, "-", "-", r.verdict, "-", "-", "-", r.variant.knobs()))
            continue
        rows.append(
            (
                r.name,
                f"{r.images_per_second:,.0f}",
                "-" if r.relative is None else f"{r.relative:.2f}x",
                r.verdict or "-",
                f"{r.startup_seconds:.1f} s",
                f"{r.gflops:.1f}",
                f"{r.final_accuracy:.3f}",
                r.variant.knobs(),
            )
        )
    align = ("left", "right", "right", "left", "right", "right", "right", "left")
    return format_table(rows, headers, align=align)
