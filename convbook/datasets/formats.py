"""Readers for the file formats the datasets arrive in. Standard library and NumPy only.

* IDX (``*-idx3-ubyte``, optionally gzipped): the original MNIST container, also used by
  Fashion-MNIST and Kuzushiji-MNIST.
* Keras' ``mnist.npz``: four named arrays, read with ``allow_pickle=False``.
* The classic pickled MNIST (``mnist.pkl.gz``): read with :class:`RestrictedUnpickler`,
  which refuses every global except the three NumPy names an array needs.
* Debian packages (``.deb``): an ``ar`` archive whose ``data.tar.*`` member holds the files.
* Wheels: zip archives (:mod:`zipfile` handles them directly).
"""

from __future__ import annotations

import gzip
import io
import pickle
import shutil
import struct
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

#: IDX type codes (the third byte of the magic number) and the NumPy dtype they mean.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class FormatError(ValueError):
    """A file is not in the format it claims to be."""


def read_maybe_gzipped(path: Path) -> bytes:
    """Return the bytes of ``path``, decompressing it first if it is gzip-compressed.

    Examples
    --------
    >>> import gzip, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.gz"
    >>> _ = p.write_bytes(gzip.compress(b"abc"))
    >>> read_maybe_gzipped(p)
    b'abc'
    """
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise FormatError(f"{path} looks gzip-compressed but is damaged: {error}") from error
    return raw


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode an IDX file's bytes into a NumPy array.

    The format is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim``
    big-endian 32-bit sizes, then the values in row-major order.

    Parameters
    ----------
    data
        The uncompressed file contents.
    source
        A name for error messages.

    Returns
    -------
    numpy.ndarray
        The array in native byte order (``uint8`` for the image and label files).

    Examples
    --------
    >>> blob = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6))
    >>> parse_idx(blob)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise FormatError(f"{source} is not an IDX file (bad magic number {data[:4]!r}).")
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        raise FormatError(f"{source} has unknown IDX type code 0x{type_code:02x}.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise FormatError(f"{source} is truncated inside its IDX header.")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise FormatError(
            f"{source} holds {len(data) - header} bytes of values but its header "
            f"promises {expected} (shape {shape}): the file is truncated or damaged."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file, gzipped or not (see :func:`parse_idx`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(p)
    array([7, 2, 1], dtype=uint8)
    """
    return parse_idx(read_maybe_gzipped(Path(path)), source=str(path))


def read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read the named arrays from an ``.npz`` file without ever unpickling.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.npz"
    >>> np.savez(p, a=np.arange(3))
    >>> read_npz(p, ("a",))["a"]
    array([0, 1, 2])
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise FormatError(f"{path} lacks the arrays {missing} (it has {archive.files}).")
            return {key: archive[key] for key in keys}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, FormatError):
            raise
        if "pickle" in str(error).lower() or "object arrays" in str(error).lower():
            raise FormatError(
                f"{path} holds pickled Python objects; refusing to load it, since a pickle "
                "can run any code (a dataset file holds only plain arrays)"
            ) from error
        raise FormatError(f"{path} is not a readable .npz file: {error}") from error


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild NumPy arrays and nothing else.

    A pickle is a program: loading one runs whatever callables it names. This class
    resolves only the few globals a pickled ``ndarray`` needs and refuses all others,
    so a tampered file cannot run code. Use it only *after* the file's SHA-256 has
    matched a known value; the restriction is a second line of defence.

    Examples
    --------
    >>> import io, pickle
    >>> RestrictedUnpickler(io.BytesIO(pickle.dumps(np.arange(3)))).load()
    array([0, 1, 2])
    >>> RestrictedUnpickler(io.BytesIO(pickle.dumps(print))).load()
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: refusing to load builtins.print: only NumPy arrays are allowed
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"): ("numpy", "ndarray"),
        ("numpy", "dtype"): ("numpy", "dtype"),
        # Python 3 writes an array's raw bytes into protocol-2 pickles as
        # codecs.encode(text, "latin1"): a pure function from text to bytes.
        ("_codecs", "encode"): ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:  # noqa: D102
        target = self._ALLOWED.get((module, name))
        if target is None:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: only NumPy arrays are allowed"
            )
        return super().find_class(*target)


def load_restricted_pickle(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler` (Python 2 pickles included).

    Examples
    --------
    >>> import pickle
    >>> load_restricted_pickle(pickle.dumps((np.zeros(2), np.ones(1))))
    (array([0., 0.]), array([1.]))
    """
    return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()


def classic_mnist_pickle_to_arrays(data: bytes) -> dict[str, np.ndarray]:
    """Convert the classic ``mnist.pkl.gz`` payload to Keras-style uint8 arrays.

    That file holds ``(train, validation, test)`` pairs of float32 rows in [0, 1) equal
    to ``pixel / 256`` and int64 labels. Its 50,000 training and 10,000 validation
    rows, concatenated, are the original 60,000 MNIST training images in order; its
    test part is the original 10,000.

    Parameters
    ----------
    data
        The uncompressed pickle bytes (already checksum-verified by the caller).

    Returns
    -------
    dict
        ``x_train`` (60000, 28, 28) uint8, ``y_train`` (60000,) uint8, and the test pair.

    Examples
    --------
    >>> import pickle
    >>> rows = lambda n: (np.full((n, 784), 3 / 256, np.float32), np.arange(n) % 10)
    >>> arrays = classic_mnist_pickle_to_arrays(pickle.dumps((rows(2), rows(1), rows(1))))
    >>> arrays["x_train"].shape, int(arrays["x_train"].max()), arrays["y_train"].tolist()
    ((3, 28, 28), 3, [0, 1, 0])
    """
    parts = load_restricted_pickle(data)
    if not (isinstance(parts, tuple) and len(parts) == 3):
        raise FormatError("the MNIST pickle should hold (train, validation, test) pairs.")

    def images(rows: np.ndarray) -> np.ndarray:
        scaled = np.asarray(rows, dtype=np.float64) * 256.0
        if rows.ndim != 2 or rows.shape[1] != 784 or not np.array_equal(scaled, np.round(scaled)):
            raise FormatError("the MNIST pickle's images are not 784-pixel rows of pixel/256.")
        return np.round(scaled).astype(np.uint8).reshape(-1, 28, 28)

    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = parts
    return {
        "x_train": images(np.concatenate([train_x, valid_x])),
        "y_train": np.concatenate([train_y, valid_y]).astype(np.uint8),
        "x_test": images(test_x),
        "y_test": np.asarray(test_y).astype(np.uint8),
    }


def _ar_members(data: bytes, source: str) -> Iterator[tuple[str, bytes]]:
    if not data.startswith(b"!<arch>\n"):
        raise FormatError(f"{source} is not a Debian package (no ar archive header).")
    offset = 8
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        start = offset + 60
        yield name, data[start : start + size]
        offset = start + size + (size % 2)


def extract_deb(deb: Path, destination: Path) -> None:
    """Unpack the files of a Debian package into ``destination`` (like ``dpkg -x``).

    Reads the ``ar`` archive in Python; for compressions :mod:`tarfile` cannot read
    (zstd on Python < 3.14) it falls back to ``dpkg-deb -x`` when that is installed.

    Examples
    --------
    >>> extract_deb(Path("/nonexistent.deb"), Path("/tmp/out"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...
    """
    data = Path(deb).read_bytes()
    for name, payload in _ar_members(data, str(deb)):
        if not name.startswith("data.tar"):
            continue
        try:
            with tarfile.open(fileobj=io.BytesIO(payload)) as archive:
                archive.extractall(destination, filter="data")
            return
        except tarfile.CompressionError:
            if shutil.which("dpkg-deb") is None:
                raise FormatError(
                    f"{deb} uses a compression ({name}) Python cannot read and dpkg-deb "
                    "is not installed."
                ) from None
            subprocess.run(["dpkg-deb", "-x", str(deb), str(destination)], check=True)
            return
    raise FormatError(f"{deb} has no data.tar member.")
