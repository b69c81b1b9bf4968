"""Questions asked of a wiring graph: its levels, receptive fields, connections and weights."""

from __future__ import annotations

from collections.abc import Hashable

import networkx as nx

from convbook import _checks

Node = tuple[Hashable, ...]

_GRAPH = "a networkx.DiGraph built by convbook.graphs"


def layer_nodes(graph: nx.DiGraph, layer: int) -> list[Node]:
    """Return the nodes of one level (0 = inputs), sorted by index.

    Examples
    --------
    >>> from convbook.graphs import conv_graph_1d
    >>> layer_nodes(conv_graph_1d(4, 3), 1)
    [('out', 0), ('out', 1)]
    """
    _checks.instance("graph", graph, nx.DiGraph, _GRAPH)
    layer = _checks.integer("layer", layer, minimum=0, maximum=graph.graph.get("n_layers", 1))
    return sorted(node for node, level in graph.nodes(data="layer") if level == layer)


def input_nodes(graph: nx.DiGraph) -> list[Node]:
    """Return the input units (level 0), sorted.

    Examples
    --------
    >>> from convbook.graphs import dense_graph_1d
    >>> input_nodes(dense_graph_1d(2, 1))
    [('in', 0), ('in', 1)]
    """
    return layer_nodes(graph, 0)


def output_nodes(graph: nx.DiGraph) -> list[Node]:
    """Return the units of the top level, sorted.

    Examples
    --------
    >>> from convbook.graphs import stack_conv_1d
    >>> output_nodes(stack_conv_1d(5, 3, 2))
    [('out', 0)]
    """
    _checks.instance("graph", graph, nx.DiGraph, _GRAPH)
    return layer_nodes(graph, graph.graph.get("n_layers", 1))


def receptive_field(graph: nx.DiGraph, output_node: Node) -> set[Node]:
    """Return the input units that can influence ``output_node``, through every layer.

    Parameters
    ----------
    graph
        A graph from :mod:`convbook.graphs`.
    output_node
        Any node above the inputs, e.g. ``("out", 2)`` or ``("h1", 0, 3)``.

    Returns
    -------
    set
        The level-0 nodes with a path to ``output_node``.

    Raises
    ------
    ValueError
        If ``output_node`` is not in the graph or is itself an input.

    Examples
    --------
    >>> from convbook.graphs import conv_graph_1d
    >>> sorted(receptive_field(conv_graph_1d(5, 3, padding="same"), ("out", 0)))
    [('in', 0), ('in', 1)]
    """
    _checks.instance("graph", graph, nx.DiGraph, _GRAPH)
    if output_node not in graph:
        sample = output_nodes(graph)[:2]
        raise ValueError(
            f"output_node={output_node!r} is not a node of this graph; "
            f"valid nodes look like {', '.join(map(repr, sample))}."
        )
    if graph.nodes[output_node]["layer"] == 0:
        raise ValueError(
            f"output_node={output_node!r} is an input unit; pass a unit of a layer above "
            f"the inputs, e.g. {output_nodes(graph)[0]!r}."
        )
    return {node for node in nx.ancestors(graph, output_node) if graph.nodes[node]["layer"] == 0}


def receptive_field_edges(graph: nx.DiGraph, output_node: Node) -> list[tuple[Node, Node]]:
    """Return every edge on a path from the inputs to ``output_node``.

    Examples
    --------
    >>> from convbook.graphs import conv_graph_1d
    >>> receptive_field_edges(conv_graph_1d(3, 2), ("out", 1))
    [(('in', 1), ('out', 1)), (('in', 2), ('out', 1))]
    """
    receptive_field(graph, output_node)  # validates the node
    cone = nx.ancestors(graph, output_node) | {output_node}
    return sorted((u, v) for u, v in graph.in_edges(cone) if u in cone)


def connection_count(graph: nx.DiGraph) -> int:
    """Return the number of connections (edges): the multiplications in one forward pass.

    Examples
    --------
    >>> from convbook.graphs import conv_graph_1d
    >>> connection_count(conv_graph_1d(6, 3, padding="same"))
    16
    """
    return _checks.instance("graph", graph, nx.DiGraph, _GRAPH).number_of_edges()


def weight_count(graph: nx.DiGraph) -> int:
    """Return the number of distinct weights (biases not counted).

    Examples
    --------
    >>> from convbook.graphs import conv_graph_2d
    >>> weight_count(conv_graph_2d(6, 6, 3))
    9
    >>> weight_count(conv_graph_2d(6, 6, 3, shared_weights=False))
    256
    """
    graph = _checks.instance("graph", graph, nx.DiGraph, _GRAPH)
    return len({w for _, _, w in graph.edges(data="weight_id")})


def receptive_field_size(kernel_size: int, n_layers: int, stride: int = 1) -> int:
    """Return how many inputs wide the receptive field of a unit ``n_layers`` up is.

    Each layer widens the field by ``kernel_size - 1`` units of the level below it, and a
    unit of level ``l - 1`` is ``stride ** (l - 1)`` inputs apart from its neighbour, so

    ``r = 1 + sum over l = 1..n_layers of (kernel_size - 1) * stride ** (l - 1)``

    which is ``1 + n_layers * (kernel_size - 1)`` for stride 1. This is the span from the
    first to the last input seen; when ``stride > kernel_size`` the field has gaps, so it
    holds fewer inputs than its span.

    Examples
    --------
    >>> [receptive_field_size(3, n) for n in range(1, 6)]
    [3, 5, 7, 9, 11]
    >>> receptive_field_size(3, 3, stride=2)
    15
    """
    k = _checks.positive_int("kernel_size", kernel_size)
    depth = _checks.positive_int("n_layers", n_layers)
    s = _checks.positive_int("stride", stride)
    return 1 + sum((k - 1) * s**layer for layer in range(depth))
