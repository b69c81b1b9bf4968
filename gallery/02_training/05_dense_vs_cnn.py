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
# That arithmetic is what a GPU is built for: thousands of identical multiply-adds at
# once. On a CPU the extra arithmetic shows up directly in the time per image; a GPU
# shortens the CNNs' epochs far more than the dense network's. After training, the page
# prints how much longer each CNN took per image on the device that built it (the device
# line at the top of the page says which one that was).
#
# Training both kinds
# -------------------
#
# :func:`convbook.recipes.run_recipe` prepares MNIST (pixels divided by 255, a channel
# axis added), seeds every random number generator, builds the model, trains it with Adam
# and scores it on the test set. The recipe fixes how long and how hard each network
# trains: the number of epochs, the images per update and the learning rate. The first
# line says which budget built this page; then the plans it runs with:
from convbook import datasets, recipes

budget = settings.budget()
print(f"budget: {budget} ({settings.BUDGET_MEANINGS[budget]})")
names = {
    "dense_net": "dense_mnist",
    "simple_cnn": "simple_cnn_mnist",
    "compact_cnn": "compact_cnn_mnist",
}
MNIST = datasets.info("mnist")


def learning_rate_words(recipe, plan):
    """Say in words how a plan sets Adam's learning rate."""
    if recipe.schedule is None:
        kind, value = "constant learning rate", "rate"
    else:
        kind, value = f"{recipe.schedule.replace('_', '-')} learning rate", "peak"
    if plan.learning_rate is None:
        return f"{kind}, the default {value}"
    return f"{kind}, {value} {plan.learning_rate:g}"


for recipe_name in names.values():
    recipe = recipes.RECIPES[recipe_name]
    plan = recipe.plan()
    print(
        f"{recipe_name:18s} epochs {plan.epochs:2d}, "
        f"training images {plan.train_samples or MNIST.n_train}, "
        f"test images {plan.test_samples or MNIST.n_test}, {learning_rate_words(recipe, plan)}"
    )

# %%
# The plans are not the same, and that is deliberate: each recipe has the plan that
# trains its network well in the time the book allows. The dense network is cheap per
# epoch, so its recipe can afford many passes over the images at Adam's constant default
# rate. The CNNs cost several times more arithmetic per image; their recipes
# use a *one-cycle* learning rate (:func:`convbook.training.one_cycle_schedule`, explained
# in :ref:`the next chapter <sphx_glr_auto_gallery_02_training_06_a_deep_cnn.py>`), which
# warms up, peaks and then anneals to almost nothing, and brings a CNN to its best in a
# few epochs. This page therefore compares well-trained networks, not equal amounts of
# training. The plans above, and the epochs and fit times in the table below, say exactly
# what each network got; exercise 5 gives the dense network the CNNs' kind of plan.

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
# What ``run_recipe`` does, in plain Keras
# ----------------------------------------
#
# ``run_recipe`` saves typing, not thinking. Here is everything it did for that run,
# written out in NumPy and Keras: load the images, scale them, hold out the last tenth
# of the training images for validation, seed, build, compile, fit and evaluate. Only two
# library calls remain: :func:`convbook.datasets.load` reads the verified files from the
# data cache, and :func:`convbook.models.build` builds the network whose Keras code is
# printed above.
import keras
import numpy as np


def train_in_plain_keras(model_name, epochs, batch_size=128, validation_split=0.1, seed=0):
    """Train a network of ``convbook.models`` on MNIST as ``run_recipe`` does, in Keras."""
    (x_train, y_train), (x_test, y_test) = datasets.load("mnist")
    # Pixels from 0..255 to 0..1, plus the channel axis Keras' image layers expect.
    x_train = x_train.astype("float32")[..., np.newaxis] / np.float32(255)
    x_test = x_test.astype("float32")[..., np.newaxis] / np.float32(255)
    y_train, y_test = y_train.astype("int64"), y_test.astype("int64")
    # Keras' validation_split holds out the *last* images; we do the same, explicitly.
    split = int(len(x_train) * (1 - validation_split))
    x_fit, y_fit = x_train[:split], y_train[:split]
    x_val, y_val = x_train[split:], y_train[split:]
    # One seed for the initial weights, and again for the batch order and dropout.
    keras.utils.set_random_seed(seed)
    model = models.build(model_name)
    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(),  # learning rate 0.001, Keras' default
        loss=keras.losses.SparseCategoricalCrossentropy(),  # integer labels, softmax output
        metrics=["accuracy"],
    )
    model.fit(
        x_fit,
        y_fit,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(x_val, y_val),
        shuffle=True,
        verbose=0,
    )
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    return model, test_accuracy


# %%
# Is it really the same? Train one epoch on all the training images both ways, with the
# same seed, and compare every weight of the two networks, number for number:
plain_model, plain_accuracy = train_in_plain_keras("dense_net", epochs=1)
recipe_run = recipes.run_recipe(
    "dense_mnist", epochs=1, train_samples=None, test_samples=None, verbose=0
)
identical = all(
    np.array_equal(mine, theirs)
    for mine, theirs in zip(plain_model.get_weights(), recipe_run.model.get_weights(), strict=True)
)
print(f"plain Keras: test accuracy {plain_accuracy:.4f}")
print(f"run_recipe:  test accuracy {recipe_run.test_accuracy:.4f}")
print("identical weights:", identical)

# %%
# Identical, to the last bit: on one device, the same seed and the same operations in
# the same order give the same numbers. The CNN recipes differ from this only in their
# learning rate, which follows a schedule (next chapter) instead of staying constant.

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
# test accuracy and the time ``model.fit`` took on this page's device. Under it, the
# precision each network trained in. On a CPU with bfloat16 instructions the
# convolutional networks train in ``mixed_bfloat16``, which is faster there; the dense
# network, which does not gain from it, stays in ``float32`` (see
# :ref:`Making it fast <sphx_glr_auto_gallery_03_performance_01_making_it_fast.py>`).
# Elsewhere all three train in ``float32``. Where the precisions differ, the time ratios
# at the end compare precisions as well as networks.
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
for name, result in results.items():
    print(f"{name} trained in {result.precision}")


def seconds_per_image(result):
    """Fit time per training image and epoch."""
    return result.wall_time_s / (result.epochs_run * result.train_samples)


for name in ("simple_cnn", "compact_cnn"):
    slower = seconds_per_image(results[name]) / seconds_per_image(results["dense_net"])
    print(f"{name} took {slower:.1f}x dense_net's time per training image and epoch")

# %%
# The ranking
# -----------
#
# Accuracy differences at this level are small in percent, so the page also counts
# mistakes: the test images each network got wrong, :math:`(1 - \text{accuracy}) \times n`
# for :math:`n` test images. Best first:
wrong, tested = {}, {}
for model_name, recipe_name in names.items():
    tested[model_name] = recipes.RECIPES[recipe_name].plan().test_samples or MNIST.n_test
    wrong[model_name] = round((1 - results[model_name].test_accuracy) * tested[model_name])
ranking = sorted(results, key=lambda name: results[name].test_accuracy, reverse=True)
for place, name in enumerate(ranking, start=1):
    print(
        f"{place}. {name:12s} test accuracy {results[name].test_accuracy:.4f}, "
        f"{wrong[name]} of {tested[name]} test images wrong"
    )
cnns = ("simple_cnn", "compact_cnn")
dense_acc = results["dense_net"].test_accuracy
if all(dense_acc < results[name].test_accuracy for name in cnns):
    print("The dense baseline is below every CNN.")
else:
    print("In this build the dense baseline is not below every CNN.")

# %%
# The sentence below is built from this page's own results:
compact_acc = results["compact_cnn"].test_accuracy
points = 100 * (compact_acc - dense_acc)
verdict = (
    f"{points:.2f} percentage points higher than"
    if points > 0
    else f"{-points:.2f} percentage points lower than"
    if points < 0
    else "the same as"
)
print(
    f"compact_cnn, with {dense.count_params() / compact.count_params():.1f}x fewer parameters "
    f"than dense_net, scored {verdict} dense_net: {compact_acc:.4f} against {dense_acc:.4f}, "
    f"{wrong['compact_cnn']} test images wrong against {wrong['dense_net']}."
)

# %%
# Each recipe also states the test accuracy its plan is expected to reach
# (``plan.target_accuracy``). The targets, this build's accuracies and whether each
# target was met:
for model_name, recipe_name in names.items():
    accuracy = results[model_name].test_accuracy
    print(f"{model_name:12s}", recipes.target_verdict(recipe_name, accuracy))
lowest = min(names, key=lambda name: recipes.RECIPES[names[name]].full.target_accuracy)
print(f"lowest target of the three: {lowest}")

# %%
# Why does a well-trained dense network stay below the CNNs, as the targets say it should,
# although it has more weights than ``compact_cnn`` and a plan of its own? Its extra
# weights go into tying the answer to particular pixel positions, which does not help it
# read the handwriting of new writers, whereas the CNN's filters learn strokes that occur
# in every digit, wherever they are. That gap between *number of parameters* and *useful
# structure* is the point of this chapter.
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
# how long and how well the network trained; this page's run, with its plan (the count is
# the ranking's, read off the matrix):
import numpy as np

misread = int(matrix.sum() - np.trace(matrix))
print(
    f"{misread} of {int(matrix.sum())} test images misread after {plan.epochs} epochs "
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
# 5. Give the dense network the CNNs' kind of plan: take
#    ``plan = recipes.RECIPES["compact_cnn_mnist"].full`` and run
#    ``training.build_and_train("dense_net", "mnist", epochs=plan.epochs,
#    schedule=lambda steps: training.one_cycle_schedule(plan.epochs * steps,
#    plan.learning_rate))``. Does the one-cycle schedule help it, and does it come closer
#    to ``compact_cnn`` in test images wrong? Which network takes longer per epoch on your
#    device, and by how much?

# %%
# Solutions
# ---------
#
# Try each exercise on your own before you open its solution. The solutions run when the
# book is built, so every number they print comes from this library on this page's device.
#
# .. solution:: Exercise 1
#
#    Only the CNN notices. A dense layer gives each pixel weights of its own and has no
#    idea which pixels are neighbours, so the shuffle only changes which random initial
#    weight meets which pixel: shuffle the rows of ``dense1``'s weights the same way and
#    it computes exactly what it computed before. A 3x3 filter, by contrast, reads
#    neighbouring pixels together. After the shuffle its window holds nine pixels from all
#    over the image, strokes and edges are gone and pooling merges unrelated values.
#    To keep the page short, each network trains on 2,000 images for 2 epochs with 32
#    images per update, in the way of its recipe (dense: constant rate; CNN: one cycle).
#    Look for two close scores for the dense network and a clear drop for the CNN:
import dataclasses

small = training.prepare("mnist", train_samples=2000, test_samples=1000)
order = np.random.default_rng(0).permutation(784)


def shuffle_pixels(images):
    """Move the pixels of every image to the same new places, given by ``order``."""
    return images.reshape(len(images), 784)[:, order].reshape(images.shape)


shuffled = dataclasses.replace(
    small, x_train=shuffle_pixels(small.x_train), x_test=shuffle_pixels(small.x_test)
)
SMALL_EPOCHS, SMALL_BATCH = 2, 32
CNN_PEAK = recipes.RECIPES["compact_cnn_mnist"].full.learning_rate
small_steps = training.steps_per_epoch(training.validation_split_point(2000, 0.1), SMALL_BATCH)


def train_small(model_name, prepared, peak=None, **model_kwargs):
    """Seed, build and train a network on a small dataset; one cycle if ``peak`` is given."""
    training.seed_everything(0)
    model = models.build(model_name, **model_kwargs)
    rate = None if peak is None else training.one_cycle_schedule(SMALL_EPOCHS * small_steps, peak)
    return training.train(
        model, prepared, epochs=SMALL_EPOCHS, batch_size=SMALL_BATCH, learning_rate=rate, verbose=0
    )


small_runs = {
    ("dense_net", "plain"): train_small("dense_net", small),
    ("dense_net", "shuffled"): train_small("dense_net", shuffled),
    ("compact_cnn", "plain"): train_small("compact_cnn", small, peak=CNN_PEAK),
    ("compact_cnn", "shuffled"): train_small("compact_cnn", shuffled, peak=CNN_PEAK),
}
for (name, pixels), run in small_runs.items():
    print(f"{name:12s} {pixels:9s} test accuracy {run.test_accuracy:.4f}")
for name in ("dense_net", "compact_cnn"):
    drop = small_runs[name, "plain"].test_accuracy - small_runs[name, "shuffled"].test_accuracy
    print(f"{name}: shuffling the pixels costs {100 * drop:.1f} percentage points")

# %%
# .. solution:: Exercise 2
#
#    Every dense layer has one weight per input and unit plus one bias per unit:
#    :math:`(784 + 1) \times 64 + (64 + 1) \times 64 + (64 + 1) \times 10 = 55{,}050`,
#    about twelve times fewer than the 669,706 of the 512-unit network; almost all of
#    them are again in the first layer. The code trains it with exercise 1's small plan
#    and compares it with the 512-unit network trained the same way. A short run
#    exaggerates the gap: the wide network's many random hidden units give useful features
#    after a few updates, the narrow one must first shape its few units. With many epochs
#    on all the images both have time to converge, and the gap shrinks a lot.
narrow = models.build("dense_net", hidden_units=(64, 64))
by_hand = (784 + 1) * 64 + (64 + 1) * 64 + (64 + 1) * 10
print(f"by hand {by_hand:,}, Keras {narrow.count_params():,} parameters")
print(f"dense_net with 512 units has {dense.count_params() / by_hand:.1f}x as many")
narrow_run = train_small("dense_net", small, hidden_units=(64, 64))
wide_run = small_runs["dense_net", "plain"]
print(f"test accuracy: 64 units {narrow_run.test_accuracy:.4f}, ", end="")
print(f"512 units {wide_run.test_accuracy:.4f}")

# %%
# .. solution:: Exercise 3
#
#    Each of the 64 filters is a 3x3 window through all 32 maps of ``pool1``, so it has
#    :math:`3 \times 3 \times 32 = 288` weights and one bias: :math:`64 \times 289 =
#    18{,}496` parameters, the number in the summary. The kernel array has exactly that
#    shape, (height, width, input maps, filters), and there is one bias per filter.
conv2 = compact.get_layer("conv2")
print("kernel shape:", tuple(conv2.kernel.shape), " biases:", tuple(conv2.bias.shape))
print(f"by hand {64 * (3 * 3 * 32 + 1):,}, Keras {conv2.count_params():,}")

# %%
# .. solution:: Exercise 4
#
#    Halving the filters halves ``conv1`` (320 to 160 parameters) and cuts ``conv2`` to
#    :math:`32 \times (3 \times 3 \times 16 + 1) = 4{,}640` from 18,496, but the layer that
#    loses most is ``dense``: it reads the pooled maps, 12 x 12 x 32 = 4,608 numbers
#    instead of 9,216, so it drops from 1,179,776 to 589,952 parameters, 589,824 fewer.
#    A convolution's size depends only on its window and its numbers of input and output
#    maps, never on how large the maps are. A dense layer has a weight for every value it
#    reads, one per position and map, so the map size multiplies its weights.
thin = models.build("simple_cnn", filters=(16, 32))
losses = {
    layer.name: layer.count_params() - thin.get_layer(layer.name).count_params()
    for layer in simple.layers
    if layer.count_params()
}
print(format_table(list(losses.items()), ("layer", "parameters lost")))
print("loses the most:", max(losses, key=losses.get))

# %%
# .. solution:: Exercise 5
#
#    The exercise's plan, 4 epochs on all 54,000 images, is too long for this page, so the
#    dense network gets the CNN's kind of plan on exercise 1's small data: one cycle with
#    the compact recipe's peak rate over the same 2 epochs. It is compared with its own
#    constant-rate run and the CNN's one-cycle run from exercise 1. One cycle can help:
#    its high middle moves the weights fast, and its rate ends 10,000 times below the peak,
#    so the last updates settle them. It does not give the dense network locality or
#    shared weights, so look for a small gain at most, still behind the CNN. Per image the
#    CNN does 3.8 times the arithmetic, so on a CPU expect it to take longer per epoch; the
#    last line compares the time per image of this page's two recipe runs. In short runs
#    the start-up work of the first epoch (TensorFlow traces its graphs) can hide the
#    difference, and on a GPU the difference shrinks.
cnn_plan = recipes.RECIPES["compact_cnn_mnist"].full
print(f"full plan: {cnn_plan.epochs} epochs, peak {cnn_plan.learning_rate:g}; here: 2 epochs")
dense_cycle = train_small("dense_net", small, peak=cnn_plan.learning_rate)
compared = {
    "dense_net, constant rate": small_runs["dense_net", "plain"],
    "dense_net, one cycle": dense_cycle,
    "compact_cnn, one cycle": small_runs["compact_cnn", "plain"],
}
for label, run in compared.items():
    wrong_images = round((1 - run.test_accuracy) * len(small.y_test))
    print(f"{label:25s} {wrong_images} of {len(small.y_test)} test images wrong")
slower = seconds_per_image(results["compact_cnn"]) / seconds_per_image(results["dense_net"])
print(f"per image and epoch, compact_cnn took {slower:.1f}x dense_net's time on this device")
