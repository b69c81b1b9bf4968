"""Convolution, computed by hand and checked against SciPy and Keras.

Readable NumPy reference implementations of the operations inside a convolutional layer,
and the worked examples Part I of the book is built on.

Signal-processing convolution
    :func:`convolve2d`, :func:`correlate2d`, :func:`convolve1d`, :func:`correlate1d`,
    :func:`flip`. Convolution is correlation with the kernel rotated by 180 degrees.
The deep-learning layer
    :func:`conv2d` computes what ``keras.layers.Conv2D`` computes (a cross-correlation over
    all input channels, plus a bias, per filter); :func:`keras_conv2d` runs Keras itself.
Arithmetic
    :func:`pad_widths`, :func:`output_size`, :func:`conv_params`, :func:`dense_vs_conv`.
Worked examples
    :func:`hand_convolution`, :func:`why_flip`, :func:`multichannel_example`,
    :func:`output_size_table`, :func:`parameter_counts`, gathered by :func:`demo`.
Filters on a photograph
    :func:`load_sample_photo`, :func:`named_kernels`, :func:`apply_filters`,
    :func:`describe_responses`, :func:`step_image`.

Importing this module does not import Keras or TensorFlow; the few functions that need
Keras import it themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import keras

__all__ = [
    "MODES",
    "CellSum",
    "ConvolutionDemo",
    "FlipDemo",
    "HandConvolution",
    "LayerParams",
    "MultiChannelExample",
    "ParameterCounts",
    "ResponseStats",
    "SizeRow",
    "WeightSharing",
    "apply_filters",
    "conv2d",
    "conv_params",
    "convolve1d",
    "convolve2d",
    "correlate1d",
    "correlate2d",
    "demo",
    "dense_vs_conv",
    "describe_responses",
    "flip",
    "format_size_table",
    "hand_convolution",
    "keras_conv2d",
    "keras_output_size",
    "load_sample_photo",
    "multichannel_example",
    "named_kernels",
    "output_size",
    "output_size_table",
    "pad_widths",
    "parameter_counts",
    "step_image",
    "why_flip",
]

Mode = Literal["valid", "same", "full"]
Padding = Literal["valid", "same"] | int

MODES: tuple[str, ...] = ("valid", "same", "full")
PADDINGS: tuple[str, ...] = ("valid", "same")


# --------------------------------------------------------------------------------------
# Checks at the public boundary
# --------------------------------------------------------------------------------------


def _as_real_array(value: ArrayLike, name: str, ndim: int, layout: str) -> np.ndarray:
    """Return ``value`` as a non-empty real-valued array with ``ndim`` axes, or raise."""
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array of numbers, not a {type(value).__name__}.")
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (integers or floats); got dtype {array.dtype}."
        )
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array {layout}; got shape {array.shape} ({array.ndim}-D)."
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {array.shape}.")
    return array


def _check_mode(mode: object) -> str:
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a string, one of {MODES}; got {mode!r}.")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}.")
    return mode


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be a positive integer; got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (1 or more); got {value!r}.")
    return int(value)


def _check_pair(value: object, name: str) -> tuple[int, int]:
    """Accept ``k`` or ``(k_rows, k_cols)`` of positive integers, as Keras does."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{name} must be a positive integer or a pair of them; got {value!r}.")
        return _check_positive_int(value[0], name), _check_positive_int(value[1], name)
    size = _check_positive_int(value, name)
    return size, size


def _check_padding(padding: object) -> str | int:
    if isinstance(padding, str):
        if padding not in PADDINGS:
            raise ValueError(
                f"padding must be 'valid', 'same' or a non-negative integer; got {padding!r}."
            )
        return padding
    if isinstance(padding, bool) or not isinstance(padding, int | np.integer):
        raise TypeError(
            f"padding must be 'valid', 'same' or a non-negative integer; got {padding!r}."
        )
    if padding < 0:
        raise ValueError(
            f"padding must be 'valid', 'same' or a non-negative integer; got {padding!r}."
        )
    return int(padding)


def _check_kernel_fits(image: np.ndarray, kernel: np.ndarray, what: str = "image") -> None:
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


def _read_only(array: ArrayLike) -> np.ndarray:
    frozen = np.array(array)
    frozen.setflags(write=False)
    return frozen


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
    array = np.asarray(kernel)
    layout = "(taps,)" if array.ndim == 1 else "(rows, columns)"
    array = _as_real_array(array, "kernel", 1 if array.ndim == 1 else 2, layout)
    return np.flip(array).copy()


def _slide_multiply_sum(padded: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Lay ``kernel`` on every window of ``padded``; multiply cell by cell and add up."""
    windows = sliding_window_view(padded, kernel.shape)
    dtype = _sum_dtype(padded, kernel)
    # tensordot over the kernel's axes is "(window * kernel).sum()" for all windows at once.
    return np.tensordot(windows.astype(dtype), kernel.astype(dtype), axes=kernel.ndim)


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


def _checked_pair(
    image: ArrayLike, kernel: ArrayLike, mode: object, ndim: int
) -> tuple[np.ndarray, np.ndarray, str]:
    layout = "(rows, columns)" if ndim == 2 else "(samples,)"
    name = "image" if ndim == 2 else "signal"
    image = _as_real_array(image, name, ndim, layout)
    kernel = _as_real_array(kernel, "kernel", ndim, layout)
    mode = _check_mode(mode)
    if mode == "valid":
        _check_kernel_fits(image, kernel, what=name)
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
    image, kernel, mode = _checked_pair(image, kernel, mode, ndim=2)
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
    image, kernel, mode = _checked_pair(image, kernel, mode, ndim=2)
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
    signal, kernel, mode = _checked_pair(signal, kernel, mode, ndim=1)
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
    signal, kernel, mode = _checked_pair(signal, kernel, mode, ndim=1)
    full = _correlate_full(signal, kernel)
    return _crop(full, signal.shape, kernel.shape, mode, _centre_before_middle)


# --------------------------------------------------------------------------------------
# The layer: padding, stride, channels
# --------------------------------------------------------------------------------------


def pad_widths(
    n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1
) -> tuple[int, int]:
    """Return the zeros added ``(before, after)`` one spatial axis, as Keras adds them.

    ``"same"`` pads just enough that the output has ``ceil(n / stride)`` cells. When the
    total is odd, the extra zero goes after (bottom or right), as in Keras and TensorFlow.

    Parameters
    ----------
    n
        Input size along the axis (height or width).
    kernel_size
        Kernel size along the axis.
    padding
        ``"valid"`` (no padding), ``"same"``, or a non-negative integer ``P`` (``P`` zeros
        on both sides).
    stride
        Step between neighbouring windows.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> pad_widths(5, 3, "same")
    (1, 1)
    >>> pad_widths(6, 3, "same", stride=2)
    (0, 1)
    >>> pad_widths(5, 3, 2)
    (2, 2)
    """
    n = _check_positive_int(n, "n")
    kernel_size = _check_positive_int(kernel_size, "kernel_size")
    stride = _check_positive_int(stride, "stride")
    padding = _check_padding(padding)
    if padding == "valid":
        return 0, 0
    if padding == "same":
        outputs = math.ceil(n / stride)
        total = max((outputs - 1) * stride + kernel_size - n, 0)
        return total // 2, total - total // 2
    return padding, padding


def output_size(n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1) -> int:
    r"""Return the output size along one axis of a convolutional layer.

    .. math:: n_{out} = \left\lfloor \frac{n - k + P_{before} + P_{after}}{s} \right\rfloor + 1

    which is the familiar :math:`(W - F + 2P)/S + 1` when both sides get :math:`P` zeros.
    Windows that would run past the padded input are dropped (the floor).

    Parameters
    ----------
    n, kernel_size, padding, stride
        As in :func:`pad_widths`.

    Returns
    -------
    int
        Equal to the size Keras' ``Conv2D`` produces.

    Raises
    ------
    ValueError
        If the kernel does not fit in the padded input (no output at all).

    Examples
    --------
    >>> output_size(7, 3, "valid", stride=1), output_size(7, 3, "valid", stride=2)
    (5, 3)
    >>> output_size(5, 3, 1, stride=2)
    3
    >>> output_size(28, 3, "same")
    28
    """
    before, after = pad_widths(n, kernel_size, padding, stride)
    span = n + before + after
    if span < kernel_size:
        raise ValueError(
            f"kernel_size={kernel_size} does not fit in an input of size n={n} with "
            f"padding={padding!r} ({span} cells after padding); use a kernel of at most "
            f"{span} or more padding."
        )
    return (span - kernel_size) // stride + 1


def conv_params(
    kernel_size: int | tuple[int, int], in_channels: int, filters: int, use_bias: bool = True
) -> int:
    """Return the number of trainable numbers in a ``Conv2D`` layer.

    Each of the ``filters`` kernels has ``kh * kw * in_channels`` weights and (optionally)
    one bias. The image size does not appear: the same kernel is used at every position.

    Parameters
    ----------
    kernel_size
        ``k`` or ``(kh, kw)``.
    in_channels
        Channels of the layer's input (1 for grey images, 3 for RGB).
    filters
        Number of kernels, which is the number of output channels.
    use_bias
        Whether each filter has a bias.

    Returns
    -------
    int
        Equal to Keras' ``layer.count_params()``.

    Examples
    --------
    >>> conv_params(3, in_channels=1, filters=32)
    320
    >>> conv_params((3, 3), in_channels=32, filters=64)
    18496
    """
    kh, kw = _check_pair(kernel_size, "kernel_size")
    in_channels = _check_positive_int(in_channels, "in_channels")
    filters = _check_positive_int(filters, "filters")
    biases = filters if use_bias else 0
    return filters * kh * kw * in_channels + biases


def _checked_layer_inputs(
    x: ArrayLike, weights: ArrayLike, bias: ArrayLike | None, stride: object, padding: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[int, int], str | int]:
    x = _as_real_array(x, "x", 3, "(height, width, in_channels)")
    weights = _as_real_array(
        weights, "weights", 4, "(kernel_height, kernel_width, in_channels, filters)"
    )
    if weights.shape[2] != x.shape[2]:
        raise ValueError(
            f"weights expect {weights.shape[2]} input channels (weights.shape="
            f"{weights.shape}) but x has {x.shape[2]} (x.shape={x.shape}); "
            "weights.shape[2] must equal x.shape[2]."
        )
    if bias is not None:
        bias = _as_real_array(bias, "bias", 1, "(filters,)")
        if bias.shape[0] != weights.shape[3]:
            raise ValueError(
                f"bias must have one value per filter, shape ({weights.shape[3]},); "
                f"got shape {bias.shape}."
            )
    strides = _check_pair(stride, "stride")
    padding = _check_padding(padding)
    for axis, name in enumerate(("height", "width")):
        n, k = x.shape[axis], weights.shape[axis]
        before, after = pad_widths(n, k, padding, strides[axis])
        if n + before + after < k:
            raise ValueError(
                f"the kernel ({name} {k}, weights.shape={weights.shape}) is larger than the "
                f"padded input ({name} {n + before + after}, x.shape={x.shape}, "
                f"padding={padding!r}); use a smaller kernel or more padding."
            )
    return x, weights, bias, strides, padding


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
        ``"valid"``, ``"same"`` (Keras' rule, see :func:`pad_widths`) or a non-negative
        integer number of zeros on every side.

    Returns
    -------
    numpy.ndarray
        Shape ``(out_height, out_width, filters)``; sizes as in :func:`output_size`.
        int64 when all inputs are integers.

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
    rows = pad_widths(x.shape[0], kh, padding, sh)
    cols = pad_widths(x.shape[1], kw, padding, sw)
    padded = np.pad(x, (rows, cols, (0, 0)))
    # windows[i, j] holds the (in_channels, kh, kw) block whose top-left corner is at (i, j)
    windows = sliding_window_view(padded, (kh, kw), axis=(0, 1))[::sh, ::sw]
    dtype = _sum_dtype(x, weights, *([] if bias is None else [bias]))
    out = np.einsum("ijcmn,mncf->ijf", windows.astype(dtype), weights.astype(dtype))
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
    Keras model expresses it. Arguments as in :func:`output_size`.

    Examples
    --------
    >>> keras_output_size(7, 3, "valid", stride=2)
    3
    """
    import keras

    n = _check_positive_int(n, "n")
    padding = _check_padding(padding)
    shape = (1, n, n, 1)
    if isinstance(padding, int):
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape(shape)
        padding = "valid"
    layer = keras.layers.Conv2D(1, kernel_size, strides=stride, padding=padding)
    return int(layer.compute_output_shape(shape)[1])


def dense_vs_conv(
    height: int = 28, width: int = 28, in_channels: int = 1, filters: int = 32, kernel_size: int = 3
) -> WeightSharing:
    """Compare a dense layer with a same-padded conv layer producing the same output shape.

    Both map an ``(height, width, in_channels)`` input to ``(height, width, filters)``
    numbers. The dense layer has a weight per input-output pair; the conv layer shares one
    small kernel per filter across all positions.

    Examples
    --------
    >>> sharing = dense_vs_conv()
    >>> sharing.dense_params, sharing.conv_params
    (19694080, 320)
    >>> round(sharing.ratio)
    61544
    """
    inputs = (
        _check_positive_int(height, "height")
        * _check_positive_int(width, "width")
        * _check_positive_int(in_channels, "in_channels")
    )
    outputs = height * width * _check_positive_int(filters, "filters")
    dense = inputs * outputs + outputs
    conv = conv_params(kernel_size, in_channels, filters)
    return WeightSharing(
        input_shape=(height, width, in_channels),
        output_shape=(height, width, filters),
        kernel_size=kernel_size,
        dense_params=dense,
        conv_params=conv,
    )


# --------------------------------------------------------------------------------------
# Worked examples
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
    row, col = position
    if not (0 <= row < output.shape[0] and 0 <= col < output.shape[1]):
        raise ValueError(
            f"position must index the valid output of shape {output.shape}; got {position!r}."
        )
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
    out_rows = (padded.shape[0] - kh) // stride + 1
    out_cols = (padded.shape[1] - kw) // stride + 1
    cells = []
    for i in range(out_rows):
        for j in range(out_cols):
            top, left = i * stride, j * stride
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


def output_size_table(
    n: int = 7,
    kernel_sizes: Iterable[int] = (3, 5),
    strides: Iterable[int] = (1, 2, 3),
    paddings: Iterable[Padding] = ("valid", 1, "same"),
    with_keras: bool = False,
) -> tuple[SizeRow, ...]:
    """Tabulate :func:`output_size` over kernel sizes, strides and paddings.

    Combinations where the kernel does not fit are left out. With ``with_keras=True`` each
    row also carries the size Keras produces (:func:`keras_output_size`).

    Examples
    --------
    >>> rows = output_size_table(7, kernel_sizes=[3], strides=[1, 2], paddings=["valid"])
    >>> [(r.kernel_size, r.stride, r.output) for r in rows]
    [(3, 1, 5), (3, 2, 3)]
    """
    rows = []
    for kernel_size in kernel_sizes:
        for padding in paddings:
            for stride in strides:
                before, after = pad_widths(n, kernel_size, padding, stride)
                if n + before + after < kernel_size:
                    continue
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
                        output=output_size(n, kernel_size, padding, stride),
                        keras_output=keras_size,
                    )
                )
    return tuple(rows)


def format_size_table(rows: Sequence[SizeRow]) -> str:
    """Return the rows of :func:`output_size_table` as an aligned text table.

    Examples
    --------
    >>> print(format_size_table(output_size_table(7, [3], [2], ["same"])))
    input  kernel  stride  padding  zeros (before, after)  output
        7       3       2   'same'                 (1, 1)       4
    """
    has_keras = any(r.keras_output is not None for r in rows)
    header = "input  kernel  stride  padding  zeros (before, after)  output"
    lines = [header + ("  keras" if has_keras else "")]
    for r in rows:
        zeros = f"({r.pad_before}, {r.pad_after})"
        line = (
            f"{r.n:5d}  {r.kernel_size:6d}  {r.stride:6d}  {r.padding!r:>7}  "
            f"{zeros:>21}  {r.output:6d}"
        )
        if has_keras:
            line += f"  {r.keras_output:5d}"
        lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class LayerParams:
    """One ``Conv2D`` layer's parameter count, by formula and by Keras."""

    name: str
    kernel_size: int
    in_channels: int
    filters: int
    formula: int
    keras: int


@dataclass(frozen=True, eq=False)
class ParameterCounts:
    """Parameter counts of a stack of ``Conv2D`` layers, and the Keras model itself."""

    input_shape: tuple[int, int, int]
    layers: tuple[LayerParams, ...]
    model: keras.Model

    @property
    def total_formula(self) -> int:
        """Sum of :func:`conv_params` over the layers."""
        return sum(layer.formula for layer in self.layers)

    @property
    def total_keras(self) -> int:
        """``model.count_params()``."""
        return int(self.model.count_params())


MNIST_CONV_STACK: tuple[tuple[int, int], ...] = ((32, 3), (64, 3), (8, 1))


def parameter_counts(
    conv_layers: Sequence[tuple[int, int]] = MNIST_CONV_STACK,
    input_shape: tuple[int, int, int] = (28, 28, 1),
) -> ParameterCounts:
    """Build a ``keras.Sequential`` of ``Conv2D`` layers and count parameters two ways.

    Parameters
    ----------
    conv_layers
        ``(filters, kernel_size)`` per layer; the default is the two 3x3 layers of the
        classic MNIST network (32 then 64 filters) followed by a 1x1 layer with 8 filters.
    input_shape
        ``(height, width, channels)`` of the model's input.

    Examples
    --------
    >>> counts = parameter_counts()
    >>> [layer.formula for layer in counts.layers]
    [320, 18496, 520]
    >>> counts.total_formula == counts.total_keras
    True
    """
    import keras

    if len(input_shape) != 3:
        raise ValueError(
            f"input_shape must be (height, width, channels); got {tuple(input_shape)!r}."
        )
    model = keras.Sequential([keras.Input(shape=tuple(input_shape))], name="conv_stack")
    rows = []
    in_channels = input_shape[2]
    for index, (filters, kernel_size) in enumerate(conv_layers, start=1):
        layer = keras.layers.Conv2D(filters, kernel_size, name=f"conv{index}")
        model.add(layer)
        rows.append(
            LayerParams(
                name=layer.name,
                kernel_size=kernel_size,
                in_channels=in_channels,
                filters=filters,
                formula=conv_params(kernel_size, in_channels, filters),
                keras=int(layer.count_params()),
            )
        )
        in_channels = filters
    return ParameterCounts(input_shape=tuple(input_shape), layers=tuple(rows), model=model)


@dataclass(frozen=True)
class WeightSharing:
    """Parameter counts of a dense and a conv layer with the same output shape."""

    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    kernel_size: int
    dense_params: int
    conv_params: int

    @property
    def inputs(self) -> int:
        """Numbers in the input: ``height * width * in_channels``."""
        return math.prod(self.input_shape)

    @property
    def outputs(self) -> int:
        """Numbers in the output: ``height * width * filters``."""
        return math.prod(self.output_shape)

    @property
    def ratio(self) -> float:
        """How many times more parameters the dense layer needs."""
        return self.dense_params / self.conv_params


@dataclass(frozen=True, eq=False)
class ConvolutionDemo:
    """Everything :func:`demo` computed."""

    hand: HandConvolution
    flip: FlipDemo
    multichannel: MultiChannelExample
    sizes: tuple[SizeRow, ...]
    parameters: ParameterCounts
    sharing: WeightSharing


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
    for layer in params.layers:
        print(f"  {layer.name}: formula {layer.formula}, keras {layer.keras}")
    print(
        f"  dense 28x28 -> 28x28x32: {sharing.dense_params:,}; conv 3x3x1x32: "
        f"{sharing.conv_params:,} ({sharing.ratio:,.0f} times fewer)"
    )
    return ConvolutionDemo(hand, flipped, multi, sizes, params, sharing)


def _indent(value: object, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in str(value).splitlines())


# --------------------------------------------------------------------------------------
# Filters on a real photograph
# --------------------------------------------------------------------------------------

_KERNELS: dict[str, tuple[tuple[float, ...], ...]] = {
    "identity": ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
    "box blur": ((1 / 9,) * 3,) * 3,
    "gaussian blur": tuple(tuple(a * b / 256 for b in (1, 4, 6, 4, 1)) for a in (1, 4, 6, 4, 1)),
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "sobel x": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
    "sobel y": ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
    "laplacian": ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
}


def named_kernels() -> dict[str, np.ndarray]:
    """Return the classic hand-designed 3x3 and 5x5 kernels, by name (fresh copies).

    ``identity`` leaves the image as it is; ``box blur`` and ``gaussian blur`` average
    neighbours (weights sum to 1); ``sharpen`` adds the difference from the neighbours;
    ``sobel x`` / ``sobel y`` respond to brightness rising to the right / downwards (as
    cross-correlation templates); ``laplacian`` responds to any change (weights sum to 0).

    Examples
    --------
    >>> kernels = named_kernels()
    >>> sorted(kernels)
    ['box blur', 'gaussian blur', 'identity', 'laplacian', 'sharpen', 'sobel x', 'sobel y']
    >>> float(kernels["gaussian blur"].sum())
    1.0
    """
    return {name: np.array(values, dtype=float) for name, values in _KERNELS.items()}


def load_sample_photo() -> np.ndarray:
    """Return Grace Hopper's portrait (shipped with Matplotlib) as grey levels in [0, 1].

    Colour is reduced to luminance with the ITU-R BT.601 weights
    (0.299 R + 0.587 G + 0.114 B).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(600, 512)``.

    Examples
    --------
    >>> photo = load_sample_photo()
    >>> photo.shape, photo.dtype.name
    ((600, 512), 'float64')
    >>> bool(0.0 <= photo.min() < photo.max() <= 1.0)
    True
    """
    import matplotlib.cbook
    import matplotlib.image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as file:
        rgb = matplotlib.image.imread(file, format="jpg")
    luminance = rgb[..., :3].astype(float) @ np.array([0.299, 0.587, 0.114])
    return luminance / 255.0


def apply_filters(
    image: ArrayLike, kernels: Mapping[str, ArrayLike] | None = None
) -> dict[str, np.ndarray]:
    """Slide each kernel over ``image`` as a convolutional layer does; same-size outputs.

    Uses :func:`scipy.signal.correlate2d` rather than :func:`correlate2d`: on a 600x512
    photo its compiled loop is many times faster, and the two agree (see the tests). The
    image edge is extended by mirroring (``boundary="symm"``), so flat borders do not
    read as edges the way a frame of zeros would.

    Parameters
    ----------
    image
        2-D array (a grey image).
    kernels
        Name to 2-D kernel; by default :func:`named_kernels`.

    Returns
    -------
    dict
        Name to filtered image, each the shape of ``image``.

    Examples
    --------
    >>> flat = np.full((4, 4), 0.5)
    >>> out = apply_filters(flat, {"sobel x": named_kernels()["sobel x"]})
    >>> out["sobel x"]
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.]])
    """
    from scipy import signal

    image = _as_real_array(image, "image", 2, "(rows, columns)")
    chosen = named_kernels() if kernels is None else kernels
    filtered = {}
    for name, kernel in chosen.items():
        kernel = _as_real_array(kernel, f"kernels[{name!r}]", 2, "(rows, columns)")
        filtered[name] = signal.correlate2d(image, kernel, mode="same", boundary="symm")
    return filtered


@dataclass(frozen=True)
class ResponseStats:
    """Summary numbers of one filtered image."""

    name: str
    minimum: float
    maximum: float
    mean: float
    std: float
    mean_abs: float

    def __str__(self) -> str:
        return (
            f"{self.name:>14}: min {self.minimum:7.3f}  max {self.maximum:7.3f}  "
            f"mean {self.mean:7.3f}  std {self.std:6.3f}  mean |.| {self.mean_abs:6.3f}"
        )


def describe_responses(filtered: Mapping[str, ArrayLike]) -> tuple[ResponseStats, ...]:
    """Return minimum, maximum, mean, standard deviation and mean absolute value per image.

    Examples
    --------
    >>> (stats,) = describe_responses({"ramp": [[0.0, 1.0], [2.0, 3.0]]})
    >>> stats.mean, stats.maximum
    (1.5, 3.0)
    """
    rows = []
    for name, values in filtered.items():
        array = _as_real_array(values, f"filtered[{name!r}]", 2, "(rows, columns)")
        rows.append(
            ResponseStats(
                name=name,
                minimum=float(array.min()),
                maximum=float(array.max()),
                mean=float(array.mean()),
                std=float(array.std()),
                mean_abs=float(np.abs(array).mean()),
            )
        )
    return tuple(rows)


def step_image(
    size: int = 6, orientation: Literal["vertical", "horizontal"] = "vertical"
) -> np.ndarray:
    """Return a ``size`` x ``size`` image, dark (0) then bright (1), split by a straight edge.

    ``"vertical"``: left half dark, right half bright. ``"horizontal"``: top dark, bottom
    bright.

    Examples
    --------
    >>> step_image(4)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    """
    size = _check_positive_int(size, "size")
    if orientation not in ("vertical", "horizontal"):
        raise ValueError(f"orientation must be 'vertical' or 'horizontal'; got {orientation!r}.")
    image = np.zeros((size, size))
    image[:, size // 2 :] = 1.0
    return image if orientation == "vertical" else image.T.copy()
