"""Every figure the book draws, one submodule per topic.

Each function takes data (arrays, graphs, results) and an optional
:class:`matplotlib.axes.Axes`, draws with labelled axes and a title that says what to
see, and returns the :class:`matplotlib.figure.Figure` (or the axes) it drew on.
Submodules import matplotlib themselves, so ``import convbook.plotting`` stays cheap.

Submodules
----------
convolution
    Kernels, image patches and filtered images.
pooling
    Input and pooled matrices with their values written in.
graphs
    Dense vs. convolutional wiring, receptive fields.
data
    Images with their pixel values, sample grids, class counts.
training
    Training curves, confusion matrices, mistakes, activations, losses, optimizer paths.
inspection
    Learned filters and feature maps.
"""
