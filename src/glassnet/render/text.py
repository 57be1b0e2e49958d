"""Plain text for the terminal: each step as ``lhs = formula = numbers = value``.

>>> from glassnet.examples import load_example
>>> from glassnet.explanation import explain_example
>>> text = render_text(explain_example(load_example("mazur")))
>>> "net_h1 = w1 · i1 + w2 · i2 + b1 · 1" in text
True
"""

from __future__ import annotations

import math
import sys

import numpy as np
from numpy.typing import NDArray

from glassnet.explanation import Explanation, Section, Step
from glassnet.explanation.model import Rich
from glassnet.formula import (
    Add,
    Call,
    Cond,
    Div,
    Expr,
    Group,
    Hadamard,
    Matrix,
    Mul,
    Neg,
    Num,
    Partial,
    Pow,
    Sub,
    Sym,
)
from glassnet.render.wrap import (
    DEFAULT_WIDTH,
    deepen,
    literal,
    mark,
    unmarked,
    wrap_marked,
    wrap_prose,
)

SUPERSCRIPT_2 = "²"
#: The separators a line may break at, marked for glassnet.render.wrap.
EQUALS = mark(0, " = ")
PLUS = mark(1, " + ")
MINUS = mark(1, " - ")
TIMES = mark(2, " · ")
HADAMARD = mark(2, " ⊙ ")
OVER = mark(2, " / ")
#: Between the words of a note: a line breaks there only when nothing else is left.
WORD = mark(60, " ")


#: Significant digits a float64 carries: 17 tell any two apart; more would print the
#: binary fraction's expansion (0.1 as 0.1000000000000000055511151231257827).
MAX_DIGITS = 17
#: Up to 15 significant digits, any decimal survives the trip through float64 unchanged.
EXACT_DIGITS = 15


def significant_digits(value: float, wanted: int) -> int:
    """How many significant digits to print of ``value`` when ``wanted`` are asked for.

    ``wanted`` itself up to 15. Past that, the fewest (at most 17) that give back
    ``value`` exactly: more only print the binary fraction, ``0.05`` as
    ``0.050000000000000003``.
    """
    if wanted <= EXACT_DIGITS or not math.isfinite(value):
        return wanted
    for n in range(EXACT_DIGITS, MAX_DIGITS):
        if n >= wanted or float(f"{value:.{n}g}") == value:
            return n
    return min(wanted, MAX_DIGITS)


def format_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits (no more than it has), without a needless
    exponent."""
    v = float(value)
    text = f"{v:.{significant_digits(v, digits)}g}"
    return "0" if text == "-0" else text


class TextFormatter:
    """Formats a formula tree as one line of plain text.

    :meth:`marked` gives the same text with the places it may wrap marked (see
    :mod:`glassnet.render.wrap`): ``+`` and ``-`` between terms (level 1), ``·``, ``⊙`` and
    ``/`` between factors (level 2), two levels deeper inside each pair of parentheses.
    """

    def __init__(self, digits: int = 9):
        self.digits = digits

    def __call__(self, expr: Expr) -> str:
        return self.format(expr)

    def format(self, e: Expr) -> str:
        return unmarked(self.marked(e))

    def marked(self, e: Expr) -> str:
        if isinstance(e, Num):
            return format_number(e.value, self.digits)
        if isinstance(e, Sym):
            text = e.base if e.sub is None else f"{e.base}_{e.sub}"
            return literal(text) + ("+" if e.updated else "")
        if isinstance(e, Matrix):
            return literal(self.matrix(e))
        if isinstance(e, Partial):
            return f"∂{self.marked(e.top)}/∂{self.marked(e.bottom)}"
        if isinstance(e, Add):
            return PLUS.join(self.operand(t, negative_parens=k > 0) for k, t in enumerate(e.terms))
        if isinstance(e, Sub):
            return self.operand(e.left) + MINUS + self.operand(e.right, negative_parens=True)
        if isinstance(e, Mul):
            return TIMES.join(
                self.operand(f, negative_parens=k > 0, tight=True) for k, f in enumerate(e.factors)
            )
        if isinstance(e, Hadamard):
            return self.operand(e.left, tight=True) + HADAMARD + self.operand(e.right, tight=True)
        if isinstance(e, Div):
            return self.operand(e.top, tight=True) + OVER + self.operand(e.bottom, tight=True)
        if isinstance(e, Neg):
            return "-" + self.operand(e.arg, negative_parens=True, tight=True)
        if isinstance(e, Pow):
            exponent = SUPERSCRIPT_2 if e.exponent == 2 else f"^{e.exponent}"
            return self.operand(e.base, negative_parens=True, tight=True) + exponent
        if isinstance(e, Call):
            return f"{literal(e.name)}({', '.join(deepen(self.marked(a)) for a in e.args)})"
        if isinstance(e, Group):
            return f"({deepen(self.marked(e.body))})"
        if isinstance(e, Cond):
            then, test, otherwise = (self.marked(x) for x in (e.then, e.test, e.otherwise))
            return f"{then}{mark(1, ' if ')}{test} > 0{mark(1, ' else ')}{otherwise}"
        raise TypeError(f"cannot format {e!r}")

    def operand(self, e: Expr, *, negative_parens: bool = False, tight: bool = False) -> str:
        """An operand, in parentheses where the reader would misread it otherwise."""
        text = self.marked(e)
        compound = (Add, Sub, Cond) + ((Mul, Div, Hadamard) if tight else ())
        if isinstance(e, compound) or (isinstance(e, Neg) and tight):
            return f"({deepen(text)})"
        if negative_parens and text.startswith("-"):
            return f"({deepen(text)})"
        return text

    def matrix(self, e: Matrix) -> str:
        if e.base in ("X", "T"):
            text = e.base
        elif e.base == "f'":
            text = f"f'(net^({e.layer}))"
        elif e.base.endswith("+"):
            text = f"{e.base[:-1]}^({e.layer})+"
        else:
            text = f"{e.base}^({e.layer})"
        return text + ("ᵀ" if e.transpose else "")


def rich_text(plain: str, parts: Rich, fmt: TextFormatter) -> str:
    """A title or an introduction, its formulas written as every step writes them."""
    if not parts:
        return plain
    return "".join(part if isinstance(part, str) else " = ".join(map(fmt, part)) for part in parts)


def format_array(
    values: NDArray[np.floating], digits: int, indent: str, width: int | None = DEFAULT_WIDTH
) -> str:
    """A matrix summarised like NumPy does, first and last rows and columns only."""
    array = np.atleast_1d(values)
    text = np.array2string(
        array,
        max_line_width=sys.maxsize if width is None else max(width - len(indent), 20),
        threshold=36,
        edgeitems=3,
        formatter={"float_kind": lambda v: format_number(v, min(digits, 6))},  # type: ignore[arg-type]
    )
    return "\n".join(indent + line for line in text.splitlines())


def hang_under(indent: str, lhs: str, width: int | None) -> int:
    """Where continuation lines start: under the first ``=``, unless that is past mid-line."""
    column = len(indent) + len(lhs) + 1
    if width is not None and column > width // 2:
        return len(indent) + 4
    return column


def render_step(
    step: Step, fmt: TextFormatter, indent: str = "  ", width: int | None = DEFAULT_WIDTH
) -> list[str]:
    """A step as ``lhs = formula = numbers = value``, wrapped to ``width`` (None: one line)."""
    # A long name (a share through net_o1: ∂E_total/∂net_o1 · ∂net_o1/∂out_h1) may break
    # at its own · in a narrow terminal.
    lhs = fmt.marked(step.lhs)
    note = mark(1, "   ") + f"({WORD.join(literal(step.note).split(' '))})" if step.note else ""
    hang = hang_under(indent, unmarked(lhs), width)
    if isinstance(step.value, np.ndarray) and step.value.ndim > 0:
        shape = " × ".join(str(n) for n in step.value.shape)
        head = indent + lhs + (EQUALS + fmt.marked(step.formula) if step.formula else "")
        head += mark(1, "   ") + f"[{shape}]" + note
        array = format_array(step.value, fmt.digits, indent + "  ", width)
        return [*wrap_marked(head, width, hang), *array.splitlines()]
    parts = [fmt.marked(p) for p in (step.formula, step.numbers) if p is not None]
    value = format_number(float(step.shown), fmt.digits)
    if parts and unmarked(parts[-1]) == value:
        parts.pop()
    return wrap_marked(indent + EQUALS.join([lhs, *parts, value]) + note, width, hang)


def render_given(
    section: Section, fmt: TextFormatter, width: int | None = DEFAULT_WIDTH
) -> list[str]:
    """Given values, as many to a line as fit."""
    lines = []
    for block in section.blocks:
        lines += wrap_prose(block.title, width)
        items = []
        for step in block.steps:
            if isinstance(step.value, np.ndarray) and step.value.ndim > 0:
                lines += render_step(step, fmt, width=width)
                continue
            item = f"{fmt(step.lhs)} = {format_number(float(step.value), fmt.digits)}"
            items.append(literal(item + (f" ({step.note})" if step.note else "")))
        if items:
            lines += wrap_marked("  " + mark(1, "   ").join(items), width, 2)
    return lines


def render_text(
    explanation: Explanation, *, digits: int = 9, width: int | None = DEFAULT_WIDTH
) -> str:
    """The whole explanation as text, its lines at most ``width`` wide (None: unwrapped).

    Lines break only between the parts of a step, between terms or factors, between given
    values and between words, never inside a number or a name (see :mod:`glassnet.render.wrap`).
    """
    fmt = TextFormatter(digits)
    trace = explanation.trace
    network = trace.network
    lines = []
    if explanation.title:
        lines += wrap_prose(explanation.title, width)
    credit = " — ".join(x for x in (explanation.source, explanation.url) if x)
    if credit:
        lines += wrap_prose(credit, width)
    if explanation.description:
        lines += wrap_prose(explanation.description, width)
    layers = ", ".join(
        f"{network.names.layer(k)} {layer.activation.name}"
        for k, layer in enumerate(network.layers)
    )
    sizes = "-".join(str(n) for n in network.sizes)
    lines += wrap_prose(f"network {sizes}: {layers}", width)
    lines += wrap_prose(
        f"loss {network.loss.name}, {network.batch_reduction} over "
        f"{trace.n_samples} sample{'s' if trace.n_samples > 1 else ''}; "
        f"learning rate η = {format_number(trace.learning_rate, digits)}",
        width,
    )
    if explanation.matrix_form:
        lines += wrap_prose(
            "(too large to show neuron by neuron: shown per layer in matrix form)", width
        )
    for section in explanation.sections:
        lines += ["", f"== {section.title} =="]
        if section.intro:
            lines += wrap_prose(rich_text(section.intro, section.intro_math, fmt), width)
        if section.kind == "given":
            lines += render_given(section, fmt, width)
            continue
        for block in section.blocks:
            lines += wrap_prose(rich_text(block.title, block.title_math, fmt), width)
            for step in block.steps:
                lines += render_step(step, fmt, width=width)
    return "\n".join(lines) + "\n"
