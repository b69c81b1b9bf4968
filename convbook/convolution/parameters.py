"""How many numbers a convolutional layer learns, by formula and by Keras.

:func:`conv_params` is the formula, :func:`parameter_counts` checks it against a Keras
model, and :func:`dense_vs_conv` shows what weight sharing saves against a dense layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from convbook import _checks
from convbook.tables import format_table

if TYPE_CHECKING:
    import keras

__all__ = [
    "MNIST_CONV_STACK",
    "LayerParams",
    "ParameterCounts",
    "WeightSharing",
    "conv_params",
    "dense_vs_conv",
    "parameter_counts",
]


def conv_params(
    kernel_size: int | tuple[int, int], in_channels: int, filters: int, use_bias: bool = True
) -> int:
    """Return the number of trainable numbers in a ``Conv2D`` layer.

    Each of the ``filters`` kernels has ``kh * kw * in_channels`` weights and (optionally)
    one bias. The image size does not appear: the same kernel is used at every position.

    Parameters
    ----------
    kernel_size
        ``k`` or ``(kh, kw)``.
    in_channels
        Channels of the layer's input (1 for grey images, 3 for RGB).
    filters
        Number of kernels, which is the number of output channels.
    use_bias
        Whether each filter has a bias.

    Returns
    -------
    int
        Equal to Keras' ``layer.count_params()``.

    Examples
    --------
    >>> conv_params(3, in_channels=1, filters=32)
    320
    >>> conv_params((3, 3), in_channels=32, filters=64)
    18496
    """
    kh, kw = _checks.int_tuple("kernel_size", kernel_size, length=2, broadcast=True)
    in_channels = _checks.positive_int("in_channels", in_channels)
    filters = _checks.positive_int("filters", filters)
    biases = filters if _checks.boolean("use_bias", use_bias) else 0
    return filters * kh * kw * in_channels + biases


@dataclass(frozen=True)
class WeightSharing:
    """Parameter counts of a dense and a conv layer with the same output shape."""

    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    kernel_size: int
    dense_params: int
    conv_params: int

    @property
    def inputs(self) -> int:
        """Numbers in the input: ``height * width * in_channels``."""
        return math.prod(self.input_shape)

    @property
    def outputs(self) -> int:
        """Numbers in the output: ``height * width * filters``."""
        return math.prod(self.output_shape)

    @property
    def ratio(self) -> float:
        """How many times more parameters the dense layer needs."""
        return self.dense_params / self.conv_params


def dense_vs_conv(
    height: int = 28, width: int = 28, in_channels: int = 1, filters: int = 32, kernel_size: int = 3
) -> WeightSharing:
    """Compare a dense layer with a same-padded conv layer producing the same output shape.

    Both map an ``(height, width, in_channels)`` input to ``(height, width, filters)``
    numbers. The dense layer has a weight per input-output pair; the conv layer shares one
    small kernel per filter across all positions.

    Examples
    --------
    >>> sharing = dense_vs_conv()
    >>> sharing.dense_params, sharing.conv_params
    (19694080, 320)
    >>> round(sharing.ratio)
    61544
    """
    height = _checks.positive_int("height", height)
    width = _checks.positive_int("width", width)
    in_channels = _checks.positive_int("in_channels", in_channels)
    filters = _checks.positive_int("filters", filters)
    inputs = height * width * in_channels
    outputs = height * width * filters
    return WeightSharing(
        input_shape=(height, width, in_channels),
        output_shape=(height, width, filters),
        kernel_size=kernel_size,
        dense_params=inputs * outputs + outputs,
        conv_params=conv_params(kernel_size, in_channels, filters),
    )


@dataclass(frozen=True)
class LayerParams:
    """One ``Conv2D`` layer's parameter count, by formula and by Keras."""

    name: str
    kernel_size: int
    in_channels: int
    filters: int
    formula: int
    keras: int


@dataclass(frozen=True, eq=False)
class ParameterCounts:
    """Parameter counts of a stack of ``Conv2D`` layers, and the Keras model itself."""

    input_shape: tuple[int, int, int]
    layers: tuple[LayerParams, ...]
    model: keras.Model

    @property
    def total_formula(self) -> int:
        """Sum of :func:`conv_params` over the layers."""
        return sum(layer.formula for layer in self.layers)

    @property
    def total_keras(self) -> int:
        """``model.count_params()``."""
        return int(self.model.count_params())

    def summary(self) -> str:
        """Return one table row per layer: its shape and both counts, then the totals.

        Examples
        --------
        >>> print(parameter_counts([(4, 3)], (8, 8, 1)).summary())
        layer    kernel      in_channels    filters    formula    keras
        -------  --------  -------------  ---------  ---------  -------
        conv1    3x3                   1          4         40       40
        total                                               40       40
        """
        rows: list[tuple[object, ...]] = [
            (
                layer.name,
                f"{layer.kernel_size}x{layer.kernel_size}",
                layer.in_channels,
                layer.filters,
                layer.formula,
                layer.keras,
            )
            for layer in self.layers
        ]
        rows.append(("total", "", "", "", self.total_formula, self.total_keras))
        return format_table(
            rows,
            ("layer", "kernel", "in_channels", "filters", "formula", "keras"),
            align=("left", "left", "right", "right", "right", "right"),
        )


MNIST_CONV_STACK: tuple[tuple[int, int], ...] = ((32, 3), (64, 3), (8, 1))


def parameter_counts(
    conv_layers: Sequence[tuple[int, int]] = MNIST_CONV_STACK,
    input_shape: tuple[int, int, int] = (28, 28, 1),
) -> ParameterCounts:
    """Build a ``keras.Sequential`` of ``Conv2D`` layers and count parameters two ways.

    Parameters
    ----------
    conv_layers
        ``(filters, kernel_size)`` per layer; the default is the two 3x3 layers of the
        classic MNIST network (32 then 64 filters) followed by a 1x1 layer with 8 filters.
    input_shape
        ``(height, width, channels)`` of the model's input.

    Examples
    --------
    >>> counts = parameter_counts()
    >>> [layer.formula for layer in counts.layers]
    [320, 18496, 520]
    >>> counts.total_formula == counts.total_keras
    True
    """
    input_shape = _checks.int_tuple("input_shape", input_shape, length=3)
    import keras

    model = keras.Sequential([keras.Input(shape=input_shape)], name="conv_stack")
    rows = []
    in_channels = input_shape[2]
    layers = _checks.iterable("conv_layers", conv_layers, "a sequence of (filters, kernel_size)")
    height, width = input_shape[:2]
    for index, pair in enumerate(layers):
        _, kernel_size = _checks.int_tuple(f"conv_layers[{index}]", pair, length=2)
        if kernel_size > min(height, width):
            _checks.fail(
                "input_shape",
                input_shape,
                f"large enough for conv_layers[{index}]'s {kernel_size}x{kernel_size} kernel "
                f"(its input is {height}x{width} with 'valid' padding)",
            )
        height, width = height - kernel_size + 1, width - kernel_size + 1
    for index, (filters, kernel_size) in enumerate(layers, start=1):
        layer = keras.layers.Conv2D(filters, kernel_size, name=f"conv{index}")
        model.add(layer)
        rows.append(
            LayerParams(
                name=layer.name,
                kernel_size=kernel_size,
                in_channels=in_channels,
                filters=filters,
                formula=conv_params(kernel_size, in_channels, filters),
                keras=int(layer.count_params()),
            )
        )
        in_channels = filters
    return ParameterCounts(input_shape=input_shape, layers=tuple(rows), model=model)  # type: ignore[arg-type]
