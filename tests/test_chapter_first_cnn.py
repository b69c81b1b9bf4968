"""Chapter 01 of Part II, "A first CNN in plain Keras", run once and checked through its globals.

The chapter (gallery/02_training/01_a_first_cnn_in_keras.py) trains on all of MNIST's
training images with the default budget, and briefly, on 6,000 of them, with the test
suite's smoke budget. Here the book build's run of it is checked (or, without the book
build, one run in an empty working directory): every claim the page makes, against what it
computed. Its accuracy of more than 99% under the default budget is the benchmark's to check
(benchmarks/build_times.py reads it from the built page; see ``test_benchmark_reports.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

CHAPTER = (
    Path(__file__).resolve().parent.parent
    / "gallery"
    / "02_training"
    / "01_a_first_cnn_in_keras.py"
)
ALLOWED_MODULES = {"keras", "numpy", "matplotlib", "os", "tempfile"}


@pytest.fixture(scope="module")
def run(run_chapter, book_settings):
    """The chapter's globals after one run (the book build's, if it ran), and what it left."""
    chapter = run_chapter(CHAPTER, "first_cnn", env=book_settings)
    return chapter.namespace, chapter.left_behind


def test_accuracy_on_the_full_test_set(run):
    page, _ = run
    assert len(page["x_test"]) == len(page["y_test"]) == 10_000
    if page["settings"].budget() == "smoke":
        assert page["test_accuracy"] > 0.9  # a short run still learns the digits
    else:
        assert page["test_accuracy"] > 0.99  # the docstring says "more than 99%"
    # The sentence the page prints: correct digits counted from predict() agree with evaluate().
    assert len(page["predicted"]) == 10_000
    correct = int(np.sum(page["predicted"] == page["y_test"]))
    assert correct == 10_000 - page["mistakes"]
    assert correct / 10_000 == pytest.approx(page["test_accuracy"], abs=1e-4)


def test_the_default_budget_trains_on_every_training_image_for_several_epochs():
    settings = _top_settings()
    assert settings["TRAIN_IMAGES"] == 60_000 and settings["EPOCHS"] == 7


def test_trained_on_the_images_its_budget_names(run):
    page, _ = run
    images = {"smoke": 6_000}.get(page["settings"].budget(), 60_000)
    assert page["TRAIN_IMAGES"] == images
    assert page["x_train"].shape == (images, 28, 28, 1)
    assert page["x_train"].dtype == np.float32
    assert 0.0 <= page["x_train"].min() and page["x_train"].max() <= 1.0
    assert page["fit_images"] == int(images * 0.9)
    assert len(page["history"].history["val_accuracy"]) == page["EPOCHS"]
    steps = int(np.ceil(page["fit_images"] / page["BATCH_SIZE"]))
    assert page["steps_per_epoch"] == steps
    assert page["total_steps"] == page["EPOCHS"] * steps


def test_schedule_warms_up_then_decays(run):
    page, _ = run
    schedule, warmup, total = page["schedule"], page["warmup_steps"], page["total_steps"]
    assert float(schedule(0)) == pytest.approx(0.0, abs=1e-9)
    assert float(schedule(warmup)) == pytest.approx(page["PEAK_LEARNING_RATE"])
    assert float(schedule(total)) == pytest.approx(0.0, abs=1e-9)


def test_reloaded_model_predicts_the_same(run):
    page, _ = run
    np.testing.assert_allclose(page["reloaded_probabilities"], page["probabilities"], atol=1e-6)
    assert np.array_equal(page["reloaded_probabilities"].argmax(axis=-1), page["predicted"])


def test_parameter_counts_explained_on_the_page(run):
    page, _ = run
    model = page["model"]
    # The numbers the prose states, computed by the page from its settings.
    assert page["explained_counts"] == {
        "conv1": 3 * 3 * 1 * 16 + 16,
        "conv2": 3 * 3 * 16 * 32 + 32,
        "hidden": (5 * 5 * 32) * 128 + 128,
        "output": 128 * 10 + 10,
    }
    for name, count in page["explained_counts"].items():
        assert model.get_layer(name).count_params() == count, name
    assert sum(page["explained_counts"].values()) == model.count_params()
    assert page["functional_model"].count_params() == model.count_params()


def test_no_files_left_in_the_working_directory(run):
    _, left_behind = run
    assert left_behind == []


def _top_settings() -> dict[str, object]:
    """The constants the page sets at module level, before anything runs."""
    tree = ast.parse(CHAPTER.read_text(encoding="utf-8"))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.isupper()
    }


def test_chapter_uses_plain_keras_and_only_convbook_datasets_and_its_budget():
    tree = ast.parse(CHAPTER.read_text(encoding="utf-8"))
    convbook_names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] in ALLOWED_MODULES, alias.name
        elif isinstance(node, ast.ImportFrom):
            root = (node.module or "").split(".")[0]
            if root == "convbook":
                assert node.module == "convbook", node.module
                convbook_names += [alias.name for alias in node.names]
            else:
                assert root in ALLOWED_MODULES, node.module
    assert sorted(convbook_names) == ["datasets", "settings"]
    # Of the settings, the page reads only the budget.
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "settings"
    }
    assert used == {"budget"}


def test_chapter_sorts_first_in_part_two():
    chapters = sorted(CHAPTER.parent.glob("[0-9][0-9]_*.py"))
    assert chapters[0] == CHAPTER
    # ... and before the chapter on activations, losses and optimizers, which it points to
    names = [chapter.stem for chapter in chapters]
    assert names.index(CHAPTER.stem) < names.index("04_activations_losses_optimizers")
