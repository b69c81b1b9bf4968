import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from convbook import activations

FAST = settings(max_examples=40, deadline=None)

finite = st.floats(-30, 30, allow_nan=False, allow_subnormal=False, width=32)
matrices = arrays(
    np.float32, array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=8), elements=finite
)


def keras_numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


# ----------------------------------------------------------------- activations against Keras


@FAST
@given(matrices)
def test_relu_sigmoid_tanh_match_keras(x):
    np.testing.assert_allclose(activations.relu(x), keras_numpy(keras.activations.relu(x)))
    np.testing.assert_allclose(
        activations.sigmoid(x), keras_numpy(keras.activations.sigmoid(x)), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        activations.tanh(x), keras_numpy(keras.activations.tanh(x)), rtol=1e-5, atol=1e-6
    )


@FAST
@given(matrices, st.floats(0.01, 0.5))
def test_leaky_relu_matches_keras(x, slope):
    expected = keras_numpy(keras.activations.leaky_relu(x, negative_slope=slope))
    np.testing.assert_allclose(activations.leaky_relu(x, slope), expected, rtol=1e-5, atol=1e-6)


@FAST
@given(matrices)
def test_softmax_matches_keras_and_sums_to_one(x):
    probabilities = activations.softmax(x)
    np.testing.assert_allclose(
        probabilities, keras_numpy(keras.activations.softmax(x)), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all(probabilities >= 0)


@FAST
@given(matrices)
def test_softmax_over_another_axis(x):
    np.testing.assert_allclose(activations.softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-5)


@FAST
@given(matrices, st.floats(-1e4, 1e4))
def test_softmax_ignores_a_constant_shift(x, shift):
    np.testing.assert_allclose(
        activations.softmax(x.astype(np.float64) + shift),
        activations.softmax(x.astype(np.float64)),
        atol=1e-9,
    )


def test_softmax_is_stable_where_the_naive_formula_overflows():
    scores = np.array([1000.0, 999.0, -1000.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(scores) / np.exp(scores).sum()
    assert np.isnan(naive).any()
    stable = activations.softmax(scores)
    assert np.all(np.isfinite(stable))
    np.testing.assert_allclose(stable[:2], [np.e / (np.e + 1), 1 / (np.e + 1)])
    log_p = activations.log_softmax(scores)
    np.testing.assert_allclose(log_p[:2], np.log(stable[:2]))
    # exp(-2000.3) is 0 in floating point, but its logarithm is still exact:
    assert stable[2] == 0.0
    assert log_p[2] == pytest.approx(-2000 - np.log1p(np.exp(-1)))


@FAST
@given(matrices)
def test_log_softmax_matches_keras(x):
    np.testing.assert_allclose(
        activations.log_softmax(x), keras_numpy(keras.ops.log_softmax(x)), rtol=1e-4, atol=1e-4
    )


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = activations.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(values, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_derivatives_match_finite_differences(name):
    function, derivative = activations.ACTIVATIONS[name]
    x = np.linspace(-4, 4, 161, dtype=np.float64)
    x = x[np.abs(x) > 1e-3]  # leave out ReLU's kink
    h = 1e-6
    numeric = (function(x + h) - function(x - h)) / (2 * h)
    np.testing.assert_allclose(derivative(x), numeric, atol=1e-6)


def test_saturating_functions_have_vanishing_gradients_relu_does_not():
    far = np.array([10.0])
    assert activations.sigmoid_gradient(far)[0] < 1e-4
    assert activations.tanh_gradient(far)[0] < 1e-7
    assert activations.relu_gradient(far)[0] == 1.0
    assert activations.sigmoid_gradient(np.linspace(-10, 10, 1001)).max() == pytest.approx(0.25)


def test_activation_rejects_strings():
    with pytest.raises(TypeError, match="x must hold real numbers"):
        activations.relu(np.array(["a"]))


def test_loss_options_are_checked():
    with pytest.raises(ValueError, match="epsilon must be a number in \\(0, 0.5\\); got 0"):
        activations.categorical_crossentropy([[1.0, 0.0]], [[0.5, 0.5]], epsilon=0)
    with pytest.raises(TypeError, match="from_logits must be True or False; got 'yes'"):
        activations.sparse_categorical_crossentropy([0], [[0.5, 0.5]], from_logits="yes")


# ----------------------------------------------------------------- losses against Keras

probability_rows = matrices.map(lambda x: activations.softmax(x).astype(np.float32))


@FAST
@given(matrices, st.data())
def test_categorical_crossentropy_matches_keras(x, data):
    probabilities = activations.softmax(x).astype(np.float32)
    labels = data.draw(arrays(np.int64, x.shape[:1], elements=st.integers(0, x.shape[1] - 1)))
    one_hot = np.eye(x.shape[1], dtype=np.float32)[labels]
    expected = keras_numpy(keras.losses.categorical_crossentropy(one_hot, probabilities))
    np.testing.assert_allclose(
        activations.categorical_crossentropy(one_hot, probabilities), expected, rtol=1e-4, atol=1e-5
    )
    from_logits = keras_numpy(keras.losses.categorical_crossentropy(one_hot, x, from_logits=True))
    np.testing.assert_allclose(
        activations.categorical_crossentropy(one_hot, x, from_logits=True),
        from_logits,
        rtol=1e-4,
        atol=1e-4,
    )


@FAST
@given(matrices, st.data())
def test_sparse_categorical_crossentropy_matches_keras_and_one_hot(x, data):
    probabilities = activations.softmax(x).astype(np.float32)
    labels = data.draw(arrays(np.int64, x.shape[:1], elements=st.integers(0, x.shape[1] - 1)))
    expected = keras_numpy(keras.losses.sparse_categorical_crossentropy(labels, probabilities))
    ours = activations.sparse_categorical_crossentropy(labels, probabilities)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)
    one_hot = np.eye(x.shape[1], dtype=np.float32)[labels]
    np.testing.assert_allclose(
        ours, activations.categorical_crossentropy(one_hot, probabilities), rtol=1e-6
    )


@FAST
@given(matrices, matrices)
def test_mean_squared_error_matches_keras(a, b):
    b = np.resize(b, a.shape).astype(np.float32)
    expected = keras_numpy(keras.losses.mean_squared_error(a, b))
    np.testing.assert_allclose(activations.mean_squared_error(a, b), expected, rtol=1e-5, atol=1e-3)


def test_clipping_caps_a_confident_mistake():
    loss = activations.categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]])
    assert np.isfinite(loss).all()
    assert loss[0] == pytest.approx(-np.log(activations.EPSILON), rel=1e-3)
    assert activations.categorical_crossentropy([[1.0, 0.0]], [[1.0, 0.0]])[0] < 1e-6


def test_loss_argument_checks():
    with pytest.raises(ValueError, match="same shape"):
        activations.categorical_crossentropy([[1.0, 0.0]], [[1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="valid labels are 0 to 1"):
        activations.sparse_categorical_crossentropy([2], [[0.5, 0.5]])
    with pytest.raises(TypeError, match="integer labels"):
        activations.sparse_categorical_crossentropy([0.5], [[0.5, 0.5]])
    with pytest.raises(ValueError, match="from_logits=True"):
        activations.categorical_crossentropy([[1.0, 0.0]], [[-1.0, 2.0]])


# ----------------------------------------------------------------- optimizers


def test_make_optimizer_builds_each_name():
    built = {name: activations.make_optimizer(name, 0.05) for name in activations.OPTIMIZER_NAMES}
    assert isinstance(built["sgd"], keras.optimizers.SGD) and built["sgd"].momentum == 0.0
    assert built["momentum"].momentum == 0.9 and not built["momentum"].nesterov
    assert built["nesterov"].momentum == 0.9 and built["nesterov"].nesterov
    assert isinstance(built["adagrad"], keras.optimizers.Adagrad)
    assert float(activations.make_optimizer("adagrad").learning_rate.numpy()) == pytest.approx(
        0.001
    )
    assert isinstance(built["rmsprop"], keras.optimizers.RMSprop)
    assert isinstance(built["adam"], keras.optimizers.Adam)
    assert float(built["adam"].learning_rate.numpy()) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="name must be one of 'sgd', .*; got 'lbfgs'"):
        activations.make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="learning_rate must be a positive number; got 0.0"):
        activations.make_optimizer("adam", 0.0)
    with pytest.raises(TypeError, match="learning_rate must be a positive number; got '0.1'"):
        activations.make_optimizer("adam", "0.1")


@pytest.mark.parametrize("surface", sorted(activations.SURFACES))
def test_surface_gradients_match_finite_differences(surface):
    chosen = activations.SURFACES[surface]
    points = np.random.default_rng(0).uniform(-1.5, 1.5, size=(20, 2))
    h = 1e-6
    numeric = np.stack(
        [
            (chosen.value(points + h * e) - chosen.value(points - h * e)) / (2 * h)
            for e in np.eye(2)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(chosen.gradient(points), numeric, rtol=1e-5, atol=1e-4)
    assert chosen.value(np.array(chosen.minimum)) == pytest.approx(0.0)


def test_optimizer_paths_go_downhill():
    rates = {"sgd": 0.4, "momentum": 0.05, "rmsprop": 0.1, "adam": 0.3}
    paths = activations.optimizer_paths("bowl", rates, learning_rate=rates, steps=40)
    surface = activations.SURFACES["bowl"]
    assert list(paths) == list(rates)
    for name, path in paths.items():
        assert path.shape == (41, 2)
        np.testing.assert_allclose(path[0], surface.start)
        losses = surface.value(path)
        assert losses[-1] < 0.05 * losses[0], name


def test_plain_sgd_step_is_minus_learning_rate_times_gradient():
    path = activations.optimizer_paths("rosenbrock", ["sgd"], learning_rate=1e-3, steps=1)["sgd"]
    surface = activations.SURFACES["rosenbrock"]
    expected = np.array(surface.start) - 1e-3 * surface.gradient(np.array(surface.start))
    np.testing.assert_allclose(path[1], expected, rtol=1e-5)


def test_optimizer_paths_argument_checks():
    with pytest.raises(
        ValueError, match="surface must be one of 'bowl', 'rosenbrock'; got 'cliff'"
    ):
        activations.optimizer_paths("cliff")
    with pytest.raises(ValueError, match="optimizers\\[1\\] must be one of"):
        activations.optimizer_paths(optimizers=["sgd", "newton"])
    with pytest.raises(TypeError, match="steps must be a positive integer; got 2.0"):
        activations.optimizer_paths(steps=2.0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        activations.optimizer_paths(steps=0)
    with pytest.raises(ValueError, match="start must be a point"):
        activations.optimizer_paths(start=(1.0, 2.0, 3.0))


def test_sgd_on_the_bowl_scales_x_by_092_and_y_by_minus_060_as_the_chapter_says():
    path = activations.optimizer_paths("bowl", ["sgd"], learning_rate=0.4, steps=2)["sgd"]
    np.testing.assert_allclose(path[1] / path[0], [0.92, -0.60], rtol=1e-5)
    np.testing.assert_allclose(path[2] / path[1], [0.92, -0.60], rtol=1e-5)
    diverging = activations.optimizer_paths("bowl", ["sgd"], learning_rate=0.55, steps=20)["sgd"]
    assert abs(diverging[-1, 1]) > abs(diverging[0, 1])


def test_nesterov_and_adagrad_follow_their_update_rules_for_two_steps():
    surface = activations.SURFACES["bowl"]
    start = np.array(surface.start)
    paths = activations.optimizer_paths(
        "bowl", ["nesterov", "adagrad"], learning_rate=0.05, steps=2
    )
    point, velocity = start.copy(), np.zeros(2)
    point_a, squares = start.copy(), np.full(2, 0.1)  # Keras starts Adagrad's sums at 0.1
    for step in (1, 2):
        gradient = surface.gradient(point)
        velocity = 0.9 * velocity - 0.05 * gradient
        point = point + 0.9 * velocity - 0.05 * gradient
        gradient = surface.gradient(point_a)
        squares = squares + gradient**2
        point_a = point_a - 0.05 * gradient / np.sqrt(squares + 1e-7)
        np.testing.assert_allclose(paths["nesterov"][step], point, rtol=1e-5)
        np.testing.assert_allclose(paths["adagrad"][step], point_a, rtol=1e-5)
