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
``data.show_samples_per_class``, ``training.show_misclassified``, ``inspection.show_filters``,
``inspection.show_feature_maps``), a function beside its derivative or its log scale
(``training.show_activations``, ``show_softmax``, ``show_cross_entropy``,
``show_optimizer_paths``), one panel per quantity (``training.show_history``,
``show_histories``), or the steps of an operation side by side (the other functions of
``convolution``, ``pooling`` and ``graphs.draw_wiring_panels``). One Axes cannot hold
them, so these make their own figure, sized for the number of panels; take what you need
from ``fig.axes``. The ``show_*_frame`` stills of the animations also make their own
figure, laid out as the animation's.

Submodules
----------
convolution
    Kernels, image patches and filtered images.
pooling
    Input and pooled matrices with their values written in.
graphs
    Dense vs. convolutional wiring, receptive fields (takes graphs from
    :mod:`convbook.graphs`).
data
    Images with their pixel values, sample grids, class counts.
training
    Training curves, confusion matrices, mistakes, activations, losses, optimizer paths.
inspection
    Learned filters and feature maps.
speed
    Training throughput per setting, and the time of a step against the batch size.
convolution_animation
    The kernel sliding over an image, one output cell per frame
    (``animate_convolution``, ``show_convolution_frame``, ``convolution_frame``).
pooling_animation
    The pooling window stepping over the input, its value moving into the output
    (``animate_pooling``, ``show_pooling_frame``, ``pooling_frame``).
receptive_field_animation
    One unit followed down a stack of layers, its receptive field growing a level per frame
    (``animate_receptive_field``, ``show_receptive_field_frame``, ``receptive_field_frame``).
animation
    The offline JavaScript player behind the three ``animate_*`` functions. Each animation
    also has a ``show_*_frame`` still for print and a ``*_frame`` function returning the
    numbers a frame shows, for tests.
"""
