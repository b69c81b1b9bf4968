"""Callbacks: one line per epoch, the validation ROC AUC, and resumable runs on disk.

:class:`EpochLogger` prints one compact line per epoch where Keras' progress bar would
clutter a log (the book build, CI)::

    epoch 2/5  loss 0.1234  accuracy 0.9612  val_loss 0.0811  val_accuracy 0.9750  (3.1 s)

:class:`RocAucCallback` logs the macro one-vs-rest ROC AUC of the validation images.
:class:`EpochBackup` and :func:`checkpointing` make a run resumable: the weights (with the
optimizer's state) and the epoch counter are backed up after every epoch, the best model
and the full history are kept, and a later run in the same directory continues after the
last completed epoch through ``model.fit(initial_epoch=...)``.

Every file of a checkpoint directory is written under a temporary name and renamed into
place, or (the epoch weights) only pointed to once complete, so a run killed at any moment
leaves nothing a later run trusts. A file damaged some other way is reported by
:class:`CheckpointDamaged`, which names it and the two ways on: delete it, or start anew
(``convbook train ... --fresh``, :func:`clear_checkpoint`).

Examples
--------
>>> from convbook.training import callbacks
>>> callbacks.RocAucCallback().log_name
'val_roc_auc'
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import keras
import numpy as np

from convbook import _checks
from convbook.training.metrics import predict_in_batches, roc_auc_ovr

#: The history of a run, one list per logged quantity, in a checkpoint or result directory.
HISTORY_FILE = "history.json"
#: The sub-directory of a checkpoint directory that holds the backup of the last epoch.
BACKUP_SUBDIR = "backup"
_PROGRESS_FILE = "progress.json"


def _log_order(key: str) -> tuple[int, int, str]:
    """Sort logged names: training before validation, loss first, learning rate last."""
    base = key.removeprefix("val_")
    rank = {"loss": 0, "accuracy": 1}.get(base, 3 if "learning_rate" in base else 2)
    return (int(key.startswith("val_")) if rank < 3 else 2, rank, base)


class EpochLogger(keras.callbacks.Callback):
    """Print one compact line per epoch: the epoch, every logged number, the epoch's time.

    Parameters
    ----------
    stream
        Where to write; default standard output at the time of writing.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> logger = EpochLogger(stream=out)
    >>> logger.set_params({"epochs": 5})
    >>> logger.on_epoch_begin(1)
    >>> logger.on_epoch_end(1, {"accuracy": 0.96, "val_loss": 0.2, "loss": 0.12345})
    >>> out.getvalue().split("(")[0]
    'epoch 2/5  loss 0.1235  accuracy 0.9600  val_loss 0.2000  '
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        seconds = time.perf_counter() - self._started
        parts = [f"epoch {epoch + 1}/{self.params.get('epochs', '?')}"]
        for key, value in sorted((logs or {}).items(), key=lambda item: _log_order(item[0])):
            if np.ndim(value) == 0:
                number = float(value)
                parts.append(
                    f"{key} {number:.3g}" if "learning_rate" in key else f"{key} {number:.4f}"
                )
        parts.append(f"({seconds:.1f} s)")
        stream = self.stream if self.stream is not None else sys.stdout
        print("  ".join(parts), file=stream, flush=True)


class RocAucCallback(keras.callbacks.Callback):
    """Log the macro one-vs-rest ROC AUC on validation data at the end of every epoch.

    The value goes into the epoch's logs as ``log_name`` (default ``"val_roc_auc"``), so the
    history, :class:`EpochLogger`, ``EarlyStopping`` and ``ModelCheckpoint`` listed *after*
    this callback can all use it.

    Parameters
    ----------
    validation_data
        ``(x, y)`` with integer or one-hot labels. ``None``: :func:`train` fills in the
        validation images it holds out (``validation_split``).
    batch_size
        Images scored at a time (see :func:`predict_in_batches`).
    log_name
        The key the value is logged under.

    Examples
    --------
    >>> RocAucCallback().log_name
    'val_roc_auc'
    """

    def __init__(
        self,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        batch_size: int = 1024,
        log_name: str = "val_roc_auc",
    ) -> None:
        super().__init__()
        self.validation_data = validation_data
        self.batch_size = _checks.positive_int("batch_size", batch_size)
        self.log_name = _checks.text("log_name", log_name)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        if self.validation_data is None:
            raise ValueError(
                "RocAucCallback has no validation_data; pass (x, y) or use it in train() "
                "with validation_split > 0."
            )
        x, y = self.validation_data
        scores = predict_in_batches(self.model, x, self.batch_size)
        if logs is not None:
            logs[self.log_name] = roc_auc_ovr(y, scores)


def write_json(path: Path, content: Any) -> None:
    """Write ``content`` as JSON to ``path`` through a temporary file (never half a file)."""
    partial = path.with_suffix(path.suffix + ".partial")
    with open(partial, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(content, indent=2) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)


class CheckpointDamaged(ValueError):
    """A file in a checkpoint directory cannot be read back; the message says how to go on."""

    def __init__(self, path: Path, reason: str, remove: Path | None = None) -> None:
        remove = remove or path
        command = "rm -r" if remove.is_dir() else "rm"
        super().__init__(
            f"The checkpoint file {path} is damaged ({reason}). To go on, either delete "
            f"{'it' if remove == path else 'the backup'} ({command} {_quoted(remove)}) and "
            "run again, or start anew with "
            f"`convbook train ... --fresh` (from Python: "
            f"convbook.training.callbacks.clear_checkpoint({str(remove.parent)!r}))."
        )
        self.path = path


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


def clear_checkpoint(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove what :func:`checkpointing` keeps in ``directory``: backup, history, best models.

    Only convbook's own files are removed (``backup/``, ``history.json``,
    ``*-best.keras`` and unfinished temporary files); anything else in the directory
    stays. Returns what was removed.

    Examples
    --------
    >>> import tempfile
    >>> clear_checkpoint(tempfile.mkdtemp())
    []
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    removed = []
    candidates = [directory / BACKUP_SUBDIR, directory / HISTORY_FILE]
    candidates += sorted(directory.glob("*-best.keras"))
    candidates += sorted(directory.glob(".*-best.partial.keras"))
    candidates += sorted(directory.glob("*.json.partial"))
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


class AtomicModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' :class:`~keras.callbacks.ModelCheckpoint`, writing beside the file, then renaming.

    The model is saved to ``.<name>.partial.keras`` and renamed over ``<name>.keras`` only
    when complete, so a run killed while saving leaves the previous best model intact.

    Examples
    --------
    >>> AtomicModelCheckpoint("best.keras").filepath
    'best.keras'
    """

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        final = Path(self._get_file_path(epoch, batch, logs))
        partial = final.with_name(f".{final.stem}.partial{final.suffix}")
        chosen = self.filepath
        self.filepath = str(partial)
        try:
            super()._save_model(epoch, batch, logs)
        finally:
            self.filepath = chosen
        if partial.exists():
            with open(partial, "rb+") as stream:
                os.fsync(stream.fileno())
            os.replace(partial, final)


class HistoryLog(keras.callbacks.Callback):
    """Keep the full history of a run that may be resumed, on disk after every epoch.

    ``previous`` holds the epochs of an earlier, interrupted run; this run's epochs are
    appended to it, and ``history.json`` is rewritten after every epoch.
    """

    def __init__(self, path: Path, previous: dict[str, list[float]]) -> None:
        super().__init__()
        self.path = path
        self.history = {key: list(values) for key, values in previous.items()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        for key, value in (logs or {}).items():
            if np.ndim(value) == 0:
                self.history.setdefault(key, []).append(float(value))
        write_json(self.path, self.history)


class EpochBackup(keras.callbacks.Callback):
    """Back up the weights, the optimizer's state and the epoch counter after every epoch.

    The weights of epoch ``n`` go to ``epoch-<n>.weights.h5``; only then does
    ``progress.json`` point to them, so an interruption at any moment leaves a consistent
    backup. When training ends normally (all epochs, or an early stop) the backup is
    removed. :func:`restore_backup` reads it back into a compiled model.

    Parameters
    ----------
    directory
        Where the backup lives (created when the first epoch ends).

    Examples
    --------
    >>> EpochBackup("runs/backup").directory.name
    'backup'
    """

    def __init__(self, directory: str | Path) -> None:
        super().__init__()
        self.directory = Path(directory)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # noqa: D102
        self.directory.mkdir(parents=True, exist_ok=True)
        weights = f"epoch-{epoch + 1}.weights.h5"
        self.model.save_weights(self.directory / weights)
        write_json(self.directory / _PROGRESS_FILE, {"epoch": epoch + 1, "weights": weights})
        for old in self.directory.glob("epoch-*.weights.h5"):
            if old.name != weights:
                old.unlink()

    def on_train_end(self, logs: dict | None = None) -> None:  # noqa: D102
        # The pointer goes first: a run killed while the rest is removed leaves no backup,
        # rather than a pointer to weights that are gone.
        with contextlib.suppress(OSError):
            (self.directory / _PROGRESS_FILE).unlink()
        shutil.rmtree(self.directory, ignore_errors=True)


def _backup_progress(backup_dir: Path) -> tuple[int, Path | None]:
    """Return the epoch and weights file the backup points to; ``(0, None)`` if none.

    Raises
    ------
    CheckpointDamaged
        If ``progress.json`` is unreadable, or points to weights that are missing.
    """
    pointer = backup_dir / _PROGRESS_FILE
    if not pointer.exists():
        return 0, None
    try:
        progress = json.loads(pointer.read_text(encoding="utf-8"))
        weights = backup_dir / Path(str(progress["weights"])).name
        epoch = int(progress["epoch"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        raise CheckpointDamaged(pointer, f"not a backup record: {reason}", backup_dir) from None
    if epoch < 1:
        raise CheckpointDamaged(pointer, f"epoch {epoch} is not an epoch", backup_dir)
    if not weights.is_file():
        raise CheckpointDamaged(
            pointer, f"it points to {weights.name}, which is missing", backup_dir
        )
    return epoch, weights


def _h5_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable HDF5 file, or ``None`` if it is one."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            handle.visit(lambda name: None)
    except Exception as error:  # noqa: BLE001 - h5py raises OSError, KeyError, RuntimeError
        lines = str(error).splitlines()
        return lines[0] if lines else type(error).__name__
    return None


def restore_backup(model: keras.Model, backup_dir: str | Path) -> int:
    """Load the backup of :class:`EpochBackup` into a compiled ``model``; return its epoch.

    Returns 0 (and changes nothing) when there is no backup. The optimizer is built first,
    so its state (Adam's moments, the step counter) is restored with the weights.

    Examples
    --------
    >>> restore_backup(keras.Sequential([keras.Input((2,))]), "no-such-backup")
    0
    """
    backup_dir = Path(backup_dir)
    epoch, weights = _backup_progress(backup_dir)
    if weights is None:
        return 0
    problem = _h5_problem(weights)
    if problem is not None:
        raise CheckpointDamaged(weights, f"not a readable HDF5 file: {problem}", backup_dir)
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(weights)
    except (OSError, ValueError, KeyError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointDamaged(
            weights, f"its weights do not fit model {model.name!r}: {reason}", backup_dir
        ) from None
    return epoch


def _previous_history(path: Path, epochs_done: int) -> dict[str, list[float]]:
    """Read back the first ``epochs_done`` epochs of ``history.json``.

    Raises
    ------
    CheckpointDamaged
        If the file exists but is not a history (a mapping of names to lists of numbers).
    """
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        history = {str(key): [float(v) for v in values] for key, values in dict(stored).items()}
    except (OSError, ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointDamaged(path, f"not a training history: {reason}") from None
    if epochs_done == 0:
        return {}
    return {key: values[:epochs_done] for key, values in history.items()}


def _check_best_model(path: Path) -> None:
    """Check that a best model saved earlier is a complete ``.keras`` archive (never loaded)."""
    if not path.exists():
        return
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except (OSError, zipfile.BadZipFile) as error:
        raise CheckpointDamaged(path, f"not a complete .keras file: {error}") from None
    if broken is not None:
        raise CheckpointDamaged(path, f"its member {broken} is damaged")


@dataclass
class Checkpointing:
    """What :func:`checkpointing` sets up for a resumable run."""

    #: The epoch the run continues after (0 for a new run).
    initial_epoch: int
    #: The full history, earlier epochs included, kept up to date on disk.
    history_log: HistoryLog
    #: Where the best model (lowest monitored loss) is saved.
    best_path: Path
    #: The callbacks to append to the run's own, in this order.
    callbacks: list[keras.callbacks.Callback]


def checkpointing(
    directory: str | Path, model: keras.Model, *, epochs: int, monitor: str
) -> Checkpointing:
    """Make a run of a compiled ``model`` resumable in ``directory``.

    Restores the backup of an interrupted run (see :func:`restore_backup`), reads back its
    history, and returns the callbacks that keep the best model
    (``<model name>-best.keras``, by the lowest ``monitor``, earlier epochs included), the
    history (``history.json``) and the backup (``backup/``). Pass ``initial_epoch`` to
    ``model.fit``.

    Examples
    --------
    >>> import tempfile
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="tiny")
    >>> model.compile("sgd", "mse")
    >>> setup = checkpointing(tempfile.mkdtemp(), model, epochs=3, monitor="loss")
    >>> setup.initial_epoch, setup.best_path.name
    (0, 'tiny-best.keras')
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _checks.fail(
            "checkpoint_dir",
            str(directory),
            f"a directory that can be created and written ({error.strerror or error})",
        )
    best_path = directory / f"{model.name}-best.keras"
    _check_best_model(best_path)
    history_path = directory / HISTORY_FILE
    _previous_history(history_path, 0)  # a damaged history is reported before any work
    initial_epoch = min(restore_backup(model, directory / BACKUP_SUBDIR), epochs)
    previous = _previous_history(history_path, initial_epoch)
    earlier = previous.get(monitor, [])
    best = AtomicModelCheckpoint(
        best_path,
        monitor=monitor,
        mode="min",
        save_best_only=True,
        initial_value_threshold=min(earlier) if earlier else None,
    )
    history_log = HistoryLog(directory / HISTORY_FILE, previous)
    # The backup comes last: an epoch is backed up only after every other callback
    # (including the history log) has finished it, so a resumed run repeats nothing
    # and misses nothing.
    backup = EpochBackup(directory / BACKUP_SUBDIR)
    return Checkpointing(initial_epoch, history_log, best_path, [best, history_log, backup])
