"""One trial of a search, as a Dask task runs it on a worker: train, measure, report.

``run_trial`` gets the trial's training file (the search's file with the
trial's settings applied, already parsed) and the data splits the worker holds
(scattered once to every worker, see ``glassnet.search.runner``), trains
exactly as ``glassnet train`` would (``glassnet.run.build_trainer``, no
checkpoints, no progress output) and returns a ``TrialResult``. The metric is
the validation figure of the epoch the network ends with: the best epoch when
early stopping restores it (``restore_best``), else the last.

A trial that fails for a reason of its own (a divergence, settings that do not
fit the data, no memory for the network) returns a failed result with that
reason in one line; the search goes on.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.data import Splits
from glassnet.errors import GlassnetError
from glassnet.network import Network
from glassnet.run import build_trainer, fit_splits
from glassnet.training import EpochRecord, History
from glassnet.training_file import config_from_document

#: The figures a trial reports, in the order search.csv lists them.
FIGURES = ("epochs", "val_loss", "val_accuracy", "seconds")


@dataclass
class TrialResult:
    """How trial ``trial`` with ``settings`` went: ``status`` ``ok`` or ``failed`` (with a
    one-line ``reason``), the epochs trained, the validation figures the metric reads, the
    wall ``seconds`` and the ``worker`` that ran it. ``network`` is the trained network
    (only while it travels back to the client; search.json does not hold it)."""

    trial: int
    settings: dict[str, Any]
    status: str
    epochs: int | None = None
    stopped: str | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    seconds: float = 0.0
    worker: str = ""
    reason: str = ""
    network: Network | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def metric(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "settings": self.settings,
            "status": self.status,
            "epochs": self.epochs,
            "stopped": self.stopped,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "seconds": self.seconds,
            "worker": self.worker,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialResult:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "network"})


def failed(trial: int, settings: dict[str, Any], reason: str, **figures: Any) -> TrialResult:
    """A failed trial; ``reason`` is kept to its first line."""
    first = (reason.strip().splitlines() or ["failed"])[0]
    return TrialResult(trial, settings, "failed", reason=first, **figures)


def run_trial(
    trial: int, settings: dict[str, Any], document: dict[str, Any], path: str, splits: Splits
) -> TrialResult:
    """Train trial ``trial`` of a search on ``splits`` (see the module); never raises for
    the trial's own failures."""
    started = time.perf_counter()
    worker = where()
    align(splits)
    try:
        config = config_from_document(document, path=Path(path))
        train = splits.train
        network = config.build_network(train.n_features, train.n_targets, task=train.task)
        trainer = build_trainer(config, network, config.build_optimizer(), config.build_schedule())
        history = fit_splits(trainer, splits)
    except (GlassnetError, MemoryError) as error:
        reason = str(error) if isinstance(error, GlassnetError) else "out of memory"
        return failed(trial, settings, reason, seconds=time.perf_counter() - started,
                      worker=worker)  # fmt: skip
    early = config.early_stopping
    record = final_record(history, restored=early is not None and early.restore_best)
    return TrialResult(
        trial,
        settings,
        "ok",
        epochs=len(history.records),
        stopped=history.stopped,
        val_loss=record.val_loss,
        val_accuracy=record.val_accuracy,
        seconds=time.perf_counter() - started,
        worker=worker,
        network=network,
    )


def align(splits: Splits) -> None:
    """Give every array of ``splits`` the alignment of its dtype, copying (in place, once
    per worker) those that lack it.

    Dask hands a worker scattered arrays as views of the bytes it received, which may
    start at any address: a float32 ``X`` that is not 4-byte aligned takes NumPy's slow
    unaligned paths (gathering MNIST batches from one was 250 times slower, a whole trial
    about 15 times). The worker keeps one copy of the scattered data for all its trials,
    so the first trial's copy serves the rest.
    """
    for dataset in (splits.train, splits.validation, splits.test):
        if dataset is None:
            continue
        if not dataset.X.flags.aligned:
            dataset.X = np.require(dataset.X, requirements=["C", "A"])
        if not dataset.y.flags.aligned:
            dataset.y = np.require(dataset.y, requirements=["C", "A"])


def final_record(history: History, *, restored: bool) -> EpochRecord:
    """The record of the epoch whose parameters the network ends with: the best
    epoch when early stopping ``restored`` it, else the last epoch."""
    if restored and history.best_epoch is not None:
        return history.records[history.best_epoch - 1]
    return history.records[-1]


def where() -> str:
    """``host:pid`` of the process running the trial, for the table and search.csv."""
    return f"{socket.gethostname()}:{os.getpid()}"
