"""Figures of training speed: throughput per variant, and the time of a step against the batch.

The results come from :func:`convbook.speed.compare_variants`. Each function draws on one
:class:`matplotlib.axes.Axes` (``ax``, or a new figure's) and returns its figure;
Matplotlib is imported inside the functions.

Examples
--------
>>> from dataclasses import replace
>>> from convbook import speed
>>> from convbook.plotting import speed as speed_plots
>>> def fake(batch, per_second):
...     variant = speed.SpeedVariant(f"b{batch}", batch_size=batch)
...     run = speed.Throughput.not_run(variant, "", "fast_cnn", "tensorflow")
...     return replace(run, skipped=None, images_per_second=per_second)
>>> fig = speed_plots.plot_step_times([fake(64, 5000.0), fake(256, 7000.0)])
>>> fig.axes[0].get_ylabel()
'milliseconds per step'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from convbook import _checks
from convbook.speed.results import Throughput, batch_size_runs, by_verdict, fit_step_time

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_images_per_second", "plot_step_times", "plot_throughputs"]

_COLOURS = {"faster": "tab:green", "no change": "tab:gray", "slower": "tab:red"}


def plot_throughputs(
    results: Sequence[Throughput], title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Draw a horizontal bar of steady-state images per second for every variant.

    Bars are green when the variant was faster than the baseline, grey within the
    tolerance (the shaded band), red when slower, blue for the baseline (pale for its
    repeat); the dashed line marks the baseline's speed (the mean of its two measurements
    when it was repeated). Skipped variants are listed with their reason instead of a bar.

    Parameters
    ----------
    results
        Compared results, as :func:`convbook.speed.compare_variants` returns them.
    title
        The axes title; by default it asks which settings beat the baseline.
    ax
        Axes to draw on; a new figure sized for the number of variants when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from dataclasses import replace
    >>> from convbook.speed import SpeedVariant, Throughput
    >>> def fake(name, per_second, words):
    ...     run = Throughput.not_run(SpeedVariant(name), "", "fast_cnn", "tensorflow")
    ...     return replace(run, skipped=None, images_per_second=per_second, verdict=words,
    ...                    relative=per_second / 1000)
    >>> fig = plot_throughputs([fake("baseline", 1000, "baseline"),
    ...                         fake("xla", 600, "1.67x slower")])
    >>> fig.axes[0].get_xlabel()
    'training images per second (steady state; longer is faster)'
    """
    import matplotlib.pyplot as plt

    if not results:
        _checks.fail("results", results, "a non-empty sequence of Throughput")
    groups = by_verdict(results)
    colour_of = {
        id(r): _COLOURS[key] for key, group in groups.items() for r in group if key in _COLOURS
    }
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.45 * len(results) + 1.6), layout="constrained")
    positions = np.arange(len(results))[::-1]
    baseline = next((r for r in results if r.verdict == "baseline" and r.relative), None)
    for y, r in zip(positions, results, strict=True):
        if r.skipped:
            ax.text(0, y, f"  skipped: {r.skipped}", va="center", fontsize=8, color="tab:gray")
            continue
        colour = "lightsteelblue" if r.repeat else colour_of.get(id(r), "tab:blue")
        ax.barh(y, r.images_per_second, color=colour)
        label = f" {r.relative:.2f}x" if r.relative is not None else ""
        ax.text(r.images_per_second, y, label, va="center", fontsize=8)
    if baseline is not None:
        reference = baseline.images_per_second / baseline.relative
        ax.axvline(reference, color="black", linestyle="--", linewidth=1, label="baseline")
        if baseline.tolerance:
            low, high = reference * (1 - baseline.tolerance), reference * (1 + baseline.tolerance)
            ax.axvspan(low, high, color="gray", alpha=0.15, label="no change (tolerance)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_yticks(positions, [r.name for r in results])
    ax.set_xlabel("training images per second (steady state; longer is faster)")
    ax.set_ylabel("variant")
    measured = [r for r in results if not r.skipped]
    if measured:
        ax.set_xlim(0, 1.18 * max(r.images_per_second for r in measured))
    model_name = results[0].model_name
    ax.set_title(
        title or f"Training speed of {model_name}: which settings beat the baseline (dashed line)?"
    )
    return ax.figure


def plot_images_per_second(
    rates: Mapping[str, float],
    baseline: str,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw one horizontal bar of images per second per set-up, against a baseline set-up.

    Each bar is labelled with its speed relative to ``baseline``, whose speed the dashed
    line marks.

    Parameters
    ----------
    rates
        Set-up name to measured training images per second, in the order to draw.
    baseline
        The name of the set-up the others are compared with; one of ``rates``.
    title
        The axes title; by default it asks which set-up trains fastest.
    ax
        Axes to draw on; a new figure sized for the number of set-ups when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_images_per_second({"1 device": 1000.0, "2 devices": 1500.0}, "1 device")
    >>> [t.get_text() for t in fig.axes[0].texts]
    [' 1.00x', ' 1.50x']
    """
    import matplotlib.pyplot as plt

    _checks.instance("rates", rates, Mapping, "a mapping of set-up name to images per second")
    if not rates:
        _checks.fail("rates", rates, "at least one set-up")
    speeds = {
        _checks.text("rates key", name): _checks.positive(f"rates[{name!r}]", value)
        for name, value in rates.items()
    }
    reference = speeds[_checks.choice("baseline", baseline, tuple(speeds))]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 * len(speeds) + 1.6), layout="constrained")
    positions = np.arange(len(speeds))[::-1]
    for y, (name, value) in zip(positions, speeds.items(), strict=True):
        ax.barh(y, value, color="tab:blue" if name == baseline else "tab:orange")
        ax.text(value, y, f" {value / reference:.2f}x", va="center", fontsize=8)
    ax.axvline(reference, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(positions, list(speeds))
    ax.set_xlim(0, 1.2 * max(speeds.values()))
    ax.set_xlabel(f"training images per second (dashed: {baseline})")
    ax.set_ylabel("set-up")
    ax.set_title(title or "Which set-up trains the most images per second?")
    return ax.figure


def plot_step_times(
    results: Sequence[Throughput], title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Draw the time of one step against the batch size, with its fitted straight line.

    The line is :func:`convbook.speed.fit_step_time`'s. Where it meets the vertical axis is
    the fixed cost of every step; a point far above zero there means small batches are
    dominated by overhead.

    Parameters
    ----------
    results
        Results that include at least two batch sizes of otherwise default variants.
    title
        The axes title; by default it points at the intercept.
    ax
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from dataclasses import replace
    >>> from convbook.speed import SpeedVariant, Throughput
    >>> def fake(batch, per_second):
    ...     run = Throughput.not_run(SpeedVariant(f"b{batch}", batch_size=batch), "", "m", "b")
    ...     return replace(run, skipped=None, images_per_second=per_second)
    >>> fig, (left, right) = plt.subplots(1, 2)
    >>> plot_step_times([fake(64, 5000.0), fake(256, 7000.0)], ax=right) is fig
    True
    >>> right.get_xlabel()
    'batch size (images per step)'
    """
    import matplotlib.pyplot as plt

    line = fit_step_time(results)
    points = batch_size_runs(results)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    batch = np.array([r.variant.batch_size for r in points], dtype=np.float64)
    ax.plot(batch, [1e3 * r.seconds_per_step for r in points], "o", label="measured")
    grid = np.linspace(0, batch.max() * 1.05, 50)
    ax.plot(
        grid,
        1e3 * (line.fixed_seconds + line.seconds_per_image * grid),
        "--",
        label=f"fit: {1e3 * line.fixed_seconds:.1f} ms + "
        f"{1e6 * line.seconds_per_image:.0f} us per image",
    )
    ax.set_xlim(0, None)
    ax.set_ylim(min(0.0, 1e3 * line.fixed_seconds * 1.2), None)
    ax.set_xlabel("batch size (images per step)")
    ax.set_ylabel("milliseconds per step")
    ax.legend()
    ax.set_title(title or "Time per training step: the intercept is the fixed cost every step pays")
    return ax.figure
