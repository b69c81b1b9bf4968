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
    assert result.stderr.strip().splitlines() == [
        "convbook: error: Unknown dataset 'cifar10'; valid names are "
        "'mnist', 'fashion_mnist', 'kmnist'."
    ]
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
