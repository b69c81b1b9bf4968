"""Time the book builds and the test suite here; write benchmarks/results/build_times.json.

Usage (from the repository root)::

    .venv/bin/python benchmarks/build_times.py                # quick book (fresh, cached), tests
    .venv/bin/python benchmarks/build_times.py --parts full   # the full-budget book (long)

Each book build runs in a fresh copy of docs/ and gallery/, as on a new checkout; the
"nothing changed" rebuild reuses that copy, which is what sphinx-gallery's cache speeds up.
For every build the report also keeps each chapter's running time (from the pages) and,
through ``$CONVBOOK_RUN_LOG``, every recipe run's accuracy against its target. Parts not
run this time keep their previous results in the JSON file.
"""

from __future__ import annotations

import argparse
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
    print(f"$ {' '.join(command)}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


_RUNNING_TIME = re.compile(
    r"Total running time of the script:\*\* \((\d+) minutes ([\d.]+) seconds\)"
)
PARTS = ("quick", "full", "tests")


def _chapter_times(docs: Path) -> dict[str, float]:
    """Return each chapter's running time, as its page states it."""
    times = {}
    for page in sorted((docs / "auto_gallery").glob("*/*.rst")):
        found = _RUNNING_TIME.search(page.read_text(encoding="utf-8"))
        if found:
            chapter = f"{page.parent.name}/{page.stem}"
            times[chapter] = 60 * int(found.group(1)) + float(found.group(2))
    return times


def _book(budget: str, scratch: Path, rebuild: bool) -> dict:
    root = scratch / f"book-{budget}"
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(REPO / "gallery", root / "gallery")
    run_log = root / "runs.jsonl"
    env = dict(os.environ, CONVBOOK_BUDGET=budget, MPLBACKEND="Agg", CONVBOOK_RUN_LOG=str(run_log))
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q"]
    command += [str(root / "docs"), str(root / "html")]
    result = {"fresh_s": _timed(command, root, env)}
    result["chapters_s"] = _chapter_times(root / "docs")
    result["runs"] = (
        [json.loads(line) for line in run_log.read_text().splitlines()] if run_log.exists() else []
    )
    if rebuild:
        result["rebuild_s"] = _timed(command, root, env)
    return result


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
        default="quick,tests",
        help=f"comma-separated parts to time, from {', '.join(PARTS)} (default: quick,tests)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "build_times.json")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        parser.error(f"--parts {args.parts!r}: use names from {', '.join(PARTS)}")

    measured = {}
    with tempfile.TemporaryDirectory() as scratch:
        for budget in ("quick", "full"):
            if budget in parts:
                measured[f"{budget}_book"] = _book(budget, Path(scratch), rebuild=budget == "quick")
    if "tests" in parts:
        test_command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        measured["tests"] = {"fresh_s": _timed(test_command, REPO, dict(os.environ))}
    stamp = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPU cores",
    }
    report = _previous(args.output)
    report.pop("timings", None)  # the layout before per-part entries
    entries = report.setdefault("parts", {})
    entries.update({key: {**entry, **stamp} for key, entry in measured.items()})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for key, entry in entries.items():
        print(f"{key:<12} {entry['fresh_s']:8.1f} s  ({entry['date']})")
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
