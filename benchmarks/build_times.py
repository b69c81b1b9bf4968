"""Time the book builds and the test suite here; write benchmarks/results/build_times.json.

Usage (from the repository root)::

    .venv/bin/python benchmarks/build_times.py            # quick book (fresh and cached), tests
    .venv/bin/python benchmarks/build_times.py --full     # also the full-budget book (long)

Each book build runs in a fresh copy of docs/ and gallery/, as on a new checkout; the
"nothing changed" rebuild reuses that copy, which is what sphinx-gallery's cache speeds up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def _book(budget: str, scratch: Path) -> tuple[float, float]:
    root = scratch / f"book-{budget}"
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(REPO / "gallery", root / "gallery")
    env = dict(os.environ, CONVBOOK_BUDGET=budget, MPLBACKEND="Agg")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q"]
    command += [str(root / "docs"), str(root / "html")]
    return _timed(command, root, env), _timed(command, root, env)


def main(argv: list[str] | None = None) -> int:
    """Run the timings and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="also build the full-budget book")
    parser.add_argument("--output", type=Path, default=RESULTS / "build_times.json")
    args = parser.parse_args(argv)
    timings = {}
    with tempfile.TemporaryDirectory() as scratch:
        fresh, cached = _book("quick", Path(scratch))
        timings["Quick book, fresh build"] = fresh
        timings["Quick book, rebuild with nothing changed"] = cached
        if args.full:
            timings["Full book, fresh build"] = _book("full", Path(scratch))[0]
    test_command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    timings["Test suite (pytest, book and browser tests included)"] = _timed(
        test_command, REPO, dict(os.environ)
    )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPU cores",
        "timings": timings,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for task, seconds in timings.items():
        print(f"{task:<55} {seconds:8.1f} s")
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
