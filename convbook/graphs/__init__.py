"""Wiring diagrams of dense and convolutional layers, as NetworkX graphs.

A layer is drawn as a directed graph: one node per unit, one edge per multiplication
``input * weight`` that flows into an output unit. The graphs make three ideas countable:

* **Dense wiring** joins every input to every output; every edge has its own weight.
* **Convolutional wiring** joins each output only to a small window of nearby inputs
  (sparse, local connections), and every window uses the same kernel (weight sharing).
* **Receptive fields** grow as convolutional layers are stacked.

Everything is importable from ``convbook.graphs``; the submodules group it by job.

Building (:mod:`convbook.graphs.building`)
    :func:`dense_graph_1d`, :func:`dense_graph_2d`, :func:`conv_graph_1d`,
    :func:`conv_graph_2d`, :func:`stack_conv_1d`, :func:`stack_conv_2d`.
Questions asked of a graph (:mod:`convbook.graphs.queries`)
    :func:`layer_nodes`, :func:`input_nodes`, :func:`output_nodes`,
    :func:`receptive_field`, :func:`receptive_field_edges`, :func:`connection_count`,
    :func:`weight_count`, and the closed form :func:`receptive_field_size`.
Summaries the book prints (:mod:`convbook.graphs.comparisons`)
    :func:`compare_wiring` (:class:`WiringComparison`) and
    :func:`receptive_field_growth` (:class:`ReceptiveFieldStep`).

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

from convbook.graphs.building import (
    PADDINGS,
    conv_graph_1d,
    conv_graph_2d,
    dense_graph_1d,
    dense_graph_2d,
    stack_conv_1d,
    stack_conv_2d,
)
from convbook.graphs.comparisons import (
    ReceptiveFieldStep,
    WiringComparison,
    compare_wiring,
    receptive_field_growth,
)
from convbook.graphs.queries import (
    connection_count,
    input_nodes,
    layer_nodes,
    output_nodes,
    receptive_field,
    receptive_field_edges,
    receptive_field_size,
    weight_count,
)

__all__ = [
    # building
    "PADDINGS",
    "dense_graph_1d",
    "dense_graph_2d",
    "conv_graph_1d",
    "conv_graph_2d",
    "stack_conv_1d",
    "stack_conv_2d",
    # queries
    "layer_nodes",
    "input_nodes",
    "output_nodes",
    "receptive_field",
    "receptive_field_edges",
    "connection_count",
    "weight_count",
    "receptive_field_size",
    # comparisons
    "WiringComparison",
    "compare_wiring",
    "ReceptiveFieldStep",
    "receptive_field_growth",
]
