"""Convolution, computed by hand and checked against SciPy and Keras.

Readable NumPy reference implementations of the operations inside a convolutional layer,
and the worked examples Part I of the book is built on. Everything is importable from
``convbook.convolution``; the submodules group it by job.

Signal-processing convolution and the layer (:mod:`convbook.convolution.ops`)
    :func:`convolve2d`, :func:`correlate2d`, :func:`convolve1d`, :func:`correlate1d`,
    :func:`flip`. Convolution is correlation with the kernel rotated by 180 degrees.
    :func:`conv2d` computes what ``keras.layers.Conv2D`` computes (a cross-correlation
    over all input channels, plus a bias, per filter); :func:`keras_conv2d` runs Keras
    itself.
Arithmetic (:mod:`convbook.windows`, :mod:`convbook.convolution.parameters`)
    :func:`pad_widths`, :func:`output_size`, :func:`conv_params`, :func:`dense_vs_conv`,
    :func:`parameter_counts`.
Worked examples (:mod:`convbook.convolution.examples`)
    :func:`hand_convolution`, :func:`why_flip`, :func:`multichannel_example`,
    :func:`output_size_table`, gathered by :func:`demo`.
Filters on a photograph (:mod:`convbook.convolution.filters`)
    :func:`load_sample_photo`, :func:`named_kernels`, :func:`apply_filters`,
    :func:`describe_responses`, :func:`format_responses`, :func:`step_image`.

Importing this package does not import Keras or TensorFlow; the few functions that need
Keras import it themselves.
"""

from __future__ import annotations

from convbook.convolution.examples import (
    HAND_IMAGE,
    HAND_KERNEL,
    CellSum,
    ConvolutionDemo,
    FlipDemo,
    HandConvolution,
    MultiChannelExample,
    SizeRow,
    demo,
    format_size_table,
    hand_convolution,
    multichannel_example,
    output_size_table,
    why_flip,
)
from convbook.convolution.filters import (
    ResponseStats,
    apply_filters,
    describe_responses,
    format_responses,
    load_sample_photo,
    named_kernels,
    step_image,
)
from convbook.convolution.ops import (
    MODES,
    conv2d,
    convolve1d,
    convolve2d,
    correlate1d,
    correlate2d,
    flip,
    keras_conv2d,
    keras_output_size,
)
from convbook.convolution.parameters import (
    MNIST_CONV_STACK,
    LayerParams,
    ParameterCounts,
    WeightSharing,
    conv_params,
    dense_vs_conv,
    parameter_counts,
)
from convbook.windows import PADDINGS, output_size, pad_widths

__all__ = [
    "HAND_IMAGE",
    "HAND_KERNEL",
    "MNIST_CONV_STACK",
    "MODES",
    "PADDINGS",
    "CellSum",
    "ConvolutionDemo",
    "FlipDemo",
    "HandConvolution",
    "LayerParams",
    "MultiChannelExample",
    "ParameterCounts",
    "ResponseStats",
    "SizeRow",
    "WeightSharing",
    "apply_filters",
    "conv2d",
    "conv_params",
    "convolve1d",
    "convolve2d",
    "correlate1d",
    "correlate2d",
    "demo",
    "dense_vs_conv",
    "describe_responses",
    "flip",
    "format_responses",
    "format_size_table",
    "hand_convolution",
    "keras_conv2d",
    "keras_output_size",
    "load_sample_photo",
    "multichannel_example",
    "named_kernels",
    "output_size",
    "output_size_table",
    "pad_widths",
    "parameter_counts",
    "step_image",
    "why_flip",
]
