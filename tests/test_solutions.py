"""Every exercise has a worked solution, after the exercises, collapsed on the page.

The structure is checked here, in the chapter sources; the answers each solution states
are checked in ``tests/test_solutions_*.py``, and the solution code itself runs with
every chapter (``tests/test_gallery.py``) and in the book build (``tests/test_book.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GALLERY = Path(__file__).resolve().parents[1] / "gallery"
CHAPTERS = sorted(GALLERY.glob("0[123]_*/[0-9][0-9]_*.py"))
SOLUTION = re.compile(r"^# \.\. solution:: Exercise (\d+)$", re.MULTILINE)


def _heading(source: str, title: str) -> int:
    found = re.search(rf"^# {title}\n# {'-' * len(title)}$", source, re.MULTILINE)
    assert found, f"no '{title}' section"
    return found.start()


def exercise_numbers(source: str) -> list[int]:
    """Return the numbers of the exercises, in the order the chapter lists them."""
    start = _heading(source, "Exercises")
    end = _heading(source, "Solutions")
    return [int(n) for n in re.findall(r"^# (\d+)\. ", source[start:end], re.MULTILINE)]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_exercise_has_one_solution_after_the_exercises(chapter):
    source = chapter.read_text(encoding="utf-8")
    exercises = exercise_numbers(source)
    assert exercises == list(range(1, len(exercises) + 1)) and len(exercises) >= 4
    solutions = SOLUTION.findall(source)
    assert [int(n) for n in solutions] == exercises, f"{chapter.name}: solutions {solutions}"
    first_solution = SOLUTION.search(source).start()
    assert _heading(source, "Exercises") < _heading(source, "Solutions") < first_solution


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_each_solution_explains_and_runs_code(chapter):
    """A solution is an explanation (the directive's content), then code cells."""
    source = chapter.read_text(encoding="utf-8")
    markers = list(SOLUTION.finditer(source))
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        body = source[marker.end() : following.start() if following else len(source)]
        explanation = re.match(r"\n#\n((?:#    .*\n|#\n)+)", body)
        assert explanation, f"{chapter.name}, exercise {marker.group(1)}: no explanation"
        words = re.sub(r"[#\s]+", " ", explanation.group(1)).split()
        assert len(words) >= 20, f"{chapter.name}, exercise {marker.group(1)}: too short"
        code = [line for line in body.splitlines() if line and not line.startswith("#")]
        assert code, f"{chapter.name}, exercise {marker.group(1)}: no code that runs"


def test_the_counts_cover_every_chapter():
    assert len(CHAPTERS) >= 17
    total = sum(len(exercise_numbers(c.read_text(encoding="utf-8"))) for c in CHAPTERS)
    assert total >= 85


def test_notebooks_get_plain_solution_headings(tmp_path):
    """In a downloaded notebook the directive becomes a bold line and a plain paragraph."""
    import json
    import sys
    import zipfile
    from types import SimpleNamespace

    sys.path.insert(0, str(GALLERY.parent / "docs" / "_ext"))
    try:
        import solutions
    finally:
        sys.path.pop(0)
    text = "## Solutions\n\n.. solution:: Exercise 3\n\n   Because.\n\n   Again.\n\nLater text."
    expected = "## Solutions\n\n**Solution to Exercise 3**\n\nBecause.\n\nAgain.\n\nLater text."
    assert solutions.markdown_solution_text(text) == expected
    folder = tmp_path / "auto_gallery" / "part"
    folder.mkdir(parents=True)
    cell = {"cell_type": "markdown", "metadata": {}, "source": text}
    notebook = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 0})
    (folder / "chapter.ipynb").write_text(notebook)
    with zipfile.ZipFile(folder / "all.zip", "w") as archive:
        archive.writestr("chapter.ipynb", notebook)
        archive.writestr("chapter.py", "# .. solution:: Exercise 3\n")
    app = SimpleNamespace(
        srcdir=str(tmp_path),
        config=SimpleNamespace(sphinx_gallery_conf={"gallery_dirs": ["auto_gallery"]}),
    )
    solutions.notebook_headings(app)
    for data in (
        (folder / "chapter.ipynb").read_text(),
        zipfile.ZipFile(folder / "all.zip").read("chapter.ipynb").decode(),
    ):
        assert json.loads(data)["cells"][0]["source"] == expected
    # The script keeps its comment: a reader of the .py sees the directive as written.
    assert zipfile.ZipFile(folder / "all.zip").read("chapter.py") == b"# .. solution:: Exercise 3\n"
