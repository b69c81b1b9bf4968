"""``.. solution:: Exercise N``: a worked solution, collapsed until the reader opens it.

A chapter script ends with a "Solutions" section. Each solution starts with this directive
in a text cell; its content is the explanation. Everything after it in the same section,
up to the next ``solution`` (or the end of the chapter), belongs to the solution as well:
the code cells that work it out, their printed output and their figures. That way the
solution code runs when the book is built, like every other cell, and stays plain Python
in the downloaded ``.py`` and ``.ipynb``, after the exercises.

On the page each solution becomes a dropdown of sphinx-design (the same node its
``dropdown`` directive makes), closed on load: a native ``<details>`` element that needs
no JavaScript and no network. In the downloadable notebooks, where reST directives mean
nothing, :func:`notebook_headings` turns the directive line into a bold "Solution to
Exercise N" and its indented explanation into a plain paragraph.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective
from sphinx_design.shared import create_component

#: Classes of sphinx-gallery's trailer (the running time, the download buttons): a
#: solution never swallows them.
_TRAILER_CLASSES = {"sphx-glr-timing", "sphx-glr-footer", "sphx-glr-signature"}


class solution_start(nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """Where a solution begins; replaced by a dropdown once the page is parsed."""


class SolutionDirective(SphinxDirective):
    """``.. solution:: Exercise 3`` followed by the explanation as content."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"open": directives.flag}

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0]
        marker = solution_start(title=title, opened="open" in self.options)
        self.set_source_info(marker)
        self.state.nested_parse(self.content, self.content_offset, marker)
        return [marker]


def _ends_solution(node: nodes.Node) -> bool:
    if isinstance(node, solution_start | nodes.section | nodes.target | addnodes.only):
        return True
    classes = set(node.get("classes", ())) if isinstance(node, nodes.Element) else set()
    return bool(classes & _TRAILER_CLASSES)


class CollapseSolutions(SphinxTransform):
    """Wrap each solution (its explanation and the cells after it) in a closed dropdown."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        for marker in list(self.document.findall(solution_start)):
            parent = marker.parent
            index = parent.index(marker)
            body = []
            for sibling in parent.children[index + 1 :]:
                if _ends_solution(sibling):
                    break
                body.append(sibling)
            dropdown = create_component(
                "dropdown",
                opened=marker["opened"],
                type="dropdown",
                has_title=True,
                icon=None,
                chevron=None,
                container_classes=["sd-mb-3", "convbook-solution"],
                title_classes=[],
                body_classes=[],
            )
            dropdown.source, dropdown.line = marker.source, marker.line
            label = "Solution to " + marker["title"][:1].lower() + marker["title"][1:]
            title = nodes.rubric(label, label)
            dropdown += title
            for node in list(marker.children):
                marker.remove(node)
                dropdown += node
            for node in body:
                parent.remove(node)
                dropdown += node
            parent.replace(marker, dropdown)


_DIRECTIVE_LINE = re.compile(r"^\.\. solution:: (?P<title>.+)$")


def markdown_solution_text(text: str) -> str:
    r"""Replace each ``.. solution:: Exercise N`` block in Markdown ``text`` with plain text.

    >>> markdown_solution_text(".. solution:: Exercise 2\n\n   Because.\n   Twice.")
    '**Solution to Exercise 2**\n\nBecause.\nTwice.'
    """
    lines, in_solution = [], False
    for line in text.split("\n"):
        match = _DIRECTIVE_LINE.match(line)
        if match:
            lines.append(f"**Solution to {match['title']}**")
            in_solution = True
        elif in_solution and line.startswith("   "):
            lines.append(line[3:])
        else:
            # A blank line stays inside the explanation; unindented text ends it.
            in_solution = in_solution and not line.strip()
            lines.append(line)
    return "\n".join(lines)


def _rewrite_notebook(data: bytes) -> bytes:
    notebook = json.loads(data)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            text = "".join(source) if isinstance(source, list) else source
            if ".. solution::" in text:
                cell["source"] = markdown_solution_text(text)
    return json.dumps(notebook, indent=1, ensure_ascii=False).encode("utf-8")


def notebook_headings(app) -> None:
    """Rewrite the solutions in the notebooks sphinx-gallery generated (and in its zips)."""
    source_dir = Path(app.srcdir)
    for gallery in app.config.sphinx_gallery_conf.get("gallery_dirs", []):
        folder = source_dir / gallery
        for notebook in folder.rglob("*.ipynb"):
            data = notebook.read_bytes()
            if b".. solution::" in data:
                notebook.write_bytes(_rewrite_notebook(data))
        for archive in folder.rglob("*.zip"):
            with zipfile.ZipFile(archive) as old:
                entries = [(info, old.read(info)) for info in old.infolist()]
            if not any(b".. solution::" in d for i, d in entries if i.filename.endswith("ipynb")):
                continue
            partial = archive.with_suffix(".zip.partial")
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as new:
                for info, data in entries:
                    if info.filename.endswith(".ipynb") and b".. solution::" in data:
                        data = _rewrite_notebook(data)
                    new.writestr(info, data)
            partial.replace(archive)


def setup(app):
    app.setup_extension("sphinx_design")
    # After sphinx-gallery has generated the chapters (its handler has priority 500).
    app.connect("builder-inited", notebook_headings, priority=600)
    app.add_node(solution_start)
    app.add_directive("solution", SolutionDirective)
    app.add_transform(CollapseSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
