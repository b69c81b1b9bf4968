import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convbook import inspection
from convbook.plotting import inspection as inspection_plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_filters_one_panel_per_filter_with_weights():
    filters = np.random.default_rng(0).normal(size=(3, 3, 1, 10))
    fig = inspection_plots.show_filters(filters, n_cols=4)
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_title().startswith("filter")]
    assert len(panels) == 10
    np.testing.assert_allclose(panels[7].images[0].get_array(), filters[:, :, 0, 7])
    assert [t.get_text() for t in panels[0].texts][:2] == [
        f"{filters[0, 0, 0, 0]:.2f}",
        f"{filters[0, 1, 0, 0]:.2f}",
    ]
    assert any(ax.get_ylabel() == "weight" for ax in fig.axes)  # the colour bar
    assert "filters" in fig.get_suptitle()


def test_show_filters_colour_and_channel_choice():
    filters = np.random.default_rng(1).normal(size=(5, 5, 3, 2))
    colour = inspection_plots.show_filters(filters)
    assert len(colour.axes) == 2 and colour.axes[0].images[0].get_array().shape == (5, 5, 3)
    second = inspection_plots.show_filters(filters, input_channel=1)
    np.testing.assert_allclose(second.axes[1].images[0].get_array(), filters[:, :, 1, 1])
    with pytest.raises(ValueError, match="input_channel must be an integer from 0 to 2; got 3."):
        inspection_plots.show_filters(filters, input_channel=3)
    with pytest.raises(ValueError, match="4-D kernel"):
        inspection_plots.show_filters(np.zeros((3, 3)))


def test_show_feature_maps_rows_per_layer():
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(6, 3, name="conv"),
            keras.layers.MaxPooling2D(name="pool"),
        ]
    )
    image = np.random.default_rng(0).random((10, 10, 1))
    maps = inspection.feature_maps(model, image)
    fig = inspection_plots.show_feature_maps(maps, max_channels=4, image=image)
    # one input panel, then 4 maps per layer
    assert len(fig.axes) == 1 + 4 + 4
    assert fig.axes[0].get_title() == "input"
    assert fig.axes[1].get_ylabel().splitlines() == ["conv", "8x8x6"]
    np.testing.assert_allclose(fig.axes[6].images[0].get_array(), maps["pool"][:, :, 1])
    assert fig.get_suptitle()
    with pytest.raises(ValueError, match="Remove the batch axis"):
        inspection_plots.show_feature_maps({"conv": np.zeros((1, 8, 8, 6))})
    with pytest.raises(ValueError, match="at least one layer"):
        inspection_plots.show_feature_maps({})
