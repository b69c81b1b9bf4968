import keras
import numpy as np
import pytest
from keras import layers

from convbook import datasets, inspection


def tiny_cnn(*, with_input=True):
    stack = [
        layers.Conv2D(3, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(4, 2, name="conv2"),
        layers.AveragePooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(5, name="dense"),
    ]
    if with_input:
        stack.insert(0, keras.Input((12, 12, 1)))
    return keras.Sequential(stack, name="tiny_cnn")


# ----------------------------------------------------------------- labels


def test_class_counts_counts_every_class_including_absent_ones():
    labels = np.array([2, 0, 2, 2, 4])
    counts = inspection.class_counts(labels, num_classes=6)
    assert counts.tolist() == [int(np.sum(labels == k)) for k in range(6)]
    assert inspection.class_counts(np.eye(3)[[0, 2, 2]]).tolist() == [1, 0, 2]


def test_class_counts_argument_checks():
    with pytest.raises(ValueError, match="num_classes=2 but labels go up to 4"):
        inspection.class_counts([0, 4], num_classes=2)
    with pytest.raises(ValueError, match="non-negative"):
        inspection.class_counts([-1, 0])
    with pytest.raises(TypeError, match="integer class labels"):
        inspection.class_counts([0.5, 1.0])


def test_format_class_counts_table_shares_and_totals():
    table = inspection.format_class_counts({"train": [6, 2], "test": [1, 3]}, ["a", "b"])
    lines = table.splitlines()
    assert lines[0].split() == ["class", "train", "test"]
    assert set(lines[1]) == {"-", " "}  # the rule under the header
    assert lines[2].split() == ["a", "6", "(75.0%)", "1", "(25.0%)"]
    assert lines[-1].split() == ["total", "8", "4"]
    with pytest.raises(ValueError, match="has 3 entries but there are 2 class names"):
        inspection.format_class_counts({"train": [1, 2, 3]}, ["a", "b"])


def test_dataset_summary_reports_shapes_ranges_and_counts():
    x = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    summary = inspection.dataset_summary(((x, np.array([0, 1])), (x[:1], np.array([1]))), "ab")
    assert summary.splitlines()[0].split() == ["array", "shape", "dtype", "values"]
    assert summary.splitlines()[2].split() == [
        "x_train",
        "(2,",
        "3,",
        "3)",
        "uint8",
        f"0..{x.max()}",
    ]
    assert summary.splitlines()[-1].split() == ["total", "2", "1"]


def test_misclassified_returns_wrong_indices_in_order():
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 2, 2, 0, 4, 1])
    assert inspection.misclassified(y_true, y_pred).tolist() == [1, 3, 5]
    assert inspection.misclassified(y_true, y_pred, limit=2).tolist() == [1, 3]
    assert inspection.misclassified(y_true, y_pred, limit=0).tolist() == []
    probabilities = np.eye(6)[y_pred] * 0.9 + 0.01
    assert inspection.misclassified(np.eye(6)[y_true], probabilities).tolist() == [1, 3, 5]


def test_misclassified_argument_checks():
    with pytest.raises(ValueError, match="same length; got 2 and 3"):
        inspection.misclassified([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="limit must be a non-negative integer; got -1."):
        inspection.misclassified([0], [1], limit=-1)


# ----------------------------------------------------------------- models


@pytest.mark.parametrize("with_input", [True, False])
def test_first_layer_filters_equal_the_first_conv_kernel(with_input):
    model = tiny_cnn(with_input=with_input)
    if not with_input:
        model.build((None, 12, 12, 1))
    filters = inspection.first_layer_filters(model)
    assert filters.shape == (3, 3, 1, 3)
    np.testing.assert_array_equal(filters, model.get_layer("conv1").get_weights()[0])


def test_first_layer_filters_searches_nested_models():
    inner = tiny_cnn()
    outer = keras.Sequential([keras.Input((12, 12, 1)), layers.Rescaling(1 / 255), inner])
    np.testing.assert_array_equal(
        inspection.first_layer_filters(outer), inner.get_layer("conv1").get_weights()[0]
    )


def test_first_layer_filters_needs_a_conv_layer_and_weights():
    dense = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="only_dense")])
    with pytest.raises(ValueError, match="has no Conv2D layer; its layers are \\['only_dense'\\]"):
        inspection.first_layer_filters(dense)
    with pytest.raises(ValueError, match="has no weights yet"):
        inspection.first_layer_filters(tiny_cnn(with_input=False))


def test_feature_map_layers_are_conv_and_pool_layers():
    assert inspection.feature_map_layers(tiny_cnn()) == ["conv1", "pool1", "conv2", "pool2"]


def test_feature_maps_shapes_and_values_match_the_layers():
    model = tiny_cnn()
    image = np.random.default_rng(0).random((12, 12, 1), dtype=np.float32)
    maps = inspection.feature_maps(model, image)
    assert {name: m.shape for name, m in maps.items()} == {
        "conv1": (10, 10, 3),
        "pool1": (5, 5, 3),
        "conv2": (4, 4, 4),
        "pool2": (2, 2, 4),
    }
    # The first map is the first layer applied to the image, the next its pooled version.
    direct = keras.ops.convert_to_numpy(model.get_layer("conv1")(image[np.newaxis]))[0]
    np.testing.assert_allclose(maps["conv1"], direct, rtol=1e-5, atol=1e-6)
    pooled = maps["conv1"].reshape(5, 2, 5, 2, 3).max(axis=(1, 3))
    np.testing.assert_allclose(maps["pool1"], pooled, rtol=1e-6)


def test_feature_maps_of_chosen_layers_and_a_2d_image():
    model = tiny_cnn(with_input=False)
    model(np.zeros((1, 12, 12, 1), np.float32))  # built by being called
    maps = inspection.feature_maps(model, np.ones((12, 12)), layer_names=["conv2"])
    assert list(maps) == ["conv2"]
    assert maps["conv2"].shape == (4, 4, 4)


def test_feature_maps_of_a_functional_model():
    inputs = keras.Input((9, 9, 2))
    hidden = layers.Conv2D(5, 3, padding="same", name="conv")(inputs)
    outputs = layers.GlobalAveragePooling2D()(hidden)
    model = keras.Model(inputs, outputs)
    maps = inspection.feature_maps(model, np.ones((9, 9, 2)))
    assert list(maps) == ["conv"] and maps["conv"].shape == (9, 9, 5)


def test_feature_maps_argument_checks():
    model = tiny_cnn()
    with pytest.raises(ValueError, match="\\['nope'\\] are not layers of 'tiny_cnn'"):
        inspection.feature_maps(model, np.ones((12, 12)), layer_names=["nope"])
    with pytest.raises(TypeError, match="layer_names must be a sequence of layer names"):
        inspection.feature_maps(model, np.ones((12, 12)), layer_names="conv1")
    with pytest.raises(ValueError, match="takes images of shape \\(12, 12, 1\\)"):
        inspection.feature_maps(model, np.ones((1, 12, 12, 1)))
    with pytest.raises(ValueError, match="no defined inputs"):
        inspection.feature_maps(tiny_cnn(with_input=False), np.ones((12, 12)))


def test_class_balance_as_the_datasets_chapter_states_it(real_data_dir):
    (_, y_train), (_, y_test) = datasets.load("mnist", real_data_dir)
    train, test = inspection.class_counts(y_train, 10), inspection.class_counts(y_test, 10)
    assert (train.argmax(), train.argmin()) == (1, 5)
    assert f"{train.max() / train.min():.2f}" == "1.24"
    assert f"{test[train.argmax()] / len(y_test):.1%}" == "11.3%"
    (_, fy_train), (_, fy_test) = datasets.load("fashion_mnist", real_data_dir)
    assert set(inspection.class_counts(fy_train).tolist()) == {6000}
    assert set(inspection.class_counts(fy_test).tolist()) == {1000}


def test_roc_example_is_six_images_of_three_classes_with_one_mistake():
    labels, scores = inspection.roc_example()
    assert labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert scores.shape == (6, 3)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    assert inspection.misclassified(labels, scores).tolist() == [3]
    labels[0] = 9  # each call returns fresh arrays
    assert inspection.roc_example()[0][0] == 0
