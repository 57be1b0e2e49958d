"""Renderers: each formats an ``Explanation`` (or a ``Trace``) in one output format.

Renderers format; they do not calculate. Every number they print is read from
the trace the engine recorded. ``render_as(format, explanation)`` picks one by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from glassnet.render.wrap import DEFAULT_WIDTH

if TYPE_CHECKING:
    from glassnet.explanation import Explanation
    from glassnet.trace import Trace

#: The formats ``render_as`` knows: ``glassnet explain --format``'s choices.
FORMATS = ("text", "json", "md", "latex", "html")


def render_as(
    format: str,
    explanation: Explanation,
    *,
    digits: int = 9,
    width: int | None = DEFAULT_WIDTH,
    history: Sequence[Trace] | None = None,
) -> str:
    """``explanation`` in ``format`` (one of ``FORMATS``).

    ``digits`` significant digits (not for json, which writes every number in
    full); ``width`` columns at most for text (``None``: lines are not wrapped);
    ``history``, the traces of successive updates, for html's training view.
    Each renderer module is imported when it is first asked for, so a command
    that renders one format (or none) does not load the others at start-up.
    """
    if format == "text":
        from glassnet.render.text import render_text

        return render_text(explanation, digits=digits, width=width)
    if format == "json":
        from glassnet.render.json import render_json

        return render_json(explanation)
    if format == "md":
        from glassnet.render.markdown import render_markdown

        return render_markdown(explanation, digits=digits)
    if format == "latex":
        from glassnet.render.latex import render_latex

        return render_latex(explanation, digits=digits)
    if format == "html":
        from glassnet.render.html import render_html

        return render_html(explanation, digits=digits, history=history)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
