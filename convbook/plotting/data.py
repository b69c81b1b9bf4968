"""Figures of datasets: one image as its numbers, a grid of samples, how many of each class.

Every function takes arrays (as :func:`convbook.datasets.load` returns them), draws with
labelled axes and a title that says what to see, and returns the
:class:`matplotlib.figure.Figure`. Matplotlib is imported inside the functions.

Examples
--------
>>> import numpy as np
>>> from convbook.plotting import data as data_plots
>>> fig = data_plots.show_samples(np.zeros((6, 28, 28), np.uint8), [0, 1, 2, 0, 1, 2],
...                               ["a", "b", "c"], n_rows=2, n_cols=3)
>>> [ax.get_title() for ax in fig.axes]
['a', 'b', 'c', 'a', 'b', 'c']
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks
from convbook.plotting.convolution import show_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "display_name",
    "show_class_counts",
    "show_image_values",
    "show_samples",
    "show_samples_per_class",
]


def _as_image(values: ArrayLike, name: str) -> np.ndarray:
    """Return a 2-D grey image or an RGB image, dropping a trailing channel axis of 1."""
    array = np.asarray(values)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold pixel values (numbers); got dtype {array.dtype}.")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3) or not array.size:
        raise ValueError(
            f"{name} must be one image, (height, width), (height, width, 1) or "
            f"(height, width, 3); got shape {np.shape(values)}."
        )
    return array


def _image_grid(
    images: Sequence[ArrayLike],
    titles: Sequence[str],
    n_rows: int,
    n_cols: int,
    *,
    cell: tuple[float, float],
    title_size: float,
    remove_blank: bool,
) -> Figure:
    """Draw ``images`` in an ``n_rows x n_cols`` grid, each titled, without ticks.

    Cells beyond the images are turned off (kept, empty) or, with ``remove_blank``,
    removed. ``cell`` is the width and height in inches of one cell.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(cell[0] * n_cols, cell[1] * n_rows + 0.7),
        squeeze=False,
        layout="constrained",
    )
    for index, ax in enumerate(axes.ravel()):
        if index >= len(images):
            if remove_blank:
                ax.remove()
            else:
                ax.set_axis_off()
            continue
        picture = _as_image(images[index], f"images[{index}]")
        ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(titles[index], fontsize=title_size)
    return fig


@functools.cache
def _font_paths() -> tuple[str, ...]:
    import matplotlib as mpl
    from matplotlib import font_manager

    paths = []
    for family in mpl.rcParams["font.sans-serif"]:
        try:
            paths.append(
                font_manager.findfont(
                    font_manager.FontProperties(family=family), fallback_to_default=False
                )
            )
        except ValueError:
            continue
    paths.append(font_manager.findfont(font_manager.FontProperties()))
    return tuple(dict.fromkeys(paths))


@functools.cache
def _has_glyph(character: str) -> bool:
    from matplotlib.ft2font import FT2Font

    return any(FT2Font(path).get_char_index(ord(character)) for path in _font_paths())


def display_name(name: str) -> str:
    """Return a class name as the installed fonts can draw it.

    Kuzushiji-MNIST's names are a hiragana character and its reading, ``"お (o)"``. Without
    a Japanese font Matplotlib would draw an empty box, so only the reading in parentheses
    is kept then. Names the fonts can draw are returned unchanged.

    Examples
    --------
    >>> display_name("Ankle boot")
    'Ankle boot'
    >>> display_name("お (o)") in ("お (o)", "o")
    True
    """
    if all(_has_glyph(character) for character in name if not character.isspace()):
        return name
    if "(" in name and name.rstrip().endswith(")"):
        return name[name.index("(") + 1 : name.rstrip().rindex(")")]
    return name


def show_image_values(image: ArrayLike, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Draw a grey image as a heat map with every pixel's value written in its cell.

    A 28x28 digit becomes 784 numbers from 0 (black background) to 255 (full ink): this is
    all a network ever sees of it.

    Parameters
    ----------
    image
        One grey image, ``(height, width)`` or ``(height, width, 1)``; uint8 (0-255) or
        floats.
    ax
        Axes to draw on; a new figure sized so the numbers are legible is made when omitted.
    title
        The axes title; by default it says what the numbers are.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_image_values(np.arange(16, dtype=np.uint8).reshape(4, 4))
    >>> len(fig.axes[0].texts), fig.axes[0].texts[5].get_text()
    (16, '5')
    """
    import matplotlib.pyplot as plt

    pixels = _as_image(image, "image")
    if pixels.ndim != 2:
        raise ValueError(f"image must be a grey image; got shape {np.shape(image)}.")
    rows, columns = pixels.shape
    if ax is None:
        side = min(11.0, max(3.0, 0.36 * max(rows, columns) + 1.0))
        _, ax = plt.subplots(figsize=(side, side), layout="constrained")
    show_matrix(pixels, ax, cmap="gray")
    # Fit the numbers to the cells: 9 points suit 0.55-inch cells; shrink with them.
    cell_inches = ax.figure.get_figwidth() / (columns + 2)
    font_size = max(3.0, min(9.0, 16.0 * cell_inches))
    for text in ax.texts:
        text.set_fontsize(font_size)
    ax.tick_params(labelsize=min(9.0, font_size + 1))
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    high = "255" if pixels.dtype.kind in "iu" else f"{float(pixels.max()):.3g}"
    ax.set_title(
        title
        or f"A {rows}x{columns} image is {pixels.size} numbers: 0 is black, {high} is full ink"
    )
    return ax.figure


def show_samples(
    images: ArrayLike,
    labels: ArrayLike,
    class_names: Sequence[str],
    n_rows: int = 3,
    n_cols: int = 8,
    title: str | None = None,
) -> Figure:
    """Draw the first ``n_rows * n_cols`` images in a grid, each titled with its class name.

    Parameters
    ----------
    images
        Images ``(N, height, width)``, ``(N, height, width, 1)`` or ``(N, height, width, 3)``.
    labels
        Integer labels, one per image.
    class_names
        The name of each label.
    n_rows, n_cols
        The grid; cells beyond the number of images are left blank.
    title
        The figure title; by default it says what is shown.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with ``n_rows * n_cols`` axes.

    Raises
    ------
    ValueError
        If the arrays do not fit together, a label has no name, or the grid is empty.

    Examples
    --------
    >>> fig = show_samples(np.zeros((2, 5, 5)), [1, 0], ["zero", "one"], n_rows=1, n_cols=3)
    >>> len(fig.axes), fig.axes[0].get_title()
    (3, 'one')
    """
    stack = np.asarray(images)
    values = np.asarray(labels)
    n_rows = _checks.positive_int("n_rows", n_rows)
    n_cols = _checks.positive_int("n_cols", n_cols)
    if stack.ndim not in (3, 4) or values.shape != stack.shape[:1]:
        raise ValueError(
            "images must be a stack (N, height, width[, channels]) with one label each; "
            f"got images {stack.shape} and labels {values.shape}."
        )
    if values.size and (values.min() < 0 or values.max() >= len(class_names)):
        raise ValueError(
            f"labels run from {int(values.min())} to {int(values.max())} but there are "
            f"{len(class_names)} class names."
        )
    count = min(len(stack), n_rows * n_cols)
    titles = [display_name(class_names[int(label)]) for label in values[:count]]
    fig = _image_grid(
        stack[:count], titles, n_rows, n_cols, cell=(1.3, 1.45), title_size=9, remove_blank=False
    )
    shown = min(len(stack), n_rows * n_cols)
    fig.supxlabel(f"{shown} images, each titled with its label's class name", fontsize=9)
    fig.suptitle(title or f"{shown} sample images and their labels")
    return fig


def show_samples_per_class(
    images: ArrayLike,
    labels: ArrayLike,
    class_names: Sequence[str],
    per_class: int = 3,
    title: str | None = None,
) -> Figure:
    """Draw the first ``per_class`` images of every class, one class per column.

    Row ``r`` holds the ``r``-th image of each class, in the order of ``images``.

    Parameters
    ----------
    images
        Images ``(N, height, width)``, ``(N, height, width, 1)`` or ``(N, height, width, 3)``.
    labels
        Integer labels, one per image.
    class_names
        The name of each label, one column per name.
    per_class
        Images shown per class (rows of the grid).
    title
        The figure title; by default it says what is shown.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If a class has fewer than ``per_class`` images, or the arrays do not fit together.

    Examples
    --------
    >>> fig = show_samples_per_class(np.zeros((4, 5, 5)), [0, 1, 1, 0], ["a", "b"], per_class=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b', 'a', 'b']
    """
    values = np.asarray(labels)
    per_class = _checks.positive_int("per_class", per_class)
    columns = []
    for label, name in enumerate(class_names):
        found = np.flatnonzero(values == label)[:per_class]
        if len(found) < per_class:
            raise ValueError(
                f"labels must hold at least {per_class} images of every class; "
                f"got {len(found)} of {name!r}."
            )
        columns.append(found)
    grid = np.stack(columns, axis=1).ravel()  # row r holds the r-th image of every class
    return show_samples(
        np.asarray(images)[grid],
        values[grid],
        class_names,
        n_rows=per_class,
        n_cols=len(class_names),
        title=title,
    )


def show_class_counts(
    labels: ArrayLike | Mapping[str, ArrayLike],
    class_names: Sequence[str],
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw a bar chart of how many examples each class has, split by split.

    Parameters
    ----------
    labels
        Integer labels, or a mapping from split name (``"train"``, ``"test"``) to labels;
        each split gets its own bars, side by side.
    class_names
        The name of each label.
    title
        The axes title; by default it says what to look for.
    ax
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_class_counts({"train": [0, 1, 1], "test": [0, 1]}, ["a", "b"])
    >>> [int(bar.get_height()) for bar in fig.axes[0].patches]
    [1, 2, 1, 1]
    """
    import matplotlib.pyplot as plt

    from convbook.inspection import class_counts

    splits = dict(labels) if isinstance(labels, Mapping) else {"examples": labels}
    if not splits:
        raise ValueError("labels must hold at least one split; got an empty mapping.")
    counts = {name: class_counts(values, len(class_names)) for name, values in splits.items()}
    if ax is None:
        _, ax = plt.subplots(
            figsize=(max(6.4, 0.8 * len(class_names) + 2), 4.2), layout="constrained"
        )
    width = 0.8 / len(counts)
    positions = np.arange(len(class_names))
    for k, (name, values) in enumerate(counts.items()):
        offset = (k - (len(counts) - 1) / 2) * width
        ax.bar(positions + offset, values, width=width, label=f"{name} ({int(values.sum())})")
    ax.set_xticks(positions, [display_name(name) for name in class_names])
    if max(len(display_name(name)) for name in class_names) > 5:
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel("class")
    ax.set_ylabel("number of examples")
    # Head room above the tallest bar keeps the legend off the bars.
    ax.set_ylim(0, 1.22 * max(int(values.max()) for values in counts.values()) or 1)
    ax.legend(title="split (total)", ncols=len(counts), loc="upper center")
    ax.set_title(title or "Examples per class: similar bar heights mean a balanced dataset")
    return ax.figure
