"""The answers the worked solutions of four chapters state, recomputed independently.

Chapters: 09_kuzushiji_mnist_with_callbacks and 10_what_the_network_learned (Part II),
01_making_it_fast and 03_several_devices_and_machines (Part III). Each test checks one
solution's stated answer through the library, Keras, TensorFlow or NumPy, on tiny inputs;
none runs a chapter (tests/test_gallery.py does that).
"""

from __future__ import annotations

import time
import warnings

import keras
import numpy as np
import pytest
from test_chapters_training_b import InterruptAt  # the chapter's simulated crash

from convbook import datasets, distributed, flops, inspection, models, recipes, training

# --------------------------------------------------------------------------- helpers


class RateRecorder(keras.callbacks.Callback):
    """Record the optimizer's learning rate as each epoch begins, and count epoch ends."""

    def __init__(self) -> None:
        super().__init__()
        self.rates: list[float] = []
        self.ends = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    def on_epoch_end(self, epoch, logs=None):
        self.ends += 1


def tiny_classifier(input_shape=(4,), classes=3) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )


def earliest_stop(first_epoch: int, epochs: int, patience: int) -> int | None:
    """Feed EarlyStopping a validation loss that worsens every epoch; return the stop epoch."""
    model = tiny_classifier()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    stop.set_model(model)
    model.stop_training = False
    stop.on_train_begin()
    for epoch in range(first_epoch, epochs):
        stop.on_epoch_end(epoch, {"val_loss": 1.0 + epoch})
        if model.stop_training:
            return epoch + 1
    return None


def relative_change(kernel: np.ndarray, start: np.ndarray) -> float:
    return float(np.linalg.norm(kernel - start) / np.linalg.norm(start))


# ------------------------------------------------- 09 Kuzushiji-MNIST with callbacks


def test_kuzushiji_mnist_with_callbacks_exercise_1_the_clock_reads_the_schedule_each_epoch():
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4)).astype("float32"), rng.integers(0, 3, 64)
    cycled, constant = RateRecorder(), RateRecorder()
    model = tiny_classifier()
    model.compile(
        keras.optimizers.Adam(training.one_cycle_schedule(4, 0.01)),
        "sparse_categorical_crossentropy",
    )
    model.fit(x, y, batch_size=32, epochs=2, callbacks=[cycled], verbose=0)
    plain = tiny_classifier()
    plain.compile("adam", "sparse_categorical_crossentropy")
    plain.fit(x, y, batch_size=32, epochs=2, callbacks=[constant], verbose=0)
    assert cycled.ends == constant.ends == 2
    assert cycled.rates[0] == pytest.approx(0.01 / 25, rel=1e-5)  # the bottom of the warm-up
    assert cycled.rates[1] > cycled.rates[0]
    assert constant.rates == pytest.approx([0.001, 0.001])  # Adam's default, every epoch
    assert recipes.get("simple_cnn_fashion").schedule == "one_cycle"
    assert recipes.get("kmnist_callbacks").schedule == "one_cycle"
    assert recipes.get("fashion_callbacks").schedule is None


def test_kuzushiji_mnist_with_callbacks_exercise_2_auc_stopping_needs_max_and_to_come_second():
    rng = np.random.default_rng(1)
    x, y = rng.random((60, 6)).astype("float32"), np.arange(60) % 3
    frozen = tiny_classifier((6,))

    def replay(auc_first: bool, mode: str = "max") -> int | None:
        roc = training.RocAucCallback(validation_data=(x, y))
        stop = keras.callbacks.EarlyStopping(monitor="val_roc_auc", mode=mode, patience=2)
        listed = keras.callbacks.CallbackList(
            [roc, stop] if auc_first else [stop, roc], model=frozen
        )
        frozen.stop_training = False
        listed.on_train_begin()
        for epoch in range(5):
            listed.on_epoch_end(epoch, {})
            if frozen.stop_training:
                return epoch + 1
        return None

    assert replay(True) == 3  # a flat AUC: patience 2 runs out after the third epoch
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert replay(False) is None  # EarlyStopping saw no val_roc_auc in the logs
    assert any(
        "val_roc_auc" in str(w.message) and "not available" in str(w.message) for w in caught
    )
    with pytest.raises(ValueError, match="mode='max'"):
        replay(True, mode="auto")


def test_kuzushiji_mnist_with_callbacks_exercise_3_an_interrupt_before_epoch_1_leaves_nothing(
    real_data_dir, tmp_path
):
    with pytest.raises(KeyboardInterrupt):
        recipes.run_recipe(
            "fashion_callbacks",
            checkpoint_dir=tmp_path,
            callbacks=[InterruptAt(0)],
            train_samples=300,
            test_samples=100,
            verbose=0,
        )
    assert list(tmp_path.iterdir()) == []
    fresh = training.compile_model(models.build("simple_cnn"))
    assert training.checkpointing(tmp_path, fresh, epochs=2, monitor="val_loss").initial_epoch == 0


def test_kuzushiji_mnist_with_callbacks_exercise_4_swapping_same_class_scores_keeps_the_auc():
    labels, scores = inspection.roc_example()
    assert labels[0] == labels[1] and labels[1] != labels[2]
    same, other = scores.copy(), scores.copy()
    same[[0, 1]] = same[[1, 0]]
    other[[1, 2]] = other[[2, 1]]
    original = training.roc_auc_ovr(labels, scores)
    assert training.roc_auc_ovr(labels, same) == original
    assert training.roc_auc_ovr(labels, other) != pytest.approx(original)


def test_kuzushiji_mnist_with_callbacks_exercise_5_kmnist_files_go_in_its_folder(tmp_path):
    assert not datasets.cached("kmnist", tmp_path)
    with pytest.raises(datasets.DatasetUnavailable) as caught:
        datasets.load("kmnist", tmp_path, download=False, progress=False)
    assert str(tmp_path / "kmnist") in str(caught.value)
    real, stand_in = recipes.get("kmnist_callbacks"), recipes.get("fashion_callbacks")
    assert (real.model, real.dataset) == ("deep_cnn", "kmnist")
    assert (stand_in.model, stand_in.dataset) == ("simple_cnn", "fashion_mnist")


def test_kuzushiji_mnist_with_callbacks_exercise_6_a_resumed_long_run_cannot_stop_early():
    long = recipes.get("kmnist_callbacks").plan("long")
    assert (long.epochs, long.patience) == (4, 2)
    assert earliest_stop(0, long.epochs, long.patience) == 3  # uninterrupted: one epoch early
    assert earliest_stop(1, long.epochs, long.patience) == long.epochs  # resumed: the last
    stand_in = recipes.get("fashion_callbacks").plan("long")
    assert stand_in == recipes.get("fashion_callbacks").full and stand_in.epochs == 3
    assert earliest_stop(1, stand_in.epochs, stand_in.patience) is None


# ----------------------------------------------------- 10 What the network learned


def test_what_the_network_learned_exercise_1_both_networks_start_from_the_same_filters():
    training.seed_everything(0)
    compact = inspection.first_layer_filters(models.build("compact_cnn"))
    training.seed_everything(0)
    simple = inspection.first_layer_filters(models.build("simple_cnn"))
    assert compact.shape == simple.shape == (3, 3, 1, 32)
    np.testing.assert_array_equal(compact, simple)


class KernelSnapshots(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.kernels = [keras.ops.convert_to_numpy(self.model.get_layer("conv1").kernel)]

    def on_epoch_end(self, epoch, logs=None):
        self.kernels.append(keras.ops.convert_to_numpy(self.model.get_layer("conv1").kernel))


def test_what_the_network_learned_exercise_2_fewer_updates_move_conv1_less(real_data_dir):
    snapshots = KernelSnapshots()
    training.build_and_train(
        "compact_cnn",
        "mnist",
        epochs=3,
        train_samples=1200,
        test_samples=200,
        learning_rate=3e-3,
        callbacks=[snapshots],
        verbose=0,
    )
    start, *after = snapshots.kernels
    moved = [relative_change(kernel, start) for kernel in after]
    assert 0 < moved[0] < moved[-1]


def test_what_the_network_learned_exercise_3_conv2_maps_are_11x11x64_and_see_8x8_pixels():
    training.seed_everything(0)
    compact = models.build("compact_cnn")
    digit = np.random.default_rng(0).random((28, 28, 1)).astype("float32")
    maps = inspection.feature_maps(compact, digit, layer_names=["conv2"])
    assert maps["conv2"].shape == (11, 11, 64)
    # The same geometry with all-one kernels: which single input pixels reach output (0, 0)?
    probe = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(1, 3, kernel_initializer="ones", use_bias=False),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(1, 3, kernel_initializer="ones", use_bias=False),
        ]
    )
    pixels = np.zeros((784, 28, 28, 1), "float32")
    pixels[np.arange(784), np.arange(784) // 28, np.arange(784) % 28, 0] = 1.0
    reached = (probe.predict(pixels, verbose=0)[:, 0, 0, 0] > 0).reshape(28, 28)
    assert reached.sum() == 64 and reached[:8, :8].all()


def test_what_the_network_learned_exercise_4_mistakes_come_with_lower_top_probabilities(
    real_data_dir,
):
    run = recipes.run_recipe(
        "compact_cnn_mnist", train_samples=2000, test_samples=1000, epochs=1, verbose=0
    )
    data = training.prepare("mnist", train_samples=2000, test_samples=1000)
    evaluation = training.evaluate(run.model, data)
    top = evaluation.probabilities.max(axis=1)
    wrong = inspection.misclassified(evaluation.y_true, evaluation.y_pred)
    right = np.flatnonzero(evaluation.y_true == evaluation.y_pred)
    assert len(wrong) >= 10
    assert np.median(top[wrong]) < np.median(top[right])


def test_what_the_network_learned_exercise_5_one_image_at_a_time_costs_more_per_image():
    training.seed_everything(0)
    compact = models.build("compact_cnn")
    x = np.random.default_rng(0).random((400, 28, 28, 1)).astype("float32")
    training.predict_in_batches(compact, x[:1], batch_size=1)
    training.predict_in_batches(compact, x, batch_size=len(x))
    started = time.perf_counter()
    single = training.predict_in_batches(compact, x[:100], batch_size=1)
    per_image_single = (time.perf_counter() - started) / 100
    started = time.perf_counter()
    whole = training.predict_in_batches(compact, x, batch_size=len(x))
    per_image_whole = (time.perf_counter() - started) / len(x)
    np.testing.assert_allclose(single, whole[:100], rtol=1e-4, atol=1e-5)
    assert per_image_single > 2 * per_image_whole


# ---------------------------------------------------------------- 01 Making it fast


def test_making_it_fast_exercise_1_with_a_fixed_cost_the_gains_do_not_multiply():
    rng = np.random.default_rng(0)
    fixed = rng.uniform(1e-3, 5e-2, 1000)  # seconds per step
    python_share = rng.uniform(0.05, 0.95, 1000)  # what steps_per_execution removes
    per_image = rng.uniform(1e-5, 1e-3, 1000)

    def images_per_second(batch, fixed_cost):
        return batch / (fixed_cost + batch * per_image)

    lighter = fixed * (1 - python_share)
    base = images_per_second(128, fixed)
    gain_batch = images_per_second(512, fixed) / base
    gain_steps = images_per_second(128, lighter) / base
    gain_both = images_per_second(512, lighter) / base
    assert np.all(gain_both < gain_batch * gain_steps)
    gain_steps_at_512 = gain_both / gain_batch  # what big_and_batched adds to batch_512
    assert np.all(gain_steps_at_512 < gain_steps)
    from convbook import speed

    variant = speed.SpeedVariant("big_and_batched", batch_size=512, steps_per_execution=8)
    assert variant.knobs() == "batch 512, steps_per_execution=8"


def test_making_it_fast_exercise_2_the_wide_network_has_no_batch_norm_and_more_arithmetic():
    fast, wide = models.build("fast_cnn"), models.build("keras_example_cnn")

    def has_batch_norm(model):
        return any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)

    def conv_filters(model):
        return [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]

    assert has_batch_norm(fast) and not has_batch_norm(wide)
    assert conv_filters(wide) == [32, 64] and conv_filters(fast) == [16, 32, 64]
    assert flops.training_flops(wide) > flops.training_flops(fast)


def test_making_it_fast_exercise_3_four_times_the_rate_makes_up_for_batch_512(real_data_dir):
    assert 4 * training.steps_per_epoch(2048, 512) == training.steps_per_epoch(2048, 128)
    data = training.prepare("mnist", train_samples=1024, test_samples=100)

    def final_accuracy(learning_rate):
        training.seed_everything(0)
        network = training.compile_model(models.build("fast_cnn"), learning_rate=learning_rate)
        fitted = network.fit(data.x_train, data.y_train, batch_size=512, epochs=3, verbose=0)
        return fitted.history["accuracy"][-1]

    assert final_accuracy(4e-3) > final_accuracy(1e-3)


def test_making_it_fast_exercise_4_a_cache_after_the_map_freezes_the_augmentation():
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.data needs the TensorFlow backend")
    x = np.random.default_rng(0).random((256, 28, 28, 1)).astype("float32")
    y = np.zeros(256, "int64")
    generator = tf.random.Generator.from_seed(0)

    def seeded(image, label):
        return tf.image.random_brightness(image, 0.1), label

    def drawn(image, label):
        return tf.image.stateless_random_brightness(image, 0.1, generator.make_seeds(2)[0]), label

    def same_twice(dataset):
        passes = [np.concatenate([batch.numpy() for batch, _ in dataset]) for _ in range(2)]
        return bool(np.array_equal(*passes))

    tf.random.set_seed(0)  # as every run of the book is seeded
    raw = tf.data.Dataset.from_tensor_slices((x, y))
    assert same_twice(raw.map(seeded).batch(64))  # a seeded random op replays every pass
    assert not same_twice(raw.map(drawn).batch(64))
    assert same_twice(raw.map(drawn).cache().batch(64))  # the cache freezes one variant
    assert not same_twice(training.make_tf_dataset(x, y, 64, shuffle=False).map(drawn))


def test_making_it_fast_exercise_5_auto_jit_means_no_xla_on_a_cpu_only_machine():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the rule checked is Keras' rule for the TensorFlow backend")
    import tensorflow as tf

    if any(device.device_type != "CPU" for device in tf.config.list_physical_devices()):
        pytest.skip("this machine has an accelerator")
    model = tiny_classifier()
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile="auto")
    assert model.jit_compile is False


def test_making_it_fast_exercise_6_one_cycle_ends_near_zero_a_constant_rate_does_not():
    schedule = training.one_cycle_schedule(100, 3e-3)
    curve = schedule.curve()
    assert curve[-1] == pytest.approx(3e-3 / 1e4, rel=1e-3)
    assert curve.max() == pytest.approx(3e-3, rel=1e-6)
    assert curve[-10:].max() < 3e-3 / 20  # the last tenth of the run crawls


# ------------------------------------------------- 02 Several devices and machines


def test_several_devices_and_machines_exercise_1_batch_256_halves_the_updates_and_lags(
    real_data_dir,
):
    assert training.steps_per_epoch(2048, 128) == 16 and training.steps_per_epoch(2048, 256) == 8
    (x, y), _ = datasets.load("mnist", progress=False)
    x, y = x[:2048, :, :, None].astype("float32") / 255, y[:2048]

    def accuracy(global_batch):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                keras.layers.Conv2D(16, 3, activation="relu"),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(32, 3, activation="relu"),
                keras.layers.MaxPooling2D(),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        fitted = model.fit(x, y, batch_size=global_batch, epochs=1, shuffle=False, verbose=0)
        return fitted.history["accuracy"][-1]

    assert accuracy(256) < accuracy(128)


SPLIT = """\
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from convbook import distributed

batch_axis = NamedSharding(Mesh(np.array(jax.devices()), ("batch",)), PartitionSpec("batch"))
for rows in (128, 2):
    try:
        placed = jax.device_put(np.zeros((rows, 28, 28, 1), "float32"), batch_axis)
        outcome = sorted({shard.data.shape[0] for shard in placed.addressable_shards})
    except ValueError as error:
        outcome = type(error).__name__
    distributed.report(**{str(rows): outcome})
"""


def test_several_devices_and_machines_exercise_2_every_batch_must_split_evenly():
    sizes = [len(part) for part in np.array_split(np.arange(2050), range(128, 2050, 128))]
    assert sizes[:-1] == [128] * 16 and sizes[-1] == 2
    (worker,) = distributed.launch(SPLIT, devices=4, timeout=120)
    report = worker.report
    assert report["128"] == [32]  # four slices of 32
    assert isinstance(report["2"], str)  # two rows cannot be split over four devices


def test_several_devices_and_machines_exercise_3_weighting_by_slice_size_restores_the_gradient():
    rng = np.random.default_rng(0)
    images, targets, weights = rng.normal(size=(8, 3)), rng.normal(size=8), rng.normal(size=3)

    def gradient(w, x, y):
        return 2 * x.T @ (x @ w - y) / len(y)

    whole = gradient(weights, images, targets)
    parts = [gradient(weights, images[s], targets[s]) for s in (slice(0, 5), slice(5, 8))]
    assert np.abs(np.mean(parts, axis=0) - whole).max() > 1e-3
    np.testing.assert_allclose(np.average(parts, axis=0, weights=[5, 3]), whole, rtol=1e-12)


CRASH = """\
import time

from convbook import settings

if settings.process_id() == 1:
    raise SystemExit(3)
time.sleep(60)
"""


def test_several_devices_and_machines_exercise_4_a_crashing_plain_worker_is_reported_at_once():
    started = time.monotonic()
    with pytest.raises(distributed.WorkerFailed) as caught:
        distributed.launch(CRASH, processes=2, timeout=60)
    assert time.monotonic() - started < 30
    failure = caught.value
    assert failure.index == 1
    assert str(failure).startswith("worker 1 of 2 exited with code 3 after ")
    assert "the others were stopped" in str(failure)
    assert [worker.returncode for worker in failure.results][1] == 3
    assert failure.results[0].returncode != 0  # worker 0 was stopped, not left running


ENVIRONMENT = """\
import os

print(os.environ.get("XLA_FLAGS"), os.environ.get("CONVBOOK_DEVICES"))
"""


def test_several_devices_and_machines_exercise_5_without_devices_the_flags_stay_alone(
    monkeypatch,
):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    (plain,) = distributed.launch(ENVIRONMENT, timeout=60)
    (split,) = distributed.launch(ENVIRONMENT, devices=2, timeout=60)
    assert plain.stdout.split() == ["None", "None"]
    assert split.stdout.split() == [distributed.virtual_device_flags(2), "2"]
    assert [128 // gpus for gpus in (1, 2, 4, 8)] == [128, 64, 32, 16]
