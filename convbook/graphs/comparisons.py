"""Summaries the book prints: dense against convolutional wiring, and receptive-field growth.

The counts are read from the graphs :mod:`convbook.graphs.building` builds, with the
questions of :mod:`convbook.graphs.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from convbook import _checks
from convbook.graphs.building import (
    conv_graph_1d,
    conv_graph_2d,
    dense_graph_1d,
    dense_graph_2d,
    stack_conv_2d,
)
from convbook.graphs.queries import (
    Node,
    connection_count,
    output_nodes,
    receptive_field,
    receptive_field_size,
    weight_count,
)


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

    All counts are taken from the graphs of :mod:`convbook.graphs`, so keep sizes small (a
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
        kernel_size=_checks.int_tuple(
            "kernel_size", kernel_size, length=conv.graph["dims"], broadcast=True
        ),
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
