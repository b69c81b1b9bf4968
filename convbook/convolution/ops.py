"""Convolution and the convolutional layer, as readable NumPy reference implementations.

Signal-processing convolution
    :func:`convolve2d`, :func:`correlate2d`, :func:`convolve1d`, :func:`correlate1d`,
    :func:`flip`. Convolution is correlation with the kernel rotated by 180 degrees.
The deep-learning layer
    :func:`conv2d` computes what ``keras.layers.Conv2D`` computes (a cross-correlation over
    all input channels, plus a bias, per filter); :func:`keras_conv2d` runs Keras itself,
    and :func:`keras_output_size` asks Keras for an output size.

Importing this module does not import Keras; the two ``keras_*`` functions import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from convbook import _checks, windows
from convbook.windows import Padding

__all__ = [
    "MODES",
    "conv2d",
    "convolve1d",
    "convolve2d",
    "correlate1d",
    "correlate2d",
    "flip",
    "keras_conv2d",
    "keras_output_size",
]

Mode = Literal["valid", "same", "full"]

MODES: tuple[str, ...] = ("valid", "same", "full")


def _kernel_must_fit(image: np.ndarray, kernel: np.ndarray, what: str) -> None:
    """Raise unless ``kernel`` fits inside ``image`` in every dimension (mode ``"valid"``)."""
    for axis, (n, k) in enumerate(zip(image.shape, kernel.shape, strict=True)):
        if k > n:
            raise ValueError(
                f"kernel of shape {kernel.shape} is larger than {what} of shape "
                f"{image.shape} along axis {axis}; mode='valid' needs a kernel no larger "
                f"than the {what} in every dimension (or use mode='same' or 'full')."
            )


def _sum_dtype(*arrays: np.ndarray) -> np.dtype:
    """Integers are summed in 64 bits: products of 8-bit pixels overflow 8 bits at once."""
    dtype = np.result_type(*arrays)
    return np.dtype(np.int64) if dtype.kind in "iu" else dtype


# --------------------------------------------------------------------------------------
# Convolution and correlation, as in signal processing
# --------------------------------------------------------------------------------------


def flip(kernel: ArrayLike) -> np.ndarray:
    """Return ``kernel`` reversed along every axis: a 180-degree rotation for a matrix.

    Convolution is correlation with the flipped kernel:
    ``convolve2d(x, k, "full") == correlate2d(x, flip(k), "full")``.

    Parameters
    ----------
    kernel
        A 1-D or 2-D array of real numbers.

    Returns
    -------
    numpy.ndarray
        A new array; ``kernel`` itself is not changed.

    Examples
    --------
    >>> flip([[1, 2], [3, 4]])
    array([[4, 3],
           [2, 1]])
    >>> flip([1, 2, 3])
    array([3, 2, 1])
    """
    array = _checks.real_array("kernel", kernel, ndim=(1, 2), layout="(taps,) or (rows, columns)")
    return np.flip(array).copy()


def _slide_multiply_sum(padded: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Lay ``kernel`` on every window of ``padded``; multiply cell by cell and add up."""
    views = sliding_window_view(padded, kernel.shape)
    dtype = _sum_dtype(padded, kernel)
    # tensordot over the kernel's axes is "(window * kernel).sum()" for all windows at once.
    return np.tensordot(views.astype(dtype), kernel.astype(dtype), axes=kernel.ndim)


def _correlate_full(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Correlation at every position where image and kernel overlap by at least one cell."""
    zeros_around = [(k - 1, k - 1) for k in kernel.shape]
    return _slide_multiply_sum(np.pad(image, zeros_around), kernel)


def _crop(
    full: np.ndarray,
    image_shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    mode: str,
    same_start: Callable[[int], int],
) -> np.ndarray:
    """Cut the "valid" or "same" part out of a "full" result."""
    if mode == "full":
        return full
    if mode == "valid":
        starts = [k - 1 for k in kernel_shape]
        sizes = [n - k + 1 for n, k in zip(image_shape, kernel_shape, strict=True)]
    else:
        starts = [same_start(k) for k in kernel_shape]
        sizes = list(image_shape)
    return full[tuple(slice(s, s + size) for s, size in zip(starts, sizes, strict=True))]


def _centre_before_middle(k: int) -> int:
    return (k - 1) // 2


def _centre_after_middle(k: int) -> int:
    return k // 2


def _convolve(signal: np.ndarray, kernel: np.ndarray, mode: str) -> np.ndarray:
    full = _correlate_full(signal, flip(kernel))
    return _crop(full, signal.shape, kernel.shape, mode, _centre_before_middle)


def _checked_operands(
    image: ArrayLike, kernel: ArrayLike, mode: object, ndim: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Check the input, kernel and mode of a convolution or correlation with ``ndim`` axes."""
    layout = "(rows, columns)" if ndim == 2 else "(samples,)"
    name = "image" if ndim == 2 else "signal"
    image = _checks.real_array(name, image, ndim=ndim, layout=layout)
    kernel = _checks.real_array("kernel", kernel, ndim=ndim, layout=layout)
    mode = _checks.choice("mode", mode, MODES)
    if mode == "valid":
        _kernel_must_fit(image, kernel, what=name)
    return image, kernel, mode


def convolve2d(image: ArrayLike, kernel: ArrayLike, mode: Mode = "valid") -> np.ndarray:
    r"""Convolve a matrix with a kernel: flip the kernel, then slide, multiply and add.

    .. math:: Z[i, j] = \sum_{m, n} X[i - m, j - n] \, K[m, n]

    Agrees exactly with :func:`scipy.signal.convolve2d` (zero fill) on integers, and to
    rounding on floats, in all three modes.

    Parameters
    ----------
    image
        2-D array of real numbers.
    kernel
        2-D array of real numbers. In ``"valid"`` mode it must fit inside ``image``.
    mode
        ``"valid"``: only positions where the kernel lies wholly inside the image,
        shape ``(H - kh + 1, W - kw + 1)``. ``"full"``: every partial overlap,
        shape ``(H + kh - 1, W + kw - 1)``. ``"same"``: the ``(H, W)`` centre of
        ``"full"``; as in SciPy, kernel element ``((kh - 1) // 2, (kw - 1) // 2)`` sits
        over the output pixel (the centre for odd sizes, the cell before the middle for
        even ones).

    Returns
    -------
    numpy.ndarray
        int64 for integer inputs, otherwise the inputs' common float type.

    Examples
    --------
    >>> image = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    >>> convolve2d(image, [[0, 1], [2, 0]])
    array([[ 8, 11],
           [17, 20]])
    >>> convolve2d(image, [[1]], mode="same").shape
    (3, 3)
    """
    image, kernel, mode = _checked_operands(image, kernel, mode, ndim=2)
    return _convolve(image, kernel, mode)


def correlate2d(image: ArrayLike, kernel: ArrayLike, mode: Mode = "valid") -> np.ndarray:
    r"""Cross-correlate a matrix with a kernel: slide, multiply and add, without the flip.

    .. math:: Z[i, j] = \sum_{m, n} X[i + m, j + n] \, K[m, n]

    This is what a convolutional layer in a deep-learning framework computes. Agrees with
    :func:`scipy.signal.correlate2d` (zero fill) exactly on integers and to rounding on
    floats.

    Parameters
    ----------
    image, kernel
        2-D arrays of real numbers; in ``"valid"`` mode ``kernel`` must fit in ``image``.
    mode
        ``"valid"``, ``"same"`` or ``"full"``, as in :func:`convolve2d`. For ``"same"`` with
        an even-sized kernel, SciPy's ``correlate2d`` keeps the centre one cell further
        down/right than ``scipy.signal.correlate`` and :func:`numpy.correlate` do: kernel
        element ``(kh // 2, kw // 2)`` sits over the output pixel. This follows
        ``correlate2d``.

    Returns
    -------
    numpy.ndarray
        int64 for integer inputs, otherwise the inputs' common float type.

    Examples
    --------
    >>> image = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    >>> correlate2d(image, [[0, 1], [2, 0]])
    array([[10, 13],
           [19, 22]])

    Correlation with the flipped kernel is convolution:

    >>> bool((correlate2d(image, flip([[0, 1], [2, 0]])) == convolve2d(image, [[0, 1], [2, 0]])).all())
    True
    """  # noqa: E501
    image, kernel, mode = _checked_operands(image, kernel, mode, ndim=2)
    full = _correlate_full(image, kernel)
    return _crop(full, image.shape, kernel.shape, mode, _centre_after_middle)


def convolve1d(signal: ArrayLike, kernel: ArrayLike, mode: Mode = "valid") -> np.ndarray:
    """Convolve a 1-D signal with a 1-D kernel; agrees with :func:`numpy.convolve`.

    Parameters
    ----------
    signal, kernel
        1-D arrays of real numbers; in ``"valid"`` mode ``kernel`` must not be longer.
    mode
        ``"valid"``, ``"same"`` (length of ``signal``) or ``"full"``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    An impulse reproduces the kernel, in its own order:

    >>> convolve1d([0, 0, 0, 1, 0], [1, 2, 3], mode="same")
    array([0, 0, 1, 2, 3])
    """
    signal, kernel, mode = _checked_operands(signal, kernel, mode, ndim=1)
    return _convolve(signal, kernel, mode)


def correlate1d(signal: ArrayLike, kernel: ArrayLike, mode: Mode = "valid") -> np.ndarray:
    """Cross-correlate a 1-D signal with a 1-D kernel; agrees with :func:`numpy.correlate`.

    Parameters
    ----------
    signal, kernel
        1-D arrays of real numbers; in ``"valid"`` mode ``kernel`` must not be longer.
    mode
        ``"valid"``, ``"same"`` (length of ``signal``) or ``"full"``. ``"same"`` uses
        NumPy's centring (kernel element ``(k - 1) // 2`` over the output sample).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    Without the flip, an impulse plays the kernel backwards:

    >>> correlate1d([0, 0, 0, 1, 0], [1, 2, 3], mode="same")
    array([0, 0, 3, 2, 1])
    """
    signal, kernel, mode = _checked_operands(signal, kernel, mode, ndim=1)
    full = _correlate_full(signal, kernel)
    return _crop(full, signal.shape, kernel.shape, mode, _centre_before_middle)


# --------------------------------------------------------------------------------------
# The layer: padding, stride, channels
# --------------------------------------------------------------------------------------


def _checked_layer_inputs(
    x: ArrayLike, weights: ArrayLike, bias: ArrayLike | None, stride: object, padding: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[int, int], str | int]:
    x = _checks.real_array("x", x, ndim=3, layout="(height, width, in_channels)")
    weights = _checks.real_array(
        "weights", weights, ndim=4, layout="(kernel_height, kernel_width, in_channels, filters)"
    )
    if weights.shape[2] != x.shape[2]:
        raise ValueError(
            f"weights expect {weights.shape[2]} input channels (weights.shape="
            f"{weights.shape}) but x has {x.shape[2]} (x.shape={x.shape}); "
            "weights.shape[2] must equal x.shape[2]."
        )
    if bias is not None:
        bias = _checks.real_array("bias", bias, ndim=1, layout="(filters,)")
        if bias.shape[0] != weights.shape[3]:
            raise ValueError(
                f"bias must have one value per filter, shape ({weights.shape[3]},); "
                f"got shape {bias.shape}."
            )
    strides = _checks.int_tuple("stride", stride, length=2, broadcast=True)
    padding = windows.check_padding(padding)
    for axis, name in enumerate(("height", "width")):
        n, k = x.shape[axis], weights.shape[axis]
        if not windows.fits(n, k, padding, strides[axis]):
            span = n + sum(windows.pad_widths(n, k, padding, strides[axis]))
            raise ValueError(
                f"the kernel ({name} {k}, weights.shape={weights.shape}) is larger than the "
                f"padded input ({name} {span}, x.shape={x.shape}, "
                f"padding={padding!r}); use a smaller kernel or more padding."
            )
    return x, weights, bias, strides, padding  # type: ignore[return-value]


def conv2d(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None = None,
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
) -> np.ndarray:
    r"""Compute a convolutional layer as deep-learning frameworks do (no flip, no activation).

    For every output position :math:`(i, j)` and filter :math:`f`:

    .. math::

        Y[i, j, f] = b_f + \sum_{c} \sum_{m, n}
            X_{pad}[i s_h + m, \; j s_w + n, \; c] \; W[m, n, c, f]

    Parameters
    ----------
    x
        One input, shape ``(height, width, in_channels)``.
    weights
        Shape ``(kernel_height, kernel_width, in_channels, filters)``, Keras' layout.
    bias
        Shape ``(filters,)``, or ``None`` for no bias.
    stride
        ``s`` or ``(s_h, s_w)``.
    padding
        ``"valid"``, ``"same"`` (Keras' rule, see :func:`convbook.windows.pad_widths`) or
        a non-negative integer number of zeros on every side.

    Returns
    -------
    numpy.ndarray
        Shape ``(out_height, out_width, filters)``; sizes as in
        :func:`convbook.windows.output_size`. int64 when all inputs are integers.

    Examples
    --------
    A 4x4 single-channel input, one 2x2 filter that adds each window, stride 2:

    >>> x = np.arange(16).reshape(4, 4, 1)
    >>> w = np.ones((2, 2, 1, 1), dtype=int)
    >>> conv2d(x, w, stride=2)[..., 0]
    array([[10, 18],
           [42, 50]])
    >>> conv2d(x, w, bias=[100], padding="same").shape
    (4, 4, 1)
    """
    x, weights, bias, (sh, sw), padding = _checked_layer_inputs(x, weights, bias, stride, padding)
    kh, kw = weights.shape[:2]
    rows = windows.pad_widths(x.shape[0], kh, padding, sh)
    cols = windows.pad_widths(x.shape[1], kw, padding, sw)
    padded = np.pad(x, (rows, cols, (0, 0)))
    # views[i, j] holds the (in_channels, kh, kw) block whose top-left corner is at (i, j)
    views = sliding_window_view(padded, (kh, kw), axis=(0, 1))[::sh, ::sw]
    dtype = _sum_dtype(x, weights, *([] if bias is None else [bias]))
    out = np.einsum("ijcmn,mncf->ijf", views.astype(dtype), weights.astype(dtype))
    return out if bias is None else out + bias.astype(dtype)


def keras_conv2d(
    x: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike | None = None,
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
) -> np.ndarray:
    """Run ``keras.layers.Conv2D`` with the given weights on one input; arguments as in :func:`conv2d`.

    Keras has no integer padding; for an integer ``padding`` the input is zero-padded first
    and the layer runs with ``padding="valid"``. Keras computes in float32.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(out_height, out_width, filters)``.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4, 1)
    >>> w = np.ones((2, 2, 1, 1))
    >>> keras_conv2d(x, w, stride=2)[..., 0]
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """  # noqa: E501
    import keras

    x, weights, bias, strides, padding = _checked_layer_inputs(x, weights, bias, stride, padding)
    if isinstance(padding, int):
        x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
        padding = "valid"
    layer = keras.layers.Conv2D(
        filters=weights.shape[3],
        kernel_size=weights.shape[:2],
        strides=strides,
        padding=padding,
        use_bias=bias is not None,
    )
    layer.build((1, *x.shape))
    layer.set_weights([weights.astype("float32")] + ([] if bias is None else [bias]))
    batch = x[np.newaxis].astype("float32")
    return keras.ops.convert_to_numpy(layer(batch))[0]


def keras_output_size(n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1) -> int:
    """Ask Keras for the output size along one axis (square input and kernel).

    An integer ``padding`` is applied by a ``ZeroPadding2D`` layer in front, the way a
    Keras model expresses it. Arguments as in :func:`convbook.windows.output_size`.

    Examples
    --------
    >>> keras_output_size(7, 3, "valid", stride=2)
    3
    """
    import keras

    n = _checks.positive_int("n", n)
    kernel_size = _checks.positive_int("kernel_size", kernel_size)
    stride = _checks.positive_int("stride", stride)
    padding = windows.check_padding(padding)
    shape = (1, n, n, 1)
    if isinstance(padding, int):
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape(shape)
        padding = "valid"
    layer = keras.layers.Conv2D(1, kernel_size, strides=stride, padding=padding)
    return int(layer.compute_output_shape(shape)[1])
