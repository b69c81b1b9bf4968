"""The page cache (docs/_ext/page_cache.py), on a one-chapter book built again and again.

The chapter prints a number that differs on every run, so each build shows whether the
chapter ran or its page was restored.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = REPO / "docs" / "_ext"
CHAPTER = '''"""
Clock
=====

Prints a number that differs on every run.
"""

# %%
import time

print("ran at", time.time_ns())
'''
CONF = f"""
import sys

sys.path.insert(0, {str(EXTENSIONS)!r})
project = "page cache test"
extensions = ["sphinx_gallery.gen_gallery", "page_cache"]
sphinx_gallery_conf = {{
    "examples_dirs": ["../gallery"],
    "gallery_dirs": ["auto_gallery"],
    "filename_pattern": r"/\\d\\d_",
    "default_thumb_file": None,
    "write_computation_times": False,
}}
"""


@pytest.fixture
def one_chapter_book(tmp_path):
    """A book of one chapter, and a function that builds it from clean and returns its run."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text(CONF)
    (tmp_path / "docs" / "index.rst").write_text(
        "Test\n====\n\n.. toctree::\n\n   auto_gallery/index\n"
    )
    part = tmp_path / "gallery" / "part"
    part.mkdir(parents=True)
    (tmp_path / "gallery" / "GALLERY_HEADER.rst").write_text("Chapters\n========\n")
    (part / "GALLERY_HEADER.rst").write_text("Part\n----\n")
    (part / "01_clock.py").write_text(CHAPTER)
    data = tmp_path / "data"
    data.mkdir()

    def build(**settings: str) -> tuple[int, str, str]:
        for generated in ("auto_gallery", "_build"):
            shutil.rmtree(tmp_path / "docs" / generated, ignore_errors=True)
        env = {**os.environ, "CONVBOOK_DATA_DIR": str(data), "CONVBOOK_RUN_CACHE": "1", **settings}
        command = [sys.executable, "-m", "sphinx", "-b", "html"]
        command += [str(tmp_path / "docs"), str(tmp_path / "docs" / "_build")]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        page = (tmp_path / "docs" / "auto_gallery" / "part" / "01_clock.rst").read_text()
        return int(re.search(r"ran at (\d+)", page).group(1)), page, result.stdout + result.stderr

    build.pages = data / "pages"
    build.chapter = part / "01_clock.py"
    return build


def _module():
    spec = importlib.util.spec_from_file_location(
        "page_cache_under_test", EXTENSIONS / "page_cache.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_clean_rebuild_restores_the_page_and_says_so(one_chapter_book):
    first, page, _ = one_chapter_book()
    assert "restored from the page cache" not in page
    [entry] = one_chapter_book.pages.iterdir()
    assert entry.name.startswith("01_clock-") and (entry / "manifest.json").is_file()
    again, page, log = one_chapter_book()
    assert again == first  # the chapter did not run: its output is the first build's
    assert "restored from the page cache" in page and "01_clock.py: restored" in log
    # The note sits under the title, before the chapter's first block.
    assert page.index("restored from the page cache") < page.index("ran at")


def test_a_changed_chapter_or_budget_runs_again(one_chapter_book):
    first, _, _ = one_chapter_book(CONVBOOK_BUDGET="smoke")
    other_budget, page, _ = one_chapter_book(CONVBOOK_BUDGET="full")
    assert other_budget != first and "restored" not in page
    one_chapter_book.chapter.write_text(CHAPTER + "\nprint('one more line')\n")
    changed, page, _ = one_chapter_book(CONVBOOK_BUDGET="smoke")
    assert changed not in (first, other_budget) and "restored" not in page
    assert len(list(one_chapter_book.pages.iterdir())) == 3  # one entry per key


def test_a_damaged_entry_runs_the_chapter_again_and_is_replaced(one_chapter_book):
    first, _, _ = one_chapter_book()
    [entry] = one_chapter_book.pages.iterdir()
    (entry / "01_clock.rst").write_text("tampered\n")
    second, page, log = one_chapter_book()
    assert second != first and "restored" not in page
    assert "01_clock.py: entry ignored, 01_clock.rst is missing or changed" in log
    third, page, _ = one_chapter_book()  # the damaged entry was replaced by the new run's page
    assert third == second and "restored from the page cache" in page


def test_turned_off_with_the_run_cache(one_chapter_book):
    first, _, _ = one_chapter_book(CONVBOOK_RUN_CACHE="0")
    assert not one_chapter_book.pages.exists()
    one_chapter_book()  # on again: this build runs and keeps its page
    off, page, _ = one_chapter_book(CONVBOOK_RUN_CACHE="0")
    assert off != first and "restored" not in page


def test_half_written_entries_are_never_read(tmp_path):
    page_cache = _module()
    key = {"chapter": "01_clock.py", "source": "abc"}
    root = tmp_path / "pages"
    (root / page_cache.entry_name(key)).mkdir(parents=True)  # no manifest: never finished
    with pytest.raises(ValueError, match="manifest cannot be read"):
        page_cache.restore(root, key, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing was copied
    assert page_cache.restore(root, {**key, "source": "other"}, tmp_path / "out") is None


def test_entry_names_stay_those_of_existing_caches():
    # Computed before the digest moved to convbook.datasets.store.key_digest: a change here
    # would make a clean rebuild run every chapter again.
    key = {"chapter": "01_clock.py", "source": "abc", "budget": "smoke", "format": 1}
    key["settings"] = {"CONVBOOK_X": "1"}
    assert _module().entry_name(key) == "01_clock-35443a65ad261900"


def test_the_benchmark_recognises_restored_pages():
    spec = importlib.util.spec_from_file_location("bt", REPO / "benchmarks" / "build_times.py")
    build_times = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_times)
    assert build_times.RESTORED == _module().RESTORED_NOTE
