"""Chapter 12 of Part II, "What CNNs are used for, and where to go next", run once and checked.

The chapter (gallery/02_training/12_what_cnns_are_used_for.py) runs once, in the book build
(without it, here in an empty working directory), and the shapes, parameter counts and
retrieval scores it prints are checked against what they should be, each worked out again here
in a different way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.slow

CHAPTER = (
    Path(__file__).resolve().parent.parent
    / "gallery"
    / "02_training"
    / "12_what_cnns_are_used_for.py"
)
C = 64  # the channel count the page uses for VGG and ResNet


def conv_params(size: int, channels_in: int, filters: int, bias: bool = True) -> int:
    return size * size * channels_in * filters + (filters if bias else 0)


@pytest.fixture(scope="module")
def run(run_chapter, book_settings):
    """The chapter's globals, the titles of its figures, and what it left where it ran."""
    chapter = run_chapter(CHAPTER, "what_next", env=book_settings)
    return chapter.namespace, chapter.figure_titles, chapter.left_behind


# ------------------------------------------------------------------------- four jobs


def test_four_heads_on_one_backbone_have_the_stated_output_shapes(run):
    page, _, _ = run
    assert tuple(page["features"].shape) == (None, 7, 7, 32)
    shapes = {m.name: tuple(m.output.shape) for m in page["task_models"]}
    assert shapes == {
        "classifier": (None, 10),
        "detector": (None, 7, 7, 2 * 5 + 10),
        "segmenter": (None, 28, 28, 11),
        "embedder": (None, 64),
    }
    # The detector's 20 numbers per cell split into 2 boxes of 5 and 10 class scores.
    assert page["boxes"].shape == (7, 7, 2, 5)
    assert page["class_scores"].shape == (7, 7, 10)
    assert page["side"] * page["side"] * page["BOXES_PER_CELL"] == 98


def test_the_embedding_head_outputs_unit_vectors(run):
    page, _, _ = run
    images = np.random.default_rng(1).random((4, 28, 28, 1)).astype("float32")
    vectors = page["embedder_head"].predict(images, verbose=0)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


# ------------------------------------------------------------------------- retrieval


def test_embeddings_are_the_trained_networks_dense_layer(run):
    page, _, _ = run
    model, x_test = page["model"], page["x_test"]
    assert x_test.shape == (10_000, 28, 28, 1) and x_test.max() <= 1.0
    dense = keras.Model(model.inputs, model.get_layer("dense").output)
    np.testing.assert_allclose(
        page["embeddings"][:50], dense.predict(x_test[:50], verbose=0), rtol=1e-4, atol=1e-5
    )
    assert page["embeddings"].shape == (10_000, 64)


def test_neighbours_and_agreement_recomputed_query_by_query(run):
    page, _, _ = run
    embeddings, y_test = page["embeddings"], page["y_test"]
    queries, collection = embeddings[:1000], embeddings[1000:]
    labels = y_test[1000:]
    norms = np.linalg.norm(collection, axis=1)
    for index in range(0, 1000, 7):  # every seventh query, the slow and obvious way
        query = queries[index]
        cosine = collection @ query / np.maximum(norms * np.linalg.norm(query), 1e-12)
        best = np.argpartition(-cosine, 5)[:5]
        assert set(best) == set(page["neighbours"][index]), index
        np.testing.assert_allclose(
            np.sort(cosine[best])[::-1], page["similarities"][index], rtol=1e-4, atol=1e-6
        )
    # The share the page prints: labels of the neighbours against the query's label.
    expected = np.mean(
        [[labels[n] == y_test[q] for n in page["neighbours"][q]] for q in range(1000)]
    )
    assert page["same_label"].mean() == pytest.approx(expected)
    assert page["neighbours"].shape == (1000, 5) and page["neighbours"].max() < 9000
    # Chance: a random neighbour has the query's label as often as the label occurs.
    counts = np.bincount(labels, minlength=10)
    chance = sum(counts[y_test[q]] for q in range(1000)) / (1000 * len(labels))
    assert page["chance"] == pytest.approx(chance)


def test_the_trained_embedding_beats_pixels_and_chance(run):
    page, titles, _ = run
    assert page["same_label"].mean() > page["pixel_same_label"].mean() > 3 * page["chance"]
    assert any("neighbours in red are another digit" in title for title in titles)
    # The figure's rows: three queries, then three with a neighbour of another label.
    mixed = [q for q in range(1000) if not page["same_label"][q].all()]
    assert page["shown"] == [0, 1, 2, *mixed[:3]] and len(page["mixed"]) == len(mixed)


# ------------------------------------------------------------------------- VGG, Inception


def test_two_3x3_convolutions_against_one_5x5(run):
    page, _, _ = run
    assert page["two_3x3"].count_params() == 2 * conv_params(3, C, C)
    assert page["one_5x5"].count_params() == conv_params(5, C, C)
    assert page["vgg_formula"] == {"two 3x3": 73_856, "one 5x5": 102_464}
    # Weights alone: 18 C^2 against 25 C^2.
    assert 2 * 9 * C * C / (25 * C * C) == pytest.approx(0.72)
    lit = page["lit"]
    assert lit.sum() == 25 and len(page["rows"]) == len(page["columns"]) == 5


def test_inception_module_counts(run):
    page, _, _ = run
    # GoogLeNet's first module on 192 channels: (kernel, channels in, filters) per layer.
    with_bottlenecks = [
        (1, 192, 64),
        (1, 192, 96),
        (3, 96, 128),
        (1, 192, 16),
        (5, 16, 32),
        (1, 192, 32),
    ]
    without = [(1, 192, 64), (3, 192, 128), (5, 192, 32), (1, 192, 32)]
    assert page["inception"].count_params() == sum(conv_params(*s) for s in with_bottlenecks)
    assert page["inception_formula"] == page["inception"].count_params()
    assert page["naive_inception"].count_params() == sum(conv_params(*s) for s in without)
    assert tuple(page["inception"].output.shape) == (None, 28, 28, 64 + 128 + 32 + 32)
    assert page["five_direct"] == conv_params(5, 192, 32)
    assert page["five_bottleneck"] == conv_params(1, 192, 16) + conv_params(5, 16, 32)


# ------------------------------------------------------------------------- ResNet


def test_residual_block_counts_per_layer_and_in_total(run):
    page, _, _ = run
    block, trainable_count = page["block"], page["trainable_count"]
    for layer in block.layers[1:]:
        kind = type(layer).__name__
        expected = {"Conv2D": (9 * C * C, 9 * C * C), "BatchNormalization": (4 * C, 2 * C)}
        assert (layer.count_params(), trainable_count(layer)) == expected.get(kind, (0, 0))
    assert block.count_params() == 18 * C * C + 8 * C == page["block_formula"]
    assert page["block_trained"] == 18 * C * C + 4 * C == page["block_formula_trained"]
    non_trainable = sum(int(np.prod(w.shape)) for w in block.non_trainable_weights)
    assert non_trainable == 2 * 2 * C  # the moving mean and variance of two layers
    assert any(isinstance(layer, keras.layers.Add) for layer in block.layers)


def test_projection_shortcut_when_the_shape_changes(run):
    page, _, _ = run
    down = page["down_block"]
    assert tuple(down.input.shape) == (None, 28, 28, C)
    assert tuple(down.output.shape) == (None, 14, 14, 2 * C)
    assert page["projection_params"] == C * 2 * C + 4 * 2 * C
    expected = (
        conv_params(3, C, 2 * C, bias=False)
        + conv_params(3, 2 * C, 2 * C, bias=False)
        + conv_params(1, C, 2 * C, bias=False)
        + 3 * 4 * 2 * C
    )
    assert down.count_params() == expected == page["down_formula"]
    # The block without a projection (same shape in and out) has none.
    assert "res_proj" not in [layer.name for layer in page["block"].layers]


def test_zero_gamma_makes_the_block_the_identity_and_the_shortcut_is_free(run):
    page, titles, _ = run
    assert page["probe_input"].min() >= 0
    assert np.array_equal(page["passed"], page["probe_input"])
    assert page["plain_block"].count_params() == page["block"].count_params()
    assert not any(isinstance(layer, keras.layers.Add) for layer in page["plain_block"].layers)
    before, after = zip(*page["comparisons"].values(), strict=True)
    assert after[0] < before[0] and after[1] < before[1] and after[2] == before[2]
    assert any("costs none" in title for title in titles)


# ------------------------------------------------------------------------- keras.applications


def test_vgg16_and_resnet50_counts(run):
    page, _, _ = run
    assert page["vgg_conv"] == page["vgg_keras_conv"]
    full_vgg = keras.applications.VGG16(weights=None)
    assert page["vgg_conv"] + page["vgg_dense"] == full_vgg.count_params()
    assert page["vgg_first_dense"] == full_vgg.get_layer("fc1").count_params()
    del full_vgg
    # ResNet-50's stages hold 3, 4, 6 and 3 bottleneck blocks.
    assert page["resnet_adds"] == 3 + 4 + 6 + 3
    assert page["resnet50"].count_params() < (page["vgg_conv"] + page["vgg_dense"]) / 5


# ------------------------------------------------------------------------- CIFAR-10


def test_cifar_input_changes_the_first_convolution_and_the_dense_layer(run):
    page, _, _ = run
    mnist, cifar = page["mnist_cnn"], page["cifar_cnn"]
    assert mnist.get_layer("conv1").count_params() == conv_params(3, 1, 16) == 160
    assert cifar.get_layer("conv1").count_params() == conv_params(3, 3, 16) == 448
    assert page["conv1_formulas"] == (160, 448)
    assert tuple(mnist.get_layer("pool2").output.shape[1:3]) == (5, 5)
    assert tuple(cifar.get_layer("pool2").output.shape[1:3]) == (6, 6)
    growth = {
        a.name: b.count_params() - a.count_params()
        for a, b in zip(mnist.layers, cifar.layers, strict=True)
    }
    assert max(growth, key=growth.get) == "hidden"
    assert growth["hidden"] == (6 * 6 - 5 * 5) * 32 * 128
    kernels = [int(np.prod(m.get_layer("conv1").kernel.shape)) for m in (mnist, cifar)]
    assert kernels == [144, 432]  # "triples its weights, from 144 to 432"


# ------------------------------------------------------------------------- solutions


def test_solution_1_yolo_head(run):
    page, _, _ = run
    assert page["voc_shape"] == (7, 7, 30)
    assert int(np.prod(page["voc_shape"])) == 1470


def test_solution_2_three_3x3_against_one_7x7(run):
    page, _, _ = run
    assert page["three_3x3"].count_params() == 3 * conv_params(3, C, C) == page["predicted_3x3"]
    assert page["one_7x7"].count_params() == conv_params(7, C, C) == page["predicted_7x7"]
    assert (27 * C * C, 49 * C * C) == (110_592, 200_704)
    ratio = page["three_3x3"].count_params() / page["one_7x7"].count_params()
    assert round(ratio, 2) == 0.55
    assert page["windows"] == {"three 3x3": (7, 7), "one 7x7": (7, 7)}


def test_solution_3_multiply_adds(run):
    page, _, _ = run
    assert page["direct_cost"] == 25 * 192 * 32 * 28 * 28
    assert page["bottleneck_cost"] == (192 * 16 + 25 * 16 * 32) * 28 * 28
    assert round(page["direct_cost"] / 1e6) == 120 and round(page["bottleneck_cost"] / 1e6) == 12
    assert 9.5 < page["direct_cost"] / page["bottleneck_cost"] < 10  # "almost ten times"


def test_solution_4_bottleneck_block(run):
    page, _, _ = run
    assert page["bottleneck_keras"] == page["bottleneck_formula"] == 71_552
    conv_names = [layer.name for layer in page["in_keras"] if layer.name.endswith("_conv")]
    assert len(conv_names) == 3
    assert page["bottleneck_weights"] == 69_632 and page["basic_weights"] == 1_179_648
    assert round(page["basic_weights"] / page["bottleneck_weights"]) == 17


def test_solution_5_other_layers_as_embeddings(run):
    page, _, _ = run
    agreement = page["agreement"]
    assert set(agreement) == {"dense (the page)", "flatten", "logits"}
    assert agreement["dense (the page)"] == page["same_label"].mean()
    assert all(page["chance"] < share <= 1 for share in agreement.values())


# ------------------------------------------------------------------------- the page itself


def test_no_files_left_in_the_working_directory(run):
    _, _, left_behind = run
    assert left_behind == []


def test_plain_keras_and_only_data_models_and_recipes_from_convbook():
    tree = ast.parse(CHAPTER.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] in {"keras", "numpy", "matplotlib"}, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.module == "convbook":
                assert {alias.name for alias in node.names} <= {"datasets", "models", "recipes"}
            else:
                assert node.module.split(".")[0] in {"keras", "numpy", "matplotlib"}


def test_chapter_is_the_last_of_part_two():
    chapters = sorted(CHAPTER.parent.glob("[0-9][0-9]_*.py"))
    assert chapters[-1] == CHAPTER
