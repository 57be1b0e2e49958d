"""Reading TOML files, with every failure as one ``GlassnetError`` line naming the file.

A file may start with a UTF-8 byte-order mark (Windows editors write one); it
is skipped. Nesting deeper than ``MAX_DEPTH`` arrays and tables is refused
(Python's ``tomllib`` and ``json`` recurse, and so does code that walks the
result), as one line rather than a ``RecursionError``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from glassnet.errors import GlassnetError

#: Arrays and tables nested more deeply than this are refused.
MAX_DEPTH = 64
BOM = "\ufeff"


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's contents (without a byte-order mark); errors are ``GlassnetError``."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GlassnetError("no such file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise GlassnetError(f"cannot read: {error}", source=str(path)) from None


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error names ``source`` and the line and column."""
    try:
        data = tomllib.loads(text.removeprefix(BOM))
    except tomllib.TOMLDecodeError as error:
        raise GlassnetError(f"TOML syntax error: {error}", source=source) from None
    except RecursionError:
        raise too_deep(source) from None
    except ValueError as error:  # tomllib lets Python's 4300-digit integer limit through
        raise GlassnetError(f"cannot read a number: {error}", source=source) from None
    check_depth(data, source=source)
    return data


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read and parse a TOML file."""
    return parse_toml(read_text(path), source=str(path))


def too_deep(source: str) -> GlassnetError:
    return GlassnetError(
        f"nested too deeply (more than {MAX_DEPTH} levels of arrays and tables)", source=source
    )


def depth(value: Any) -> int:
    """How many lists and dicts are nested in ``value`` (0 for a plain value), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def check_depth(value: Any, *, source: str, limit: int = MAX_DEPTH) -> None:
    """Refuse ``value`` when lists and dicts nest more than ``limit`` deep."""
    if depth(value) > limit:
        raise too_deep(source)
