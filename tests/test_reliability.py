"""Nothing lost, no tracebacks: the failures of issue 15 and a fault-injection suite.

* Regression tests for the four failures found by trying convbook as a new user would:
  a failed forced re-fetch, a damaged file listed as cached, an output path under a file,
  a damaged checkpoint directory.
* Bad values in every environment variable and command-line flag: one line, exit code 2;
  paths with spaces and non-ASCII characters work.
* Hostile files (a pickle that runs a command, a ``.keras`` model with a ``Lambda`` layer)
  are refused with a clear message and nothing in them runs.
* Real processes interrupted (Ctrl-C) and killed (``kill -9``) at seeded random moments
  during a fetch from a slow HTTP server on 127.0.0.1 and during a checkpointed training
  run: nothing half-written is trusted, and the next run resumes or starts cleanly.

Everything happens in temporary directories; every child process is reaped.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import os
import pickle
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from convbook import cli, datasets
from convbook.datasets import catalog, sources, store

SEED = 15
TRAIN = ["train", "--model", "compact_cnn", "--dataset", "mnist", "--train-samples", "300",
         "--test-samples", "100", "--batch-size", "64"]  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    """The parent's environment without convbook's variables, TensorFlow's log level kept off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CONVBOOK_") and k != "TF_CPP_MIN_LOG_LEVEL"
    }
    env.update({"CONVBOOK_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **extra})
    return env


def _convbook(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "convbook", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=timeout,
    )


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    # In-process runs share the test session's TF_CPP_MIN_LOG_LEVEL=2: drop TF's records.
    lines = cli._shown_records(stderr, 3).strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def _one_error_line(stderr: str) -> str:
    line = _one_line(stderr)
    assert re.match(r"^convbook( [a-z]+)*: error: ", line), line
    return line


def _snapshot(*paths: Path) -> list[tuple[str, int, str]]:
    return [
        (p.name, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths
    ]


@pytest.fixture
def verified_copy(tmp_path, real_data_dir):
    """A data directory holding a verified copy of MNIST (with a current record)."""
    root = tmp_path / "data"
    root.mkdir()
    shutil.copyfile(store.cache_path(real_data_dir, "mnist"), root / "mnist.npz")
    shutil.copyfile(real_data_dir / "mnist.json", root / "mnist.json")
    store.verify_cache(root, catalog.MNIST)
    assert store.quick_state(root, "mnist")[0] == "verified"
    return root


# --------------------------------------------------------------------------- found 1


def test_failed_forced_refetch_keeps_the_verified_copy(verified_copy, tmp_path):
    files = (verified_copy / "mnist.npz", verified_copy / "mnist.json")
    before = _snapshot(*files)
    result = _convbook(
        "data", "fetch", "--force", "mnist", "--data-dir", str(verified_copy),
        KERAS_HOME=str(tmp_path / "no-keras"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "were left exactly as they were" in result.stderr
    assert _snapshot(*files) == before
    assert sorted(p.name for p in verified_copy.iterdir()) == ["mnist.json", "mnist.npz"]


def test_forced_refetch_interrupted_while_writing_keeps_the_old_copy(
    verified_copy, tmp_path, monkeypatch
):
    keras_home = tmp_path / "keras"
    (keras_home / "datasets").mkdir(parents=True)
    shutil.copyfile(verified_copy / "mnist.npz", keras_home / "datasets" / "mnist.npz")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("CONVBOOK_OFFLINE", "1")
    files = (verified_copy / "mnist.npz", verified_copy / "mnist.json")
    before = _snapshot(*files)

    def savez_then_interrupt(stream, **arrays):
        stream.write(b"PK half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(store.np, "savez", savez_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        datasets.fetch(["mnist"], verified_copy, force=True, progress=False)
    assert _snapshot(*files) == before
    assert sorted(p.name for p in verified_copy.iterdir()) == ["mnist.json", "mnist.npz"]
    monkeypatch.undo()
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("CONVBOOK_OFFLINE", "1")
    datasets.fetch(["mnist"], verified_copy, force=True, progress=False)  # now it works
    assert store.read_manifest(verified_copy, "mnist")["source"] == "Keras' cache"


# --------------------------------------------------------------------------- found 2


def test_list_never_calls_a_damaged_file_cached(verified_copy, capsys):
    path = verified_copy / "mnist.npz"
    with open(path, "r+b") as stream:  # cut off the end, as a full disk would
        stream.truncate(path.stat().st_size - 1000)
    assert cli.main(["data", "list", "--data-dir", str(verified_copy)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip().startswith("mnist "))
    assert "cached" not in row and "DAMAGED" in row
    assert "convbook data fetch --force mnist" in out
    assert cli.main(["data", "verify", "mnist", "--data-dir", str(verified_copy)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(path) in line and "convbook data fetch --force mnist" in line


def test_list_points_a_changed_file_to_verify(verified_copy, capsys):
    path = verified_copy / "mnist.npz"
    with open(path, "r+b") as stream:  # same size, one pixel altered
        stream.seek(path.stat().st_size // 2)
        byte = stream.read(1)
        stream.seek(-1, os.SEEK_CUR)
        stream.write(bytes([byte[0] ^ 0xFF]))
    assert cli.main(["data", "list", "--data-dir", str(verified_copy)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip().startswith("mnist "))
    assert "cached, verified" not in row and "changed" in row
    assert "convbook data verify mnist" in out
    assert cli.main(["data", "verify", "--data-dir", str(verified_copy)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "mnist.npz is damaged" in line and "fetch --force mnist" in line


def test_verify_records_a_good_file_and_list_then_says_verified(tmp_path, real_data_dir, capsys):
    root = tmp_path / "data"
    root.mkdir()
    shutil.copyfile(store.cache_path(real_data_dir, "mnist"), root / "mnist.npz")
    assert store.quick_state(root, "mnist")[0] == "unchecked"  # no record of a check
    assert cli.main(["data", "list", "--data-dir", str(root)]) == 0
    assert "convbook data verify mnist" in capsys.readouterr().out
    assert cli.main(["data", "verify", "--data-dir", str(root)]) == 0
    assert "mnist: ok" in capsys.readouterr().out
    assert store.quick_state(root, "mnist")[0] == "verified"


# --------------------------------------------------------------------------- found 3


@pytest.mark.parametrize("flag", ["--output", "--checkpoint-dir"])
def test_output_under_a_file_is_refused_before_tensorflow_loads(flag, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a directory")
    argv = [*TRAIN, "--epochs", "1", flag, str(blocker / "sub")]
    code = (
        "import sys; from convbook import cli; code = cli.main(sys.argv[1:]);"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'keras', 'tensorflow'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=_env()
    )
    assert result.stdout.strip() == "2 []", result.stderr
    line = _one_error_line(result.stderr)
    assert f"{flag} must be a directory" in line and f"({blocker} is a file)" in line


def test_failure_after_training_saves_elsewhere_and_says_where(
    real_data_dir, tmp_path, monkeypatch, capsys
):
    from convbook.training.result import TrainingResult

    wanted = tmp_path / "out"
    real_save = TrainingResult.save

    def save_fails_in_wanted(self, directory):
        if Path(directory) == wanted:
            raise PermissionError(13, "Permission denied", str(directory))
        return real_save(self, directory)

    monkeypatch.setattr(TrainingResult, "save", save_fails_in_wanted)
    argv = [*TRAIN, "--epochs", "1", "--output", str(wanted), "--data-dir", str(real_data_dir)]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert "test accuracy" in captured.out  # the summary is printed before saving
    line = _one_error_line(captured.err)
    rescued = Path(re.search(r"saved in (\S+) instead", line).group(1))
    assert f"cannot save in {wanted} (Permission denied)" in line
    assert {p.name for p in rescued.iterdir()} == {
        "compact_cnn.keras",
        "history.json",
        "result.json",
    }
    shutil.rmtree(rescued)


# --------------------------------------------------------------------------- found 4


def _h5_file(path: Path) -> None:
    import h5py

    with h5py.File(path, "w") as handle:
        handle.create_dataset("w", data=np.arange(4096, dtype=np.float32))


def _damage(kind: str, directory: Path) -> Path:
    """Damage a checkpoint directory one way; return the file the error must name."""
    backup = directory / "backup"
    backup.mkdir(parents=True)
    progress = {"epoch": 1, "weights": "epoch-1.weights.h5"}
    (backup / "progress.json").write_text(json.dumps(progress))
    (directory / "history.json").write_text(json.dumps({"loss": [1.0], "val_loss": [1.0]}))
    weights = backup / "epoch-1.weights.h5"
    _h5_file(weights)
    if kind == "weights-not-hdf5":
        weights.write_bytes(b"this is not an HDF5 file" * 10)
        return weights
    if kind == "weights-truncated":
        weights.write_bytes(weights.read_bytes()[:600])
        return weights
    if kind == "weights-missing":
        weights.unlink()
        return backup / "progress.json"
    if kind == "progress-garbage":
        (backup / "progress.json").write_text('{"epoch": ')
        return backup / "progress.json"
    if kind == "history-garbage":
        (directory / "history.json").write_bytes(b"\x00\x00\x00")
        return directory / "history.json"
    if kind == "best-truncated":
        best = directory / "compact_cnn-best.keras"
        best.write_bytes(b"PK\x03\x04 truncated")
        return best
    raise AssertionError(kind)


DAMAGE = [
    "weights-not-hdf5",
    "weights-truncated",
    "weights-missing",
    "progress-garbage",
    "history-garbage",
    "best-truncated",
]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_checkpoint_names_the_file_and_the_ways_on(kind, real_data_dir, tmp_path, capsys):
    checkpoints = tmp_path / "check points ü"
    damaged = _damage(kind, checkpoints)
    argv = [*TRAIN, "--epochs", "2", "--output", str(tmp_path / "out"),
            "--data-dir", str(real_data_dir), "--checkpoint-dir", str(checkpoints)]  # fmt: skip
    assert cli.main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"The checkpoint file {damaged} is damaged" in line
    assert "--fresh" in line and "rm " in line
    assert not (tmp_path / "out").exists()
    if kind == "weights-not-hdf5":  # the second way on works
        assert cli.main([*argv, "--fresh"]) == 0
        history = json.loads((checkpoints / "history.json").read_text())
        assert len(history["loss"]) == 2
        assert not (checkpoints / "backup").exists()


# --------------------------------------------------------------------------- bad values

BAD_ENV = [
    ("CONVBOOK_BUDGET", "huge"),
    ("CONVBOOK_BUDGET", "-1"),
    ("CONVBOOK_BUDGET", "0"),
    ("CONVBOOK_DEVICE", "tpu"),
    ("CONVBOOK_DEVICE", "0"),
    ("CONVBOOK_OFFLINE", "maybe"),
    ("CONVBOOK_OFFLINE", "2"),
    ("CONVBOOK_OFFLINE", "-1"),
    ("CONVBOOK_DEVICES", "0"),
    ("CONVBOOK_DEVICES", "-2"),
    ("CONVBOOK_DEVICES", "1.5"),
    ("CONVBOOK_DEVICES", "many"),
    ("CONVBOOK_COORDINATOR", "nohost"),
    ("CONVBOOK_COORDINATOR", "127.0.0.1:0"),
    ("CONVBOOK_COORDINATOR", "127.0.0.1:99999"),
    ("CONVBOOK_COORDINATOR", ":1234"),
    ("CONVBOOK_PROCESSES", "0"),
    ("CONVBOOK_PROCESSES", "-1"),
    ("CONVBOOK_PROCESS_ID", "-1"),
    ("CONVBOOK_PROCESS_ID", "first"),
    ("CONVBOOK_RUN_LOG", "{tmp}"),
    ("CONVBOOK_PRECISION", "float16"),
    ("CONVBOOK_RUN_CACHE", "maybe"),
    ("CONVBOOK_RUN_CACHE", "-1"),
    ("CONVBOOK_DATA_DIR", "{file}"),
]


ENV_CASES = [(("data", "list"), variable, value) for variable, value in BAD_ENV] + [
    (command, variable, value)
    for command in (("info",), (*TRAIN, "--epochs", "1"), ("data", "fetch", "mnist"))
    for variable, value in BAD_ENV
    if variable in ("CONVBOOK_BUDGET", "CONVBOOK_DATA_DIR")
]


@pytest.mark.parametrize(("command", "variable", "value"), ENV_CASES)
def test_bad_environment_variable_is_one_line_and_exit_code_2(command, variable, value, tmp_path):
    (tmp_path / "a file").write_text("x")
    value = value.format(tmp=tmp_path, file=tmp_path / "a file")
    argv = [*command, "--output", str(tmp_path / "out")] if command[0] == "train" else command
    result = _convbook(*argv, **{variable: value})
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert f"{variable} must be" in line and repr(value) in line


BAD_FLAGS = [
    (["--model", "resnet9000"], "--model must be one of"),
    (["--dataset", "cifar10"], "--dataset must be one of"),
    (["--epochs", "0"], "--epochs must be a positive integer"),
    (["--epochs", "-1"], "--epochs must be a positive integer"),
    (["--epochs", "two"], "argument --epochs: invalid int value: 'two'"),
    (["--epochs", "1.5"], "argument --epochs: invalid int value: '1.5'"),
    (["--batch-size", "0"], "--batch-size must be a positive integer"),
    (["--batch-size", "-64"], "--batch-size must be a positive integer"),
    (["--train-samples", "0"], "--train-samples must be a positive integer"),
    (["--test-samples", "-5"], "--test-samples must be a positive integer"),
    (["--validation-split", "1"], "--validation-split must be a number in [0, 1)"),
    (["--validation-split", "-0.1"], "--validation-split must be a number in [0, 1)"),
    (["--validation-split", "nan"], "--validation-split must be a number in [0, 1)"),
    (["--validation-split", "a tenth"], "argument --validation-split: invalid float"),
    (["--learning-rate", "0"], "--learning-rate must be a positive number"),
    (["--learning-rate", "-0.1"], "--learning-rate must be a positive number"),
    (["--learning-rate", "inf"], "--learning-rate must be a positive number"),
    (["--seed", "-1"], "--seed must be a non-negative integer"),
    (["--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
    (["--precision", "half"], "argument --precision: invalid choice: 'half'"),
    (["--output", "{file}"], "--output must be a directory"),
    (["--output", "{file}/sub"], "--output must be a directory"),
    (["--checkpoint-dir", "{file}"], "--checkpoint-dir must be a directory"),
    (["--checkpoint-dir", "{file}/sub/deeper"], "--checkpoint-dir must be a directory"),
    (["--fresh"], "--fresh must come with --checkpoint-dir"),
    (["--data-dir", "{file}"], "data_dir must be a directory"),
    (["--epoch", "3", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_FLAGS)
def test_bad_train_flag_is_one_line_and_exit_code_2(extra, message, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    extra = [word.format(file=blocker) for word in extra]
    result = _convbook(*TRAIN, "--epochs", "1", "--output", str(tmp_path / "out"), *extra)
    assert result.returncode == 2, result.stderr
    assert message in _one_error_line(result.stderr)
    assert not (tmp_path / "out").exists()


BAD_DATA_COMMANDS = [
    (["data", "fetch", "cifar10"], "names must be one of 'mnist', 'fashion_mnist', 'kmnist'"),
    (["data", "verify", "mnist", "svhn"], "names must be one of"),
    (["data", "verify", "mnist"], "mnist is not cached in"),
    (["data", "frobnicate"], "invalid choice: 'frobnicate'"),
    (["data", "fetch", "mnist", "--data-dir", "{file}/sub"], "Cannot create the data directory"),
    (["data", "fetch", "mnist", "--data-dir", "/proc/convbook-test"], "Cannot create the data"),
    (["data", "list", "--data-dir", "{file}"], "data_dir must be a directory"),
    (["info", "--data-dir", "{file}"], "data_dir must be a directory"),
    (["data", "fetch", "--frob"], "unrecognized arguments: --frob"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_DATA_COMMANDS)
def test_bad_data_command_is_one_line_and_exit_code_2(argv, message, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    argv = [word.format(file=blocker) for word in argv]
    env = {"CONVBOOK_DATA_DIR": str(tmp_path / "data"), "KERAS_HOME": str(tmp_path / "k")}
    result = _convbook(*argv, **env)
    assert result.returncode == 2, result.stderr
    assert message in _one_error_line(result.stderr)


def test_paths_with_spaces_and_non_ascii_characters_work(tmp_path, real_data_dir):
    keras_home = tmp_path / "Kéras home"
    (keras_home / "datasets").mkdir(parents=True)
    shutil.copyfile(store.cache_path(real_data_dir, "mnist"), keras_home / "datasets/mnist.npz")
    root = tmp_path / "dätä dir ü 数据"
    env = {"CONVBOOK_DATA_DIR": str(root), "KERAS_HOME": str(keras_home)}
    fetched = _convbook("data", "fetch", "mnist", **env)
    assert fetched.returncode == 0, fetched.stderr
    listed = _convbook("data", "list", **env)
    assert listed.returncode == 0 and str(root) in listed.stdout
    assert re.search(r"mnist .* cached, verified", listed.stdout), listed.stdout
    verified = _convbook("data", "verify", **env)
    assert verified.returncode == 0 and "mnist: ok" in verified.stdout
    log = tmp_path / "lög dir" / "runs log.jsonl"
    assert _convbook("info", CONVBOOK_RUN_LOG=str(log), **env).returncode == 0


# --------------------------------------------------------------------------- hostile files


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _place_hostile(kind: str, root: Path, marker: Path) -> Path:
    if kind == "pickle-as-user-npz":
        path = root / "mnist" / "mnist.npz"
        path.parent.mkdir(parents=True)
        path.write_bytes(pickle.dumps(_Exploit(marker)))
    elif kind == "object-array-in-user-npz":
        path = root / "mnist" / "mnist.npz"
        path.parent.mkdir(parents=True)
        hostile = np.array([_Exploit(marker)], dtype=object)
        np.savez(path, x_train=hostile, y_train=hostile, x_test=hostile, y_test=hostile)
    elif kind == "pickle-as-cache":
        path = root / "mnist.npz"
        path.write_bytes(pickle.dumps(_Exploit(marker)))
    else:
        raise AssertionError(kind)
    return path


@pytest.mark.parametrize(
    "kind", ["pickle-as-user-npz", "object-array-in-user-npz", "pickle-as-cache"]
)
def test_hostile_pickle_where_a_dataset_belongs_is_refused_and_never_run(kind, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    marker = tmp_path / "pwned"
    path = _place_hostile(kind, root, marker)
    env = {"CONVBOOK_DATA_DIR": str(root), "KERAS_HOME": str(tmp_path / "k")}
    for argv in (["data", "fetch", "mnist"], ["data", "verify", "mnist"]):
        if kind != "pickle-as-cache" and argv[1] == "verify":
            continue
        result = _convbook(*argv, **env)
        assert result.returncode == 2, result.stderr
        line = _one_error_line(result.stderr)
        assert str(path) in line and "refusing to load it" in line
    with pytest.raises(datasets.ChecksumMismatch, match="holds pickled Python objects"):
        datasets.load("mnist", root, download=False)
    assert not marker.exists()


def test_hostile_pickle_in_a_mirror_is_refused_even_if_its_digest_matched(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    fileset = catalog.MNIST.mirrors[0].fileset
    (tmp_path / fileset.files[0].name).write_bytes(gzip.compress(pickle.dumps(_Exploit(marker))))
    monkeypatch.setattr(sources, "_verify_raw_file", lambda *args: None)  # a forged digest
    with pytest.raises(pickle.UnpicklingError, match="refusing to load posix.system"):
        sources.decode_fileset(tmp_path, fileset, catalog.MNIST, "a mirror")
    assert not marker.exists()


def test_no_loader_unpickles_or_loads_a_model_unsafely():
    """The scan of issue 15: every loader of user files in convbook/ is safe by construction."""
    package = Path(cli.__file__).parent
    risky = re.compile(
        r"allow_pickle\s*=\s*True|safe_mode\s*=\s*False|pickle\.loads?\(|"
        r"(?<!Restricted)Unpickler\(|load_model\(|torch\.load\(|marshal\.loads?\(|\beval\("
    )
    hits = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if risky.search(line) and not line.lstrip().startswith((">>>", "#"))
    ]
    assert hits == [], hits


def _lambda_model(marker: Path):
    import keras

    command = f"touch {marker}"
    # The function a hostile file carries: it runs a shell command when the model is used.
    run = eval(f"lambda x: (__import__('os').system({command!r}), x)[1]")  # noqa: S307
    return keras.Sequential(
        [keras.Input((2,)), keras.layers.Lambda(run), keras.layers.Dense(1)], name="tiny"
    )


def test_hostile_keras_best_model_is_never_loaded_when_resuming(tmp_path):
    import keras

    from convbook.training import callbacks

    marker = tmp_path / "pwned"
    directory = tmp_path / "checkpoints"
    directory.mkdir()
    hostile = directory / "tiny-best.keras"
    _lambda_model(marker).save(hostile)
    marker.unlink(missing_ok=True)  # saving traced the Lambda once; start clean
    with pytest.raises(ValueError, match="(?i)lambda.*safe_mode|safe_mode.*lambda"):
        keras.saving.load_model(hostile)  # the way the book reads best_checkpoint
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="tiny")
    model.compile("sgd", "mse")
    setup = callbacks.checkpointing(directory, model, epochs=1, monitor="loss")
    x = np.ones((8, 2), np.float32)
    model.fit(x, x[:, :1], epochs=1, verbose=0, callbacks=setup.callbacks)
    assert not marker.exists()
    keras.saving.load_model(setup.best_path)  # replaced by this run's own model: loads safely
    assert not marker.exists()


# --------------------------------------------------------------------------- kill tests


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    payload: bytes = b""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        try:
            for start in range(0, len(self.payload), 1 << 20):
                self.wfile.write(self.payload[start : start + (1 << 20)])
                time.sleep(0.02)  # about a second for MNIST
        except OSError:
            pass  # the client was killed

    def log_message(self, *args: object) -> None:  # noqa: D102
        pass


@pytest.fixture
def slow_server(real_data_dir):
    """MNIST (a real, verified copy) served slowly from 127.0.0.1 as Keras' origin serves it."""
    handler = type("Handler", (_SlowHandler,), {})
    handler.payload = store.cache_path(real_data_dir, "mnist").read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


# Runs `convbook data fetch` with MNIST's official origin pointed at the local server.
_FETCH_FROM = """
import dataclasses, sys
from convbook.datasets import catalog
mnist = catalog.MNIST
origin = dataclasses.replace(mnist.origins[0], base_url=sys.argv[1])
catalog.DATASETS["mnist"] = dataclasses.replace(mnist, origins=(origin,), mirrors=())
from convbook import cli
sys.exit(cli.main(sys.argv[2:]))
"""


def _as_a_terminal_starts_it() -> None:
    """In the child before it runs: Ctrl-C handled by default, as a shell's foreground job.

    A test runner started in the background (``make test &``, ``nohup``) inherits SIGINT
    ignored and passes that on; the interrupts below would then do nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_as_a_terminal_starts_it,
    )


def _stop(child: subprocess.Popen, how: int) -> tuple[int, str, str]:
    if child.poll() is None:
        child.send_signal(how)
    out, err = child.communicate(timeout=60)
    return child.returncode, out, err


def _wait_for(stream, text: str, deadline: float) -> bool:
    """Read lines until one starts with ``text`` (a reader thread keeps this bounded in time)."""
    found = threading.Event()

    def read() -> None:
        for line in stream:
            if line.startswith(text):
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    return found.wait(max(0.0, deadline - time.monotonic()))


def _check_data_dir(root: Path, killed: set[int]) -> None:
    """Nothing a later run trusts is half-written: the cache is absent or verifies in full."""
    names = {p.name for p in root.iterdir()} if root.exists() else set()
    partials = {n for n in names if n.endswith(".partial")}
    assert all(int(n.split(".")[3]) in killed for n in partials), partials  # dead writers' only
    assert names - partials <= {"mnist.npz", "mnist.json"}, names
    if "mnist.npz" in names:
        store.read_cache(root, catalog.MNIST)  # raises if damaged
        assert store.quick_state(root, "mnist")[0] in ("verified", "changed")


@pytest.mark.slow
def test_fetch_killed_or_interrupted_at_random_moments(slow_server, tmp_path):
    rng = random.Random(SEED)
    root = tmp_path / "data dir ü"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = _env(KERAS_HOME=str(tmp_path / "keras"), TMPDIR=str(scratch))
    env.pop("CONVBOOK_OFFLINE")
    argv = [sys.executable, "-c", _FETCH_FROM, slow_server, "data", "fetch", "--force", "mnist",
            "--data-dir", str(root)]  # fmt: skip
    plan = [signal.SIGKILL] * 6 + [signal.SIGINT] * 3
    rng.shuffle(plan)
    killed: set[int] = set()
    outcomes = []
    interrupts = 0
    for how in plan:
        child = _start(argv, env)
        if how == signal.SIGINT:  # Ctrl-C once the command is at work, as a user would press it
            assert _wait_for(child.stderr, "Downloading", time.monotonic() + 30)
            # The first lands during the download (which takes about a second), whatever
            # the machine's speed; the others anywhere up to the end of the run.
            time.sleep(rng.uniform(0.0, 0.15 if interrupts == 0 else 2.5))
            interrupts += 1
        else:  # anywhere: start-up, download, decoding, verifying, writing
            time.sleep(rng.uniform(0.1, 3.5))
        code, _, err = _stop(child, how)
        outcomes.append(code)
        if how == signal.SIGINT and code == 130:
            line = _one_line(err)
            assert "nothing half-written was kept" in line
            assert not [p for p in root.glob("*.partial")]
            assert not list(scratch.iterdir())  # the download's temporary folder is gone
        else:
            assert code in (0, -signal.SIGKILL), err
            assert "Traceback" not in err
            killed.add(child.pid)
        _check_data_dir(root, killed)
        shutil.rmtree(scratch)
        scratch.mkdir()
    print("fetch outcomes (exit codes):", outcomes)
    assert outcomes.count(-signal.SIGKILL) >= 3 and 130 in outcomes, outcomes
    final = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert final.returncode == 0, final.stderr
    assert sorted(p.name for p in root.iterdir()) == ["mnist.json", "mnist.npz"]
    assert store.quick_state(root, "mnist")[0] == "verified"
    store.read_cache(root, catalog.MNIST)


def _check_checkpoints(directory: Path) -> None:
    """What a resumed run reads back is complete: backup pointer, weights, history, best."""
    import h5py

    progress = directory / "backup" / "progress.json"
    if progress.exists():
        record = json.loads(progress.read_text())
        with h5py.File(directory / "backup" / record["weights"], "r"):
            pass
    if (directory / "history.json").exists():
        json.loads((directory / "history.json").read_text())
    for best in directory.glob("*-best.keras"):
        import zipfile

        with zipfile.ZipFile(best) as archive:
            assert archive.testzip() is None


@pytest.mark.slow
def test_train_interrupted_and_killed_then_resumed(real_data_dir, tmp_path):
    rng = random.Random(SEED)
    checkpoints = tmp_path / "runs ü" / "check points"
    output = tmp_path / "runs ü" / "out put"
    argv = [*TRAIN, "--train-samples", "600", "--epochs", "6", "--data-dir", str(real_data_dir),
            "--checkpoint-dir", str(checkpoints), "--output", str(output)]  # fmt: skip
    command = [sys.executable, "-m", "convbook", *argv]
    env = _env()
    outcomes = []
    for how in (signal.SIGINT, signal.SIGKILL, signal.SIGKILL):
        child = _start(command, env)
        started = _wait_for(child.stdout, "epoch ", time.monotonic() + 90)
        time.sleep(rng.uniform(0.0, 0.8))
        code, _, err = _stop(child, how)
        outcomes.append(code)
        # An interrupt that lands after the run finished, while the interpreter shuts down
        # (Python has put back the default handler by then), ends the process with the
        # signal itself, -SIGINT, instead of 130: the run was complete all the same.
        finished_first = how == signal.SIGINT and code == -signal.SIGINT
        if code == 0 or (finished_first and (output / "result.json").exists()):
            _check_checkpoints(checkpoints)  # it finished first: nothing to check but the files
            continue
        assert started, err
        if how == signal.SIGINT:
            assert code == 130, err
            line = _one_line(err)
            assert "interrupted; epochs 1-" in line or "no epoch had ended yet" in line
            resume = line.split("To resume: ")[1]
            assert resume.startswith("convbook train ") and str(checkpoints) in resume
        else:
            assert code == -signal.SIGKILL and "Traceback" not in err
        _check_checkpoints(checkpoints)
    print("train outcomes (exit codes):", outcomes)
    # Whether the last run resumes depends on where the kills landed: only an epoch whose
    # backup was complete on disk counts.
    progress = checkpoints / "backup" / "progress.json"
    backed_up = json.loads(progress.read_text())["epoch"] if progress.exists() else None
    final = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stderr
    if backed_up is not None:
        assert f"resuming after epoch {backed_up}" in final.stdout, final.stdout
    else:
        assert "resuming after epoch" not in final.stdout, final.stdout
    history = json.loads((output / "history.json").read_text())
    assert len(history["loss"]) == 6
    assert json.loads((output / "result.json").read_text())["best_checkpoint"]
    assert not (checkpoints / "backup").exists()
