"""The tutorial networks: a dense baseline and the first convolutional networks.

``dense_net`` is the fully connected baseline; ``simple_cnn``, ``compact_cnn`` and
``deep_cnn`` are the convolutional networks the first chapters train on MNIST-style images.

Examples
--------
>>> from convbook.models import tutorial
>>> tutorial.compact_cnn().count_params()
121930
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from convbook import _checks
from convbook.models.assembly import assemble, checked, softmax_output
from convbook.models.registry import MNIST_SHAPE


def dense_net(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
    hidden_units: Sequence[int] = (512, 512),
    dropout: float = 0.2,
) -> keras.Model:
    """Build the fully connected baseline that the convolutional networks are measured against.

    Layers: ``flatten`` (every pixel becomes one input), then for each hidden layer a
    ``dense`` layer with ReLU and a ``dropout`` layer, then ``predictions`` (dense,
    softmax). The defaults are the classic multi-layer perceptron of Keras' MNIST examples:
    two hidden layers of 512 units with 20% dropout, 669,706 parameters on 28x28x1. The
    network sees the image as a flat list of 784 numbers, so it has to learn separately that
    neighbouring pixels belong together.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``.
    num_classes
        Number of output units (at least 2).
    hidden_units
        Width of each hidden dense layer.
    dropout
        Fraction of a hidden layer's outputs dropped during training, in ``[0, 1)``.

    Returns
    -------
    keras.Model
        Uncompiled; outputs class probabilities.

    Raises
    ------
    ValueError
        If an argument is not as described.

    Examples
    --------
    >>> model = dense_net()
    >>> model.count_params()  # (784 + 1) * 512 + (512 + 1) * 512 + (512 + 1) * 10
    669706
    >>> [layer.name for layer in model.layers[1:]]
    ['flatten', 'dense1', 'dropout1', 'dense2', 'dropout2', 'predictions']
    """
    input_shape, num_classes = checked(input_shape, num_classes)
    hidden_units = _checks.int_tuple("hidden_units", hidden_units)
    dropout = _checks.fraction("dropout", dropout)
    stack: list[keras.layers.Layer] = [layers.Flatten(name="flatten")]
    for number, units in enumerate(hidden_units, start=1):
        stack += [
            layers.Dense(units, activation="relu", name=f"dense{number}"),
            layers.Dropout(dropout, name=f"dropout{number}"),
        ]
    stack.append(softmax_output(num_classes))
    return assemble("dense_net", input_shape, stack)


def simple_cnn(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
    filters: Sequence[int] = (32, 64),
) -> keras.Model:
    """Build the first convolutional network: two convolutions, a pool and a dense classifier.

    Layers: ``conv1`` (32 filters 3x3, ReLU), ``conv2`` (64 filters 3x3, ReLU), ``pool``
    (2x2 max), ``dropout1`` (25%), ``flatten``, ``dense`` (128, ReLU), ``dropout2`` (50%),
    ``predictions`` (softmax). This is the layout of Keras' classic ``mnist_cnn`` example
    (2015): on 28x28x1 the maps go 26x26x32, 24x24x64, 12x12x64, so ``dense`` sees 9,216
    numbers and holds almost all of the 1,199,882 parameters.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 6x6.
    num_classes
        Number of output units (at least 2).
    filters
        The two convolutions' filter counts; try ``(64, 128)``.

    Returns
    -------
    keras.Model
        Uncompiled; outputs class probabilities.

    Raises
    ------
    ValueError
        If an argument is not as described, or the input is too small.

    Examples
    --------
    >>> model = simple_cnn()
    >>> model.count_params()
    1199882
    >>> model.get_layer("pool").output.shape
    (None, 12, 12, 64)
    """
    input_shape, num_classes = checked(input_shape, num_classes)
    first, second = _checks.int_tuple("filters", filters, length=2)
    stack = [
        layers.Conv2D(first, 3, activation="relu", name="conv1"),
        layers.Conv2D(second, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Dropout(0.25, name="dropout1"),
        layers.Flatten(name="flatten"),
        layers.Dense(128, activation="relu", name="dense"),
        layers.Dropout(0.5, name="dropout2"),
        softmax_output(num_classes),
    ]
    return assemble("simple_cnn", input_shape, stack)


def compact_cnn(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
) -> keras.Model:
    """Build a small CNN that pools after each convolution and outputs logits.

    Layers: ``conv1`` (32 filters 3x3, ReLU), ``pool1`` (2x2 max), ``conv2`` (64 filters
    3x3, ReLU), ``pool2`` (2x2 max), ``flatten``, ``dense`` (64, ReLU), ``logits`` (dense,
    no activation). This is the network of TensorFlow's beginner CNN tutorials. Pooling
    early shrinks the maps to 5x5x64 = 1,600 numbers, ten times fewer parameters than
    :func:`simple_cnn` (121,930 on 28x28x1).

    The last layer has **no softmax**: it outputs raw scores (logits), larger for likelier
    classes. Train it with a cross-entropy loss given ``from_logits=True``, and apply
    :func:`keras.ops.softmax` to its outputs when you want probabilities.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 10x10.
    num_classes
        Number of output units (at least 2).

    Returns
    -------
    keras.Model
        Uncompiled; outputs logits.

    Raises
    ------
    ValueError
        If an argument is not as described, or the input is too small.

    Examples
    --------
    >>> model = compact_cnn()
    >>> model.count_params()
    121930
    >>> model.get_layer("pool2").output.shape
    (None, 5, 5, 64)
    >>> from convbook.models import ends_with_softmax
    >>> ends_with_softmax(model)
    False
    """
    input_shape, num_classes = checked(input_shape, num_classes)
    stack = [
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense"),
        layers.Dense(num_classes, name="logits"),
    ]
    return assemble("compact_cnn", input_shape, stack)


def deep_cnn(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
) -> keras.Model:
    """Build a deep, VGG-style network: three blocks of 3x3 convolutions, then two dense layers.

    Layers: ``block1_conv1``, ``block1_conv2`` (64 filters), ``block1_pool``;
    ``block2_conv1``, ``block2_conv2`` (128 filters), ``block2_pool``; ``block3_conv1`` to
    ``block3_conv3`` (256 filters), ``block3_pool``; ``flatten``; ``fc1`` and ``fc2`` (512,
    ReLU); ``predictions`` (softmax). Every convolution is 3x3 with ReLU and ``"same"``
    padding, so only the 2x2 max pools shrink the maps: 28 -> 14 -> 7 -> 3. Each block
    halves the size and doubles the filters, the pattern of VGG (Simonyan and Zisserman,
    2014), whose deeper blocks also have three convolutions. 3,182,282 parameters on 28x28x1.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 8x8.
    num_classes
        Number of output units (at least 2).

    Returns
    -------
    keras.Model
        Uncompiled; outputs class probabilities.

    Raises
    ------
    ValueError
        If an argument is not as described, or the input is too small.

    Examples
    --------
    >>> model = deep_cnn()
    >>> model.count_params()
    3182282
    >>> model.get_layer("block3_pool").output.shape
    (None, 3, 3, 256)
    """
    input_shape, num_classes = checked(input_shape, num_classes)
    stack: list[keras.layers.Layer] = []
    for block, (filters, convolutions) in enumerate(((64, 2), (128, 2), (256, 3)), start=1):
        stack += [
            layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{block}_conv{number}"
            )
            for number in range(1, convolutions + 1)
        ]
        stack.append(layers.MaxPooling2D(2, name=f"block{block}_pool"))
    stack += [
        layers.Flatten(name="flatten"),
        layers.Dense(512, activation="relu", name="fc1"),
        layers.Dense(512, activation="relu", name="fc2"),
        softmax_output(num_classes),
    ]
    return assemble("deep_cnn", input_shape, stack)
