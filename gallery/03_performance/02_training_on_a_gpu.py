"""
Training on a GPU
=================

A graphics card does thousands of multiply-adds at once, and the convolutions of a CNN are
almost nothing but multiply-adds. This chapter shows how to use one from Keras: how each
back-end lists the GPUs it can see, why TensorFlow and JAX reserve most of a GPU's memory
unless told otherwise, how to choose a device (or hide one), and what switching a hosted
notebook to a "GPU runtime" does. It ends with the question everybody asks first: how much
faster? The machine that built this page may have no GPU; then the page measures the CPU,
counts the arithmetic of an epoch, and turns a GPU's published peak speed into an
*estimate*, printed as one.
"""

# %%
# Which GPUs does the back-end see?
# ---------------------------------
#
# Keras 3 runs on one of several back-ends (TensorFlow, JAX or PyTorch), chosen by
# ``KERAS_BACKEND`` before Keras is imported, and each back-end finds the GPUs itself.
# Each has its own way to ask. TensorFlow lists *physical devices* by type; JAX lists
# every device of its default platform (``cpu``, ``gpu`` or ``tpu``); PyTorch asks CUDA,
# NVIDIA's programming interface for its GPUs.
import importlib.util

import keras


def tensorflow_gpus():
    import tensorflow as tf

    return [gpu.name for gpu in tf.config.list_physical_devices("GPU")]


def jax_gpus():
    import jax

    return [str(device) for device in jax.devices() if device.platform == "gpu"]


def torch_gpus():
    import torch

    if not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]


# %%
# One process uses one back-end, so the page asks only the one Keras runs on, and does
# not even import the others: once JAX starts working on a GPU it reserves a large part
# of the GPU's memory (see below), memory that this process's TensorFlow would then miss.
# Whether the other two are installed here, Python's import system can say without
# importing them:
backend = keras.backend.backend()
listers = {"tensorflow": tensorflow_gpus, "jax": jax_gpus, "torch": torch_gpus}
installed = {name: importlib.util.find_spec(name) is not None for name in listers}
for name, lister in listers.items():
    if name == backend:
        gpus = lister()
        print(f"{name:10s} (Keras runs on it): {len(gpus)} GPU(s) {gpus}")
    elif installed[name]:
        print(f"{name:10s} installed, not asked: this process runs Keras on {backend}")
    else:
        print(f"{name:10s} not installed on this machine")

# %%
# :func:`convbook.devices.list_gpus` makes the same calls for whichever back-end runs, and
# returns each GPU's model name (``"Tesla T4"``, ``"NVIDIA A100-SXM4-40GB"``), which the
# estimates further down look up:
from convbook import devices

gpu_names = devices.list_gpus()
print(f"convbook.devices.list_gpus(): {gpu_names}")

# %%
# An empty list has three common causes: the machine has no NVIDIA GPU; it has one but
# no driver (the command ``nvidia-smi``, below, then fails too); or the back-end was
# installed without GPU support. The CUDA libraries that TensorFlow needs come with
# ``pip install "tensorflow[and-cuda]"`` on Linux, and JAX's with ``pip install
# "jax[cuda12]"``; PyTorch's Linux wheels from the package index include them.
#
# Memory: reserve it all, or grow as needed?
# ------------------------------------------
#
# By default TensorFlow reserves nearly all the memory of every GPU it can see the moment
# it first uses one, and hands out pieces of that reserve to its tensors. That saves
# asking the driver again and again, but ``nvidia-smi`` then shows a nearly full card
# even for a tiny model, and a second program on the same GPU (another notebook, a
# second training run) fails with "out of memory". *Memory growth* makes TensorFlow start
# small and take more only when it needs it (it does not give memory back while it runs).
# It has to be switched on for each GPU **before** TensorFlow first uses it, so it
# belongs at the top of a program:
if backend == "tensorflow":
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError as error:  # TensorFlow has already used this GPU
            print(f"{gpu.name}: too late, {error}")
    gpu_count = len(tf.config.list_physical_devices("GPU"))
    print(f"memory growth asked for on {gpu_count} GPU(s)")
else:
    print(f"memory growth is a TensorFlow setting; Keras runs on {backend} here")

# %%
# Setting the environment variable ``TF_FORCE_GPU_ALLOW_GROWTH=true`` before the program
# starts does the same for every GPU. The "before first use" rule holds for all of
# TensorFlow's device settings, and this machine can show it on its CPU: once an
# operation has run, asking to split the CPU into two logical devices is refused with the
# same kind of error a late ``set_memory_growth`` raises.
if backend == "tensorflow":
    tf.ones(1)  # any operation sets the devices up
    cpu = tf.config.list_physical_devices("CPU")[0]
    two = [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    try:
        tf.config.set_logical_device_configuration(cpu, two)
        late_setting_refused = False
        print("the CPU was split in two: TensorFlow had not set its devices up yet")
    except RuntimeError as error:
        late_setting_refused = True
        print(f"RuntimeError: {error}")

# %%
# JAX behaves alike. By default it reserves 75% of the GPU's memory when it runs its first
# operation; ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` makes it allocate as it goes, and
# ``XLA_PYTHON_CLIENT_MEM_FRACTION=0.5`` reserves half instead. Both are read when JAX
# starts, so set them before ``import jax`` (or ``import keras`` with the JAX back-end),
# for example in the shell::
#
#     XLA_PYTHON_CLIENT_PREALLOCATE=false KERAS_BACKEND=jax python train.py
#
# PyTorch reserves nothing up front: its allocator takes memory as tensors need it and
# keeps freed blocks for reuse.
#
# Choosing a device
# -----------------
#
# Three levels, from the outside in.
#
# * **Which GPUs the process may see**: ``CUDA_VISIBLE_DEVICES``, read by NVIDIA's CUDA
#   library when the program starts using it. ``CUDA_VISIBLE_DEVICES=1 python train.py``
#   shows the program only the second GPU, under the name GPU 0; ``CUDA_VISIBLE_DEVICES=""``
#   hides every GPU, so the same program trains on the CPU. It works for all three
#   back-ends. In a notebook, set ``os.environ["CUDA_VISIBLE_DEVICES"]`` before importing
#   the back-end.
import os

print(f"CUDA_VISIBLE_DEVICES here: {os.environ.get('CUDA_VISIBLE_DEVICES', 'not set')}")

# %%
# * **Where a piece of code runs**: TensorFlow places each operation on the first GPU if
#   there is one, else on the CPU. ``with tf.device("/CPU:0"):`` or ``"/GPU:1"`` overrides
#   that for what runs inside the block; ``keras.device("cpu:0")`` is Keras' version that
#   works on every back-end. The tensor's ``device`` says where it ended up. On a machine
#   without a GPU, asking for ``"/GPU:0"`` is not an error: TensorFlow's *soft placement*
#   quietly falls back to the CPU.
if backend == "tensorflow":
    ones = tf.ones((256, 256))
    for wanted in ("/CPU:0", "/GPU:0"):
        with tf.device(wanted):
            product = tf.matmul(ones, ones)
        print(f"asked for {wanted}: ran on {product.device}")
with keras.device("cpu:0"):
    product = keras.ops.matmul(keras.ops.ones((256, 256)), keras.ops.ones((256, 256)))
print(f"keras.device('cpu:0'): the result lives on {getattr(product, 'device', 'the CPU')}")

# %%
# * **What convbook trains on**: the environment variable ``CONVBOOK_DEVICE`` (see
#   :mod:`convbook.settings`) is ``auto`` (a GPU when there is one), ``cpu`` (hide the GPUs
#   from TensorFlow) or ``gpu`` (fail loudly when there is none, instead of training on
#   the CPU, far more slowly, by mistake). :func:`convbook.devices.configure` applies it, switching
#   on memory growth when it uses a GPU, and says what will train:
from convbook import settings

print(f"CONVBOOK_DEVICE={settings.device_choice()}")
print(f"training device: {devices.configure()}")

# %%
# A hosted notebook's "GPU runtime"
# ---------------------------------
#
# Hosted notebooks such as Google Colab or Kaggle run your notebook on a virtual machine
# in a data centre, with a CPU by default. In Colab, *Runtime > Change runtime type* and a
# GPU under *Hardware accelerator* (Kaggle: *Accelerator* in the notebook's settings)
# moves the notebook to a machine with an NVIDIA GPU, its driver and the CUDA libraries
# installed, and with TensorFlow, JAX and PyTorch already built for that GPU. The switch
# restarts the runtime: variables, installed packages and files on the machine's disk are
# lost, so run the notebook from the top again. Nothing in the code changes: the listing
# above then finds the GPU, Keras uses it without being told, and a cell with
# ``!nvidia-smi`` shows the card, its driver and CUDA version, and how much of its memory
# is in use. The same question, asked from Python:
import shutil
import subprocess

smi = shutil.which("nvidia-smi")
if smi is None:
    print("nvidia-smi: not found, this machine has no NVIDIA driver")
else:
    query = [smi, "--query-gpu=name,memory.total,memory.used", "--format=csv"]
    print(subprocess.run(query, capture_output=True, text=True, timeout=60).stdout)

# %%
# These GPUs are lent, not owned. A session ends when it sits idle for a while and after a
# maximum lifetime; the free tiers limit how much GPU time you get and do not promise
# a GPU at all when demand is high; and which GPU you get depends on what is free (the T4
# below is a frequent one). Save checkpoints and results somewhere that outlives the
# machine (Colab can mount Google Drive), and use the GPU for training, not for
# editing code.
#
# How much faster? First count the arithmetic
# -------------------------------------------
#
# The network is ``simple_cnn``, one of the CNNs the chapter "Dense vs. CNN" sets against
# a dense network: two convolutions, the second of them making 64 maps of 24x24, then a
# dense layer of 128 units. Its Keras code:
from convbook import models

print(models.source("simple_cnn"))

# %%
# A convolution that produces an ``H x W x C_out`` map from ``k x k`` windows over
# ``C_in`` channels does ``k * k * C_in`` multiply-adds per output value, two floating-point
# operations (FLOPs) each. :func:`convbook.flops.layer_flops` counts every layer that way
# (see the chapter "Making it fast"); the second convolution, counted by hand, agrees:
from convbook import flops

network = models.build("simple_cnn")
for layer in network.layers:
    print(f"{layer.name:12s} {flops.layer_flops(layer) / 1e6:8.3f} MFLOPs per image")
conv2_by_hand = 2 * (3 * 3 * 32) * 64 * (24 * 24)
print(f"conv2 by hand: 2 x (3*3*32) x 64 x (24*24) = {conv2_by_hand:,} FLOPs")

# %%
# The backward pass computes two gradients for every layer, one for its input and one for
# its weights, each costing about as much as the forward pass, so a training step costs
# about three forward passes. An epoch of MNIST is all 60,000 training images:
import math

import numpy as np

from convbook import datasets

(x_train, y_train), _ = datasets.load("mnist")
EPOCH_IMAGES = len(x_train)
BATCH = 128
forward_per_image = flops.forward_flops(network)
train_per_image = flops.TRAINING_FACTOR * forward_per_image
epoch_flops = train_per_image * EPOCH_IMAGES
steps_per_epoch = math.ceil(EPOCH_IMAGES / BATCH)
last_batch = EPOCH_IMAGES - (steps_per_epoch - 1) * BATCH
print(f"forward pass: {forward_per_image / 1e6:.1f} MFLOPs per image")
print(f"training: {flops.TRAINING_FACTOR} x forward = {train_per_image / 1e6:.1f} MFLOPs per image")
print(f"one step of {BATCH} images: {train_per_image * BATCH / 1e9:.2f} GFLOPs")
print(f"one epoch of {EPOCH_IMAGES:,} images: {epoch_flops / 1e12:.2f} TFLOPs")
print(f"an epoch in batches of {BATCH}: {steps_per_epoch} steps, the last of {last_batch}")

# %%
# Then measure this CPU
# ---------------------
#
# Timing a whole epoch on a CPU would take longer than this page may. A few dozen real
# training steps say as much: build and compile the network inside ``keras.device``,
# train once on a few batches so that Keras traces (and compiles) its training step, then
# train on the same batches a few more times, timing each round. The fastest round is the
# one least disturbed by whatever else the machine was doing; its time divided by its
# steps is the time of a step (including a share of what ``fit`` does to start and end a
# round). The numbers of steps and rounds depend on the budget.
import time

ROUNDS, STEPS = {"smoke": (2, 3), "full": (3, 10), "long": (5, 20)}[settings.budget()]
x_steps = x_train[: STEPS * BATCH, :, :, None].astype("float32") / 255
y_steps = y_train[: STEPS * BATCH]


def seconds_per_step(device, batch_size=BATCH):
    """Seconds of one training step of simple_cnn on ``device``: the fastest round's."""
    x, y = x_steps[: STEPS * batch_size], y_steps[: STEPS * batch_size]
    with keras.device(device):
        keras.utils.set_random_seed(0)
        model = models.build("simple_cnn")
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # traces the step
        rounds = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
            rounds.append(time.perf_counter() - started)
    return min(rounds) / (len(x) // batch_size)


cpu_step = seconds_per_step("cpu:0")
cpu_epoch = cpu_step / BATCH * EPOCH_IMAGES
cpu_flops_per_second = train_per_image * BATCH / cpu_step
print(f"timed: {ROUNDS} rounds of {STEPS} steps of {BATCH} images, on {devices.describe()}")
print(f"CPU, measured: {cpu_step * 1e3:.0f} ms per step")
print(f"CPU, measured steps x {EPOCH_IMAGES:,} images: {cpu_epoch:.1f} s per epoch")
print(f"CPU, achieved: {cpu_flops_per_second / 1e9:.1f} GFLOP/s")
cpu_peak = flops.cpu_peak_flops()
if cpu_peak is not None:
    print(f"that is {cpu_flops_per_second / cpu_peak:.0%} of this CPU's estimated peak")

# %%
# Then estimate a GPU, or measure it
# ----------------------------------
#
# A GPU's datasheet gives its peak: the FLOPs per second it does when every arithmetic
# unit is busy on every clock cycle. NVIDIA's T4 does 8.1 TFLOP/s in single precision
# (float32, the precision this network trains in). No real training reaches the peak:
# data must move through memory, and some layers are too small to keep thousands of units
# busy. Assume that training achieves 30% to 50% of the peak; that is an assumption,
# not a measurement, and so is every number computed from it. The epoch's FLOPs divided by
# the FLOPs per second actually done give the seconds:
T4_PEAK = flops.GPU_PEAK_FP32["T4"]  # FLOP/s, float32, from NVIDIA's datasheet
UTILISATIONS = (0.5, 0.3)  # assumed share of the peak a training step achieves
print(f"NVIDIA T4 peak (datasheet): {T4_PEAK / 1e12:.1f} TFLOP/s float32")
print(f"at 100% of the peak (no T4 can beat this): {epoch_flops / T4_PEAK:.2f} s per epoch")
t4_epoch = {}
for utilisation in UTILISATIONS:
    t4_epoch[utilisation] = epoch_flops / (T4_PEAK * utilisation)
    print(
        f"T4, estimate at {utilisation:.0%} of its peak: {t4_epoch[utilisation]:.2f} s per "
        f"epoch, {cpu_epoch / t4_epoch[utilisation]:.0f}x the measured CPU"
    )

# %%
# Read the estimate as a best case. It counts arithmetic and nothing else, while each of
# the steps of an epoch (printed above) also costs time that no FLOP count sees: Python
# running ``fit``'s loop, launching each layer's kernels on the GPU, and copying the batch
# from the computer's memory to the GPU's. With a small network and small batches those
# fixed costs can take longer than the arithmetic itself, and then the GPU is faster by a
# smaller factor than the estimate. Bigger batches (and ``steps_per_execution``, see
# "Making it fast") shrink their share.
#
# Where a GPU is present the page need not guess: it times the GPU the same way it timed
# the CPU, and prints that measurement beside the estimate.
gpu_epoch = None
if gpu_names:
    gpu_step = seconds_per_step("gpu:0")
    gpu_epoch = gpu_step / BATCH * EPOCH_IMAGES
    print(f"GPU ({gpu_names[0]}), measured: {gpu_step * 1e3:.1f} ms per step")
    print(f"GPU ({gpu_names[0]}), measured: {gpu_epoch:.2f} s per epoch")
    print(f"measured: the GPU is {cpu_epoch / gpu_epoch:.0f}x as fast as this CPU")
else:
    print("no GPU on this machine: the GPU numbers on this page are estimates")

# %%
# The seconds per epoch side by side, on a logarithmic axis (each grid line is ten times
# the one below). The hatched bars are estimates.
import matplotlib.pyplot as plt

labels = ["CPU (measured)"] + [f"T4 at {u:.0%}\n(estimate)" for u in UTILISATIONS]
seconds = [cpu_epoch] + [t4_epoch[u] for u in UTILISATIONS]
hatches = [""] + ["//"] * len(UTILISATIONS)
if gpu_epoch is not None:
    labels.append(f"{gpu_names[0]}\n(measured)")
    seconds.append(gpu_epoch)
    hatches.append("")
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
bars = ax.bar(labels, seconds, color="tab:blue", edgecolor="black")
for bar, hatch in zip(bars, hatches, strict=True):
    bar.set_hatch(hatch)
    if hatch:
        bar.set_facecolor("white")
    ax.annotate(
        f"{bar.get_height():.2f} s",
        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
        ha="center",
        va="bottom",
    )
ax.set_yscale("log")
ax.set_ylim(min(seconds) / 10, max(seconds) * 3)
ax.set_ylabel("seconds per epoch of MNIST (log scale)")
ax.set_xlabel("device")
ax.set_title("One epoch of simple_cnn: CPU measured, T4 estimated (hatched)")
plt.show()

# %%
# Exercises
# ---------
#
# 1. :data:`convbook.flops.GPU_PEAK_FP32` lists the float32 peaks of a few other GPUs.
#    Estimate the seconds per epoch of ``simple_cnn`` on each at 30% of its peak. Why would
#    the measured times differ by smaller factors than these estimates?
# 2. At what utilisation would a T4 be no faster than this page's CPU? What does the
#    answer say about how much a GPU can afford to waste?
# 3. Time a step of ``simple_cnn`` on this CPU with batches of 32 images
#    (``seconds_per_step("cpu:0", batch_size=32)``) and compare the images per second with
#    batch 128. What does the difference say about the fixed cost of a step, and what would
#    it mean on a GPU?
# 4. Would training ``simple_cnn`` with batches of 128 fit in the 16 GB of a T4? Count the
#    bytes of the weights, their gradients and Adam's two moment estimates (float32), and
#    of every layer's output for a batch, which the backward pass needs. What share of the
#    card would TensorFlow reserve without memory growth?
# 5. Ask for a GPU that is not there: once through convbook (``devices.configure("gpu")``,
#    which is what ``CONVBOOK_DEVICE=gpu`` does) and once through TensorFlow with soft
#    placement switched off (``tf.config.set_soft_device_placement(False)``, then
#    ``with tf.device("/GPU:0")``). What happens in each case, and which behaviour would
#    you want in a long training job?

# %%
# Solutions
# ---------
#
# Try each exercise yourself before you read its solution. The solutions run whenever the
# book is built, on the CPU measurement of this page and short runs of their own.
#
# .. solution:: Exercise 1
#
#    The estimate divides the same epoch of arithmetic by each GPU's peak times the
#    assumed 30%, so the GPUs come out in the order of their peaks, and every estimate is
#    the T4's scaled by the ratio of the peaks. Measured times would not scale that well:
#    the fixed costs of a step (Python, kernel launches, copying the batch) barely depend
#    on the GPU, so the faster the GPU, the larger their share, and a small network such
#    as ``simple_cnn`` leaves a large GPU mostly waiting. The last column is what the
#    arithmetic alone would promise against this page's measured CPU.
for name, peak in sorted(flops.GPU_PEAK_FP32.items(), key=lambda item: item[1]):
    estimate = epoch_flops / (peak * 0.3)
    print(
        f"{name:5s} peak {peak / 1e12:5.1f} TFLOP/s: estimate {estimate:.2f} s per epoch, "
        f"{cpu_epoch / estimate:.0f}x the CPU"
    )

# %%
# .. solution:: Exercise 2
#
#    The T4 is exactly as fast as this CPU when the FLOPs it actually does per second
#    equal what the CPU achieved in the measurement above, that is at a utilisation of the
#    CPU's achieved FLOP/s divided by the T4's peak. The answer is a small fraction: even
#    a GPU that wastes almost all of its arithmetic units keeps up with a CPU. That is why
#    GPUs win even on small networks that use them badly, and why the exact utilisation
#    assumed above matters far less than the fact that it is well above this figure.
break_even = cpu_flops_per_second / T4_PEAK
print(f"CPU achieved: {cpu_flops_per_second / 1e9:.1f} GFLOP/s")
print(f"T4 peak: {T4_PEAK / 1e12:.1f} TFLOP/s")
print(f"a T4 at {break_even:.2%} of its peak would only match this CPU")

# %%
# .. solution:: Exercise 3
#
#    If a step cost only arithmetic, the time per image would not depend on the batch,
#    and both batch sizes would process the same images per second. A fixed cost per step
#    (Python, the optimizer's update of every weight, launching each operation) is paid
#    once per batch, so small batches pay it more often per image and process fewer
#    images per second. Two batch sizes are enough to split a step's time into the two
#    parts, a fixed cost plus a cost per image, as the chapter "Making it fast" did with
#    more. On a GPU the cost per image shrinks many times over while the fixed cost
#    stays, so small batches lose even more there: feed a GPU big batches.
small_step = seconds_per_step("cpu:0", batch_size=32)
per_image = (cpu_step - small_step) / (BATCH - 32)
fixed = small_step - 32 * per_image
print(f"batch 32:  {small_step * 1e3:.0f} ms per step, {32 / small_step:,.0f} images/s")
print(f"batch 128: {cpu_step * 1e3:.0f} ms per step, {BATCH / cpu_step:,.0f} images/s")
print(f"line through the two: {fixed * 1e3:.1f} ms fixed + {per_image * 1e3:.2f} ms per image")

# %%
# .. solution:: Exercise 4
#
#    Adam keeps two running averages per weight, so training holds four float32 copies of
#    the weights: the weights, their gradients and the two averages. The backward pass
#    needs the output of every layer of the forward pass, for every image of the batch;
#    for ``simple_cnn`` the largest is the second convolution's 24x24x64 map. Together
#    that comes to a few tens of megabytes, a tiny share of a T4's 16 GB (NVIDIA's
#    datasheet figure), while TensorFlow without memory growth would reserve nearly all
#    of the card. (The real total is higher: the back-end also keeps scratch space and
#    some intermediate results of its own, such as the values before each ReLU.)
T4_MEMORY = 16e9  # bytes, from NVIDIA's datasheet
weight_bytes = 4 * 4 * network.count_params()
values_per_image = sum(int(np.prod(layer.output.shape[1:])) for layer in network.layers)
activation_bytes = 4 * values_per_image * BATCH
needed = weight_bytes + activation_bytes
print(f"weights, gradients and Adam's two moments: {weight_bytes / 1e6:.1f} MB")
print(f"layer outputs for a batch of {BATCH}: {activation_bytes / 1e6:.1f} MB")
print(f"together {needed / 1e6:.1f} MB, {needed / T4_MEMORY:.2%} of a T4's 16 GB")

# %%
# .. solution:: Exercise 5
#
#    convbook refuses at once with :class:`~convbook.devices.DeviceUnavailable`, whose
#    message names the back-end and the way out; that is the point of
#    ``CONVBOOK_DEVICE=gpu``. TensorFlow, with soft placement on (its default), runs the
#    block on the CPU without a word on a machine without a GPU, as the section on
#    choosing a device showed; with soft placement off it raises an
#    ``InvalidArgumentError`` that lists the devices it does have. For a long job,
#    failing at once is what you want: a job that silently trains on the CPU instead,
#    many times slower (the estimates above say how many), wastes all the time until
#    somebody notices. The code switches soft placement back on afterwards, since the
#    setting holds for the whole process.
try:
    print(f"convbook trains on: {devices.configure('gpu')}")
except devices.DeviceUnavailable as error:
    print(f"DeviceUnavailable: {error}")
if backend == "tensorflow":
    tf.config.set_soft_device_placement(False)
    try:
        with tf.device("/GPU:0"):
            print(f"ran on {tf.matmul(ones, ones).device}")
    except tf.errors.InvalidArgumentError as error:
        print(f"InvalidArgumentError: {error.message.splitlines()[0]}")
    finally:
        tf.config.set_soft_device_placement(True)
