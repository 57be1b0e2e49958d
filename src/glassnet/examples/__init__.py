"""The built-in worked examples and ``load_example``.

Each is a TOML file next to this module, in the format of ``docs/example-format.md``:

- ``mazur``: Matt Mazur, "A Step by Step Backpropagation Example" (2015);
- ``hill``: Tobias Hill, "Part 2 – Gradient descent and backpropagation" (2018);
- ``lamsal``: Rabindra Lamsal, "A Step by Step Forward Pass and Backpropagation Example" (2021).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from glassnet.errors import GlassnetError, did_you_mean
from glassnet.example import Example, parse_example, read_example

BUILTIN = ("mazur", "hill", "lamsal")


def example_text(name: str) -> str:
    """The TOML text of a built-in example."""
    return resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def load_example(name_or_path: str | Path) -> Example:
    """A built-in example by name, or an example file by path.

    >>> load_example("mazur").learning_rate
    0.5
    """
    text = str(name_or_path)
    if text in BUILTIN:
        return parse_example(example_text(text), source=f"{text} (built-in)")
    looks_like_path = isinstance(name_or_path, Path) or any(c in text for c in "/\\.")
    if looks_like_path or Path(text).exists():
        return read_example(text)
    hint = did_you_mean(text, BUILTIN)
    raise GlassnetError(
        f"no built-in example {text!r}{hint} (built-in: {', '.join(BUILTIN)}; "
        "or give the path to a .toml file)"
    )
