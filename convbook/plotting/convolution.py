"""Figures for convolution: matrices with their values, sliding windows, filtered photos.

Every function draws with Matplotlib's object-oriented API (safe under the Agg backend),
labels its axes, titles the figure with what to see, and returns the
:class:`matplotlib.figure.Figure`. Matplotlib is imported inside the functions.

The kernel sliding over an image, animated one output cell per frame, is
:mod:`convbook.plotting.convolution_animation`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "show_channels",
    "show_convolution_step",
    "show_filter_bank",
    "show_impulse_response",
    "show_kernels",
    "show_matrix",
]

Window = tuple[int, int, int, int]


def _as_matrix(values: ArrayLike, name: str) -> np.ndarray:
    return _checks.real_array(name, values, ndim=2, layout="(rows, columns)")


def _format_value(value: float, integers: bool) -> str:
    return f"{int(value)}" if integers else f"{value:.2g}"


def _draw_window(ax: Axes, window: Window, color: str = "red") -> None:
    from matplotlib.patches import Rectangle

    row, col, height, width = window
    ax.add_patch(
        Rectangle((col - 0.5, row - 0.5), width, height, fill=False, edgecolor=color, linewidth=3)
    )


def show_matrix(
    values: ArrayLike,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    cmap: str = "viridis",
    highlight: Window | None = None,
    xlabel: str = "column",
    ylabel: str = "row",
    symmetric: bool = False,
) -> Figure:
    """Draw a small matrix as a heat map with every value written in its cell.

    Parameters
    ----------
    values
        Any 2-D array of numbers (an image patch, a kernel, a pooled map).
    ax
        Axes to draw on; a new figure is made when omitted.
    title
        Axes title.
    cmap
        Matplotlib colour map name.
    highlight
        ``(row, column, height, width)`` of a block to outline in red, e.g. the window
        under the kernel.
    xlabel, ylabel
        Axis labels.
    symmetric
        Centre the colour scale on zero (useful for kernels with negative weights).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_matrix([[1, 2], [3, 4]], title="a 2x2 matrix", highlight=(0, 0, 1, 2))
    >>> fig.axes[0].get_title()
    'a 2x2 matrix'
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['1', '2', '3', '4']
    """
    import matplotlib.pyplot as plt

    matrix = _as_matrix(values, "values")
    if ax is None:
        size = max(2.5, 0.55 * max(matrix.shape) + 1)
        _, ax = plt.subplots(figsize=(size, size), layout="constrained")
    limit = float(np.abs(matrix).max()) or 1.0
    scale = {"vmin": -limit, "vmax": limit} if symmetric else {}
    image = ax.imshow(matrix, cmap=cmap, **scale)
    integers = bool(np.all(np.equal(np.mod(matrix, 1), 0)))
    for (row, col), value in np.ndenumerate(matrix):
        red, green, blue, _ = image.cmap(image.norm(value))
        dark_cell = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(
            col,
            row,
            _format_value(value, integers),
            ha="center",
            va="center",
            fontsize=9,
            color="white" if dark_cell else "black",
        )
    if highlight is not None:
        _draw_window(ax, highlight)
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax.figure


def show_convolution_step(
    image: ArrayLike,
    kernel: ArrayLike,
    output: ArrayLike,
    position: tuple[int, int] = (0, 0),
    *,
    kernel_title: str = "kernel, flipped",
    title: str | None = None,
) -> Figure:
    """Show one step of a stride-1 "valid" convolution: window, kernel, and its output cell.

    Parameters
    ----------
    image
        The input matrix; the window under the kernel is outlined.
    kernel
        The kernel as it is laid on the image (already flipped, for convolution).
    output
        The output matrix; the cell this step produces is outlined.
    position
        ``(row, column)`` of the output cell (= top-left corner of the window).
    kernel_title, title
        Title of the kernel panel, and of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_convolution_step(np.eye(4), np.ones((3, 3)), 2 * np.ones((2, 2)))
    >>> [ax.get_title() for ax in fig.axes]
    ['image', 'kernel, flipped', 'output']
    """
    import matplotlib.pyplot as plt

    image = _as_matrix(image, "image")
    kernel = _as_matrix(kernel, "kernel")
    output = _as_matrix(output, "output")
    row, col = position
    fig, (ax_image, ax_kernel, ax_output) = plt.subplots(
        1, 3, figsize=(11, 4), layout="constrained", width_ratios=[image.shape[1], 3, 3]
    )
    show_matrix(image, ax_image, title="image", highlight=(row, col, *kernel.shape))
    show_matrix(kernel, ax_kernel, title=kernel_title, cmap="RdBu_r", symmetric=True)
    show_matrix(output, ax_output, title="output", cmap="RdBu_r", symmetric=True)
    _draw_window(ax_output, (row, col, 1, 1))
    fig.suptitle(
        title or f"Output ({row}, {col}): multiply the outlined window by the kernel, then add up"
    )
    return fig


def show_impulse_response(
    signal: ArrayLike, kernel: ArrayLike, correlation: ArrayLike, convolution: ArrayLike
) -> Figure:
    """Stem plots of an impulse, a kernel, and the impulse slid past it both ways.

    Examples
    --------
    >>> fig = show_impulse_response([0, 1, 0], [1, 2], [0, 2, 1], [0, 1, 2])
    >>> len(fig.axes)
    4
    """
    import matplotlib.pyplot as plt

    panels = [
        (signal, "signal: one impulse"),
        (kernel, "kernel"),
        (correlation, "correlation (no flip): kernel comes out reversed"),
        (convolution, "convolution (flip): kernel comes out as it is"),
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6, 7), layout="constrained")
    for ax, (values, label) in zip(axes, panels, strict=True):
        values = np.asarray(values)
        ax.stem(np.arange(values.size), values)
        ax.set_title(label, fontsize=10)
        ax.set_xticks(np.arange(values.size))
        ax.set_ylabel("value")
    axes[-1].set_xlabel("position")
    fig.suptitle("Why convolution flips the kernel")
    return fig


def show_channels(
    volume: ArrayLike,
    *,
    title: str,
    highlight: Window | None = None,
    channel_label: str = "channel",
    cmap: str = "viridis",
    symmetric: bool = False,
) -> Figure:
    """Draw each channel of an ``(height, width, channels)`` array as its own matrix.

    Examples
    --------
    >>> fig = show_channels(np.zeros((3, 3, 2)), title="two channels")
    >>> [ax.get_title() for ax in fig.axes]
    ['channel 0', 'channel 1']
    """
    import matplotlib.pyplot as plt

    array = _checks.real_array("volume", volume, ndim=3, layout="(height, width, channels)")
    channels = array.shape[2]
    size = 0.5 * max(array.shape[:2]) + 1
    fig, axes = plt.subplots(
        1, channels, figsize=(size * channels, size + 0.6), layout="constrained", squeeze=False
    )
    for c, ax in enumerate(axes[0]):
        show_matrix(
            array[:, :, c],
            ax,
            title=f"{channel_label} {c}",
            cmap=cmap,
            highlight=highlight,
            symmetric=symmetric,
        )
    fig.suptitle(title)
    return fig


def show_kernels(kernels: Mapping[str, ArrayLike], *, title: str | None = None) -> Figure:
    """Draw several kernels side by side, weights written in (red positive, blue negative).

    Examples
    --------
    >>> fig = show_kernels({"a": np.eye(3), "b": -np.eye(3)})
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b']
    """
    import matplotlib.pyplot as plt

    if not kernels:
        raise ValueError("kernels must name at least one kernel; got an empty mapping.")
    fig, axes = plt.subplots(
        1, len(kernels), figsize=(2.6 * len(kernels), 3), layout="constrained", squeeze=False
    )
    for ax, (name, kernel) in zip(axes[0], kernels.items(), strict=True):
        show_matrix(kernel, ax, title=name, cmap="RdBu_r", symmetric=True)
    fig.suptitle(title or "Kernels: the pattern each one responds to")
    return fig


def _looks_signed(values: np.ndarray) -> bool:
    """Edge responses centre on zero; pictures (blurred, sharpened) keep a bright mean."""
    return bool(values.min() < 0 and abs(values.mean()) < 0.05 * np.abs(values).max())


def show_filter_bank(
    image: ArrayLike,
    filtered: Mapping[str, ArrayLike],
    *,
    ncols: int = 3,
    title: str | None = None,
    order: Sequence[str] | None = None,
    signed: Collection[str] | None = None,
) -> Figure:
    """Show a photo and its filtered versions in a grid.

    Pictures (the original, blurred or sharpened versions) are drawn in grey on the
    original's brightness range, clipping what falls outside. Signed responses (edge
    detectors) are drawn red (positive) and blue (negative) on a scale centred on zero and
    clipped at the 99th percentile of their absolute values, so that the many moderate edges
    show and not only the few strongest.

    Parameters
    ----------
    image
        The original 2-D image.
    filtered
        Name to filtered image (e.g. from :func:`convbook.convolution.apply_filters`).
    ncols
        Panels per row.
    title
        Figure title.
    order
        Which filtered images to show, in order (default: all, in mapping order).
    signed
        Names of the signed responses; by default, those with negative values whose mean
        is within 5% of their largest absolute value from zero.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_filter_bank(np.eye(8), {"negative": -np.eye(8)}, ncols=2)
    >>> [ax.get_title() for ax in fig.axes if ax.get_title()]
    ['original', 'negative']
    """
    import matplotlib.pyplot as plt

    original = _as_matrix(image, "image")
    ncols = _checks.positive_int("ncols", ncols)
    names = list(filtered if order is None else order)
    missing = [name for name in names if name not in filtered]
    if missing:
        raise ValueError(f"order names {missing} not in filtered; choose from {list(filtered)}.")
    panels = [("original", original)] + [(name, _as_matrix(filtered[name], name)) for name in names]
    nrows = -(-len(panels) // ncols)
    aspect = original.shape[0] / original.shape[1]
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.3 * ncols, 3.3 * aspect * nrows + 0.6),
        layout="constrained",
        squeeze=False,
    )
    grey_range = {"vmin": float(original.min()), "vmax": float(original.max())}
    for ax, (name, values) in zip(axes.ravel(), panels, strict=False):
        is_signed = _looks_signed(values) if signed is None else name in signed
        if is_signed:
            limit = float(np.percentile(np.abs(values), 99)) or 1.0
            ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(values, cmap="gray", **grey_range)
        ax.set_title(name)
        ax.set_xlabel("column (pixel)", fontsize=8)
        ax.set_ylabel("row (pixel)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_axis_off()
    fig.suptitle(title or "Each kernel keeps one kind of feature of the same photo")
    return fig
