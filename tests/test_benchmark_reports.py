"""The benchmark reports: parsing a built book, and rendering the JSON as the book's tables."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest
from conftest import load_module

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def build_times():
    return load_module(REPO / "benchmarks" / "build_times.py", "build_times_under_test")


@pytest.fixture(scope="module")
def rendering():
    return load_module(
        REPO / "docs" / "_ext" / "benchmark_results.py", "benchmark_results_under_test"
    )


def test_chapter_times_are_read_from_the_pages(build_times, tmp_path):
    part = tmp_path / "auto_gallery" / "02_training"
    part.mkdir(parents=True)
    (part / "06_a_deep_cnn.rst").write_text(
        "text\n   **Total running time of the script:** (12 minutes 3.250 seconds)\n"
    )
    (part / "index.rst").write_text("no running time on an index page\n")
    restored = ".. note::\n\n   This page was restored from the page cache: ...\n"
    (part / "05_dense_vs_cnn.rst").write_text(
        restored + "   **Total running time of the script:** (2 minutes 56.071 seconds)\n"
    )
    assert build_times._chapter_times(tmp_path) == {
        "02_training/05_dense_vs_cnn": None,  # did not run in this build
        "02_training/06_a_deep_cnn": 723.25,
    }


def test_unknown_parts_are_refused(build_times, capsys):
    with pytest.raises(SystemExit):
        build_times.main(["--parts", "quick,everything"])
    assert "use names from smoke, full, long, tests" in capsys.readouterr().err


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
    missed = {**run, "recipe": "deep_cnn_fashion", "test_accuracy": 0.91, "target_met": False,
              "precision": "mixed_bfloat16"}  # fmt: skip
    # Logged before runs had a precision field: the policy ended the device.
    older = {**run, "recipe": "simple_cnn_mnist", "wall_time_s": 61.0,
             "device": "CPU: test, mixed_bfloat16"}  # fmt: skip
    bar = {"what": "LeNet-5", "required": "at least 98.8%", "measured": "98.9%", "met": True}
    report = {
        "parts": {
            "full_book": {"fresh_s": 3300.0, "cached_s": 4.9, "date": "2026-11-24T00:00:00",
                          "machine": "Linux, 2 CPU cores",
                          "chapters_s": {"02_training/06_a_deep_cnn": 723.25,
                                         "01_layer_math/04_pooling": 4.5},
                          "cached_chapters_s": {"02_training/06_a_deep_cnn": 3.5,
                                                "01_layer_math/04_pooling": None},
                          "runs": [run, missed, older], "bars": [bar]},
        }
    }  # fmt: skip
    text = "\n".join(rendering._timings_rst(json.loads(json.dumps(report))))
    assert "Default book (``CONVBOOK_BUDGET=full``), fresh build" in text
    assert "clean rebuild after make clean, from the run and page caches" in text
    assert "55.0 min (3300 s)" in text and "4.9 s" in text  # under a minute: seconds
    assert "   * - LeNet-5\n     - at least 98.8%\n     - 98.9%\n     - met" in text
    assert "``02_training/06_a_deep_cnn``\n     - 12.1 min (723 s)\n     - 3.5 s" in text
    assert "``01_layer_math/04_pooling``\n     - 4.5 s\n     - not run: restored" in text
    assert "0.992 met" in text and "**not met**" in text
    assert "Device: CPU: test." in text  # once: the policy has its own column
    assert "     - 11.6 min (694 s)\n     - float32\n" in text
    assert "     - 11.6 min (694 s)\n     - mixed_bfloat16\n" in text
    assert (
        "``simple_cnn_mnist``" in text and "     - 1.0 min (61 s)\n     - mixed_bfloat16\n" in text
    )


def test_a_run_keeps_the_parts_it_did_not_time(build_times, tmp_path, monkeypatch):
    output = tmp_path / "build_times.json"
    earlier = {"fresh_s": 228.1, "date": "2026-11-23T21:07:53", "machine": "then"}
    output.write_text(json.dumps({"parts": {"full_book": earlier, "quick_book": earlier}}))
    timed = []
    monkeypatch.setattr(
        build_times, "_timed", lambda command, cwd, env: timed.append((command, cwd)) or 7.5
    )
    assert build_times.main(["--parts", "tests", "--output", str(output)]) == 0
    parts = json.loads(output.read_text())["parts"]
    # Only the test suite ran: make test's set-up first, then make test, whose time is kept.
    make = ["make", "--no-print-directory"]
    repo = build_times.REPO
    assert timed == [([*make, "data", "browser"], repo), ([*make, "test"], repo)]
    assert parts["full_book"] == earlier
    assert "quick_book" not in parts  # a budget that no longer exists is dropped
    assert parts["tests"]["fresh_s"] == 7.5
    assert parts["tests"]["date"] > earlier["date"] and "CPU cores" in parts["tests"]["machine"]


def test_a_failing_command_shows_the_end_of_its_output(build_times, tmp_path, capsys):
    failing = [sys.executable, "-c", "print('line one'); print('the reason'); raise SystemExit(3)"]
    with pytest.raises(SystemExit, match="failed \\(exit status 3\\)"):
        build_times._timed(failing, tmp_path, {})
    assert "line one\nthe reason" in capsys.readouterr().err
    passing = [sys.executable, "-c", "print('all' + ' good')"]
    assert build_times._timed(passing, tmp_path, {}) > 0
    assert "all good" not in capsys.readouterr().out  # a good run's output is not shown


def test_a_part_timed_again_keeps_its_earlier_times_and_cpus(build_times, tmp_path, monkeypatch):
    output = tmp_path / "build_times.json"
    runs = [{"device": "CPU: AMD EPYC, 2 cores (Keras backend: tensorflow)"}]
    earlier = {"fresh_s": 1056.7, "cached_s": 17.7, "date": "2026-12-02T16:00:00",
               "machine": "Linux, 2 CPU cores", "runs": runs}  # fmt: skip
    output.write_text(json.dumps({"parts": {"full_book": earlier}}))
    measured = {"fresh_s": 2400.0, "cached_s": 30.0, "runs": []}
    monkeypatch.setattr(build_times, "_book", lambda budget, scratch: dict(measured))
    assert build_times.main(["--parts", "full", "--output", str(output)]) == 0
    entry = json.loads(output.read_text())["parts"]["full_book"]
    assert entry["fresh_s"] == 2400.0 and entry["cpu"].endswith("cores")
    assert entry["earlier"] == [
        {"date": earlier["date"], "where": "AMD EPYC, 2 cores", "fresh_s": 1056.7, "cached_s": 17.7}
    ]
    for _ in range(build_times.EARLIER_KEPT + 2):  # the oldest go
        assert build_times.main(["--parts", "full", "--output", str(output)]) == 0
    entry = json.loads(output.read_text())["parts"]["full_book"]
    assert len(entry["earlier"]) == build_times.EARLIER_KEPT
    assert entry["earlier"][0]["where"] == entry["cpu"]


def test_earlier_times_render_with_their_cpus(rendering):
    earlier = [
        {"date": "2026-12-02T16:00:00", "where": "AMD EPYC, 2 cores", "fresh_s": 1056.7,
         "cached_s": 17.7},
        {"date": "2026-11-23T21:07:53", "where": "Linux, 2 CPU cores", "fresh_s": 640.0},
    ]  # fmt: skip
    report = {"parts": {"full_book": {"fresh_s": 2400.0, "date": "2026-12-03T07:00:00",
                                      "machine": "Linux, 2 CPU cores",
                                      "cpu": "Intel(R) Xeon(R) Processor, 2 cores",
                                      "earlier": earlier}}}  # fmt: skip
    text = "\n".join(rendering._timings_rst(report))
    assert "     - 2026-12-03, Intel(R) Xeon(R) Processor, 2 cores" in text
    assert (
        "Default book (``CONVBOOK_BUDGET=full``), measured before: 2026-12-02 on AMD EPYC, "
        "2 cores: fresh 17.6 min (1057 s), from the caches 17.7 s; 2026-11-23 on Linux, 2 CPU "
        "cores: fresh 10.7 min (640 s)." in text
    )


def _run(recipe: str, accuracy: float, budget="full", **overrides) -> dict:
    """A run-log record; with ``overrides`` a chapter's run with its own numbers."""
    from convbook.recipes import RECIPES

    plan = {**dataclasses.asdict(RECIPES[recipe].plan(budget)), **overrides}
    return {"recipe": recipe, "budget": budget, "test_accuracy": accuracy, "plan": plan}


GOOD_RUNS = [
    _run("dense_mnist", 0.981),
    _run("simple_cnn_mnist", 0.991),
    _run("compact_cnn_mnist", 0.9914),
    _run("deep_cnn_mnist", 0.9935),
    _run("lenet5_mnist", 0.9890),
    _run("alexnet_small_mnist", 0.9920),
    _run("simple_cnn_fashion", 0.915),
]


FIRST_CNN = {"test_images": 10_000, "test_accuracy": 0.9926}
FIRST_CNN_BAR = "The first CNN, in plain Keras"


def _book(runs, **changes):
    return {"runs": runs, "fresh_s": 1100.0, "cached_s": 90.0, "first_cnn": FIRST_CNN, **changes}


def test_bars_pass_a_build_that_meets_every_promise(build_times):
    one_epoch = _run("dense_mnist", 0.9651, epochs=1)  # a chapter's extra short run
    subset = _run("compact_cnn_mnist", 0.41, train_samples=200, test_samples=300)  # a solution's
    runs = [GOOD_RUNS[0], one_epoch, *GOOD_RUNS[1:], subset]
    bars = build_times.bars(_book(runs))
    assert [bar["met"] for bar in bars] == [True] * len(bars)
    assert {bar["what"] for bar in bars} >= {"The deep CNN", "LeNet-5", "The dense baseline"}
    first = next(bar for bar in bars if bar["what"] == FIRST_CNN_BAR)
    assert first["measured"] == "99.26% on 10,000 images"


@pytest.mark.parametrize(
    ("first_cnn", "measured"),
    [
        ({"test_images": 10_000, "test_accuracy": 0.9900}, "99.00% on 10,000 images"),
        ({"test_images": 2_000, "test_accuracy": 0.995}, "99.50% on 2,000 images"),
        (None, "not found on its page"),
    ],
)
def test_the_first_cnn_bar_wants_more_than_99_percent_on_the_whole_test_set(
    build_times, first_cnn, measured
):
    bars = build_times.bars(_book(GOOD_RUNS, first_cnn=first_cnn))
    assert [bar["what"] for bar in bars if not bar["met"]] == [FIRST_CNN_BAR]
    assert next(b for b in bars if b["what"] == FIRST_CNN_BAR)["measured"] == measured


def test_the_first_cnn_result_is_read_from_the_page_sphinx_gallery_wrote(build_times, tmp_path):
    docs = tmp_path / "docs"
    page = docs / "auto_gallery" / f"{build_times.FIRST_CNN_PAGE}.rst"
    page.parent.mkdir(parents=True)
    printed = "    test images: 10000\n    test loss: 0.0232, test accuracy: 0.9926\n"
    page.write_text(f".. code-block:: none\n\n{printed}    test accuracy above 99%: True\n")
    assert build_times.first_cnn_result(docs) == FIRST_CNN
    page.write_text("a page whose chapter failed before it printed its result\n")
    assert build_times.first_cnn_result(docs) is None
    assert build_times.first_cnn_result(tmp_path / "no docs") is None


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"compact_cnn_mnist": 0.9899}, "Every MNIST CNN (LeNet-5 aside)"),
        ({"deep_cnn_mnist": 0.9905}, "The deep CNN"),  # above 99.0 but below the simple CNN
        ({"lenet5_mnist": 0.987}, "LeNet-5"),
        ({"dense_mnist": 0.9895}, "The dense baseline"),  # above LeNet-5
        ({"simple_cnn_fashion": 0.909}, "Simple CNN on Fashion-MNIST"),
    ],
)
def test_each_bar_fails_on_its_own(build_times, change, failing):
    runs = [_run(r["recipe"], change.get(r["recipe"], r["test_accuracy"])) for r in GOOD_RUNS]
    bars = build_times.bars(_book(runs))
    assert [bar["what"] for bar in bars if not bar["met"]] == [failing]


def test_bars_fail_on_subsets_missing_runs_and_slow_builds(build_times):
    subset = [*GOOD_RUNS[:-1], _run("simple_cnn_fashion", 0.95, budget="smoke")]
    bars = {b["what"]: b for b in build_times.bars({"runs": subset, "fresh_s": 60, "cached_s": 6})}
    assert not bars["Test set"]["met"] and not bars["Simple CNN on Fashion-MNIST"]["met"]
    assert bars["Simple CNN on Fashion-MNIST"]["measured"] == "simple_cnn_fashion not run"
    slow = {b["what"]: b for b in build_times.bars({"runs": GOOD_RUNS, "fresh_s": 1201.0})}
    assert not slow["Fresh build"]["met"] and slow["Fresh build"]["measured"] == "20.0 min"
    assert not slow["Clean rebuild from the run and page caches"]["met"]


def test_the_yardstick_is_the_command_the_bar_was_set_with(build_times):
    from convbook import cli

    args = cli._build_parser().parse_args(list(build_times.YARDSTICK_COMMAND))
    assert (args.model, args.dataset, args.epochs) == ("compact_cnn", "mnist", 1)
    assert args.train_samples is None and args.test_samples is None  # all of MNIST
    assert args.precision == "float32"  # as then, whatever this CPU's bfloat16 support


def test_the_yardstick_reads_the_fit_time_convbook_train_saved(
    build_times, own_data_dir, tmp_path, monkeypatch
):
    # The real command on a small subset, so the test takes seconds, not a full epoch.
    small = (*build_times.YARDSTICK_COMMAND, "--train-samples", "256", "--test-samples", "128")
    monkeypatch.setattr(build_times, "YARDSTICK_COMMAND", small)
    env = dict(os.environ, CONVBOOK_DATA_DIR=str(own_data_dir))
    seconds = build_times.yardstick(tmp_path, env)
    saved = json.loads((tmp_path / "yardstick" / "result.json").read_text())
    assert seconds == saved["wall_time_s"] > 0
    assert saved["train_samples"] == 230  # fitted: the 256 less the 10% held out


def test_the_fresh_build_bar_names_the_machine_speed_but_judges_the_time(build_times):
    slow_machine = _book(GOOD_RUNS, fresh_s=1800.0, yardstick_s=13.8)  # half the speed
    bar = next(b for b in build_times.bars(slow_machine) if b["what"] == "Fresh build")
    assert not bar["met"]  # 30 minutes here, whatever it would take elsewhere
    assert bar["measured"] == (
        "30.0 min, on a machine where one compact_cnn epoch took 13.8 s (6.9 s where the bar "
        "was set: about 15.0 min at that speed, if the whole build scaled alike)"
    )


def test_the_yardstick_renders_with_the_build_and_its_earlier_times(rendering):
    earlier = [{"date": "2026-12-02T16:00:00", "where": "AMD EPYC, 2 cores", "fresh_s": 1056.7,
                "yardstick_s": 6.9}]  # fmt: skip
    report = {"parts": {"full_book": {"fresh_s": 1500.0, "date": "2026-12-04T17:00:00",
                                      "machine": "Linux, 2 CPU cores", "cpu": "AMD EPYC, 2 cores",
                                      "yardstick_s": 10.04, "earlier": earlier}}}  # fmt: skip
    text = "\n".join(rendering._timings_rst(report))
    assert "     - 2026-12-04, AMD EPYC, 2 cores (one compact_cnn epoch: 10.0 s)" in text
    assert "fresh 17.6 min (1057 s), one compact_cnn epoch 6.9 s." in text


@pytest.fixture(scope="module")
def race():
    return load_module(REPO / "benchmarks" / "mnist_race.py", "mnist_race_under_test")


def _race_run(contender: str, seed: int, accuracies: list[float], seconds_per_epoch: float):
    epochs = [
        {"epoch": n + 1, "train_seconds": seconds_per_epoch * (n + 1), "test_accuracy": acc}
        for n, acc in enumerate(accuracies)
    ]
    return {
        "contender": contender, "seed": seed, "model": contender, "parameters": 1000,
        "batch_size": 128, "train_samples": 54000, "epochs": epochs,
        "final_test_accuracy": accuracies[-1], "images_per_second": 5000.0 + seed,
        "achieved_gflops": 10.0, "peak_memory_mib": 900.0 + seed, "device": "CPU: test",
        "device_kind": "CPU", "device_name": "test", "backend": "tensorflow",
    }  # fmt: skip


def test_race_reports_medians_over_seeds_and_both_ratios(race, rendering):
    canonical = [
        _race_run("keras_example", 0, [0.985, 0.989, 0.990, 0.991], 10.0),  # 99.0 at 30 s
        _race_run("keras_example", 1, [0.985, 0.990, 0.991, 0.991], 10.0),  # at 20 s
        _race_run("keras_example", 2, [0.985, 0.988, 0.989, 0.992], 10.0),  # at 40 s
    ]
    fast = [
        _race_run("convbook_fast", 0, [0.990, 0.993, 0.994], 3.0),  # 99.0 at 3 s, 99.4 at 9 s
        _race_run("convbook_fast", 1, [0.989, 0.991, 0.995], 3.0),  # 6 s, 9 s
        _race_run("convbook_fast", 2, [0.991, 0.992, 0.993], 3.0),  # 3 s, never
    ]
    report = race.summarise({"keras_example": canonical, "convbook_fast": fast})
    keras_summary, fast_summary = report["contenders"].values()
    assert keras_summary["median_time_to"]["0.990"] == 30.0
    assert keras_summary["range_time_to"]["0.990"] == [20.0, 40.0]
    assert keras_summary["median_time_to"]["0.994"] is None  # no seed got there
    assert fast_summary["median_time_to"] == {"0.990": 3.0, "0.994": 9.0}  # one never: inf
    assert fast_summary["reached"] == {"0.990": 3, "0.994": 2}
    assert fast_summary["peak_memory_mib"] == 902.0 and fast_summary["seeds"] == [0, 1, 2]
    assert report["ratios"] == {"0.990": pytest.approx(0.1), "0.994": pytest.approx(0.3)}
    assert report["targets"] == {
        "0.990": {"at_most": 0.12, "met": True},
        "0.994": {"at_most": 0.5, "met": True},
    }
    text = "\n".join(rendering._race_rst(json.loads(json.dumps(report))))
    assert "30.0 s (20.0 to 40.0 s)" in text and "not reached (by 0 of 3 seeds)" in text
    assert "**0.100**; target at most 0.12: met" in text
    assert text.count("   * - convbook_fast") == 3  # one row per seed
    assert "0, 1, 2" in race.table(report)


def test_race_misses_a_target_when_the_median_is_slow(race):
    canonical = [_race_run("keras_example", s, [0.99], 10.0) for s in range(3)]
    fast = [_race_run("convbook_fast", s, [0.98, 0.99], 3.0) for s in range(3)]  # 6 s: 0.6
    report = race.summarise({"keras_example": canonical, "convbook_fast": fast})
    assert report["ratios"]["0.990"] == pytest.approx(0.6)
    assert report["targets"]["0.990"]["met"] is False and report["ratios"]["0.994"] is None
    assert "NOT met" in race.table(report)


def test_race_refuses_bad_seeds(race, capsys):
    for bad in ("", "a,b", "1,1", "-1"):
        with pytest.raises(SystemExit):
            race.main(["--seeds", bad])
    assert "--seeds must be distinct integers >= 0" in capsys.readouterr().err


def test_a_race_report_of_the_one_seed_layout_renders_as_a_note(rendering):
    text = "\n".join(rendering._race_rst({"date": "2026-11-23", "contenders": {}}))
    assert text.startswith(".. note::") and "make benchmark" in text
