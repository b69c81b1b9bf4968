"""Pooling, animated: the window steps over the input and its value moves into the output.

:func:`animate_pooling` moves the window over the input and the winner (or the mean) into
its output cell; :func:`show_pooling_frame` draws one of its frames and
:func:`pooling_frame` returns that frame's numbers. The still figures of pooling are in
:mod:`convbook.plotting.pooling`; the player is :mod:`convbook.plotting.animation`.
Matplotlib is imported inside the functions.

Examples
--------
>>> from convbook import pooling
>>> from convbook.plotting.pooling_animation import pooling_frame
>>> frame = pooling_frame(pooling.example_matrix(), k=2)
>>> frame.phase, frame.cell
('place', (0, 0))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from convbook import _checks, windows
from convbook.plotting.pooling import (
    _CELL_INCHES,
    _DARK_CELL,
    OPERATIONS,
    Operation,
    _as_matrix,
    _colours,
    _label_grid,
    _shape_text,
    show_values,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from convbook.plotting.animation import OfflineAnimation

__all__ = [
    "PHASES",
    "PoolingFrame",
    "animate_pooling",
    "pooling_frame",
    "show_pooling_frame",
]

#: What a pooling animation shows of each window, one frame each: the window and its
#: winner (or all its values, for the mean), the value on its way, the value in place.
PHASES: tuple[str, ...] = ("pick", "move", "place")


@dataclass(frozen=True, eq=False)
class PoolingFrame:
    """The numbers frame ``k`` of :func:`animate_pooling` shows (arrays are read-only).

    Attributes
    ----------
    k, frame_count
        This frame, and the number of frames in one cycle: ``len(PHASES)`` per window,
        windows row by row.
    phase
        ``"pick"`` (the window and its winner), ``"move"`` (the value on its way to the
        output) or ``"place"`` (the value in its output cell).
    cell
        ``(row, column)`` of the output cell of this window.
    window
        ``(row, column)`` of the window's top-left corner in the input.
    values
        The input values inside the window.
    winner
        ``(row, column)`` in the input of the largest value (the first, if several tie);
        ``None`` for average pooling, where every value counts.
    value
        What the window becomes: its maximum or its mean.
    output
        The output so far, NaN where no value has been placed yet. At the last frame it
        is the whole pooled result.
    """

    k: int
    frame_count: int
    phase: str
    cell: tuple[int, int]
    window: tuple[int, int]
    values: np.ndarray
    winner: tuple[int, int] | None
    value: float
    output: np.ndarray


@dataclass(frozen=True, eq=False)
class _Pooling:
    matrix: np.ndarray
    pool: tuple[int, int]
    step: tuple[int, int]
    operation: str
    pooled: np.ndarray

    @property
    def frame_count(self) -> int:
        return self.pooled.size * len(PHASES)

    def frame(self, k: int) -> PoolingFrame:
        index, phase = divmod(k, len(PHASES))
        row, col = divmod(index, self.pooled.shape[1])
        top, left = row * self.step[0], col * self.step[1]
        values = self.matrix[top : top + self.pool[0], left : left + self.pool[1]]
        winner = None
        if self.operation == "max":
            r, c = np.unravel_index(int(np.argmax(values)), values.shape)
            winner = (top + int(r), left + int(c))
        placed = index + 1 if PHASES[phase] == "place" else index
        output = np.full(self.pooled.shape, np.nan)
        output.flat[:placed] = self.pooled.flat[:placed]
        return PoolingFrame(
            k=k,
            frame_count=self.frame_count,
            phase=PHASES[phase],
            cell=(row, col),
            window=(top, left),
            values=_read_only(values),
            winner=winner,
            value=float(self.pooled[row, col]),
            output=_read_only(output),
        )


def _pooling(matrix: object, pool_size: object, strides: object, operation: object) -> _Pooling:
    values = _as_matrix(matrix, "matrix").astype(np.float64)
    pool = _checks.int_tuple("pool_size", pool_size, length=2, broadcast=True)
    step = (
        pool if strides is None else _checks.int_tuple("strides", strides, length=2, broadcast=True)
    )
    operation = _checks.choice("operation", operation, OPERATIONS)
    if not all(windows.fits(n, p) for n, p in zip(values.shape, pool, strict=True)):
        raise ValueError(
            f"pool_size={pool} is larger than matrix of shape {values.shape}; use a window "
            "that fits inside the matrix."
        )
    shape = tuple(
        windows.output_size(n, p, "valid", s)
        for n, p, s in zip(values.shape, pool, step, strict=True)
    )
    reduce = np.max if operation == "max" else np.mean
    pooled = np.empty(shape)
    for row, col in np.ndindex(shape):
        top, left = row * step[0], col * step[1]
        pooled[row, col] = reduce(values[top : top + pool[0], left : left + pool[1]])
    return _Pooling(
        _read_only(values),
        pool,  # type: ignore[arg-type]
        step,  # type: ignore[arg-type]
        operation,
        _read_only(pooled),
    )


def pooling_frame(
    matrix: np.ndarray | Sequence,
    k: int,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    *,
    operation: Operation = "max",
) -> PoolingFrame:
    """Return the numbers frame ``k`` of :func:`animate_pooling` shows.

    Each window takes ``len(PHASES)`` (3) frames: window ``k // 3`` (row by row) in phase
    ``PHASES[k % 3]``.

    Parameters
    ----------
    matrix
        The 2-D input.
    k
        The frame, from 0 to ``3 * (number of windows) - 1``.
    pool_size, strides
        The window and its step (an int or a pair; ``strides=None`` means ``pool_size``),
        with ``"valid"`` padding as in :func:`convbook.pooling.max_pool2d`.
    operation
        ``"max"`` or ``"average"``.

    Returns
    -------
    PoolingFrame

    Raises
    ------
    TypeError
        If ``matrix`` does not hold real numbers or an argument has the wrong type.
    ValueError
        If ``matrix`` is not 2-D, ``k`` is out of range, a window argument is not positive,
        ``operation`` is unknown or the window does not fit.

    Examples
    --------
    >>> matrix = [[1, 1, 1, 1], [1, 1, 4, 1], [2, 1, 1, 1], [1, 3, 1, 5]]
    >>> frame = pooling_frame(matrix, k=5)
    >>> frame.phase, frame.cell, frame.winner, frame.value
    ('place', (0, 1), (1, 2), 4.0)
    >>> frame.output
    array([[ 1.,  4.],
           [nan, nan]])
    """
    pooling = _pooling(matrix, pool_size, strides, operation)
    from convbook.plotting.animation import check_frame

    return pooling.frame(check_frame(k, pooling.frame_count))


class _PoolingPicture:
    """Input and output side by side; the window, its winner and the moving value per frame."""

    def __init__(self, pooling: _Pooling) -> None:
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        self.pooling = pooling
        values, result = pooling.matrix, pooling.pooled
        width = max(6.0, _CELL_INCHES * (values.shape[1] + result.shape[1]) + 3.0)
        height = _CELL_INCHES * max(values.shape[0], result.shape[0]) + 1.9
        fig, (ax_in, ax_out) = plt.subplots(
            1,
            2,
            figsize=(width, height),
            gridspec_kw={"width_ratios": [values.shape[1], result.shape[1]], "wspace": 0.25},
            layout="constrained",
        )
        self.fig, self.ax_in, self.ax_out = fig, ax_in, ax_out
        self.low = float(min(values.min(), result.min()))
        self.high = float(max(values.max(), result.max()))
        show_values(
            values, ax_in, title=f"input ({_shape_text(values)})", vmin=self.low, vmax=self.high
        )
        self.input_texts = list(ax_in.texts)
        from matplotlib import colormaps

        blank = colormaps["Blues"].with_extremes(bad="white")
        self.output_image = ax_out.imshow(
            np.full(result.shape, np.nan), cmap=blank, vmin=self.low, vmax=self.high
        )
        self.output_texts = [
            ax_out.text(j, i, "", ha="center", va="center") for i, j in np.ndindex(result.shape)
        ]
        _label_grid(ax_out, result.shape)
        ax_out.set_title(f"output ({_shape_text(result)})")
        self.colours = _colours(result.size)
        self.window = Rectangle((0, 0), 1, 1, fill=False, linewidth=3)
        ax_in.add_patch(self.window)
        self.winner = Rectangle((0, 0), 1, 1, fill=False, linewidth=2, linestyle="--")
        ax_in.add_patch(self.winner)
        self.target = Rectangle((0, 0), 1, 1, fill=False, linewidth=3)
        ax_out.add_patch(self.target)
        self.arrow = None
        self.flying = fig.text(
            0,
            0,
            "",
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            bbox={"boxstyle": "round", "facecolor": "white", "linewidth": 2},
        )
        name = "max" if pooling.operation == "max" else "average"
        self.name = name

    def _figure_xy(self, ax: Axes, xy: tuple[float, float]) -> tuple[float, float]:
        display = ax.transData.transform(xy)
        return tuple(self.fig.transFigure.inverted().transform(display))

    def draw(self, k: int) -> None:
        from matplotlib.patches import ConnectionPatch

        frame = self.pooling.frame(k)
        pool = self.pooling.pool
        colour = self.colours[frame.k // len(PHASES)]
        top, left = frame.window
        row, col = frame.cell
        self.window.set_bounds(left - 0.44, top - 0.44, pool[1] - 0.12, pool[0] - 0.12)
        self.window.set_edgecolor(colour)
        for text in self.input_texts:
            text.set_fontweight("normal")
        if frame.winner is not None:
            r, c = frame.winner
            self.input_texts[r * self.pooling.matrix.shape[1] + c].set_fontweight("bold")
            self.winner.set_bounds(c - 0.3, r - 0.3, 0.6, 0.6)
            self.winner.set_edgecolor(colour)
        self.winner.set_visible(frame.winner is not None and frame.phase != "place")
        self.target.set_bounds(col - 0.44, row - 0.44, 0.88, 0.88)
        self.target.set_edgecolor(colour)
        self.target.set_visible(frame.phase != "pick")
        self.output_image.set_data(frame.output)
        for text, number in zip(self.output_texts, frame.output.flat, strict=True):
            known = not np.isnan(number)
            dark = known and (number - self.low) / ((self.high - self.low) or 1.0) > _DARK_CELL
            text.set_text(f"{number:.3g}" if known else "")
            text.set_color("white" if dark else "black")
        if self.arrow is not None:
            self.arrow.remove()
            self.arrow = None
        value = f"{frame.value:.3g}"
        if frame.phase == "move":
            if frame.winner is not None:
                start = (frame.winner[1], frame.winner[0])
            else:
                start = (left + (pool[1] - 1) / 2, top + (pool[0] - 1) / 2)
            self.arrow = ConnectionPatch(
                xyA=start,
                coordsA=self.ax_in.transData,
                xyB=(col, row),
                coordsB=self.ax_out.transData,
                arrowstyle="-|>",
                shrinkA=9,
                shrinkB=9,
                mutation_scale=18,
                color=colour,
                linewidth=2.5,
            )
            self.fig.add_artist(self.arrow)
            a = np.array(self._figure_xy(self.ax_in, start))
            b = np.array(self._figure_xy(self.ax_out, (col, row)))
            self.flying.set_position(tuple((a + b) / 2))
            self.flying.set_text(value)
            self.flying.get_bbox_patch().set_edgecolor(colour)
        self.flying.set_visible(frame.phase == "move")
        numbers = ", ".join(f"{v:.3g}" for v in frame.values.flat)
        if self.pooling.operation == "max":
            rule = f"max({numbers}) = {value}"
        else:
            rule = f"({numbers.replace(', ', ' + ')}) / {frame.values.size} = {value}"
        doing = {
            "pick": f"window ({row}, {col}): {rule}",
            "move": f"{value} moves to output cell ({row}, {col})",
            "place": f"output ({row}, {col}) = {value}",
        }[frame.phase]
        step = frame.k // len(PHASES) + 1
        self.fig.suptitle(
            f"{pool[0]}x{pool[1]} {self.name} pooling, window {step} of "
            f"{self.pooling.pooled.size}: {doing}"
        )


def show_pooling_frame(
    matrix: np.ndarray | Sequence,
    k: int,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    *,
    operation: Operation = "max",
) -> Figure:
    """Draw frame ``k`` of :func:`animate_pooling` as a still figure (for print).

    Arguments as in :func:`pooling_frame`.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, the input and the output, with the window, its winner and (in the
        ``"move"`` phase) an arrow carrying the value to its output cell.

    Examples
    --------
    >>> matrix = [[1, 1, 1, 1], [1, 1, 4, 1], [2, 1, 1, 1], [1, 3, 1, 5]]
    >>> fig = show_pooling_frame(matrix, k=4)
    >>> fig.get_suptitle()
    '2x2 max pooling, window 2 of 4: 4 moves to output cell (0, 1)'
    """
    pooling = _pooling(matrix, pool_size, strides, operation)
    from convbook.plotting.animation import check_frame, settle

    k = check_frame(k, pooling.frame_count)
    picture = _PoolingPicture(pooling)
    picture.draw(0)
    settle(picture.fig)
    picture.draw(k)
    return picture.fig


def animate_pooling(
    matrix: np.ndarray | Sequence,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    *,
    operation: Operation = "max",
    interval: int = 400,
) -> OfflineAnimation:
    """Animate pooling: the window steps over the input, its value moves into the output.

    Each window takes three frames (:data:`PHASES`): the window is outlined and its winner
    marked (for the mean, all its values count), an arrow carries the value to its output
    cell, and the value is placed there.

    Parameters
    ----------
    matrix, pool_size, strides, operation
        As in :func:`pooling_frame`.
    interval
        Milliseconds per frame (400: four 2x2 windows take 4.8 s a cycle).

    Returns
    -------
    convbook.plotting.animation.OfflineAnimation
        A :class:`matplotlib.animation.FuncAnimation` with ``3 * windows`` frames
        (``frame_count``), whose HTML player loads nothing from the internet.

    Examples
    --------
    >>> matrix = [[1, 1, 1, 1], [1, 1, 4, 1], [2, 1, 1, 1], [1, 3, 1, 5]]
    >>> animate_pooling(matrix, operation="average").frame_count
    12
    """
    pooling = _pooling(matrix, pool_size, strides, operation)
    interval = _checks.positive_int("interval", interval)
    from convbook.plotting.animation import animate

    picture = _PoolingPicture(pooling)
    shape, pooled = _shape_text(pooling.matrix), _shape_text(pooling.pooled)
    return animate(
        picture.fig,
        picture.draw,
        pooling.frame_count,
        interval,
        description=(
            f"Animation of {picture.name} pooling: a {pooling.pool[0]}x{pooling.pool[1]} "
            f"window steps over a {shape} input and each window's value moves into the "
            f"{pooled} output."
        ),
    )


def _read_only(values: np.ndarray) -> np.ndarray:
    frozen = np.array(values)
    frozen.setflags(write=False)
    return frozen
