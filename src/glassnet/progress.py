"""Progress reports while training: a bar on a terminal, one line per epoch otherwise.

The trainer calls ``start`` once, ``batch`` after every batch with the running
loss and accuracy of the epoch so far, ``epoch`` with each finished epoch's
record, and ``close`` at the end. ``make_progress("auto")`` picks a rich
progress bar when the stream is an interactive terminal and plain lines
otherwise; ``"quiet"`` reports nothing.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from glassnet.errors import GlassnetError
from glassnet.terminal import printable, raw

if TYPE_CHECKING:
    from glassnet.training.history import EpochRecord

MODES = ("auto", "bar", "lines", "quiet")


class Progress:
    """Reports nothing; the base of the reporters below."""

    def start(self, *, epochs: int, batches: int, first_epoch: int) -> None:
        """Training runs epochs ``first_epoch + 1 … epochs`` of ``batches`` batches each."""

    def batch(self, epoch: int, batch: int, loss: float, accuracy: float | None) -> None:
        """Batch ``batch`` (1-based) of ``epoch`` (1-based) is done; running averages."""

    def epoch(self, record: EpochRecord) -> None:
        """An epoch has finished."""

    def message(self, text: str) -> None:
        """A line for the user (a checkpoint saved, training stopped early)."""

    def close(self) -> None:
        """Training has ended (normally or not)."""


def format_record(record: EpochRecord, epochs: int) -> str:
    """``epoch 3/20  loss 0.1234  accuracy 96.12%  val_loss …  lr 0.1  2.1 s``."""
    parts = [f"epoch {record.epoch}/{epochs}", f"loss {record.loss:.4f}"]
    if record.accuracy is not None:
        parts.append(f"accuracy {100 * record.accuracy:.2f}%")
    if record.val_loss is not None:
        parts.append(f"val_loss {record.val_loss:.4f}")
    if record.val_accuracy is not None:
        parts.append(f"val_accuracy {100 * record.val_accuracy:.2f}%")
    parts.append(f"lr {record.learning_rate:.4g}")
    parts.append(f"{record.seconds:.1f} s")
    return "  ".join(parts)


class LineProgress(Progress):
    """One line per epoch on ``stream`` (stderr by default), for logs and pipes."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.epochs = 0

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def start(self, *, epochs: int, batches: int, first_epoch: int) -> None:
        self.epochs = epochs

    def epoch(self, record: EpochRecord) -> None:
        print(format_record(record, self.epochs), file=self._out(), flush=True)

    def message(self, text: str) -> None:
        print(text, file=self._out(), flush=True)


class BarProgress(Progress):
    """A rich progress bar: epoch, batch, running loss and accuracy; a line per epoch."""

    #: Seconds between redraws; redrawing every batch would slow training.
    interval = 0.1

    def __init__(self, stream: TextIO | None = None):
        from rich.console import Console

        # The bar draws with control sequences, so it writes to the raw stream; text
        # that may come from a file goes through printable() first.
        self.console = Console(file=raw(stream if stream is not None else sys.stderr))
        self.epochs = 0
        self.batches = 0
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0

    def start(self, *, epochs: int, batches: int, first_epoch: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self.epochs, self.batches = epochs, batches
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[metrics]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(
            f"epoch {first_epoch + 1}/{epochs}", total=batches, metrics=""
        )

    def batch(self, epoch: int, batch: int, loss: float, accuracy: float | None) -> None:
        now = time.monotonic()
        if now - self._last < self.interval and batch != self.batches:
            return
        self._last = now
        metrics = f"loss {loss:.4f}"
        if accuracy is not None:
            metrics += f"  acc {100 * accuracy:.2f}%"
        self._bar.update(
            self._task,
            completed=batch,
            description=f"epoch {epoch}/{self.epochs}",
            metrics=metrics,
        )

    def epoch(self, record: EpochRecord) -> None:
        self.console.print(printable(format_record(record, self.epochs)), highlight=False)
        if self._bar is not None:
            self._bar.reset(self._task, total=self.batches, metrics="")

    def message(self, text: str) -> None:
        self.console.print(printable(text), highlight=False, markup=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def make_progress(mode: str = "auto", stream: TextIO | None = None) -> Progress:
    """A reporter: ``bar``, ``lines``, ``quiet``, or ``auto`` (a bar on a terminal)."""
    if mode not in MODES:
        raise GlassnetError(f"progress must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "quiet":
        return Progress()
    if mode == "auto":
        target = stream if stream is not None else sys.stderr
        mode = "bar" if getattr(target, "isatty", lambda: False)() else "lines"
    return BarProgress(stream) if mode == "bar" else LineProgress(stream)
