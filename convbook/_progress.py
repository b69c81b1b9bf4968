"""A dependency-free progress bar for downloads and other long work (standard library only)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Report progress of ``total`` units on a text stream.

    On a terminal it redraws one line (``label [#####.....] 52% 12.3/23.6 MB``); on a
    pipe or log it writes one line at the start and one at the end, so CI logs stay short.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with ProgressBar(2_000_000, "demo", stream=out) as bar:
    ...     bar.update(2_000_000)
    >>> print(out.getvalue().strip().splitlines()[-1])
    demo: done, 2.0 MB
    """

    def __init__(self, total: int | None, label: str, stream: TextIO | None = None) -> None:
        self.total = total if total and total > 0 else None
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0

    def __enter__(self) -> ProgressBar:
        if not self._interactive:
            size = f" ({self.total / 1e6:.1f} MB)" if self.total else ""
            self.stream.write(f"{self.label}: starting{size}\n")
            self.stream.flush()
        return self

    def update(self, amount: int) -> None:
        """Add ``amount`` units of progress."""
        self.done += amount
        now = time.monotonic()
        if self._interactive and (now - self._last_draw > 0.1 or self.done == self.total):
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(30 * fraction)
            bar = "#" * filled + "." * (30 - filled)
            text = (
                f"\r{self.label} [{bar}] {fraction:4.0%} "
                f"{self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB"
            )
        else:
            text = f"\r{self.label} {self.done / 1e6:.1f} MB"
        self.stream.write(text)
        self.stream.flush()

    def __exit__(self, *exc_info: object) -> None:
        if self._interactive:
            self.stream.write("\n")
        elif exc_info[0] is None:
            self.stream.write(f"{self.label}: done, {self.done / 1e6:.1f} MB\n")
        self.stream.flush()
