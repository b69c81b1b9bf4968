"""Drawings of layer wiring: dense vs. convolutional connections and receptive fields.

Every function takes a graph from :mod:`convbook.graphs`, uses the ``pos`` attribute of
its nodes (inputs on the left, each later level further right), and returns the
:class:`matplotlib.figure.Figure` it drew on. One output unit can be highlighted: the
inputs and connections it depends on are drawn in a strong colour, everything else faint.

The receptive field of one unit growing down a stack, animated a level per frame, is
:mod:`convbook.plotting.receptive_field_animation`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from convbook import _checks, graphs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Node = tuple[Hashable, ...]

HIGHLIGHT = "C3"
FAINT = "0.55"
INPUT_COLOUR = "C0"
HIDDEN_COLOUR = "C2"
OUTPUT_COLOUR = "C1"
LABEL_GAP = 0.8

_KIND_NAMES = {
    "dense": "Dense",
    "conv": "Convolution",
    "locally_connected": "Locally connected (unshared)",
}


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _default_figsize(graph: nx.DiGraph) -> tuple[float, float]:
    xs, ys = _positions(graph, graph.nodes).T
    width = xs.max() - xs.min() + 1
    height = ys.max() - ys.min() + 1
    if graph.graph["dims"] == 1:
        return (min(3.0 + 1.6 * graph.graph["n_layers"], 10.0), min(2.0 + 0.45 * height, 8.0))
    scale = 7.5 / max(width, height)
    return (7.5, max(3.0, height * scale + 1.5))


def _positions(graph: nx.DiGraph, nodes: object) -> np.ndarray:
    return np.array([graph.nodes[n]["pos"] for n in nodes], dtype=float).reshape(-1, 2)


def _curve(start: np.ndarray, end: np.ndarray, bend: float, samples: int = 16) -> np.ndarray:
    """Points along a quadratic Bezier from ``start`` to ``end``, bulging by ``bend``."""
    middle = (start + end) / 2
    direction = end - start
    normal = np.array([-direction[1], direction[0]])
    control = middle + bend * normal
    t = np.linspace(0.0, 1.0, samples)[:, None]
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end


def _edge_lines(graph: nx.DiGraph, edges: Sequence[tuple[Node, Node]]) -> list[np.ndarray]:
    # In 2-D the grids sit side by side, so straight lines would cut through the output
    # grid; gentle arcs keep the picture readable (as in hand-drawn wiring diagrams).
    bend = 0.0 if graph.graph["dims"] == 1 else 0.18
    return [
        _curve(np.asarray(graph.nodes[u]["pos"]), np.asarray(graph.nodes[v]["pos"]), bend)
        for u, v in edges
    ]


def _weight_colours(graph: nx.DiGraph, edges: Sequence[tuple[Node, Node]]) -> list:
    from matplotlib import colormaps

    ids = list(dict.fromkeys(graph.edges[e]["weight_id"] for e in edges))
    if len(ids) <= 10:
        cmap, spots = colormaps["tab10"], np.arange(len(ids))
    else:
        # Golden-ratio steps around the colour map keep neighbouring edges' colours apart,
        # so two different weights never look like one shared weight.
        cmap, spots = colormaps["turbo"], 0.05 + 0.9 * ((np.arange(len(ids)) * 0.618034) % 1.0)
    colour_of = {w: cmap(x) for w, x in zip(ids, spots, strict=True)}
    return [colour_of[graph.edges[e]["weight_id"]] for e in edges]


def _draw_edges(
    ax: Axes,
    graph: nx.DiGraph,
    strong: set[tuple[Node, Node]],
    color_by_weight: bool,
) -> None:
    from matplotlib.collections import LineCollection

    edges = sorted(graph.edges)
    many = len(edges) > 300
    if color_by_weight:
        ax.add_collection(
            LineCollection(
                _edge_lines(graph, edges),
                colors=_weight_colours(graph, edges),
                linewidths=0.6 if many else 1.2,
                alpha=0.8,
                zorder=1,
            )
        )
        return
    faint = [e for e in edges if e not in strong]
    ax.add_collection(
        LineCollection(
            _edge_lines(graph, faint),
            colors=FAINT,
            linewidths=0.4 if many else 0.8,
            alpha=0.12 if many else 0.35,
            zorder=1,
        )
    )
    ax.add_collection(
        LineCollection(
            _edge_lines(graph, sorted(strong)), colors=HIGHLIGHT, linewidths=1.4, zorder=2
        )
    )


def _level_label(graph: nx.DiGraph, depth: int) -> str:
    top = graph.graph["n_layers"]
    nodes = graphs.layer_nodes(graph, depth)
    shape = "×".join(str(n + 1) for n in nodes[-1][1:])
    if depth == 0:
        return f"input\n{shape}"
    if depth == top:
        return f"output\n{shape}"
    return f"layer {depth}\n{shape}"


def _level_colour(depth: int, top: int) -> str:
    if depth == 0:
        return INPUT_COLOUR
    return OUTPUT_COLOUR if depth == top else HIDDEN_COLOUR


def _draw_nodes(ax: Axes, graph: nx.DiGraph, strong_nodes: set[Node]) -> float:
    """Draw every level and its label; return the marker size used."""
    dims = graph.graph["dims"]
    top = graph.graph["n_layers"]
    size = 70.0 if dims == 1 else max(18.0, 900.0 / graph.graph["input_shape"][1] ** 1.5)
    all_ys = _positions(graph, graph.nodes)[:, 1]
    for depth in range(top + 1):
        nodes = graphs.layer_nodes(graph, depth)
        xy = _positions(graph, nodes)
        colour = _level_colour(depth, top)
        marker = "s" if dims == 2 and depth == 0 else "o"
        faces = [HIGHLIGHT if n in strong_nodes else colour for n in nodes]
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=size,
            c=faces,
            marker=marker,
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
        )
        ax.text(
            xy[:, 0].mean(),
            all_ys.max() + LABEL_GAP,
            _level_label(graph, depth),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    return size


def _legend(ax: Axes, graph: nx.DiGraph, highlight: Node | None, color_by_weight: bool) -> None:
    from matplotlib.lines import Line2D

    input_marker = "s" if graph.graph["dims"] == 2 else "o"
    handles = [
        Line2D([], [], ls="", marker=input_marker, color=INPUT_COLOUR, label="input unit"),
        Line2D([], [], ls="", marker="o", color=OUTPUT_COLOUR, label="output unit"),
    ]
    if graph.graph["n_layers"] > 1:
        handles.append(Line2D([], [], ls="", marker="o", color=HIDDEN_COLOUR, label="hidden unit"))
    if color_by_weight:
        handles.append(Line2D([], [], color="C5", label="connection (colour = its weight)"))
    else:
        handles.append(Line2D([], [], color=FAINT, label="connection"))
    if highlight is not None:
        handles.append(
            Line2D([], [], marker="o", color=HIGHLIGHT, label=f"what {highlight} depends on")
        )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=2,
        fontsize=8,
        frameon=False,
    )


def _default_title(graph: nx.DiGraph, highlight: Node | None) -> str:
    kind = _KIND_NAMES.get(graph.graph["kind"], graph.graph["kind"])
    if graph.graph.get("n_layers", 1) > 1:
        kind = f"{graph.graph['n_layers']} stacked layers ({kind.lower()})"
    lines = [
        kind,
        f"{graphs.connection_count(graph)} connections, {graphs.weight_count(graph)} weights",
    ]
    if highlight is not None:
        seen = len(graphs.receptive_field(graph, highlight))
        lines.append(f"red: the {seen} inputs that feed {highlight}")
    return "\n".join(lines)


def _check_highlight(graph: nx.DiGraph, highlight: Node | None) -> None:
    if highlight is not None:
        graphs.receptive_field(graph, highlight)  # raises ValueError naming the node


def _reserve_rows(ax: Axes, graph: nx.DiGraph) -> None:
    """Widen the data limits so the level labels above and notes below stay inside."""
    xy = _positions(graph, graph.nodes)
    x_low, x_high = xy[:, 0].min(), xy[:, 0].max()
    y_low, y_high = xy[:, 1].min(), xy[:, 1].max()
    ax.update_datalim([(x_low - 0.5, y_high + 1.6 * LABEL_GAP), (x_high + 0.5, y_low - LABEL_GAP)])


def _render(
    ax: Axes,
    graph: nx.DiGraph,
    highlight: Node | None,
    title: str | None,
    color_by_weight: bool,
) -> None:
    strong_edges: set[tuple[Node, Node]] = set()
    strong_nodes: set[Node] = set()
    if highlight is not None:
        strong_edges = set(graphs.receptive_field_edges(graph, highlight))
        strong_nodes = {u for u, _ in strong_edges} | {highlight}
    _draw_edges(ax, graph, strong_edges, color_by_weight)
    _draw_nodes(ax, graph, strong_nodes)
    _legend(ax, graph, highlight, color_by_weight)
    ax.set_title(title if title is not None else _default_title(graph, highlight), fontsize=10)
    if graph.graph["dims"] == 2:
        ax.set_aspect("equal")
    _reserve_rows(ax, graph)
    ax.autoscale_view()
    ax.margins(0.06, 0.12)
    ax.set_axis_off()


def draw_wiring(
    graph: nx.DiGraph,
    ax: Axes | None = None,
    highlight: Node | None = None,
    title: str | None = None,
    *,
    color_by_weight: bool = False,
) -> Figure:
    """Draw a layer's wiring: inputs on the left, outputs on the right, one line per edge.

    A 1-D layer is drawn as columns of units, a 2-D layer as two grids side by side with
    arcs from input pixels to output units.

    Parameters
    ----------
    graph
        A graph from :mod:`convbook.graphs` (one layer or a stack).
    ax
        Axes to draw on; a new figure is made when None.
    highlight
        An output unit whose receptive field (inputs and connections) is drawn in red while
        the rest fades; None highlights nothing.
    title
        Title; by default it states the kind of layer, its connection and weight counts and
        what is highlighted.
    color_by_weight
        Colour each connection by its ``weight_id``, so connections that share a weight
        share a colour.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``highlight`` is not a unit above the inputs.

    Examples
    --------
    >>> from convbook.graphs import conv_graph_2d
    >>> fig = draw_wiring(conv_graph_2d(6, 6, 3), highlight=("out", 2, 3))
    >>> fig.axes[0].get_title().splitlines()[1]
    '256 connections, 9 weights'
    """
    _checks.instance("graph", graph, nx.DiGraph, "a networkx.DiGraph")
    _check_highlight(graph, highlight)
    ax = _new_axes(ax, _default_figsize(graph))
    _render(ax, graph, highlight, title, color_by_weight)
    return ax.figure


def draw_wiring_panels(
    graph_list: Sequence[nx.DiGraph],
    highlights: Sequence[Node | None] | None = None,
    titles: Sequence[str | None] | None = None,
    suptitle: str | None = None,
    *,
    color_by_weight: bool = False,
) -> Figure:
    """Draw several wirings side by side, e.g. a dense layer next to a convolution.

    Parameters
    ----------
    graph_list
        Graphs from :mod:`convbook.graphs`, one panel each.
    highlights
        One output unit (or None) per graph, as in :func:`draw_wiring`.
    titles
        One title (or None for the default) per graph.
    suptitle
        A title over all panels.
    color_by_weight
        As in :func:`draw_wiring`, for every panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from convbook.graphs import conv_graph_1d, dense_graph_1d
    >>> fig = draw_wiring_panels([dense_graph_1d(6, 4), conv_graph_1d(6, 3)], suptitle="Wiring")
    >>> len(fig.axes), fig.get_suptitle()
    (2, 'Wiring')
    """
    import matplotlib.pyplot as plt

    count = len(graph_list)
    if count == 0:
        raise ValueError("graph_list is empty; give at least one graph.")
    highlights = list(highlights) if highlights is not None else [None] * count
    titles = list(titles) if titles is not None else [None] * count
    for name, values in (("highlights", highlights), ("titles", titles)):
        if len(values) != count:
            raise ValueError(
                f"{name} has {len(values)} entries but graph_list has {count}; "
                "give one per graph (None for the default)."
            )
    for graph, highlight in zip(graph_list, highlights, strict=True):
        _checks.instance("graph", graph, nx.DiGraph, "a networkx.DiGraph")
        _check_highlight(graph, highlight)
    width, height = _default_figsize(graph_list[0])
    fig, axes = plt.subplots(
        1, count, figsize=(min(width * count, 14.0), height + 0.4), layout="constrained"
    )
    for ax, graph, highlight, title in zip(
        np.atleast_1d(axes), graph_list, highlights, titles, strict=True
    ):
        _render(ax, graph, highlight, title, color_by_weight)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def _cone_sizes(graph: nx.DiGraph, top_node: Node) -> list[int]:
    cone = nx.ancestors(graph, top_node) | {top_node}
    return [
        sum(1 for n in cone if graph.nodes[n]["layer"] == depth)
        for depth in range(graph.graph["n_layers"] + 1)
    ]


def draw_receptive_field_growth(
    graph: nx.DiGraph,
    top_node: Node | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw stacked layers with the cone of units one top unit depends on, level by level.

    Under each level the number of its units inside the cone is written: read from right
    to left, it shows the receptive field widening by ``kernel_size - 1`` per layer.

    Parameters
    ----------
    graph
        A stack from :func:`convbook.graphs.stack_conv_1d` (or ``stack_conv_2d``).
    top_node
        The top unit to follow; by default the middle unit of the top level.
    ax
        Axes to draw on; a new figure is made when None.
    title
        Title; by default it states how many inputs the top unit sees.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from convbook.graphs import stack_conv_1d
    >>> fig = draw_receptive_field_growth(stack_conv_1d(11, 3, 3))
    >>> fig.axes[0].get_title()
    "After 3 layers of width-3 kernels, ('out', 2) sees 7 inputs"
    """
    _checks.instance("graph", graph, nx.DiGraph, "a networkx.DiGraph")
    if top_node is None:
        tops = graphs.output_nodes(graph)
        top_node = tops[len(tops) // 2]
    _check_highlight(graph, top_node)
    if title is None:
        kernel = graph.graph.get("kernel_size", "?")
        kernel_text = "×".join(map(str, kernel)) if isinstance(kernel, tuple) else kernel
        seen = len(graphs.receptive_field(graph, top_node))
        title = (
            f"After {graph.graph['n_layers']} layers of width-{kernel_text} kernels, "
            f"{top_node} sees {seen} inputs"
        )
    ax = _new_axes(ax, _default_figsize(graph))
    _render(ax, graph, top_node, title, color_by_weight=False)
    all_ys = _positions(graph, graph.nodes)[:, 1]
    for depth, size in enumerate(_cone_sizes(graph, top_node)):
        xs = _positions(graph, graphs.layer_nodes(graph, depth))[:, 0]
        ax.text(
            xs.mean(),
            all_ys.min() - LABEL_GAP,
            f"{size} in view",
            ha="center",
            va="top",
            fontsize=9,
            color=HIGHLIGHT,
        )
    ax.autoscale_view()
    return ax.figure
