"""The answers the solutions of Part II's chapters 01-04 state, recomputed independently.

``tests/test_solutions.py`` checks that every exercise has a solution; here each solution's
answer (a shape, a count, a direction, which callback fires, where an optimizer ends up) is
computed again through the library, NumPy or Keras, on the smallest runs that show it.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from keras import layers

from convbook import activations, comparisons, datasets, inspection, models, training
from convbook.training import data as training_data

# --------------------------------------------------------------------------- helpers


def _unit_images(images):
    return (images.astype("float32") / 255.0)[..., np.newaxis]


@pytest.fixture(scope="module")
def mnist(real_data_dir):
    """MNIST as 01_a_first_cnn_in_keras prepares it: floats in [0, 1] with a channel axis."""
    (x_train, y_train), (x_test, y_test) = datasets.load("mnist", real_data_dir)
    return _unit_images(x_train), y_train, _unit_images(x_test), y_test


def _first_cnn(kernel_size=3, dropout=True):
    """The network of 01_a_first_cnn_in_keras, written out again, from seed 0."""
    keras.utils.set_random_seed(0)
    stack = [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, kernel_size, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(32, kernel_size, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
    ]
    stack += [layers.Dropout(0.3)] if dropout else []
    stack += [layers.Dense(128, activation="relu", name="hidden")]
    stack += [layers.Dropout(0.3)] if dropout else []
    stack += [layers.Dense(10, activation="softmax", name="output")]
    return keras.Sequential(stack)


def _short_run(
    network,
    mnist,
    *,
    batch_size=128,
    loss="sparse_categorical_crossentropy",
    one_hot=False,
    images=1_024,
    epochs=2,
):
    x_train, y_train, _, _ = mnist
    labels, check = y_train[:images], y_train[-512:]
    if one_hot:
        labels, check = (
            keras.utils.to_categorical(labels, 10),
            keras.utils.to_categorical(check, 10),
        )
    network.compile(loss=loss, optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"])
    return network.fit(
        x_train[:images],
        labels,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=(x_train[-512:], check),
        verbose=0,
    ).history


class _StepCounter(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1


# --------------------------------------------------------------------------- 01 first CNN


def test_first_cnn_exercise_1_without_dropout_the_training_curve_catches_up(mnist):
    with_dropout = _short_run(_first_cnn(), mnist)
    plain = _first_cnn(dropout=False)
    assert not any(isinstance(layer, layers.Dropout) for layer in plain.layers)
    without_dropout = _short_run(plain, mnist)
    gap_with = with_dropout["accuracy"][-1] - with_dropout["val_accuracy"][-1]
    gap_without = without_dropout["accuracy"][-1] - without_dropout["val_accuracy"][-1]
    assert gap_with < 0  # dropout handicaps the accuracy fit reports: it trails validation
    assert gap_without > gap_with  # without it the training curve moves up towards validation


def test_first_cnn_exercise_2_five_by_five_filters_shrink_the_network():
    wide, narrow = _first_cnn(kernel_size=5), _first_cnn(kernel_size=3)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in wide.layers}
    assert shapes["conv1"] == (24, 24, 16) and shapes["pool1"] == (12, 12, 16)
    assert shapes["conv2"] == (8, 8, 32) and shapes["pool2"] == (4, 4, 32)
    assert shapes["flatten"] == (512,)
    counts = {name: wide.get_layer(name).count_params() for name in ("conv1", "conv2", "hidden")}
    assert counts == {"conv1": 416, "conv2": 12_832, "hidden": 65_664}
    assert wide.get_layer("output").count_params() == 1_290
    assert (wide.count_params(), narrow.count_params()) == (80_202, 108_618)
    assert narrow.get_layer("hidden").count_params() - counts["hidden"] == 36_864


def test_first_cnn_exercise_3_one_hot_labels_change_nothing_but_memory(mnist):
    rng = np.random.default_rng(1)
    probabilities = activations.softmax(rng.normal(size=(200, 10))).astype("float32")
    labels = rng.integers(0, 10, size=200)
    sparse = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
    dense = keras.losses.categorical_crossentropy(
        keras.utils.to_categorical(labels, 10), probabilities
    )
    np.testing.assert_allclose(np.asarray(sparse), np.asarray(dense), atol=1e-6)
    # The same loss gives the same training: a short run repeats itself with one-hot labels.
    plan = {"images": 256, "epochs": 1}
    sparse_run = _short_run(_first_cnn(), mnist, **plan)
    one_hot_run = _short_run(
        _first_cnn(), mnist, loss="categorical_crossentropy", one_hot=True, **plan
    )
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(sparse_run[key], one_hot_run[key], atol=1e-5)
    y_train = mnist[1]
    assert keras.utils.to_categorical(y_train, 10).nbytes == 80 * y_train.nbytes


def test_first_cnn_exercise_4_the_short_schedule_warms_up_over_1_of_16_steps():
    steps = 2 * math.ceil(1_024 / 128)
    warmup = int(0.1 * steps)
    assert (steps, warmup) == (16, 1)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=steps - warmup, warmup_target=3e-3, warmup_steps=warmup
    )
    assert float(schedule(0)) == pytest.approx(0.0, abs=1e-9)
    assert float(schedule(warmup)) == pytest.approx(3e-3)
    assert float(schedule(steps)) == pytest.approx(0.0, abs=1e-9)
    rates = [float(schedule(step)) for step in range(steps + 1)]
    assert max(rates) == pytest.approx(3e-3) and np.all(np.diff(rates[warmup:]) <= 0)


def test_first_cnn_exercise_5_steps_per_epoch_and_fewer_updates_lag(mnist):
    assert [math.ceil(54_000 / size) for size in (32, 128, 512)] == [1_688, 422, 106]
    x_train, y_train, _, _ = mnist
    tiny = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10)])
    tiny.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(True))
    counted = {}
    for size in (32, 128, 512):
        counter = _StepCounter()
        tiny.fit(x_train[:1_024], y_train[:1_024], batch_size=size, callbacks=[counter], verbose=0)
        counted[size] = counter.steps
    assert counted == {32: 32, 128: 8, 512: 2}
    # After the same epochs, batch 512 (4 updates) is behind batch 32 (64 updates).
    small = _short_run(_first_cnn(), mnist, batch_size=32)["val_accuracy"][-1]
    large = _short_run(_first_cnn(), mnist, batch_size=512)["val_accuracy"][-1]
    assert large < small


# --------------------------------------------------------------------------- 02 datasets


@pytest.fixture(scope="module")
def raw(real_data_dir):
    return datasets.load("mnist", real_data_dir), datasets.load("fashion_mnist", real_data_dir)


def test_datasets_exercise_1_fashion_mnist_has_more_ink(raw):
    ((x_mnist, _), _), ((x_fashion, _), _) = raw
    assert x_mnist.mean() == pytest.approx(33.3, abs=0.1)
    assert x_fashion.mean() == pytest.approx(72.9, abs=0.1)
    assert x_fashion.mean() > 2 * x_mnist.mean()
    assert 0.18 < np.mean(x_mnist > 0) < 0.21  # roughly a fifth of MNIST's pixels are ink


def test_datasets_exercise_2_first_image_of_each_digit(raw):
    ((_, y_train), _), _ = raw
    first = [int(np.argmax(y_train == digit)) for digit in range(10)]
    assert first == [1, 3, 5, 7, 2, 0, 13, 15, 17, 4]
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert sorted(set(range(10)) - set(y_train[:10].tolist())) == [6, 7, 8]


def test_datasets_exercise_3_averages_are_blurred_and_trousers_have_two_legs(raw):
    ((x_train, y_train), _), ((fx_train, fy_train), _) = raw
    average_three = x_train[y_train == 3].mean(axis=0)
    assert average_three.max() < 255  # no pixel is ink in every 3: the average is blurred
    trousers = fx_train[fy_train == datasets.CLASS_NAMES["fashion_mnist"].index("Trouser")]
    row = trousers.mean(axis=0)[20]
    legs = min(row[8:14].max(), row[15:21].max())
    assert row[14] < 0.2 * legs  # a dark gap between two bright legs


def test_datasets_exercise_4_four_pixels_in_five_are_zero(raw):
    ((x_train, _), _), _ = raw
    zeros = np.count_nonzero(x_train == 0)
    assert zeros == 38_045_844 and zeros / x_train.size == pytest.approx(0.809, abs=0.001)
    always = np.argwhere(np.all(x_train == 0, axis=0))
    assert len(always) == 67
    near_border = np.minimum(always, 27 - always).min(axis=1) <= 3
    assert near_border.all()  # all of them at the border, mostly corners and the top edge


def test_datasets_exercise_5_kmnist_files_folder_and_balance(real_data_dir, tmp_path):
    record = datasets.info("kmnist")
    names = [raw_file.name for raw_file in record.official_fileset.files]
    assert len(names) == 4 and record.origins[0].base_url.startswith("http://codh.rois.ac.jp/")
    if not datasets.cached("kmnist", real_data_dir):
        with pytest.raises(datasets.DatasetUnavailable) as error:
            datasets.load("kmnist", tmp_path, download=False, progress=False)
        message = str(error.value)
        assert str(tmp_path / "kmnist") in message and "convbook data fetch kmnist" in message
        assert all(name in message for name in names)
    else:
        (_, y_train), (_, y_test) = datasets.load("kmnist", real_data_dir)
        assert inspection.class_counts(y_train, 10).tolist() == [6_000] * 10
        assert inspection.class_counts(y_test, 10).tolist() == [1_000] * 10


# --------------------------------------------------------------------------- 03 training basics


@pytest.fixture(scope="module")
def basics(real_data_dir):
    """The 4,000 training images of 03_training_basics, drawn the same way."""
    (images, labels), _ = datasets.load("mnist", real_data_dir)
    rows = np.random.default_rng(0).permutation(len(images))[:4_000]
    return _unit_images(images[rows]), labels[rows]


def _basics_model():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _sgd_trial(data, batch_size, rate, epochs):
    x, y = data
    keras.utils.set_random_seed(0)
    network = _basics_model()
    network.compile(
        optimizer=keras.optimizers.SGD(learning_rate=rate), loss="sparse_categorical_crossentropy"
    )
    logged = network.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0).history["loss"]
    return network, logged, network.evaluate(x, y, batch_size=1_000, verbose=0)


def test_training_basics_exercise_1_rate_1_kills_batch_gradient_descent(basics):
    network, logged, final = _sgd_trial(basics, 4_000, 1.0, 10)
    assert max(logged) > logged[0]  # a step overshot: the loss jumped
    assert final == pytest.approx(math.log(10), abs=0.05)  # every class about equally likely
    maps = keras.Model(network.inputs, network.layers[0].output).predict(basics[0], verbose=0)
    dead = int(np.sum(~np.any(maps > 0, axis=(0, 1, 2))))
    assert dead > 8 // 2  # most filters output 0 for every image


def test_training_basics_exercise_1_mini_batch_rate_beats_its_neighbours(basics):
    after_one_epoch = {rate: _sgd_trial(basics, 32, rate, 1)[2] for rate in (0.1, 0.3, 1.0)}
    assert min(after_one_epoch, key=after_one_epoch.get) == 0.3


def test_training_basics_exercise_2_batch_256_lands_between(basics):
    assert math.ceil(4_000 / 256) == 16
    loss = {size: _sgd_trial(basics, size, 0.3, 2)[2] for size in (32, 256, 4_000)}
    assert loss[32] < loss[256] < loss[4_000]


def test_training_basics_exercise_3_the_hilltop_separates_the_valleys():
    zeros = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)
    np.testing.assert_allclose(zeros, [-1.301, 0.170, 1.131], atol=1e-3)

    def descend(w, steps=500, rate=0.01):
        for _ in range(steps):
            w = w - rate * (4 * w**3 - 6 * w + 1)
        return w

    for start in np.linspace(-2.0, 2.0, 41):
        if abs(start - zeros[1]) > 1e-9:
            expected = zeros[0] if start < zeros[1] else zeros[2]
            assert descend(start) == pytest.approx(expected, abs=1e-3)
    assert descend(zeros[1] - 0.01) == pytest.approx(zeros[0], abs=1e-3)
    assert descend(zeros[1] + 0.01) == pytest.approx(zeros[2], abs=1e-3)


def test_training_basics_exercise_4_smaller_sets_and_more_runs_flatter_more():
    # Ten runs of equal real accuracy (0.9); only the luck of the test draw differs.
    rng = np.random.default_rng(0)
    correct = rng.random((10, 10_000)) < 0.9

    def mean_gap(test_a_images, runs, draws=300):
        gaps = []
        for _ in range(draws):
            in_a = np.zeros(10_000, dtype=bool)
            in_a[rng.permutation(10_000)[:test_a_images]] = True
            candidates = rng.permutation(10)[:runs]
            a_scores = correct[candidates][:, in_a].mean(axis=1)
            b_scores = correct[candidates][:, ~in_a].mean(axis=1)
            best = int(np.argmax(a_scores))
            gaps.append(a_scores[best] - b_scores[best])
        return float(np.mean(gaps))

    assert mean_gap(100, 10) > mean_gap(500, 10) > mean_gap(5_000, 10) > 0
    assert abs(mean_gap(500, 1)) < 0.003  # no choice, no systematic gap
    assert mean_gap(500, 2) < mean_gap(500, 5) < mean_gap(500, 10)
    assert math.sqrt(0.9 * 0.1 / 100) == pytest.approx(0.03)
    assert math.sqrt(0.9 * 0.1 / 5_000) == pytest.approx(0.0042, abs=1e-4)


class _ReplayValLoss(keras.callbacks.Callback):
    """Put recorded validation losses into the logs, and remember each epoch's weights."""

    def __init__(self, losses):
        super().__init__()
        self.losses, self.weights = losses, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.losses[epoch]
        self.weights.append([w.copy() for w in self.model.get_weights()])


@pytest.mark.parametrize(("patience", "stops_after"), [(1, 5), (3, 7), (8, None)])
def test_training_basics_exercise_5_patience_decides_where_training_stops(patience, stops_after):
    losses = [0.399, 0.283, 0.249, 0.243, 0.248, 0.254, 0.260, 0.266, 0.270, 0.275, 0.281, 0.29]
    losses += [0.3] * 4  # best at epoch 4, never beaten
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    network = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    network.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    replay = _ReplayValLoss(losses)
    stopper = keras.callbacks.EarlyStopping(
        "val_loss", patience=patience, restore_best_weights=True
    )
    epochs = 7 if stops_after is None else len(losses)
    ran = len(network.fit(x, x[:, :1], epochs=epochs, callbacks=[replay, stopper], verbose=0).epoch)
    assert ran == (stops_after or 7)  # patience 8: still training after the 7 epochs
    assert stopper.best_epoch + 1 == 4
    for restored, best in zip(network.get_weights(), replay.weights[3], strict=True):
        np.testing.assert_array_equal(restored, best)  # the best epoch's weights, not the last


# --------------------------------------------------------------------------- 04 activations


def test_activations_exercise_1_leaky_relu_keeps_a_fifth_of_the_gradient():
    negative = np.array([-5.0, -1.0, -0.1])
    assert activations.relu_gradient(negative).tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(activations.leaky_relu_gradient(negative), 0.2)
    keras_slope = keras.activations.leaky_relu(np.array([-1.0], dtype="float32"))
    assert float(keras.ops.convert_to_numpy(keras_slope)[0]) == pytest.approx(-0.2)
    assert keras.layers.LeakyReLU().get_config()["negative_slope"] == pytest.approx(0.3)


def test_activations_exercise_2_temperature_sharpens_or_flattens():
    scores = np.array([2.0, 1.0, 0.1, -1.0])
    cold, hot = activations.softmax(scores * 10), activations.softmax(scores / 10)
    assert cold[0] > 0.9999
    assert 0.21 < hot.min() < hot.max() < 0.29
    for probabilities in (cold, hot):
        assert np.argsort(probabilities).tolist() == np.argsort(scores).tolist()


def test_activations_exercise_3_sgd_above_half_multiplies_y_by_minus_1_2():
    path = activations.optimizer_paths("bowl", ["sgd"], learning_rate=0.55)["sgd"]
    np.testing.assert_allclose(path[1:, 1] / path[:-1, 1], -1.2, rtol=1e-4)
    np.testing.assert_allclose(path[1:, 0] / path[:-1, 0], 0.89, rtol=1e-4)
    assert abs(path[-1, 1]) == pytest.approx(2 * 1.2**50, rel=1e-3)  # about 18,200
    assert abs(path[-1, 0]) < abs(path[0, 0])


def test_activations_exercise_4_no_optimizer_reaches_the_rosenbrock_minimum():
    rates = {"sgd": 0.001, "momentum": 0.0005, "rmsprop": 0.01, "adam": 0.05}
    paths = activations.optimizer_paths("rosenbrock", rates, learning_rate=rates, steps=500)
    for path in paths.values():
        assert np.linalg.norm(path - np.array([1.0, 1.0]), axis=1).min() > 0.3
    end_x = {name: float(path[-1, 0]) for name, path in paths.items()}
    assert end_x["sgd"] < -1.0  # still on the left arm (it started at x = -1.5)
    assert -0.75 < end_x["rmsprop"] < 0.25  # roughly halfway
    assert min(end_x["momentum"], end_x["adam"]) > 0.5  # on the right arm
    assert max(end_x, key=end_x.get) in {"momentum", "adam"}


def test_activations_exercise_5_tenfold_sgd_rate_takes_longer_steps(real_data_dir):
    assert math.ceil(training_data.validation_split_point(2_000, 0.1) / 32) == 57
    data = training.prepare("mnist", train_samples=512, test_samples=256)
    training.seed_everything(0)
    start = models.build("compact_cnn").get_weights()
    runs = comparisons.compare_optimizers(
        data, {"sgd": 0.01}, model="compact_cnn", epochs=1, batch_size=32
    )
    runs |= {
        "tenfold": comparisons.compare_optimizers(
            data, {"sgd": 0.1}, model="compact_cnn", epochs=1, batch_size=32
        )["sgd"]
    }

    def moved(result):
        return sum(
            float(np.sum((after - before) ** 2))
            for after, before in zip(result.model.get_weights(), start, strict=True)
        )

    assert moved(runs["tenfold"]) > 3 * moved(runs["sgd"])
