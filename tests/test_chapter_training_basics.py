"""What gallery/02_training/03_training_basics.py states, checked against its own recorded data.

The chapter runs once, in the book build (about a minute and a half on two CPU cores; without
the book build, here in an empty working directory); every test then recomputes a stated number
from the raw values the page recorded (steps counted, losses and clock readings, per-run
predictions) instead of trusting the page's own summaries.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

CHAPTER = (
    Path(__file__).resolve().parent.parent / "gallery" / "02_training" / "03_training_basics.py"
)


@pytest.fixture(scope="module")
def page(run_chapter, book_settings):
    """The chapter's globals after one run (the book build's, if it ran), plus what it printed."""
    chapter = run_chapter(CHAPTER, "training_basics", env=book_settings)
    return {**chapter.namespace, "_printed": chapter.printed, "_left_behind": chapter.left_behind}


# --------------------------------------------------------------------------- the page itself


def test_imports_nothing_from_convbook_but_datasets():
    tree = ast.parse(CHAPTER.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module)
    convbook_modules = {name for name in modules if name.split(".")[0] == "convbook"}
    assert convbook_modules == {"convbook.datasets"}
    assert {name.split(".")[0] for name in modules} <= {
        "time",
        "keras",
        "numpy",
        "matplotlib",
        "convbook",
    }


def test_leaves_no_files_behind(page):
    assert page["_left_behind"] == []


def test_the_stated_network_size(page):
    assert page["build_model"]().count_params() == 13_610
    assert "13,610 weights" in page["_printed"]


def test_data_split_is_disjoint_and_sized(page):
    train_rows, val_rows = page["train_rows"], page["val_rows"]
    assert len(train_rows) == page["TRAIN_IMAGES"] == len(page["x_train"])
    assert len(val_rows) == page["VALIDATION_IMAGES"] == len(page["x_val"])
    assert not set(train_rows.tolist()) & set(val_rows.tolist())
    assert page["x_train"].dtype == np.float32
    assert 0.0 <= page["x_train"].min() and page["x_train"].max() <= 1.0


# --------------------------------------------------------------------------- 1. steps


def test_steps_per_epoch_is_ceil_n_over_b_and_what_keras_ran(page):
    n = len(page["x_train"])
    assert set(page["step_counts"]) == set(page["COUNTED_BATCH_SIZES"])
    for batch_size, counts in page["step_counts"].items():
        assert counts["expected"] == math.ceil(n / batch_size)
        assert counts["counted"] == counts["expected"]
        assert (
            f"B = {batch_size:3d}: ceil(N / B) = {counts['expected']:3d} steps" in page["_printed"]
        )
        assert f"Keras ran {counts['counted']:3d}" in page["_printed"]
    # at least one batch size shows a smaller last batch
    assert any(n % b for b in page["COUNTED_BATCH_SIZES"])


# --------------------------------------------------------------------------- 2. three methods


def test_each_method_recorded_one_loss_per_epoch_and_a_clock(page):
    curves = page["curves"]
    assert set(curves) == {"batch", "mini-batch", "stochastic"}
    assert page["GD_BATCH_SIZES"] == {
        "batch": page["TRAIN_IMAGES"],
        "mini-batch": page["BATCH_SIZE"],
        "stochastic": 1,
    }
    start_losses = {curve["loss"][0] for curve in curves.values()}
    assert max(start_losses) - min(start_losses) < 1e-6, "same initial weights for all three"
    for name, curve in curves.items():
        epochs = page["GD_EPOCHS"][name]
        assert len(curve["loss"]) == epochs + 1  # the start, then one per epoch
        assert len(curve["seconds"]) == epochs + 1
        assert curve["seconds"][0] == 0.0
        assert np.all(np.diff(curve["seconds"]) >= 0)
        assert np.all(np.isfinite(curve["loss"]))
        optimizer = page["gd_models"][name].optimizer
        assert type(optimizer).__name__ == "SGD"
        assert float(optimizer.learning_rate) == pytest.approx(page["GD_LEARNING_RATES"][name])


def test_comparison_sentences_follow_from_the_recorded_curves(page):
    curves = page["curves"]
    n_epochs = min(page["GD_EPOCHS"].values())
    after = {name: curve["loss"][n_epochs] for name, curve in curves.items()}
    assert page["best_per_epoch"] == min(after, key=after.get)
    assert f"-> lowest: {page['best_per_epoch']} gradient descent" in page["_printed"]

    moment = min(curve["seconds"][-1] for curve in curves.values())
    at_moment = {}
    for name, curve in curves.items():
        done = [i for i, t in enumerate(curve["seconds"]) if t <= moment]
        at_moment[name] = curve["loss"][max(done)]
    assert page["best_per_second"] == min(at_moment, key=at_moment.get)

    target = max(curve["loss"][-1] for curve in curves.values())
    reach = {
        name: min(t for t, loss in zip(c["seconds"], c["loss"], strict=True) if loss <= target)
        for name, c in curves.items()
    }
    assert page["seconds_to_target"] == reach
    assert page["fastest_to_target"] == min(reach, key=reach.get)
    for name, curve in curves.items():
        assert page["loss_rises"][name] == int(np.sum(np.diff(curve["loss"]) > 0))


# --------------------------------------------------------------------------- 3. non-convexity


def test_two_starts_end_in_two_different_minima(page):
    loss, gradient = page["toy_loss"], page["toy_gradient"]
    ends = [page["toy_ends"][start] for start in page["TOY_STARTS"]]
    assert len(ends) == 2
    assert abs(ends[0] - ends[1]) > 1.0
    assert all(abs(gradient(w)) < 1e-6 for w in ends)  # both are stationary points
    eps = 1e-3
    assert all(loss(w) < loss(w - eps) and loss(w) < loss(w + eps) for w in ends)  # minima
    assert abs(loss(ends[0]) - loss(ends[1])) > 1.0  # of different depth
    lower = min(ends, key=loss)
    assert page["lowest"] == pytest.approx(lower, abs=1e-3)


def test_the_cnn_loss_breaks_the_convexity_inequality(page):
    losses = page["convexity_losses"]
    assert losses["a"] == pytest.approx(losses["b"], abs=1e-4)  # same function, same loss
    assert page["excess"] == pytest.approx(losses["halfway"] - (losses["a"] + losses["b"]) / 2)
    assert page["excess"] > 0
    assert "not convex" in page["_printed"]


# --------------------------------------------------------------------------- 4. selection


def recompute_gaps(page, draws):
    val, correct, n_test = page["val_accuracy"], page["test_correct"], len(page["y_test"])
    val_pick = int(np.argmax(val))
    test_a_gaps, val_gaps, b_test_a, b_val, a_of_test_a_pick, a_of_val_pick = ([] for _ in range(6))
    for rows in draws:
        assert len(set(rows.tolist())) == len(rows)
        in_a = np.zeros(n_test, dtype=bool)
        in_a[rows] = True
        a, b = correct[:, in_a].mean(axis=1), correct[:, ~in_a].mean(axis=1)
        pick = int(np.argmax(a))
        test_a_gaps.append(a[pick] - b[pick])
        val_gaps.append(val[val_pick] - b[val_pick])
        b_test_a.append(b[pick])
        b_val.append(b[val_pick])
        a_of_test_a_pick.append(a[pick])
        a_of_val_pick.append(a[val_pick])
    return {
        "test A": np.array(test_a_gaps),
        "validation": np.array(val_gaps),
        "test B of test-A pick": np.array(b_test_a),
        "test B of val pick": np.array(b_val),
        "test A of test-A pick": np.array(a_of_test_a_pick),
        "test A of val pick": np.array(a_of_val_pick),
    }


def test_per_run_scores_are_recorded(page):
    runs = len(page["SELECTION_SEEDS"])
    assert 6 <= runs <= 10
    assert page["test_correct"].shape == (runs, len(page["y_test"]))
    assert page["val_accuracy"].shape == (runs,)
    assert page["test_a_draws"].shape == (page["SPLIT_DRAWS"], page["TEST_A_IMAGES"])


def test_first_split_table(page):
    a, b = page["split_scores"](page["test_a_draws"][0])
    assert page["pick_by_test_a"] == int(np.argmax(a))
    assert page["pick_by_val"] == int(np.argmax(page["val_accuracy"]))
    assert page["first_gap_test_a"] == pytest.approx(a.max() - b[int(np.argmax(a))])


def test_selection_gaps_are_those_of_the_recorded_scores(page):
    mine = recompute_gaps(page, page["test_a_draws"])
    for key in ("test A", "validation", "test B of test-A pick", "test B of val pick"):
        np.testing.assert_allclose(page["gaps"][key], mine[key])
    assert page["mean_gap_test_a"] == pytest.approx(mine["test A"].mean())
    assert page["mean_gap_val"] == pytest.approx(mine["validation"].mean())
    assert page["share_overstated"] == pytest.approx(np.mean(mine["test A"] > 0))
    # true by construction: the test-A pick scores at least as well on test A
    assert np.all(mine["test A of test-A pick"] >= mine["test A of val pick"])


def test_picking_on_test_data_overstates_on_average(page):
    """The page says so (its verdict is built from the number); the number must agree."""
    mine = recompute_gaps(page, page["test_a_draws"])
    assert mine["test A"].mean() > 0
    assert page["verdict"] == "overstates"
    assert "on 500 test images overstates the winner's accuracy" in page["_printed"]
    assert np.mean(mine["test A"] > 0) > 0.5
    better = (
        "test-A"
        if mine["test B of test-A pick"].mean() > mine["test B of val pick"].mean()
        else "validation"
    )
    assert page["better"] == better


def test_smaller_choosing_sets_overstate_more(page):
    mine = {
        size: recompute_gaps(page, draws)["test A"].mean()
        for size, draws in page["size_draws"].items()
    }
    assert set(mine) == set(page["TEST_A_SIZES"])
    for size, draws in page["size_draws"].items():
        assert draws.shape == (page["SPLIT_DRAWS"], size)
        assert page["mean_gap_by_size"][size] == pytest.approx(mine[size])
    sizes = sorted(mine)
    assert mine[sizes[0]] > mine[sizes[-1]]
    assert mine[sizes[0]] > 0


# --------------------------------------------------------------------------- 5. epochs


def test_early_stopping_numbers(page):
    val_losses = page["val_losses"]
    epochs_run = len(val_losses)
    assert page["epochs_run"] == epochs_run <= page["MAX_EPOCHS"]
    assert page["best_epoch"] == int(np.argmin(val_losses)) + 1
    if epochs_run < page["MAX_EPOCHS"]:
        assert epochs_run == page["best_epoch"] + page["PATIENCE"]
    first_close = min(i for i, v in enumerate(val_losses, start=1) if v <= 1.1 * min(val_losses))
    assert page["within_10_percent"] == first_close <= page["best_epoch"]
    after = np.diff(page["train_losses"][page["best_epoch"] - 1 :])
    expected = "fell at every epoch" if np.all(after < 0) else "did not fall at every epoch"
    assert page["trend"] == expected
    # the weights kept are those of the best epoch
    restored = page["model"].evaluate(page["x_val"], page["y_val"], verbose=0)[0]
    assert restored == pytest.approx(val_losses[page["best_epoch"] - 1], abs=1e-3)
    assert page["best_epoch"] < 50, "the page answers '50-200 epochs' with this number"
