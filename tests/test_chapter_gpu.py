"""Part III, "Training on a GPU", run once and checked through what it printed and computed.

The chapter (gallery/03_performance/02_training_on_a_gpu.py) lists the back-end's GPUs,
counts the FLOPs of an epoch of ``simple_cnn``, times a few training steps on the CPU and
estimates a T4 from its datasheet peak. Here it runs in a temporary working directory (the
smoke budget, from conftest.py), its printed lines are captured, and each number is
recomputed independently: from TensorFlow's own device list, :mod:`convbook.flops` and the
dataset. A second run pretends that :func:`convbook.devices.list_gpus` found a GPU, so the
branch that measures a GPU instead of estimating one runs too (TensorFlow's soft placement
puts its work on the CPU of a machine without one).
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from convbook import datasets, devices, flops, models, settings

pytestmark = pytest.mark.slow

CHAPTER = (
    Path(__file__).resolve().parent.parent
    / "gallery"
    / "03_performance"
    / "02_training_on_a_gpu.py"
)
MNIST_TRAIN = 60_000
T4_PEAK = 8.1e12  # NVIDIA's datasheet, float32


def _run(run_chapter, name: str):
    chapter = run_chapter(CHAPTER, name)
    return chapter.namespace, chapter.printed, chapter.left_behind


@pytest.fixture(scope="module")
def run(run_chapter):
    """The chapter's globals, its printed output and the folder it ran in."""
    return _run(run_chapter, "gpu")


@pytest.fixture(scope="module")
def run_with_a_gpu(run_chapter):
    """The same chapter, told by convbook.devices.list_gpus that a T4 is present."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(devices, "list_gpus", lambda: ("Tesla T4",))
        return _run(run_chapter, "gpu-present")


def _printed_float(out: str, pattern: str) -> float:
    found = re.search(pattern, out)
    assert found, f"not printed: {pattern}"
    return float(found.group(1).replace(",", ""))


def test_leaves_no_files(run):
    _, _, left_behind = run
    assert left_behind == []


def test_device_list_is_the_backends_own(run):
    page, out, _ = run
    assert keras.backend.backend() == page["backend"] == "tensorflow"
    import tensorflow as tf

    expected = [gpu.name for gpu in tf.config.list_physical_devices("GPU")]
    assert page["gpus"] == expected
    assert len(page["gpus"]) == len(devices.list_gpus())
    assert f"tensorflow (Keras runs on it): {len(expected)} GPU(s) {expected}" in out
    assert page["gpu_names"] == devices.list_gpus()
    for name in ("jax", "torch"):
        installed = importlib.util.find_spec(name) is not None
        assert page["installed"][name] is installed
        said = "installed, not asked" if installed else "not installed on this machine"
        assert re.search(rf"^{name}\s+{said}", out, re.MULTILINE), name


def test_memory_growth_and_the_late_setting(run):
    page, out, _ = run
    import tensorflow as tf

    assert f"memory growth asked for on {len(tf.config.list_physical_devices('GPU'))}" in out
    # TensorFlow ran an operation before the page tried to split the CPU: refused.
    assert page["late_setting_refused"] is True
    assert "RuntimeError: Virtual devices cannot be modified after being initialized" in out
    assert len(tf.config.list_logical_devices("CPU")) == 1


def test_placement_and_convbook_device(run):
    page, out, _ = run
    assert "asked for /CPU:0: ran on " in out and page["product"] is not None
    if not page["gpu_names"]:
        # soft placement: no GPU, yet no error
        assert re.search(r"asked for /GPU:0: ran on \S*CPU:0", out)
        assert "training device: CPU:" in out
        assert "no GPU on this machine: the GPU numbers on this page are estimates" in out
    assert f"CONVBOOK_DEVICE={settings.device_choice()}" in out


def test_flop_count_matches_convbook_flops(run):
    page, out, _ = run
    network = models.build("simple_cnn")
    forward = flops.forward_flops(network)
    assert page["forward_per_image"] == forward
    assert page["train_per_image"] == flops.training_flops(network) == 3 * forward
    conv2 = network.get_layer("conv2")
    assert tuple(conv2.output.shape[1:]) == (24, 24, 64)  # "64 maps of 24x24"
    assert page["conv2_by_hand"] == flops.layer_flops(conv2) == 21_233_664
    (x_train, _), _ = datasets.load("mnist")
    assert page["EPOCH_IMAGES"] == len(x_train) == MNIST_TRAIN
    assert page["epoch_flops"] == 3 * forward * MNIST_TRAIN
    assert page["steps_per_epoch"] == 469 and page["last_batch"] == 96
    assert "an epoch in batches of 128: 469 steps, the last of 96" in out
    assert f"one epoch of 60,000 images: {3 * forward * MNIST_TRAIN / 1e12:.2f} TFLOPs" in out
    assert f"training: 3 x forward = {3 * forward / 1e6:.1f} MFLOPs per image" in out


def test_cpu_is_measured_and_scaled_to_an_epoch(run):
    page, out, _ = run
    step = page["cpu_step"]
    assert 0 < step < 60  # seconds per step of 128 images: measured, not made up
    assert page["cpu_epoch"] == pytest.approx(step / 128 * MNIST_TRAIN)
    printed = _printed_float(out, r"CPU, measured steps x 60,000 images: ([\d.]+) s per epoch")
    assert printed == pytest.approx(page["cpu_epoch"], abs=0.05)
    achieved = page["train_per_image"] * 128 / step
    assert page["cpu_flops_per_second"] == pytest.approx(achieved)
    assert f"CPU, achieved: {achieved / 1e9:.1f} GFLOP/s" in out
    assert (page["ROUNDS"], page["STEPS"]) == (2, 3)  # the smoke budget's
    assert "timed: 2 rounds of 3 steps of 128 images" in out


def test_t4_estimate_is_flops_over_peak_times_utilisation(run):
    page, out, _ = run
    assert page["T4_PEAK"] == T4_PEAK == flops.gpu_peak_flops("Tesla T4")
    epoch = flops.training_flops(models.build("simple_cnn")) * MNIST_TRAIN
    assert _printed_float(out, r"no T4 can beat this\): ([\d.]+) s") == round(epoch / T4_PEAK, 2)
    assert set(page["UTILISATIONS"]) == {0.3, 0.5}
    for utilisation in (0.3, 0.5):
        pattern = rf"T4, estimate at {utilisation:.0%} of its peak: ([\d.]+) s per epoch"
        printed = _printed_float(out, pattern)
        assert printed == round(epoch / (T4_PEAK * utilisation), 2)
        assert page["t4_epoch"][utilisation] == pytest.approx(epoch / (T4_PEAK * utilisation))
        times = round(page["cpu_epoch"] / page["t4_epoch"][utilisation])
        assert f"s per epoch, {times}x the measured CPU" in out
    assert page["gpu_epoch"] is None  # this machine has no GPU: nothing measured


def test_figure_marks_the_estimates(run):
    page, _, _ = run
    ax = page["ax"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() and ax.get_xlabel() and ax.get_title()
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert labels[0] == "CPU (measured)"
    assert all("(estimate)" in label for label in labels[1:3])
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx([page["cpu_epoch"], *page["t4_epoch"].values()])
    assert [bool(bar.get_hatch()) for bar in ax.patches] == [False, True, True]


def test_exercise_solutions(run):
    page, out, _ = run
    epoch = page["epoch_flops"]
    for name, peak in flops.GPU_PEAK_FP32.items():  # exercise 1
        assert re.search(rf"^{name}\s+peak .* estimate {epoch / (peak * 0.3):.2f} s", out, re.M)
    break_even = page["cpu_flops_per_second"] / T4_PEAK  # exercise 2
    assert page["break_even"] == pytest.approx(break_even)
    assert f"a T4 at {break_even:.2%} of its peak would only match this CPU" in out
    assert break_even < 0.1 < min(page["UTILISATIONS"])  # "a small fraction"
    small, large = page["small_step"], page["cpu_step"]  # exercise 3
    assert 32 / small < 128 / large  # small batches: fewer images per second
    assert page["fixed"] + 32 * page["per_image"] == pytest.approx(small)
    assert page["fixed"] + 128 * page["per_image"] == pytest.approx(large)
    network = models.build("simple_cnn")  # exercise 4
    assert page["weight_bytes"] == 4 * 4 * network.count_params() == 16 * 1_199_882
    sizes = {layer.name: math.prod(layer.output.shape[1:]) for layer in network.layers}
    assert max(sizes, key=sizes.get) == "conv2"  # "the largest is ... 24x24x64"
    values = sum(sizes.values())
    assert page["activation_bytes"] == 4 * 128 * values
    assert 10e6 < page["needed"] < 100e6  # "a few tens of megabytes"
    assert f"{page['needed'] / 16e9:.2%} of a T4's 16 GB" in out
    if not page["gpu_names"]:  # exercise 5
        assert "DeviceUnavailable: CONVBOOK_DEVICE=gpu but the tensorflow backend" in out
        assert "InvalidArgumentError: Could not satisfy device specification" in out
    import tensorflow as tf

    assert tf.config.get_soft_device_placement() is True  # switched back on


def test_a_present_gpu_is_measured_not_estimated(run_with_a_gpu):
    page, out, left_behind = run_with_a_gpu
    assert left_behind == []
    assert page["gpu_names"] == ("Tesla T4",)
    step, epoch = page["gpu_step"], page["gpu_epoch"]
    assert step > 0 and epoch == pytest.approx(step / 128 * MNIST_TRAIN)
    assert f"GPU (Tesla T4), measured: {epoch:.2f} s per epoch" in out
    assert f"measured: the GPU is {page['cpu_epoch'] / epoch:.0f}x as fast as this CPU" in out
    assert "the GPU numbers on this page are estimates" not in out
    bars = page["ax"].patches
    assert len(bars) == 4 and bars[-1].get_height() == pytest.approx(epoch)
    assert not bars[-1].get_hatch()
    assert np.isfinite(page["t4_epoch"][0.3])  # the estimate is still shown beside it
