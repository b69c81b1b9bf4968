"""Figures of what a trained network learned: its first-layer filters and its feature maps.

The arrays come from :func:`convbook.inspection.first_layer_filters` and
:func:`convbook.inspection.feature_maps`. Every function labels its axes, titles the figure
with what to see and returns the :class:`matplotlib.figure.Figure`; Matplotlib is imported
inside the functions.

Examples
--------
>>> import numpy as np
>>> from convbook.plotting import inspection as inspection_plots
>>> fig = inspection_plots.show_filters(np.zeros((3, 3, 1, 4)))
>>> [ax.get_title() for ax in fig.axes[:4]]
['filter 0', 'filter 1', 'filter 2', 'filter 3']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["show_feature_maps", "show_filters"]


def show_filters(
    filters: ArrayLike,
    title: str | None = None,
    *,
    n_cols: int = 8,
    input_channel: int | None = None,
    values: bool | None = None,
) -> Figure:
    """Draw each filter of a convolutional layer as a small heat map.

    One-channel filters (a first layer reading grey images) are drawn in red (positive
    weights) and blue (negative) on one scale shared by all filters, so the colours compare
    across panels. Three-channel filters (colour images) are drawn as colour pictures,
    rescaled to 0-1 together. For other channel counts, ``input_channel`` picks the slice.

    Parameters
    ----------
    filters
        A kernel ``(kernel_height, kernel_width, input_channels, n_filters)``, as from
        :func:`convbook.inspection.first_layer_filters`.
    title
        The figure title; by default it says what to look for.
    n_cols
        Filters per row.
    input_channel
        Which input channel to draw; default all three as colour for three channels,
        else channel 0.
    values
        Whether to write each weight in its cell; default yes for kernels up to 5x5 when
        drawing red/blue heat maps.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per filter (plus blank cells to fill the last row, and a colour bar for
        red/blue heat maps).

    Raises
    ------
    ValueError
        If ``filters`` is not 4-D or ``input_channel`` is out of range.

    Examples
    --------
    >>> fig = show_filters(np.ones((5, 5, 3, 2)))
    >>> [ax.get_title() for ax in fig.axes]
    ['filter 0', 'filter 1']
    """
    import matplotlib.pyplot as plt

    kernel = np.asarray(filters, dtype=float)
    if kernel.ndim != 4 or kernel.size == 0:
        raise ValueError(
            "filters must be a 4-D kernel (kernel_height, kernel_width, input_channels, "
            f"n_filters); got shape {kernel.shape}."
        )
    height, width, channels, count = kernel.shape
    n_cols = min(_checks.positive_int("n_cols", n_cols), count)
    as_colour = channels == 3 and input_channel is None
    channel = 0 if input_channel is None else input_channel
    if not as_colour:
        _checks.integer("input_channel", channel, minimum=0, maximum=channels - 1)
    write = (height * width <= 25 and not as_colour) if values is None else values
    n_rows = -(-count // n_cols)
    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(1.25 * n_cols + 1.0, 1.3 * n_rows + 0.9),
        squeeze=False,
        layout="constrained",
    )
    limit = float(np.abs(kernel).max()) or 1.0
    image = None
    for k, ax in enumerate(axes.ravel()):
        if k >= count:
            ax.remove()
            continue
        if as_colour:
            low, high = float(kernel.min()), float(kernel.max())
            ax.imshow((kernel[..., k] - low) / ((high - low) or 1.0))
        else:
            weights = kernel[:, :, channel, k]
            image = ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
            if write:
                for (i, j), weight in np.ndenumerate(weights):
                    ax.text(j, i, f"{weight:.2f}", ha="center", va="center", fontsize=5.5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"filter {k}", fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=axes.ravel()[:count].tolist(), shrink=0.8, label="weight")
    which = "" if as_colour or channels == 1 else f" (input channel {channel})"
    fig.supxlabel(f"{count} filters of {height}x{width} weights{which}", fontsize=9)
    colours = "" if as_colour else " (red = positive weights, blue = negative)"
    fig.suptitle(title or f"Learned filters: the pattern each feature map lights up for{colours}")
    return fig


def show_feature_maps(
    maps: Mapping[str, ArrayLike],
    title: str | None = None,
    *,
    max_channels: int = 8,
    image: ArrayLike | None = None,
) -> Figure:
    """Draw what each layer made of one image: a row per layer, a panel per feature map.

    Parameters
    ----------
    maps
        Layer name to its output for one image, ``(height, width, channels)``, as from
        :func:`convbook.inspection.feature_maps` (in layer order).
    title
        The figure title; by default it says what to look for.
    max_channels
        How many feature maps of each layer to draw (the first ones).
    image
        The input image, drawn in a row of its own above the layers when given.

    Returns
    -------
    matplotlib.figure.Figure
        A grid with one row per layer (plus one for ``image``) and ``max_channels``
        columns; cells a layer does not fill are removed.

    Raises
    ------
    ValueError
        If ``maps`` is empty or a map is not ``(height, width, channels)``.

    Examples
    --------
    >>> fig = show_feature_maps({"conv": np.ones((6, 6, 2)), "pool": np.ones((3, 3, 2))})
    >>> [ax.get_title() for ax in fig.axes]
    ['map 0', 'map 1', 'map 0', 'map 1']
    >>> fig.axes[2].get_ylabel().splitlines()
    ['pool', '3x3x2']
    """
    import matplotlib.pyplot as plt

    if not maps:
        _checks.fail("maps", maps, "a mapping with at least one layer's output")
    arrays = {name: np.asarray(values, dtype=float) for name, values in maps.items()}
    for name, values in arrays.items():
        if values.ndim != 3 or values.size == 0:
            raise ValueError(
                f"maps[{name!r}] must be one image's output (height, width, channels); "
                f"got shape {values.shape}. Remove the batch axis first."
            )
    limit = _checks.positive_int("max_channels", max_channels)
    n_cols = min(limit, max(values.shape[-1] for values in arrays.values()))
    rows: list[tuple[str, np.ndarray | None]] = []
    if image is not None:
        rows.append(("input", None))
    rows += list(arrays.items())
    fig, axes = plt.subplots(
        len(rows),
        n_cols,
        figsize=(1.35 * n_cols + 1.4, 1.45 * len(rows) + 0.8),
        squeeze=False,
        layout="constrained",
    )
    for row_axes, (name, values) in zip(axes, rows, strict=True):
        if values is None:
            picture = np.asarray(image)
            picture = picture[..., 0] if picture.ndim == 3 and picture.shape[-1] == 1 else picture
            row_axes[0].imshow(picture, cmap="gray")
            row_axes[0].set_title("input", fontsize=8)
            row_axes[0].set_ylabel("input\n" + "x".join(map(str, picture.shape[:2])), fontsize=8)
            used = 1
        else:
            used = min(n_cols, values.shape[-1])
            for c in range(used):
                row_axes[c].imshow(values[:, :, c], cmap="viridis")
                row_axes[c].set_title(f"map {c}", fontsize=8)
            row_axes[0].set_ylabel(f"{name}\n" + "x".join(map(str, values.shape)), fontsize=8)
        for ax in row_axes[:used]:
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in row_axes[used:]:
            ax.remove()
    fig.supxlabel(
        f"the first {n_cols} feature maps of each layer (bright = strong response); "
        "rows labelled layer, height x width x channels",
        fontsize=9,
    )
    fig.suptitle(
        title or "One image through the network: maps shrink and grow more abstract layer by layer"
    )
    return fig
