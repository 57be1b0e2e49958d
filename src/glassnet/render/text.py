"""Plain text for the terminal: each step as ``lhs = formula = numbers = value``.

>>> from glassnet.examples import load_example
>>> from glassnet.explanation import explain_example
>>> text = render_text(explain_example(load_example("mazur")))
>>> "net_h1 = w1 · i1 + w2 · i2 + b1 · 1" in text
True
"""

from __future__ import annotations

import textwrap

import numpy as np
from numpy.typing import NDArray

from glassnet.explanation import Explanation, Section, Step
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

WIDTH = 100
SUPERSCRIPT_2 = "²"


def format_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, without a needless exponent."""
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text


class TextFormatter:
    """Formats a formula tree as one line of plain text."""

    def __init__(self, digits: int = 9):
        self.digits = digits

    def __call__(self, expr: Expr) -> str:
        return self.format(expr)

    def format(self, e: Expr) -> str:
        if isinstance(e, Num):
            return format_number(e.value, self.digits)
        if isinstance(e, Sym):
            text = e.base if e.sub is None else f"{e.base}_{e.sub}"
            return text + ("+" if e.updated else "")
        if isinstance(e, Matrix):
            return self.matrix(e)
        if isinstance(e, Partial):
            return f"∂{self.format(e.top)}/∂{self.format(e.bottom)}"
        if isinstance(e, Add):
            return " + ".join(self.operand(t, negative_parens=k > 0) for k, t in enumerate(e.terms))
        if isinstance(e, Sub):
            return f"{self.operand(e.left)} - {self.operand(e.right, negative_parens=True)}"
        if isinstance(e, Mul):
            return " · ".join(
                self.operand(f, negative_parens=k > 0, tight=True) for k, f in enumerate(e.factors)
            )
        if isinstance(e, Hadamard):
            return f"{self.operand(e.left, tight=True)} ⊙ {self.operand(e.right, tight=True)}"
        if isinstance(e, Div):
            return f"{self.operand(e.top, tight=True)} / {self.operand(e.bottom, tight=True)}"
        if isinstance(e, Neg):
            return "-" + self.operand(e.arg, negative_parens=True, tight=True)
        if isinstance(e, Pow):
            exponent = SUPERSCRIPT_2 if e.exponent == 2 else f"^{e.exponent}"
            return self.operand(e.base, negative_parens=True, tight=True) + exponent
        if isinstance(e, Call):
            return f"{e.name}({', '.join(self.format(a) for a in e.args)})"
        if isinstance(e, Group):
            return f"({self.format(e.body)})"
        if isinstance(e, Cond):
            then, test, otherwise = (self.format(x) for x in (e.then, e.test, e.otherwise))
            return f"{then} if {test} > 0 else {otherwise}"
        raise TypeError(f"cannot format {e!r}")

    def operand(self, e: Expr, *, negative_parens: bool = False, tight: bool = False) -> str:
        """An operand, in parentheses where the reader would misread it otherwise."""
        text = self.format(e)
        compound = (Add, Sub, Cond) + ((Mul, Div, Hadamard) if tight else ())
        if isinstance(e, compound) or (isinstance(e, Neg) and tight):
            return f"({text})"
        if negative_parens and text.startswith("-"):
            return f"({text})"
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


def format_array(values: NDArray[np.floating], digits: int, indent: str) -> str:
    """A matrix summarised like NumPy does, first and last rows and columns only."""
    array = np.atleast_1d(values)
    text = np.array2string(
        array,
        max_line_width=WIDTH - len(indent),
        threshold=36,
        edgeitems=3,
        formatter={"float_kind": lambda v: format_number(v, min(digits, 6))},  # type: ignore[arg-type]
    )
    return "\n".join(indent + line for line in text.splitlines())


def render_step(step: Step, fmt: TextFormatter, indent: str = "  ") -> list[str]:
    lhs = fmt(step.lhs)
    note = f"   ({step.note})" if step.note else ""
    if isinstance(step.value, np.ndarray) and step.value.ndim > 0:
        shape = " × ".join(str(n) for n in step.value.shape)
        head = f"{indent}{lhs}" + (f" = {fmt(step.formula)}" if step.formula else "")
        return [f"{head}   [{shape}]{note}", format_array(step.value, fmt.digits, indent + "  ")]
    exprs = [p for p in (step.formula, step.numbers) if p is not None]
    parts = [fmt(p) for p in exprs]
    value = format_number(float(step.value), fmt.digits)
    if parts and parts[-1] == value:
        parts.pop()
    chain = [lhs, *parts, value]
    line = indent + " = ".join(chain) + note
    if len(line) <= WIDTH:
        return [line]
    pad = indent + " " * len(lhs)
    lines = []
    for k, part in enumerate(chain[1:]):
        head = f"{indent}{lhs} = " if k == 0 else f"{pad} = "
        expr = exprs[k] if k < len(parts) else None
        lines += wrap_sum(head, part, expr, fmt, f"{pad} + ")
    lines[-1] += note
    return lines


def wrap_sum(head: str, text: str, expr: Expr | None, fmt: TextFormatter, more: str) -> list[str]:
    """``head + text``; a sum too long for one line goes on several, ``more`` before each term."""
    if len(head) + len(text) <= WIDTH or not isinstance(expr, Add):
        return [head + text]
    terms = [fmt.operand(t, negative_parens=k > 0) for k, t in enumerate(expr.terms)]
    lines, line = [], head + terms[0]
    for term in terms[1:]:
        if len(line) + 3 + len(term) <= WIDTH:
            line += " + " + term
        else:
            lines.append(line)
            line = more + term
    return [*lines, line]


def render_given(section: Section, fmt: TextFormatter) -> list[str]:
    """Given values, several to a line."""
    lines = []
    for block in section.blocks:
        lines.append(block.title)
        row = "  "
        for step in block.steps:
            if isinstance(step.value, np.ndarray) and step.value.ndim > 0:
                lines += render_step(step, fmt)
                continue
            item = f"{fmt(step.lhs)} = {format_number(float(step.value), fmt.digits)}"
            if step.note:
                item += f" ({step.note})"
            if len(row) + len(item) > WIDTH:
                lines.append(row.rstrip())
                row = "  "
            row += item + "   "
        if row.strip():
            lines.append(row.rstrip())
    return lines


def render_text(explanation: Explanation, *, digits: int = 9) -> str:
    """The whole explanation as text, ready for a terminal."""
    fmt = TextFormatter(digits)
    trace = explanation.trace
    network = trace.network
    lines = []
    if explanation.title:
        lines.append(explanation.title)
    credit = " — ".join(x for x in (explanation.source, explanation.url) if x)
    if credit:
        lines.append(credit)
    if explanation.description:
        lines.append(explanation.description)
    layers = ", ".join(
        f"{network.names.layer(k)} {layer.activation.name}"
        for k, layer in enumerate(network.layers)
    )
    sizes = "-".join(str(n) for n in network.sizes)
    lines.append(
        f"network {sizes}: {layers}\nloss {network.loss.name}, {network.batch_reduction} over "
        f"{trace.n_samples} sample{'s' if trace.n_samples > 1 else ''}; "
        f"learning rate η = {format_number(trace.learning_rate, digits)}"
    )
    if explanation.matrix_form:
        lines.append("(too large to show neuron by neuron: shown per layer in matrix form)")
    for section in explanation.sections:
        lines += ["", f"== {section.title} =="]
        if section.intro:
            lines += textwrap.wrap(section.intro, WIDTH, break_on_hyphens=False)
        if section.kind == "given":
            lines += render_given(section, fmt)
            continue
        for block in section.blocks:
            lines.append(block.title)
            for step in block.steps:
                lines += render_step(step, fmt)
    return "\n".join(lines) + "\n"
