"""
Kuzushiji-MNIST with callbacks
==============================

Kuzushiji-MNIST asks a network to read ten cursive Japanese characters from books printed
centuries ago, in MNIST's familiar format. We use it to watch a training run from the
inside with Keras *callbacks*: small objects that Keras calls at fixed moments of
training. One computes the ROC AUC on the validation images after every epoch, one keeps
the best model on disk, one stops training when the validation loss stops improving, and
one backs the run up so that it can resume after an interruption. You also review the
layers a CNN is built from and write a callback of your own. Callbacks are how long runs
are made safe and cheap: you keep the best model rather than the last, stop when more
epochs no longer help, and lose one epoch, not the whole run, when a machine goes down.
"""

# %%
# Kuzushiji-MNIST
# ---------------
#
# *Kuzushiji* ("broken-down characters") is the cursive script in which Japanese was
# written and printed for more than a thousand years. Since the school reforms at the
# start of the twentieth century hardly anyone learns to read it, and most of the books
# kept in Japanese libraries are closed to modern readers. Tarin Clanuwat and colleagues
# (2018) cut characters out of classical books digitised by the National Institute of
# Japanese Literature and published Kuzushiji-MNIST: ten hiragana characters, one per
# class, as 28x28 grey images in MNIST's format and split. A cursive character can be
# written in several very different ways, so it is harder than MNIST. Here are the ten
# classes, each a character and how it is read:
from convbook import datasets, settings

kmnist_names = datasets.CLASS_NAMES["kmnist"]
for label, name in enumerate(kmnist_names):
    print(f"{label}: {name}")

# %%
# The dataset is downloaded from its authors' release the first time it is used. Where it
# is neither in the data directory nor reachable, :func:`convbook.datasets.load` raises
# :class:`~convbook.datasets.DatasetUnavailable`, whose message says what to download
# and where to put it. This page checks first and remembers the answer in
# ``kmnist_available``.
try:
    (kmnist_x, kmnist_y), (kmnist_x_test, kmnist_y_test) = datasets.load("kmnist", progress=False)
except datasets.DatasetUnavailable as error:
    kmnist_available = False
    print(
        "Kuzushiji-MNIST is not available offline on the machine that built this page, so "
        "the Kuzushiji-MNIST cells below are skipped. To get it:"
    )
    for line in str(error).splitlines():
        print("   ", line)
else:
    kmnist_available = True
    print("training images:", kmnist_x.shape, "test images:", kmnist_x_test.shape)

# %%
# When it is available, a sample of each class. The same character can look very
# different from one book, or one hand, to the next.
if kmnist_available:
    from convbook.plotting import data as data_plots

    fig = data_plots.show_samples_per_class(
        kmnist_x,
        kmnist_y,
        kmnist_names,
        per_class=3,
        title="Kuzushiji-MNIST: three training images of each class (one class per column)",
    )
else:
    print("skipped: no Kuzushiji-MNIST images to show")

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
from convbook import models

for name in ("deep_cnn", "simple_cnn"):
    print(models.source(name))

# %%
# When it is not, the training below runs on a stand-in, Fashion-MNIST
# (:ref:`its chapter <sphx_glr_auto_gallery_02_training_08_fashion_mnist.py>`),
# clearly labelled as such, so that you still see every callback at work on real data.
# The recipe for Kuzushiji-MNIST trains the deep CNN; the stand-in recipe,
# ``fashion_callbacks``, trains the simple CNN with the same three callbacks. On this page
# both are there to show the callbacks at work, so even the default ``full`` budget gives
# them a short plan on part of the training images that promises no accuracy. (The long
# budget trains the Kuzushiji-MNIST recipe to a stated accuracy; see the last section.)
from convbook import recipes

run_name = "kmnist_callbacks" if kmnist_available else "fashion_callbacks"
recipe = recipes.get(run_name)
plan = recipe.plan()
print(f"recipe {run_name}: {recipe.model} on {recipe.dataset}, callbacks {recipe.callbacks}")
print(f"plan ({settings.budget()} budget): {plan}")
images = "all" if plan.train_samples is None else f"{plan.train_samples:,}"
target = "none" if plan.target_accuracy is None else f"{plan.target_accuracy:.0%}"
print(f"training images: {images}, epochs: up to {plan.epochs}, accuracy target: {target}")

# %%
# Three sets of images
# --------------------
#
# The tutorial this chapter follows holds out a fifth of the 60,000 training images for
# validation (``validation_split=0.2`` in ``fit``): the callbacks watch those, and the
# 10,000 test images are scored once, at the end. Keras takes the held-out images from the
# *end* of the training arrays, before any shuffling:
from convbook import training

kept = training.validation_split_point(60_000, 0.2)
print(f"training {kept:,}, validation {60_000 - kept:,}, test 10,000")
print(f"this page's plan holds out {plan.validation_split:.0%} of its training images")

# %%
# The layers of a CNN
# -------------------
#
# The network of the article this chapter follows is built like ``simple_cnn``: every
# kind of layer a basic CNN needs, once. Keras lists them with their output shapes and
# how many weights each one learns:
import keras

from convbook import models

for layer in models.build("simple_cnn").layers:
    rate = f"  rate {layer.rate}" if isinstance(layer, keras.layers.Dropout) else ""
    print(
        f"{layer.name:12s} {type(layer).__name__:13s} "
        f"output {str(layer.output.shape):20s} weights {layer.count_params()}{rate}"
    )

# %%
# * **Conv2D** slides small learned filters over its input and writes one *feature map*
#   per filter (Part I). The first convolution finds simple patterns such as edges and
#   curves; the second combines them into larger ones. A filter's weights are shared
#   across the whole image, so a stroke is recognised wherever it is.
# * **MaxPooling2D** keeps the largest value of each 2x2 window: a quarter of the values,
#   no weights, and a little indifference to small shifts.
# * **Dropout** sets a random fraction of its inputs to zero at every training step (25%
#   and 50% here) and does nothing at test time. No unit can rely on one particular other
#   unit, which fights overfitting. CNNs usually put dropout next to the dense layers,
#   where most of the weights are.
# * **Flatten** lays the feature maps out as one long vector, the form a dense layer
#   reads. It has no weights; it only forgets the spatial arrangement.
# * **Dense** connects every input to every unit. The last dense layer has one unit per
#   class and a softmax, which turns its scores into probabilities.
#
# The Kuzushiji-MNIST recipe uses the deeper ``deep_cnn`` instead: the same kinds of
# layers, more of them.
kmnist_model = recipes.get("kmnist_callbacks").model
print(
    f"kmnist_callbacks trains {kmnist_model}: {models.build(kmnist_model).count_params()} weights"
)

# %%
# What a callback is
# ------------------
#
# ``model.fit`` runs a loop over epochs and, inside each, over batches. At fixed points of
# that loop (the start and end of training, of each epoch and of each batch) it calls the
# matching method of every callback in its list: ``on_train_begin``, ``on_epoch_end`` and
# so on. A callback sees the model and the numbers logged so far, can add numbers of its
# own, save files, or stop the training. Writing one is a matter of subclassing
# :class:`keras.callbacks.Callback` and filling in the methods you need. Here is a
# callback of our own; we use it later to pull the plug on a run on purpose:


class InterruptAt(keras.callbacks.Callback):
    """Simulate a crash: raise KeyboardInterrupt as epoch ``epoch`` (counted from 0) begins."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt(f"simulated interruption before epoch {epoch + 1}")


# %%
# ROC AUC, one class against the rest
# -----------------------------------
#
# Accuracy only asks whether the highest score belongs to the right class. The *ROC AUC*
# looks at the scores themselves. Take one class, say "お (o)", and rank all validation
# images by the network's score for it. Ideally every image of "お" is ranked above every
# image of another class. The ROC curve plots, as a threshold slides down that ranking,
# the share of "お" images above it (true positive rate) against the share of other
# images above it (false positive rate); the area under it, the AUC, equals the
# probability that a randomly picked "お" image scores higher than a randomly picked other
# image. 1 is a perfect ranking, 0.5 is guessing. Doing this for every class against the
# rest and averaging gives the *macro one-vs-rest* ROC AUC, which
# :func:`convbook.training.roc_auc_ovr` computes.
#
# An illustration with made-up scores (not data from any network): six images, three
# classes. For each class we count the (positive, negative) pairs that the class's score
# puts in the right order, ties counting one half:
import numpy as np

from convbook import inspection, training

example_labels, example_scores = inspection.roc_example()
print("labels:", example_labels.tolist())
print("scores, one row per image, one column per class:")
print(example_scores)
areas = []
for k in range(3):
    positive = example_scores[example_labels == k, k]
    negative = example_scores[example_labels != k, k]
    ordered = (positive[:, None] > negative).sum() + 0.5 * (positive[:, None] == negative).sum()
    areas.append(ordered / (len(positive) * len(negative)))
    pairs = len(positive) * len(negative)
    print(f"class {k}: {ordered:g} of {pairs} pairs in order, AUC {areas[-1]:.3f}")
print(f"mean over classes: {np.mean(areas):.4f}")
print(f"roc_auc_ovr:       {training.roc_auc_ovr(example_labels, example_scores):.4f}")
wrong = np.flatnonzero(example_scores.argmax(axis=1) != example_labels)
print(f"misclassified images: {wrong.tolist()} ({len(wrong)} of {len(example_labels)})")
accuracy = np.mean(example_scores.argmax(axis=1) == example_labels)
print(f"accuracy of the same scores: {accuracy:.4f}")

# %%
# The example shows why the two numbers differ. Image 3, the second image of class 1, is
# misclassified: class 0 scores higher for it. For accuracy that is simply one image
# wrong. For the ROC AUC it only matters how that image ranks among the others on each
# class's score: on class 1's score it still beats two of the four other images and ties
# with the other two, so only class 1's area drops, and only a little.
# :class:`convbook.training.RocAucCallback` computes this number on the validation images
# after every epoch and adds it to the epoch's logs as ``val_roc_auc``, next to
# ``val_loss`` and ``val_accuracy``; it must come before any callback that reads it.
#
# Keeping the best, stopping in time, resuming
# --------------------------------------------
#
# The Kuzushiji-MNIST recipe asks for three callbacks:
print("callbacks of kmnist_callbacks:", recipes.get("kmnist_callbacks").callbacks)
print(f"patience of this page's plan: {plan.patience} epochs")

# %%
# * ``"roc_auc"`` is the :class:`~convbook.training.RocAucCallback` above.
# * ``"early_stopping"`` is :class:`keras.callbacks.EarlyStopping` watching ``val_loss``.
#   When the validation loss has not improved for ``patience`` epochs in a row, it stops
#   the training, and it puts back the weights of the best epoch it saw
#   (``restore_best_weights=True``). More epochs past that point would only fit the
#   training images more closely while the network gets worse on new ones.
# * ``"checkpoint"`` makes :func:`~convbook.training.train` add two callbacks.
#   :class:`keras.callbacks.ModelCheckpoint` saves the whole model to
#   ``<model name>-best.keras`` whenever the validation loss reaches a new low, so the best
#   model is safe on disk whatever happens later. :class:`convbook.training.EpochBackup`
#   backs up the weights, the optimizer's state and the epoch counter after every epoch;
#   if the run dies, calling ``train`` again with the same directory restores them and
#   continues after the last completed epoch (``model.fit(..., initial_epoch=...)``).
#   Keras' own :class:`keras.callbacks.BackupAndRestore` does the same job for a plain
#   ``fit`` call; ``EpochBackup`` uses only public Keras calls to save and restore.

# %%
# An interrupted run
# ------------------
#
# Now the training, in a temporary checkpoint directory. To show the backup at work we
# interrupt the run on purpose as its second epoch begins, with the callback written above,
# just as a power cut or a closed laptop would.
import shutil
import tempfile
import time
from pathlib import Path

checkpoint_dir = Path(tempfile.mkdtemp(prefix="convbook-callbacks-"))
interrupted = plan.epochs >= 2
if interrupted:
    started = time.perf_counter()
    try:
        recipes.run_recipe(run_name, checkpoint_dir=checkpoint_dir, callbacks=[InterruptAt(1)])
    except KeyboardInterrupt as stop:
        print(f"run interrupted after {time.perf_counter() - started:.1f} s: {stop}")
    print("left in the checkpoint directory:", sorted(p.name for p in checkpoint_dir.iterdir()))
else:
    print(f"the plan has only {plan.epochs} epoch, so there is nothing to interrupt")

# %%
# The directory holds the backup (weights and epoch counter), the history so far and
# the best model. Calling the recipe again with the same directory picks the run up where
# it stopped: it builds a fresh model, finds the backup, restores the weights and the
# epoch counter and trains the remaining epochs. Nothing is repeated.
resumed = recipes.run_recipe(run_name, checkpoint_dir=checkpoint_dir)
print(
    f"{resumed.dataset}: resumed after epoch {resumed.initial_epoch}, trained "
    f"{resumed.epochs_run} more; history covers {len(resumed.history['loss'])} epochs"
)
print(
    f"test accuracy {resumed.test_accuracy:.4f}, fit time after resuming "
    f"{resumed.wall_time_s:.1f} s, device: {resumed.device}"
)

# %%
# What the callbacks recorded
# ---------------------------
#
# The history now holds the validation ROC AUC of every epoch, before and after the
# interruption, next to the loss and accuracy:
history = resumed.history
for epoch in range(len(history["val_loss"])):
    print(
        f"epoch {epoch + 1}: val_loss {history['val_loss'][epoch]:.4f}  "
        f"val_accuracy {history['val_accuracy'][epoch]:.4f}  "
        f"val_roc_auc {history['val_roc_auc'][epoch]:.4f}"
    )
from convbook.plotting import training as training_plots

dataset_title = datasets.info(resumed.dataset).title
if not kmnist_available:
    dataset_title += ", standing in for Kuzushiji-MNIST"
fig = training_plots.show_histories(
    {f"{recipe.model} on {datasets.info(resumed.dataset).title}": history},
    keys=("val_loss", "val_accuracy", "val_roc_auc"),
    title=f"{dataset_title} ({settings.budget()} budget): what the callbacks logged per epoch",
)

# %%
# Compare the last two columns: the ROC AUC is usually much closer to 1 than the
# accuracy, because even when the top score is wrong, the right class's score is still
# high compared with the other images' scores for that class. Whether that held in every
# epoch of this run:
closer = all(
    auc > accuracy
    for auc, accuracy in zip(history["val_roc_auc"], history["val_accuracy"], strict=True)
)
print("ROC AUC closer to 1 than the accuracy in every epoch:", closer)

# %%
# Which epoch was best, and did early stopping end the run? The checkpoint file holds the
# model of the epoch with the lowest validation loss:
best_epoch = int(np.argmin(history["val_loss"])) + 1
epochs_trained = len(history["loss"])
print(f"best epoch: {best_epoch} (val_loss {min(history['val_loss']):.4f})")
print(f"best model saved as: {Path(resumed.best_checkpoint).name}")
if epochs_trained < plan.epochs:
    print(f"early stopping ended the run after {epochs_trained} of {plan.epochs} epochs")
else:
    print(
        f"all {plan.epochs} epochs ran: the validation loss never failed to improve for "
        f"{plan.patience} epochs in a row"
    )

# %%
# Whatever happened to the model in memory, the best one can be loaded back from the
# checkpoint and scored on the test set. After an interruption the two can differ:
# ``EarlyStopping`` only remembers the epochs since the restart, while the checkpoint
# compares every epoch of the run.
best_model = keras.saving.load_model(resumed.best_checkpoint)
test_data = training.prepare(
    recipe.dataset,
    input_shape=recipe.input_shape or models.default_input_shape(recipe.model),
    train_samples=plan.train_samples,
    test_samples=plan.test_samples,
)
best_scores = training.evaluate(best_model, test_data)
final_scores = training.evaluate(resumed.model, test_data)
same = np.allclose(best_scores.probabilities, final_scores.probabilities, atol=1e-6)
print(f"test accuracy of the checkpoint: {best_scores.accuracy:.4f}")
print(f"model in memory has the checkpoint's weights: {same}")
shutil.rmtree(checkpoint_dir)  # the temporary directory has served its purpose

# %%
# The long budget on Kuzushiji-MNIST
# ----------------------------------
#
# The run above only has to show the callbacks at work. With the ``long`` budget
# (``CONVBOOK_BUDGET=long``) the recipe gets a plan of its own, which trains the deep CNN
# for longer, in one learning-rate cycle, and states the test accuracy it is expected to
# reach. The two plans side by side, then whether this page's run met the target:
kmnist_recipe = recipes.get("kmnist_callbacks")
long_plan = kmnist_recipe.plan("long")
for name, budget_plan in (("full", kmnist_recipe.plan("full")), ("long", long_plan)):
    images = "all" if budget_plan.train_samples is None else f"{budget_plan.train_samples:,}"
    print(
        f"{name:4s} plan: up to {budget_plan.epochs} epochs on {images} training images, "
        f"patience {budget_plan.patience}"
    )
print(f"learning-rate schedule: {kmnist_recipe.schedule}")
print(f"target test accuracy of the long plan: {long_plan.target_accuracy:.0%}")
if not kmnist_available:
    print("skipped: Kuzushiji-MNIST is not available on this machine (see above)")
elif settings.budget() == "long":
    met = resumed.test_accuracy >= long_plan.target_accuracy
    print(f"this run: {resumed.test_accuracy:.4f}, target met: {met}")
else:
    print(
        f"this page was built with the {settings.budget()} budget, whose plan promises no "
        "accuracy (set CONVBOOK_BUDGET=long to train the long plan)"
    )

# %%
# Exercises
# ---------
#
# 1. Write a callback that prints the learning rate and the time of every epoch
#    (``on_epoch_begin`` / ``on_epoch_end``), and pass it to
#    :func:`convbook.recipes.run_recipe` with ``callbacks=[...]``.
# 2. Make early stopping watch ``val_roc_auc`` instead of ``val_loss``. Which ``mode``
#    does it need, and why must :class:`~convbook.training.RocAucCallback` come first in
#    the list?
# 3. Change ``InterruptAt(1)`` to ``InterruptAt(0)``. What is in the checkpoint directory
#    afterwards, and where does the resumed run start?
# 4. Compute :func:`convbook.training.roc_auc_ovr` for the made-up example after swapping
#    the scores of two images of the same class. Why does the value not change?
# 5. If Kuzushiji-MNIST was unavailable, follow the printed instructions on a machine
#    with internet access, run ``convbook data fetch kmnist``, and run this page again.
# 6. Run this page with ``CONVBOOK_BUDGET=long``. Does early stopping end the longer run
#    before its last epoch, and which epoch's model does the checkpoint keep?

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you read its solution. The solutions run whenever the
# book is built. The ones that train use Fashion-MNIST recipes on a few hundred images,
# whichever dataset this page used, so they stay cheap on both paths.
#
# .. solution:: Exercise 1
#
#    The callback starts a clock and reads the optimizer's learning rate in
#    ``on_epoch_begin``, and prints the elapsed time in ``on_epoch_end``. Reading
#    ``model.optimizer.learning_rate`` gives the rate of the current step even when the
#    rate is a schedule. To see it change, the solution passes the callback to
#    ``simple_cnn_fashion``, a cheap recipe with a one-cycle schedule like that of
#    ``kmnist_callbacks``, on 600 images for two epochs: the first epoch begins at the
#    bottom of the warm-up (a 25th of the peak), the second after the peak, on the way
#    down. The stand-in ``fashion_callbacks`` has no schedule and would print Adam's
#    default, 0.001, every epoch. The first epoch's time also pays for tracing the
#    training step into a graph.


class EpochClock(keras.callbacks.Callback):
    """Print the learning rate as every epoch begins and the epoch's wall time as it ends."""

    def __init__(self):
        super().__init__()
        self.rates, self.seconds = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
        self.started = time.perf_counter()
        print(f"epoch {epoch + 1} begins: learning rate {self.rates[-1]:.6f}")

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)
        print(f"epoch {epoch + 1} ends after {self.seconds[-1]:.1f} s")


small_run = dict(train_samples=600, test_samples=200, verbose=0)
clock = EpochClock()
recipes.run_recipe("simple_cnn_fashion", callbacks=[clock], epochs=2, **small_run)
print("the rate is higher as epoch 2 begins:", clock.rates[1] > clock.rates[0])

# %%
# .. solution:: Exercise 2
#
#    The ROC AUC grows as the network improves, so early stopping must look for a maximum:
#    ``mode="max"``. Keras' default, ``"auto"``, knows the direction of the loss and of
#    the metrics compiled into the model, and ``val_roc_auc`` is neither, so it raises an
#    error at the end of the first epoch; ``"min"`` would stop a run that is improving.
#    The order matters because at the end of an epoch Keras calls the callbacks one after
#    another with the same ``logs`` dictionary, and ``RocAucCallback`` is what writes
#    ``val_roc_auc`` into it: a callback called before it finds no value, warns and does
#    nothing. The check replays five epoch ends on a small model that never changes, so
#    its AUC is flat and a patience of 2 runs out after the third epoch; only the right
#    order and mode stop it.
import warnings

frozen = keras.Sequential(
    [
        keras.Input(test_data.input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
check_data = (test_data.x_test[:200], test_data.y_test[:200])


def replay_epoch_ends(auc_first, mode="max", epochs=5):
    """Call the epoch ends of both callbacks; return the epoch that stopped training."""
    roc = training.RocAucCallback(validation_data=check_data)
    stop = keras.callbacks.EarlyStopping(monitor="val_roc_auc", mode=mode, patience=2)
    listed = keras.callbacks.CallbackList([roc, stop] if auc_first else [stop, roc], model=frozen)
    frozen.stop_training = False
    listed.on_train_begin()
    for epoch in range(epochs):
        listed.on_epoch_end(epoch, {})
        if frozen.stop_training:
            return epoch + 1
    return None


def outcome(stopped):
    return "never stopped" if stopped is None else f"stopped after epoch {stopped}"


print("RocAucCallback first, mode='max':", outcome(replay_epoch_ends(True)))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("EarlyStopping first, mode='max':", outcome(replay_epoch_ends(False)))
print(f"  it warned {len(caught)} times: {str(caught[0].message).split('.')[0]}")
try:
    replay_epoch_ends(True, mode="auto")
except ValueError as error:
    print(f"mode='auto': ValueError: {str(error).split(', but')[0]}, but ...")

# %%
# .. solution:: Exercise 3
#
#    Predict first. ``InterruptAt(0)`` raises as the first epoch begins, before a single
#    batch. Every callback that writes a file (the backup, the history, the best model)
#    does so when an epoch *ends*, and none ever ends, so the directory stays empty. The
#    second call then finds no backup to restore: it is not a resumption at all but a new
#    run from epoch 1, with ``initial_epoch`` 0 and fresh weights. A crash before the
#    first epoch completes costs nothing but the time spent getting started. The check
#    interrupts the stand-in recipe, then asks :func:`convbook.training.checkpointing`,
#    the first thing a second run calls, where that run would start:
zero_dir = Path(tempfile.mkdtemp(prefix="convbook-interrupt-0-"))
try:
    recipes.run_recipe(
        "fashion_callbacks", checkpoint_dir=zero_dir, callbacks=[InterruptAt(0)], **small_run
    )
except KeyboardInterrupt as stop:
    print(f"interrupted: {stop}")
print("left in the checkpoint directory:", sorted(p.name for p in zero_dir.iterdir()))
fresh = training.compile_model(models.build("simple_cnn"))
restart = training.checkpointing(zero_dir, fresh, epochs=plan.epochs, monitor="val_loss")
print(f"a second run would start with initial_epoch {restart.initial_epoch}")
shutil.rmtree(zero_dir)

# %%
# .. solution:: Exercise 4
#
#    For each class the ROC AUC counts the (image of that class, image of another class)
#    pairs whose scores are in the right order. Which position an image has in the list
#    never enters: only its label and its row of scores do. Swapping the score rows of two
#    images of the *same* class leaves the set of (label, scores) pairs exactly as it was,
#    so every count, and the value, stays the same. Swapping rows between images of
#    *different* classes does change it, as the last line shows (images 1 and 2 belong
#    to classes 0 and 1).
same_class = example_scores.copy()
same_class[[0, 1]] = same_class[[1, 0]]
other_class = example_scores.copy()
other_class[[1, 2]] = other_class[[2, 1]]
original_auc = training.roc_auc_ovr(example_labels, example_scores)
print(f"original:                       {original_auc:.4f}")
print(f"images 0 and 1 (both class 0):  {training.roc_auc_ovr(example_labels, same_class):.4f}")
print(f"images 1 and 2 (classes 0, 1):  {training.roc_auc_ovr(example_labels, other_class):.4f}")

# %%
# .. solution:: Exercise 5
#
#    This one has to be done by hand, on a machine that can reach the authors' site: the
#    machine that builds the book works offline. Download the four files the message above
#    lists, put them unchanged into the ``kmnist`` folder of the data directory, and run
#    ``convbook data fetch kmnist``, which checks their SHA-256 digests and caches the
#    dataset. On the next run ``kmnist_available`` is true and the page switches from the
#    stand-in to the real thing: the samples are drawn and ``kmnist_callbacks`` trains the
#    deep CNN, with its one-cycle schedule, instead of the simple CNN on Fashion-MNIST. The
#    code shows where the files go and the two recipes side by side.
print(f"kmnist cached in {settings.data_dir()}: {datasets.cached('kmnist')}")
print(f"where the downloaded files go: {settings.data_dir() / 'kmnist'}")
for name in ("fashion_callbacks", "kmnist_callbacks"):
    chosen = recipes.get(name)
    chosen_plan = chosen.plan()
    images = "all" if chosen_plan.train_samples is None else f"{chosen_plan.train_samples:,}"
    print(
        f"{name:17s} trains {chosen.model} on {chosen.dataset}: {chosen_plan.epochs} epochs "
        f"on {images} images, learning-rate schedule {chosen.schedule}"
    )

# %%
# .. solution:: Exercise 6
#
#    Not before its last epoch, and the reason is arithmetic, not luck. The long plan of
#    ``kmnist_callbacks`` has 4 epochs and a patience of 2, and this page interrupts the
#    run as epoch 2 begins. The resumed run gets a new ``EarlyStopping``, which sees only
#    epochs 2 to 4: it needs two epochs without a new best after the first one it sees,
#    so the earliest it can stop is after epoch 4, the last one anyway. (An uninterrupted
#    run could stop after epoch 3, if epochs 2 and 3 both failed to beat epoch 1.) The
#    stand-in has no long plan of its own, so it keeps its 3 epochs and can never stop
#    early. The checkpoint keeps the epoch with the lowest validation loss of the whole
#    run, the one before the interruption included; with a one-cycle rate that falls
#    almost to zero this is usually the last, but the code prints which one it was. The
#    check feeds ``EarlyStopping`` the worst case, a loss that gets worse every epoch:


def stops_after(first_epoch, epochs, patience):
    """Replay a validation loss that grows every epoch; return the epoch that stops it."""
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    stop.set_model(frozen)
    frozen.stop_training = False
    stop.on_train_begin()
    for epoch in range(first_epoch, epochs):
        stop.on_epoch_end(epoch, {"val_loss": 1.0 + epoch})
        if frozen.stop_training:
            return epoch + 1
    return None


def earliest(stopped, epochs):
    return "cannot stop early" if stopped is None else f"can stop after epoch {stopped} of {epochs}"


for name in ("kmnist_callbacks", "fashion_callbacks"):
    long = recipes.get(name).plan("long")
    print(
        f"{name}, long plan (patience {long.patience}): uninterrupted, it "
        f"{earliest(stops_after(0, long.epochs, long.patience), long.epochs)}; resumed after "
        f"epoch 1, it {earliest(stops_after(1, long.epochs, long.patience), long.epochs)}"
    )
print(f"this page's run: the checkpoint holds epoch {best_epoch} of {len(history['val_loss'])}")
