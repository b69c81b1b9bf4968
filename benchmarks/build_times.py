"""Time the book builds and the test suite here; write benchmarks/results/build_times.json.

Usage (from the repository root)::

    .venv/bin/python benchmarks/build_times.py                # the test suite
    .venv/bin/python benchmarks/build_times.py --parts full   # the default book (~25 min)

A book part builds the book twice with its budget, each time from a fresh copy of docs/
and gallery/ (as ``make clean book`` does) and with a data directory of its own that links
the cached datasets: first with an empty run cache, so every network trains; then again
from a clean copy, reusing the runs the first build cached. For the first build the report
keeps each chapter's running time (from the pages) and, through ``$CONVBOOK_RUN_LOG``,
every recipe run's accuracy against its target, and it checks the results the default
book promises (:func:`bars`). Parts not run this time keep their previous results; a part
run again keeps the times of its last few measurements, with the CPU each ran on, under
``earlier`` (the times depend on the machine far more than on anything else).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
GENERATED = ("_build", "auto_gallery", "gen_modules", "sg_execution_times.rst")


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run ``command`` and return its wall time; if it fails, show the end of its output."""
    print(f"$ {' '.join(command)}", flush=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as output:
        started = time.perf_counter()
        finished = subprocess.run(command, cwd=cwd, env=env, stdout=output)
        seconds = time.perf_counter() - started
        if finished.returncode != 0:
            output.seek(0)
            print("".join(output.readlines()[-60:]), file=sys.stderr)
            raise SystemExit(f"failed (exit status {finished.returncode}): {' '.join(command)}")
    return seconds


_RUNNING_TIME = re.compile(
    r"Total running time of the script:\*\* \((\d+) minutes ([\d.]+) seconds\)"
)
PARTS = ("smoke", "full", "long", "tests")
#: The longest a fresh build of the default book may take on two CPU cores, and a
#: rebuild from the run cache after ``make clean``.
FRESH_LIMIT_S = 20 * 60
CACHED_LIMIT_S = 3 * 60


#: How fast this machine trains, measured before a book build: the fit time of one epoch of
#: ``compact_cnn`` on all 54,000 MNIST training images, the measure issue 12 set its
#: 20-minute bar with (6.9 s, :data:`YARDSTICK_REFERENCE_S`, on the 2 cores it was set on).
#: The same build takes more than twice as long on two cores of one machine as on two cores
#: of another, so the report gives each build time with this yardstick of its machine. It
#: trains in float32, as it did then, whether or not the CPU has bfloat16 instructions.
YARDSTICK_COMMAND = (
    *("train", "--model", "compact_cnn", "--dataset", "mnist", "--epochs", "1"),
    *("--precision", "float32"),
)
YARDSTICK_REFERENCE_S = 6.9


def yardstick(scratch: Path, env: dict[str, str]) -> float:
    """Train one epoch of ``compact_cnn`` on MNIST here; return its fit time in seconds.

    Runs ``convbook train`` (:data:`YARDSTICK_COMMAND`) in a process of its own, with the
    data directory and settings of ``env``, and reads the ``wall_time_s`` it saved.
    """
    output = scratch / "yardstick"
    command = [sys.executable, "-m", "convbook", *YARDSTICK_COMMAND, "--output", str(output)]
    _timed(command, REPO, env)
    return float(json.loads((output / "result.json").read_text())["wall_time_s"])


#: What a page restored from the page cache says (docs/_ext/page_cache.py); it did not run.
RESTORED = "restored from the page cache"


def _chapter_times(docs: Path) -> dict[str, float | None]:
    """Return each chapter's running time, as its page states it; ``None`` if restored."""
    times: dict[str, float | None] = {}
    for page in sorted((docs / "auto_gallery").glob("*/*.rst")):
        text = page.read_text(encoding="utf-8")
        found = _RUNNING_TIME.search(text)
        if found:
            chapter = f"{page.parent.name}/{page.stem}"
            restored = RESTORED in text
            times[chapter] = None if restored else 60 * int(found.group(1)) + float(found.group(2))
    return times


#: The page that trains a CNN in plain Keras, outside the recipes and their run log.
FIRST_CNN_PAGE = "02_training/01_a_first_cnn_in_keras"
_FIRST_CNN_RESULT = re.compile(
    r"^\s+test images: (\d+)\n\s+test loss: [\d.]+, test accuracy: ([\d.]+)$", re.MULTILINE
)


def first_cnn_result(docs: Path) -> dict | None:
    """Return what the first CNN's page printed about its test set; ``None`` if it did not.

    ``{"test_images": n, "test_accuracy": a}``, read from the page sphinx-gallery wrote.
    """
    page = docs / "auto_gallery" / f"{FIRST_CNN_PAGE}.rst"
    found = _FIRST_CNN_RESULT.search(page.read_text(encoding="utf-8")) if page.exists() else None
    if found is None:
        return None
    return {"test_images": int(found.group(1)), "test_accuracy": float(found.group(2))}


def _book(budget: str, scratch: Path) -> dict:
    data = scratch / f"data-{budget}"
    data.mkdir()
    from convbook import settings

    for path in settings.data_dir().iterdir():
        # The dataset files only: this build's run and page caches start empty.
        if path.is_file():
            (data / path.name).symlink_to(path)
    run_log = scratch / f"runs-{budget}.jsonl"
    env = dict(
        os.environ,
        CONVBOOK_BUDGET=budget,
        CONVBOOK_DATA_DIR=str(data),
        CONVBOOK_RUN_CACHE="1",
        CONVBOOK_RUN_LOG=str(run_log),
        MPLBACKEND="Agg",
    )
    result: dict = {"yardstick_s": yardstick(scratch, env)}
    for build in ("fresh", "cached"):
        root = scratch / f"book-{budget}-{build}"
        shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns(*GENERATED))
        shutil.copytree(REPO / "gallery", root / "gallery")
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q"]
        command += [str(root / "docs"), str(root / "html")]
        result[f"{build}_s"] = _timed(command, root, env)
        runs = _read_runs(run_log)
        run_log.unlink(missing_ok=True)
        if build == "fresh":
            result["chapters_s"] = _chapter_times(root / "docs")
            result["runs"] = runs
            result["first_cnn"] = first_cnn_result(root / "docs")
        else:
            result["cached_chapters_s"] = _chapter_times(root / "docs")
            result["reused_runs"] = sum(1 for run in runs if run.get("reused"))
            result["cached_runs"] = len(runs)
    result["bars"] = bars(result)
    return result


def _read_runs(run_log: Path) -> list[dict]:
    if not run_log.exists():
        return []
    return [json.loads(line) for line in run_log.read_text().splitlines() if line.strip()]


def bars(book: dict) -> list[dict]:
    """Check a book build against the results the default book promises (issue 12).

    Each bar is ``{"what", "required", "measured", "met"}``. The bars are about each
    recipe's own plan for the budget that built the book; the runs a chapter or a
    solution makes with overrides (one epoch, a small subset) are left out. Of those, only
    runs scored on the whole test set count; a recipe the build did not train is reported
    as not met.
    """
    from convbook.recipes import RECIPES

    own_plan_runs = [
        run
        for run in book.get("runs", [])
        if run["recipe"] in RECIPES
        and run["plan"] == dataclasses.asdict(RECIPES[run["recipe"]].plan(run["budget"]))
    ]
    runs = [run for run in own_plan_runs if run["plan"]["test_samples"] is None]
    accuracy = {run["recipe"]: run["test_accuracy"] for run in runs}

    def shown(name: str) -> str:
        return f"{name} {accuracy[name]:.2%}" if name in accuracy else f"{name} not run"

    cnns = sorted(
        name
        for name in accuracy
        if RECIPES[name].dataset == "mnist" and RECIPES[name].model not in ("dense_net", "lenet5")
    )
    weakest = min(cnns, key=accuracy.get) if cnns else None
    every_cnn = cnns + (["lenet5_mnist"] if "lenet5_mnist" in accuracy else [])
    lowest_cnn = min((accuracy[name] for name in every_cnn), default=None)
    deep, simple = accuracy.get("deep_cnn_mnist"), accuracy.get("simple_cnn_mnist")
    dense = accuracy.get("dense_mnist")
    first = book.get("first_cnn") or {}
    table = [
        (
            "Test set",
            "the whole test set, 10,000 images",
            f"{len(runs)} of {len(own_plan_runs)} runs at their recipe's own plan",
            bool(runs) and len(runs) == len(own_plan_runs),
        ),
        (
            "Every MNIST CNN (LeNet-5 aside)",
            "at least 99.0%",
            f"lowest: {shown(weakest)}" if weakest else "none run",
            bool(cnns) and all(accuracy[name] >= 0.99 for name in cnns),
        ),
        (
            "The deep CNN",
            "at least 99.2%, above the simple CNN",
            f"{shown('deep_cnn_mnist')}; {shown('simple_cnn_mnist')}",
            deep is not None and simple is not None and deep >= 0.992 and deep > simple,
        ),
        (
            "The first CNN, in plain Keras",
            "more than 99% on the 10,000 test images",
            (
                f"{first['test_accuracy']:.2%} on {first['test_images']:,} images"
                if first
                else "not found on its page"
            ),
            first.get("test_images") == 10_000 and first.get("test_accuracy", 0) > 0.99,
        ),
        (
            "LeNet-5",
            "at least 98.8%",
            shown("lenet5_mnist"),
            accuracy.get("lenet5_mnist", 0) >= 0.988,
        ),
        (
            "The dense baseline",
            "below every CNN",
            shown("dense_mnist"),
            dense is not None and lowest_cnn is not None and dense < lowest_cnn,
        ),
        (
            "Simple CNN on Fashion-MNIST",
            "at least 91%",
            shown("simple_cnn_fashion"),
            accuracy.get("simple_cnn_fashion", 0) >= 0.91,
        ),
        (
            "Fresh build",
            f"at most {FRESH_LIMIT_S // 60} minutes on 2 CPU cores",
            _fresh_build_measured(book),
            book.get("fresh_s", float("inf")) <= FRESH_LIMIT_S,
        ),
        (
            "Clean rebuild from the run and page caches",
            f"at most {CACHED_LIMIT_S // 60} minutes",
            f"{book['cached_s'] / 60:.1f} min" if "cached_s" in book else "not timed",
            book.get("cached_s", float("inf")) <= CACHED_LIMIT_S,
        ),
    ]
    return [
        {"what": what, "required": required, "measured": measured, "met": bool(met)}
        for what, required, measured, met in table
    ]


def _fresh_build_measured(book: dict) -> str:
    """Say how long the fresh build took; with a yardstick, how fast the machine was too."""
    if "fresh_s" not in book:
        return "not timed"
    minutes = book["fresh_s"] / 60
    if not book.get("yardstick_s"):
        return f"{minutes:.1f} min"
    ratio = YARDSTICK_REFERENCE_S / book["yardstick_s"]
    return (
        f"{minutes:.1f} min, on a machine where one compact_cnn epoch took "
        f"{book['yardstick_s']:.1f} s ({YARDSTICK_REFERENCE_S} s where the bar was set: "
        f"about {minutes * ratio:.1f} min at that speed, if the whole build scaled alike)"
    )


#: How many earlier measurements of a part its entry keeps (``earlier``, newest first).
EARLIER_KEPT = 5


def _summary(entry: dict) -> dict:
    """Return the times of a part's measurement, and where and when it was taken."""
    # A run names its device as "CPU: <model>, 2 cores (Keras backend: tensorflow)".
    devices = sorted(
        {
            re.sub(r"^CPU: | \(Keras backend: [^)]*\)$", "", run["device"])
            for run in entry.get("runs", [])
            if run.get("device")
        }
    )
    where = entry.get("cpu") or (devices[0] if len(devices) == 1 else entry.get("machine", "?"))
    times = {key: entry[key] for key in ("fresh_s", "cached_s", "yardstick_s") if key in entry}
    return {"date": entry.get("date", "undated"), "where": where, **times}


def _replaced(old: dict | None, new: dict) -> dict:
    """Return ``new`` with the times of ``old`` and of its earlier measurements."""
    if not old or "fresh_s" not in old:
        return new
    earlier = [_summary(old), *old.get("earlier", [])]
    return {**new, "earlier": earlier[:EARLIER_KEPT]}


def _previous(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    """Run the timings and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--parts",
        default="tests",
        help=f"comma-separated parts to time, from {', '.join(PARTS)} (default: tests)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "build_times.json")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        parser.error(f"--parts {args.parts!r}: use names from {', '.join(PARTS)}")

    measured = {}
    with tempfile.TemporaryDirectory() as scratch:
        for budget in ("smoke", "full", "long"):
            if budget in parts:
                measured[f"{budget}_book"] = _book(budget, Path(scratch))
    if "tests" in parts:
        # `make test` itself, so the timing follows the Makefile's command and its workers;
        # its set-up (install, data, browser) is brought up to date first, untimed.
        make = ["make", "--no-print-directory"]
        _timed([*make, "data", "browser"], REPO, dict(os.environ))
        measured["tests"] = {"fresh_s": _timed([*make, "test"], REPO, dict(os.environ))}
    from convbook import hardware

    stamp = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPU cores",
        "cpu": str(hardware.cpu_info()),
    }
    report = _previous(args.output)
    report.pop("timings", None)  # the layout before per-part entries
    entries = report.setdefault("parts", {})
    for stale in set(entries) - {f"{part}_book" for part in PARTS} - {"tests"}:
        del entries[stale]  # budgets that no longer exist (quick)
    for key, entry in measured.items():
        entries[key] = _replaced(entries.get(key), {**entry, **stamp})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for key, entry in entries.items():
        print(f"{key:<12} {entry['fresh_s']:8.1f} s  ({entry['date']})")
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
