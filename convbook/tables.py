"""Plain-text tables: the one formatter behind every table convbook and the book print.

Built on `tabulate <https://pypi.org/project/tabulate/>`_, so every ``format_*`` function,
every ``summary()`` and every chapter lines its columns up the same way: text on the left,
numbers on the right, one rule under the header.

Examples
--------
>>> from convbook.tables import format_table
>>> print(format_table([("conv1", 320), ("dense", 1_290)], headers=("layer", "parameters")))
layer      parameters
-------  ------------
conv1             320
dense           1,290
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tabulate import tabulate

from convbook import _checks

__all__ = ["format_table"]


def _cell(value: Any, floatfmt: str) -> Any:
    # Cells are formatted here and handed to tabulate as text, so that integers keep
    # their thousands separators; the alignment is decided per column by the caller.
    if _checks.is_integer(value):
        return f"{int(value):,}"
    if isinstance(value, float):
        return format(value, floatfmt)
    return value


def format_table(
    rows: Iterable[Sequence[Any]],
    headers: Sequence[str],
    *,
    floatfmt: str = ".4g",
    align: Sequence[str] | None = None,
    indent: int = 0,
) -> str:
    """Return ``rows`` as an aligned plain-text table under ``headers``.

    Parameters
    ----------
    rows : iterable of sequences
        One sequence of cells per row, as many cells as ``headers``. Integers are written
        with thousands separators, floats with ``floatfmt``, anything else with ``str``.
    headers : sequence of str
        The column titles.
    floatfmt : str, optional
        A format spec for float cells, e.g. ``".2%"`` or ``".3f"``. Default ``".4g"``.
    align : sequence of str, optional
        ``"left"``, ``"right"`` or ``"center"`` per column. By default a column is
        right-aligned when all its cells are numbers and left-aligned otherwise.
    indent : int, optional
        Spaces before every line. Default 0.

    Returns
    -------
    str
        The table, without a trailing newline.

    Examples
    --------
    >>> print(format_table([("adam", 0.98765), ("sgd", 0.9)], ("optimizer", "accuracy"),
    ...                    floatfmt=".2%"))
    optimizer      accuracy
    -----------  ----------
    adam             98.77%
    sgd              90.00%
    """
    headers = tuple(
        _checks.instance(f"headers[{i}]", h, str, "a string")
        for i, h in enumerate(_checks.iterable("headers", headers, "a sequence of column titles"))
    )
    if not headers:
        _checks.fail("headers", headers, "at least one column title")
    _checks.text("floatfmt", floatfmt)
    indent = _checks.integer("indent", indent, minimum=0)
    raw = [
        tuple(_checks.iterable(f"rows[{i}]", row, "a sequence of cells"))
        for i, row in enumerate(_checks.iterable("rows", rows, "a sequence of rows"))
    ]
    for number, row in enumerate(raw):
        if len(row) != len(headers):
            _checks.fail(f"rows[{number}]", row, f"a row of {len(headers)} cells (one per header)")
    if align is None:
        align = [
            "right" if raw and all(_checks.is_real(row[i]) for row in raw) else "left"
            for i in range(len(headers))
        ]
    else:
        align = [
            _checks.choice(f"align[{i}]", a, ("left", "right", "center"))
            for i, a in enumerate(align)
        ]
        if len(align) != len(headers):
            _checks.fail("align", align, f"one alignment per column ({len(headers)})")
    cells = [[_cell(value, floatfmt) for value in row] for row in raw]
    table = tabulate(
        cells, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True
    )
    if indent:
        table = "\n".join(" " * indent + line for line in table.splitlines())
    return table
