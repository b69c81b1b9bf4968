"""The benchmark reports: parsing a built book, and rendering the JSON as the book's tables."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build_times():
    return _load(REPO / "benchmarks" / "build_times.py", "build_times_under_test")


@pytest.fixture(scope="module")
def rendering():
    return _load(REPO / "docs" / "_ext" / "benchmark_results.py", "benchmark_results_under_test")


def test_chapter_times_are_read_from_the_pages(build_times, tmp_path):
    part = tmp_path / "auto_gallery" / "02_training"
    part.mkdir(parents=True)
    (part / "06_a_deep_cnn.rst").write_text(
        "text\n   **Total running time of the script:** (12 minutes 3.250 seconds)\n"
    )
    (part / "index.rst").write_text("no running time on an index page\n")
    assert build_times._chapter_times(tmp_path) == {"02_training/06_a_deep_cnn": 723.25}


def test_unknown_parts_are_refused(build_times, capsys):
    with pytest.raises(SystemExit):
        build_times.main(["--parts", "quick,everything"])
    assert "use names from quick, full, tests" in capsys.readouterr().err


def test_timings_render_parts_chapters_and_runs(rendering):
    run = {
        "recipe": "deep_cnn_mnist",
        "epochs_run": 2,
        "initial_epoch": 0,
        "train_samples": 54000,
        "test_accuracy": 0.9938,
        "target_accuracy": 0.992,
        "target_met": True,
        "wall_time_s": 694.0,
        "device": "CPU: test",
    }
    missed = {**run, "recipe": "deep_cnn_fashion", "test_accuracy": 0.91, "target_met": False}
    report = {
        "parts": {
            "quick_book": {"fresh_s": 228.1, "rebuild_s": 4.9, "date": "2026-11-23T21:07:53",
                           "machine": "Linux, 2 CPU cores"},
            "full_book": {"fresh_s": 3300.0, "date": "2026-11-24T00:00:00",
                          "machine": "Linux, 2 CPU cores",
                          "chapters_s": {"02_training/06_a_deep_cnn": 723.25},
                          "runs": [run, missed]},
        }
    }  # fmt: skip
    text = "\n".join(rendering._timings_rst(json.loads(json.dumps(report))))
    assert "Full book (``CONVBOOK_BUDGET=full``), fresh build" in text
    assert "55.0 min (3300 s)" in text and "4.9 s" in text  # under a minute: seconds
    assert "``02_training/06_a_deep_cnn``" in text and "12.1 min (723 s)" in text
    assert "0.992 met" in text and "**not met**" in text
    assert "Device: CPU: test." in text


def test_a_run_keeps_the_parts_it_did_not_time(build_times, tmp_path, monkeypatch):
    output = tmp_path / "build_times.json"
    earlier = {"fresh_s": 228.1, "date": "2026-11-23T21:07:53", "machine": "then"}
    output.write_text(json.dumps({"parts": {"quick_book": earlier}}))
    timed = []
    monkeypatch.setattr(build_times, "_timed", lambda command, cwd, env: timed.append(cwd) or 7.5)
    assert build_times.main(["--parts", "tests", "--output", str(output)]) == 0
    parts = json.loads(output.read_text())["parts"]
    assert timed == [build_times.REPO]  # only the test suite ran
    assert parts["quick_book"] == earlier
    assert parts["tests"]["fresh_s"] == 7.5
    assert parts["tests"]["date"] > earlier["date"] and "CPU cores" in parts["tests"]["machine"]
