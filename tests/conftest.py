"""Shared test set-up: a headless plotting backend, quiet TensorFlow, the real data."""

import contextlib
import dataclasses
import importlib.util
import io
import logging
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
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
    return link_datasets(real_data_dir, tmp_path_factory.mktemp("book-data"))


def link_datasets(source: Path, root: Path) -> Path:
    """Fill the empty folder ``root`` with links to the dataset files of ``source``; return it.

    The datasets only: a link to the user's own run or page cache would let the tests'
    runs read and write it. Nothing is copied or changed.
    """
    for path in source.iterdir():
        if path.is_file():
            (root / path.name).symlink_to(path)
    return root


def load_module(path: Path, name: str) -> ModuleType:
    """Import the Python file ``path`` (a benchmark script, a Sphinx extension) as ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def own_data_dir(real_data_dir, tmp_path) -> Path:
    """A data directory of this test's own that links the real datasets (see link_datasets)."""
    root = tmp_path / "data"
    root.mkdir()
    return link_datasets(real_data_dir, root)


def chapter_settings(data_dir: Path) -> dict[str, str]:
    """The settings the tests run chapters with: smoke budget, the run cache in ``data_dir``."""
    return {
        "MPLBACKEND": "Agg",
        "CONVBOOK_BUDGET": "smoke",
        "CONVBOOK_DATA_DIR": str(data_dir),
        "CONVBOOK_RUN_CACHE": "1",
    }


@pytest.fixture(scope="session")
def book_settings(book_data_dir) -> dict[str, str]:
    """The settings the book build runs its chapters with: smoke budget, the shared run cache."""
    return chapter_settings(book_data_dir)


@pytest.fixture(scope="session")
def chapter_env(book_settings):
    """The environment of a chapter run as a subprocess: this one, plus ``book_settings``."""
    return dict(os.environ, **book_settings)


@dataclasses.dataclass(frozen=True)
class ChapterRun:
    """One run of a gallery chapter: as a script (runpy), or in the book build."""

    #: The chapter's globals when it finished.
    namespace: dict[str, Any]
    #: What it printed (standard output; a run in the book build adds standard error).
    printed: str
    #: The names of the files and folders it left in the folder it ran in.
    left_behind: list[str]
    #: The titles (suptitle, then each axis' title) of the figures it drew.
    figure_titles: list[str]
    #: Where it ran: "script" or "book build".
    ran_in: str


#: Chapters that train in plain Keras (up to a minute or more each on two CPU cores, even
#: with the smoke budget) and are checked through their globals by a test module of their
#: own. tests/test_book.py keeps what the book build's run of each left, and
#: ``run_chapter(..., env=book_settings)`` hands that run over instead of training again.
KEPT_FROM_THE_BOOK_BUILD = frozenset(
    {
        "01_a_first_cnn_in_keras",
        "03_training_basics",
        "04_activations_losses_optimizers",
        "11_your_own_images",
        "12_what_cnns_are_used_for",
    }
)
#: The book build's runs of those chapters, with the settings they ran with; a run is
#: taken out when it is handed over, so that its memory goes with its test module.
BOOK_BUILD_RUNS: dict[str, tuple[dict[str, str], ChapterRun]] = {}


def _left_behind(folder: Path, before: set[str]) -> list[str]:
    return sorted({p.name for p in folder.iterdir()} - before - {"__pycache__"})


def _figure_titles() -> list[str]:
    """The titles of matplotlib's open figures."""
    import matplotlib.pyplot as plt

    return [
        (figure._suptitle.get_text() if figure._suptitle else "")
        + " ".join(axis.get_title() for axis in figure.axes)
        for figure in map(plt.figure, plt.get_fignums())
    ]


class _ChapterRecorder(logging.Handler):
    """Keep the globals, output and figure titles of chosen chapters sphinx-gallery runs here.

    It wraps three parts of sphinx-gallery (0.19 to 0.22): ``gen_rst.execute_script``,
    which runs a chapter in a namespace of its own; ``gen_rst.save_figures``, called after
    each cell while that cell's figures are still open; and the ``sphinx-gallery`` logger,
    to which it sends each line a chapter prints. If one of the two functions is missing,
    recording fails at once with a message saying so. A chapter that raised is not kept.
    """

    def __init__(self, stems: frozenset[str], settings: Mapping[str, str]) -> None:
        super().__init__(level=15)  # sphinx's VERBOSE, the level printed lines are logged at
        self.stems, self.settings = stems, dict(settings)
        self.lines: list[str] | None = None
        self.titles: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if self.lines is not None and record.msg == "%s":
            self.lines.append(record.getMessage())

    @contextlib.contextmanager
    def installed(self):
        from sphinx_gallery import gen_rst

        missing = [n for n in ("execute_script", "save_figures") if not hasattr(gen_rst, n)]
        if missing:
            pytest.fail(f"sphinx_gallery.gen_rst has no {missing}: update tests/conftest.py")
        execute_script, save_figures = gen_rst.execute_script, gen_rst.save_figures

        def recording_execute_script(script_blocks, script_vars, *args, **kwargs):
            chapter = Path(script_vars["src_file"])
            if chapter.stem not in self.stems:
                return execute_script(script_blocks, script_vars, *args, **kwargs)
            before = {p.name for p in chapter.parent.iterdir()}
            self.lines, self.titles = [], []
            try:
                result = execute_script(script_blocks, script_vars, *args, **kwargs)
            finally:
                lines, self.lines = self.lines, None
            if not script_vars.get("passing"):
                return result  # it raised: its test module runs it again, and shows why
            run = ChapterRun(
                namespace=dict(script_vars["example_globals"]),
                printed="".join(line + "\n" for line in lines),
                left_behind=_left_behind(chapter.parent, before),
                figure_titles=self.titles,
                ran_in="book build",
            )
            BOOK_BUILD_RUNS[chapter.stem] = (self.settings, run)
            return result

        def recording_save_figures(*args, **kwargs):
            if self.lines is not None:
                self.titles.extend(_figure_titles())
            return save_figures(*args, **kwargs)

        log = logging.getLogger("sphinx.sphinx-gallery")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(gen_rst, "execute_script", recording_execute_script)
            patch.setattr(gen_rst, "save_figures", recording_save_figures)
            log.addHandler(self)
            try:
                yield self
            finally:
                log.removeHandler(self)


@pytest.fixture(scope="session")
def book_build_runs() -> tuple[frozenset[str], dict[str, tuple[dict[str, str], ChapterRun]]]:
    """:data:`KEPT_FROM_THE_BOOK_BUILD` and :data:`BOOK_BUILD_RUNS`, for tests/test_book.py."""
    return KEPT_FROM_THE_BOOK_BUILD, BOOK_BUILD_RUNS


@pytest.fixture(scope="session")
def build_book(book_settings) -> Callable[[Path, Path], tuple[int, str]]:
    """A function that builds the book in this process, as ``sphinx-build -W`` would.

    ``build_book(docs, html)`` builds ``docs`` into ``html`` with ``book_settings`` set in
    the environment and returns sphinx-build's exit status and what it wrote to standard
    error (its warnings). The runs of the chapters in :data:`KEPT_FROM_THE_BOOK_BUILD` go to
    :data:`BOOK_BUILD_RUNS`. The environment, ``sys.path`` and the modules imported from
    ``docs/`` are put back afterwards.
    """

    def build(docs: Path, html: Path) -> tuple[int, str]:
        from sphinx.cmd.build import build_main

        saved_environ, saved_path, saved_modules = dict(os.environ), sys.path[:], set(sys.modules)
        warnings_out = io.StringIO()
        recorder = _ChapterRecorder(KEPT_FROM_THE_BOOK_BUILD, book_settings)
        try:
            os.environ.update(book_settings)
            with (
                recorder.installed(),
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(warnings_out),
            ):
                argv = ["-b", "html", "-W", "--keep-going", "-q", str(docs), str(html)]
                status = build_main(argv)
        finally:
            os.environ.clear()
            os.environ.update(saved_environ)
            sys.path[:] = saved_path
            for name in set(sys.modules) - saved_modules:
                origin = getattr(sys.modules[name], "__file__", None) or ""
                if origin.startswith(str(docs)):
                    del sys.modules[name]
        return status, warnings_out.getvalue()

    return build


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

    With ``env=book_settings``, a chapter of :data:`KEPT_FROM_THE_BOOK_BUILD` that the book
    build of this session ran (tests/test_book.py) is not run again: that run is returned.
    """

    def run(chapter: Path, name: str, *, env: Mapping[str, str] | None = None) -> ChapterRun:
        import matplotlib.pyplot as plt

        if chapter.stem in BOOK_BUILD_RUNS and BOOK_BUILD_RUNS[chapter.stem][0] == env:
            return BOOK_BUILD_RUNS.pop(chapter.stem)[1]
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
        titles = _figure_titles()
        plt.close("all")
        return ChapterRun(
            namespace, printed.getvalue(), _left_behind(workdir, set()), titles, "script"
        )

    return run


#: The fixtures of the book build and of the chapters that reuse its runs (its run cache
#: and the chapter runs it kept). Under pytest-xdist (``make test`` runs two workers with
#: ``--dist loadgroup``) the tests that use them go to one worker, in their order, so that
#: the build happens once and the chapters run after it reuse what it trained.
BOOK_FIXTURES = frozenset(
    {"book", "build_book", "book_build_runs", "book_settings", "book_data_dir", "chapter_env"}
)


def pytest_itemcollected(item):
    # Here, as each test is collected: pytest-xdist reads the groups once all are.
    if BOOK_FIXTURES & set(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.xdist_group("book"))
