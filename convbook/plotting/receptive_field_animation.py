"""The receptive field, animated: one unit followed down a stack, a level per frame.

:func:`animate_receptive_field` follows one unit down a stack, a level per frame, so the
field is seen to grow; :func:`show_receptive_field_frame` draws one of its frames and
:func:`receptive_field_frame` returns that frame's units. Every function takes a graph from
:mod:`convbook.graphs`; the still wiring figures are in :mod:`convbook.plotting.graphs`
and the player is :mod:`convbook.plotting.animation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from convbook import _checks, graphs
from convbook.plotting.graphs import (
    HIGHLIGHT,
    LABEL_GAP,
    Node,
    _default_figsize,
    _level_colour,
    _level_label,
    _new_axes,
    _positions,
    _reserve_rows,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from convbook.plotting.animation import OfflineAnimation

__all__ = [
    "LIGHT_HIGHLIGHT",
    "ReceptiveFieldFrame",
    "animate_receptive_field",
    "receptive_field_frame",
    "show_receptive_field_frame",
]


LIGHT_HIGHLIGHT = "#f2a5a5"


@dataclass(frozen=True, eq=False)
class ReceptiveFieldFrame:
    """The units frame ``k`` of :func:`animate_receptive_field` highlights.

    Attributes
    ----------
    k, frame_count
        This frame, and the number of frames in one cycle: one per level from the top
        unit's level down to the inputs.
    top_node
        The unit followed.
    depth
        The level reached at this frame (``layer`` of the top unit at frame 0, 0 = the
        inputs at the last frame).
    cone
        For every level from ``depth`` up to the top unit's, the sorted units of that level
        the top unit depends on (``{layer: [node, ...]}``).
    units
        ``cone[depth]``: the units highlighted on the level reached. At the last frame
        these are :func:`convbook.graphs.receptive_field` of ``top_node``.
    extent
        How many units of level ``depth`` the field spans along each axis, e.g.
        ``(5, 5)``: :func:`convbook.graphs.receptive_field_size` of the layers passed.
    edges
        The connections between the levels shown that carry into ``top_node``.
    """

    k: int
    frame_count: int
    top_node: Node
    depth: int
    cone: dict[int, list[Node]]
    units: list[Node]
    extent: tuple[int, ...]
    edges: list[tuple[Node, Node]]


def _cone(graph: nx.DiGraph, top_node: Node) -> tuple[dict[int, list[Node]], list]:
    """Check the arguments; return the top unit's cone by level, and the cone's edges."""
    _checks.instance("graph", graph, nx.DiGraph, "a networkx.DiGraph")
    if not (isinstance(top_node, tuple) and top_node in graph):
        sample = graphs.output_nodes(graph)[:2]
        _checks.fail("top_node", top_node, "a unit of the graph, e.g. " + repr(sample[0]))
    graphs.receptive_field(graph, top_node)  # raises ValueError for an input unit
    top = graph.nodes[top_node]["layer"]
    members = nx.ancestors(graph, top_node) | {top_node}
    cone: dict[int, list[Node]] = {depth: [] for depth in range(top + 1)}
    for node in members:
        cone[graph.nodes[node]["layer"]].append(node)
    return {depth: sorted(nodes) for depth, nodes in cone.items()}, graphs.receptive_field_edges(
        graph, top_node
    )


def _frame_of(
    graph: nx.DiGraph, top_node: Node, k: int, cone: dict, edges: list
) -> ReceptiveFieldFrame:
    top = graph.nodes[top_node]["layer"]
    depth = top - k
    shown = {depth: cone[depth] for depth in range(depth, top + 1)}
    units = cone[depth]
    extent = _extent(units)
    levels = set(shown)
    kept = [
        (u, v)
        for u, v in edges
        if graph.nodes[u]["layer"] in levels and graph.nodes[v]["layer"] in levels
    ]
    return ReceptiveFieldFrame(
        k=k,
        frame_count=top + 1,
        top_node=top_node,
        depth=depth,
        cone=shown,
        units=units,
        extent=extent,
        edges=kept,
    )


def receptive_field_frame(graph: nx.DiGraph, top_node: Node, k: int) -> ReceptiveFieldFrame:
    """Return the units frame ``k`` of :func:`animate_receptive_field` highlights.

    Frame 0 shows the top unit alone; frame ``k`` adds the units ``k`` levels below it
    that it depends on, so the last frame reaches the inputs: its receptive field.

    Parameters
    ----------
    graph
        A graph from :mod:`convbook.graphs`, e.g. :func:`convbook.graphs.stack_conv_2d`.
    top_node
        A unit above the inputs, e.g. ``("out", 1, 1)``.
    k
        The frame, from 0 to the top unit's level.

    Returns
    -------
    ReceptiveFieldFrame

    Raises
    ------
    TypeError
        If ``graph`` is not a NetworkX graph, or ``k`` is not an integer.
    ValueError
        If ``top_node`` is not a unit above the inputs, or ``k`` is out of range.

    Examples
    --------
    >>> from convbook.graphs import stack_conv_2d
    >>> stack = stack_conv_2d(9, 9, 3, n_layers=3)
    >>> [receptive_field_frame(stack, ("out", 1, 1), k).extent for k in range(4)]
    [(1, 1), (3, 3), (5, 5), (7, 7)]
    """
    cone, edges = _cone(graph, top_node)
    from convbook.plotting.animation import check_frame

    k = check_frame(k, len(cone))
    return _frame_of(graph, top_node, k, cone, edges)


class _ReceptiveFieldPicture:
    """Every level's units as squares; the cone of one unit revealed a level per frame.

    Each level reached gets a red outline around the units the top unit depends on, and
    the outlines of neighbouring levels are joined at their corners: the cone narrows
    from the field in the input to the one unit at the top.
    """

    def __init__(self, graph: nx.DiGraph, top_node: Node) -> None:
        from matplotlib.collections import LineCollection, PatchCollection
        from matplotlib.patches import Rectangle

        self.graph, self.top_node = graph, top_node
        self.cone, self.edges = _cone(graph, top_node)
        self.top = graph.nodes[top_node]["layer"]
        self.levels = [graphs.layer_nodes(graph, depth) for depth in range(self.top + 1)]
        ax = _new_axes(None, _default_figsize(graph))
        self.ax, self.fig = ax, ax.figure
        self.squares, self.outlines, self.counts, self.sides = [], [], [], []
        all_ys = _positions(graph, graph.nodes)[:, 1]
        for depth, nodes in enumerate(self.levels):
            xy = _positions(graph, nodes)
            side = 0.86 * _spacing(xy)
            self.sides.append(side)
            boxes = PatchCollection(
                [Rectangle((x - side / 2, y - side / 2), side, side) for x, y in xy],
                edgecolors="white",
                linewidths=0.6,
                zorder=2,
            )
            ax.add_collection(boxes)
            self.squares.append(boxes)
            outline = Rectangle((0, 0), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=2)
            outline.set_zorder(3)
            ax.add_patch(outline)
            self.outlines.append(outline)
            ax.text(
                xy[:, 0].mean(),
                all_ys.max() + LABEL_GAP,
                _level_label(graph, depth),
                ha="center",
                va="bottom",
                fontsize=9,
            )
            self.counts.append(
                ax.text(
                    xy[:, 0].mean(),
                    all_ys.min() - LABEL_GAP,
                    "",
                    ha="center",
                    va="top",
                    fontsize=9,
                    color=HIGHLIGHT,
                )
            )
        self.joins = LineCollection([], colors=HIGHLIGHT, linewidths=1.2, alpha=0.8, zorder=1)
        ax.add_collection(self.joins)
        if graph.graph["dims"] == 2:
            ax.set_aspect("equal")
        _reserve_rows(ax, graph)
        x_low = _positions(graph, graph.nodes)[:, 0].min()
        ax.update_datalim([(x_low, all_ys.min() - 2 * LABEL_GAP)])
        ax.autoscale_view()
        ax.margins(0.04, 0.08)
        ax.set_axis_off()

    def _box(self, depth: int, nodes: Sequence[Node]) -> tuple[float, float, float, float]:
        """Return ``(left, bottom, right, top)`` around ``nodes`` of level ``depth``."""
        xy = _positions(self.graph, nodes)
        half = self.sides[depth] / 2 + 0.08
        return (
            xy[:, 0].min() - half,
            xy[:, 1].min() - half,
            xy[:, 0].max() + half,
            xy[:, 1].max() + half,
        )

    def draw(self, k: int) -> None:
        frame = _frame_of(self.graph, self.top_node, k, self.cone, self.edges)
        boxes = {}
        for depth, (nodes, squares) in enumerate(zip(self.levels, self.squares, strict=True)):
            faint = _level_colour(depth, self.graph.graph["n_layers"])
            strong = set(frame.cone.get(depth, ()))
            colour = HIGHLIGHT if depth == frame.depth else LIGHT_HIGHLIGHT
            squares.set_facecolor([colour if n in strong else faint for n in nodes])
            outline, count = self.outlines[depth], self.counts[depth]
            if depth in frame.cone:
                boxes[depth] = left, bottom, right, top = self._box(depth, frame.cone[depth])
                outline.set_bounds(left, bottom, right - left, top - bottom)
                outline.set_visible(True)
                count.set_text("×".join(map(str, _extent(frame.cone[depth]))) + " in view")
            else:
                outline.set_visible(False)
                count.set_text("")
        joins = []
        for depth in sorted(boxes)[:-1]:
            _, low_bottom, low_right, low_top = boxes[depth]
            high_left, high_bottom, _, high_top = boxes[depth + 1]
            joins.append([(low_right, low_top), (high_left, high_top)])
            joins.append([(low_right, low_bottom), (high_left, high_bottom)])
        self.joins.set_segments(joins)
        where = _level_label(self.graph, frame.depth).split("\n")[0]
        extent = "×".join(map(str, frame.extent))
        if len(frame.extent) == 1:
            extent = f"{extent}-unit"
        if k == 0:
            text = f"follow {self.top_node} down the stack"
        elif frame.depth == 0:
            text = f"{self.top_node} sees a {extent} patch of the input: its receptive field"
        else:
            text = f"{self.top_node} depends on a {extent} window of {where}"
        self.fig.suptitle(f"Step {k + 1} of {frame.frame_count}: {text}", fontsize=11)


def _spacing(xy: np.ndarray) -> float:
    """Return the distance between neighbouring units of one level (1 for a single unit)."""
    gaps = [np.diff(np.unique(xy[:, axis])) for axis in (0, 1)]
    gaps = [gap.min() for gap in gaps if gap.size]
    return float(min(gaps)) if gaps else 1.0


def _extent(nodes: Sequence[Node]) -> tuple[int, ...]:
    indices = np.array([node[1:] for node in nodes])
    return tuple(int(n) for n in indices.max(axis=0) - indices.min(axis=0) + 1)


def show_receptive_field_frame(graph: nx.DiGraph, top_node: Node, k: int) -> Figure:
    """Draw frame ``k`` of :func:`animate_receptive_field` as a still figure (for print).

    Arguments as in :func:`receptive_field_frame`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from convbook.graphs import stack_conv_2d
    >>> fig = show_receptive_field_frame(stack_conv_2d(9, 9, 3, 3), ("out", 1, 1), k=3)
    >>> fig.get_suptitle()
    "Step 4 of 4: ('out', 1, 1) sees a 7×7 patch of the input: its receptive field"
    """
    cone, _ = _cone(graph, top_node)
    from convbook.plotting.animation import check_frame, settle

    k = check_frame(k, len(cone))
    picture = _ReceptiveFieldPicture(graph, top_node)
    picture.draw(0)
    settle(picture.fig)
    picture.draw(k)
    return picture.fig


def animate_receptive_field(
    graph: nx.DiGraph, top_node: Node, *, interval: int = 1000
) -> OfflineAnimation:
    """Animate the receptive field of one unit growing, one level further down per frame.

    Frame 0 marks the top unit; each later frame marks, one level lower, the units it
    depends on (outlined, and joined to the outline of the level above), until the last
    frame reaches its receptive field in the input. Under each level reached, the size of
    the window is written: through stacked 3x3 layers it grows 1, 3, 5, 7, ...

    Parameters
    ----------
    graph, top_node
        As in :func:`receptive_field_frame`.
    interval
        Milliseconds per frame (1000: three layers take 4 s a cycle).

    Returns
    -------
    convbook.plotting.animation.OfflineAnimation
        A :class:`matplotlib.animation.FuncAnimation` with one frame per level from the top
        unit's down to the inputs (``frame_count``), whose HTML player loads nothing from
        the internet.

    Examples
    --------
    >>> from convbook.graphs import stack_conv_2d
    >>> animate_receptive_field(stack_conv_2d(9, 9, 3, 3), ("out", 1, 1)).frame_count
    4
    """
    cone, _ = _cone(graph, top_node)
    interval = _checks.positive_int("interval", interval)
    from convbook.plotting.animation import animate

    picture = _ReceptiveFieldPicture(graph, top_node)
    field = "×".join(map(str, _extent(cone[0])))
    return animate(
        picture.fig,
        picture.draw,
        len(cone),
        interval,
        description=(
            f"Animation of the receptive field of unit {top_node}: level by level down the "
            f"stack, the units it depends on are highlighted, until a {field} patch of the "
            "input."
        ),
    )
