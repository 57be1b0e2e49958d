"""``glassnet.terminal.printable``: control characters in user text, escaped for a terminal."""

from __future__ import annotations

import pytest

from glassnet.terminal import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("net_h1", "net_h1"),
        ("net_\x00h1", "net_\\x00h1"),
        ("\x1b[2J", "\\x1b[2J"),  # clear screen: shown, not obeyed
        ("a\rb", "a\\x0db"),  # a carriage return would overwrite the start of the line
        ("\x7f", "\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),  # C1: next line, control sequence introducer
        ("line\nnext\tcell", "line\nnext\tcell"),  # newline and tab stay
        ("δ_o1 ∂E/∂w5 η 日本 \u00a0", "δ_o1 ∂E/∂w5 η 日本 \u00a0"),  # printable Unicode stays
        ("back\\slash", "back\\slash"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_every_control_character_is_escaped() -> None:
    controls = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t"]
    assert printable("".join(controls)) == "".join(f"\\x{ord(c):02x}" for c in controls)
    assert all(c.isprintable() for c in printable("".join(controls)))
