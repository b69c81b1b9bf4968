"""
What the network learned
========================

A trained network is not a black box: its weights and its intermediate results are arrays
you can look at. In this chapter you train a small CNN on MNIST and then open it up. You
draw the first layer's filters and compare them with the hand-made kernels of Part I,
follow one test digit through every convolution and pooling layer, check that a feature
map is exactly the cross-correlation you computed by hand, look at the digits the network
gets wrong and at the confusion matrix, and score the test set in chunks, the standard cure
for a GPU running out of memory. Looking inside is how you find out whether a network
learned what you hoped, and where it fails.
"""

# %%
# A small CNN to look into
# ------------------------
#
# ``compact_cnn`` has two convolution layers, each followed by 2x2 max pooling, then a
# dense layer and ten outputs. Its last layer has no softmax: it outputs one raw score
# (a *logit*) per digit, and the largest score is the prediction. In a build of the
# whole book this is the network that the chapters
# :ref:`Dense vs. CNN <sphx_glr_auto_gallery_02_training_05_dense_vs_cnn.py>` and
# :ref:`A deep CNN <sphx_glr_auto_gallery_02_training_06_a_deep_cnn.py>` used: the same
# seeded recipe, so
# :func:`~convbook.recipes.run_recipe` reuses it rather than train it a third time.
from convbook import recipes

result = recipes.run_recipe("compact_cnn_mnist")
model = result.model

# %%
# The Keras code
# --------------
#
# The network this page trains is defined in :mod:`convbook.models`; this is its code,
# printed from the library itself with :func:`convbook.models.source`, so the page and
# the library cannot disagree.
# Two small helpers recur: ``softmax_output(n)`` is
# ``layers.Dense(n, activation="softmax")``, and ``assemble`` feeds a ``keras.Input``
# through the listed layers, in order, into a ``keras.Model``.
from convbook import models

print(models.source("compact_cnn"))
print(
    f"test accuracy {result.test_accuracy:.4f}, fit time {result.wall_time_s:.1f} s, "
    f"device: {result.device}"
)
print(recipes.target_verdict("compact_cnn_mnist", result.test_accuracy))
for layer in model.layers:
    print(f"{layer.name:8s} {type(layer).__name__:13s} output {layer.output.shape}")

# %%
# The first layer's filters
# -------------------------
#
# The first convolution has 32 filters of 3x3 weights, one input channel (grey) each.
# :func:`convbook.inspection.first_layer_filters` returns its kernel, shaped
# ``(height, width, input channels, filters)``. Each filter is drawn below with its
# weights written in: red weights add the brightness under them, blue ones subtract it.
from convbook import inspection
from convbook.plotting import inspection as inspection_plots

filters = inspection.first_layer_filters(model)
print("first-layer kernel:", filters.shape)
fig = inspection_plots.show_filters(
    filters, title="compact_cnn on MNIST: the 32 learned 3x3 filters"
)

# %%
# Back to Part I: edge detectors
# ------------------------------
#
# The chapter "Filters on a real image" slid hand-designed kernels over a photograph:
# Sobel kernels that subtract one side of the window from the other and find edges, a
# Laplacian that finds change in any direction, a box blur that averages. Many of the
# learned filters above have the same make-up, a positive side and a negative side. To
# measure the resemblance we treat each 3x3 filter as a list of nine numbers and compute
# its *cosine similarity* with each classic kernel: 1 for the same pattern (at any scale),
# -1 for the same pattern with the sign flipped (an edge of the opposite polarity), near
# 0 for unrelated patterns. For each classic kernel we report the learned filter that
# matches it best.
#
# Is a close match meaningful? As a yardstick we do the same for the filters the network
# *started* with: :func:`convbook.recipes.run_recipe` seeds every random generator with 0
# before it builds the model, so seeding again and building the same model reproduces the
# untrained weights exactly.
import numpy as np

from convbook import activations, convolution, models, training

training.seed_everything(0)
untrained = models.build("compact_cnn")
start_filters = inspection.first_layer_filters(untrained)
classic = convolution.named_kernels()


def best_match(bank, kernel):
    """Index and cosine similarity of the filter in ``bank`` most like ``kernel``."""
    flat = bank[:, :, 0, :].reshape(-1, bank.shape[-1])
    similarity = kernel.ravel() @ flat / (np.linalg.norm(kernel) * np.linalg.norm(flat, axis=0))
    index = int(np.argmax(np.abs(similarity)))
    return index, float(similarity[index])


matches, same_filter = {}, 0
print("kernel      learned filter (similarity)   untrained filter (similarity)")
for name in ("sobel x", "sobel y", "laplacian", "box blur"):
    matches[name] = best_match(filters, classic[name])
    index, similarity = matches[name]
    start_index, start_similarity = best_match(start_filters, classic[name])
    same_filter += index == start_index
    print(
        f"{name:10s}  {index:2d} ({similarity:+.2f})"
        f"                     {start_index:2d} ({start_similarity:+.2f})"
    )
print(f"the best match is the same filter before and after training for {same_filter} of 4")

# %%
# Side by side, the two Sobel kernels and their closest learned filters. (A negative
# similarity means the learned filter is the kernel with its signs swapped: it finds the
# same edges, from the other side.)
from convbook.plotting import convolution as conv_plots

pairs = {}
for name in ("sobel x", "sobel y"):
    index, similarity = matches[name]
    pairs[name] = classic[name]
    pairs[f"learned filter {index}\n(similarity {similarity:+.2f})"] = filters[:, :, 0, index]
fig = conv_plots.show_kernels(
    pairs, title="Hand-made Sobel kernels and the closest learned filters"
)

# %%
# Compare the two columns of the table. A 3x3 filter has only nine weights, and among 32
# random sets of nine numbers a few are bound to point roughly in the direction of any
# given pattern, so even the untrained network scores well on this measure. The last line
# says how often the best match is the very filter that matched before training: training
# does not invent edge detectors from nothing, it reshapes the filters that are there into
# a set that is useful together, and it changes the later layers too. The relative change
# of each layer's weights from their starting values shows how much:
import keras

for trained_layer, start_layer in zip(model.layers, untrained.layers, strict=True):
    if trained_layer.weights:
        now = keras.ops.convert_to_numpy(trained_layer.kernel)
        before = keras.ops.convert_to_numpy(start_layer.kernel)
        change = np.linalg.norm(now - before) / np.linalg.norm(before)
        print(f"{trained_layer.name:8s} weights moved by {change:.0%} of their initial size")

# %%
# The resemblance to hand-made kernels is most striking in networks with larger
# first-layer filters trained on photographs: the 11x11 filters of AlexNet's first layer
# (Krizhevsky, Sutskever and Hinton, 2012) famously came out as oriented edges, stripes
# and colour blobs, very much the kernels of Part I, learned from data instead of designed.
#
# One digit through the network
# -----------------------------
#
# A feature map is what one filter makes of the whole image. We take the first test
# digit and ask :func:`convbook.inspection.feature_maps` for the output of every
# convolution and pooling layer. Each row of the figure is one layer: the maps shrink
# (26, 13, 11, 5 pixels) while the number of filters grows (32, then 64). The first
# layer's maps are still recognisably the digit, each lit up where its filter's pattern
# occurs, often along one side of the strokes; after the second convolution and pooling,
# the 5x5 maps only say roughly *where* a feature is, which is what the dense layer needs.
recipe_plan = recipes.get("compact_cnn_mnist").plan()
data = training.prepare(
    "mnist", train_samples=recipe_plan.train_samples, test_samples=recipe_plan.test_samples
)
digit = data.x_test[0]
maps = inspection.feature_maps(model, digit)
for name, values in maps.items():
    print(f"{name:6s} {values.shape}")
fig = inspection_plots.show_feature_maps(
    maps, title=f"Test digit 0 (a {data.y_test[0]}) through compact_cnn", image=digit
)

# %%
# A feature map is a Part I cross-correlation
# -------------------------------------------
#
# Nothing in the first layer is new. Its ``k``-th feature map is the digit
# cross-correlated with filter ``k`` (the slide-multiply-add of Part I, without padding),
# plus the filter's bias, passed through ReLU. :func:`convbook.convolution.correlate2d`,
# the NumPy function of Part I, reproduces every one of the 32 maps:
conv1 = model.get_layer("conv1")
biases = keras.ops.convert_to_numpy(conv1.bias)
by_hand = np.stack(
    [
        np.maximum(convolution.correlate2d(digit[:, :, 0], filters[:, :, 0, k]) + biases[k], 0)
        for k in range(filters.shape[-1])
    ],
    axis=-1,
)
print("by hand:", by_hand.shape, " from Keras:", maps["conv1"].shape)
print(f"largest difference: {np.abs(by_hand - maps['conv1']).max():.1e}")

# %%
# And at the end of the network, the ten scores for this digit. Softmax turns them into
# probabilities; the largest is the prediction.
scores = training.predict_in_batches(model, digit[np.newaxis])
probabilities = activations.softmax(scores)[0]
print("logits:       ", np.round(scores[0], 2))
print("probabilities:", np.round(probabilities, 3))
print(f"prediction: {probabilities.argmax()} (true label {data.y_test[0]})")

# %%
# The mistakes
# ------------
#
# :func:`convbook.training.evaluate` scores the test set the run was tested on (all
# 10,000 images, unless the budget's plan takes a subset; the recipe then draws it with
# seed 0, and so did we) and keeps the true and the predicted digit of each image.
# :func:`convbook.inspection.misclassified` picks out the wrong ones.
from convbook.plotting import training as training_plots

evaluation = training.evaluate(model, data)
wrong = inspection.misclassified(evaluation.y_true, evaluation.y_pred)
print(f"test accuracy {evaluation.accuracy:.4f}: {len(wrong)} of {len(evaluation.y_true)} wrong")
digit_names = data.class_names
fig = training_plots.show_misclassified(
    data.x_test, evaluation.y_true, evaluation.y_pred, digit_names, limit=16
)

# %%
# Look at them before blaming the network: some mistakes are digits written so that a
# person would hesitate too. The confusion matrix counts which digit was taken for which;
# the off-diagonal cells with the largest counts are the pairs to look at:
matrix = training.confusion_matrix(evaluation.y_true, evaluation.y_pred, len(digit_names))
fig = training_plots.show_confusion_matrix(matrix, digit_names, title="compact_cnn on MNIST")
off_diagonal = matrix - np.diag(matrix.diagonal())
for flat in np.argsort(off_diagonal, axis=None)[::-1][:3]:
    true, predicted = np.unravel_index(flat, matrix.shape)
    print(f"a {true} read as a {predicted}: {matrix[true, predicted]} times")

# %%
# Scoring in chunks: predict_in_batches
# -------------------------------------
#
# Training never holds more than one batch of activations at a time, so a network that
# trains fine on a GPU can still fail when it *scores* a large array in one go: the
# activations of every image are computed at once, and the GPU runs out of memory (in
# TensorFlow a ``ResourceExhaustedError``, "OOM"). The cure is to score the array in
# chunks and join the results, which is all :func:`convbook.training.predict_in_batches`
# does (``model.predict`` also batches internally; calling the model directly on a whole
# array does not). Scoring is cheap, so moving it to the CPU is the other way out. The
# chunks give the same numbers as ``model.predict`` on the same images, to float
# rounding:
chunk = 256
in_chunks = training.predict_in_batches(model, data.x_test, batch_size=chunk)
reference = model.predict(data.x_test[:500], verbose=0)
print(f"{len(data.x_test)} images in {-(-len(data.x_test) // chunk)} chunks of {chunk}")
difference = np.abs(in_chunks[:500] - reference).max()
print(f"largest difference from model.predict on 500 images: {difference:.1e}")
print("same predicted digits:", np.array_equal(in_chunks[:500].argmax(1), reference.argmax(1)))

# %%
# Exercises
# ---------
#
# 1. Train ``simple_cnn_mnist`` instead (its first layer also has 32 filters of 3x3) and
#    draw its filters. Do the best matches with the Sobel kernels improve?
# 2. Run the page again with ``CONVBOOK_BUDGET=smoke``, which trains on a small subset for
#    fewer epochs. How far do the first layer's weights move from their starting values
#    then, compared with the run printed above, and do the best matches with the classic
#    kernels get better or worse?
# 3. Pass ``layer_names=["conv2"]`` to :func:`convbook.inspection.feature_maps` and draw
#    all 64 maps with ``max_channels=64``. Can you find maps that respond to the end of a
#    stroke, or to a corner?
# 4. Pick a misclassified digit and look at its probabilities. Was the network nearly
#    sure, or torn between two digits? How does that compare with a correctly classified
#    one?
# 5. Score ``data.x_test`` with ``batch_size=1`` and with ``batch_size=len(data.x_test)``
#    and time both. Why is one image at a time so slow?

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you read its solution. The solutions run whenever the
# book is built; the ones that train use small, explicit plans, so their numbers are this
# build's and say what to look for rather than what a full run would reach.
#
# .. solution:: Exercise 1
#
#    ``simple_cnn``'s first layer has the same shape and initializer as ``compact_cnn``'s
#    and is the first layer built after the same seed, so both networks start from the
#    very same 32 random filters (the first line checks it): any difference in their best
#    matches comes from training alone. A full ``simple_cnn_mnist`` run takes minutes, so
#    the solution trains it on 2,000 images for one epoch. What to look for: the untrained
#    filters already match well, and a short run moves them only a little, so expect
#    small changes of the similarities, not clean Sobel kernels. Compare a run of the same
#    length, not the longer one above, before you credit one network's design: the next
#    solution trains ``compact_cnn`` on this same small plan. ``simple_cnn`` in Keras:
print(models.source("simple_cnn"))
small_plan = dict(train_samples=2000, test_samples=500, epochs=1, verbose=0)
simple = recipes.run_recipe("simple_cnn_mnist", **small_plan)
simple_filters = inspection.first_layer_filters(simple.model)
training.seed_everything(0)
simple_start = inspection.first_layer_filters(models.build("simple_cnn"))
print("same starting filters as compact_cnn:", np.array_equal(simple_start, start_filters))
for name in ("sobel x", "sobel y"):
    index, similarity = best_match(simple_filters, classic[name])
    start_index, start_similarity = best_match(start_filters, classic[name])
    print(
        f"{name}: simple_cnn (short run) {index:2d} ({similarity:+.2f}), "
        f"compact_cnn (above) {matches[name][0]:2d} ({matches[name][1]:+.2f}), "
        f"untrained {start_index:2d} ({start_similarity:+.2f})"
    )
fig = inspection_plots.show_filters(
    simple_filters, title="simple_cnn on MNIST after a short run: its 32 learned 3x3 filters"
)

# %%
# .. solution:: Exercise 2
#
#    Predict first. Each Adam update moves a weight by about the learning rate at most, so
#    the distance the weights travel grows with the number of updates. The smoke plan
#    makes about a tenth of the updates of the full one (two epochs on 12,000 images
#    instead of four on 54,000), so its first layer moves less. Expect its best matches
#    to stay close to those of the untrained filters, often the very same filters;
#    whether they end up a little better or a little worse is then mostly chance. Rather
#    than build the page again, the solution trains the same recipe on an even smaller
#    plan, 2,000 images for one epoch, and compares it with the run above, whichever
#    budget built it:
short = recipes.run_recipe("compact_cnn_mnist", **small_plan)
short_filters = inspection.first_layer_filters(short.model)
for label, run in (("run above", result), ("short run", short)):
    updates = sum(
        training.steps_per_epoch(run.train_samples, run.batch_size or 128)
        for _ in range(run.epochs_run)
    )
    kernel = keras.ops.convert_to_numpy(run.model.get_layer("conv1").kernel)
    moved = np.linalg.norm(kernel - start_filters) / np.linalg.norm(start_filters)
    print(f"{label}: {updates} updates, conv1 moved by {moved:.0%} of its initial size")
print("kernel      run above    short run    untrained")
for name in ("sobel x", "sobel y", "laplacian", "box blur"):
    cells = [matches[name], best_match(short_filters, classic[name])]
    cells.append(best_match(start_filters, classic[name]))
    print(f"{name:10s}  " + "    ".join(f"{i:2d} ({s:+.2f})" for i, s in cells))

# %%
# .. solution:: Exercise 3
#
#    The second convolution's maps are 11x11 (13 - 3 + 1), 64 of them. Each of their
#    pixels looks at an 8x8 patch of the digit: 3 pixels for the first convolution, one
#    more for the 2x2 pooling, and two steps of 2 pixels for the second convolution's
#    3x3 window. A patch that size can hold a stroke end or a corner, but not the whole
#    digit. Maps whose response is focused on a few bright spots are the candidates:
#    compare where they light up with the digit in the first panel. Many maps respond to
#    several patterns at once, and ReLU may leave some dark for this digit; the code lists
#    the dark maps and the most focused ones. With ``max_channels=64`` the maps come out
#    in one row 64 panels wide, so they are drawn here in eight rows of eight.
conv2_maps = inspection.feature_maps(model, digit, layer_names=["conv2"])["conv2"]
receptive_field = 3 + (2 - 1) * 1 + (3 - 1) * 2
print(f"conv2 maps: {conv2_maps.shape}, each pixel sees {receptive_field}x{receptive_field}")
flat = conv2_maps.reshape(-1, 64)
total = flat.sum(axis=0)
print("dark for this digit:", np.flatnonzero(total == 0).tolist())
top_five = np.sort(flat, axis=0)[-5:].sum(axis=0) / np.where(total > 0, total, 1)
focused = np.argsort(top_five)[::-1][:6]
print("share of each map's response in its 5 brightest pixels, most focused maps first:")
print({int(k): round(float(top_five[k]), 2) for k in focused})
rows_of_eight = {
    f"maps {start}-{start + 7}": conv2_maps[:, :, start : start + 8] for start in range(0, 64, 8)
}
fig = inspection_plots.show_feature_maps(
    rows_of_eight,
    title="All 64 conv2 maps of the test digit: look for maps lit at a stroke end or a corner",
    image=digit,
)

# %%
# .. solution:: Exercise 4
#
#    The probabilities of one image add up to 1, so a network torn between two digits
#    gives both a middling share, and a sure one gives nearly everything to one digit.
#    Mistakes are mostly of the torn kind: the digit is oddly written or halfway between
#    two shapes, and the true digit is often the runner-up. Correct answers mostly come
#    with a top probability close to 1. So expect the typical top probability of the
#    mistakes to be clearly lower than that of the correct images, and a few confident
#    mistakes among them: digits a person would misread too, or doubtful labels.
right = np.flatnonzero(evaluation.y_true == evaluation.y_pred)
top = evaluation.probabilities.max(axis=1)


def top_two(index):
    """The two likeliest digits of one test image, with their probabilities."""
    order = np.argsort(evaluation.probabilities[index])[::-1][:2]
    return ", ".join(f"{k}: {evaluation.probabilities[index, k]:.3f}" for k in order)


for label, chosen in (("misclassified", wrong[:1]), ("correct", right[:1])):
    for index in chosen:
        print(f"{label} image {index} (a {evaluation.y_true[index]}): {top_two(index)}")
if len(wrong):
    print(
        f"median top probability: {np.median(top[wrong]):.3f} on the {len(wrong)} mistakes, "
        f"{np.median(top[right]):.3f} on the {len(right)} correct images"
    )
    print(f"mistakes made with a top probability above 0.9: {int((top[wrong] > 0.9).sum())}")

# %%
# .. solution:: Exercise 5
#
#    Scoring one image is a whole trip through Keras and TensorFlow: a Python call,
#    converting the input, launching every layer's operations and copying the result
#    back. That fixed cost per call is far larger than the arithmetic of one 28x28 digit
#    in ``compact_cnn`` (a few million operations), and with ``batch_size=1`` it is paid
#    once per image. In one big batch it is paid once, and every layer runs as large
#    array operations that keep all the cores busy. Scoring all test images one at a time
#    would take a while, so the solution times 200 of them and the first 2,000 (at most)
#    in one batch, each after a first call that traces the function for that shape, and
#    prints the ratio it measured:
import time

one_by_one = data.x_test[:200]
one_batch = data.x_test[:2000]
training.predict_in_batches(model, one_by_one[:1], batch_size=1)
started = time.perf_counter()
training.predict_in_batches(model, one_by_one, batch_size=1)
single = (time.perf_counter() - started) / len(one_by_one)
training.predict_in_batches(model, one_batch, batch_size=len(one_batch))
started = time.perf_counter()
training.predict_in_batches(model, one_batch, batch_size=len(one_batch))
batched = (time.perf_counter() - started) / len(one_batch)
print(f"batch_size=1: {single * 1e3:.2f} ms per image")
print(f"one batch of {len(one_batch)}: {batched * 1e3:.3f} ms per image")
print(f"one at a time was {single / batched:.0f}x slower per image in this build")
print(f"all {len(data.x_test)} test images one at a time: about {single * len(data.x_test):.1f} s")
