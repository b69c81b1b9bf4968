"""Race convbook's fastest MNIST recipe against the canonical Keras recipe, on this machine.

Each contender trains in its own process (so peak memory is its own), one after the
other, on the full MNIST training set. After every epoch the test accuracy is measured;
that evaluation is *excluded* from the training time. The report gives, for each:
time to 99.0% test accuracy, final accuracy, images per second, peak memory and the
estimated GFLOP/s achieved against the machine's peak; then the ratio of the two times
to 99.0% and whether convbook reaches 99.4% within the canonical recipe's time to 99.0%.

Usage (from the repository root)::

    .venv/bin/python benchmarks/mnist_race.py                 # writes benchmarks/results/
    .venv/bin/python benchmarks/mnist_race.py --epochs 3      # a short smoke run

The canonical recipe is the Keras code examples' MNIST convnet: Conv2D 32 3x3 ReLU,
MaxPool 2, Conv2D 64 3x3 ReLU, MaxPool 2, Flatten, Dropout 0.5, Dense 10 softmax; Adam,
batch 128, 15 epochs, validation_split 0.1 (``convbook.models.keras_example_cnn``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
CONTENDERS = ("keras_example", "convbook_fast")
THRESHOLDS = (0.990, 0.994)


def _child(contender: str, epochs: int | None, output: Path) -> None:
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
        model = models.build("keras_example_cnn")
        result = training.train(
            model, data, epochs=epochs or 15, batch_size=128, validation_split=0.1,
            optimizer="adam", callbacks=[monitor], verbose=0,
        )  # fmt: skip
        batch_size = 128
    else:
        recipe = recipes.RECIPES["fast_mnist"]
        plan = recipe.plan("full")
        data = training.prepare("mnist", input_shape=models.default_input_shape(recipe.model))
        monitor = TestAccuracyMonitor(data)
        overrides = {"epochs": epochs} if epochs else {}
        result = recipes.run_recipe(
            "fast_mnist", budget="full", callbacks=[monitor], verbose=0, **overrides
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


def summarise(runs: dict[str, dict]) -> dict:
    """Combine the contenders' measurements into the report's summary."""
    machine = _machine(next(iter(runs.values())))
    for run in runs.values():
        run["time_to"] = {f"{t:.3f}": _time_to(run["epochs"], t) for t in THRESHOLDS}
        peak = machine["peak_gflops_estimate"]
        run["fraction_of_peak"] = run["achieved_gflops"] / peak if peak else None
    canonical, fast = runs["keras_example"], runs["convbook_fast"]
    canonical_99 = canonical["time_to"]["0.990"]
    fast_99, fast_994 = fast["time_to"]["0.990"], fast["time_to"]["0.994"]
    ratio = fast_99 / canonical_99 if canonical_99 and fast_99 else None
    return {
        "machine": machine,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "contenders": runs,
        "ratio_time_to_99_0": ratio,
        "targets": {
            "ratio_at_most_0.2": ratio is not None and ratio <= 0.2,
            "convbook_99_4_within_canonical_99_0": bool(
                fast_994 is not None and canonical_99 is not None and fast_994 <= canonical_99
            ),
        },
    }


def table(report: dict) -> str:
    """Format the report as an aligned text table."""

    def seconds(value: float | None) -> str:
        return f"{value:.1f} s" if value is not None else "not reached"

    rows = [("", *CONTENDERS)]
    runs = [report["contenders"][name] for name in CONTENDERS]
    rows.append(("model (parameters)", *(f"{r['model']} ({r['parameters']:,})" for r in runs)))
    rows.append(("time to 99.0%", *(seconds(r["time_to"]["0.990"]) for r in runs)))
    rows.append(("time to 99.4%", *(seconds(r["time_to"]["0.994"]) for r in runs)))
    rows.append(("final test accuracy", *(f"{r['final_test_accuracy']:.4f}" for r in runs)))
    rows.append(("epochs", *(str(len(r["epochs"])) for r in runs)))
    rows.append(("images / s", *(f"{r['images_per_second']:,.0f}" for r in runs)))
    rows.append(("achieved GFLOP/s", *(f"{r['achieved_gflops']:.1f}" for r in runs)))
    rows.append(("peak memory", *(f"{r['peak_memory_mib']:,.0f} MiB" for r in runs)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    machine = report["machine"]
    ratio = report["ratio_time_to_99_0"]
    peak = machine["peak_gflops_estimate"]
    lines += [
        "",
        f"device: {machine['device']}; estimated peak {peak:.0f} GFLOP/s" if peak else "",
        f"time-to-99.0% ratio (convbook / canonical): {ratio:.2f}" if ratio else "",
        f"targets: {report['targets']}",
    ]
    return "\n".join(line for line in lines if line is not None)


def main(argv: list[str] | None = None) -> int:
    """Run both contenders in child processes, print the table and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, help="override both recipes' epochs (smoke runs)")
    parser.add_argument("--output", type=Path, default=RESULTS / "mnist_race.json")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--child-output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be a positive integer; got {args.epochs}")
    if args.child:
        _child(args.child, args.epochs, args.child_output)
        return 0
    runs = {}
    with tempfile.TemporaryDirectory() as scratch:
        for contender in CONTENDERS:
            print(f"{contender}: training on the full MNIST training set ...", flush=True)
            child_output = Path(scratch) / f"{contender}.json"
            command = [
                sys.executable,
                __file__,
                "--child",
                contender,
                "--child-output",
                str(child_output),
            ]
            if args.epochs:
                command += ["--epochs", str(args.epochs)]
            subprocess.run(command, check=True)
            runs[contender] = json.loads(child_output.read_text())
    report = summarise(runs)
    print()
    print(table(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
