"""Moodle XML: one category for the exercise, one Cloze question per student's variant.

Every asked value is a blank ``{1:NUMERICAL:=VALUE:TOLERANCE#FEEDBACK}`` whose
feedback is the explanation's step with the numbers filled in; the teacher draws
one question per student with Moodle's *random question* from the category.
Inside a Cloze blank ``} # ~ / " \\`` are escaped with a backslash (Moodle's
rule), and the question text is HTML inside CDATA.
"""

from __future__ import annotations

import html
from xml.sax.saxutils import escape

from glassnet.teach.questions import Given, Question, given, plain, questions
from glassnet.teach.spec import Spec
from glassnet.teach.variants import Variant

#: The characters Moodle's Cloze syntax needs escaped inside an answer's feedback.
CLOZE_SPECIAL = '\\}#~/"'


def cloze_escape(text: str) -> str:
    """``text`` safe inside a Cloze blank: each of ``} # ~ / " \\`` after a backslash."""
    return "".join("\\" + c if c in CLOZE_SPECIAL else c for c in text)


def blank(question: Question) -> str:
    """``{1:NUMERICAL:=VALUE:TOLERANCE#FEEDBACK}``, worth 1 mark."""
    feedback = cloze_escape(html.escape(question.working, quote=False))
    return f"{{1:NUMERICAL:={plain(question.value)}:{plain(question.tolerance)}#{feedback}}}"


def given_html(values: list[Given]) -> str:
    """The given values as one HTML paragraph: ``w1 = 0.15, w2 = 0.2, …``."""
    items = ", ".join(f"{html.escape(g.label)} = {g.text}" for g in values)
    return f"<p>Given: {items}.</p>"


def question_text(spec: Spec, variant: Variant, asked: list[str]) -> str:
    """The HTML of one Cloze question: instructions, the given values, one blank per line."""
    parts = []
    if spec.instructions:
        parts.append(f"<p>{html.escape(spec.instructions)}</p>")
    parts.append(f"<p>{html.escape(_network_line(variant))}</p>")
    parts.append(given_html(given(variant)))
    rows = [
        f"<li>{html.escape(q.label)} = {blank(q)}</li>" for q in questions(variant, asked, spec.ask)
    ]
    parts.append("<ol>\n" + "\n".join(rows) + "\n</ol>")
    return "\n".join(parts)


def _network_line(variant: Variant) -> str:
    network = variant.example.network
    sizes = "-".join(str(n) for n in network.sizes)
    layers = ", ".join(layer.activation.name for layer in network.layers)
    return f"Network {sizes} ({layers}), loss {network.loss.name}."


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def moodle_xml(spec: Spec, variants: list[Variant], asked: list[str]) -> str:
    """The whole ``moodle.xml``: a category question, then one Cloze question per variant."""
    category = f"$course$/top/{spec.title}"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        '  <question type="category">',
        f"    <category><text>{escape(category)}</text></category>",
        "  </question>",
    ]
    for variant in variants:
        name = f"{spec.title} — {variant.student}"
        lines += [
            '  <question type="cloze">',
            f"    <name><text>{escape(name)}</text></name>",
            '    <questiontext format="html">',
            f"      <text>{_cdata(question_text(spec, variant, asked))}</text>",
            "    </questiontext>",
            '    <generalfeedback format="html"><text></text></generalfeedback>',
            "    <penalty>0.3333333</penalty>",
            "    <hidden>0</hidden>",
            f"    <idnumber>{escape(variant.student)}</idnumber>",
            "  </question>",
        ]
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
