"""``glassnet.render.render_as``: one function picks a renderer by format name."""

from __future__ import annotations

import pytest

from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.render import FORMATS, render_as
from glassnet.render.html import render_html
from glassnet.render.json import render_json
from glassnet.render.latex import render_latex
from glassnet.render.markdown import render_markdown
from glassnet.render.text import render_text


def test_each_format_is_its_renderer() -> None:
    example = load_example("mazur")
    explanation = explain_example(example)
    assert render_as("text", explanation, digits=5, width=60) == render_text(
        explanation, digits=5, width=60
    )
    assert render_as("text", explanation, width=None) == render_text(explanation, width=None)
    assert render_as("json", explanation) == render_json(explanation)
    assert render_as("md", explanation, digits=4) == render_markdown(explanation, digits=4)
    assert render_as("latex", explanation) == render_latex(explanation)
    history = example.traces(3)
    # The page embeds no random ids, so the same input gives the same page.
    assert render_as("html", explanation, history=history) == render_html(
        explanation, history=history
    )
    assert FORMATS == ("text", "json", "md", "latex", "html")


def test_an_unknown_format_is_named() -> None:
    explanation = explain_example(load_example("mazur"))
    expected = "format must be one of text, json, md, latex, html, got 'pdf'"
    with pytest.raises(ValueError, match=expected):
        render_as("pdf", explanation)
