from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import signal  # noqa: E402

from convbook import convolution  # noqa: E402
from convbook.plotting import convolution as conv_plots  # noqa: E402

CHAPTERS = Path(__file__).resolve().parents[1] / "gallery" / "01_layer_math"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------------------
# Strategies and Keras helpers
# --------------------------------------------------------------------------------------


def int_matrices(max_side: int = 8) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.int64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=max_side),
        elements=st.integers(-20, 20),
    )


def float_matrices(max_side: int = 8) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=max_side),
        elements=st.floats(-100, 100, allow_nan=False, allow_infinity=False),
    )


def fits(image: np.ndarray, kernel: np.ndarray, mode: str) -> bool:
    return mode != "valid" or all(k <= n for n, k in zip(image.shape, kernel.shape, strict=True))


def keras_layer_output(x, weights, bias, strides, padding) -> np.ndarray:
    """Conv2D with the given weights, on a batch of one; int padding as explicit zeros."""
    if isinstance(padding, int):
        x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
        padding = "valid"
    layer = keras.layers.Conv2D(
        weights.shape[3], weights.shape[:2], strides=strides, padding=padding, use_bias=True
    )
    layer.build((1, *x.shape))
    layer.set_weights([weights.astype("float32"), bias.astype("float32")])
    return keras.ops.convert_to_numpy(layer(x[np.newaxis].astype("float32")))[0]


# --------------------------------------------------------------------------------------
# convolve2d / correlate2d / 1-D versions against SciPy and NumPy
# --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(image=int_matrices(), kernel=int_matrices(5), mode=st.sampled_from(convolution.MODES))
def test_integer_convolution_and_correlation_equal_scipy_exactly(image, kernel, mode):
    assume(fits(image, kernel, mode))
    np.testing.assert_array_equal(
        convolution.convolve2d(image, kernel, mode), signal.convolve2d(image, kernel, mode)
    )
    np.testing.assert_array_equal(
        convolution.correlate2d(image, kernel, mode), signal.correlate2d(image, kernel, mode)
    )


@settings(max_examples=100, deadline=None)
@given(image=float_matrices(), kernel=float_matrices(5), mode=st.sampled_from(convolution.MODES))
def test_float_convolution_and_correlation_match_scipy(image, kernel, mode):
    assume(fits(image, kernel, mode))
    np.testing.assert_allclose(
        convolution.convolve2d(image, kernel, mode),
        signal.convolve2d(image, kernel, mode),
        rtol=1e-9,
        atol=1e-7,
    )
    np.testing.assert_allclose(
        convolution.correlate2d(image, kernel, mode),
        signal.correlate2d(image, kernel, mode),
        rtol=1e-9,
        atol=1e-7,
    )


@pytest.mark.parametrize("kernel_shape", [(2, 2), (4, 4), (2, 3), (3, 4), (1, 2)])
def test_same_mode_follows_scipy_centring_for_even_kernels(kernel_shape):
    image = np.arange(1, 50).reshape(7, 7)
    kernel = np.arange(1, 1 + np.prod(kernel_shape)).reshape(kernel_shape)
    np.testing.assert_array_equal(
        convolution.convolve2d(image, kernel, "same"), signal.convolve2d(image, kernel, "same")
    )
    np.testing.assert_array_equal(
        convolution.correlate2d(image, kernel, "same"), signal.correlate2d(image, kernel, "same")
    )


@settings(max_examples=60, deadline=None)
@given(image=int_matrices(), kernel=int_matrices(5), mode=st.sampled_from(["valid", "full"]))
def test_convolution_is_correlation_with_the_flipped_kernel(image, kernel, mode):
    assume(fits(image, kernel, mode))
    np.testing.assert_array_equal(
        convolution.convolve2d(image, kernel, mode),
        convolution.correlate2d(image, convolution.flip(kernel), mode),
    )


@settings(max_examples=100, deadline=None)
@given(
    sig=hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(-9, 9)),
    kernel=hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(-9, 9)),
    mode=st.sampled_from(convolution.MODES),
)
def test_1d_versions_equal_numpy(sig, kernel, mode):
    assume(kernel.size <= sig.size)
    np.testing.assert_array_equal(
        convolution.convolve1d(sig, kernel, mode), np.convolve(sig, kernel, mode)
    )
    np.testing.assert_array_equal(
        convolution.correlate1d(sig, kernel, mode), np.correlate(sig, kernel, mode)
    )


def test_flip_rotates_by_180_degrees_and_copies():
    kernel = np.array([[1, 2, 3], [4, 5, 6]])
    flipped = convolution.flip(kernel)
    np.testing.assert_array_equal(flipped, np.rot90(kernel, 2))
    flipped[0, 0] = 99
    assert kernel[-1, -1] == 6


def test_small_integer_inputs_are_summed_without_overflow():
    image = np.full((3, 3), 200, dtype=np.uint8)
    kernel = np.ones((3, 3), dtype=np.uint8)
    assert convolution.convolve2d(image, kernel)[0, 0] == 1800


# --------------------------------------------------------------------------------------
# The layer: conv2d, output_size, conv_params against Keras
# --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 8),
    width=st.integers(1, 8),
    in_channels=st.integers(1, 3),
    filters=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2)),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv2d_equals_keras_conv2d(
    height, width, in_channels, filters, kernel, strides, padding, seed
):
    pad = padding if isinstance(padding, int) else 0
    assume(padding == "same" or (kernel[0] <= height + 2 * pad and kernel[1] <= width + 2 * pad))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((height, width, in_channels))
    weights = rng.standard_normal((*kernel, in_channels, filters))
    bias = rng.standard_normal(filters)
    ours = convolution.conv2d(x, weights, bias, stride=strides, padding=padding)
    theirs = keras_layer_output(x, weights, bias, strides, padding)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_keras_same_padding_with_stride_pads_more_at_the_bottom_right():
    x = np.arange(36, dtype=float).reshape(6, 6, 1)
    weights = np.arange(9, dtype=float).reshape(3, 3, 1, 1)
    assert convolution.pad_widths(6, 3, "same", stride=2) == (0, 1)
    np.testing.assert_allclose(
        convolution.conv2d(x, weights, np.zeros(1), stride=2, padding="same"),
        keras_layer_output(x, weights, np.zeros(1), (2, 2), "same"),
    )


def test_keras_conv2d_helper_matches_a_layer_built_here():
    rng = np.random.default_rng(0)
    x, weights, bias = rng.random((5, 6, 2)), rng.random((3, 2, 2, 4)), rng.random(4)
    for padding in ("valid", "same", 1):
        np.testing.assert_allclose(
            convolution.keras_conv2d(x, weights, bias, stride=(2, 1), padding=padding),
            keras_layer_output(x, weights, bias, (2, 1), padding),
        )


def test_conv2d_with_one_channel_and_stride_one_is_correlate2d():
    rng = np.random.default_rng(1)
    image, kernel = rng.integers(-5, 5, (6, 7)), rng.integers(-2, 3, (3, 2))
    layer = convolution.conv2d(image[..., None], kernel[..., None, None])
    np.testing.assert_array_equal(layer[..., 0], convolution.correlate2d(image, kernel))


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    kernel=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    strides=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    padding=st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 3)),
)
def test_output_size_equals_keras_output_shape(sizes, kernel, strides, padding):
    shape = (1, *sizes, 1)
    keras_padding = padding
    if isinstance(padding, int):
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape(shape)
        keras_padding = "valid"
    assume(all(k <= n for n, k in zip(shape[1:3], kernel, strict=True)) or padding == "same")
    layer = keras.layers.Conv2D(1, kernel, strides=strides, padding=keras_padding)
    expected = layer.compute_output_shape(shape)[1:3]
    ours = tuple(
        convolution.output_size(n, k, padding, s)
        for n, k, s in zip(sizes, kernel, strides, strict=True)
    )
    assert ours == tuple(expected)


def test_output_size_table_agrees_with_keras():
    rows = convolution.output_size_table(n=7, with_keras=True)
    assert len(rows) == 18
    assert all(row.output == row.keras_output for row in rows)
    assert convolution.output_size(7, 3, "valid", 3) == 2  # the floor drops a window


@settings(max_examples=40, deadline=None)
@given(
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    in_channels=st.integers(1, 8),
    filters=st.integers(1, 16),
    use_bias=st.booleans(),
)
def test_conv_params_equals_keras_count_params(kernel, in_channels, filters, use_bias):
    layer = keras.layers.Conv2D(filters, kernel, use_bias=use_bias)
    layer.build((None, 9, 9, in_channels))
    assert convolution.conv_params(kernel, in_channels, filters, use_bias) == (layer.count_params())


# --------------------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------------------


def test_hand_convolution_first_value_is_15_and_output_matches_scipy():
    worked = convolution.hand_convolution()
    np.testing.assert_array_equal(worked.flipped_kernel, [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(worked.kernel, [[-1, -1, 0], [-1, 0, 1], [0, 1, 1]])
    np.testing.assert_array_equal(worked.patch, [[10, 10, 10], [10, 5, 5], [10, 5, 5]])
    assert worked.value == 15
    assert worked.output[0, 0] == 15
    np.testing.assert_array_equal(
        worked.output, signal.convolve2d(worked.image, worked.kernel, "valid")
    )
    assert worked.output.shape == (4, 4)
    assert worked.output[3, 3] == 0  # flat bright block: weights cancel
    assert worked.matches_scipy
    assert worked.products_sum().endswith("= 15")
    assert "10*1 + 10*1 + 10*0 + 10*1 + 5*0 + 5*-1 + 10*0 + 5*-1 + 5*-1" in worked.products_sum()


def test_hand_convolution_results_are_read_only():
    worked = convolution.hand_convolution()
    with pytest.raises(ValueError, match="read-only"):
        worked.output[0, 0] = 0


def test_hand_convolution_at_another_position():
    worked = convolution.hand_convolution(position=(1, 1))
    assert worked.value == worked.output[1, 1] == -5


def test_why_flip_gives_reversed_and_true_impulse_response():
    result = convolution.why_flip()
    np.testing.assert_array_equal(result.correlation, [0, 0, 3, 2, 1])
    np.testing.assert_array_equal(result.convolution, [0, 0, 1, 2, 3])
    np.testing.assert_array_equal(
        result.correlation, np.correlate([0, 0, 0, 1, 0], [1, 2, 3], "same")
    )
    np.testing.assert_array_equal(
        result.convolution, np.convolve([0, 0, 0, 1, 0], [1, 2, 3], "same")
    )


def test_why_flip_with_a_centred_impulse():
    result = convolution.why_flip(signal=[0, 0, 1, 0, 0])
    np.testing.assert_array_equal(result.correlation, [0, 3, 2, 1, 0])
    np.testing.assert_array_equal(result.convolution, [0, 1, 2, 3, 0])


def test_multichannel_example_matches_keras_and_conv2d():
    example = convolution.multichannel_example()
    assert example.x.shape == (5, 5, 3)
    assert example.padded.shape == (7, 7, 3)
    assert example.weights.shape == (3, 3, 3, 2)
    np.testing.assert_array_equal(example.biases, [1, 0])
    assert example.x.min() >= 0 and example.x.max() <= 2
    assert example.weights.min() >= -1 and example.weights.max() <= 1
    assert example.output.shape == (3, 3, 2)
    np.testing.assert_array_equal(example.output[..., 0], [[1, 2, 9], [8, 12, 12], [7, 8, 11]])
    np.testing.assert_array_equal(example.output[..., 1], [[2, 0, 2], [4, -3, -2], [-2, -3, -5]])
    from_keras = keras_layer_output(example.x, example.weights, example.biases, (2, 2), 1)
    np.testing.assert_allclose(from_keras, example.output)
    np.testing.assert_array_equal(
        example.output, convolution.conv2d(example.x, example.weights, example.biases, 2, 1)
    )


def test_multichannel_cells_show_every_sum():
    example = convolution.multichannel_example()
    assert len(example.cells) == 3 * 3 * 2
    assert example.cells_agree_with_conv2d
    for cell in example.cells:
        assert len(cell.channel_sums) == 3
        assert cell.total == sum(cell.channel_sums) + cell.bias
        assert cell.bias == example.biases[cell.filter]
        assert cell.window_origin == (2 * cell.row, 2 * cell.col)
    first = example.cells[0]
    assert first.channel_sums == (0, 1, -1)
    assert str(first).startswith("out[0,0,0] = 0 + 1 + (-1) + b0 1 = 1")


def test_parameter_counts_match_keras_model():
    counts = convolution.parameter_counts()
    assert [layer.formula for layer in counts.layers] == [320, 18496, 520]
    assert all(layer.formula == layer.keras for layer in counts.layers)
    assert counts.total_formula == counts.total_keras == counts.model.count_params() == 19336
    assert convolution.conv_params(3, in_channels=3, filters=2) == 56


def test_dense_vs_conv_numbers_and_keras_dense_count():
    sharing = convolution.dense_vs_conv()
    assert (sharing.inputs, sharing.outputs) == (784, 25088)
    assert sharing.dense_params == 19_694_080
    assert sharing.conv_params == 320
    assert round(sharing.ratio) == 61544
    dense = keras.layers.Dense(sharing.outputs)
    dense.build((None, sharing.inputs))
    assert dense.count_params() == sharing.dense_params


def test_demo_prints_summary_and_returns_all_results(capsys):
    result = convolution.demo()
    out = capsys.readouterr().out
    assert "Convolution by hand" in out and "= 15" in out
    assert "[0, 0, 3, 2, 1]" in out and "[0, 0, 1, 2, 3]" in out
    assert isinstance(result, convolution.ConvolutionDemo)
    assert isinstance(result.hand, convolution.HandConvolution)
    assert isinstance(result.flip, convolution.FlipDemo)
    assert isinstance(result.multichannel, convolution.MultiChannelExample)
    assert all(isinstance(row, convolution.SizeRow) for row in result.sizes)
    assert isinstance(result.parameters, convolution.ParameterCounts)
    assert isinstance(result.sharing, convolution.WeightSharing)
    assert result.hand.value == 15


# --------------------------------------------------------------------------------------
# Filters on the photograph
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return convolution.load_sample_photo()


@pytest.fixture(scope="module")
def filtered(photo) -> dict[str, np.ndarray]:
    return convolution.apply_filters(photo)


def test_photo_is_grey_in_unit_range(photo):
    assert photo.shape == (600, 512)
    assert photo.min() >= 0 and photo.max() <= 1


def test_every_named_kernel_is_applied_at_full_size(photo, filtered):
    assert set(filtered) == set(convolution.named_kernels())
    assert all(values.shape == photo.shape for values in filtered.values())
    np.testing.assert_allclose(filtered["identity"], photo)


def test_blur_lowers_and_sharpen_raises_variance(photo, filtered):
    assert filtered["box blur"].std() < photo.std()
    assert filtered["gaussian blur"].std() < photo.std()
    assert filtered["sharpen"].std() > photo.std()
    assert filtered["gaussian blur"].mean() == pytest.approx(photo.mean(), abs=1e-3)


def test_edge_kernels_are_silent_on_a_constant_image():
    kernels = convolution.named_kernels()
    flat = np.full((20, 30), 0.7)
    responses = convolution.apply_filters(
        flat, {name: kernels[name] for name in ("sobel x", "sobel y", "laplacian")}
    )
    for name, response in responses.items():
        assert np.allclose(response, 0), name
        assert kernels[name].sum() == 0


def test_sobel_x_fires_on_a_vertical_edge_and_sobel_y_does_not():
    kernels = convolution.named_kernels()
    responses = convolution.apply_filters(
        convolution.step_image(6, "vertical"),
        {name: kernels[name] for name in ("sobel x", "sobel y")},
    )
    expected = np.zeros((6, 6))
    expected[:, 2:4] = 4
    np.testing.assert_array_equal(responses["sobel x"], expected)
    np.testing.assert_array_equal(responses["sobel y"], np.zeros((6, 6)))


def test_apply_filters_equals_own_correlation_on_mirrored_image(photo):
    crop = photo[200:240, 200:250]
    for name, kernel in convolution.named_kernels().items():
        margin = kernel.shape[0] // 2
        mirrored = np.pad(crop, margin, mode="symmetric")
        np.testing.assert_allclose(
            convolution.apply_filters(crop, {name: kernel})[name],
            convolution.correlate2d(mirrored, kernel, "valid"),
            atol=1e-12,
        )


def test_describe_responses(photo, filtered):
    stats = {s.name: s for s in convolution.describe_responses({"original": photo, **filtered})}
    assert stats["original"].std == pytest.approx(photo.std())
    assert abs(stats["sobel x"].mean) < 0.01
    assert stats["sobel x"].mean_abs < stats["original"].mean_abs
    table = convolution.format_responses(stats.values())
    assert "sobel x" in table and f"{stats['sobel x'].std:.3f}" in table


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: convolution.convolve2d(np.ones(3), np.ones((2, 2))),
            ValueError,
            r"image must be a 2-D array .*shape \(3,\)",
        ),
        (
            lambda: convolution.correlate2d(np.ones((3, 3)), np.ones((2, 2, 2))),
            ValueError,
            r"kernel must be a 2-D array .*\(2, 2, 2\)",
        ),
        (
            lambda: convolution.convolve2d(np.ones((0, 3)), np.ones((1, 1))),
            ValueError,
            r"image must not be empty; got shape \(0, 3\)",
        ),
        (
            lambda: convolution.convolve2d(np.ones((3, 3)), np.ones((0, 1))),
            ValueError,
            r"kernel must not be empty",
        ),
        (
            lambda: convolution.convolve2d(np.ones((3, 5)), np.ones((4, 4))),
            ValueError,
            r"kernel of shape \(4, 4\) is larger than image of shape \(3, 5\)",
        ),
        (
            lambda: convolution.correlate1d([1, 2], [1, 2, 3]),
            ValueError,
            r"kernel of shape \(3,\) is larger than signal",
        ),
        (
            lambda: convolution.convolve2d(np.ones((3, 3)), np.ones((2, 2)), "circular"),
            ValueError,
            r"mode must be one of .*'circular'",
        ),
        (
            lambda: convolution.convolve2d(np.ones((3, 3)), np.ones((2, 2)), 2),
            TypeError,
            r"mode must be one of 'valid', 'same', 'full'; got 2",
        ),
        (
            lambda: convolution.convolve2d(np.array([["a", "b"]]), np.ones((1, 1))),
            TypeError,
            r"image must hold real numbers .*dtype <U1",
        ),
        (
            lambda: convolution.convolve2d(np.ones((3, 3), bool), np.ones((1, 1))),
            TypeError,
            r"image must hold real numbers .*bool",
        ),
        (
            lambda: convolution.correlate2d(np.ones((3, 3)), np.ones((2, 2), complex)),
            TypeError,
            r"kernel must hold real numbers .*complex128",
        ),
        (
            lambda: convolution.convolve2d("image", np.ones((1, 1))),
            TypeError,
            r"image must be an array of real numbers; got 'image'",
        ),
        (
            lambda: convolution.flip(np.ones((2, 2, 2))),
            ValueError,
            r"kernel must be a 1-D or 2-D array",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4)), np.ones((3, 3, 1, 1))),
            ValueError,
            r"x must be a 3-D array \(height, width, in_channels\); got shape \(4, 4\)",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1))),
            ValueError,
            r"weights must be a 4-D array",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 2)), np.ones((3, 3, 3, 1))),
            ValueError,
            r"weights expect 3 input channels .*x has 2 \(x.shape=\(4, 4, 2\)\)",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 2)), bias=[1.0]),
            ValueError,
            r"bias must have one value per filter, shape \(2,\); got shape \(1,\)",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), stride=0),
            ValueError,
            r"stride must be a positive integer; got 0",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), stride=(1, -2)),
            ValueError,
            r"stride must be a positive integer or a sequence of 2 .*got \(1, -2\)",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), stride=1.5),
            TypeError,
            r"stride must be a positive integer or a sequence .*; got 1.5",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), padding="full"),
            ValueError,
            r"padding must be 'valid', 'same' or a non-negative integer; got 'full'",
        ),
        (
            lambda: convolution.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), padding=-1),
            ValueError,
            r"padding must be .*got -1",
        ),
        (
            lambda: convolution.conv2d(np.ones((2, 4, 1)), np.ones((3, 3, 1, 1))),
            ValueError,
            r"kernel \(height 3, weights.shape=\(3, 3, 1, 1\)\) is larger than the padded "
            r"input \(height 2, x.shape=\(2, 4, 1\)",
        ),
        (
            lambda: convolution.output_size(3, 5),
            ValueError,
            r"kernel_size=5 does not fit in an input of size n=3",
        ),
        (
            lambda: convolution.output_size(0, 3),
            ValueError,
            r"n must be a positive integer; got 0",
        ),
        (
            lambda: convolution.output_size(5, 3, "valid", stride=0),
            ValueError,
            r"stride must be a positive",
        ),
        (
            lambda: convolution.output_size(5, 3, "middle"),
            ValueError,
            r"padding must be .*'middle'",
        ),
        (lambda: convolution.output_size(5, 3, True), TypeError, r"padding must be .*True"),
        (
            lambda: convolution.conv_params(3, in_channels=1, filters=0),
            ValueError,
            r"filters must be a positive integer; got 0",
        ),
        (
            lambda: convolution.conv_params((3, 3, 3), in_channels=1, filters=2),
            ValueError,
            r"kernel_size must be a positive integer or a sequence of 2 .*\(3, 3, 3\)",
        ),
        (
            lambda: convolution.hand_convolution(position=(4, 0)),
            ValueError,
            r"position must be a \(row, column\) inside the valid output of shape \(4, 4\); "
            r"got \(4, 0\)",
        ),
        (
            lambda: convolution.apply_filters(np.ones((4, 4, 3))),
            ValueError,
            r"image must be a 2-D array .*\(4, 4, 3\)",
        ),
        (
            lambda: convolution.apply_filters(np.ones((4, 4)), {"bad": np.ones(3)}),
            ValueError,
            r"kernels\['bad'\] must be a 2-D array",
        ),
        (
            lambda: convolution.step_image(6, "diagonal"),
            ValueError,
            r"orientation must be one of 'vertical', 'horizontal'; got 'diagonal'",
        ),
        (
            lambda: conv_plots.show_matrix(np.ones(3)),
            ValueError,
            r"values must be a 2-D array \(rows, columns\); got shape \(3,\)",
        ),
        (
            lambda: conv_plots.show_channels(np.ones((3, 3)), title="t"),
            ValueError,
            r"volume must be a 3-D array \(height, width, channels\)",
        ),
        (
            lambda: conv_plots.show_filter_bank(
                np.ones((4, 4)), {"a": np.ones((4, 4))}, order=["b"]
            ),
            ValueError,
            r"order names \['b'\] not in filtered",
        ),
    ],
)
def test_bad_input_is_reported_with_the_argument_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def test_show_matrix_writes_every_value_and_draws_on_given_axes():
    fig, ax = plt.subplots()
    returned = conv_plots.show_matrix(np.arange(6).reshape(2, 3), ax, title="t", cmap="gray")
    assert returned is fig
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2", "3", "4", "5"]
    assert ax.get_xlabel() == "column" and ax.get_ylabel() == "row"
    float_fig = conv_plots.show_matrix(np.full((2, 2), 1 / 9))
    assert float_fig.axes[0].texts[0].get_text() == "0.11"


def test_figures_for_the_chapters(photo, filtered):
    worked = convolution.hand_convolution()
    step = conv_plots.show_convolution_step(
        worked.image, worked.flipped_kernel, worked.output, (0, 0)
    )
    flip_demo = convolution.why_flip()
    example = convolution.multichannel_example()
    figures = [
        step,
        conv_plots.show_impulse_response(
            flip_demo.signal, flip_demo.kernel, flip_demo.correlation, flip_demo.convolution
        ),
        conv_plots.show_channels(example.padded, title="padded", highlight=(0, 0, 3, 3)),
        conv_plots.show_kernels(convolution.named_kernels()),
        conv_plots.show_filter_bank(photo, filtered),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert fig.get_suptitle()
    assert len(step.axes[0].patches) == 1  # the outlined window


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(CHAPTERS.glob("0[123]_*.py")), ids=lambda p: p.stem)
def test_chapter_runs(chapter, monkeypatch, capsys):
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    runpy.run_path(str(chapter), run_name="__main__")
    assert plt.get_fignums()
    assert capsys.readouterr().out


def test_importing_convolution_does_not_import_keras():
    code = "import sys, convbook.convolution; print('keras' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert result.stdout.strip() == "False"


OLD_PUBLIC_NAMES = (
    "MODES CellSum ConvolutionDemo FlipDemo HandConvolution LayerParams MultiChannelExample "
    "ParameterCounts ResponseStats SizeRow WeightSharing apply_filters conv2d conv_params "
    "convolve1d convolve2d correlate1d correlate2d demo dense_vs_conv describe_responses flip "
    "format_size_table hand_convolution keras_conv2d keras_output_size load_sample_photo "
    "multichannel_example named_kernels output_size output_size_table pad_widths "
    "parameter_counts step_image why_flip"
).split()


def test_every_name_of_the_old_module_is_still_exported():
    for name in OLD_PUBLIC_NAMES:
        assert name in convolution.__all__
        assert getattr(convolution, name) is not None
    assert sorted(convolution.__all__) == sorted(set(convolution.__all__))


def test_output_size_is_the_shared_window_arithmetic():
    from convbook import windows

    assert convolution.output_size is windows.output_size
    assert convolution.pad_widths is windows.pad_widths


def test_format_size_table_lines_up_every_row():
    rows = convolution.output_size_table(7, [3], [1, 2], ["valid", 1])
    lines = convolution.format_size_table(rows).splitlines()
    assert lines[0].split() == ["input", "kernel", "stride", "padding", "zeros", "(before,"] + [
        "after)",
        "output",
    ]
    assert set(lines[1]) == {"-", " "}
    assert [line.split()[-1] for line in lines[2:]] == ["5", "3", "7", "4"]
    assert len({len(line) for line in lines}) == 1  # every column right-aligned
    with_keras = convolution.format_size_table(
        convolution.output_size_table(7, [3], [2], [1], True)
    )
    assert with_keras.splitlines()[0].split()[-1] == "keras"
    assert with_keras.splitlines()[2].split()[-2:] == ["4", "4"]


def test_parameter_summary_lists_layers_and_totals():
    counts = convolution.parameter_counts()
    lines = counts.summary().splitlines()
    assert lines[0].split() == ["layer", "kernel", "in_channels", "filters", "formula", "keras"]
    assert lines[2].split() == ["conv1", "3x3", "1", "32", "320", "320"]
    assert lines[3].split() == ["conv2", "3x3", "32", "64", "18,496", "18,496"]
    assert lines[-1].split() == ["total", "19,336", "19,336"]


def test_format_responses_is_one_row_per_image(photo, filtered):
    stats = convolution.describe_responses({"original": photo, **filtered})
    lines = convolution.format_responses(stats).splitlines()
    assert lines[0].split()[:3] == ["image", "minimum", "maximum"]
    assert [line.split()[0] for line in lines[2:4]] == ["original", "identity"]
    assert lines[2].split()[-2] == f"{photo.std():.3f}"
    assert len(lines) == 2 + len(stats)
