"""Tests for convbook.windows, the window arithmetic shared by convolution, pooling, graphs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook import graphs, pooling, windows

sizes = st.integers(1, 40)
kernels = st.integers(1, 9)
strides = st.integers(1, 5)
paddings = st.one_of(st.sampled_from(windows.PADDINGS), st.integers(0, 4))


@settings(max_examples=200, deadline=None)
@given(n=sizes, kernel_size=kernels, padding=paddings, stride=strides)
def test_windows_cover_the_padded_input_as_output_size_says(n, kernel_size, padding, stride):
    before, after = windows.pad_widths(n, kernel_size, padding, stride)
    assert windows.pad_before(n, kernel_size, padding, stride) == before
    assert windows.fits(n, kernel_size, padding, stride) == (n + before + after >= kernel_size)
    if not windows.fits(n, kernel_size, padding, stride):
        with pytest.raises(ValueError, match="does not fit"):
            windows.output_size(n, kernel_size, padding, stride)
        return
    starts = windows.window_starts(n, kernel_size, padding, stride)
    assert len(starts) == windows.output_size(n, kernel_size, padding, stride)
    assert starts[0] == -before
    assert all(b - a == stride for a, b in zip(starts, starts[1:], strict=False))
    # every window lies inside the padded input, and one more would not
    assert starts[-1] + kernel_size <= n + after
    assert starts[-1] + stride + kernel_size > n + after
    if padding == "same":
        assert len(starts) == math.ceil(n / stride)
        assert after - before in (0, 1)


@settings(max_examples=100, deadline=None)
@given(
    n=sizes,
    pool=kernels,
    stride=st.one_of(st.none(), strides),
    padding=st.sampled_from(("valid", "same")),
)
def test_pooling_output_size_is_windows_output_size_with_keras_defaults(n, pool, stride, padding):
    step = pool if stride is None else stride
    if windows.fits(n, pool, padding, step):
        expected = windows.output_size(n, pool, padding, step)
        assert pooling.output_size(n, pool, stride, padding) == expected
    else:
        with pytest.raises(ValueError, match=f"pool_size={pool} is longer"):
            pooling.output_size(n, pool, stride, padding)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 12),
    kernel_size=st.integers(1, 5),
    stride=st.integers(1, 3),
    padding=st.sampled_from(("valid", "same")),
)
def test_graph_windows_use_the_same_arithmetic(n, kernel_size, stride, padding):
    if not windows.fits(n, kernel_size, padding):
        return
    graph = graphs.conv_graph_1d(n, kernel_size, stride, padding)
    assert graph.graph["output_shape"] == (windows.output_size(n, kernel_size, padding, stride),)
    for j, start in enumerate(windows.window_starts(n, kernel_size, padding, stride)):
        inputs = sorted(i for (_, i) in graphs.receptive_field(graph, ("out", j)))
        assert inputs == [i for i in range(start, start + kernel_size) if 0 <= i < n]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: windows.output_size(0, 3), ValueError, r"n must be a positive integer; got 0\."),
        (lambda: windows.output_size(5, 2.0), TypeError, r"kernel_size must be a positive integer"),
        (lambda: windows.pad_widths(5, 3, stride=0), ValueError, r"stride must be a positive"),
        (
            lambda: windows.pad_widths(5, 3, "full"),
            ValueError,
            r"padding must be 'valid', 'same' or",
        ),
        (lambda: windows.pad_widths(5, 3, -1), ValueError, r"padding must be .*; got -1\."),
        (lambda: windows.pad_widths(5, 3, True), TypeError, r"padding must be .*; got True\."),
        (
            lambda: windows.check_padding(1, allow_integer=False),
            TypeError,
            r"one of 'valid', 'same'",
        ),
        (lambda: windows.output_size(3, 5), ValueError, r"kernel_size=5 does not fit .*n=3"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_keras_puts_the_odd_zero_after():
    assert windows.pad_widths(6, 3, "same", stride=2) == (0, 1)
    assert windows.pad_widths(6, 4, "same") == (1, 2)
    assert windows.window_starts(6, 4, "same") == [-1, 0, 1, 2, 3, 4]
