"""Jupyter: an example, a trace and an explanation display as the page of their update."""

from __future__ import annotations

import re

from glassnet.example import parse_example
from glassnet.examples import load_example


def test_an_example_displays_as_the_page_of_its_update() -> None:
    example = load_example("mazur")
    html = example._repr_html_()
    assert html.startswith("<style>") and 'class="glassnet"' in html and "<html" not in html
    assert "A Step by Step Backpropagation Example" in html
    assert "0.35891648" in html  # w5+, as the update computes it
    markdown = example._repr_markdown_()
    assert markdown.startswith("# A Step by Step Backpropagation Example")
    assert "0.35891648" in markdown


def test_a_trace_names_its_example() -> None:
    example = load_example("hill")
    for trace in (example.step(), example.traces(2)[1]):
        assert trace.example is example
        assert "Part 2 - Gradient descent and backpropagation" in trace._repr_html_()
        assert trace._repr_markdown_().startswith("# Part 2 - Gradient descent and backpropagation")
    # The second update's page shows the second update's numbers.
    second = example.traces(2)[1]
    assert f"{second.loss:.9g}" in second._repr_markdown_()


def test_a_trace_of_an_untitled_example_has_no_title() -> None:
    example = parse_example(
        'loss = "sse"\nlearning_rate = 0.1\n[[layers]]\nactivation = "identity"\n'
        "weights = [[0.5]]\n[[samples]]\ninput = [1.0]\ntarget = [2.0]\n"
    )
    markdown = example.step()._repr_markdown_()
    assert not re.match(r"# ", markdown) and "0.5" in markdown
