"""The book's networks, built by name: from a dense baseline to LeNet-5 and AlexNet.

Every builder returns a new, **uncompiled** :class:`keras.Model` made with Keras' functional
API from a :func:`keras.Input`, so its weights exist at once (``count_params()`` works
before any data is seen) and every layer has a short, readable name for inspection
(``conv1``, ``pool1``, ...). Images are channels last: ``input_shape = (height, width,
channels)``. Compiling, training and choosing a loss are :mod:`convbook.training`'s job;
:func:`ends_with_softmax` tells it whether a model outputs probabilities or logits.

=====================  ======================================================  ===========
name                   layers                                                  parameters
=====================  ======================================================  ===========
``dense_net``          flatten, 2 x (dense 512 + dropout), softmax             669,706
``simple_cnn``         conv 32, conv 64, pool, dropout, dense 128, dropout,    1,199,882
                       softmax
``compact_cnn``        conv 32, pool, conv 64, pool, dense 64, logits          121,930
``deep_cnn``           3 blocks of 3x3 convs (64, 128, 256 filters) and a      3,182,282
                       pool, dense 512, dense 512, softmax
``lenet5``             C1-S2-C3-S4-C5-F6-output on 32x32 (LeCun et al., 1998)  61,706
``alexnet``            5 convs, 3 pools, dense 4096 x 2, softmax on            62,378,344
                       227x227x3 (Krizhevsky et al., 2012), 1000 classes
``alexnet_small``      AlexNet's shape of design scaled to 28x28 images        347,274
``fast_cnn``           3 x (conv, [pool], batch norm, ReLU), softmax           29,402
``keras_example_cnn``  the Keras examples' MNIST convnet: 2 x (conv + pool),   34,826
                       dropout, softmax
=====================  ======================================================  ===========

The counts are for the default input shape and 10 classes (1000 for ``alexnet``).

The package is arranged by job: :mod:`~convbook.models.registry` holds one record per
model (builder, default input shape, description) and builds by name without importing
Keras until a model is built; the builders live by family in
:mod:`~convbook.models.tutorial`, :mod:`~convbook.models.classic` and
:mod:`~convbook.models.fast`; :mod:`~convbook.models.assembly` puts their layers together.
Every builder is importable from here, and ``import convbook.models`` alone loads no Keras.

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

import importlib
from typing import TYPE_CHECKING, Any

from convbook.models.registry import (
    ALEXNET_SHAPE,
    LENET_SHAPE,
    MNIST_SHAPE,
    MODEL_NAMES,
    MODELS,
    ModelSpec,
    build,
    default_input_shape,
    source,
)

if TYPE_CHECKING:
    from convbook.models.assembly import ends_with_softmax
    from convbook.models.classic import LENET_ACTIVATIONS, alexnet, alexnet_small, lenet5
    from convbook.models.fast import fast_cnn, keras_example_cnn
    from convbook.models.tutorial import compact_cnn, deep_cnn, dense_net, simple_cnn

__all__ = [
    "ALEXNET_SHAPE",
    "LENET_ACTIVATIONS",
    "LENET_SHAPE",
    "MNIST_SHAPE",
    "MODELS",
    "MODEL_NAMES",
    "ModelSpec",
    "alexnet",
    "alexnet_small",
    "build",
    "compact_cnn",
    "deep_cnn",
    "default_input_shape",
    "source",
    "dense_net",
    "ends_with_softmax",
    "fast_cnn",
    "keras_example_cnn",
    "lenet5",
    "simple_cnn",
]

# Names that need Keras, and the module that defines each: imported on first use, so that
# the registry (and the command line's checks) work before TensorFlow loads.
_KERAS_NAMES: dict[str, str] = {
    **{name: spec.family for name, spec in MODELS.items()},
    "ends_with_softmax": "assembly",
    "LENET_ACTIVATIONS": "classic",
}


def __getattr__(name: str) -> Any:
    if name in _KERAS_NAMES:
        value = getattr(importlib.import_module(f"convbook.models.{_KERAS_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
