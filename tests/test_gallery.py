"""Every chapter runs on its own, as a student runs it: `python gallery/<part>/<chapter>.py`."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import chapter_settings

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


# Chapters that a test module of their own checks through their globals: the book build's
# run of them (conftest's run_chapter; without the book build, one run as a script in an
# empty directory). Running them here too would only train the same networks again.
RUN_BY_THEIR_OWN_TESTS = {
    "01_a_first_cnn_in_keras": "test_chapter_first_cnn.py",
    "03_training_basics": "test_chapter_training_basics.py",
    "04_activations_losses_optimizers": "test_chapter_losses.py",
    "05_dense_vs_cnn": "test_book.py",
    "02_training_on_a_gpu": "test_chapter_gpu.py",
    "11_your_own_images": "test_chapter_own_images.py",
    "12_what_cnns_are_used_for": "test_chapter_what_next.py",
}
# Chapters whose smoke run takes 15-50 s (speed variants, several processes, uncached
# comparisons). The book build in tests/test_book.py runs them as it runs every chapter,
# with a fresh namespace each, and checks that no chapter leaves files beside itself.
RUN_IN_THE_BOOK_BUILD_ONLY = {
    "07_lenet5_and_alexnet",
    "09_kuzushiji_mnist_with_callbacks",
    "01_making_it_fast",
    "03_several_devices_and_machines",
}
# Chapters that train nothing: they run beside the book build, on any test worker, in a
# data directory of their own. The chapters that train run in the book build's (the
# chapter_env fixture), so they reuse its runs; that ties them to the build's worker.
TRAIN_NOTHING = {
    "01_convolution_by_hand",
    "02_convolution_arithmetic",
    "03_filters_on_a_real_image",
    "04_pooling",
    "05_connection_graphs",
    "02_the_datasets",
}
STANDALONE = [
    c
    for c in CHAPTERS
    if c.stem not in RUN_BY_THEIR_OWN_TESTS and c.stem not in RUN_IN_THE_BOOK_BUILD_ONLY
]
STANDALONE_TRAINING = [c for c in STANDALONE if c.stem not in TRAIN_NOTHING]
STANDALONE_NOT_TRAINING = [c for c in STANDALONE if c.stem in TRAIN_NOTHING]


@pytest.mark.parametrize("stem", sorted(RUN_BY_THEIR_OWN_TESTS))
def test_chapters_skipped_here_are_run_as_scripts_elsewhere(stem):
    chapters = {c.stem for c in CHAPTERS}
    assert stem in chapters
    own_test = Path(__file__).parent / RUN_BY_THEIR_OWN_TESTS[stem]
    source = own_test.read_text(encoding="utf-8")
    assert f"{stem}.py" in source
    # the book build, a subprocess, or conftest's run_chapter (runpy.run_path as __main__)
    assert any(runs in source for runs in ("runpy.run_path", "subprocess.run", "run_chapter("))
    assert "iterdir" in source or "left_behind" in source  # and that it left no files behind


def test_chapters_run_only_in_the_book_build_exist():
    assert RUN_IN_THE_BOOK_BUILD_ONLY <= {c.stem for c in CHAPTERS}


def test_chapters_that_train_nothing_exist():
    assert TRAIN_NOTHING <= {c.stem for c in CHAPTERS}


def _run_standalone(chapter: Path, workdir: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, str(chapter)], cwd=workdir, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), f"{chapter.name} printed nothing"
    assert list(workdir.iterdir()) == [], f"{chapter.name} left files in the working directory"


@pytest.mark.parametrize("chapter", STANDALONE_TRAINING, ids=[c.stem for c in STANDALONE_TRAINING])
def test_chapter_runs_standalone(chapter, tmp_path, chapter_env):
    _run_standalone(chapter, tmp_path, chapter_env)


@pytest.mark.parametrize(
    "chapter", STANDALONE_NOT_TRAINING, ids=[c.stem for c in STANDALONE_NOT_TRAINING]
)
def test_chapter_that_trains_nothing_runs_standalone(chapter, tmp_path, own_data_dir):
    datasets_only = sorted(own_data_dir.iterdir())
    workdir = tmp_path / "work"
    workdir.mkdir()
    _run_standalone(chapter, workdir, dict(os.environ, **chapter_settings(own_data_dir)))
    # No recipe run was trained: the run cache would have written here.
    assert sorted(own_data_dir.iterdir()) == datasets_only, f"{chapter.name} trained a network"
