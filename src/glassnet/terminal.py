"""Text that is safe to show on a terminal.

Names, titles and class labels come from files that anyone can write. Printed raw,
a control character in them is an instruction to the terminal: ``ESC ] 0 ; … BEL``
retitles the window, ``ESC [ 2 J`` clears the screen, a carriage return
overwrites what was printed before. ``printable`` writes every such character as
an escape instead, so the terminal shows it and obeys nothing:

>>> printable("a\\x1b]0;pwned\\x07b")
'a\\\\x1b]0;pwned\\\\x07b'
>>> printable("δ_o1 = 0.1\\tok\\n")
'δ_o1 = 0.1\\tok\\n'

``escaped_output()`` puts every write to ``sys.stdout`` and ``sys.stderr``
through ``printable`` while a command runs, so no command has to remember to.
The progress bar draws with control sequences of its own; it writes to
``raw(stream)``, and passes any text from a file through ``printable`` first.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import TextIO, cast

__all__ = ["EscapingStream", "escaped_output", "printable", "raw"]

# C0 controls but tab and newline, DEL, the C1 controls (U+0080–U+009F: U+009B is a
# one-character CSI on some terminals), and the bidirectional overrides and isolates
# that can make text display in another order than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    # \xNN for the C0 controls, as Python and most tools write them; \u00NN for the
    # rest, which is also a valid escape inside a JSON string.
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u009b``).

    Tab and newline are kept: they only lay text out.
    """
    return _CONTROL.sub(_escape, text)


class EscapingStream:
    """A text stream that passes everything written to it through ``printable``."""

    def __init__(self, stream: TextIO):
        self.raw = stream

    def write(self, text: str) -> int:
        self.raw.write(printable(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        # flush, isatty, fileno, encoding, … are the underlying stream's.
        return getattr(self.raw, name)


def raw(stream: TextIO) -> TextIO:
    """The stream under an ``EscapingStream``, for output that draws with control sequences."""
    while isinstance(stream, EscapingStream):
        stream = stream.raw
    return stream


@contextlib.contextmanager
def escaped_output() -> Iterator[None]:
    """Escape control characters in everything written to stdout and stderr inside the block."""
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, EscapingStream(raw(sys.stdout)))
    sys.stderr = cast(TextIO, EscapingStream(raw(sys.stderr)))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
