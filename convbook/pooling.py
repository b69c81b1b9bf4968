"""Pooling computed by Keras' own pooling layers, used as a math engine.

A pooling layer slides a small window over its input and replaces everything inside the
window by one number: the largest value (max pooling) or the mean (average pooling). It
has no weights, so there is nothing to train; we can build a layer and call it on an array
straight away, and the answer is exactly what the layer computes inside a network.

Keras layers always work on *batches* with the channels last: ``(batch, steps, channels)``
for 1-D pooling and ``(batch, height, width, channels)`` for 2-D pooling. The functions
here accept the plain arrays a learner has in hand (a vector, a matrix, an image with a
channel axis), add the missing axes with :func:`numpy.expand_dims`, run the layer, and
remove exactly those axes again with :func:`numpy.squeeze`. Axes of length 1 that were in
the input, or that the pooling itself produced, are kept.

Importing this module is cheap: Keras is imported inside the functions that run a layer.

Examples
--------
>>> from convbook import pooling
>>> pooling.max_pool2d(pooling.example_matrix())
array([[1., 4.],
       [3., 5.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from convbook import _checks, windows

if TYPE_CHECKING:
    import keras

Padding = Literal["valid", "same"]
LayerKind = Literal["max1d", "max2d", "average2d"]

PADDINGS: tuple[str, ...] = windows.PADDINGS
LAYER_KINDS: tuple[str, ...] = ("max1d", "max2d", "average2d")

_KERAS_LAYER_NAMES = {
    "max1d": "MaxPooling1D",
    "max2d": "MaxPooling2D",
    "average2d": "AveragePooling2D",
}
_SPATIAL_DIMS = {"max1d": 1, "max2d": 2, "average2d": 2}

# The running example: almost all ones, with a few larger "spikes". The 2 shares the
# bottom-left quadrant with the 3, so 2x2 max pooling hides it, while the maximum of each
# column (1-D pooling over all rows) shows every spike: 2, 3, 4, 5.
_EXAMPLE_MATRIX = (
    (1, 1, 1, 1),
    (1, 1, 4, 1),
    (2, 1, 1, 1),
    (1, 3, 1, 5),
)

WindowSize = int | Sequence[int]


# --------------------------------------------------------------------------- examples


def example_matrix() -> np.ndarray:
    """Return the book's 4x4 example: mostly ones, with the values 2, 3, 4 and 5.

    Returns
    -------
    numpy.ndarray
        A new ``(4, 4)`` float64 array (yours to change).

    Examples
    --------
    >>> example_matrix()
    array([[1., 1., 1., 1.],
           [1., 1., 4., 1.],
           [2., 1., 1., 1.],
           [1., 3., 1., 5.]])
    """
    return np.array(_EXAMPLE_MATRIX, dtype=np.float64)


def example_rgb() -> np.ndarray:
    """Return a small ``(4, 4, 3)`` "colour image" whose three channels differ.

    The red channel is :func:`example_matrix`, green is its left-right mirror image and blue
    its upside-down mirror image, so each channel has its spikes in different places.

    Returns
    -------
    numpy.ndarray
        A new ``(height, width, channels) = (4, 4, 3)`` float64 array.

    Examples
    --------
    >>> image = example_rgb()
    >>> image.shape
    (4, 4, 3)
    >>> image[..., 1]
    array([[1., 1., 1., 1.],
           [1., 4., 1., 1.],
           [1., 1., 1., 2.],
           [5., 1., 3., 1.]])
    """
    red = example_matrix()
    return np.stack([red, np.fliplr(red), np.flipud(red)], axis=-1)


# --------------------------------------------------------------------------- arithmetic


def output_size(
    input_size: int,
    pool_size: int,
    strides: int | None = None,
    padding: Padding = "valid",
) -> int:
    """Return how many windows fit along one axis: the pooled length of that axis.

    With ``"valid"`` padding a window must lie entirely inside the input, so
    ``(input_size - pool_size) // strides + 1`` windows fit. With ``"same"`` padding the
    edges are padded just enough that every input value is covered, giving
    ``ceil(input_size / strides)`` windows (padded cells never win a max and are left out of
    an average).

    Parameters
    ----------
    input_size
        Length of the axis being pooled (at least 1).
    pool_size
        Window length along that axis (at least 1).
    strides
        Step between window starts; ``None`` means ``pool_size`` (no overlap, no gaps),
        as in Keras.
    padding
        ``"valid"`` or ``"same"``.

    Returns
    -------
    int
        The length of the axis after pooling.

    Raises
    ------
    TypeError
        If a size is not an integer or ``padding`` is not a string.
    ValueError
        If a size is not positive, ``padding`` is unknown, or the window is longer than
        the input with ``"valid"`` padding.

    See Also
    --------
    convbook.windows.output_size : the same arithmetic in the order
        ``(n, kernel_size, padding, stride)``, with integer padding too.

    Examples
    --------
    >>> output_size(4, 2)
    2
    >>> output_size(28, 3)  # 9 windows, the last row and column are dropped
    9
    >>> output_size(28, 3, padding="same")
    10
    >>> output_size(5, 3, strides=1)  # overlapping windows
    3
    """
    input_size = _checks.positive_int("input_size", input_size)
    pool = _checks.positive_int("pool_size", pool_size)
    stride = pool if strides is None else _checks.positive_int("strides", strides)
    padding = _checks.choice("padding", padding, windows.PADDINGS)
    if not windows.fits(input_size, pool, padding, stride):
        raise ValueError(
            f"pool_size={pool} is longer than input_size={input_size} with padding='valid'; "
            f"use pool_size <= {input_size} or padding='same'."
        )
    return windows.output_size(input_size, pool, padding, stride)


# --------------------------------------------------------------------------- layers


def pooling_layer(
    kind: LayerKind,
    pool_size: WindowSize = 2,
    strides: WindowSize | None = None,
    padding: Padding = "valid",
    dtype: str | None = None,
) -> keras.layers.Layer:
    """Build the Keras pooling layer that the pooling functions here run.

    Parameters
    ----------
    kind
        ``"max1d"`` (:class:`keras.layers.MaxPooling1D`), ``"max2d"``
        (:class:`keras.layers.MaxPooling2D`) or ``"average2d"``
        (:class:`keras.layers.AveragePooling2D`).
    pool_size, strides, padding
        As in Keras: an int (or, for 2-D layers, an int or a pair) for the window and the
        step; ``strides=None`` means the same as ``pool_size``.
    dtype
        The layer's compute dtype; ``None`` for Keras' default (``float32``).

    Returns
    -------
    keras.layers.Layer
        A new, unbuilt layer.

    Examples
    --------
    A pooling layer has no weights: nothing in it is learned.

    >>> layer = pooling_layer("max2d", pool_size=2)
    >>> layer.build((1, 28, 28, 32))
    >>> layer.count_params()
    0
    """
    kind = _checks.choice("kind", kind, LAYER_KINDS)
    dims = _SPATIAL_DIMS[kind]
    pool = _window("pool_size", pool_size, dims)
    stride = pool if strides is None else _window("strides", strides, dims)
    padding = _checks.choice("padding", padding, windows.PADDINGS)

    import keras

    layer_class = getattr(keras.layers, _KERAS_LAYER_NAMES[kind])
    if dims == 1:
        return layer_class(pool_size=pool[0], strides=stride[0], padding=padding, dtype=dtype)
    return layer_class(pool_size=pool, strides=stride, padding=padding, dtype=dtype)


def max_pool1d(
    x: np.ndarray | Sequence,
    pool_size: int = 2,
    strides: int | None = None,
    padding: Padding = "valid",
) -> np.ndarray:
    """Max-pool along the first axis of ``x`` with :class:`keras.layers.MaxPooling1D`.

    The layer sees its input as ``(batch, steps, channels)`` and slides its window along
    the *steps*; each channel is pooled on its own. So

    * a 1-D array ``(steps,)`` is one signal: it becomes ``(1, steps, 1)``, and the batch
      and channel axes we added are squeezed off the result;
    * a 2-D array ``(steps, channels)`` gets only a batch axis. A matrix is pooled down its
      **rows**: every column is a channel, and each output row holds the column-wise
      maxima of ``pool_size`` neighbouring rows.

    Parameters
    ----------
    x
        Real numbers, shape ``(steps,)`` or ``(steps, channels)``.
    pool_size
        Window length in steps.
    strides
        Step between windows; ``None`` means ``pool_size``.
    padding
        ``"valid"`` (windows lie inside ``x``) or ``"same"`` (``ceil(steps / strides)``
        windows, the edges padded).

    Returns
    -------
    numpy.ndarray
        Shape ``(output_steps,)`` or ``(output_steps, channels)``; float, the dtype of ``x``
        if it is a float array, else Keras' default float (``float32``).

    Raises
    ------
    TypeError
        If ``x`` is not numeric or a window argument is not an integer.
    ValueError
        If ``x`` is empty or has the wrong number of axes, a window argument is not
        positive, ``padding`` is unknown, or the window does not fit with ``"valid"``.

    Examples
    --------
    >>> max_pool1d([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    array([3., 4., 9.])

    On a matrix the rows are the steps, so pairs of rows are merged column by column:

    >>> max_pool1d(example_matrix())
    array([[1., 1., 4., 1.],
           [2., 3., 1., 5.]])

    One window over all four rows leaves one step: the maximum of every column. The
    remaining axis of length 1 is real (it is the pooled steps), so it is kept:

    >>> max_pool1d(example_matrix(), pool_size=4)
    array([[2., 3., 4., 5.]])
    """
    return _pool("max1d", x, pool_size, strides, padding)


def max_pool2d(
    x: np.ndarray | Sequence,
    pool_size: WindowSize = 2,
    strides: WindowSize | None = None,
    padding: Padding = "valid",
) -> np.ndarray:
    """Max-pool over the first two axes of ``x`` with :class:`keras.layers.MaxPooling2D`.

    The layer sees its input as ``(batch, height, width, channels)``. A matrix
    ``(height, width)`` becomes ``(1, height, width, 1)``; an image with channels
    ``(height, width, channels)`` gets only the batch axis. Each channel is pooled on its
    own, and only the axes we added are squeezed off the result.

    Parameters
    ----------
    x
        Real numbers, shape ``(height, width)`` or ``(height, width, channels)``.
    pool_size
        Window size: an int for a square window, or ``(rows, columns)``.
    strides
        Step between windows, an int or a pair; ``None`` means ``pool_size``.
    padding
        ``"valid"`` or ``"same"``; see :func:`output_size`.

    Returns
    -------
    numpy.ndarray
        Shape ``(output_height, output_width)`` or with the channel axis of ``x``; float,
        the dtype of ``x`` if it is a float array, else ``float32``.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or a window argument is not an integer.
    ValueError
        If ``x`` is empty or has the wrong number of axes, a window argument is not
        positive, ``padding`` is unknown, or the window does not fit with ``"valid"``.

    Examples
    --------
    Each 2x2 quadrant of the example is replaced by its largest value:

    >>> max_pool2d(example_matrix())
    array([[1., 4.],
           [3., 5.]])
    >>> max_pool2d(example_rgb()).shape
    (2, 2, 3)
    """
    return _pool("max2d", x, pool_size, strides, padding)


def average_pool2d(
    x: np.ndarray | Sequence,
    pool_size: WindowSize = 2,
    strides: WindowSize | None = None,
    padding: Padding = "valid",
) -> np.ndarray:
    """Average-pool over the first two axes of ``x`` with :class:`keras.layers.AveragePooling2D`.

    Shapes, axes and arguments work exactly as in :func:`max_pool2d`; each window is
    replaced by the mean of its values. With ``"same"`` padding the padded cells are not
    counted in the mean.

    Parameters
    ----------
    x
        Real numbers, shape ``(height, width)`` or ``(height, width, channels)``.
    pool_size
        Window size: an int for a square window, or ``(rows, columns)``.
    strides
        Step between windows, an int or a pair; ``None`` means ``pool_size``.
    padding
        ``"valid"`` or ``"same"``.

    Returns
    -------
    numpy.ndarray
        The pooled array; float, the dtype of ``x`` if it is a float array, else ``float32``.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or a window argument is not an integer.
    ValueError
        If ``x`` is empty or has the wrong number of axes, a window argument is not
        positive, ``padding`` is unknown, or the window does not fit with ``"valid"``.

    Examples
    --------
    The spike 5 is averaged with three ones, (5 + 1 + 1 + 1) / 4 = 2:

    >>> average_pool2d(example_matrix())
    array([[1.  , 1.75],
           [1.75, 2.  ]])
    """
    return _pool("average2d", x, pool_size, strides, padding)


# --------------------------------------------------------------------------- demo


@dataclass(frozen=True, eq=False)
class PoolingDemo:
    """What :func:`demo` computed, for a learner to inspect (the arrays are read-only).

    Attributes
    ----------
    matrix
        The ``(4, 4)`` input, :func:`example_matrix`.
    max_1d
        ``max_pool1d(matrix, pool_size=4)``: one window over all rows, the column maxima,
        shape ``(1, 4)``.
    max_2d
        ``max_pool2d(matrix)``: the maximum of each 2x2 quadrant, shape ``(2, 2)``.
    average_2d
        ``average_pool2d(matrix)``: the mean of each 2x2 quadrant, shape ``(2, 2)``.
    """

    matrix: np.ndarray
    max_1d: np.ndarray
    max_2d: np.ndarray
    average_2d: np.ndarray

    def __str__(self) -> str:
        """Return the report :func:`demo` prints: each result, its meaning and its values."""
        sections = [
            ("Input", "almost all ones, with the values 2, 3, 4 and 5", self.matrix),
            (
                "1-D max pooling, pool_size=4",
                "rows are steps, columns are channels; one window covers all 4 rows,\n"
                "so each column keeps its largest value",
                self.max_1d,
            ),
            (
                "2-D max pooling, 2x2 windows, stride 2",
                "each quadrant keeps its largest value; the 2 loses to the 3 in its quadrant",
                self.max_2d,
            ),
            (
                "2-D average pooling, 2x2 windows, stride 2",
                "each quadrant becomes its mean; the spikes are smoothed (5 -> 2)",
                self.average_2d,
            ),
        ]
        return "\n\n".join(
            f"{title} -> shape {values.shape}\n{_indent(meaning, 2)}\n{format_matrix(values)}"
            for title, meaning, values in sections
        )


def demo(verbose: bool = True) -> PoolingDemo:
    """Pool the example matrix in 1-D and 2-D, print what came out, and return it.

    Parameters
    ----------
    verbose
        Print the report (default). ``False`` only returns the results.

    Returns
    -------
    PoolingDemo
        The input and the three pooled arrays.

    Examples
    --------
    >>> result = demo(verbose=False)
    >>> result.max_2d
    array([[1., 4.],
           [3., 5.]])
    >>> result.max_1d
    array([[2., 3., 4., 5.]])
    """
    verbose = _checks.boolean("verbose", verbose)
    matrix = example_matrix()
    result = PoolingDemo(
        matrix=_read_only(matrix),
        max_1d=_read_only(max_pool1d(matrix, pool_size=4)),
        max_2d=_read_only(max_pool2d(matrix, pool_size=2)),
        average_2d=_read_only(average_pool2d(matrix, pool_size=2)),
    )
    if verbose:
        print(result)
    return result


def format_matrix(values: np.ndarray, indent: int = 4) -> str:
    """Return a 1-D or 2-D array as text, one row per line, numbers right-aligned.

    Numbers are written in their shortest form (``1``, ``1.75``), so a matrix of whole
    numbers reads like one.

    Parameters
    ----------
    values
        A 1-D or 2-D array of numbers.
    indent
        Spaces before each line.

    Returns
    -------
    str
        The formatted rows, joined by newlines.

    Examples
    --------
    >>> print(format_matrix(np.array([[1.0, 1.75], [1.75, 2.0]]), indent=0))
       1  1.75
    1.75     2
    """
    rows = np.atleast_2d(_checks.real_array("values", values, ndim=(1, 2), allow_empty=True))
    indent = _checks.integer("indent", indent, minimum=0)
    cells = [[f"{float(v):.4g}" for v in row] for row in rows]
    width = max((len(cell) for row in cells for cell in row), default=0)
    return "\n".join(" " * indent + "  ".join(cell.rjust(width) for cell in row) for row in cells)


# --------------------------------------------------------------------------- internals


def _pool(
    kind: LayerKind,
    x: np.ndarray | Sequence,
    pool_size: WindowSize,
    strides: WindowSize | None,
    padding: Padding,
) -> np.ndarray:
    dims = _SPATIAL_DIMS[kind]
    layout = (
        "(steps,) or (steps, channels)"
        if dims == 1
        else ("(height, width) or (height, width, channels)")
    )
    array = _checks.real_array("x", x, ndim=(dims, dims + 1), layout=layout)
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:
        raise TypeError(
            f"x has dtype {array.dtype}, which Keras cannot compute in; "
            "use float16, float32 or float64."
        )
    if array.dtype.kind != "f":
        array = array.astype(_keras_floatx())
    pool = _window("pool_size", pool_size, dims)
    stride = pool if strides is None else _window("strides", strides, dims)
    padding = _checks.choice("padding", padding, windows.PADDINGS)
    _window_must_fit(array.shape, pool, stride, padding)

    # Keras wants (batch, *spatial, channels). Remember which axes we add so that only
    # those are squeezed away: a pooled axis of length 1 is part of the answer.
    added_axes = (0,) if array.ndim == dims + 1 else (0, -1)
    batch = np.expand_dims(array, axis=added_axes)
    layer = pooling_layer(kind, pool, stride, padding, dtype=array.dtype.name)
    return np.squeeze(_run_layer(layer, batch), axis=added_axes)


def _run_layer(layer: keras.layers.Layer, batch: np.ndarray) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(layer(batch)))


def _keras_floatx() -> str:
    """Keras' default float type (``float32`` unless configured), for integer inputs."""
    import keras

    return keras.config.floatx()


def _window_must_fit(
    shape: tuple[int, ...], pool: tuple[int, ...], stride: tuple[int, ...], padding: str
) -> None:
    """Raise unless a window fits along every pooled axis (only ``"valid"`` can fail)."""
    spatial = shape[: len(pool)]
    if not all(
        windows.fits(n, p, padding, s) for n, p, s in zip(spatial, pool, stride, strict=True)
    ):
        lengths = (
            f"the pooled axis has length {spatial[0]}"
            if len(spatial) == 1
            else f"the pooled axes have lengths {spatial}"
        )
        raise ValueError(
            f"pool_size={_as_text(pool)} does not fit in x of shape {shape} with "
            f"padding='valid': {lengths}. Use a smaller pool_size or padding='same'."
        )


def _window(name: str, value: object, dims: int) -> tuple[int, ...]:
    """Turn ``pool_size``/``strides`` (an int or a sequence) into a tuple of ``dims`` ints."""
    if dims == 1 and not isinstance(value, Sequence | np.ndarray):
        return (_checks.positive_int(name, value),)
    return _checks.int_tuple(name, value, length=dims, broadcast=True)


def _as_text(window: tuple[int, ...]) -> str:
    return str(window[0]) if len(window) == 1 else str(window)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _read_only(values: np.ndarray) -> np.ndarray:
    values = np.array(values)
    values.flags.writeable = False
    return values
