"""Claims that chapters make in prose, checked through the same calls the pages make.

Each test names the chapter and the sentence it guards. The chapters print these numbers
themselves; here they are recomputed independently.
"""

from __future__ import annotations

import re
from pathlib import Path

import keras
import numpy as np
import pytest

from convbook import activations, convolution, pooling


def _conv_weights(side: int) -> int:
    layer = keras.layers.Conv2D(32, kernel_size=3, padding="same")
    layer.build((None, side, side, 32))
    return layer.count_params()


def test_pooling_does_not_shrink_convolution_weights():
    """04_pooling: a convolution after pooling has exactly as many weights as before."""
    assert _conv_weights(28) == _conv_weights(14) == 3 * 3 * 32 * 32 + 32 == 9248


def test_pooling_cuts_the_arithmetic_of_the_next_convolution_fourfold():
    """04_pooling: four times fewer positions on a 14x14 map than on a 28x28 map."""
    per_position = 3 * 3 * 32 * 32
    before = convolution.output_size(28, 3, "same", 1) ** 2 * per_position
    after = convolution.output_size(pooling.output_size(28, pool_size=2), 3, "same", 1) ** 2
    assert before == 4 * after * per_position


def test_pooling_exercise_2_moves_the_five_into_another_window():
    """04_pooling, exercise 2: the move it asks for does change the pooled output."""
    matrix = pooling.example_matrix().copy()
    assert matrix[3, 3] == 5
    moved = matrix.copy()
    moved[3, 3], moved[2, 1] = 1, 5
    before, after = pooling.max_pool2d(matrix), pooling.max_pool2d(moved)
    changed = np.argwhere(before != after).tolist()
    assert changed == [[1, 0], [1, 1]]
    assert after[1, 0] == 5 and after[1, 1] == 1
    # ... while the move the chapter shows first (up and to the left) changes nothing.
    shifted = matrix.copy()
    shifted[3, 3], shifted[2, 2] = 1, 5
    np.testing.assert_array_equal(pooling.max_pool2d(shifted), before)


def test_stride_changes_how_many_outputs_not_how_they_are_computed():
    """02_convolution_arithmetic: stride 1 vs 2 and kernel 3 vs 5 on a 28x28 input."""
    assert convolution.output_size(28, 3, "same", 1) == 28
    assert convolution.output_size(28, 3, "same", 2) == 14
    image = np.random.default_rng(0).normal(size=(28, 28))
    kernel = np.random.default_rng(1).normal(size=(3, 3))
    dense = convolution.correlate2d(np.pad(image, 1), kernel)
    strided = convolution.conv2d(
        image[..., None], kernel[..., None, None], stride=2, padding="same"
    )[..., 0]
    # Every stride-2 output is one of the stride-1 outputs, computed the same way.
    offset = convolution.pad_widths(28, 3, "same", 2)[0]
    np.testing.assert_allclose(strided, dense[1 - offset :: 2, 1 - offset :: 2][:14, :14])
    assert [k * k * 32 + 32 for k in (3, 5)] == [320, 832]


def test_softmax_temperature_divides_the_scores():
    """04_activations_losses_optimizers, exercise 2: T = 10 flattens, T = 0.1 sharpens."""
    scores = np.array([2.0, 1.0, 0.1, -1.0])
    plain = activations.softmax(scores)
    hot = activations.softmax(scores / 10)  # temperature 10
    cold = activations.softmax(scores * 10)  # temperature 0.1
    assert hot.max() < plain.max() < cold.max()
    assert np.argmax(hot) == np.argmax(plain) == np.argmax(cold) == 0


# --------------------------------------------------------------------------- Keras code shown

GALLERY = Path(__file__).resolve().parents[1] / "gallery"


def _trained_models(source: str) -> set[str]:
    """The models a chapter trains: through recipes, comparisons or speed measurements."""
    from convbook import recipes

    trained = {recipes.get(name).model for name in re.findall(r'run_recipe\("(\w+)"', source)}
    mapped = re.search(r"^runs = \{([^}]*)\}$", source, re.MULTILINE)
    if mapped and "recipes.run_recipe(name) for label, name in runs.items()" in source:
        trained |= {recipes.get(name).model for name in re.findall(r'"(\w+_\w+)"', mapped[1])}
    if "recipes.get(run_name)" in source:
        trained |= {recipes.get(name).model for name in ("kmnist_callbacks", "fashion_callbacks")}
    trained |= set(re.findall(r'compare_optimizers\([^)]*model="(\w+)"', source, re.DOTALL))
    if "compare_variants(" in source:
        trained |= {"fast_cnn"} | set(re.findall(r'SpeedVariant\([^)]*model="(\w+)"', source))
    return trained


@pytest.mark.parametrize(
    "chapter",
    sorted(GALLERY.glob("0[23]_*/[0-9][0-9]_*.py")),
    ids=lambda path: path.stem,
)
def test_every_network_a_chapter_trains_has_its_keras_code_on_the_page(chapter):
    source = chapter.read_text(encoding="utf-8")
    trained = _trained_models(source)
    cells = [cell for cell in source.split("# %%") if "models.source(" in cell]
    shown = {name for cell in cells for name in re.findall(r'"(\w+)"', cell)}
    assert trained <= shown, f"{chapter.name} trains {sorted(trained - shown)} without its code"


def test_one_two_and_three_dimensional_convolutions():
    """02_convolution_arithmetic: the same size and parameter rules along 1, 2 or 3 axes."""
    cases = [
        (keras.layers.Conv1D(8, 3), (100, 1), (98, 8), 3 * 1 * 8 + 8),
        (keras.layers.Conv2D(8, 3), (28, 28, 1), (26, 26, 8), 3 * 3 * 1 * 8 + 8),
        (keras.layers.Conv3D(4, 3), (16, 16, 16, 1), (14, 14, 14, 4), 27 * 1 * 4 + 4),
    ]
    for layer, shape, expected, parameters in cases:
        assert tuple(layer.compute_output_shape((None, *shape)))[1:] == expected
        spatial = zip(expected[:-1], shape[:-1], strict=True)
        assert all(n == convolution.output_size(m, 3) for n, m in spatial)
        layer.build((None, *shape))
        assert layer.count_params() == parameters


def test_the_tutorial_split_is_48k_12k_10k():
    """09_kuzushiji_mnist_with_callbacks: validation_split=0.2 of 60,000 training images."""
    from convbook import training

    assert training.validation_split_point(60_000, 0.2) == 48_000


def _page_function(chapter: Path, name: str):
    """Return the function ``name`` exactly as a chapter defines it on the page."""
    import ast

    tree = ast.parse(chapter.read_text(encoding="utf-8"))
    found = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name]
    assert found, f"{chapter.name} defines no function {name}"
    namespace: dict = {}
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    exec(compile(ast.Module([*imports, found[0]], []), str(chapter), "exec"), namespace)
    return namespace[name]


def test_run_recipe_is_the_plain_keras_code_on_the_page(real_data_dir):
    """05_dense_vs_cnn: "the plain Keras code ... gives the same trained weights"."""
    from convbook import recipes

    chapter = GALLERY / "02_training" / "05_dense_vs_cnn.py"
    train_in_plain_keras = _page_function(chapter, "train_in_plain_keras")
    model, _ = train_in_plain_keras("dense_net", epochs=1, seed=3)
    result = recipes.run_recipe(
        "dense_mnist", epochs=1, train_samples=None, test_samples=None, seed=3, reuse=False,
        verbose=0,
    )  # fmt: skip
    weights, expected = model.get_weights(), result.model.get_weights()
    assert len(weights) == len(expected) == 6
    for mine, theirs in zip(weights, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)
