"""How much arithmetic a model does per image, and how fast a machine could do it.

A multiply-add counts as two floating-point operations (FLOPs). A convolution producing
an ``H x W x C_out`` map with ``k_h x k_w`` kernels over ``C_in`` channels costs
``2 * k_h * k_w * C_in * C_out * H * W``; a dense layer ``2 * n_in * n_out``. Pooling,
batch normalisation and activations cost a few FLOPs per value they touch. A training
step costs about three forward passes (the backward pass computes gradients for both the
inputs and the weights, each about as costly as the forward pass).

These are estimates for comparing models and machines, not measurements: real kernels
also spend time moving memory, and small layers on a CPU are limited by overhead.
"""

from __future__ import annotations

import math

from convbook import _checks, hardware

#: Training FLOPs per image, as a multiple of the forward pass.
TRAINING_FACTOR = 3

#: FP32 FLOPs per clock cycle per core assumed for a CPU with two 256-bit FMA units.
CPU_FLOPS_PER_CYCLE = 32

#: Peak dense FP32 throughput (FLOP/s) of some GPUs, without tensor cores, by name fragment.
GPU_PEAK_FP32 = {
    "H200": 67e12,
    "H100": 67e12,
    "A100": 19.5e12,
    "L4": 30.3e12,
    "T4": 8.1e12,
    "V100": 15.7e12,
}


def _shape(tensor_or_shape: object) -> tuple[int, ...]:
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return tuple(int(d) for d in shape[1:])


def layer_flops(layer: object) -> int:
    """Return the forward-pass FLOPs of one built Keras layer for one input image.

    Parameters
    ----------
    layer
        A layer of a built functional or Sequential model (its ``input`` and ``output``
        shapes are known).

    Returns
    -------
    int
        The estimate; 0 for layers that only reshape (Flatten, Dropout, Input).

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((28, 28, 1))
    >>> outputs = keras.layers.Conv2D(32, 3)(inputs)
    >>> layer_flops(keras.Model(inputs, outputs).layers[1])  # 2 * 3*3*1 * 32 * 26*26
    389376
    """
    kind = type(layer).__name__
    if kind in ("InputLayer", "Flatten", "Dropout", "Reshape"):
        return 0
    out_shape = _shape(layer.output)
    out_values = math.prod(out_shape)
    if kind in ("Conv1D", "Conv2D", "Conv3D"):
        kernel = layer.kernel.shape  # (*window, C_in / groups, C_out)
        window_macs = math.prod(int(d) for d in kernel[:-1])
        return 2 * window_macs * out_values
    if kind == "Dense":
        n_in, n_out = (int(d) for d in layer.kernel.shape)
        return 2 * n_in * n_out
    if kind.startswith(("MaxPooling", "AveragePooling")):
        return out_values * math.prod(layer.pool_size)
    if kind.startswith(("GlobalAverage", "GlobalMax")):
        return math.prod(_shape(layer.input))
    if kind == "BatchNormalization":
        return 2 * out_values
    # activations, softmax, additions: about one FLOP per value
    return out_values


def forward_flops(model: object) -> int:
    """Return the forward-pass FLOPs of a built Keras model for one input image.

    Examples
    --------
    >>> from convbook import models
    >>> forward_flops(models.build("keras_example_cnn")) > 0
    True
    """
    return sum(layer_flops(layer) for layer in model.layers)


def training_flops(model: object) -> int:
    """Return the estimated FLOPs of one training step per image (forward + backward).

    Examples
    --------
    >>> from convbook import models
    >>> model = models.build("keras_example_cnn")
    >>> training_flops(model) == TRAINING_FACTOR * forward_flops(model)
    True
    """
    return TRAINING_FACTOR * forward_flops(model)


def cpu_peak_flops(cores: int | None = None) -> float | None:
    """Estimate the CPU's peak FP32 FLOP/s: cores x clock x :data:`CPU_FLOPS_PER_CYCLE`.

    The clock comes from :func:`convbook.hardware.cpu_info`; returns ``None`` where it is
    not known. ``cores`` defaults to every logical CPU.

    Examples
    --------
    >>> peak = cpu_peak_flops()
    >>> peak is None or peak > 1e9
    True
    """
    facts = hardware.cpu_info()
    cores = facts.cores if cores is None else _checks.positive_int("cores", cores)
    if facts.mhz is None:
        return None
    return cores * facts.mhz * 1e6 * CPU_FLOPS_PER_CYCLE


def gpu_peak_flops(name: str) -> float | None:
    """Return the listed peak FP32 FLOP/s of a GPU by its name, or ``None`` if unknown.

    Examples
    --------
    >>> gpu_peak_flops("NVIDIA H100 80GB HBM3")
    67000000000000.0
    >>> gpu_peak_flops("Some other card") is None
    True
    """
    _checks.instance("name", name, str, "a GPU name (a string)")
    for fragment, peak in GPU_PEAK_FP32.items():
        if fragment in name:
            return peak
    return None
