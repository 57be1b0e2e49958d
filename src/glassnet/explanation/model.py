"""The explanation's data: steps of ``lhs = formula = numbers = value``, in blocks and sections.

Renderers read these; ``glassnet.explanation`` builds them from a trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from glassnet import display
from glassnet.formula import Add, Div, Expr, Group, Mul, Neg, Num, Partial, Sub, Sym

if TYPE_CHECKING:
    from glassnet.trace import Trace

E_TOTAL = Sym("E", "total")
ETA = Sym("η")
#: A sum within ``NOISE * Σ|terms|`` of zero is float64 rounding noise (8 ε: a few
#: roundings of each term, of the size the terms themselves have).
NOISE = 8 * float(np.finfo(np.float64).eps)

#: Words with formulas among them (a heading, an introduction): each item is text, or an
#: equation ``(lhs, rhs, ...)`` whose sides read joined by ``=``. Renderers that typeset math
#: set the equations as math; ``Block.title`` and ``Section.intro`` are the plain text.
Rich = tuple[str | tuple[Expr, ...], ...]
#: Gradient descent as the update section introduces it: ``p+ = p - η · ∂E_total/∂p``.
UPDATE_RULE = (Sym("p", updated=True), Sub(Sym("p"), Mul((ETA, Partial(E_TOTAL, Sym("p"))))))


@dataclass
class Step:
    """``lhs = formula = numbers = value``; ``formula``/``numbers`` are None for given values.

    ``touches`` names the inputs, neurons, weights and biases the step involves
    (the path a diagram highlights).
    """

    key: str
    lhs: Expr
    formula: Expr | None
    numbers: Expr | None
    value: float | NDArray[np.floating]
    touches: tuple[str, ...] = ()
    note: str = ""
    #: The value is rounding noise of a sum whose exact result is 0 (see ``mark_noise``).
    noise: bool = False

    @property
    def shown(self) -> float | NDArray[np.floating]:
        """The value the display formats show: 0 for rounding noise, else ``value``."""
        return 0.0 if self.noise else self.value


@dataclass
class Block:
    """Steps about one thing: a neuron, a weight, a sample."""

    title: str
    steps: list[Step] = field(default_factory=list)
    #: The title with its formulas as formulas; empty when the title is only words.
    title_math: Rich = ()


@dataclass
class Section:
    """One stage: ``given``, ``forward``, ``error``, ``backward``, ``update`` or ``after``."""

    kind: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    intro: str = ""
    #: The introduction with its formulas as formulas; empty when it is only words.
    intro_math: Rich = ()


@dataclass
class Explanation:
    title: str
    source: str
    description: str
    url: str
    matrix_form: bool
    sections: list[Section]
    trace: Trace

    def steps(self) -> list[Step]:
        """Every step, in order."""
        return [step for s in self.sections for b in s.blocks for step in b.steps]

    def computed_scalars(self) -> list[Step]:
        """The steps a learner computes: every scalar outside *Given*, not the frozen biases
        (what ``glassnet quiz`` and the page's Answer mode ask for), in order."""
        return [
            step
            for section in self.sections
            if section.kind != "given"
            for block in section.blocks
            for step in block.steps
            if np.ndim(step.value) == 0 and "frozen" not in step.note
        ]

    def step(self, key: str) -> Step:
        for step in self.steps():
            if step.key == key:
                return step
        raise KeyError(key)

    def _repr_html_(self) -> str:
        """Jupyter shows an explanation as the interactive page (``glassnet.render.notebook``)."""
        return display.show(self, "html")

    def _repr_markdown_(self) -> str:
        """Jupyter's Markdown view, where HTML is not shown."""
        return display.show(self, "markdown")


def mark_noise(steps: list[Step]) -> None:
    """Mark the sums whose value is float64 rounding noise; show them as 0 everywhere.

    0.2·1 + (−0.3·0.5) + 0.1·(−1.5) + 0.1 is 0 to a learner and 1.3877787807814457e-17
    in float64, since 0.1, 0.2 and 0.3 have no exact binary form. A scalar step whose
    numbers are a sum (or difference, or the batch mean of a sum) with
    ``|value| <= NOISE * Σ|terms|`` is such noise, and so is a step that passes a
    noise value on (an identity activation) or multiplies by one (a learner's 0
    makes the product 0). Their ``value`` stays the engine's (JSON and
    ``glassnet check`` use it; a claim of 0 agrees with it); ``shown``, and every
    number tree that carries the value, are 0.
    """
    noise: set[float] = set()
    for step in steps:
        if step.formula is None or np.ndim(step.value) != 0 or float(step.value) == 0.0:
            continue  # given values are what the example says
        value = float(step.value)
        if not np.isfinite(value):
            continue
        numbers = Num(value) if step.numbers is None else step.numbers  # ∂net/∂w = out_h1
        if _noise_of_sum(numbers, value) or _carries(numbers, value, noise):
            step.noise = True
            noise.add(value)
    if noise:
        for step in steps:
            if step.numbers is not None:
                step.numbers = _zeroed(step.numbers, noise)


def _noise_of_sum(numbers: Expr, value: float) -> bool:
    """Whether ``numbers`` is a sum of terms of known size that rounding leaves at ``value``."""
    scale = 1.0
    numbers = _unwrapped(numbers)
    if isinstance(numbers, Div) and isinstance(numbers.bottom, Num) and numbers.bottom.value:
        scale = 1.0 / abs(numbers.bottom.value)  # the batch mean: (Σ) / n
        numbers = _unwrapped(numbers.top)
    if isinstance(numbers, Add):
        terms: tuple[Expr, ...] = numbers.terms
    elif isinstance(numbers, Sub):
        terms = (numbers.left, numbers.right)
    else:
        return False
    sizes = [_size(term) for term in terms]
    if any(size is None for size in sizes):
        return False
    total = sum(size for size in sizes if size is not None)
    return bool(np.isfinite(total)) and abs(value) <= NOISE * scale * total


def _unwrapped(e: Expr) -> Expr:
    """``e`` without its parentheses and sign, which do not change a sum's noise."""
    while isinstance(e, (Group, Neg)):
        e = e.body if isinstance(e, Group) else e.arg
    return e


def _carries(numbers: Expr, value: float, noise: set[float]) -> bool:
    """Whether ``numbers`` is a noise value itself, or a product with a noise factor."""
    if isinstance(numbers, Num):
        return numbers.value == value and value in noise
    if isinstance(numbers, Mul):
        return any(isinstance(f, Num) and float(f.value) in noise for f in numbers.factors)
    return False


def _size(term: Expr) -> float | None:
    """``|term|`` for a number or a product of numbers; ``None`` for anything else."""
    if isinstance(term, Num):
        return abs(float(term.value))
    if isinstance(term, Group):
        return _size(term.body)
    if isinstance(term, Neg):
        return _size(term.arg)
    if isinstance(term, Mul):
        size = 1.0
        for factor in term.factors:
            factor_size = _size(factor)
            if factor_size is None:
                return None
            size *= factor_size
        return size
    return None


def _zeroed(expr: Expr, noise: set[float]) -> Expr:
    """``expr`` with every number whose value is in ``noise`` shown as 0."""
    if isinstance(expr, Num):
        return Num(0.0, expr.ref) if float(expr.value) in noise else expr
    changes: dict[str, Expr | tuple[Expr, ...]] = {}
    for f in fields(expr):  # type: ignore[arg-type]
        child = getattr(expr, f.name)
        if isinstance(child, Expr):
            changes[f.name] = _zeroed(child, noise)
        elif isinstance(child, tuple) and child and all(isinstance(c, Expr) for c in child):
            changes[f.name] = tuple(_zeroed(c, noise) for c in child)
    return replace(expr, **changes) if changes else expr  # type: ignore[type-var]
