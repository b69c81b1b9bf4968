"""Throughput measurements (convbook.speed) and the tf.data pipeline (training.make_tf_dataset).

The mechanics are tested on tiny synthetic arrays (random pixels, cyclic labels): they stand
for nothing but shapes and dtypes. No test asserts that one setting is faster than another;
that depends on the machine, and the "Making it fast" chapter measures it when it is built.
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import pytest

from convbook import flops, hardware, models, speed, training
from convbook.plotting import speed as speed_plots

MODEL = "compact_cnn"


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = np.arange(64) % 10
    return x, y


@pytest.fixture(scope="module")
def compared(tiny):
    """Every chapter variant, timed on the tiny arrays, with the baseline repeated.

    compact_cnn (which outputs logits) traces and compiles faster than fast_cnn; the other
    tests train fast_cnn (which ends with a softmax).
    """
    return speed.compare_variants(None, tiny, epochs=2, repeat_baseline=True, model=MODEL)


def fake(name: str, images_per_second: float, **changes) -> speed.Throughput:
    """A Throughput with chosen numbers, for the functions that only read results."""
    variant = changes.pop("variant", None) or speed.SpeedVariant(
        name, batch_size=changes.pop("batch_size", 128)
    )
    return speed.Throughput(
        variant=variant,
        images_per_second=images_per_second,
        epoch_seconds=(2.0, 1.0),
        startup_seconds=1.0,
        images_per_epoch=1024,
        epochs=2,
        jit_compile=False,
        training_flops_per_image=5_000_000,
        final_loss=0.5,
        final_accuracy=0.9,
        model_name="fast_cnn",
        backend="tensorflow",
        **changes,
    )


# --------------------------------------------------------------------------- measuring


def test_every_variant_trains_at_a_positive_throughput(compared, tiny):
    assert [r.name for r in compared] == [*speed.VARIANT_NAMES, "baseline_again"]
    for result in compared:
        assert result.skipped is None, result.name
        assert result.images_per_second > 0 and math.isfinite(result.images_per_second)
        assert result.seconds_per_step == pytest.approx(
            result.variant.batch_size / result.images_per_second
        )
        assert result.startup_seconds >= 0
        assert len(result.epoch_seconds) == result.epochs == 2
        assert result.images_per_epoch == len(tiny[0])
        assert math.isfinite(result.final_loss) and 0 <= result.final_accuracy <= 1
        assert result.model_name == MODEL


def test_results_compare_each_variant_with_both_baselines(compared):
    first, again = compared[0], compared[-1]
    assert first.verdict == again.verdict == "baseline"
    assert again.repeat and not any(r.repeat for r in compared[:-1])
    reference = (first.images_per_second + again.images_per_second) / 2
    for result in compared:
        ratio = result.images_per_second / reference
        assert result.relative == pytest.approx(ratio)
        if result.verdict != "baseline":
            assert result.verdict == speed.verdict(ratio, result.tolerance)


def test_tolerance_grows_to_the_measured_noise(compared):
    first, again = compared[0], compared[-1]
    noise = speed.measurement_noise(compared)
    assert noise == pytest.approx(abs(again.images_per_second / first.images_per_second - 1))
    expected = min(max(speed.DEFAULT_TOLERANCE, math.ceil(noise * 100) / 100), 0.99)
    assert all(r.tolerance == pytest.approx(expected) for r in compared)


def test_without_a_repeat_the_baseline_is_the_reference(tiny):
    pair = [speed.SpeedVariant("a", batch_size=32), speed.SpeedVariant("b", batch_size=64)]
    results = speed.compare_variants(pair, tiny, epochs=2, model=MODEL)
    assert results[0].relative == 1.0 and results[0].verdict == "baseline"
    assert results[1].relative == pytest.approx(
        results[1].images_per_second / results[0].images_per_second
    )
    assert results[1].tolerance == speed.DEFAULT_TOLERANCE
    assert speed.measurement_noise(results) is None


def test_settings_reach_the_model(compared):
    by_name = {r.name: r for r in compared}
    assert by_name["xla"].jit_compile is True
    if keras.backend.backend() == "tensorflow" and not devices_have_gpu():
        assert by_name["baseline"].jit_compile is False  # "auto" means off on a CPU
    expected_flops = flops.training_flops(models.build(MODEL))
    assert by_name["baseline"].training_flops_per_image == expected_flops
    assert by_name["baseline"].gflops == pytest.approx(
        expected_flops * by_name["baseline"].images_per_second / 1e9
    )


def devices_have_gpu() -> bool:
    from convbook import devices

    return bool(devices.list_gpus())


def test_global_dtype_policy_is_restored(tiny):
    before = keras.config.dtype_policy().name
    result = speed.measure_throughput(speed.get_variant("mixed_bfloat16"), tiny, epochs=2)
    assert result.images_per_second > 0
    assert keras.config.dtype_policy().name == before


def test_dtype_policy_is_restored_when_building_fails():
    before = keras.config.dtype_policy().name
    too_small = (np.zeros((4, 8, 8, 1), np.float32), np.arange(4) % 2)  # fast_cnn needs 18x18
    with pytest.raises(ValueError):
        speed.measure_throughput(speed.SpeedVariant("f64", dtype_policy="float64"), too_small)
    assert keras.config.dtype_policy().name == before


def test_prepared_data_and_one_hot_labels_work(tiny):
    x, y = tiny
    data = training.PreparedData(
        x_train=x,
        y_train=training.one_hot(y, 10),
        x_test=x[:8],
        y_test=training.one_hot(y[:8], 10),
        dataset="synthetic",
        class_names=tuple(str(k) for k in range(10)),
        input_shape=(28, 28, 1),
        num_classes=10,
    )
    result = speed.measure_throughput(speed.SpeedVariant("one_hot", batch_size=32), data)
    assert result.images_per_second > 0 and result.images_per_epoch == 64


def test_tf_data_variant_is_skipped_on_other_backends(monkeypatch, tiny):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    result = speed.measure_throughput(speed.get_variant("tf_data"), tiny)
    assert result.skipped and "TensorFlow" in result.skipped
    assert math.isnan(result.images_per_second)
    assert result.verdict.startswith("skipped")


# --------------------------------------------------------------------------- tf.data


needs_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="tf.data needs the TensorFlow backend"
)


def _chain(dataset) -> list[str]:
    """The stages of a tf.data pipeline, last first (e.g. PrefetchDataset, BatchDataset)."""
    names = []
    while dataset is not None:
        names.append(type(dataset).__name__.lstrip("_"))
        dataset = getattr(dataset, "_input_dataset", None)
    return names


@needs_tensorflow
def test_pipeline_yields_every_element_in_batches():
    x = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    batches = list(training.make_tf_dataset(x, y, 4, seed=1))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    images = np.concatenate([xb.numpy() for xb, _ in batches])
    labels = np.concatenate([yb.numpy() for _, yb in batches])
    assert sorted(labels.tolist()) == list(range(10))
    np.testing.assert_array_equal(images, x[labels])  # images stay with their labels


@needs_tensorflow
def test_pipeline_reshuffles_every_epoch_and_repeats_for_a_seed():
    x, y = np.zeros((50, 2), np.float32), np.arange(50)

    def orders(seed):
        dataset = training.make_tf_dataset(x, y, 50, seed=seed)
        return [next(iter(dataset))[1].numpy().tolist() for _ in range(2)]

    first, second = orders(3)
    assert first != second  # a new order each pass
    assert orders(3) == [first, second]  # the same orders for the same seed
    unshuffled = training.make_tf_dataset(x, y, 50, shuffle=False)
    assert next(iter(unshuffled))[1].numpy().tolist() == list(range(50))


@needs_tensorflow
def test_pipeline_stages_follow_the_switches():
    x, y = np.zeros((8, 2), np.float32), np.arange(8)
    full = _chain(training.make_tf_dataset(x, y, 4))
    assert full[:4] == ["PrefetchDataset", "BatchDataset", "ShuffleDataset", "CacheDataset"]
    bare = _chain(training.make_tf_dataset(x, y, 4, shuffle=False, cache=False, prefetch=False))
    assert "CacheDataset" not in bare and "PrefetchDataset" not in bare
    assert bare[0] == "BatchDataset"


@needs_tensorflow
def test_cached_pipeline_gives_the_same_elements_every_epoch():
    x, y = np.random.default_rng(1).random((12, 3)).astype(np.float32), np.arange(12)
    dataset = training.make_tf_dataset(x, y, 5, shuffle=False)
    first = [b[0].numpy() for b in dataset]
    again = [b[0].numpy() for b in dataset]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


@needs_tensorflow
def test_model_fits_on_the_pipeline(tiny):
    x, y = tiny
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    pipeline = training.make_tf_dataset(x, y, 16)
    history = model.fit(pipeline, epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@needs_tensorflow
def test_pipeline_rejects_a_fractional_batch_size_as_a_wrong_type():
    with pytest.raises(TypeError, match="batch_size must be a positive integer; got 2.5"):
        training.make_tf_dataset(np.zeros((4, 2)), np.zeros(4), 2.5)


def test_pipeline_needs_tensorflow(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(RuntimeError, match="TensorFlow"):
        training.make_tf_dataset(np.zeros((2, 2)), np.zeros(2), 1)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2, "seed": -1}, "seed"),
        ({"batch_size": 2, "y": np.zeros(3)}, "same length"),
    ],
)
def test_pipeline_rejects_bad_arguments(kwargs, argument):
    arguments = {"x": np.zeros((4, 2)), "y": np.zeros(4), **kwargs}
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.data needs the TensorFlow backend")
    with pytest.raises(ValueError, match=argument):
        training.make_tf_dataset(**arguments)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"steps_per_execution": -2}, "steps_per_execution"),
        ({"jit_compile": "yes"}, "jit_compile"),
        ({"dtype_policy": "float8"}, "dtype_policy"),
        ({"input_dtype": "uint8"}, "input_dtype"),
        ({"pipeline": "torch"}, "pipeline"),
        ({"name": ""}, "name"),
    ],
)
def test_variant_rejects_bad_settings(changes, argument):
    with pytest.raises(ValueError, match=argument):
        speed.SpeedVariant(**{"name": "v", **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_size": 2.5}, "batch_size must be a positive integer; got 2.5."),
        ({"batch_size": True}, "batch_size must be a positive integer; got True."),
        ({"jit_compile": 1}, "jit_compile must be 'auto', True or False; got 1."),
        ({"cache": "yes"}, "cache must be True or False; got 'yes'."),
        ({"name": None}, "name must be a non-empty string; got None."),
    ],
)
def test_variant_rejects_wrong_types(changes, message):
    with pytest.raises(TypeError) as caught:
        speed.SpeedVariant(**{"name": "v", **changes})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"epochs": 1}, "epochs"),
        ({"model": "resnet"}, "model"),
        ({"seed": -1}, "seed"),
        ({"data": (np.zeros((4, 28, 28)), np.zeros(4))}, "data\\[0\\] must be a 4-D array"),
        ({"data": (np.zeros((4, 28, 28, 1)), np.zeros(3))}, "data\\[1\\] must be one label"),
    ],
)
def test_measuring_rejects_bad_arguments(tiny, kwargs, argument):
    arguments = {"data": tiny, **kwargs}
    with pytest.raises(ValueError, match=argument):
        speed.measure_throughput(speed.VARIANTS[0], **arguments)


@pytest.mark.parametrize(
    ("variant", "kwargs", "argument"),
    [
        ("baseline", {}, "variant must be a SpeedVariant"),
        (speed.VARIANTS[0], {"data": np.zeros((4, 28, 28, 1))}, "data must be a PreparedData"),
        (speed.VARIANTS[0], {"epochs": 2.0}, "epochs must be an integer of at least 2"),
        (speed.VARIANTS[0], {"seed": True}, "seed must be a non-negative integer"),
    ],
)
def test_measuring_rejects_wrong_types(tiny, variant, kwargs, argument):
    arguments = {"data": tiny, **kwargs}
    with pytest.raises(TypeError, match=argument):
        speed.measure_throughput(variant, **arguments)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"variants": []}, "variants"),
        ({"variants": [speed.SpeedVariant("a"), speed.SpeedVariant("a")]}, "distinct names"),
        ({"baseline": "nope"}, "baseline"),
        ({"tolerance": 1.5}, "tolerance"),
        ({"epochs": 0}, "epochs"),
    ],
)
def test_comparing_rejects_bad_arguments(tiny, kwargs, argument):
    arguments = {"variants": [speed.SpeedVariant("a")], "data": tiny, **kwargs}
    with pytest.raises(ValueError, match=argument):
        speed.compare_variants(**arguments)


def test_comparing_rejects_a_list_of_names(tiny):
    with pytest.raises(TypeError, match="variants\\[0\\] must be a SpeedVariant"):
        speed.compare_variants(["baseline"], tiny)


def test_a_skipped_baseline_is_an_error(monkeypatch, tiny):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(ValueError, match="baseline"):
        speed.compare_variants([speed.get_variant("tf_data")], tiny)


def test_unknown_variant_and_budget():
    with pytest.raises(ValueError, match="name"):
        speed.get_variant("warp_drive")
    with pytest.raises(ValueError, match="budget"):
        speed.speed_plan("slow")


# --------------------------------------------------------------------------- reading results


@pytest.mark.parametrize(
    ("relative", "words"),
    [
        (1.83, "1.83x faster"),
        (1.10, "1.10x faster"),
        (1.0999, "no change (within 10%)"),
        (0.91, "no change (within 10%)"),
        (0.90, "1.11x slower"),
        (0.25, "4.00x slower"),
    ],
)
def test_verdict_words(relative, words):
    assert speed.verdict(relative) == words


@pytest.mark.parametrize("relative", [0.0, -1.0, math.inf, math.nan])
def test_verdict_rejects_impossible_ratios(relative):
    with pytest.raises(ValueError, match="relative"):
        speed.verdict(relative)


def test_by_verdict_groups_and_leaves_out_the_baseline():
    results = [
        fake("baseline", 1000, verdict="baseline", relative=1.0),
        fake("smoke", 1500, verdict="1.50x faster", relative=1.5),
        fake("same", 1020, verdict="no change (within 10%)", relative=1.02),
        fake("slow", 500, verdict="2.00x slower", relative=0.5),
        fake("baseline_again", 990, verdict="baseline", relative=0.99, repeat=True),
    ]
    groups = speed.by_verdict(results)
    assert {k: [r.name for r in v] for k, v in groups.items()} == {
        "faster": ["smoke"],
        "no change": ["same"],
        "slower": ["slow"],
        "skipped": [],
    }
    assert speed.measurement_noise(results) == pytest.approx(0.01)  # 990 against 1000
    assert speed.measurement_noise(results[:-1]) is None


def test_step_time_line_recovers_a_fixed_cost_and_a_cost_per_image():
    fixed, per_image = 0.003, 0.0001
    results = [fake(f"b{b}", b / (fixed + per_image * b), batch_size=b) for b in (32, 64, 128, 512)]
    results.append(fake("xla", 99999.0, variant=speed.get_variant("xla")))  # not in the fit
    line = speed.fit_step_time(results)
    assert line.fixed_seconds == pytest.approx(fixed)
    assert line.seconds_per_image == pytest.approx(per_image)
    assert line.batch_sizes == (32, 64, 128, 512)
    assert line.fixed_fraction(128) == pytest.approx(fixed / (fixed + per_image * 128))


def test_step_time_line_needs_two_batch_sizes():
    with pytest.raises(ValueError, match="two batch sizes"):
        speed.fit_step_time([fake("baseline", 1000)])


def test_table_lists_every_variant_aligned(compared):
    table = speed.format_throughputs(compared)
    lines = table.splitlines()
    assert len(lines) == len(compared) + 2  # the header, its rule, one row per variant
    assert lines[0].split()[:2] == ["variant", "images/s"]
    assert set(lines[1]) == {"-", " "}
    start = lines[0].index("images/s") + len("images/s")
    for line, result in zip(lines[2:], compared, strict=True):
        assert line.startswith(result.name)
        assert line[:start].rstrip().endswith(f"{result.images_per_second:,.0f}")
        assert result.verdict in line


def test_table_shows_a_skipped_variant():
    skipped = dataclasses.replace(
        fake("tf_data", 1.0), skipped="no TensorFlow", verdict="skipped: no TensorFlow"
    )
    row = speed.format_throughputs([skipped]).splitlines()[2]
    assert "skipped: no TensorFlow" in row and row.split()[1] == "-"


def test_knobs_name_what_differs():
    assert speed.VARIANTS[0].knobs() == "defaults"
    assert speed.get_variant("tf_data").knobs() == "tf.data (cache + prefetch)"
    assert speed.get_variant("steps_per_execution_8").knobs() == "steps_per_execution=8"


def test_smoke_plan_fits_every_batch_size():
    for budget in ("smoke", "full"):
        plan = speed.speed_plan(budget)
        assert plan.epochs >= 2
        assert all(plan.train_samples % v.batch_size == 0 for v in speed.VARIANTS)


def test_bfloat16_support_is_described():
    words = speed.cpu_bfloat16_support()
    has = bool(speed.cpu_flags() & {"avx512_bf16", "amx_bf16"})
    assert words.startswith("yes") == has
    assert speed.cpu_flags() is hardware.cpu_flags()  # one reading of /proc/cpuinfo


# --------------------------------------------------------------------------- figures


def test_throughput_plot(compared):
    fig = speed_plots.plot_throughputs(compared)
    ax = fig.axes[0]
    assert "images per second" in ax.get_xlabel() and ax.get_ylabel() == "variant"
    assert "baseline" in ax.get_title()
    bars = [bar for container in ax.containers for bar in container]
    assert len(bars) == len(compared)  # one bar per measured variant
    widths = sorted(bar.get_width() for bar in bars)
    assert widths == pytest.approx(sorted(r.images_per_second for r in compared))
    reference = (compared[0].images_per_second + compared[-1].images_per_second) / 2
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert dashed[0].get_xdata()[0] == pytest.approx(reference)
    assert [t.get_text() for t in ax.get_yticklabels()] == [r.name for r in compared]


def test_throughput_plot_draws_on_given_axes(compared):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    assert speed_plots.plot_throughputs(compared, ax=right) is fig
    assert not left.containers and len(right.containers) == len(compared)


def test_throughput_plot_needs_results():
    with pytest.raises(ValueError, match="results"):
        speed_plots.plot_throughputs([])


def test_step_time_plot():
    results = [fake(f"b{b}", b / (0.002 + 0.0001 * b), batch_size=b) for b in (64, 256)]
    fig = speed_plots.plot_step_times(results)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("batch size") and ax.get_ylabel() == "milliseconds per step"
    assert "fixed cost" in ax.get_title()
    measured = ax.get_lines()[0]
    np.testing.assert_allclose(measured.get_ydata(), [1e3 * r.seconds_per_step for r in results])


def test_step_time_plot_draws_on_given_axes():
    import matplotlib.pyplot as plt

    results = [fake(f"b{b}", b / (0.002 + 0.0001 * b), batch_size=b) for b in (64, 256)]
    fig, ax = plt.subplots()
    assert speed_plots.plot_step_times(results, ax=ax) is fig
    assert ax.get_ylabel() == "milliseconds per step" and len(ax.get_lines()) == 2
