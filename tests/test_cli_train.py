from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from convbook import cli


def test_train_end_to_end_prints_epochs_and_summary_and_saves(real_data_dir, tmp_path, capsys):
    output = tmp_path / "run"
    argv = [
        "train", "--model", "compact_cnn", "--dataset", "mnist", "--epochs", "1",
        "--train-samples", "1000", "--test-samples", "500", "--batch-size", "64",
        "--output", str(output), "--data-dir", str(real_data_dir),
        "--checkpoint-dir", str(tmp_path / "checkpoints"),
    ]  # fmt: skip
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"^epoch 1/1  loss \d\.\d{4}  accuracy \d\.\d{4}  val_loss", out, re.M)
    assert re.search(r"^test accuracy +\d\.\d{4}$", out, re.M)
    assert re.search(
        r"^trained on +900 images \(\+100 for validation\), 1 epoch, batch size 64", out, re.M
    )
    scores = json.loads((output / "result.json").read_text())
    assert scores["dataset"] == "mnist" and scores["train_samples"] == 900
    assert f"{scores['test_accuracy']:.4f}" in out
    assert len(json.loads((output / "history.json").read_text())["loss"]) == 1
    assert (output / f"{scores['model_name']}.keras").is_file()
    assert str(output) in out
    assert (tmp_path / "checkpoints" / f"{scores['model_name']}-best.keras").is_file()
    assert scores["best_checkpoint"].endswith("-best.keras")


def test_train_output_defaults_to_convbook_runs(real_data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--model", "dense_net", "--dataset", "fashion_mnist", "--epochs", "1",
            "--train-samples", "300", "--test-samples", "100"]  # fmt: skip
    assert cli.main(argv) == 0
    assert (tmp_path / "convbook-runs" / "dense_net-fashion_mnist" / "result.json").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "resnet50"], "--model must be one of 'dense_net', "),
        (["--dataset", "cifar10"], "--dataset must be one of 'mnist', "),
        (["--epochs", "0"], "--epochs must be a positive integer; got 0."),
        (["--epochs", "-3"], "--epochs must be a positive integer"),
        (["--batch-size", "0"], "--batch-size must be a positive integer"),
        (["--train-samples", "-1"], "--train-samples must be a positive integer"),
        (["--validation-split", "1"], "--validation-split must be a number in [0, 1); got 1.0."),
        (["--learning-rate", "0"], "--learning-rate must be a positive number; got 0.0."),
        (["--seed", "-1"], "--seed must be a non-negative integer; got -1."),
        (["--model", "alexnet"], "far larger than the datasets' 28x28; got 'alexnet'."),
        (["--train-samples", "70000"], "train_samples must be at most the 60000 images available"),
    ],
)
def test_bad_train_input_is_one_line_on_stderr_and_exit_code_2(extra, message, tmp_path, capsys):
    argv = ["train", "--model", "simple_cnn", "--dataset", "mnist", "--epochs", "1",
            "--output", str(tmp_path / "never")]  # fmt: skip
    # later flags win in argparse, so `extra` replaces the defaults above
    assert cli.main([*argv, *extra]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convbook: error: ")
    assert message in lines[0]
    assert not (tmp_path / "never").exists()


def test_non_integer_epochs_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["train", "--model", "simple_cnn", "--dataset", "mnist", "--epochs", "two"])
    assert caught.value.code == 2
    assert "--epochs" in capsys.readouterr().err


def test_help_lists_the_train_subcommand(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "train" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "resnet50"], "--model must be one of"),
        (["--epochs", "0"], "--epochs must be a positive integer"),
        (["--model", "alexnet"], "far larger than the datasets' 28x28"),
    ],
)
def test_bad_train_input_is_reported_before_keras_loads(extra, message):
    argv = ["train", "--model", "simple_cnn", "--dataset", "mnist", "--epochs", "1", *extra]
    code = (
        "import sys; from convbook import cli; code = cli.main(sys.argv[1:]);"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'keras', 'tensorflow'}))"
    )
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert result.stdout.strip() == "2 []", result.stderr
    assert message in result.stderr
