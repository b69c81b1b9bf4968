"""The sliding kernel, animated: one output cell of a convolution per frame.

:func:`animate_convolution` shows the kernel moving over the image one output cell per
frame: the window, its products and their sum, and the output filling in. It is also a
set of still pictures, :func:`show_convolution_frame`, and of numbers,
:func:`convolution_frame`, for print and for tests. The still figures of convolution are
in :mod:`convbook.plotting.convolution`; the player is :mod:`convbook.plotting.animation`.
Matplotlib is imported inside the functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks, windows
from convbook.plotting.convolution import _as_matrix, _format_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from convbook.plotting.animation import OfflineAnimation

__all__ = [
    "ConvolutionFrame",
    "animate_convolution",
    "convolution_frame",
    "show_convolution_frame",
]

#: Inches per matrix cell in the animation's panels.
_CELL = 0.42


@dataclass(frozen=True, eq=False)
class ConvolutionFrame:
    """The numbers frame ``k`` of :func:`animate_convolution` shows (arrays are read-only).

    Attributes
    ----------
    k, frame_count
        This frame, and the number of frames in one cycle: one per output cell, row by row.
    cell
        ``(row, column)`` of the output cell this frame computes.
    window
        ``(row, column)`` of the window's top-left corner in ``padded``; it moves
        ``stride`` cells per output cell.
    padded
        The image with its border of zeros (the image itself for ``padding="valid"``).
    pad
        The zeros added, ``((top, bottom), (left, right))``.
    kernel
        The kernel as it is laid on the image: flipped for a convolution, as given for a
        cross-correlation (what ``keras.layers.Conv2D`` computes).
    patch
        The window of ``padded`` under the kernel.
    products
        ``patch * kernel``, cell by cell.
    value
        The sum of ``products``: the value of output cell ``cell``.
    output
        The output so far, as floats: cells ``0 .. k`` (row by row) filled in, NaN where
        nothing is computed yet. At the last frame it is the whole result.
    """

    k: int
    frame_count: int
    cell: tuple[int, int]
    window: tuple[int, int]
    padded: np.ndarray
    pad: tuple[tuple[int, int], tuple[int, int]]
    kernel: np.ndarray
    patch: np.ndarray
    products: np.ndarray
    value: int | float
    output: np.ndarray


def _frozen(values: ArrayLike) -> np.ndarray:
    array = np.array(values)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class _Slide:
    """Every window of one sliding-kernel computation, worked out once."""

    image: np.ndarray
    padded: np.ndarray
    pad: tuple[tuple[int, int], tuple[int, int]]
    kernel: np.ndarray
    padding: str | int
    stride: tuple[int, int]
    flip: bool
    values: np.ndarray

    @property
    def frame_count(self) -> int:
        return self.values.size

    def frame(self, k: int) -> ConvolutionFrame:
        row, col = divmod(k, self.values.shape[1])
        top, left = row * self.stride[0], col * self.stride[1]
        kh, kw = self.kernel.shape
        patch = self.padded[top : top + kh, left : left + kw]
        products = patch * self.kernel
        output = np.full(self.values.shape, np.nan)
        output.flat[: k + 1] = self.values.flat[: k + 1]
        return ConvolutionFrame(
            k=k,
            frame_count=self.frame_count,
            cell=(row, col),
            window=(top, left),
            padded=self.padded,
            pad=self.pad,
            kernel=self.kernel,
            patch=_frozen(patch),
            products=_frozen(products),
            value=products.sum().item(),
            output=_frozen(output),
        )


def _slide(
    image: ArrayLike, kernel: ArrayLike, padding: object, stride: object, flip: object
) -> _Slide:
    """Check the arguments of the animation functions and work out every window."""
    matrix = _as_matrix(image, "image")
    weights = _as_matrix(kernel, "kernel")
    padding = windows.check_padding(padding)
    strides = _checks.int_tuple("stride", stride, length=2, broadcast=True)
    flip = _checks.boolean("flip", flip)
    for axis, name in enumerate(("rows", "columns")):
        if not windows.fits(matrix.shape[axis], weights.shape[axis], padding, strides[axis]):
            raise ValueError(
                f"kernel of shape {weights.shape} does not fit in image of shape "
                f"{matrix.shape} with padding={padding!r} (too few {name}); use a smaller "
                "kernel or more padding."
            )
    pad = tuple(
        windows.pad_widths(matrix.shape[axis], weights.shape[axis], padding, strides[axis])
        for axis in (0, 1)
    )
    # Integers are multiplied in 64 bits, so that 8-bit pixels cannot overflow.
    dtype = np.result_type(matrix, weights)
    dtype = np.dtype(np.int64) if dtype.kind in "iub" else np.dtype(np.float64)
    padded = np.pad(matrix.astype(dtype), pad)
    laid = (np.flip(weights) if flip else weights).astype(dtype)
    kh, kw = laid.shape
    out_shape = tuple(
        windows.output_size(matrix.shape[axis], (kh, kw)[axis], padding, strides[axis])
        for axis in (0, 1)
    )
    values = np.empty(out_shape, dtype=dtype)
    for row, col in np.ndindex(out_shape):
        top, left = row * strides[0], col * strides[1]
        values[row, col] = (padded[top : top + kh, left : left + kw] * laid).sum()
    return _Slide(
        image=_frozen(matrix),
        padded=_frozen(padded),
        pad=pad,  # type: ignore[arg-type]
        kernel=_frozen(laid),
        padding=padding,
        stride=strides,  # type: ignore[arg-type]
        flip=flip,
        values=_frozen(values),
    )


def convolution_frame(
    image: ArrayLike,
    kernel: ArrayLike,
    k: int,
    *,
    padding: str | int = "valid",
    stride: int | tuple[int, int] = 1,
    flip: bool = True,
) -> ConvolutionFrame:
    """Return the numbers frame ``k`` of :func:`animate_convolution` shows.

    Frame ``k`` computes output cell ``k``, counting row by row: the window under the
    kernel, the products, their sum, and the output filled in up to that cell.

    Parameters
    ----------
    image
        The 2-D input.
    kernel
        The 2-D kernel, as written (it is flipped here when ``flip`` is true).
    k
        The frame, from 0 to the number of output cells minus 1.
    padding
        ``"valid"``, ``"same"`` (Keras' rule) or a number of zeros on every side; see
        :func:`convbook.windows.pad_widths`.
    stride
        Step of the window: one int, or ``(rows, columns)``.
    flip
        True for a convolution (:func:`convbook.convolution.convolve2d`: the kernel is
        rotated by 180 degrees first); False for a cross-correlation
        (:func:`convbook.convolution.correlate2d`, :func:`convbook.convolution.conv2d`).

    Returns
    -------
    ConvolutionFrame

    Raises
    ------
    TypeError
        If an array does not hold real numbers, or an argument has the wrong type.
    ValueError
        If an array is not 2-D, ``k`` is out of range, ``padding`` or ``stride`` is not
        valid, or the kernel does not fit.

    Examples
    --------
    >>> image = np.arange(16).reshape(4, 4)
    >>> frame = convolution_frame(image, [[1, 0], [0, -1]], k=1)
    >>> frame.cell, frame.patch, frame.value
    ((0, 1), array([[1, 2],
           [5, 6]]), 5)
    >>> frame.output
    array([[ 5.,  5., nan],
           [nan, nan, nan],
           [nan, nan, nan]])
    """
    slide = _slide(image, kernel, padding, stride, flip)
    from convbook.plotting.animation import check_frame

    return slide.frame(check_frame(k, slide.frame_count))


class _ConvolutionPicture:
    """The three panels of the animation (padded image, products, output), redrawn per frame."""

    def __init__(self, slide: _Slide) -> None:
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        self.slide = slide
        padded, laid, values = slide.padded, slide.kernel, slide.values
        self.integers = bool(np.all(np.mod(padded, 1) == 0) and np.all(np.mod(laid, 1) == 0))
        ph, pw = padded.shape
        kh, kw = laid.shape
        oh, ow = values.shape
        product_scale = 1.7  # the products panel has two lines per cell: larger cells
        width = _CELL * (pw + product_scale * kw + ow) + 1.6
        height = _CELL * max(ph, product_scale * kh, oh) + 1.9
        fig, (ax_image, ax_products, ax_output) = plt.subplots(
            1,
            3,
            figsize=(width, height),
            layout="constrained",
            width_ratios=[pw, product_scale * kw, ow],
        )
        self.fig = fig
        (top, bottom), (left, right) = slide.pad
        in_image = np.zeros(padded.shape, dtype=bool)
        in_image[top : ph - bottom, left : pw - right] = True
        self._draw_image(ax_image, padded, in_image)
        self.window = Rectangle((0, 0), kw, kh, fill=False, edgecolor="red", linewidth=3)
        ax_image.add_patch(self.window)
        self.weights = [
            ax_image.text(
                0, 0, "", ha="right", va="bottom", fontsize=6.5, color="red", fontweight="bold"
            )
            for _ in range(laid.size)
        ]
        every_product = [slide.frame(k).products for k in range(slide.frame_count)]
        limit = float(np.abs(every_product).max()) or 1.0
        self.products_image = ax_products.imshow(
            np.zeros(laid.shape), cmap="RdBu_r", vmin=-limit, vmax=limit
        )
        self.products_text = [
            ax_products.text(c, r, "", ha="center", va="center", fontsize=7.5)
            for r, c in np.ndindex(laid.shape)
        ]
        what = "kernel, flipped" if slide.flip else "kernel"
        ax_products.set_title(f"window × {what}")
        self._grid(ax_products, laid.shape)
        limit = float(np.abs(values).max()) or 1.0
        self.output_image = ax_output.imshow(
            np.zeros(values.shape), cmap=_blank_nan("RdBu_r"), vmin=-limit, vmax=limit
        )
        self.output_text = [
            ax_output.text(c, r, "", ha="center", va="center", fontsize=9)
            for r, c in np.ndindex(values.shape)
        ]
        self.current = Rectangle((0, 0), 1, 1, fill=False, edgecolor="red", linewidth=3)
        ax_output.add_patch(self.current)
        ax_output.set_title(f"output ({oh}x{ow})")
        self._grid(ax_output, values.shape)
        self.ax_products = ax_products
        self.size_rule = _size_rule(slide)

    def _draw_image(self, ax: Axes, padded: np.ndarray, in_image: np.ndarray) -> None:
        shown = np.ma.masked_array(padded, mask=~in_image)
        inside = padded[in_image]
        image = ax.imshow(
            shown,
            cmap=_blank_nan("viridis", "0.92"),
            vmin=float(inside.min()),
            vmax=float(inside.max()),
        )
        for (row, col), value in np.ndenumerate(padded):
            if in_image[row, col]:
                red, green, blue, _ = image.cmap(image.norm(value))
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                colour, style = ("white" if dark else "black"), "normal"
            else:
                colour, style = "0.45", "italic"
            ax.text(
                col,
                row,
                _format_value(value, self.integers),
                ha="center",
                va="center",
                fontsize=9,
                color=colour,
                fontstyle=style,
            )
        padded_cells = (~in_image).sum()
        ax.set_title("image, zeros around it" if padded_cells else "image")
        self._grid(ax, padded.shape)
        if padded_cells:
            ax.set_xlabel("column (grey: zero padding)")

    @staticmethod
    def _grid(ax: Axes, shape: tuple[int, ...]) -> None:
        ax.set_xticks(range(shape[1]))
        ax.set_yticks(range(shape[0]))
        ax.tick_params(labelsize=7, length=0)
        ax.set_xticks(np.arange(shape[1] + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(shape[0] + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="0.8", linewidth=1)
        ax.tick_params(which="minor", length=0)

    def draw(self, k: int) -> None:
        frame = self.slide.frame(k)
        top, left = frame.window
        kh, kw = frame.kernel.shape
        self.window.set_xy((left - 0.5, top - 0.5))
        for text, (r, c) in zip(self.weights, np.ndindex(kh, kw), strict=True):
            text.set_position((left + c + 0.47, top + r + 0.47))
            text.set_text(f"×{_format_value(frame.kernel[r, c], self.integers)}")
        self.products_image.set_data(frame.products)
        norm, cmap = self.products_image.norm, self.products_image.cmap
        for text, (r, c) in zip(self.products_text, np.ndindex(kh, kw), strict=True):
            p, w = frame.patch[r, c], frame.kernel[r, c]
            product = frame.products[r, c]
            text.set_text(
                f"{self._number(p)}×{self._number(w)}\n= {_format_value(product, self.integers)}"
            )
            text.set_color(_text_colour(cmap(norm(product))))
        value = _format_value(frame.value, self.integers)
        self.ax_products.set_xlabel(f"sum of the {frame.products.size} products = {value}")
        self.output_image.set_data(frame.output)
        norm, cmap = self.output_image.norm, self.output_image.cmap
        for text, number in zip(self.output_text, frame.output.flat, strict=True):
            known = not np.isnan(number)
            text.set_text(_format_value(number, self.integers) if known else "")
            text.set_color(_text_colour(cmap(norm(number))) if known else "black")
        row, col = frame.cell
        self.current.set_xy((col - 0.5, row - 0.5))
        self.fig.suptitle(
            f"Step {k + 1} of {frame.frame_count}: the window at row {top}, column {left} "
            f"gives output ({row}, {col}) = {value}\n{self.size_rule}"
        )

    def _number(self, value: float) -> str:
        text = _format_value(value, self.integers)
        return f"({text})" if value < 0 else text


def _size_rule(slide: _Slide) -> str:
    """Return the output-size formula with this slide's numbers: per side, or per axis."""
    rules = []
    for axis in (0, 1):
        n, k = slide.image.shape[axis], slide.kernel.shape[axis]
        pads, s = sum(slide.pad[axis]), slide.stride[axis]
        rules.append(f"({n} + {pads} − {k}) // {s} + 1 = {slide.values.shape[axis]}")
    if rules[0] == rules[1]:
        return f"output size per side: (input + zeros − kernel) // stride + 1 = {rules[0]}"
    return f"output rows: {rules[0]}; columns: {rules[1]}"


def _blank_nan(name: str, bad: str = "white") -> object:
    """Return colour map ``name`` drawing masked and NaN cells in colour ``bad``."""
    from matplotlib import colormaps

    return colormaps[name].with_extremes(bad=bad)


def _text_colour(rgba: tuple[float, ...]) -> str:
    red, green, blue = rgba[:3]
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"


def show_convolution_frame(
    image: ArrayLike,
    kernel: ArrayLike,
    k: int,
    *,
    padding: str | int = "valid",
    stride: int | tuple[int, int] = 1,
    flip: bool = True,
) -> Figure:
    """Draw frame ``k`` of :func:`animate_convolution` as a still figure (for print).

    Arguments as in :func:`convolution_frame`.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: the (padded) image with the window outlined and the kernel's weights
        in its corners, the products and their sum, and the output so far.

    Examples
    --------
    >>> fig = show_convolution_frame(np.arange(16).reshape(4, 4), [[1, 0], [0, -1]], k=8)
    >>> [ax.get_title() for ax in fig.axes]
    ['image', 'window × kernel, flipped', 'output (3x3)']
    >>> print(fig.get_suptitle())
    Step 9 of 9: the window at row 2, column 2 gives output (2, 2) = 5
    output size per side: (input + zeros − kernel) // stride + 1 = (4 + 0 − 2) // 1 + 1 = 3
    """
    slide = _slide(image, kernel, padding, stride, flip)
    from convbook.plotting.animation import check_frame, settle

    k = check_frame(k, slide.frame_count)
    picture = _ConvolutionPicture(slide)
    picture.draw(0)
    settle(picture.fig)
    picture.draw(k)
    return picture.fig


def animate_convolution(
    image: ArrayLike,
    kernel: ArrayLike,
    *,
    padding: str | int = "valid",
    stride: int | tuple[int, int] = 1,
    flip: bool = True,
    interval: int = 400,
) -> OfflineAnimation:
    """Animate a kernel sliding over an image, one output cell per frame.

    Each frame outlines the window under the kernel (the kernel's weights are written in
    its corners), shows the products cell by cell and their sum, and fills in that cell
    of the output. Zero padding is drawn in grey around the image; with a stride the
    window jumps ``stride`` cells and the output is smaller.

    Parameters
    ----------
    image, kernel, padding, stride, flip
        As in :func:`convolution_frame`: ``flip=True`` animates
        :func:`convbook.convolution.convolve2d`, ``flip=False`` a cross-correlation layer
        (:func:`convbook.convolution.conv2d` on one channel).
    interval
        Milliseconds per frame (400: a 4x4 output takes 6.4 s a cycle).

    Returns
    -------
    convbook.plotting.animation.OfflineAnimation
        A :class:`matplotlib.animation.FuncAnimation` with one frame per output cell
        (``frame_count``); sphinx-gallery embeds it as a player with pause and step
        buttons, and its HTML loads nothing from the internet.

    Examples
    --------
    >>> anim = animate_convolution(np.arange(16).reshape(4, 4), [[1, 0], [0, -1]])
    >>> anim.frame_count
    9
    >>> anim = animate_convolution(np.ones((5, 5)), np.ones((3, 3)), padding="same", stride=2)
    >>> anim.frame_count
    9
    """
    slide = _slide(image, kernel, padding, stride, flip)
    interval = _checks.positive_int("interval", interval)
    from convbook.plotting.animation import animate

    picture = _ConvolutionPicture(slide)
    what = "convolution" if slide.flip else "cross-correlation"
    oh, ow = slide.values.shape
    return animate(
        picture.fig,
        picture.draw,
        slide.frame_count,
        interval,
        description=(
            f"Animation of a {what}: a {slide.kernel.shape[0]}x{slide.kernel.shape[1]} kernel "
            f"slides over a {slide.image.shape[0]}x{slide.image.shape[1]} image and fills in "
            f"the {oh}x{ow} output one cell per frame."
        ),
    )
