"""How every builder puts a model together, and how a model's ending is read.

Each builder checks its arguments with :func:`checked`, lists its layers, and hands them
to :func:`assemble`, which first checks that the input is large enough (the feature maps
must not shrink to nothing) and then chains the layers on a :func:`keras.Input`.
:func:`ends_with_softmax` tells :mod:`convbook.training` whether a model outputs
probabilities or logits.

Examples
--------
>>> from keras import layers
>>> from convbook.models import assembly
>>> model = assembly.assemble("tiny", (8, 8, 1), [layers.Conv2D(2, 3, name="conv")])
>>> model.name, model.output_shape
('tiny', (None, 6, 6, 2))
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from convbook import _checks
from convbook.models.registry import MODELS

# The search for the smallest input that a network accepts stops here.
_LARGEST_MINIMUM = 4096


def checked(input_shape: object, num_classes: object) -> tuple[tuple[int, int, int], int]:
    """Return the two arguments every builder has, checked: a shape and a class count."""
    shape = _checks.int_tuple("input_shape", input_shape, length=3)
    return shape, _checks.integer("num_classes", num_classes, minimum=2)  # type: ignore[return-value]


def softmax_output(num_classes: int) -> keras.layers.Layer:
    """Return the usual last layer: one dense unit per class, softmax, named ``predictions``."""
    return layers.Dense(num_classes, activation="softmax", name="predictions")


def _feature_shape(
    stack: Sequence[keras.layers.Layer], height: int, width: int, channels: int
) -> tuple[int, ...] | None:
    """Run the image-shaped part of ``stack`` on a shape; ``None`` if a map shrinks away."""
    shape: tuple[int | None, ...] = (None, height, width, channels)
    for layer in stack:
        if len(shape) != 4:
            break
        try:
            shape = tuple(layer.compute_output_shape(shape))
        except ValueError:
            return None
        if len(shape) == 4 and min(shape[1:3]) < 1:
            return None
    return shape


def _smallest_side(stack: Sequence[keras.layers.Layer], channels: int) -> int:
    """Return the smallest height (= width) whose feature maps stay at least 1x1."""
    for side in range(1, _LARGEST_MINIMUM + 1):
        if _feature_shape(stack, side, side, channels) is not None:
            return side
    return _LARGEST_MINIMUM


def _check_fits(
    name: str, stack: Sequence[keras.layers.Layer], input_shape: tuple[int, int, int]
) -> None:
    height, width, channels = input_shape
    if _feature_shape(stack, height, width, channels) is not None:
        return
    side = _smallest_side(stack, channels)
    default = f"; the default is {MODELS[name].input_shape}" if name in MODELS else ""
    _checks.fail(
        "input_shape",
        input_shape,
        f"at least {side}x{side} for {name} (its convolutions and pools would shrink smaller "
        f"feature maps to nothing{default})",
    )


def assemble(
    name: str, input_shape: tuple[int, int, int], stack: Sequence[keras.layers.Layer]
) -> keras.Model:
    """Chain ``stack`` on a new :func:`keras.Input` and wrap it as a model named ``name``.

    Raises
    ------
    ValueError
        If ``input_shape`` is too small: a convolution or pool would get an empty map.
    """
    _check_fits(name, stack, input_shape)
    if stack and stack[-1].dtype_policy.compute_dtype != "float32":
        # Built under a mixed policy (convbook.devices.dtype_policy): the last layer still
        # computes in float32, as Keras advises, so the softmax and the loss keep their
        # precision and predictions are ordinary float32 arrays.
        stack[-1].dtype_policy = "float32"
    inputs = keras.Input(shape=input_shape, name="image")
    outputs = inputs
    for layer in stack:
        outputs = layer(outputs)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def ends_with_softmax(model: keras.Model) -> bool:
    """Say whether a model's last layer turns its outputs into probabilities with softmax.

    A model that ends with softmax is trained with a plain cross-entropy loss; one that
    outputs logits (raw scores, like :func:`~convbook.models.compact_cnn`) needs
    ``from_logits=True``.

    Parameters
    ----------
    model
        A Keras model.

    Returns
    -------
    bool
        ``True`` if the last layer is a :class:`keras.layers.Softmax` layer or has a
        softmax activation (a ``Dense`` or ``Activation`` layer).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`keras.Model`.

    Examples
    --------
    >>> from convbook import models
    >>> ends_with_softmax(models.build("lenet5"))
    True
    >>> ends_with_softmax(models.build("compact_cnn"))
    False
    """
    _checks.instance("model", model, keras.Model, "a keras.Model")
    if not model.layers:
        return False
    last = model.layers[-1]
    if isinstance(last, layers.Softmax):
        return True
    activation = getattr(last, "activation", None)
    return activation is keras.activations.softmax or (
        getattr(activation, "__name__", None) == "softmax"
    )
