"""Argument checks at the public boundary: the only place convbook validates arguments.

Every check has the same shape, ``check(name, value, ...) -> normalised value``, and the
same two outcomes for bad input:

* ``TypeError`` when the value has the wrong type (a string where a number belongs, a
  ``bool`` where an integer belongs);
* ``ValueError`` when the type is right but the value is not (``0`` where a positive
  integer belongs, ``"sane"`` where ``"same"`` belongs).

Both use one message form, which names the argument, says what is valid and shows the
value seen::

    kernel_size must be a positive integer; got 0.

Examples
--------
>>> from convbook import _checks
>>> _checks.positive_int("epochs", 3)
3
>>> _checks.positive_int("epochs", 0)
Traceback (most recent call last):
...
ValueError: epochs must be a positive integer; got 0.
>>> _checks.choice("padding", "same", ("valid", "same"))
'same'
"""

from __future__ import annotations

import math
import operator
import reprlib
from collections.abc import Sequence
from typing import Any, NoReturn, TypeVar

import numpy as np

T = TypeVar("T")

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlist = 8
_short.maxtuple = 8


def shown(value: object) -> str:
    """Return a short ``repr`` of ``value`` for an error message (arrays as their shape)."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return _short.repr(value)


def fail(name: str, value: object, expected: str, error: type[Exception] = ValueError) -> NoReturn:
    """Raise ``error`` in the one message form: ``{name} must be {expected}; got {value}.``."""
    raise error(f"{name} must be {expected}; got {shown(value)}.")


def is_integer(value: object) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), and not a ``bool``."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number (Python or NumPy), and not a ``bool``."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def integer(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as an ``int`` within ``[minimum, maximum]``, or raise."""
    if minimum is not None and maximum is not None:
        expected = f"an integer from {minimum} to {maximum}"
    elif minimum == 1:
        expected = "a positive integer"
    elif minimum == 0:
        expected = "a non-negative integer"
    elif minimum is not None:
        expected = f"an integer of at least {minimum}"
    elif maximum is not None:
        expected = f"an integer of at most {maximum}"
    else:
        expected = "an integer"
    if not is_integer(value):
        fail(name, value, expected, TypeError)
    number = operator.index(value)  # type: ignore[arg-type]
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        fail(name, value, expected)
    return number


def positive_int(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` of at least 1, or raise."""
    return integer(name, value, minimum=1)


def optional_positive_int(name: str, value: object) -> int | None:
    """Return ``None`` unchanged, else ``value`` as an ``int`` of at least 1."""
    return None if value is None else positive_int(name, value)


def real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    include_minimum: bool = True,
    include_maximum: bool = True,
    expected: str | None = None,
) -> float:
    """Return ``value`` as a finite ``float`` in the given range, or raise."""
    if expected is None:
        low = "[" if include_minimum else "("
        high = "]" if include_maximum else ")"
        if minimum is not None and maximum is not None:
            expected = f"a number in {low}{minimum:g}, {maximum:g}{high}"
        elif minimum is not None:
            word = "at least" if include_minimum else "greater than"
            expected = f"a number {word} {minimum:g}"
        elif maximum is not None:
            word = "at most" if include_maximum else "less than"
            expected = f"a number {word} {maximum:g}"
        else:
            expected = "a finite number"
    if not is_real(value):
        fail(name, value, expected, TypeError)
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        fail(name, value, expected)
    too_low = minimum is not None and (
        number < minimum or (not include_minimum and number == minimum)
    )
    too_high = maximum is not None and (
        number > maximum or (not include_maximum and number == maximum)
    )
    if too_low or too_high:
        fail(name, value, expected)
    return number


def positive(name: str, value: object) -> float:
    """Return ``value`` as a finite ``float`` greater than 0, or raise."""
    return real(name, value, minimum=0, include_minimum=False, expected="a positive number")


def fraction(name: str, value: object) -> float:
    """Return ``value`` as a ``float`` in ``[0, 1)`` (a rate, a held-out share), or raise."""
    return real(name, value, minimum=0, maximum=1, include_maximum=False)


def boolean(name: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False``, or raise ``TypeError``."""
    if not isinstance(value, bool | np.bool_):
        fail(name, value, "True or False", TypeError)
    return bool(value)


def choice(name: str, value: object, allowed: Sequence[T]) -> T:
    """Return ``value`` if it is one of ``allowed``, or raise."""
    expected = "one of " + ", ".join(repr(option) for option in allowed)
    kinds = {type(option) for option in allowed}
    if kinds == {str} and not isinstance(value, str):
        fail(name, value, expected, TypeError)
    try:
        if value in allowed:
            return value  # type: ignore[return-value]
    except TypeError:  # an unhashable or uncomparable value
        pass
    fail(name, value, expected)


def text(name: str, value: object) -> str:
    """Return ``value`` if it is a non-empty string, or raise."""
    if not isinstance(value, str):
        fail(name, value, "a non-empty string", TypeError)
    if not value:
        fail(name, value, "a non-empty string")
    return value


def instance(name: str, value: T, kinds: type | tuple[type, ...], expected: str) -> T:
    """Return ``value`` if it is an instance of ``kinds``, or raise ``TypeError``."""
    if not isinstance(value, kinds):
        fail(name, value, expected, TypeError)
    return value


def axis(name: str, value: object, ndim: int) -> int:
    """Return ``value`` as an axis of an array with ``ndim`` axes (negative counts back)."""
    return integer(name, value, minimum=-ndim, maximum=ndim - 1)


def iterable(name: str, value: object, expected: str) -> list[Any]:
    """Return the items of ``value`` as a list if it is iterable (and not a string)."""
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        fail(name, value, expected, TypeError)
    return list(value)  # type: ignore[call-overload]


def class_labels(
    name: str, value: object, num_classes: int | None = None, *, allow_one_hot: bool = True
) -> np.ndarray:
    """Return class labels as an ``int64`` array ``(N,)``, checked to lie in range.

    With ``allow_one_hot=True`` one-hot rows ``(N, K)`` are accepted too and read as their
    argmax.
    """
    expected = "integer class labels (N,)" + (" or one-hot rows (N, K)" if allow_one_hot else "")
    if isinstance(value, str | bytes):
        fail(name, value, expected, TypeError)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        fail(name, value, expected, TypeError)
    if allow_one_hot and array.ndim == 2:
        array = np.argmax(array, axis=1)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        fail(name, value, expected, TypeError if array.dtype.kind not in "iu" else ValueError)
    array = array.astype(np.int64)
    if num_classes is not None and array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must hold labels from 0 to {num_classes - 1}; got labels from "
            f"{array.min()} to {array.max()}."
        )
    return array


def int_tuple(
    name: str,
    value: object,
    *,
    length: int | None = None,
    minimum: int = 1,
    broadcast: bool = False,
) -> tuple[int, ...]:
    """Return a sequence of integers (each at least ``minimum``) as a tuple, or raise.

    With ``broadcast=True`` a single integer stands for ``length`` copies of itself, the way
    Keras reads ``kernel_size=3`` as ``(3, 3)``.
    """
    if minimum == 1:
        each = "positive integers"
    elif minimum == 0:
        each = "non-negative integers"
    else:
        each = f"integers of at least {minimum}"
    count = f"{length} " if length is not None else ""
    expected = f"a sequence of {count}{each}"
    if broadcast:
        single = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        expected = f"{single} or {expected}"
    if broadcast and is_integer(value):
        return (integer(name, value, minimum=minimum),) * (length or 1)
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        fail(name, value, expected, TypeError)
    items = list(value)  # type: ignore[arg-type]
    if not all(is_integer(item) for item in items):
        fail(name, value, expected, TypeError)
    if not items or (length is not None and len(items) != length):
        fail(name, value, expected)
    if any(item < minimum for item in items):
        fail(name, value, expected)
    return tuple(int(item) for item in items)


def real_array(
    name: str,
    value: object,
    *,
    ndim: int | tuple[int, ...] | None = None,
    layout: str = "",
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``value`` as a NumPy array of real numbers with ``ndim`` axes, or raise.

    ``layout`` describes the expected axes for the message, e.g. ``"(height, width)"``.
    """
    if isinstance(value, str | bytes):
        fail(name, value, "an array of real numbers", TypeError)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        fail(name, value, "a rectangular array of real numbers", ValueError)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (integers or floats); got dtype {array.dtype}."
        )
    if ndim is not None:
        dims = (ndim,) if isinstance(ndim, int) else ndim
        if array.ndim not in dims:
            wanted = " or ".join(f"{d}-D" for d in dims)
            where = f" {layout}" if layout else ""
            raise ValueError(
                f"{name} must be a {wanted} array{where}; got shape {array.shape} ({array.ndim}-D)."
            )
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {array.shape}.")
    return array
