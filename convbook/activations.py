"""The functions a network is made of, written out in NumPy: activations, losses, optimizers.

Keras computes all of these for you; here they are spelled out so that the book can plot
them, show why each is written the way it is (the max subtracted in :func:`softmax`, the
clipping in :func:`categorical_crossentropy`), and check them against Keras. Each activation
has its derivative next to it, because backpropagation multiplies those derivatives layer
after layer.

The optimizer part runs Keras' own optimizers (:func:`make_optimizer`) on a surface of two
variables whose gradient is known in closed form (:data:`SURFACES`), and records the path
each one takes (:func:`optimizer_paths`). Keras is imported inside those functions only.

Examples
--------
>>> import numpy as np
>>> relu(np.array([-2.0, 0.0, 3.0])).tolist()
[0.0, 0.0, 3.0]
>>> softmax(np.array([1.0, 1.0])).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks

if TYPE_CHECKING:
    import keras

__all__ = [
    "ACTIVATIONS",
    "EPSILON",
    "OPTIMIZER_NAMES",
    "SURFACES",
    "Surface",
    "categorical_crossentropy",
    "leaky_relu",
    "leaky_relu_gradient",
    "log_softmax",
    "make_optimizer",
    "mean_squared_error",
    "optimizer_paths",
    "relu",
    "relu_gradient",
    "sigmoid",
    "sigmoid_gradient",
    "softmax",
    "sparse_categorical_crossentropy",
    "tanh",
    "tanh_gradient",
]

#: The clipping bound of the cross-entropy losses; Keras' default ``keras.config.epsilon()``.
EPSILON = 1e-7


def _real(values: ArrayLike, name: str) -> np.ndarray:
    """Return ``values`` as a float array (at least float32), or raise naming ``name``."""
    array = _checks.real_array(name, values, allow_empty=True)
    return array.astype(np.result_type(array.dtype, np.float32), copy=False)


# --------------------------------------------------------------------------- activations


def relu(x: ArrayLike) -> np.ndarray:
    """Compute the rectified linear unit: ``max(x, 0)``, elementwise.

    Examples
    --------
    >>> relu([-1.0, 2.0]).tolist()
    [0.0, 2.0]
    """
    return np.maximum(_real(x, "x"), 0.0)


def relu_gradient(x: ArrayLike) -> np.ndarray:
    """Return the derivative of :func:`relu`: 1 where ``x > 0``, else 0 (also at the kink).

    Examples
    --------
    >>> relu_gradient([-1.0, 0.0, 2.0]).tolist()
    [0.0, 0.0, 1.0]
    """
    array = _real(x, "x")
    return (array > 0).astype(array.dtype)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.2) -> np.ndarray:
    """Compute the leaky ReLU: ``x`` for positive inputs, ``negative_slope * x`` otherwise.

    The default slope, 0.2, is Keras' default.

    Examples
    --------
    >>> leaky_relu([-10.0, 3.0]).tolist()
    [-2.0, 3.0]
    """
    array = _real(x, "x")
    slope = _checks.real("negative_slope", negative_slope)
    return np.where(array > 0, array, slope * array)


def leaky_relu_gradient(x: ArrayLike, negative_slope: float = 0.2) -> np.ndarray:
    """Return the derivative of :func:`leaky_relu`: 1 for ``x > 0``, else ``negative_slope``.

    Examples
    --------
    >>> leaky_relu_gradient([-1.0, 1.0]).tolist()
    [0.2, 1.0]
    """
    array = _real(x, "x")
    slope = _checks.real("negative_slope", negative_slope)
    return np.where(array > 0, 1.0, slope).astype(array.dtype)


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Compute the logistic function ``1 / (1 + exp(-x))``: any number into (0, 1).

    Written as ``exp(x) / (1 + exp(x))`` for negative inputs, so that ``exp`` never
    overflows.

    Examples
    --------
    >>> sigmoid([0.0]).tolist()
    [0.5]
    >>> bool(sigmoid(np.array([-1000.0]))[0] == 0.0)
    True
    """
    array = _real(x, "x")
    exp_of_minus_abs = np.exp(-np.abs(array))  # in (0, 1]: cannot overflow
    return np.where(
        array >= 0, 1.0 / (1.0 + exp_of_minus_abs), exp_of_minus_abs / (1.0 + exp_of_minus_abs)
    ).astype(array.dtype)


def sigmoid_gradient(x: ArrayLike) -> np.ndarray:
    """Return the derivative of :func:`sigmoid`: ``s * (1 - s)``, at most 0.25 (at ``x = 0``).

    Examples
    --------
    >>> sigmoid_gradient([0.0]).tolist()
    [0.25]
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: ArrayLike) -> np.ndarray:
    """Compute the hyperbolic tangent, squashing any number into (-1, 1); ``2 * sigmoid(2x) - 1``.

    Examples
    --------
    >>> tanh([0.0]).tolist()
    [0.0]
    """
    return np.tanh(_real(x, "x"))


def tanh_gradient(x: ArrayLike) -> np.ndarray:
    """Return the derivative of :func:`tanh`: ``1 - tanh(x)**2``, at most 1 (at ``x = 0``).

    Examples
    --------
    >>> tanh_gradient([0.0]).tolist()
    [1.0]
    """
    return 1.0 - tanh(x) ** 2


#: Name to ``(activation, its derivative)``, for plotting them side by side.
ACTIVATIONS: dict[str, tuple[Callable[[ArrayLike], np.ndarray], Callable[[ArrayLike], np.ndarray]]]
ACTIVATIONS = {
    "relu": (relu, relu_gradient),
    "leaky_relu": (leaky_relu, leaky_relu_gradient),
    "sigmoid": (sigmoid, sigmoid_gradient),
    "tanh": (tanh, tanh_gradient),
}


def softmax(scores: ArrayLike, axis: int = -1) -> np.ndarray:
    """Turn scores (logits) into probabilities: positive, summing to 1 along ``axis``.

    ``softmax(z)_i = exp(z_i) / sum_j exp(z_j)``. Computed literally, ``exp(1000)`` is
    infinite and the result ``inf / inf`` is NaN. Subtracting the largest score first changes
    nothing mathematically (the factor ``exp(-max)`` cancels between numerator and
    denominator) but makes every exponent at most 0: each ``exp`` lies in (0, 1] and the
    denominator is at least 1, so nothing overflows and nothing divides by zero.

    Parameters
    ----------
    scores
        Real numbers, e.g. a batch of logit rows ``(batch, classes)``.
    axis
        The axis holding the classes.

    Returns
    -------
    numpy.ndarray
        Probabilities of the same shape.

    Examples
    --------
    >>> softmax([1000.0, 1000.0, 1000.0]).round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    >>> softmax([[0.0, np.log(3.0)]]).round(4).tolist()
    [[0.25, 0.75]]
    """
    z = _checks.real_array("scores", scores)
    axis = _checks.axis("axis", axis, max(z.ndim, 1))
    shifted = z - np.max(z, axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=axis, keepdims=True)


def log_softmax(scores: ArrayLike, axis: int = -1) -> np.ndarray:
    """Compute the logarithm of :func:`softmax` without taking ``log`` of a tiny number.

    ``log softmax(z)_i = (z_i - m) - log(sum_j exp(z_j - m))`` with ``m = max(z)``.

    Examples
    --------
    >>> log_softmax([0.0, 0.0]).round(4).tolist()
    [-0.6931, -0.6931]
    >>> float(log_softmax([0.0, 1000.0])[0])
    -1000.0
    """
    z = _checks.real_array("scores", scores)
    axis = _checks.axis("axis", axis, max(z.ndim, 1))
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# --------------------------------------------------------------------------- losses


def _probabilities(y_pred: np.ndarray, from_logits: bool, epsilon: float) -> np.ndarray:
    """Log-probabilities from logits, or from (renormalised, clipped) probabilities."""
    epsilon = _checks.real(
        "epsilon", epsilon, minimum=0, maximum=0.5, include_minimum=False, include_maximum=False
    )
    if _checks.boolean("from_logits", from_logits):
        return log_softmax(y_pred)
    if np.any(y_pred < 0):
        raise ValueError(
            "y_pred must hold probabilities (non-negative) when from_logits=False; got a "
            f"minimum of {float(y_pred.min())}. Pass from_logits=True for raw scores."
        )
    # Like Keras: rescale each row to sum to 1, then keep every probability in
    # [epsilon, 1 - epsilon], so that log(0) = -inf can never appear in the loss.
    total = np.sum(y_pred, axis=-1, keepdims=True)
    probabilities = y_pred / np.where(total == 0, 1.0, total)
    return np.log(np.clip(probabilities, epsilon, 1.0 - epsilon))


def categorical_crossentropy(
    y_true: ArrayLike, y_pred: ArrayLike, *, from_logits: bool = False, epsilon: float = EPSILON
) -> np.ndarray:
    """Compute the cross-entropy of one-hot (or soft) targets and probabilities, per row.

    ``loss = -sum_k y_k log p_k``; for a one-hot target it is ``-log`` of the probability
    the network gave the right class: 0 when it was certain and right, growing without
    bound as that probability goes to 0. The probabilities are clipped to
    ``[epsilon, 1 - epsilon]`` first, so a confident mistake costs ``-log(epsilon)`` (about
    16.1) instead of infinity, and its gradient stays finite.

    Parameters
    ----------
    y_true
        Targets ``(..., classes)``: one-hot rows, or any rows of probabilities.
    y_pred
        Predicted probabilities ``(..., classes)``, or scores when ``from_logits=True``.
    from_logits
        Whether ``y_pred`` holds raw scores; then :func:`log_softmax` is used, which needs
        no clipping.
    epsilon
        The clipping bound (Keras' default is ``1e-7``).

    Returns
    -------
    numpy.ndarray
        One loss per row, shape ``y_pred.shape[:-1]``.

    Raises
    ------
    ValueError
        If the shapes differ, or probabilities are negative.

    Examples
    --------
    >>> categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).round(4).tolist()
    [0.6931]
    >>> categorical_crossentropy([[0.0, 1.0]], [[1.0, 0.0]]).round(2).tolist()
    [16.12]
    """
    target = _real(y_true, "y_true")
    prediction = _real(y_pred, "y_pred")
    if target.shape != prediction.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {target.shape} and "
            f"{prediction.shape}. For integer labels use sparse_categorical_crossentropy."
        )
    return -np.sum(target * _probabilities(prediction, from_logits, epsilon), axis=-1)


def sparse_categorical_crossentropy(
    y_true: ArrayLike, y_pred: ArrayLike, *, from_logits: bool = False, epsilon: float = EPSILON
) -> np.ndarray:
    """Compute the cross-entropy with integer labels: ``-log p[label]`` for each row.

    The same number as :func:`categorical_crossentropy` with the labels one-hot encoded,
    without building the one-hot array.

    Parameters
    ----------
    y_true
        Integer class labels, shape ``y_pred.shape[:-1]``.
    y_pred
        Probabilities ``(..., classes)``, or scores when ``from_logits=True``.
    from_logits, epsilon
        As for :func:`categorical_crossentropy`.

    Raises
    ------
    ValueError
        If a label is outside ``0 .. classes - 1`` or the shapes do not fit.

    Examples
    --------
    >>> sparse_categorical_crossentropy([1], [[0.25, 0.75]]).round(4).tolist()
    [0.2877]
    """
    labels = np.asarray(y_true)
    prediction = _real(y_pred, "y_pred")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"y_true must hold integer labels; got dtype {labels.dtype}.")
    if labels.shape != prediction.shape[:-1]:
        raise ValueError(
            f"y_true has shape {labels.shape}; y_pred {prediction.shape} needs labels of "
            f"shape {prediction.shape[:-1]} (one per row)."
        )
    classes = prediction.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"y_true holds labels from {int(labels.min())} to {int(labels.max())}; "
            f"valid labels are 0 to {classes - 1}."
        )
    log_p = _probabilities(prediction, from_logits, epsilon)
    return -np.take_along_axis(log_p, labels[..., np.newaxis], axis=-1)[..., 0]


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Compute the mean of the squared differences over the last axis, per row.

    Examples
    --------
    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).tolist()
    [0.5]
    """
    target = _real(y_true, "y_true")
    prediction = _real(y_pred, "y_pred")
    if target.shape != prediction.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {target.shape} and "
            f"{prediction.shape}."
        )
    return np.mean((prediction - target) ** 2, axis=-1)


# --------------------------------------------------------------------------- optimizers


@dataclass(frozen=True)
class Surface:
    """A loss surface of two variables, with its gradient in closed form."""

    name: str
    formula: str  # LaTeX, for the figure's title
    value: Callable[[np.ndarray], np.ndarray]  # points (..., 2) -> values (...)
    gradient: Callable[[np.ndarray], np.ndarray]  # points (..., 2) -> gradients (..., 2)
    minimum: tuple[float, float]
    start: tuple[float, float]
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def _bowl(p: np.ndarray) -> np.ndarray:
    return 0.1 * p[..., 0] ** 2 + 2.0 * p[..., 1] ** 2


def _bowl_gradient(p: np.ndarray) -> np.ndarray:
    return np.stack([0.2 * p[..., 0], 4.0 * p[..., 1]], axis=-1)


def _rosenbrock(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_gradient(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    return np.stack([-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)], axis=-1)


#: Test surfaces: a narrow bowl (20 times steeper across than along) and Rosenbrock's
#: curved valley.
SURFACES: dict[str, Surface] = {
    "bowl": Surface(
        "bowl",
        r"$f(x, y) = 0.1x^2 + 2y^2$",
        _bowl,
        _bowl_gradient,
        minimum=(0.0, 0.0),
        start=(-5.0, -2.0),
        x_range=(-5.5, 1.5),
        y_range=(-3.0, 3.0),
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        r"$f(x, y) = (1 - x)^2 + 100(y - x^2)^2$",
        _rosenbrock,
        _rosenbrock_gradient,
        minimum=(1.0, 1.0),
        start=(-1.5, 2.0),
        x_range=(-2.0, 2.0),
        y_range=(-1.0, 3.0),
    ),
}

#: The optimizers :func:`make_optimizer` knows.
OPTIMIZER_NAMES: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def make_optimizer(name: str, learning_rate: float | None = None) -> keras.optimizers.Optimizer:
    """Return a fresh Keras optimizer by name.

    Parameters
    ----------
    name
        ``"sgd"`` (plain gradient descent), ``"momentum"`` (SGD with momentum 0.9),
        ``"nesterov"`` (SGD with Nesterov momentum 0.9), ``"adagrad"``, ``"rmsprop"`` or
        ``"adam"``.
    learning_rate
        Step size; default Keras' own (0.01 for SGD, 0.001 for Adagrad, RMSprop and Adam).

    Returns
    -------
    keras.optimizers.Optimizer
        A new instance: an optimizer keeps state per variable, so each model needs its own.

    Examples
    --------
    >>> make_optimizer("momentum", 0.1).momentum
    0.9
    >>> make_optimizer("nesterov").nesterov
    True
    """
    import keras

    _checks.choice("name", name, OPTIMIZER_NAMES)
    rate = (
        {}
        if learning_rate is None
        else {"learning_rate": _checks.positive("learning_rate", learning_rate)}
    )
    if name == "sgd":
        return keras.optimizers.SGD(**rate)
    if name == "momentum":
        return keras.optimizers.SGD(momentum=0.9, **rate)
    if name == "nesterov":
        return keras.optimizers.SGD(momentum=0.9, nesterov=True, **rate)
    if name == "adagrad":
        return keras.optimizers.Adagrad(**rate)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(**rate)
    return keras.optimizers.Adam(**rate)


def _surface(surface: str | Surface) -> Surface:
    if isinstance(surface, Surface):
        return surface
    return SURFACES[_checks.choice("surface", surface, tuple(SURFACES))]


def optimizer_paths(
    surface: str | Surface = "bowl",
    optimizers: Iterable[str] = OPTIMIZER_NAMES,
    *,
    learning_rate: float | Mapping[str, float] = 0.1,
    steps: int = 50,
    start: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """Let each optimizer walk downhill on a surface and record where it steps.

    Each optimizer updates one :class:`keras.Variable` holding the point ``(x, y)`` with
    ``optimizer.apply_gradients``, exactly as it updates a network's weights; only the
    gradient comes from the surface's formula instead of backpropagation. This runs on
    every Keras backend.

    Parameters
    ----------
    surface
        A name in :data:`SURFACES` or a :class:`Surface`.
    optimizers
        Names from :data:`OPTIMIZER_NAMES`.
    learning_rate
        One step size for all, or a mapping from optimizer name to its step size.
    steps
        Number of updates.
    start
        The starting point; default the surface's.

    Returns
    -------
    dict
        Optimizer name to its path, an array ``(steps + 1, 2)`` starting at ``start``.

    Examples
    --------
    >>> paths = optimizer_paths("bowl", ["sgd"], steps=3)
    >>> paths["sgd"].shape
    (4, 2)
    >>> bool(SURFACES["bowl"].value(paths["sgd"][-1]) < SURFACES["bowl"].value(paths["sgd"][0]))
    True
    """
    import keras

    chosen = _surface(surface)
    names = _checks.iterable("optimizers", optimizers, "a sequence of optimizer names")
    steps = _checks.positive_int("steps", steps)
    if not names:
        _checks.fail("optimizers", names, f"at least one of {', '.join(OPTIMIZER_NAMES)}")
    for index, name in enumerate(names):
        _checks.choice(f"optimizers[{index}]", name, OPTIMIZER_NAMES)
    point = _checks.real_array("start", chosen.start if start is None else start)
    if point.shape != (2,):
        _checks.fail("start", start, "a point (x, y)")
    origin = point.astype(np.float32)
    paths = {}
    for name in names:
        rate = learning_rate[name] if isinstance(learning_rate, Mapping) else learning_rate
        optimizer = make_optimizer(name, rate)
        point = keras.Variable(origin, dtype="float32", name="point")
        path = [origin.copy()]
        for _ in range(steps):
            gradient = chosen.gradient(np.asarray(point.numpy(), dtype=np.float64))
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient, "float32"), point)])
            path.append(np.asarray(point.numpy(), dtype=np.float32))
        paths[name] = np.stack(path)
    return paths
