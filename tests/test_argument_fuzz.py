"""Wrong arguments to the public API raise only TypeError or ValueError, naming the argument.

Each entry of ``CALLS`` is a public function with arguments that work. Hypothesis replaces
one argument at a time with a wrong type or a wrong value (None, a bool, a string, a
negative number, NaN, an empty list, an arbitrary object ...). The call must then either
succeed (some replacements happen to be valid, e.g. ``None`` for an optional argument) or
raise ``TypeError``/``ValueError`` whose message names the replaced argument. Any other
exception (an ``IndexError`` from deep inside NumPy, an ``AttributeError``, a Keras error)
is a failure: the user would see a traceback instead of a clear message.

``test_every_public_function_is_fuzzed_or_exempt`` keeps the table complete: a new public
function must be added to ``CALLS`` or to ``EXEMPT`` with the reason.
"""

from __future__ import annotations

import importlib
import inspect
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODULES = (
    "activations",
    "convolution",
    "datasets",
    "flops",
    "graphs",
    "models",
    "pooling",
    "recipes",
    "tables",
    "training",
    "windows",
)

#: Values that are wrong for almost every argument, of every kind of wrongness.
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=0),
    st.sampled_from([math.nan, math.inf, -math.inf, -1.5, 2.5]),
    st.text(max_size=4),
    st.binary(max_size=3),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
    st.tuples(),
    st.just(object()),
    st.just({}),
    st.just(1 + 2j),
    st.just(np.zeros((0,))),
    st.just(np.array(["a", "b"])),
)

IMAGE = np.arange(36, dtype=float).reshape(6, 6)
KERNEL = np.array([[1.0, 0.0], [0.0, -1.0]])


def _calls() -> dict[str, tuple[object, dict[str, object]]]:
    from convbook import (
        activations,
        convolution,
        datasets,
        flops,
        graphs,
        models,
        pooling,
        recipes,
        tables,
        training,
        windows,
    )

    scores = np.array([[2.0, 1.0, 0.1], [0.5, 0.2, 3.0]])
    stack = graphs.stack_conv_1d(5, 3, n_layers=2)
    return {
        "activations.relu": (activations.relu, {"x": [-1.0, 2.0]}),
        "activations.leaky_relu": (
            activations.leaky_relu,
            {"x": [-1.0, 2.0], "negative_slope": 0.2},
        ),
        "activations.softmax": (activations.softmax, {"scores": scores, "axis": -1}),
        "activations.log_softmax": (activations.log_softmax, {"scores": scores, "axis": -1}),
        "activations.sparse_categorical_crossentropy": (
            activations.sparse_categorical_crossentropy,
            {"y_true": [0, 2], "y_pred": scores, "from_logits": True},
        ),
        "activations.mean_squared_error": (
            activations.mean_squared_error,
            {"y_true": [0.0, 1.0], "y_pred": [0.5, 0.5]},
        ),
        "activations.optimizer_paths": (
            activations.optimizer_paths,
            {"surface": "bowl", "optimizers": ("sgd",), "steps": 3},
        ),
        "convolution.flip": (convolution.flip, {"kernel": KERNEL}),
        "convolution.convolve2d": (
            convolution.convolve2d,
            {"image": IMAGE, "kernel": KERNEL, "mode": "valid"},
        ),
        "convolution.correlate2d": (
            convolution.correlate2d,
            {"image": IMAGE, "kernel": KERNEL, "mode": "same"},
        ),
        "convolution.convolve1d": (
            convolution.convolve1d,
            {"signal": [0, 0, 1, 0], "kernel": [1, 2], "mode": "full"},
        ),
        "convolution.output_size": (
            convolution.output_size,
            {"n": 7, "kernel_size": 3, "padding": "valid", "stride": 2},
        ),
        "convolution.pad_widths": (
            convolution.pad_widths,
            {"n": 6, "kernel_size": 3, "padding": "same", "stride": 2},
        ),
        "convolution.conv_params": (
            convolution.conv_params,
            {"kernel_size": 3, "in_channels": 1, "filters": 4, "use_bias": True},
        ),
        "convolution.conv2d": (
            convolution.conv2d,
            {
                "x": IMAGE[..., None],
                "weights": KERNEL[..., None, None],
                "bias": [0.5],
                "stride": 1,
                "padding": "same",
            },
        ),
        "convolution.dense_vs_conv": (
            convolution.dense_vs_conv,
            {"height": 8, "width": 8, "in_channels": 1, "filters": 2, "kernel_size": 3},
        ),
        "convolution.hand_convolution": (
            convolution.hand_convolution,
            {"image": IMAGE, "kernel": np.ones((3, 3)), "position": (1, 1)},
        ),
        "convolution.why_flip": (
            convolution.why_flip,
            {"signal": (0, 0, 1, 0, 0), "kernel": (1, 2, 3)},
        ),
        "convolution.step_image": (
            convolution.step_image,
            {"size": 6, "orientation": "vertical"},
        ),
        "pooling.output_size": (
            pooling.output_size,
            {"input_size": 28, "pool_size": 2, "strides": 2, "padding": "valid"},
        ),
        "pooling.max_pool2d": (
            pooling.max_pool2d,
            {"x": IMAGE, "pool_size": 2, "strides": None, "padding": "valid"},
        ),
        "pooling.max_pool1d": (
            pooling.max_pool1d,
            {"x": [3.0, 1.0, 4.0, 1.0], "pool_size": 2, "strides": None, "padding": "same"},
        ),
        "pooling.average_pool2d": (
            pooling.average_pool2d,
            {"x": IMAGE, "pool_size": 3, "strides": 1, "padding": "valid"},
        ),
        "graphs.dense_graph_1d": (graphs.dense_graph_1d, {"n_inputs": 4, "n_outputs": 2}),
        "graphs.conv_graph_1d": (
            graphs.conv_graph_1d,
            {"n_inputs": 6, "kernel_size": 3, "stride": 1, "padding": "valid"},
        ),
        "graphs.conv_graph_2d": (
            graphs.conv_graph_2d,
            {"height": 4, "width": 4, "kernel_size": 3, "stride": 1, "padding": "same"},
        ),
        "graphs.dense_graph_2d": (
            graphs.dense_graph_2d,
            {"height": 3, "width": 3, "out_height": 2, "out_width": 2},
        ),
        "graphs.stack_conv_1d": (
            graphs.stack_conv_1d,
            {"n_inputs": 9, "kernel_size": 3, "n_layers": 2, "stride": 1},
        ),
        "graphs.stack_conv_2d": (
            graphs.stack_conv_2d,
            {"height": 5, "width": 5, "kernel_size": 3, "n_layers": 2, "stride": 1},
        ),
        "graphs.layer_nodes": (graphs.layer_nodes, {"graph": stack, "layer": 1}),
        "graphs.input_nodes": (graphs.input_nodes, {"graph": stack}),
        "graphs.output_nodes": (graphs.output_nodes, {"graph": stack}),
        "graphs.receptive_field": (
            graphs.receptive_field,
            {"graph": stack, "output_node": ("out", 0)},
        ),
        "graphs.receptive_field_edges": (
            graphs.receptive_field_edges,
            {"graph": stack, "output_node": ("out", 0)},
        ),
        "graphs.connection_count": (graphs.connection_count, {"graph": stack}),
        "graphs.weight_count": (graphs.weight_count, {"graph": stack}),
        "graphs.receptive_field_size": (
            graphs.receptive_field_size,
            {"kernel_size": 3, "n_layers": 2, "stride": 1},
        ),
        "graphs.compare_wiring": (
            graphs.compare_wiring,
            {"input_shape": (4, 4), "kernel_size": 3, "stride": 1},
        ),
        "graphs.receptive_field_growth": (
            graphs.receptive_field_growth,
            {"kernel_size": 3, "max_layers": 2, "stride": 1},
        ),
        "windows.output_size": (
            windows.output_size,
            {"n": 7, "kernel_size": 3, "padding": "valid", "stride": 2},
        ),
        "tables.format_table": (
            tables.format_table,
            {"rows": [("a", 1)], "headers": ("name", "count"), "floatfmt": ".2f", "indent": 2},
        ),
        "models.build": (
            models.build,
            {"name": "compact_cnn", "input_shape": (28, 28, 1), "num_classes": 10},
        ),
        "models.default_input_shape": (models.default_input_shape, {"name": "lenet5"}),
        "models.source": (models.source, {"name": "compact_cnn"}),
        "training.one_hot": (training.one_hot, {"labels": np.array([0, 2]), "num_classes": 3}),
        "training.steps_per_epoch": (
            training.steps_per_epoch,
            {"train_samples": 100, "batch_size": 32},
        ),
        "training.validation_split_point": (
            training.validation_split_point,
            {"n_samples": 100, "validation_split": 0.1},
        ),
        "training.confusion_matrix": (
            training.confusion_matrix,
            {"y_true": [0, 1, 2], "y_pred": [0, 2, 2], "num_classes": 3},
        ),
        "training.roc_auc_ovr": (
            training.roc_auc_ovr,
            {"y_true": [0, 1, 2, 1], "scores": np.eye(3)[[0, 1, 2, 2]]},
        ),
        "training.one_cycle_schedule": (
            training.one_cycle_schedule,
            {"total_steps": 10, "peak_learning_rate": 1e-3},
        ),
        "training.warm_restart_schedule": (
            training.warm_restart_schedule,
            {"steps_per_epoch": 10, "peak_learning_rate": 1e-3, "cycle_epochs": (1, 2)},
        ),
        "training.seed_everything": (training.seed_everything, {"seed": 3}),
        "recipes.get": (recipes.get, {"name": "compact_cnn_mnist"}),
        "recipes.warm_restart_cycles": (recipes.warm_restart_cycles, {"epochs": 10}),
        "flops.cpu_peak_flops": (flops.cpu_peak_flops, {"cores": 2}),
        "flops.gpu_peak_flops": (flops.gpu_peak_flops, {"name": "NVIDIA H100"}),
        "datasets.info": (datasets.info, {"name": "mnist"}),
        "datasets.verify": (datasets.verify, {"names": ["mnist"], "data_dir": "/nonexistent"}),
        "activations.sigmoid": (activations.sigmoid, {"x": [-1.0, 2.0]}),
        "activations.tanh": (activations.tanh, {"x": [-1.0, 2.0]}),
        "activations.relu_gradient": (activations.relu_gradient, {"x": [-1.0, 2.0]}),
        "activations.sigmoid_gradient": (activations.sigmoid_gradient, {"x": [-1.0, 2.0]}),
        "activations.tanh_gradient": (activations.tanh_gradient, {"x": [-1.0, 2.0]}),
        "activations.leaky_relu_gradient": (
            activations.leaky_relu_gradient,
            {"x": [-1.0, 2.0], "negative_slope": 0.1},
        ),
        "activations.categorical_crossentropy": (
            activations.categorical_crossentropy,
            {"y_true": np.eye(3)[[0, 2]], "y_pred": scores, "from_logits": True, "epsilon": 1e-7},
        ),
        "activations.make_optimizer": (
            activations.make_optimizer,
            {"name": "adam", "learning_rate": 1e-3},
        ),
        "convolution.correlate1d": (
            convolution.correlate1d,
            {"signal": [0, 0, 1, 0], "kernel": [1, 2], "mode": "same"},
        ),
        "convolution.keras_output_size": (
            convolution.keras_output_size,
            {"n": 7, "kernel_size": 3, "padding": "same", "stride": 2},
        ),
        "convolution.output_size_table": (
            convolution.output_size_table,
            {"n": 7, "kernel_sizes": (3,), "strides": (1, 2), "paddings": ("valid", 1)},
        ),
        "convolution.parameter_counts": (
            convolution.parameter_counts,
            {"conv_layers": ((4, 3),), "input_shape": (8, 8, 1)},
        ),
        "convolution.apply_filters": (
            convolution.apply_filters,
            {"image": IMAGE, "kernels": {"edge": np.ones((3, 3))}},
        ),
        "convolution.describe_responses": (
            convolution.describe_responses,
            {"filtered": {"image": IMAGE}},
        ),
        "windows.pad_widths": (
            windows.pad_widths,
            {"n": 6, "kernel_size": 3, "padding": "same", "stride": 2},
        ),
        "windows.pad_before": (
            windows.pad_before,
            {"n": 6, "kernel_size": 3, "padding": "same", "stride": 2},
        ),
        "windows.fits": (windows.fits, {"n": 6, "kernel_size": 3, "padding": "valid", "stride": 1}),
        "windows.window_starts": (
            windows.window_starts,
            {"n": 6, "kernel_size": 3, "padding": "valid", "stride": 2},
        ),
        "windows.check_padding": (windows.check_padding, {"padding": "same"}),
        "training.average_ranks": (training.average_ranks, {"values": [0.2, 0.1, 0.2]}),
        "models.lenet5": (
            models.lenet5,
            {"input_shape": (32, 32, 1), "num_classes": 10, "activation": "tanh"},
        ),
        "models.dense_net": (
            models.dense_net,
            {"input_shape": (28, 28, 1), "hidden_units": (8,), "dropout": 0.2},
        ),
        "models.simple_cnn": (models.simple_cnn, {"filters": (4, 8), "num_classes": 10}),
    }


CALLS = _calls()

#: Public functions not fuzzed here, and why.
EXEMPT = {
    # No arguments, or arguments that are Keras models / results built elsewhere; their
    # checks are tested in the module's own tests.
    "reason: no arguments": (
        "convolution.demo",
        "convolution.load_sample_photo",
        "convolution.multichannel_example",
        "convolution.named_kernels",
        "pooling.example_matrix",
        "pooling.example_rgb",
        "recipes.forget_finished_runs",
    ),
    "reason: their arguments are a model, or results the library built; their checks are "
    "tested in the module's own tests": (
        "convolution.format_responses",
        "convolution.format_size_table",
        "convolution.keras_conv2d",
        "models.ends_with_softmax",
        "training.loss_for",
        "training.compile_model",
        "training.predict_in_batches",
        "training.checkpointing",
        "training.restore_backup",
    ),
    "reason: the same argument checks as the builders fuzzed above (models.build, "
    "lenet5, dense_net, simple_cnn), each a Keras model to build per example": (
        "models.alexnet",
        "models.alexnet_small",
        "models.compact_cnn",
        "models.deep_cnn",
        "models.fast_cnn",
        "models.keras_example_cnn",
    ),
    "reason: trains or loads data (slow); tested in test_training/test_recipes": (
        "training.build_and_train",
        "training.train",
        "training.prepare",
        "training.evaluate",
        "training.make_tf_dataset",
        "recipes.run_recipe",
        "datasets.load",
        "datasets.fetch",
        "datasets.cached",
    ),
}


@pytest.mark.parametrize(
    ("label", "argument"),
    [(label, argument) for label, (_, kwargs) in CALLS.items() for argument in kwargs],
)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never fails by chance
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(wrong=WRONG)
def test_wrong_argument_raises_a_clear_error(label, argument, wrong):
    function, kwargs = CALLS[label]
    if label.startswith("models.") and isinstance(wrong, list | tuple) and len(wrong) == 3:
        return  # a 3-tuple of small ints is a real input shape: Keras builds it or says why
    call = dict(kwargs, **{argument: wrong})
    try:
        function(**call)
    except (TypeError, ValueError) as error:
        assert argument in str(error), (
            f"{label}({argument}={wrong!r}) raised {type(error).__name__} without naming "
            f"{argument!r}: {error}"
        )
    # Any other exception propagates and fails the test with its traceback.


def test_the_valid_calls_work():
    for label, (function, kwargs) in CALLS.items():
        function(**kwargs)  # raises if the table itself is wrong
        assert label


def _public_functions() -> set[str]:
    names = set()
    for module_name in MODULES:
        module = importlib.import_module(f"convbook.{module_name}")
        for name in getattr(module, "__all__", ()):
            if inspect.isfunction(getattr(module, name)):
                names.add(f"{module_name}.{name}")
    return names


def test_every_public_function_is_fuzzed_or_exempt():
    exempt = {name for names in EXEMPT.values() for name in names}
    covered = set(CALLS) | exempt
    missing = sorted(_public_functions() - covered)
    assert not missing, f"add these to CALLS or EXEMPT (with a reason): {missing}"
