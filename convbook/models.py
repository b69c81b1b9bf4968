"""The book's networks, built by name: from a dense baseline to LeNet-5 and AlexNet.

Every builder returns a new, **uncompiled** :class:`keras.Model` made with Keras' functional
API from a :func:`keras.Input`, so its weights exist at once (``count_params()`` works
before any data is seen) and every layer has a short, readable name for inspection
(``conv1``, ``pool1``, ...). Images are channels last: ``input_shape = (height, width,
channels)``. Compiling, training and choosing a loss are :mod:`convbook.training`'s job;
:func:`ends_with_softmax` tells it whether a model outputs probabilities or logits.

=================  ==========================================================  ===========
name               layers                                                      parameters
=================  ==========================================================  ===========
``dense_net``      flatten, 2 x (dense 512 + dropout), softmax                 669,706
``simple_cnn``     conv 32, conv 64, pool, dropout, dense 128, dropout,        1,199,882
                   softmax
``compact_cnn``    conv 32, pool, conv 64, pool, dense 64, logits              121,930
``deep_cnn``       3 blocks of 3x3 convs (64, 128, 256 filters) and a pool,    3,182,282
                   dense 512, dense 512, softmax
``lenet5``         C1-S2-C3-S4-C5-F6-output on 32x32 (LeCun et al., 1998)      61,706
``alexnet``        5 convs, 3 pools, dense 4096 x 2, softmax on 227x227x3      62,378,344
                   (Krizhevsky et al., 2012), 1000 classes
``alexnet_small``  AlexNet's shape of design scaled to 28x28 images            347,274
``fast_cnn``       3 x (conv + batch norm + ReLU), 2 pools, softmax            29,402
=================  ==========================================================  ===========

The counts are for the default input shape and 10 classes (1000 for ``alexnet``).

Examples
--------
>>> from convbook import models
>>> model = models.build("compact_cnn")
>>> model.count_params()
121930
>>> model.output_shape
(None, 10)
>>> models.ends_with_softmax(model)  # compact_cnn outputs logits
False
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

import keras
from keras import layers

__all__ = [
    "MODEL_NAMES",
    "alexnet",
    "alexnet_small",
    "build",
    "compact_cnn",
    "deep_cnn",
    "default_input_shape",
    "dense_net",
    "ends_with_softmax",
    "fast_cnn",
    "lenet5",
    "simple_cnn",
]

MODEL_NAMES: tuple[str, ...] = (
    "dense_net",
    "simple_cnn",
    "compact_cnn",
    "deep_cnn",
    "lenet5",
    "alexnet",
    "alexnet_small",
    "fast_cnn",
    "keras_example_cnn",
)

MNIST_SHAPE: tuple[int, int, int] = (28, 28, 1)
LENET_SHAPE: tuple[int, int, int] = (32, 32, 1)
ALEXNET_SHAPE: tuple[int, int, int] = (227, 227, 3)

_DEFAULT_INPUT_SHAPES: dict[str, tuple[int, int, int]] = {
    "dense_net": MNIST_SHAPE,
    "simple_cnn": MNIST_SHAPE,
    "compact_cnn": MNIST_SHAPE,
    "deep_cnn": MNIST_SHAPE,
    "lenet5": LENET_SHAPE,
    "alexnet": ALEXNET_SHAPE,
    "alexnet_small": MNIST_SHAPE,
    "fast_cnn": MNIST_SHAPE,
    "keras_example_cnn": MNIST_SHAPE,
}

LENET_ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid")

# The search for the smallest input that a network accepts stops here.
_LARGEST_MINIMUM = 4096


# --------------------------------------------------------------------------- checks


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in MODEL_NAMES:
        raise ValueError(f"name={name!r} is not a model here; use one of {MODEL_NAMES}.")
    return name


def _check_input_shape(input_shape: object) -> tuple[int, int, int]:
    message = (
        f"input_shape={input_shape!r} must be 3 positive integers (height, width, channels), "
        "channels last, e.g. (28, 28, 1)."
    )
    if isinstance(input_shape, str) or not isinstance(input_shape, Sequence):
        raise ValueError(message)
    if len(input_shape) != 3 or any(isinstance(size, bool) for size in input_shape):
        raise ValueError(message)
    try:
        sizes = tuple(operator.index(size) for size in input_shape)
    except TypeError:
        raise ValueError(message) from None
    if min(sizes) < 1:
        raise ValueError(message)
    return sizes


def _check_num_classes(num_classes: object) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            f"num_classes={num_classes!r} must be an integer of at least 2 (one output "
            "unit per class)."
        )
    return num_classes


def _check_rate(rate: object, name: str) -> float:
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
        raise ValueError(f"{name}={rate!r} must be a dropout rate in [0, 1).")
    return float(rate)


def _check_sizes(sizes: object, name: str, length: int | None = None) -> tuple[int, ...]:
    wanted = f"{length} positive integers" if length else "positive integers"
    message = f"{name}={sizes!r} must be a sequence of {wanted}."
    if isinstance(sizes, str) or not isinstance(sizes, Sequence) or not sizes:
        raise ValueError(message)
    if length is not None and len(sizes) != length:
        raise ValueError(message)
    if any(isinstance(size, bool) or not isinstance(size, int) or size < 1 for size in sizes):
        raise ValueError(message)
    return tuple(sizes)


# --------------------------------------------------------------------------- assembly


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
    raise ValueError(
        f"input_shape={input_shape!r} is too small for {name}: its convolutions and pools "
        f"would shrink the feature maps to nothing; height and width must be at least {side} "
        f"(the default is {_DEFAULT_INPUT_SHAPES[name]})."
    )


def _assemble(
    name: str, input_shape: tuple[int, int, int], stack: Sequence[keras.layers.Layer]
) -> keras.Model:
    """Chain ``stack`` on a new :func:`keras.Input` and wrap it as a model named ``name``."""
    _check_fits(name, stack, input_shape)
    inputs = keras.Input(shape=input_shape, name="image")
    outputs = inputs
    for layer in stack:
        outputs = layer(outputs)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def _checked(input_shape: object, num_classes: object) -> tuple[tuple[int, int, int], int]:
    return _check_input_shape(input_shape), _check_num_classes(num_classes)


def _softmax_output(num_classes: int) -> keras.layers.Layer:
    return layers.Dense(num_classes, activation="softmax", name="predictions")


# --------------------------------------------------------------------------- tutorial models


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
    input_shape, num_classes = _checked(input_shape, num_classes)
    hidden_units = _check_sizes(hidden_units, "hidden_units")
    dropout = _check_rate(dropout, "dropout")
    stack: list[keras.layers.Layer] = [layers.Flatten(name="flatten")]
    for number, units in enumerate(hidden_units, start=1):
        stack += [
            layers.Dense(units, activation="relu", name=f"dense{number}"),
            layers.Dropout(dropout, name=f"dropout{number}"),
        ]
    stack.append(_softmax_output(num_classes))
    return _assemble("dense_net", input_shape, stack)


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
    input_shape, num_classes = _checked(input_shape, num_classes)
    first, second = _check_sizes(filters, "filters", length=2)
    stack = [
        layers.Conv2D(first, 3, activation="relu", name="conv1"),
        layers.Conv2D(second, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Dropout(0.25, name="dropout1"),
        layers.Flatten(name="flatten"),
        layers.Dense(128, activation="relu", name="dense"),
        layers.Dropout(0.5, name="dropout2"),
        _softmax_output(num_classes),
    ]
    return _assemble("simple_cnn", input_shape, stack)


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
    >>> ends_with_softmax(model)
    False
    """
    input_shape, num_classes = _checked(input_shape, num_classes)
    stack = [
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense"),
        layers.Dense(num_classes, name="logits"),
    ]
    return _assemble("compact_cnn", input_shape, stack)


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
    input_shape, num_classes = _checked(input_shape, num_classes)
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
        _softmax_output(num_classes),
    ]
    return _assemble("deep_cnn", input_shape, stack)


# --------------------------------------------------------------------------- classic models


def lenet5(
    input_shape: tuple[int, int, int] = LENET_SHAPE,
    num_classes: int = 10,
    activation: str = "tanh",
) -> keras.Model:
    """Build LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998) in its common modern form.

    Layers on a 32x32 grey image (MNIST's 28x28 digits padded by 2 pixels on every side):

    ====== =================================== ===========  ==========
    layer  what                                output       parameters
    ====== =================================== ===========  ==========
    c1     6 convolutions 5x5                  28x28x6      156
    s2     2x2 average pooling                 14x14x6      0
    c3     16 convolutions 5x5                 10x10x16     2,416
    s4     2x2 average pooling                 5x5x16       0
    c5     120 convolutions 5x5                1x1x120      48,120
    f6     84 units, fully connected           84           10,164
    output one unit per class, softmax         10           850
    ====== =================================== ===========  ==========

    61,706 parameters in all. Deviations from the 1998 paper, all usual today:

    * the paper squashed with a scaled tanh, ``1.7159 tanh(2x/3)``; we use plain
      ``activation`` (``"tanh"`` by default, ``"relu"`` trains faster);
    * its subsampling layers S2 and S4 multiplied each 2x2 sum by a trainable coefficient,
      added a trainable bias and applied the squashing function; we use plain average
      pooling with no weights;
    * its C3 connected each of the 16 maps to only some of S2's 6 maps (a fixed table, 1,516
      parameters); our C3 sees all 6 (2,416);
    * its output layer held 10 Euclidean radial basis function units; ours is a dense
      softmax layer, trained with cross-entropy.

    A ``flatten`` layer sits between ``c5`` and ``f6``; on 32x32 input it changes nothing
    (1x1x120 -> 120), and on larger images it lets ``f6`` see all of C5's positions.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 32x32.
    num_classes
        Number of output units (at least 2).
    activation
        ``"tanh"``, ``"relu"`` or ``"sigmoid"``, used by c1, c3, c5 and f6.

    Returns
    -------
    keras.Model
        Uncompiled; outputs class probabilities.

    Raises
    ------
    ValueError
        If an argument is not as described, or the input is smaller than 32x32.

    Examples
    --------
    >>> model = lenet5()
    >>> model.count_params()
    61706
    >>> model.get_layer("c5").output.shape
    (None, 1, 1, 120)
    """
    input_shape, num_classes = _checked(input_shape, num_classes)
    if activation not in LENET_ACTIVATIONS:
        raise ValueError(
            f"activation={activation!r} is not offered; use one of {LENET_ACTIVATIONS}."
        )
    stack = [
        layers.Conv2D(6, 5, activation=activation, name="c1"),
        layers.AveragePooling2D(2, name="s2"),
        layers.Conv2D(16, 5, activation=activation, name="c3"),
        layers.AveragePooling2D(2, name="s4"),
        layers.Conv2D(120, 5, activation=activation, name="c5"),
        layers.Flatten(name="flatten"),
        layers.Dense(84, activation=activation, name="f6"),
        layers.Dense(num_classes, activation="softmax", name="output"),
    ]
    return _assemble("lenet5", input_shape, stack)


def _alexnet_classifier(units: int, dropout: float, num_classes: int) -> list[keras.layers.Layer]:
    return [
        layers.Flatten(name="flatten"),
        layers.Dense(units, activation="relu", name="fc6"),
        layers.Dropout(dropout, name="dropout6"),
        layers.Dense(units, activation="relu", name="fc7"),
        layers.Dropout(dropout, name="dropout7"),
        _softmax_output(num_classes),
    ]


def _overlapping_pool(name: str) -> keras.layers.Layer:
    return layers.MaxPooling2D(pool_size=3, strides=2, name=name)


def alexnet(
    input_shape: tuple[int, int, int] = ALEXNET_SHAPE,
    num_classes: int = 1000,
) -> keras.Model:
    """Build AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as one tower.

    Layers on a 227x227 colour image (ReLU after every convolution and hidden dense layer):

    =========== ======================================= ===========  ==========
    layer       what                                    output       parameters
    =========== ======================================= ===========  ==========
    conv1       96 convolutions 11x11, stride 4         55x55x96     34,944
    pool1       3x3 max pooling, stride 2 (overlapping) 27x27x96     0
    conv2       256 convolutions 5x5, "same"            27x27x256    614,656
    pool2       3x3 max pooling, stride 2               13x13x256    0
    conv3       384 convolutions 3x3, "same"            13x13x384    885,120
    conv4       384 convolutions 3x3, "same"            13x13x384    1,327,488
    conv5       256 convolutions 3x3, "same"            13x13x256    884,992
    pool5       3x3 max pooling, stride 2               6x6x256      0
    fc6         4096 units, then 50% dropout            4096         37,752,832
    fc7         4096 units, then 50% dropout            4096         16,781,312
    predictions one unit per class, softmax             1000         4,097,000
    =========== ======================================= ===========  ==========

    62,378,344 parameters with 1000 classes; nine in ten sit in the dense layers. Differences
    from the paper:

    * the paper split conv2, conv4 and conv5 into two groups, one per GPU, each seeing half
      of the previous layer's maps; that halves those layers' weights and gives about 61.0
      million parameters (60,965,224). We use ordinary, ungrouped convolutions;
    * it normalised conv1's and conv2's outputs across neighbouring maps (local response
      normalisation), which later work found to add little; we leave it out. (Batch
      normalisation, the modern replacement, would add 4 numbers per channel.)
    * it quoted 224x224 inputs; 227x227 is the size at which its 11x11, stride-4 first
      layer gives the 55x55 maps it reports.

    Building the model only allocates its weights (about 250 MB of float32); it is meant for
    counting parameters and reading shapes, as training it on a CPU would take weeks.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 67x67.
    num_classes
        Number of output units (at least 2); ImageNet's 1000 by default.

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
    >>> model = alexnet()
    >>> model.count_params()
    62378344
    >>> model.get_layer("pool5").output.shape
    (None, 6, 6, 256)
    """
    input_shape, num_classes = _checked(input_shape, num_classes)
    stack = [
        layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1"),
        _overlapping_pool("pool1"),
        layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2"),
        _overlapping_pool("pool2"),
        layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3"),
        layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4"),
        layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5"),
        _overlapping_pool("pool5"),
        *_alexnet_classifier(4096, 0.5, num_classes),
    ]
    return _assemble("alexnet", input_shape, stack)


def alexnet_small(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
    dropout: float = 0.5,
) -> keras.Model:
    """Build AlexNet's design scaled down to 28x28 images, trainable on a CPU.

    It keeps what makes AlexNet AlexNet: five convolutions whose kernels shrink as the
    filters grow (a large first kernel, then 3x3), overlapping 3x3 max pools with stride 2
    after the first, second and fifth convolution, and two wide dense layers with dropout
    before the softmax. Everything is scaled to a 28x28 digit:

    ============ ===================================== ===========  ==========
    layer        what                                  output       parameters
    ============ ===================================== ===========  ==========
    conv1        32 convolutions 5x5, "same"           28x28x32     832
    pool1        3x3 max pooling, stride 2             13x13x32     0
    conv2        64 convolutions 3x3, "same"           13x13x64     18,496
    pool2        3x3 max pooling, stride 2             6x6x64       0
    conv3        96 convolutions 3x3, "same"           6x6x96       55,392
    conv4        96 convolutions 3x3, "same"           6x6x96       83,040
    conv5        64 convolutions 3x3, "same"           6x6x64       55,360
    pool5        3x3 max pooling, stride 2             2x2x64       0
    fc6, fc7     256 units each, then dropout          256          65,792 each
    predictions  one unit per class, softmax           10           2,570
    ============ ===================================== ===========  ==========

    347,274 parameters; the first layer uses stride 1 (not 4) because a 28x28 image has no
    pixels to spare. ReLU follows every convolution and hidden dense layer.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 15x15.
    num_classes
        Number of output units (at least 2).
    dropout
        Dropout rate after fc6 and fc7, in ``[0, 1)``.

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
    >>> model = alexnet_small()
    >>> model.count_params()
    347274
    >>> model.get_layer("pool5").output.shape
    (None, 2, 2, 64)
    """
    input_shape, num_classes = _checked(input_shape, num_classes)
    dropout = _check_rate(dropout, "dropout")
    stack = [
        layers.Conv2D(32, 5, padding="same", activation="relu", name="conv1"),
        _overlapping_pool("pool1"),
        layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
        _overlapping_pool("pool2"),
        layers.Conv2D(96, 3, padding="same", activation="relu", name="conv3"),
        layers.Conv2D(96, 3, padding="same", activation="relu", name="conv4"),
        layers.Conv2D(64, 3, padding="same", activation="relu", name="conv5"),
        _overlapping_pool("pool5"),
        *_alexnet_classifier(256, dropout, num_classes),
    ]
    return _assemble("alexnet_small", input_shape, stack)


# --------------------------------------------------------------------------- fast model


def _conv_bn_relu(filters: int, number: int) -> list[keras.layers.Layer]:
    # No bias: batch normalisation subtracts the mean right after, and its own offset
    # (beta) plays the bias's part. Momentum 0.9 (Keras' default is 0.99) lets the running
    # statistics used at test time settle within the few hundred steps of a short run.
    return [
        layers.Conv2D(filters, 3, use_bias=False, name=f"conv{number}"),
        layers.BatchNormalization(momentum=0.9, name=f"bn{number}"),
        layers.ReLU(name=f"relu{number}"),
    ]


def fast_cnn(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
    translation: float = 0.0,
) -> keras.Model:
    """Build a small, quick network that reaches 99% on MNIST in two epochs on a CPU.

    Layers: ``conv1`` (16 filters 3x3), ``bn1``, ``relu1``, ``pool1`` (2x2 max); ``conv2``
    (32), ``bn2``, ``relu2``, ``pool2``; ``conv3`` (64), ``bn3``, ``relu3``; ``flatten``;
    ``predictions`` (softmax). On 28x28x1 the maps go 26 -> 13 -> 11 -> 5 -> 3, so the
    classifier sees 3x3x64 = 576 numbers. 29,402 parameters, of which 224 are batch
    normalisation's running means and variances (not trained by gradients).

    Why it is fast: the convolutions are few and narrow where the maps are large (16
    filters at 26x26), so one image costs about 0.8 million multiply-adds, a third of the
    canonical Keras MNIST network (conv 32, pool, conv 64, pool, dense); and batch
    normalisation (Ioffe and Szegedy, 2015) keeps every layer's inputs well scaled, so a
    large learning rate with a one-cycle schedule works and two epochs suffice where the
    canonical recipe trains for 12 to 15. On a CPU, batch normalisation costs time of its
    own, so an epoch takes about as long as the canonical network's: the saving is in
    epochs. The convolutions have no biases: batch normalisation's offset replaces them.
    With small random shifts (``translation=0.08``) and a second, longer learning-rate
    cycle (the ``"fast_mnist"`` recipe: cycles of 2 and 8 epochs) it keeps 99% after two
    epochs and passes 99.4% after about eight.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 18x18.
    num_classes
        Number of output units (at least 2).
    translation
        If positive, a first layer ``shift`` (:class:`keras.layers.RandomTranslation`)
        moves each training image by up to this fraction of its height and width (filling
        with background), a cheap augmentation that lets longer runs pass 99.4% on MNIST.
        It is active only in training (``model.fit``), not in ``predict`` or ``evaluate``,
        and adds no parameters. ``0`` (the default): no such layer.

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
    >>> model = fast_cnn()
    >>> model.count_params()
    29402
    >>> model.get_layer("relu3").output.shape
    (None, 3, 3, 64)
    """
    input_shape, num_classes = _checked(input_shape, num_classes)
    if (
        isinstance(translation, bool)
        or not isinstance(translation, int | float)
        or not 0 <= translation < 0.5
    ):
        raise ValueError(f"translation must be a number in [0, 0.5); got {translation!r}.")
    shift = (
        [layers.RandomTranslation(translation, translation, fill_mode="constant", name="shift")]
        if translation > 0
        else []
    )
    stack = [
        *shift,
        *_conv_bn_relu(16, 1),
        layers.MaxPooling2D(2, name="pool1"),
        *_conv_bn_relu(32, 2),
        layers.MaxPooling2D(2, name="pool2"),
        *_conv_bn_relu(64, 3),
        layers.Flatten(name="flatten"),
        _softmax_output(num_classes),
    ]
    return _assemble("fast_cnn", input_shape, stack)


def keras_example_cnn(
    input_shape: tuple[int, int, int] = MNIST_SHAPE,
    num_classes: int = 10,
) -> keras.Model:
    """Build the canonical MNIST convnet of the Keras code examples: the speed baseline.

    Layers: ``conv1`` (32 filters 3x3, ReLU), ``pool1`` (2x2 max), ``conv2`` (64 filters
    3x3, ReLU), ``pool2`` (2x2 max), ``flatten``, ``dropout`` (0.5), ``predictions``
    (dense, softmax). Trained with Adam, batch 128, 15 epochs and a 10% validation split,
    it is the recipe the performance benchmark compares :func:`fast_cnn` against.

    Parameters
    ----------
    input_shape
        ``(height, width, channels)``; at least 10x10.
    num_classes
        Number of output classes (at least 2).

    Returns
    -------
    keras.Model
        Uncompiled; ends with softmax.

    Raises
    ------
    ValueError
        If an argument is not as described, or the input is too small.

    Examples
    --------
    >>> keras_example_cnn().count_params()
    34826
    """
    input_shape, num_classes = _checked(input_shape, num_classes)
    stack = [
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5, name="dropout"),
        _softmax_output(num_classes),
    ]
    return _assemble("keras_example_cnn", input_shape, stack)


# --------------------------------------------------------------------------- by name

_BUILDERS: dict[str, Callable[..., keras.Model]] = {
    "dense_net": dense_net,
    "simple_cnn": simple_cnn,
    "compact_cnn": compact_cnn,
    "deep_cnn": deep_cnn,
    "lenet5": lenet5,
    "alexnet": alexnet,
    "alexnet_small": alexnet_small,
    "fast_cnn": fast_cnn,
    "keras_example_cnn": keras_example_cnn,
}


def default_input_shape(name: str) -> tuple[int, int, int]:
    """Return the ``(height, width, channels)`` a model is designed for.

    Parameters
    ----------
    name
        One of :data:`MODEL_NAMES`.

    Returns
    -------
    tuple of int
        ``(32, 32, 1)`` for LeNet-5, ``(227, 227, 3)`` for AlexNet, ``(28, 28, 1)`` (an
        MNIST image) for the others.

    Raises
    ------
    ValueError
        If ``name`` is unknown.

    Examples
    --------
    >>> default_input_shape("lenet5")
    (32, 32, 1)
    >>> default_input_shape("fast_cnn")
    (28, 28, 1)
    """
    return _DEFAULT_INPUT_SHAPES[_check_name(name)]


def build(
    name: str,
    input_shape: tuple[int, int, int] | None = None,
    num_classes: int = 10,
    **kwargs: object,
) -> keras.Model:
    """Build a model by name.

    Parameters
    ----------
    name
        One of :data:`MODEL_NAMES`.
    input_shape
        ``(height, width, channels)``; ``None`` for :func:`default_input_shape`.
    num_classes
        Number of output units (at least 2). The default is 10 for every model, AlexNet
        included (call :func:`alexnet` for its 1000-class default).
    **kwargs
        The builder's own options, e.g. ``activation="relu"`` for ``lenet5``.

    Returns
    -------
    keras.Model
        A new, uncompiled model whose ``.name`` is ``name``.

    Raises
    ------
    ValueError
        If ``name`` is unknown or an argument is not valid for that model.
    TypeError
        If ``kwargs`` holds an option the builder does not have.

    Examples
    --------
    >>> build("lenet5").count_params()
    61706
    >>> build("simple_cnn", num_classes=3).output_shape
    (None, 3)
    >>> build("lenet5", activation="relu").get_layer("c1").activation.__name__
    'relu'
    """
    builder = _BUILDERS[_check_name(name)]
    if input_shape is None:
        input_shape = _DEFAULT_INPUT_SHAPES[name]
    return builder(input_shape=input_shape, num_classes=num_classes, **kwargs)


def ends_with_softmax(model: keras.Model) -> bool:
    """Say whether a model's last layer turns its outputs into probabilities with softmax.

    A model that ends with softmax is trained with a plain cross-entropy loss; one that
    outputs logits (raw scores, like :func:`compact_cnn`) needs ``from_logits=True``.

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
    >>> ends_with_softmax(build("lenet5"))
    True
    >>> ends_with_softmax(build("compact_cnn"))
    False
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, not {type(model).__name__}.")
    if not model.layers:
        return False
    last = model.layers[-1]
    if isinstance(last, layers.Softmax):
        return True
    activation = getattr(last, "activation", None)
    return activation is keras.activations.softmax or (
        getattr(activation, "__name__", None) == "softmax"
    )
