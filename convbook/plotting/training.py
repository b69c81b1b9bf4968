"""Figures of training: the functions a network is made of, learning curves and mistakes.

* Before training: activations and their derivatives, softmax, the cross-entropy loss, the
  regression and classification losses side by side, the paths optimizers take downhill
  (data from :mod:`convbook.activations`).
* After training: loss and accuracy per epoch (a Keras ``history`` dictionary), several runs
  compared, the confusion matrix and the misclassified test images.

Every function labels its axes, titles the figure with what to see and returns the
:class:`matplotlib.figure.Figure`. Matplotlib is imported inside the functions.

Examples
--------
>>> from convbook.plotting import training as training_plots
>>> history = {"loss": [0.9, 0.5], "accuracy": [0.7, 0.85],
...            "val_loss": [0.6, 0.4], "val_accuracy": [0.8, 0.88]}
>>> fig = training_plots.show_history(history)
>>> [ax.get_title() for ax in fig.axes]
['loss (lower is better)', 'accuracy (higher is better)']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from convbook import _checks
from convbook.plotting.convolution import show_matrix
from convbook.plotting.data import _image_grid, display_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "show_activations",
    "show_confusion_matrix",
    "show_cross_entropy",
    "show_histories",
    "show_history",
    "show_losses",
    "show_misclassified",
    "show_optimizer_paths",
    "show_softmax",
]


# --------------------------------------------------------------------------- before training


def show_activations(
    names: Sequence[str] = ("sigmoid", "tanh", "relu"),
    x_range: tuple[float, float] = (-5.0, 5.0),
    title: str | None = None,
) -> Figure:
    """Plot activation functions (top) above their derivatives (bottom).

    Parameters
    ----------
    names
        Keys of :data:`convbook.activations.ACTIVATIONS`.
    x_range
        The inputs plotted.
    title
        The figure title; by default it points at the derivatives.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the functions and their derivatives.

    Examples
    --------
    >>> fig = show_activations(["relu"])
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['relu']
    """
    import matplotlib.pyplot as plt

    from convbook.activations import ACTIVATIONS

    if isinstance(names, str) or not names:
        _checks.fail(
            "names",
            names,
            "a non-empty sequence of activation names",
            TypeError if isinstance(names, str) else ValueError,
        )
    for index, name in enumerate(names):
        _checks.choice(f"names[{index}]", name, tuple(ACTIVATIONS))
    x = np.linspace(*x_range, 801)
    fig, (ax_f, ax_d) = plt.subplots(2, 1, figsize=(8.5, 6.4), sharex=True, layout="constrained")
    for name in names:
        function, derivative = ACTIVATIONS[name]
        (line,) = ax_f.plot(x, function(x), label=name, linewidth=2)
        ax_d.plot(x, derivative(x), label=f"{name}'", color=line.get_color(), linewidth=2)
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
        ax.legend()
    ax_f.set_ylabel("activation f(x)")
    ax_f.set_title("the functions")
    ax_d.set_ylabel("derivative f'(x)")
    ax_d.set_xlabel("input x (a neuron's weighted sum)")
    ax_d.set_title("their derivatives: the factor each layer multiplies gradients by")
    fig.suptitle(
        title or "Sigmoid and tanh flatten out, so their gradients vanish; ReLU's stays 1 for x > 0"
    )
    return fig


def show_softmax(
    scores: ArrayLike,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw a vector of scores (logits) next to the probabilities softmax makes of them.

    Parameters
    ----------
    scores
        One score per class.
    class_names
        Names for the bars; default the class indices.
    title
        The figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the scores and the probabilities, each bar labelled with its value.

    Examples
    --------
    >>> fig = show_softmax([2.0, 1.0, 0.1])
    >>> fig.axes[1].get_ylabel()
    'probability'
    """
    import matplotlib.pyplot as plt

    from convbook.activations import softmax

    values = np.asarray(scores, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"scores must be a 1-D array of at least 2 scores; got {values.shape}.")
    names = [str(k) for k in range(values.size)] if class_names is None else list(class_names)
    if len(names) != values.size:
        raise ValueError(f"class_names has {len(names)} names for {values.size} scores.")
    probabilities = softmax(values)
    fig, (ax_s, ax_p) = plt.subplots(1, 2, figsize=(10.0, 3.8), layout="constrained")
    for ax, data, label, fmt in (
        (ax_s, values, "score (logit)", "{:.2f}"),
        (ax_p, probabilities, "probability", "{:.3f}"),
    ):
        bars = ax.bar(names, data, color="tab:blue" if ax is ax_s else "tab:orange")
        ax.bar_label(bars, labels=[fmt.format(v) for v in data], fontsize=8)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xlabel("class")
        ax.set_ylabel(label)
        ax.margins(y=0.15)
    ax_s.set_title("scores: any real numbers")
    ax_p.set_title(f"softmax: positive, summing to {probabilities.sum():.3f}")
    fig.suptitle(title or "Softmax keeps the order of the scores and turns them into probabilities")
    return fig


def show_cross_entropy(epsilon: float = 1e-7, title: str | None = None) -> Figure:
    """Plot the loss ``-log p`` against ``p``, the probability given to the right class.

    Parameters
    ----------
    epsilon
        The clipping bound of :func:`convbook.activations.categorical_crossentropy`;
        the curve is computed with that function, so it flattens at ``-log(epsilon)``.
    title
        The figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_cross_entropy()
    >>> fig.axes[0].get_xlabel()
    'probability given to the correct class'
    """
    import matplotlib.pyplot as plt

    from convbook.activations import categorical_crossentropy

    p = np.concatenate([np.geomspace(1e-9, 0.01, 200), np.linspace(0.01, 1.0, 400)])
    two_class = np.stack([p, 1.0 - p], axis=-1)  # the rest of the probability on a wrong class
    target = np.broadcast_to([1.0, 0.0], two_class.shape)
    loss = categorical_crossentropy(target, two_class, epsilon=epsilon)
    fig, (ax, ax_log) = plt.subplots(1, 2, figsize=(10.0, 3.9), layout="constrained")
    for axes, scale in ((ax, "linear"), (ax_log, "log")):
        axes.plot(p, loss, linewidth=2, color="tab:red")
        axes.set_xscale(scale)
        axes.set_xlabel("probability given to the correct class")
        axes.set_ylabel("cross-entropy loss  -log p")
        axes.grid(alpha=0.3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 6)
    for probability in (0.9, 0.5, 0.1):
        ax.annotate(
            f"p={probability}: loss {-np.log(probability):.2f}",
            (probability, -np.log(probability)),
            xytext=(-40 if probability > 0.8 else 8, 12),
            textcoords="offset points",
            fontsize=8,
        )
        ax.plot(probability, -np.log(probability), "o", color="black", markersize=4)
    ax.set_title("confident and right costs almost nothing", fontsize=10)
    ax_log.set_title(
        f"log scale: a confident mistake costs at most -log({epsilon:g}) = {-np.log(epsilon):.1f}",
        fontsize=10,
    )
    fig.suptitle(title or "Cross-entropy punishes a wrong answer more the more confident it was")
    return fig


def show_losses(title: str | None = None) -> Figure:
    """Compare the common losses: for a number, for a probability, and their push on a score.

    Three panels, each computed in NumPy here:

    * the squared and the absolute error against the error ``prediction - target``;
    * binary cross-entropy ``-log p`` (clipped at ``1e-7``, as Keras does), squared error
      ``(1 - p)**2`` and absolute error ``1 - p`` against ``p``, the probability given to
      the true answer of a yes/no question whose answer is yes;
    * the derivative of each of those three with respect to the score ``z`` that a sigmoid
      turned into ``p = sigmoid(z)``: ``p - 1``, ``-2 p (1 - p)**2`` and ``-p (1 - p)``.

    Parameters
    ----------
    title
        The figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes, one per panel.

    Examples
    --------
    >>> fig = show_losses()
    >>> [ax.get_xlabel() for ax in fig.axes][1]
    'probability p given to the true answer (yes)'
    """
    import matplotlib.pyplot as plt

    from convbook.activations import EPSILON, sigmoid

    fig, (ax_reg, ax_prob, ax_grad) = plt.subplots(1, 3, figsize=(14.0, 4.2), layout="constrained")
    error = np.linspace(-3.0, 3.0, 601)
    ax_reg.plot(error, error**2, linewidth=2, label="squared error (MSE)")
    ax_reg.plot(error, np.abs(error), linewidth=2, label="absolute error (MAE)")
    ax_reg.set_xlabel("error: prediction - target")
    ax_reg.set_ylabel("loss of one prediction")
    ax_reg.set_title("a number: squaring makes big misses count most", fontsize=10)

    p = np.linspace(0.001, 1.0, 1000)
    ax_prob.plot(
        p,
        -np.log(np.clip(p, EPSILON, 1 - EPSILON)),
        linewidth=2,
        color="tab:red",
        label="binary cross-entropy  -log p",
    )
    ax_prob.plot(p, (1 - p) ** 2, linewidth=2, color="tab:blue", label="squared error (1 - p)²")
    ax_prob.plot(p, 1 - p, linewidth=2, color="tab:orange", label="absolute error 1 - p")
    ax_prob.set_ylim(0, 5)
    ax_prob.set_xlabel("probability p given to the true answer (yes)")
    ax_prob.set_ylabel("loss")
    ax_prob.set_title("a probability: only cross-entropy grows without bound", fontsize=10)

    z = np.linspace(-10.0, 10.0, 801)
    q = sigmoid(z)
    ax_grad.plot(z, q - 1, linewidth=2, color="tab:red", label="binary cross-entropy: p - 1")
    ax_grad.plot(z, -2 * q * (1 - q) ** 2, linewidth=2, color="tab:blue", label="squared error")
    ax_grad.plot(z, -q * (1 - q), linewidth=2, color="tab:orange", label="absolute error")
    ax_grad.set_xlabel("score z (logit), p = sigmoid(z)")
    ax_grad.set_ylabel("d loss / d z")
    ax_grad.set_title("confidently wrong (z << 0): only cross-entropy still pushes", fontsize=10)
    for ax in (ax_reg, ax_prob, ax_grad):
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        title
        or "Squared or absolute error for numbers; cross-entropy for probabilities, "
        "because it keeps pushing a confident mistake"
    )
    return fig


def show_optimizer_paths(
    paths: Mapping[str, ArrayLike],
    surface: str = "bowl",
    title: str | None = None,
) -> Figure:
    """Draw each optimizer's path over the contour lines of a surface, and its loss per step.

    Parameters
    ----------
    paths
        Optimizer name to an array of points ``(steps + 1, 2)``, as
        :func:`convbook.activations.optimizer_paths` returns.
    surface
        The name of the surface in :data:`convbook.activations.SURFACES` they walked on.
    title
        The figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the paths on the contour map, and the loss after each step (log scale).

    Examples
    --------
    >>> fig = show_optimizer_paths({"sgd": np.array([[-5.0, -2.0], [-4.0, 1.0], [0.0, 0.0]])})
    >>> fig.axes[0].get_xlabel(), len(fig.axes)
    ('x', 2)
    """
    import matplotlib.pyplot as plt

    from convbook.activations import SURFACES

    _checks.choice("surface", surface, tuple(SURFACES))
    if not paths:
        _checks.fail("paths", paths, "a mapping with at least one optimizer's path")
    chosen = SURFACES[surface]
    arrays = {name: np.asarray(points, dtype=float) for name, points in paths.items()}
    for name, points in arrays.items():
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"paths[{name!r}] must be (steps, 2) points; got {points.shape}.")
    grid_x, grid_y = np.meshgrid(
        np.linspace(*chosen.x_range, 300), np.linspace(*chosen.y_range, 300)
    )
    heights = chosen.value(np.stack([grid_x, grid_y], axis=-1))
    levels = np.geomspace(max(float(heights.min()), 1e-3), float(heights.max()), 14)
    fig, (ax_map, ax_loss) = plt.subplots(
        1, 2, figsize=(12.0, 4.8), layout="constrained", width_ratios=[1.3, 1.0]
    )
    ax_map.contour(grid_x, grid_y, heights, levels=levels, colors="grey", linewidths=0.7)
    ax_map.plot(*chosen.minimum, "*", color="black", markersize=14, label="minimum")
    for name, points in arrays.items():
        (line,) = ax_map.plot(
            points[:, 0], points[:, 1], "o-", markersize=2.5, linewidth=1.2, label=name
        )
        ax_loss.plot(
            np.arange(len(points)),
            chosen.value(points),
            color=line.get_color(),
            label=name,
            linewidth=1.8,
        )
    start = next(iter(arrays.values()))[0]
    ax_map.plot(*start, "s", color="black", markersize=6, label="start")
    ax_map.set_xlim(chosen.x_range)
    ax_map.set_ylim(chosen.y_range)
    ax_map.set_xlabel("x")
    ax_map.set_ylabel("y")
    ax_map.set_title(f"paths on the contour lines of {chosen.formula}")
    ax_map.legend(fontsize=8)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss f(x, y) (log scale)")
    ax_loss.set_title("loss after each step")
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(fontsize=8)
    fig.suptitle(title or "The same gradients, different update rules: different roads downhill")
    return fig


# --------------------------------------------------------------------------- after training


def _accuracy_key(history: Mapping[str, Sequence[float]]) -> str | None:
    if "accuracy" in history:
        return "accuracy"
    candidates = [key for key in history if key.endswith("accuracy") and not key.startswith("val_")]
    return candidates[0] if candidates else None


def _epochs(values: Sequence[float]) -> np.ndarray:
    return np.arange(1, len(values) + 1)


def _integer_epochs(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def show_history(history: Mapping[str, Sequence[float]], title: str | None = None) -> Figure:
    """Plot loss and accuracy per epoch, training against validation, in two panels.

    Parameters
    ----------
    history
        A Keras ``History.history`` dictionary (or :attr:`TrainingResult.history`): at least
        ``"loss"``; ``"val_loss"``, ``"accuracy"`` and ``"val_accuracy"`` when present.
    title
        The figure title; by default it says what a gap between the curves means.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (loss, accuracy); one when the history has no accuracy.

    Raises
    ------
    ValueError
        If ``"loss"`` is missing or empty.

    Examples
    --------
    >>> fig = show_history({"loss": [1.0, 0.5]})
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (1, 'epoch')
    """
    import matplotlib.pyplot as plt

    if "loss" not in history or not len(history["loss"]):
        raise ValueError(
            f"history must hold a non-empty 'loss' list (a Keras History.history); "
            f"got keys {sorted(history)}."
        )
    accuracy = _accuracy_key(history)
    panels = [("loss", "loss (lower is better)")]
    if accuracy is not None:
        panels.append((accuracy, "accuracy (higher is better)"))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5.2 * len(panels), 3.8), layout="constrained", squeeze=False
    )
    for ax, (key, panel_title) in zip(axes[0], panels, strict=True):
        for name, label, style in ((key, "training", "o-"), (f"val_{key}", "validation", "s--")):
            if name in history and len(history[name]):
                ax.plot(_epochs(history[name]), history[name], style, label=label, markersize=4)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(panel_title)
        ax.grid(alpha=0.3)
        ax.legend()
        _integer_epochs(ax)
    fig.suptitle(
        title or "Training vs. validation: a widening gap means the network starts to overfit"
    )
    return fig


def show_histories(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    keys: Sequence[str] = ("val_loss", "val_accuracy"),
    title: str | None = None,
) -> Figure:
    """Compare several runs: one panel per quantity, one line per run.

    Parameters
    ----------
    histories
        Run name (e.g. the optimizer) to its Keras history dictionary.
    keys
        The quantities to plot, one panel each.
    title
        The figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per key.

    Examples
    --------
    >>> fig = show_histories({"sgd": {"val_loss": [1.0, 0.8], "val_accuracy": [0.6, 0.7]},
    ...                       "adam": {"val_loss": [0.5, 0.3], "val_accuracy": [0.8, 0.9]}})
    >>> [len(ax.lines) for ax in fig.axes]
    [2, 2]
    """
    import matplotlib.pyplot as plt

    if not histories:
        _checks.fail("histories", histories, "a mapping with at least one run")
    missing = {
        run: [key for key in keys if key not in history] for run, history in histories.items()
    }
    missing = {run: absent for run, absent in missing.items() if absent}
    if missing or not keys:
        raise ValueError(f"every history needs the keys {list(keys)}; missing: {missing}.")
    fig, axes = plt.subplots(
        1, len(keys), figsize=(5.2 * len(keys), 3.8), layout="constrained", squeeze=False
    )
    for ax, key in zip(axes[0], keys, strict=True):
        for run, history in histories.items():
            ax.plot(_epochs(history[key]), history[key], "o-", label=run, markersize=4)
        better = "lower" if key.endswith("loss") else "higher"
        ax.set_title(f"{key} ({better} is better)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
        _integer_epochs(ax)
    fig.suptitle(title or "The same network and data, trained differently, epoch by epoch")
    return fig


def show_confusion_matrix(
    matrix: ArrayLike, class_names: Sequence[str], title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Draw a confusion matrix: row = true class, column = predicted class, counts written in.

    Parameters
    ----------
    matrix
        A square array of counts, ``matrix[i, j]`` = test examples of class ``i`` predicted
        as ``j`` (e.g. :func:`convbook.training.confusion_matrix`).
    class_names
        One name per class.
    title
        The axes title; by default it says where to look.
    ax
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_confusion_matrix([[5, 1], [0, 4]], ["cat", "dog"])
    >>> fig.axes[0].get_xlabel(), [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ('predicted class', ['cat', 'dog'])
    """
    import matplotlib.pyplot as plt

    counts = np.asarray(matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"matrix must be square (classes, classes); got shape {counts.shape}.")
    if counts.shape[0] != len(class_names):
        raise ValueError(
            f"matrix is {counts.shape[0]}x{counts.shape[0]} but there are "
            f"{len(class_names)} class names."
        )
    if ax is None:
        side = max(4.5, 0.62 * len(class_names) + 2.4)
        _, ax = plt.subplots(figsize=(side + 0.6, side), layout="constrained")
    show_matrix(counts, ax, cmap="Blues", xlabel="predicted class", ylabel="true class")
    names = [display_name(name) for name in class_names]
    ax.set_xticks(
        range(len(names)),
        names,
        rotation=45 if max(map(len, names)) > 3 else 0,
        ha="right" if max(map(len, names)) > 3 else "center",
    )
    ax.set_yticks(range(len(names)), names)
    correct = int(np.trace(counts))
    ax.set_title(
        title
        or f"Confusion matrix: {correct} of {int(counts.sum())} on the diagonal are right; "
        "off-diagonal cells are mistakes",
        fontsize=10,
    )
    return ax.figure


def show_misclassified(
    images: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    class_names: Sequence[str],
    limit: int = 16,
    n_cols: int = 8,
    title: str | None = None,
) -> Figure:
    """Show the first test images the network got wrong, with the true and predicted labels.

    Parameters
    ----------
    images
        All the test images ``(N, height, width[, 1])``; the function picks the wrong ones.
    y_true, y_pred
        True and predicted labels for every image (integers, or one-hot/probability rows).
    class_names
        One name per class.
    limit
        Show at most this many mistakes.
    n_cols
        Images per row.
    title
        The figure title; by default it says how many mistakes there are.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per mistake shown (a single axes saying so when there is none).

    Examples
    --------
    >>> fig = show_misclassified(np.zeros((3, 4, 4)), [0, 1, 1], [0, 0, 1], ["a", "b"])
    >>> [ax.get_title().splitlines() for ax in fig.axes]
    [['true b', 'predicted a']]
    """
    import matplotlib.pyplot as plt

    from convbook.inspection import misclassified

    stack = np.asarray(images)
    if stack.ndim == 4 and stack.shape[-1] == 1:
        stack = stack[..., 0]
    limit = _checks.positive_int("limit", limit)
    n_cols = _checks.positive_int("n_cols", n_cols)
    truth = np.asarray(y_true)
    truth = truth.argmax(axis=-1) if truth.ndim == 2 else truth
    predicted = np.asarray(y_pred)
    predicted = predicted.argmax(axis=-1) if predicted.ndim == 2 else predicted
    if stack.ndim not in (3, 4) or len(stack) != len(truth):
        raise ValueError(
            f"images must be (N, height, width) with one label each; got images {stack.shape} "
            f"and {len(truth)} labels."
        )
    wrong = misclassified(truth, predicted)
    shown = wrong[:limit]
    if not len(shown):
        fig, ax = plt.subplots(figsize=(5.0, 1.6), layout="constrained")
        ax.text(0.5, 0.5, f"all {len(truth)} images are classified correctly", ha="center")
        ax.set_axis_off()
        fig.suptitle(title or "No misclassified images")
        return fig
    n_cols = min(n_cols, len(shown))
    titles = [
        f"true {display_name(class_names[truth[index]])}\n"
        f"predicted {display_name(class_names[predicted[index]])}"
        for index in shown
    ]
    fig = _image_grid(
        stack[shown],
        titles,
        -(-len(shown) // n_cols),
        n_cols,
        cell=(1.45, 1.75),
        title_size=8,
        remove_blank=True,
    )
    fig.supxlabel(f"the first {len(shown)} mistakes, in test-set order", fontsize=9)
    fig.suptitle(
        title or f"{len(wrong)} of {len(truth)} test images misclassified: are they hard to read?"
    )
    return fig
