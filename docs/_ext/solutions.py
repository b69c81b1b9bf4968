"""``.. solution:: Exercise N``: a worked solution, collapsed until the reader opens it.

A chapter script ends with a "Solutions" section. Each solution starts with this directive
in a text cell; its content is the explanation. Everything after it in the same section,
up to the next ``solution`` (or the end of the chapter), belongs to the solution as well:
the code cells that work it out, their printed output and their figures. That way the
solution code runs when the book is built, like every other cell, and stays plain Python
in the downloaded ``.py`` and ``.ipynb``, after the exercises.

On the page each solution becomes a dropdown of sphinx-design (the same node its
``dropdown`` directive makes), closed on load: a native ``<details>`` element that needs
no JavaScript and no network.
"""

from __future__ import annotations

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


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_node(solution_start)
    app.add_directive("solution", SolutionDirective)
    app.add_transform(CollapseSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
