"""The ``convbook`` command line: ``convbook info``, ``data {fetch,list}`` and ``train``.

Errors a user can fix (an unknown dataset, a damaged file, no network) are printed as
one line on standard error with exit code 2, never as a traceback. Heavy libraries are
imported only inside the subcommands that need them, so ``convbook --help`` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from convbook import __version__, settings


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data directory (default: $CONVBOOK_DATA_DIR or the per-user cache directory)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        "--force", action="store_true", help="delete the cached copy first (repairs a damaged one)"
    )
    _add_data_dir(fetch)
    fetch.set_defaults(handler=_data_fetch)
    listing = data_commands.add_parser("list", help="show each dataset and whether it is cached")
    _add_data_dir(listing)
    listing.set_defaults(handler=_data_list)
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
    _add_data_dir(train)
    train.set_defaults(handler=_train)


def _check_train_arguments(args: argparse.Namespace) -> None:
    for flag, value in (
        ("--epochs", args.epochs),
        ("--batch-size", args.batch_size),
        ("--train-samples", args.train_samples),
        ("--test-samples", args.test_samples),
    ):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be a positive integer; got {value}.")
    if not 0 <= args.validation_split < 1:
        raise ValueError(f"--validation-split must be in [0, 1); got {args.validation_split}.")
    if args.learning_rate is not None and not args.learning_rate > 0:
        raise ValueError(f"--learning-rate must be positive; got {args.learning_rate}.")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0; got {args.seed}.")
    from convbook import datasets

    if args.dataset not in datasets.NAMES:
        raise ValueError(
            f"Unknown dataset {args.dataset!r}; valid names are {', '.join(datasets.NAMES)}."
        )


def _train(args: argparse.Namespace) -> int:
    from pathlib import Path

    _check_train_arguments(args)
    from convbook import devices, models, training

    if args.model not in models.MODEL_NAMES:
        raise ValueError(
            f"Unknown model {args.model!r}; valid names are {', '.join(models.MODEL_NAMES)}."
        )
    input_shape = models.default_input_shape(args.model)
    if input_shape[0] > 64 or input_shape[1] > 64:
        raise ValueError(
            f"--model {args.model} expects {input_shape} images, far larger than the "
            "datasets' 28x28; choose a model made for them (e.g. alexnet_small)."
        )
    devices.configure(args.device)
    data = training.prepare(
        args.dataset,
        input_shape=input_shape,
        train_samples=args.train_samples,
        test_samples=args.test_samples,
        seed=args.seed,
        data_dir=args.data_dir,
    )
    training.seed_everything(args.seed)
    model = models.build(args.model, input_shape=data.input_shape, num_classes=data.num_classes)
    result = training.train(
        model,
        data,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        seed=args.seed,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        device=args.device,
        checkpoint_dir=args.checkpoint_dir,
    )
    output = Path(args.output or Path("convbook-runs") / f"{args.model}-{args.dataset}")
    saved = result.save(output)
    print()
    print(result.summary())
    print(f"saved in {saved} ({model.name}.keras, history.json, result.json)")
    return 0


def _data_fetch(args: argparse.Namespace) -> int:
    from convbook import datasets

    datasets.fetch(args.names or None, args.data_dir, force=args.force)
    return 0


def _data_list(args: argparse.Namespace) -> int:
    from convbook import datasets
    from convbook.datasets import store

    root = settings.data_dir(args.data_dir)
    print(f"Data directory: {root}")
    for name in datasets.NAMES:
        record = datasets.info(name)
        manifest = store.read_manifest(root, name)
        if datasets.cached(name, root):
            state = f"cached (from {manifest['source']})" if manifest else "cached"
        else:
            state = "not cached"
        print(f"  {name:<14} {record.title:<26} {state}")
    return 0


def _info(args: argparse.Namespace) -> int:
    import platform

    import numpy

    print(f"convbook   {__version__}")
    print(f"Python     {platform.python_version()} ({platform.system()} {platform.machine()})")
    print(f"NumPy      {numpy.__version__}")
    try:
        import keras
    except ImportError:
        print("Keras      not installed (pip install convbook installs it)")
    else:
        print(f"Keras      {keras.__version__} (backend: {keras.backend.backend()})")
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            print(f"TensorFlow {tf.__version__}")
        from convbook import devices

        print(f"Device     {devices.describe()}")
    print(f"Budget     {settings.budget()} (CONVBOOK_BUDGET)")
    print(f"Data dir   {settings.data_dir(args.data_dir)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 a user-fixable error).

    Examples
    --------
    >>> main(["data", "fetch", "cifar10"])  # prints "convbook: error: Unknown dataset ..."
    2
    """
    args = _build_parser().parse_args(argv)
    from convbook.datasets import ChecksumMismatch, DataDirError, DatasetUnavailable
    from convbook.devices import DeviceUnavailable

    try:
        return args.handler(args)
    except (
        ValueError,
        DatasetUnavailable,
        ChecksumMismatch,
        DataDirError,
        DeviceUnavailable,
    ) as error:
        print(f"convbook: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("convbook: interrupted", file=sys.stderr)
        return 130
