"""Wrapping text lines to a width, only where the renderer said a line may break.

The text renderer marks each place a line may break with :func:`mark`: the ``=`` between the
parts of a step, the ``+``, ``-`` and ``·`` between the terms and factors of a formula, the gaps
between given values. Numbers and names carry no marks, so they are never split. A line that is
too wide breaks at its lowest-level marks first (level 0: the ``=`` of a step, all at once;
then greedily ``+`` before ``·`` before anything inside parentheses). The separator's spaces
around the break go; the continuation line starts with the hanging indent (under the first
``=``) and the operator::

    net_o1 = w5 · out_h1 + w6 · out_h2 + b2 · 1
           = 0.4 · 0.593269992 + 0.45 · 0.596884378 + 0.6 · 1
           = 1.10590597

so joining each continuation line to the line before, its indent replaced by the space the
break removed, gives back the unwrapped line exactly.
"""

from __future__ import annotations

import os
import sys
import textwrap
from dataclasses import dataclass
from typing import TextIO

#: Starts a mark: the level (one character) and the separator follow, then END.
BREAK = "\x1f"
END = "\x1e"
#: Width of a file, or of a terminal that cannot say.
DEFAULT_WIDTH = 80


def literal(text: str) -> str:
    """User text (a name) that holds no mark: the two mark characters written as the escapes
    ``\\x1f`` and ``\\x1e``, as ``glassnet.terminal.printable`` shows control characters."""
    return text.replace(BREAK, "\\x1f").replace(END, "\\x1e")


def mark(level: int, separator: str) -> str:
    """``separator``, marked as a place to break at ``level`` (0 breaks first)."""
    return f"{BREAK}{chr(ord('0') + level)}{separator}{END}"


def deepen(text: str) -> str:
    """``text`` put inside parentheses: each of its marks two levels deeper, so that a line
    breaks at the ``+`` and the ``·`` outside the parentheses before any inside them."""
    pieces = text.split(BREAK)
    return BREAK.join([pieces[0], *(chr(ord(p[0]) + 2) + p[1:] for p in pieces[1:])])


def unmarked(text: str) -> str:
    """``text`` as it reads unwrapped: every separator in place, no marks."""
    return _flat("", _segments(text))


@dataclass(frozen=True)
class Segment:
    """Text that follows a mark (``level`` None for the line's first text)."""

    level: int | None
    separator: str
    text: str


def _segments(text: str) -> list[Segment]:
    first, *rest = text.split(BREAK)
    segments = [Segment(None, "", first)]
    for piece in rest:
        separator, after = piece[1:].split(END, 1)
        segments.append(Segment(ord(piece[0]) - ord("0"), separator, after))
    return segments


def _flat(head: str, segments: list[Segment]) -> str:
    return head + segments[0].text + "".join(s.separator + s.text for s in segments[1:])


def wrap_marked(line: str, width: int | None, hang: int) -> list[str]:
    """One marked line as lines at most ``width`` wide (wider only where no mark allows a break).

    Continuation lines are indented by ``hang`` spaces; ``width`` None leaves the line whole.
    """
    segments = _segments(line)
    if width is None:
        return [_flat("", segments)]
    return _layout("", segments, width, " " * hang)


def _layout(
    head: str, segments: list[Segment], width: int, hang: str, above: int = -1
) -> list[str]:
    """``head`` and ``segments`` as lines, breaking only at marks deeper than level ``above``."""
    flat = _flat(head, segments)
    levels = [s.level for s in segments[1:] if s.level is not None and s.level > above]
    if len(flat) <= width or not levels:
        return [flat]
    level = min(levels)
    groups: list[list[Segment]] = [[segments[0]]]
    for segment in segments[1:]:
        if segment.level == level:
            groups.append([segment])
        else:
            groups[-1].append(segment)
    # A step's name keeps its first part ("net_o1 = w5 · out_h1 + ..."), unless not even the
    # part's first term fits beside it.
    if level == 0 and len(_flat(head, groups[0] + groups[1][:1])) <= width:
        groups[:2] = [groups[0] + groups[1]]
    lines: list[str] = []
    current_head, current = head, groups[0]
    for group in groups[1:]:
        # Level 0 (the "=" of a step) puts every part on its own line once one must move.
        if level > 0 and len(_flat(current_head, current + group)) <= width:
            current = current + group
            continue
        lines += _layout(current_head, current, width, hang, level)
        current_head = hang + group[0].separator.lstrip()
        current = [Segment(None, "", group[0].text), *group[1:]]
    return lines + _layout(current_head, current, width, hang, level)


def wrap_prose(text: str, width: int | None) -> list[str]:
    """A sentence or heading, broken at spaces only (a URL stays whole)."""
    if width is None:
        return text.splitlines() or [""]
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(
            paragraph, width, break_long_words=False, break_on_hyphens=False
        ) or [""]
    return lines


def terminal_width(stream: TextIO | None = None) -> int:
    """The width to wrap to: ``$COLUMNS`` if set, else the terminal's, else 80 (piped output).

    Like :func:`shutil.get_terminal_size`, but asks the stream being written (``sys.stdout``
    by default) rather than the process's original one.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = sys.stdout if stream is None else stream
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):
        pass
    return DEFAULT_WIDTH
