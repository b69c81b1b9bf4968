"""Race convbook's fastest MNIST recipe against the canonical Keras recipe, on this machine.

Each contender trains once per seed, each run in its own process (so peak memory is its
own), one after the other, taking turns, on the full MNIST training set. After every
epoch the test accuracy is measured; that evaluation is *excluded* from the training
time. The report gives, for each contender, the median over the seeds (and the range)
of the time to 99.0% and to 99.4% test accuracy, and the medians of the final accuracy,
images per second, peak memory and estimated GFLOP/s achieved against the machine's
peak. Then the two ratios of medians the targets are set on (:data:`TARGETS`): convbook's
time to 99.0%, and to 99.4%, over the canonical recipe's time to 99.0%.

Usage (from the repository root)::

    .venv/bin/python benchmarks/mnist_race.py                 # 3 seeds; writes results/
    .venv/bin/python benchmarks/mnist_race.py --epochs 3 --seeds 0   # a short smoke run

The canonical recipe is the Keras code examples' MNIST convnet: Conv2D 32 3x3 ReLU,
MaxPool 2, Conv2D 64 3x3 ReLU, MaxPool 2, Flatten, Dropout 0.5, Dense 10 softmax; Adam,
batch 128, 15 epochs, validation_split 0.1 (``convbook.models.keras_example_cnn``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
CONTENDERS = ("keras_example", "convbook_fast")
THRESHOLDS = (0.990, 0.994)
#: The race's targets: convbook's median time to the threshold, over the canonical
#: recipe's median time to 99.0%, at most this ratio.
TARGETS = {"0.990": 0.12, "0.994": 0.5}


def _child(contender: str, epochs: int | None, seed: int, output: Path) -> None:
    """Train one contender in this process and write its measurements as JSON."""
    import keras

    from convbook import devices, flops, models, recipes, training

    device = devices.configure()

    class TestAccuracyMonitor(keras.callbacks.Callback):
        """Test accuracy after each epoch; the evaluation's time is kept out of the clock."""

        def __init__(self, data: training.PreparedData) -> None:
            super().__init__()
            self.data = data
            self.epochs: list[dict] = []
            self._evaluating = 0.0

        def on_train_begin(self, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            trained = time.perf_counter() - self._start - self._evaluating
            began = time.perf_counter()
            scores = self.model.evaluate(self.data.x_test, self.data.y_test, 1024, verbose=0)
            self._evaluating += time.perf_counter() - began
            accuracy = float(scores[-1])
            self.epochs.append(
                {"epoch": epoch + 1, "train_seconds": trained, "test_accuracy": accuracy}
            )
            print(f"  {contender}: epoch {epoch + 1}  {trained:7.1f} s  test {accuracy:.4f}")

    if contender == "keras_example":
        data = training.prepare("mnist")
        monitor = TestAccuracyMonitor(data)
        training.seed_everything(seed)  # the initial weights too
        model = models.build("keras_example_cnn")
        result = training.train(
            model, data, epochs=epochs or 15, batch_size=128, validation_split=0.1,
            optimizer="adam", callbacks=[monitor], verbose=0, seed=seed,
        )  # fmt: skip
        batch_size = 128
    else:
        recipe = recipes.RECIPES["fast_mnist"]
        plan = recipe.plan("full")
        data = training.prepare(
            "mnist", input_shape=models.default_input_shape(recipe.model), labels=recipe.labels
        )
        monitor = TestAccuracyMonitor(data)
        overrides = {"epochs": epochs} if epochs else {}
        result = recipes.run_recipe(
            "fast_mnist", budget="full", callbacks=[monitor], verbose=0, seed=seed, **overrides
        )
        batch_size = plan.batch_size
    model = result.model
    images = result.train_samples * result.epochs_run
    train_seconds = monitor.epochs[-1]["train_seconds"]
    step_flops = flops.training_flops(model)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    output.write_text(
        json.dumps(
            {
                "contender": contender,
                "seed": seed,
                "model": model.name,
                "parameters": int(model.count_params()),
                "batch_size": batch_size,
                "train_samples": result.train_samples,
                "epochs": monitor.epochs,
                "train_seconds": train_seconds,
                "final_test_accuracy": monitor.epochs[-1]["test_accuracy"],
                "images_per_second": images / train_seconds,
                "training_flops_per_image": step_flops,
                "achieved_gflops": step_flops * images / train_seconds / 1e9,
                "peak_memory_mib": peak_kib / 1024,
                "device": str(device),
                "device_kind": device.kind,
                "device_name": device.name,
                "backend": keras.backend.backend(),
            },
            indent=2,
        )
    )


def _time_to(epochs: list[dict], threshold: float) -> float | None:
    for record in epochs:
        if record["test_accuracy"] >= threshold:
            return record["train_seconds"]
    return None


def _machine(first: dict) -> dict:
    from convbook import flops

    cores = os.cpu_count() or 1
    if first["device_kind"] == "GPU":
        peak = flops.gpu_peak_flops(first["device_name"])
    else:
        peak = flops.cpu_peak_flops(cores)
    return {
        "device": first["device"],
        "backend": first["backend"],
        "cpu_cores": cores,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "peak_gflops_estimate": peak / 1e9 if peak else None,
    }


def median_time(times: list[float | None]) -> float | None:
    """Return the median of ``times``, a run that never got there counting as endless.

    ``None`` when at least half the runs never got there.

    >>> median_time([30.0, None, 10.0]), median_time([10.0, None]), median_time([None])
    (30.0, None, None)
    """
    value = statistics.median(math.inf if t is None else t for t in times)
    return None if math.isinf(value) else value


def summarise(runs: dict[str, list[dict]]) -> dict:
    """Combine each contender's runs (one per seed) into the report's summary."""
    machine = _machine(runs[CONTENDERS[0]][0])
    peak = machine["peak_gflops_estimate"]
    contenders = {}
    for name, seeds in runs.items():
        for run in seeds:
            run["time_to"] = {f"{t:.3f}": _time_to(run["epochs"], t) for t in THRESHOLDS}
        first = seeds[0]
        summary = {key: first[key] for key in ("model", "parameters", "batch_size")}
        summary["seeds"] = [run["seed"] for run in seeds]
        summary["median_time_to"] = {}
        summary["range_time_to"] = {}
        for t in THRESHOLDS:
            times = [run["time_to"][f"{t:.3f}"] for run in seeds]
            summary["median_time_to"][f"{t:.3f}"] = median_time(times)
            reached = [time for time in times if time is not None]
            summary["range_time_to"][f"{t:.3f}"] = [min(reached), max(reached)] if reached else None
            summary.setdefault("reached", {})[f"{t:.3f}"] = len(reached)
        for key in ("final_test_accuracy", "images_per_second", "achieved_gflops"):
            summary[key] = statistics.median(run[key] for run in seeds)
        summary["peak_memory_mib"] = max(run["peak_memory_mib"] for run in seeds)
        summary["fraction_of_peak"] = summary["achieved_gflops"] / peak if peak else None
        summary["runs"] = seeds
        contenders[name] = summary
    canonical_99 = contenders["keras_example"]["median_time_to"]["0.990"]
    ratios = {}
    for threshold in TARGETS:
        fast = contenders["convbook_fast"]["median_time_to"][threshold]
        ratios[threshold] = fast / canonical_99 if fast and canonical_99 else None
    return {
        "machine": machine,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "contenders": contenders,
        "ratios": ratios,
        "targets": {
            threshold: {
                "at_most": limit,
                "met": ratios[threshold] is not None and ratios[threshold] <= limit,
            }
            for threshold, limit in TARGETS.items()
        },  # fmt: skip
    }


def table(report: dict) -> str:
    """Format the report as an aligned text table."""
    from convbook.tables import format_table

    def seconds(summary: dict, threshold: str) -> str:
        median = summary["median_time_to"][threshold]
        if median is None:
            return f"not reached ({summary['reached'][threshold]} of {len(summary['seeds'])})"
        low, high = summary["range_time_to"][threshold]
        return f"{median:.1f} s ({low:.1f}-{high:.1f})"

    runs = [report["contenders"][name] for name in CONTENDERS]
    rows = [
        ("model (parameters)", *(f"{r['model']} ({r['parameters']:,})" for r in runs)),
        ("seeds", *(", ".join(map(str, r["seeds"])) for r in runs)),
        ("time to 99.0%, median (range)", *(seconds(r, "0.990") for r in runs)),
        ("time to 99.4%, median (range)", *(seconds(r, "0.994") for r in runs)),
        ("final test accuracy (median)", *(f"{r['final_test_accuracy']:.4f}" for r in runs)),
        ("images / s (median)", *(f"{r['images_per_second']:,.0f}" for r in runs)),
        ("achieved GFLOP/s (median)", *(f"{r['achieved_gflops']:.1f}" for r in runs)),
        ("peak memory (largest)", *(f"{r['peak_memory_mib']:,.0f} MiB" for r in runs)),
    ]
    lines = [format_table(rows, ("", *CONTENDERS), align=("left", "right", "right"))]
    machine = report["machine"]
    peak = machine["peak_gflops_estimate"]
    if peak:
        lines.append(f"device: {machine['device']}; estimated peak {peak:.0f} GFLOP/s")
    for threshold, target in report["targets"].items():
        ratio = report["ratios"][threshold]
        shown = "n/a" if ratio is None else f"{ratio:.3f}"
        lines.append(
            f"convbook to {float(threshold):.1%} / canonical to 99.0%: {shown} "
            f"(target at most {target['at_most']}: {'met' if target['met'] else 'NOT met'})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every contender once per seed in child processes; print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, help="override both recipes' epochs (smoke runs)")
    parser.add_argument(
        "--seeds", default="0,1,2", help="comma-separated seeds, one run each (default: 0,1,2)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "mnist_race.json")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--child-output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be a positive integer; got {args.epochs}")
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
        if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
            raise ValueError
    except ValueError:
        parser.error(f"--seeds must be distinct integers >= 0, such as 0,1,2; got {args.seeds!r}")
    if args.child:
        _child(args.child, args.epochs, args.seed, args.child_output)
        return 0
    runs: dict[str, list[dict]] = {name: [] for name in CONTENDERS}
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            for contender in CONTENDERS:  # taking turns: drifts in speed hit both
                print(f"{contender}, seed {seed}: training on all of MNIST ...", flush=True)
                child_output = Path(scratch) / f"{contender}-{seed}.json"
                command = [sys.executable, __file__, "--child", contender, "--seed", str(seed)]
                command += ["--child-output", str(child_output)]
                if args.epochs:
                    command += ["--epochs", str(args.epochs)]
                subprocess.run(command, check=True, env=dict(os.environ, CONVBOOK_RUN_CACHE="0"))
                runs[contender].append(json.loads(child_output.read_text()))
    report = summarise(runs)
    print()
    print(table(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
