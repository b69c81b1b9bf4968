"""Chapter 04 of Part II, "Activations, losses and optimizers": PReLU, the losses, Adagrad
and Nesterov momentum.

The chapter (gallery/02_training/04_activations_losses_optimizers.py) runs once, in the book
build (without it, here in an empty working directory), and what its prose says about the new
sections and exercises 6 to 8 is checked against what it computed. The figure of the losses is
checked on its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convbook import devices

pytestmark = pytest.mark.slow

CHAPTER = (
    Path(__file__).resolve().parent.parent
    / "gallery"
    / "02_training"
    / "04_activations_losses_optimizers.py"
)
CLIPPED = -np.log(1e-7)  # the largest loss Keras' clipping allows, about 16.118


@pytest.fixture(scope="module")
def run(run_chapter, book_settings):
    """The chapter's globals after one run (the book build's, if it ran), and what it left."""
    chapter = run_chapter(CHAPTER, "activations_losses", env=book_settings)
    return chapter.namespace, chapter.left_behind


def test_the_chapter_leaves_no_files_behind(run):
    _, left_behind = run
    assert left_behind == []


# --------------------------------------------------------------------------- PReLU


def test_prelu_has_one_slope_per_value_or_per_channel(run):
    page, _ = run
    assert tuple(page["features"].shape) == (None, 26, 26, 32)
    assert page["conv"].count_params() == 3 * 3 * 32 + 32 == 320
    assert page["per_value"].count_params() == 26 * 26 * 32 == 21_632
    assert page["per_channel"].count_params() == 32
    # "far more weights than the convolution in front of it"
    assert page["per_value"].count_params() > 50 * page["conv"].count_params()
    # A new layer starts every slope at 0 (per_value is never given other slopes).
    assert not np.any(page["per_value"].get_weights()[0])


def test_prelu_formula_matches_keras(run):
    page, _ = run
    assert page["prelu_difference"] < 1e-6
    slopes, maps = page["slopes"], page["feature_maps"]
    assert slopes.min() < 0 < slopes.max()  # the check covers negative slopes too
    expected = np.maximum(maps, 0) + slopes * np.minimum(maps, 0)
    np.testing.assert_allclose(page["prelu_keras"], expected, atol=1e-6)


# --------------------------------------------------------------------------- losses


def test_every_numpy_loss_matches_keras(run):
    page, _ = run
    assert set(page["loss_differences"]) == {
        "mean_squared_error",
        "mean_absolute_error",
        "binary_crossentropy",
        "binary_crossentropy, from_logits",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "categorical_crossentropy, from_logits",
    }
    assert max(page["loss_differences"].values()) < 1e-5
    np.testing.assert_allclose(page["cce"], page["sparse_cce"], rtol=1e-6)
    # The from-logits formulas give the same numbers as the probabilities, where no clip bites.
    np.testing.assert_allclose(page["bce"], page["bce_from_logits"], rtol=1e-3)
    np.testing.assert_allclose(page["cce"], page["cce_from_logits"], rtol=1e-4)


def test_from_logits_is_exact_where_the_probability_is_clipped(run):
    page, _ = run
    clipped, exact = page["clipped_losses"], page["exact_losses"]
    np.testing.assert_allclose(exact, [5.0067, 20.0, 100.0], rtol=1e-4)
    assert clipped[0] == pytest.approx(exact[0], rel=1e-4)  # no clipping at p = 6.7e-3
    np.testing.assert_allclose(clipped[1:], CLIPPED, rtol=1e-4)  # stuck at -log(1e-7)


def test_mse_stops_pushing_a_confident_mistake_cross_entropy_does_not(run):
    page, _ = run
    assert page["finite_difference_error"] < 1e-6
    assert page["gradient_bce"][0] < -0.999  # "close to -1, a full push"
    assert abs(page["gradient_mse"][0]) < 1e-3  # "close to 0"
    assert page["push_ratio"] > 10_000
    # The worse the mistake, the less MSE does about it: -10 gets less than -5 or 0.
    assert abs(page["gradient_mse"][0]) < abs(page["gradient_mse"][1]) < 0.25


def test_one_outlier_drags_the_mse_line_not_the_mae_line(run):
    page, _ = run
    lines, exact, good = page["lines"], page["all_points"], page["good_points"]
    assert page["y_points"][27] == 12.0 and not page["good"][27] and page["good"].sum() == 29
    # Keras' MSE line is the least-squares line through all 30 points.
    np.testing.assert_allclose(lines["mse"], exact, atol=0.02)
    # The MAE line follows the 29 good points; the MSE line is pulled far off.
    np.testing.assert_allclose(lines["mae"], good, atol=0.1)
    assert abs(lines["mse"][0] - good[0]) > 1.0
    assert abs(lines["mae"][0] - 2.0) < 0.1 and abs(lines["mae"][1] - 1.0) < 0.1


# --------------------------------------------------------------------------- optimizers


def test_numpy_nesterov_and_adagrad_retrace_keras(run):
    page, _ = run
    assert list(page["paths"]) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    for name, path in page["numpy_paths"].items():
        np.testing.assert_allclose(path, page["paths"][name], atol=1e-5)


def test_adagrad_rates_only_fall_and_the_steep_direction_gets_the_smaller(run):
    page, _ = run
    rates = np.array(page["effective_rates"])
    assert np.all(np.diff(rates, axis=0) <= 0)
    assert rates[0, 1] < rates[0, 0] / 5  # y, twenty times steeper, gets a much smaller rate
    # "the sum soon stops growing": little change between steps 10 and 50.
    assert rates[49, 0] > 0.9 * rates[9, 0] and rates[49, 1] > 0.9 * rates[9, 1]


def test_nesterov_overshoots_less_and_adagrad_gets_lowest_on_the_bowl(run):
    page, _ = run
    assert 0 < page["overshoot"]["nesterov"] < page["overshoot"]["momentum"]
    assert min(page["after_50"], key=page["after_50"].get) == "adagrad"
    for name, value in page["after_50"].items():
        assert value < 0.05 * 10.5, name  # everything went downhill


def test_on_a_constant_slope_adagrad_slows_down_and_rmsprop_does_not(run):
    page, _ = run
    adagrad, rmsprop = np.array(page["adagrad_steps"]), np.array(page["rmsprop_steps"])
    t = np.arange(1, 1001)
    np.testing.assert_allclose(adagrad, 0.1 / np.sqrt(0.1 + t), rtol=1e-5)
    assert adagrad[99] == pytest.approx(adagrad[0] / 10, rel=0.1)  # like 1 / sqrt(t)
    assert rmsprop[0] > 0.1  # larger than eta while the average fills up
    np.testing.assert_allclose(rmsprop[[99, 999]], 0.1, rtol=1e-3)
    assert rmsprop.sum() > 10 * adagrad.sum()


def test_adagrad_and_nesterov_stay_out_of_the_real_comparison(run):
    page, _ = run
    runs = page["runs"]
    assert list(runs) == ["sgd", "momentum", "rmsprop", "adam"]
    mean = np.mean([result.wall_time_s for result in runs.values()])
    assert page["average_fit"] == pytest.approx(mean)


def test_the_optimizer_runs_share_the_precision_the_book_picks_for_the_network(run):
    page, _ = run
    precisions = {result.precision for result in page["runs"].values()}
    assert precisions == {devices.precision_policy(model_name="compact_cnn")}


# --------------------------------------------------------------------------- exercises


def test_exercise_6_mse_finds_the_mean_mae_the_median(run):
    page, _ = run
    times = page["times"]  # the loop's last case: the late delivery doubled
    assert times[-1] == 190.0
    assert page["best_mse"] == pytest.approx(np.mean(times), abs=0.006)
    assert np.mean(times) == pytest.approx(40.57, abs=0.01)
    assert page["best_mae"] == pytest.approx(np.median(times))
    assert np.median(times) == 16.0
    # the first case, 95 minutes: the mean moves with the outlier, the median does not
    first = times.copy()
    first[-1] = 95.0
    assert np.mean(first) == pytest.approx(27.0) and np.median(first) == 16.0


def test_exercise_7_prelu_slopes_leave_zero_a_little(run):
    page, _ = run
    assert [layer.count_params() for layer in page["prelu_layers"]] == [16, 32]
    import keras

    conv_weights = sum(
        layer.count_params()
        for layer in page["prelu_cnn"].layers
        if isinstance(layer, keras.layers.Conv2D)
    )
    assert conv_weights == (3 * 3 * 16 + 16) + (3 * 3 * 16 * 32 + 32) == 4800  # "thousands"
    for learned in page["learned_slopes"]:
        assert learned.min() < 0 < learned.max()  # some positive, some negative
        assert np.abs(learned).max() <= 57 * 0.001  # small: at most the rate per step
        assert np.unique(learned).size > 1  # different from channel to channel
    assert page["prelu_run"].test_accuracy > 0.5


def test_exercise_8_adagrad_at_its_default_rate_is_slow(run):
    page, _ = run
    accuracy = {name: result.test_accuracy for name, result in page["more_runs"].items()}
    assert accuracy["adagrad"] < accuracy["sgd (exercise 5)"]  # "behind even plain SGD"
    assert accuracy["adagrad"] < accuracy["adagrad, rate 0.01"] < accuracy["adam (exercise 5)"]
    assert 0.001 / np.sqrt(0.1) == pytest.approx(0.01 / 3, rel=0.06)  # "a third"
    rates = page["final_rates"]
    start = 0.001 / np.sqrt(0.1)
    assert rates.max() <= start * (1 + 1e-6)  # the sums only grow
    assert np.median(rates) > 0.95 * start  # most sums hardly left 0.1
    assert rates.min() < 0.8 * start  # the largest gradients already cut their rates
    ahead = page["momentum_ahead"]
    other = "nesterov" if ahead == "momentum" else "momentum"
    assert accuracy[ahead] >= accuracy[other]


# --------------------------------------------------------------------------- the figure


def test_show_losses_draws_the_losses_and_their_push():
    import matplotlib.pyplot as plt

    from convbook.activations import sigmoid
    from convbook.plotting import training as training_plots

    fig = training_plots.show_losses()
    ax_reg, ax_prob, ax_grad = fig.axes
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    error, squared = ax_reg.lines[0].get_data()
    np.testing.assert_allclose(squared, error**2)
    np.testing.assert_allclose(ax_reg.lines[1].get_ydata(), np.abs(error))
    p, cross_entropy = ax_prob.lines[0].get_data()
    np.testing.assert_allclose(cross_entropy, -np.log(p), atol=1e-6)
    z, push = ax_grad.lines[0].get_data()
    np.testing.assert_allclose(push, sigmoid(z) - 1)
    mse_push = ax_grad.lines[1].get_ydata()
    assert abs(mse_push[0]) < 1e-3 and push[0] < -0.999  # at z = -10
    assert fig._suptitle.get_text().startswith("Squared or absolute error")
    plt.close(fig)
