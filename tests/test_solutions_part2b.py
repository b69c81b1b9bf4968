"""The answers the solutions of Part II, chapters 05-08, state, recomputed independently.

Each test recomputes one solution's answer through the library, Keras or NumPy, with its
own (smaller) data and code: a count by hand, a shape, which layer is largest, a sign, or
the direction of a tiny training run. The solutions themselves run with their chapters.
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import pytest

from convbook import convolution, flops, models, pooling, recipes, training

# --------------------------------------------------------------------------- helpers


def _shuffle_pixels(images: np.ndarray, order: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1)[:, order].reshape(images.shape)


def _train(model_name, data, *, epochs=1, batch_size=32, learning_rate=None, seed=0, **kwargs):
    training.seed_everything(seed)
    model = models.build(model_name, **kwargs)
    return training.train(
        model,
        data,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        verbose=0,
    )


def _one_cycle(epochs: int, images: int, batch_size: int, peak: float):
    steps = training.steps_per_epoch(training.validation_split_point(images, 0.1), batch_size)
    return training.one_cycle_schedule(epochs * steps, peak)


def _conv_or_dense_flops(layer) -> int:
    """Two FLOPs per multiply-add, from the layer's own shapes (not convbook.flops)."""
    if isinstance(layer, keras.layers.Conv2D):
        kernel_h, kernel_w, maps_in, maps_out = layer.kernel.shape
        _, height, width, _ = layer.output.shape
        return 2 * kernel_h * kernel_w * maps_in * maps_out * height * width
    if isinstance(layer, keras.layers.Dense):
        inputs, units = layer.kernel.shape
        return 2 * inputs * units
    return 0


# --------------------------------------------------------------------------- 05 dense vs CNN


def test_dense_vs_cnn_exercise_1_only_the_cnn_notices_shuffled_pixels(real_data_dir):
    data = training.prepare("mnist", train_samples=1500, test_samples=500)
    order = np.random.default_rng(0).permutation(784)
    shuffled = dataclasses.replace(
        data,
        x_train=_shuffle_pixels(data.x_train, order),
        x_test=_shuffle_pixels(data.x_test, order),
    )
    # The dense network cannot tell: with dense1's rows moved the same way as the pixels,
    # it computes exactly the same outputs on the shuffled images.
    plain = models.build("dense_net")
    moved = models.build("dense_net")
    moved.set_weights(plain.get_weights())
    kernel, bias = plain.get_layer("dense1").get_weights()
    moved.get_layer("dense1").set_weights([kernel[order], bias])
    np.testing.assert_allclose(
        moved.predict(shuffled.x_test, verbose=0),
        plain.predict(data.x_test, verbose=0),
        rtol=1e-4,
        atol=1e-6,
    )
    # The CNN's 3x3 windows lose their neighbourhoods: a clear drop after a tiny run.
    peak = recipes.RECIPES["compact_cnn_mnist"].full.learning_rate
    scores = {
        name: _train(
            "compact_cnn",
            prepared,
            epochs=2,
            learning_rate=_one_cycle(2, 1500, 32, peak),
        ).test_accuracy
        for name, prepared in (("plain", data), ("shuffled", shuffled))
    }
    assert scores["plain"] > 0.85
    assert scores["plain"] - scores["shuffled"] > 0.04


def test_dense_vs_cnn_exercise_2_the_narrow_dense_net_has_55050_parameters():
    narrow = models.build("dense_net", hidden_units=(64, 64))
    layers = [(784, 64), (64, 64), (64, 10)]
    assert narrow.count_params() == sum((n_in + 1) * n_out for n_in, n_out in layers) == 55_050
    first = narrow.get_layer("dense1").count_params()
    assert first / narrow.count_params() > 0.9
    assert 12 < models.build("dense_net").count_params() / narrow.count_params() < 12.5


def test_dense_vs_cnn_exercise_3_conv2_has_18496_parameters():
    conv2 = models.build("compact_cnn").get_layer("conv2")
    assert tuple(conv2.kernel.shape) == (3, 3, 32, 64)
    assert tuple(conv2.bias.shape) == (64,)
    assert conv2.count_params() == 64 * (3 * 3 * 32 + 1) == 18_496


def test_dense_vs_cnn_exercise_4_the_dense_layer_loses_the_most():
    wide = models.build("simple_cnn")
    thin = models.build("simple_cnn", filters=(16, 32))
    lost = {
        layer.name: layer.count_params() - thin.get_layer(layer.name).count_params()
        for layer in wide.layers
    }
    assert max(lost, key=lost.get) == "dense"
    assert lost["dense"] == (12 * 12 * 64 - 12 * 12 * 32) * 128 == 589_824
    assert lost["conv1"] == 160 and lost["conv2"] == 18_496 - 32 * (9 * 16 + 1)
    assert not isinstance(wide.get_layer("dense"), keras.layers.Conv2D)
    assert thin.get_layer("flatten").output.shape[-1] == 4_608


def test_dense_vs_cnn_exercise_5_one_cycle_anneals_and_the_cnn_does_more_work():
    plan = recipes.RECIPES["compact_cnn_mnist"].full
    schedule = _one_cycle(plan.epochs, 60_000, 128, plan.learning_rate)
    curve = schedule.curve()
    assert curve.max() == pytest.approx(plan.learning_rate, rel=1e-5)
    assert curve[-1] == pytest.approx(plan.learning_rate / 10_000, rel=1e-3)
    dense, compact = models.build("dense_net"), models.build("compact_cnn")
    ratio = sum(map(_conv_or_dense_flops, compact.layers)) / sum(
        map(_conv_or_dense_flops, dense.layers)
    )
    assert 3.5 < ratio < 4.1  # the solution's "3.8 times the arithmetic"


# --------------------------------------------------------------------------- 06 a deep CNN


def test_deep_cnn_exercise_1_valid_padding_runs_out_at_block3_conv2():
    deep = models.build("deep_cnn")
    side, sides, failed_at = 28, [], None
    for layer in deep.layers[1:]:
        if isinstance(layer, keras.layers.Conv2D):
            if side < 3:
                failed_at = layer.name
                break
            side = convolution.output_size(side, 3, padding="valid")
        elif isinstance(layer, keras.layers.MaxPooling2D):
            side = pooling.output_size(side, 2)
        sides.append(side)
    assert failed_at == "block3_conv2"
    assert sides == [26, 24, 12, 10, 8, 4, 2]
    with pytest.raises(ValueError):
        keras.layers.Conv2D(256, 3, padding="valid")(keras.Input((2, 2, 256)))


def test_deep_cnn_exercise_2_the_largest_layer_is_fc1():
    deep = models.build("deep_cnn")
    weights = {layer.name: layer.count_params() for layer in deep.layers}
    work = {layer.name: _conv_or_dense_flops(layer) for layer in deep.layers}
    assert max(weights, key=weights.get) == "fc1"
    assert weights["fc1"] == (3 * 3 * 256 + 1) * 512 == 1_180_160
    busiest = max(work.values())
    assert busiest == 57_802_752
    assert sorted(name for name, value in work.items() if value == busiest) == [
        "block1_conv2",
        "block2_conv2",
        "block3_conv2",
        "block3_conv3",
    ]
    assert work["fc1"] == 2 * 2304 * 512 < busiest / 20
    assert all(flops.layer_flops(deep.get_layer(n)) == v for n, v in work.items() if v)


def test_deep_cnn_exercise_3_three_epochs_stretch_the_cycle_over_half_again_the_updates(
    real_data_dir,
):
    plan = recipes.RECIPES["deep_cnn_mnist"].full
    tiny = dict(budget="full", train_samples=20, test_samples=50, batch_size=8, verbose=0)
    run = recipes.run_recipe("deep_cnn_mnist", epochs=3, **tiny)
    steps = training.steps_per_epoch(training.validation_split_point(20, 0.1), 8)
    assert run.epochs_run == 3 and plan.epochs == 2
    assert int(run.model.optimizer.iterations) == 3 * steps
    schedule = run.model.optimizer.get_config()["learning_rate"]["config"]
    assert schedule["total_steps"] == 3 * steps == 1.5 * (plan.epochs * steps)
    assert schedule["peak_learning_rate"] == plan.learning_rate


def test_deep_cnn_exercise_4_on_few_updates_the_shallow_network_is_ahead(real_data_dir):
    plan = recipes.RECIPES["deep_cnn_mnist"].full
    tiny = dict(budget="full", train_samples=120, test_samples=300, batch_size=8, verbose=0)
    deep = recipes.run_recipe("deep_cnn_mnist", **tiny)
    shallow = recipes.run_recipe(
        "compact_cnn_mnist", epochs=plan.epochs, learning_rate=plan.learning_rate, **tiny
    )
    assert deep.epochs_run == shallow.epochs_run == plan.epochs
    assert int(deep.model.optimizer.iterations) == int(shallow.model.optimizer.iterations)
    assert shallow.test_accuracy - deep.test_accuracy > 0.1


def test_deep_cnn_exercise_5_block1_conv2_does_57802752_flops():
    layer = models.build("deep_cnn").get_layer("block1_conv2")
    multiply_adds = 28 * 28 * 64 * 3 * 3 * 64
    assert multiply_adds == 28_901_376
    assert flops.layer_flops(layer) == _conv_or_dense_flops(layer) == 2 * multiply_adds


# --------------------------------------------------------------------------- 07 LeNet-5, AlexNet


def test_lenet_exercise_1_relu_does_not_learn_faster_than_tanh(real_data_dir):
    data = training.prepare("mnist", input_shape=(32, 32, 1), train_samples=2000, test_samples=500)
    scores = {
        activation: _train("lenet5", data, batch_size=128, activation=activation).history[
            "val_accuracy"
        ][-1]
        for activation in ("tanh", "relu")
    }
    assert scores["tanh"] > scores["relu"]


def test_lenet_exercise_2_a_28x28_input_is_refused_naming_32():
    with pytest.raises(ValueError, match=r"at least 32x32 for lenet5") as refused:
        models.build("lenet5", input_shape=(28, 28, 1))
    assert "(32, 32, 1)" in str(refused.value)
    with pytest.raises(ValueError):
        models.build("lenet5", input_shape=(31, 31, 1))
    assert models.build("lenet5", input_shape=(32, 32, 1)).get_layer("c5").output.shape[1] == 1
    side = 28
    for step in ("conv", "pool", "conv", "pool"):
        side = convolution.output_size(side, 5) if step == "conv" else pooling.output_size(side, 2)
    assert side == 4 < 5


def test_lenet_exercise_3_c3_and_c5_parameter_counts():
    lenet = models.build("lenet5")
    assert lenet.get_layer("c3").count_params() == 16 * (5 * 5 * 6 + 1) == 2_416
    assert lenet.get_layer("c5").count_params() == 120 * (5 * 5 * 16 + 1) == 48_120
    assert tuple(lenet.get_layer("s4").output.shape[1:]) == (5, 5, 16)


def test_lenet_exercise_4_alexnet_works_in_its_convolutions_and_stores_in_its_dense_layers():
    alexnet = models.alexnet()
    work = {kind: 0 for kind in (keras.layers.Conv2D, keras.layers.Dense)}
    weights = dict(work)
    for layer in alexnet.layers:
        for kind in work:
            if isinstance(layer, kind):
                work[kind] += _conv_or_dense_flops(layer)
                weights[kind] += layer.count_params()
    conv_share = work[keras.layers.Conv2D] / sum(work.values())
    dense_weights = weights[keras.layers.Dense] / alexnet.count_params()
    assert 0.94 < conv_share < 0.96
    assert 0.935 < dense_weights < 0.945
    assert flops.forward_flops(alexnet) > sum(work.values())  # plus pooling and the like


def test_lenet_exercise_5_alexnet_on_224_gives_54_not_55():
    assert math.floor((224 - 11) / 4) + 1 == 54 and (227 - 11) % 4 == 0
    small = models.alexnet(input_shape=(224, 224, 3))
    assert tuple(small.get_layer("conv1").output.shape[1:]) == (54, 54, 96)
    assert tuple(small.get_layer("pool5").output.shape[1:]) == (5, 5, 256)
    assert small.get_layer("fc6").count_params() == (6400 + 1) * 4096
    assert (9216 - 6400) * 4096 == 11_534_336


def test_lenet_exercise_6_one_cycle_passes_the_constant_rate_in_epoch_one_and_ends_ahead(
    real_data_dir,
):
    epochs, images = 4, 1500
    schedule = _one_cycle(epochs, images, 128, 3e-3)
    steps = schedule.total_steps // epochs
    curve = schedule.curve()
    assert curve[0] == pytest.approx(3e-3 / 25, rel=1e-4) and curve[0] < 1e-3
    assert steps <= int(curve.argmax()) < 2 * steps  # the peak lies in the second epoch
    assert curve[:steps].mean() > 1e-3  # the warm-up passes the constant rate in epoch 1
    assert curve[-1] < 1e-6
    data = training.prepare(
        "mnist", input_shape=(32, 32, 1), train_samples=images, test_samples=500
    )
    runs = {
        name: _train("lenet5", data, epochs=epochs, batch_size=128, learning_rate=rate, seed=1)
        for name, rate in (("constant", 1e-3), ("one cycle", schedule))
    }
    cycle, constant = runs["one cycle"].history, runs["constant"].history
    assert cycle["val_loss"][0] < constant["val_loss"][0]  # the losses part in epoch 1
    assert cycle["val_loss"][-1] < constant["val_loss"][-1]


# --------------------------------------------------------------------------- 08 Fashion-MNIST

UPPER_BODY = ("T-shirt/top", "Pullover", "Coat", "Shirt")


def test_fashion_mnist_exercise_1_the_targets_put_the_deep_gap_below_the_simple_one():
    target = {
        name: recipes.get(name).plan(budget).target_accuracy
        for name, budget in (
            ("simple_cnn_mnist", "full"),
            ("simple_cnn_fashion", "full"),
            ("deep_cnn_mnist", "long"),
            ("deep_cnn_fashion", "long"),
        )
    }
    simple_gap = target["simple_cnn_mnist"] - target["simple_cnn_fashion"]
    deep_gap = target["deep_cnn_mnist"] - target["deep_cnn_fashion"]
    assert simple_gap == pytest.approx(0.080) and deep_gap == pytest.approx(0.072)
    assert deep_gap < simple_gap


def test_fashion_mnist_exercise_2_centring_is_absorbed_by_the_first_convolution(real_data_dir):
    unit = training.prepare("fashion_mnist", train_samples=500, test_samples=64)
    centered = training.prepare(
        "fashion_mnist", normalization="centered", train_samples=500, test_samples=64
    )
    mean, std = (
        float(unit.x_train.mean(dtype=np.float64)),
        float(unit.x_train.std(dtype=np.float64)),
    )
    np.testing.assert_allclose((unit.x_test - mean) / std, centered.x_test, atol=1e-4)
    on_unit = models.build("simple_cnn")
    on_centered = models.build("simple_cnn")
    on_centered.set_weights(on_unit.get_weights())
    kernel, bias = on_unit.get_layer("conv1").get_weights()
    on_centered.get_layer("conv1").set_weights(
        [kernel * std, bias + mean * kernel.sum(axis=(0, 1, 2))]
    )
    np.testing.assert_allclose(
        on_centered.predict(centered.x_test, verbose=0),
        on_unit.predict(unit.x_test, verbose=0),
        rtol=1e-3,
        atol=1e-5,
    )


@pytest.fixture(scope="module")
def fashion_predictions(real_data_dir):
    """True and predicted classes of a tiny simple_cnn run on Fashion-MNIST."""
    data = training.prepare("fashion_mnist", train_samples=1500, test_samples=1000)
    run = _train("simple_cnn", data)
    evaluation = training.evaluate(run.model, data)
    return evaluation, training.confusion_matrix(evaluation.y_true, evaluation.y_pred, 10)


def test_fashion_mnist_exercise_3_column_and_row_tallies_split_the_same_mistakes(
    fashion_predictions,
):
    evaluation, matrix = fashion_predictions
    y_true, y_pred = evaluation.y_true, evaluation.y_pred
    wrongly_predicted = matrix.sum(axis=0) - matrix.diagonal()
    misread = matrix.sum(axis=1) - matrix.diagonal()
    for label in range(10):
        assert wrongly_predicted[label] == np.sum((y_pred == label) & (y_true != label))
        assert misread[label] == np.sum((y_true == label) & (y_pred != label))
    assert wrongly_predicted.sum() == misread.sum() == np.sum(y_true != y_pred) > 0


def test_fashion_mnist_exercise_4_merging_the_tops_adds_the_mistakes_inside_the_group(
    fashion_predictions,
):
    from convbook import datasets

    evaluation, matrix = fashion_predictions
    names = datasets.CLASS_NAMES["fashion_mnist"]
    tops = [names.index(name) for name in UPPER_BODY]
    seven = {label: ("top" if label in tops else label) for label in range(10)}
    merged = np.mean(
        [seven[t] == seven[p] for t, p in zip(evaluation.y_true, evaluation.y_pred, strict=True)]
    )
    inside = sum(matrix[i, j] for i in tops for j in tops if i != j)
    assert merged == pytest.approx((np.trace(matrix) + inside) / matrix.sum())
    assert merged == pytest.approx(evaluation.accuracy + inside / len(evaluation.y_true))
    assert merged >= evaluation.accuracy


def test_fashion_mnist_exercise_5_a_gpu_needs_a_fraction_of_a_second_to_a_few_seconds():
    simple = models.build("simple_cnn")
    plan = recipes.get("simple_cnn_fashion").full
    images = training.validation_split_point(60_000, plan.validation_split)
    forward = sum(map(_conv_or_dense_flops, simple.layers))
    assert forward == pytest.approx(flops.forward_flops(simple), rel=0.01)
    work = flops.TRAINING_FACTOR * forward * images * plan.epochs
    fastest = work / max(flops.GPU_PEAK_FP32.values())
    slowest = work / min(flops.GPU_PEAK_FP32.values())
    assert fastest < 1 < slowest < 10
