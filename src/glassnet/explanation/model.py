"""The explanation's data: steps of ``lhs = formula = numbers = value``, in blocks and sections.

Renderers read these; ``glassnet.explanation`` builds them from a trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from glassnet.formula import Expr, Mul, Partial, Sub, Sym

if TYPE_CHECKING:
    from glassnet.trace import Trace

E_TOTAL = Sym("E", "total")
ETA = Sym("η")

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

    def step(self, key: str) -> Step:
        for step in self.steps():
            if step.key == key:
                return step
        raise KeyError(key)

    def _repr_html_(self) -> str:
        """Jupyter shows an explanation as the interactive page (``glassnet.render.html``)."""
        from glassnet.render.html import render_fragment

        return render_fragment(self)

    def _repr_markdown_(self) -> str:
        """Jupyter's Markdown view, where HTML is not shown."""
        from glassnet.render.html import notebook_markdown

        return notebook_markdown(self)
