"""What a run records: one ``EpochRecord`` per epoch, the ``History`` of a run,
and the rules that judge it (early stopping, a loss that exploded).

The figures are the trainer's (``glassnet.training.loop``); this module only
keeps and judges them, so the progress reporters, the persistence layer and
the CLI can read a history without importing the loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from glassnet.errors import GlassnetError

#: An epoch whose training loss is more than this many times the loss before training
#: has exploded; see ``exploded``.
EXPLOSION_FACTOR = 10.0


@dataclass
class EpochRecord:
    """One epoch's figures; ``epoch`` counts from 1. ``None`` where not measured."""

    epoch: int
    loss: float
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    learning_rate: float
    seconds: float


COLUMNS = [f.name for f in fields(EpochRecord)]


@dataclass
class History:
    """Per-epoch records and how training ended.

    ``stopped`` is ``"completed"``, ``"early_stopping"``, ``"interrupted"`` or
    ``"diverged"``; ``best_epoch`` is the epoch with the lowest validation loss
    (when there is validation data); ``warnings`` what the user should know
    about the run (a loss that exploded).
    """

    records: list[EpochRecord] = field(default_factory=list)
    stopped: str = "completed"
    best_epoch: int | None = None
    warnings: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        """One column, e.g. ``history.column("val_loss")``."""
        return [getattr(r, name) for r in self.records]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stopped": self.stopped,
            "best_epoch": self.best_epoch,
            "warnings": list(self.warnings),
            "epochs": [{c: getattr(r, c) for c in COLUMNS} for r in self.records],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        return cls(
            records=[EpochRecord(**r) for r in data["epochs"]],
            stopped=data["stopped"],
            best_epoch=data["best_epoch"],
            warnings=[str(w) for w in data.get("warnings", [])],
        )

    def to_csv(self) -> str:
        """The records as CSV text, one row per epoch; empty cells where not measured."""
        lines = [",".join(COLUMNS)]
        for r in self.records:
            values = [getattr(r, c) for c in COLUMNS]
            lines.append(",".join("" if v is None else repr(v) for v in values))
        return "\n".join(lines) + "\n"


@dataclass
class EarlyStopping:
    """Stop when the validation loss has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best`` the network ends with the parameters of its best epoch.
    An epoch whose training loss exploded (``exploded``) counts as no
    improvement, whatever its validation loss.
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int):
            raise GlassnetError(f"patience must be a whole number, got {self.patience!r}")
        if self.patience < 1:
            raise GlassnetError(f"patience must be >= 1, got {self.patience}")
        if not self.min_delta >= 0:
            raise GlassnetError(f"min_delta must be >= 0, got {self.min_delta}")

    def message(self, best_epoch: int | None) -> str:
        """What the run says when this rule stops it."""
        return (
            f"early stopping: no improvement of val_loss for {self.patience} epochs; "
            f"best epoch {best_epoch}"
        )


def improves(val_loss: float, best_loss: float | None, min_delta: float) -> bool:
    """Whether ``val_loss < best_loss - min_delta`` (the first epoch always improves)."""
    return best_loss is None or val_loss < best_loss - min_delta


def exploded(loss: float, initial_loss: float | None) -> bool:
    """Whether an epoch's training ``loss`` exploded: it is more than ``EXPLOSION_FACTOR``
    (10) times ``initial_loss``, the loss before training.

    The loss before training is that of the initial parameters on the first
    rows of the data (``Trainer._probe_loss``): what a network that has learned
    nothing scores, ln 2 = 0.69 for two balanced classes and a small
    initialisation. Training that works stays below it after the first epoch,
    give or take noise of some tens of per cent (the spirals, XOR and MNIST
    recipes and tests never come near 10 times). Ten times the untrained loss
    means the updates threw the network far from anything it started with, while
    the loss stayed finite so nothing else stops the run: the signature of a
    learning rate that is too high (tanh or Adam at 1e6 reach 1e7 to 6e19 and end
    at chance). A run that started from a perfect fit (loss 0), or whose initial
    loss is unknown, is not judged.
    """
    if initial_loss is None or not math.isfinite(initial_loss) or initial_loss <= 0:
        return False
    return loss > EXPLOSION_FACTOR * initial_loss


def explosion_warning(record: EpochRecord, initial_loss: float) -> str:
    """The warning for an epoch whose loss ``exploded`` (said once per run)."""
    return (
        f"epoch {record.epoch}: the training loss rose from {initial_loss:.2g} (before "
        f"training) to {record.loss:.2g}: the learning rate "
        f"({record.learning_rate:g}) is probably too high"
    )


def describe_position(epochs_done: int, batch: int, n_batches: int) -> str:
    """Where a run is, the one way every message says it: ``epoch 3`` when 3 epochs
    are done, ``epoch 4, batch 17 of 422`` when 17 batches of the 4th are."""
    if batch:
        return f"epoch {epochs_done + 1}, batch {batch} of {n_batches}"
    return f"epoch {epochs_done}"
