"""Practice mode: ask for every value of one update, in computation order.

An answer is right when it agrees with the exact value at the precision it was
typed with, by the rule of ``glassnet check`` (``glassnet.claims.agreement``):
``0.593`` and ``0.5933`` are both right for 0.593269992. An answer with fewer
than ``min_digits`` significant digits (3) is too coarse to judge, unless it is
the exact value (``0.5`` for η = 0.5): the quiz says so and asks again, so
typing ``0`` and ``1`` never scores. A wrong answer gets the formula with the
numbers filled in, and the quiz goes on with the exact value.
``q`` (or end of input) stops, ``?`` shows the answer, and the score is printed.

``run_quiz`` talks through two functions, ``ask(prompt) -> str`` (raising
``EOFError`` at the end of input) and ``say(text)``, so it can be driven without
a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from glassnet.claims import MIN_DIGITS, agreement, judged, parse_number
from glassnet.errors import GlassnetError
from glassnet.example import Example
from glassnet.explanation import Explanation, Step, explain_example
from glassnet.render.text import (
    TextFormatter,
    format_number,
    render_given,
    render_step,
    rich_text,
)
from glassnet.terminal import printable

QUIT = ("q", "quit", "exit")
SHOW = ("?", "show")


@dataclass
class Score:
    """How a quiz went: answers right and wrong, answers shown, questions not reached."""

    right: int = 0
    wrong: int = 0
    shown: int = 0
    remaining: int = 0

    def __str__(self) -> str:
        answered = self.right + self.wrong
        text = f"score: {self.right} of {answered} right"
        extras = []
        if self.shown:
            extras.append(f"{self.shown} shown")
        if self.remaining:
            extras.append(f"{self.remaining} not asked")
        return text + (f" ({', '.join(extras)})" if extras else "")


def questions(explanation: Explanation) -> list[Step]:
    """The steps to ask for: every computed value, not the given ones nor frozen biases."""
    if explanation.matrix_form:
        raise GlassnetError(
            "the network is too large to quiz neuron by neuron; try a smaller example or "
            "--seed N --shape 2-2-2"
        )
    return explanation.computed_scalars()


def run_quiz(
    example: Example,
    *,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
    digits: int = 9,
    min_digits: int = MIN_DIGITS,
) -> Score:
    """Ask for each value of ``example``'s update in turn; the score.

    An answer with fewer than ``min_digits`` significant digits that is not exact
    is not judged: the question is asked again.
    """
    explanation = explain_example(example)
    fmt = TextFormatter(digits)
    steps = questions(explanation)
    say(_heading(example, explanation, fmt))
    say("Type each value at any precision. ? shows the answer, q (or Ctrl-D) stops.")
    section_of = {
        step.key: section for section in explanation.sections for b in section.blocks
        for step in b.steps
    }  # fmt: skip
    score = Score(remaining=len(steps))
    current = None
    for number, step in enumerate(steps, 1):
        section = section_of[step.key]
        if section is not current:
            current = section
            intro = rich_text(section.intro, section.intro_math, fmt)
            say(f"\n== {section.title} ==" + (f"\n{intro}" if intro else ""))
        value = float(step.value)
        answer = _ask(ask, say, f"[{number}/{len(steps)}] {fmt(step.lhs)} = ", value, min_digits)
        if answer is None:
            break
        score.remaining -= 1
        if answer == "?":
            score.shown += 1
            say("\n".join(render_step(step, fmt, "  ")))
        elif agreement(value, parse_number(answer)) is not None:
            score.right += 1
            note = _precision_note(answer, value)
            say(f"  right{note}: {fmt(step.lhs)} = {format_number(value, digits)}")
        else:
            score.wrong += 1
            say(f"  wrong, not {_short(answer)}:")
            say("\n".join(_working(step, fmt)))
            say(f"  going on with {fmt(step.lhs)} = {format_number(value, digits)}")
    say(f"\n{score}")
    return score


def _ask(
    ask: Callable[[str], str],
    say: Callable[[str], None],
    prompt: str,
    value: float,
    min_digits: int,
) -> str | None:
    """A number precise enough to judge, ``"?"``, or ``None`` to stop; asks again otherwise."""
    while True:
        try:
            text = ask(prompt).strip()
        except (EOFError, KeyboardInterrupt):
            say("")
            return None
        if text.lower() in QUIT:
            return None
        if text.lower() in SHOW:
            return "?"
        if not text:
            continue
        try:
            written = parse_number(text)
        except ValueError as error:
            why = "" if str(error).startswith("expected a number, got") else f": {error}"
            say(f"  {_quoted(text)} is not a number{why} (? shows the answer, q stops)")
            continue
        if not judged(value, written, min_digits):
            say(f"  too coarse to judge (give at least {min_digits} significant digits)")
            continue
        return text


def _quoted(text: str) -> str:
    """``text`` quoted for the terminal (``repr``), shortened in the middle when long."""
    return printable(repr(_shortened(text)))


def _short(text: str) -> str:
    """``text`` for the terminal, shortened in the middle when long."""
    return printable(_shortened(text))


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:18]}…{text[-18:]}"


def _precision_note(answer: str, value: float) -> str:
    """A reminder when an answer was right only because it was short (``--min-digits`` < 3)."""
    written = parse_number(answer)
    if written.significant >= 3 or written.exactly(value):
        return ""
    places = written.decimals
    return f" to the {places} decimal{'s' if places != 1 else ''} you typed"


def _working(step: Step, fmt: TextFormatter) -> list[str]:
    """The step as ``lhs = formula = numbers = value``, or what it is when it has no formula."""
    if step.formula is None:
        value = format_number(float(step.value), fmt.digits)
        return [
            f"    {fmt(step.lhs)} = {value}   (the same forward pass, with the updated parameters)"
        ]
    return render_step(step, fmt, "    ")


def _heading(example: Example, explanation: Explanation, fmt: TextFormatter) -> str:
    network = example.network
    lines = []
    title = " — ".join(x for x in (example.title, example.source) if x)
    if title:
        lines.append(title)
    layers = ", ".join(
        f"{network.names.layer(k)} {layer.activation.name}"
        for k, layer in enumerate(network.layers)
    )
    sizes = "-".join(str(n) for n in network.sizes)
    lines.append(f"network {sizes}: {layers}; loss {network.loss.name}")
    given = next(s for s in explanation.sections if s.kind == "given")
    lines += ["", *render_given(given, fmt)]
    return "\n".join(lines)
