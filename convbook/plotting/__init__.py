"""Every figure the book draws, one submodule per topic.

Each function takes data (arrays, graphs, results), draws with labelled axes and a title
that says what to see, and returns the :class:`matplotlib.figure.Figure` it drew on.
Submodules import matplotlib themselves, so ``import convbook.plotting`` stays cheap.

Drawing into your own axes
--------------------------
A function that draws a single :class:`matplotlib.axes.Axes` takes an optional
``ax=``: given, it draws there (so you can place it in a figure of your own) and returns
that axes' figure; omitted, it makes a new figure. These are

* ``convolution.show_matrix``, ``pooling.show_values``;
* ``graphs.draw_wiring``, ``graphs.draw_receptive_field_growth``;
* ``data.show_image_values``, ``data.show_class_counts``;
* ``training.show_confusion_matrix``;
* ``speed.plot_throughputs``, ``speed.plot_step_times``.

Every other function draws several panels: a grid of images (``data.show_samples``,
``training.show_misclassified``, ``inspection.show_filters``,
``inspection.show_feature_maps``), a function beside its derivative or its log scale
(``training.show_activations``, ``show_softmax``, ``show_cross_entropy``,
``show_optimizer_paths``), one panel per quantity (``training.show_history``,
``show_histories``), or the steps of an operation side by side (the other functions of
``convolution``, ``pooling`` and ``graphs.draw_wiring_panels``). One Axes cannot hold
them, so these make their own figure, sized for the number of panels; take what you need
from ``fig.axes``.

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
speed
    Training throughput per setting, and the time of a step against the batch size.
animation
    The offline JavaScript player behind the animations of ``convolution``, ``pooling``
    and ``graphs`` (``animate_*``); each animation also has a ``show_*_frame`` still.
"""
