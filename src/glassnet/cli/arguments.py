"""Argument types shared by the commands."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A whole number >= 1, for options such as ``--steps`` and ``--digits``."""
    return _whole_number(text, 1)


def nonnegative_int(text: str) -> int:
    """A whole number >= 0, for options such as ``--seed`` and ``--min-digits``."""
    return _whole_number(text, 0)


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be >= {least}, got {value}")
    return value
