"""The ``convbook`` command line: ``convbook info``, ``data {fetch,list,verify}`` and ``train``.

Errors a user can fix (an unknown dataset, a damaged file, no network, a bad setting or
flag, a path that cannot be written) are printed as one line on standard error with exit
code 2, never as a traceback. Ctrl-C ends a command with one line too (exit code 130):
what was kept, and for ``train`` the command that resumes. Heavy libraries are imported
only inside the subcommands that need them, so ``convbook --help`` is instant, and
``convbook train`` checks all its options, every environment variable and every path it
will write before TensorFlow loads.

TensorFlow's start-up notes (oneDNN, missing CUDA drivers, ``failed call to cuInit`` on a
machine without a GPU) are hidden: the command sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless the
user set it, and filters the records TensorFlow writes before its logging reads that
setting. ``TF_CPP_MIN_LOG_LEVEL=0 convbook info`` shows them all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from convbook import __version__, _checks, settings
from convbook.tables import format_table

# Models whose default input is larger than this are not trained on the 28x28 datasets.
_LARGEST_SIDE = 64

_LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
# The severities of TensorFlow's C++ log records, in the order TF_CPP_MIN_LOG_LEVEL counts.
_SEVERITIES = "IWEF"
# A record starts with its severity: "I0000 00:00:17.0 ..." (Abseil) or
# "2025-01-01 12:00:00.000000: I ..." (TensorFlow's own format).
_RECORD = re.compile(r"^(?:([IWEF])\d{4} \d\d:\d\d:|\d{4}-\d\d-\d\d [\d:.]+: ([IWEF]) )")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called"


def _log_level() -> int:
    try:
        return int(os.environ.get(_LOG_LEVEL_VARIABLE, "0"))
    except ValueError:
        return 0


def _shown_records(text: str, level: int) -> str:
    r"""Keep the log records of ``text`` at or above ``level`` (0 keeps all), and all else.

    A record's continuation lines (indented, or cpu_feature_guard's second line) share its
    fate.

    Examples
    --------
    >>> text = "I0000 00:00:1.0 guard.cc:1] Optimized\nTo enable the following instructions\nok\n"
    >>> print(_shown_records(text, 2), end="")
    ok
    """
    kept, keep = [], True
    for line in text.splitlines(keepends=True):
        record = _RECORD.match(line)
        if record:
            severity = record.group(1) or record.group(2)
            keep = _SEVERITIES.index(severity) >= level
        elif line.startswith(_ABSL_PREAMBLE):
            keep = level <= _SEVERITIES.index("W")
        elif not line.startswith((" ", "\t", "To enable the following instructions")):
            keep = True
        if keep:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def _native_start_up_logs_filtered() -> Iterator[None]:
    """Filter what TensorFlow's C++ side writes to standard error while it starts.

    TensorFlow 2.19 and later write their start-up records (oneDNN, CUDA drivers) before
    their logging is initialised, which ignores ``TF_CPP_MIN_LOG_LEVEL``. Here file
    descriptor 2 is diverted while TensorFlow loads, and what it received is passed on
    without the records below the log level.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            sys.stderr.write(_shown_records(text, _log_level()))


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _check_settings(args: argparse.Namespace) -> None:
    """Read every environment variable once, so a bad value stops any command at once."""
    settings.budget()
    settings.device_choice()
    settings.precision()
    settings.offline()
    settings.run_log()
    settings.run_cache()
    settings.devices()
    settings.coordinator()
    settings.processes()
    settings.process_id()
    settings.data_dir(getattr(args, "data_dir", None))


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data directory (default: $CONVBOOK_DATA_DIR or the per-user cache directory)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="convbook",
        description="Companion tool of the convbook textbook on convolutional neural networks.",
    )
    parser.add_argument("--version", action="version", version=f"convbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    info = commands.add_parser(
        "info", help="print versions, the training device and where the data lives"
    )
    _add_data_dir(info)
    info.set_defaults(handler=_info)

    data = commands.add_parser("data", help="fetch and inspect the datasets")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    fetch = data_commands.add_parser(
        "fetch", help="download, verify and cache datasets (default: all)"
    )
    fetch.add_argument("names", nargs="*", metavar="NAME", help="mnist, fashion_mnist, kmnist")
    fetch.add_argument(
        "--force",
        action="store_true",
        help="fetch again even if cached (repairs a damaged copy; the old copy is kept "
        "until the new one is verified)",
    )
    _add_data_dir(fetch)
    fetch.set_defaults(handler=_data_fetch)
    listing = data_commands.add_parser(
        "list",
        help="show each dataset and whether it is cached (a quick check of size and date; "
        "`data verify` checks every byte)",
    )
    _add_data_dir(listing)
    listing.set_defaults(handler=_data_list)
    verify = data_commands.add_parser(
        "verify", help="check cached datasets in full against their SHA-256 digests"
    )
    verify.add_argument("names", nargs="*", metavar="NAME", help="default: every cached dataset")
    _add_data_dir(verify)
    verify.set_defaults(handler=_data_verify)
    _add_train(commands)
    return parser


def _add_train(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train a model of the book on a dataset; save the model and its history",
        description=(
            "Train one of the book's models (convbook.models) on MNIST, Fashion-MNIST or "
            "Kuzushiji-MNIST, print one line per epoch and a summary, and save the model "
            "(.keras), its history (history.json) and its scores (result.json)."
        ),
    )
    train.add_argument("--model", required=True, help="a model name, e.g. simple_cnn, deep_cnn")
    train.add_argument("--dataset", required=True, help="mnist, fashion_mnist or kmnist")
    train.add_argument("--epochs", type=int, required=True, help="passes over the training set")
    train.add_argument("--batch-size", type=int, default=128, help="images per update (128)")
    train.add_argument(
        "--train-samples", type=int, metavar="N", help="train on a random subset of N images"
    )
    train.add_argument(
        "--test-samples", type=int, metavar="N", help="test on a random subset of N images"
    )
    train.add_argument(
        "--validation-split",
        type=float,
        default=0.1,
        help="fraction of training images held out for validation (0.1)",
    )
    train.add_argument("--learning-rate", type=float, help="the optimizer's learning rate")
    train.add_argument("--optimizer", default="adam", help="a Keras optimizer name (adam)")
    train.add_argument("--seed", type=int, default=0, help="random seed (0)")
    train.add_argument(
        "--device",
        choices=settings.DEVICE_CHOICES,
        help="auto, cpu or gpu (default: $CONVBOOK_DEVICE or auto)",
    )
    train.add_argument(
        "--precision",
        choices=settings.PRECISION_CHOICES,
        help="the dtype policy: auto (mixed_bfloat16 where it was measured faster), float32 "
        "or mixed_bfloat16 (default: $CONVBOOK_PRECISION or auto)",
    )
    train.add_argument(
        "--output",
        metavar="DIR",
        help="where to save the results (default: ./convbook-runs/<model>-<dataset>)",
    )
    train.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="back up after every epoch and keep the best model here; after an "
        "interruption, the same command resumes from the last completed epoch",
    )
    train.add_argument(
        "--fresh",
        action="store_true",
        help="discard the backup, history and best model in --checkpoint-dir and start anew",
    )
    _add_data_dir(train)
    train.set_defaults(handler=_train)


def _check_train_arguments(args: argparse.Namespace) -> None:
    """Check every ``train`` option before Keras (and TensorFlow) is imported."""
    from convbook import datasets, models

    _checks.choice("--model", args.model, models.MODEL_NAMES)
    _checks.choice("--dataset", args.dataset, datasets.NAMES)
    for flag, value in (
        ("--epochs", args.epochs),
        ("--batch-size", args.batch_size),
        ("--train-samples", args.train_samples),
        ("--test-samples", args.test_samples),
    ):
        _checks.optional_positive_int(flag, value)
    _checks.fraction("--validation-split", args.validation_split)
    if args.learning_rate is not None:
        _checks.positive("--learning-rate", args.learning_rate)
    _checks.integer("--seed", args.seed, minimum=0)
    if args.fresh and args.checkpoint_dir is None:
        raise ValueError("--fresh must come with --checkpoint-dir; got --fresh alone.")
    input_shape = models.default_input_shape(args.model)
    if input_shape[0] > _LARGEST_SIDE or input_shape[1] > _LARGEST_SIDE:
        _checks.fail(
            "--model",
            args.model,
            f"a model made for the datasets' 28x28 images (e.g. alexnet_small); {args.model} "
            f"expects {input_shape} images, far larger than the datasets' 28x28",
        )


def _output_dir(args: argparse.Namespace) -> Path:
    return Path(args.output or Path("convbook-runs") / f"{args.model}-{args.dataset}")


def check_writable_dir(flag: str, value: str | os.PathLike[str]) -> Path:
    """Check that ``value`` is a directory convbook can create (if missing) and write in.

    Nothing is created. Returns the path, absolute.

    Raises
    ------
    ValueError
        Naming ``flag``, the value, and the part of the path that is in the way.

    Examples
    --------
    >>> check_writable_dir("--output", __file__)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --output must be a directory that convbook can create and write; got ...
    """
    path = Path(value).expanduser().absolute()
    expected = f"{flag} must be a directory that convbook can create and write; got {str(value)!r}"
    probe = path
    while not probe.exists():
        if probe.is_symlink():
            raise ValueError(f"{expected} ({probe} is a link to nothing).")
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ValueError(f"{expected} ({probe} is a file).")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{expected} ({probe} is not writable).")
    return path


def _resume_command(args: argparse.Namespace) -> str:
    words = [word for word in args.argv if word != "--fresh"]
    return shlex.join(["convbook", *words])


def _interrupted_train(args: argparse.Namespace) -> str:
    """Say what an interrupted ``train`` kept, and how to go on (one line)."""
    if args.checkpoint_dir is None:
        return "interrupted; nothing was saved (add --checkpoint-dir DIR to make a run resumable)."
    directory = Path(args.checkpoint_dir)
    try:
        progress = json.loads((directory / "backup" / "progress.json").read_text("utf-8"))
        epoch = int(progress["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        epoch = 0
    kept = (
        f"epochs 1-{epoch} of {args.epochs} are backed up in {directory}"
        if epoch
        else "no epoch had ended yet, so there is no backup"
    )
    return f"interrupted; {kept}. To resume: {_resume_command(args)}"


def _save_somewhere(result: Any, output: Path) -> str:
    """Save ``result`` in ``output``; failing that, in a new temporary directory.

    Returns the line to print. A run is never lost because its output directory went away.
    """
    try:
        saved = result.save(output)
    except OSError as first:
        reason = first.strerror or str(first)
        try:
            rescue = result.save(tempfile.mkdtemp(prefix=f"convbook-{result.model_name}-"))
        except OSError as second:
            raise OSError(
                f"cannot save the trained model in {output} ({reason}) nor in a temporary "
                f"directory ({second.strerror or second}); nothing was saved"
            ) from None
        raise OSError(
            f"cannot save in {output} ({reason}); the model, history and scores were saved "
            f"in {rescue} instead"
        ) from None
    return f"saved in {saved} ({result.model_name}.keras, history.json, result.json)"


def _train(args: argparse.Namespace) -> int:
    _check_train_arguments(args)
    output = check_writable_dir("--output", _output_dir(args))
    if args.checkpoint_dir is not None:
        check_writable_dir("--checkpoint-dir", args.checkpoint_dir)
    try:
        with _native_start_up_logs_filtered():
            from convbook import devices, training
            from convbook.training import callbacks

            devices.list_gpus()
        if args.fresh:
            callbacks.clear_checkpoint(args.checkpoint_dir)
        result = training.build_and_train(
            args.model,
            args.dataset,
            epochs=args.epochs,
            train_samples=args.train_samples,
            test_samples=args.test_samples,
            batch_size=args.batch_size,
            validation_split=args.validation_split,
            learning_rate=args.learning_rate,
            optimizer=args.optimizer,
            seed=args.seed,
            device=args.device,
            precision=args.precision,
            data_dir=args.data_dir,
            checkpoint_dir=args.checkpoint_dir,
        )
    except KeyboardInterrupt:
        print(f"convbook: {_interrupted_train(args)}", file=sys.stderr)
        return 130
    print()
    print(result.summary())
    print(_save_somewhere(result, output))
    return 0


def _data_fetch(args: argparse.Namespace) -> int:
    from convbook import datasets

    try:
        datasets.fetch(args.names or None, args.data_dir, force=args.force)
    except KeyboardInterrupt:
        root = settings.data_dir(args.data_dir)
        print(
            f"convbook: interrupted; {root} holds only complete, verified files "
            "(nothing half-written was kept).",
            file=sys.stderr,
        )
        return 130
    return 0


def _data_verify(args: argparse.Namespace) -> int:
    from convbook import datasets

    root = settings.data_dir(args.data_dir)
    outcome = datasets.verify(args.names or None, root)
    if not outcome:
        print(f"No dataset is cached in {root}; `convbook data fetch` fetches them.")
        return 0
    failed = 0
    for name, verdict in outcome.items():
        if verdict == "ok":
            print(f"{name}: ok (every array matches its SHA-256)")
        else:
            failed += 1
            if verdict == "not cached":
                verdict = f"{name} is not cached in {root}; `convbook data fetch {name}` fetches it"
            print(f"convbook: error: {verdict}", file=sys.stderr)
    return 2 if failed else 0


def _data_list(args: argparse.Namespace) -> int:
    from convbook import datasets
    from convbook.datasets import store

    root = settings.data_dir(args.data_dir)
    print(f"Data directory: {root}")
    rows, doubtful, damaged = [], [], []
    for name in datasets.NAMES:
        state, detail = store.quick_state(root, name)
        if state in ("unchecked", "changed"):
            doubtful.append(name)
        elif state == "damaged":
            damaged.append(name)
        rows.append((name, datasets.info(name).title, detail))
    print(format_table(rows, ("dataset", "title", "state"), indent=2))
    if damaged:
        print(f"Repair: convbook data fetch --force {' '.join(damaged)}")
    if doubtful:
        print(f"Check in full: convbook data verify {' '.join(doubtful)}")
    if not damaged and not doubtful:
        print("(sizes and dates as verified; `convbook data verify` checks every byte)")
    return 0


def _info(args: argparse.Namespace) -> int:
    import platform

    import numpy

    rows = [
        ("convbook", __version__),
        ("Python", f"{platform.python_version()} ({platform.system()} {platform.machine()})"),
        ("NumPy", numpy.__version__),
    ]
    try:
        with _native_start_up_logs_filtered():
            import keras

            from convbook import devices

            device = devices.describe()
    except ImportError:
        rows.append(("Keras", "not installed (pip install convbook installs it)"))
    else:
        rows.append(("Keras", f"{keras.__version__} (backend: {keras.backend.backend()})"))
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            rows.append(("TensorFlow", tf.__version__))
        rows.append(("Device", device))
    budget = settings.budget()
    rows.append(("Budget", f"{budget} (CONVBOOK_BUDGET): {settings.BUDGET_MEANINGS[budget]}"))
    rows.append(("Data dir", str(settings.data_dir(args.data_dir))))
    print(format_table(rows, ("component", "version or setting"), align=("left", "left")))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 a user-fixable error).

    Examples
    --------
    >>> main(["data", "fetch", "cifar10"])  # prints "convbook: error: Unknown dataset ..."
    2
    """
    # TensorFlow reads its C++ log level once, as it loads: set it first, unless the user
    # chose one. Level 3 also hides "failed call to cuInit" on a machine without a GPU.
    os.environ.setdefault(_LOG_LEVEL_VARIABLE, "3")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _build_parser().parse_args(argv)
    args.argv = argv
    from convbook.datasets import ChecksumMismatch, DataDirError, DatasetUnavailable
    from convbook.devices import DeviceUnavailable

    try:
        _check_settings(args)
        return args.handler(args)
    except (
        ValueError,
        DatasetUnavailable,
        ChecksumMismatch,
        DataDirError,
        DeviceUnavailable,
        OSError,
    ) as error:
        print(f"convbook: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("convbook: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
