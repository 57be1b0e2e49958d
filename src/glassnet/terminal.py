"""Text on its way to a terminal: user-given names can hold control characters.

A name from a file (``"net_\\u001b[2Jh1"``) printed raw could clear the screen,
move the cursor or hide the rest of a message. ``printable`` writes every C0 and
C1 control character (U+0000–U+001F, U+007F, U+0080–U+009F) except newline and
tab as ``\\xNN``, the way Python's ``repr`` does, and leaves everything else
(letters of any script, ``∂``, ``η``, emoji) as it is.

>>> printable("net_\\x00h1"), printable("\\x1b[2J"), printable("δ_o1\\tok")
('net_\\\\x00h1', '\\\\x1b[2J', 'δ_o1\\tok')
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with C0/C1 control characters (not ``\\n``, ``\\t``) written as ``\\xNN``."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match[0]):02x}", text)
