"""Reading TOML files, with every failure as one ``GlassnetError`` line naming the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from glassnet.errors import GlassnetError


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's contents; a missing or unreadable file is a ``GlassnetError``."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GlassnetError("no such file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise GlassnetError(f"cannot read: {error}", source=str(path)) from None


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error names ``source`` and the line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise GlassnetError(f"TOML syntax error: {error}", source=source) from None
    except ValueError as error:  # tomllib lets Python's 4300-digit integer limit through
        raise GlassnetError(f"cannot read a number: {error}", source=source) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read and parse a TOML file."""
    return parse_toml(read_text(path), source=str(path))
