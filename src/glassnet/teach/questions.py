"""A variant as questions: what is given, what is asked, the exact answers and their working.

Every platform format (Moodle, GIFT, Canvas, PrairieLearn, the LaTeX sheets) is
written from these records; the numbers are the engine's, read from the
variant's explanation (``glassnet.claims.Quantities``), and the working is the
explanation's own step rendered as one line of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from glassnet.render.text import TextFormatter, format_number, render_step
from glassnet.teach.spec import AskSpec
from glassnet.teach.variants import Variant, tolerance


@dataclass(frozen=True)
class Given:
    """A given value: its check name, how it is printed (``w5``, ``η``), its value."""

    key: str
    label: str
    value: float

    @property
    def text(self) -> str:
        """The value as drawn (``0.35``): the shortest text that reads back as it."""
        return plain(self.value)


@dataclass(frozen=True)
class Question:
    """One asked value: its check name, label (``∂E_total/∂w5``), exact value, tolerance,
    and the working ``lhs = formula = numbers = value`` (empty for ``NAME@N``)."""

    key: str
    label: str
    value: float
    tolerance: float
    working: str


def plain(value: float) -> str:
    """A float written out in positional notation, exactly as its shortest repr
    (``1e-05`` -> ``0.00001``): what every platform reads as a number."""
    text = format(Decimal(repr(float(value))), "f")
    return "0" if text in ("-0", "0") else text


def given(variant: Variant) -> list[Given]:
    """The given values of a variant, in the explanation's order."""
    fmt = TextFormatter(9)
    steps = variant.steps
    return [Given(key, fmt(steps[key].lhs), value) for key, value in variant.given().items()]


def questions(
    variant: Variant, asked: list[str], ask: AskSpec, *, digits: int = 9
) -> list[Question]:
    """The asked values of a variant with their answers (``digits``: the working's digits).

    Kept in ``variant.cache``: every format asks for them.
    """
    key = ("questions", tuple(asked), ask.digits, ask.tolerance, digits)
    if key not in variant.cache:
        variant.cache[key] = _questions(variant, asked, ask, digits)
    found: list[Question] = variant.cache[key]
    return found


def _questions(variant: Variant, asked: list[str], ask: AskSpec, digits: int) -> list[Question]:
    fmt = TextFormatter(digits)
    steps = variant.steps
    values = variant.values(asked)
    found = []
    for key in asked:
        value = values[key]
        step = steps.get(key)
        if step is None:  # NAME@N: no step of the explanation, no formula
            label, working = key, f"{key} = {format_number(value, digits)}"
        else:
            label = fmt(step.lhs)
            working = " ".join(render_step(step, fmt, "", None))
        found.append(Question(key, label, value, tolerance(value, ask), working))
    return found
