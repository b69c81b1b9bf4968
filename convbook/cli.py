"""The ``convbook`` command line: ``convbook info`` and ``convbook data {fetch,list}``.

Errors a user can fix (an unknown dataset, a damaged file, no network) are printed as
one line on standard error with exit code 2, never as a traceback. Heavy libraries are
imported only inside the subcommands that need them, so ``convbook --help`` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
    return parser


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
