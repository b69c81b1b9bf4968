"""A cache of trained recipe runs in the data directory, kept between builds.

:func:`convbook.recipes.run_recipe` trains a run once and keeps it in
``<data dir>/runs/<recipe>-<key digest>/``; a later process (the next ``make book``)
that asks for the same run loads it instead of training again. An entry holds:

``model.weights.h5``
    The trained weights (the network is rebuilt from its builder, then loaded).
``history.json``
    The per-epoch history.
``result.json``
    Every number of the :class:`~convbook.training.TrainingResult` (test loss and
    accuracy, fit time, device, images, epochs, when it was trained).
``manifest.json``
    The full key and the SHA-256 digest and size of each file above. It is written last.

The key (see :func:`run_key`) is everything that decides the trained network: the
recipe's definition and resolved plan, the seed, the device kind, the Keras back-end,
the versions of Python, Keras, the back-end library, NumPy and convbook, and the source
of the model's builder (with the convbook helpers it calls) and of the learning-rate
schedule and callbacks the recipe uses. Change any of them and the run trains again.

Every read checks the manifest and the digests. A damaged entry (a missing or changed
file, an unreadable manifest) raises :class:`DamagedEntry`; the caller trains again and
the new entry replaces it. Entries are written into a temporary directory beside their
place (``.<name>.<pid>.<random>.partial``), made durable, and only then renamed into
place, an old entry being moved aside first and removed last
(:func:`convbook.datasets.store.atomic_directory`). A writer killed at any moment leaves
the old entry, the new one or (between the two renames) none, never a half one that is
trusted; the next writer removes what killed writers left
(:func:`convbook.datasets.store.remove_stale_partials`).

``CONVBOOK_RUN_CACHE=0`` turns the cache off (see :func:`convbook.settings.run_cache`).

Examples
--------
>>> from convbook import run_cache
>>> run_cache.entry_name({"recipe": "fast_mnist", "seed": 0})[:11]
'fast_mnist-'
"""

from __future__ import annotations

import inspect
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convbook import settings
from convbook.datasets import store

if TYPE_CHECKING:
    from convbook.training import TrainingResult

#: The layout version; entries of another version are not read.
FORMAT = 1
#: The files of an entry, besides its manifest.
WEIGHTS_FILE = "model.weights.h5"
HISTORY_FILE = "history.json"
RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
ENTRY_FILES: tuple[str, ...] = (WEIGHTS_FILE, HISTORY_FILE, RESULT_FILE)

# The libraries whose versions are part of the key, besides the back-end's.
_PACKAGES: tuple[str, ...] = ("keras", "numpy")
_BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


class DamagedEntry(Exception):
    """A cache entry exists but cannot be trusted; the message says why."""


@dataclass(frozen=True)
class Entry:
    """A verified cache entry: where it is and what it holds."""

    path: Path
    history: dict[str, list[float]]
    scores: dict[str, Any]

    @property
    def weights(self) -> Path:
        """The trained weights, to load into the rebuilt network."""
        return self.path / WEIGHTS_FILE


def cache_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the run cache's directory: ``<data dir>/runs``.

    Examples
    --------
    >>> str(cache_root("/tmp/data"))
    '/tmp/data/runs'
    """
    return settings.data_dir(data_dir) / "runs"


# --------------------------------------------------------------------------- the key


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        module = __import__(package)
        return str(getattr(module, "__version__", "unknown"))


def versions(backend: str) -> dict[str, str]:
    """Return the versions that are part of the key: Python, Keras, the back-end, NumPy, convbook.

    Examples
    --------
    >>> sorted(versions("tensorflow"))
    ['convbook', 'keras', 'numpy', 'python', 'tensorflow']
    """
    import convbook

    found = {"python": platform.python_version(), "convbook": convbook.__version__}
    for package in (*_PACKAGES, _BACKEND_PACKAGES.get(backend, backend)):
        found[package] = _version(package)
    return found


def source_of(function: Callable[..., Any]) -> str:
    """Return the source of ``function`` and of the convbook functions and classes it names.

    One level of helpers is followed (the layers a builder calls, say), so editing them
    changes the key too; code outside convbook is covered by the package versions.

    Examples
    --------
    >>> from convbook.models.registry import spec
    >>> "def " in source_of(spec("compact_cnn").builder)
    True
    """
    parts = [_source(function)]
    code = getattr(function, "__code__", None)
    names = sorted(set(code.co_names)) if code is not None else []
    namespace = getattr(function, "__globals__", {})
    for name in names:
        helper = namespace.get(name)
        module = getattr(helper, "__module__", "") or ""
        if (
            helper is not function
            and (inspect.isfunction(helper) or inspect.isclass(helper))
            and module.startswith("convbook")
        ):
            parts.append(f"# {module}.{name}\n{_source(helper)}")
    return "\n".join(parts)


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):  # no source (a frozen or compiled module): its name only
        return f"<no source: {getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}>"


def run_key(
    recipe_fields: Mapping[str, Any],
    plan: Mapping[str, Any],
    *,
    seed: int,
    device_kind: str,
    deterministic: bool,
    sources: Mapping[str, str],
) -> dict[str, Any]:
    """Return the key of a run: everything that decides the trained network.

    Parameters
    ----------
    recipe_fields
        The recipe's definition (its name under ``"recipe"``; not its other budget's plan).
    plan
        The resolved plan, every field.
    seed, deterministic
        As given to training.
    device_kind
        ``"CPU"`` or ``"GPU"``: the same seed trains another network on another kind.
    sources
        Source code that defines the run (the builder, the schedule, the callbacks).

    Examples
    --------
    >>> key = run_key({"recipe": "x"}, {"epochs": 1}, seed=0, device_kind="CPU",
    ...               deterministic=False, sources={})
    >>> key["seed"], key["plan"], key["backend"] in ("tensorflow", "jax", "torch")
    (0, {'epochs': 1}, True)
    """
    import keras

    backend = keras.backend.backend()
    return {
        "format": FORMAT,
        "recipe": recipe_fields["recipe"],
        "definition": _jsonable(dict(recipe_fields)),
        "plan": _jsonable(dict(plan)),
        "seed": int(seed),
        "deterministic": bool(deterministic),
        "device_kind": device_kind,
        "backend": backend,
        "versions": versions(backend),
        "sources": dict(sources),
    }


def _jsonable(value: Any) -> Any:
    """Return ``value`` as it reads back from JSON (tuples become lists, unknowns reprs)."""
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def entry_name(key: Mapping[str, Any]) -> str:
    """Return the entry's directory name: the recipe and 20 hex digits of the key's digest.

    The digest is :func:`convbook.datasets.store.key_digest`'s, as for the page cache.
    """
    return f"{key['recipe']}-{store.key_digest(key, 20)}"


# --------------------------------------------------------------------------- reading


def lookup(root: Path, key: Mapping[str, Any]) -> Entry | None:
    """Return the verified entry of ``key`` under ``root``, or ``None`` when there is none.

    Raises
    ------
    DamagedEntry
        If an entry exists but fails a check (it is never returned then).
    """
    path = Path(root) / entry_name(key)
    if not path.exists():
        return None
    try:
        return _verified(path, _jsonable(dict(key)))
    except DamagedEntry:
        raise
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise DamagedEntry(f"the entry {path} cannot be read ({error})") from error


def _verified(path: Path, key: dict[str, Any]) -> Entry:
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise DamagedEntry(f"the entry {path} has no manifest (it was written halfway)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise DamagedEntry(f"the manifest of {path} is not valid JSON ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedEntry(f"the manifest of {path} is not a format-{FORMAT} run manifest")
    if manifest.get("key") != key:
        raise DamagedEntry(f"the manifest of {path} records another run's key")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise DamagedEntry(f"the manifest of {path} lists no files")
    for name in ENTRY_FILES:
        recorded = files.get(name)
        file = path / name
        if not isinstance(recorded, dict) or not file.is_file():
            raise DamagedEntry(f"{file} is missing")
        if file.stat().st_size != recorded.get("size"):
            raise DamagedEntry(
                f"{file} has {file.stat().st_size} bytes, {recorded.get('size')} when it was cached"
            )
        if store.file_sha256(file) != recorded.get("sha256"):
            raise DamagedEntry(f"{file} does not match its SHA-256 in the manifest")
    try:
        history = json.loads((path / HISTORY_FILE).read_text(encoding="utf-8"))
        scores = json.loads((path / RESULT_FILE).read_text(encoding="utf-8"))
    except ValueError as error:
        raise DamagedEntry(f"the JSON files of {path} cannot be read ({error})") from error
    if not isinstance(history, dict) or not isinstance(scores, dict):
        raise DamagedEntry(f"the JSON files of {path} do not hold a history and scores")
    return Entry(path, history, scores)


# --------------------------------------------------------------------------- writing


def store_result(root: Path, key: Mapping[str, Any], result: TrainingResult) -> Path:
    """Write ``result`` as the entry of ``key`` under ``root``, atomically; return its path.

    The entry is written into a temporary directory beside its place, every file made
    durable and the manifest written last; then
    :func:`~convbook.datasets.store.atomic_directory` moves an existing entry aside,
    renames the new one into place, and removes the old one. A writer killed at any point
    leaves the old entry, the new one or none; never a half entry that :func:`lookup` trusts.

    Raises
    ------
    OSError
        When the entry cannot be written (the caller reports it and carries on).
    """
    root = store.ensure_dir(Path(root))
    store.remove_stale_partials(root)
    target = root / entry_name(key)
    with store.atomic_directory(target) as temporary:
        result.model.save_weights(temporary / WEIGHTS_FILE)
        scores = {**result.scores(), "reused_from": None}
        (temporary / HISTORY_FILE).write_text(json.dumps(result.history), encoding="utf-8")
        (temporary / RESULT_FILE).write_text(json.dumps(scores, indent=2), encoding="utf-8")
        files = {}
        for file_name in ENTRY_FILES:
            file = temporary / file_name
            store._make_durable(file)
            files[file_name] = {"sha256": store.file_sha256(file), "size": file.stat().st_size}
        manifest = {
            "format": FORMAT,
            "key": _jsonable(dict(key)),
            "files": files,
            "trained_at": result.trained_at,
            "written_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        (temporary / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        store._make_durable(temporary / MANIFEST_FILE)
    return target


def remove_entry(root: Path, key: Mapping[str, Any]) -> bool:
    """Delete the entry of ``key`` under ``root``; return whether there was one."""
    path = Path(root) / entry_name(key)
    if not path.exists():
        return False
    shutil.rmtree(path)
    return True
