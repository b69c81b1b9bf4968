"""
Dense network vs. CNN on MNIST
==============================

The first networks people trained on digits were fully connected: flatten the 28x28 image
into a list of 784 numbers and feed it to layers in which every unit sees every pixel. A
convolutional network keeps the image as an image, a block of height x width x channels,
and slides small filters over it. In this chapter you build both kinds, count their
parameters layer by layer, train them on MNIST with the book's recipes and compare test
accuracy, training time and size side by side. The comparison shows why convolutions won:
a CNN with more than five times fewer weights than the dense baseline can read digits
better,
because it builds in two facts about images, that nearby pixels belong together and that
a stroke looks the same wherever it is.
"""

# %%
# Two ways to look at an image
# ----------------------------
#
# :func:`convbook.models.build` makes every network of the book by name. The dense
# baseline, ``dense_net``, starts with a ``Flatten`` layer: the 28x28x1 image becomes a
# vector of 784 numbers, row after row. From then on the network has no idea which pixels
# were neighbours: pixel (0, 27) at the end of the first row sits right next to pixel
# (1, 0) at the start of the second. Shuffle all 784 pixels the same way in every image
# and the dense network would learn exactly as well; the picture is gone, only the list
# remains.
#
# A CNN's first layer instead receives the image with its three axes, ``(height, width,
# channels)``, and its output is again an image: one *feature map* per filter.
from convbook import models, settings

dense = models.build("dense_net")
simple = models.build("simple_cnn")
compact = models.build("compact_cnn")
print(
    "dense_net:   input",
    dense.input_shape,
    "-> after flatten",
    dense.get_layer("flatten").output.shape,
)
print(
    "compact_cnn: input",
    compact.input_shape,
    "-> after conv1  ",
    compact.get_layer("conv1").output.shape,
)

# %%
# The dense network turns each image into a flat vector of 784 values; the convolution
# turns it into 32 maps of 26x26 (a 3x3 filter fits 26 times along 28 pixels, see
# Part I), one per filter, each still laid out like the digit.
#
# Counting parameters
# -------------------
#
# Keras' ``model.summary()`` lists every layer with the shape of what it outputs and how
# many weights it learns. The dense baseline first:
dense.summary()

# %%
# Almost all of its weights sit in the first hidden layer: each of its 512 units has one
# weight per pixel plus a bias, :math:`(784 + 1) \times 512 = 401{,}920`. Now the CNN that
# TensorFlow's tutorials start with, ``compact_cnn``: a convolution, a pooling layer,
# another convolution and pooling layer, then a small dense classifier.
compact.summary()

# %%
# Its first layer has 32 filters of 3x3 weights plus one bias each:
# :math:`32 \times (3 \times 3 + 1) = 320` parameters, against the dense layer's 401,920.
# Two ideas make the difference:
#
# * **Locality.** Each output value of a convolution looks at a 3x3 patch of its input,
#   not at the whole image. Strokes, edges and corners are local, so little is lost.
# * **Weight sharing.** The same nine weights are used at every one of the 26x26
#   positions. A filter that detects a vertical stroke detects it anywhere in the image,
#   and it is learnt once, from the strokes of every position of every training image.
#
# Pooling then halves the maps, so the dense layer at the end reads a 5x5x64 block of
# 1,600 features instead of 784 raw pixels: features that say *what* is in each region of
# the digit rather than how bright each pixel is. Here are the totals of the three
# networks of this chapter, including ``simple_cnn``, the layout of Keras' classic MNIST
# example (two convolutions, one pooling layer and a wide dense layer):
from convbook.tables import format_table

networks = {"dense_net": dense, "simple_cnn": simple, "compact_cnn": compact}
print(format_table([(n, m.count_params()) for n, m in networks.items()], ("model", "parameters")))
ratio = dense.count_params() / compact.count_params()
print(f"dense_net has {ratio:.1f}x the parameters of compact_cnn")

# %%
# The parameter counts are 669,706 for ``dense_net``, 1,199,882 for ``simple_cnn`` and
# 121,930 for ``compact_cnn``. ``simple_cnn`` is the largest of the three although it is
# convolutional: it pools only once, so its dense layer reads 12x12x64 = 9,216 features,
# and that one layer holds almost all of its weights. Where a CNN spends its parameters
# depends on how much it shrinks the maps before the dense part.
print("simple_cnn's dense layer:", f"{simple.get_layer('dense').count_params():,}", "parameters")

# %%
# Fewer weights does not mean less work. Every shared weight is used at hundreds of
# positions, so a convolution does many multiply-adds per parameter, whereas a dense layer
# uses each weight once per image. :func:`convbook.flops.forward_flops` estimates the
# floating-point operations of one forward pass (a multiply-add counts as two):
from convbook import flops

for name, model in networks.items():
    work = flops.forward_flops(model)
    per_parameter = work / model.count_params()
    print(f"{name:12s} {work / 1e6:5.1f} MFLOPs per image, {per_parameter:5.1f} per parameter")

# %%
# The CNNs do several times more arithmetic per image than the dense network, whatever
# their number of weights: ``compact_cnn`` has far fewer weights than ``dense_net`` and
# ``simple_cnn`` more, as the ratios show.
for name in ("simple_cnn", "compact_cnn"):
    weights = networks[name].count_params() / dense.count_params()
    work = flops.forward_flops(networks[name]) / flops.forward_flops(dense)
    print(f"{name}: {weights:.2f}x the weights of dense_net, {work:.1f}x its arithmetic")

# %%
# That arithmetic is what a GPU is built for:
# thousands of identical multiply-adds at once. On a CPU the convolutional networks below
# take longer per image than the dense one (compare images and fit times in the table); a GPU
# shortens the CNNs' epochs far more than the dense network's. The device line at the top
# of the page says which one built this page.
#
# Training both kinds
# -------------------
#
# :func:`convbook.recipes.run_recipe` prepares MNIST (pixels divided by 255, a channel
# axis added), seeds every random number generator, builds the model, trains it with Adam
# and scores it on the test set. The recipe fixes the number of epochs and, in the quick
# budget, the subset of images; these are the plans this page runs with:
from convbook import recipes

names = {
    "dense_net": "dense_mnist",
    "simple_cnn": "simple_cnn_mnist",
    "compact_cnn": "compact_cnn_mnist",
}
for recipe_name in names.values():
    plan = recipes.RECIPES[recipe_name].plan()
    print(
        f"{recipe_name:18s} epochs {plan.epochs:2d}, "
        f"training images {plan.train_samples or 60000}, test images {plan.test_samples or 10000}"
    )

# %%
# The Keras code
# --------------
#
# The networks this page trains are defined in :mod:`convbook.models`; this is their code,
# printed from the library itself with :func:`convbook.models.source`, so the page and
# the library cannot disagree.
# Two small helpers recur: ``softmax_output(n)`` is
# ``layers.Dense(n, activation="softmax")``, and ``assemble`` feeds a ``keras.Input``
# through the listed layers, in order, into a ``keras.Model``.
for name in ("dense_net", "simple_cnn", "compact_cnn"):
    print(models.source(name))

# %%
# The dense baseline first. Each epoch prints one line: the training loss and accuracy,
# and the same on the 10% of the training images held out for validation.
results = {"dense_net": recipes.run_recipe("dense_mnist")}
print(results["dense_net"].summary())

# %%
# Then the two CNNs, on the same images:
results["simple_cnn"] = recipes.run_recipe("simple_cnn_mnist")
print(results["simple_cnn"].summary())

# %%
results["compact_cnn"] = recipes.run_recipe("compact_cnn_mnist")
print(results["compact_cnn"].summary())

# %%
# Side by side
# ------------
#
# The table puts together what the summaries said: size, how much each network saw,
# test accuracy and the time ``model.fit`` took on this page's device.
rows = [
    (
        name,
        networks[name].count_params(),
        result.train_samples,
        result.epochs_run,
        f"{result.test_accuracy:.4f}",
        f"{result.wall_time_s:.1f} s",
    )
    for name, result in results.items()
]
headers = ("model", "parameters", "images", "epochs", "test acc.", "fit time")
print(format_table(rows, headers, align=("left",) + ("right",) * 5))
print("device:", results["compact_cnn"].device)

# %%
# What the numbers mean depends on the budget. With the quick budget every network sees a
# few thousand images for one or two epochs, and a network that was given more passes can
# come out ahead for that reason alone. With the full budget every network trains on all
# 60,000 images for several epochs, and the recipes record the test accuracy each is
# expected to reach there:
for model_name, recipe_name in names.items():
    target = recipes.RECIPES[recipe_name].full.target_accuracy
    print(f"{model_name:12s} full-budget target: {target:.3f}")

# %%
# The sentence below is built from this page's own results:
dense_acc = results["dense_net"].test_accuracy
compact_acc = results["compact_cnn"].test_accuracy
verdict = (
    "higher than"
    if compact_acc > dense_acc
    else "lower than"
    if compact_acc < dense_acc
    else "the same as"
)
print(
    f"In this build ({settings.budget()} budget), compact_cnn, with "
    f"{dense.count_params() / compact.count_params():.1f}x fewer parameters than dense_net, "
    f"scored {verdict} dense_net: {compact_acc:.4f} against {dense_acc:.4f}."
)

# %%
# The full-budget targets printed above encode what fully trained networks do: the dense
# network levels off below the CNNs. Its extra weights go into tying the answer to
# particular pixel positions, which does not help it read the handwriting of new writers,
# whereas the CNN's filters learn strokes that occur in every digit, wherever they are.
# That gap between *number of parameters* and *useful structure* is the point of this
# chapter.
#
# Learning curves
# ---------------
#
# :func:`convbook.plotting.training.show_histories` draws the validation loss and accuracy
# of every run, epoch by epoch (a run of one epoch is a single point). Curves still
# falling at the last epoch mean more training would pay off.
from convbook.plotting import training as training_plots

fig = training_plots.show_histories(
    {name: result.history for name, result in results.items()},
    title=f"Dense network vs. CNNs on MNIST ({settings.budget()} budget): validation curves",
)

# %%
# Where the CNN goes wrong
# ------------------------
#
# Accuracy is one number; a *confusion matrix* shows which digits are mistaken for which.
# Row :math:`i`, column :math:`j` counts the test images of digit :math:`i` that the
# network called :math:`j`, so correct answers lie on the diagonal. We prepare the same
# test images the recipe scored (:func:`convbook.training.prepare` draws the same subset
# for the same seed) and let :func:`convbook.training.evaluate` predict them again.
from convbook import training

plan = recipes.RECIPES["compact_cnn_mnist"].plan()
data = training.prepare("mnist", train_samples=plan.train_samples, test_samples=plan.test_samples)
evaluation = training.evaluate(results["compact_cnn"].model, data)
print(f"test accuracy again: {evaluation.accuracy:.4f} on {len(evaluation.y_true)} images")
matrix = training.confusion_matrix(evaluation.y_true, evaluation.y_pred, data.num_classes)
fig = training_plots.show_confusion_matrix(matrix, data.class_names)

# %%
# The off-diagonal cells are the mistakes. The largest one:
mistakes = matrix.copy()
mistakes[range(data.num_classes), range(data.num_classes)] = 0
true_digit, predicted_digit = divmod(int(mistakes.argmax()), data.num_classes)
print(
    f"most frequent mistake: {mistakes.max()} images of a {true_digit} "
    f"read as a {predicted_digit}, out of {matrix[true_digit].sum()} {true_digit}s"
)

# %%
# Digits that share strokes (4 and 9, 3 and 5, 7 and 1, 2 and 7) are the usual suspects,
# pairs that a hurried human reader can confuse too. How many mistakes are left depends on
# how long the network trained; this page's run, with its plan:
import numpy as np

wrong = int(matrix.sum() - np.trace(matrix))
print(
    f"{wrong} of {int(matrix.sum())} test images misread after {plan.epochs} epochs "
    f"on {data.x_train.shape[0]} training images"
)

# %%
# A longer run leaves fewer mistakes, until what remains are mostly badly written digits:
# :ref:`sphx_glr_auto_gallery_02_training_10_what_the_network_learned.py` shows them.
#
# Exercises
# ---------
#
# 1. Shuffle the pixels: draw one permutation with ``np.random.default_rng(0).permutation(784)``
#    and apply it to every image of ``data.x_train`` and ``data.x_test`` (reshape to
#    ``(N, 784)``, index the columns, reshape back). Train ``dense_net`` and
#    ``compact_cnn`` on the shuffled data with :func:`convbook.training.train`. Which
#    network notices, and why?
# 2. Build ``models.build("dense_net", hidden_units=(64, 64))``. How many parameters does
#    it have, and how close does it get to the 512-unit version?
# 3. Count by hand the parameters of ``compact_cnn``'s ``conv2`` (64 filters of 3x3 over
#    32 maps) and compare with its summary.
# 4. Change ``simple_cnn``'s filters with ``models.build("simple_cnn", filters=(16, 32))``.
#    Which layer loses the most parameters, and why is it not a convolution?
# 5. Run this page with ``CONVBOOK_BUDGET=full`` (on a GPU if you have one). Which network
#    wins now, and how much longer does each epoch of the CNNs take than the dense
#    network's on your device?
