"""The classic networks of the literature: LeNet-5 (1998), AlexNet (2012), a small AlexNet.

``alexnet_small`` keeps AlexNet's design, scaled down to 28x28 images.

Examples
--------
>>> from convbook.models import classic
>>> classic.lenet5().count_params()
61706
"""

from __future__ import annotations

import keras
from keras import layers

from convbook import _checks
from convbook.models.assembly import assemble, checked, softmax_output
from convbook.models.registry import ALEXNET_SHAPE, LENET_SHAPE, MNIST_SHAPE

#: The activations :func:`lenet5` offers.
LENET_ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid")


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
      ``activation`` (``"tanh"`` by default, as in the 1998 paper; ``"relu"`` is the modern choice);
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
    input_shape, num_classes = checked(input_shape, num_classes)
    activation = _checks.choice("activation", activation, LENET_ACTIVATIONS)
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
    return assemble("lenet5", input_shape, stack)


def _alexnet_classifier(units: int, dropout: float, num_classes: int) -> list[keras.layers.Layer]:
    return [
        layers.Flatten(name="flatten"),
        layers.Dense(units, activation="relu", name="fc6"),
        layers.Dropout(dropout, name="dropout6"),
        layers.Dense(units, activation="relu", name="fc7"),
        layers.Dropout(dropout, name="dropout7"),
        softmax_output(num_classes),
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
    input_shape, num_classes = checked(input_shape, num_classes)
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
    return assemble("alexnet", input_shape, stack)


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
    input_shape, num_classes = checked(input_shape, num_classes)
    dropout = _checks.fraction("dropout", dropout)
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
    return assemble("alexnet_small", input_shape, stack)
