"""Jupyter display of the records: the entry points they share, filled in by the renderers.

Jupyter shows an object through its ``_repr_html_`` (``_repr_markdown_`` where HTML
is not shown). ``Example``, ``Trace`` and ``Explanation`` are records that sit below
the renderers and must not import them, so their hooks ask here, and
``glassnet.render.notebook`` (imported by ``import glassnet``) registers how each
format is drawn: an example and a trace as the page of their update, like an
explanation.
"""

from __future__ import annotations

from collections.abc import Callable

#: Format ("html", "markdown") -> the function that draws a record in it.
_DRAW: dict[str, Callable[[object], str]] = {}


def register(format: str, draw: Callable[[object], str]) -> None:
    """Draw records in ``format`` with ``draw`` (``glassnet.render.notebook`` does this)."""
    _DRAW[format] = draw


def show(record: object, format: str) -> str:
    """``record`` drawn in ``format``, for its Jupyter hook."""
    return _DRAW[format](record)
