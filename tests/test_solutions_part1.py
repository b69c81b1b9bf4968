"""The answers the Part I solutions state, recomputed without running the chapters.

One test per solution, named after the chapter and the exercise. Each recomputes what the
solution's explanation claims (a shape, a count, a value, which outputs change) through
NumPy, SciPy, Keras or the library, and where it can by a second route.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from convbook import convolution, graphs, pooling

# --------------------------------------------------------------------------------------
# 01 Convolution by hand
# --------------------------------------------------------------------------------------

IMAGE = np.array(convolution.HAND_IMAGE)
KERNEL = np.array(convolution.HAND_KERNEL)


def test_convolution_by_hand_exercise_1_position_1_1_gives_minus_5_from_one_bright_pixel():
    worked = convolution.hand_convolution(position=(1, 1))
    window = IMAGE[1:4, 1:4]
    np.testing.assert_array_equal(worked.patch, window)
    # All 5s but the bottom-right cell, the corner of the bright block.
    assert window[2, 2] == 10 and np.count_nonzero(window == 5) == 8
    by_scipy = signal.convolve2d(IMAGE, KERNEL, mode="valid")[1, 1]
    by_hand = int((window * np.rot90(KERNEL, 2)).sum())
    assert worked.value == by_hand == by_scipy == -5
    # The 5s contribute +5 and the 10 under the -1 contributes -10.
    rotated = np.rot90(KERNEL, 2)
    assert rotated[2, 2] == -1 and int((5 * rotated).sum() - 5 * rotated[2, 2]) == 5


def test_convolution_by_hand_exercise_2_identity_kernel_crops_the_border_and_same_keeps_it():
    identity = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(np.rot90(identity, 2), identity)
    valid = convolution.hand_convolution(kernel=identity).output
    np.testing.assert_array_equal(valid, IMAGE[1:-1, 1:-1])
    np.testing.assert_array_equal(signal.convolve2d(IMAGE, identity, mode="same"), IMAGE)
    np.testing.assert_array_equal(convolution.convolve2d(IMAGE, identity, mode="same"), IMAGE)


def test_convolution_by_hand_exercise_3_a_rotation_symmetric_kernel_convolves_as_it_correlates():
    symmetric = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(np.rot90(symmetric, 2), symmetric)
    np.testing.assert_array_equal(
        signal.convolve2d(IMAGE, symmetric, mode="valid"),
        signal.correlate2d(IMAGE, symmetric, mode="valid"),
    )
    np.testing.assert_array_equal(
        convolution.convolve2d(IMAGE, symmetric), convolution.correlate2d(IMAGE, symmetric)
    )
    # Mirror symmetry alone is not enough: rotating sobel y negates it.
    sobel_y = convolution.named_kernels()["sobel y"]
    np.testing.assert_array_equal(np.rot90(sobel_y, 2), -sobel_y)


def test_convolution_by_hand_exercise_4_two_impulses_give_two_copies_of_the_kernel():
    impulses = [0, 1, 0, 0, 1, 0]
    assert np.convolve(impulses, [1, 2, 3], mode="same").tolist() == [1, 2, 3, 1, 2, 3]
    assert np.correlate(impulses, [1, 2, 3], mode="same").tolist() == [3, 2, 1, 3, 2, 1]
    demo = convolution.why_flip(signal=impulses)
    assert demo.convolution.tolist() == [1, 2, 3, 1, 2, 3]
    assert demo.correlation.tolist() == [3, 2, 1, 3, 2, 1]


# --------------------------------------------------------------------------------------
# 02 Convolution arithmetic
# --------------------------------------------------------------------------------------


def test_convolution_arithmetic_exercise_1_28_with_a_5x5_kernel_gives_24_then_12():
    import keras

    for stride, expected in ((1, 24), (2, 12)):
        assert (28 - 5) // stride + 1 == expected
        assert convolution.output_size(28, 5, "valid", stride) == expected
        layer = keras.layers.Conv2D(1, 5, strides=stride, padding="valid")
        assert tuple(layer.compute_output_shape((None, 28, 28, 1))) == (None, expected, expected, 1)
    # The twelfth window starts at 22; the next would need column 28 of columns 0..27.
    assert 2 * 11 + 5 <= 28 < 2 * 12 + 5


def test_convolution_arithmetic_exercise_2_even_sizes_get_their_one_zero_at_the_bottom():
    for n in range(1, 41):
        before, after = convolution.pad_widths(n, 3, "same", 2)
        total = 2 * (math.ceil(n / 2) - 1) + 3 - n
        assert before + after == total == (1 if n % 2 == 0 else 2)
        assert (after > before) == (n % 2 == 0), n
        assert (before, after) == ((0, 1) if n % 2 == 0 else (1, 1))


def test_convolution_arithmetic_exercise_3_lenets_first_layer_has_156_parameters():
    import keras

    first = keras.layers.Conv2D(6, 5)
    first.build((None, 32, 32, 1))
    assert first.count_params() == 6 * 5 * 5 * 1 + 6 == 156
    assert tuple(first.compute_output_shape((None, 32, 32, 1))) == (None, 28, 28, 6)
    second = keras.layers.Conv2D(64, 3)
    second.build((None, 28, 28, 6))
    assert second.count_params() == 3520
    counts = convolution.parameter_counts([(6, 5), (64, 3), (8, 1)], input_shape=(32, 32, 1))
    assert [layer.keras for layer in counts.layers][:2] == [156, 3520]


def test_convolution_arithmetic_exercise_4_the_ratio_grows_with_the_square_of_the_pixels():
    inputs, outputs = 224 * 224 * 3, 224 * 224 * 64
    assert (inputs, outputs) == (150528, 3211264)
    dense = inputs * outputs + outputs
    conv = 64 * 3 * 3 * 3 + 64
    big = convolution.dense_vs_conv(224, 224, in_channels=3, filters=64)
    assert (big.dense_params, big.conv_params) == (dense, conv) and conv == 1792
    assert dense == pytest.approx(483e9, rel=1e-3)  # "about 483 billion"
    assert dense / conv == pytest.approx(270e6, rel=0.01)  # "some 270 million"
    assert big.ratio == pytest.approx((224 * 224) ** 2 * 3 / (9 * 3 + 1), rel=1e-3)
    ratios = [convolution.dense_vs_conv(s, s, 3, 64).ratio for s in (28, 56, 112, 224)]
    for smaller, larger in zip(ratios, ratios[1:], strict=False):
        assert larger / smaller == pytest.approx(16, rel=0.01)


# --------------------------------------------------------------------------------------
# 03 Filters on a real image
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def photo():
    return convolution.load_sample_photo()


def _correlate(image, kernel):
    return signal.correlate2d(image, np.asarray(kernel, dtype=float), "same", boundary="symm")


def test_filters_exercise_1_the_diagonal_kernel_fires_on_the_collar_edge(photo):
    response = _correlate(photo, [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]])
    row, col = np.unravel_index(response.argmax(), response.shape)
    assert abs(row - 416) <= 3 and abs(col - 287) <= 3
    # Bright (the white collar) up and to the right, dark (the tie) down and to the left.
    assert photo[row - 2, col + 2] > 0.9 and photo[row + 2, col - 2] < 0.2
    # A straight edge running from top-left to bottom-right: the runner-up peaks lie on it.
    top = np.argsort(response.ravel())[::-1][:6]
    rows, cols = np.unravel_index(top, response.shape)
    assert np.all(np.abs((rows - row) - (cols - col)) <= 1)
    # The most negative answer is high up in the picture, on the embroidery of the cap.
    low_row, low_col = np.unravel_index(response.argmin(), response.shape)
    assert low_row < 120 and 150 < low_col < 350
    assert photo[low_row + 2, low_col - 2] > 0.7 and photo[low_row - 2, low_col + 2] < 0.2


def test_filters_exercise_2_a_second_box_blur_lowers_the_spread_less_and_is_a_tent_blur(photo):
    box = np.full((3, 3), 1 / 9)
    once = _correlate(photo, box)
    twice = _correlate(once, box)
    stds = [photo.std(), once.std(), twice.std()]
    assert [round(s, 3) for s in stds] == [0.270, 0.264, 0.260]
    assert stds[0] - stds[1] > stds[1] - stds[2] > 0
    tent = np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]) / 81
    np.testing.assert_allclose(signal.convolve2d(box, box), tent)
    np.testing.assert_allclose(twice, _correlate(photo, tent), atol=1e-12)
    gaussian = convolution.named_kernels()["gaussian blur"]
    assert abs(_correlate(photo, gaussian).std() - twice.std()) < 0.005


def test_filters_exercise_3_a_doubled_sharpen_centre_sums_to_6_and_brightens_6_fold(photo):
    brighter = np.array([[0, -1, 0], [-1, 10, -1], [0, -1, 0]], dtype=float)
    assert brighter.sum() == 6
    out = _correlate(photo, brighter)
    assert out.mean() / photo.mean() == pytest.approx(6, rel=0.01)
    assert round(photo.mean(), 3) == 0.302 and round(out.mean(), 2) == 1.81
    sharpen = convolution.named_kernels()["sharpen"]
    np.testing.assert_allclose(out, _correlate(photo, sharpen) + 5 * photo, atol=1e-12)
    assert 0.4 < (out > 1).mean() < 0.55  # "about half"
    flat = np.full((5, 5), 0.25)
    np.testing.assert_allclose(_correlate(flat, brighter), 6 * flat)


def test_filters_exercise_4_sobel_y_answers_4_beside_a_horizontal_edge_and_sobel_x_0():
    step = np.zeros((6, 6))
    step[3:, :] = 1.0
    np.testing.assert_array_equal(convolution.step_image(6, "horizontal"), step)
    kernels = convolution.named_kernels()
    expected = np.zeros((6, 6))
    expected[2:4, :] = 4.0
    np.testing.assert_array_equal(_correlate(step, kernels["sobel y"]), expected)
    np.testing.assert_array_equal(_correlate(step, kernels["sobel x"]), np.zeros((6, 6)))
    np.testing.assert_array_equal(kernels["sobel y"], kernels["sobel x"].T)


# --------------------------------------------------------------------------------------
# 04 Pooling (the pilot's solutions)
# --------------------------------------------------------------------------------------

MATRIX = pooling.example_matrix()


def _block_max(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping max pooling of a matrix in plain NumPy (valid windows)."""
    rows, cols = x.shape[0] // size, x.shape[1] // size
    blocks = x[: rows * size, : cols * size].reshape(rows, size, cols, size, *x.shape[2:])
    return blocks.max(axis=(1, 3))


def test_pooling_exercise_1_pool_3_gives_1x1_leaving_7_values_unseen_and_same_gives_2x2():
    assert (4 - 3) // 3 + 1 == 1 and pooling.output_size(4, pool_size=3) == 1
    valid = pooling.max_pool2d(MATRIX, pool_size=3)
    assert valid.shape == (1, 1)
    assert valid[0, 0] == MATRIX[:3, :3].max() == _block_max(MATRIX, 3)[0, 0]
    unseen = np.concatenate([MATRIX[3, :], MATRIX[:3, 3]])
    assert unseen.size == 7 and {3.0, 5.0} <= set(unseen.tolist())
    assert math.ceil(4 / 3) == 2 == pooling.output_size(4, pool_size=3, padding="same")
    same = pooling.max_pool2d(MATRIX, pool_size=3, padding="same")
    assert same.shape == (2, 2)
    assert same.max() == MATRIX.max()  # every value is now seen, the 5 included


def test_pooling_exercise_2_moves_the_5_into_the_bottom_left_window():
    moved = MATRIX.copy()
    moved[3, 3], moved[2, 1] = 1.0, 5.0
    before, after = _block_max(MATRIX, 2), _block_max(moved, 2)
    np.testing.assert_array_equal(pooling.max_pool2d(moved), after)
    assert np.argwhere(after != before).tolist() == [[1, 0], [1, 1]]
    assert (before[1, 0], after[1, 0]) == (3.0, 5.0)
    assert (before[1, 1], after[1, 1]) == (5.0, 1.0)
    # Moved up and to the left instead, the 5 stays in its window: nothing changes.
    shifted = MATRIX.copy()
    shifted[3, 3], shifted[2, 2] = 1.0, 5.0
    np.testing.assert_array_equal(_block_max(shifted, 2), before)


def test_pooling_exercise_3_zeroing_a_channel_changes_only_that_channel():
    image = pooling.example_rgb()
    zeroed = image.copy()
    zeroed[..., 1] = 0
    before, after = pooling.max_pool2d(image), pooling.max_pool2d(zeroed)
    changed = [c for c in range(3) if not np.array_equal(before[..., c], after[..., c])]
    assert changed == [1]
    assert np.all(after[..., 1] == 0)
    np.testing.assert_array_equal(after, _block_max(zeroed, 2))


def test_pooling_exercise_4_pool_size_4_is_global_max_pooling_with_shape_1_1_3():
    import keras

    image = pooling.example_rgb()
    global_max = pooling.max_pool2d(image, pool_size=4)
    assert global_max.shape == (1, 1, 3)
    np.testing.assert_array_equal(global_max.ravel(), image.max(axis=(0, 1)))
    keras_global = keras.layers.GlobalMaxPooling2D()(image[np.newaxis].astype("float32"))
    assert tuple(keras_global.shape) == (1, 3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras_global)[0], global_max.ravel())


def test_pooling_exercise_5_only_1_2_and_2_2_and_15_1_give_14_outputs_on_28():
    by_formula = [(p, s) for p in range(1, 29) for s in range(1, 29) if (28 - p) // s + 1 == 14]
    assert by_formula == [(1, 2), (2, 2), (15, 1)]
    for p, s in by_formula:
        assert pooling.max_pool2d(np.zeros((28, 28)), pool_size=p, strides=s).shape == (14, 14)


# --------------------------------------------------------------------------------------
# 05 Connection graphs
# --------------------------------------------------------------------------------------


def _wires_per_axis(n: int, kernel: int, stride: int, padding: str) -> int:
    """Sum over one axis's windows of the cells that land inside the input (NumPy)."""
    if padding == "valid":
        starts = np.arange(0, n - kernel + 1, stride)
    else:
        total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
        starts = np.arange(math.ceil(n / stride)) * stride - total // 2
    cells = starts[:, None] + np.arange(kernel)[None, :]
    return int(((cells >= 0) & (cells < n)).sum())


def test_connection_graphs_exercise_1_valid_6x6_has_16_units_of_9_wires_144_in_all():
    assert (6 - 3 + 1) ** 2 * 9 == 144 == _wires_per_axis(6, 3, 1, "valid") ** 2
    graph = graphs.conv_graph_2d(6, 6, 3, padding="valid")
    outputs = graphs.output_nodes(graph)
    assert len(outputs) == 16 and {graph.in_degree(n) for n in outputs} == {9}
    assert graphs.connection_count(graph) == 144
    # With "same" padding the border units lose wires: 256, not 36 * 9 = 324.
    assert _wires_per_axis(6, 3, 1, "same") ** 2 == 256 < 36 * 9
    assert graphs.connection_count(graphs.conv_graph_2d(6, 6, 3)) == 256


def test_connection_graphs_exercise_2_stride_2_gives_3x3_outputs_whose_windows_overlap():
    import keras

    layer = keras.layers.Conv2D(1, 3, strides=2, padding="same")
    assert tuple(layer.compute_output_shape((None, 6, 6, 1))) == (None, 3, 3, 1)
    assert convolution.pad_widths(6, 3, "same", 2) == (0, 1)
    graph = graphs.conv_graph_2d(6, 6, 3, stride=2)
    assert graph.graph["output_shape"] == (3, 3)
    columns = [
        sorted({c for _, _, c in graphs.receptive_field(graph, ("out", 0, j))}) for j in range(3)
    ]
    assert columns == [[0, 1, 2], [2, 3, 4], [4, 5]]
    assert set(columns[0]) & set(columns[1]) == {2}


def test_connection_graphs_exercise_3_dense_28x28_has_614656_wires_91_times_the_conv():
    dense = (28 * 28) ** 2
    conv = _wires_per_axis(28, 3, 1, "same") ** 2
    assert dense == 614656 and conv == 82**2 == 6724 < 784 * 9
    assert graphs.connection_count(graphs.conv_graph_2d(28, 28, 3)) == conv
    assert graphs.connection_count(graphs.dense_graph_2d(6, 6, 6, 6)) == 36**2  # same rule
    assert round(dense / conv) == 91


def test_connection_graphs_exercise_4_14_layers_of_3x3_cover_28_pixels_from_the_centre():
    layers = next(n for n in range(1, 100) if 1 + 2 * n >= 28)
    assert layers == 14
    assert [graphs.receptive_field_size(3, n) for n in (13, 14)] == [27, 29]
    # The 2-D field is a square, the product of two 1-D fields: count along one axis.
    for depth, covering in ((13, []), (14, [13, 14])):
        stack = graphs.stack_conv_1d(28, 3, depth, padding="same")
        sizes = [len(graphs.receptive_field(stack, ("out", j))) for j in range(28)]
        assert [j for j, size in enumerate(sizes) if size == 28] == covering
        if depth == 14:
            assert sizes[13] ** 2 == 784 and sizes[0] ** 2 == 225  # centre, corner
    # "valid" padding shrinks 28 to 2 after 13 layers.
    assert 28 - 13 * 2 == 2


def test_connection_graphs_exercise_5_a_2x2_kernel_uses_4_weights_over_49_wires():
    graph = graphs.conv_graph_2d(4, 4, 2)
    ids = {w for _, _, w in graph.edges(data="weight_id")}
    assert ids == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert graphs.weight_count(graph) == 4 == 2 * 2
    assert graphs.connection_count(graph) == _wires_per_axis(4, 2, 1, "same") ** 2 == 49 < 64
