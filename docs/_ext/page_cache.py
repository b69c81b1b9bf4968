"""A cache of built chapter pages between builds: a clean rebuild restores them unrun.

sphinx-gallery runs a chapter and writes what it produced beside a copy of its source in
``auto_gallery/``: the reST page with every printed output, the figures, the thumbnail,
the notebook and the downloads. ``make clean`` deletes that folder, and the next build
runs every chapter again, although nothing it depends on changed. This extension keeps
those files in ``<data dir>/pages/<chapter>-<key digest>/`` and, before sphinx-gallery
starts, puts them back for every chapter whose key still matches. sphinx-gallery then
finds the chapter up to date and does not run it.

The key is everything a chapter's outputs depend on that this build can see: the
chapter's source; the source of the whole ``convbook`` package (so any library change
runs every chapter again, while the run cache still spares the training of unchanged
recipes); ``docs/conf.py``; the budget and every other ``CONVBOOK_*`` setting except
where files go; the Keras back-end; and the versions of Python, Keras, the back-end
library, NumPy, convbook and sphinx-gallery.

A restored page says so at its top, with the date its outputs were computed. Every file
of an entry is checked against the SHA-256 digest in its manifest, which is written
last; a damaged or half-written entry is ignored with a one-line note, and the chapter
runs again. An entry is written beside its place and renamed into it, as the run cache's
are: an old entry is moved aside first and removed only after the new one is in place,
so a build killed at any moment leaves the old entry, the new one or (between the two
renames) none. ``CONVBOOK_RUN_CACHE=0`` (``make book-retrain``) turns this cache off along
with the run cache: nothing is restored and nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from importlib import metadata
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
#: Settings that say where files go, not what a chapter computes.
_LOCATION_SETTINGS = {"CONVBOOK_DATA_DIR", "CONVBOOK_RUN_LOG"}
_CHAPTER = re.compile(r"^\d\d_.*\.py$")
#: The line a restored page starts with (after its title); benchmarks look for it.
RESTORED_NOTE = "restored from the page cache"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package_digest(package_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_key(conf_file: Path) -> dict:
    """The part of every chapter's key that is the same for the whole build."""
    import convbook
    from convbook import run_cache, settings

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    versions = run_cache.versions(backend)
    versions["sphinx-gallery"] = metadata.version("sphinx-gallery")
    chosen = {
        name: value
        for name, value in sorted(os.environ.items())
        if name.startswith("CONVBOOK_") and name not in _LOCATION_SETTINGS
    }
    return {
        "format": FORMAT,
        "library": _package_digest(Path(convbook.__file__).parent),
        "conf": _sha256(conf_file.read_bytes()),
        "budget": settings.budget(),
        "settings": chosen,
        "backend": backend,
        "versions": versions,
    }


def chapter_key(chapter: Path, common: dict) -> dict:
    """The key of one chapter: its file name and source, and the build's ``common`` part."""
    return {"chapter": chapter.name, "source": _sha256(chapter.read_bytes()), **common}


def entry_name(key: dict) -> str:
    """``<chapter stem>-<16 hex digits of the key's digest>`` (the run cache's digest)."""
    from convbook.datasets import store as files

    return f"{Path(key['chapter']).stem}-{files.key_digest(key, 16)}"


def chapter_files(target_dir: Path, stem: str) -> list[Path]:
    """What sphinx-gallery wrote for chapter ``stem`` in ``target_dir``, as relative paths."""
    found = [p for p in target_dir.iterdir() if p.is_file() and p.name.startswith(f"{stem}.")]
    images = target_dir / "images"
    if images.is_dir():
        found += [p for p in images.glob(f"sphx_glr_{stem}_*") if p.is_file()]
        found += [p for p in images.glob(f"thumb/sphx_glr_{stem}_thumb.*") if p.is_file()]
    return sorted(p.relative_to(target_dir) for p in found)


def store(root: Path, key: dict, target_dir: Path) -> Path:
    """Copy chapter ``key["chapter"]``'s files from ``target_dir`` into the cache, atomically.

    The files and then the manifest are written into a temporary directory beside the
    entry and made durable; :func:`convbook.datasets.store.atomic_directory` then moves
    an old entry aside, renames the new one into place and removes the old one. A build
    killed at any moment leaves the old entry, the new one or (between the two renames)
    none; never a half entry that :func:`restore` trusts.
    """
    from convbook.datasets import store as files

    root = files.ensure_dir(root)
    files.remove_stale_partials(root)
    target = root / entry_name(key)
    stem = Path(key["chapter"]).stem
    with files.atomic_directory(target) as temporary:
        digests = {}
        for relative in chapter_files(target_dir, stem):
            copy = temporary / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target_dir / relative, copy)
            files._make_durable(copy)
            digests[relative.as_posix()] = files.file_sha256(copy)
        manifest = {
            "key": key,
            "files": digests,
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        files._make_durable(temporary / MANIFEST)
    return target


def restore(root: Path, key: dict, target_dir: Path) -> str | None:
    """Put a verified entry's files into ``target_dir``; return when it was built, or ``None``.

    Raises
    ------
    ValueError
        When the entry is damaged: an unreadable manifest, another key, a missing file or
        one whose digest differs. Nothing has been copied then.
    """
    from convbook.datasets import store as files

    entry = root / entry_name(key)
    if not entry.is_dir():
        return None
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"its manifest cannot be read ({error})") from None
    if manifest.get("key") != json.loads(json.dumps(key)):
        raise ValueError("its manifest belongs to another key")
    for relative, digest in manifest["files"].items():
        path = entry / relative
        if not path.is_file() or files.file_sha256(path) != digest:
            raise ValueError(f"{relative} is missing or changed")
    for relative in manifest["files"]:
        destination = target_dir / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry / relative, destination)
    return manifest["built_at"]


def add_restored_note(page: Path, built_at: str) -> None:
    """Say at the top of a restored page (after its introduction) when it was computed."""
    text = page.read_text(encoding="utf-8")
    # sphinx-gallery marks each block after the title and introduction with this comment.
    first = text.find(".. GENERATED FROM PYTHON SOURCE LINES")
    note = (
        f".. note::\n\n   This page was {RESTORED_NOTE}: its code ran, and its outputs were "
        f"computed, in the build of {built_at}, and nothing it depends on has changed since. "
        "``make book-retrain`` runs every chapter again.\n\n"
    )
    at = first if first >= 0 else len(text)
    page.write_text(text[:at] + note + text[at:], encoding="utf-8")


def _galleries(app) -> list[tuple[Path, Path]]:
    conf = app.config.sphinx_gallery_conf
    source = Path(app.srcdir)
    pairs = zip(conf.get("examples_dirs", []), conf.get("gallery_dirs", []), strict=False)
    return [((source / examples).resolve(), source / gallery) for examples, gallery in pairs]


def _chapters(app):
    """``(chapter source, folder of its outputs)`` for every chapter of every gallery."""
    for examples, gallery in _galleries(app):
        for chapter in sorted(examples.rglob("*.py")):
            if _CHAPTER.match(chapter.name):
                yield chapter, gallery / chapter.parent.relative_to(examples)


def _enabled() -> bool:
    from convbook import settings

    return settings.run_cache()


def _md5_stamp(chapter: Path, target_dir: Path) -> int | None:
    """When sphinx-gallery last marked ``chapter`` as built successfully (``None``: never)."""
    md5_file = target_dir / f"{chapter.name}.md5"
    return md5_file.stat().st_mtime_ns if md5_file.is_file() else None


def restore_pages(app) -> None:
    """Before sphinx-gallery runs: restore every chapter whose cached page still matches."""
    app.convbook_restored = set()
    app.convbook_stamps = {}
    if not _enabled():
        return
    from convbook import settings

    root = settings.data_dir() / "pages"
    common = build_key(Path(app.confdir) / "conf.py")
    app.convbook_page_key = common
    for chapter, target_dir in _chapters(app):
        app.convbook_stamps[chapter] = _md5_stamp(chapter, target_dir)
        copied = target_dir / chapter.name
        if app.convbook_stamps[chapter] is not None and copied.is_file():
            if copied.read_bytes() == chapter.read_bytes():
                continue  # sphinx-gallery's own outputs are up to date: it will not run it
        key = chapter_key(chapter, common)
        try:
            built_at = restore(root, key, target_dir)
        except (OSError, ValueError) as error:
            logger.info(f"page cache: {chapter.name}: entry ignored, {error}; the chapter runs")
            continue
        if built_at is not None:
            add_restored_note(target_dir / f"{chapter.stem}.rst", built_at)
            app.convbook_restored.add(chapter)
            logger.info(f"page cache: {chapter.name}: restored the page built on {built_at}")


def store_pages(app) -> None:
    """After sphinx-gallery ran: keep every chapter page it ran in this build.

    A chapter it found up to date and did not run is not kept: its outputs may come from
    an earlier build with another library, which the key could not tell apart.
    """
    if not _enabled():
        return
    from convbook import settings

    root = settings.data_dir() / "pages"
    common = app.convbook_page_key
    for chapter, target_dir in _chapters(app):
        if chapter in app.convbook_restored:
            continue
        stamp = _md5_stamp(chapter, target_dir)
        if stamp is None or stamp == app.convbook_stamps.get(chapter):
            continue  # not run in this build, or it failed
        if not (target_dir / f"{chapter.stem}.rst").is_file():
            continue
        try:
            store(root, chapter_key(chapter, common), target_dir)
        except OSError as error:  # the page itself is fine: report and carry on
            logger.info(f"page cache: {chapter.name}: could not keep this page ({error})")


def setup(app):
    # sphinx-gallery generates the chapters in its builder-inited handler (priority 500).
    app.connect("builder-inited", restore_pages, priority=400)
    app.connect("builder-inited", store_pages, priority=550)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
