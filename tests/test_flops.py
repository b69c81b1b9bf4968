import keras
import pytest

from convbook import flops, models


def _single_layer(layer, input_shape):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, layer(inputs)).layers[1]


def test_conv_flops_are_two_per_multiply_add_over_the_output():
    layer = _single_layer(keras.layers.Conv2D(8, (3, 5), strides=2, padding="same"), (10, 12, 4))
    out_h, out_w = 5, 6  # ceil(10 / 2), ceil(12 / 2)
    assert flops.layer_flops(layer) == 2 * 3 * 5 * 4 * 8 * out_h * out_w


def test_dense_and_reshaping_layers():
    assert flops.layer_flops(_single_layer(keras.layers.Dense(7), (5,))) == 2 * 5 * 7
    assert flops.layer_flops(_single_layer(keras.layers.Flatten(), (3, 3))) == 0
    assert (
        flops.layer_flops(_single_layer(keras.layers.MaxPooling2D(2), (4, 4, 3))) == 2 * 2 * 3 * 4
    )


def test_keras_example_model_total_by_hand():
    model = models.build("keras_example_cnn")
    by_hand = (
        2 * 9 * 1 * 32 * 26 * 26  # conv1
        + 13 * 13 * 32 * 4  # pool1
        + 2 * 9 * 32 * 64 * 11 * 11  # conv2
        + 5 * 5 * 64 * 4  # pool2
        + 2 * 1600 * 10  # predictions (dense; its softmax is part of the layer)
    )
    assert flops.forward_flops(model) == by_hand
    assert flops.training_flops(model) == 3 * by_hand


def test_fast_model_needs_less_arithmetic_than_the_keras_example():
    fast = flops.forward_flops(models.build("fast_cnn"))
    example = flops.forward_flops(models.build("keras_example_cnn"))
    # "about a third of the arithmetic per image": fast_cnn's docstring and the Making it
    # fast chapter.
    assert 2.5 < example / fast < 3.5


@pytest.mark.parametrize(("name", "known"), [("NVIDIA H100 PCIe", True), ("Mystery GPU", False)])
def test_gpu_peak_lookup(name, known):
    assert (flops.gpu_peak_flops(name) is not None) is known
