"""The worked examples Part I of the book is built on, with their data.

:func:`hand_convolution` works one output value by hand, :func:`why_flip` shows why
convolution flips its kernel, :func:`multichannel_example` takes a 3-channel layer apart
sum by sum, :func:`output_size_table` tabulates output sizes, and :func:`demo` runs them
all (with :func:`~convbook.convolution.parameter_counts` and
:func:`~convbook.convolution.dense_vs_conv`) and prints a summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks, windows
from convbook.convolution.ops import (
    conv2d,
    convolve1d,
    convolve2d,
    correlate1d,
    flip,
    keras_output_size,
)
from convbook.convolution.parameters import (
    ParameterCounts,
    WeightSharing,
    dense_vs_conv,
    parameter_counts,
)
from convbook.tables import format_table
from convbook.windows import Padding

__all__ = [
    "HAND_IMAGE",
    "HAND_KERNEL",
    "CellSum",
    "ConvolutionDemo",
    "FlipDemo",
    "HandConvolution",
    "MultiChannelExample",
    "SizeRow",
    "demo",
    "format_size_table",
    "hand_convolution",
    "multichannel_example",
    "output_size_table",
    "why_flip",
]


def _read_only(array: ArrayLike) -> np.ndarray:
    frozen = np.array(array)
    frozen.setflags(write=False)
    return frozen


# --------------------------------------------------------------------------------------
# One output value by hand
# --------------------------------------------------------------------------------------

# An L-shaped bright border (10) around a darker area (5) with a bright block inside; the
# top-left 3x3 patch and the kernel reproduce the hand computation in the source tutorial.
HAND_IMAGE = (
    (10, 10, 10, 10, 10, 10),
    (10, 5, 5, 5, 5, 5),
    (10, 5, 5, 5, 5, 5),
    (10, 5, 5, 10, 10, 10),
    (10, 5, 5, 10, 10, 10),
    (10, 5, 5, 10, 10, 10),
)
HAND_KERNEL = ((-1, -1, 0), (-1, 0, 1), (0, 1, 1))


@dataclass(frozen=True, eq=False)
class HandConvolution:
    """One output value of a 2-D convolution worked by hand, and the whole output.

    Attributes
    ----------
    image, kernel
        The inputs.
    flipped_kernel
        ``kernel`` rotated by 180 degrees (step 1).
    position
        ``(row, column)`` of the output value worked by hand.
    patch
        The image window under the kernel for that output value.
    products
        ``patch * flipped_kernel``, cell by cell (step 2).
    value
        The sum of ``products``: the output value.
    output
        The whole ``"valid"`` output, from :func:`convolve2d` (step 3).
    scipy_output
        The same from :func:`scipy.signal.convolve2d`.
    """

    image: np.ndarray
    kernel: np.ndarray
    flipped_kernel: np.ndarray
    position: tuple[int, int]
    patch: np.ndarray
    products: np.ndarray
    value: int | float
    output: np.ndarray
    scipy_output: np.ndarray

    @property
    def matches_scipy(self) -> bool:
        """Whether our output equals SciPy's (exactly for integers)."""
        return bool(np.allclose(self.output, self.scipy_output, rtol=0, atol=1e-9))

    def products_sum(self) -> str:
        """Return the hand computation as ``a*b + c*d + ... = value``."""
        terms = (
            f"{_number(p)}*{_number(k)}"
            for p, k in zip(self.patch.ravel(), self.flipped_kernel.ravel(), strict=True)
        )
        return " + ".join(terms) + f" = {_number(self.value)}"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def hand_convolution(
    image: ArrayLike | None = None,
    kernel: ArrayLike | None = None,
    position: tuple[int, int] = (0, 0),
) -> HandConvolution:
    """Work one output value of ``convolve2d(image, kernel, "valid")`` by hand.

    Parameters
    ----------
    image, kernel
        2-D arrays; by default the book's 6x6 image and 3x3 kernel.
    position
        Which output value to work out, ``(row, column)`` in the valid output.

    Returns
    -------
    HandConvolution

    Examples
    --------
    >>> worked = hand_convolution()
    >>> worked.flipped_kernel
    array([[ 1,  1,  0],
           [ 1,  0, -1],
           [ 0, -1, -1]])
    >>> worked.value, worked.matches_scipy
    (15, True)
    """
    from scipy import signal

    image = np.array(HAND_IMAGE if image is None else image)
    kernel = np.array(HAND_KERNEL if kernel is None else kernel)
    output = convolve2d(image, kernel, "valid")
    row, col = _checks.int_tuple("position", position, length=2, minimum=0)
    if not (row < output.shape[0] and col < output.shape[1]):
        inside = f"a (row, column) inside the valid output of shape {output.shape}"
        _checks.fail("position", position, inside)
    kh, kw = kernel.shape
    flipped = flip(kernel)
    patch = image[row : row + kh, col : col + kw]
    products = patch * flipped
    return HandConvolution(
        image=_read_only(image),
        kernel=_read_only(kernel),
        flipped_kernel=_read_only(flipped),
        position=(row, col),
        patch=_read_only(patch),
        products=_read_only(products),
        value=products.sum().item(),
        output=_read_only(output),
        scipy_output=_read_only(signal.convolve2d(image, kernel, "valid")),
    )


# --------------------------------------------------------------------------------------
# Why the flip
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FlipDemo:
    """An impulse slid past a kernel, with and without the flip (``"same"`` length)."""

    signal: np.ndarray
    kernel: np.ndarray
    correlation: np.ndarray
    convolution: np.ndarray


def why_flip(signal: ArrayLike = (0, 0, 0, 1, 0), kernel: ArrayLike = (1, 2, 3)) -> FlipDemo:
    """Show why convolution flips the kernel: so that an impulse reproduces the kernel.

    Examples
    --------
    >>> demo_ = why_flip()
    >>> demo_.correlation, demo_.convolution
    (array([0, 0, 3, 2, 1]), array([0, 0, 1, 2, 3]))
    """
    signal = np.array(signal)
    kernel = np.array(kernel)
    return FlipDemo(
        signal=_read_only(signal),
        kernel=_read_only(kernel),
        correlation=_read_only(correlate1d(signal, kernel, "same")),
        convolution=_read_only(convolve1d(signal, kernel, "same")),
    )


# --------------------------------------------------------------------------------------
# A layer with several input channels and filters
# --------------------------------------------------------------------------------------

# A 5x5x3 input and two 3x3x3 filters, stored channel by channel for readability
# (made once with numpy.random.default_rng(231); inputs 0..2, weights -1..1).
_MULTI_X = (
    ((0, 1, 0, 2, 1), (0, 0, 1, 0, 1), (2, 1, 2, 1, 2), (0, 1, 2, 2, 0), (2, 1, 1, 2, 0)),
    ((0, 0, 0, 0, 2), (0, 1, 0, 0, 1), (2, 2, 1, 2, 2), (1, 2, 1, 1, 2), (0, 2, 0, 2, 1)),
    ((0, 1, 1, 2, 0), (2, 0, 1, 2, 1), (1, 1, 2, 1, 2), (2, 1, 2, 1, 1), (2, 1, 1, 0, 1)),
)
_MULTI_W0 = (
    ((1, 0, 0), (1, 1, 0), (0, 1, 1)),
    ((0, 1, 0), (1, 1, 0), (-1, 1, 1)),
    ((0, 0, 0), (0, 1, 1), (1, -1, -1)),
)
_MULTI_W1 = (
    ((0, 1, 1), (0, 1, 0), (0, -1, 0)),
    ((0, -1, -1), (-1, 1, 0), (-1, 0, 1)),
    ((-1, -1, -1), (0, 0, 1), (0, 0, 0)),
)
_MULTI_BIASES = (1, 0)


@dataclass(frozen=True)
class CellSum:
    """How one output number of a multi-channel convolution is put together.

    ``total = sum(channel_sums) + bias``, where ``channel_sums[c]`` is the multiply-and-add
    of channel ``c`` of the input window with channel ``c`` of the filter.
    """

    row: int
    col: int
    filter: int
    window_origin: tuple[int, int]
    channel_sums: tuple[int, ...]
    bias: int
    total: int

    def __str__(self) -> str:
        parts = " + ".join(f"({s})" if s < 0 else str(s) for s in self.channel_sums)
        return (
            f"out[{self.row},{self.col},{self.filter}] = {parts} + b{self.filter} "
            f"{self.bias} = {self.total}   (window at row {self.window_origin[0]}, "
            f"col {self.window_origin[1]} of the padded input)"
        )


@dataclass(frozen=True, eq=False)
class MultiChannelExample:
    """The classic multi-channel example: 5x5x3 input, pad 1, two 3x3x3 filters, stride 2.

    Attributes
    ----------
    x
        Input, shape ``(5, 5, 3)``.
    padded
        ``x`` with one ring of zeros, shape ``(7, 7, 3)``.
    weights
        Both filters in Keras' layout, shape ``(3, 3, 3, 2)``; filter ``f`` is
        ``weights[..., f]``.
    biases
        ``(b0, b1)``.
    stride, padding
        2 and 1.
    output
        From :func:`conv2d`, shape ``(3, 3, 2)``.
    cells
        Every output number with its per-channel partial sums, in row, column,
        filter order.
    """

    x: np.ndarray
    padded: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    stride: int
    padding: int
    output: np.ndarray
    cells: tuple[CellSum, ...]

    @property
    def cells_agree_with_conv2d(self) -> bool:
        """Whether the cell-by-cell totals equal :func:`conv2d`'s output."""
        return all(c.total == self.output[c.row, c.col, c.filter] for c in self.cells)


def _cell_sums(
    padded: np.ndarray, weights: np.ndarray, biases: np.ndarray, stride: int
) -> tuple[CellSum, ...]:
    """Compute the layer with plain loops, keeping every channel's partial sum."""
    kh, kw, channels, filters = weights.shape
    tops = windows.window_starts(padded.shape[0], kh, "valid", stride)
    lefts = windows.window_starts(padded.shape[1], kw, "valid", stride)
    cells = []
    for i, top in enumerate(tops):
        for j, left in enumerate(lefts):
            window = padded[top : top + kh, left : left + kw, :]
            for f in range(filters):
                sums = tuple(
                    int((window[:, :, c] * weights[:, :, c, f]).sum()) for c in range(channels)
                )
                bias = int(biases[f])
                cells.append(CellSum(i, j, f, (top, left), sums, bias, sum(sums) + bias))
    return tuple(cells)


def multichannel_example() -> MultiChannelExample:
    """Build the multi-channel example and every intermediate sum.

    Examples
    --------
    >>> example = multichannel_example()
    >>> example.padded.shape, example.output.shape
    ((7, 7, 3), (3, 3, 2))
    >>> print(example.cells[0])
    out[0,0,0] = 0 + 1 + (-1) + b0 1 = 1   (window at row 0, col 0 of the padded input)
    >>> example.cells_agree_with_conv2d
    True
    """
    x = np.stack(np.array(_MULTI_X), axis=-1)
    weights = np.stack([np.stack(np.array(w), axis=-1) for w in (_MULTI_W0, _MULTI_W1)], -1)
    biases = np.array(_MULTI_BIASES)
    stride, padding = 2, 1
    padded = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    return MultiChannelExample(
        x=_read_only(x),
        padded=_read_only(padded),
        weights=_read_only(weights),
        biases=_read_only(biases),
        stride=stride,
        padding=padding,
        output=_read_only(conv2d(x, weights, biases, stride=stride, padding=padding)),
        cells=_cell_sums(padded, weights, biases, stride),
    )


# --------------------------------------------------------------------------------------
# Output sizes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeRow:
    """One line of the output-size table."""

    n: int
    kernel_size: int
    stride: int
    padding: str | int
    pad_before: int
    pad_after: int
    output: int
    keras_output: int | None = None


def _listed(name: str, values: object) -> list:
    return _checks.iterable(name, values, "a sequence")


def output_size_table(
    n: int = 7,
    kernel_sizes: Iterable[int] = (3, 5),
    strides: Iterable[int] = (1, 2, 3),
    paddings: Iterable[Padding] = ("valid", 1, "same"),
    with_keras: bool = False,
) -> tuple[SizeRow, ...]:
    """Tabulate :func:`convbook.windows.output_size` over kernel sizes, strides and paddings.

    Combinations where the kernel does not fit are left out. With ``with_keras=True`` each
    row also carries the size Keras produces (:func:`keras_output_size`).

    Examples
    --------
    >>> rows = output_size_table(7, kernel_sizes=[3], strides=[1, 2], paddings=["valid"])
    >>> [(r.kernel_size, r.stride, r.output) for r in rows]
    [(3, 1, 5), (3, 2, 3)]
    """
    with_keras = _checks.boolean("with_keras", with_keras)
    n = _checks.positive_int("n", n)
    kernel_sizes = _checks.int_tuple("kernel_sizes", tuple(_listed("kernel_sizes", kernel_sizes)))
    strides = _checks.int_tuple("strides", tuple(_listed("strides", strides)))
    paddings = tuple(_listed("paddings", paddings))
    for index, padding in enumerate(paddings):
        windows.check_padding(padding, name=f"paddings[{index}]")
    rows = []
    for kernel_size in kernel_sizes:
        for padding in paddings:
            for stride in strides:
                if not windows.fits(n, kernel_size, padding, stride):
                    continue
                before, after = windows.pad_widths(n, kernel_size, padding, stride)
                keras_size = (
                    keras_output_size(n, kernel_size, padding, stride) if with_keras else None
                )
                rows.append(
                    SizeRow(
                        n=n,
                        kernel_size=kernel_size,
                        stride=stride,
                        padding=padding,
                        pad_before=before,
                        pad_after=after,
                        output=windows.output_size(n, kernel_size, padding, stride),
                        keras_output=keras_size,
                    )
                )
    return tuple(rows)


def format_size_table(rows: Sequence[SizeRow]) -> str:
    """Return the rows of :func:`output_size_table` as an aligned text table.

    A ``keras`` column is added when the rows carry Keras' sizes.

    Examples
    --------
    >>> print(format_size_table(output_size_table(7, [3], [2], ["same"])))
      input    kernel    stride    padding    zeros (before, after)    output
    -------  --------  --------  ---------  -----------------------  --------
          7         3         2     'same'                   (1, 1)         4
    """
    has_keras = any(r.keras_output is not None for r in rows)
    headers = ["input", "kernel", "stride", "padding", "zeros (before, after)", "output"]
    if has_keras:
        headers.append("keras")
    table = [
        (
            r.n,
            r.kernel_size,
            r.stride,
            repr(r.padding),
            f"({r.pad_before}, {r.pad_after})",
            r.output,
            *([r.keras_output] if has_keras else []),
        )
        for r in rows
    ]
    return format_table(table, headers, align=["right"] * len(headers))


# --------------------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ConvolutionDemo:
    """Everything :func:`demo` computed."""

    hand: HandConvolution
    flip: FlipDemo
    multichannel: MultiChannelExample
    sizes: tuple[SizeRow, ...]
    parameters: ParameterCounts
    sharing: WeightSharing


def _indent(value: object, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in str(value).splitlines())


def demo() -> ConvolutionDemo:
    """Run every worked example, print a short summary and return the results.

    Examples
    --------
    >>> result = demo()  # doctest: +ELLIPSIS
    Convolution by hand
    ...
    >>> result.hand.value
    15
    """
    hand = hand_convolution()
    flipped = why_flip()
    multi = multichannel_example()
    sizes = output_size_table(with_keras=True)
    params = parameter_counts()
    sharing = dense_vs_conv()
    print("Convolution by hand")
    print(f"  kernel flipped: {hand.flipped_kernel.tolist()}")
    print(f"  first value: {hand.products_sum()}")
    print(f"  output:\n{_indent(hand.output)}")
    print(f"  equals scipy.signal.convolve2d: {hand.matches_scipy}")
    print("Why flip (impulse through kernel [1, 2, 3])")
    print(f"  correlation: {flipped.correlation.tolist()}")
    print(f"  convolution: {flipped.convolution.tolist()}")
    print("Multi-channel layer (5x5x3, pad 1, two 3x3x3 filters, stride 2)")
    for cell in multi.cells[:2]:
        print(f"  {cell}")
    print(f"  ... output shape {multi.output.shape}")
    print("Output sizes (n = 7)")
    print(_indent(format_size_table(sizes)))
    print("Parameters")
    print(_indent(params.summary()))
    print(
        f"  dense 28x28 -> 28x28x32: {sharing.dense_params:,}; conv 3x3x1x32: "
        f"{sharing.conv_params:,} ({sharing.ratio:,.0f} times fewer)"
    )
    return ConvolutionDemo(hand, flipped, multi, sizes, params, sharing)
