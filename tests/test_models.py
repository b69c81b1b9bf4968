from __future__ import annotations

import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from convbook import models

# --------------------------------------------------------------------------- arithmetic
# Parameter counts derived from the layer sizes, the way the book teaches them.


def conv(k: int, c_in: int, filters: int, bias: bool = True) -> int:
    """A Conv2D layer: one k x k x c_in kernel (plus a bias) per filter."""
    return (k * k * c_in + int(bias)) * filters


def dense(n_in: int, units: int) -> int:
    """A Dense layer: a weight per input per unit, plus one bias per unit."""
    return (n_in + 1) * units


def batch_norm(channels: int) -> int:
    """gamma, beta (trained) and the moving mean and variance (not trained)."""
    return 4 * channels


def valid(n: int, k: int, stride: int = 1) -> int:
    return (n - k) // stride + 1


def dense_net_params(h: int, w: int, c: int, classes: int) -> int:
    return dense(h * w * c, 512) + dense(512, 512) + dense(512, classes)


def simple_cnn_params(h: int, w: int, c: int, classes: int) -> int:
    side_h, side_w = valid(valid(h, 3), 3) // 2, valid(valid(w, 3), 3) // 2
    return conv(3, c, 32) + conv(3, 32, 64) + dense(side_h * side_w * 64, 128) + dense(128, classes)


def compact_cnn_params(h: int, w: int, c: int, classes: int) -> int:
    side_h = valid(valid(h, 3) // 2, 3) // 2
    side_w = valid(valid(w, 3) // 2, 3) // 2
    return conv(3, c, 32) + conv(3, 32, 64) + dense(side_h * side_w * 64, 64) + dense(64, classes)


def deep_cnn_params(h: int, w: int, c: int, classes: int) -> int:
    convs = conv(3, c, 64) + conv(3, 64, 64)  # block 1
    convs += conv(3, 64, 128) + conv(3, 128, 128)  # block 2
    convs += conv(3, 128, 256) + 2 * conv(3, 256, 256)  # block 3
    flat = (h // 8) * (w // 8) * 256  # three 2x2 pools, "same" convolutions
    return convs + dense(flat, 512) + dense(512, 512) + dense(512, classes)


def lenet5_params(h: int, w: int, c: int, classes: int) -> int:
    c5_h = valid(valid(valid(h, 5) // 2, 5) // 2, 5)
    c5_w = valid(valid(valid(w, 5) // 2, 5) // 2, 5)
    return (
        conv(5, c, 6) + conv(5, 6, 16) + conv(5, 16, 120)
        + dense(c5_h * c5_w * 120, 84) + dense(84, classes)
    )  # fmt: skip


def alexnet_side(n: int) -> int:
    # conv1 11x11 stride 4, then three 3x3 stride-2 pools ("same" convolutions in between)
    return valid(valid(valid(valid(n, 11, 4), 3, 2), 3, 2), 3, 2)


def alexnet_params(h: int, w: int, c: int, classes: int) -> int:
    convs = (
        conv(11, c, 96) + conv(5, 96, 256) + conv(3, 256, 384) + conv(3, 384, 384)
        + conv(3, 384, 256)
    )  # fmt: skip
    flat = alexnet_side(h) * alexnet_side(w) * 256
    return convs + dense(flat, 4096) + dense(4096, 4096) + dense(4096, classes)


def alexnet_small_params(h: int, w: int, c: int, classes: int) -> int:
    def side(n: int) -> int:
        return valid(valid(valid(n, 3, 2), 3, 2), 3, 2)  # "same" convs, three pools

    convs = conv(5, c, 32) + conv(3, 32, 64) + conv(3, 64, 96) + conv(3, 96, 96) + conv(3, 96, 64)
    return convs + dense(side(h) * side(w) * 64, 256) + dense(256, 256) + dense(256, classes)


def fast_cnn_params(h: int, w: int, c: int, classes: int) -> int:
    def side(n: int) -> int:
        return valid(valid(valid(n, 3) // 2, 3) // 2, 3)

    layers = conv(3, c, 16, bias=False) + batch_norm(16)
    layers += conv(3, 16, 32, bias=False) + batch_norm(32)
    layers += conv(3, 32, 64, bias=False) + batch_norm(64)
    return layers + dense(side(h) * side(w) * 64, classes)


def keras_example_cnn_params(h: int, w: int, c: int, classes: int) -> int:
    def side(n: int) -> int:
        return valid(valid(n, 3) // 2, 3) // 2

    return conv(3, c, 32) + conv(3, 32, 64) + dense(side(h) * side(w) * 64, classes)


EXPECTED = {
    "dense_net": dense_net_params,
    "simple_cnn": simple_cnn_params,
    "compact_cnn": compact_cnn_params,
    "deep_cnn": deep_cnn_params,
    "lenet5": lenet5_params,
    "alexnet": alexnet_params,
    "alexnet_small": alexnet_small_params,
    "fast_cnn": fast_cnn_params,
    "keras_example_cnn": keras_example_cnn_params,
}

# Input shapes other than the default that each model supports (small for speed).
OTHER_SHAPES = {
    "dense_net": (32, 32, 3),
    "simple_cnn": (32, 32, 3),
    "compact_cnn": (32, 24, 3),
    "deep_cnn": (32, 32, 3),
    "lenet5": (40, 36, 3),
    "alexnet": (99, 99, 1),
    "alexnet_small": (32, 32, 3),
    "fast_cnn": (32, 32, 3),
    "keras_example_cnn": (32, 24, 3),
}

SMALLEST_SIDE = {  # the smallest height and width each model accepts, with the reason
    "dense_net": 1,  # no convolutions
    "simple_cnn": 6,  # 6 -> 4 -> 2 -> pool 1
    "compact_cnn": 10,  # 10 -> 8 -> 4 -> 2 -> 1
    "deep_cnn": 8,  # three 2x2 pools: 8 -> 4 -> 2 -> 1
    "lenet5": 32,  # 32 -> 28 -> 14 -> 10 -> 5 -> 1
    "alexnet": 67,  # 67 -> 15 -> 7 -> 3 -> 1
    "alexnet_small": 15,  # 15 -> 7 -> 3 -> 1
    "fast_cnn": 18,  # 18 -> 16 -> 8 -> 6 -> 3 -> 1
    "keras_example_cnn": 10,  # 10 -> 8 -> 4 -> 2 -> 1
}


@pytest.fixture(scope="module")
def default_models() -> dict[str, keras.Model]:
    """Every model once with its own defaults (AlexNet: 1000 classes), shared read-only."""
    builders = {name: getattr(models, name) for name in models.MODEL_NAMES}
    return {name: builder() for name, builder in builders.items()}


# --------------------------------------------------------------------------- counts


def test_hand_counts_match_the_documented_totals():
    assert dense_net_params(28, 28, 1, 10) == 669_706
    assert simple_cnn_params(28, 28, 1, 10) == 1_199_882
    assert compact_cnn_params(28, 28, 1, 10) == 121_930
    assert deep_cnn_params(28, 28, 1, 10) == 3_182_282
    assert lenet5_params(32, 32, 1, 10) == 61_706
    assert alexnet_params(227, 227, 3, 1000) == 62_378_344
    assert alexnet_small_params(28, 28, 1, 10) == 347_274
    assert fast_cnn_params(28, 28, 1, 10) == 29_402
    assert keras_example_cnn_params(28, 28, 1, 10) == 34_826


def test_alexnet_grouped_count_in_the_docstring():
    # The 2012 paper split conv2, conv4 and conv5 into two groups: each half of the filters
    # saw half of the input maps, halving those layers' weights (biases unchanged).
    def grouped(k: int, c_in: int, filters: int) -> int:
        return 2 * conv(k, c_in // 2, filters // 2)

    saved = (
        conv(5, 96, 256) - grouped(5, 96, 256)
        + conv(3, 384, 384) - grouped(3, 384, 384)
        + conv(3, 384, 256) - grouped(3, 384, 256)
    )  # fmt: skip
    grouped_total = alexnet_params(227, 227, 3, 1000) - saved
    assert grouped_total == 60_965_224
    assert "60,965,224" in models.alexnet.__doc__


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_default_parameter_count(name, default_models):
    model = default_models[name]
    classes = 1000 if name == "alexnet" else 10
    assert model.count_params() == EXPECTED[name](*models.default_input_shape(name), classes)


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_parameter_count_with_three_classes_and_another_shape(name):
    shape = OTHER_SHAPES[name]
    model = models.build(name, input_shape=shape, num_classes=3)
    assert model.count_params() == EXPECTED[name](*shape, 3)
    assert model.input_shape == (None, *shape)
    assert model.output_shape == (None, 3)


def test_fast_cnn_trains_all_but_the_batch_norm_statistics(default_models):
    model = default_models["fast_cnn"]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    moving_statistics = 2 * (16 + 32 + 64)
    assert trainable == model.count_params() - moving_statistics


def test_fast_cnn_translation_adds_a_training_only_shift_layer():
    plain, shifted = models.fast_cnn(), models.build("fast_cnn", translation=0.1)
    assert shifted.layers[1].name == "shift" and "shift" not in [x.name for x in plain.layers]
    assert shifted.count_params() == plain.count_params()
    shifted.set_weights(plain.get_weights())
    images = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    # inactive outside training: the same predictions as the model without it
    np.testing.assert_allclose(shifted.predict(images, verbose=0), plain.predict(images, verbose=0))
    with pytest.raises(ValueError, match="translation"):
        models.fast_cnn(translation=0.5)


# --------------------------------------------------------------------------- shapes, names


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_model_is_named_uncompiled_and_matches_its_default_shape(name, default_models):
    model = default_models[name]
    assert model.name == name
    assert not model.compiled
    assert model.input_shape == (None, *models.default_input_shape(name))
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("name", "layer", "shape"),
    [
        ("simple_cnn", "pool", (None, 12, 12, 64)),
        ("compact_cnn", "pool2", (None, 5, 5, 64)),
        ("deep_cnn", "block3_pool", (None, 3, 3, 256)),
        ("lenet5", "c1", (None, 28, 28, 6)),
        ("lenet5", "s4", (None, 5, 5, 16)),
        ("lenet5", "c5", (None, 1, 1, 120)),
        ("alexnet", "conv1", (None, 55, 55, 96)),
        ("alexnet", "pool2", (None, 13, 13, 256)),
        ("alexnet", "pool5", (None, 6, 6, 256)),
        ("alexnet_small", "pool1", (None, 13, 13, 32)),
        ("alexnet_small", "pool5", (None, 2, 2, 64)),
        ("fast_cnn", "relu3", (None, 3, 3, 64)),
        ("fast_cnn", "bn1", (None, 13, 13, 16)),
    ],
)
def test_feature_map_shapes(name, layer, shape, default_models):
    assert tuple(default_models[name].get_layer(layer).output.shape) == shape


def test_default_output_shapes(default_models):
    for name, model in default_models.items():
        assert model.output_shape == (None, 1000 if name == "alexnet" else 10), name


def test_build_defaults_to_ten_classes_and_the_default_shape():
    model = models.build("lenet5")
    assert model.input_shape == (None, 32, 32, 1)
    assert model.output_shape == (None, 10)


def test_default_input_shapes():
    assert models.default_input_shape("lenet5") == (32, 32, 1)
    assert models.default_input_shape("alexnet") == (227, 227, 3)
    for name in ("dense_net", "simple_cnn", "compact_cnn", "deep_cnn", "alexnet_small"):
        assert models.default_input_shape(name) == (28, 28, 1)


def test_builders_return_new_models():
    first, second = models.build("compact_cnn"), models.build("compact_cnn")
    assert first is not second
    assert first.get_layer("conv1") is not second.get_layer("conv1")


# --------------------------------------------------------------------------- softmax


def test_ends_with_softmax_for_every_model(default_models):
    for name, model in default_models.items():
        assert models.ends_with_softmax(model) is (name != "compact_cnn"), name


def test_ends_with_softmax_on_other_endings():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3)(inputs)
    as_layer = keras.Model(inputs, keras.layers.Softmax()(hidden))
    as_activation = keras.Model(inputs, keras.layers.Activation("softmax")(hidden))
    sigmoid = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    assert models.ends_with_softmax(as_layer)
    assert models.ends_with_softmax(as_activation)
    assert not models.ends_with_softmax(sigmoid)
    assert models.ends_with_softmax(keras.Sequential([keras.Input((4,)), keras.layers.Softmax()]))


def test_ends_with_softmax_rejects_non_models():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        models.ends_with_softmax(keras.layers.Dense(3))


# --------------------------------------------------------------------------- forward pass


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_one_forward_pass(name):
    shape = models.default_input_shape(name)
    batch = 1 if name == "alexnet" else 4
    model = models.build(name, num_classes=3)
    images = np.random.default_rng(0).random((batch, *shape), dtype=np.float32)
    outputs = keras.ops.convert_to_numpy(model(images, training=False))
    assert outputs.shape == (batch, 3)
    assert np.all(np.isfinite(outputs))
    if models.ends_with_softmax(model):
        np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=1e-5)
        assert np.all(outputs >= 0)


def test_lenet5_activation_option():
    relu = models.build("lenet5", activation="relu")
    assert relu.get_layer("c3").activation is keras.activations.relu
    assert models.lenet5().get_layer("f6").activation is keras.activations.tanh
    assert relu.count_params() == 61_706


def test_dense_net_and_simple_cnn_options():
    wide = models.simple_cnn(filters=(64, 128))
    assert wide.count_params() == (
        conv(3, 1, 64) + conv(3, 64, 128) + dense(12 * 12 * 128, 128) + dense(128, 10)
    )
    narrow = models.dense_net(hidden_units=(100,), dropout=0.0)
    assert narrow.count_params() == dense(784, 100) + dense(100, 10)
    assert models.alexnet_small(dropout=0.3).get_layer("dropout6").rate == pytest.approx(0.3)


# --------------------------------------------------------------------------- bad input


def test_unknown_name_lists_the_models():
    with pytest.raises(
        ValueError, match=r"name must be one of 'dense_net'.*'fast_cnn'.*; got 'vgg16'"
    ):
        models.build("vgg16")
    with pytest.raises(ValueError, match="got 'resnet'"):
        models.default_input_shape("resnet")
    with pytest.raises(TypeError, match="name must be one of"):
        models.build(None)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ((28, 28), ValueError),
        ((28, 28, 1, 1), ValueError),
        ((28, 0, 1), ValueError),
        ((-28, 28, 1), ValueError),
        ((28.0, 28, 1), TypeError),
        ((True, 28, 1), TypeError),
        ("28x28", TypeError),
        (28, TypeError),
    ],
)
def test_bad_input_shape(bad, error):
    with pytest.raises(error, match=r"input_shape must be a sequence of 3 positive integers; got"):
        models.build("compact_cnn", input_shape=bad)


def test_numpy_integers_are_accepted():
    model = models.build("compact_cnn", input_shape=tuple(np.array([28, 28, 1])))
    assert model.input_shape == (None, 28, 28, 1)


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_smallest_input_is_accepted_and_one_less_is_rejected(name):
    side = SMALLEST_SIDE[name]
    channels = models.default_input_shape(name)[2]
    assert models.build(name, input_shape=(side, side, channels)).output_shape == (None, 10)
    if side == 1:
        return
    too_small = (side - 1, side + 5, channels)
    expected = (
        rf"input_shape must be at least {side}x{side} for {name} .*"
        rf"the default is {re.escape(str(models.default_input_shape(name)))}\); "
        rf"got \({side - 1}, {side + 5}, {channels}\)\.$"
    )
    with pytest.raises(ValueError, match=expected):
        models.build(name, input_shape=too_small)


def test_lenet5_rejects_unpadded_mnist():
    with pytest.raises(ValueError, match=r"at least 32x32 for lenet5 .*; got \(28, 28, 1\)"):
        models.lenet5(input_shape=(28, 28, 1))


@pytest.mark.parametrize(
    ("bad", "error"),
    [(1, ValueError), (0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError),
     ("10", TypeError), (None, TypeError)],
)  # fmt: skip
def test_bad_num_classes(bad, error):
    with pytest.raises(error, match=r"num_classes must be an integer of at least 2; got"):
        models.build("dense_net", num_classes=bad)


def test_bad_builder_options():
    with pytest.raises(ValueError, match=r"activation must be one of 'tanh'.*; got 'softsign'"):
        models.lenet5(activation="softsign")
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\); got 1\.0"):
        models.dense_net(dropout=1.0)
    with pytest.raises(ValueError, match=r"dropout must be .*; got -0\.1"):
        models.alexnet_small(dropout=-0.1)
    with pytest.raises(
        ValueError, match=r"filters must be a sequence of 2 positive .*; got \(32,\)"
    ):
        models.simple_cnn(filters=(32,))
    with pytest.raises(ValueError, match=r"hidden_units must be .*positive integers; got \(\)"):
        models.dense_net(hidden_units=())
    with pytest.raises(TypeError, match=r"translation must be a number in \[0, 0\.5\); got '0\.1'"):
        models.fast_cnn(translation="0.1")
    with pytest.raises(TypeError, match="activation"):
        models.build("deep_cnn", activation="relu")


# --------------------------------------------------------------------------- the registry


def test_one_record_per_model_with_its_builder_shape_and_description():
    assert models.MODEL_NAMES == tuple(models.MODELS)
    for name, spec in models.MODELS.items():
        assert spec.name == name and spec.description
        assert spec.builder is getattr(models, name)
        assert spec.builder.__module__ == f"convbook.models.{spec.family}"
        assert models.default_input_shape(name) == spec.input_shape
        assert f"``{name}``" in models.__doc__  # the table of the package notes


def test_every_public_name_is_importable():
    for name in models.__all__:
        assert getattr(models, name) is not None, name
    assert set(models.MODEL_NAMES) <= set(models.__all__)
    with pytest.raises(AttributeError, match="no_such_model"):
        models.no_such_model  # noqa: B018


def test_the_registry_needs_no_keras():
    code = (
        "import sys; from convbook import models;"
        "print(models.default_input_shape('lenet5'), 'keras' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "(32, 32, 1) False", result.stderr
