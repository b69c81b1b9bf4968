import os
import subprocess
import sys
import time

import pytest

from convbook import cli


def run(*args, env_extra=None):
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "convbook", *args], capture_output=True, text=True, env=env
    )


def test_help_lists_subcommands_without_loading_tensorflow():
    started = time.perf_counter()
    result = run("--help")
    assert result.returncode == 0
    assert "info" in result.stdout and "data" in result.stdout
    assert time.perf_counter() - started < 20  # a sanity bound, not a benchmark


def test_import_convbook_loads_no_keras_or_tensorflow():
    code = (
        "import sys, convbook, convbook.datasets, convbook.settings, convbook.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow','keras')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_unknown_dataset_is_one_line_and_exit_code_2():
    result = run("data", "fetch", "cifar10")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convbook: error: ")
    assert "'cifar10'" in lines[0] and "'mnist', 'fashion_mnist', 'kmnist'" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line_and_exit_code_2():
    result = run("data", "list", env_extra={"CONVBOOK_DATA_DIR": __file__})
    assert result.returncode == 2
    assert "is a file, not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_kmnist_offline_is_a_clear_error(tmp_path):
    result = run(
        "data", "fetch", "kmnist", "--data-dir", str(tmp_path),
        env_extra={"CONVBOOK_OFFLINE": "1", "KERAS_HOME": str(tmp_path / "keras")},
    )  # fmt: skip
    assert result.returncode == 2
    assert "Kuzushiji-MNIST ('kmnist') is not available offline" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_list_reports_cache_state(real_data_dir, capsys):
    assert cli.main(["data", "list", "--data-dir", str(real_data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"Data directory: {real_data_dir}" in out
    assert "mnist" in out and "cached" in out


def test_data_fetch_of_cached_data_is_quick_and_idempotent(real_data_dir, capsys):
    assert cli.main(["data", "fetch", "mnist", "--data-dir", str(real_data_dir)]) == 0
    assert "MNIST handwritten digits: ok" in capsys.readouterr().err


def test_info_prints_versions_device_and_data_dir(real_data_dir, capsys):
    assert cli.main(["info", "--data-dir", str(real_data_dir)]) == 0
    out = capsys.readouterr().out
    for field in ("convbook", "Python", "NumPy", "Keras", "Device", "Data dir"):
        assert field in out
    assert "CPU" in out or "GPU" in out


@pytest.mark.parametrize("argv", [[], ["data"]])
def test_missing_subcommand_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2


def test_info_shows_no_tensorflow_start_up_banner():
    """On a CPU-only machine TensorFlow logs oneDNN notes and "failed call to cuInit"."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "convbook", "info"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "Device" in result.stdout
    for banner in ("cuInit", "oneDNN", "absl::InitializeLog", "cuda drivers"):
        assert banner not in result.stderr, result.stderr


def test_a_log_level_the_user_chose_is_respected():
    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1.5 port.cc:153] oneDNN custom operations are on.\n"
        "E0000 00:00:2.5 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n"
        "2025-01-01 10:00:00.000001: W tf/x.cc:1] a warning\n"
        "  its second line\n"
        "a line of the program's own\n"
    )
    assert cli._shown_records(text, 0) == text
    assert cli._shown_records(text, 2) == (
        "E0000 00:00:2.5 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n"
        "a line of the program's own\n"
    )
    assert cli._shown_records(text, 3) == "a line of the program's own\n"
