"""Errors that are the user's to fix, reported as one line without a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glassnet.network import Network


class GlassnetError(Exception):
    """A mistake in user input: a file, a field, or an argument.

    The message names where the mistake is and what was expected, e.g.
    ``mazur.toml: layers[1].weights: expected 2 rows, got 3``.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        self.detail = message
        parts = [p for p in (source, field) if p]
        super().__init__(": ".join([*parts, message]))


class TrainingDivergedError(GlassnetError):
    """The loss became NaN or infinite; ``network`` keeps its last good parameters.

    Where it happened, as its raiser counts: the mini-batch trainer sets
    ``epoch`` and ``batch`` (both from 1), full-batch training (``engine.train``)
    the update ``step`` (from 1) and the ``loss`` it reached.
    """

    network: Network
    epoch: int
    batch: int
    step: int
    loss: float


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, sorted(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
