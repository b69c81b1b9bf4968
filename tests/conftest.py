"""Shared test set-up: a headless plotting backend, quiet TensorFlow, the real data."""

import contextlib
import dataclasses
import io
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every test trains what it asks for: the run cache (tests/test_run_cache.py turns it on
# in a temporary data directory) would otherwise reuse runs of an earlier test session.
os.environ["CONVBOOK_RUN_CACHE"] = "0"
# The test suite checks that everything runs, on the smallest plans; the real results
# are the default (full) budget's, which `make book` builds and the benchmark records.
os.environ["CONVBOOK_BUDGET"] = "smoke"

import pytest  # noqa: E402

from convbook import datasets, settings  # noqa: E402


@pytest.fixture(scope="session")
def real_data_dir():
    """The data directory `make test` filled; the tests themselves never touch the network."""
    root = settings.data_dir()
    missing = [name for name in ("mnist", "fashion_mnist") if not datasets.cached(name, root)]
    if missing:
        pytest.fail(
            f"{missing} not cached in {root}; run `convbook data fetch mnist fashion_mnist` "
            "(the README's commands do this) before the tests."
        )
    return root


@pytest.fixture(scope="session")
def book_data_dir(real_data_dir, tmp_path_factory):
    """A data directory for the book build and the chapters run as scripts.

    It links the real dataset files (nothing is copied or changed) and has a run cache of
    its own: the chapters run after the book build reuse the runs the build trained, as a
    second ``make book`` does, instead of training them again.
    """
    root = tmp_path_factory.mktemp("book-data")
    for path in real_data_dir.iterdir():
        (root / path.name).symlink_to(path, target_is_directory=path.is_dir())
    return root


@pytest.fixture(scope="session")
def chapter_env(book_data_dir):
    """The environment a chapter runs in: smoke budget, headless, the shared run cache."""
    return dict(
        os.environ,
        MPLBACKEND="Agg",
        CONVBOOK_BUDGET="smoke",
        CONVBOOK_DATA_DIR=str(book_data_dir),
        CONVBOOK_RUN_CACHE="1",
    )


@dataclasses.dataclass(frozen=True)
class ChapterRun:
    """One run of a gallery chapter as a script."""

    #: The chapter's globals when it finished.
    namespace: dict[str, Any]
    #: What it printed to standard output.
    printed: str
    #: The empty folder it ran in (a test checks it is still empty).
    workdir: Path
    #: The titles (suptitle, then each axis' title) of the figures it left open.
    figure_titles: list[str]


@pytest.fixture(scope="session")
def run_chapter(tmp_path_factory) -> Callable[..., ChapterRun]:
    """A function that runs a gallery chapter once, as ``make book`` would, and returns it.

    ``run_chapter(chapter, name, env={...})`` runs the file ``chapter`` with runpy as
    ``__main__``, in a new empty folder ``tmp_path_factory.mktemp(name)``, with
    ``MPLBACKEND=Agg`` and ``env`` set and standard output captured; the working directory
    and the environment are restored afterwards, and every figure is closed before and
    after (their titles are kept). A chapter that fails has what it printed written out,
    so that pytest shows it. Each test module calls it from a module-scoped fixture; to
    patch an attribute for a run, wrap the call in a ``pytest.MonkeyPatch.context()``.
    """

    def run(chapter: Path, name: str, *, env: Mapping[str, str] | None = None) -> ChapterRun:
        import matplotlib.pyplot as plt

        workdir = tmp_path_factory.mktemp(name)
        printed = io.StringIO()
        plt.close("all")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MPLBACKEND", "Agg")
            for variable, value in (env or {}).items():
                patch.setenv(variable, value)
            patch.chdir(workdir)
            try:
                with contextlib.redirect_stdout(printed):
                    namespace = runpy.run_path(str(chapter), run_name="__main__")
            except BaseException:
                sys.stdout.write(printed.getvalue())
                plt.close("all")
                raise
        figures = [plt.figure(number) for number in plt.get_fignums()]
        titles = [
            (figure._suptitle.get_text() if figure._suptitle else "")
            + " ".join(axis.get_title() for axis in figure.axes)
            for figure in figures
        ]
        plt.close("all")
        return ChapterRun(namespace, printed.getvalue(), workdir, titles)

    return run
