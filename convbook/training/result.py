"""What a training run returns: :class:`TrainingResult`, its summary table and its files.

Examples
--------
>>> from convbook.training.result import TrainingResult
>>> result = TrainingResult(None, {"loss": [0.5, 0.4]}, 0.1, 0.97, 4.0, "CPU", 2, 900,
...                         "mnist", "tiny")
>>> result.seconds_per_epoch
2.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from convbook.tables import format_table
from convbook.training.callbacks import HISTORY_FILE, write_json


@dataclass
class TrainingResult:
    """What :func:`train` returns: the trained model, its history and its test scores.

    ``history`` maps each logged quantity (``loss``, ``accuracy``, ``val_loss``, ...) to one
    value per epoch, including epochs completed before a resumed run restarted.
    ``wall_time_s`` counts ``model.fit`` only (not loading data or scoring the test set) and
    ``epochs_run`` the epochs this call trained (fewer than asked after early stopping, or
    after resuming from ``initial_epoch``). ``train_samples`` is the number of images fitted
    on, after ``validation_samples`` were held out. ``trained_at`` is when training ended
    (local time, ``YYYY-MM-DD HH:MM``); ``reused_from`` is the run-cache entry the result
    was loaded from (see :mod:`convbook.run_cache`), ``None`` for a run trained here.
    ``precision`` is the Keras dtype policy the model was built in: ``"float32"``, or
    ``"mixed_bfloat16"`` (see :func:`convbook.devices.precision_policy`).
    """

    model: keras.Model
    history: dict[str, list[float]]
    test_loss: float
    test_accuracy: float
    wall_time_s: float
    device: str
    epochs_run: int
    train_samples: int
    dataset: str
    model_name: str
    validation_samples: int = 0
    initial_epoch: int = 0
    best_checkpoint: str | None = None
    batch_size: int | None = None
    trained_at: str | None = None
    reused_from: str | None = None
    precision: str = "float32"

    @property
    def reused(self) -> bool:
        """Whether this result was loaded from the run cache instead of trained here."""
        return self.reused_from is not None

    @property
    def seconds_per_epoch(self) -> float:
        """Fit time divided by the epochs run."""
        return self.wall_time_s / self.epochs_run if self.epochs_run else 0.0

    def scores(self) -> dict[str, Any]:
        """Return every field except the model and the history (what ``result.json`` holds)."""
        return {
            key: getattr(self, key)
            for key in self.__dataclass_fields__
            if key not in ("model", "history")
        }

    def summary(self) -> str:
        """Return a small table of the run: what was trained, where, how long, how well.

        Examples
        --------
        >>> result = TrainingResult(None, {"loss": [0.5]}, 0.1, 0.97, 2.0, "CPU: demo", 1,
        ...                         900, "mnist", "tiny")
        >>> print(result.summary())
        run            result
        -------------  ---------------------------------
        model          tiny
        dataset        mnist
        trained on     900 images, 1 epoch, batch size ?
        device         CPU: demo
        precision      float32
        fit time       2.0 s (2.0 s per epoch)
        test loss      0.1000
        test accuracy  0.9700
        """
        epochs = f"{self.epochs_run} epoch{'s' if self.epochs_run != 1 else ''}"
        if self.initial_epoch:
            epochs += f" (resumed after epoch {self.initial_epoch})"
        held_out = (
            f" (+{self.validation_samples} for validation)" if self.validation_samples else ""
        )
        rows = [
            ("model", self.model_name),
            ("dataset", self.dataset),
            (
                "trained on",
                f"{self.train_samples} images{held_out}, {epochs}, "
                f"batch size {self.batch_size or '?'}",
            ),
            ("device", self.device),
            ("precision", self.precision),
            ("fit time", f"{self.wall_time_s:.1f} s ({self.seconds_per_epoch:.1f} s per epoch)"),
            *self._trained_row(),
            ("test loss", f"{self.test_loss:.4f}"),
            ("test accuracy", f"{self.test_accuracy:.4f}"),
        ]
        if self.best_checkpoint:
            rows.append(("best checkpoint", self.best_checkpoint))

        return format_table(rows, ("run", "result"), align=("left", "left"))

    def _trained_row(self) -> list[tuple[str, str]]:
        """Return the row that says whether the run was trained here or reused, and when."""
        if self.reused_from is not None:
            when = self.trained_at or "an earlier build"
            return [("trained", f"reused: trained on {when} (run cache {self.reused_from})")]
        if self.trained_at is not None:
            return [("trained", f"in this build, on {self.trained_at}")]
        return []

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``<model_name>.keras``, ``history.json`` and ``result.json`` into ``directory``.

        The directory is created if needed. Returns it as a :class:`~pathlib.Path`.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        self.model.save(target / f"{self.model_name}.keras")
        write_json(target / HISTORY_FILE, self.history)
        write_json(target / "result.json", self.scores())
        return target
