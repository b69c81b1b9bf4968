"""convbook: the library behind a runnable textbook on convolutional neural networks.

Importing the package is cheap: it loads no TensorFlow and no Keras. Each module
imports the heavy libraries it needs itself, so ``import convbook.datasets`` works
before TensorFlow is even installed.

Modules, from the ground up
---------------------------
settings
    Environment variables, read and validated in one place.
hardware, devices
    Facts about this machine's CPU; which device trains.
tables
    The one formatter behind every printed table.
datasets
    MNIST, Fashion-MNIST and Kuzushiji-MNIST from verified, offline-capable sources.
windows, convolution, pooling, graphs
    The mathematics of a convolutional layer: window arithmetic shared by the three.
activations
    Activation functions, losses and optimizer paths in NumPy, checked against Keras.
models
    The networks of the book, one registry of builders.
training, recipes, run_cache
    Preparing data, training, evaluating; the book's named runs; trained runs kept
    between builds.
comparisons, inspection, flops, speed
    Side-by-side runs; filters, feature maps and mistakes; arithmetic cost of a model;
    training throughput under different settings.
plotting
    Every figure the book draws.
cli
    The ``convbook`` command.

Argument checks live in the private module ``convbook._checks``: every public function
raises ``TypeError`` for a wrong type and ``ValueError`` for a wrong value, naming the
argument.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
