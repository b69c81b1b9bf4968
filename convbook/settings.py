"""Every environment variable convbook reads, validated in one place.

The rest of the package never calls :func:`os.environ` itself; it asks this module,
so a bad value is reported the same way wherever it is used.

========================  =====================================================
Variable                  Meaning
========================  =====================================================
``CONVBOOK_DATA_DIR``     Where datasets are cached (default: the per-user cache
                          directory, e.g. ``~/.cache/convbook`` on Linux).
``CONVBOOK_BUDGET``       ``quick`` (seconds per chapter, used by CI) or
                          ``full`` (the real training runs). Default ``quick``.
``CONVBOOK_DEVICE``       ``auto`` (a GPU when present), ``cpu`` or ``gpu``.
                          Default ``auto``.
``CONVBOOK_OFFLINE``      ``1`` to never try the network (only local files and
                          caches are used). Default ``0``.
``CONVBOOK_RUN_LOG``      A file to which every recipe run appends one JSON line
                          (recipe, plan, accuracy, target, time, device); the
                          book-build benchmark reads it. Default: no log.
========================  =====================================================
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

Budget = Literal["quick", "full"]
DeviceChoice = Literal["auto", "cpu", "gpu"]

BUDGETS: tuple[str, ...] = ("quick", "full")
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "gpu")


class SettingError(ValueError):
    """An environment variable holds a value convbook cannot use."""


def _choice(variable: str, allowed: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw not in allowed:
        raise SettingError(
            f"{variable}={os.environ[variable]!r} is not valid; "
            f"use one of {', '.join(allowed)} (or unset it for {default!r})."
        )
    return raw


def default_data_dir() -> Path:
    r"""Return the per-user cache directory convbook uses when nothing else is set.

    Follows each platform's convention: ``$XDG_CACHE_HOME/convbook`` (default
    ``~/.cache/convbook``) on Linux, ``~/Library/Caches/convbook`` on macOS and
    ``%LOCALAPPDATA%\\convbook\\Cache`` on Windows.

    Examples
    --------
    >>> default_data_dir().name in {"convbook", "Cache"}
    True
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "convbook" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "convbook"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "convbook"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory: ``override``, else ``$CONVBOOK_DATA_DIR``, else the default.

    Parameters
    ----------
    override
        An explicit directory, as given to :func:`convbook.datasets.load`.

    Returns
    -------
    pathlib.Path
        An absolute path. It is not created here; writers create it when needed.

    Raises
    ------
    SettingError
        If the chosen path exists but is not a directory.

    Examples
    --------
    >>> str(data_dir("/tmp/convbook-data"))
    '/tmp/convbook-data'
    """
    if override is not None:
        chosen, origin = Path(override), "data_dir argument"
    elif os.environ.get("CONVBOOK_DATA_DIR", "").strip():
        chosen, origin = Path(os.environ["CONVBOOK_DATA_DIR"].strip()), "CONVBOOK_DATA_DIR"
    else:
        chosen, origin = default_data_dir(), "default data directory"
    chosen = chosen.expanduser().absolute()
    if chosen.exists() and not chosen.is_dir():
        raise SettingError(
            f"The {origin} {str(chosen)!r} is a file, not a directory; "
            "point it at a directory (it is created if missing)."
        )
    return chosen


def keras_cache_dir() -> Path:
    """Return Keras' own dataset cache (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``).

    Examples
    --------
    >>> keras_cache_dir().name
    'datasets'
    """
    base = os.environ.get("KERAS_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".keras").expanduser() / "datasets"


def budget() -> Budget:
    """Return the training budget from ``$CONVBOOK_BUDGET``: ``"quick"`` (default) or ``"full"``.

    Examples
    --------
    >>> budget() in ("quick", "full")
    True
    """
    return _choice("CONVBOOK_BUDGET", BUDGETS, "quick")  # type: ignore[return-value]


def device_choice() -> DeviceChoice:
    """Return ``$CONVBOOK_DEVICE``: ``"auto"`` (default), ``"cpu"`` or ``"gpu"``.

    Examples
    --------
    >>> device_choice() in ("auto", "cpu", "gpu")
    True
    """
    return _choice("CONVBOOK_DEVICE", DEVICE_CHOICES, "auto")  # type: ignore[return-value]


def offline() -> bool:
    """Return whether ``$CONVBOOK_OFFLINE`` forbids network access (``1``/``true``/``yes``).

    Examples
    --------
    >>> isinstance(offline(), bool)
    True
    """
    raw = os.environ.get("CONVBOOK_OFFLINE", "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingError(
        f"CONVBOOK_OFFLINE={os.environ['CONVBOOK_OFFLINE']!r} is not valid; use 1 or 0."
    )


def run_log() -> Path | None:
    """Return the file named by ``$CONVBOOK_RUN_LOG``, or ``None`` when it is unset.

    :func:`convbook.recipes.run_recipe` appends one JSON line per run to it.

    Examples
    --------
    >>> run_log() is None or run_log().suffix is not None
    True
    """
    raw = os.environ.get("CONVBOOK_RUN_LOG", "").strip()
    if not raw:
        return None
    chosen = Path(raw).expanduser().absolute()
    if chosen.is_dir():
        raise SettingError(
            f"CONVBOOK_RUN_LOG={raw!r} is a directory; name a file (it is created if missing)."
        )
    return chosen
