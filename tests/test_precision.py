"""The dtype policy training runs use (CONVBOOK_PRECISION, devices.precision_policy).

``auto`` trains the wide networks in ``mixed_bfloat16`` only on a CPU with bfloat16 matrix
units under TensorFlow, and everything else in float32; a model built in a policy keeps it,
and code outside (a chapter's own Keras) keeps float32.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import keras
import numpy as np
import pytest

from convbook import devices, hardware, recipes, run_cache, settings, training

AMX_CPU = frozenset({"avx512f", "avx512_bf16", "amx_bf16", "amx_tile"})


def _cpu(backend: str = "tensorflow") -> devices.DeviceInfo:
    return devices.DeviceInfo("CPU", "Example CPU, 2 cores", backend, ())


GPU = devices.DeviceInfo("GPU", "H200", "tensorflow", ("H200",))


@pytest.mark.parametrize(
    ("flags", "info", "model", "expected"),
    [
        (AMX_CPU, _cpu(), "deep_cnn", "mixed_bfloat16"),
        (AMX_CPU, _cpu(), "compact_cnn", "mixed_bfloat16"),
        (AMX_CPU, _cpu(), "lenet5", "float32"),  # narrow: slower in bfloat16
        (AMX_CPU, _cpu(), "fast_cnn", "float32"),
        (AMX_CPU, _cpu(), None, "float32"),
        (AMX_CPU, _cpu("jax"), "deep_cnn", "float32"),
        (AMX_CPU, GPU, "deep_cnn", "float32"),
        (AMX_CPU - {"amx_bf16"}, _cpu(), "deep_cnn", "mixed_bfloat16"),  # avx512_bf16 alone
        (AMX_CPU - {"amx_bf16"}, _cpu(), "fast_cnn", "float32"),
        (AMX_CPU - {"avx512_bf16"}, _cpu(), "deep_cnn", "mixed_bfloat16"),  # AMX alone
        (AMX_CPU - {"avx512_bf16", "amx_bf16"}, _cpu(), "deep_cnn", "float32"),  # neither
        (frozenset(), _cpu(), "deep_cnn", "float32"),  # flags unknown
    ],
)
def test_auto_picks_bfloat16_only_where_it_was_measured_to_pay(
    monkeypatch, flags, info, model, expected
):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: flags)
    assert devices.precision_policy("auto", info, model) == expected


def test_an_explicit_choice_wins_and_the_setting_is_the_default(monkeypatch):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: AMX_CPU)
    assert devices.precision_policy("float32", _cpu(), "deep_cnn") == "float32"
    assert devices.precision_policy("mixed_bfloat16", _cpu(), "lenet5") == "mixed_bfloat16"
    monkeypatch.setenv("CONVBOOK_PRECISION", "float32")
    assert devices.precision_policy(None, _cpu(), "deep_cnn") == "float32"
    monkeypatch.delenv("CONVBOOK_PRECISION")
    assert settings.precision() == "auto"
    assert devices.precision_policy(None, _cpu(), "deep_cnn") == "mixed_bfloat16"


def test_bad_choices_are_named(monkeypatch):
    with pytest.raises(ValueError, match="^precision must be one of .*; got 'float16'"):
        devices.precision_policy("float16", _cpu(), "deep_cnn")
    monkeypatch.setenv("CONVBOOK_PRECISION", "half")
    with pytest.raises(settings.SettingError, match="^CONVBOOK_PRECISION must be one of"):
        settings.precision()
    with pytest.raises(ValueError, match="^policy must be one of"):
        with devices.dtype_policy("float64"):
            pass


def test_the_policy_applies_inside_the_block_only_even_after_an_error():
    assert keras.config.dtype_policy().name == "float32"
    with pytest.raises(RuntimeError):
        with devices.dtype_policy("mixed_bfloat16"):
            inside = keras.layers.Conv2D(4, 3)
            raise RuntimeError("stop")
    outside = keras.layers.Conv2D(4, 3)
    assert (inside.compute_dtype, inside.variable_dtype) == ("bfloat16", "float32")
    assert outside.compute_dtype == "float32"
    assert keras.config.dtype_policy().name == "float32"


def test_a_run_in_bfloat16_trains_says_so_and_leaves_float32_behind(real_data_dir):
    result = training.build_and_train(
        "compact_cnn",
        "mnist",
        epochs=1,
        train_samples=600,
        test_samples=200,
        seed=0,
        precision="mixed_bfloat16",
        data_dir=real_data_dir,
        verbose=0,
    )
    convolution = result.model.get_layer(index=1)
    assert convolution.compute_dtype == "bfloat16"
    assert result.model.layers[-1].compute_dtype == "float32"  # the outputs, as Keras advises
    assert all(w.dtype == "float32" for w in result.model.weights)
    assert result.precision == "mixed_bfloat16" and "bfloat16" not in result.device
    assert "precision      mixed_bfloat16" in result.summary()
    images = np.zeros((3, 28, 28, 1), dtype="float32")
    assert training.predict_in_batches(result.model, images).dtype == np.float32
    assert 0.0 <= result.test_accuracy <= 1.0 and result.history["loss"][0] > 0
    assert keras.config.dtype_policy().name == "float32"
    plain = training.build_and_train(
        "compact_cnn", "mnist", epochs=1, train_samples=600, test_samples=200,
        precision="float32", data_dir=real_data_dir, verbose=0,
    )  # fmt: skip
    assert plain.model.get_layer(index=1).compute_dtype == "float32"
    assert plain.precision == "float32"


def test_the_run_cache_keeps_the_policy_in_its_key_and_rebuilds_in_it(
    monkeypatch, tmp_path, real_data_dir
):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("mnist.npz", "mnist.json"):
        (data / name).symlink_to(real_data_dir / name)
    monkeypatch.setenv("CONVBOOK_RUN_CACHE", "1")
    plan = {"epochs": 1, "train_samples": 600, "test_samples": 200, "verbose": 0}
    recipes.forget_finished_runs()
    trained = recipes.run_recipe(
        "compact_cnn_mnist", data_dir=data, precision="mixed_bfloat16", **plan
    )
    recipes.forget_finished_runs()
    reused = recipes.run_recipe(
        "compact_cnn_mnist", data_dir=data, precision="mixed_bfloat16", **plan
    )
    assert reused.reused_from and reused.test_accuracy == trained.test_accuracy
    assert reused.model.get_layer(index=1).compute_dtype == "bfloat16"
    assert reused.precision == "mixed_bfloat16" and reused.device == trained.device
    # An entry written before results had a precision field named the policy in the device;
    # the key, not what the entry says, decides the precision of the rebuilt run.
    (manifest,) = run_cache.cache_root(data).glob(f"*/{run_cache.MANIFEST_FILE}")
    key = json.loads(manifest.read_text())["key"]
    older = dataclasses.replace(
        trained, device=f"{trained.device}, mixed_bfloat16", precision="float32"
    )
    run_cache.store_result(run_cache.cache_root(data), key, older)
    recipes.forget_finished_runs()
    legacy = recipes.run_recipe(
        "compact_cnn_mnist", data_dir=data, precision="mixed_bfloat16", **plan
    )
    assert legacy.reused_from and legacy.device == trained.device
    assert legacy.precision == "mixed_bfloat16"
    recipes.forget_finished_runs()
    other = recipes.run_recipe("compact_cnn_mnist", data_dir=data, precision="float32", **plan)
    assert other.reused_from is None  # another policy is another run
    keys = [
        json.loads(path.read_text())["key"]["definition"]["precision"]
        for path in run_cache.cache_root(data).glob(f"*/{run_cache.MANIFEST_FILE}")
    ]
    assert sorted(keys) == ["float32", "mixed_bfloat16"]
    recipes.forget_finished_runs()


def test_the_making_it_fast_page_names_the_networks_that_gain():
    chapter = Path(__file__).resolve().parents[1] / "gallery/03_performance/01_making_it_fast.py"
    prose = " ".join(line.lstrip("# ").strip() for line in chapter.read_text().splitlines())
    assert "the deep CNN, the simple CNN, the compact CNN and the scaled AlexNet" in prose
    assert "(``fast_cnn``, LeNet-5, the dense baseline) gained a little on the AMD" in prose
    assert all(f"flag ``{flag}``" in prose for flag in devices.BFLOAT16_CPU_FLAGS)
    assert devices.BFLOAT16_FASTER == {"deep_cnn", "simple_cnn", "compact_cnn", "alexnet_small"}
    book_networks = {recipe.model for recipe in recipes.RECIPES.values()}
    assert devices.BFLOAT16_FASTER < book_networks
    assert {"fast_cnn", "lenet5", "dense_net"} <= book_networks - devices.BFLOAT16_FASTER
