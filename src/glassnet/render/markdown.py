"""Markdown with TeX math, for a course page or a notebook.

The same content, in the same order, as the terminal explanation: each step a
display equation ``$$lhs = formula = numbers = value$$`` (long steps one ``=``
per row, in ``aligned``). Math is written for MathJax and KaTeX (GitHub,
Jupyter, MkDocs, Pandoc). Every user-supplied string is escaped: outside math
so that Markdown and HTML read it as text, inside math by ``TexFormatter``.

>>> from glassnet.examples import load_example
>>> from glassnet.explanation import explain_example
>>> md = render_markdown(explain_example(load_example("mazur")))
>>> r"$$w_{5}^{+} = w_{5} - \\eta \\cdot" in md
True
"""

from __future__ import annotations

import re
import unicodedata

from glassnet.explanation import Explanation, Section, Step
from glassnet.explanation.model import Rich
from glassnet.render.tex import Row, TexFormatter, equation_rows, is_array, rich_tex

#: Characters that Markdown may read as markup, escaped with a backslash.
MARKDOWN_SPECIAL = set("\\`*_{}[]#|$~^!")
#: Characters that HTML reads as markup, written as entities.
HTML_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
#: A URL that is safe as an autolink: http(s), no spaces, quotes or angle brackets.
SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+")


def escape_markdown(text: str) -> str:
    """User text as one line of Markdown that shows exactly these characters.

    >>> escape_markdown("<script>alert(1)</script> a_b")
    '&lt;script&gt;alert(1)&lt;/script&gt; a\\\\_b'
    """
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    text = " ".join(text.split())
    out = "".join(HTML_ENTITIES.get(c) or ("\\" + c if c in MARKDOWN_SPECIAL else c) for c in text)
    # A line may not start as a list item, a numbered item or a heading underline.
    out = re.sub(r"^(\d+)([.)])", r"\1\\\2", out)
    if out[:1] in ("-", "+", "="):
        out = "\\" + out
    return out


def escape_words(text: str) -> str:
    """Words between formulas: escaped, keeping a space at either end."""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() and text.strip() else ""
    return lead + escape_markdown(text) + trail


def rich_markdown(plain: str, parts: Rich, fmt: TexFormatter) -> str:
    """A title or an introduction, its formulas as math (``plain`` when it has none)."""
    return rich_tex(parts, fmt, escape_words) if parts else escape_markdown(plain)


def display(rows: list[Row]) -> str:
    """Rows of an equation as one display-math paragraph."""
    if len(rows) == 1:
        left, right = rows[0]
        return f"$${left} {right}$$"
    body = " \\\\\n".join(f"{left} &{right}".lstrip() for left, right in rows)
    return f"$$\\begin{{aligned}}\n{body}\n\\end{{aligned}}$$"


def render_step(step: Step, fmt: TexFormatter) -> list[str]:
    lines = ["", display(equation_rows(step, fmt))]
    if step.note:
        lines += ["", f"*{escape_markdown(step.note)}*"]
    return lines


def render_given(section: Section, fmt: TexFormatter) -> list[str]:
    """Given values, a paragraph per block; arrays (matrix form) as displays."""
    lines = []
    for block in section.blocks:
        items, displays = [], []
        for step in block.steps:
            if is_array(step.value):
                displays += render_step(step, fmt)
                continue
            item = f"${fmt(step.lhs)} = {fmt.number(float(step.value))}$"
            if step.note:
                item += f" ({escape_markdown(step.note)})"
            items.append(item)
        title = f"**{escape_markdown(block.title)}**"
        lines += ["", (f"{title}: " + ", ".join(items)) if items else title]
        lines += displays
    return lines


def render_header(explanation: Explanation, fmt: TexFormatter) -> list[str]:
    """Title, source, description and the network, as the terminal's first lines."""
    trace = explanation.trace
    network = trace.network
    lines = []
    if explanation.title:
        lines += [f"# {escape_markdown(explanation.title)}", ""]
    credit = [escape_markdown(explanation.source)] if explanation.source else []
    if explanation.url:
        url = explanation.url.strip()
        credit.append(f"<{url}>" if SAFE_URL.fullmatch(url) else escape_markdown(url))
    if credit:
        lines += [" — ".join(credit), ""]
    if explanation.description:
        lines += [escape_markdown(explanation.description), ""]
    layers = ", ".join(
        f"{network.names.layer(k)} {layer.activation.name}"
        for k, layer in enumerate(network.layers)
    )
    sizes = "-".join(str(n) for n in network.sizes)
    n = trace.n_samples
    lines.append(f"- network {sizes}: {escape_markdown(layers)}")
    lines.append(
        f"- loss {escape_markdown(network.loss.name)}, {network.batch_reduction} over {n} "
        f"sample{'s' if n > 1 else ''}; learning rate $\\eta = {fmt.number(trace.learning_rate)}$"
    )
    if explanation.matrix_form:
        lines += ["", "*(too large to show neuron by neuron: shown per layer in matrix form)*"]
    return lines


def render_markdown(explanation: Explanation, *, digits: int = 9) -> str:
    """The whole explanation as Markdown with ``$…$`` and ``$$…$$`` math."""
    fmt = TexFormatter(digits, target="markdown")
    lines = render_header(explanation, fmt)
    for section in explanation.sections:
        lines += ["", f"## {escape_markdown(section.title)}"]
        if section.intro:
            lines += ["", rich_markdown(section.intro, section.intro_math, fmt)]
        if section.kind == "given":
            lines += render_given(section, fmt)
            continue
        for block in section.blocks:
            lines += ["", f"### {rich_markdown(block.title, block.title_math, fmt)}"]
            for step in block.steps:
                lines += render_step(step, fmt)
    return "\n".join(lines) + "\n"
