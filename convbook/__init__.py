"""convbook: the library behind a runnable textbook on convolutional neural networks.

Importing the package is cheap: it loads no TensorFlow and no Keras. Each module
imports the heavy libraries it needs itself, so ``import convbook.datasets`` works
before TensorFlow is even installed.

Modules
-------
settings
    Environment variables, read and validated in one place.
datasets
    MNIST, Fashion-MNIST and Kuzushiji-MNIST from verified, offline-capable sources.
convolution, pooling, graphs
    The mathematics of a convolutional layer.
devices
    Which device (CPU or GPU) trains, described in one line.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
