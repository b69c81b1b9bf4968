"""
Training basics, measured
=========================

Before comparing networks it pays to be exact about the words used to describe training:
epoch, batch and step; batch, stochastic and mini-batch gradient descent; training,
validation and test data. This chapter defines each one and then measures it on MNIST,
so that every claim on the page comes with a number printed by the page's own code: how
many steps Keras really runs per epoch, how the three kinds of gradient descent compare
per epoch and per second, why "batch gradient descent finds the global optimum" is only
true for convex losses, how much choosing a model by its test score flatters that score,
and how many epochs a small CNN needs here.
"""

# %%
# What this page uses
# -------------------
#
# Everything a learner should be able to write is written out below in plain Keras and
# NumPy, plus ``time`` for the clock and Matplotlib for the figures. The only thing taken
# from the book's package is :func:`convbook.datasets.load`, which returns the same
# MNIST arrays as ``keras.datasets.mnist.load_data()`` after checking their checksums.
#
# The settings of every experiment are named here, at the top, so that you can change
# them and run the page again.
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from convbook.datasets import load

SEED = 0  # one seed for the data split, the weights, the shuffling and the draws below
TRAIN_IMAGES = 4_000  # drawn at random from the official training split
VALIDATION_IMAGES = 1_000  # drawn from the rest of the training split
BATCH_SIZE = 32  # Keras' default batch size
COUNTED_BATCH_SIZES = (32, 128)  # batch sizes whose steps we count in section 1

# Section 2: batch, mini-batch and stochastic gradient descent.
GD_BATCH_SIZES = {"batch": TRAIN_IMAGES, "mini-batch": BATCH_SIZE, "stochastic": 1}
GD_EPOCHS = {"batch": 30, "mini-batch": 10, "stochastic": 2}
GD_LEARNING_RATES = {"batch": 0.3, "mini-batch": 0.3, "stochastic": 0.03}

# Section 3: gradient descent on a one-dimensional loss with two valleys.
TOY_STARTS = (-2.0, 2.0)
TOY_LEARNING_RATE = 0.01
TOY_STEPS = 500

# Section 4: choosing among runs.
SELECTION_SEEDS = tuple(range(1, 11))  # ten runs that differ only in their seed
SELECTION_LEARNING_RATE = 0.3
SELECTION_EPOCHS = 1
TEST_A_IMAGES = 500  # the test images a careless choice looks at
SPLIT_DRAWS = 500  # how many random test A / test B splits we average over
TEST_A_SIZES = (100, 250, 500, 1_000, 2_500, 5_000)

# Section 5: how many epochs.
MAX_EPOCHS = 30
PATIENCE = 3

# %%
# The data: images become ``float32`` values between 0 and 1 with a channel axis, the
# shape ``(height, width, channels)`` that ``Conv2D`` expects. One random shuffle of the
# 60,000 official training images gives 4,000 training images and, after them, 1,000
# validation images, so the two never overlap. The 10,000 official test images are kept
# apart.
(train_images, train_labels), (test_images, test_labels) = load("mnist")


def prepare(images):
    return images[..., np.newaxis].astype("float32") / 255.0


shuffled = np.random.default_rng(SEED).permutation(len(train_images))
train_rows = shuffled[:TRAIN_IMAGES]
val_rows = shuffled[TRAIN_IMAGES : TRAIN_IMAGES + VALIDATION_IMAGES]
x_train, y_train = prepare(train_images[train_rows]), train_labels[train_rows]
x_val, y_val = prepare(train_images[val_rows]), train_labels[val_rows]
x_test, y_test = prepare(test_images), test_labels
print("training:  ", x_train.shape, "validation:", x_val.shape, "test:", x_test.shape)

# %%
# All experiments train the same small CNN: one convolution with 8 filters, one pooling
# layer and a softmax layer, 13,610 weights in all. It is small on purpose: section 2
# trains it one image at a time.


def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(8, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


print(f"{build_model().count_params():,} weights")

# %%
# 1. Epoch, batch and step
# ------------------------
#
# * A **batch** is the group of training images whose losses are averaged into one
#   gradient.
# * A **step** is one update of the weights, made from the gradient of one batch.
# * An **epoch** is one pass over all training images, in a new random order each time.
#
# So an epoch of :math:`N` images in batches of :math:`B` takes
# :math:`\lceil N / B \rceil` steps; when :math:`B` does not divide :math:`N`, the last
# batch is smaller. The small callback below counts the steps that Keras actually runs:
# ``on_train_batch_end`` is called once after every step.


class StepCounter(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1


step_counts = {}
for batch_size in COUNTED_BATCH_SIZES:
    keras.utils.set_random_seed(SEED)
    model = build_model()
    model.compile(optimizer=keras.optimizers.SGD(), loss="sparse_categorical_crossentropy")
    counter = StepCounter()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=1, verbose=0, callbacks=[counter])
    expected = int(np.ceil(len(x_train) / batch_size))
    step_counts[batch_size] = {"expected": expected, "counted": counter.steps}
    last_batch = len(x_train) - (expected - 1) * batch_size
    print(
        f"N = {len(x_train)}, B = {batch_size:3d}: ceil(N / B) = {expected:3d} steps, "
        f"Keras ran {counter.steps:3d}; the last batch holds {last_batch} images"
    )

# %%
# 2. Batch, stochastic and mini-batch gradient descent
# ----------------------------------------------------
#
# The three names differ only in the batch size:
#
# * **Batch** (or full-batch) gradient descent uses all :math:`N` training images for
#   every step. Its gradient is the exact gradient of the training loss, but it makes
#   one update per epoch.
# * **Stochastic** gradient descent (SGD in the strict sense) uses one image per step:
#   :math:`N` updates per epoch, each from a noisy estimate of the gradient.
# * **Mini-batch** gradient descent sits in between, here with 32 images per step. This is
#   what everyone uses, and what Keras does by default. (Keras' optimizer is called
#   ``SGD`` whatever the batch size; the batch size is chosen in ``fit``.)
#
# We train the same network from the same initial weights on the same 4,000 images with
# ``keras.optimizers.SGD``, once per method. Each method gets a learning rate suited to
# it: a step from an exact gradient can be long, a step from one image's gradient must be
# short, or the noise throws the weights about. The rates in ``GD_LEARNING_RATES`` were
# chosen while writing this page, by short trial runs (one to a few epochs; 30 for batch
# gradient descent) on a grid of rates about three times apart (0.003, 0.01, 0.03, 0.1,
# 0.3, 1), keeping for each method the rate with the lowest training loss at the end of
# its trial. We did not try every rate for every method, only until a rate was clearly
# too large and one clearly too small. That is a rough search, the same for all three,
# not a fine tuning; exercise 1 asks you to repeat it.
#
# A callback measures two things at the start and after every epoch: the loss on all
# 4,000 training images with the current weights, and the seconds spent training. The
# clock is paused while the loss is measured, so the seconds are training time only. The
# first epoch also includes the one-off cost of Keras compiling the training step.


class LossAndClock(keras.callbacks.Callback):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def training_loss(self):
        return self.model.evaluate(self.x, self.y, batch_size=1_000, verbose=0)

    def on_train_begin(self, logs=None):
        self.losses, self.seconds = [self.training_loss()], [0.0]
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self.started  # stop the clock
        self.seconds.append(self.seconds[-1] + elapsed)
        self.losses.append(self.training_loss())
        self.started = time.perf_counter()  # start it again


curves = {}
gd_models = {}
for name, batch_size in GD_BATCH_SIZES.items():
    keras.utils.set_random_seed(SEED)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=GD_LEARNING_RATES[name]),
        loss="sparse_categorical_crossentropy",
    )
    clock = LossAndClock(x_train, y_train)
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=GD_EPOCHS[name],
        verbose=0,
        callbacks=[clock],
    )
    curves[name] = {"loss": clock.losses, "seconds": clock.seconds}
    gd_models[name] = model
    steps = GD_EPOCHS[name] * int(np.ceil(len(x_train) / batch_size))
    print(
        f"{name:10s} batch {batch_size:4d}, rate {GD_LEARNING_RATES[name]:<4}: "
        f"{GD_EPOCHS[name]:2d} epochs, {steps:5d} updates, {clock.seconds[-1]:5.1f} s, "
        f"training loss {clock.losses[0]:.3f} -> {clock.losses[-1]:.3f}"
    )

# %%
# The comparison, built from the numbers above, in three ways:
#
# * **per epoch**: the loss of each method after the number of epochs of the shortest
#   run;
# * **at the same moment**: the loss each method had reached, at its last completed
#   epoch, when the first run finished;
# * **time to a target**: how many seconds each method needed to bring the loss down to
#   the highest of the three final losses, a level every method reached.
common_epochs = min(GD_EPOCHS.values())
loss_after_epochs = {name: curve["loss"][common_epochs] for name, curve in curves.items()}
best_per_epoch = min(loss_after_epochs, key=loss_after_epochs.get)

common_seconds = min(curve["seconds"][-1] for curve in curves.values())


def loss_by(curve, seconds):
    """The loss at the last epoch end at or before `seconds`, and the epochs done by then."""
    done = [i for i, t in enumerate(curve["seconds"]) if t <= seconds]
    return curve["loss"][done[-1]], done[-1]


loss_after_seconds = {name: loss_by(curve, common_seconds)[0] for name, curve in curves.items()}
epochs_by_then = {name: loss_by(curve, common_seconds)[1] for name, curve in curves.items()}
best_per_second = min(loss_after_seconds, key=loss_after_seconds.get)

target_loss = max(curve["loss"][-1] for curve in curves.values())
seconds_to_target = {
    name: next(
        t for t, loss in zip(curve["seconds"], curve["loss"], strict=True) if loss <= target_loss
    )
    for name, curve in curves.items()
}
fastest_to_target = min(seconds_to_target, key=seconds_to_target.get)
seconds_per_epoch = {name: curve["seconds"][-1] / GD_EPOCHS[name] for name, curve in curves.items()}

print(f"After {common_epochs} epochs:")
for name, loss in sorted(loss_after_epochs.items(), key=lambda item: item[1]):
    print(f"  {name:10s} training loss {loss:.3f}")
print(f"  -> lowest: {best_per_epoch} gradient descent")
print(f"After {common_seconds:.1f} s of training:")
for name, loss in sorted(loss_after_seconds.items(), key=lambda item: item[1]):
    print(
        f"  {name:10s} training loss {loss:.3f} ({epochs_by_then[name]} epochs done, "
        f"{seconds_per_epoch[name]:.2f} s per epoch)"
    )
print(f"  -> lowest: {best_per_second} gradient descent")
print(f"Seconds to reach a training loss of {target_loss:.3f}:")
for name, seconds in sorted(seconds_to_target.items(), key=lambda item: item[1]):
    print(f"  {name:10s} {seconds:5.1f} s")
print(f"  -> fastest: {fastest_to_target} gradient descent")

# %%
# The seconds are wall-clock time on the machine that built this page. When the page was
# written that was a 2-core CPU shared with other jobs, so the seconds are inflated and
# vary from run to run; the order of the methods is what to look at. The title of the
# figure is built from the numbers above.
fig, (by_epoch, by_time) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for name, curve in curves.items():
    by_epoch.plot(range(len(curve["loss"])), curve["loss"], marker="o", label=name)
    by_time.plot(curve["seconds"], curve["loss"], marker="o", label=name)
by_epoch.set(xlabel="epoch", ylabel="training loss (cross-entropy)", title="Per epoch")
by_time.axhline(target_loss, color="gray", linestyle=":", label="target loss")
by_time.set(xlabel="seconds of training", title="Per second of training")
by_epoch.legend(title="gradient descent")
by_time.legend()
fig.suptitle(
    f"Lowest loss after {common_epochs} epochs: {best_per_epoch}; "
    f"first to loss {target_loss:.2f}: {fastest_to_target}"
)
fig.tight_layout()

# %%
# Three facts behind the comparison, measured: how many updates an epoch buys each
# method, what an epoch costs it in seconds, and how often the loss went *up* from one
# epoch to the next.
updates_per_epoch = {
    name: int(np.ceil(len(x_train) / batch_size)) for name, batch_size in GD_BATCH_SIZES.items()
}
loss_rises = {name: int(np.sum(np.diff(curve["loss"]) > 0)) for name, curve in curves.items()}
for name in curves:
    print(
        f"{name:10s} {updates_per_epoch[name]:5d} updates per epoch, "
        f"{seconds_per_epoch[name]:5.2f} s per epoch "
        f"({1000 * seconds_per_epoch[name] / updates_per_epoch[name]:7.2f} ms per update), "
        f"loss rose in {loss_rises[name]} of {GD_EPOCHS[name]} epochs"
    )
seconds_per_update = {name: seconds_per_epoch[name] / updates_per_epoch[name] for name in curves}
print(
    f"A mini-batch update handles {BATCH_SIZE} times the images of a stochastic one in "
    f"{seconds_per_update['mini-batch'] / seconds_per_update['stochastic']:.1f} times the time."
)

# %%
# The trade-off is between how good each step is and how many steps the hardware can
# make per second:
#
# * Batch gradient descent computes the exact gradient, but an epoch buys it a single
#   update, so it needs many epochs. A rate large enough to make progress in few steps
#   can overshoot, which is why its loss can go up from one epoch to the next even
#   though every gradient is exact.
# * Stochastic gradient descent makes 4,000 updates per epoch, so one epoch takes it far.
#   But each update comes from one image, the gradients are noisy, its rate has to be
#   small, and an update on one image still costs a good share of what an update on 32
#   images costs (compare the milliseconds per update above): processors, and GPUs even
#   more, are built to work on many numbers at once, one image per step leaves most of
#   that unused, and the fixed cost of a step is paid 4,000 times per epoch.
# * Mini-batches keep most of the advantage of many updates, average out much of the
#   noise (which allows a larger rate), and give the hardware enough work per step to be
#   efficient. That is why they are the default everywhere, in Keras too.
#
# 3. Does batch gradient descent find "the global optimum"?
# ---------------------------------------------------------
#
# A claim you will meet: "batch gradient descent converges to the global optimum". It
# holds for *convex* losses, bowl-shaped ones where every valley is the same valley, such
# as least-squares linear regression or softmax regression, and with a small enough
# learning rate. A neural network's loss is not convex. Full-batch gradient descent
# follows the exact gradient downhill and stops in whichever valley it started above.
#
# A one-dimensional loss with two valleys shows this, in a few lines of NumPy:
# :math:`L(w) = w^4 - 3w^2 + w`, whose slope is :math:`4w^3 - 6w + 1`. There is no
# noise here, every step uses the exact gradient, just as batch gradient descent does.


def toy_loss(w):
    return w**4 - 3 * w**2 + w


def toy_gradient(w):
    return 4 * w**3 - 6 * w + 1


toy_paths = {}
toy_ends = {}
for start in TOY_STARTS:
    path = [start]
    for _ in range(TOY_STEPS):
        path.append(path[-1] - TOY_LEARNING_RATE * toy_gradient(path[-1]))
    toy_paths[start] = np.array(path)
    toy_ends[start] = path[-1]
    print(
        f"start w = {start:+.1f}: ends at w = {path[-1]:+.3f}, loss {toy_loss(path[-1]):+.3f}, "
        f"slope there {toy_gradient(path[-1]):+.1e}"
    )
grid = np.linspace(-2.1, 2.1, 4_201)
lowest = grid[np.argmin(toy_loss(grid))]
print(f"lowest point of L between -2.1 and 2.1 (grid of 0.001): w = {lowest:+.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(grid, toy_loss(grid), color="gray", label="L(w)")
for start, path in toy_paths.items():
    ax.plot(path, toy_loss(path), ".", markersize=4, label=f"gradient descent from w = {start}")
ax.set(
    xlabel="weight w",
    ylabel="loss L(w)",
    title="Exact gradient descent ends in the valley it starts above, not always the lowest",
)
ax.legend()

# %%
# Both runs stop where the slope is zero, a minimum, but only one of them is the lowest
# point. Nothing in the gradient tells the other run that a deeper valley exists.
#
# Is the CNN's loss really not convex? A convex loss satisfies, for any two weight
# settings :math:`a` and :math:`b`, :math:`L(\frac{a+b}{2}) \le \frac{L(a) + L(b)}{2}`:
# the loss halfway between two points is never above the average of their losses. One
# counterexample is enough to break that, and every network hands us one: swap the
# network's filters around (and the weights that read their outputs) and you get
# different weights that compute exactly the same function, so the same loss. Here we do
# this to the mini-batch network trained above, then measure the loss halfway between
# the two weight settings.
trained = gd_models["mini-batch"]
kernel, bias, dense_kernel, dense_bias = trained.get_weights()
order = np.roll(np.arange(kernel.shape[-1]), 1)  # filter 0 becomes filter 1, and so on
pooled_shape = trained.layers[1].output.shape[1:]  # (13, 13, 8): what Flatten reads
dense_by_filter = dense_kernel.reshape(*pooled_shape, -1)
weights_a = [kernel, bias, dense_kernel, dense_bias]
weights_b = [
    kernel[..., order],
    bias[order],
    dense_by_filter[:, :, order, :].reshape(dense_kernel.shape),
    dense_bias,
]
halfway = [(a + b) / 2 for a, b in zip(weights_a, weights_b, strict=True)]

probe = build_model()
probe.compile(loss="sparse_categorical_crossentropy")
convexity_losses = {}
for label, weights in (("a", weights_a), ("b", weights_b), ("halfway", halfway)):
    probe.set_weights(weights)
    convexity_losses[label] = probe.evaluate(x_train, y_train, batch_size=1_000, verbose=0)
    print(f"training loss at {label:7s}: {convexity_losses[label]:.3f}")
excess = convexity_losses["halfway"] - (convexity_losses["a"] + convexity_losses["b"]) / 2
print(
    f"halfway loss minus the average of the two: {excess:+.3f} "
    f"(a convex loss would give 0 or less): {'not convex' if excess > 0 else 'no proof'}"
)

# %%
# Swapping filters gives the same loss up to rounding, and a positive excess is a
# counterexample to convexity. The network's loss has a valley for every way of ordering
# its filters, and the straight line between two of them climbs over higher ground, so
# batch gradient descent, exact as its gradient is, cannot promise the lowest one. Which
# valley a run ends in depends on where it starts: section 4 trains ten runs of this
# network that differ only in their seed, and their scores differ.
#
# 4. Training, validation and test data
# -------------------------------------
#
# Each part of the data has one job:
#
# * the **training** set sets the weights;
# * the **validation** set, held out from the training data, chooses between runs:
#   learning rates, architectures, when to stop;
# * the **test** set measures the one model finally chosen, once, at the end.
#
# Some tutorials pass the test set to ``fit`` as its validation data, or keep the run with
# the best test accuracy. The test score then stops being a measurement and becomes part
# of the choice. Here is what that costs, measured. We train ten short runs that differ
# only in their seed (so in their initial weights and the order of their batches), and
# record the validation accuracy of each and which of the 10,000 test images it gets
# right.
run_labels = []
val_accuracy = []
test_correct = []
for seed in SELECTION_SEEDS:
    keras.utils.set_random_seed(seed)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=SELECTION_LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
    )
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=SELECTION_EPOCHS, verbose=0)
    val_predictions = model.predict(x_val, batch_size=1_000, verbose=0).argmax(axis=1)
    test_predictions = model.predict(x_test, batch_size=1_000, verbose=0).argmax(axis=1)
    run_labels.append(f"seed {seed}")
    val_accuracy.append(np.mean(val_predictions == y_val))
    test_correct.append(test_predictions == y_test)
val_accuracy = np.array(val_accuracy)
test_correct = np.array(test_correct)  # one row per run, one column per test image

# %%
# Now split the 10,000 test images at random into a small **test A** of 500 images, the
# set a careless choice looks at, and **test B**, the other 9,500, which no choice ever
# sees. Test B is large, so a run's score on it is close to what it would score on any
# new digits. We pick one run by its test-A accuracy and one by its validation accuracy,
# and compare what each pick reports on the set that chose it with its score on test B.
rng = np.random.default_rng(SEED)
test_a_draws = np.array([rng.permutation(len(y_test))[:TEST_A_IMAGES] for _ in range(SPLIT_DRAWS)])


def split_scores(test_a_rows):
    """Accuracy of every run on test A (the given rows) and on test B (all the others)."""
    in_a = np.zeros(len(y_test), dtype=bool)
    in_a[test_a_rows] = True
    return test_correct[:, in_a].mean(axis=1), test_correct[:, ~in_a].mean(axis=1)


test_a_accuracy, test_b_accuracy = split_scores(test_a_draws[0])
pick_by_test_a = int(np.argmax(test_a_accuracy))
pick_by_val = int(np.argmax(val_accuracy))
print("run        validation   test A   test B")
for i, label in enumerate(run_labels):
    marks = "  <- best on test A" if i == pick_by_test_a else ""
    marks += "  <- best on validation" if i == pick_by_val else ""
    print(
        f"{label:10s} {val_accuracy[i]:11.4f} {test_a_accuracy[i]:8.4f} "
        f"{test_b_accuracy[i]:8.4f}{marks}"
    )
first_gap_test_a = test_a_accuracy[pick_by_test_a] - test_b_accuracy[pick_by_test_a]
first_gap_val = val_accuracy[pick_by_val] - test_b_accuracy[pick_by_val]
print(
    f"picked on test A:     reports {test_a_accuracy[pick_by_test_a]:.4f} (test A), "
    f"scores {test_b_accuracy[pick_by_test_a]:.4f} on test B, gap {100 * first_gap_test_a:+.2f}"
)
print(
    f"picked on validation: reports {val_accuracy[pick_by_val]:.4f} (validation), "
    f"scores {test_b_accuracy[pick_by_val]:.4f} on test B, gap {100 * first_gap_val:+.2f}"
)

# %%
# One split can be lucky or unlucky, so we repeat the choice on 500 random splits of the
# test set and average. For every split, the *gap* of a pick is the score it reports on
# the set that chose it minus its score on test B. The ten runs and their validation
# scores stay the same; only the test images that fall into A and B change.


def points(gap):
    """A difference of accuracies in percentage points, in words."""
    return f"{abs(100 * gap):.2f} points {'above' if gap >= 0 else 'below'}"


def selection_gaps(draws):
    """For each draw: the test-A pick's gap, the validation pick's gap, and their B scores."""
    gaps = {"test A": [], "validation": [], "test B of test-A pick": [], "test B of val pick": []}
    for rows in draws:
        a_scores, b_scores = split_scores(rows)
        chosen = int(np.argmax(a_scores))
        gaps["test A"].append(a_scores[chosen] - b_scores[chosen])
        gaps["validation"].append(val_accuracy[pick_by_val] - b_scores[pick_by_val])
        gaps["test B of test-A pick"].append(b_scores[chosen])
        gaps["test B of val pick"].append(b_scores[pick_by_val])
    return {key: np.array(values) for key, values in gaps.items()}


gaps = selection_gaps(test_a_draws)
mean_gap_test_a = float(gaps["test A"].mean())
mean_gap_val = float(gaps["validation"].mean())
share_overstated = float(np.mean(gaps["test A"] > 0))
print(f"over {SPLIT_DRAWS} random splits of the test set, on average:")
print(
    f"  picked on test A:     reports {points(mean_gap_test_a)} its test-B score "
    f"(above it in {share_overstated:.0%} of the splits)"
)
print(f"  picked on validation: reports {points(mean_gap_val)} its test-B score")
mean_b_of_test_a_pick = float(gaps["test B of test-A pick"].mean())
mean_b_of_val_pick = float(gaps["test B of val pick"].mean())
better = "test-A" if mean_b_of_test_a_pick > mean_b_of_val_pick else "validation"
print(
    f"  on test B the test-A pick scores {mean_b_of_test_a_pick:.4f} on average, the "
    f"validation pick {mean_b_of_val_pick:.4f}: the {better} pick chose the better run"
)
verdict = "overstates" if mean_gap_test_a > 0 else "does not overstate"
print(
    f"Picking the best of {len(SELECTION_SEEDS)} runs on {TEST_A_IMAGES} test images {verdict} "
    f"the winner's accuracy on average: it reports {points(mean_gap_test_a)} its test-B score."
)

# %%
# The cause is selection. Each run's score on 500 images is its real accuracy plus some
# luck (which images happened to land in the set), and taking the highest of ten scores
# favours the run with the most luck. Its score on test B has none of that luck built in.
#
# Note what the damage is: the number reported, not necessarily the run chosen. The
# choice made on test A may well pick a good run (the test-B scores of the two picks are
# printed above); what it can no longer do is say how good that run is.
#
# The validation pick's *validation* score is a chosen maximum too, with the same kind of
# luck, and the validation images can also be a little easier or harder than the test
# images (MNIST's test digits were written by different people from its training digits):
mean_val_accuracy, mean_test_accuracy = float(val_accuracy.mean()), float(test_correct.mean())
print(
    f"mean accuracy of the ten runs: validation {mean_val_accuracy:.4f}, "
    f"test {mean_test_accuracy:.4f}"
)

# %%
# That is why the validation score is not the number to report either. The number to
# report is the chosen run's test score, measured once, on images the choice never saw.
#
# The smaller the set used for choosing, the larger the luck in each score and the larger
# the overstatement. The same ten runs, picked on test sets of different sizes (at the
# size of test A above, these are the same splits):
size_draws = {
    size: test_a_draws
    if size == TEST_A_IMAGES
    else np.array([rng.permutation(len(y_test))[:size] for _ in range(SPLIT_DRAWS)])
    for size in TEST_A_SIZES
}
mean_gap_by_size = {
    size: float(selection_gaps(draws)["test A"].mean()) for size, draws in size_draws.items()
}
for size, gap in mean_gap_by_size.items():
    print(f"picked on {size:5,d} test images: reports {points(gap)} test B")

# %%
smallest, largest = min(TEST_A_SIZES), max(TEST_A_SIZES)
gap_small, gap_large = mean_gap_by_size[smallest], mean_gap_by_size[largest]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(list(mean_gap_by_size), [100 * gap for gap in mean_gap_by_size.values()], marker="o")
ax.axhline(0, color="gray", linewidth=0.8)
ax.set_xscale("log")
ax.set(
    xlabel=f"test images used to pick the best of {len(SELECTION_SEEDS)} runs",
    ylabel="reported minus test-B accuracy (points)",
    title=f"The test-picked winner's score is off by {100 * gap_small:+.1f} points on "
    f"{smallest} images, {100 * gap_large:+.1f} on {largest:,}",
)

# %%
# The rule, plainly: **the test set is touched once, at the end**, to measure the one
# model already chosen. Everything that involves a choice (learning rate, seed,
# architecture, number of epochs) uses the validation set. Test data therefore cannot
# "serve as validation data": the moment it helps choose, it no longer measures, as the
# gaps above show. If you want to try again after looking at the test score, you need a
# new test set.
#
# 5. How many epochs?
# -------------------
#
# Another common claim is that a CNN needs "50 to 200 epochs". There is no such number:
# it depends on how many images an epoch holds, how big the network is, the learning rate
# and its schedule, and whether augmentation keeps changing the images. In practice you do
# not guess it: you watch the validation loss and stop when it stops improving. Keras'
# ``EarlyStopping`` callback does that; with ``restore_best_weights=True`` it also rolls
# back to the weights of the best epoch.
keras.utils.set_random_seed(SEED)
model = build_model()
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=GD_LEARNING_RATES["mini-batch"]),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
stopper = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=PATIENCE, restore_best_weights=True
)
history = model.fit(
    x_train,
    y_train,
    batch_size=BATCH_SIZE,
    epochs=MAX_EPOCHS,
    validation_data=(x_val, y_val),
    callbacks=[stopper],
    verbose=0,
)
val_losses = history.history["val_loss"]
for epoch, (train_loss, val_loss) in enumerate(
    zip(history.history["loss"], val_losses, strict=True), start=1
):
    print(f"epoch {epoch:2d}: training loss {train_loss:.3f}, validation loss {val_loss:.3f}")

# %%
epochs_run = len(val_losses)
best_epoch = int(np.argmin(val_losses)) + 1
best_val_loss = min(val_losses)
within_10_percent = next(i for i, v in enumerate(val_losses, start=1) if v <= 1.1 * best_val_loss)
print(
    f"The validation loss was lowest at epoch {best_epoch} ({best_val_loss:.3f}) and came "
    f"within 10% of that at epoch {within_10_percent}; early stopping ended the run after "
    f"epoch {epochs_run} of at most {MAX_EPOCHS} and kept epoch {best_epoch}'s weights."
)
train_losses = history.history["loss"]
after_best = np.diff(train_losses[best_epoch - 1 :])
trend = "fell at every epoch" if np.all(after_best < 0) else "did not fall at every epoch"
print(
    f"After epoch {best_epoch} the training loss {trend}: {train_losses[best_epoch - 1]:.3f} "
    f"-> {train_losses[-1]:.3f}, while the validation loss rose to {val_losses[-1]:.3f}."
)
steps_per_epoch = int(np.ceil(TRAIN_IMAGES / BATCH_SIZE))
full_steps_per_epoch = int(np.ceil(len(train_images) / BATCH_SIZE))
print(
    f"An epoch here is {steps_per_epoch} steps; an epoch of all {len(train_images):,} "
    f"training images in batches of {BATCH_SIZE} would be {full_steps_per_epoch:,} steps, "
    f"{full_steps_per_epoch / steps_per_epoch:.0f} times as many."
)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
epoch_numbers = range(1, epochs_run + 1)
ax.plot(epoch_numbers, train_losses, marker="o", label="training")
ax.plot(epoch_numbers, val_losses, marker="o", label="validation")
ax.axvline(best_epoch, color="gray", linestyle="--", label=f"best epoch ({best_epoch})")
ax.set(
    xlabel="epoch",
    ylabel="loss (cross-entropy)",
    title=f"Validation loss is lowest at epoch {best_epoch}; early stopping ends the run at "
    f"epoch {epochs_run}",
)
ax.legend()
plt.show()

# %%
# A validation loss that stops improving while the training loss keeps falling is the
# network starting to memorise its training images instead of learning what makes a
# digit. Where that happens depends on the setting: with all 60,000 images, an epoch holds
# many more updates (the ratio is printed above), so fewer epochs are needed for the same
# number of steps; a larger network, a smaller learning rate or augmentation that keeps
# changing the images usually needs more. So the answer to "how many epochs?" is: as many
# as the validation loss keeps improving, which early stopping finds for you. The numbers
# "50 to 200" describe some settings, not CNNs in general.
#
# Exercises
# ---------
#
# 1. Redo the learning-rate search of section 2: for each method, train at the rates
#    0.003, 0.01, 0.03, 0.1, 0.3 and 1 and keep the best. Do you get the same rates? What
#    does batch gradient descent do at rate 1?
# 2. Add a fourth method to the comparison of section 2, ``batch_size=256`` (try the rates
#    0.3 and 1). Where does it fall between mini-batch and batch gradient descent, per
#    epoch and per second?
#    If you have a GPU, run the comparison there: which method gains the most?
# 3. Change ``TOY_STARTS`` in section 3. Find the starting point that separates the two
#    valleys, and explain it with the slope :math:`4w^3 - 6w + 1`.
# 4. Set ``TEST_A_IMAGES`` to 100 and then to 5,000 and rerun section 4. How does the
#    gap of the first split and its average over all splits change? Then train 20 runs
#    instead of 10 (more seeds): does choosing among more runs flatter the winner more?
# 5. In section 5, set ``PATIENCE`` to 1 and then to 8. At which epoch does training stop
#    each time, and which weights do you end up with? Why does ``restore_best_weights``
#    matter more for a large patience?
