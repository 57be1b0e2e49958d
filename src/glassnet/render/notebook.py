"""Jupyter: an example, a trace or an explanation displays as the page of its update.

The records' ``_repr_html_`` and ``_repr_markdown_`` ask ``glassnet.display``;
this module registers the drawing there (``import glassnet`` imports it). HTML is
the interactive page as one ``<div>`` (``render.html.render_fragment``); Markdown,
for notebooks that do not show HTML, is ``render.markdown``'s page, or the
terminal text in a code block without it. The renderers are imported when a
record is first shown, so ``import glassnet`` does not load them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glassnet import display

if TYPE_CHECKING:
    from glassnet.explanation import Explanation


def html(record: object) -> str:
    """The interactive page of ``record``'s update as one ``<div>`` for a notebook cell."""
    from glassnet.render.html import render_fragment

    return render_fragment(explanation_of(record))


def markdown(record: object) -> str:
    """Markdown of ``record``'s update; plain text in a code block without the renderer."""
    from glassnet.render.html import notebook_markdown

    return notebook_markdown(explanation_of(record))


def explanation_of(record: object) -> Explanation:
    """The explanation a record displays as: an example's update, a trace, itself."""
    from glassnet.example import Example
    from glassnet.explanation import Explanation, explain, explain_example
    from glassnet.trace import Trace

    if isinstance(record, Explanation):
        return record
    if isinstance(record, Trace):
        return explain(record, record.example)
    if isinstance(record, Example):
        return explain_example(record)
    raise TypeError(f"glassnet cannot display a {type(record).__name__}")


display.register("html", html)
display.register("markdown", markdown)
