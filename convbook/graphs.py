"""Wiring diagrams of dense and convolutional layers, as NetworkX graphs.

A layer is drawn as a directed graph: one node per unit, one edge per multiplication
``input * weight`` that flows into an output unit. The graphs make three ideas countable:

* **Dense wiring** joins every input to every output; every edge has its own weight.
* **Convolutional wiring** joins each output only to a small window of nearby inputs
  (sparse, local connections), and every window uses the same kernel (weight sharing).
* **Receptive fields** grow as convolutional layers are stacked.

Graph conventions
-----------------
Nodes
    Tuples ``(layer_name, *index)``. A single layer has ``("in", i)`` and ``("out", j)``
    in 1-D, ``("in", r, c)`` and ``("out", r, c)`` in 2-D. A stack of ``n`` layers names
    its levels ``"in"``, ``"h1"``, ..., ``"h{n-1}"``, ``"out"``.
Node attributes
    ``layer`` (int, 0 for the inputs, 1 for the first layer's outputs, ...) and ``pos``
    (x, y) for drawing: levels sit side by side from left to right, and each unit sits
    opposite the centre of the inputs it reads.
Edge attributes
    ``weight_id`` names the parameter the connection multiplies by; edges with equal ids
    share one number. A shared convolution uses the kernel ``offset`` (an int in 1-D, a
    ``(row, col)`` pair in 2-D); an unshared ("locally connected") one uses
    ``(output index, offset)``; a dense layer uses ``(output index, input index)``. In a
    stack the id is prefixed with the layer number, ``(layer, ...)``, because separate
    layers never share weights. Convolutional edges also carry ``offset``.
Graph attributes
    ``kind`` (``"dense"``, ``"conv"`` or ``"locally_connected"``), ``dims`` (1 or 2),
    ``input_shape``, ``output_shape``, ``n_layers`` and, for convolutions,
    ``kernel_size``, ``stride`` and ``padding``.

Padding follows Keras: ``"valid"`` keeps only windows that fit inside the input;
``"same"`` gives ``ceil(n / stride)`` outputs per axis and pads with zeros, split so the
smaller half goes first. Padded positions are not units, so they get no edges.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx

from convbook import _checks, windows

PADDINGS: tuple[str, ...] = windows.PADDINGS

Node = tuple[Hashable, ...]

# One axis of a layer: the output units along it, each with the (offset, input index)
# pairs of its window that fall inside the input.
_AxisWindows = list[list[tuple[int, int]]]


# ---------------------------------------------------------------------------
# Arguments and windows along one axis
# ---------------------------------------------------------------------------

_GRAPH = "a networkx.DiGraph built by convbook.graphs"


def _sizes(name: str, value: object, dims: int) -> tuple[int, ...]:
    """Turn an int or a sequence of ``dims`` ints into a tuple of positive ints."""
    return _checks.int_tuple(name, value, length=dims, broadcast=True)


def _axis_windows(n: int, kernel: int, stride: int, padding: str) -> _AxisWindows:
    return [
        [(d, first + d) for d in range(kernel) if 0 <= first + d < n]
        for first in windows.window_starts(n, kernel, padding, stride)
    ]


def _kernel_must_fit(
    shape: tuple[int, ...], kernel: tuple[int, ...], padding: str, size_name: str
) -> None:
    for n, k in zip(shape, kernel, strict=True):
        if not windows.fits(n, k, padding):
            raise ValueError(
                f"kernel_size={kernel if len(kernel) > 1 else k} is larger than the input "
                f"({size_name}={shape if len(shape) > 1 else n}) with padding='valid'; "
                f"use a kernel of at most {n} along that axis, or padding='same'."
            )


# ---------------------------------------------------------------------------
# Graph building
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    """A level of units: its name, depth, shape and where its units are drawn."""

    name: str
    depth: int
    shape: tuple[int, ...]
    # Per axis, drawing position = scale * index + shift (in input coordinates).
    scale: tuple[float, ...]
    shift: tuple[float, ...]
    x_origin: float

    def centre(self, index: tuple[int, ...]) -> tuple[float, ...]:
        return tuple(a * i + b for a, i, b in zip(self.scale, index, self.shift, strict=True))


def _downward(index_position: float) -> float:
    """Drawing y of a row: index 0 on top, later rows below (``+ 0.0`` avoids ``-0.0``)."""
    return -index_position + 0.0


def _level_pos(level: _Level, index: tuple[int, ...]) -> tuple[float, float]:
    centre = level.centre(index)
    if len(centre) == 1:
        return (level.x_origin, _downward(centre[0]))
    row, col = centre
    return (level.x_origin + col, _downward(row))


def _add_level(graph: nx.DiGraph, level: _Level) -> None:
    for index in itertools.product(*(range(n) for n in level.shape)):
        graph.add_node((level.name, *index), layer=level.depth, pos=_level_pos(level, index))


def _level_spacing(input_shape: tuple[int, ...]) -> float:
    """Horizontal distance between the left edges of consecutive levels."""
    if len(input_shape) == 1:
        return 2.0
    return input_shape[1] + max(2.0, 0.6 * input_shape[1])


def _input_level(input_shape: tuple[int, ...]) -> _Level:
    dims = len(input_shape)
    return _Level("in", 0, input_shape, (1.0,) * dims, (0.0,) * dims, 0.0)


def _unwrap(offset: tuple[int, ...]) -> int | tuple[int, ...]:
    return offset[0] if len(offset) == 1 else offset


def _add_conv_layer(
    graph: nx.DiGraph,
    source: _Level,
    name: str,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: str,
    shared_weights: bool,
    layer_tag: int | None,
) -> _Level:
    """Add one convolutional layer on top of ``source``; return the new level."""
    axes = [
        _axis_windows(n, k, s, padding)
        for n, k, s in zip(source.shape, kernel, stride, strict=True)
    ]
    pads = [
        windows.pad_before(n, k, padding, s)
        for n, k, s in zip(source.shape, kernel, stride, strict=True)
    ]
    scale = tuple(a * s for a, s in zip(source.scale, stride, strict=True))
    shift = tuple(
        b + a * ((k - 1) / 2 - p)
        for a, b, k, p in zip(source.scale, source.shift, kernel, pads, strict=True)
    )
    target = _Level(
        name,
        source.depth + 1,
        tuple(len(windows) for windows in axes),
        scale,
        shift,
        source.x_origin + _level_spacing(graph.graph["input_shape"]),
    )
    _add_level(graph, target)
    for out_index in itertools.product(*(range(n) for n in target.shape)):
        per_axis = [axes[a][j] for a, j in enumerate(out_index)]
        for cells in itertools.product(*per_axis):
            offset = tuple(d for d, _ in cells)
            in_index = tuple(i for _, i in cells)
            weight_id: Hashable = _unwrap(offset)
            if not shared_weights:
                weight_id = (_unwrap(out_index), weight_id)
            if layer_tag is not None:
                weight_id = (layer_tag, weight_id)
            graph.add_edge(
                (source.name, *in_index),
                (target.name, *out_index),
                weight_id=weight_id,
                offset=_unwrap(offset),
            )
    return target


def _level_names(n_layers: int) -> list[str]:
    return ["in", *(f"h{i}" for i in range(1, n_layers)), "out"]


def _conv_stack(
    input_shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: str,
    n_layers: int,
    shared_weights: bool,
    size_name: str,
    tag_layers: bool,
) -> nx.DiGraph:
    graph = nx.DiGraph(
        kind="conv" if shared_weights else "locally_connected",
        dims=len(input_shape),
        input_shape=input_shape,
        kernel_size=_unwrap(kernel),
        stride=_unwrap(stride),
        padding=padding,
        n_layers=n_layers,
    )
    level = _input_level(input_shape)
    _add_level(graph, level)
    names = _level_names(n_layers)
    for layer in range(1, n_layers + 1):
        if not all(windows.fits(n, k, padding) for n, k in zip(level.shape, kernel, strict=True)):
            raise ValueError(
                f"n_layers={n_layers} is too deep: with kernel_size={_unwrap(kernel)}, "
                f"stride={_unwrap(stride)} and padding='valid', the output of layer "
                f"{layer - 1} is {_unwrap(level.shape)} units, smaller than the kernel; use at "
                f"most {layer - 1} layers or a larger {size_name}."
            )
        tag = layer if tag_layers else None
        level = _add_conv_layer(
            graph, level, names[layer], kernel, stride, padding, shared_weights, tag
        )
    graph.graph["output_shape"] = level.shape
    return graph


def _dense(input_shape: tuple[int, ...], output_shape: tuple[int, ...]) -> nx.DiGraph:
    graph = nx.DiGraph(
        kind="dense",
        dims=len(input_shape),
        input_shape=input_shape,
        output_shape=output_shape,
        n_layers=1,
    )
    source = _input_level(input_shape)
    # Spread the outputs evenly over the span of the inputs.
    scale = tuple(n_in / n_out for n_in, n_out in zip(input_shape, output_shape, strict=True))
    shift = tuple(0.5 * a - 0.5 for a in scale)
    target = _Level("out", 1, output_shape, scale, shift, _level_spacing(input_shape))
    _add_level(graph, source)
    _add_level(graph, target)
    in_indices = list(itertools.product(*(range(n) for n in input_shape)))
    for out_index in itertools.product(*(range(n) for n in output_shape)):
        for in_index in in_indices:
            graph.add_edge(
                ("in", *in_index),
                ("out", *out_index),
                weight_id=(_unwrap(out_index), _unwrap(in_index)),
            )
    return graph


def dense_graph_1d(n_inputs: int, n_outputs: int) -> nx.DiGraph:
    """Build the wiring of a fully connected (dense) layer on a row of units.

    Parameters
    ----------
    n_inputs, n_outputs
        Number of input and output units (positive ints).

    Returns
    -------
    networkx.DiGraph
        Nodes ``("in", i)`` and ``("out", j)``; one edge from every input to every output,
        each with its own ``weight_id`` ``(j, i)``.

    Examples
    --------
    >>> g = dense_graph_1d(6, 4)
    >>> connection_count(g), weight_count(g)
    (24, 24)
    >>> g.edges[("in", 5), ("out", 0)]["weight_id"]
    (0, 5)
    """
    n_in = _checks.positive_int("n_inputs", n_inputs)
    n_out = _checks.positive_int("n_outputs", n_outputs)
    return _dense((n_in,), (n_out,))


def dense_graph_2d(height: int, width: int, out_height: int, out_width: int) -> nx.DiGraph:
    """Build the wiring of a dense layer from a ``height x width`` grid to another grid.

    Parameters
    ----------
    height, width
        Size of the input grid (pixels).
    out_height, out_width
        Size of the output grid (activations).

    Returns
    -------
    networkx.DiGraph
        Nodes ``("in", r, c)`` and ``("out", r, c)``; every input pixel feeds every output
        unit, each edge through its own weight ``((out_r, out_c), (in_r, in_c))``.

    Examples
    --------
    >>> g = dense_graph_2d(6, 6, 6, 6)
    >>> connection_count(g)
    1296
    >>> len(receptive_field(g, ("out", 0, 0)))
    36
    """
    shape_in = (_checks.positive_int("height", height), _checks.positive_int("width", width))
    shape_out = (
        _checks.positive_int("out_height", out_height),
        _checks.positive_int("out_width", out_width),
    )
    return _dense(shape_in, shape_out)


def conv_graph_1d(
    n_inputs: int,
    kernel_size: int,
    stride: int = 1,
    padding: str = "valid",
    *,
    shared_weights: bool = True,
) -> nx.DiGraph:
    """Build the wiring of a 1-D convolutional layer: a window sliding along a row.

    Parameters
    ----------
    n_inputs
        Number of input units.
    kernel_size
        Width of the sliding window.
    stride
        How many inputs the window moves between neighbouring outputs.
    padding
        ``"valid"`` (only windows inside the input) or ``"same"`` (``ceil(n/stride)``
        outputs, zero padding at the ends).
    shared_weights
        True for a convolution (every window uses the same kernel); False for a locally
        connected layer, where every edge has its own weight.

    Returns
    -------
    networkx.DiGraph
        Nodes ``("in", i)`` and ``("out", j)``; edges carry ``offset`` (0 to
        ``kernel_size - 1``) and ``weight_id``.

    Raises
    ------
    ValueError
        If a size is not positive, the padding is unknown, or the kernel is wider than the
        input with ``padding="valid"``.

    Examples
    --------
    >>> g = conv_graph_1d(6, 3)
    >>> sorted(receptive_field(g, ("out", 0)))
    [('in', 0), ('in', 1), ('in', 2)]
    >>> connection_count(g), weight_count(g)
    (12, 3)
    >>> weight_count(conv_graph_1d(6, 3, shared_weights=False))
    12
    """
    n = _checks.positive_int("n_inputs", n_inputs)
    kernel = _checks.positive_int("kernel_size", kernel_size)
    step = _checks.positive_int("stride", stride)
    pad = _checks.choice("padding", padding, PADDINGS)
    _kernel_must_fit((n,), (kernel,), pad, "n_inputs")
    return _conv_stack((n,), (kernel,), (step,), pad, 1, shared_weights, "n_inputs", False)


def conv_graph_2d(
    height: int,
    width: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: str = "same",
    *,
    shared_weights: bool = True,
) -> nx.DiGraph:
    """Build the wiring of a 2-D convolutional layer: a window sliding over a pixel grid.

    Parameters
    ----------
    height, width
        Size of the input grid.
    kernel_size
        Window size: one int for a square window, or ``(rows, cols)``.
    stride
        Step of the window: one int, or ``(rows, cols)``.
    padding
        ``"same"`` (output ``ceil(n/stride)`` per axis) or ``"valid"``.
    shared_weights
        True for a convolution; False for a locally connected layer (no sharing).

    Returns
    -------
    networkx.DiGraph
        Nodes ``("in", r, c)`` and ``("out", r, c)``; edges carry ``offset`` ``(dr, dc)``
        and ``weight_id``.

    Raises
    ------
    ValueError
        If a size is not positive, the padding is unknown, or the kernel is larger than the
        input with ``padding="valid"``.

    Examples
    --------
    >>> g = conv_graph_2d(6, 6, 3)
    >>> g.graph["output_shape"], connection_count(g), weight_count(g)
    ((6, 6), 256, 9)
    >>> conv_graph_2d(6, 6, 3, padding="valid").graph["output_shape"]
    (4, 4)
    """
    shape = (_checks.positive_int("height", height), _checks.positive_int("width", width))
    kernel = _sizes("kernel_size", kernel_size, 2)
    step = _sizes("stride", stride, 2)
    pad = _checks.choice("padding", padding, PADDINGS)
    _kernel_must_fit(shape, kernel, pad, "(height, width)")
    return _conv_stack(shape, kernel, step, pad, 1, shared_weights, "(height, width)", False)


def stack_conv_1d(
    n_inputs: int,
    kernel_size: int,
    n_layers: int,
    stride: int = 1,
    padding: str = "valid",
    *,
    shared_weights: bool = True,
) -> nx.DiGraph:
    """Build ``n_layers`` identical 1-D convolutional layers, each reading the one below.

    Parameters
    ----------
    n_inputs
        Number of input units.
    kernel_size, stride, padding
        As in :func:`conv_graph_1d`, used by every layer.
    n_layers
        Number of stacked layers.
    shared_weights
        As in :func:`conv_graph_1d`.

    Returns
    -------
    networkx.DiGraph
        Levels ``"in"``, ``"h1"``, ..., ``"out"``; ``weight_id`` is ``(layer, ...)``.

    Raises
    ------
    ValueError
        As :func:`conv_graph_1d`, and when ``padding="valid"`` shrinks a level below the
        kernel before the last layer.

    Examples
    --------
    >>> g = stack_conv_1d(9, 3, n_layers=3)
    >>> g.graph["output_shape"]
    (3,)
    >>> len(receptive_field(g, ("out", 1))), receptive_field_size(3, 3)
    (7, 7)
    """
    n = _checks.positive_int("n_inputs", n_inputs)
    kernel = _checks.positive_int("kernel_size", kernel_size)
    depth = _checks.positive_int("n_layers", n_layers)
    step = _checks.positive_int("stride", stride)
    pad = _checks.choice("padding", padding, PADDINGS)
    _kernel_must_fit((n,), (kernel,), pad, "n_inputs")
    return _conv_stack((n,), (kernel,), (step,), pad, depth, shared_weights, "n_inputs", True)


def stack_conv_2d(
    height: int,
    width: int,
    kernel_size: int | tuple[int, int],
    n_layers: int,
    stride: int | tuple[int, int] = 1,
    padding: str = "valid",
    *,
    shared_weights: bool = True,
) -> nx.DiGraph:
    """Build ``n_layers`` identical 2-D convolutional layers, each reading the one below.

    Parameters
    ----------
    height, width
        Size of the input grid.
    kernel_size, stride, padding, shared_weights
        As in :func:`conv_graph_2d`, used by every layer.
    n_layers
        Number of stacked layers.

    Returns
    -------
    networkx.DiGraph
        Levels ``"in"``, ``"h1"``, ..., ``"out"``; ``weight_id`` is ``(layer, (dr, dc))``.

    Examples
    --------
    >>> g = stack_conv_2d(7, 7, 3, n_layers=2)
    >>> g.graph["output_shape"], weight_count(g)
    ((3, 3), 18)
    >>> len(receptive_field(g, ("out", 1, 1)))
    25
    """
    shape = (_checks.positive_int("height", height), _checks.positive_int("width", width))
    kernel = _sizes("kernel_size", kernel_size, 2)
    depth = _checks.positive_int("n_layers", n_layers)
    step = _sizes("stride", stride, 2)
    pad = _checks.choice("padding", padding, PADDINGS)
    _kernel_must_fit(shape, kernel, pad, "(height, width)")
    return _conv_stack(shape, kernel, step, pad, depth, shared_weights, "(height, width)", True)


# ---------------------------------------------------------------------------
# Questions asked of a graph
# ---------------------------------------------------------------------------


def layer_nodes(graph: nx.DiGraph, layer: int) -> list[Node]:
    """Return the nodes of one level (0 = inputs), sorted by index.

    Examples
    --------
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
    >>> input_nodes(dense_graph_1d(2, 1))
    [('in', 0), ('in', 1)]
    """
    return layer_nodes(graph, 0)


def output_nodes(graph: nx.DiGraph) -> list[Node]:
    """Return the units of the top level, sorted.

    Examples
    --------
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
        A graph from this module.
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
    >>> connection_count(conv_graph_1d(6, 3, padding="same"))
    16
    """
    return _checks.instance("graph", graph, nx.DiGraph, _GRAPH).number_of_edges()


def weight_count(graph: nx.DiGraph) -> int:
    """Return the number of distinct weights (biases not counted).

    Examples
    --------
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


# ---------------------------------------------------------------------------
# Summaries the book prints
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WiringComparison:
    """Counts for a dense and a convolutional layer with the same input and output shape.

    Attributes
    ----------
    input_shape, output_shape
        Shapes of the input and output grids (1-D or 2-D).
    kernel_size
        The convolution window, one entry per axis.
    dense_connections, dense_weights
        Edges and weights of the dense layer (equal: one weight per edge).
    conv_connections
        Edges of the convolutional layer.
    shared_weights
        Weights of the convolution (one per kernel cell).
    unshared_weights
        Weights of the same wiring without sharing (a locally connected layer).
    """

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    kernel_size: tuple[int, ...]
    dense_connections: int
    dense_weights: int
    conv_connections: int
    shared_weights: int
    unshared_weights: int

    @property
    def connection_ratio(self) -> float:
        """How many times more connections the dense layer computes."""
        return self.dense_connections / self.conv_connections


def _as_shape(input_shape: object) -> tuple[int, ...]:
    if _checks.is_integer(input_shape):
        return (_checks.positive_int("input_shape", input_shape),)
    shape = _checks.int_tuple("input_shape", input_shape)
    if len(shape) not in (1, 2):
        _checks.fail("input_shape", input_shape, "an int, (n,) or (height, width)")
    return shape


def compare_wiring(
    input_shape: int | tuple[int] | tuple[int, int],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: str = "same",
) -> WiringComparison:
    """Count connections and weights of a convolution and of a dense layer of equal shape.

    All counts are taken from the graphs this module builds, so keep sizes small (a
    dense layer on ``n`` pixels has ``n**2`` edges when the output is as large).

    Parameters
    ----------
    input_shape
        An int (a row of units) or ``(height, width)``.
    kernel_size, stride, padding
        The convolution, as in :func:`conv_graph_1d` / :func:`conv_graph_2d`.

    Returns
    -------
    WiringComparison

    Examples
    --------
    >>> c = compare_wiring((6, 6), 3)
    >>> c.dense_connections, c.conv_connections, c.shared_weights, c.unshared_weights
    (1296, 256, 9, 256)
    >>> compare_wiring(6, 3, padding="valid").conv_connections
    12
    """
    shape = _as_shape(input_shape)
    if len(shape) == 2:
        conv = conv_graph_2d(*shape, kernel_size, stride, padding)
        unshared = conv_graph_2d(*shape, kernel_size, stride, padding, shared_weights=False)
        dense = dense_graph_2d(*shape, *conv.graph["output_shape"])
    else:
        conv = conv_graph_1d(*shape, kernel_size, stride, padding)
        unshared = conv_graph_1d(*shape, kernel_size, stride, padding, shared_weights=False)
        dense = dense_graph_1d(*shape, *conv.graph["output_shape"])
    return WiringComparison(
        input_shape=conv.graph["input_shape"],
        output_shape=conv.graph["output_shape"],
        kernel_size=_sizes("kernel_size", kernel_size, conv.graph["dims"]),
        dense_connections=connection_count(dense),
        dense_weights=weight_count(dense),
        conv_connections=connection_count(conv),
        shared_weights=weight_count(conv),
        unshared_weights=weight_count(unshared),
    )


@dataclass(frozen=True)
class ReceptiveFieldStep:
    """One row of the receptive-field growth table.

    Attributes
    ----------
    n_layers
        Number of stacked convolutional layers.
    field_from_graph
        Side of the square of input pixels one top unit sees, read from the graph.
    field_closed_form
        The same side from :func:`receptive_field_size`.
    stacked_weights
        Weights of the whole stack (one kernel per layer, one channel).
    single_kernel_weights
        Weights of one layer whose kernel alone covers the same field.
    """

    n_layers: int
    field_from_graph: int
    field_closed_form: int
    stacked_weights: int
    single_kernel_weights: int


def _field_side(graph: nx.DiGraph, node: Node) -> int:
    rows = [r for _, r, _ in receptive_field(graph, node)]
    return max(rows) - min(rows) + 1


def receptive_field_growth(
    kernel_size: int, max_layers: int, stride: int = 1
) -> list[ReceptiveFieldStep]:
    """Tabulate how the receptive field of stacked square convolutions grows, layer by layer.

    For ``n = 1 .. max_layers`` a stack of ``n`` ``kernel_size x kernel_size`` layers
    (``padding="valid"``) is built on a grid just large enough for a few top units, and
    the field of its central top unit is measured; it is compared with the closed form and
    with one big kernel covering the same field.

    Examples
    --------
    >>> rows = receptive_field_growth(3, 3)
    >>> [(r.n_layers, r.field_from_graph, r.stacked_weights, r.single_kernel_weights) for r in rows]
    [(1, 3, 9, 9), (2, 5, 18, 25), (3, 7, 27, 49)]
    """
    k = _checks.positive_int("kernel_size", kernel_size)
    deepest = _checks.positive_int("max_layers", max_layers)
    s = _checks.positive_int("stride", stride)
    rows = []
    for depth in range(1, deepest + 1):
        side = receptive_field_size(k, depth, s)
        # Two extra top units on each side keep the measured unit away from the border.
        size = side + 4 * s**depth
        stack = stack_conv_2d(size, size, k, depth, s)
        top = output_nodes(stack)
        centre = top[len(top) // 2]
        single = conv_graph_2d(side, side, side, padding="valid")
        rows.append(
            ReceptiveFieldStep(
                n_layers=depth,
                field_from_graph=_field_side(stack, centre),
                field_closed_form=side,
                stacked_weights=weight_count(stack),
                single_kernel_weights=weight_count(single),
            )
        )
    return rows
