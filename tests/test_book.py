"""The HTML book, built with the smoke budget in a temporary folder: its files, and in a browser.

The build runs every chapter (sphinx-gallery), so these tests are marked ``slow``; ``make
test`` runs them, ``pytest -m "not slow"`` skips them while iterating.
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import load_module

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((REPO / "gallery").glob("*/[0-9][0-9]_*.py"))
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def book(tmp_path_factory, build_book) -> Path:
    """Build the book from a copy of docs/ and gallery/, as a fresh checkout would.

    It builds in this process (conftest's ``build_book``), so that the test modules of the
    chapters that train full-size networks check this build's runs of them instead of
    training the same networks again.
    """
    root = tmp_path_factory.mktemp("book")
    generated = ("_build", "auto_gallery", "gen_modules", "sg_execution_times.rst")
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns(*generated))
    shutil.copytree(REPO / "gallery", root / "gallery")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        status, warnings = build_book(root / "docs", root / "html")
    assert status == 0, f"book build failed:\n{warnings[-6000:]}"
    return root / "html"


def test_the_build_keeps_the_runs_the_chapter_tests_check(book, book_build_runs, book_settings):
    """The chapters checked through their globals are not run again: this build's runs are."""
    kept, runs = book_build_runs
    assert kept <= {chapter.stem for chapter in CHAPTERS}
    for stem in kept:
        settings, run = runs[stem]
        assert settings == book_settings and run.ran_in == "book build"
        assert run.namespace["__name__"] == "__main__" and run.printed.strip(), stem
        assert run.figure_titles and run.left_behind == [], stem


def test_the_benchmark_reads_the_first_cnns_result_from_its_page(book, book_build_runs):
    """benchmarks/build_times.py checks the page's "more than 99%" under the default budget."""
    build_times = load_module(REPO / "benchmarks" / "build_times.py", "build_times_of_the_book")
    result = build_times.first_cnn_result(book.parent / "docs")
    _, run = book_build_runs[1]["01_a_first_cnn_in_keras"]
    assert result == {
        "test_images": 10_000,
        "test_accuracy": round(run.namespace["test_accuracy"], 4),
    }


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_no_chapter_leaves_files_beside_itself(book):
    """sphinx-gallery runs each chapter in the chapter's folder: nothing new may appear there."""
    built_from = book.parent / "gallery"
    assert _files(built_from) == _files(REPO / "gallery")


def test_performance_page_without_results_names_the_commands_as_code(book):
    """The test build has no benchmark results: its notes say what to run, as code."""
    page = (book / "performance.html").read_text(encoding="utf-8")
    assert page.count("No results yet: run") == 2
    assert "``" not in page  # no raw reST markup
    assert '<span class="pre">benchmark-full</span>' in page


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        for attribute in ("href", "src"):
            if attributes.get(attribute):
                self.links.append((tag, attribute, attributes[attribute]))
        if tag == "img" and attributes.get("src"):
            self.images.append(attributes["src"])


@functools.cache
def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pages(book: Path) -> list[Path]:
    """The book's pages (not the theme's template fragments copied into _static/)."""
    return sorted(p for p in book.rglob("*.html") if "_static" not in p.relative_to(book).parts)


def _is_remote(value: str) -> bool:
    return value.startswith(("http://", "https://", "//"))


def test_every_chapter_has_a_page_with_a_figure(book):
    for chapter in CHAPTERS:
        page = book / "auto_gallery" / chapter.parent.name / f"{chapter.stem}.html"
        assert page.is_file(), f"no page for {chapter.relative_to(REPO)}"
        figures = [src for src in _parse(page).images if f"sphx_glr_{chapter.stem}_" in src]
        assert figures, f"{page.name} shows no figure"
        links = [value for tag, _, value in _parse(page).links if tag == "a"]
        for kind in (".py", ".ipynb"):
            downloads = [link for link in links if link.endswith(f"/{chapter.stem}{kind}")]
            assert downloads, f"{page.name} offers no {kind} download"
            assert (page.parent / unquote(downloads[0])).is_file()


def test_landing_page_lists_chapters_with_thumbnails(book):
    index = _parse(book / "index.html")
    thumbnails = [src for src in index.images if "_thumb" in src]
    assert len(thumbnails) >= len(CHAPTERS)


def test_no_page_links_to_a_missing_file_or_anchor(book):
    problems = []
    for page in _pages(book):
        for tag, attribute, value in _parse(page).links:
            if _is_remote(value) or value.startswith(("mailto:", "javascript:", "data:")):
                continue
            parts = urlsplit(value)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{page.relative_to(book)}: <{tag} {attribute}={value!r}> missing")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target).ids:
                    problems.append(f"{page.relative_to(book)}: anchor {value!r} not found")
    assert not problems, "\n".join(problems[:30])


def test_nothing_is_fetched_from_the_internet(book):
    problems = []
    for page in _pages(book):
        for tag, attribute, value in _parse(page).links:
            if tag in ("script", "link", "img", "iframe", "source") and _is_remote(value):
                problems.append(f"{page.relative_to(book)}: <{tag} {attribute}={value}>")
    remote_css = re.compile(r"""(url\(\s*['"]?(https?:)?//|@import\s+(url\()?['"]?(https?:)?//)""")
    for stylesheet in book.rglob("*.css"):
        if remote_css.search(stylesheet.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{stylesheet.relative_to(book)} loads a remote resource")
    assert not problems, "\n".join(problems)


def test_math_is_served_locally(book):
    page = book / "auto_gallery" / "01_layer_math" / "01_convolution_by_hand.html"
    scripts = [value for tag, _, value in _parse(page).links if tag == "script"]
    mathjax = [src for src in scripts if "mathjax" in src.lower()]
    assert mathjax and not any(_is_remote(src) for src in mathjax)
    assert (page.parent / mathjax[0]).resolve().is_file()


def test_pages_state_budget_and_device(book):
    text = (book / "index.html").read_text(encoding="utf-8")
    assert "<strong>smoke</strong> budget" in text and ("CPU:" in text or "GPU:" in text)
    assert "tiny runs that only check the code" in text  # what the budget means


# --------------------------------------------------------------------------- in a browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def server(book):
    handler = functools.partial(_QuietHandler, directory=str(book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("needs Debian's chromium and chromium-driver (make test installs them as root)")
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,1600",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))
    yield session
    session.quit()


def _open(browser, url: str, name: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script(
            "return document.readyState === 'complete' && "
            "Array.from(document.images).every(i => i.complete)"
        )
    )
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def _console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_landing_page_renders_in_a_browser(browser, server):
    _open(browser, f"{server}/index.html", "landing-page")
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    assert browser.execute_script("return document.images.length") >= len(CHAPTERS)
    assert _console_errors(browser) == []


def test_chapter_renders_math_and_figures_in_a_browser(browser, server):
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{server}/auto_gallery/01_layer_math/01_convolution_by_hand.html", "chapter")
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.querySelectorAll('mjx-container').length > 0")
    )
    figures = browser.execute_script(
        "return Array.from(document.images)"
        ".filter(i => i.src.includes('sphx_glr_01_convolution_by_hand_'))"
        ".map(i => i.naturalWidth)"
    )
    assert figures and all(width > 0 for width in figures)
    browser.save_screenshot(str(ARTIFACTS / "chapter-with-math.png"))
    assert _console_errors(browser) == []


# --------------------------------------------------------------------------- animations, copy

ANIMATED = {
    "01_convolution_by_hand": 1,
    "02_convolution_arithmetic": 1,
    "04_pooling": 2,
    "05_connection_graphs": 1,
}


def test_animation_pages_embed_offline_players(book):
    for stem, count in ANIMATED.items():
        html = (book / "auto_gallery" / "01_layer_math" / f"{stem}.html").read_text("utf-8")
        assert html.count('<div class="animation">') == count, stem
        assert "font-awesome" not in html and 'class="fa ' not in html, stem
        assert html.count('"data:image/png;base64,') >= count, stem
        assert len(html) < 1_000_000, f"{stem}: {len(html)} bytes"


def test_animation_player_advances_when_played(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{server}/auto_gallery/01_layer_math/01_convolution_by_hand.html", "player")
    player = browser.find_element(By.CSS_SELECTOR, "div.animation")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", player)
    image = player.find_element(By.CSS_SELECTOR, "img[id^='_anim_img']")
    slider = player.find_element(By.CSS_SELECTOR, "input.anim-slider")
    WebDriverWait(browser, 10).until(
        lambda b: (image.get_attribute("src") or "").startswith("data:")
    )
    assert slider.get_property("value") == "0"
    first, before = image.get_attribute("src"), player.screenshot_as_png
    player.find_element(By.CSS_SELECTOR, "button[title='Play']").click()
    WebDriverWait(browser, 10).until(lambda b: int(slider.get_property("value")) >= 2)
    player.find_element(By.CSS_SELECTOR, "button[title='Pause']").click()
    assert image.get_attribute("src") != first and player.screenshot_as_png != before
    frame = int(slider.get_property("value"))
    player.find_element(By.CSS_SELECTOR, "button[title='Next frame']").click()
    assert int(slider.get_property("value")) == frame + 1
    assert len(player.find_elements(By.CSS_SELECTOR, "button svg")) == 9  # icons drawn
    browser.save_screenshot(str(ARTIFACTS / "player-played.png"))
    assert _console_errors(browser) == []


def _record_copies(browser) -> None:
    # clipboard.js copies from a selected hidden textarea; record what each copy carries.
    browser.execute_script(
        """
        window.__copied = [];
        document.addEventListener('copy', e => { const t = e.target;
          window.__copied.push(t && typeof t.value === 'string'
            ? t.value.slice(t.selectionStart, t.selectionEnd) : String(document.getSelection()));
        }, true);"""
    )


def _click_copy_button(browser, code, button) -> None:
    # A real click (a user gesture): the browser lets a page copy only on one. The button
    # shows when the pointer is over its code cell.
    from selenium.webdriver.common.action_chains import ActionChains

    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", code)
    ActionChains(browser).move_to_element(code).move_to_element(button).click().perform()


def test_copy_button_copies_the_code(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{server}/auto_gallery/01_layer_math/01_convolution_by_hand.html", "copy")
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "button.copybtn"))
    cells = browser.find_elements(By.CSS_SELECTOR, "div.highlight-Python div.highlight pre")
    buttons = browser.find_elements(By.CSS_SELECTOR, "div.highlight-Python button.copybtn")
    assert cells and len(buttons) == len(cells)
    assert not browser.find_elements(By.CSS_SELECTOR, ".sphx-glr-script-out button.copybtn")
    _record_copies(browser)
    _click_copy_button(browser, cells[0], buttons[0])
    WebDriverWait(browser, 5).until(lambda b: b.execute_script("return window.__copied.length"))
    copied = browser.execute_script("return window.__copied[0]")
    assert copied.strip() == cells[0].get_property("innerText").strip()
    assert buttons[0].get_attribute("data-tooltip") == "Copied!"
    # prompts and doctest output are stripped on the API page
    _open(browser, f"{server}/api.html", "copy-api")
    button = WebDriverWait(browser, 10).until(
        lambda b: b.find_element(
            By.XPATH,
            "//pre[contains(., '>>> ')]/following-sibling::button[contains(@class,'copybtn')]",
        )
    )
    _record_copies(browser)
    _click_copy_button(browser, button.find_element(By.XPATH, "preceding-sibling::pre"), button)
    WebDriverWait(browser, 5).until(lambda b: b.execute_script("return window.__copied.length"))
    copied = browser.execute_script("return window.__copied[0]")
    assert copied and ">>>" not in copied and "..." not in copied.split("\n")[0]
    assert _console_errors(browser) == []


# --------------------------------------------------------------------------- solutions

_DETAILS = re.compile(r"<details\b([^>]*)>(.*?)</details>", re.DOTALL)


def _solutions(html: str) -> list[tuple[str, str]]:
    """Return (attributes, inner HTML) of each solution dropdown of a page."""
    return [
        (attrs, inner) for attrs, inner in _DETAILS.findall(html) if "convbook-solution" in attrs
    ]


def test_every_chapter_page_has_its_solutions_collapsed_after_the_exercises(book):
    from test_solutions import exercise_numbers

    for chapter in CHAPTERS:
        page = book / "auto_gallery" / chapter.parent.name / f"{chapter.stem}.html"
        html = page.read_text(encoding="utf-8")
        expected = len(exercise_numbers(chapter.read_text(encoding="utf-8")))
        solutions = _solutions(html)
        assert len(solutions) == expected, f"{page.name}: {len(solutions)} of {expected}"
        for number, (attrs, inner) in enumerate(solutions, start=1):
            assert " open" not in attrs, f"{page.name}: solution {number} is open on load"
            assert f"Solution to exercise {number}" in inner
            assert "highlight-Python" in inner, f"{page.name}: solution {number} has no code"
        assert (
            html.index('id="exercises"')
            < html.index('id="solutions"')
            < html.index("convbook-solution")
        )
        assert "Total running time" not in solutions[-1][1]  # the trailer stays outside


def test_downloads_keep_the_solutions_after_the_exercises(book):
    import json

    for chapter in CHAPTERS:
        folder = book / "_downloads"
        notebook = next(folder.rglob(f"{chapter.stem}.ipynb"))
        cells = ["".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"]]
        exercises = next(i for i, text in enumerate(cells) if "## Exercises" in text)
        solutions = next(i for i, text in enumerate(cells) if "## Solutions" in text)
        first = next(i for i, text in enumerate(cells) if "**Solution to Exercise 1**" in text)
        assert exercises < solutions <= first, chapter.stem
        assert not any(".. solution::" in text for text in cells), "raw reST in the notebook"
        script = next(folder.rglob(f"{chapter.stem}.py")).read_text(encoding="utf-8")
        assert script.index("# Exercises") < script.index("# Solutions")


def test_a_solution_is_closed_on_load_and_opens_on_click(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{server}/auto_gallery/01_layer_math/04_pooling.html", "solutions-closed")
    dropdowns = browser.find_elements(By.CSS_SELECTOR, "details.convbook-solution")
    assert len(dropdowns) == 5
    code = dropdowns[1].find_element(By.CSS_SELECTOR, "div.highlight-Python")
    assert [d.get_property("open") for d in dropdowns] == [False] * 5
    assert not code.is_displayed()
    summary = dropdowns[1].find_element(By.CSS_SELECTOR, "summary")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    WebDriverWait(browser, 5).until(lambda b: code.is_displayed())
    assert dropdowns[1].get_property("open") and not dropdowns[0].get_property("open")
    browser.save_screenshot(str(ARTIFACTS / "solutions-open.png"))
    assert _console_errors(browser) == []


# --------------------------------------------------------------------------- the run cache


def test_a_chapter_run_after_the_build_reuses_its_trained_runs(book, chapter_env, tmp_path):
    """A second build (here: one chapter run again) takes the build's runs from the cache."""
    chapter = REPO / "gallery" / "02_training" / "05_dense_vs_cnn.py"
    result = subprocess.run(
        [sys.executable, str(chapter)],
        cwd=tmp_path,
        env=chapter_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for recipe in ("dense_mnist", "simple_cnn_mnist", "compact_cnn_mnist"):
        assert f"{recipe}: reused the run trained on" in result.stdout, recipe
    assert "epoch 1/" not in result.stdout  # nothing was trained again
    assert "run cache:" not in result.stdout  # no entry was found damaged
    assert list(tmp_path.iterdir()) == [], "the chapter left files in the working directory"
