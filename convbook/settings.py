"""Every environment variable convbook reads, validated in one place.

The rest of the package never calls :func:`os.environ` itself; it asks this module,
so a bad value is reported the same way wherever it is used.

========================  =====================================================
Variable                  Meaning
========================  =====================================================
``CONVBOOK_DATA_DIR``     Where datasets are cached (default: the per-user cache
                          directory, e.g. ``~/.cache/convbook`` on Linux).
``CONVBOOK_BUDGET``       How long the chapters train (see :data:`BUDGETS`):
                          ``full`` (every image, real results; 20 to 35
                          minutes for the whole book on two CPU cores),
                          ``smoke`` (small subsets; the test suite, which only
                          checks that everything runs) or ``long`` (``full``
                          plus longer runs for the hardest targets). Default
                          ``full``.
``CONVBOOK_DEVICE``       ``auto`` (a GPU when present), ``cpu`` or ``gpu``.
                          Default ``auto``.
``CONVBOOK_PRECISION``    The dtype policy convbook's training runs use: ``auto``
                          (``mixed_bfloat16`` for the networks measured faster
                          in it, on a CPU with bfloat16 instructions under
                          TensorFlow; else ``float32``), ``float32`` or
                          ``mixed_bfloat16``. Default ``auto``.
``CONVBOOK_OFFLINE``      ``1`` to never try the network (only local files and
                          caches are used). Default ``0``.
``CONVBOOK_RUN_LOG``      A file to which every recipe run appends one JSON line
                          (recipe, plan, accuracy, target, time, device); the
                          book-build benchmark reads it. Default: no log.
``CONVBOOK_RUN_CACHE``    ``1`` to keep trained recipe runs in ``<data dir>/runs``
                          (and the book's built pages in ``<data dir>/pages``) and
                          reuse them in later builds, ``0`` to train every run anew
                          (nothing is read or written). Default ``1``.
``CONVBOOK_DEVICES``      How many virtual CPU devices JAX splits the CPU into
                          (data parallelism on one machine). Default: unset.
``CONVBOOK_COORDINATOR``  ``host:port`` of process 0 when several processes
                          train together. Default: unset.
``CONVBOOK_PROCESSES``    How many processes train together. Default ``1``.
``CONVBOOK_PROCESS_ID``   This process's index among them. Default ``0``.
========================  =====================================================
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

Budget = Literal["smoke", "full", "long"]
DeviceChoice = Literal["auto", "cpu", "gpu"]
PrecisionChoice = Literal["auto", "float32", "mixed_bfloat16"]

#: The training budgets, shortest first. ``smoke`` trains on a few thousand images for one or
#: two epochs: it checks that the code runs, and its accuracies mean little. ``full`` (the
#: default) trains every network on its whole training set and scores it on the whole
#: test set: the book's real results. ``long`` is ``full`` with longer runs for the few
#: recipes whose targets need them (see :attr:`convbook.recipes.Recipe.long`).
BUDGETS: tuple[str, ...] = ("smoke", "full", "long")
#: What each budget means for the numbers it produces, in a phrase (the book's page footer).
BUDGET_MEANINGS: dict[str, str] = {
    "smoke": "tiny runs that only check the code; their accuracies mean little",
    "full": "every network trained on its whole training set and scored on the whole test set",
    "long": "whole datasets, with the longest runs included",
}
#: The budget used when ``$CONVBOOK_BUDGET`` is unset.
DEFAULT_BUDGET = "full"
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "gpu")
#: The values of ``$CONVBOOK_PRECISION`` (see :func:`convbook.devices.precision_policy`).
PRECISION_CHOICES: tuple[str, ...] = ("auto", "float32", "mixed_bfloat16")


class SettingError(ValueError):
    """An environment variable (or the path standing in for one) holds an unusable value.

    The message has convbook's one form, ``{name} must be {expected}; got {value}.``,
    which the command line prints as one line.

    Examples
    --------
    >>> try:
    ...     data_dir(__file__)
    ... except SettingError as error:
    ...     print(str(error).split(";")[0])
    data_dir must be a directory (it is created if missing)
    """


def _invalid(name: str, value: object, expected: str, why: str = "") -> SettingError:
    """Return the error for ``name``: ``{name} must be {expected}; got {value}[, why].``."""
    return SettingError(f"{name} must be {expected}; got {value!r}{why}.")


def _choice(variable: str, allowed: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw not in allowed:
        options = ", ".join(repr(option) for option in allowed)
        expected = f"one of {options} (or unset for {default!r})"
        raise _invalid(variable, os.environ[variable], expected)
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
        chosen, origin = Path(override), "data_dir"
    elif os.environ.get("CONVBOOK_DATA_DIR", "").strip():
        chosen, origin = Path(os.environ["CONVBOOK_DATA_DIR"].strip()), "CONVBOOK_DATA_DIR"
    else:
        chosen, origin = default_data_dir(), "the default data directory"
    chosen = chosen.expanduser().absolute()
    if chosen.exists() and not chosen.is_dir():
        raise _invalid(
            origin,
            str(chosen),
            "a directory (it is created if missing)",
            ", which is a file, not a directory",
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
    """Return the training budget from ``$CONVBOOK_BUDGET``, one of :data:`BUDGETS`.

    Unset, it is :data:`DEFAULT_BUDGET` (``"full"``).

    Examples
    --------
    >>> budget() in ("smoke", "full", "long")
    True
    """
    return _choice("CONVBOOK_BUDGET", BUDGETS, DEFAULT_BUDGET)  # type: ignore[return-value]


def device_choice() -> DeviceChoice:
    """Return ``$CONVBOOK_DEVICE``: ``"auto"`` (default), ``"cpu"`` or ``"gpu"``.

    Examples
    --------
    >>> device_choice() in ("auto", "cpu", "gpu")
    True
    """
    return _choice("CONVBOOK_DEVICE", DEVICE_CHOICES, "auto")  # type: ignore[return-value]


def precision() -> PrecisionChoice:
    """Return ``$CONVBOOK_PRECISION``: ``"auto"`` (default), ``"float32"`` or ``"mixed_bfloat16"``.

    Examples
    --------
    >>> precision() in ("auto", "float32", "mixed_bfloat16")
    True
    """
    return _choice("CONVBOOK_PRECISION", PRECISION_CHOICES, "auto")  # type: ignore[return-value]


def offline() -> bool:
    """Return whether ``$CONVBOOK_OFFLINE`` forbids network access (``1``/``true``/``yes``).

    Examples
    --------
    >>> isinstance(offline(), bool)
    True
    """
    return _flag("CONVBOOK_OFFLINE", default=False)


def run_cache() -> bool:
    """Return whether ``$CONVBOOK_RUN_CACHE`` lets trained runs be cached (default ``True``).

    ``1``/``true``/``yes`` (or unset): :func:`convbook.recipes.run_recipe` keeps each
    trained run in ``<data dir>/runs`` and reuses it in later processes (see
    :mod:`convbook.run_cache`), and the book build keeps each chapter's built page in
    ``<data dir>/pages`` (``docs/_ext/page_cache.py``); ``0``/``false``/``no``: every run
    trains, every chapter runs, and neither cache is read or written.

    Examples
    --------
    >>> isinstance(run_cache(), bool)
    True
    """
    return _flag("CONVBOOK_RUN_CACHE", default=True)


def _flag(variable: str, *, default: bool) -> bool:
    raw = os.environ.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise _invalid(variable, os.environ[variable], "1 or 0 (also true/false, yes/no)")


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
        raise _invalid(
            "CONVBOOK_RUN_LOG", raw, "a file (it is created if missing)", ", which is a directory"
        )
    return chosen


def _optional_int(variable: str, minimum: int, default: int | None) -> int | None:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = None
    if number is None or number < minimum:
        word = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise _invalid(variable, os.environ[variable], word)
    return number


def devices() -> int | None:
    """Return ``$CONVBOOK_DEVICES``: how many virtual CPU devices JAX splits the CPU into.

    ``None`` (unset) leaves the devices as they are: one CPU device, or the GPUs found.
    :func:`convbook.distributed.launch` sets it for each worker it starts.

    Examples
    --------
    >>> devices() is None or devices() >= 1
    True
    """
    return _optional_int("CONVBOOK_DEVICES", 1, None)


def coordinator() -> str | None:
    """Return ``$CONVBOOK_COORDINATOR``, the ``host:port`` of process 0 of a group, or ``None``.

    Every process of a multi-process run connects to this address first.

    Examples
    --------
    >>> coordinator() is None or ":" in coordinator()
    True
    """
    raw = os.environ.get("CONVBOOK_COORDINATOR", "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _invalid(
            "CONVBOOK_COORDINATOR",
            os.environ["CONVBOOK_COORDINATOR"],
            "host:port with a port from 1 to 65535 (e.g. 127.0.0.1:12355)",
        )
    return raw


def processes() -> int:
    """Return ``$CONVBOOK_PROCESSES``, how many processes train together (default 1).

    Examples
    --------
    >>> processes() >= 1
    True
    """
    return _optional_int("CONVBOOK_PROCESSES", 1, 1)  # type: ignore[return-value]


def process_id() -> int:
    """Return ``$CONVBOOK_PROCESS_ID``, this process's index in its group (default 0).

    Examples
    --------
    >>> process_id() >= 0
    True
    """
    return _optional_int("CONVBOOK_PROCESS_ID", 0, 0)  # type: ignore[return-value]
