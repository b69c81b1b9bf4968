"""
Convolution arithmetic: padding, stride, channels
=================================================

A real convolutional layer wraps the multiply-and-add of the previous chapter in three
settings: *zero padding* around the input, a *stride* that skips positions, and
*channels*, so that each filter looks at all colour planes (or all feature maps) at once
and a layer holds many filters. This chapter computes the output size these settings
give, works through a full multi-channel layer with every intermediate sum printed,
checks the result against ``keras.layers.Conv2D``, and counts the layer's parameters.
Knowing this arithmetic is what lets you read a model summary, predict shapes before
running code, and see why convolutional layers are so cheap compared with dense ones.
"""

# %%
# Output size
# -----------
# Along one axis, an input of size :math:`W` with :math:`P` zeros added on each side
# offers :math:`W + 2P` cells. A kernel of size :math:`F` fits at :math:`W + 2P - F + 1`
# positions; with stride :math:`S` we keep every :math:`S`-th of them:
#
# .. math::
#
#    W_{out} = \left\lfloor \frac{W - F + 2P}{S} \right\rfloor + 1
#
# The floor means that windows running past the edge are dropped. Keras offers two
# paddings by name: ``"valid"`` (:math:`P = 0`) and ``"same"``, which pads just enough to
# give :math:`\lceil W / S \rceil` outputs. For a 7-wide input:
import matplotlib.pyplot as plt

from convbook import convolution
from convbook.plotting import convolution as conv_plots

rows = convolution.output_size_table(n=7, with_keras=True)
print(convolution.format_size_table(rows))

# %%
# The last column is the size Keras itself computes for each setting (integer padding
# is a ``ZeroPadding2D`` layer in front of a ``"valid"`` ``Conv2D``); it always agrees
# with the formula. Three patterns to notice:
#
# * a bigger kernel shrinks a ``"valid"`` output by :math:`F - 1` cells;
# * padding with :math:`P = (F - 1) / 2` zeros (1 for a 3x3 kernel) keeps the size at
#   stride 1: that is what ``"same"`` does for odd kernels;
# * stride 3 on a 7-wide input with a 3-wide kernel gives 2, not 2.33: the floor drops
#   the last, incomplete window.
#
# With stride greater than 1, ``"same"`` may need an odd number of zeros. Keras then puts
# the extra zero at the end (bottom or right):
print("same padding, n=6, kernel 3, stride 2:", convolution.pad_widths(6, 3, "same", 2))
print("output size:", convolution.output_size(6, 3, "same", 2))

# %%
# Watch both settings at work on a 5x5 input: the first channel of the worked example
# below, and the first channel of its filter :math:`W_0`. ``"same"`` padding with stride 2
# adds one zero on every side (drawn in grey), and the window moves two cells at a time,
# so it stops at only 3x3 of the positions: :math:`\lfloor (5 - 3 + 2) / 2 \rfloor + 1 = 3`
# per side. As in ``keras.layers.Conv2D``, the kernel is laid on the image as it is,
# without the flip. Pause or step the player to read each sum.
import numpy as np

from convbook.plotting import convolution_animation

x0 = np.array(
    [
        [0, 1, 0, 2, 1],
        [0, 0, 1, 0, 1],
        [2, 1, 2, 1, 2],
        [0, 1, 2, 2, 0],
        [2, 1, 1, 2, 0],
    ]
)
w0 = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
print("same padding, n=5, kernel 3, stride 2:", convolution.pad_widths(5, 3, "same", 2))
print("output size:", convolution.output_size(5, 3, "same", 2))
anim = convolution_animation.animate_convolution(x0, w0, padding="same", stride=2, flip=False)
print("frames, one per output cell:", anim.frame_count)
# sphinx_gallery_thumbnail_number = 2

# %%
# Does a smaller stride or kernel give "more precision"?
# -------------------------------------------------------
# Tutorials sometimes say that a smaller stride or a smaller kernel makes a convolution
# "more precise". Each output number is computed exactly the same way whatever the
# stride; what changes is how many there are and what each one sees. On a 28x28 input
# with "same" padding, 32 filters of 3x3 on one channel:
for stride in (1, 2):
    side = convolution.output_size(28, 3, "same", stride)
    multiplies = side * side * 32 * 3 * 3
    print(f"stride {stride}: {side}x{side} outputs per filter, {multiplies:,} multiplications")
for kernel in (3, 5):
    weights = kernel * kernel * 32 + 32
    print(f"kernel {kernel}x{kernel}: {weights} weights, each output sees {kernel}x{kernel} pixels")

# %%
# Stride 1 samples the map four times as densely as stride 2, so the next layer knows more
# exactly *where* a pattern was, and pays four times the arithmetic and memory for it. A
# 3x3 kernel has fewer weights than a 5x5 one but sees less of the image per layer; two
# stacked 3x3 layers see 5x5 again (the chapter on connection graphs counts this). Whether
# either choice makes a network more *accurate* is not settled by arithmetic; it is
# measured by training, as Part II does.

# %%
# Channels: the classic worked example
# ------------------------------------
# A colour image has three channels (red, green, blue), so its shape is
# ``(height, width, 3)``. A filter then has one 3x3 slice per input channel, shape
# ``(3, 3, 3)``. At each position the filter multiplies-and-adds each channel with its own
# slice, adds the three partial sums, and adds one bias:
#
# .. math::
#
#    Y[i, j, f] = b_f + \sum_{c} \sum_{m, n} X_{pad}[iS + m, \; jS + n, \; c] \, W[m, n, c, f]
#
# Every filter produces one output channel. Our example, in the style of the CS231n
# course notes: a 5x5x3 input, padded by 1 to 7x7x3, two filters :math:`W_0` and
# :math:`W_1` with biases :math:`b_0 = 1` and :math:`b_1 = 0`, stride 2.
example = convolution.multichannel_example()
print("input shape:", example.x.shape, "-> padded:", example.padded.shape)
print("weights shape (kh, kw, in_channels, filters):", example.weights.shape)
print("biases:", example.biases)
print("output size per axis:", convolution.output_size(5, 3, padding=1, stride=2))

# %%
# Here are the padded input (the first window outlined) and filter :math:`W_0`, one
# matrix per channel.
conv_plots.show_channels(
    example.padded, title="Padded input: the first 3x3x3 window", highlight=(0, 0, 3, 3)
)
conv_plots.show_channels(
    example.weights[..., 0],
    title="Filter W0: one 3x3 slice per input channel",
    cmap="RdBu_r",
    symmetric=True,
)

# %%
# Every intermediate sum
# ----------------------
# Each line is one output number: the three per-channel partial sums, the bias, and the
# total. With stride 2 the window's top-left corner moves to rows and columns 0, 2, 4 of
# the padded input.
for cell in example.cells:
    print(cell)

# %%
# Gathered into two 3x3 output channels (:func:`convbook.convolution.conv2d` computes
# them in one call, and the totals above agree with it):
print("output channel 0:\n", example.output[..., 0])
print("output channel 1:\n", example.output[..., 1])
print("cell sums agree with conv2d:", example.cells_agree_with_conv2d)
conv_plots.show_channels(
    example.output,
    title="Output: one 3x3 map per filter",
    channel_label="filter",
    cmap="RdBu_r",
    symmetric=True,
)

# %%
# The same numbers from Keras
# ---------------------------
# ``keras.layers.Conv2D`` stores its weights in exactly this layout,
# ``(kernel_height, kernel_width, in_channels, filters)``, plus one bias per filter. We
# give it our weights and the padded input and compare.
import numpy as np

from_keras = convolution.keras_conv2d(
    example.x, example.weights, example.biases, stride=example.stride, padding=example.padding
)
print("Keras output channel 0:\n", from_keras[..., 0])
print("same as conv2d:", np.array_equal(from_keras, example.output))

# %%
# Counting parameters
# -------------------
# A layer with :math:`K` filters of size :math:`F_h \times F_w` on :math:`C` input
# channels learns
#
# .. math:: K \times (F_h \times F_w \times C) + K
#
# numbers: the weights plus one bias per filter. The example layer has
# :math:`2 \times 27 + 2`:
print("example layer:", convolution.conv_params(3, in_channels=3, filters=2))

# %%
# The classic MNIST network starts with 32 filters of 3x3 on a grey 28x28 image, then 64
# filters of 3x3 on those 32 channels. We add a 1x1 layer with 8 filters (a 1x1 kernel
# only mixes channels). The formula and Keras' ``count_params()`` agree:
counts = convolution.parameter_counts()
print(counts.summary())
counts.model.summary()

# %%
# Note that the image size never enters the formula. The second layer has 18496
# parameters whether its input is 26x26 or 2600x2600.
#
# Why weight sharing makes convolution cheap
# ------------------------------------------
# Suppose we wanted 32 feature maps of 28x28 from a 28x28 grey image. A dense layer
# connects every one of the 784 inputs to every one of the 25088 outputs. A ``"same"``
# convolution gets the same output shape by reusing one 3x3 kernel per map at every
# position:
sharing = convolution.dense_vs_conv(height=28, width=28, in_channels=1, filters=32)
print(f"inputs: {sharing.inputs}, outputs: {sharing.outputs}")
print(f"dense layer: {sharing.dense_params:,} parameters")
print(f"conv layer:  {sharing.conv_params:,} parameters")
print(f"the dense layer needs {sharing.ratio:,.0f} times as many")

# %%
# The convolution is not just smaller. It builds in two assumptions that hold for images:
# an output pixel depends on a small neighbourhood (*local connectivity*), and a pattern
# worth detecting in one place is worth detecting everywhere (*weight sharing*). Fewer
# parameters then means less to learn from the same data, and less overfitting.

# %%
# One, two or three dimensions
# ----------------------------
# The same arithmetic holds along every axis a kernel slides over. ``Conv1D`` slides along
# one axis (a sound, a sensor reading, a sentence of word vectors), ``Conv2D`` along two
# (images), ``Conv3D`` along three (a video's frames, a medical scan's slices). Each output
# axis follows the size formula, and each filter has one weight per kernel cell per input
# channel, plus a bias:
import keras

examples = {
    "Conv1D(8, 3) on 100 steps x 1 channel": (keras.layers.Conv1D(8, 3), (100, 1)),
    "Conv2D(8, 3) on 28 x 28 x 1": (keras.layers.Conv2D(8, 3), (28, 28, 1)),
    "Conv3D(4, 3) on 16 x 16 x 16 x 1": (keras.layers.Conv3D(4, 3), (16, 16, 16, 1)),
}
for label, (layer, shape) in examples.items():
    output = layer.compute_output_shape((None, *shape))
    layer.build((None, *shape))
    print(f"{label}: output {output[1:]}, {layer.count_params()} parameters")

# %%
# Exercises
# ---------
# 1. Predict the output size for a 28x28 input, 5x5 kernel, ``padding="valid"``,
#    stride 1; then for stride 2. Check with ``convolution.output_size``.
# 2. For which input sizes does ``"same"`` padding with a 3x3 kernel and stride 2 put
#    more zeros at the bottom than at the top? Use ``convolution.pad_widths``.
# 3. In ``convolution.parameter_counts``, give the first layer 6 filters of 5x5 on a
#    32x32 input (LeNet's first layer). How many parameters does it have?
# 4. How does ``dense_vs_conv`` change for a 224x224x3 colour image with 64 filters?
#    Why does the ratio grow so fast with image size?

# %%
# Solutions
# ---------
#
# Try each exercise on your own before you read its solution. The solutions are run
# every time the book is built, so the numbers they print come from this library.
#
# .. solution:: Exercise 1
#
#    Predict first. With ``"valid"`` padding :math:`P = 0`. At stride 1 the 5-wide window
#    fits at :math:`28 - 5 + 1 = 24` positions, so the output is 24x24. At stride 2 only
#    every other position is kept: :math:`\lfloor (28 - 5) / 2 \rfloor + 1 = 11 + 1 = 12`,
#    so 12x12. The floor matters here: the windows start at columns 0, 2, ..., 22, and a
#    thirteenth one, starting at 24, would need column 28, which does not exist, so the
#    last column of the input is never read.
for stride in (1, 2):
    side = convolution.output_size(28, 5, "valid", stride)
    print(f"28x28 input, 5x5 kernel, valid, stride {stride}: {side}x{side}")

# %%
# .. solution:: Exercise 2
#
#    For every even input size. ``"same"`` with stride 2 must give :math:`\lceil n / 2
#    \rceil` windows, and those windows span :math:`2 (\lceil n / 2 \rceil - 1) + 3` cells.
#    For odd :math:`n` that is :math:`n + 2`: two zeros, one on each side. For even
#    :math:`n` it is :math:`n + 1`: a single zero, which Keras puts at the end, so the top
#    gets none and the bottom gets one. The same holds for the columns (left and right).
for n in range(1, 11):
    before, after = convolution.pad_widths(n, 3, "same", 2)
    note = "  <- more at the bottom" if after > before else ""
    print(f"n={n:2d}: top {before}, bottom {after}{note}")

# %%
# .. solution:: Exercise 3
#
#    Each of the 6 filters has :math:`5 \times 5 \times 1 = 25` weights (one grey channel)
#    and one bias, so the layer has :math:`6 \times 25 + 6 = 156` parameters. The 32x32
#    input size plays no part: it only sets the output size, 28x28x6. Note that the next
#    layer changes too: it now reads 6 channels instead of 32, so it has
#    :math:`64 \times (3 \times 3 \times 6) + 64 = 3520` parameters instead of 18496.
lenet_counts = convolution.parameter_counts([(6, 5), (64, 3), (8, 1)], input_shape=(32, 32, 1))
print(lenet_counts.summary())
print("first layer's output:", lenet_counts.model.layers[0].output.shape)

# %%
# .. solution:: Exercise 4
#
#    The dense layer joins each of the :math:`224 \cdot 224 \cdot 3 = 150528` inputs to
#    each of the :math:`224 \cdot 224 \cdot 64 = 3211264` outputs: about 483 billion
#    parameters, against :math:`64 \times 27 + 64 = 1792` for the convolution, some 270
#    million times fewer. Both the number of inputs and the number of outputs grow with
#    the pixel count :math:`HW`, so the dense layer grows with :math:`(HW)^2`, while the
#    convolution's count never depends on the image size. The ratio is close to
#    :math:`(HW)^2 \, C / (9C + 1)`, so doubling the side multiplies it by 16.
big = convolution.dense_vs_conv(height=224, width=224, in_channels=3, filters=64)
print(f"dense layer: {big.dense_params:,} parameters")
print(f"conv layer:  {big.conv_params:,} parameters")
print(f"ratio: {big.ratio:,.0f}")
for side in (28, 56, 112, 224):
    ratio = convolution.dense_vs_conv(side, side, in_channels=3, filters=64).ratio
    print(f"{side}x{side}x3: the dense layer needs {ratio:,.0f} times as many")
plt.show()
