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


def _race_rst(report: dict) -> list[str]:
    names = list(report["contenders"])
    runs = [report["contenders"][name] for name in names]
    rows = [
        ("Model (parameters)", [f"``{r['model']}`` ({r['parameters']:,})" for r in runs]),
        ("Batch size", [str(r["batch_size"]) for r in runs]),
        ("Epochs run", [str(len(r["epochs"])) for r in runs]),
        ("Time to 99.0% test accuracy", [_seconds(r["time_to"]["0.990"]) for r in runs]),
        ("Time to 99.4% test accuracy", [_seconds(r["time_to"]["0.994"]) for r in runs]),
        ("Final test accuracy", [f"{r['final_test_accuracy']:.4f}" for r in runs]),
        ("Images per second", [f"{r['images_per_second']:,.0f}" for r in runs]),
        ("Achieved GFLOP/s (estimate)", [f"{r['achieved_gflops']:.1f}" for r in runs]),
        ("Peak memory", [f"{r['peak_memory_mib']:,.0f} MiB" for r in runs]),
    ]
    lines = [".. list-table::", "   :header-rows: 1", "   :stub-columns: 1", ""]
    lines += ["   * - ", *[f"     - {name}" for name in names]]
    for label, cells in rows:
        lines += [f"   * - {label}", *[f"     - {cell}" for cell in cells]]
    machine = report["machine"]
    ratio = report.get("ratio_time_to_99_0")
    peak = machine.get("peak_gflops_estimate")
    lines += [
        "",
        f"Measured {report['date']} on {machine['device']}, {machine['cpu_cores']} CPU cores, "
        f"Python {machine['python']}" + (f"; estimated peak {peak:,.0f} GFLOP/s." if peak else "."),
        "",
    ]
    if ratio is not None:
        lines += [f"Time to 99.0%, convbook / canonical: **{ratio:.2f}**.", ""]
    targets = report.get("targets", {})
    verdict = {True: "met", False: "**not met**"}
    if targets:
        lines += [
            "Targets: convbook reaches 99.0% in at most 0.2x the canonical time: "
            f"{verdict[targets['ratio_at_most_0.2']]}; convbook reaches 99.4% within the "
            "canonical recipe's time to 99.0%: "
            f"{verdict[targets['convbook_99_4_within_canonical_99_0']]}.",
            "",
        ]
    lines += [
        "Epoch by epoch (training seconds so far, then test accuracy):",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - Epoch",
        *[f"     - {name}" for name in names],
    ]
    longest = max(len(r["epochs"]) for r in runs)
    for index in range(longest):
        lines.append(f"   * - {index + 1}")
        for run in runs:
            if index < len(run["epochs"]):
                record = run["epochs"][index]
                lines.append(
                    f"     - {record['train_seconds']:.1f} s, {record['test_accuracy']:.4f}"
                )
            else:
                lines.append("     - ")
    return lines


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min ({seconds:.0f} s)"


_PART_LABELS = {
    "quick_book": "Quick book (``CONVBOOK_BUDGET=quick``), fresh build",
    "full_book": "Full book (``CONVBOOK_BUDGET=full``), fresh build",
    "tests": "Test suite (pytest, book and browser tests included)",
}


def _timings_rst(report: dict) -> list[str]:
    parts = report["parts"]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - Task", "     - Wall time", "     - Measured on"]
    for key, entry in parts.items():
        when = f"{entry['date'][:10]}, {entry['machine']}"
        lines += [f"   * - {_PART_LABELS.get(key, key)}", f"     - {_minutes(entry['fresh_s'])}"]
        lines += [f"     - {when}"]
        if "rebuild_s" in entry:
            lines += ["   * - Quick book, rebuild with nothing changed"]
            lines += [f"     - {_minutes(entry['rebuild_s'])}", f"     - {when}"]
    lines.append("")
    for key in ("full_book", "quick_book"):
        entry = parts.get(key)
        if entry and entry.get("chapters_s"):
            lines += _chapters_rst(_PART_LABELS[key].split(",")[0], entry)
    return lines


def _chapters_rst(label: str, entry: dict) -> list[str]:
    lines = [f"{label}: each chapter's running time, as its page states it.", ""]
    lines += [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - Chapter", "     - Running time"]
    for chapter, seconds in entry["chapters_s"].items():
        lines += [f"   * - ``{chapter}``", f"     - {_minutes(seconds)}"]
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
            ]
        devices = sorted({run["device"] for run in entry["runs"]})
        lines += ["", f"Device: {'; '.join(devices)}.", ""]
    return lines


class BenchmarkResults(SphinxDirective):
    """Render a benchmark report (``mnist_race`` or ``build_times``) as tables."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        path = Path(self.env.srcdir) / self.arguments[0]
        self.env.note_dependency(str(path))
        if not path.is_file():
            text = f"No results yet: run ``make benchmark`` to create ``{self.arguments[0]}``."
            return [nodes.note("", nodes.paragraph(text=text))]
        report = json.loads(path.read_text(encoding="utf-8"))
        lines = _race_rst(report) if "contenders" in report else _timings_rst(report)
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(path)), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("benchmark-results", BenchmarkResults)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
