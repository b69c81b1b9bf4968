"""Which tests share the book build's worker under ``make test`` (pytest-xdist, loadgroup).

The tests that use the book build, or the run cache it fills, must run on one worker, or
the book is built twice. Every other test must be free to run on the other worker, or it
lengthens the suite: the book worker is the suite's longest path.
"""

import ast
from pathlib import Path

from conftest import BOOK_FIXTURES

TESTS = Path(__file__).resolve().parent
#: Where each book fixture is defined; a fixture of the same name anywhere else would put
#: its tests on the book worker by mistake (conftest groups tests by fixture name).
BOOK_FIXTURE_HOMES = {name: "conftest.py" for name in BOOK_FIXTURES} | {"book": "test_book.py"}


def _fixture_definitions() -> list[tuple[str, str]]:
    """``(file name, fixture name)`` of every fixture defined under tests/."""
    found = []
    for module in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                "fixture" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                found.append((module.name, node.name))
    return found


def test_each_book_fixture_is_defined_once_in_its_home():
    definitions = [(f, n) for f, n in _fixture_definitions() if n in BOOK_FIXTURES]
    assert sorted(definitions) == sorted((home, n) for n, home in BOOK_FIXTURE_HOMES.items())


def test_the_book_tests_are_grouped_and_nothing_else(request):
    grouped = {
        item.nodeid
        for item in request.session.items
        if any(m.args == ("book",) for m in item.iter_markers("xdist_group"))
    }
    using = {
        item.nodeid
        for item in request.session.items
        if BOOK_FIXTURES & set(getattr(item, "fixturenames", ()))
    }
    assert grouped == using
    # Whole modules that use no book fixture stay free, even with a fixture called a
    # similar name (test_page_cache builds a one-chapter book of its own).
    assert not any(nodeid.startswith("tests/test_page_cache.py") for nodeid in grouped)
    if any(i.nodeid.startswith("tests/test_book.py") for i in request.session.items):
        assert any(nodeid.startswith("tests/test_book.py::") for nodeid in grouped)
