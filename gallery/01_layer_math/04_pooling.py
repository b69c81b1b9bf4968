"""
Pooling
=======

A convolutional layer produces feature maps as large as its input. A pooling layer shrinks
them: it slides a small window over each map and keeps one number per window, either the
largest value (max pooling) or the mean (average pooling). In this chapter you compute
both with Keras' own pooling layers, called directly on small NumPy arrays, in one and two
dimensions and across colour channels, and work out how big the result is for any window
and stride. Pooling is why a deep stack of convolutions stays affordable in memory and
arithmetic, why the dense layers at the end of a network stay small, and why the
network's answer barely changes when an object moves by a pixel.
"""

# %%
# Why pool?
# ---------
#
# Pooling *downsamples*: a 2x2 window moved two cells at a time turns every block of four
# values into one. Three things follow.
#
# * **Less work later.** Every layer after the pooling layer sees a quarter of the values,
#   so it computes a quarter as much; a dense layer after it needs a quarter of the weights.
# * **A little translation invariance.** Max pooling reports *that* a strong response
#   occurred inside a window, not exactly *where*. Nudging a feature by a pixel inside its
#   window leaves the output unchanged.
# * **Smaller dense layers.** A dense layer that reads the flattened maps needs one weight
#   per value, so it shrinks with them; fewer weights there also leave less room to
#   memorise the training images instead of learning what matters. The convolutions after
#   the pooling layer do *not* get smaller: their weights never depended on the size of
#   the map (see the end of this chapter).
#
# Take a typical first block of an image network: 32 feature maps of 28x28 pixels (an
# MNIST digit after one convolution with ``"same"`` padding). :func:`convbook.pooling.output_size`
# gives the side length after 2x2 pooling, and we count what a 128-unit dense layer reading
# the flattened maps would need, with and without pooling.
from convbook import pooling

side = pooling.output_size(28, pool_size=2)
values_before, values_after = 28 * 28 * 32, side * side * 32
print(f"side after 2x2 pooling: {side}")
print(f"values per image: {values_before} -> {values_after}")
print(f"weights of a 128-unit dense layer: {values_before * 128} -> {values_after * 128}")

# %%
# The side goes from 28 to 14, the number of values from 25088 to 6272, and the dense
# layer's weights from 3211264 to 802816: a factor of four each time, for a layer that
# itself learns nothing (see the end of this chapter).
#
# The running example
# -------------------
#
# We use one small matrix throughout: a 4x4 grid that is almost all ones with four larger
# values, 2, 3, 4 and 5, standing in for strong responses of a filter. :func:`convbook.pooling.demo`
# pools it three ways, prints each result with a line of explanation, and returns them in
# a :class:`~convbook.pooling.PoolingDemo` for you to inspect.

result = pooling.demo()

# %%
# Read the results against the input:
#
# * **2-D max pooling** splits the grid into four 2x2 quadrants and keeps the largest value
#   of each: 1 (the top-left quadrant holds only ones), 4, 3 and 5. The 4x4 grid has become
#   2x2. The 2 has vanished: it shares the bottom-left quadrant with the 3, and only the
#   winner survives.
# * **2-D average pooling** keeps each quadrant's mean instead: 1, 1.75, 1.75 and 2.
# * **1-D max pooling** with one window over all four rows keeps the largest value of each
#   column: 2, 3, 4 and 5, every spike once. The section on 1-D pooling explains why it
#   runs down the columns.
#
# The figure draws the 2-D case: each coloured window on the left becomes the output cell
# of the same colour on the right, and the winning value of each window is in bold.
from convbook.plotting import pooling as pooling_plots

fig = pooling_plots.show_pooling(result.matrix, result.max_2d, pool_size=2)

# %%
# Now one window at a time. The window steps over the input, its largest value is
# marked, and an arrow carries that value into the output cell of the window's colour.
# Each window takes three frames (find the winner, move it, place it), so the four
# windows take 12. Pause the player, or step through it with its buttons. The matrix is
# the running example, written out in full.
import numpy as np

from convbook.plotting import pooling_animation

matrix = np.array(
    [
        [1, 1, 1, 1],
        [1, 1, 4, 1],
        [2, 1, 1, 1],
        [1, 3, 1, 5],
    ],
    dtype=float,
)
print("the running example:", np.array_equal(matrix, result.matrix))
anim_max = pooling_animation.animate_pooling(matrix, pool_size=2)
print("frames:", anim_max.frame_count)

# %%
# Max or average?
# ---------------
#
# Max pooling asks "did this filter respond strongly anywhere in the window?". The strong
# response passes through untouched and the weak ones around it are discarded, so max
# pooling doubles as noise suppression. Average pooling asks "how strong was the response
# over the whole window?". A lone spike is diluted by its neighbours (the 5 becomes 2),
# which smooths the map. Max pooling is the usual choice between convolutional blocks;
# averaging is common at the very end of modern networks, where one mean per feature map
# summarises the whole image.

fig = pooling_plots.show_pooling(result.matrix, result.average_2d, pool_size=2, operation="average")

# %%
# The same steps for the mean: every value of the window counts, and the bottom-right
# window sends (1 + 1 + 1 + 5) / 4 = 2 to its output cell instead of the 5.
anim_average = pooling_animation.animate_pooling(matrix, pool_size=2, operation="average")
print("bottom-right window:", matrix[2:, 2:].mean())

# %%
# With the math of one output cell, for a window :math:`W` of input positions:
#
# .. math::
#
#    y_{\max} = \max_{(i, j) \in W} x_{ij},
#    \qquad
#    y_{\text{avg}} = \frac{1}{|W|} \sum_{(i, j) \in W} x_{ij}.
#
# Translation invariance in action: move the 5 one cell up and to the left. It stays inside
# the bottom-right window, so max pooling reports exactly the same thing; the output would
# change only if the 5 crossed into another window (exercise 2).
shifted = result.matrix.copy()
shifted[3, 3], shifted[2, 2] = 1.0, 5.0
print(pooling.format_matrix(shifted))
print("max pooling unchanged:", (pooling.max_pool2d(shifted) == result.max_2d).all())

# %%
# Keras layers as a math engine
# -----------------------------
#
# So far we have used Keras to *train* models, but a layer is also just a function. A
# pooling layer has no weights, so we can build one and call it on an array at once: no
# model, no fitting. There is one catch: Keras layers always work on a **batch** of
# examples with the channels last, shaped ``(batch, height, width, channels)`` for 2-D
# pooling and ``(batch, steps, channels)`` for 1-D pooling. Our matrix is just
# ``(height, width)``, so we add a batch axis of length 1 in front and a channel axis of
# length 1 at the back with ``np.expand_dims``.
import keras
import numpy as np

batch = np.expand_dims(result.matrix, axis=(0, -1))
print("batch for the layer:", batch.shape)
layer = keras.layers.MaxPooling2D(pool_size=2)
pooled_batch = keras.ops.convert_to_numpy(layer(batch))
print("what the layer returns:", pooled_batch.shape)
print("after squeezing the added axes:", np.squeeze(pooled_batch, axis=(0, -1)).shape)

# %%
# ``np.squeeze`` removes axes of length 1. Called with no ``axis`` it removes *every* such
# axis, including ones that belong to the answer; the pooling functions therefore name the
# axes they added and squeeze only those. An image that already has a channel axis keeps
# it, and so does a pooled axis that happens to have length 1:
print(pooling.max_pool2d(np.expand_dims(result.matrix, -1)).shape)
print(pooling.max_pool1d(result.matrix, pool_size=4).shape)

# %%
# 1-D pooling
# -----------
#
# :class:`keras.layers.MaxPooling1D` slides its window along the *steps* of a sequence
# (time, or the positions along a signal), separately for each channel. A plain vector is
# one signal with one channel:
print(pooling.max_pool1d([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]))

# %%
# Handed our 4x4 matrix, the layer sees ``(steps, channels) = (rows, columns)``: it runs
# down the **rows** and treats each column as its own channel. With the default window of
# 2, rows 0-1 merge into the first output row and rows 2-3 into the second, column by
# column:
print(pooling.format_matrix(pooling.max_pool1d(result.matrix)))

# %%
# A window as long as the matrix (``pool_size=4``) leaves a single step: the largest value
# in each column, which is the 1-D result of :func:`~convbook.pooling.demo`. Pooling along
# the other dimension, the rows' maxima, is the same call on the transpose.
print("column maxima:", pooling.max_pool1d(result.matrix, pool_size=4))
print("row maxima:   ", pooling.max_pool1d(result.matrix.T, pool_size=4))

# %%
# Channels are pooled independently
# ---------------------------------
#
# Colour images have three channels (red, green, blue) and feature maps have many. Pooling
# never mixes them: the output for a channel is computed from that channel alone, so a
# ``(4, 4, 3)`` image pools to ``(2, 2, 3)``. We check it by pooling each channel on its
# own and stacking the results.
image = pooling.example_rgb()
pooled_image = pooling.max_pool2d(image)
one_by_one = np.stack([pooling.max_pool2d(image[..., c]) for c in range(3)], axis=-1)
print(image.shape, "->", pooled_image.shape)
print("same as pooling each channel alone:", np.array_equal(pooled_image, one_by_one))

fig = pooling_plots.show_channel_pooling(image, pooled_image)

# %%
# The size of the output
# ----------------------
#
# Along each axis of length :math:`n`, a window of size :math:`p` that moves :math:`s`
# cells at a time (the *stride*, which Keras sets to :math:`p` unless told otherwise)
# fits
#
# .. math::
#
#    n_{\text{out}} = \left\lfloor \frac{n - p}{s} \right\rfloor + 1
#    \quad \text{(valid)},
#    \qquad
#    n_{\text{out}} = \left\lceil \frac{n}{s} \right\rceil
#    \quad \text{(same)}
#
# times. ``"valid"`` keeps only windows that lie entirely inside the input, so leftover
# rows or columns are dropped; ``"same"`` pads the edges so that every value is covered
# (padded cells never win a max and are not counted in an average). A stride smaller than
# the window makes the windows overlap. The formula agrees with what Keras returns:
from convbook.tables import format_table

rows = []
for pool_size, strides in [(2, 2), (3, 3), (3, 2), (3, 1)]:
    for padding in ("valid", "same"):
        size = pooling.output_size(28, pool_size, strides, padding)
        keras_shape = pooling.max_pool2d(np.zeros((28, 28)), pool_size, strides, padding).shape
        rows.append((pool_size, strides, padding, size, str(keras_shape)))
print(format_table(rows, ("pool size p", "stride s", "padding", "formula", "Keras' shape")))

# %%
# Overlapping windows on our example: a 2x2 window moved one cell at a time gives a 3x3
# output. Each input value now falls in up to four windows, so a strong value is counted
# several times: the 4 wins four windows and the 3 wins two.
print(pooling.format_matrix(pooling.max_pool2d(result.matrix, pool_size=2, strides=1)))

# %%
# Nothing to learn
# ----------------
#
# A convolutional layer learns its kernels; a pooling layer has no weights at all. Built
# for the 32 feature maps of 28x28 from the start of the chapter, a 2x2 max-pooling layer
# has 0 parameters, while a convolution with 32 filters of 3x3 over those same 32 maps has
# 3 * 3 * 32 * 32 + 32 = 9248.
pool_layer = pooling.pooling_layer("max2d", pool_size=2)
pool_layer.build((None, 28, 28, 32))
conv_layer = keras.layers.Conv2D(32, kernel_size=3)
conv_layer.build((None, 28, 28, 32))
print("max pooling parameters:", pool_layer.count_params())
print("convolution parameters:", conv_layer.count_params())

# %%
# What pooling saves, and what it does not
# ----------------------------------------
#
# The same convolution placed *after* the pooling layer, on 14x14 maps, has exactly as
# many weights: a kernel is 3x3x32 whatever the size of the map it slides over. What
# shrinks is the work. The layer computes one output value per position and filter, each a
# sum of 3 * 3 * 32 products, and there are four times fewer positions on a 14x14 map.
conv_after_pool = keras.layers.Conv2D(32, kernel_size=3, padding="same")
conv_after_pool.build((None, 14, 14, 32))
conv_before_pool = keras.layers.Conv2D(32, kernel_size=3, padding="same")
conv_before_pool.build((None, 28, 28, 32))
multiplies = {side: side * side * 32 * (3 * 3 * 32) for side in (28, 14)}
print("weights on 28x28 maps:", conv_before_pool.count_params())
print("weights on 14x14 maps:", conv_after_pool.count_params())
print("multiplications per image on 28x28 maps:", f"{multiplies[28]:,}")
print("multiplications per image on 14x14 maps:", f"{multiplies[14]:,}")

# %%
# So pooling cuts the arithmetic and the memory of every layer that follows, and the
# weights of a dense layer that reads the flattened maps, but never the weights of a
# convolution.

# %%
# Exercises
# ---------
#
# 1. Pool the example matrix with ``pool_size=3``. What shape comes out, and which input
#    values were never looked at? Predict the answer with :func:`~convbook.pooling.output_size`
#    first, then try ``padding="same"``.
# 2. Move the 5 into another window: put a 1 where it is (row 3, column 3) and the 5 at
#    row 2, column 1. Which 2x2 max-pooling outputs change, and to what? Why did moving it
#    up and to the left earlier change nothing?
# 3. Make one channel of :func:`~convbook.pooling.example_rgb` all zeros. Which channels of
#    the pooled image change?
# 4. Global max pooling keeps one value per channel for the whole image. Which
#    ``pool_size`` turns :func:`~convbook.pooling.max_pool2d` into global max pooling on a
#    ``(4, 4, 3)`` image, and what is the output shape?
# 5. For a 28x28 map, which pool sizes and strides give exactly 14 outputs with
#    ``"valid"`` padding? Check your list with :func:`~convbook.pooling.output_size`.

# %%
# Solutions
# ---------
#
# Work through each exercise before you open its solution. Every solution runs when the
# book is built, so the numbers in it are this library's and this Keras version's.
#
# .. solution:: Exercise 1
#
#    Predict first. Without padding a window must fit inside the input, and windows do
#    not overlap (the stride equals the pool size), so a 4-wide side holds
#    :math:`\lfloor (4 - 3) / 3 \rfloor + 1 = 1` window. The output is 1x1: the largest
#    value of the top-left 3x3 block. Row 3 and column 3 are never looked at, and they
#    hold both the 3 and the 5. With ``padding="same"`` the output side is
#    :math:`\lceil 4 / 3 \rceil = 2`, so the windows reach past the edge and every value
#    is seen. The check:
valid = pooling.max_pool2d(result.matrix, pool_size=3)
same = pooling.max_pool2d(result.matrix, pool_size=3, padding="same")
print("valid:", valid.shape, "predicted side:", pooling.output_size(4, pool_size=3))
print(pooling.format_matrix(valid))
seen = np.zeros_like(result.matrix, dtype=bool)
seen[:3, :3] = True
print("values never looked at:", result.matrix[~seen].astype(int).tolist())
print("same:", same.shape, "predicted side:", pooling.output_size(4, pool_size=3, padding="same"))
print(pooling.format_matrix(same))

# %%
# .. solution:: Exercise 2
#
#    The 2x2 windows split the matrix into four quadrants. Row 2, column 1 lies in the
#    bottom-left quadrant (rows 2-3, columns 0-1), so the 5 moves from one window into
#    another: the bottom-left output rises from 3 to 5, and the bottom-right one, which
#    has only ones left, drops from 5 to 1. The two top outputs do not change. In the
#    chapter the 5 moved to row 2, column 2, which is still inside the bottom-right
#    quadrant: a window's maximum does not care where inside the window it sits.
moved = result.matrix.copy()
moved[3, 3], moved[2, 1] = 1.0, 5.0
after = pooling.max_pool2d(moved)
print(pooling.format_matrix(moved))
print("before:\n" + pooling.format_matrix(result.max_2d))
print("after:\n" + pooling.format_matrix(after))
print("outputs that changed (row, column):", np.argwhere(after != result.max_2d).tolist())

# %%
# .. solution:: Exercise 3
#
#    Pooling works on each channel on its own: a window's maximum in the red channel
#    never looks at green or blue. So zeroing one channel changes only that channel of
#    the pooled image (it becomes all zeros), and the other two come out exactly as
#    before. That is also why pooling keeps the number of channels.
zeroed = image.copy()
zeroed[..., 1] = 0
pooled_zeroed = pooling.max_pool2d(zeroed)
changed = [c for c in range(3) if not np.array_equal(pooled_zeroed[..., c], pooled_image[..., c])]
print("channels of the pooled image that changed:", changed)
print("that channel is now all zeros:", bool((pooled_zeroed[..., 1] == 0).all()))

# %%
# .. solution:: Exercise 4
#
#    A window as large as the image: ``pool_size=4`` on a 4x4 image gives one window,
#    hence one value per channel and an output of shape ``(1, 1, 3)``. Keras' own
#    ``GlobalMaxPooling2D`` computes the same three numbers but drops the two axes of
#    length 1, returning shape ``(batch, 3)``.
global_max = pooling.max_pool2d(image, pool_size=4)
keras_global = keras.layers.GlobalMaxPooling2D()(image[np.newaxis].astype("float32"))
print("pool_size=4:", global_max.shape, global_max.ravel().tolist())
print("GlobalMaxPooling2D:", tuple(keras_global.shape), keras.ops.convert_to_numpy(keras_global))

# %%
# .. solution:: Exercise 5
#
#    With ``"valid"`` padding a side of 28 gives :math:`\lfloor (28 - p) / s \rfloor + 1`
#    outputs for pool size :math:`p` and stride :math:`s`. That is 14 when
#    :math:`\lfloor (28 - p) / s \rfloor = 13`. With stride 2, :math:`28 - p` must be 26
#    or 27, so :math:`p` is 2 (the usual choice) or 1 (which skips every other pixel).
#    With stride 1 it takes :math:`p = 15`, a window over half the map. Larger strides
#    would need :math:`13 s \le 28 - p`, and :math:`s = 3` already needs 39. A search
#    over every pool size and stride up to 28 confirms the list:
pairs = [
    (p, s)
    for p in range(1, 29)
    for s in range(1, 29)
    if pooling.output_size(28, pool_size=p, strides=s) == 14
]
print("(pool size, stride) pairs giving 14 outputs:", pairs)
