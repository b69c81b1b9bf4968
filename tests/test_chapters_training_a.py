"""The numbers that chapters 05-07 of Part II state, checked through the same library calls.

Chapters: gallery/02_training/05_dense_vs_cnn.py, 06_a_deep_cnn.py, 07_lenet5_and_alexnet.py.
The chapters themselves are run by tests/test_gallery.py; here each stated parameter count,
shape, ratio and recipe plan is recomputed the way the page computes it.
"""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest

from convbook import (
    convolution,
    datasets,
    flops,
    graphs,
    models,
    pooling,
    recipes,
    settings,
    training,
)

CHAPTERS = Path(__file__).resolve().parents[1] / "gallery" / "02_training"

# The recipes each chapter trains, by chapter.
CHAPTER_RECIPES = {
    "05_dense_vs_cnn": ("dense_mnist", "simple_cnn_mnist", "compact_cnn_mnist"),
    "06_a_deep_cnn": ("deep_cnn_mnist", "compact_cnn_mnist"),
    "07_lenet5_and_alexnet": ("lenet5_mnist", "alexnet_small_mnist"),
}

# The letters chapter 07 writes for each kind of layer.
LETTERS = {"Conv2D": "C", "MaxPooling2D": "P", "AveragePooling2D": "P", "Dense": "F"}


@pytest.fixture(scope="module")
def built():
    """Every model the three chapters build, built once (AlexNet with its 1000 classes)."""
    names = ("dense_net", "simple_cnn", "compact_cnn", "deep_cnn", "lenet5", "alexnet_small")
    networks = {name: models.build(name) for name in names}
    networks["alexnet"] = models.alexnet()
    return networks


def layer_letters(model) -> str:
    kinds = (type(layer).__name__ for layer in model.layers)
    return " ".join(LETTERS[kind] for kind in kinds if kind in LETTERS)


# --------------------------------------------------------------------------- parameter counts


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dense_net", 669_706),
        ("simple_cnn", 1_199_882),
        ("compact_cnn", 121_930),
        ("deep_cnn", 3_182_282),
        ("lenet5", 61_706),
        ("alexnet_small", 347_274),
        ("alexnet", 62_378_344),
    ],
)
def test_stated_parameter_counts(built, name, expected):
    assert built[name].count_params() == expected


def test_dense_vs_cnn_first_layers(built):
    """Chapter 05: flatten to 784 values vs. 32 feature maps; 401,920 vs. 320 weights."""
    dense, compact, simple = built["dense_net"], built["compact_cnn"], built["simple_cnn"]
    assert dense.input_shape == (None, 28, 28, 1)
    assert tuple(dense.get_layer("flatten").output.shape) == (None, 784)
    assert tuple(compact.get_layer("conv1").output.shape) == (None, 26, 26, 32)
    assert dense.get_layer("dense1").count_params() == (784 + 1) * 512 == 401_920
    assert compact.get_layer("conv1").count_params() == 32 * (3 * 3 + 1) == 320
    assert tuple(compact.get_layer("pool2").output.shape) == (None, 5, 5, 64)
    assert tuple(simple.get_layer("pool").output.shape) == (None, 12, 12, 64)
    assert simple.get_layer("dense").count_params() == 1_179_776
    assert f"{dense.count_params() / compact.count_params():.1f}" == "5.5"


def test_cnns_do_more_arithmetic_per_image_than_the_dense_net(built):
    """Chapter 05: fewer or similar weights, several times the FLOPs."""
    work = {name: flops.forward_flops(built[name]) for name in ("dense_net", "compact_cnn")}
    work["simple_cnn"] = flops.forward_flops(built["simple_cnn"])
    assert work["compact_cnn"] > 3 * work["dense_net"]
    assert work["simple_cnn"] > 3 * work["dense_net"]
    per_parameter = {name: work[name] / built[name].count_params() for name in work}
    assert per_parameter["dense_net"] == pytest.approx(2.0, abs=0.1)  # each weight once
    assert min(per_parameter["compact_cnn"], per_parameter["simple_cnn"]) > 10


# --------------------------------------------------------------------------- the deep CNN


def test_same_padding_and_pooling_sizes():
    """Chapter 06: 'same' keeps 28, 'valid' gives 26, pooling 7 gives 3."""
    assert convolution.output_size(28, 3, padding="valid") == 26
    assert convolution.output_size(28, 3, padding="same") == 28
    assert pooling.output_size(7, 2) == 3
    assert [graphs.receptive_field_size(3, n) for n in (1, 2, 3)] == [3, 5, 7]


def test_deep_cnn_pyramid(built):
    """Chapter 06: 28 -> 14 -> 7 -> 3 spatially while the filters go 64 -> 128 -> 256."""
    deep = built["deep_cnn"]
    convs = [deep.get_layer(f"block{b}_conv1").output.shape[1:] for b in (1, 2, 3)]
    pools = [tuple(deep.get_layer(f"block{b}_pool").output.shape[1:]) for b in (1, 2, 3)]
    assert [tuple(shape) for shape in convs] == [(28, 28, 64), (14, 14, 128), (7, 7, 256)]
    assert pools == [(14, 14, 64), (7, 7, 128), (3, 3, 256)]
    assert [math.prod(shape) for shape in convs] == [50_176, 25_088, 12_544]
    # every convolution keeps its input's size ("same" padding)
    for layer in deep.layers:
        if "conv" in layer.name:
            assert layer.input.shape[1:3] == layer.output.shape[1:3]


def test_deep_cnn_parameters_and_arithmetic(built):
    """Chapter 06: where the 3,182,282 parameters and the FLOPs are."""
    deep, shallow = built["deep_cnn"], built["compact_cnn"]
    convolutions = [layer for layer in deep.layers if "conv" in layer.name]
    conv_params = sum(layer.count_params() for layer in convolutions)
    assert len(convolutions) == 7
    assert conv_params == 1_734_336
    assert deep.count_params() - conv_params == 1_447_946
    assert deep.get_layer("block3_conv2").count_params() == 3 * 3 * 256 * 256 + 256 == 590_080
    weights, work = [], []
    for block in (1, 2, 3):
        layers = [layer for layer in convolutions if layer.name.startswith(f"block{block}")]
        weights.append(sum(layer.count_params() for layer in layers))
        work.append(sum(flops.layer_flops(layer) for layer in layers))
    # arithmetic of the same order, weights forty-fold apart
    assert max(work) / min(work) < 3
    assert weights[2] / weights[0] > 30
    assert round(flops.forward_flops(deep) / flops.forward_flops(shallow)) == 58
    assert round(deep.count_params() / shallow.count_params()) == 26


def test_beyond_99_targets():
    """Chapter 06, 'Beyond 99%': both targets past 99%, the deep one allows fewer errors."""
    deep = recipes.RECIPES["deep_cnn_mnist"].full
    shallow = recipes.RECIPES["compact_cnn_mnist"].full
    assert deep.target_accuracy >= 0.992
    assert deep.target_accuracy > shallow.target_accuracy >= 0.99
    # The page counts errors as round((1 - accuracy) * n) on the whole test set.
    n_test = datasets.info("mnist").n_test
    assert n_test == 10_000 and deep.test_samples is None and shallow.test_samples is None
    allowed = [round((1 - plan.target_accuracy) * n_test) for plan in (deep, shallow)]
    assert allowed[0] < allowed[1] <= 100
    # "a tenth of a percentage point is ten of the 10,000 test digits"
    assert round(0.001 * n_test) == 10


# --------------------------------------------------------------------------- LeNet-5 and AlexNet


def test_layer_patterns(built):
    """Chapter 07: every network is blocks of convolutions and pools, then dense layers."""
    assert layer_letters(built["compact_cnn"]) == "C P C P F F"
    assert layer_letters(built["deep_cnn"]) == "C C P C C P C C C P F F F"
    assert layer_letters(built["lenet5"]) == "C P C P C F F"
    assert layer_letters(built["alexnet"]) == "C P C P C C C P F F F"


def test_lenet5_shapes(built):
    lenet = built["lenet5"]
    shapes = {
        name: tuple(lenet.get_layer(name).output.shape[1:])
        for name in ("c1", "s2", "c3", "s4", "c5", "f6", "output")
    }
    assert shapes == {
        "c1": (28, 28, 6),
        "s2": (14, 14, 6),
        "c3": (10, 10, 16),
        "s4": (5, 5, 16),
        "c5": (1, 1, 120),
        "f6": (84,),
        "output": (10,),
    }
    assert lenet.get_layer("c3").count_params() == 2_416
    assert lenet.get_layer("c5").count_params() == 48_120


def test_lenet5_c5_sees_the_whole_padded_image(built):
    """Chapter 07: C5's receptive field is the whole 32x32 input."""
    field, jump = 1, 1
    for layer in built["lenet5"].layers:
        window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if window is None:
            continue
        field += (window[0] - 1) * jump
        jump *= layer.strides[0]
        if layer.name == "c5":
            break
    assert field == 32


def test_alexnet_counts(built):
    """Chapter 07: one tower 62,378,344; split on two GPUs 60,965,224; 94% in dense layers."""
    alexnet = built["alexnet"]
    assert alexnet.input_shape == (None, 227, 227, 3)
    assert tuple(alexnet.get_layer("conv1").output.shape[1:]) == (55, 55, 96)
    assert tuple(alexnet.get_layer("pool5").output.shape[1:]) == (6, 6, 256)
    halves = sum(
        int(np.prod(tuple(alexnet.get_layer(name).kernel.shape))) // 2
        for name in ("conv2", "conv4", "conv5")
    )
    assert alexnet.count_params() - halves == 60_965_224
    dense = sum(layer.count_params() for layer in alexnet.layers if type(layer).__name__ == "Dense")
    assert f"{dense / alexnet.count_params():.0%}" == "94%"
    assert f"{alexnet.count_params() / built['lenet5'].count_params():,.0f}" == "1,011"


def test_lenet_vs_alexnet_table(built):
    """Chapter 07's side-by-side table, computed from the models."""
    lenet, alexnet = built["lenet5"], built["alexnet"]

    def count_layers(model, *kinds):
        return sum(type(layer).__name__ in kinds for layer in model.layers)

    assert (count_layers(lenet, "Conv2D"), count_layers(alexnet, "Conv2D")) == (3, 5)
    pools = ("MaxPooling2D", "AveragePooling2D")
    assert (count_layers(lenet, *pools), count_layers(alexnet, *pools)) == (2, 3)
    assert (count_layers(lenet, "Dense"), count_layers(alexnet, "Dense")) == (2, 3)
    assert lenet.layers[1].activation.__name__ == "tanh"
    assert alexnet.layers[1].activation.__name__ == "relu"
    assert (lenet.output_shape[-1], alexnet.output_shape[-1]) == (10, 1000)
    assert f"{flops.forward_flops(lenet) / 1e6:,.1f}" == "0.8"
    assert flops.forward_flops(alexnet) > 1000 * flops.forward_flops(lenet)


def test_padding_mnist_to_32(real_data_dir):
    """Chapter 07: prepare(..., input_shape=(32, 32, 1)) adds a border of 2 zero pixels."""
    plain = training.prepare("mnist", train_samples=8, test_samples=8, data_dir=real_data_dir)
    padded = training.prepare(
        "mnist", input_shape=(32, 32, 1), train_samples=8, test_samples=8, data_dir=real_data_dir
    )
    assert plain.x_train.shape == (8, 28, 28, 1)
    assert padded.x_train.shape == (8, 32, 32, 1)
    assert padded.x_test.shape == (8, 32, 32, 1)
    border = np.ones((32, 32), dtype=bool)
    border[2:30, 2:30] = False
    assert float(padded.x_train[:, border].max()) == 0.0
    assert np.array_equal(padded.x_train[:, 2:30, 2:30], plain.x_train)
    assert np.array_equal(padded.y_train, plain.y_train)


# --------------------------------------------------------------------------- recipes


@pytest.mark.parametrize(
    "recipe_name", sorted({name for names in CHAPTER_RECIPES.values() for name in names})
)
def test_chapter_recipes_exist_with_smoke_plans(recipe_name):
    recipe = recipes.RECIPES[recipe_name]
    smoke, full = recipe.plan("smoke"), recipe.plan("full")
    assert recipe.dataset == "mnist"
    assert smoke.train_samples is not None and smoke.test_samples is not None
    assert smoke.epochs <= full.epochs
    assert full.train_samples is None and full.target_accuracy is not None


def test_recipe_models_and_inputs():
    """The pages say which model each recipe trains and on what input shape."""
    expected = {
        "dense_mnist": ("dense_net", (28, 28, 1)),
        "simple_cnn_mnist": ("simple_cnn", (28, 28, 1)),
        "compact_cnn_mnist": ("compact_cnn", (28, 28, 1)),
        "deep_cnn_mnist": ("deep_cnn", (28, 28, 1)),
        "lenet5_mnist": ("lenet5", (32, 32, 1)),
        "alexnet_small_mnist": ("alexnet_small", (28, 28, 1)),
    }
    for name, (model, shape) in expected.items():
        recipe = recipes.RECIPES[name]
        assert recipe.model == model
        assert (recipe.input_shape or models.default_input_shape(recipe.model)) == shape


def test_targets_behind_the_prose():
    """05: the dense net's target is the lowest; 06: the deep CNN's the highest; 07: close."""
    target = {name: recipes.RECIPES[name].full.target_accuracy for name in recipes.RECIPES}
    cnns = ("simple_cnn_mnist", "compact_cnn_mnist", "deep_cnn_mnist", "alexnet_small_mnist")
    assert all(target[name] >= 0.99 for name in cnns)
    assert target["dense_mnist"] < min(target[name] for name in (*cnns, "lenet5_mnist"))
    assert target["deep_cnn_mnist"] > max(target["simple_cnn_mnist"], target["compact_cnn_mnist"])
    assert target["lenet5_mnist"] >= 0.988
    # 07: "how close the two come": within half a percentage point
    assert abs(target["lenet5_mnist"] - target["alexnet_small_mnist"]) <= 0.005


def test_plans_differ_as_the_prose_says():
    """05: the dense net gets more epochs at Adam's constant default rate, the CNNs one cycle.

    06 says the shallow recipe uses one cycle too; 07 that both classics' recipes do.
    """
    dense = recipes.RECIPES["dense_mnist"]
    assert dense.schedule is None and dense.full.learning_rate is None
    assert dense.optimizer == "adam"
    one_cycle = (
        "simple_cnn_mnist",
        "compact_cnn_mnist",
        "deep_cnn_mnist",
        "lenet5_mnist",
        "alexnet_small_mnist",
    )
    for name in one_cycle:
        assert recipes.RECIPES[name].schedule == "one_cycle", name
    for name in CHAPTER_RECIPES["05_dense_vs_cnn"][1:]:
        assert dense.full.epochs > recipes.RECIPES[name].full.epochs, name
        assert recipes.RECIPES[name].full.train_samples == dense.full.train_samples


def test_exercises_can_be_run_as_written():
    """05, exercise 5 and 06, exercise 4: the plans and calls they name exist and fit."""
    compact = recipes.RECIPES["compact_cnn_mnist"].full
    assert compact.learning_rate is not None
    steps = training.steps_per_epoch(54_000, compact.batch_size)
    schedule = training.one_cycle_schedule(compact.epochs * steps, compact.learning_rate)
    assert schedule.total_steps == compact.epochs * steps
    assert "schedule" in inspect.signature(training.build_and_train).parameters
    deep = recipes.RECIPES["deep_cnn_mnist"].full
    assert deep.learning_rate is not None
    # the swap of exercise 4 changes the shallow network's plan
    assert (compact.epochs, compact.learning_rate) != (deep.epochs, deep.learning_rate)


@pytest.mark.parametrize("chapter", sorted(CHAPTER_RECIPES))
def test_pages_state_no_budget_in_prose(chapter):
    """The prose reads for the default (full) build: no budget named, no quick/smoke caveats.

    Whatever depends on the budget (plans, accuracies, rankings, targets met) is printed.
    """
    source = (CHAPTERS / f"{chapter}.py").read_text(encoding="utf-8")
    prose = "\n".join(line for line in source.splitlines() if line.lstrip().startswith("#"))
    for name in ("quick", *settings.BUDGETS):
        assert not re.search(rf"\b{name}[ -]budget\b", prose, re.IGNORECASE), (chapter, name)
    assert "CONVBOOK_BUDGET=" not in source
    assert "settings.BUDGET_MEANINGS[budget]" in source  # the page says what built it
    # Targets come from the plan being run, directly or through recipes.target_verdict.
    assert ".plan().target_accuracy" in source or "recipes.target_verdict(" in source


def test_test_subset_does_not_depend_on_train_samples(real_data_dir):
    """Chapter 05 re-prepares the recipe's test images: the draw ignores the training size."""
    small = training.prepare("mnist", train_samples=100, test_samples=50, data_dir=real_data_dir)
    large = training.prepare("mnist", train_samples=300, test_samples=50, data_dir=real_data_dir)
    assert np.array_equal(small.x_test, large.x_test)
    assert np.array_equal(small.y_test, large.y_test)


def test_recipe_result_has_what_the_pages_print(real_data_dir):
    """A (shrunken) recipe run: the fields, the history keys and the re-evaluation of 03."""
    result = recipes.run_recipe(
        "compact_cnn_mnist",
        budget="smoke",
        train_samples=600,
        test_samples=200,
        verbose=0,
        data_dir=real_data_dir,
    )
    assert 0.0 <= result.test_accuracy <= 1.0
    assert result.wall_time_s > 0
    assert result.device.split(":")[0] in ("CPU", "GPU")
    assert result.epochs_run == recipes.RECIPES["compact_cnn_mnist"].smoke.epochs
    plan = recipes.RECIPES["compact_cnn_mnist"].smoke
    assert result.train_samples == 540 and result.batch_size == plan.batch_size
    steps = training.steps_per_epoch(result.train_samples, result.batch_size)
    assert steps == math.ceil(540 / plan.batch_size)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(result.history)
    for label in ("device", "fit time", "test accuracy"):
        assert label in result.summary()
    data = training.prepare("mnist", train_samples=600, test_samples=200, data_dir=real_data_dir)
    evaluation = training.evaluate(result.model, data)
    assert evaluation.accuracy == pytest.approx(result.test_accuracy, abs=1e-6)
    matrix = training.confusion_matrix(evaluation.y_true, evaluation.y_pred, data.num_classes)
    assert matrix.shape == (10, 10) and matrix.sum() == 200
    assert np.trace(matrix) == round(evaluation.accuracy * 200)
    # 05's ranking counts the errors from the accuracy; its confusion matrix agrees.
    assert matrix.sum() - np.trace(matrix) == round((1 - result.test_accuracy) * 200)
