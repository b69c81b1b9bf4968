import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convbook import activations
from convbook.plotting import training as training_plots

HISTORY = {
    "loss": [0.9, 0.5, 0.4],
    "accuracy": [0.70, 0.85, 0.88],
    "val_loss": [0.6, 0.45, 0.47],
    "val_accuracy": [0.80, 0.86, 0.87],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def titled(fig):
    return fig.get_suptitle() or fig.axes[0].get_title()


# ----------------------------------------------------------------- before training


def test_show_activations_draws_functions_and_derivatives():
    fig = training_plots.show_activations(["sigmoid", "relu"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    functions, derivatives = fig.axes
    assert derivatives.get_xlabel() and functions.get_ylabel() and derivatives.get_ylabel()
    x, y = derivatives.lines[0].get_data()
    np.testing.assert_allclose(y, activations.sigmoid_gradient(x))
    assert "vanish" in fig.get_suptitle()
    with pytest.raises(ValueError, match="names\\[0\\] must be one of 'relu', .*; got 'swish'"):
        training_plots.show_activations(["swish"])
    with pytest.raises(TypeError, match="names must be a non-empty sequence"):
        training_plots.show_activations("relu")


def test_show_softmax_bars_are_the_probabilities():
    scores = np.array([3.0, 1.0, -2.0])
    fig = training_plots.show_softmax(scores, ["a", "b", "c"])
    assert len(fig.axes) == 2 and titled(fig)
    heights = [bar.get_height() for bar in fig.axes[1].patches]
    np.testing.assert_allclose(heights, activations.softmax(scores))
    assert "1.000" in fig.axes[1].get_title()
    with pytest.raises(ValueError, match="2 names for 3 scores"):
        training_plots.show_softmax(scores, ["a", "b"])


def test_show_cross_entropy_curve_is_minus_log_p_and_capped():
    fig = training_plots.show_cross_entropy()
    assert len(fig.axes) == 2 and titled(fig)
    p, loss = fig.axes[0].lines[0].get_data()
    middle = (p > 1e-6) & (p < 1 - 1e-6)
    np.testing.assert_allclose(loss[middle], -np.log(p[middle]), rtol=1e-5)
    assert loss.max() == pytest.approx(-np.log(activations.EPSILON), rel=1e-3)
    assert fig.axes[0].get_xlabel() == "probability given to the correct class"


def test_show_optimizer_paths_plots_each_path_and_its_loss():
    paths = activations.optimizer_paths("bowl", ["sgd", "adam"], learning_rate=0.3, steps=5)
    fig = training_plots.show_optimizer_paths(paths, "bowl")
    assert len(fig.axes) == 2 and titled(fig)
    ax_map, ax_loss = fig.axes
    assert ax_map.get_xlabel() == "x" and ax_loss.get_ylabel().startswith("loss")
    drawn = {line.get_label(): line for line in ax_loss.lines}
    np.testing.assert_allclose(
        drawn["adam"].get_ydata(), activations.SURFACES["bowl"].value(paths["adam"]), rtol=1e-6
    )
    with pytest.raises(ValueError, match="must be \\(steps, 2\\) points"):
        training_plots.show_optimizer_paths({"sgd": np.zeros(3)})


# ----------------------------------------------------------------- after training


def test_show_history_two_panels_train_and_validation():
    fig = training_plots.show_history(HISTORY)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "overfit" in fig.get_suptitle()
    loss_ax, accuracy_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    assert loss_ax.get_xlabel() == "epoch" and accuracy_ax.get_ylabel() == "accuracy"
    np.testing.assert_allclose(accuracy_ax.lines[1].get_ydata(), HISTORY["val_accuracy"])
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3])


def test_show_history_without_validation_or_accuracy():
    fig = training_plots.show_history({"loss": [1.0]}, title="one epoch")
    assert len(fig.axes) == 1 and fig.get_suptitle() == "one epoch"
    assert len(fig.axes[0].lines) == 1
    with pytest.raises(ValueError, match="non-empty 'loss'"):
        training_plots.show_history({"accuracy": [0.5]})


def test_show_histories_one_line_per_run():
    other = {key: [v * 0.9 for v in values] for key, values in HISTORY.items()}
    fig = training_plots.show_histories({"sgd": HISTORY, "adam": other})
    assert len(fig.axes) == 2 and titled(fig)
    assert [line.get_label() for line in fig.axes[0].lines] == ["sgd", "adam"]
    assert fig.axes[0].get_title() == "val_loss (lower is better)"
    with pytest.raises(ValueError, match="missing"):
        training_plots.show_histories({"sgd": {"loss": [1.0]}})


def test_show_confusion_matrix_counts_and_class_names():
    matrix = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = training_plots.show_confusion_matrix(matrix, ["cat", "dog", "fish"])
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == [str(v) for v in matrix.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "fish"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert f"{np.trace(matrix)} of {matrix.sum()}" in ax.get_title()
    with pytest.raises(ValueError, match="must be square"):
        training_plots.show_confusion_matrix(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="3 class names"):
        training_plots.show_confusion_matrix(np.zeros((2, 2)), ["a", "b", "c"])


def test_show_misclassified_shows_only_the_mistakes():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(30, 6, 6, 1), dtype=np.uint8)
    y_true = rng.integers(0, 3, size=30)
    y_pred = y_true.copy()
    wrong = [2, 5, 11, 17, 29]
    y_pred[wrong] = (y_true[wrong] + 1) % 3
    names = ["zero", "one", "two"]
    fig = training_plots.show_misclassified(images, y_true, y_pred, names, limit=4, n_cols=2)
    assert len(fig.axes) == 4
    assert "5 of 30" in fig.get_suptitle()
    for ax, index in zip(fig.axes, wrong, strict=False):
        assert ax.get_title() == f"true {names[y_true[index]]}\npredicted {names[y_pred[index]]}"
        np.testing.assert_array_equal(ax.images[0].get_array(), images[index, :, :, 0])


def test_show_misclassified_with_no_mistakes():
    fig = training_plots.show_misclassified(np.zeros((3, 4, 4)), [0, 1, 1], [0, 1, 1], ["a", "b"])
    assert len(fig.axes) == 1 and "No misclassified" in fig.get_suptitle()
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        training_plots.show_misclassified(np.zeros((1, 4, 4)), [0], [1], ["a", "b"], limit=0)
