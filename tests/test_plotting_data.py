import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convbook import datasets, inspection
from convbook.plotting import data as data_plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_image_values_writes_every_pixel():
    image = np.arange(49, dtype=np.uint8).reshape(7, 7, 1)
    fig = data_plots.show_image_values(image)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == [str(v) for v in image.ravel()]
    assert ax.get_xlabel() == "column (pixel)" and ax.get_ylabel() == "row (pixel)"
    assert ax.get_title().startswith("A 7x7 image is 49 numbers")
    with pytest.raises(ValueError, match="must be a grey image"):
        data_plots.show_image_values(np.zeros((4, 4, 3)))


def test_show_image_values_on_a_real_digit(real_data_dir):
    (x_train, y_train), _ = datasets.load("mnist", real_data_dir)
    fig = data_plots.show_image_values(x_train[0], title="digit")
    assert len(fig.axes[0].texts) == 28 * 28
    assert max(int(t.get_text()) for t in fig.axes[0].texts) == int(x_train[0].max())


def test_show_samples_grid_titles_are_class_names():
    images = np.random.default_rng(0).integers(0, 255, size=(5, 8, 8), dtype=np.uint8)
    labels = np.array([2, 0, 1, 2, 0])
    fig = data_plots.show_samples(images, labels, ["a", "b", "c"], n_rows=2, n_cols=4)
    assert len(fig.axes) == 8
    assert [ax.get_title() for ax in fig.axes[:5]] == ["c", "a", "b", "c", "a"]
    assert all(not ax.axison for ax in fig.axes[5:])
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), images[3])
    assert fig.get_suptitle()
    with pytest.raises(ValueError, match="one label each"):
        data_plots.show_samples(images, labels[:3], ["a", "b", "c"])
    with pytest.raises(ValueError, match="3 class names"):
        data_plots.show_samples(images, labels + 1, ["a", "b", "c"])
    with pytest.raises(ValueError, match="n_rows must be a positive integer"):
        data_plots.show_samples(images, labels, ["a", "b", "c"], n_rows=0)


def test_show_class_counts_bars_are_the_counts():
    train = np.array([0, 1, 1, 2, 2, 2])
    test = np.array([1, 2])
    fig = data_plots.show_class_counts({"train": train, "test": test}, ["a", "b", "c"])
    (ax,) = fig.axes
    heights = [int(bar.get_height()) for bar in ax.patches]
    expected = (
        inspection.class_counts(train, 3).tolist() + inspection.class_counts(test, 3).tolist()
    )
    assert heights == expected
    assert ax.get_xlabel() == "class" and ax.get_ylabel() == "number of examples"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train (6)", "test (2)"]
    assert ax.get_title()


def test_display_name_falls_back_to_the_reading_without_a_font():
    assert data_plots.display_name("T-shirt/top") == "T-shirt/top"
    name = data_plots.display_name(datasets.CLASS_NAMES["kmnist"][0])
    assert name in (datasets.CLASS_NAMES["kmnist"][0], "o")


def test_single_axes_figures_draw_into_given_axes():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    image = np.arange(9, dtype=np.uint8).reshape(3, 3)
    assert data_plots.show_image_values(image, ax=left) is fig
    assert data_plots.show_class_counts([0, 1, 1], ["a", "b"], ax=right) is fig
    assert len(left.texts) == 9 and len(right.patches) == 2
    assert len(fig.axes) == 2  # nothing added beside them


def test_samples_per_class_puts_one_class_in_each_column():
    import numpy as np

    from convbook.plotting import data as data_plots

    labels = np.array([2, 0, 1, 0, 2, 1, 0, 1, 2])
    images = np.arange(9)[:, None, None] * np.ones((9, 4, 4))
    fig = data_plots.show_samples_per_class(images, labels, ["a", "b", "c"], per_class=2)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c", "a", "b", "c"]
    # row r shows the r-th image of every class, in the order of the arrays
    first_row = [ax.get_images()[0].get_array()[0, 0] for ax in fig.axes[:3]]
    assert first_row == [1, 2, 0]
    wanted = "labels must hold at least 4 images of every class; got 3 of 'a'"
    with pytest.raises(ValueError, match=wanted):
        data_plots.show_samples_per_class(images, labels, ["a", "b", "c"], per_class=4)
