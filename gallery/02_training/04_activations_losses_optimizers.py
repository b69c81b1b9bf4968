"""
Activations, losses and optimizers
==================================

A network is built from three kinds of parts. Activation functions bend each layer's
weighted sums, so that a stack of layers can represent more than a straight line. Softmax
and a loss function turn the last layer's scores into probabilities and measure how wrong
they are. An optimizer uses the gradient of that loss to change the weights. This chapter
writes each part out in NumPy with :mod:`convbook.activations`, checks it against Keras,
plots it, and ends by training one small network on MNIST with four different optimizers.
"""

# %%
# Activation functions
# --------------------
#
# A neuron computes a weighted sum of its inputs plus a bias, :math:`z = w \cdot x + b`,
# then applies an *activation function* :math:`f(z)`. Without it, every layer would be a
# linear map, and a stack of linear maps is again just one linear map: depth would buy
# nothing. Three classic choices:
#
# .. math::
#
#    \operatorname{sigmoid}(z) = \frac{1}{1 + e^{-z}}, \qquad
#    \tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}, \qquad
#    \operatorname{relu}(z) = \max(z, 0).
#
# Training needs their derivatives too. Backpropagation computes the gradient of the loss
# with respect to an early layer's weights by the chain rule, multiplying one derivative
# :math:`f'(z)` per layer on the way back. The lower panel shows what those factors are.
import numpy as np

from convbook import activations
from convbook.plotting import training as training_plots

fig = training_plots.show_activations(["sigmoid", "tanh", "relu"])

# %%
# The sigmoid's slope is at most 0.25, and tanh's at most 1; both fall towards zero as soon
# as :math:`|z|` grows (the function *saturates*). ReLU's slope is exactly 1 for every
# positive input. Here are the numbers, and what ten layers of the best case do to a
# gradient:
for name in ("sigmoid", "tanh", "relu"):
    function, derivative = activations.ACTIVATIONS[name]
    slopes = derivative(np.array([0.0, 2.0, 5.0]))
    print(f"{name:8s} slope at z = 0, 2, 5: {np.round(slopes, 4).tolist()}")
print(f"ten sigmoid layers at their steepest: 0.25**10 = {0.25**10:.2e}")
print(f"ten relu layers on positive inputs:   1.0**10  = {1.0**10:.1f}")

# %%
# Even at its steepest point the sigmoid shrinks the gradient fourfold per layer; after
# ten layers less than a millionth is left (9.54e-07), so the first layers barely learn.
# This is the *vanishing gradient* problem. ReLU passes the gradient unchanged wherever a
# neuron is active, which is the main reason deep networks use it (and its variants, such
# as leaky ReLU, whose slope on negative inputs is small but not zero). The price is that
# a neuron whose input is negative for every example gets no gradient at all.
#
# These NumPy functions compute what Keras computes; the largest difference over a range
# of inputs is at the level of floating-point rounding:
import keras

z = np.linspace(-8, 8, 1001, dtype=np.float32)
for name in ("sigmoid", "tanh", "relu"):
    ours = activations.ACTIVATIONS[name][0](z)
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(z))
    print(f"{name:8s} largest difference from keras.activations: {np.abs(ours - theirs).max():.1e}")

# %%
# Softmax: from scores to probabilities
# -------------------------------------
#
# The last layer of a classifier produces one score per class (the *logits*), any real
# numbers. Softmax turns them into probabilities:
#
# .. math::
#
#    \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j} e^{z_j}}.
#
# Every :math:`e^{z_k}` is positive and they are divided by their sum, so the results are
# positive and add up to 1; a larger score always gets a larger probability.
scores = np.array([2.0, 1.0, 0.1, -1.0])
probabilities = activations.softmax(scores)
print("scores:       ", scores.tolist())
print("probabilities:", np.round(probabilities, 3).tolist(), "sum:", probabilities.sum())
fig = training_plots.show_softmax(scores, ["cat", "dog", "bird", "fish"])

# %%
# Computed literally, the formula breaks for large scores: :math:`e^{1000}` does not fit
# in a floating-point number, becomes infinity, and infinity divided by infinity is "not a
# number". :func:`~convbook.activations.softmax` first subtracts the largest score
# :math:`m` from all of them,
#
# .. math::
#
#    \frac{e^{z_k}}{\sum_j e^{z_j}} = \frac{e^{-m} e^{z_k}}{e^{-m} \sum_j e^{z_j}}
#    = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}},
#
# which changes nothing mathematically but makes every exponent at most 0: each term lies
# between 0 and 1, and the denominator is at least 1.
large = np.array([1000.0, 999.0, -1000.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(large) / np.exp(large).sum()
print("naive formula:", naive.tolist())
print("max subtracted:", np.round(activations.softmax(large), 4).tolist())
print(
    "keras:         ",
    np.round(keras.ops.convert_to_numpy(keras.activations.softmax(large)), 4).tolist(),
)

# %%
# Cross-entropy: how wrong is a prediction?
# -----------------------------------------
#
# For a one-hot target :math:`y` (1 for the true class, 0 elsewhere) and predicted
# probabilities :math:`p`, the categorical cross-entropy is
#
# .. math::
#
#    L(y, p) = -\sum_k y_k \log p_k = -\log p_{\text{true class}}.
#
# It only looks at the probability given to the right answer. If that is 1 the loss is 0;
# as it falls towards 0 the loss grows without bound, so a confident mistake costs far more
# than a hesitant one. Keras, and :func:`~convbook.activations.categorical_crossentropy`,
# clip the probabilities to :math:`[\epsilon, 1 - \epsilon]` with
# :math:`\epsilon = 10^{-7}` first, so that :math:`\log 0 = -\infty` never appears: the
# worst possible loss is :math:`-\log 10^{-7} \approx 16.1`.
target = np.array([[1.0, 0.0, 0.0]] * 4)
predicted = np.array([[0.9, 0.05, 0.05], [0.5, 0.25, 0.25], [0.1, 0.45, 0.45], [0.0, 0.5, 0.5]])
ours = activations.categorical_crossentropy(target, predicted)
theirs = keras.ops.convert_to_numpy(keras.losses.categorical_crossentropy(target, predicted))
for p, loss, reference in zip(predicted[:, 0], ours, theirs, strict=True):
    print(f"p(true class) = {p:.2f}: loss {loss:7.4f}  (keras: {reference:7.4f})")
fig = training_plots.show_cross_entropy()

# %%
# With integer labels instead of one-hot rows, Keras' *sparse* categorical cross-entropy
# computes the same number (:func:`~convbook.activations.sparse_categorical_crossentropy`);
# the book's models use it because it saves building the one-hot array. When a model ends
# in raw scores instead of a softmax (``compact_cnn`` does), the loss is told
# ``from_logits=True`` and combines the two steps as :math:`\log p_k = z_k - m - \log
# \sum_j e^{z_j - m}`, which needs no clipping at all.
labels = np.array([0, 0, 0, 0])
print(
    "sparse, from probabilities:",
    np.round(activations.sparse_categorical_crossentropy(labels, predicted), 4).tolist(),
)
print(
    "sparse, from scores [2, 1, 0.1]:",
    np.round(
        activations.sparse_categorical_crossentropy([0], [[2.0, 1.0, 0.1]], from_logits=True), 4
    ).tolist(),
)

# %%
# Optimizers: which way, and how far?
# -----------------------------------
#
# The gradient :math:`g = \nabla_w L` points uphill; every optimizer steps the other way,
# but they differ in how far, and in what they remember. With learning rate :math:`\eta`:
#
# .. math::
#
#    \text{SGD:}\quad w \leftarrow w - \eta g
#    \qquad
#    \text{momentum:}\quad v \leftarrow \mu v - \eta g,\;\; w \leftarrow w + v
#
# Momentum (:math:`\mu = 0.9` here) keeps a running velocity, so steps that agree build up
# speed and steps that alternate cancel out. RMSprop divides each weight's step by a
# running root-mean-square of that weight's recent gradients, and Adam does the same while
# also keeping a momentum-like average of the gradients themselves: both give every weight
# its own effective step size.
#
# To watch them, :func:`~convbook.activations.optimizer_paths` lets Keras' real optimizers
# minimise :math:`f(x, y) = 0.1x^2 + 2y^2`, a bowl twenty times steeper across (:math:`y`)
# than along (:math:`x`), like the loss surfaces of real networks, where some directions
# are much steeper than others. The two "weights" are the point's coordinates.
rates = {"sgd": 0.4, "momentum": 0.05, "rmsprop": 0.1, "adam": 0.3}
paths = activations.optimizer_paths("bowl", rates, learning_rate=rates, steps=50)
bowl = activations.SURFACES["bowl"]
for name, path in paths.items():
    losses = bowl.value(path)
    print(
        f"{name:8s} lr {rates[name]:<5} loss: start {losses[0]:.2f}, "
        f"after 10 steps {losses[10]:.4f}, after 50 steps {losses[50]:.2e}"
    )
fig = training_plots.show_optimizer_paths(paths, "bowl")

# %%
# For plain SGD on this bowl one step multiplies each coordinate by a fixed factor,
# because the gradient of :math:`0.1x^2` is :math:`0.2x` and that of :math:`2y^2` is
# :math:`4y`:
eta = rates["sgd"]
print(f"x <- x - {eta} * 0.2x = {1 - eta * 0.2:.2f} x")
print(f"y <- y - {eta} * 4y   = {1 - eta * 4:.2f} y")
print(f"|1 - eta * 4| < 1 only while eta < {2 / 4}")

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

# %%
# Plain SGD needs a learning rate below 0.5 here, or it overshoots across the steep
# :math:`y` direction by more each step and diverges (try it in exercise 3). At 0.4 the
# factor for :math:`y` is negative, -0.60, so it zigzags across the valley, while
# :math:`x` keeps 0.92 of its value per step: it crawls along the valley floor, and the
# steep direction forbids a larger step. With a well-chosen learning rate it does well on
# this simple bowl.
# Momentum with :math:`\mu = 0.9` builds up speed, overshoots and oscillates around the
# minimum before settling. RMSprop and Adam rescale the two coordinates separately, so they
# head for the minimum diagonally, moving :math:`x` and :math:`y` at a similar pace from the
# start. No optimizer wins everywhere: which is best depends on the surface and on the
# learning rate, which is why the learning rate is the first thing to tune.
#
# Four optimizers, one network
# ----------------------------
#
# Now the real thing: the same small CNN (``compact_cnn``: two convolution and pooling
# blocks and a dense layer) trained on MNIST four times, once per
# optimizer, each with Keras' default learning rate (0.01 for SGD, 0.001 for RMSprop and
# Adam). :func:`convbook.comparisons.compare_optimizers` seeds every random generator and
# builds a fresh model before each run, so all four start from the same weights and see
# the training images in the same order: the optimizer is the only difference. Each run
# trains on the whole training set and is scored on the whole test set (the ``smoke``
# budget, which only checks that the code runs, uses a small subset for fewer epochs).
# The page prints the plan of this build, the model's size and each run's learning rate.
from convbook import comparisons, devices, settings, training

budget = settings.budget()
whole_data = {"train_samples": None, "test_samples": None, "epochs": 3}
plan = {
    "smoke": {"train_samples": 5000, "test_samples": 2000, "epochs": 2},
    "full": whole_data,
    "long": whole_data,
}[budget]
print("budget:", budget, plan)
print("device:", devices.describe())
data = training.prepare(
    "mnist", train_samples=plan["train_samples"], test_samples=plan["test_samples"]
)
print("training images:", data.x_train.shape, "test images:", data.x_test.shape)
runs = comparisons.compare_optimizers(
    data, ["sgd", "momentum", "rmsprop", "adam"], model="compact_cnn", epochs=plan["epochs"]
)
print(comparisons.format_comparison(runs))
print("weights in compact_cnn:", runs["adam"].model.count_params())
for name, result in runs.items():
    print(f"{name:8s} learning rate {float(result.model.optimizer.learning_rate.numpy()):g}")

# %%
# The table gives each run's test accuracy and loss and how long the training took. Most
# of the time goes into computing the gradients, which is the same work for every
# optimizer; an optimizer's own update is cheap next to it, so the times per epoch should
# differ little. What difference there is comes mostly from outside the optimizer: the
# one-off cost of building the training step, which weighs most in a short run, and other
# work on the machine. The spread in this build:
per_epoch = {name: result.seconds_per_epoch for name, result in runs.items()}
slowest, fastest = max(per_epoch, key=per_epoch.get), min(per_epoch, key=per_epoch.get)
print(
    f"time per epoch: fastest {fastest} {per_epoch[fastest]:.1f} s, "
    f"slowest {slowest} {per_epoch[slowest]:.1f} s "
    f"({per_epoch[slowest] / per_epoch[fastest] - 1:.0%} more)"
)

# %%
# What differs is how much each update achieves. The validation curves show how each run
# progressed, epoch by epoch:
fig = training_plots.show_histories(
    {name: result.history for name, result in runs.items()},
    title=f"compact_cnn on MNIST ({budget} budget): validation loss and accuracy per optimizer",
)

# %%
# With its default learning rate, plain SGD takes small steps, so after the same number
# of epochs it is expected to trail the others. How far each of the two SGD runs is from
# the better of the adaptive optimizers in this build, and whether momentum narrowed the
# gap, is printed here:
adaptive_best = max(runs["rmsprop"].test_accuracy, runs["adam"].test_accuracy)
for name in ("sgd", "momentum"):
    gap = adaptive_best - runs[name].test_accuracy
    print(
        f"{name:8s} test accuracy {runs[name].test_accuracy:.4f}, "
        f"{100 * gap:.1f} percentage points below the better of RMSprop and Adam"
    )
adaptive_worst = min(runs["rmsprop"].test_accuracy, runs["adam"].test_accuracy)
print("plain SGD trails both adaptive optimizers:", runs["sgd"].test_accuracy < adaptive_worst)
print("momentum narrows the gap:", runs["momentum"].test_accuracy > runs["sgd"].test_accuracy)

# %%
# The adaptive optimizers, RMSprop and Adam, get far in few epochs without any tuning,
# which is why Adam is the default choice in most of this book.
# Plain SGD is not useless: with a tuned learning rate, often a schedule that lowers it
# over time, and many epochs, SGD with momentum can match or beat Adam's final accuracy,
# and it was used to train many of the famous image networks.
best = max(runs, key=lambda name: runs[name].test_accuracy)
print(f"best test accuracy in this run: {best} ({runs[best].test_accuracy:.4f})")

# %%
# Exercises
# ---------
#
# 1. Plot ``activations.leaky_relu`` and its derivative with
#    ``training_plots.show_activations(["relu", "leaky_relu"])``. What is the slope for
#    negative inputs, and why does that keep a "dead" neuron trainable?
# 2. Compute ``activations.softmax(scores * 10)`` and ``activations.softmax(scores / 10)``
#    for the scores above. What happens to the probabilities when all scores are scaled up
#    or down? (Dividing the scores by a number :math:`T` before the softmax is called a
#    *temperature* of :math:`T`: ``scores / 10`` is :math:`T = 10`, ``scores * 10`` is
#    :math:`T = 0.1`.)
# 3. Run ``activations.optimizer_paths("bowl", ["sgd"], learning_rate=0.55)`` and look at
#    the path. Why does SGD diverge for any learning rate above 0.5 on this bowl? (Hint:
#    what does one step do to :math:`y`?)
# 4. Try the ``"rosenbrock"`` surface with ``steps=500`` and small learning rates
#    (``{"sgd": 0.001, "momentum": 0.0005, "rmsprop": 0.01, "adam": 0.05}``). Which
#    optimizer gets along the curved valley to the minimum at (1, 1)?
# 5. Pass ``{"sgd": 0.1, "adam": 0.001}`` to ``compare_optimizers``. How close does SGD
#    with a ten times larger learning rate get to Adam?

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you open its solution. The solutions run every time
# the book is built, so their numbers come from this library and this Keras version.
#
# .. solution:: Exercise 1
#
#    Leaky ReLU keeps a slope of 0.2 for every negative input, where ReLU's slope is
#    exactly 0. (0.2 is also the default of ``keras.activations.leaky_relu``; Keras'
#    ``LeakyReLU`` layer defaults to 0.3.) A neuron is "dead" when its weighted sum is negative for
#    every example: with ReLU, backpropagation multiplies everything that reaches it by 0,
#    so its weights and bias never change again and it stays dead. With leaky ReLU a fifth
#    of the gradient still gets through, so gradient descent can move the weights and
#    bring the sum back above zero.
fig = training_plots.show_activations(
    ["relu", "leaky_relu"], title="Below zero, ReLU's slope is 0 and leaky ReLU's is 0.2"
)
negative_sums = np.array([-5.0, -1.0, -0.1])
print("relu slope at z = -5, -1, -0.1:      ", activations.relu_gradient(negative_sums).tolist())
print(
    "leaky_relu slope at z = -5, -1, -0.1:",
    np.round(activations.leaky_relu_gradient(negative_sums), 4).tolist(),
)

# %%
# .. solution:: Exercise 2
#
#    Softmax depends only on the differences between scores: the ratio of two
#    probabilities is :math:`e^{(z_i - z_j)/T}`. Multiplying the scores by 10
#    (:math:`T = 0.1`) multiplies every difference by 10, so the top class takes almost
#    all the probability, more than 0.9999. Dividing by 10 (:math:`T = 10`) shrinks the
#    differences to a few tenths, so the probabilities move close to uniform, between
#    about 0.21 and 0.29. In both cases the order of the classes stays the same: the
#    temperature changes how confident the output is, never which class wins.
for label, scaled in (("T = 0.1", scores * 10), ("T = 1  ", scores), ("T = 10 ", scores / 10)):
    print(label, ", ".join(f"{p:.5f}" for p in activations.softmax(scaled)))
orders = [np.argsort(activations.softmax(scores * f)).tolist() for f in (10, 1, 0.1)]
print("same order of classes at every temperature:", orders[0] == orders[1] == orders[2])

# %%
# .. solution:: Exercise 3
#
#    One SGD step on this bowl sets :math:`y \leftarrow y - \eta \cdot 4y = (1 - 4\eta)y`.
#    The step shrinks :math:`y` only while :math:`|1 - 4\eta| < 1`, that is for
#    :math:`0 < \eta < 0.5`. At :math:`\eta = 0.55` the factor is :math:`-1.2`: every step
#    jumps across the valley and lands 20% further from the floor than it started. After
#    50 steps :math:`|y|` has grown from 2 to :math:`2 \times 1.2^{50} \approx 18{,}200`,
#    while :math:`x`, with the factor :math:`1 - 0.55 \times 0.2 = 0.89`, still shrinks.
#    The steep direction alone decides when SGD diverges.
diverging = activations.optimizer_paths("bowl", ["sgd"], learning_rate=0.55)["sgd"]
y_ratios = diverging[1:, 1] / diverging[:-1, 1]
print("y after each of the first 5 steps:", ", ".join(f"{y:+.3f}" for y in diverging[1:6, 1]))
print(f"y_next / y: from {y_ratios.min():.4f} to {y_ratios.max():.4f} (predicted -1.2)")
print(f"after 50 steps: x = {diverging[-1, 0]:.4f}, y = {diverging[-1, 1]:,.0f}")

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 4))
for rate, path in ((0.4, paths["sgd"]), (0.55, diverging)):
    ax.plot(
        np.abs(path[:, 1]), marker=".", label=f"learning rate {rate}: factor {1 - 4 * rate:+.2f}"
    )
ax.set_yscale("log")
ax.set(
    xlabel="step",
    ylabel="|y|, distance from the valley floor",
    title="SGD on the bowl: |y| shrinks at rate 0.4 and grows at 0.55",
)
ax.legend()

# %%
# .. solution:: Exercise 4
#
#    None of them reaches (1, 1) in 500 steps with these rates. The Rosenbrock valley is
#    steep across and almost flat along its curved floor, so a rate small enough not to
#    bounce across it moves very slowly along it. Plain SGD barely leaves the left arm of
#    the valley. RMSprop's steps have about the size of its rate whatever the gradient,
#    so it walks along the floor at a steady pace and is roughly halfway. Momentum piles
#    up the small, consistent push along the floor, and Adam rescales its steps like
#    RMSprop with a larger rate: these two get furthest, onto the right arm, but are still
#    short of the minimum. The code prints where each one ends:
valley_rates = {"sgd": 0.001, "momentum": 0.0005, "rmsprop": 0.01, "adam": 0.05}
valley_paths = activations.optimizer_paths(
    "rosenbrock", valley_rates, learning_rate=valley_rates, steps=500
)
rosenbrock = activations.SURFACES["rosenbrock"]
for name, path in valley_paths.items():
    distances = np.linalg.norm(path - np.array(rosenbrock.minimum), axis=1)
    print(
        f"{name:8s} ends at ({path[-1, 0]:+.3f}, {path[-1, 1]:+.3f}), loss "
        f"{rosenbrock.value(path[-1]):.3f}, closest to (1, 1) on the way: {distances.min():.3f}"
    )
furthest = max(valley_paths, key=lambda name: valley_paths[name][-1, 0])
print("furthest along the valley (largest x):", furthest)

# %%
# .. solution:: Exercise 5
#
#    Retraining on the full data would cost as much as the whole comparison above, so the
#    three candidates run on a small plan, set here whatever the budget: 2,000 training
#    and 1,000 test images, one epoch, in batches of 32 so that the epoch still holds 57
#    updates. With SGD a step is the rate times the gradient, so ten times the rate means
#    ten times longer steps, and in a short run that is what plain SGD lacks. Look at how
#    much of the default SGD's gap to Adam the larger rate closes. On a longer run every
#    optimizer gets nearer to what the network can reach, so the gap that is left usually
#    shrinks further; a still larger rate is risky, as exercise 3 showed on the bowl. (In
#    so short a run the fit times mostly measure building the training step.)
small_data = training.prepare("mnist", train_samples=2000, test_samples=1000)
tenfold = comparisons.compare_optimizers(
    small_data, {"sgd": 0.1, "adam": 0.001}, model="compact_cnn", epochs=1, batch_size=32
)
default_sgd = comparisons.compare_optimizers(
    small_data, ["sgd"], model="compact_cnn", epochs=1, batch_size=32
)
rate_runs = {
    "sgd, rate 0.01": default_sgd["sgd"],
    "sgd, rate 0.1": tenfold["sgd"],
    "adam, rate 0.001": tenfold["adam"],
}
print(comparisons.format_comparison(rate_runs))
for label in ("sgd, rate 0.01", "sgd, rate 0.1"):
    gap = rate_runs["adam, rate 0.001"].test_accuracy - rate_runs[label].test_accuracy
    print(f"{label}: {100 * gap:.1f} percentage points below Adam")
