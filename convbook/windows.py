"""Window arithmetic along one axis: padding, output size and where each window starts.

A convolution, a pooling layer and the wiring graphs all slide a window of
``kernel_size`` cells along an axis of ``n`` cells, ``stride`` cells at a time, after
adding zeros at the ends. This module is the one place that arithmetic is written, with
one argument order, ``(n, kernel_size, padding, stride)``, and Keras' rules:

``"valid"``
    No padding; only windows that lie wholly inside the input count.
``"same"``
    Just enough zeros that there are ``ceil(n / stride)`` windows. When the number of
    zeros is odd, the extra one goes after (bottom or right), as in Keras and TensorFlow.
an integer ``P``
    ``P`` zeros on both sides (what a ``ZeroPadding`` layer in front of a ``"valid"``
    layer does).

Examples
--------
>>> from convbook import windows
>>> windows.output_size(28, 3, "valid"), windows.output_size(28, 3, "same")
(26, 28)
>>> windows.pad_widths(6, 3, "same", stride=2)
(0, 1)
>>> windows.window_starts(5, 3, "same")
[-1, 0, 1, 2, 3]
"""

from __future__ import annotations

import math
from typing import Literal

from convbook import _checks

__all__ = [
    "PADDINGS",
    "Padding",
    "check_padding",
    "fits",
    "output_size",
    "pad_before",
    "pad_widths",
    "window_starts",
]

Padding = Literal["valid", "same"] | int

PADDINGS: tuple[str, ...] = ("valid", "same")


def check_padding(
    padding: object, *, allow_integer: bool = True, name: str = "padding"
) -> str | int:
    """Return ``padding`` if it is ``"valid"``, ``"same"`` or (optionally) an int >= 0.

    Parameters
    ----------
    padding
        The value to check.
    allow_integer
        Whether a non-negative integer number of zeros is accepted (a convolution here
        takes one; Keras' pooling layers do not).
    name
        The argument's name for the error message.

    Returns
    -------
    str or int

    Raises
    ------
    TypeError
        If ``padding`` is neither a string nor (when allowed) an integer.
    ValueError
        If it is an unknown string or a negative integer.

    Examples
    --------
    >>> check_padding("same"), check_padding(2)
    ('same', 2)
    >>> check_padding(2, allow_integer=False)
    Traceback (most recent call last):
    ...
    TypeError: padding must be one of 'valid', 'same'; got 2.
    """
    if not allow_integer:
        return _checks.choice(name, padding, PADDINGS)
    expected = "'valid', 'same' or a non-negative integer"
    if isinstance(padding, str):
        if padding not in PADDINGS:
            _checks.fail(name, padding, expected)
        return padding
    if not _checks.is_integer(padding):
        _checks.fail(name, padding, expected, TypeError)
    if padding < 0:  # type: ignore[operator]
        _checks.fail(name, padding, expected)
    return int(padding)  # type: ignore[call-overload]


def _checked(
    n: object, kernel_size: object, padding: object, stride: object
) -> tuple[int, int, str | int, int]:
    return (
        _checks.positive_int("n", n),
        _checks.positive_int("kernel_size", kernel_size),
        check_padding(padding),
        _checks.positive_int("stride", stride),
    )


def pad_widths(
    n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1
) -> tuple[int, int]:
    """Return the zeros added ``(before, after)`` one axis, as Keras adds them.

    Parameters
    ----------
    n
        Input size along the axis (height or width).
    kernel_size
        Window size along the axis.
    padding
        ``"valid"`` (no padding), ``"same"`` (``ceil(n / stride)`` windows; an odd extra
        zero goes after), or a non-negative integer ``P`` (``P`` zeros on both sides).
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
    n, kernel_size, padding, stride = _checked(n, kernel_size, padding, stride)
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = max((math.ceil(n / stride) - 1) * stride + kernel_size - n, 0)
        return total // 2, total - total // 2
    return padding, padding  # type: ignore[return-value]


def pad_before(n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1) -> int:
    """Return the zeros added before the first cell (top or left); see :func:`pad_widths`.

    Examples
    --------
    >>> pad_before(6, 4, "same")
    1
    """
    return pad_widths(n, kernel_size, padding, stride)[0]


def fits(n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1) -> bool:
    """Return whether at least one window fits in the padded axis.

    Always true for ``"same"``; for ``"valid"`` the window must be no longer than ``n``.

    Examples
    --------
    >>> fits(3, 5), fits(3, 5, "same"), fits(3, 5, 1)
    (False, True, True)
    """
    before, after = pad_widths(n, kernel_size, padding, stride)
    return n + before + after >= kernel_size


def output_size(n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1) -> int:
    r"""Return how many windows fit along the axis: its size after the layer.

    .. math:: n_{out} = \left\lfloor \frac{n - k + P_{before} + P_{after}}{s} \right\rfloor + 1

    which is the familiar :math:`(W - F + 2P)/S + 1` when both sides get :math:`P` zeros,
    and ``ceil(n / stride)`` for ``"same"``. Windows that would run past the padded input
    are dropped (the floor).

    Parameters
    ----------
    n, kernel_size, padding, stride
        As in :func:`pad_widths`.

    Returns
    -------
    int
        Equal to the size Keras' ``Conv2D`` and pooling layers produce.

    Raises
    ------
    ValueError
        If the window does not fit in the padded input (no output at all).

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


def window_starts(
    n: int, kernel_size: int, padding: Padding = "valid", stride: int = 1
) -> list[int]:
    """Return the input index of each window's first cell; negative ones start in the padding.

    Window ``j`` covers input cells ``start[j]`` to ``start[j] + kernel_size - 1``; cells
    outside ``0 .. n - 1`` are padding.

    Examples
    --------
    >>> window_starts(7, 3, "valid", stride=2)
    [0, 2, 4]
    >>> window_starts(4, 2, "same", stride=1)
    [0, 1, 2, 3]
    """
    first = -pad_before(n, kernel_size, padding, stride)
    return [first + j * stride for j in range(output_size(n, kernel_size, padding, stride))]
