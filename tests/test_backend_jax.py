"""The README's claim: the same chapters run with ``KERAS_BACKEND=jax``.

Each chapter runs in its own process, as a student runs it, with Keras on JAX: the Part I
chapters (seconds each) and one chapter that trains a network (marked slow; ``make test``
runs it too).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")

GALLERY = Path(__file__).resolve().parent.parent / "gallery"
PART_ONE = sorted((GALLERY / "01_layer_math").glob("[0-9][0-9]_*.py"))
TRAINING = GALLERY / "02_training" / "10_what_the_network_learned.py"


def run_under_jax(chapter: Path, tmp_path: Path, timeout: float) -> None:
    env = dict(os.environ, KERAS_BACKEND="jax", MPLBACKEND="Agg", CONVBOOK_BUDGET="smoke")
    result = subprocess.run(
        [sys.executable, str(chapter)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), f"{chapter.name} printed nothing"


def test_part_one_exists():
    assert len(PART_ONE) >= 5
    assert TRAINING.is_file()


@pytest.mark.parametrize("chapter", PART_ONE, ids=[c.stem for c in PART_ONE])
def test_part_one_chapter_runs_under_jax(chapter, tmp_path):
    run_under_jax(chapter, tmp_path, timeout=300)


@pytest.mark.slow
def test_a_training_chapter_runs_under_jax(tmp_path, real_data_dir):
    run_under_jax(TRAINING, tmp_path, timeout=600)


def test_the_chapter_process_really_uses_jax(tmp_path):
    code = "import keras; print(keras.backend.backend())"
    env = dict(os.environ, KERAS_BACKEND="jax")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split()[-1] == "jax", result.stderr[-2000:]
