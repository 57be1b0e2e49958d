"""Every step of the explanation as HTML and MathML, and the ids that the walk and derivations use.

A step with one number reads ``lhs = formula = numbers = value``; a step with an
array shows its formula, its shape and the array summarised as NumPy prints it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from glassnet.explanation import Block, Explanation, Section, Step
from glassnet.explanation.model import Rich
from glassnet.render.html.escape import esc
from glassnet.render.mathml import MathMLFormatter, format_significant

#: Significant digits of the entries of matrix-form tables (at most).
TABLE_DIGITS = 6
EQ = "<mo>=</mo>"
#: Matrix-form tables show this many rows and columns at each end.
EDGE_ITEMS = 3


def is_scalar(value: object) -> bool:
    return not isinstance(value, np.ndarray) or value.ndim == 0


def steps_of(sections: Iterable[Section]) -> list[Step]:
    """Every step of the sections, in order."""
    return [step for section in sections for block in section.blocks for step in block.steps]


class Steps:
    """The steps as HTML; ``prefix`` keeps the element ids unique on the page.

    Blocks are ``{prefix}-b0``, ``{prefix}-b1``…, steps ``{prefix}-s0``…; a key
    (``out_h1``, ``w5+``) names the first step and block that compute it.
    """

    def __init__(self, explanation: Explanation, *, digits: int, prefix: str):
        self.explanation = explanation
        self.digits = digits
        self.prefix = prefix
        # Numbers that name their value carry it, for the page's script (MathMLFormatter live).
        self.math = MathMLFormatter(digits, live=True)
        self.plain = MathMLFormatter(digits)
        self.block_ids: dict[int, str] = {}
        self.step_ids: dict[int, str] = {}
        self.block_of_key: dict[str, str] = {}
        self.step_of_key: dict[str, Step] = {}
        self.step_id_of_key: dict[str, str] = {}
        n_step = 0
        for n_block, block in enumerate(b for s in explanation.sections for b in s.blocks):
            self.block_ids[id(block)] = f"{prefix}-b{n_block}"
            for step in block.steps:
                sid = f"{prefix}-s{n_step}"
                n_step += 1
                self.step_ids[id(step)] = sid
                self.block_of_key.setdefault(step.key, self.block_ids[id(block)])
                self.step_of_key.setdefault(step.key, step)
                self.step_id_of_key.setdefault(step.key, sid)

    def block_steps(self, block_id: str) -> list[Step]:
        for section in self.explanation.sections:
            for block in section.blocks:
                if self.block_ids[id(block)] == block_id:
                    return block.steps
        return []

    def html(self) -> str:
        p = self.prefix
        sections = "".join(self.section_html(s) for s in self.explanation.sections)
        return (
            f'<section class="gn-all" aria-labelledby="{p}-all"><h2 id="{p}-all">Every step</h2>'
            f"{sections}</section>"
        )

    def section_html(self, section: Section) -> str:
        out = [
            f'<section class="gn-section" data-kind="{section.kind}"><h3>{esc(section.title)}</h3>'
        ]
        if section.intro:
            intro = self.rich_html(section.intro, section.intro_math)
            out.append(f'<p class="gn-intro">{intro}</p>')
        for block in section.blocks:
            out.append(self.block_html(block, given=section.kind == "given"))
        out.append("</section>")
        return "".join(out)

    def block_html(self, block: Block, *, given: bool) -> str:
        kind = " gn-given" if given else ""
        steps = "".join(self.step_html(step) for step in block.steps)
        title = self.rich_html(block.title, block.title_math)
        return (
            f'<div class="gn-block{kind}" id="{self.block_ids[id(block)]}">'
            f'<h4>{title}</h4><ol class="gn-list">{steps}</ol></div>'
        )

    def rich_html(self, plain: str, parts: Rich) -> str:
        """A title or an introduction, its formulas (``Block.title_math``,
        ``Section.intro_math``) as MathML; ``plain`` when it has none."""
        if not parts:
            return esc(plain)
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(esc(part))
                continue
            *sides, last = part
            out.append(self.math(last, prefix="".join(self.math.format(s) + EQ for s in sides)))
        return "".join(out)

    def step_html(self, step: Step) -> str:
        parts = [self.math(step.lhs)]
        note = f'<span class="gn-note">({esc(step.note)})</span>' if step.note else ""
        sid, key = self.step_ids[id(step)], esc(step.key)
        if not is_scalar(step.value):
            value = np.asarray(step.value)
            if step.formula is not None:
                parts.append(self.math(step.formula, prefix="<mo>=</mo>"))
            shape = " × ".join(str(n) for n in value.shape)
            return (
                f'<li class="gn-step gn-array" id="{sid}" data-key="{key}">'
                f'<div class="gn-eq">{_spans(parts)}<span class="gn-shape">[{shape}]</span>'
                f"{note}</div>{self.table(value)}</li>"
            )
        shown_exprs = [e for e in (step.formula, step.numbers) if e is not None]
        value_ml = self.math.number(float(np.asarray(step.shown)))
        if shown_exprs and self.plain.format(shown_exprs[-1]) == value_ml:
            shown_exprs.pop()  # out = net = 0.3775 for an identity: the value once
        rendered = [self.math.format(e) for e in shown_exprs]
        parts += [f"<math><mo>=</mo>{r}</math>" for r in rendered]
        # The value carries its check name and the full double (shortest round-trip form),
        # which the page's script replaces with the value its generated step computes.
        noise = " data-noise" if step.noise else ""
        shown = (
            f'<span class="gn-part gn-value" data-name="{key}"{noise} '
            f'data-value="{esc(repr(float(np.asarray(step.value))))}">'
            f"<math><mo>=</mo>{value_ml}</math></span>"
        )
        return (
            f'<li class="gn-step" id="{sid}" data-key="{key}"><div class="gn-eq">{_spans(parts)}'
            f"{shown}{note}</div></li>"
        )

    def table(self, value: np.ndarray) -> str:
        """A matrix summarised like NumPy prints it: the first and last rows and columns."""
        array = np.atleast_2d(value)
        rows, cols = array.shape[:2]
        digits = min(self.digits, TABLE_DIGITS)
        body = []
        for r in _picks(rows):
            cells = []
            for c in _picks(cols):
                if r is None:
                    cells.append("<td>⋮</td>" if c is not None else "<td>⋱</td>")
                elif c is None:
                    cells.append("<td>…</td>")
                else:
                    cells.append(f"<td>{esc(format_significant(array[r, c], digits))}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        label = f"{rows} × {cols}" if np.ndim(value) > 1 else f"{cols} values"
        return (
            f'<div class="gn-table-wrap"><table class="gn-matrix" aria-label="{label}">'
            f"{''.join(body)}</table></div>"
        )


def _spans(parts: list[str]) -> str:
    return "".join(f'<span class="gn-part">{part}</span>' for part in parts)


def _picks(n: int) -> list[int | None]:
    """Indices shown of ``n`` rows or columns; ``None`` is the ellipsis."""
    if n <= 2 * EDGE_ITEMS + 1:
        return list(range(n))
    return [*range(EDGE_ITEMS), None, *range(n - EDGE_ITEMS, n)]
