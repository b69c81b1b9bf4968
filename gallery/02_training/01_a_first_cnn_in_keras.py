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
library's ``tempfile`` and ``os``, :func:`convbook.datasets.load` to read the cached
MNIST files and :func:`convbook.settings.budget` to see which budget builds the book. The
later chapters of Part II wrap these steps in the book's own helpers; here you see them
bare.
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
TRAIN_IMAGES = 60_000  # how many of MNIST's 60,000 training images to use: all of them
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
# The book's test suite builds every page with the ``smoke`` budget, which only checks
# that the code runs, in seconds. Under it this page trains on the first 6,000 training
# images for two epochs, and its accuracy falls short of 99%. The default budget,
# ``full``, uses the settings at the top of the page.
from convbook import settings

if settings.budget() == "smoke":
    EPOCHS, TRAIN_IMAGES = 2, 6_000
x_train, y_train = x_train[:TRAIN_IMAGES], y_train[:TRAIN_IMAGES]
print(f"budget: {settings.budget()}; training on {len(x_train):,} images for {EPOCHS} epochs")

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

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you open its solution. The solutions run every time
# the book is built. Training the whole network again for every exercise would take as
# long as the page itself, so the solutions that train use a short plan instead: the same
# network and seed, the first 1,024 training images, two epochs, Adam at a constant
# rate of 0.001, checked on 512 images from the held-out end of the training set and
# scored on the first 2,048 test images. (Multiples of every batch size used here: no
# batch is left smaller than the others, so Keras builds each training step only once.)
# The numbers they print belong to this short plan; each solution says what to expect
# from a full run.
#
# .. solution:: Exercise 1
#
#    With dropout, the training accuracy that ``fit`` reports is measured while dropout
#    silences 30% of the values, so it tends to trail the validation accuracy (compare the
#    two curves of the chapter's plot). Without dropout nothing handicaps the training
#    batches: the training curves move up towards the validation curves, and on a full
#    run they usually pass them and keep pulling away (training loss lower, training
#    accuracy higher), the sign of a network that starts to memorise its training images.
#    Compare the gaps in the last epoch of the two short runs below. Expect the test
#    accuracy of a full run to change far less than the curves, by a few tenths of a point
#    at most: 54,000 images leave this small network little room to memorise, so dropout
#    helps it only a little.
SHORT_IMAGES, SHORT_EPOCHS = 1_024, 2
x_short, y_short = x_train[:SHORT_IMAGES], y_train[:SHORT_IMAGES]
x_check, y_check = x_train[-512:], y_train[-512:]  # never trained on in the short plan
x_test_short, y_test_short = x_test[:2_048], y_test[:2_048]


def first_cnn(kernel_size=KERNEL_SIZE, dropout=True):
    """Build the chapter's network from freshly seeded weights, optionally without dropout."""
    keras.utils.set_random_seed(SEED)
    stack = [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(FILTERS[0], kernel_size, activation="relu", name="conv1"),
        layers.MaxPooling2D(pool_size=2, name="pool1"),
        layers.Conv2D(FILTERS[1], kernel_size, activation="relu", name="conv2"),
        layers.MaxPooling2D(pool_size=2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(DROPOUT_RATE, name="dropout1"),
        layers.Dense(HIDDEN_UNITS, activation="relu", name="hidden"),
        layers.Dropout(DROPOUT_RATE, name="dropout2"),
        layers.Dense(10, activation="softmax", name="output"),
    ]
    if not dropout:
        stack = [layer for layer in stack if not isinstance(layer, layers.Dropout)]
    return keras.Sequential(stack)


def short_run(network, optimizer=None, batch_size=BATCH_SIZE, verbose=0):
    """Compile and train `network` on the short plan; return its history dictionary."""
    network.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=optimizer or keras.optimizers.Adam(learning_rate=1e-3),
        metrics=["accuracy"],
    )
    return network.fit(
        x_short,
        y_short,
        epochs=SHORT_EPOCHS,
        batch_size=batch_size,
        validation_data=(x_check, y_check),
        verbose=verbose,
    ).history


def short_test_accuracy(network):
    return network.evaluate(x_test_short, y_test_short, batch_size=BATCH_SIZE, verbose=0)[1]


with_dropout = first_cnn()
with_dropout_run = short_run(with_dropout)
without_dropout = first_cnn(dropout=False)
without_dropout_run = short_run(without_dropout)
for run_name, network, record in (
    ("with dropout", with_dropout, with_dropout_run),
    ("without dropout", without_dropout, without_dropout_run),
):
    print(run_name)
    for epoch_index in range(SHORT_EPOCHS):
        print(
            f"  epoch {epoch_index + 1}: loss {record['loss'][epoch_index]:.3f} (training) "
            f"{record['val_loss'][epoch_index]:.3f} (validation), accuracy "
            f"{record['accuracy'][epoch_index]:.3f} (training) "
            f"{record['val_accuracy'][epoch_index]:.3f} (validation)"
        )
    accuracy_gap = record["accuracy"][-1] - record["val_accuracy"][-1]
    print(f"  last epoch, training minus validation accuracy: {100 * accuracy_gap:+.1f} points")
    print(f"  accuracy on {len(x_test_short):,} test images: {short_test_accuracy(network):.4f}")

# %%
# .. solution:: Exercise 2
#
#    A 5x5 filter fits :math:`28 - 5 + 1 = 24` times along a side, so ``conv1`` gives
#    24x24x16 maps and ``pool1`` 12x12x16; ``conv2`` gives :math:`12 - 4 = 8`, so 8x8x32,
#    and ``pool2`` 4x4x32, which flattens to 512 values instead of 800. The counts:
#    ``conv1`` :math:`5 \cdot 5 \cdot 1 \cdot 16 + 16 = 416`, ``conv2``
#    :math:`5 \cdot 5 \cdot 16 \cdot 32 + 32 = 12{,}832`, ``hidden``
#    :math:`512 \cdot 128 + 128 = 65{,}664` and ``output`` still 1,290: 80,202 in all,
#    against 108,618 with 3x3 filters. The convolutions grow, almost threefold, but
#    ``hidden`` loses far more, 36,864 weights, so the larger filters make the whole
#    network smaller.
side_5 = ((28 - 5 + 1) // 2 - 5 + 1) // 2
flat_5 = side_5 * side_5 * FILTERS[1]
predicted_5 = {
    "conv1": 5 * 5 * 1 * FILTERS[0] + FILTERS[0],
    "conv2": 5 * 5 * FILTERS[0] * FILTERS[1] + FILTERS[1],
    "hidden": flat_5 * HIDDEN_UNITS + HIDDEN_UNITS,
    "output": HIDDEN_UNITS * 10 + 10,
}
wide_filters = first_cnn(kernel_size=5)
for layer in wide_filters.layers:
    expected_count = predicted_5.get(layer.name, 0)
    print(
        f"{layer.name:8s} output {str(tuple(layer.output.shape)):17s} parameters "
        f"{layer.count_params():>6,} (predicted {expected_count:,})"
    )
print(f"total: {wide_filters.count_params():,} with 5x5 filters, {model.count_params():,} with 3x3")

# %%
# .. solution:: Exercise 3
#
#    Nothing but the labels' shape. For a one-hot row :math:`y` the categorical
#    cross-entropy :math:`-\sum_k y_k \log p_k` keeps only the term of the true class,
#    :math:`-\log p_{\text{true}}`, which is exactly what the sparse loss computes from
#    the integer label. The same loss for every image means the same gradients, so
#    training takes the same steps and reaches the same weights, and ``"accuracy"``
#    counts the same hits. The one real difference is memory: ten floating-point numbers
#    per label (``to_categorical`` makes 8-byte floats) instead of one byte, 80 times as
#    much. The check below scores the chapter's trained network both ways, image by
#    image; a short training run with one-hot labels would also repeat the sparse run's
#    history.
one_hot_test = keras.utils.to_categorical(y_test, 10)
print("labels:", y_test.shape, y_test.dtype, "-> one-hot:", one_hot_test.shape, one_hot_test.dtype)
per_image_sparse = keras.ops.convert_to_numpy(
    keras.losses.sparse_categorical_crossentropy(y_test, probabilities)
)
per_image_one_hot = keras.ops.convert_to_numpy(
    keras.losses.categorical_crossentropy(one_hot_test, probabilities)
)
largest_difference = float(np.abs(per_image_sparse - per_image_one_hot).max())
print(f"largest difference between the two losses over 10,000 images: {largest_difference:.1e}")
print(f"mean loss: sparse {per_image_sparse.mean():.6f}, one-hot {per_image_one_hot.mean():.6f}")
print(f"memory for the training labels: {y_train.nbytes:,} bytes as integers, ", end="")
print(f"{keras.utils.to_categorical(y_train, 10).nbytes:,} bytes one-hot")

# %%
# .. solution:: Exercise 4
#
#    What to look for. A constant 0.001 takes small steps throughout: steady curves, but
#    slow progress at first. A constant ``PEAK_LEARNING_RATE`` (0.003) gets furthest
#    early, but it never lowers its steps, so its late epochs keep jumping around the
#    minimum and its validation curve tends to be the noisiest. The warm-up plus cosine
#    decay starts gently, peaks at the same 0.003 and ends with tiny steps that settle the
#    weights; over the chapter's seven epochs that usually gives the lowest final
#    validation loss and a test accuracy as good as or better than either constant rate,
#    by a few tenths of a point at most. In a run as short as the one below the final,
#    careful steps have little to refine, so larger steps simply tend to get further. The
#    schedule here is rebuilt for the short plan's 16 steps.
short_steps = SHORT_EPOCHS * int(np.ceil(SHORT_IMAGES / BATCH_SIZE))
short_warmup = int(WARMUP_FRACTION * short_steps)
short_schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=0.0,
    decay_steps=short_steps - short_warmup,
    warmup_target=PEAK_LEARNING_RATE,
    warmup_steps=short_warmup,
)
rate_runs = {"constant 0.001": (with_dropout, with_dropout_run)}
for run_name, rate in (
    ("constant 0.003", PEAK_LEARNING_RATE),
    ("warm-up + cosine", short_schedule),
):
    network = first_cnn()
    rate_runs[run_name] = (network, short_run(network, keras.optimizers.Adam(learning_rate=rate)))
for run_name, (network, record) in rate_runs.items():
    losses = ", ".join(f"{value:.3f}" for value in record["val_loss"])
    print(
        f"{run_name:17s} validation loss per epoch {losses}; "
        f"test accuracy {short_test_accuracy(network):.4f}"
    )

# %%
# .. solution:: Exercise 5
#
#    One step per batch, the last one smaller: on the chapter's 54,000 fitting images,
#    :math:`\lceil 54{,}000 / 32 \rceil = 1{,}688` steps per epoch at batch size 32,
#    422 at 128 and :math:`\lceil 54{,}000 / 512 \rceil = 106` at 512. Every step has a
#    fixed cost besides its arithmetic, so the 1,688 small steps of batch 32 tend to make
#    the slowest epoch. From 128 to 512 there is less left to save: a CPU has few cores to
#    keep busy, so there the time per epoch may hardly change, while a GPU, which works on
#    a whole batch at once, gains more from large batches. After the same number of
#    epochs the small batches have made many more updates, so they are usually further
#    along; batch 512, with a quarter of the updates of 128 at the same learning rate,
#    tends to lag. Keras prints each epoch's time and its milliseconds per step below; the
#    first epoch also includes building the training step, and on a shared machine the
#    seconds jump about, so read them loosely. The short plan's 1,024 images take 32, 8
#    and 2 steps.
for size in (32, 512):
    print(f"batch size {size}: {int(np.ceil(fit_images / size)):,} steps per epoch on the full run")
batch_runs = {BATCH_SIZE: with_dropout_run}
for size in (32, 512):
    print(f"batch size {size}, short plan:")
    batch_runs[size] = short_run(first_cnn(), batch_size=size, verbose=2)
for size, record in sorted(batch_runs.items()):
    print(f"batch size {size:3d}: validation accuracy after {SHORT_EPOCHS} epochs ", end="")
    print(f"{record['val_accuracy'][-1]:.3f}")
