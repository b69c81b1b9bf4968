"""The run cache: trained runs reused between processes, checked, and written atomically."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from convbook import recipes, run_cache
from convbook.datasets import store

SMALL = {"train_samples": 512, "test_samples": 256, "epochs": 1, "verbose": 0}
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_root(real_data_dir, tmp_path, monkeypatch):
    """A data directory of its own (the cached MNIST files linked in), the cache on."""
    root = tmp_path / "data"
    root.mkdir()
    for name in ("mnist.npz", "mnist.json"):
        (root / name).symlink_to(real_data_dir / name)
    monkeypatch.setenv("CONVBOOK_RUN_CACHE", "1")
    recipes.forget_finished_runs()
    yield root
    recipes.forget_finished_runs()


def _run(root: Path, **overrides):
    recipes.forget_finished_runs()  # as a new process would: only the run cache remains
    return recipes.run_recipe("compact_cnn_mnist", "smoke", data_dir=root, **{**SMALL, **overrides})


def _entries(root: Path) -> list[Path]:
    runs = root / "runs"
    return sorted(p for p in runs.iterdir() if not p.name.startswith(".")) if runs.exists() else []


def _same_weights(a, b) -> None:
    for x, y in zip(a.model.get_weights(), b.model.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


CHILD = textwrap.dedent(
    """
    import hashlib, json, sys
    from convbook import recipes
    result = recipes.run_recipe("compact_cnn_mnist", "smoke", data_dir=sys.argv[1],
                                train_samples=512, test_samples=256, epochs=1, verbose=2)
    digest = hashlib.sha256(b"".join(w.tobytes() for w in result.model.get_weights()))
    print("RESULT " + json.dumps({
        "reused": result.reused, "test_accuracy": result.test_accuracy,
        "test_loss": result.test_loss, "history": result.history,
        "trained_at": result.trained_at, "weights": digest.hexdigest(),
        "summary": result.summary(),
    }))
    """
)


def test_a_new_process_reuses_the_cached_run_without_training(data_root, capsys):
    import hashlib

    first = _run(data_root)
    assert not first.reused and first.trained_at
    assert "in this build" in first.summary()
    [entry] = _entries(data_root)
    env = dict(os.environ, PYTHONPATH=str(REPO), CONVBOOK_RUN_CACHE="1")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_root)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr[-3000:]
    reused = json.loads(child.stdout.split("RESULT ", 1)[1])
    assert reused["reused"] is True
    assert "epoch 1/1" not in child.stdout  # no training step ran
    assert f"compact_cnn_mnist: reused the run trained on {first.trained_at} " in child.stdout
    assert f"cache {entry}" in child.stdout
    assert reused["history"] == first.history
    assert reused["test_accuracy"] == first.test_accuracy
    assert reused["test_loss"] == first.test_loss
    assert reused["trained_at"] == first.trained_at
    digest = hashlib.sha256(b"".join(w.tobytes() for w in first.model.get_weights()))
    assert reused["weights"] == digest.hexdigest()
    assert f"reused: trained on {first.trained_at} (run cache {entry})" in reused["summary"]


def test_changes_miss_and_the_cache_can_be_turned_off(data_root, monkeypatch, capsys):
    first = _run(data_root)
    again = _run(data_root)  # in this process too, once its own memory is forgotten
    assert again.reused and again.model is not first.model
    _same_weights(first, again)
    assert again.model.evaluate(*_test_images(data_root), verbose=0, return_dict=True)[
        "accuracy"
    ] == pytest.approx(first.test_accuracy)
    assert not _run(data_root, seed=1).reused
    assert not _run(data_root, train_samples=400).reused
    assert len(_entries(data_root)) == 3
    assert _run(data_root, seed=1).reused

    monkeypatch.setenv("CONVBOOK_RUN_CACHE", "0")
    off = _run(data_root, seed=2)
    assert not off.reused and not _run(data_root).reused
    assert len(_entries(data_root)) == 3  # nothing read, nothing written
    monkeypatch.setenv("CONVBOOK_RUN_CACHE", "1")
    retrained = _run(data_root, reuse=False)
    assert not retrained.reused
    _same_weights(first, retrained)  # seeded: the same network, trained again
    assert _run(data_root).trained_at == retrained.trained_at


def _test_images(root: Path):
    from convbook import training

    data = training.prepare("mnist", train_samples=512, test_samples=256, seed=0, data_dir=root)
    return data.x_test, data.y_test


def test_runs_with_callbacks_or_checkpoints_are_not_cached(data_root, tmp_path):
    import keras

    logger = keras.callbacks.LambdaCallback()
    _run(data_root, callbacks=[logger])
    _run(data_root, checkpoint_dir=tmp_path / "checkpoints")
    assert _entries(data_root) == []


def _damage_weights(entry: Path) -> None:
    weights = entry / run_cache.WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # truncated


def _damage_manifest(entry: Path) -> None:
    (entry / run_cache.MANIFEST_FILE).write_text('{"format": 1, "key": ')


def _half_written(entry: Path) -> None:
    (entry / run_cache.MANIFEST_FILE).unlink()  # the manifest is written last


def _flipped_byte(entry: Path) -> None:
    weights = entry / run_cache.WEIGHTS_FILE
    content = bytearray(weights.read_bytes())
    content[len(content) // 2] ^= 0xFF  # same size, other content
    weights.write_bytes(bytes(content))


def _history_unreadable(entry: Path) -> None:
    (entry / run_cache.HISTORY_FILE).write_text("{not json")


DAMAGE = {
    _damage_weights: "model.weights.h5 has",
    _flipped_byte: "does not match its SHA-256",
    _damage_manifest: "is not valid JSON",
    _half_written: "has no manifest (it was written halfway)",
    _history_unreadable: "history.json has",
}


def test_a_damaged_entry_is_retrained_with_a_note(data_root, capsys):
    first = _run(data_root)
    [entry] = _entries(data_root)
    for damage, reason in DAMAGE.items():
        damage(entry)
        capsys.readouterr()
        result = _run(data_root)
        out = capsys.readouterr().out
        note = [line for line in out.splitlines() if "run cache:" in line]
        assert len(note) == 1 and reason in note[0] and note[0].endswith("; training again"), out
        assert not result.reused
        _same_weights(first, result)
        # the new entry replaced the damaged one, and it is trusted again
        assert run_cache.lookup(data_root / "runs", _key(data_root)) is not None
        assert _run(data_root).reused
    assert _entries(data_root) == [entry]


def _key(root: Path) -> dict:
    recipe = recipes.get("compact_cnn_mnist")
    plan = recipes.dataclasses.replace(
        recipe.smoke, **{k: v for k, v in SMALL.items() if k != "verbose"}
    )
    return recipes._CachedRun(recipe, plan, {"data_dir": root, "verbose": 0}).key


WRITER = textwrap.dedent(
    """
    import os, random, sys, time
    import keras
    from convbook import models, run_cache
    from convbook.datasets import store
    from convbook.training import TrainingResult

    root, seed = sys.argv[1], int(sys.argv[2])
    delays = random.Random(seed)
    for module, name in ((store, "_make_durable"), (os, "replace"), (store, "file_sha256")):
        original = getattr(module, name)
        def slowed(*args, _original=original):
            time.sleep(delays.uniform(0, 0.03))
            return _original(*args)
        setattr(module, name, slowed)
    keras.utils.set_random_seed(0)
    model = models.build("compact_cnn")
    result = TrainingResult(model, {"loss": [1.0]}, 0.5, 0.5, 1.0, "CPU", 1, 10, "mnist",
                            "compact_cnn", trained_at="2026-01-01 00:00")
    print("ready", flush=True)
    while True:
        run_cache.store_result(root, {"recipe": "kill_test"}, result)
    """
)


@pytest.mark.slow
def test_a_writer_killed_at_any_point_leaves_no_trusted_half_entry(tmp_path):
    import keras

    from convbook import models

    root = tmp_path / "runs"
    keras.utils.set_random_seed(0)
    expected = models.build("compact_cnn").get_weights()
    delays = random.Random(12)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for seed in range(3):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root), str(seed)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert writer.stdout.readline().strip() == "ready"
            time.sleep(delays.uniform(0.05, 1.5))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=60)
        entry = run_cache.lookup(root, {"recipe": "kill_test"})  # never DamagedEntry
        if entry is not None:
            assert entry.history == {"loss": [1.0]}
            model = models.build("compact_cnn")
            model.load_weights(entry.weights)
            for got, want in zip(model.get_weights(), expected, strict=True):
                np.testing.assert_array_equal(got, want)
        store.remove_stale_partials(root)  # what the killed writer left is cleared
        assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_entry_names_stay_those_of_existing_caches():
    # Computed before the digest moved to store.key_digest: a change here would make every
    # cached run of every reader's data directory train again.
    key = {"recipe": "fast_mnist", "seed": 0, "plan": {"epochs": (1, 2), "rate": 0.1}, "n": None}
    assert run_cache.entry_name(key) == "fast_mnist-7e8139b19293a8d092dc"
