"""Data parallelism on several devices and several processes, on Keras' own engines.

Synchronous data parallelism keeps one copy of the model on every device (a *replica*),
splits each global batch between the replicas, averages their gradients with an
all-reduce and applies the same update everywhere. Keras does this itself; this module
only sets the stage:

* :func:`use_virtual_cpu_devices` splits the CPU into several JAX devices (a stand-in for
  several GPUs); :func:`use_logical_cpu_devices` does the same for TensorFlow.
* :func:`list_devices` lists the devices of a back-end; :func:`data_parallel` turns on
  ``keras.distribution.DataParallel`` over them (JAX back-end).
* :func:`initialize` joins a group of processes (``jax.distributed.initialize``) with the
  coordinator address, the process count and the index it finds in :mod:`convbook.settings`.
* :func:`launch` starts such a group of worker processes on this machine (127.0.0.1 only),
  waits for them with a time limit, and stops them all and raises :class:`WorkerFailed`
  when one fails.

Nothing here imports JAX, Keras or TensorFlow at import time: the number of CPU devices must
be fixed before JAX starts, so the functions that need a back-end import it themselves.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convbook import _checks, settings

BACKENDS: tuple[str, ...] = ("jax", "tensorflow", "torch")
"""The Keras back-ends :func:`list_devices` and :func:`launch` know."""

DEVICE_COUNT_FLAG = "--xla_force_host_platform_device_count"
"""The XLA flag that splits the host CPU into several devices; read when JAX starts."""

REPORT_PREFIX = "convbook-report: "
"""Lines a worker prints with :func:`report` start with this; :class:`WorkerResult` reads them."""

LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost")
"""The only hosts :func:`launch` accepts: it starts processes on this machine only."""

_STOP_GRACE_SECONDS = 3.0

# How a worker of launch() starts: it runs the script as __main__ (as `python worker.py`
# would), while a thread watches its parent. A launcher stopped by SIGKILL or SIGTERM
# cannot stop its workers (each has a session of its own, so the signal does not reach
# them either); when the launcher is gone, its workers remove their folder and exit.
_WORKER_BOOTSTRAP = """\
import os, runpy, shutil, sys, threading, time

script, launcher = sys.argv[1], int(sys.argv[2])


def stop_when_the_launcher_is_gone():
    while os.getppid() == launcher:
        time.sleep(0.25)
    shutil.rmtree(os.path.dirname(script), ignore_errors=True)
    os._exit(70)


threading.Thread(target=stop_when_the_launcher_is_gone, daemon=True).start()
sys.argv = [script]
runpy.run_path(script, run_name="__main__")
"""


class WorkerFailed(RuntimeError):
    """A worker of :func:`launch` exited with an error; the other workers were stopped.

    ``results`` holds a :class:`WorkerResult` for every worker (what each printed, how it
    ended), ``index`` the worker that failed first.
    """

    def __init__(self, message: str, index: int, results: Sequence[WorkerResult]) -> None:
        super().__init__(message)
        self.index = index
        self.results = tuple(results)


class WorkerTimeout(WorkerFailed):
    """The workers of :func:`launch` did not finish within ``timeout``; all were stopped."""


@dataclass(frozen=True)
class WorkerResult:
    """How one worker process ended: its index, exit code, output and run time."""

    index: int
    pid: int
    returncode: int
    seconds: float
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)

    @property
    def reports(self) -> list[dict[str, Any]]:
        """The values the worker passed to :func:`report`, one dictionary per call."""
        return [
            json.loads(line[len(REPORT_PREFIX) :])
            for line in self.stdout.splitlines()
            if line.startswith(REPORT_PREFIX)
        ]

    @property
    def report(self) -> dict[str, Any]:
        """All of the worker's reports merged into one dictionary (later calls win)."""
        merged: dict[str, Any] = {}
        for values in self.reports:
            merged.update(values)
        return merged


def _check_backend(backend: object) -> str:
    return _checks.choice("backend", backend, BACKENDS)


def virtual_device_flags(count: int, flags: str = "") -> str:
    """Return ``flags`` (an ``XLA_FLAGS`` value) asking for ``count`` host CPU devices.

    An earlier device-count flag in ``flags`` is replaced; other flags are kept.

    Examples
    --------
    >>> virtual_device_flags(2)
    '--xla_force_host_platform_device_count=2'
    >>> virtual_device_flags(4, "--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=2")
    '--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=4'
    """
    count = _checks.positive_int("count", count)
    if not isinstance(flags, str):
        _checks.fail("flags", flags, "a string of XLA flags", TypeError)
    kept = [flag for flag in flags.split() if not flag.startswith(DEVICE_COUNT_FLAG)]
    return " ".join([*kept, f"{DEVICE_COUNT_FLAG}={count}"])


def use_virtual_cpu_devices(count: int) -> None:
    """Split the CPU into ``count`` JAX devices; call it before JAX runs anything.

    Sets ``XLA_FLAGS`` (so worker processes started later inherit it too). If JAX is
    already imported but has not started, the device count is set through
    ``jax.config`` instead. Once JAX has started, its devices are fixed: asking for a
    different count then raises ``RuntimeError``.

    Parameters
    ----------
    count
        How many CPU devices JAX should show (at least 1). They share the same cores:
        a stand-in for several accelerators that makes no computation faster.

    Examples
    --------
    >>> use_virtual_cpu_devices(0)
    Traceback (most recent call last):
    ...
    ValueError: count must be a positive integer; got 0.
    """
    count = _checks.positive_int("count", count)
    os.environ["XLA_FLAGS"] = virtual_device_flags(count, os.environ.get("XLA_FLAGS", ""))
    if "jax" not in sys.modules:
        return
    import jax

    try:
        jax.config.update("jax_num_cpu_devices", count)
    except RuntimeError:
        found = len(jax.devices("cpu"))
        if found != count:
            raise RuntimeError(
                f"JAX has already started with {found} CPU device(s), so it cannot be split "
                f"into {count}: call use_virtual_cpu_devices({count}) (or set XLA_FLAGS="
                f"{DEVICE_COUNT_FLAG}={count}) before the first JAX computation, e.g. at the "
                "top of the script."
            ) from None


def use_logical_cpu_devices(count: int) -> None:
    """Split TensorFlow's CPU into ``count`` logical devices; call it before TensorFlow runs.

    The TensorFlow counterpart of :func:`use_virtual_cpu_devices`
    (``tf.config.set_logical_device_configuration``). Once TensorFlow has started, its
    devices are fixed: asking for a different count then raises ``RuntimeError``.

    Examples
    --------
    >>> use_logical_cpu_devices("2")
    Traceback (most recent call last):
    ...
    TypeError: count must be a positive integer; got '2'.
    """
    count = _checks.positive_int("count", count)
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        found = len(tf.config.list_logical_devices("CPU"))
        if found != count:
            raise RuntimeError(
                f"TensorFlow has already started with {found} logical CPU device(s), so it "
                f"cannot be split into {count}: call use_logical_cpu_devices({count}) before "
                "TensorFlow runs anything (before building a model)."
            ) from None


def list_devices(backend: str | None = None) -> tuple[str, ...]:
    """Return the names of the devices a Keras back-end can train on, in its own spelling.

    Parameters
    ----------
    backend
        ``"jax"``, ``"tensorflow"`` or ``"torch"``; default: Keras' current back-end
        (which imports Keras). JAX lists the devices of every process of a group.

    Examples
    --------
    >>> list_devices("tensorflow")[0]
    '/device:CPU:0'
    >>> list_devices("theano")
    Traceback (most recent call last):
    ...
    ValueError: backend must be one of 'jax', 'tensorflow', 'torch'; got 'theano'.
    """
    if backend is None:
        import keras

        backend = keras.backend.backend()
    backend = _check_backend(backend)
    if backend == "jax":
        import jax

        return tuple(f"{device.platform}:{device.id}" for device in jax.devices())
    if backend == "tensorflow":
        import tensorflow as tf

        return tuple(device.name for device in tf.config.list_logical_devices())
    import torch

    return ("cpu", *(f"cuda:{i}" for i in range(torch.cuda.device_count())))


def data_parallel(devices: Sequence[str] | None = None) -> Any:
    """Train every model built from now on data-parallel over ``devices`` (JAX back-end).

    Creates ``keras.distribution.DataParallel``, makes it the global distribution with
    ``keras.distribution.set_distribution`` and returns it. Build the model after this
    call. In a group of processes (after :func:`initialize`) each process feeds its own
    share of the data, so automatic sharding of ``tf.data`` input is turned off.

    Parameters
    ----------
    devices
        Device names as :func:`list_devices` gives them, e.g. ``["cpu:0", "cpu:1"]``;
        default all devices of all processes.

    Returns
    -------
    keras.distribution.DataParallel

    Raises
    ------
    RuntimeError
        If Keras' back-end is not JAX: Keras' distribution API runs on JAX; with
        TensorFlow use ``tf.distribute``.
    """
    if devices is not None:
        if isinstance(devices, str) or not isinstance(devices, Sequence):
            _checks.fail("devices", devices, "a sequence of device names", TypeError)
        if not devices or not all(isinstance(name, str) and name for name in devices):
            _checks.fail("devices", devices, "a non-empty sequence of device names")
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(
            "keras.distribution.DataParallel needs the JAX back-end; Keras runs on "
            f"{keras.backend.backend()!r}. Set KERAS_BACKEND=jax before importing Keras "
            "(with TensorFlow, use tf.distribute.MirroredStrategy instead)."
        )
    available = keras.distribution.list_devices()
    chosen = list(available if devices is None else devices)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        _checks.fail("devices", devices, f"names from {available}")
    import jax

    distribution = keras.distribution.DataParallel(
        devices=chosen, auto_shard_dataset=jax.process_count() == 1
    )
    keras.distribution.set_distribution(distribution)
    return distribution


def initialize(timeout: float = 60.0) -> bool:
    """Join this process's group, as ``$CONVBOOK_COORDINATOR`` and friends describe it.

    Reads the coordinator address, the process count and this process's index from
    :mod:`convbook.settings` and passes them to ``jax.distributed.initialize``. After it,
    ``jax.devices()`` lists the devices of every process. Alone (one process) it does
    nothing.

    Parameters
    ----------
    timeout
        Seconds to wait for every process to arrive (and, later, for a silent process to
        be declared dead). JAX then ends this process with an error.

    Returns
    -------
    bool
        Whether a group was joined.
    """
    timeout = _checks.positive("timeout", timeout)
    count, index, address = settings.processes(), settings.process_id(), settings.coordinator()
    if count == 1:
        return False
    if index >= count:
        raise settings.SettingError(
            f"CONVBOOK_PROCESS_ID must be less than CONVBOOK_PROCESSES ({count}); got {index}."
        )
    if address is None:
        raise settings.SettingError(
            f"CONVBOOK_COORDINATOR must be set (host:port of process 0) when "
            f"CONVBOOK_PROCESSES is {count}; got nothing."
        )
    import jax

    host, port = address.rsplit(":", 1)
    jax.distributed.initialize(
        coordinator_address=address,
        num_processes=count,
        process_id=index,
        initialization_timeout=max(1, round(timeout)),
        heartbeat_timeout_seconds=max(2, round(timeout / 2)),
        shutdown_timeout_seconds=max(1, round(timeout)),
        # on one machine the coordinator listens on the loopback interface only
        coordinator_bind_address=address if host in LOOPBACK_HOSTS else None,
    )
    return True


def report(**values: Any) -> None:
    """Print ``values`` as one JSON line that :attr:`WorkerResult.reports` reads back.

    Examples
    --------
    >>> report(images_per_second=1234.5, devices=2)
    convbook-report: {"images_per_second": 1234.5, "devices": 2}
    """
    print(REPORT_PREFIX + json.dumps(values), flush=True)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that nothing listens on right now.

    Examples
    --------
    >>> 1024 <= free_port() <= 65535
    True
    """
    host = _checks.choice("host", host, LOOPBACK_HOSTS)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now (no process holds it).

    The probe binds with ``SO_REUSEADDR``, as servers (JAX's coordinator among them) do,
    so connections of a stopped process that linger in ``TIME_WAIT`` do not count.

    Examples
    --------
    >>> port_is_free(free_port())
    True
    """
    port = _checks.integer("port", port, minimum=1, maximum=65535)
    host = _checks.choice("host", host, LOOPBACK_HOSTS)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _check_coordinator(coordinator: object) -> str:
    expected = "'127.0.0.1:PORT' or 'localhost:PORT' with a port from 1 to 65535"
    if not isinstance(coordinator, str):
        _checks.fail("coordinator", coordinator, expected, TypeError)
    host, _, port = coordinator.rpartition(":")
    if host not in LOOPBACK_HOSTS or not port.isdigit() or not 1 <= int(port) <= 65535:
        _checks.fail("coordinator", coordinator, expected)
    return coordinator


def _last_error_line(stderr: str) -> str:
    """Return the line of a worker's stderr that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        fatal = re.match(r"F\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (.*)", line)
        if fatal:  # an XLA/JAX fatal log line (the process then aborts)
            return fatal.group(1)
    for line in reversed(lines):
        if re.match(r"([A-Za-z_][\w.]*)(Error|Exception|Exit|Interrupt)\b", line):
            return line
    return lines[-1] if lines else "(it printed nothing on stderr)"


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Stop every process (and what it started): SIGTERM, a short grace, then SIGKILL."""
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for process in processes:
        _signal_group(process, signal.SIGKILL)  # also any child a worker left behind
        process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signum)
        elif process.poll() is None:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass


def launch(
    code: str | os.PathLike[str],
    processes: int = 1,
    *,
    devices: int | None = None,
    backend: str = "jax",
    timeout: float = 300.0,
    coordinator: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[WorkerResult]:
    """Run a Python script in ``processes`` worker processes on this machine and wait.

    Every worker runs the same script with Keras on ``backend`` and learns its place from
    environment variables (read through :mod:`convbook.settings`):
    ``CONVBOOK_COORDINATOR`` (``127.0.0.1:PORT``, the address of process 0),
    ``CONVBOOK_PROCESSES``, ``CONVBOOK_PROCESS_ID`` (0, 1, ...) and ``CONVBOOK_DEVICES``.
    A JAX worker calls :func:`initialize` to join the others. The workers run in a fresh
    temporary directory, which is removed afterwards.

    If a worker exits with an error, the others are stopped at once and
    :class:`WorkerFailed` is raised; if they are not all done after ``timeout`` seconds,
    all are stopped and :class:`WorkerTimeout` is raised. Either way no worker is left
    running. If the launching process itself is killed, so that it cannot stop them, each
    worker notices within a second, removes the temporary directory and exits.

    Parameters
    ----------
    code
        The script: its source as a string, or the path of a ``.py`` file.
    processes
        How many workers to start (1 runs the script once, in a process of its own).
    devices
        Virtual CPU devices per worker: ``XLA_FLAGS`` for JAX (see
        :func:`use_virtual_cpu_devices`); for the other back-ends the script reads
        ``settings.devices()`` itself. Default: leave the devices as they are.
    backend
        ``KERAS_BACKEND`` for the workers: ``"jax"`` (default), ``"tensorflow"`` or
        ``"torch"``.
    timeout
        Seconds all workers together may take, start-up included.
    coordinator
        ``"127.0.0.1:PORT"``; default a free port on 127.0.0.1.
    env
        More environment variables for the workers.

    Returns
    -------
    list of WorkerResult
        One per worker, in index order.

    Examples
    --------
    >>> results = launch("print('hello')", processes=2, timeout=60)  # doctest: +SKIP
    >>> [result.stdout.strip() for result in results]  # doctest: +SKIP
    ['hello', 'hello']
    """
    if isinstance(code, os.PathLike):
        path = Path(code)
        if not path.is_file():
            _checks.fail("code", code, "a Python script's source or the path of a file")
        source = path.read_text(encoding="utf-8")
    elif isinstance(code, str):
        source = _checks.text("code", code)
    else:
        _checks.fail("code", code, "a Python script's source or a path", TypeError)
    processes = _checks.positive_int("processes", processes)
    devices = _checks.optional_positive_int("devices", devices)
    backend = _check_backend(backend)
    timeout = _checks.positive("timeout", timeout)
    if coordinator is None:
        coordinator = f"127.0.0.1:{free_port()}"
    coordinator = _check_coordinator(coordinator)
    if env is not None and not (
        isinstance(env, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
    ):
        _checks.fail("env", env, "a mapping of strings to strings", TypeError)

    package_root = str(Path(__file__).resolve().parent.parent)
    base = dict(os.environ)
    base.update(
        KERAS_BACKEND=backend,
        CONVBOOK_COORDINATOR=coordinator,
        CONVBOOK_PROCESSES=str(processes),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [package_root, base.get("PYTHONPATH")])),
    )
    base.pop("CONVBOOK_DEVICES", None)
    if devices is not None:
        base["CONVBOOK_DEVICES"] = str(devices)
        if backend == "jax":
            base["XLA_FLAGS"] = virtual_device_flags(devices, base.get("XLA_FLAGS", ""))
    base.update(env or {})

    with tempfile.TemporaryDirectory(prefix="convbook-workers-") as folder:
        workdir = Path(folder)
        script = workdir / "worker.py"
        script.write_text(source, encoding="utf-8")
        started: list[subprocess.Popen[bytes]] = []
        logs = []
        begun: list[float] = []
        finished: dict[int, float] = {}
        try:
            for index in range(processes):
                out = open(workdir / f"worker{index}.out", "wb")  # noqa: SIM115
                err = open(workdir / f"worker{index}.err", "wb")  # noqa: SIM115
                logs.append((out, err))
                begun.append(time.monotonic())
                started.append(
                    subprocess.Popen(
                        [sys.executable, "-c", _WORKER_BOOTSTRAP, str(script), str(os.getpid())],
                        cwd=workdir,
                        env={**base, "CONVBOOK_PROCESS_ID": str(index)},
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=err,
                        start_new_session=os.name == "posix",
                    )
                )
            deadline = begun[0] + timeout
            failed: int | None = None
            while len(finished) < processes and failed is None:
                for index, process in enumerate(started):
                    if index not in finished and process.poll() is not None:
                        finished[index] = time.monotonic()
                        if process.returncode != 0 and failed is None:
                            failed = index
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            _stop(started)
            now = time.monotonic()
            for out, err in logs:
                out.close()
                err.close()
            results = [
                WorkerResult(
                    index=index,
                    pid=process.pid,
                    returncode=process.returncode,
                    seconds=finished.get(index, now) - begun[index],
                    stdout=(workdir / f"worker{index}.out").read_text("utf-8", "replace"),
                    stderr=(workdir / f"worker{index}.err").read_text("utf-8", "replace"),
                )
                for index, process in enumerate(started)
            ]

    if failed is not None:
        result = results[failed]
        others = " and the others were stopped" if processes > 1 else ""
        raise WorkerFailed(
            f"worker {failed} of {processes} {_how_it_ended(result.returncode)} after "
            f"{result.seconds:.1f} s{others}. Its last error: {_last_error_line(result.stderr)}",
            failed,
            results,
        )
    if len(finished) < processes:
        waiting = [index for index in range(processes) if index not in finished]
        raise WorkerTimeout(
            f"worker(s) {waiting} of {processes} had not finished after the timeout of "
            f"{timeout:g} s and were stopped (coordinator {coordinator}).",
            waiting[0],
            results,
        )
    return results
