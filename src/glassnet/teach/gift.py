"""GIFT (``gift.txt``): one numeric question ``{#VALUE:TOLERANCE}`` per asked value and variant.

GIFT holds one answer per question, so each variant is a category
(``$CATEGORY: TITLE/STUDENT``) of questions that repeat the given values. The
characters ``~ = # { } :`` and ``\\`` of the text are escaped with a backslash.
"""

from __future__ import annotations

from glassnet.teach.questions import given, plain, questions
from glassnet.teach.spec import Spec
from glassnet.teach.variants import Variant

GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    """``text`` safe in a GIFT question: each of ``~ = # { } : \\`` after a backslash."""
    return "".join("\\" + c if c in GIFT_SPECIAL else c for c in text.replace("\n", " "))


def gift(spec: Spec, variants: list[Variant], asked: list[str]) -> str:
    """The whole ``gift.txt``."""
    blocks = []
    for variant in variants:
        values = ", ".join(f"{g.label} = {g.text}" for g in given(variant))
        intro = f"{spec.instructions} " if spec.instructions else ""
        # A category line is a path, not question text: only its "/" and line breaks matter.
        title = " ".join(spec.title.replace("/", "-").split())
        lines = [f"$CATEGORY: {title}/{variant.student}", ""]
        for number, q in enumerate(questions(variant, asked, spec.ask), 1):
            name = gift_escape(f"{variant.student} {number} {q.key}")
            text = gift_escape(f"{intro}Given {values}. What is {q.label}?")
            lines += [f"::{name}:: {text} {{#{plain(q.value)}:{plain(q.tolerance)}}}", ""]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
