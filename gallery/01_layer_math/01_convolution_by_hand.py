"""
Convolution by hand
===================

A convolutional network is built from one small operation: lay a grid of weights (the
kernel) over a patch of the image, multiply cell by cell, and add the products up. This
chapter does that operation on paper-sized numbers, step by step, then checks the result
against SciPy. Along the way it answers a question that puzzles most newcomers: why the
textbook definition flips the kernel first, and why deep-learning frameworks quietly skip
the flip. Everything later in the book (padding, stride, channels, pooling) is
bookkeeping around this one multiply-and-add.
"""

# %%
# An image and a kernel
# ---------------------
# Our image :math:`X` is a 6x6 grid of brightness values: a bright border (10) along the
# top and left, a darker area (5), and a bright block (10) in the lower right. The
# kernel :math:`K` is 3x3. Real images have hundreds of pixels a side, but the arithmetic
# is the same.
import matplotlib.pyplot as plt

from convbook import convolution
from convbook.plotting import convolution as conv_plots

worked = convolution.hand_convolution()
print("image X:\n", worked.image)
print("kernel K:\n", worked.kernel)

# %%
# Step 1: rotate the kernel by 180 degrees
# ----------------------------------------
# The mathematical definition of 2-D convolution is
#
# .. math::
#
#    Z[i, j] = \sum_{m} \sum_{n} X[i + m, \; j + n] \; K[k_h - 1 - m, \; k_w - 1 - n]
#
# for the "valid" positions, where the kernel lies wholly inside the image. The
# indices :math:`k_h - 1 - m` and :math:`k_w - 1 - n` read the kernel backwards in both
# directions: the kernel is rotated by 180 degrees (flipped up-down and left-right)
# before it touches the image. ``convolution.flip`` does that rotation.
print("flipped kernel:\n", worked.flipped_kernel)

# %%
# Step 2: multiply and add
# ------------------------
# Put the flipped kernel on the top-left 3x3 patch of the image, multiply the numbers
# that sit on top of each other, and add the nine products. That sum is the first value
# of the output.
print("patch under the kernel:\n", worked.patch)
print("products:\n", worked.products)
print(worked.products_sum())

# %%
# The answer is 15. The figure shows the same step: the outlined window of the image, the
# flipped kernel laid on it, and the output cell it produces.
conv_plots.show_convolution_step(
    worked.image, worked.flipped_kernel, worked.output, worked.position
)

# %%
# Step 3: slide over every position
# ---------------------------------
# Shift the window one column to the right and repeat; at the end of a row, go down one
# row and start again from the left. A 6x6 image has :math:`6 - 3 + 1 = 4` valid
# positions in each direction, so the output is 4x4:
print(worked.output)

# %%
# Watch steps 2 and 3 together. The flipped kernel slides over the image, one position
# per frame: the red window is the patch under it (the kernel's weights are written in
# its corners), the middle panel shows the nine products and their sum, and the sum
# fills in its cell of the output. There is one frame per output cell, 16 in all. Pause
# the player, or step through it frame by frame with its buttons. The image and the
# kernel are written out in full, the same numbers as above: change one and run the cell
# again.
import numpy as np

from convbook.plotting import convolution_animation

image = np.array(
    [
        [10, 10, 10, 10, 10, 10],
        [10, 5, 5, 5, 5, 5],
        [10, 5, 5, 5, 5, 5],
        [10, 5, 5, 10, 10, 10],
        [10, 5, 5, 10, 10, 10],
        [10, 5, 5, 10, 10, 10],
    ]
)
kernel = np.array([[-1, -1, 0], [-1, 0, 1], [0, 1, 1]])
print("same image as above:", np.array_equal(image, worked.image))
print("same kernel as above:", np.array_equal(kernel, worked.kernel))
anim = convolution_animation.animate_convolution(image, kernel)
print("frames, one per output cell:", anim.frame_count)

# %%
# The output is large where the window straddles the bright border (top row and left
# column, and the 15 in the corner where both meet), strongly negative where it straddles
# the edge of the bright block, and exactly zero in the flat interior of the block
# (bottom right), where the kernel's weights cancel. A kernel turns "is there this
# pattern here?" into a number.
#
# SciPy's ``scipy.signal.convolve2d`` computes the same thing with compiled loops. Our
# NumPy version agrees with it exactly:
print("equal to scipy.signal.convolve2d:", worked.matches_scipy)
print(worked.scipy_output)

# %%
# Why flip at all? An example in one dimension
# --------------------------------------------
# Take a signal that is zero except for a single 1 (an *impulse*) and the kernel
# ``[1, 2, 3]``. Slide the kernel along the signal *without* flipping it (this is called
# *cross-correlation*) and, with it, *with* the flip (convolution). Both outputs have
# the signal's length (``mode="same"``).
flip_demo = convolution.why_flip()
print("signal:      ", flip_demo.signal)
print("kernel:      ", flip_demo.kernel)
print("correlation: ", flip_demo.correlation)
print("convolution: ", flip_demo.convolution)
conv_plots.show_impulse_response(
    flip_demo.signal, flip_demo.kernel, flip_demo.correlation, flip_demo.convolution
)

# %%
# Without the flip the impulse comes out as ``3, 2, 1``: the kernel backwards. With
# the flip it comes out as ``1, 2, 3``: the kernel itself. Flipping is what makes a
# kernel behave as an *impulse response*: convolving with a single spike returns the
# kernel, and convolving with any signal adds up shifted, scaled copies of the kernel.
# That gives convolution its algebra (it is commutative and associative, so two filters
# in a row equal one combined filter), which is why signal processing defines it this way.
#
# Convolution is correlation with the flipped kernel
# --------------------------------------------------
# The two operations differ only by that rotation. With the "valid" and "full" modes
# the identity is exact:
#
# .. math:: X * K = X \star \operatorname{flip}(K)
import numpy as np

as_correlation = convolution.correlate2d(worked.image, convolution.flip(worked.kernel))
print(
    "correlate2d(X, flip(K)) equals convolve2d(X, K):",
    np.array_equal(as_correlation, worked.output),
)

# %%
# Why frameworks do not flip
# --------------------------
# ``keras.layers.Conv2D``, PyTorch's ``Conv2d`` and TensorFlow's ``conv2d`` all compute
# cross-correlation, even though they call it convolution. In a network the kernel's
# numbers are not chosen by hand; they are *learned* from data, starting from random
# values. If the best kernel for a task were :math:`K`, training a correlation layer
# would simply find :math:`\operatorname{flip}(K)` instead. The flip changes nothing
# about what the layer can express, so frameworks skip the extra step. A nice side
# effect: the learned kernel *looks like* the pattern it responds to, which makes kernels
# easy to read (Chapter 3).
#
# The same layer in correlation form gives, on our image:
print(convolution.correlate2d(worked.image, worked.kernel))

# %%
# Exercises
# ---------
# 1. Call ``convolution.hand_convolution(position=(1, 1))`` and check the printed sum
#    against the output matrix. Which part of the image is under the window?
# 2. Replace the kernel by ``[[0, 0, 0], [0, 1, 0], [0, 0, 0]]``. What does the output
#    look like, and why is that kernel called the identity?
# 3. Pass a symmetric kernel such as ``[[1, 2, 1], [2, 4, 2], [1, 2, 1]]`` to
#    ``convolve2d`` and ``correlate2d``. Why are the two results equal?
# 4. Change the impulse in ``convolution.why_flip(signal=[0, 1, 0, 0, 1, 0])``. Predict
#    the convolution before running it: where do the copies of the kernel land?

# %%
# Solutions
# ---------
#
# Try each exercise on your own before you read its solution. The solutions are run
# every time the book is built, so the numbers they print come from this library.
#
# .. solution:: Exercise 1
#
#    Output position (1, 1) puts the window on rows 1-3 and columns 1-3 of the image: the
#    dark area (all 5s) just inside the bright border, except its bottom-right cell, which
#    is the top-left corner of the bright block (a 10). The flipped kernel has a -1 there,
#    so that single bright pixel tips the sum: the 5s add up to 5 (three sit under a +1,
#    two under a -1) and the 10 takes away 10, giving -5, the value at row 1, column 1
#    of the output.
at_1_1 = convolution.hand_convolution(position=(1, 1))
print("patch under the window:\n", at_1_1.patch)
print(at_1_1.products_sum())
print("output[1, 1]:", at_1_1.output[1, 1])

# %%
# .. solution:: Exercise 2
#
#    The identity kernel has a single 1 in its centre, and it is its own 180-degree
#    rotation, so each output value is just the pixel under the kernel's centre. With
#    ``"valid"`` positions those centres are rows and columns 1 to 4, so the 4x4 output is
#    the image with its one-pixel frame cut off. The kernel is called the identity because
#    with ``mode="same"`` it gives back the image unchanged, just as multiplying by 1 does.
identity = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
through_identity = convolution.hand_convolution(kernel=identity).output
print(through_identity)
print("equals the image without its border:", np.array_equal(through_identity, image[1:-1, 1:-1]))
same_size = convolution.convolve2d(image, identity, mode="same")
print("same mode gives the image back:", np.array_equal(same_size, image))

# %%
# .. solution:: Exercise 3
#
#    Convolution is correlation with the kernel rotated by 180 degrees. This kernel reads
#    the same after that rotation (its first row equals its last row reversed, and so on),
#    so :math:`\operatorname{flip}(K) = K` and the two operations multiply every patch by
#    exactly the same weights. A kernel that is only mirror-symmetric left to right is not
#    enough: rotating ``sobel y`` of Chapter 3 turns it into its negative.
symmetric = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
convolved = convolution.convolve2d(image, symmetric)
correlated = convolution.correlate2d(image, symmetric)
print(convolved)
print("flip(K) equals K:", np.array_equal(convolution.flip(symmetric), symmetric))
print("convolve2d equals correlate2d:", np.array_equal(convolved, correlated))

# %%
# .. solution:: Exercise 4
#
#    Predict first. Convolution adds one copy of the kernel ``[1, 2, 3]`` for each impulse,
#    scaled by the impulse's height, and ``mode="same"`` centres each copy on its impulse.
#    The impulses at positions 1 and 4 therefore put ``1, 2, 3`` on positions 0-2 and again
#    on 3-5. The copies do not overlap, so nothing is added up and the result is
#    ``[1, 2, 3, 1, 2, 3]``. Correlation lays the kernel backwards instead:
#    ``[3, 2, 1, 3, 2, 1]``. The check:
two_impulses = convolution.why_flip(signal=[0, 1, 0, 0, 1, 0])
print("convolution:", two_impulses.convolution)
print("correlation:", two_impulses.correlation)
print("as predicted:", two_impulses.convolution.tolist() == [1, 2, 3, 1, 2, 3])
plt.show()
