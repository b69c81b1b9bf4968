"""The one registry of the book's networks: a record per model, and building by name.

Each :class:`ModelSpec` names the model, the family module of :mod:`convbook.models` whose
function of the same name builds it, the input shape it is designed for and one line
saying what it is. :data:`MODEL_NAMES`, :func:`default_input_shape` and :func:`build` all
read this one table. The registry imports no Keras: the command line checks a model name
before TensorFlow starts; the builder's module is imported only when a model is built.

Examples
--------
>>> from convbook.models import registry
>>> registry.MODELS["lenet5"].input_shape
(32, 32, 1)
>>> registry.MODELS["lenet5"].builder.__module__
'convbook.models.classic'
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from convbook import _checks

if TYPE_CHECKING:
    import keras

Family = Literal["tutorial", "classic", "fast"]

#: An MNIST-style image: 28x28 pixels, one grey channel.
MNIST_SHAPE: tuple[int, int, int] = (28, 28, 1)
#: LeNet-5's input: MNIST's 28x28 digits padded by 2 pixels on every side.
LENET_SHAPE: tuple[int, int, int] = (32, 32, 1)
#: AlexNet's input: a 227x227 colour image.
ALEXNET_SHAPE: tuple[int, int, int] = (227, 227, 3)


@dataclass(frozen=True)
class ModelSpec:
    """One network of the book: its name, builder, default input shape and description.

    Attributes
    ----------
    name
        The model's name, the name of its builder function and the built model's ``.name``.
    family
        The module of :mod:`convbook.models` that holds the builder: ``"tutorial"``,
        ``"classic"`` or ``"fast"``.
    input_shape
        The ``(height, width, channels)`` the model is designed for.
    description
        One line: the layers, in short.
    """

    name: str
    family: Family
    input_shape: tuple[int, int, int]
    description: str

    @property
    def builder(self) -> Callable[..., keras.Model]:
        """The function that builds this model (its module is imported on first use)."""
        module = importlib.import_module(f"convbook.models.{self.family}")
        return getattr(module, self.name)


#: Every model, by name, in the book's order.
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "dense_net",
            "tutorial",
            MNIST_SHAPE,
            "flatten, 2 x (dense 512 + dropout), softmax",
        ),
        ModelSpec(
            "simple_cnn",
            "tutorial",
            MNIST_SHAPE,
            "conv 32, conv 64, pool, dropout, dense 128, dropout, softmax",
        ),
        ModelSpec(
            "compact_cnn",
            "tutorial",
            MNIST_SHAPE,
            "conv 32, pool, conv 64, pool, dense 64, logits",
        ),
        ModelSpec(
            "deep_cnn",
            "tutorial",
            MNIST_SHAPE,
            "3 blocks of 3x3 convs (64, 128, 256 filters) and a pool, dense 512 x 2, softmax",
        ),
        ModelSpec(
            "lenet5",
            "classic",
            LENET_SHAPE,
            "C1-S2-C3-S4-C5-F6-output on 32x32 (LeCun et al., 1998)",
        ),
        ModelSpec(
            "alexnet",
            "classic",
            ALEXNET_SHAPE,
            "5 convs, 3 pools, dense 4096 x 2, softmax on 227x227x3 (Krizhevsky et al., 2012)",
        ),
        ModelSpec(
            "alexnet_small",
            "classic",
            MNIST_SHAPE,
            "AlexNet's shape of design scaled to 28x28 images",
        ),
        ModelSpec(
            "fast_cnn",
            "fast",
            MNIST_SHAPE,
            "3 x (conv + batch norm + ReLU), 2 pools, softmax",
        ),
        ModelSpec(
            "keras_example_cnn",
            "fast",
            MNIST_SHAPE,
            "the Keras examples' MNIST convnet: 2 x (conv + pool), dropout, softmax",
        ),
    )
}

#: The model names, in the book's order.
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)


def spec(name: str) -> ModelSpec:
    """Return the record of the model called ``name``.

    Raises
    ------
    TypeError, ValueError
        If ``name`` is not a string, or not a model here (the message lists the names).

    Examples
    --------
    >>> spec("fast_cnn").family
    'fast'
    """
    return MODELS[_checks.choice("name", name, MODEL_NAMES)]


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
    TypeError, ValueError
        If ``name`` is unknown.

    Examples
    --------
    >>> default_input_shape("lenet5")
    (32, 32, 1)
    >>> default_input_shape("fast_cnn")
    (28, 28, 1)
    """
    return spec(name).input_shape


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
        included (call :func:`~convbook.models.alexnet` for its 1000-class default).
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
        If an argument has the wrong type, or ``kwargs`` holds an option the builder
        does not have.

    Examples
    --------
    >>> build("lenet5").count_params()
    61706
    >>> build("simple_cnn", num_classes=3).output_shape
    (None, 3)
    >>> build("lenet5", activation="relu").get_layer("c1").activation.__name__
    'relu'
    """
    record = spec(name)
    if input_shape is None:
        input_shape = record.input_shape
    return record.builder(input_shape=input_shape, num_classes=num_classes, **kwargs)


def source(name: str) -> str:
    """Return the Keras code that builds the model called ``name``, without its docstring.

    The chapters print it next to a run, so the page shows the network's definition from
    the one place it is written. The builders stack plain Keras layers; two small helpers
    recur in them: ``softmax_output(n)`` is ``layers.Dense(n, activation="softmax")``,
    and ``assemble(name, input_shape, stack)`` feeds a ``keras.Input(shape=input_shape)``
    through the layers of ``stack`` in order and wraps the result in a ``keras.Model``.

    Parameters
    ----------
    name
        One of :data:`MODEL_NAMES`.

    Returns
    -------
    str
        The builder function's source, its docstring left out.

    Examples
    --------
    >>> code = source("compact_cnn")
    >>> code.splitlines()[0]
    'def compact_cnn('
    >>> "layers.Conv2D(32" in code and "Examples" not in code
    True
    """
    builder = spec(name).builder
    code = textwrap.dedent(inspect.getsource(builder))
    function = ast.parse(code).body[0]
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant):
        lines = code.splitlines()
        del lines[first.lineno - 1 : first.end_lineno]
        code = "\n".join(lines) + "\n"
    return code
