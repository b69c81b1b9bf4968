"""Shared test set-up: a headless plotting backend, quiet TensorFlow, the real data."""

import os

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
