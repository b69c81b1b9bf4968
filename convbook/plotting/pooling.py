"""Figures for pooling: matrices with their values written in, and the windows that pool them.

Every function takes arrays (the pooled ones come from :mod:`convbook.pooling`), draws
them and returns the :class:`matplotlib.figure.Figure`. Matplotlib is imported inside the
functions, so importing this module is cheap.

The window stepping over the input, animated, is :mod:`convbook.plotting.pooling_animation`.

Examples
--------
>>> from convbook import pooling
>>> from convbook.plotting import pooling as pooling_plots
>>> matrix = pooling.example_matrix()
>>> fig = pooling_plots.show_pooling(matrix, pooling.max_pool2d(matrix))
>>> [ax.get_title() for ax in fig.axes]
['input (4x4)', 'output (2x2)']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from convbook import _checks, windows

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


Operation = Literal["max", "average"]
OPERATIONS: tuple[str, ...] = ("max", "average")

_CELL_INCHES = 0.55
# Dark cells get white text; the threshold is on the colour map's 0..1 scale.
_DARK_CELL = 0.6


def show_values(
    matrix: np.ndarray,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "Blues",
) -> Figure:
    """Draw a matrix as a heat map with each value written in its cell.

    Parameters
    ----------
    matrix
        A 2-D array of numbers.
    ax
        Axes to draw on; a new figure is made when ``None``.
    title
        The axes title; by default it names the shape.
    vmin, vmax
        The values at the two ends of the colour map; give the same ones to several
        heat maps so that equal colours mean equal values.
    cmap
        A Matplotlib colour-map name.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.

    Examples
    --------
    >>> fig = show_values(np.array([[1.0, 4.0], [3.0, 5.0]]))
    >>> fig.axes[0].get_title()
    'a 2x2 matrix: darker cells hold larger values'
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['1', '4', '3', '5']
    """
    values = _as_matrix(matrix, "matrix")
    if ax is None:
        ax = _new_axes(values.shape)
    low = float(values.min()) if vmin is None else vmin
    high = float(values.max()) if vmax is None else vmax
    ax.imshow(values, cmap=cmap, vmin=low, vmax=high)
    _write_values(ax, values, low, high)
    _label_grid(ax, values.shape)
    ax.set_title(title or f"a {_shape_text(values)} matrix: darker cells hold larger values")
    return ax.figure


def show_pooling(
    matrix: np.ndarray,
    pooled: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    *,
    operation: Operation = "max",
    title: str | None = None,
) -> Figure:
    """Draw the input with its pooling windows outlined, next to the pooled output.

    Each window and the output cell it becomes share a colour. For max pooling the value
    that wins each window is written in bold. Windows are laid out as with ``"valid"``
    padding: window ``(i, j)`` starts at row ``i * strides[0]``, column ``j * strides[1]``.

    Parameters
    ----------
    matrix
        The 2-D input.
    pooled
        The 2-D result of pooling ``matrix``, e.g. ``convbook.pooling.max_pool2d(matrix)``.
    pool_size, strides
        The window and step used to compute ``pooled`` (an int or a pair; ``strides=None``
        means ``pool_size``).
    operation
        ``"max"`` or ``"average"``: which pooling produced ``pooled``.
    title
        The figure title; by default it says what to look for.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with two axes: the input and the output.

    Raises
    ------
    ValueError
        If the arrays are not 2-D, ``operation`` is unknown, or ``pooled`` does not have the
        shape these windows give.

    Examples
    --------
    >>> matrix = np.arange(16.0).reshape(4, 4)
    >>> pooled = matrix.reshape(2, 2, 2, 2).max(axis=(1, 3))
    >>> fig = show_pooling(matrix, pooled)
    >>> fig.get_suptitle()
    '2x2 max pooling: each window becomes the output cell of its colour'
    """
    values = _as_matrix(matrix, "matrix")
    result = _as_matrix(pooled, "pooled")
    operation = _checks.choice("operation", operation, OPERATIONS)
    pool = _checks.int_tuple("pool_size", pool_size, length=2, broadcast=True)
    step = (
        pool if strides is None else _checks.int_tuple("strides", strides, length=2, broadcast=True)
    )
    _windows_must_match(values.shape, result.shape, pool, step)

    import matplotlib.pyplot as plt

    width = max(6.4, _CELL_INCHES * (values.shape[1] + result.shape[1]) + 2.0)
    height = _CELL_INCHES * max(values.shape[0], result.shape[0]) + 1.4
    fig, (ax_in, ax_out) = plt.subplots(
        1,
        2,
        figsize=(width, height),
        gridspec_kw={"width_ratios": [values.shape[1], result.shape[1]]},
        layout="constrained",
    )
    low = float(min(values.min(), result.min()))
    high = float(max(values.max(), result.max()))
    show_values(values, ax_in, title=f"input ({_shape_text(values)})", vmin=low, vmax=high)
    show_values(result, ax_out, title=f"output ({_shape_text(result)})", vmin=low, vmax=high)
    for (i, j), colour in zip(np.ndindex(result.shape), _colours(result.size), strict=True):
        top, left = i * step[0], j * step[1]
        _outline(ax_in, top, left, pool, colour, inset=0.06)
        _outline(ax_out, i, j, (1, 1), colour, inset=0.06)
        if operation == "max":
            _embolden_winner(ax_in, values, top, left, pool)
    fig.suptitle(
        title
        or f"{pool[0]}x{pool[1]} {operation} pooling: each window becomes the output cell "
        "of its colour"
    )
    return fig


def show_channel_pooling(
    image: np.ndarray,
    pooled: np.ndarray,
    channel_names: Sequence[str] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Draw each channel of an image above the same channel after pooling.

    Pooling never mixes channels: the output's channel ``c`` depends only on the input's
    channel ``c``. Laying the channels side by side makes that visible.

    Parameters
    ----------
    image
        A ``(height, width, channels)`` array.
    pooled
        The pooled image, ``(out_height, out_width, channels)``.
    channel_names
        One name per channel; ``("red", "green", "blue")`` for three channels, else
        ``channel 0``, ``channel 1``, ...
    title
        The figure title; by default it says what to look for.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with two rows of axes (input, output) and one column per channel.

    Raises
    ------
    ValueError
        If the arrays are not 3-D with the same number of channels, or the number of
        names does not match.

    Examples
    --------
    >>> image = np.stack([np.eye(4), 2 * np.eye(4)], axis=-1)
    >>> pooled = image.reshape(2, 2, 2, 2, 2).max(axis=(1, 3))
    >>> fig = show_channel_pooling(image, pooled)
    >>> len(fig.axes), fig.axes[0].get_title()
    (4, 'channel 0 in (4x4)')
    """
    image = _checks.real_array("image", image)
    pooled = _checks.real_array("pooled", pooled)
    if image.ndim != 3 or pooled.ndim != 3 or image.shape[-1] != pooled.shape[-1]:
        raise ValueError(
            "image and pooled must be (height, width, channels) arrays with the same number "
            f"of channels; got shapes {image.shape} and {pooled.shape}."
        )
    channels = image.shape[-1]
    names = _channel_names(channels, channel_names)

    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        2,
        channels,
        figsize=(2.6 * channels, 5.0),
        layout="constrained",
        squeeze=False,
        gridspec_kw={"height_ratios": [image.shape[0], pooled.shape[0]]},
    )
    for c, name in enumerate(names):
        low = float(min(image[..., c].min(), pooled[..., c].min()))
        high = float(max(image[..., c].max(), pooled[..., c].max()))
        cmap = _channel_cmap(name)
        source, result = image[..., c], pooled[..., c]
        for row, (values, side) in enumerate(((source, "in"), (result, "out"))):
            show_values(
                values,
                axes[row, c],
                title=f"{name} {side} ({_shape_text(values)})",
                vmin=low,
                vmax=high,
                cmap=cmap,
            )
    fig.suptitle(title or "Each channel is pooled on its own: no output mixes two channels")
    return fig


# --------------------------------------------------------------------------- internals


def _as_matrix(values: object, name: str) -> np.ndarray:
    return _checks.real_array(name, values, ndim=2, layout="(rows, columns)")


def _windows_must_match(
    shape: tuple[int, ...],
    pooled_shape: tuple[int, ...],
    pool: tuple[int, ...],
    step: tuple[int, ...],
) -> None:
    """Raise unless ``"valid"`` windows of ``pool`` and ``step`` give ``pooled_shape``."""
    expected = tuple(
        windows.output_size(n, p, "valid", s) if windows.fits(n, p) else 0
        for n, p, s in zip(shape, pool, step, strict=True)
    )
    if expected != tuple(pooled_shape):
        raise ValueError(
            f"pooled has shape {tuple(pooled_shape)}, but pool_size={pool} and strides={step} "
            f"on a {shape} input give {expected} windows ('valid' padding); pass the "
            "pool_size and strides that produced it."
        )


def _new_axes(shape: tuple[int, ...]) -> Axes:
    import matplotlib.pyplot as plt

    rows, columns = shape
    size = (_CELL_INCHES * columns + 1.6, _CELL_INCHES * rows + 1.2)
    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _write_values(ax: Axes, values: np.ndarray, low: float, high: float) -> None:
    span = (high - low) or 1.0
    for (i, j), value in np.ndenumerate(values):
        dark = (float(value) - low) / span > _DARK_CELL
        ax.text(
            j,
            i,
            f"{float(value):.3g}",
            ha="center",
            va="center",
            color="white" if dark else "black",
        )


def _label_grid(ax: Axes, shape: tuple[int, ...]) -> None:
    rows, columns = shape
    ax.set_xticks(range(columns))
    ax.set_yticks(range(rows))
    ax.set_xlabel("column")
    ax.set_ylabel("row")


def _outline(
    ax: Axes, top: int, left: int, size: tuple[int, int], colour: object, inset: float
) -> None:
    from matplotlib.patches import Rectangle

    # Cells are centred on integer coordinates, so a cell spans +-0.5 around its index.
    ax.add_patch(
        Rectangle(
            (left - 0.5 + inset, top - 0.5 + inset),
            size[1] - 2 * inset,
            size[0] - 2 * inset,
            fill=False,
            edgecolor=colour,
            linewidth=2.5,
        )
    )


def _embolden_winner(
    ax: Axes, values: np.ndarray, top: int, left: int, pool: tuple[int, int]
) -> None:
    window = values[top : top + pool[0], left : left + pool[1]]
    row, column = np.unravel_index(int(np.argmax(window)), window.shape)
    # show_values wrote one text per cell, in row-major order, and nothing else.
    index = (top + row) * values.shape[1] + (left + column)
    ax.texts[index].set_fontweight("bold")


def _colours(count: int) -> list[object]:
    import matplotlib as mpl

    palette = mpl.colormaps["tab10"].colors
    return [palette[(k + 1) % len(palette)] for k in range(count)]


def _channel_names(channels: int, names: Sequence[str] | None) -> list[str]:
    if names is None:
        if channels == 3:
            return ["red", "green", "blue"]
        return [f"channel {c}" for c in range(channels)]
    if len(names) != channels:
        raise ValueError(
            f"channel_names must name all {channels} channels; got {len(names)}: {list(names)}."
        )
    return list(names)


def _channel_cmap(name: str) -> str:
    return {"red": "Reds", "green": "Greens", "blue": "Blues"}.get(name, "Greys")


def _shape_text(values: np.ndarray) -> str:
    return "x".join(str(n) for n in values.shape)
