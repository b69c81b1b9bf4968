from __future__ import annotations

import dataclasses
import math
import re
import runpy
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook import pooling
from convbook.plotting import pooling as pooling_plots

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

CHAPTER = Path(__file__).resolve().parents[1] / "gallery" / "01_layer_math" / "04_pooling.py"
PROPERTY_SETTINGS = settings(max_examples=25, deadline=None)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- reference


def reference_pool(
    x: np.ndarray, pool: tuple[int, ...], stride: tuple[int, ...], padding: str, reduce
) -> np.ndarray:
    """Pool ``(*spatial, channels)`` with plain loops, padding the way TensorFlow does."""
    spatial, channels = x.shape[:-1], x.shape[-1]
    out_shape, starts = [], []
    for n, p, s in zip(spatial, pool, stride, strict=True):
        if padding == "valid":
            out, before = (n - p) // s + 1, 0
        else:
            out = math.ceil(n / s)
            before = max((out - 1) * s + p - n, 0) // 2
        out_shape.append(out)
        starts.append([i * s - before for i in range(out)])
    result = np.empty((*out_shape, channels))
    for index in np.ndindex(*out_shape):
        window = x[
            tuple(
                slice(max(start[i], 0), min(start[i] + p, n))
                for start, i, p, n in zip(starts, index, pool, spatial, strict=True)
            )
        ]
        result[index] = reduce(window.reshape(-1, channels), axis=0)
    return result


def random_values(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


@st.composite
def pooling_cases(draw, dims: int):
    spatial = tuple(draw(st.integers(1, 9)) for _ in range(dims))
    channels = draw(st.one_of(st.none(), st.integers(1, 4)))
    padding = draw(st.sampled_from(["valid", "same"]))
    limit = [min(4, n) if padding == "valid" else 4 for n in spatial]
    square = dims == 2 and draw(st.booleans())
    if square:
        size = draw(st.integers(1, min(limit)))
        pool, pool_arg = (size, size), size
    else:
        pool = tuple(draw(st.integers(1, cap)) for cap in limit)
        pool_arg = pool[0] if dims == 1 else pool
    if draw(st.booleans()):
        stride, stride_arg = pool, None
    else:
        stride = tuple(draw(st.integers(1, 4)) for _ in range(dims))
        stride_arg = stride[0] if dims == 1 else stride
    shape = spatial if channels is None else (*spatial, channels)
    x = random_values(draw(st.integers(0, 2**32 - 1)), shape)
    return x, pool, pool_arg, stride, stride_arg, padding


def expected(x, pool, stride, padding, reduce, dims):
    with_channels = x if x.ndim == dims + 1 else x[..., np.newaxis]
    result = reference_pool(with_channels, pool, stride, padding, reduce)
    return result if x.ndim == dims + 1 else result[..., 0]


# --------------------------------------------------------------------------- import


def test_import_loads_neither_keras_nor_matplotlib():
    code = (
        "import sys, convbook.pooling, convbook.plotting.pooling\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- demo


def test_example_matrix_is_mostly_ones_with_the_four_spikes():
    matrix = pooling.example_matrix()
    assert matrix.shape == (4, 4)
    assert matrix.dtype == np.float64
    assert sorted(matrix[matrix != 1].tolist()) == [2.0, 3.0, 4.0, 5.0]
    assert np.count_nonzero(matrix == 1) == 12


def test_demo_returns_the_seed_results():
    result = pooling.demo(verbose=False)
    np.testing.assert_array_equal(result.matrix, pooling.example_matrix())
    np.testing.assert_array_equal(result.max_1d, [[2.0, 3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(result.max_2d, [[1.0, 4.0], [3.0, 5.0]])
    np.testing.assert_array_equal(result.average_2d, [[1.0, 1.75], [1.75, 2.0]])


def test_demo_result_is_frozen_and_read_only():
    result = pooling.demo(verbose=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.max_2d = np.zeros((2, 2))
    with pytest.raises(ValueError, match="read-only"):
        result.max_2d[0, 0] = 9.0


def test_demo_prints_aligned_matrices_with_explanations(capsys):
    pooling.demo()
    out = capsys.readouterr().out
    assert "1-D max pooling, pool_size=4 -> shape (1, 4)" in out
    assert "\n    2  3  4  5\n" in out
    assert "2-D max pooling, 2x2 windows, stride 2 -> shape (2, 2)" in out
    assert "\n    1  4\n    3  5\n" in out
    assert "2-D average pooling, 2x2 windows, stride 2 -> shape (2, 2)" in out
    assert "\n       1  1.75\n    1.75     2\n" in out
    assert "so each column keeps its largest value" in out
    assert "\n    1  1  1  1\n    1  1  4  1\n    2  1  1  1\n    1  3  1  5\n" in out


def test_demo_quiet_prints_nothing(capsys):
    pooling.demo(verbose=False)
    assert capsys.readouterr().out == ""


def test_format_matrix_right_aligns_shortest_numbers():
    assert pooling.format_matrix(np.array([1.0, 10.5]), indent=2) == "     1  10.5"
    with pytest.raises(
        ValueError, match=r"values must be a 1-D or 2-D array; got shape \(2, 2, 2\)"
    ):
        pooling.format_matrix(np.zeros((2, 2, 2)))


# --------------------------------------------------------------------------- 1-D pooling


def test_max_pool1d_on_the_matrix_pools_rows_per_column():
    matrix = pooling.example_matrix()
    np.testing.assert_array_equal(
        pooling.max_pool1d(matrix), [[1.0, 1.0, 4.0, 1.0], [2.0, 3.0, 1.0, 5.0]]
    )
    np.testing.assert_array_equal(pooling.max_pool1d(matrix, pool_size=4)[0], matrix.max(axis=0))
    np.testing.assert_array_equal(pooling.max_pool1d(matrix.T, pool_size=4), [[1, 4, 2, 5]])


def test_max_pool1d_on_a_vector():
    np.testing.assert_array_equal(
        pooling.max_pool1d([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]), [3.0, 4.0, 9.0, 6.0]
    )


@PROPERTY_SETTINGS
@given(pooling_cases(dims=1))
def test_max_pool1d_matches_numpy(case):
    x, pool, pool_arg, stride, stride_arg, padding = case
    result = pooling.max_pool1d(x, pool_arg, stride_arg, padding)
    np.testing.assert_array_equal(result, expected(x, pool, stride, padding, np.max, 1))
    assert result.shape[0] == pooling.output_size(x.shape[0], pool[0], stride[0], padding)


# --------------------------------------------------------------------------- 2-D pooling


@PROPERTY_SETTINGS
@given(pooling_cases(dims=2))
def test_max_pool2d_matches_numpy(case):
    x, pool, pool_arg, stride, stride_arg, padding = case
    result = pooling.max_pool2d(x, pool_arg, stride_arg, padding)
    np.testing.assert_array_equal(result, expected(x, pool, stride, padding, np.max, 2))
    for axis in (0, 1):
        assert result.shape[axis] == pooling.output_size(
            x.shape[axis], pool[axis], stride[axis], padding
        )


@PROPERTY_SETTINGS
@given(pooling_cases(dims=2))
def test_average_pool2d_matches_numpy(case):
    x, pool, pool_arg, stride, stride_arg, padding = case
    result = pooling.average_pool2d(x, pool_arg, stride_arg, padding)
    np.testing.assert_allclose(
        result, expected(x, pool, stride, padding, np.mean, 2), rtol=1e-12, atol=1e-12
    )


@PROPERTY_SETTINGS
@given(
    blocks=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    size=st.integers(1, 3),
    extra=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    seed=st.integers(0, 2**32 - 1),
)
def test_non_overlapping_windows_equal_reshape_and_reduce(blocks, size, extra, seed):
    rows, columns = blocks
    # Leftover rows and columns that do not fill a window are dropped by "valid".
    leftover = [min(e, size - 1) for e in extra]
    x = random_values(seed, (rows * size + leftover[0], columns * size + leftover[1]))
    blocks_view = x[: rows * size, : columns * size].reshape(rows, size, columns, size)
    np.testing.assert_array_equal(pooling.max_pool2d(x, size), blocks_view.max(axis=(1, 3)))
    np.testing.assert_allclose(
        pooling.average_pool2d(x, size), blocks_view.mean(axis=(1, 3)), rtol=1e-12
    )


def test_overlapping_windows_on_the_example():
    np.testing.assert_array_equal(
        pooling.max_pool2d(pooling.example_matrix(), pool_size=2, strides=1),
        [[1, 4, 4], [2, 4, 4], [3, 3, 5]],
    )


def test_moving_a_spike_inside_its_window_keeps_max_pooling():
    shifted = pooling.example_matrix()
    shifted[3, 3], shifted[2, 2] = 1.0, 5.0
    np.testing.assert_array_equal(pooling.max_pool2d(shifted), [[1, 4], [3, 5]])


# --------------------------------------------------------------------------- channels


def test_rgb_example_channels_pool_independently():
    image = pooling.example_rgb()
    pooled = pooling.max_pool2d(image)
    assert image.shape == (4, 4, 3) and pooled.shape == (2, 2, 3)
    np.testing.assert_array_equal(pooled[..., 0], [[1, 4], [3, 5]])
    np.testing.assert_array_equal(pooled[..., 1], [[4, 1], [5, 3]])
    np.testing.assert_array_equal(pooled[..., 2], [[3, 5], [1, 4]])


@PROPERTY_SETTINGS
@given(
    function=st.sampled_from([pooling.max_pool1d, pooling.max_pool2d, pooling.average_pool2d]),
    channels=st.integers(2, 4),
    size=st.integers(2, 7),
    seed=st.integers(0, 2**32 - 1),
)
def test_pooling_a_stack_equals_stacking_pooled_channels(function, channels, size, seed):
    dims = 1 if function is pooling.max_pool1d else 2
    x = random_values(seed, (size,) * dims + (channels,))
    one_by_one = np.stack([function(x[..., c]) for c in range(channels)], axis=-1)
    np.testing.assert_array_equal(function(x), one_by_one)


# --------------------------------------------------------------------------- axes and dtypes


@pytest.mark.parametrize(
    ("function", "shape", "kwargs", "out_shape"),
    [
        (pooling.max_pool1d, (4,), {}, (2,)),
        (pooling.max_pool1d, (4, 1), {}, (2, 1)),
        (pooling.max_pool1d, (4, 4), {"pool_size": 4}, (1, 4)),
        (pooling.max_pool1d, (1,), {"pool_size": 1}, (1,)),
        (pooling.max_pool2d, (4, 4), {}, (2, 2)),
        (pooling.max_pool2d, (4, 4, 1), {}, (2, 2, 1)),
        (pooling.max_pool2d, (1, 4), {"pool_size": (1, 2)}, (1, 2)),
        (pooling.max_pool2d, (4, 4), {"pool_size": 4}, (1, 1)),
        (pooling.average_pool2d, (2, 2, 1), {}, (1, 1, 1)),
        (pooling.average_pool2d, (3, 3), {"padding": "same"}, (2, 2)),
    ],
)
def test_only_the_added_axes_are_squeezed(function, shape, kwargs, out_shape):
    assert function(np.ones(shape), **kwargs).shape == out_shape


@pytest.mark.parametrize(
    ("dtype", "out_dtype"),
    [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.float16, np.float16),
        (np.int64, np.float32),
        (np.uint8, np.float32),
    ],
)
@pytest.mark.parametrize("function", [pooling.max_pool2d, pooling.average_pool2d])
def test_result_is_float_of_the_input_family(function, dtype, out_dtype):
    x = (pooling.example_matrix()).astype(dtype)
    result = function(x)
    assert result.dtype == out_dtype
    np.testing.assert_allclose(result, function(pooling.example_matrix()))


def test_input_is_not_modified_and_may_be_read_only():
    x = pooling.example_matrix()
    x.flags.writeable = False
    pooling.max_pool2d(x)
    pooling.max_pool1d(x)
    np.testing.assert_array_equal(x, pooling.example_matrix())


# --------------------------------------------------------------------------- output size


@pytest.mark.parametrize(
    ("pool_size", "strides", "valid", "same"),
    [(2, 2, 14, 14), (3, 3, 9, 10), (3, 2, 13, 14), (3, 1, 26, 28)],
)
def test_output_size_table_of_the_chapter(pool_size, strides, valid, same):
    assert pooling.output_size(28, pool_size, strides, "valid") == valid
    assert pooling.output_size(28, pool_size, strides, "same") == same
    for padding, size in (("valid", valid), ("same", same)):
        shape = pooling.max_pool2d(np.zeros((28, 28)), pool_size, strides, padding).shape
        assert shape == (size, size)


def test_output_size_defaults_strides_to_pool_size():
    assert pooling.output_size(28, pool_size=2) == 14
    assert pooling.output_size(4, 3) == 1
    assert pooling.output_size(4, 3, padding="same") == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        (
            {"input_size": 0, "pool_size": 2},
            ValueError,
            "input_size must be a positive integer; got 0",
        ),
        ({"input_size": 2.5, "pool_size": 2}, TypeError, "input_size must be a positive integer"),
        ({"input_size": 3, "pool_size": 4}, ValueError, "pool_size=4 is longer than input_size=3"),
        ({"input_size": 3, "pool_size": 0}, ValueError, "pool_size must be a positive integer"),
        (
            {"input_size": 3, "pool_size": 2, "strides": -1},
            ValueError,
            "strides must be a positive",
        ),
        (
            {"input_size": 3, "pool_size": 2, "padding": "full"},
            ValueError,
            "padding must be one of 'valid', 'same'; got 'full'",
        ),
    ],
)
def test_output_size_rejects_bad_arguments(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        pooling.output_size(**kwargs)


# --------------------------------------------------------------------------- layers


@pytest.mark.parametrize(
    ("kind", "input_shape"),
    [("max1d", (None, 28, 32)), ("max2d", (None, 28, 28, 32)), ("average2d", (None, 8, 8, 3))],
)
def test_pooling_layers_have_no_parameters(kind, input_shape):
    layer = pooling.pooling_layer(kind, pool_size=2)
    layer.build(input_shape)
    assert layer.count_params() == 0
    assert not layer.trainable_weights


def test_convolution_in_the_chapter_has_9248_parameters():
    import keras

    conv_layer = keras.layers.Conv2D(32, kernel_size=3)
    conv_layer.build((None, 28, 28, 32))
    assert conv_layer.count_params() == 3 * 3 * 32 * 32 + 32 == 9248


def test_pooling_layer_rejects_unknown_kind():
    with pytest.raises(
        ValueError, match=r"kind must be one of 'max1d', 'max2d', 'average2d'; got 'min2d'"
    ):
        pooling.pooling_layer("min2d")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bad input


BAD_X = [
    (
        pooling.max_pool1d,
        np.zeros((2, 2, 2)),
        ValueError,
        r"x must be a 1-D or 2-D array.*\(2, 2, 2\)",
    ),
    (pooling.max_pool1d, np.float64(3.0), ValueError, r"x must be a 1-D or 2-D.*got shape \(\)"),
    (pooling.max_pool2d, np.zeros(4), ValueError, r"x must be a 2-D or 3-D.*\(4,\)"),
    (pooling.average_pool2d, np.zeros((4, 4, 3, 1)), ValueError, r"x must.*\(4, 4, 3, 1\)"),
    (pooling.max_pool1d, np.zeros(0), ValueError, r"x must not be empty.*\(0,\)"),
    (pooling.max_pool2d, np.zeros((0, 4)), ValueError, r"x must not be empty.*\(0, 4\)"),
    (pooling.average_pool2d, np.zeros((4, 4, 0)), ValueError, r"x must not be empty"),
    (pooling.max_pool2d, np.array([["a", "b"], ["c", "d"]]), TypeError, r"x must hold real.*<U1"),
    (pooling.max_pool2d, np.ones((2, 2), dtype=complex), TypeError, r"x must hold.*complex128"),
    (pooling.max_pool1d, np.ones(4, dtype=bool), TypeError, r"x must hold real.*bool"),
    (pooling.max_pool2d, None, TypeError, r"x must hold real numbers.*object"),
    (pooling.max_pool2d, [[1.0, 2.0], [3.0]], ValueError, r"x must be a rectangular array"),
]


@pytest.mark.parametrize(("function", "x", "error", "pattern"), BAD_X)
def test_bad_x_is_rejected_with_its_shape(function, x, error, pattern):
    with pytest.raises(error, match=pattern):
        function(x)


@pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8, reason="longdouble is float64 here")
def test_extended_precision_is_rejected():
    with pytest.raises(TypeError, match="x has dtype"):
        pooling.max_pool2d(np.ones((2, 2), dtype=np.longdouble))


BAD_WINDOWS = [
    (
        pooling.max_pool1d,
        (3,),
        {"pool_size": 4},
        ValueError,
        r"pool_size=4 does not fit in x of shape \(3,\).*length 3",
    ),
    (
        pooling.max_pool2d,
        (3, 4),
        {"pool_size": 4},
        ValueError,
        r"pool_size=\(4, 4\).*shape \(3, 4\).*lengths \(3, 4\)",
    ),
    (
        pooling.average_pool2d,
        (4, 2, 3),
        {"pool_size": (2, 3)},
        ValueError,
        r"pool_size=\(2, 3\).*\(4, 2, 3\).*\(4, 2\)",
    ),
    (pooling.max_pool1d, (4,), {"pool_size": 0}, ValueError, "pool_size must be a positive"),
    (pooling.max_pool2d, (4, 4), {"pool_size": (2, -1)}, ValueError, "pool_size must be a pos"),
    (pooling.max_pool2d, (4, 4), {"strides": 0}, ValueError, "strides must be a positive"),
    (
        pooling.max_pool1d,
        (4,),
        {"pool_size": 2.0},
        TypeError,
        "pool_size must be a positive integer",
    ),
    (
        pooling.max_pool1d,
        (4,),
        {"pool_size": True},
        TypeError,
        "pool_size must be a positive integer",
    ),
    (pooling.max_pool2d, (4, 4), {"pool_size": (2, 2, 2)}, ValueError, "sequence of 2 positive"),
    (
        pooling.max_pool2d,
        (4, 4),
        {"strides": "2"},
        TypeError,
        "strides must be a positive integer or",
    ),
    (
        pooling.max_pool2d,
        (4, 4),
        {"padding": "full"},
        ValueError,
        r"padding must be one of .*'full'",
    ),
    (pooling.average_pool2d, (4, 4), {"padding": None}, TypeError, "padding must be one of .*None"),
]


@pytest.mark.parametrize(("function", "shape", "kwargs", "error", "pattern"), BAD_WINDOWS)
def test_bad_window_arguments_are_named(function, shape, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        function(np.ones(shape), **kwargs)


def test_a_window_larger_than_the_input_is_fine_with_same_padding():
    np.testing.assert_array_equal(pooling.max_pool2d(np.eye(3), 4, padding="same"), [[1.0]])


# --------------------------------------------------------------------------- figures


def test_show_values_writes_every_value():
    fig = pooling_plots.show_values(pooling.example_matrix())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() == "column" and ax.get_ylabel() == "row"
    assert [t.get_text() for t in ax.texts][:6] == ["1", "1", "1", "1", "1", "1"]
    assert len(ax.texts) == 16


def test_show_values_draws_on_given_axes():
    fig, ax = plt.subplots()
    assert pooling_plots.show_values(np.eye(2), ax, title="identity") is fig
    assert ax.get_title() == "identity"


@pytest.mark.parametrize("operation", ["max", "average"])
def test_show_pooling_outlines_windows(operation):
    matrix = pooling.example_matrix()
    pooled = pooling.max_pool2d(matrix) if operation == "max" else pooling.average_pool2d(matrix)
    fig = pooling_plots.show_pooling(matrix, pooled, operation=operation)
    assert isinstance(fig, Figure)
    assert operation in fig.get_suptitle()
    ax_in, ax_out = fig.axes
    assert len(ax_in.patches) == len(ax_out.patches) == 4
    bold = [t.get_text() for t in ax_in.texts if t.get_fontweight() == "bold"]
    assert bold == (["1", "4", "3", "5"] if operation == "max" else [])


def test_show_pooling_with_overlapping_windows():
    matrix = pooling.example_matrix()
    pooled = pooling.max_pool2d(matrix, 2, strides=1)
    fig = pooling_plots.show_pooling(matrix, pooled, pool_size=2, strides=1)
    assert len(fig.axes[0].patches) == 9


def test_show_pooling_rejects_mismatched_arguments():
    matrix = pooling.example_matrix()
    with pytest.raises(ValueError, match=r"pooled has shape \(2, 2\).*pool_size=\(3, 3\)"):
        pooling_plots.show_pooling(matrix, pooling.max_pool2d(matrix), pool_size=3)
    with pytest.raises(ValueError, match="operation must be one of 'max', 'average'; got 'min'"):
        pooling_plots.show_pooling(matrix, pooling.max_pool2d(matrix), operation="min")
    with pytest.raises(ValueError, match=r"matrix must be a 2-D array.*\(4,\)"):
        pooling_plots.show_pooling(np.ones(4), np.ones((2, 2)))
    with pytest.raises(ValueError, match="pool_size must be a positive integer"):
        pooling_plots.show_pooling(matrix, pooling.max_pool2d(matrix), pool_size=0)


def test_show_channel_pooling_draws_each_channel():
    image = pooling.example_rgb()
    fig = pooling_plots.show_channel_pooling(image, pooling.max_pool2d(image))
    assert isinstance(fig, Figure)
    assert fig.get_suptitle()
    assert [ax.get_title() for ax in fig.axes] == [
        "red in (4x4)",
        "green in (4x4)",
        "blue in (4x4)",
        "red out (2x2)",
        "green out (2x2)",
        "blue out (2x2)",
    ]


def test_show_channel_pooling_rejects_mismatched_channels():
    image = pooling.example_rgb()
    with pytest.raises(ValueError, match=r"same number of channels.*\(4, 4, 3\).*\(2, 2\)"):
        pooling_plots.show_channel_pooling(image, pooling.max_pool2d(image[..., 0]))
    with pytest.raises(ValueError, match="channel_names must name all 3 channels"):
        pooling_plots.show_channel_pooling(image, pooling.max_pool2d(image), ["r", "g"])


# --------------------------------------------------------------------------- chapter


def test_chapter_runs_and_prints_its_numbers(capsys, monkeypatch):
    monkeypatch.chdir(CHAPTER.parent)
    runpy.run_path(str(CHAPTER), run_name="__main__")
    out = capsys.readouterr().out
    for line in [
        "side after 2x2 pooling: 14",
        "values per image: 25088 -> 6272",
        "weights of a 128-unit dense layer: 3211264 -> 802816",
        "max pooling unchanged: True",
        "batch for the layer: (1, 4, 4, 1)",
        "what the layer returns: (1, 2, 2, 1)",
        "column maxima: [[2. 3. 4. 5.]]",
        "same as pooling each channel alone: True",
        "max pooling parameters: 0",
        "convolution parameters: 9248",
        "weights on 28x28 maps: 9248",
        "weights on 14x14 maps: 9248",
    ]:
        assert line in out
    # the size table: pool 3, stride 3, "same" padding gives 10, as Keras says
    assert re.search(r"^\s*3\s+3\s+same\s+10\s+\(10, 10\)\s*$", out, re.MULTILINE)
