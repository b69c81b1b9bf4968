"""
Connection graphs: dense vs. convolutional
==========================================

A layer of a neural network is a set of wires: each wire carries one input value,
multiplied by one weight, into one output unit. Drawing those wires as a graph makes the
difference between a dense layer and a convolutional layer something you can see and
count. Here you will build both graphs with NetworkX, count their connections and
weights, highlight the handful of pixels one convolutional unit actually looks at, and
watch that window widen as layers are stacked. These counts explain why convolutional
networks are the standard tool for images: they compute far fewer products, learn far
fewer numbers, and still let deep units see the whole picture.
"""

# %%
# Two ways to wire a layer
# ------------------------
# Take a row of six input units feeding four output units. A **dense** layer wires every
# input to every output, so each output mixes the whole row. A **convolutional** layer
# instead slides a window of three neighbouring inputs along the row: the first output
# reads inputs 0 to 2, the next reads 1 to 3, and so on. Each output is wired to a small
# local region, and most possible wires are simply absent: the connections are *sparse*.
#
# :func:`convbook.graphs.compare_wiring` builds both graphs and counts their edges.
import matplotlib.pyplot as plt

from convbook import graphs
from convbook.plotting.graphs import (
    draw_receptive_field_growth,
    draw_wiring,
    draw_wiring_panels,
)

row = graphs.compare_wiring(6, kernel_size=3, padding="valid")
print(f"input units: {row.input_shape[0]}, output units: {row.output_shape[0]}")
print(f"dense connections:         {row.dense_connections}")
print(f"convolutional connections: {row.conv_connections}")
for j in range(row.output_shape[0]):
    window = sorted(graphs.receptive_field(graphs.conv_graph_1d(6, 3), ("out", j)))
    print(f"output {j} reads {window}")

# %%
# In the drawing, the red lines are the wires that reach output unit 1. In the dense
# layer all six inputs reach it; in the convolutional layer only its window of three does.
dense_1d = graphs.dense_graph_1d(6, 4)
conv_1d = graphs.conv_graph_1d(6, kernel_size=3)
fig = draw_wiring_panels(
    [dense_1d, conv_1d],
    highlights=[("out", 1), ("out", 1)],
    suptitle="Dense: every input reaches every output. Convolution: a sliding window of 3.",
)

# %%
# Weight sharing
# --------------
# Fewer wires is half of the story. The other half is that a convolution uses **the same
# kernel at every position**: the wire from the first cell of each window always carries
# the same weight, and likewise for the second and third cells. Each edge in our graphs
# stores a ``weight_id``; edges with equal ids share one learnable number.
#
# Below, edges are coloured by their weight. On the left (a convolution) three colours
# repeat down the row. On the right is the same wiring with no sharing, called a
# *locally connected* layer: every wire has a weight of its own.
shared = graphs.conv_graph_1d(8, kernel_size=3)
unshared = graphs.conv_graph_1d(8, kernel_size=3, shared_weights=False)
print(f"connections in both layers:      {graphs.connection_count(shared)}")
print(f"weights with sharing (conv):      {graphs.weight_count(shared)}")
print(f"weights without sharing (local):  {graphs.weight_count(unshared)}")
fig = draw_wiring_panels(
    [shared, unshared],
    color_by_weight=True,
    suptitle=(
        "Same wiring, colour = weight: the convolution reuses "
        f"{graphs.weight_count(shared)} weights at every position"
    ),
)

# %%
# Sharing makes the parameter count depend only on the kernel size, never on the size of
# the input. It also means a pattern the kernel has learned to detect is detected
# wherever it appears, because every position asks the same question.
#
# Into two dimensions: a 6×6 image
# --------------------------------
# Images are grids, so the window becomes a square. Here a 6×6 grid of pixels feeds a
# 6×6 grid of activations through a 3×3 window with ``"same"`` padding (the border is
# padded with zeros so the output keeps the input's size). One output unit is
# highlighted: its arcs come from a 3×3 *region* of pixels centred on the same position.
conv_2d = graphs.conv_graph_2d(6, 6, kernel_size=3, padding="same")
unit = ("out", 2, 3)
print(f"output grid: {conv_2d.graph['output_shape']}")
print(f"pixels feeding {unit}: {sorted(graphs.receptive_field(conv_2d, unit))}")
fig = draw_wiring(conv_2d, highlight=unit)

# %%
# Units near the border see fewer real pixels, because part of their window falls on the
# zero padding, which is not a unit and has no wire.
for node in [("out", 2, 3), ("out", 0, 3), ("out", 0, 0)]:
    print(f"{node} reads {len(graphs.receptive_field(conv_2d, node))} pixels")

# %%
# Now the same 6×6 → 6×6 shape with a dense layer: the highlighted unit reaches back to
# every pixel, and the faint background is a solid mesh.
fig = draw_wiring(graphs.dense_graph_2d(6, 6, 6, 6), highlight=unit)

grid = graphs.compare_wiring((6, 6), kernel_size=3)
print(f"dense connections (= dense weights): {grid.dense_connections}")
print(f"convolutional connections:           {grid.conv_connections}")
print(f"convolution weights, shared:         {grid.shared_weights}")
print(f"same wiring, unshared weights:       {grid.unshared_weights}")
print(f"the dense layer computes {grid.connection_ratio:.2f}× as many products")

# %%
# Why locality suits images
# -------------------------
# The pixels that make up an edge, a stroke or a corner sit next to each other. Whether a
# small patch contains a vertical stroke is decided by that patch, not by a pixel on the
# far side of the picture. A convolution builds exactly this assumption into the wiring:
#
# * **Faster.** Every connection is a multiply-add. The dense layer's count grows with the
#   square of the number of pixels; the convolution's grows only in proportion to it.
# * **Less overfitting.** A dense layer must learn one weight per wire, enough freedom to
#   memorise the training images. Nine shared weights cannot memorise much; they must
#   capture a pattern that holds across the whole image.
#
# The table repeats the comparison for growing square images (3×3 kernel, ``"same"``
# padding). Notice the ratio climbing while the convolution's weights stay fixed.
from convbook.tables import format_table

rows = []
for side in (4, 6, 8, 12):
    c = graphs.compare_wiring((side, side), kernel_size=3)
    rows.append(
        (
            f"{side}×{side}",
            c.dense_connections,
            c.conv_connections,
            c.connection_ratio,
            c.shared_weights,
        )
    )
headers = ("image", "dense conn.", "conv conn.", "ratio", "conv weights")
print(format_table(rows, headers, floatfmt=".1f"))

# %%
# Receptive fields grow with depth
# --------------------------------
# If one unit sees only three neighbours, how does a network ever recognise a whole digit?
# By stacking layers. A unit in layer 2 reads three units of layer 1, and each of those
# reads three inputs, overlapping: together they cover five inputs. Every extra layer of
# width-3 kernels adds two more. The set of inputs a unit depends on, through all layers,
# is its **receptive field**; in the figure it is the red cone, counted under each column.
stack = graphs.stack_conv_1d(13, kernel_size=3, n_layers=4)
top = ("out", 2)
print(f"{top} after 4 layers sees {len(graphs.receptive_field(stack, top))} inputs")
fig = draw_receptive_field_growth(stack, top_node=top)

# %%
# With stride 1 the field is :math:`r = 1 + L(k - 1)` inputs wide after :math:`L` layers of
# width-:math:`k` kernels (:func:`convbook.graphs.receptive_field_size`). The table
# measures the field on real 2-D stacks of 3×3 layers and compares it with the formula. It
# also counts weights: a stack of small kernels covers the same field as one big kernel
# with fewer weights, which is why modern networks prefer many 3×3 layers.
rows = [
    (
        step.n_layers,
        f"{step.field_from_graph}×{step.field_from_graph}",
        step.field_closed_form,
        step.stacked_weights,
        step.single_kernel_weights,
    )
    for step in graphs.receptive_field_growth(kernel_size=3, max_layers=5)
]
headers = ("layers", "field (graph)", "formula", "3×3 stack wts", "one kernel wts")
print(format_table(rows, headers, align=("right",) * 5))

# %%
# Watch the field grow in two dimensions. Three stacked 3×3 layers (``"valid"``
# padding) turn a 9×9 input into 3×3 outputs. Follow the centre output unit down the
# stack, one level per frame: it reads a 3×3 window of layer 2, those units read 5×5
# units of layer 1, and those read 7×7 pixels of the input, the :math:`1 + 3 \cdot 2 = 7`
# of the formula.
from convbook.plotting import receptive_field_animation

stack_2d = graphs.stack_conv_2d(9, 9, kernel_size=3, n_layers=3)
centre = ("out", 1, 1)
print("window sides, 1 to 3 layers down:", [graphs.receptive_field_size(3, n) for n in (1, 2, 3)])
print(f"{centre} sees {len(graphs.receptive_field(stack_2d, centre))} pixels")
anim = receptive_field_animation.animate_receptive_field(stack_2d, centre)

# %%
# Strides make the field grow faster: each layer's window then spans units that are
# further apart in the input. Three 3-wide layers with stride 2 see this many inputs:
print(f"receptive field: {graphs.receptive_field_size(3, n_layers=3, stride=2)} inputs")

# %%
# Exercises
# ---------
# 1. Count the connections of ``graphs.conv_graph_2d(6, 6, 3, padding="valid")`` by hand
#    (how many outputs, how many wires each?), then check with
#    ``graphs.connection_count``. Why is there no border effect this time?
# 2. Build ``graphs.conv_graph_2d(6, 6, 3, stride=2)`` and draw it with ``draw_wiring``.
#    What is the output shape, and do neighbouring windows still overlap?
# 3. A 28×28 MNIST digit goes through a dense layer with a 28×28 output. Predict its
#    number of connections and compare with a 3×3 ``"same"`` convolution. (Use the
#    formulas; building the dense graph takes a while.)
# 4. How many stacked 3×3 layers does a unit need before its receptive field covers a
#    whole 28×28 image? Check your answer with ``graphs.receptive_field_size``.
# 5. Colour ``graphs.conv_graph_2d(4, 4, 2)`` by weight with
#    ``draw_wiring(..., color_by_weight=True)``. How many colours do you expect?

# %%
# Solutions
# ---------
#
# Try each exercise on your own before you read its solution. The solutions are run
# every time the book is built, so the numbers they print come from this library.
#
# .. solution:: Exercise 1
#
#    With ``"valid"`` padding a 3×3 window fits at :math:`6 - 3 + 1 = 4` positions per
#    axis, so there are :math:`4 \times 4 = 16` output units, each wired to its 9 pixels:
#    :math:`16 \times 9 = 144` connections. There is no border effect because
#    ``"valid"`` keeps only windows that lie wholly inside the image: no window reaches
#    into padding, so no unit loses wires. With ``"same"`` padding the 36 units would have
#    324 wires if none were lost; the border units' missing wires bring that down to 256.
valid_2d = graphs.conv_graph_2d(6, 6, 3, padding="valid")
outputs = graphs.output_nodes(valid_2d)
print("output units:", len(outputs), "wires into each:", {valid_2d.in_degree(n) for n in outputs})
print("connection_count:", graphs.connection_count(valid_2d), "by hand:", 4 * 4 * 9)

# %%
# .. solution:: Exercise 2
#
#    ``"same"`` padding with stride 2 gives :math:`\lceil 6 / 2 \rceil = 3` units per
#    axis, so the output is 3×3. The windows start every 2 pixels but are 3 pixels wide,
#    so neighbouring windows still overlap, by one row or column: output (0, 0) reads
#    columns 0-2 and output (0, 1) reads columns 2-4. The last window (columns 4-5) hangs
#    over the edge by one cell, into the zero that Keras adds at the end.
strided = graphs.conv_graph_2d(6, 6, 3, stride=2)
print("output shape:", strided.graph["output_shape"])
for j in range(3):
    columns = sorted({c for _, _, c in graphs.receptive_field(strided, ("out", 0, j))})
    print(f"('out', 0, {j}) reads columns {columns}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for ax, j in zip(axes, (0, 1), strict=True):
    draw_wiring(strided, ax=ax, highlight=("out", 0, j), title=f"stride 2: ('out', 0, {j})")
fig.suptitle("Stride 2: a 3×3 output, and neighbouring windows share input column 2")

# %%
# .. solution:: Exercise 3
#
#    The dense layer wires each of the 784 pixels to each of the 784 outputs:
#    :math:`784^2 = 614656` connections. The ``"same"`` convolution would have
#    :math:`784 \times 9 = 7056` if every unit had its full window; the border units lose
#    the wires that would fall on the padding. Along one axis the windows hold
#    :math:`28 \times 3 - 2 = 82` real pixels in all, so the 2-D layer has
#    :math:`82^2 = 6724` connections: the dense layer computes about 91 times as many
#    products. The convolution's graph is small enough to build and count.
dense_28 = 784 * 784
conv_28 = graphs.connection_count(graphs.conv_graph_2d(28, 28, 3))
print(f"dense: {dense_28:,}  convolution: {conv_28:,}  ratio: {dense_28 / conv_28:.1f}")

# %%
# .. solution:: Exercise 4
#
#    The field is :math:`1 + 2L` pixels wide after :math:`L` layers, and it must be at
#    least 28 wide: 13 layers give 27, one pixel short, and 14 layers give 29. So 14
#    layers, with ``"same"`` padding so that the maps keep their size (with ``"valid"``
#    padding a 28×28 input has shrunk to 2×2 after 13 layers). This holds for a unit in
#    the middle of the map: its field reaches 14 pixels each way. A unit in a corner has
#    half its field hanging off the image, so after 14 layers it sees only 15×15 pixels.
print("field after 13 and 14 layers:", [graphs.receptive_field_size(3, n) for n in (13, 14)])
deep = graphs.stack_conv_2d(28, 28, 3, n_layers=14, padding="same")
for node in [("out", 13, 13), ("out", 0, 0)]:
    print(f"{node} sees {len(graphs.receptive_field(deep, node))} of 784 pixels")

# %%
# .. solution:: Exercise 5
#
#    Four colours. A 2×2 kernel has 4 cells, and with weight sharing each cell is one
#    number used at every position, so every wire carries one of just 4 weights, whatever
#    the size of the image. The windows in the last row and column hang over the zero that
#    ``"same"`` padding adds at the bottom and right, so they lose some wires (49 in all
#    instead of :math:`16 \times 4 = 64`), but no new colour appears.
tiny = graphs.conv_graph_2d(4, 4, 2)
print("distinct weights:", graphs.weight_count(tiny), "connections:", graphs.connection_count(tiny))
fig = draw_wiring(
    tiny, color_by_weight=True, title="2×2 kernel, colour = weight: 4 colours, reused everywhere"
)

plt.show()
