"""Every chapter runs on its own, as a student runs it: `python gallery/<part>/<chapter>.py`."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

GALLERY = Path(__file__).resolve().parent.parent / "gallery"
CHAPTERS = sorted(GALLERY.glob("*/[0-9][0-9]_*.py"))


def test_chapters_exist_in_numbered_parts():
    assert len(CHAPTERS) >= 5
    for chapter in CHAPTERS:
        assert chapter.parent.name[:2].isdigit(), f"{chapter.parent.name} is not a numbered part"
        assert (chapter.parent / "GALLERY_HEADER.rst").is_file()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_has_title_story_and_exercises(chapter):
    source = chapter.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, f"{chapter.name} needs a title docstring"
    title, underline = docstring.splitlines()[:2]
    assert underline == "=" * len(title), f"{chapter.name}: the title must be underlined with ="
    assert source.count("# %%") >= 3, f"{chapter.name}: tell the story in # %% cells"
    assert "Exercises" in source, f"{chapter.name}: end with exercises"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs_standalone(chapter, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", CONVBOOK_BUDGET="quick")
    result = subprocess.run(
        [sys.executable, str(chapter)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), f"{chapter.name} printed nothing"
    assert list(tmp_path.iterdir()) == [], f"{chapter.name} left files in the working directory"
