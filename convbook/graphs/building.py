"""Building wiring graphs: dense, convolutional and locally connected layers, and stacks.

Every builder checks its arguments and returns a :class:`networkx.DiGraph` laid out as
:mod:`convbook.graphs` describes (node names, ``layer`` and ``pos``, ``weight_id``).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx

from convbook import _checks, windows

PADDINGS: tuple[str, ...] = windows.PADDINGS

# One axis of a layer: the output units along it, each with the (offset, input index)
# pairs of its window that fall inside the input.
_AxisWindows = list[list[tuple[int, int]]]

# ---------------------------------------------------------------------------
# Arguments and windows along one axis
# ---------------------------------------------------------------------------


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
    >>> from convbook.graphs import connection_count, weight_count
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
    >>> from convbook.graphs import connection_count, receptive_field
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
    >>> from convbook.graphs import connection_count, receptive_field, weight_count
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
    >>> from convbook.graphs import connection_count, weight_count
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
    >>> from convbook.graphs import receptive_field, receptive_field_size
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
    >>> from convbook.graphs import receptive_field, weight_count
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
