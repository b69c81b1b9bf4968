"""
Making it fast
==============

The usual advice for training faster (bigger batches, XLA compilation, mixed precision,
``tf.data`` input pipelines) was written with GPUs in mind. This chapter measures each of
these settings on the machine that built the page, training the same small CNN on the same
MNIST images, and explains what comes out: where the time of a training step goes, which
settings paid off here and which did not, and why some of them pay only on a GPU. Then it
turns to a different kind of saving: a recipe that needs fewer epochs rather than faster
ones.
"""

# %%
# How much arithmetic is one training step?
# -----------------------------------------
#
# The network is ``fast_cnn``: three small convolutions (16, 32 and 64 filters), each
# followed by batch normalisation and ReLU (the first two max-pooled before that), and a
# softmax classifier; it is the network
# of the ``fast_mnist`` recipe, built by :func:`convbook.models.fast_cnn`.
# :func:`convbook.flops.training_flops` estimates the floating-point operations of one
# training step per image: the forward pass, plus about twice that again for the backward
# pass. :func:`convbook.flops.cpu_peak_flops` estimates what this CPU could do at best:
# cores x clock x the operations its vector units finish per cycle.
from convbook import devices, flops, models, recipes, speed
from convbook.plotting import speed as speed_plots

network = models.build("fast_cnn")
per_image = flops.training_flops(network)
peak = flops.cpu_peak_flops()
forward = flops.forward_flops(network)
print(f"fast_cnn: {network.count_params():,} parameters")
print(f"forward pass: {forward / 1e6:.2f} MFLOPs per image")
print(f"training step: {per_image / 1e6:.2f} MFLOPs per image ({per_image // forward} x forward)")
if peak is not None:
    print(f"estimated CPU peak: {peak / 1e9:.0f} GFLOP/s")
    print(f"at that peak, training would process {peak / per_image:,.0f} images per second")

# %%
# That last number is a ceiling no real program reaches. The measurements below show how
# far from it training really runs, and why.
#
# The settings we compare
# -----------------------
#
# :data:`convbook.speed.VARIANTS` lists them. Each changes one thing against the
# *baseline*: NumPy float32 arrays handed straight to ``model.fit``, batches of 128 images,
# and Keras' default ``jit_compile="auto"``.
for variant in speed.VARIANTS:
    print(f"{variant.name:24s} {variant.description}")

# %%
# How the clock is read
# ---------------------
#
# :func:`convbook.speed.compare_variants` builds a fresh ``fast_cnn`` for every setting,
# from the same initial weights, and trains it for one epoch to warm it up. The first epoch
# is slow for reasons that have nothing to do with the steady pace: Keras traces the Python
# training step into a TensorFlow graph (and XLA compiles that graph into machine code).
# Then every setting trains further epochs in rounds, one setting after another, and every
# step is timed. The speed reported is the median time per step of these later epochs; the
# start-up cost (everything the epochs took beyond their steps at that pace) is listed
# separately. Taking turns means a busy spell of the machine (another program starting up)
# slows all settings a little instead of one of them a lot. A second, independent copy of
# the baseline takes part as well: how far the two baselines land apart shows how much of
# any difference is noise. Every setting is compared with the mean of the two baselines.
from convbook import training

plan = speed.speed_plan()  # more images under the full and long budgets: steadier numbers
print(f"each setting trains on {plan.train_samples} images for {plan.epochs} epochs")
data = training.prepare("mnist", train_samples=plan.train_samples, test_samples=1000)
results = speed.compare_variants(
    speed.VARIANTS, data, epochs=plan.epochs, repeat_baseline=True, progress=True
)
by_name = {result.name: result for result in results}
print()
print(speed.format_throughputs(results))

# %%
# The same numbers as bars. The dashed line is the baseline's speed and the shaded band
# around it the tolerance for "no change" (explained next): green bars beat the baseline
# by more than that, red ones lost by more, grey ones stayed within it. The two blue bars
# are the two measurements of the baseline.
fig = speed_plots.plot_throughputs(results)

# %%
# How much of this is noise?
# --------------------------
#
# A verdict such as "faster" is only worth something if measuring the same thing
# twice gives the same answer. The two baselines say how far apart two measurements of the
# same settings land on this machine. The verdicts call a difference "no change" when it
# is within a tolerance: :data:`convbook.speed.DEFAULT_TOLERANCE`, or the measured noise
# when that is larger, so that no difference smaller than the noise is called a gain or a
# loss.
noise = speed.measurement_noise(results)
baseline = by_name["baseline"]
print(f"the baseline measured twice differed by {noise:.1%}")
print(
    f"tolerance for 'no change': {baseline.tolerance:.0%} "
    f"(the larger of {speed.DEFAULT_TOLERANCE:.0%} and the noise, rounded up)"
)
if noise > speed.DEFAULT_TOLERANCE:
    print(
        "The noise is larger than the default tolerance: the machine's pace drifted while "
        "this page was built (other programs, clock changes), and only large differences "
        "count."
    )

# %%
# Where the time goes
# -------------------
#
# Multiply the arithmetic per image by the images per second and you get the arithmetic
# actually done per second. Against the CPU's peak it says how busy the vector units
# were:
print(f"baseline: {baseline.images_per_second:,.0f} images/s = {baseline.gflops:.1f} GFLOP/s")
if peak is not None:
    print(f"that is {baseline.gflops * 1e9 / peak:.0%} of the estimated peak")

# %%
# A small CNN on a CPU typically uses a small fraction of the peak. Two reasons:
#
# * **Fixed costs per step.** Every step, however many images it holds, pays for the
#   Python loop in ``fit``, for launching each of the network's operations, for the
#   optimizer updating every weight and for the metrics. A big network hides these costs
#   behind its arithmetic; a small one does not.
# * **Kernels that do not fill the machine.** A convolution with one input channel and 16
#   filters, or batch normalisation and pooling (a few operations per value read from
#   memory), cannot keep wide vector units busy; they wait for memory instead.
#
# The runs with different batch sizes separate the two. If a step costs a fixed amount
# plus a share per image, the time per step against the batch size is a straight line and
# where it meets the vertical axis is the fixed cost.
# :func:`convbook.speed.fit_step_time` fits that line:
line = speed.fit_step_time(results)
fixed_share = line.fixed_fraction(baseline.variant.batch_size)
print(
    f"fixed cost per step: {line.fixed_seconds * 1e3:.2f} ms, "
    f"cost per image: {line.seconds_per_image * 1e6:.0f} us"
)
print(f"share of a step of 128 images that is fixed cost: {fixed_share:.0%}")
fig = speed_plots.plot_step_times(results)

# %%
# The sentence below is built from the fit. When the fixed cost is a large share of a
# step, the network is *overhead-bound*: bigger batches and more steps per call help. When
# it is small, the time goes into the layers' own work, and only cheaper arithmetic (or a
# smaller network) helps.
if line.fixed_seconds <= 0:
    print(
        "On this machine the fit found no measurable fixed cost per step: the noise in the "
        "step times is larger than it."
    )
elif fixed_share >= 0.3:
    print(
        f"Here {fixed_share:.0%} of a baseline step is fixed cost: fast_cnn is overhead-bound "
        "on this CPU at batch 128."
    )
else:
    print(
        f"Here only {fixed_share:.0%} of a baseline step is fixed cost: most of the time goes "
        "into the layers themselves, which run far below the CPU's peak."
    )

# %%
# Bigger batches and more steps per call
# --------------------------------------
#
# Two settings attack the fixed cost. A bigger batch spreads it over more images.
# ``steps_per_execution`` (an argument of ``model.compile``) runs several batches inside
# one call into the compiled step, so the Python side of ``fit`` (callbacks, progress,
# the loop) runs once for all of them.
from convbook.tables import format_table

rows = [
    (name, f"{by_name[name].images_per_second:,.0f}", by_name[name].verdict)
    for name in ("batch_64", "batch_256", "batch_512", "steps_per_execution_8")
]
print(format_table(rows, ("setting", "images/s", "verdict"), align=("left", "right", "left")))

# %%
# Bigger batches are not free, though. Within the same number of epochs a bigger batch
# makes proportionally fewer weight updates, and with the same learning
# rate each update is about as large, so the network learns less per epoch. The training
# accuracy after the last epoch shows the effect in this build:
for name in ("batch_64", "baseline", "batch_256", "batch_512"):
    result = by_name[name]
    updates = result.epochs * training.steps_per_epoch(
        result.images_per_epoch, result.variant.batch_size
    )
    print(f"{name:10s} {updates:4d} updates, training accuracy {result.final_accuracy:.3f}")

# %%
# More images per second is only worth it if the network still reaches the same accuracy
# in a similar number of epochs. Large-batch training usually raises the learning rate
# with the batch size (and warms it up) to make up for the fewer updates.
# ``steps_per_execution`` has no such cost: the updates are exactly the same, only the
# bookkeeping between them is done less often (callbacks see only the last batch of each
# call).
#
# XLA
# ---
#
# XLA (``jit_compile=True``) compiles the whole training step into one program, fusing
# chains of small operations (a convolution's output, batch normalisation, ReLU) into
# single loops so intermediate results need not travel through memory. On a GPU that
# often pays. Keras' default, ``"auto"``, switches XLA on only where it expects a gain;
# with TensorFlow on a machine without a GPU that means off:
xla = by_name["xla"]
print(f"jit_compile='auto' resolved to {baseline.jit_compile} for the baseline")
print(f"XLA: {xla.images_per_second:,.0f} images/s, {xla.verdict}")
print(f"start-up: {xla.startup_seconds:.1f} s with XLA, {baseline.startup_seconds:.1f} s without")

# %%
# XLA pays for its compilation up front, so even where its steps are quicker a short run
# can lose.
# On a CPU, TensorFlow's usual kernels come from oneDNN, a library tuned for these
# processors, and XLA's CPU code generator often does not beat them.
#
# Mixed precision
# ---------------
#
# The ``"mixed_bfloat16"`` policy computes every layer in bfloat16, 16-bit numbers with
# float32's range but far less precision, and keeps the weights (and their updates)
# in float32. Fewer bits mean less memory traffic, and hardware with 16-bit
# arithmetic units does more operations per cycle: GPUs' tensor cores (float16 and
# bfloat16), and CPUs with bfloat16 instructions. This CPU:
mixed = by_name["mixed_bfloat16"]
print(f"bfloat16 instructions: {speed.cpu_bfloat16_support()}")
print(f"mixed_bfloat16: {mixed.images_per_second:,.0f} images/s, {mixed.verdict}")
print(f"training accuracy: {mixed.final_accuracy:.3f} (baseline {baseline.final_accuracy:.3f})")

# %%
# Mixed precision may not pay even on a CPU that has the instructions. Every layer
# casts its float32 weights to bfloat16 on every step, batch normalisation and the loss
# still work in float32, and the convolutions of a network this small are too narrow to
# keep the units busy whatever the precision. On a GPU with tensor cores the 16-bit
# arithmetic is many times faster than float32, which is where mixed precision earns its
# reputation (``"mixed_float16"`` there, which also scales the loss so that small
# gradients do not vanish in float16's narrow range; Keras does that automatically).
#
# Where the book trains in bfloat16
# ---------------------------------
#
# Wide convolutions are another matter. A layer with 64 to 256 filters does enough
# arithmetic per weight that the cast costs little, and a CPU with bfloat16 instructions
# does more of that arithmetic per cycle: with AVX-512 dot products of bfloat16 pairs
# (flag ``avx512_bf16``; Intel Cooper Lake and later, AMD Zen 4) or with Intel's matrix
# units, which multiply whole tiles of bfloat16 numbers per instruction (AMX, flag
# ``amx_bf16``). Measured on an AMD CPU with the first and an Intel CPU with both, the deep
# CNN, the simple CNN, the compact CNN and the scaled AlexNet trained faster in
# ``mixed_bfloat16`` on each, while the narrow networks (``fast_cnn``, LeNet-5, the dense
# baseline) gained a little on the AMD CPU and lost on the Intel one:
# :data:`convbook.devices.BFLOAT16_FASTER` lists the measurements. So the book's training
# runs pick their precision with :func:`convbook.devices.precision_policy`:
# ``mixed_bfloat16`` for those networks on a CPU with either flag under TensorFlow,
# float32 everywhere else. ``CONVBOOK_PRECISION=float32`` (or ``mixed_bfloat16``)
# overrides the choice. On this machine:
present = devices.BFLOAT16_CPU_FLAGS & speed.cpu_flags()
print("bfloat16 flags on this CPU:", ", ".join(sorted(present)) or "neither")
book_networks = sorted({recipe.model for recipe in recipes.RECIPES.values()})
for name in book_networks:
    print(f"  {name:18s} trains in {devices.precision_policy(model_name=name)}")

# %%
# In your own code it is one line before the model is built; the weights stay float32, and
# Keras advises keeping the last layer in float32 so that the softmax and the loss keep
# their precision:
#
# .. code-block:: python
#
#    keras.config.set_dtype_policy("mixed_bfloat16")
#    model = keras.Sequential([..., keras.layers.Dense(10, activation="softmax",
#                                                      dtype="float32")])
#
# The Performance page's table of the book's runs has a column for the policy each run
# trained in. The accuracy bars the book must meet do not change with the policy.
#
# float64
# -------
#
# NumPy makes float64 arrays by default, and deep learning almost never needs them.
# Two different things can be float64:
f64_model, f64_input = by_name["float64_model"], by_name["float64_input"]
print(f"float64 model: {f64_model.images_per_second:,.0f} images/s, {f64_model.verdict}")
print(f"float64 input: {f64_input.images_per_second:,.0f} images/s, {f64_input.verdict}")
print(
    f"start-up with float64 input: {f64_input.startup_seconds:.1f} s "
    f"(baseline {baseline.startup_seconds:.1f} s)"
)

# %%
# A float64 *model* (the dtype policy ``"float64"``) does all its arithmetic in double
# precision: each vector instruction handles half as many numbers and every tensor is
# twice the size, so it is expected to be much slower, with no gain in accuracy
# for a network trained with noisy gradients anyway. Float64 *input* into a float32 model
# costs little: Keras converts float arrays to its default float type (``float32``)
# once, when ``fit`` starts, so only the start-up pays (and memory holds both copies for a
# moment). Its steady-state speed should equal the baseline's; any difference in the
# table is the noise measured above.
#
# tf.data: caching and prefetching
# --------------------------------
#
# :func:`convbook.training.make_tf_dataset` builds the input pipeline TensorFlow's
# performance guide recommends: *cache* the images in memory after the first pass (so
# later epochs skip whatever produced them: reading files, decoding, augmenting),
# *shuffle* them anew every epoch, cut them into batches and *prefetch*: prepare the next
# batches in the background while the model trains on the current one.
import keras

if keras.backend.backend() == "tensorflow":
    pipeline = training.make_tf_dataset(data.x_train, data.y_train, batch_size=128)
    images, labels = next(iter(pipeline))
    print(f"one batch from the pipeline: images {tuple(images.shape)}, labels {labels.shape}")
tf_data = by_name["tf_data"]
print(f"tf_data: {tf_data.images_per_second:,.0f} images/s, {tf_data.verdict}")

# %%
# Here the pipeline has little to gain: the images are already a float32 array in memory,
# so there is nothing expensive to cache, and Keras' own handling of NumPy arrays already
# slices batches efficiently. And on a CPU the pipeline and the model share the same
# cores: preparing the next batch in the background takes cycles away from training.
# Prefetching pays when the input is expensive (images decoded from files, augmentation)
# and, above all, on a GPU: there the CPU prepares batches while the GPU computes, and
# without prefetching a fast GPU sits idle waiting for its next batch.
#
# What helped and what did not, on this machine
# ---------------------------------------------
#
# The verdicts, grouped (the tolerance for "no change" is the one printed above). A
# setting within the tolerance did not help if the machine was quiet (the tolerance is
# the default); if the noise set the tolerance, such a setting is not judged at all. The
# sentences are built from this page's measurements, so they can differ from machine to
# machine and from one build to the next:
groups = speed.by_verdict(results)
device_kind = "CPU" if devices.describe().startswith("CPU") else "GPU"


def listing(group: list[speed.Throughput]) -> str:
    return ", ".join(f"{r.name} ({r.relative:.2f}x)" for r in group) or "none"


quiet = baseline.tolerance <= speed.DEFAULT_TOLERANCE
print(f"Helped (faster than the baseline): {listing(groups['faster'])}.")
print(f"Hurt (slower than the baseline): {listing(groups['slower'])}.")
if quiet:
    print(f"No gain (within {baseline.tolerance:.0%}): {listing(groups['no change'])}.")
    did_not_help = groups["no change"] + groups["slower"]
else:
    print(
        f"Within the noise ({baseline.tolerance:.0%}), so not judged in this build: "
        f"{listing(groups['no change'])}."
    )
    did_not_help = groups["slower"]
if groups["skipped"]:
    print(f"Not measured: {', '.join(f'{r.name} ({r.skipped})' for r in groups['skipped'])}.")
judged = len(groups["faster"]) + len(did_not_help)
print(
    f"What did not help on this {device_kind}: "
    f"{', '.join(r.name for r in did_not_help) or 'nothing'} "
    f"({len(did_not_help)} of the {judged} settings the measurements could judge)."
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
for name in ("fast_cnn", "keras_example_cnn"):
    print(models.source(name))

# %%
# Fewer epochs, not faster epochs
# -------------------------------
#
# None of the settings above changes how much a network learns per epoch. A different kind
# of saving is a recipe that needs fewer epochs, and that is what ``fast_cnn`` was
# designed for: batch normalisation after every convolution keeps each layer's inputs
# well scaled, so a high learning rate is safe, and a schedule built from *one-cycle*
# shapes (a warm-up to a peak learning rate, then a long decay) uses it. Its first two
# convolutions are max-pooled *before* they are normalised: a ReLU keeps the order of its
# inputs, so the pooled maxima are the same ones, and normalising the pooled map touches a
# quarter of the numbers. And its convolutions are narrow (16, 32 and 64 filters), so it
# does about a third of the arithmetic per image of the canonical network of the Keras
# code examples (``keras_example_cnn``: two convolutions of 32 and 64 filters on larger
# maps, two pooling layers, dropout). Are its epochs faster too? Both measured the same
# way, taking turns, in a second comparison:
canonical = speed.SpeedVariant(
    "keras_example_cnn", model="keras_example_cnn", description="the Keras examples' convnet"
)
pair = speed.compare_variants(
    [speed.SpeedVariant("fast_cnn"), canonical],
    data,
    epochs=plan.epochs,
    tolerance=baseline.tolerance,  # the noise measured above, where it beat the default
)
print(speed.format_throughputs(pair))
mine, theirs = pair
flop_ratio = theirs.training_flops_per_image / mine.training_flops_per_image
speed_ratio = mine.images_per_second / theirs.images_per_second
print(f"keras_example_cnn does {flop_ratio:.1f}x the arithmetic per image of fast_cnn")
print(f"fast_cnn trains {speed_ratio:.2f}x as many images per second")

# %%
# If time were arithmetic, the two ratios would be equal. The sentence below compares
# them for this build:
if speed_ratio < flop_ratio / (1 + mine.tolerance):
    print(
        f"fast_cnn's epochs are cheaper by much less than its arithmetic ({speed_ratio:.2f}x "
        f"against {flop_ratio:.1f}x): its batch normalisation layers and the fixed cost of "
        "every step take time that fewer multiply-adds do not save."
    )
else:
    print(
        f"fast_cnn's epochs are cheaper roughly in proportion to its arithmetic "
        f"({speed_ratio:.2f}x against {flop_ratio:.1f}x)."
    )

# %%
# Either way, the big saving is the number of epochs: "fewer epochs, not faster
# epochs". The recipe that trains ``fast_cnn`` this way is ``"fast_mnist"`` in
# :data:`convbook.recipes.RECIPES`; its full plan and its own description:
fast = recipes.RECIPES["fast_mnist"]
full = fast.full
print(f"{fast.name}: model {fast.model}, learning-rate schedule {fast.schedule}")
print(
    f"full plan: {full.epochs} epochs on all of MNIST, batch {full.batch_size}, "
    f"peak learning rate {full.learning_rate}, expected test accuracy "
    f"{full.target_accuracy:.1%}"
)
if fast.schedule == "warm_restart":
    print(f"schedule cycles, in epochs: {recipes.warm_restart_cycles(full.epochs)}")
print(f"labels: {fast.labels}, label smoothing {fast.label_smoothing}")
print(fast.description)

# %%
# Label smoothing
# ---------------
#
# The recipe's last ingredient changes the targets, not the network. Cross-entropy against
# a one-hot label rewards a network for pushing the right class's probability all the way
# to 1, which it can only approach by growing its logits without end. *Label smoothing*
# (Szegedy et al., 2016) moves a little of the target, ``smoothing``, evenly onto all ``k``
# classes: the right class gets ``1 - smoothing + smoothing / k`` and every other class
# ``smoothing / k``. The network is then pulled towards a confident answer but never to
# certainty, a mild brake on overfitting that lets the short first cycle end on a network
# that generalises well. The targets for a "3", worked out in NumPy,
# and the same loss in Keras (the only change to your own code is the loss you compile
# with, and one-hot labels, because Keras smooths only those):
import keras
import numpy as np

smoothing, classes = fast.label_smoothing, 10
one_hot = np.eye(classes, dtype="float32")[[3]]
targets = one_hot * (1 - smoothing) + smoothing / classes
print(
    f"targets for a 3: {targets[0, 3]:.3f} for the 3, {targets[0, 0]:.3f} for each other "
    f"digit (sum {targets.sum():.3f})"
)
prediction = np.full((1, classes), 0.02, dtype="float32")
prediction[0, 3] = 0.82  # fairly sure it is a 3
by_hand = float(-(targets * np.log(prediction)).sum())
smoothed_loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
by_keras = float(smoothed_loss(one_hot, prediction))
print(f"loss when 82% sure of the 3: by hand {by_hand:.4f}, Keras {by_keras:.4f}")
# and in a training script:
#   loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
#   model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
#   model.fit(x_train, keras.utils.to_categorical(y_train, 10), ...)

# %%
# Why the book can train on every image
# -------------------------------------
#
# The same saving is what lets the book's default (``full``) budget train every network
# of Part II on all 54,000 MNIST training images and score it on all 10,000 test images,
# with the whole book built on two CPU cores in well under an hour (the Performance page
# has the measured times, and the CPUs they were measured on). Most of its recipes use a
# one-cycle learning rate, so each network gets to its accuracy in a handful of epochs.
# The MNIST recipes, as this page's budget plans them:
from convbook import tables, training

rows = []
for name, recipe in recipes.RECIPES.items():
    if recipe.dataset == "mnist":
        recipe_plan = recipe.plan()
        images = "all" if recipe_plan.train_samples is None else f"{recipe_plan.train_samples:,}"
        target = recipe_plan.target_accuracy
        rows.append(
            (
                name,
                recipe.schedule or "constant",
                recipe_plan.epochs,
                images,
                "none" if target is None else f"{target:.1%}",
            )
        )
headers = ("recipe", "learning rate", "epochs", "training images", "promised test accuracy")
print(tables.format_table(rows, headers))

# %%
# How much does the schedule itself buy? Train ``compact_cnn`` for the same epochs on the
# same images twice: once with Adam's default constant learning rate (0.001), once with
# its recipe's one cycle (the recipe's run, reused if this build has trained it already).
# Only the learning rate differs. The network, in Keras:
print(models.source("compact_cnn"))

# %%
# The two runs:
compact = recipes.RECIPES["compact_cnn_mnist"]
compact_plan = compact.plan()
cycled = recipes.run_recipe(compact.name, verbose=0)
constant = training.build_and_train(
    compact.model,
    compact.dataset,
    epochs=compact_plan.epochs,
    train_samples=compact_plan.train_samples,
    test_samples=compact_plan.test_samples,
    batch_size=compact_plan.batch_size,
    learning_rate=1e-3,
    verbose=0,
)
for label, run in (("constant 0.001", constant), ("one cycle", cycled)):
    print(
        f"{label:15s} {run.epochs_run} epochs  test accuracy {run.test_accuracy:.4f}  "
        f"({run.wall_time_s:.0f} s)"
    )
gain = 100 * (cycled.test_accuracy - constant.test_accuracy)
print(
    f"In this build the one-cycle run scores {abs(gain):.2f} points "
    f"{'above' if gain >= 0 else 'below'} the constant rate, in the same number of epochs."
)

# %%
# How this recipe and the canonical Keras recipe compare end to end (time to 99% test
# accuracy, images per second, GFLOP/s and peak memory, trained on all of MNIST on the
# machine that ran ``make benchmark``), see the Performance page: :doc:`/performance`.
#
# Exercises
# ---------
#
# 1. Add ``speed.SpeedVariant("big_and_batched", batch_size=512, steps_per_execution=8)``
#    to the list and measure it with :func:`convbook.speed.compare_variants`. Do the two
#    gains add up?
# 2. Measure ``models.build("keras_example_cnn")`` under all the variants (pass
#    ``model="keras_example_cnn"``). It does more arithmetic per image and has no batch
#    normalisation: does XLA or mixed
#    precision do better on it than on ``fast_cnn``?
# 3. Train the ``"fast_mnist"`` recipe with ``batch_size=512`` (an override of
#    :func:`convbook.recipes.run_recipe`) and then with ``batch_size=512`` and a learning
#    rate four times higher. Which gets closer to the batch-128 test accuracy?
# 4. Give a ``tf.data`` pipeline something worth caching: build it by hand
#    (``tf.data.Dataset.from_tensor_slices``), ``map`` a random brightness change over the
#    images (``tf.image.random_brightness(x, 0.1)``), then ``batch``, and time two epochs
#    with and without ``.cache()`` placed *after* the ``map``. (Why by hand?
#    :func:`convbook.training.make_tf_dataset` caches right after loading, so a ``map``
#    added to what it returns runs after its cache.) Do the two epochs show the same
#    images? Why would caching an *augmentation* be a mistake? (Brightness, not a mirror
#    image: a mirrored 2 or 7 is no longer a 2 or 7, so horizontal flips are no
#    augmentation for digits.)
# 5. Run this page on a GPU if you can (the default ``full`` budget). Which verdicts
#    change?
# 6. Give the constant-rate ``compact_cnn`` run twice the epochs. Does it catch up with the
#    one-cycle run, and what did the extra epochs cost in seconds?

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you read its solution. The solutions run whenever the
# book is built, on small plans; every speed they report is measured in that build, on a
# machine that may be busy, so read them against the tolerance measured above.
#
# .. solution:: Exercise 1
#
#    Both settings attack the cost of a step beyond its arithmetic. If that cost were
#    fixed, the same for every batch size, the gains would not add up: batch 512 spreads
#    it thin, which leaves less for ``steps_per_execution=8`` to remove, so that setting
#    would gain less at batch 512 than at batch 128. The solution measures exactly that:
#    it times ``big_and_batched`` taking turns with ``batch_512`` on the first 2,048
#    images, which gives the gain of ``steps_per_execution=8`` at batch 512, and sets it
#    beside its gain at batch 128 from the comparison above. A smaller gain at 512 fits
#    the simple picture; a clearly larger one means that the cost per call it removes
#    grows with the batch, and then the combination can match the product of the two
#    gains, or beat it. The last line multiplies ``batch_512``'s gain by the one measured
#    here: the combined estimate.
from convbook import settings

sample = (data.x_train[:2048], data.y_train[:2048])
big_and_batched = speed.SpeedVariant("big_and_batched", batch_size=512, steps_per_execution=8)
at_512 = speed.compare_variants(
    [speed.get_variant("batch_512"), big_and_batched],
    sample,
    epochs=2,
    tolerance=baseline.tolerance,
)
at_128 = by_name["steps_per_execution_8"]
print(f"steps_per_execution=8 at batch 128 (above): {at_128.relative:.2f}x, {at_128.verdict}")
print(f"steps_per_execution=8 at batch 512 (here):  {at_512[1].relative:.2f}x, {at_512[1].verdict}")
print(
    f"big_and_batched against the baseline: about "
    f"{by_name['batch_512'].relative * at_512[1].relative:.2f}x "
    f"(batch_512 alone: {by_name['batch_512'].relative:.2f}x)"
)

# %%
# .. solution:: Exercise 2
#
#    ``keras_example_cnn`` spends its time in two convolutions on larger maps and has no batch
#    normalisation, and in float32 it usually gets more arithmetic per second out of the
#    CPU than ``fast_cnn`` (the first line below has this build's numbers). Mixed
#    precision pays where the arithmetic dominates and the hardware has fast 16-bit units,
#    so it has a better chance on that network than on ``fast_cnn``, whose small
#    layers mostly wait for memory. XLA wins by fusing chains of small element-wise
#    operations around the convolutions; ``keras_example_cnn`` has fewer of them, and its
#    convolutions already run in oneDNN's tuned kernels, so expect XLA to win less here,
#    not more. Timing the variants on a second network costs a warm-up each, and XLA's
#    compilation on top (see its start-up above): more than the default build gives a
#    solution. So only the ``long`` budget times the two that matter here; the other
#    budgets print what was measured on ``fast_cnn``.
print(
    f"float32, achieved: keras_example_cnn {theirs.gflops:.1f} GFLOP/s, "
    f"fast_cnn {mine.gflops:.1f} GFLOP/s"
)
print(f"on fast_cnn above: mixed_bfloat16 {mixed.verdict}, xla {xla.verdict}")
if settings.budget() == "long":
    wide = speed.compare_variants(
        [
            speed.SpeedVariant("float32", model="keras_example_cnn"),
            speed.SpeedVariant("mixed", dtype_policy="mixed_bfloat16", model="keras_example_cnn"),
            speed.SpeedVariant("xla", jit_compile=True, model="keras_example_cnn"),
        ],
        sample,
        epochs=plan.epochs,
        tolerance=baseline.tolerance,
    )
    for measured in wide[1:]:
        print(f"on keras_example_cnn: {measured.name} {measured.verdict}")
else:
    print(f"keras_example_cnn is timed under them with the long budget only ({settings.budget()})")

# %%
# .. solution:: Exercise 3
#
#    Predict first. Batch 512 makes a quarter of the updates per epoch, each about as large
#    as before, so after the same epochs it has learned less. Four times the learning rate
#    makes each of those updates count about four times as much (the linear scaling rule),
#    and batch normalisation keeps ``fast_cnn`` stable at such rates, so the scaled run
#    should come closer to batch 128. A run of the recipe itself takes minutes, and a tiny
#    one says little: after a handful of updates the running statistics of batch
#    normalisation, which the test accuracy relies on, lag far behind the weights. So the
#    solution asks the same question of the runs the comparison above already made,
#    through their training accuracy: batch 128 and batch 512 at Adam's default rate,
#    0.001, and one more run, batch 512 at 0.004, on the same images for the same epochs.
#    On the recipe itself, the two runs would be
#    ``recipes.run_recipe("fast_mnist", batch_size=512)`` and the same call with
#    ``learning_rate=0.024`` (four times its peak of 0.006) added.


def final_training_accuracy(batch_size, learning_rate):
    """Train fast_cnn as the speed runs above did, with another learning rate."""
    training.seed_everything(0)
    network = training.compile_model(models.build("fast_cnn"), learning_rate=learning_rate)
    fitted = network.fit(
        data.x_train, data.y_train, batch_size=batch_size, epochs=plan.epochs, verbose=0
    )
    return fitted.history["accuracy"][-1]


batch_128 = baseline.final_accuracy
scaled_runs = {
    "batch 128, rate 0.001 (baseline)": batch_128,
    "batch 512, rate 0.001 (batch_512)": by_name["batch_512"].final_accuracy,
    "batch 512, rate 0.004": final_training_accuracy(512, 4e-3),
}
for label, accuracy in scaled_runs.items():
    print(f"{label:34s} training accuracy {accuracy:.3f}, {accuracy - batch_128:+.3f}")

# %%
# .. solution:: Exercise 4
#
#    The exercise builds the stages by hand because
#    :func:`~convbook.training.make_tf_dataset` caches right after ``from_tensor_slices``:
#    a ``map`` applied to what it returns runs *after* that cache, every epoch. The
#    pipeline is left unshuffled, to compare two epochs image by image. One more thing
#    hides the answer: this book seeds every random generator, and a seeded
#    ``tf.image.random_brightness`` inside a ``map`` replays the same values on every pass
#    over the data; a ``tf.random.Generator`` keeps its state outside the pipeline and
#    draws new ones. With it and a cache after the ``map``, the second epoch skips the
#    ``map`` (the timings show what that saved here) but serves the very images of the
#    first. That is why caching an augmentation is a mistake: augmentation should show a
#    new variant of every image in every epoch, and a cache freezes one. Cache what is
#    expensive and fixed (decoded images), and augment after the cache.
import time

import numpy as np

if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    generator = tf.random.Generator.from_seed(0)

    def seeded_brightness(image, label):
        return tf.image.random_brightness(image, 0.1), label

    def generator_brightness(image, label):
        seed = generator.make_seeds(2)[0]
        return tf.image.stateless_random_brightness(image, 0.1, seed), label

    def two_epochs(dataset):
        """Seconds of each of two passes, and whether they served the same images."""
        seconds, passes = [], []
        for _ in range(2):
            started = time.perf_counter()
            passes.append(np.concatenate([batch.numpy() for batch, _ in dataset]))
            seconds.append(time.perf_counter() - started)
        return seconds, bool(np.array_equal(*passes))

    raw = tf.data.Dataset.from_tensor_slices(sample)
    pipelines = {
        "random_brightness, no cache": raw.map(seeded_brightness).batch(128),
        "generator, no cache": raw.map(generator_brightness).batch(128),
        "generator, then cache": raw.map(generator_brightness).cache().batch(128),
        "generator after make_tf_dataset": training.make_tf_dataset(
            *sample, 128, shuffle=False
        ).map(generator_brightness),
    }
    for label, dataset in pipelines.items():
        (first, second), same = two_epochs(dataset.prefetch(tf.data.AUTOTUNE))
        print(f"{label:32s} epochs: {first:.2f} s, {second:.2f} s; the same images: {same}")
else:
    print("tf.data needs the TensorFlow backend")

# %%
# .. solution:: Exercise 5
#
#    This machine has no GPU, so the solution can only say what to look for. A GPU does
#    far more arithmetic per second than this CPU, while the fixed costs of a step
#    (Python, launching kernels, copying each batch from the host) stay, so ``fast_cnn``
#    at batch 128 leaves most of it idle. Settings that cut the fixed cost or feed it
#    bigger batches should turn from "no change" or "slower" into "faster". Two change for
#    other reasons: with a GPU, Keras' ``jit_compile="auto"`` turns XLA on for the baseline
#    too, so ``xla`` compares XLA with XLA; and 16-bit tensor cores make mixed precision
#    pay where the arithmetic is large enough to matter. The table lists each setting,
#    this build's verdict and the expectation on a GPU; on a GPU build, the verdict column
#    is the answer.
on_a_gpu = {
    "xla": "no change: 'auto' already means XLA",
    "mixed_bfloat16": "faster where tensor cores are kept busy",
    "float64_model": "much slower: few float64 units",
    "float64_input": "no change in the steady state",
    "tf_data": "no change or faster: prefetching overlaps",
    "batch_64": "slower: even less work per step",
    "batch_256": "faster: more work per step",
    "batch_512": "faster: more work per step",
    "steps_per_execution_8": "faster: fewer trips from Python",
}
print(f"this build ran on: {devices.describe()}")
for result in results:
    if result.name in on_a_gpu:
        print(f"{result.name:22s} {result.verdict:24s} {on_a_gpu[result.name]}")

# %%
# .. solution:: Exercise 6
#
#    Twice the epochs at a constant rate means twice the updates, which helps, but every
#    update is still as large as the first ones. The one-cycle run spends its last updates
#    at a rate near zero, which lets the weights settle, so the extra epochs may or may not
#    make up for it: that is what the runs measure. Their cost is plain: every epoch does
#    the same work, so doubling the epochs roughly doubles the fit time. On this page's
#    plan the extra epochs would cost about as many seconds as the constant run above
#    took. Training that run for twice as long would take far more time than this
#    solution has, so it repeats the comparison on 2,000 images: one epoch of one cycle
#    against two at the constant rate (its first epoch, from its history, is the
#    same-length run).


class EpochSeconds(keras.callbacks.Callback):
    """Record the wall time of every epoch."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


few_images = dict(train_samples=2000, test_samples=1000, verbose=0)
short_cycle = recipes.run_recipe(compact.name, epochs=1, **few_images)
epoch_clock = EpochSeconds()
double_constant = training.build_and_train(
    compact.model,
    compact.dataset,
    epochs=2,
    batch_size=compact_plan.batch_size,
    learning_rate=1e-3,
    callbacks=[epoch_clock],
    **few_images,
)
print(f"one cycle, 1 epoch:  validation accuracy {short_cycle.history['val_accuracy'][-1]:.4f}")
for epoch, value in enumerate(double_constant.history["val_accuracy"], start=1):
    print(f"constant, epoch {epoch}:  validation accuracy {value:.4f}")
print(
    f"test accuracy: one cycle (1 epoch) {short_cycle.test_accuracy:.4f}, "
    f"constant (2 epochs) {double_constant.test_accuracy:.4f}"
)
print(f"the extra epoch took {epoch_clock.seconds[1]:.1f} s (the first also traced the step)")
print(f"on this page's plan the extra epochs would cost about {constant.wall_time_s:.0f} s")
