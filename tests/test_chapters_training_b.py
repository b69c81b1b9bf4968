"""Facts that chapters 08-10 of Part II state, asserted through the library calls they use.

08_fashion_mnist, 09_kuzushiji_mnist_with_callbacks and 10_what_the_network_learned each
run standalone in tests/test_gallery.py; here we check the claims their prose makes.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from convbook import (
    activations,
    convolution,
    datasets,
    flops,
    inspection,
    models,
    recipes,
    settings,
    training,
)
from convbook.plotting import data as data_plots
from convbook.recipes import RECIPES

UPPER_BODY = ("T-shirt/top", "Pullover", "Coat", "Shirt")


class InterruptAt(keras.callbacks.Callback):
    """The chapter's own callback: a simulated crash as epoch ``epoch`` begins."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt(f"simulated interruption before epoch {epoch + 1}")


class StartWeights(keras.callbacks.Callback):
    """Record the first convolution's kernel as training begins."""

    def on_train_begin(self, logs=None):
        self.kernel = inspection.first_layer_filters(self.model)


def image_passes(plan: recipes.RunPlan, available: int = 60_000) -> int:
    images = plan.train_samples or available
    return plan.epochs * training.validation_split_point(images, plan.validation_split)


# --------------------------------------------------------------------------- 06 Fashion-MNIST


def test_fashion_mnist_names_ten_classes_including_four_upper_body_garments():
    names = datasets.CLASS_NAMES["fashion_mnist"]
    assert len(names) == len(set(names)) == 10
    assert set(UPPER_BODY) <= set(names)
    assert {"Trouser", "Bag", "Sandal", "Sneaker", "Ankle boot"} <= set(names)


def test_fashion_mnist_is_a_drop_in_replacement_for_mnist(real_data_dir):
    (mx, my), (mx_test, my_test) = datasets.load("mnist")
    (fx, fy), (fx_test, fy_test) = datasets.load("fashion_mnist")
    assert fx.shape == mx.shape == (60_000, 28, 28) and fx_test.shape == mx_test.shape
    assert fx.dtype == mx.dtype == np.uint8
    assert fy.shape == my.shape and fy_test.shape == my_test.shape
    assert set(np.unique(fy)) == set(np.unique(my)) == set(range(10))
    assert (inspection.class_counts(fy, 10) == 6000).all()


def test_prepare_adds_a_channel_axis_and_scales_or_centres(real_data_dir):
    unit = training.prepare("fashion_mnist", train_samples=2000, test_samples=500)
    assert unit.x_train.shape == (2000, 28, 28, 1) and unit.x_train.dtype == np.float32
    assert unit.x_train.min() == 0.0 and unit.x_train.max() == 1.0
    centred = training.prepare(
        "fashion_mnist", normalization="centered", train_samples=2000, test_samples=500
    )
    assert abs(float(centred.x_train.mean())) < 1e-3
    assert abs(float(centred.x_train.std()) - 1.0) < 1e-3


def test_sparse_and_one_hot_labels_give_the_same_cross_entropy(real_data_dir):
    sparse = training.prepare("fashion_mnist", train_samples=2000, test_samples=500)
    one_hot = training.prepare(
        "fashion_mnist", labels="one_hot", train_samples=2000, test_samples=500
    )
    np.testing.assert_array_equal(one_hot.y_train.argmax(axis=1), sparse.y_train)
    assert (one_hot.y_train.sum(axis=1) == 1).all()
    probabilities = activations.softmax(np.random.default_rng(0).normal(size=(3, 10)))
    sparse_loss = keras.losses.SparseCategoricalCrossentropy()(sparse.y_train[:3], probabilities)
    one_hot_loss = keras.losses.CategoricalCrossentropy()(one_hot.y_train[:3], probabilities)
    assert float(sparse_loss) == pytest.approx(float(one_hot_loss), rel=1e-6)


def test_the_chapters_know_all_three_budgets_and_full_is_the_default():
    assert settings.BUDGETS == ("smoke", "full", "long")
    assert settings.DEFAULT_BUDGET == "full"


@pytest.mark.parametrize("budget", settings.BUDGETS)
def test_fashion_plan_is_never_shorter_than_the_mnist_plan(budget):
    mnist = RECIPES["simple_cnn_mnist"].plan(budget)
    fashion = RECIPES["simple_cnn_fashion"].plan(budget)
    assert RECIPES["simple_cnn_mnist"].model == RECIPES["simple_cnn_fashion"].model
    assert image_passes(fashion) >= image_passes(mnist)


@pytest.mark.parametrize("budget", ["full", "long"])
def test_simple_fashion_and_mnist_runs_use_whole_datasets_and_state_targets(budget):
    """Chapter 8 prints each plan's target and whether the run met it."""
    for name in ("simple_cnn_mnist", "simple_cnn_fashion"):
        plan = RECIPES[name].plan(budget)
        assert plan.train_samples is None and plan.test_samples is None
        assert plan.target_accuracy is not None
    assert RECIPES["simple_cnn_fashion"].plan(budget).target_accuracy >= 0.91
    assert RECIPES["simple_cnn_fashion"].smoke.target_accuracy is None


def test_deep_fashion_recipe_promises_more_than_the_simple_one_and_at_least_92_percent():
    simple = RECIPES["simple_cnn_fashion"].full.target_accuracy
    deep = RECIPES["deep_cnn_fashion"].plan("long")
    assert deep.target_accuracy > simple and deep.target_accuracy >= 0.92
    assert deep.train_samples is None and deep.test_samples is None


def test_deep_cnn_does_far_more_arithmetic_per_image_than_the_simple_cnn():
    """Chapter 8 scales the simple run's speed by this ratio to estimate the deep run."""
    ratio = flops.forward_flops(models.build("deep_cnn")) / flops.forward_flops(
        models.build("simple_cnn")
    )
    assert ratio > 5


def test_evaluating_a_fresh_prepare_scores_the_images_the_recipe_tested_on(real_data_dir):
    """Chapters 6 and 8 re-prepare the recipe's subset to get per-image predictions."""
    result = recipes.run_recipe(
        "compact_cnn_mnist", train_samples=300, test_samples=200, epochs=1, verbose=0
    )
    data = training.prepare("mnist", train_samples=300, test_samples=200)
    evaluation = training.evaluate(result.model, data)
    assert len(evaluation.y_true) == 200
    assert evaluation.accuracy == pytest.approx(result.test_accuracy, abs=1 / 200)
    matrix = training.confusion_matrix(evaluation.y_true, evaluation.y_pred, 10)
    wrong = inspection.misclassified(evaluation.y_true, evaluation.y_pred)
    assert matrix.sum() - np.trace(matrix) == len(wrong)


# --------------------------------------------------------------------------- 07 KMNIST


def test_kmnist_classes_are_ten_hiragana_with_their_readings():
    names = datasets.CLASS_NAMES["kmnist"]
    assert len(names) == len(set(names)) == 10
    for name in names:
        character, reading = name.split(" ")
        assert len(character) == 1 and "\u3040" <= character <= "\u309f"  # hiragana block
        assert reading.startswith("(") and reading.endswith(")")
        assert data_plots.display_name(name) in (name, reading[1:-1])
    assert names[0] == "お (o)"


def test_kmnist_offline_raises_dataset_unavailable_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVBOOK_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    empty = tmp_path / "empty"
    with pytest.raises(datasets.DatasetUnavailable) as caught:
        datasets.load("kmnist", empty, progress=False)
    message = str(caught.value)
    assert "Kuzushiji-MNIST" in message and "not available offline" in message
    assert "train-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert str(empty / "kmnist") in message
    assert "convbook data fetch kmnist" in message


def test_kmnist_recipe_watches_with_three_callbacks_and_has_an_epoch_to_resume():
    recipe = RECIPES["kmnist_callbacks"]
    assert recipe.dataset == "kmnist" and recipe.model == "deep_cnn"
    assert set(recipe.callbacks) == {"roc_auc", "early_stopping", "checkpoint"}
    for budget in settings.BUDGETS:
        assert recipe.plan(budget).epochs >= 2  # the chapter interrupts as epoch 2 begins
    assert recipe.schedule == "one_cycle"  # "in one learning-rate cycle"


def test_kmnist_full_plan_is_a_short_demonstration_and_long_plan_promises_95_percent():
    recipe = RECIPES["kmnist_callbacks"]
    full, long = recipe.plan("full"), recipe.plan("long")
    assert full.train_samples is not None and full.target_accuracy is None
    assert long.train_samples is None and long.target_accuracy >= 0.95
    assert long.epochs > full.epochs  # "trains the deep CNN for longer"


def test_stand_in_recipe_has_the_kmnist_callbacks_and_an_epoch_to_resume():
    stand_in = RECIPES["fashion_callbacks"]
    assert stand_in.callbacks == RECIPES["kmnist_callbacks"].callbacks
    assert stand_in.dataset == "fashion_mnist" and stand_in.model == "simple_cnn"
    for budget in settings.BUDGETS:
        plan = stand_in.plan(budget)
        assert plan.epochs >= 2  # the chapter interrupts the run as epoch 2 begins
        assert plan.target_accuracy is None  # a demonstration, no accuracy promised
    assert stand_in.full.epochs > stand_in.full.patience  # early stopping can end the run
    assert stand_in.full.train_samples is not None  # "on part of the training images"


def test_simple_cnn_has_every_kind_of_layer_with_the_stated_dropout_rates():
    layers = models.build("simple_cnn").layers
    kinds = {type(layer).__name__ for layer in layers}
    assert {"Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense"} <= kinds
    rates = [layer.rate for layer in layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.25, 0.5]
    assert models.ends_with_softmax(models.build("simple_cnn"))


def test_roc_auc_of_the_made_up_example_counts_ordered_pairs():
    labels, scores = inspection.roc_example()  # the chapter's made-up scores
    # by hand: class 1's score 0.3 of image 3 beats two negatives and ties with two
    per_class = [1.0, 7 / 8, 1.0]
    assert training.roc_auc_ovr(labels, scores) == pytest.approx(np.mean(per_class))
    for k, expected in enumerate(per_class):
        binary = np.stack([-scores[:, k], scores[:, k]], axis=1)  # class k against the rest
        assert training.roc_auc_ovr((labels == k).astype(int), binary) == pytest.approx(expected)
    assert inspection.misclassified(labels, scores).tolist() == [3]
    swapped = scores[[1, 0, 2, 3, 4, 5]]  # exercise 4: swap two images of the same class
    assert training.roc_auc_ovr(labels, swapped) == training.roc_auc_ovr(labels, scores)


def test_an_interrupted_recipe_resumes_after_its_completed_epoch(real_data_dir, tmp_path):
    """The chapter's interrupt-and-resume, on a small MNIST run with the stand-in callbacks."""

    def extra():
        return [
            training.RocAucCallback(),
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=3, restore_best_weights=True
            ),
        ]

    small = {"train_samples": 400, "test_samples": 200, "epochs": 2, "verbose": 0}
    with pytest.raises(KeyboardInterrupt):
        recipes.run_recipe(
            "compact_cnn_mnist", checkpoint_dir=tmp_path, callbacks=[*extra(), InterruptAt(1)],
            **small,
        )  # fmt: skip
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["backup", "compact_cnn-best.keras", "history.json"]

    resumed = recipes.run_recipe(
        "compact_cnn_mnist", checkpoint_dir=tmp_path, callbacks=extra(), **small
    )
    assert resumed.initial_epoch == 1 and resumed.epochs_run == 1
    assert len(resumed.history["loss"]) == len(resumed.history["val_roc_auc"]) == 2
    assert all(0.5 < auc <= 1.0 for auc in resumed.history["val_roc_auc"])
    assert not (tmp_path / "backup").exists()

    best = keras.saving.load_model(resumed.best_checkpoint)
    data = training.prepare("mnist", train_samples=400, test_samples=200)
    best_scores = training.evaluate(best, data)
    final_scores = training.evaluate(resumed.model, data)
    if int(np.argmin(resumed.history["val_loss"])) == 1:  # best epoch after the restart
        np.testing.assert_allclose(best_scores.probabilities, final_scores.probabilities, atol=1e-6)
    assert 0.0 <= best_scores.accuracy <= 1.0


# --------------------------------------------------------------------------- 08 inspection


@pytest.fixture(scope="module")
def untrained_compact():
    training.seed_everything(0)
    return models.build("compact_cnn")


def test_compact_cnn_first_layer_has_32_filters_and_maps_shrink(untrained_compact):
    assert inspection.first_layer_filters(untrained_compact).shape == (3, 3, 1, 32)
    image = np.random.default_rng(0).random((28, 28, 1)).astype("float32")
    maps = inspection.feature_maps(untrained_compact, image)
    shapes = {name: values.shape for name, values in maps.items()}
    assert shapes == {
        "conv1": (26, 26, 32),
        "pool1": (13, 13, 32),
        "conv2": (11, 11, 64),
        "pool2": (5, 5, 64),
    }
    assert not models.ends_with_softmax(untrained_compact)


def test_a_first_layer_feature_map_is_relu_of_a_cross_correlation_plus_bias():
    training.seed_everything(1)
    model = models.build("compact_cnn")
    conv1 = model.get_layer("conv1")
    conv1.bias.assign(np.random.default_rng(1).normal(0, 0.1, 32).astype("float32"))
    image = np.random.default_rng(2).random((28, 28, 1)).astype("float32")
    filters = inspection.first_layer_filters(model)
    biases = keras.ops.convert_to_numpy(conv1.bias)
    by_hand = np.stack(
        [
            np.maximum(convolution.correlate2d(image[:, :, 0], filters[:, :, 0, k]) + biases[k], 0)
            for k in range(32)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(by_hand, inspection.feature_maps(model, image)["conv1"], atol=1e-5)


def test_seeding_and_building_reproduces_the_weights_a_recipe_starts_from(
    real_data_dir, untrained_compact
):
    start = StartWeights()
    recipes.run_recipe(
        "compact_cnn_mnist", train_samples=200, test_samples=100, epochs=1, verbose=0,
        callbacks=[start],
    )  # fmt: skip
    np.testing.assert_array_equal(start.kernel, inspection.first_layer_filters(untrained_compact))


def test_predict_in_batches_equals_model_predict_on_a_slice(untrained_compact):
    x = np.random.default_rng(3).random((600, 28, 28, 1)).astype("float32")
    chunk = 256
    in_chunks = training.predict_in_batches(untrained_compact, x, batch_size=chunk)
    assert len(range(0, len(x), chunk)) == -(-len(x) // chunk) == 3
    reference = untrained_compact.predict(x[:500], verbose=0)
    np.testing.assert_allclose(in_chunks[:500], reference, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(in_chunks[:500].argmax(1), reference.argmax(1))


def test_the_recipe_of_chapter_10_trains_compact_cnn_on_a_subset_only_when_smoke():
    recipe = RECIPES["compact_cnn_mnist"]
    assert recipe.model == "compact_cnn" and recipe.dataset == "mnist"
    assert recipe.smoke.train_samples is not None and recipe.smoke.target_accuracy is None
    for budget in ("full", "long"):
        plan = recipe.plan(budget)
        assert plan.train_samples is None and plan.test_samples is None
        assert plan.target_accuracy >= 0.99
    # exercise 2: the smoke budget trains on fewer images for fewer epochs
    assert recipe.smoke.epochs < recipe.full.epochs
