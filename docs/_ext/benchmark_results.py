"""``.. benchmark-results:: path/to/report.json``: the benchmark's JSON as tables in the book.

The path is relative to the docs source directory. A missing report renders a note that
says how to produce one, so the book builds before the first benchmark run.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def _seconds(value):
    return f"{value:.1f} s" if value is not None else "not reached"


def _median_and_range(summary: dict, threshold: str) -> str:
    median = summary["median_time_to"][threshold]
    if median is None:
        return f"not reached (by {summary['reached'][threshold]} of {len(summary['seeds'])} seeds)"
    low, high = summary["range_time_to"][threshold]
    return f"{median:.1f} s ({low:.1f} to {high:.1f} s)"


def _race_rst(report: dict) -> list[str]:
    if "ratios" not in report:  # written by the one-seed race before several seeds
        return [
            ".. note::",
            "",
            f"   The recorded race ({report.get('date', 'undated')}) ran one seed per recipe; "
            "run ``make benchmark`` for medians over several seeds.",
            "",
        ]
    names = list(report["contenders"])
    runs = [report["contenders"][name] for name in names]
    rows = [
        ("Model (parameters)", [f"``{r['model']}`` ({r['parameters']:,})" for r in runs]),
        ("Batch size", [str(r["batch_size"]) for r in runs]),
        ("Seeds", [", ".join(map(str, r["seeds"])) for r in runs]),
        ("Time to 99.0%: median (range)", [_median_and_range(r, "0.990") for r in runs]),
        ("Time to 99.4%: median (range)", [_median_and_range(r, "0.994") for r in runs]),
        ("Final test accuracy (median)", [f"{r['final_test_accuracy']:.4f}" for r in runs]),
        ("Images per second (median)", [f"{r['images_per_second']:,.0f}" for r in runs]),
        ("Achieved GFLOP/s, estimate (median)", [f"{r['achieved_gflops']:.1f}" for r in runs]),
        ("Peak memory (largest)", [f"{r['peak_memory_mib']:,.0f} MiB" for r in runs]),
    ]
    lines = [".. list-table::", "   :header-rows: 1", "   :stub-columns: 1", ""]
    lines += ["   * - ", *[f"     - {name}" for name in names]]
    for label, cells in rows:
        lines += [f"   * - {label}", *[f"     - {cell}" for cell in cells]]
    machine = report["machine"]
    peak = machine.get("peak_gflops_estimate")
    lines += [
        "",
        f"Measured {report['date']} on {machine['device']}, {machine['cpu_cores']} CPU cores, "
        f"Python {machine['python']}" + (f"; estimated peak {peak:,.0f} GFLOP/s." if peak else "."),
        "",
        "The targets, as ratios of medians:",
        "",
    ]
    verdict = {True: "met", False: "**not met**"}
    for threshold, target in report["targets"].items():
        ratio = report["ratios"][threshold]
        shown = "not measured" if ratio is None else f"**{ratio:.3f}**"
        lines.append(
            f"* convbook's time to {float(threshold):.1%} over the canonical recipe's time to "
            f"99.0%: {shown}; target at most {target['at_most']}: {verdict[target['met']]}."
        )
    lines += [
        "",
        "Every run (training seconds when it first reached 99.0% and 99.4%, and its final "
        "test accuracy):",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - Contender",
        "     - Seed",
        "     - To 99.0%",
        "     - To 99.4%",
        "     - Final test accuracy",
    ]
    for name, summary in zip(names, runs, strict=True):
        for run in summary["runs"]:
            lines += [
                f"   * - {name}",
                f"     - {run['seed']}",
                f"     - {_seconds(run['time_to']['0.990'])}",
                f"     - {_seconds(run['time_to']['0.994'])}",
                f"     - {run['final_test_accuracy']:.4f}",
            ]
    lines.append("")
    return lines


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min ({seconds:.0f} s)"


_PART_LABELS = {
    "smoke_book": "Smoke book (``CONVBOOK_BUDGET=smoke``)",
    "full_book": "Default book (``CONVBOOK_BUDGET=full``)",
    "long_book": "Long book (``CONVBOOK_BUDGET=long``)",
    "tests": "Test suite (``make test``, book and browser tests included)",
}


def _timings_rst(report: dict) -> list[str]:
    parts = report["parts"]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - Task", "     - Wall time", "     - Measured on"]
    for key, entry in parts.items():
        when = f"{entry['date'][:10]}, {entry.get('cpu') or entry['machine']}"
        if entry.get("yardstick_s"):
            when += f" (one compact_cnn epoch: {entry['yardstick_s']:.1f} s)"
        label = _PART_LABELS.get(key, key)
        builds = [("fresh_s", "fresh build, every network trained")]
        builds += [("cached_s", "clean rebuild after make clean, from the run and page caches")]
        if key == "tests":
            builds = [("fresh_s", "")]
        for field, what in builds:
            if field in entry:
                lines += [f"   * - {label}{', ' + what if what else ''}"]
                lines += [f"     - {_minutes(entry[field])}", f"     - {when}"]
    lines.append("")
    for key, entry in parts.items():
        if entry.get("earlier"):
            lines += _earlier_rst(_PART_LABELS.get(key, key), entry["earlier"])
    for key in ("full_book", "long_book", "smoke_book"):
        entry = parts.get(key)
        if entry and entry.get("bars"):
            lines += _bars_rst(_PART_LABELS[key], entry["bars"])
        if entry and entry.get("chapters_s"):
            lines += _chapters_rst(_PART_LABELS[key], entry)
    return lines


def _earlier_rst(label: str, earlier: list[dict]) -> list[str]:
    """A sentence with a part's earlier measurements: the same work on other machines."""
    times = []
    for summary in earlier:
        parts = [f"fresh {_minutes(summary['fresh_s'])}"]
        if "cached_s" in summary:
            parts.append(f"from the caches {_minutes(summary['cached_s'])}")
        if "yardstick_s" in summary:
            parts.append(f"one compact_cnn epoch {summary['yardstick_s']:.1f} s")
        times.append(f"{summary['date'][:10]} on {summary['where']}: {', '.join(parts)}")
    return [f"{label}, measured before: {'; '.join(times)}.", ""]


def _bars_rst(label: str, bars: list[dict]) -> list[str]:
    verdict = {True: "met", False: "**not met**"}
    lines = [f"{label}: the results the default book promises, checked in this build.", ""]
    lines += [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - What", "     - Required", "     - This build", "     - Verdict"]
    for bar in bars:
        lines += [f"   * - {bar['what']}", f"     - {bar['required']}"]
        lines += [f"     - {bar['measured']}", f"     - {verdict[bar['met']]}"]
    lines.append("")
    return lines


def _device_and_precision(run: dict) -> tuple[str, str]:
    """Return a logged run's device and the dtype policy it trained in.

    Runs logged before the log had a ``precision`` field named a policy other than float32
    at the end of the device, as in ``"CPU: ... (Keras backend: tensorflow), mixed_bfloat16"``.
    """
    device = run["device"]
    if "precision" in run:
        return device, run["precision"]
    head, _, policy = device.rpartition(", ")
    if head and policy.startswith("mixed_"):
        return head, policy
    return device, "float32"


def _chapters_rst(label: str, entry: dict) -> list[str]:
    cached = entry.get("cached_chapters_s", {})
    lines = [f"{label}: each chapter's running time, as its page states it.", ""]
    lines += [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - Chapter", "     - Fresh build"]
    lines += ["     - Rebuild from the caches"] if cached else []
    for chapter, seconds in entry["chapters_s"].items():
        lines += [f"   * - ``{chapter}``", f"     - {_minutes(seconds)}"]
        if cached:
            rebuilt = cached.get(chapter, "not run")
            if rebuilt is None:
                rebuilt = "not run: restored from the page cache"
            lines += [f"     - {rebuilt if isinstance(rebuilt, str) else _minutes(rebuilt)}"]
    lines.append("")
    if entry.get("runs"):
        verdict = {True: "met", False: "**not met**", None: "(none stated)"}
        lines += [
            f"{label}: every recipe the chapters trained, with the test accuracy its plan "
            "promises (the ``target_accuracy`` of :class:`convbook.recipes.RunPlan`).",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - Recipe",
            "     - Epochs",
            "     - Training images",
            "     - Test accuracy",
            "     - Target",
            "     - Fit time",
            "     - Precision",
        ]
        for run in entry["runs"]:
            target = run["target_accuracy"]
            goal = "" if target is None else f"{target:.3f} "
            lines += [
                f"   * - ``{run['recipe']}``",
                f"     - {run['initial_epoch'] + run['epochs_run']}",
                f"     - {run['train_samples']:,}",
                f"     - {run['test_accuracy']:.4f}",
                f"     - {goal}{verdict[run['target_met']]}",
                f"     - {_minutes(run['wall_time_s'])}",
                f"     - {_device_and_precision(run)[1]}",
            ]
        devices = sorted({_device_and_precision(run)[0] for run in entry["runs"]})
        lines += ["", f"Device: {'; '.join(devices)}.", ""]
    return lines


class BenchmarkResults(SphinxDirective):
    """Render a benchmark report (``mnist_race`` or ``build_times``) as tables."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        path = Path(self.env.srcdir) / self.arguments[0]
        self.env.note_dependency(str(path))
        if not path.is_file():
            command = "make benchmark-full" if "build_times" in path.name else "make benchmark"
            paragraph = nodes.paragraph()
            paragraph += nodes.Text("No results yet: run ")
            paragraph += nodes.literal(text=command)
            paragraph += nodes.Text(" to create ")
            paragraph += nodes.literal(text=self.arguments[0])
            paragraph += nodes.Text(".")
            return [nodes.note("", paragraph)]
        report = json.loads(path.read_text(encoding="utf-8"))
        lines = _race_rst(report) if "contenders" in report else _timings_rst(report)
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(path)), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("benchmark-results", BenchmarkResults)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
