"""
Training on several devices and machines
========================================

When one GPU is too slow, the next step is several GPUs, and then several machines. The
common way to use them is *synchronous data parallelism*: every device holds a copy of the
model and works on its own slice of each batch, and after every step all copies agree
again. This chapter explains the idea with a few lines of NumPy, then lets Keras' own
engines do it for real: ``keras.distribution.DataParallel`` on the JAX back-end over two
devices, ``tf.distribute.MirroredStrategy`` on TensorFlow, and two processes on one
machine that train one model together, exactly as two machines of a cluster would. It ends
with honest timings: on a CPU, splitting the processor into "devices" makes nothing faster,
and the page shows why.
"""

# %%
# The idea: one batch, split between replicas
# -------------------------------------------
#
# One training step takes a batch of :math:`B` images, computes the loss (the *mean* over
# the batch), its gradient, and moves the weights a little against it. With :math:`N`
# devices, each holds a copy of the model, a *replica*, and gets :math:`B/N` of the
# images. Each replica computes the gradient of the mean loss over its own slice. An
# *all-reduce* then averages these gradients across the replicas, so that every replica
# ends up with the same average and applies the same update: the copies never drift
# apart.
#
# Why is that the same step as on one device? The mean over the whole batch is the mean
# of the means over equal slices, and the gradient of a mean is the mean of the
# gradients. NumPy shows it on a linear model with a squared loss:
import numpy as np

rng = np.random.default_rng(0)
images = rng.normal(size=(8, 3))  # a global batch of B = 8 "images" of 3 features
targets = rng.normal(size=8)
weights = rng.normal(size=3)


def gradient(w, x, y):
    """Gradient of the mean squared error of the linear model x @ w."""
    return 2 * x.T @ (x @ w - y) / len(y)


one_device = gradient(weights, images, targets)
slices = np.split(np.arange(8), 2)  # two replicas, 4 images each
per_replica = [gradient(weights, images[s], targets[s]) for s in slices]
all_reduced = np.mean(per_replica, axis=0)  # the all-reduce: average over replicas
print("gradient on one device:   ", np.round(one_device, 6))
print("average of the 2 replicas:", np.round(all_reduced, 6))
print(f"largest difference: {np.abs(one_device - all_reduced).max():.1e}")

# %%
# Identical up to rounding. So a step on :math:`N` replicas with a global batch of
# :math:`B` is, in exact arithmetic, a step on one device with batch :math:`B`; the test
# suite checks this for a Keras model (``tests/test_distributed.py``).
#
# Batch size and learning rate go together
# ----------------------------------------
#
# More devices invite a larger global batch: keep :math:`B/N` images per device and the
# devices stay busy. But a larger batch means fewer steps per epoch, each with a less noisy
# gradient. The *linear scaling rule* (Goyal et al., 2017, "Accurate, large minibatch
# SGD") says: when the batch grows :math:`k` times, multiply the learning rate by
# :math:`k` too, and ramp it up over the first few epochs (*warm-up*), because early on a
# large step throws the weights about. It is a heuristic, not a law: it works well up to a
# few thousand images per batch for image classifiers and then breaks down; past that
# point, optimisers such as LARS/LAMB take over.
base_batch, base_rate = 128, 0.05
for replicas in (1, 2, 4, 8):
    print(
        f"{replicas} replica(s) x {base_batch} images: global batch "
        f"{replicas * base_batch:5d}, learning rate {base_rate * replicas:.2f}"
    )

# %%
# Several devices in one process: ``keras.distribution`` on JAX
# -------------------------------------------------------------
#
# Keras' distribution API (``keras.distribution``) runs on the JAX back-end. This machine
# has no second accelerator, but JAX can pretend: the XLA flag
# ``--xla_force_host_platform_device_count=2`` splits the CPU into two *virtual* devices,
# ``cpu:0`` and ``cpu:1``. It must be set before JAX starts, which is why
# :func:`convbook.distributed.use_virtual_cpu_devices` exists and why this page, which
# runs on TensorFlow like the rest of the book, runs the JAX code in a fresh process.
#
# Here is that code, a script of its own. Everything about distribution is in four
# lines: join the other processes (alone, it does nothing), list the devices of every
# process, and make ``DataParallel`` over them the global distribution before the model is
# built. The rest is the usual ``Sequential``, ``compile`` and ``fit``. The
# ``GLOBAL_BATCH`` of 128 images is split between the devices; each process feeds its own
# share of the data, so ``fit`` gets ``GLOBAL_BATCH // size`` images per process. The
# script trains without shuffling only so that every run below sees the same batches in
# the same order and the results can be compared exactly; real training shuffles (each
# process its own share).
JAX_SCRIPT = """\
import hashlib
import os
import time

import jax
import keras
import numpy as np

from convbook import datasets, distributed

IMAGES, GLOBAL_BATCH, EPOCHS = 2048, 128, 3

distributed.initialize()  # join the other processes (alone: nothing to do)
rank, size = jax.process_index(), jax.process_count()
devices = keras.distribution.list_devices()  # the devices of every process
keras.distribution.set_distribution(
    keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
)
keras.utils.set_random_seed(0)  # the same initial weights in every process

(x, y), _ = datasets.load("mnist")
x = x[:IMAGES, :, :, None].astype("float32") / 255
x, y = x[rank::size], y[:IMAGES][rank::size]  # this process's share

model = keras.Sequential(
    [
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
batch = GLOBAL_BATCH // size  # per process; DataParallel splits it between devices
model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)  # compiles
seconds, clock = [], os.times()
for epoch in range(EPOCHS):  # time each epoch; the fastest is the least disturbed
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    seconds.append(time.perf_counter() - start)
used = [after - before for after, before in zip(os.times(), clock)]

weights = np.concatenate([w.ravel() for w in model.get_weights()])
distributed.report(
    process=rank,
    processes=size,
    devices=len(devices),
    parameters=model.count_params(),
    images_per_second=IMAGES / min(seconds),
    cores_busy=(used[0] + used[1]) / used[4],  # CPU time / wall time of this process
    accuracy=history.history["accuracy"][-1],
    weights=hashlib.sha256(weights.tobytes()).hexdigest()[:16],
)
"""
print(JAX_SCRIPT)

# %%
# :func:`convbook.distributed.launch` runs it in a fresh process with ``KERAS_BACKEND=jax``
# and the device flag set, waits for it (with a time limit) and hands back what it
# reported. First on one device, then on two:
from convbook import distributed

runs = {}
for devices in (1, 2):
    (result,) = distributed.launch(JAX_SCRIPT, devices=devices, timeout=240)
    runs["JAX", f"1 process x {devices} device(s)"] = result.report
    print(f"{devices} device(s): {result.report}")

# %%
# Both runs trained the same model on the same images in the same global batches; on two
# devices each step's gradient was computed in two halves and all-reduced. The training
# accuracies agree; the weights' fingerprints (a hash of every bit) may not, because
# adding the same numbers in a different order rounds differently.
#
# The same on TensorFlow: ``tf.distribute.MirroredStrategy``
# -----------------------------------------------------------
#
# TensorFlow's own engine for several devices in one process is
# ``tf.distribute.MirroredStrategy``: create the model and compile it inside
# ``strategy.scope()``, and ``fit`` splits each batch between the devices. TensorFlow
# splits a CPU with ``tf.config.set_logical_device_configuration``, again before it
# starts. With Keras 3, ``MirroredStrategy`` has a history of failing in some set-ups
# (for example `keras-team/keras#21069 <https://github.com/keras-team/keras/issues/21069>`_,
# ``Model.fit`` failing with two devices). So the script tries, and if it fails, it
# reports the first line of the error instead of a number:
TF_SCRIPT = """\
import os
import time

import keras
import numpy as np
import tensorflow as tf

from convbook import datasets, distributed

IMAGES, GLOBAL_BATCH, EPOCHS = 2048, 128, 3
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
(x, y), _ = datasets.load("mnist")
x, y = x[:IMAGES, :, :, None].astype("float32") / 255, y[:IMAGES]

for replicas in (1, 2):
    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])
    try:
        with strategy.scope():
            keras.utils.set_random_seed(0)
            model = keras.Sequential(
                [
                    keras.Input((28, 28, 1)),
                    keras.layers.Conv2D(16, 3, activation="relu"),
                    keras.layers.MaxPooling2D(),
                    keras.layers.Conv2D(32, 3, activation="relu"),
                    keras.layers.MaxPooling2D(),
                    keras.layers.Flatten(),
                    keras.layers.Dense(10, activation="softmax"),
                ]
            )
            model.compile(
                optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
        model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
        seconds, clock = [], os.times()
        for epoch in range(EPOCHS):
            start = time.perf_counter()
            history = model.fit(
                x, y, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0
            )
            seconds.append(time.perf_counter() - start)
        used = [after - before for after, before in zip(os.times(), clock)]
        distributed.report(
            replicas=strategy.num_replicas_in_sync,
            images_per_second=IMAGES / min(seconds),
            cores_busy=(used[0] + used[1]) / used[4],
            accuracy=history.history["accuracy"][-1],
        )
    except Exception as error:  # show the failure, do not hide it
        message = str(error).strip().splitlines() or [type(error).__name__]
        distributed.report(replicas=replicas, error=f"{type(error).__name__}: {message[0]}")
"""
print(TF_SCRIPT)

# %%
# Note that with ``MirroredStrategy`` the ``batch_size`` given to ``fit`` is the *global*
# batch; TensorFlow splits it. Run it:
(result,) = distributed.launch(TF_SCRIPT, backend="tensorflow", timeout=240)
for values in result.reports:
    if "error" in values:
        print(f"{values['replicas']} replica(s): FAILED with {values['error']}")
    else:
        runs["TensorFlow", f"MirroredStrategy x {values['replicas']} device(s)"] = values
        print(f"{values['replicas']} replica(s): {values}")
mirrored_works = all("error" not in values for values in result.reports)
if mirrored_works:
    print("MirroredStrategy trained on 2 logical CPU devices with this Keras and TensorFlow.")
else:
    print(
        "MirroredStrategy failed here: use the JAX back-end and keras.distribution "
        "(above) for several devices."
    )

# %%
# Which to use? Keras' distribution API is the one Keras develops further (it also shards
# models too big for one device, with ``ModelParallel``) and it needs the JAX back-end;
# ``MirroredStrategy`` is TensorFlow's. Whatever the engine, the idea is the same.
#
# Several processes: two "machines" on 127.0.0.1
# ----------------------------------------------
#
# Beyond one machine, every machine runs its own process, and the processes must find each
# other. ``jax.distributed.initialize`` does it with three facts: the address of process 0
# (the *coordinator*), how many processes there are, and which one this is. In the
# script above, :func:`convbook.distributed.initialize` reads these from environment
# variables and passes them on; this is all it does:
import inspect

print(inspect.getsource(distributed.initialize).split('"""')[-1])

# %%
# After it, ``jax.devices()`` (and ``keras.distribution.list_devices()``) lists the devices
# of *every* process, so ``DataParallel`` spans all of them, and each process reads its own
# share of the data (``x[rank::size]``). Here :func:`~convbook.distributed.launch` starts
# the same script twice on this machine, each process with one device, the coordinator on
# a free port of 127.0.0.1:
workers = distributed.launch(JAX_SCRIPT, processes=2, devices=1, timeout=240)
for worker in workers:
    print(f"process {worker.index}: {worker.report}")
runs["JAX", "2 processes x 1 device"] = workers[0].report
same = len({worker.report["weights"] for worker in workers}) == 1
print("both processes ended with identical weights:", same)

# %%
# The two processes trained one model: each ends with the same weights, bit for bit.
# And since the global batches were the same, it is the same training as in one process:
for (engine, setup), values in runs.items():
    if engine == "JAX":
        print(f"{setup:24s} training accuracy {values['accuracy']:.4f}")

# %%
# What changes on a real cluster
# ------------------------------
#
# Only how the processes are started. On two machines, say ``10.0.0.1`` and ``10.0.0.2``
# with one GPU each, run the same script once per machine::
#
#     # on 10.0.0.1 (process 0, the coordinator)
#     CONVBOOK_COORDINATOR=10.0.0.1:12355 CONVBOOK_PROCESSES=2 CONVBOOK_PROCESS_ID=0 \
#         KERAS_BACKEND=jax python train.py
#     # on 10.0.0.2
#     CONVBOOK_COORDINATOR=10.0.0.1:12355 CONVBOOK_PROCESSES=2 CONVBOOK_PROCESS_ID=1 \
#         KERAS_BACKEND=jax python train.py
#
# * **Addresses:** the coordinator is a real address every machine can reach (and its port
#   open between them), not 127.0.0.1.
# * **Device counts:** no ``CONVBOOK_DEVICES`` or ``XLA_FLAGS``; each process finds its
#   GPUs (install ``jax[cuda12]`` instead of the CPU wheel), and ``list_devices()`` lists
#   them all, e.g. 2 machines x 4 GPUs = 8 replicas. Scale the global batch and learning
#   rate to match.
# * **A launcher:** nobody types these lines on 100 machines. A cluster scheduler starts
#   one process per machine (or per GPU) with the three facts in its own variables: under
#   SLURM (``srun``), Open MPI or on Cloud TPUs, ``jax.distributed.initialize()`` with no
#   arguments reads them itself.
#
# On **one machine with several GPUs** nothing of this is needed: one process sees all
# its GPUs, ``keras.distribution.list_devices()`` returns ``gpu:0``, ``gpu:1``, ... and
# the single-process script above runs unchanged; only the device list differs.
#
# Honest speed
# ------------
#
# Images per second of each run: the fastest of three epochs, after one warm-up epoch that
# compiles. These numbers were measured while this page was built:
import os

from convbook.tables import format_table

one_device = runs["JAX", "1 process x 1 device(s)"]
baseline = one_device["images_per_second"]
rows = [
    (
        engine,
        setup,
        values["images_per_second"],
        values["images_per_second"] / baseline,
        values["cores_busy"],
    )
    for (engine, setup), values in runs.items()
]
headers = ("engine", "set-up", "images/s", "vs. 1 JAX device", "cores busy")
print(format_table(rows, headers=headers, floatfmt=".2f"))
print(f"this machine has {os.cpu_count()} CPU cores, shared with whatever else runs")

from convbook.plotting import speed as speed_plots

fig = speed_plots.plot_images_per_second(
    {f"{engine}, {setup}": values["images_per_second"] for (engine, setup), values in runs.items()},
    baseline="JAX, 1 process x 1 device(s)",
    title="Several devices on one CPU: images per second against one JAX device",
)

# %%
# "Cores busy" is the CPU time the process used divided by the wall-clock time: 1.0 means
# one core working all the time. (For two processes it is one process's share.)
#
# Virtual devices are not extra hardware: both "devices", and both processes, run on the
# same CPU cores. So do not expect them to add speed the way a second GPU does. What they
# can do is use the cores differently: XLA may run one CPU device's small convolutions
# on fewer threads than there are cores, and a second device then works on the other
# half of the batch at the same time; smaller pieces of work per device can also run
# more efficiently, or less. Against any gain stand the costs of splitting: an
# all-reduce of every gradient after every step and, between processes, sending the
# gradients through the loopback network. Which way it went on this build:
two_devices = runs["JAX", "1 process x 2 device(s)"]
two_processes = runs["JAX", "2 processes x 1 device"]
for name, values in (("2 devices", two_devices), ("2 processes", two_processes)):
    gain = values["images_per_second"] / baseline
    if gain >= 1.2:
        verdict = (
            f"{gain:.1f}x as fast as 1 device, with {values['cores_busy']:.1f} cores busy "
            f"instead of {one_device['cores_busy']:.1f}: the same cores, used differently"
        )
    elif gain <= 1 / 1.2:
        verdict = f"{1 / gain:.1f}x slower than 1 device: the cost of splitting won"
    else:
        verdict = f"about as fast as 1 device ({gain:.2f}x): no gain from shared cores"
    print(f"JAX, {name}: {verdict}.")

# %%
# These timings were taken on a machine that may have been busy with other work; read
# differences under about 20% as noise. On real accelerators the same code scales for a
# different reason: each GPU brings its own arithmetic units and memory, and the all-reduce
# of a small network's weights is tiny against the work of a step:
print(f"weights all-reduced after every step: {one_device['parameters']:,}")

# %%
# Data parallelism pays when each device gets a batch big enough to keep it busy and the
# network's arithmetic dwarfs its communication.
#
# Exercises
# ---------
#
# 1. Change ``GLOBAL_BATCH`` to 256 in ``JAX_SCRIPT`` and launch it on 2 devices. Does the
#    accuracy after the same number of *epochs* drop? Then double the learning rate too
#    (the linear scaling rule). What happens?
# 2. Launch ``JAX_SCRIPT`` with ``devices=4``. ``GLOBAL_BATCH // size`` no longer matters
#    (one process), but what must divide what for ``DataParallel`` to split a batch?
# 3. In the NumPy example, split the batch of 8 into slices of 5 and 3 and average the two
#    gradients. Why is that no longer the one-device gradient, and how would you weight the
#    average to fix it?
# 4. Make worker 1 crash: add ``if rank == 1: raise SystemExit(3)`` after
#    ``distributed.initialize()`` and launch 2 processes. What does
#    :class:`convbook.distributed.WorkerFailed` tell you, and how long did it take? Then
#    try ``os._exit(3)`` instead of ``raise SystemExit(3)``: which fails sooner, and why?
# 5. If you have a machine with several GPUs, run the single-process script there without
#    ``devices=`` and compare images per second on 1 and on all GPUs.

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you read its solution. The solutions run whenever the
# book is built; each worker process costs seconds to start, so they answer with short
# runs in this process and reasoning, and start no JAX group of their own.
#
# .. solution:: Exercise 1
#
#    Two devices with a global batch of 256 take the same steps as one device with a batch
#    of 256 (the top of the page shows why), so this process can answer on TensorFlow,
#    with the script's network, seed, images and unshuffled batches. Batch 256 halves the
#    updates per epoch, 8 instead of 16 on 2,048 images, each with the same learning rate,
#    so after the same epochs the network has come less far: expect a lower accuracy.
#    Doubling the rate makes each update go about twice as far, which is what the linear
#    scaling rule counts on. But the rule also asks for a warm-up, and without one the
#    large early steps (with momentum 0.9) can throw the weights about: watch whether the
#    accuracy climbs steadily from epoch to epoch. The batch-128 run is the chapter's
#    TensorFlow run on one device, which reported its last epoch.
import keras

from convbook import datasets

(x_all, y_all), _ = datasets.load("mnist")
x_small, y_small = x_all[:2048, :, :, None].astype("float32") / 255, y_all[:2048]


def accuracy_per_epoch(global_batch, learning_rate, epochs=4):
    """Train JAX_SCRIPT's network as one device would; return each epoch's accuracy."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    fitted = model.fit(
        x_small, y_small, batch_size=global_batch, epochs=epochs, shuffle=False, verbose=0
    )
    return fitted.history["accuracy"]


reference = runs.get(("TensorFlow", "MirroredStrategy x 1 device(s)"))
if reference is None:  # MirroredStrategy failed above: train the batch-128 run here
    reference = {"accuracy": accuracy_per_epoch(128, 0.05)[-1]}
print(f"global batch 128, rate 0.05: last epoch {reference['accuracy']:.4f}")
for global_batch, learning_rate in ((256, 0.05), (256, 0.1)):
    accuracies = accuracy_per_epoch(global_batch, learning_rate)
    print(
        f"global batch {global_batch}, rate {learning_rate}: epochs "
        + ", ".join(f"{value:.4f}" for value in accuracies)
    )

# %%
# .. solution:: Exercise 2
#
#    ``DataParallel`` gives every device an equal slice of each batch, so the number of
#    images a process feeds ``fit`` per batch must be divisible by the number of devices
#    of the group. With one process and 4 devices, 128 splits into 4 x 32. And it is
#    every batch, the last one of an epoch included: the script's 2,048 images make 16
#    full batches, but with 2,050 images the last batch would hold 2 images, and JAX
#    refuses to split 2 rows over 4 devices (an error naming the indivisible dimension).
#    In a group of processes the global batch must be divisible by the number of
#    processes, and each process's share by its devices. The check lists the batches of
#    an epoch and tries device counts:
script_images, script_batch = 2048, 128
for images_total in (2048, 2050):
    sizes = [
        min(script_batch, images_total - start) for start in range(0, images_total, script_batch)
    ]
    for device_count in (2, 3, 4, 8):
        fits = all(size % device_count == 0 for size in sizes)
        share = f"{script_batch // device_count} images per device" if fits else "cannot split"
        print(f"{images_total} images, last batch {sizes[-1]}, {device_count} devices: {share}")

# %%
# .. solution:: Exercise 3
#
#    Each replica's gradient is the mean over its own slice: the slice of 5 gives each of
#    its images a weight of 1/5, the slice of 3 a weight of 1/3. Averaging the two
#    gradients halves these, to 1/10 and 1/6, instead of 1/8 for every image, so the
#    three images of the small slice count for more than the five. Weighting each
#    replica's gradient by its share of the batch, (5 g1 + 3 g2) / 8, gives every image
#    1/8 again and restores the one-device gradient, up to rounding. (So would letting
#    each replica sum its gradients and the all-reduce divide by 8.) Equal slices make the
#    plain average right, which is one reason ``DataParallel`` insists on them.
uneven = [np.arange(5), np.arange(5, 8)]
parts = [gradient(weights, images[s], targets[s]) for s in uneven]
whole_batch = gradient(weights, images, targets)
plain = np.mean(parts, axis=0)
weighted = np.average(parts, axis=0, weights=[len(s) for s in uneven])
print(f"plain average, largest difference:    {np.abs(plain - whole_batch).max():.1e}")
print(f"weighted average, largest difference: {np.abs(weighted - whole_batch).max():.1e}")

# %%
# .. solution:: Exercise 4
#
#    :class:`~convbook.distributed.WorkerFailed` names the worker that failed first, how it
#    ended (exit code or signal), after how many seconds, says that the others were
#    stopped, and quotes the last error line of that worker's standard error;
#    ``error.index`` and ``error.results`` (every worker's exit code, time and output)
#    hold the same for code. A plain Python worker that raises ``SystemExit(3)`` is
#    reported at once, as the check shows. The JAX script takes much longer to fail:
#    ``SystemExit`` runs Python's exit handlers, and JAX's handler waits at a shutdown
#    barrier for every process of the group, while process 0 waits for process 1 in its
#    first collective operation. Nothing moves until one of JAX's timeouts gives up (the
#    barrier's is the ``timeout`` of :func:`~convbook.distributed.initialize`, 60 s here),
#    so expect tens of seconds, and then either worker 1's exit code 3 or workers killed
#    by ``SIGABRT``, whichever timeout fires first. ``os._exit(3)`` skips the exit
#    handlers and fails at once; that is how the test suite simulates a crash.
import time

CRASH = """\
import time

from convbook import settings

if settings.process_id() == 1:
    raise SystemExit(3)
time.sleep(60)  # process 0 would go on training
"""
started = time.monotonic()
try:
    distributed.launch(CRASH, processes=2, timeout=60)
except distributed.WorkerFailed as failure:
    print(failure)
    codes = [worker.returncode for worker in failure.results]
    print(f"failed first: worker {failure.index}; exit codes: {codes}")
print(f"launch returned after {time.monotonic() - started:.1f} s")

# %%
# .. solution:: Exercise 5
#
#    This machine has no GPU, so the solution can only say what to expect. On a machine
#    with several GPUs (and ``jax[cuda12]`` installed), launching ``JAX_SCRIPT`` without
#    ``devices=`` leaves ``XLA_FLAGS`` alone, JAX finds the GPUs, and
#    ``keras.distribution.list_devices()`` returns ``gpu:0``, ``gpu:1``, and so on.
#    The script then splits each global batch of 128 between them. For this network, do
#    not expect N times the images per second: 12,810 weights and 128 images make a step
#    so small that each GPU mostly waits for kernel launches and the all-reduce, and with
#    8 GPUs each gets 16 images. Data parallelism scales when every device has a large
#    batch, so grow the global batch with the number of GPUs (and the learning rate with
#    it, with a warm-up). The table shows what each GPU would get:
print(f"devices this process can see: {distributed.list_devices('tensorflow')}")
print(f"weights all-reduced after every step: {one_device['parameters']:,}")
for gpus in (1, 2, 4, 8):
    print(
        f"{gpus} GPU(s): global batch 128 -> {128 // gpus:3d} images per GPU per step; "
        f"global batch {128 * gpus:4d} -> 128 per GPU, {2048 // (128 * gpus):2d} steps per epoch"
    )
