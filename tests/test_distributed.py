"""Data parallelism: argument checks, one step on 2 replicas, 2 processes, failures.

The JAX parts run in worker processes started by `distributed.launch` (the device count
must be fixed before JAX starts), on 127.0.0.1 only, each with a time limit.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convbook import distributed, settings

pytest.importorskip("jax")

# --- checks at the boundary -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"processes": 0}, ValueError, "processes"),
        ({"processes": 2.0}, TypeError, "processes"),
        ({"devices": 0}, ValueError, "devices"),
        ({"backend": "theano"}, ValueError, "backend"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"timeout": "10"}, TypeError, "timeout"),
        ({"coordinator": "10.0.0.1:1234"}, ValueError, "coordinator"),
        ({"coordinator": "127.0.0.1:0"}, ValueError, "coordinator"),
        ({"coordinator": 1234}, TypeError, "coordinator"),
        ({"env": {"A": 1}}, TypeError, "env"),
    ],
)
def test_launch_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must be"):
        distributed.launch("print('never runs')", **kwargs)


def test_launch_rejects_bad_code(tmp_path):
    with pytest.raises(ValueError, match="^code must be"):
        distributed.launch("")
    with pytest.raises(TypeError, match="^code must be"):
        distributed.launch(b"print(1)")
    with pytest.raises(ValueError, match="^code must be"):
        distributed.launch(tmp_path / "missing.py")


def test_virtual_device_flags_replace_an_earlier_count():
    flags = distributed.virtual_device_flags(3, "--a=1 --xla_force_host_platform_device_count=8")
    assert flags == "--a=1 --xla_force_host_platform_device_count=3"
    with pytest.raises(TypeError, match="^count must be"):
        distributed.virtual_device_flags(True)


def test_data_parallel_rejects_bad_devices():
    with pytest.raises(TypeError, match="^devices must be"):
        distributed.data_parallel("cpu:0")
    with pytest.raises(ValueError, match="^devices must be"):
        distributed.data_parallel([])


@pytest.mark.parametrize(
    ("variable", "value", "reader"),
    [
        ("CONVBOOK_DEVICES", "0", settings.devices),
        ("CONVBOOK_DEVICES", "two", settings.devices),
        ("CONVBOOK_PROCESSES", "0", settings.processes),
        ("CONVBOOK_PROCESS_ID", "-1", settings.process_id),
        ("CONVBOOK_COORDINATOR", "127.0.0.1", settings.coordinator),
        ("CONVBOOK_COORDINATOR", "127.0.0.1:70000", settings.coordinator),
    ],
)
def test_settings_reject_bad_values(monkeypatch, variable, value, reader):
    monkeypatch.setenv(variable, value)
    with pytest.raises(settings.SettingError, match=rf"^{variable} must be"):
        reader()


def test_settings_defaults_and_values(monkeypatch):
    for variable in ("CONVBOOK_DEVICES", "CONVBOOK_COORDINATOR", "CONVBOOK_PROCESSES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("CONVBOOK_PROCESS_ID", raising=False)
    assert (settings.devices(), settings.coordinator()) == (None, None)
    assert (settings.processes(), settings.process_id()) == (1, 0)
    monkeypatch.setenv("CONVBOOK_COORDINATOR", "10.0.0.1:12355")
    monkeypatch.setenv("CONVBOOK_PROCESSES", "4")
    assert (settings.coordinator(), settings.processes()) == ("10.0.0.1:12355", 4)


def test_initialize_alone_does_nothing(monkeypatch):
    monkeypatch.delenv("CONVBOOK_PROCESSES", raising=False)
    assert distributed.initialize() is False


def test_initialize_checks_the_index(monkeypatch):
    monkeypatch.setenv("CONVBOOK_PROCESSES", "2")
    monkeypatch.setenv("CONVBOOK_PROCESS_ID", "2")
    with pytest.raises(settings.SettingError, match="^CONVBOOK_PROCESS_ID must be less"):
        distributed.initialize()


def test_a_timeout_stops_every_worker():
    started = time.monotonic()
    with pytest.raises(distributed.WorkerTimeout, match="had not finished") as caught:
        distributed.launch("import time\ntime.sleep(120)", processes=2, timeout=3)
    assert time.monotonic() - started < 30
    assert_all_gone(caught.value.results)


def _running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_workers_stop_when_their_launcher_is_killed(tmp_path):
    """A launcher killed outright cannot stop its workers: they notice and stop themselves."""
    worker = (
        "import os, pathlib, time\n"
        f"folder = pathlib.Path({str(tmp_path)!r})\n"
        "(folder / os.environ['CONVBOOK_PROCESS_ID']).write_text(f'{os.getpid()} {os.getcwd()}')\n"
        "time.sleep(120)\n"
    )
    launcher = subprocess.Popen(
        [sys.executable, "-c", f"from convbook import distributed\n"
         f"distributed.launch({worker!r}, processes=2, timeout=150)"],
        env={**os.environ, "PYTHONPATH": str(Path(distributed.__file__).parent.parent)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        started = [path.read_text().split() for path in sorted(tmp_path.iterdir())]
        assert len(started) == 2, "the workers did not start"
    finally:
        launcher.kill()
        launcher.wait()
    pids, folders = [int(pid) for pid, _ in started], {Path(folder) for _, folder in started}
    deadline = time.monotonic() + 10
    while any(map(_running, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in pids if _running(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"workers {survivors} still ran 10 s after their launcher was killed"
    assert len(folders) == 1 and not any(folder.exists() for folder in folders)


# --- the real thing, in JAX worker processes ------------------------------------------

# A tiny network with seeded initializers: every process starts from the same weights
# without keras.utils.set_random_seed (which would also import TensorFlow).
MODEL = """
import hashlib

import keras
import numpy as np

from convbook import distributed


def build():
    seeded = keras.initializers.GlorotUniform
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", kernel_initializer=seeded(1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, kernel_initializer=seeded(2)),
        ]
    )


def compiled(model):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss)
    return model


def flat(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])


rng = np.random.default_rng(0)
x = rng.normal(size=(16, 8, 8, 1)).astype("float32")
y = rng.integers(0, 3, size=16)
"""

EQUIVALENCE = (
    MODEL
    + """
single = compiled(build())
initial, start = flat(single), single.get_weights()
single.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)  # one step, batch 16

distribution = distributed.data_parallel(["cpu:0", "cpu:1"])
replicated = build()  # built under the distribution: a copy on each device
replicated.set_weights(start)
replicated = compiled(replicated)
replicated.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)  # 8 per replica
kernel = replicated.layers[0].kernel.value
distributed.report(
    devices=len(kernel.sharding.device_set),
    replicas=distribution.num_model_replicas,
    moved=float(np.abs(flat(single) - initial).max()),
    difference=float(np.abs(flat(single) - flat(replicated)).max()),
)
"""
)


def test_one_step_on_two_replicas_equals_one_step_on_one_device():
    (result,) = distributed.launch(EQUIVALENCE, devices=2, timeout=240)
    values = result.report
    assert values["devices"] == 2 and values["replicas"] == 2
    assert values["moved"] > 1e-3  # the step changed the weights
    assert values["difference"] < 1e-5, values


TOGETHER = (
    MODEL
    + """
import jax

assert distributed.initialize(timeout=30)
rank, size = jax.process_index(), jax.process_count()
distributed.data_parallel()
model = compiled(build())
model.fit(x[rank::size], y[rank::size], batch_size=8 // size, epochs=1, shuffle=False, verbose=0)
distributed.report(
    rank=rank,
    processes=size,
    devices=len(jax.devices()),
    weights=hashlib.sha256(flat(model).tobytes()).hexdigest(),
)
"""
)


def test_two_processes_train_one_model():
    port = distributed.free_port()
    workers = distributed.launch(
        TOGETHER, processes=2, devices=1, timeout=240, coordinator=f"127.0.0.1:{port}"
    )
    reports = [worker.report for worker in workers]
    assert [r["rank"] for r in reports] == [0, 1]
    assert all(r["processes"] == 2 and r["devices"] == 2 for r in reports)
    assert reports[0]["weights"] == reports[1]["weights"]
    assert_all_gone(workers)
    assert distributed.port_is_free(port)


FIT_AFTER_JOINING = """
import jax

distributed.data_parallel()
model = compiled(build())
model.fit(x[::2], y[::2], batch_size=4, epochs=50, shuffle=False, verbose=0)
"""


DIES = """
import os

from convbook import distributed, settings

distributed.initialize(timeout=30)
if settings.process_id() == 1:
    os._exit(3)  # dies after joining: process 0 waits for it in the first step
"""


def test_a_dying_worker_stops_the_group():
    port = distributed.free_port()
    started = time.monotonic()
    with pytest.raises(distributed.WorkerFailed) as caught:
        distributed.launch(
            DIES + MODEL + FIT_AFTER_JOINING,
            processes=2,
            devices=1,
            timeout=240,
            coordinator=f"127.0.0.1:{port}",
        )
    assert time.monotonic() - started < 180
    error = caught.value
    assert error.index == 1
    assert str(error).startswith("worker 1 of 2 exited with code 3")
    assert "the others were stopped" in str(error)
    assert_all_gone(error.results)
    assert distributed.port_is_free(port)


def test_a_worker_whose_partner_never_starts_gives_up():
    # Only process 0 of a group of 2 is started: it must not wait for ever.
    port = distributed.free_port()
    started = time.monotonic()
    with pytest.raises(distributed.WorkerFailed) as caught:
        distributed.launch(
            "from convbook import distributed\ndistributed.initialize(timeout=5)\n",
            timeout=120,
            coordinator=f"127.0.0.1:{port}",
            env={"CONVBOOK_PROCESSES": "2"},
        )
    assert time.monotonic() - started < 90
    message = str(caught.value)
    assert message.startswith("worker 0 of 1 was killed by signal SIGABRT"), message
    assert "DEADLINE_EXCEEDED" in message or "distributed" in message
    assert_all_gone(caught.value.results)
    assert distributed.port_is_free(port)


def assert_all_gone(results):
    """Every worker has been waited for: no process with its id is left."""
    for result in results:
        assert result.returncode is not None
        with pytest.raises(ProcessLookupError):
            os.kill(result.pid, 0)
