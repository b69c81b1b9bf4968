"""
Activations, losses and optimizers
==================================

A network is built from three kinds of parts. Activation functions bend each layer's
weighted sums, so that a stack of layers can represent more than a straight line. The
output layer and a loss function turn the last layer's scores into a prediction and measure
how wrong it is: cross-entropy for classes and for yes/no answers, squared or absolute error
for numbers. An optimizer uses the gradient of that loss to change the weights. This
chapter writes each part out in NumPy (some with :mod:`convbook.activations`), checks it
against Keras, plots it, and ends by training one small network on MNIST with four
different optimizers.
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
# Leaky ReLU and PReLU
# --------------------
#
# Leaky ReLU gives negative inputs a small slope :math:`a` instead of 0, so that a neuron
# whose weighted sum is negative still passes some gradient back;
# ``keras.activations.leaky_relu`` fixes :math:`a` at 0.2 unless told otherwise.
# *PReLU*, the parametric ReLU of He et al. (2015), uses the same formula but treats
# :math:`a` as a weight of the network:
#
# .. math::
#
#    f(z) = \begin{cases} z & \text{if } z > 0 \\ a z & \text{otherwise} \end{cases}
#    \qquad
#    \frac{\partial f}{\partial a} = \begin{cases} 0 & \text{if } z > 0 \\ z & \text{otherwise}
#    \end{cases}
#
# Backpropagation multiplies the right-hand derivative by the gradient arriving from the
# layer above, exactly as it does for a kernel weight, and the optimizer updates
# :math:`a` with the rest. In Keras PReLU is a layer, ``keras.layers.PReLU``, and its
# weights are the slopes. How many there are depends on ``shared_axes``: without it, every
# value of the layer's input gets a slope of its own; ``shared_axes=[1, 2]`` shares one
# slope across height and width, which after a convolution leaves one slope per channel.
conv = keras.layers.Conv2D(32, 3)
features = conv(keras.Input((28, 28, 1)))
per_value = keras.layers.PReLU()
per_channel = keras.layers.PReLU(shared_axes=[1, 2])
per_value(features)
per_channel(features)
print("convolution output shape:", features.shape)
print("weights of the convolution:          ", conv.count_params())
print("slopes of PReLU():                   ", per_value.count_params())
print("slopes of PReLU(shared_axes=[1, 2]): ", per_channel.count_params())
print("a new layer's slopes:", np.unique(per_channel.get_weights()[0]).tolist())

# %%
# Without sharing, the activation would hold far more weights than the convolution in front
# of it. A new PReLU layer starts with every slope at 0, that is, as a plain ReLU, and
# training moves the slopes from there (He et al. started theirs at 0.25). Given slopes,
# the layer computes the formula above, one slope per channel broadcast over height and
# width:
slopes = np.random.default_rng(0).uniform(-0.5, 0.5, size=(1, 1, 32)).astype("float32")
per_channel.set_weights([slopes])
feature_maps = np.random.default_rng(1).normal(size=(4, 26, 26, 32)).astype("float32")
prelu_numpy = np.where(feature_maps > 0, feature_maps, slopes * feature_maps)
prelu_keras = keras.ops.convert_to_numpy(per_channel(feature_maps))
prelu_difference = float(np.abs(prelu_numpy - prelu_keras).max())
print(f"largest difference from keras.layers.PReLU: {prelu_difference:.1e}")

# %%
# ReLU is PReLU with :math:`a = 0` and leaky ReLU is PReLU with :math:`a` frozen at 0.2.
# Training may also pick a slope above 0.2, or a negative one, which makes the function
# fall again to the left of zero. Two such slopes, drawn dashed next to the fixed ones:
fig = training_plots.show_activations(
    ["relu", "leaky_relu"],
    title="ReLU and leaky ReLU fix the slope below zero; PReLU learns it (two examples dashed)",
)
ax_function, ax_derivative = fig.axes
z_axis = np.linspace(-5, 5, 801)
for slope, color in ((0.5, "tab:green"), (-0.25, "tab:red")):
    prelu_values = np.where(z_axis > 0, z_axis, slope * z_axis)
    prelu_slopes = np.where(z_axis > 0, 1.0, slope)
    ax_function.plot(z_axis, prelu_values, "--", color=color, label=f"PReLU, a = {slope}")
    ax_derivative.plot(z_axis, prelu_slopes, "--", color=color, label=f"PReLU', a = {slope}")
ax_function.legend()
ax_derivative.legend()

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
# Which loss for which task
# -------------------------
#
# Not every network picks one class out of several, and the loss has to fit what the
# target is. It is chosen together with the output layer:
#
# * **A number** (a price, an age, the position of an object; this is *regression*): an
#   output layer without activation, and the mean squared or the mean absolute error,
#
#   .. math::
#
#      \text{MSE} = \frac{1}{n} \sum_{i=1}^{n} (\hat y_i - y_i)^2, \qquad
#      \text{MAE} = \frac{1}{n} \sum_{i=1}^{n} |\hat y_i - y_i|.
#
#   MSE is the usual choice; MAE suits targets that contain outliers (shown below).
# * **Yes or no**, or several independent yes/no questions at once (*multi-label*: which
#   of these objects appear in the photo?): one sigmoid output per question, each a
#   probability :math:`p_i` of "yes", and the binary cross-entropy, averaged over the
#   outputs,
#
#   .. math::
#
#      \text{BCE} = -\frac{1}{n} \sum_{i=1}^{n} \big( y_i \log p_i + (1 - y_i) \log(1 - p_i)
#      \big), \qquad y_i \in \{0, 1\}.
#
#   A softmax would be wrong here: it makes the outputs compete for one unit of
#   probability, while two answers can both be yes.
# * **One class out of several** (which digit is it?): a softmax output and the
#   categorical cross-entropy of the previous section, with one-hot targets, or the sparse
#   categorical cross-entropy with integer labels; the two give the same number.
#
# Wherever a sigmoid or a softmax makes the probabilities, the model can instead output the
# raw scores and leave both steps to the loss, told ``from_logits=True``. For the sigmoid,
# :math:`\log p = -\log(1 + e^{-z})` and :math:`\log(1 - p) = -z - \log(1 + e^{-z})`, so
# the binary cross-entropy of a score :math:`z` is :math:`(1 - y) z + \log(1 + e^{-z})`,
# which is written as :math:`\max(z, 0) - y z + \log(1 + e^{-|z|})` so that no exponent is
# ever positive. Each formula is one line of NumPy, and each agrees with its function in
# ``keras.losses``, which returns one loss per row (averaging or summing over the last
# axis):
rng = np.random.default_rng(0)
y_number = rng.normal(size=(6, 3)).astype("float32")
predicted_number = rng.normal(size=(6, 3)).astype("float32")
mse = np.mean((predicted_number - y_number) ** 2, axis=-1)
mae = np.mean(np.abs(predicted_number - y_number), axis=-1)

logits = rng.normal(scale=3.0, size=(6, 3)).astype("float32")
y_yes_no = rng.integers(0, 2, size=(6, 3)).astype("float32")
p_yes = activations.sigmoid(logits)
bce = -np.mean(y_yes_no * np.log(p_yes) + (1 - y_yes_no) * np.log(1 - p_yes), axis=-1)
bce_from_logits = np.mean(
    np.maximum(logits, 0) - y_yes_no * logits + np.log1p(np.exp(-np.abs(logits))), axis=-1
)

class_labels = rng.integers(0, 3, size=6)
one_hot = np.eye(3, dtype="float32")[class_labels]
p_class = activations.softmax(logits)
cce = -np.sum(one_hot * np.log(p_class), axis=-1)
sparse_cce = -np.log(p_class[np.arange(6), class_labels])
cce_from_logits = -np.sum(one_hot * activations.log_softmax(logits), axis=-1)

loss_checks = {
    "mean_squared_error": (mse, keras.losses.mean_squared_error(y_number, predicted_number)),
    "mean_absolute_error": (mae, keras.losses.mean_absolute_error(y_number, predicted_number)),
    "binary_crossentropy": (bce, keras.losses.binary_crossentropy(y_yes_no, p_yes)),
    "binary_crossentropy, from_logits": (
        bce_from_logits,
        keras.losses.binary_crossentropy(y_yes_no, logits, from_logits=True),
    ),
    "categorical_crossentropy": (cce, keras.losses.categorical_crossentropy(one_hot, p_class)),
    "sparse_categorical_crossentropy": (
        sparse_cce,
        keras.losses.sparse_categorical_crossentropy(class_labels, p_class),
    ),
    "categorical_crossentropy, from_logits": (
        cce_from_logits,
        keras.losses.categorical_crossentropy(one_hot, logits, from_logits=True),
    ),
}
loss_differences = {
    name: float(np.abs(ours - keras.ops.convert_to_numpy(theirs)).max())
    for name, (ours, theirs) in loss_checks.items()
}
for name, difference in loss_differences.items():
    print(f"{name:40s} largest difference from keras.losses: {difference:.1e}")
print("one-hot and sparse labels give the same losses:", np.allclose(cce, sparse_cce))

# %%
# Why ``from_logits=True``? Before taking the logarithm of a probability, Keras clips it to
# at least :math:`\epsilon = 10^{-7}`, so that :math:`\log 0` cannot occur; every
# probability below that is treated alike, although the scores behind them still differ.
# Here a yes/no output whose true answer is yes becomes more and more confidently wrong:
true_yes = np.array([[1.0]], dtype="float32")
clipped_losses, exact_losses = [], []
for score in (-5.0, -20.0, -100.0):
    z = np.array([[score]], dtype="float32")
    from_probability = float(keras.losses.binary_crossentropy(true_yes, activations.sigmoid(z))[0])
    from_score = float(keras.losses.binary_crossentropy(true_yes, z, from_logits=True)[0])
    clipped_losses.append(from_probability)
    exact_losses.append(from_score)
    print(
        f"score {score:6.1f}: p = {float(activations.sigmoid(z)[0, 0]):.1e}, "
        f"loss from p {from_probability:7.3f}, from the score {from_score:7.3f}"
    )
print(f"-log(1e-7) = {-np.log(1e-7):.3f}")

# %%
# From the probability the loss stops at :math:`-\log 10^{-7}` however wrong the score
# gets, and where the clip bites the loss is flat, so it no longer tells the network how
# wrong it is. From the score it is exact. (The probabilities went to the loss as NumPy
# arrays here; a Keras back-end may spot a sigmoid tensor and use its score anyway.)
#
# The figure puts the losses side by side. On the left, for numbers, the squared error
# grows with the square of the miss and the absolute error in proportion to it. In the
# middle, for a yes/no question whose answer is yes, the three losses against the
# probability the model gave to "yes". On the right, what training actually uses: each
# loss's derivative with respect to the score :math:`z` behind :math:`p = \sigma(z)`.
fig = training_plots.show_losses()

# %%
# The right-hand panel shows why a classifier is not trained with the squared error. With
# :math:`\sigma'(z) = p(1 - p)` the chain rule gives, for the true answer :math:`y`,
#
# .. math::
#
#    \frac{\partial\, \text{BCE}}{\partial z} = p - y, \qquad
#    \frac{\partial (p - y)^2}{\partial z} = 2 (p - y)\, p (1 - p).
#
# When the answer is yes and the score is very negative, :math:`p` is close to 0: the
# cross-entropy's derivative is close to -1, a full push, while the squared error's is
# multiplied by :math:`p(1 - p)`, which is close to 0. The worse the mistake, the less MSE
# does about it. (Softmax with categorical cross-entropy has the same simple derivative,
# :math:`p_k - y_k` for each score.) The numbers, checked against a finite difference:
score_values = np.array([-10.0, -5.0, 0.0, 5.0])
p_values = activations.sigmoid(score_values)
gradient_bce = p_values - 1.0
gradient_mse = 2 * (p_values - 1.0) * p_values * (1 - p_values)
step = 1e-6
numeric_bce = (
    -np.log(activations.sigmoid(score_values + step))
    + np.log(activations.sigmoid(score_values - step))
) / (2 * step)
numeric_mse = (
    (1 - activations.sigmoid(score_values + step)) ** 2
    - (1 - activations.sigmoid(score_values - step)) ** 2
) / (2 * step)
for z, p, g_bce, g_mse in zip(score_values, p_values, gradient_bce, gradient_mse, strict=True):
    print(f"score {z:5.1f}: p = {p:.5f}, dBCE/dz = {g_bce:+.5f}, dMSE/dz = {g_mse:+.6f}")
finite_difference_error = max(
    np.abs(numeric_bce - gradient_bce).max(), np.abs(numeric_mse - gradient_mse).max()
)
print(f"largest difference from the finite differences: {finite_difference_error:.1e}")
push_ratio = gradient_bce[0] / gradient_mse[0]
print(f"at score -10 cross-entropy pushes {push_ratio:,.0f} times harder than MSE")

# %%
# MSE or MAE? Squaring makes a large error count far more than a small one: a miss of 10
# costs 100. So a single bad target can pull the whole fit towards itself. The derivative
# of MAE is just the sign of the error, so every point pulls equally hard, however far
# away it lies. Here Keras fits a line, one ``Dense(1)`` unit, to 30 points near
# :math:`y = 2x + 1`, one of which was entered wrongly as 12; once with ``loss="mse"``, once
# with ``loss="mae"``. (``fit`` sets up its loop once per epoch, so the 30 points are
# repeated 1,000 times and given to it as one epoch in unshuffled batches of 30: 1,000
# steps, each on all 30 points.) For comparison, NumPy's least-squares lines: through all
# 30 points, which is the exact minimum of the MSE, and through the 29 good ones only.
rng = np.random.default_rng(1)
x_points = np.linspace(0, 1, 30, dtype="float32")[:, np.newaxis]
y_points = (2 * x_points[:, 0] + 1 + rng.normal(0, 0.05, 30)).astype("float32")
y_points[-3] = 12.0
lines = {}
for loss_name in ("mse", "mae"):
    keras.utils.set_random_seed(0)
    line = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    line.compile(optimizer=keras.optimizers.Adam(0.1), loss=loss_name)
    repeated_x, repeated_y = np.tile(x_points, (1000, 1)), np.tile(y_points, 1000)
    line.fit(repeated_x, repeated_y, batch_size=30, shuffle=False, verbose=0)
    kernel, bias = line.get_weights()
    lines[loss_name] = (float(kernel[0, 0]), float(bias[0]))
    print(f"Keras, {loss_name}:                    y = {kernel[0, 0]:.2f} x + {bias[0]:.2f}")
all_points = np.polyfit(x_points[:, 0], y_points, 1)
good = np.arange(30) != 27
good_points = np.polyfit(x_points[good, 0], y_points[good], 1)
print(f"least squares, all 30 points:  y = {all_points[0]:.2f} x + {all_points[1]:.2f}")
print(f"least squares, 29 good points: y = {good_points[0]:.2f} x + {good_points[1]:.2f}")

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(x_points[:, 0], y_points, "o", color="black", markersize=4, label="data")
for loss_name, (slope, intercept) in lines.items():
    ax.plot(x_points[:, 0], slope * x_points[:, 0] + intercept, linewidth=2, label=loss_name)
ax.set(
    xlabel="x",
    ylabel="y",
    title="One wrong point drags the MSE line; the MAE line stays with the others",
)
ax.legend()

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
# speed and steps that alternate cancel out. *Nesterov momentum* takes the gradient not at
# :math:`w` but at :math:`w + \mu v`, the point the velocity is about to carry it to, so
# it starts braking one step before an overshoot instead of after it. Keras uses an
# equivalent form that needs the gradient at :math:`w` only:
#
# .. math::
#
#    \text{Nesterov:}\quad v \leftarrow \mu v - \eta g,\;\;
#    w \leftarrow w + \mu v - \eta g
#
# The adaptive optimizers give every weight a step size of its own. *Adagrad* adds up the
# squares of all the gradients a weight has had so far and divides its step by the square
# root of that sum (all operations elementwise, one :math:`G` per weight; Keras starts
# :math:`G` at 0.1):
#
# .. math::
#
#    \text{Adagrad:}\quad G \leftarrow G + g^2,\;\;
#    w \leftarrow w - \frac{\eta}{\sqrt{G + \epsilon}}\, g
#
# A weight with steep gradients takes small steps and a weight with gentle ones large
# steps. But :math:`G` can only grow, so the effective rate :math:`\eta / \sqrt{G}` shrinks
# with every step, whether the weight is near its goal or not; over a long training run it
# can become so small that learning stalls. RMSprop keeps Adagrad's division and replaces
# the sum by a moving average, :math:`G \leftarrow \rho G + (1 - \rho) g^2` (Keras:
# :math:`\rho = 0.9`), which forgets old gradients: its step size follows the recent
# gradients instead of decaying for ever. Adam does the same and also keeps a moving
# average of the gradients themselves, a momentum, which it divides by the square root of
# the average of their squares.
#
# To watch them, :func:`~convbook.activations.optimizer_paths` lets Keras' real optimizers
# minimise :math:`f(x, y) = 0.1x^2 + 2y^2`, a bowl twenty times steeper across (:math:`y`)
# than along (:math:`x`), like the loss surfaces of real networks, where some directions
# are much steeper than others. The two "weights" are the point's coordinates.
rates = {
    "sgd": 0.4,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 1.0,
    "rmsprop": 0.1,
    "adam": 0.3,
}
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
# Nesterov's and Adagrad's update rules are a few lines of NumPy each. Started from the same
# point with the same rates, these loops retrace the paths Keras took, and the Adagrad loop
# records its effective rate :math:`\eta / \sqrt{G + \epsilon}` for each coordinate:
start = np.array(bowl.start)
point, velocity, nesterov_path = start.copy(), np.zeros(2), [start.copy()]
for _ in range(50):
    gradient = bowl.gradient(point)
    velocity = 0.9 * velocity - rates["nesterov"] * gradient
    point = point + 0.9 * velocity - rates["nesterov"] * gradient
    nesterov_path.append(point)
point, squares, adagrad_path, effective_rates = start.copy(), np.full(2, 0.1), [start], []
for _ in range(50):
    gradient = bowl.gradient(point)
    squares = squares + gradient**2
    effective_rates.append(rates["adagrad"] / np.sqrt(squares + 1e-7))
    point = point - effective_rates[-1] * gradient
    adagrad_path.append(point)
numpy_paths = {"nesterov": np.array(nesterov_path), "adagrad": np.array(adagrad_path)}
for name, numpy_path in numpy_paths.items():
    difference = np.abs(numpy_path - paths[name]).max()
    print(f"{name:8s} NumPy loop against Keras' path, largest difference: {difference:.1e}")
for step in (1, 10, 50):
    x_rate, y_rate = effective_rates[step - 1]
    print(f"Adagrad's effective rate at step {step:2d}: x {x_rate:.4f}, y {y_rate:.4f}")
overshoot = {name: float(paths[name][:, 0].max()) for name in ("momentum", "nesterov")}
for name, furthest in overshoot.items():
    print(f"{name:8s} furthest past the minimum along x: x = {furthest:.2f}")
print("Nesterov overshoots less than momentum:", overshoot["nesterov"] < overshoot["momentum"])

# %%
# For plain SGD on this bowl one step multiplies each coordinate by a fixed factor,
# because the gradient of :math:`0.1x^2` is :math:`0.2x` and that of :math:`2y^2` is
# :math:`4y`:
eta = rates["sgd"]
print(f"x <- x - {eta} * 0.2x = {1 - eta * 0.2:.2f} x")
print(f"y <- y - {eta} * 4y   = {1 - eta * 4:.2f} y")
print(f"|1 - eta * 4| < 1 only while eta < {2 / 4}")

# %%
# Plain SGD needs a learning rate below 0.5 here, or it overshoots across the steep
# :math:`y` direction by more each step and diverges (try it in exercise 3). At 0.4 the
# factor for :math:`y` is negative, -0.60, so it zigzags across the valley, while
# :math:`x` keeps 0.92 of its value per step: it crawls along the valley floor, and the
# steep direction forbids a larger step. With a well-chosen learning rate it does well on
# this simple bowl.
# Momentum with :math:`\mu = 0.9` builds up speed, overshoots and oscillates around the
# minimum before settling. Nesterov momentum, at the same rate, swings less far past it
# (the printout compares the two): its gradient, taken where the velocity is heading,
# starts pulling back earlier. RMSprop, Adam and Adagrad rescale the two coordinates
# separately, so they head for the minimum diagonally, moving :math:`x` and :math:`y` at a
# similar pace from the start. Adagrad's effective rates only fall, and the steep
# :math:`y` direction got the smaller one from the first step. On this bowl the falling
# rate does no harm: the gradients shrink as the point arrives, so the sum :math:`G` soon
# stops growing. No optimizer wins everywhere: which is best depends on the surface and on
# the learning rate, which is why the learning rate is the first thing to tune. Which one
# got lowest on this bowl, with these rates:
after_50 = {name: float(bowl.value(path[-1])) for name, path in paths.items()}
print("lowest loss after 50 steps:", min(after_50, key=after_50.get))

# %%
# Where the gradients do not shrink, Adagrad's falling rate does harm. Take a long, even
# slope with the same gradient :math:`g = 1` at every step: Adagrad's sum grows by 1 per
# step, so its :math:`t`-th step is :math:`\eta / \sqrt{0.1 + t}` and shrinks like
# :math:`1 / \sqrt{t}`, while RMSprop's moving average settles at 1 and its steps settle
# at :math:`\eta`. Both rules in NumPy, with :math:`\eta = 0.1` and Keras' starting
# values:
adagrad_sum, rmsprop_average = 0.1, 0.0
adagrad_steps, rmsprop_steps = [], []
for _ in range(1000):
    slope_gradient = 1.0
    adagrad_sum = adagrad_sum + slope_gradient**2
    rmsprop_average = 0.9 * rmsprop_average + 0.1 * slope_gradient**2
    adagrad_steps.append(0.1 * slope_gradient / np.sqrt(adagrad_sum + 1e-7))
    rmsprop_steps.append(0.1 * slope_gradient / np.sqrt(rmsprop_average + 1e-7))
for step in (1, 10, 100, 1000):
    print(
        f"step {step:4d}: Adagrad moves {adagrad_steps[step - 1]:.4f}, "
        f"RMSprop {rmsprop_steps[step - 1]:.4f}"
    )
print(
    f"distance covered in 1000 steps: Adagrad {sum(adagrad_steps):.1f}, "
    f"RMSprop {sum(rmsprop_steps):.1f}"
)

# %%
# RMSprop's first steps are larger than :math:`\eta` while its average fills up from 0;
# after that it keeps walking at the same pace, while Adagrad slows down for ever. In a
# network, gradients stay far from zero for thousands of steps, so Adagrad's rates keep
# falling while there is still much to learn.

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
# The page prints the plan of this build, the model's size, each run's learning rate and
# the precision the runs computed in: on a CPU with bfloat16 instructions the book trains
# this network in ``mixed_bfloat16``, which is faster there and the same for every
# optimizer (see :ref:`sphx_glr_auto_gallery_03_performance_01_making_it_fast.py`).
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
print("precision:", runs["adam"].precision)
for name, result in runs.items():
    print(f"{name:8s} learning rate {float(result.model.optimizer.learning_rate.numpy()):g}")

# %%
# Nesterov momentum and Adagrad are left out here: each optimizer is one more training run
# as long as the others, and this build's runs took, on average:
average_fit = float(np.mean([result.wall_time_s for result in runs.values()]))
print(f"average fit time per run: {average_fit:.1f} s")
print(f"two more optimizers would add about {2 * average_fit:.0f} s to this page")

# %%
# Exercise 8 compares them on a small plan instead.
#
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
# 6. A model that must predict a number without any input to go on can only predict a
#    constant :math:`c`. For the delivery times 12, 14, 15, 16, 18, 19 and 95 minutes (the
#    last one's van broke down), try every :math:`c` from 0 to 100 in steps of 0.01 and find
#    the one with the lowest MSE and the one with the lowest MAE. Compare them with
#    ``np.mean`` and ``np.median``. What happens to each when the 95 becomes 190?
# 7. Build a small CNN with ``keras.layers.PReLU(shared_axes=[1, 2])`` after each of two
#    convolutions (16 and then 32 filters of 3x3, each followed by 2x2 max pooling, then a
#    softmax ``Dense(10)``). How many weights do the two PReLU layers add? Train it with
#    ``training.train`` on the small plan of exercise 5 (2,000 training and 1,000 test
#    images, one epoch, batches of 32) and look at the learned slopes: are they still 0?
# 8. Run ``compare_optimizers`` with ``["momentum", "nesterov", "adagrad"]`` on the same
#    small plan and compare them with Adam's run in exercise 5; then give Adagrad a ten
#    times larger rate, ``{"adagrad": 0.01}``. Why does Adagrad fall so far behind at
#    Keras' default rate of 0.001? (Hint: compare its first step for a small gradient
#    with plain SGD's, and read its sums :math:`G`, which Keras keeps in the optimizer's
#    ``variables`` under names ending in ``_accumulator``.)

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

# %%
# .. solution:: Exercise 6
#
#    The MSE of a constant, :math:`\frac{1}{n}\sum_i (c - y_i)^2`, has the derivative
#    :math:`2(c - \bar y)`, which is zero at the mean :math:`\bar y`; the scan finds the
#    mean. The MAE's derivative is the number of values below :math:`c` minus the number
#    above it, divided by :math:`n`, which is zero where half the values lie on either
#    side: at the median. One very late delivery drags the mean far above every ordinary
#    delivery time, and doubling it drags the mean further still, while the median does
#    not move at all, because only the order of the values matters to it. This is MAE's
#    robustness in its simplest form.
candidates = np.arange(0, 100.005, 0.01)
for late in (95.0, 190.0):
    times = np.array([12.0, 14.0, 15.0, 16.0, 18.0, 19.0, late])
    errors = candidates[:, np.newaxis] - times
    best_mse = candidates[np.argmin(np.mean(errors**2, axis=1))]
    best_mae = candidates[np.argmin(np.mean(np.abs(errors), axis=1))]
    print(
        f"late delivery {late:5.1f} min: lowest MSE at c = {best_mse:.2f} "
        f"(mean {np.mean(times):.2f}), lowest MAE at c = {best_mae:.2f} "
        f"(median {np.median(times):.2f})"
    )

# %%
# .. solution:: Exercise 7
#
#    With ``shared_axes=[1, 2]`` each PReLU layer has one slope per channel: 16 for the
#    first and 32 for the second, 48 weights in all, a tiny addition to the thousands of
#    the convolutions. Keras starts every slope at 0, so before training the network is the
#    same as one with ReLU. Training moves the slopes along with the other weights: after
#    one short epoch they are no longer 0, some a little positive and some a little
#    negative, and they differ from channel to channel. The moves are small because the
#    run is short: Adam moves a weight by about its learning rate, 0.001, per step at the
#    most, and one epoch of this plan is 57 steps.
training.seed_everything(0)
prelu_cnn = keras.Sequential(
    [
        keras.Input(small_data.input_shape),
        keras.layers.Conv2D(16, 3),
        keras.layers.PReLU(shared_axes=[1, 2]),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3),
        keras.layers.PReLU(shared_axes=[1, 2]),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
prelu_layers = [layer for layer in prelu_cnn.layers if isinstance(layer, keras.layers.PReLU)]
print("weights of the PReLU layers:", [layer.count_params() for layer in prelu_layers])
print("weights of the whole network:", prelu_cnn.count_params())
prelu_run = training.train(prelu_cnn, small_data, epochs=1, batch_size=32, verbose=0)
print(f"test accuracy after one epoch: {prelu_run.test_accuracy:.4f}")
learned_slopes = [layer.get_weights()[0].ravel() for layer in prelu_layers]
for layer, learned in zip(prelu_layers, learned_slopes, strict=True):
    print(
        f"{layer.name}: slopes from {learned.min():+.4f} to {learned.max():+.4f}, "
        f"{np.sum(learned > 0)} positive, {np.sum(learned < 0)} negative"
    )
print(f"57 steps of at most 0.001: {57 * 0.001:.3f}")

# %%
# .. solution:: Exercise 8
#
#    Adagrad divides its rate by :math:`\sqrt{G}`, and Keras starts :math:`G` at 0.1, so
#    for a small gradient its very first step is :math:`0.001 / \sqrt{0.1}` times the
#    gradient: a third of the step plain SGD takes at its default rate of 0.01, with no
#    momentum to help, and from then on the sums can only grow. Reading the sums back
#    after the run shows that for most weights the gradients were so small that the sum
#    has hardly left 0.1 (the median rate), while the weights with the largest gradients
#    already had their rates cut (the smallest). So at Keras' default rate Adagrad falls
#    behind even plain SGD of exercise 5. Ten times the rate helps a lot, yet in so short
#    a run it still trails Adam. Which of the two kinds of momentum is ahead after one
#    short epoch can change with the seed; the printout says which it was in this build.
#    For every optimizer here, the learning rate matters as much as the update rule, and
#    a default rate is only a starting point.
more_runs = comparisons.compare_optimizers(
    small_data, ["momentum", "nesterov", "adagrad"], model="compact_cnn", epochs=1, batch_size=32
)
more_runs["adagrad, rate 0.01"] = comparisons.compare_optimizers(
    small_data, {"adagrad": 0.01}, model="compact_cnn", epochs=1, batch_size=32
)["adagrad"]
more_runs["sgd (exercise 5)"] = default_sgd["sgd"]
more_runs["adam (exercise 5)"] = tenfold["adam"]
print(comparisons.format_comparison(more_runs))
print(f"Adagrad's first step for a small gradient g: {0.001 / np.sqrt(0.1):.5f} g")
print("plain SGD's step at its default rate:         0.01000 g")
sums = [
    keras.ops.convert_to_numpy(variable).ravel()
    for variable in more_runs["adagrad"].model.optimizer.variables
    if variable.path.endswith("_accumulator")
]
final_rates = 0.001 / np.sqrt(np.concatenate(sums) + 1e-7)
print(
    f"Adagrad's effective rate after one epoch: median {np.median(final_rates):.5f}, "
    f"smallest {final_rates.min():.5f} (it started at {0.001 / np.sqrt(0.1):.5f})"
)
momentum_ahead = max(("momentum", "nesterov"), key=lambda name: more_runs[name].test_accuracy)
print("ahead of the two momentum runs here:", momentum_ahead)
