"""The book's animations: each frame shows the numbers the library computes, and plays offline.

The arrays are the ones the chapters write on the page. Every frame function is checked
against the library call the chapter prints (``convolve2d``, ``correlate2d``, ``conv2d``,
Keras' pooling layers, ``receptive_field``), and every animation is checked for its frame
count and for an HTML player that loads nothing from the internet.
"""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from numpy.lib.stride_tricks import sliding_window_view

from convbook import convolution, graphs, pooling
from convbook.plotting import animation
from convbook.plotting import convolution_animation as conv_anim
from convbook.plotting import pooling_animation as pooling_anim
from convbook.plotting import receptive_field_animation as field_anim

# Chapter 1 (convolution by hand): the worked 6x6 image and 3x3 kernel.
IMAGE = np.array(
    [
        [10, 10, 10, 10, 10, 10],
        [10, 5, 5, 5, 5, 5],
        [10, 5, 5, 5, 5, 5],
        [10, 5, 5, 10, 10, 10],
        [10, 5, 5, 10, 10, 10],
        [10, 5, 5, 10, 10, 10],
    ]
)
KERNEL = np.array([[-1, -1, 0], [-1, 0, 1], [0, 1, 1]])
# Chapter 2 (arithmetic): channel 0 of the 5x5x3 example and of filter W0.
X0 = np.array([[0, 1, 0, 2, 1], [0, 0, 1, 0, 1], [2, 1, 2, 1, 2], [0, 1, 2, 2, 0], [2, 1, 1, 2, 0]])
W0 = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
# Chapter 4 (pooling): the running example.
MATRIX = np.array([[1, 1, 1, 1], [1, 1, 4, 1], [2, 1, 1, 1], [1, 3, 1, 5]], dtype=float)

# Players bigger than this would make a chapter page slow to open.
PLAYER_LIMIT = 600_000


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _frames(function, *args, count, **kwargs):
    return [function(*args, k, **kwargs) for k in range(count)]


# --------------------------------------------------------------------------- the chapters' data


def test_the_literals_are_the_chapters_examples():
    worked = convolution.hand_convolution()
    assert np.array_equal(IMAGE, worked.image) and np.array_equal(KERNEL, worked.kernel)
    example = convolution.multichannel_example()
    assert np.array_equal(X0, example.x[..., 0])
    assert np.array_equal(W0, example.weights[..., 0, 0])
    assert np.array_equal(MATRIX, pooling.example_matrix())


# --------------------------------------------------------------------------- convolution


def test_convolution_frames_match_convolve2d():
    expected = convolution.convolve2d(IMAGE, KERNEL)
    windows = sliding_window_view(IMAGE, KERNEL.shape)
    frames = _frames(conv_anim.convolution_frame, IMAGE, KERNEL, count=expected.size)
    for k, frame in enumerate(frames):
        row, col = divmod(k, expected.shape[1])
        assert frame.cell == (row, col) and frame.window == (row, col)
        assert frame.frame_count == expected.size == 16
        assert np.array_equal(frame.patch, windows[row, col])
        assert np.array_equal(frame.kernel, convolution.flip(KERNEL))
        assert np.array_equal(frame.products, frame.patch * convolution.flip(KERNEL))
        assert frame.value == expected[row, col]
        assert frame.value == convolution.convolve2d(frame.patch, KERNEL).item()
        filled = ~np.isnan(frame.output)
        assert filled.sum() == k + 1 and filled.flat[: k + 1].all()
        assert np.array_equal(frame.output[filled], expected[filled])
    assert np.array_equal(frames[-1].output, expected)


def test_first_convolution_frame_is_the_hand_computation():
    worked = convolution.hand_convolution()
    frame = conv_anim.convolution_frame(worked.image, worked.kernel, 0)
    assert np.array_equal(frame.patch, worked.patch)
    assert np.array_equal(frame.products, worked.products)
    assert frame.value == worked.value == 15
    for position in [(1, 1), (3, 2)]:
        worked = convolution.hand_convolution(position=position)
        frame = conv_anim.convolution_frame(IMAGE, KERNEL, position[0] * 4 + position[1])
        assert np.array_equal(frame.patch, worked.patch) and frame.value == worked.value


def test_cross_correlation_frames_match_correlate2d():
    last = conv_anim.convolution_frame(IMAGE, KERNEL, 15, flip=False)
    assert np.array_equal(last.output, convolution.correlate2d(IMAGE, KERNEL))
    assert np.array_equal(last.kernel, KERNEL)
    same = conv_anim.convolution_frame(IMAGE, KERNEL, 35, padding="same", flip=False)
    assert same.pad == ((1, 1), (1, 1)) and same.padded.shape == (8, 8)
    assert np.array_equal(same.output, convolution.correlate2d(IMAGE, KERNEL, "same"))


def test_padding_and_stride_frames_match_conv2d_and_the_printed_sums():
    example = convolution.multichannel_example()
    expected = convolution.conv2d(X0[..., None], W0[..., None, None], stride=2, padding="same")
    expected = expected[..., 0]
    assert expected.shape == (3, 3) == (convolution.output_size(5, 3, "same", 2),) * 2
    channel_sums = [cell.channel_sums[0] for cell in example.cells if cell.filter == 0]
    frames = _frames(
        conv_anim.convolution_frame,
        X0,
        W0,
        count=9,
        padding="same",
        stride=2,
        flip=False,
    )
    for k, frame in enumerate(frames):
        row, col = divmod(k, 3)
        top, left = 2 * row, 2 * col
        assert frame.pad == ((1, 1), (1, 1)) and frame.window == (top, left)
        assert np.array_equal(frame.padded, example.padded[..., 0])
        assert np.array_equal(frame.patch, example.padded[top : top + 3, left : left + 3, 0])
        assert frame.value == expected[row, col] == channel_sums[k]
    assert np.array_equal(frames[-1].output, expected)


def test_stride_two_with_asymmetric_same_padding():
    # n=6, k=3, stride 2: Keras adds (0, 1) zeros, as the chapter prints.
    last = conv_anim.convolution_frame(IMAGE, KERNEL, 8, padding="same", stride=2, flip=False)
    assert last.pad == ((0, 1), (0, 1))
    expected = convolution.conv2d(
        IMAGE[..., None], KERNEL[..., None, None], stride=2, padding="same"
    )
    assert np.array_equal(last.output, expected[..., 0])


# --------------------------------------------------------------------------- pooling


@pytest.mark.parametrize(
    ("operation", "keras_pool"),
    [("max", pooling.max_pool2d), ("average", pooling.average_pool2d)],
)
def test_pooling_frames_match_keras(operation, keras_pool):
    expected = keras_pool(MATRIX)
    frames = _frames(pooling_anim.pooling_frame, MATRIX, count=12, operation=operation)
    for k, frame in enumerate(frames):
        index, phase = divmod(k, 3)
        row, col = divmod(index, 2)
        assert frame.phase == pooling_anim.PHASES[phase]
        assert frame.cell == (row, col) and frame.window == (2 * row, 2 * col)
        assert np.array_equal(frame.values, MATRIX[2 * row : 2 * row + 2, 2 * col : 2 * col + 2])
        assert frame.value == pytest.approx(expected[row, col])
        if operation == "max":
            assert MATRIX[frame.winner] == frame.value
        else:
            assert frame.winner is None
        placed = index + 1 if frame.phase == "place" else index
        assert (~np.isnan(frame.output)).sum() == placed
    np.testing.assert_allclose(frames[-1].output, expected)


def test_pooling_frames_with_overlapping_windows():
    last = pooling_anim.pooling_frame(MATRIX, 26, pool_size=2, strides=1)
    np.testing.assert_allclose(last.output, pooling.max_pool2d(MATRIX, 2, strides=1))


# --------------------------------------------------------------------------- receptive field


def test_receptive_field_frames_match_receptive_field():
    stack = graphs.stack_conv_2d(9, 9, 3, n_layers=3)
    top = ("out", 1, 1)
    frames = _frames(field_anim.receptive_field_frame, stack, top, count=4)
    assert [frame.depth for frame in frames] == [3, 2, 1, 0]
    assert frames[0].units == [top] and frames[0].extent == (1, 1)
    assert frames[1].units == sorted(stack.predecessors(top))
    for k, frame in enumerate(frames[1:], start=1):
        side = graphs.receptive_field_size(3, k)
        assert frame.extent == (side, side) and len(frame.units) == side * side
    assert frames[-1].units == sorted(graphs.receptive_field(stack, top))
    assert set(frames[-1].edges) == set(graphs.receptive_field_edges(stack, top))
    # A hidden unit can be followed too, and with stride 2 the field grows faster.
    assert field_anim.receptive_field_frame(stack, ("h2", 2, 2), 2).extent == (5, 5)
    strided = graphs.stack_conv_1d(15, 3, n_layers=3, stride=2)
    last = field_anim.receptive_field_frame(strided, ("out", 0), 3)
    assert last.extent == (graphs.receptive_field_size(3, 3, stride=2),)
    assert last.units == sorted(graphs.receptive_field(strided, ("out", 0)))


# --------------------------------------------------------------------------- animations


ANIMATIONS = {
    "convolution": (lambda: conv_anim.animate_convolution(IMAGE, KERNEL), 16),
    "padding_stride": (
        lambda: conv_anim.animate_convolution(X0, W0, padding="same", stride=2, flip=False),
        9,
    ),
    "max_pooling": (lambda: pooling_anim.animate_pooling(MATRIX), 12),
    "average_pooling": (lambda: pooling_anim.animate_pooling(MATRIX, operation="average"), 12),
    "receptive_field": (
        lambda: field_anim.animate_receptive_field(
            graphs.stack_conv_2d(9, 9, 3, n_layers=3), ("out", 1, 1)
        ),
        4,
    ),
}


@pytest.mark.parametrize("name", ANIMATIONS)
def test_animation_is_an_offline_player_with_its_frames(name):
    make, count = ANIMATIONS[name]
    anim = make()
    assert isinstance(anim, FuncAnimation)
    assert anim.frame_count == count == len(list(anim.new_frame_seq()))
    html = anim.to_jshtml()
    assert "http://" not in html and "https://" not in html
    assert animation.remote_references(html) == []
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)=", html)
    embedded = re.findall(r"frames\[\d+\] = \"data:image/png;base64,", html)
    assert len(embedded) == count
    assert 'alt="Animation of' in html and "fa fa-" not in html and "<svg" in html
    assert len(html) < PLAYER_LIMIT, f"{name}: {len(html)} characters"


def test_still_frames_are_figures():
    fig = conv_anim.show_convolution_frame(IMAGE, KERNEL, 15)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert fig.get_suptitle().startswith("Step 16 of 16:")
    fig = conv_anim.show_convolution_frame(X0, W0, 4, padding="same", stride=2, flip=False)
    assert fig.axes[0].get_title() == "image, zeros around it"
    fig = pooling_anim.show_pooling_frame(MATRIX, 0, operation="average")
    assert "(1 + 1 + 1 + 1) / 4 = 1" in fig.get_suptitle()
    stack = graphs.stack_conv_2d(9, 9, 3, n_layers=3)
    fig = field_anim.show_receptive_field_frame(stack, ("out", 1, 1), 2)
    assert "5×5 window of layer 1" in fig.get_suptitle()


# --------------------------------------------------------------------------- wrong arguments


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: conv_anim.convolution_frame(IMAGE, KERNEL, 16), ValueError, "k"),
        (lambda: conv_anim.convolution_frame(IMAGE, KERNEL, "0"), TypeError, "k"),
        (
            lambda: conv_anim.convolution_frame(IMAGE, KERNEL, 0, padding="sane"),
            ValueError,
            "padding",
        ),
        (lambda: conv_anim.convolution_frame(IMAGE, KERNEL, 0, stride=0), ValueError, "stride"),
        (lambda: conv_anim.convolution_frame(IMAGE, KERNEL, 0, flip="yes"), TypeError, "flip"),
        (lambda: conv_anim.convolution_frame(KERNEL, IMAGE, 0), ValueError, "kernel"),
        (lambda: conv_anim.convolution_frame([1, 2], KERNEL, 0), ValueError, "image"),
        (lambda: conv_anim.animate_convolution(IMAGE, KERNEL, interval=0), ValueError, "interval"),
        (lambda: pooling_anim.pooling_frame(MATRIX, 12), ValueError, "k"),
        (lambda: pooling_anim.pooling_frame(MATRIX, 0, operation="min"), ValueError, "operation"),
        (lambda: pooling_anim.pooling_frame(MATRIX, 0, pool_size=5), ValueError, "pool_size"),
        (lambda: pooling_anim.animate_pooling("matrix"), TypeError, "matrix"),
        (lambda: field_anim.receptive_field_frame({}, ("out", 0), 0), TypeError, "graph"),
        (
            lambda: field_anim.receptive_field_frame(graphs.stack_conv_1d(5, 3, 2), ("in", 0), 0),
            ValueError,
            "output_node",
        ),
        (
            lambda: field_anim.receptive_field_frame(graphs.stack_conv_1d(5, 3, 2), "out", 0),
            ValueError,
            "top_node",
        ),
        (
            lambda: field_anim.receptive_field_frame(graphs.stack_conv_1d(5, 3, 2), ("out", 0), 3),
            ValueError,
            "k",
        ),
    ],
)
def test_wrong_arguments_name_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_offline_jshtml_refuses_what_it_cannot_make_offline():
    with pytest.raises(ValueError, match="still loads"):
        animation.offline_jshtml('<script src="https://cdn.example/player.js"></script>')
    page = animation.offline_jshtml(
        '<img id="_anim_img0a"><i class="fa fa-pause"></i>', alt='a "b"'
    )
    assert 'alt="a &quot;b&quot;"' in page and "<svg" in page
