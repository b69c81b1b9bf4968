import keras
import numpy as np
import pytest

from convbook import comparisons, training


@pytest.fixture(scope="module")
def small_mnist(real_data_dir):
    return training.prepare("mnist", train_samples=1200, test_samples=300, data_dir=real_data_dir)


def test_compare_optimizers_starts_every_run_from_the_same_weights(small_mnist):
    initial_weights = []

    def tiny_model():
        model = keras.Sequential(
            [
                keras.Input(small_mnist.input_shape),
                keras.layers.Flatten(),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(small_mnist.num_classes, activation="softmax"),
            ],
            name="tiny_dense",
        )
        initial_weights.append([w.copy() for w in model.get_weights()])
        return model

    runs = comparisons.compare_optimizers(
        small_mnist, {"sgd": None, "adam": None}, model=tiny_model, epochs=1, batch_size=32
    )
    assert list(runs) == ["sgd", "adam"]
    for first, second in zip(*initial_weights, strict=True):
        np.testing.assert_array_equal(first, second)
    for result in runs.values():
        assert 0.0 <= result.test_accuracy <= 1.0 and np.isfinite(result.test_loss)
        assert len(result.history["val_loss"]) == 1
    # Adam's adaptive steps cut the loss faster than SGD at its default rate of 0.01.
    assert runs["adam"].history["loss"][0] < runs["sgd"].history["loss"][0]
    assert float(runs["sgd"].model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)

    table = comparisons.format_comparison(runs).splitlines()
    assert table[0].split()[:3] == ["run", "test", "accuracy"]
    assert set(table[1]) == {"-", " "}
    assert table[3].split()[:2] == ["adam", f"{runs['adam'].test_accuracy:.4f}"]


def test_compare_optimizers_builds_a_named_model(small_mnist):
    runs = comparisons.compare_optimizers(
        small_mnist, ["momentum"], model="dense_net", epochs=1, batch_size=64
    )
    assert runs["momentum"].model.optimizer.momentum == 0.9
    assert runs["momentum"].model.input_shape[1:] == small_mnist.input_shape


def test_compare_optimizers_runs_nesterov_and_adagrad(small_mnist):
    def tiny_model():
        return keras.Sequential(
            [
                keras.Input(small_mnist.input_shape),
                keras.layers.Flatten(),
                keras.layers.Dense(small_mnist.num_classes, activation="softmax"),
            ]
        )

    runs = comparisons.compare_optimizers(
        small_mnist, {"nesterov": None, "adagrad": 0.01}, model=tiny_model, epochs=1
    )
    assert runs["nesterov"].model.optimizer.nesterov
    assert isinstance(runs["adagrad"].model.optimizer, keras.optimizers.Adagrad)
    assert float(runs["adagrad"].model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    for result in runs.values():
        assert result.history["loss"][0] < np.log(10)  # better than guessing after one epoch


def test_compare_optimizers_builds_every_run_in_the_chosen_precision(small_mnist):
    runs = comparisons.compare_optimizers(
        small_mnist, ["sgd", "adam"], model="compact_cnn", epochs=1, precision="mixed_bfloat16"
    )
    for result in runs.values():
        assert result.precision == "mixed_bfloat16"
        assert result.model.get_layer(index=1).compute_dtype == "bfloat16"
    assert keras.config.dtype_policy().name == "float32"  # put back after the runs

    # "auto" gives an unnamed network (a function) float32 whatever the machine.
    def unnamed():
        return keras.Sequential(
            [keras.Input(small_mnist.input_shape), keras.layers.Flatten(), keras.layers.Dense(10)]
        )

    (plain,) = comparisons.compare_optimizers(
        small_mnist, ["adam"], model=unnamed, epochs=1, precision="auto"
    ).values()
    assert plain.precision == "float32"


def test_compare_optimizers_checks_arguments_before_training(small_mnist):
    with pytest.raises(ValueError, match="optimizers\\[1\\] must be one of 'sgd', .*; got 'lbfgs'"):
        comparisons.compare_optimizers(small_mnist, ["adam", "lbfgs"])
    with pytest.raises(ValueError, match="at least one"):
        comparisons.compare_optimizers(small_mnist, [])
    with pytest.raises(TypeError, match="optimizers must be a sequence of names .*; got 'adam'"):
        comparisons.compare_optimizers(small_mnist, "adam")
    with pytest.raises(ValueError, match="learning rate of 'sgd' must be a positive number"):
        comparisons.compare_optimizers(small_mnist, {"sgd": -0.1})
    with pytest.raises(TypeError, match="model must be a model name or a function"):
        comparisons.compare_optimizers(small_mnist, ["sgd"], model=3)
    with pytest.raises(ValueError, match="precision must be one of 'auto', .*; got 'half'"):
        comparisons.compare_optimizers(small_mnist, ["sgd"], precision="half")
    with pytest.raises(ValueError, match="at least one run"):
        comparisons.format_comparison({})
