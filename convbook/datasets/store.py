"""The data directory: atomic writes, checksums and the verified array cache.

Each dataset is cached as ``<data_dir>/<name>.npz`` (four uncompressed arrays, read
without pickles) next to ``<name>.json``, which records the arrays' SHA-256 digests,
where the data came from, and the size and modification time the file had when it was
verified. Every read re-checks the digests, so a damaged cache is reported instead of
being used; :func:`quick_state` compares only the size and time, which is what
``convbook data list`` shows.

Both files are written beside their targets under temporary names that carry the
writer's process id, made durable, and only then renamed into place: an interrupted or
killed writer leaves the old pair untouched, and the next writer removes the temporaries
of writers that are no longer running. :func:`replace_directory` does the same for a
whole directory (an entry of the run cache or of the page cache), and :func:`key_digest`
names such an entry after its key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from convbook.datasets.catalog import SPLIT_KEYS, Dataset
from convbook.datasets.formats import FormatError, read_npz


class ChecksumMismatch(ValueError):
    """A file's contents differ from what the catalog says they must be."""


class DataDirError(OSError):
    """The data directory cannot be created, read or written."""


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in 1 MiB blocks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f"
    >>> _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def array_sha256(array: np.ndarray) -> str:
    """Return the SHA-256 of an array's C-ordered bytes (its dtype and shape not included).

    Examples
    --------
    >>> array_sha256(np.zeros(3, np.uint8)) == hashlib.sha256(bytes(3)).hexdigest()
    True
    """
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def key_digest(key: Mapping[str, Any], digits: int) -> str:
    """Return the first ``digits`` hex digits of the SHA-256 of ``key`` written as JSON.

    The key is written with sorted keys, as it reads back from JSON (tuples as lists,
    anything JSON cannot hold as its ``repr``), so equal keys give equal digests in every
    process. The run cache and the page cache name their entries ``<name>-<digest>``.

    Examples
    --------
    >>> key_digest({"seed": 0, "plan": (1, 2)}, 8) == key_digest({"plan": [1, 2], "seed": 0}, 8)
    True
    >>> len(key_digest({"seed": 0}, 20))
    20
    """
    normalised = json.loads(json.dumps(dict(key), sort_keys=True, default=repr))
    encoded = json.dumps(normalised, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:digits]


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only on success.

    An exception or an interrupt inside the ``with`` block removes the temporary file,
    so ``target`` is either the old file or the complete new one, never half-written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(target)
    with _temporary_beside(target) as temporary:
        yield temporary
        _make_durable(temporary)
        os.replace(temporary, target)
    _sync_directory(target.parent)


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``target``, named after it and this process.

    The caller renames it into place inside the ``with`` block; if it does not (an error,
    an interrupt), the temporary file is removed.
    """
    ensure_dir(target.parent)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def partial_directory(target: Path) -> Path:
    """Create and return an empty temporary directory beside ``target``, to fill and rename.

    Its name, ``.<target name>.<pid>.<random>.partial``, lets :func:`remove_stale_partials`
    remove it once this process is gone, should it never be renamed into place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> temporary = partial_directory(root / "entry")
    >>> temporary.parent == root, temporary.name.startswith(".entry."), temporary.is_dir()
    (True, True, True)
    """
    target = Path(target)
    return Path(
        tempfile.mkdtemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".partial", dir=target.parent
        )
    )


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a new temporary directory beside ``target``; put it in place only on success.

    The directory twin of :func:`atomic_path`: fill the yielded directory (making its files
    durable); when the ``with`` block ends normally, :func:`replace_directory` renames it
    onto ``target``. An exception or an interrupt inside the block, or a failed rename,
    removes the temporary directory and leaves ``target`` as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "entry"
    >>> with atomic_directory(target) as temporary:
    ...     _ = (temporary / "value.txt").write_text("done")
    >>> (target / "value.txt").read_text(), [p.name for p in target.parent.iterdir()]
    ('done', ['entry'])
    """
    target = Path(target)
    temporary = partial_directory(target)
    try:
        yield temporary
        replace_directory(temporary, target)
    finally:
        if temporary.exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(temporary)


def replace_directory(temporary: Path, target: Path) -> None:
    """Rename the finished directory ``temporary`` onto ``target``, durably.

    ``temporary`` (made by :func:`partial_directory`, its files already made durable) is
    made readable and its listing flushed. An old ``target`` is first moved aside into
    another temporary directory beside it; the new directory is renamed into place, the
    rename made durable, and only then is the old one removed. If the rename of the new
    one fails, the old one is put back and the error raised; ``temporary`` is left for the
    caller to remove. A process killed at any moment leaves the old directory or the new
    one at ``target`` (or, killed between the two renames, none), never a mixture; what it
    moved aside is removed by the next writer (:func:`remove_stale_partials`).

    Parameters
    ----------
    temporary
        The complete new directory, beside ``target`` (on the same file system).
    target
        Where it goes; it may exist.

    Raises
    ------
    OSError
        When the old directory cannot be moved aside or the new one cannot be renamed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> target = root / "entry"
    >>> target.mkdir()
    >>> _ = (target / "value.txt").write_text("old")
    >>> temporary = partial_directory(target)
    >>> _ = (temporary / "value.txt").write_text("new")
    >>> replace_directory(temporary, target)
    >>> (target / "value.txt").read_text(), [p.name for p in root.iterdir()]
    ('new', ['entry'])
    """
    temporary, target = Path(temporary), Path(target)
    temporary.chmod(0o755)  # mkdtemp makes it 0700
    _sync_directory(temporary)
    aside: Path | None = None
    if target.exists():
        aside = partial_directory(target)
        try:
            os.replace(target, aside / "old")
        except BaseException:
            with contextlib.suppress(OSError):
                aside.rmdir()
            raise
    try:
        os.replace(temporary, target)
    except BaseException:
        if aside is not None:
            # If even this fails, the old directory stays aside for the next writer to remove.
            with contextlib.suppress(OSError):
                os.replace(aside / "old", target)
                aside.rmdir()
        raise
    _sync_directory(target.parent)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _make_durable(path: Path) -> None:
    """Flush ``path`` to disk and make it readable (mkstemp makes 0600) before its rename."""
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())
    path.chmod(0o644)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def remove_stale_partials(root: Path) -> list[Path]:
    """Remove temporary files that writers which are no longer running left in ``root``.

    A writer killed outright (``kill -9``, a power cut) cannot clean up after itself; its
    ``.<name>.<pid>.<random>.partial`` files are never read, and the next writer removes
    them here (a temporary directory, as the run cache writes, is removed whole). Files
    of writers still running are left alone.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / ".mnist.npz.999999999.x.partial").write_bytes(b"half")
    >>> [p.name for p in remove_stale_partials(root)]
    ['.mnist.npz.999999999.x.partial']
    """
    removed = []
    for path in Path(root).glob(".*.partial"):
        parts = path.name.split(".")
        pid = next((int(part) for part in parts if part.isdigit()), None)
        if pid is not None and not _pid_alive(pid):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
    return removed


def ensure_dir(directory: Path) -> Path:
    """Create ``directory`` if needed and check it is writable.

    Raises
    ------
    DataDirError
        With the path and what to do, if it cannot be created or written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ensure_dir(pathlib.Path(tempfile.mkdtemp()) / "a" / "b").is_dir()
    True
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataDirError(
            f"Cannot create the data directory {str(directory)!r} ({error.strerror}); "
            "choose another with CONVBOOK_DATA_DIR or the data_dir argument."
        ) from error
    if not os.access(directory, os.W_OK | os.X_OK):
        raise DataDirError(
            f"The data directory {str(directory)!r} is not writable; fix its permissions "
            "or choose another with CONVBOOK_DATA_DIR or the data_dir argument."
        )
    return directory


def cache_path(root: Path, name: str) -> Path:
    """Return where dataset ``name`` is cached under ``root``.

    Examples
    --------
    >>> cache_path(Path("/data"), "mnist")
    PosixPath('/data/mnist.npz')
    """
    return Path(root) / f"{name}.npz"


def _manifest_path(root: Path, name: str) -> Path:
    return Path(root) / f"{name}.json"


def check_arrays(dataset: Dataset, arrays: Mapping[str, np.ndarray], source: str) -> dict[str, str]:
    """Check shapes, dtypes and (where the catalog knows them) content digests.

    Returns
    -------
    dict
        The arrays' SHA-256 digests, keyed like ``arrays``.

    Raises
    ------
    ChecksumMismatch
        Naming ``source`` and the first array that differs.
    """
    expected_shapes = {
        "x_train": (dataset.n_train, 28, 28),
        "y_train": (dataset.n_train,),
        "x_test": (dataset.n_test, 28, 28),
        "y_test": (dataset.n_test,),
    }
    digests = {}
    for key in SPLIT_KEYS:
        array = arrays[key]
        if array.dtype != np.uint8 or array.shape != expected_shapes[key]:
            raise ChecksumMismatch(
                f"{source}: {key} is {array.dtype} {array.shape}, expected uint8 "
                f"{expected_shapes[key]} for {dataset.name}."
            )
        digests[key] = array_sha256(array)
        known = (dataset.content_sha256 or {}).get(key)
        if known is not None and digests[key] != known:
            raise ChecksumMismatch(
                f"{source}: the {key} array of {dataset.name} has SHA-256 {digests[key]}, "
                f"expected {known}."
            )
    return digests


def _file_record(path: Path) -> dict[str, int]:
    status = path.stat()
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns}


def write_cache(
    root: Path, dataset: Dataset, arrays: Mapping[str, np.ndarray], source: str
) -> Path:
    """Verify ``arrays`` and cache them atomically under ``root``; return the cache path.

    The new ``.npz`` and its manifest are both complete and on disk before either is
    renamed into place, so an existing cache stays exactly as it was until then (the
    forced re-fetch relies on this), and a writer killed at any moment leaves no file a
    later run trusts.
    """
    digests = check_arrays(dataset, arrays, source)
    target = cache_path(root, dataset.name)
    manifest_target = _manifest_path(root, dataset.name)
    ensure_dir(Path(root))
    remove_stale_partials(root)
    with _temporary_beside(target) as data, _temporary_beside(manifest_target) as record:
        with open(data, "wb") as stream:
            np.savez(stream, **{key: arrays[key] for key in SPLIT_KEYS})
        _make_durable(data)
        manifest = {
            "dataset": dataset.name,
            "source": source,
            "sha256": digests,
            "file": _file_record(data),
            "verified": time.strftime("%Y-%m-%d %H:%M"),
        }
        record.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _make_durable(record)
        # Data first: a writer killed between the two renames leaves a manifest whose
        # recorded size and time no longer match, which `data list` reports as changed.
        os.replace(data, target)
        os.replace(record, manifest_target)
    _sync_directory(Path(root))
    return target


def read_manifest(root: Path, name: str) -> dict | None:
    """Return the manifest written beside a cached dataset, or ``None`` if absent or unreadable."""
    try:
        return json.loads(_manifest_path(root, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_cache(root: Path, dataset: Dataset) -> dict[str, np.ndarray]:
    """Read and verify the cached arrays of ``dataset``.

    Raises
    ------
    FileNotFoundError
        If nothing is cached.
    ChecksumMismatch
        If the cache is damaged; the message names the file and the repair command.
    """
    path = cache_path(root, dataset.name)
    repair = f"run `convbook data fetch --force {dataset.name}` to replace it"
    try:
        arrays = read_npz(path, SPLIT_KEYS)
    except FormatError as error:
        raise ChecksumMismatch(f"The cached file {path} is damaged ({error}); {repair}.") from error
    manifest = read_manifest(root, dataset.name)
    try:
        digests = check_arrays(dataset, arrays, str(path))
    except ChecksumMismatch as error:
        raise ChecksumMismatch(f"{error} The cached file is damaged; {repair}.") from error
    if dataset.content_sha256 is None:
        recorded = (manifest or {}).get("sha256")
        if recorded != digests:
            raise ChecksumMismatch(
                f"The cached file {path} does not match the digests recorded in "
                f"{_manifest_path(root, dataset.name)} when it was verified; {repair}."
            )
    return arrays


def verify_cache(root: Path, dataset: Dataset) -> dict:
    """Verify the cached arrays of ``dataset`` in full and record the file as checked.

    Reads every array and checks its digest (see :func:`read_cache`); on success the
    manifest is rewritten with the file's current size and time, so that
    :func:`quick_state` reports it as verified. Returns the new manifest.

    Raises
    ------
    FileNotFoundError, ChecksumMismatch
        As for :func:`read_cache`.
    """
    path = cache_path(root, dataset.name)
    if not path.is_file():
        raise FileNotFoundError(path)
    arrays = read_cache(root, dataset)
    previous = read_manifest(root, dataset.name) or {}
    manifest = {
        "dataset": dataset.name,
        "source": previous.get("source", "unknown"),
        "sha256": {key: array_sha256(arrays[key]) for key in SPLIT_KEYS},
        "file": _file_record(path),
        "verified": time.strftime("%Y-%m-%d %H:%M"),
    }
    with atomic_path(_manifest_path(root, dataset.name)) as temporary:
        temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def quick_state(root: Path, name: str) -> tuple[str, str]:
    """Say cheaply whether a cached file is still the one that was verified.

    Compares the file's size and modification time with those recorded when it was last
    verified; no file is read. Returns ``(state, detail)`` where ``state`` is one of
    ``"absent"``, ``"verified"``, ``"unchecked"`` (no record: cached by an older convbook,
    or the record is missing), ``"changed"`` (same size, other time) or ``"damaged"``
    (another size).

    Examples
    --------
    >>> quick_state(Path("/nonexistent"), "mnist")
    ('absent', 'not cached')
    """
    path = cache_path(root, name)
    try:
        current = _file_record(path)
    except OSError:
        return "absent", "not cached"
    manifest = read_manifest(root, name) or {}
    recorded = manifest.get("file")
    source = manifest.get("source", "unknown source")
    if not isinstance(recorded, dict) or not {"size", "mtime_ns"} <= recorded.keys():
        return "unchecked", f"cached, not checked since it was cached (from {source})"
    if recorded["size"] != current["size"]:
        return "damaged", (
            f"DAMAGED: {current['size']} bytes, but {recorded['size']} when it was verified"
        )
    if recorded["mtime_ns"] != current["mtime_ns"]:
        return "changed", "cached, but the file changed after it was verified"
    when = manifest.get("verified", "")
    return "verified", f"cached, verified{' ' + when if when else ''} (from {source})"


def remove_cache(root: Path, name: str) -> None:
    """Delete a cached dataset and its manifest."""
    cache_path(root, name).unlink(missing_ok=True)
    _manifest_path(root, name).unlink(missing_ok=True)
