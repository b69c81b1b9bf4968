"""Tests for convbook.graphs and convbook.plotting.graphs."""

from __future__ import annotations

import math

import matplotlib
import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convbook import graphs
from convbook.graphs import (
    compare_wiring,
    connection_count,
    conv_graph_1d,
    conv_graph_2d,
    dense_graph_1d,
    dense_graph_2d,
    receptive_field,
    receptive_field_growth,
    receptive_field_size,
    stack_conv_1d,
    stack_conv_2d,
    weight_count,
)

matplotlib.use("Agg")

sizes = st.integers(min_value=1, max_value=12)
kernels = st.integers(min_value=1, max_value=6)
strides = st.integers(min_value=1, max_value=4)
paddings = st.sampled_from(["valid", "same"])


# ---------------------------------------------------------------------------
# Independent references, written with NumPy rather than with the module's helpers
# ---------------------------------------------------------------------------


def expected_length(n: int, k: int, s: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(n / s)
    return (n - k) // s + 1


def window_cells_in_bounds(n: int, k: int, s: int, padding: str) -> np.ndarray:
    """For each output along one axis, how many of its window cells land on real inputs."""
    n_out = expected_length(n, k, s, padding)
    pad_total = max((n_out - 1) * s + k - n, 0) if padding == "same" else 0
    starts = np.arange(n_out) * s - pad_total // 2
    cells = starts[:, None] + np.arange(k)[None, :]
    return ((cells >= 0) & (cells < n)).sum(axis=1)


# ---------------------------------------------------------------------------
# The chapter's numbers
# ---------------------------------------------------------------------------


def test_chapter_2d_counts() -> None:
    same = compare_wiring((6, 6), 3)
    assert same.output_shape == (6, 6)
    assert same.dense_connections == same.dense_weights == 36 * 36 == 1296
    # Interior 4x4 outputs see 9 pixels, the 16 border non-corners see 6, the corners 4.
    assert same.conv_connections == 16 * 9 + 16 * 6 + 4 * 4 == 256
    assert same.shared_weights == 9
    assert same.unshared_weights == 256
    assert same.connection_ratio == pytest.approx(1296 / 256)

    valid = compare_wiring((6, 6), 3, padding="valid")
    assert valid.output_shape == (4, 4)
    assert (valid.dense_connections, valid.conv_connections) == (576, 144)
    assert (valid.shared_weights, valid.unshared_weights) == (9, 144)


def test_chapter_1d_counts() -> None:
    valid = compare_wiring(6, 3, padding="valid")
    assert valid.output_shape == (4,)
    assert (valid.dense_connections, valid.conv_connections) == (24, 12)
    assert (valid.shared_weights, valid.unshared_weights) == (3, 12)
    same = compare_wiring(6, 3)
    assert (same.dense_connections, same.conv_connections, same.shared_weights) == (36, 16, 3)
    assert compare_wiring((6,), 3) == same


def test_chapter_scaling_table() -> None:
    expected = {4: (256, 100), 6: (1296, 256), 8: (4096, 484), 12: (20736, 1156)}
    for side, (dense, conv) in expected.items():
        row = compare_wiring((side, side), 3)
        assert (row.dense_connections, row.conv_connections, row.shared_weights) == (
            dense,
            conv,
            9,
        )


def test_chapter_growth_table() -> None:
    rows = receptive_field_growth(3, 5)
    assert [r.field_from_graph for r in rows] == [3, 5, 7, 9, 11]
    assert [r.field_closed_form for r in rows] == [3, 5, 7, 9, 11]
    assert [r.stacked_weights for r in rows] == [9, 18, 27, 36, 45]
    assert [r.single_kernel_weights for r in rows] == [9, 25, 49, 81, 121]


def test_chapter_weight_sharing_counts() -> None:
    shared = conv_graph_1d(8, 3)
    unshared = conv_graph_1d(8, 3, shared_weights=False)
    assert connection_count(shared) == connection_count(unshared) == 18
    assert (weight_count(shared), weight_count(unshared)) == (3, 18)


def test_chapter_border_units_and_stack() -> None:
    g = conv_graph_2d(6, 6, 3)
    seen = [len(receptive_field(g, node)) for node in [("out", 2, 3), ("out", 0, 3), ("out", 0, 0)]]
    assert seen == [9, 6, 4]
    assert len(receptive_field(stack_conv_1d(13, 3, 4), ("out", 2))) == 9
    assert receptive_field_size(3, 3, stride=2) == 15


def test_highlighted_receptive_field_in_2d() -> None:
    g = conv_graph_2d(6, 6, 3)
    assert receptive_field(g, ("out", 2, 3)) == {("in", r, c) for r in (1, 2, 3) for c in (2, 3, 4)}
    assert receptive_field(g, ("out", 0, 0)) == {("in", r, c) for r in (0, 1) for c in (0, 1)}
    assert len(receptive_field(dense_graph_2d(6, 6, 6, 6), ("out", 2, 3))) == 36


# ---------------------------------------------------------------------------
# Graph structure and attributes
# ---------------------------------------------------------------------------


def test_node_and_edge_attributes() -> None:
    for g in (conv_graph_1d(5, 3), conv_graph_2d(4, 5, 2), dense_graph_1d(3, 2)):
        for _, data in g.nodes(data=True):
            assert set(data) >= {"pos", "layer"}
            assert len(data["pos"]) == 2
        assert all("weight_id" in data for *_, data in g.edges(data=True))
        assert nx.is_directed_acyclic_graph(g)


def test_inputs_drawn_left_of_outputs() -> None:
    g = conv_graph_2d(6, 6, 3)
    right_edge_of_inputs = max(g.nodes[n]["pos"][0] for n in graphs.input_nodes(g))
    left_edge_of_outputs = min(g.nodes[n]["pos"][0] for n in graphs.output_nodes(g))
    assert right_edge_of_inputs < left_edge_of_outputs


def test_dense_edges_each_have_their_own_weight() -> None:
    g = dense_graph_2d(3, 4, 2, 2)
    assert connection_count(g) == weight_count(g) == 12 * 4


def test_shared_conv_edges_with_same_offset_share_weight() -> None:
    g = conv_graph_2d(5, 5, 3)
    for _, _, data in g.edges(data=True):
        assert data["weight_id"] == data["offset"]


def test_stack_of_one_matches_single_layer() -> None:
    single, stack = conv_graph_1d(7, 3, 2), stack_conv_1d(7, 3, 1, 2)
    assert set(single.nodes) == set(stack.nodes)
    assert set(single.edges) == set(stack.edges)


def test_stacked_layers_never_share_weights() -> None:
    g = stack_conv_1d(10, 3, 3)
    assert weight_count(g) == 3 * 3
    assert weight_count(stack_conv_1d(10, 3, 3, shared_weights=False)) == connection_count(g)


def test_receptive_field_growth_with_strides() -> None:
    rows = receptive_field_growth(3, 3, stride=2)
    assert [r.field_from_graph for r in rows] == [3, 7, 15]
    assert all(r.field_from_graph == r.field_closed_form for r in rows)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(n=sizes, k=kernels, s=strides, padding=paddings, shared=st.booleans())
def test_conv_1d_matches_numpy_reference(
    n: int, k: int, s: int, padding: str, shared: bool
) -> None:
    assume(padding == "same" or k <= n)
    g = conv_graph_1d(n, k, s, padding, shared_weights=shared)
    cells = window_cells_in_bounds(n, k, s, padding)
    assert g.graph["output_shape"] == (expected_length(n, k, s, padding),)
    assert connection_count(g) == int(cells.sum())
    for j, count in enumerate(cells):
        assert len(receptive_field(g, ("out", j))) == count
    assert all(0 <= d < k for *_, d in g.edges(data="offset"))
    if shared:
        assert weight_count(g) <= k
    else:
        assert weight_count(g) == connection_count(g)


@settings(max_examples=50, deadline=None)
@given(h=sizes, w=sizes, kh=kernels, kw=kernels, s=strides, padding=paddings)
def test_conv_2d_matches_numpy_reference(
    h: int, w: int, kh: int, kw: int, s: int, padding: str
) -> None:
    assume(padding == "same" or (kh <= h and kw <= w))
    g = conv_graph_2d(h, w, (kh, kw), s, padding)
    rows = window_cells_in_bounds(h, kh, s, padding)
    cols = window_cells_in_bounds(w, kw, s, padding)
    assert g.graph["output_shape"] == (len(rows), len(cols))
    assert connection_count(g) == int(np.outer(rows, cols).sum())
    assert all(0 <= dr < kh and 0 <= dc < kw for *_, (dr, dc) in g.edges(data="offset"))
    assert weight_count(g) <= kh * kw
    dense = dense_graph_2d(h, w, *g.graph["output_shape"])
    assert connection_count(dense) == h * w * len(rows) * len(cols)


@settings(max_examples=50, deadline=None)
@given(k=kernels, depth=st.integers(1, 4), s=st.integers(1, 3), extra=st.integers(0, 5))
def test_stacked_receptive_field_matches_closed_form(
    k: int, depth: int, s: int, extra: int
) -> None:
    span = receptive_field_size(k, depth, s)
    g = stack_conv_1d(span + extra, k, depth, s)
    for top in graphs.output_nodes(g):
        field = sorted(i for _, i in receptive_field(g, top))
        assert field[-1] - field[0] + 1 == span
        if k >= s:
            assert len(field) == span


def test_closed_form_stride_one() -> None:
    for k in range(1, 8):
        for depth in range(1, 6):
            assert receptive_field_size(k, depth) == 1 + depth * (k - 1)


def test_stacked_2d_receptive_field_is_a_square() -> None:
    g = stack_conv_2d(9, 9, 3, 3)
    field = receptive_field(g, ("out", 1, 1))
    assert field == {("in", r, c) for r in range(1, 8) for c in range(1, 8)}


# ---------------------------------------------------------------------------
# Errors at the public boundary
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: dense_graph_1d(0, 3), "n_inputs"),
        (lambda: dense_graph_1d(3, -1), "n_outputs"),
        (lambda: dense_graph_2d(2, 2, 0, 2), "out_height"),
        (lambda: conv_graph_1d(4, 0), "kernel_size"),
        (lambda: conv_graph_1d(4, 5), "kernel_size"),
        (lambda: conv_graph_1d(4, 2, stride=0), "stride"),
        (lambda: conv_graph_1d(4, 2, padding="full"), "padding"),
        (lambda: conv_graph_2d(6, 6, 3, padding="SAME"), "padding"),
        (lambda: conv_graph_2d(2, 6, 3, padding="valid"), "kernel_size"),
        (lambda: conv_graph_2d(6, 6, (3, 3, 3)), "kernel_size"),
        (lambda: conv_graph_2d(0, 6, 3), "height"),
        (lambda: stack_conv_1d(8, 3, 5), "n_layers"),
        (lambda: stack_conv_1d(8, 3, 0), "n_layers"),
        (lambda: receptive_field_size(3, 0), "n_layers"),
        (lambda: receptive_field(conv_graph_1d(5, 3), ("out", 9)), "output_node"),
        (lambda: receptive_field(conv_graph_1d(5, 3), ("in", 0)), "output_node"),
        (lambda: compare_wiring((2, 3, 4), 3), "input_shape"),
    ],
)
def test_bad_values_raise_value_error_naming_argument(call, argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        call()


def test_bad_types_raise_type_error() -> None:
    with pytest.raises(TypeError, match="n_inputs"):
        conv_graph_1d(4.0, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="kernel_size"):
        conv_graph_1d(4, True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="graph must be a networkx.DiGraph"):
        connection_count({"not": "a graph"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="layer must be an integer from 0 to 1"):
        graphs.layer_nodes(conv_graph_1d(4, 3), 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="input_shape"):
        compare_wiring("6", 3)  # type: ignore[arg-type]


def test_error_message_says_what_is_valid() -> None:
    with pytest.raises(ValueError, match=r"padding must be one of 'valid', 'same'; got 'causal'"):
        conv_graph_1d(4, 2, padding="causal")
    with pytest.raises(ValueError, match="at most 4"):
        conv_graph_1d(4, 5)


# ---------------------------------------------------------------------------
# Plotting
# ---------------------------------------------------------------------------


def test_draw_wiring_returns_titled_figure() -> None:
    from matplotlib.figure import Figure

    from convbook.plotting.graphs import draw_wiring

    fig = draw_wiring(conv_graph_2d(6, 6, 3), highlight=("out", 0, 0))
    assert isinstance(fig, Figure)
    title = fig.axes[0].get_title()
    assert "256 connections" in title and "4 inputs" in title
    fig = draw_wiring(dense_graph_1d(4, 2), title="Dense")
    assert fig.axes[0].get_title() == "Dense"


def test_draw_on_given_axes_and_panels() -> None:
    import matplotlib.pyplot as plt

    from convbook.plotting.graphs import draw_wiring, draw_wiring_panels

    fig, ax = plt.subplots()
    assert draw_wiring(conv_graph_1d(6, 3), ax=ax, color_by_weight=True) is fig
    fig = draw_wiring_panels(
        [conv_graph_1d(6, 3), conv_graph_1d(6, 3, shared_weights=False)],
        color_by_weight=True,
        suptitle="Sharing",
    )
    assert len(fig.axes) == 2 and fig.get_suptitle() == "Sharing"
    with pytest.raises(ValueError, match="highlights"):
        draw_wiring_panels([conv_graph_1d(6, 3)], highlights=[None, None])
    plt.close("all")


def test_draw_receptive_field_growth() -> None:
    from convbook.plotting.graphs import draw_receptive_field_growth

    fig = draw_receptive_field_growth(stack_conv_1d(13, 3, 4))
    assert "sees 9 inputs" in fig.axes[0].get_title()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "1 in view" in texts and "9 in view" in texts


def test_draw_rejects_wrong_highlight() -> None:
    from convbook.plotting.graphs import draw_wiring

    with pytest.raises(ValueError, match="output_node"):
        draw_wiring(conv_graph_1d(6, 3), highlight=("out", 99))
