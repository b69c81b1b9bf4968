"""The data directory: atomic writes, checksums and the verified array cache.

Each dataset is cached as ``<data_dir>/<name>.npz`` (four uncompressed arrays, read
without pickles) next to ``<name>.json``, which records the arrays' SHA-256 digests and
where the data came from. Every read re-checks the digests, so a damaged cache is
reported instead of being used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

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
    ensure_dir(target.parent)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        temporary.chmod(0o644)  # mkstemp makes 0600; a cache is an ordinary readable file
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


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


def write_cache(
    root: Path, dataset: Dataset, arrays: Mapping[str, np.ndarray], source: str
) -> Path:
    """Verify ``arrays`` and cache them atomically under ``root``; return the cache path."""
    digests = check_arrays(dataset, arrays, source)
    manifest = {"dataset": dataset.name, "source": source, "sha256": digests}
    with atomic_path(_manifest_path(root, dataset.name)) as temporary:
        temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    target = cache_path(root, dataset.name)
    with atomic_path(target) as temporary:
        with open(temporary, "wb") as stream:
            np.savez(stream, **{key: arrays[key] for key in SPLIT_KEYS})
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


def remove_cache(root: Path, name: str) -> None:
    """Delete a cached dataset and its manifest (used by ``fetch --force``)."""
    cache_path(root, name).unlink(missing_ok=True)
    _manifest_path(root, name).unlink(missing_ok=True)
