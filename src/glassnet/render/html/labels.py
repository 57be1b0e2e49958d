"""Where the diagram's weight labels go, so that no label covers another, a neuron or a bias.

The page's text is measured in advance from the widths of DejaVu Sans Bold
(Linux's usual sans-serif, wider than most; ``text_width``), plus 3%, with
anything unknown taken as one em; each label's box holds the
longest text it will ever show, so a label fits at every step and slider
position. ``place_labels`` then slides each label along its own line, inside
the gap between two columns of neurons, until its box is clear of the others.

>>> round(text_width("w5 0.3589", 15), 1)
90.0
>>> Box(0, 0, 10, 10).overlaps(Box(10, 0, 20, 10)), Box(0, 0, 10, 10).overlaps(Box(9, 0, 20, 10))
(False, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Advance widths of DejaVu Sans Bold in thousandths of an em (regular text is narrower, so
# these are upper bounds).
_WIDTHS = {
    **dict.fromkeys("0123456789", 696),
    ".": 380,
    ",": 380,
    "-": 415,
    "+": 838,
    "=": 838,
    " ": 348,
    "_": 500,
    "(": 457,
    ")": 457,
    "[": 457,
    "]": 457,
    "×": 838,
    "∞": 838,
    "δ": 687,
    "η": 712,
    **dict(
        zip(
            "abcdefghijklm",
            (675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042),
            strict=True,
        )
    ),
    **dict(
        zip(
            "nopqrstuvwxyz",
            (712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582),
            strict=True,
        )
    ),
}
#: Anything else (capitals, other scripts) is taken as one em wide.
_OTHER = 1000
#: Height of a line of text as a fraction of its font size (DejaVu's ascent + descent).
LINE = 1.17
#: Space kept between a label and anything else.
MARGIN = 3.0


def text_width(text: str, size: float) -> float:
    """An upper bound on the width of ``text`` at ``size`` px, bold or not."""
    return size * sum(_em(c) for c in text) * 1.03


def _em(c: str) -> float:
    return _WIDTHS.get(c, _OTHER) / 1000


@dataclass(frozen=True)
class Box:
    """A rectangle, left ``x0`` to right ``x1`` and top ``y0`` to bottom ``y1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def around(cls, x: float, y: float, width: float, height: float) -> Box:
        return cls(x - width / 2, y - height / 2, x + width / 2, y + height / 2)

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """Whether the two share area, or come closer than ``gap``."""
        return (
            self.x0 < other.x1 + gap
            and other.x0 < self.x1 + gap
            and self.y0 < other.y1 + gap
            and other.y0 < self.y1 + gap
        )


@dataclass
class Wanted:
    """A label to place on the line from ``start`` to ``end``, ideally at fraction ``prefer``."""

    key: str
    start: tuple[float, float]
    end: tuple[float, float]
    width: float
    height: float
    prefer: float


def place_labels(
    wanted: Sequence[Wanted],
    left: float,
    right: float,
    conflicts: Callable[[str, str], bool],
) -> dict[str, Box] | None:
    """Each label's box on its line between ``left`` and ``right``, clear of the ones it
    ``conflicts`` with; None when some label finds no free place (the gap must grow).

    Positions are tried from the preferred fraction of the way outwards, in steps of
    1/50 of the line, so the result is the same on every run.
    """
    placed: dict[str, Box] = {}
    for label in wanted:
        box = _first_free(
            label, left, right, [b for k, b in placed.items() if conflicts(k, label.key)]
        )
        if box is None:
            return None
        placed[label.key] = box
    return placed


def _first_free(label: Wanted, left: float, right: float, taken: list[Box]) -> Box | None:
    (xa, ya), (xb, yb) = label.start, label.end
    for t in _fractions(label.prefer):
        box = Box.around(xa + t * (xb - xa), ya + t * (yb - ya), label.width, label.height)
        if box.x0 < left + MARGIN or box.x1 > right - MARGIN:
            continue
        if not any(box.overlaps(other, MARGIN) for other in taken):
            return box
    return None


def _fractions(prefer: float, steps: int = 50) -> list[float]:
    """0…1 in ``steps`` steps, nearest to ``prefer`` first."""
    ts = [k / steps for k in range(steps + 1)]
    return sorted(ts, key=lambda t: (abs(t - prefer), t))
