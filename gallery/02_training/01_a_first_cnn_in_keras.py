"""
A first CNN in plain Keras
==========================

This chapter trains a small convolutional network that reads handwritten digits, and it
does so in nothing but plain Keras and NumPy: every line you would need to write the same
network yourself is on this page. You load MNIST, build the network layer by layer, count
its weights by hand, compile it with a learning-rate schedule, train it, score it on all
10,000 test images, save it to a file and load it back, and finally write the same
network a second way, with Keras' functional API. The network is small enough to train on
an ordinary CPU, and it gets more than 99% of the test digits right.

The page uses only ``keras``, ``numpy``, ``matplotlib`` (for one plot), the standard
library's ``tempfile`` and ``os``, and :func:`convbook.datasets.load` to read the cached
MNIST files. The later chapters of Part II wrap these steps in the book's own helpers;
here you see them bare.
"""

# %%
# Setup
# -----
#
# The settings that decide how the network is built and trained are named once, at the
# top, so that an experiment changes one line. Every one of them is explained where it is
# used below.
SEED = 0  # seeds every random number generator: same weights, same batches, same result
FILTERS = (16, 32)  # number of filters of the first and second convolution
KERNEL_SIZE = 3  # each filter is KERNEL_SIZE x KERNEL_SIZE pixels
HIDDEN_UNITS = 128  # width of the dense layer before the output
DROPOUT_RATE = 0.3  # fraction of values dropout silences during training
EPOCHS = 7  # passes over the training images
BATCH_SIZE = 128  # images per weight update
PEAK_LEARNING_RATE = 3e-3  # the learning rate at the end of the warm-up
WARMUP_FRACTION = 0.1  # share of all training steps spent warming up
VALIDATION_SPLIT = 0.1  # share of the training images held out to watch for overfitting

# %%
# Keras 3 runs on top of a *backend*, the library that does the arithmetic: TensorFlow,
# JAX or PyTorch. Nothing on this page depends on which one; the lines below say which
# one built it. ``keras.utils.set_random_seed`` seeds Python's, NumPy's and the backend's
# random number generators in one call, so the initial weights, the order of the batches
# and the dropout masks are the same on every run.
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(SEED)
print("Keras version:", keras.__version__)
print("backend:", keras.backend.backend())

# %%
# Data
# ----
#
# MNIST holds 70,000 grey-scale photos of handwritten digits, 28x28 pixels each, split
# into 60,000 training images and 10,000 test images written by other people.
# :func:`convbook.datasets.load` returns the same four NumPy arrays as
# ``keras.datasets.mnist.load_data()``, read from the book's verified offline copy (the
# next chapter, :ref:`sphx_glr_auto_gallery_02_training_02_the_datasets.py`, shows how).
from convbook import datasets

(x_train, y_train), (x_test, y_test) = datasets.load("mnist")
print("x_train:", x_train.shape, x_train.dtype, "values", x_train.min(), "to", x_train.max())
print("y_train:", y_train.shape, y_train.dtype, "first labels", y_train[:10])
print("x_test: ", x_test.shape, " y_test:", y_test.shape)

# %%
# The pixels are bytes from 0 (black) to 255 (white). Networks train best on small
# numbers, so we divide by 255 to get floats between 0 and 1. A convolution also expects a
# *channel* axis at the end, one value per colour; grey-scale images have one channel, so
# each image becomes a 28x28x1 block.
x_train = (x_train.astype("float32") / 255.0)[..., np.newaxis]
x_test = (x_test.astype("float32") / 255.0)[..., np.newaxis]
print("x_train:", x_train.shape, x_train.dtype, "values", x_train.min(), "to", x_train.max())
print("x_test: ", x_test.shape)

# %%
# The labels stay what they are: one integer from 0 to 9 per image. Keras calls labels
# like these *sparse*; the loss we choose below reads them directly, without turning each
# into a vector of ten zeros and ones.
print("label counts in the training set:", np.bincount(y_train))

# %%
# Build
# -----
#
# ``keras.Sequential`` stacks layers in order, the output of each feeding the next.
# ``keras.Input`` first says what one example looks like (its batch size is left open).
#
# * ``Conv2D`` slides ``KERNEL_SIZE`` x ``KERNEL_SIZE`` filters over the image and writes
#   one *feature map* per filter; Part I computes this by hand in
#   :ref:`sphx_glr_auto_gallery_01_layer_math_01_convolution_by_hand.py`. Its
#   ``activation="relu"`` then replaces every negative value by zero (ReLU, the *rectified
#   linear unit*), which lets stacked layers describe more than one straight-line map.
# * ``MaxPooling2D`` keeps the largest value of each 2x2 window, halving height and width;
#   see :ref:`sphx_glr_auto_gallery_01_layer_math_04_pooling.py`.
# * ``Flatten`` lays the last feature maps out as one long vector for the dense layers.
# * ``Dropout`` sets a random ``DROPOUT_RATE`` share of its inputs to zero at each
#   training step (and does nothing at test time), so no unit can rely on any single other
#   unit; this makes the network less prone to memorising its training images.
# * ``Dense`` connects every input to every unit. The last one has ten units, one per
#   digit, and its ``softmax`` turns their ten scores into ten positive numbers that add
#   up to 1: the network's probability for each digit.
#
# ReLU, softmax and the alternatives to them are the subject of
# :ref:`sphx_glr_auto_gallery_02_training_04_activations_losses_optimizers.py`.
model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(FILTERS[0], KERNEL_SIZE, activation="relu", name="conv1"),
        layers.MaxPooling2D(pool_size=2, name="pool1"),
        layers.Conv2D(FILTERS[1], KERNEL_SIZE, activation="relu", name="conv2"),
        layers.MaxPooling2D(pool_size=2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(DROPOUT_RATE, name="dropout1"),
        layers.Dense(HIDDEN_UNITS, activation="relu", name="hidden"),
        layers.Dropout(DROPOUT_RATE, name="dropout2"),
        layers.Dense(10, activation="softmax", name="output"),
    ],
    name="first_cnn",
)
model.summary()

# %%
# The *Output Shape* column follows the image through the network. A 3x3 filter fits 26
# times along 28 pixels, so ``conv1`` gives 26x26 maps; pooling halves that to 13x13,
# ``conv2`` trims it to 11x11 and the second pooling to 5x5 (an odd row and column are
# dropped). :ref:`sphx_glr_auto_gallery_01_layer_math_02_convolution_arithmetic.py` has
# the general rule.
#
# The *Param #* column counts the numbers each layer learns:
#
# * A convolution has one weight per filter pixel per input channel for each of its
#   filters, plus one bias per filter: :math:`3 \times 3 \times 1 \times 16 + 16 = 160`
#   for ``conv1`` (the image has one channel) and
#   :math:`3 \times 3 \times 16 \times 32 + 32 = 4{,}640` for ``conv2``, whose input has
#   16 channels, one per filter of ``conv1``.
# * Pooling, flattening and dropout learn nothing.
# * A dense layer has one weight per input per unit plus one bias per unit:
#   :math:`(5 \times 5 \times 32) \times 128 + 128 = 102{,}528` for ``hidden`` and
#   :math:`128 \times 10 + 10 = 1{,}290` for ``output``.
#
# The code below computes the same counts from the settings at the top and puts them next
# to what Keras reports for each layer.
side = (28 - KERNEL_SIZE + 1) // 2  # after conv1 and pool1
side = (side - KERNEL_SIZE + 1) // 2  # after conv2 and pool2
flat = side * side * FILTERS[1]
explained_counts = {
    "conv1": KERNEL_SIZE * KERNEL_SIZE * 1 * FILTERS[0] + FILTERS[0],
    "conv2": KERNEL_SIZE * KERNEL_SIZE * FILTERS[0] * FILTERS[1] + FILTERS[1],
    "hidden": flat * HIDDEN_UNITS + HIDDEN_UNITS,
    "output": HIDDEN_UNITS * 10 + 10,
}
print(f"values after flatten: {side} x {side} x {FILTERS[1]} = {flat}")
for name, count in explained_counts.items():
    print(f"{name:7s} by hand {count:>7,}   Keras {model.get_layer(name).count_params():>7,}")
print(f"total   by hand {sum(explained_counts.values()):>7,}   Keras {model.count_params():>7,}")

# %%
# Almost all the weights sit in ``hidden``: the convolutions reuse their few weights at
# every position of the image, while a dense layer needs a separate weight for every pair
# of input and unit.
#
# Compile
# -------
#
# ``compile`` tells the model how to learn:
#
# * The **loss** measures how wrong the predictions are. *Cross-entropy* is minus the
#   logarithm of the probability the network gave to the correct digit: near 0 when it was
#   confident and right, large when it was confident and wrong. The ``sparse_`` variant
#   takes integer labels.
# * The **optimizer** changes the weights to lower the loss. *Adam* steps each weight
#   against its gradient, scaled by running averages of that weight's past gradients, so
#   every weight gets a step size suited to it.
# * The **metrics** are only reported, not optimised; accuracy is the share of images
#   whose most probable digit is the true one.
#
# :ref:`sphx_glr_auto_gallery_02_training_04_activations_losses_optimizers.py` compares
# these with other losses and optimizers.
#
# How far Adam steps is scaled by the *learning rate*, and here it changes during
# training. A *warm-up* raises it linearly from zero during the first steps, while the
# freshly initialised weights still produce wild gradients; after that a *cosine decay*
# lowers it along half a cosine wave to zero at the last step, so the final steps only
# fine-tune. Both are counted in steps, one step per batch, so we first work out how many
# steps the training will take. ``validation_split`` keeps the *last* 10% of the training
# images aside, so the network learns from the first 90%.
fit_images = int(len(x_train) * (1 - VALIDATION_SPLIT))
steps_per_epoch = int(np.ceil(fit_images / BATCH_SIZE))
total_steps = EPOCHS * steps_per_epoch
warmup_steps = int(WARMUP_FRACTION * total_steps)
print(f"images to fit on: {fit_images}, batch size: {BATCH_SIZE}")
print(f"steps per epoch: {steps_per_epoch}, epochs: {EPOCHS}, steps in all: {total_steps}")
print(f"warm-up steps: {warmup_steps}")

schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=0.0,
    decay_steps=total_steps - warmup_steps,
    warmup_target=PEAK_LEARNING_RATE,
    warmup_steps=warmup_steps,
)
for step in (0, warmup_steps // 2, warmup_steps, (warmup_steps + total_steps) // 2, total_steps):
    print(f"learning rate at step {step:5d}: {float(schedule(step)):.6f}")

model.compile(
    loss="sparse_categorical_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=schedule),
    metrics=["accuracy"],
)

# %%
# Train
# -----
#
# ``fit`` runs the training loop. One *step* takes a *batch* of ``BATCH_SIZE`` images,
# computes the loss on them and updates every weight once; one *epoch* is enough steps to
# see every fitting image once (the last batch is smaller). Keras shuffles the fitting
# images before each epoch. With ``verbose=2`` it prints one line per epoch: the loss and
# accuracy on the training batches (measured with dropout on, while the weights were
# still changing) and on the held-out validation images (measured at the end of the
# epoch).
history = model.fit(
    x_train,
    y_train,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    validation_split=VALIDATION_SPLIT,
    verbose=2,
)

# %%
# ``history.history`` is a plain dictionary with one list of values per epoch for each
# quantity ``fit`` printed:
print({key: [round(value, 4) for value in values] for key, values in history.history.items()})

# %%
# Plotted, the two curves of each pair should fall (loss) or rise (accuracy) together. If
# the validation loss turned upwards while the training loss kept falling, the network
# would be learning its training images by heart: *overfitting*.
import matplotlib.pyplot as plt

epochs_axis = np.arange(1, EPOCHS + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
for ax, key, label in ((ax_loss, "loss", "loss"), (ax_acc, "accuracy", "accuracy")):
    ax.plot(epochs_axis, history.history[key], "o-", label="training")
    ax.plot(epochs_axis, history.history["val_" + key], "s-", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(label)
    ax.legend()
ax_loss.set_title("Loss: lower is better")
ax_acc.set_title("Accuracy: higher is better")
fig.suptitle("Training vs. validation: do the two curves stay together?")
fig.tight_layout()

# %%
# Evaluate
# --------
#
# The validation images helped us watch the training; the real test is the 10,000 test
# images, which the network has never seen. ``evaluate`` returns the loss followed by the
# metrics given to ``compile``.
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test images: {len(x_test)}")
print(f"test loss: {test_loss:.4f}, test accuracy: {test_accuracy:.4f}")
print(f"test accuracy above 99%: {test_accuracy > 0.99}")

# %%
# ``predict`` returns the ten softmax probabilities of every image; the predicted digit is
# the one with the largest probability, which ``argmax`` finds along the last axis.
probabilities = model.predict(x_test, verbose=0)
predicted = probabilities.argmax(axis=-1)
print("probabilities:", probabilities.shape, f"the first row sums to {probabilities[0].sum():.4f}")
print("first 12 predictions:", predicted[:12])
print("first 12 true labels:", y_test[:12])

mistakes = int(np.sum(predicted != y_test))
print(
    f"The network reads {len(x_test) - mistakes:,} of the {len(x_test):,} test digits "
    f"correctly, {test_accuracy:.2%} as evaluate() reported, and gets {mistakes} wrong."
)

# %%
# Save and load
# -------------
#
# ``model.save`` writes everything needed to use the model again into one ``.keras`` file:
# the layers, their weights and the compile settings. ``keras.models.load_model`` rebuilds
# it. We write the file into a temporary folder that Python deletes afterwards; in your
# own project you would pick a lasting path.
import os
import tempfile

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "first_cnn.keras")
    model.save(path)
    print(f"saved {os.path.basename(path)}: {os.path.getsize(path) / 1024:.0f} KiB")
    reloaded = keras.models.load_model(path)

reloaded_probabilities = reloaded.predict(x_test, verbose=0)
print(
    "reloaded model gives the same probabilities:",
    np.allclose(probabilities, reloaded_probabilities),
)
print("and the same digits:", np.array_equal(predicted, reloaded_probabilities.argmax(axis=-1)))

# %%
# The functional API
# ------------------
#
# ``Sequential`` handles networks that are one straight chain of layers. Keras' *functional
# API* writes the same chain as function calls: each layer is called on the output of the
# one before, and ``keras.Model`` ties the input to the final output. The same style also
# describes networks with branches and merges, which a ``Sequential`` cannot hold. Here is
# the network above, written this way (untrained):
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(FILTERS[0], KERNEL_SIZE, activation="relu")(inputs)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(FILTERS[1], KERNEL_SIZE, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Flatten()(x)
x = layers.Dropout(DROPOUT_RATE)(x)
x = layers.Dense(HIDDEN_UNITS, activation="relu")(x)
x = layers.Dropout(DROPOUT_RATE)(x)
outputs = layers.Dense(10, activation="softmax")(x)
functional_model = keras.Model(inputs, outputs, name="first_cnn_functional")

print(f"functional: {functional_model.count_params():,} parameters")
print(f"sequential: {model.count_params():,} parameters")
print("same count:", functional_model.count_params() == model.count_params())

# %%
# What you can now write
# ----------------------
#
# Without any helper from this book you can now:
#
# * load MNIST, scale it to floats in [0, 1] and add the channel axis;
# * stack ``Conv2D``, ``MaxPooling2D``, ``Flatten``, ``Dropout`` and ``Dense`` layers in a
#   ``keras.Sequential``, or chain the same layers with the functional API;
# * count a convolution's and a dense layer's parameters by hand and check them against
#   ``model.summary()``;
# * ``compile`` with a loss, Adam and a warm-up plus cosine-decay schedule; ``fit`` with a
#   validation split and plot ``history.history``;
# * ``evaluate`` on the test set, turn ``predict``'s probabilities into digits with
#   ``argmax``, and ``save`` and ``load_model`` a ``.keras`` file.
#
# The next chapter looks at the datasets themselves, and the one after it at the
# activations, losses and optimizers used here.
#
# Exercises
# ---------
#
# 1. Remove both ``Dropout`` layers and train again. How do the training and validation
#    curves move apart, and what happens to the test accuracy?
# 2. Set ``KERNEL_SIZE = 5``. Before running, work out the new output shapes and the
#    parameter count of every layer (the 5x5 maps after ``pool2`` become smaller, which
#    changes ``hidden`` the most). Then check your numbers against the summary.
# 3. Turn the labels into one-hot vectors with ``keras.utils.to_categorical(y_train, 10)``
#    and train with ``loss="categorical_crossentropy"``. Is anything different apart from
#    the shape of the labels?
# 4. Replace the schedule by a constant rate, ``keras.optimizers.Adam(learning_rate=1e-3)``,
#    then by ``PEAK_LEARNING_RATE``. Compare the curves and the test accuracy with the
#    warm-up plus cosine decay.
# 5. Set ``BATCH_SIZE = 32`` and then ``512``. Predict the steps per epoch, then compare
#    the time per epoch and the accuracy after the same number of epochs.
