"""
Filters on a real image
=======================

Long before neural networks, image processing used small hand-designed kernels to blur,
sharpen and find edges. Sliding them over a photograph shows what a kernel really is: a
*feature detector* that answers, at every pixel, "how much does the neighbourhood here
look like my pattern?". This chapter applies the classic kernels to a portrait of Grace
Hopper and measures what each one keeps. The first layer of a trained CNN contains
kernels that look strikingly like these; the difference is that the network learns them
from data instead of having them designed.
"""

# %%
# The photograph
# --------------
# Matplotlib ships a portrait of Grace Hopper as sample data, so this chapter works
# offline. We convert it to grey levels between 0 (black) and 1 (white).
import matplotlib.pyplot as plt

from convbook import convolution
from convbook.plotting import convolution as conv_plots

photo = convolution.load_sample_photo()
print("shape:", photo.shape, " grey levels from", photo.min().round(3), "to", photo.max().round(3))

# %%
# The kernels
# -----------
# Each kernel is a small matrix of weights:
#
# * **box blur** and **gaussian blur** average a neighbourhood (their weights are
#   positive and add up to 1, so a flat area keeps its brightness);
# * **sharpen** is the pixel plus its difference from its four neighbours;
# * **sobel x** and **sobel y** subtract one side of the window from the other: they
#   respond to brightness changing from left to right, or from top to bottom;
# * **laplacian** compares a pixel with the average of its neighbours: it responds to
#   change in any direction.
#
# The edge kernels' weights add up to 0, so on a flat area they output exactly 0.
kernels = convolution.named_kernels()
from convbook.tables import format_table

print(format_table([(n, float(k.sum())) for n, k in kernels.items()], ("kernel", "sum of weights")))
conv_plots.show_kernels(
    {name: kernels[name] for name in ("box blur", "sharpen", "sobel x", "sobel y", "laplacian")}
)

# %%
# Filtering the photo
# -------------------
# We slide each kernel over the photo as a ``Conv2D`` layer does: cross-correlation, no
# flip (Chapter 1), so each kernel *looks like* the pattern it detects. For speed this uses
# SciPy's compiled ``correlate2d`` (our NumPy version gives the same numbers, but a 600x512
# image is a job for compiled loops). At the border the image is mirrored rather than
# padded with zeros: a frame of zeros would be a sharp dark edge that every edge detector
# would light up on.
filtered = convolution.apply_filters(photo)
conv_plots.show_filter_bank(
    photo,
    filtered,
    order=["gaussian blur", "sharpen", "sobel x", "sobel y", "laplacian"],
)

# %%
# In the edge maps, red marks brightness rising (left to right for ``sobel x``, top to
# bottom for ``sobel y``) and blue marks it falling; white means "no edge here", which is
# most of the picture. ``sobel x`` picks out near-vertical outlines (the sides of the tie
# and the jacket, the points of the stars), ``sobel y`` near-horizontal ones (the cap,
# the rims of the glasses, the rows of ribbons). The laplacian finds both. The blurred
# photo is softer; the sharpened one has crisper detail and more visible grain.
#
# Measuring what each kernel keeps
# --------------------------------
stats = convolution.describe_responses({"original": photo, **filtered})
print(convolution.format_responses(stats))

# %%
# Three things to read off the table:
#
# * The blurs keep the mean brightness but lower the standard deviation: averaging
#   neighbours removes fine detail and noise.
# * Sharpening raises the standard deviation: it exaggerates differences between a pixel
#   and its neighbours.
# * The edge detectors average close to 0 and their mean absolute value is small: most of
#   a photo is smooth, and edges are rare. That sparsity is what makes them useful
#   features.
#
# A kernel is a feature detector
# ------------------------------
# To see the "detector" idea without the clutter of a photo, take a 6x6 image that is
# dark on the left and bright on the right, and apply the two Sobel kernels.
step = convolution.step_image(6, "vertical")
responses = convolution.apply_filters(
    step, {name: kernels[name] for name in ("sobel x", "sobel y")}
)
print("image:\n", step)
print("sobel x response:\n", responses["sobel x"])
print("sobel y response:\n", responses["sobel y"])

# %%
# ``sobel x`` answers 4 on the two columns beside the vertical edge and 0 everywhere else;
# ``sobel y``, which looks for horizontal edges, answers 0 everywhere. The kernel fires
# exactly where its pattern is present.
fig, axes = plt.subplots(1, 3, figsize=(10, 4), layout="constrained")
conv_plots.show_matrix(step, axes[0], title="image: a vertical edge", cmap="gray")
conv_plots.show_matrix(
    responses["sobel x"], axes[1], title="sobel x fires on it", cmap="RdBu_r", symmetric=True
)
conv_plots.show_matrix(
    responses["sobel y"], axes[2], title="sobel y stays silent", cmap="RdBu_r", symmetric=True
)
fig.suptitle("A kernel responds only where its pattern is in the image")

# %%
# What the first layer of a CNN learns
# ------------------------------------
# A ``Conv2D`` layer is a bank of such kernels, run side by side; each produces one feature
# map. Nobody designs them: they start random, and training adjusts every weight to make
# the network's predictions better. When you look at the first-layer kernels of a trained
# image classifier you find edge detectors at various angles, blob and colour-contrast
# detectors, and blurs, much like the hand-made ones above. Deeper layers then combine
# these simple feature maps into detectors for corners, textures, parts, and whole objects.
#
# Exercises
# ---------
# 1. Make a diagonal-edge kernel (for example ``[[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]``),
#    pass it to ``convolution.apply_filters`` and find where the photo responds most.
# 2. Apply ``box blur`` twice (filter the blurred image again). How does the standard
#    deviation change, and what does the result look like?
# 3. Multiply the ``sharpen`` kernel's centre weight by 2 (and keep the others). Why does
#    the image get brighter? Hint: what do the weights add up to now?
# 4. Run ``convolution.step_image(6, "horizontal")`` through both Sobel kernels and
#    predict the result before you print it.

# %%
# Solutions
# ---------
#
# Try each exercise on your own before you read its solution. The solutions are run
# every time the book is built, so the numbers they print come from this library.
#
# .. solution:: Exercise 1
#
#    The kernel's positive weights sit in the top-right corner and its negative ones in the
#    bottom-left, and they add up to 0. Used as a template (no flip), it answers most
#    strongly where the top-right of a window is bright and the bottom-left is dark: on a
#    straight edge that runs from top-left to bottom-right. In the portrait the strongest
#    answer is on the edge of the white shirt collar against the dark tie, just right of
#    the knot (around row 416, column 287). The strongest negative answer, the same edge
#    with bright and dark swapped, is on the white embroidery at the front of the cap.
import numpy as np

diagonal = np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]])
diagonal_response = convolution.apply_filters(photo, {"diagonal": diagonal})["diagonal"]
row, col = (int(i) for i in np.unravel_index(diagonal_response.argmax(), photo.shape))
weakest = tuple(int(i) for i in np.unravel_index(diagonal_response.argmin(), photo.shape))
print(f"largest response {diagonal_response.max():.2f} at (row, column) {(row, col)}")
print(f"most negative {diagonal_response.min():.2f} at (row, column) {weakest}")
print("the photo around the largest one (every other pixel):")
print(photo[row - 6 : row + 7 : 2, col - 6 : col + 7 : 2].round(1))

# %%
# .. solution:: Exercise 2
#
#    The standard deviation drops again, from 0.264 to 0.260, a smaller step than the
#    first pass (0.270 to 0.264): the first blur has already removed most of the
#    pixel-to-pixel detail, so there is less left to smooth. Two 3x3 box blurs in a row
#    are one 5x5 blur whose weights rise towards the centre (the outer product of
#    ``1, 2, 3, 2, 1`` with itself, over 81), so the result looks softer than one pass and
#    very much like the 5x5 Gaussian blur. The code checks both claims and shows a crop.
box = {"box blur": kernels["box blur"]}
blurred_once = filtered["box blur"]
blurred_twice = convolution.apply_filters(blurred_once, box)["box blur"]
for label, shown in (("original", photo), ("once", blurred_once), ("twice", blurred_twice)):
    print(f"std, {label}: {shown.std():.3f}")
tent = np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]) / 81
one_5x5_pass = convolution.apply_filters(photo, {"tent": tent})["tent"]
print("twice the box blur = one 5x5 tent blur:", np.allclose(blurred_twice, one_5x5_pass))
print(f"std of the 5x5 gaussian blur: {filtered['gaussian blur'].std():.3f}")
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), layout="constrained")
crop = (slice(160, 260), slice(180, 330))
stages = {"original": photo, "box blur once": blurred_once, "box blur twice": blurred_twice}
for ax, (label, shown) in zip(axes, stages.items(), strict=True):
    ax.imshow(shown[crop], cmap="gray", vmin=0, vmax=1, extent=(180, 330, 260, 160))
    ax.set(title=label, xlabel="column", ylabel="row")
fig.suptitle("The glasses: each box blur softens the edges a little more")

# %%
# .. solution:: Exercise 3
#
#    The ``sharpen`` weights add up to 1 (5 minus four 1s), which is why it keeps a flat
#    area's brightness. With a centre of 10 they add up to 6, so a flat area of brightness
#    :math:`b` comes out as :math:`6b`. Put differently, the new kernel is ``sharpen`` plus
#    5 times the identity, so the result is the sharpened photo plus 5 copies of the photo.
#    The mean brightness goes from 0.302 to 6 times that, about 1.81, and about half the
#    pixels end up above 1 (pure white on screen).
brighter = kernels["sharpen"].copy()
brighter[1, 1] *= 2
print("weights add up to:", brighter.sum())
brighter_photo = convolution.apply_filters(photo, {"brighter": brighter})["brighter"]
print(f"mean: photo {photo.mean():.3f}, new kernel {brighter_photo.mean():.3f}")
print(f"share of pixels above 1: {(brighter_photo > 1).mean():.2f}")
print("= sharpened + 5 x photo:", np.allclose(brighter_photo, filtered["sharpen"] + 5 * photo))

# %%
# .. solution:: Exercise 4
#
#    Predict first. The horizontal step is the vertical one turned on its side (dark top,
#    bright bottom), and ``sobel y`` is ``sobel x`` turned the same way, so the answers
#    swap roles. ``sobel y`` gives 4 in rows 2 and 3, the two rows whose 3x3 window
#    straddles the edge: its bottom row of weights 1, 2, 1 lies on bright pixels and its
#    top row on dark ones, :math:`1 + 2 + 1 = 4`. Every other row sees a flat area and
#    gives 0. ``sobel x`` looks for a left-to-right change, finds none, and gives 0
#    everywhere. The check:
horizontal = convolution.step_image(6, "horizontal")
sideways = convolution.apply_filters(horizontal, {n: kernels[n] for n in ("sobel x", "sobel y")})
print("image:\n", horizontal)
print("sobel x response:\n", sideways["sobel x"])
print("sobel y response:\n", sideways["sobel y"])
print("the vertical case transposed:", np.array_equal(sideways["sobel y"], responses["sobel x"].T))
plt.show()
