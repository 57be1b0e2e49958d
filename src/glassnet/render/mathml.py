"""MathML: a formula tree as a ``<math>`` element, which browsers render natively.

Symbols are ``<mi>`` (with ``<msub>`` for a subscript: ``net_h1``), numbers
``<mn>``, operators ``<mo>``, fractions and partial derivatives ``<mfrac>``.
Every name is user text from an example file, so every text node is escaped.

Numbers are shown to ``digits`` significant digits, as in every other format
(``--digits``): Mazur's ∂E_total/∂w5 = 0.082167040564231 shows as 0.0821670406
and w5+ as 0.35891648. ``format_decimal`` rounds to decimal places instead, for
the diagram's short labels.

>>> from glassnet.formula import Num, Partial, Sym
>>> MathMLFormatter()(Partial(Sym("E", "total"), Sym("w5")))
'<math><mfrac><mrow><mo>∂</mo><msub><mi>E</mi><mi>total</mi></msub></mrow><mrow><mo>∂</mo><mi>w5</mi></mrow></mfrac></math>'
>>> format_significant(0.082167040564231, 9), format_significant(0.358916479717885, 9)
('0.0821670406', '0.35891648')
>>> format_decimal(0.593269992107187, 4)
'0.5933'

In ``live`` mode (the HTML page's steps) a number that names its value (``Num.ref``)
is an ``<mrow class="gn-num">`` carrying that name (``data-name``) and the double
(``data-value``), which the page's script rewrites from its generated step after an
edit. Such a number brackets itself where a negative number needs brackets
(``data-paren``): ``0.15·0.05 + (−0.3)·0.1`` rather than ``0.15·0.05 + (−0.3·0.1)``,
so that an edit that flips its sign changes that element only.

>>> from glassnet.formula import Add, Mul
>>> import re
>>> def text(ml): return re.sub("<[^>]*>", "", ml)
>>> e = Add((Num(0.1, "w1"), Mul((Num(-0.3, "w2"), Num(0.5)))))
>>> text(MathMLFormatter(live=True).format(e)), text(MathMLFormatter().format(e))
('0.1+(−0.3)·0.5', '0.1+(−0.3·0.5)')
>>> for tag in re.findall("<mrow class[^>]*>", MathMLFormatter(live=True).format(e)):
...     print(tag)
<mrow class="gn-num" data-name="w1" data-value="0.1">
<mrow class="gn-num" data-name="w2" data-value="-0.3" data-paren>
"""

from __future__ import annotations

import math
from html import escape

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
from glassnet.render.text import format_number, significant_digits

MINUS = "−"
#: Values at or above this are shown with significant digits, not decimals.
LARGE = 1e6


def format_decimal(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` decimal places, trailing zeros dropped.

    Values so small that fewer than 4 significant digits would remain
    (``|value| < 10**(3 - digits)``), and values of a million or more, are shown
    to ``digits`` significant digits instead. No digit past those the float64
    value has (``significant_digits``). Negative numbers use ``-``.
    """
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    if 10.0 ** (3 - digits) <= abs(v) < LARGE:
        # no decimals past the significant digits the value has (``significant_digits``)
        leading = math.floor(math.log10(abs(v)))  # 10**leading <= |v|
        decimals = significant_digits(v, digits + leading + 1) - leading - 1
        text = f"{v:.{max(0, min(digits, decimals))}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{v:.{significant_digits(v, digits)}g}"
    return "0" if text in ("-0", "0") else text


def format_significant(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, as the text format shows it (``-`` for minus)."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    return format_number(v, digits)


def _t(text: str) -> str:
    return escape(text, quote=False)


class MathMLFormatter:
    """Formats a formula tree as a MathML ``<math>`` element (``live``: see the module)."""

    def __init__(self, digits: int = 9, *, live: bool = False):
        self.digits = digits
        self.live = live

    def __call__(self, expr: Expr, *, prefix: str = "") -> str:
        """``<math>`` around the formula; ``prefix`` is MathML put before it (an ``=``)."""
        return f"<math>{prefix}{self.format(expr)}</math>"

    def number(self, value: float) -> str:
        text = format_significant(value, self.digits)
        if text.startswith("-"):
            return f"<mrow><mo>{MINUS}</mo><mn>{_t(text[1:])}</mn></mrow>"
        return f"<mn>{_t(text)}</mn>"

    def live_number(self, e: Num, *, paren: bool) -> str:
        """A number naming its value, as the page's script rewrites it (``writeValues`` in
        ``glassnet.js``): brackets around a negative one where ``paren``."""
        assert e.ref is not None
        inner = self.number(e.value)
        negative = format_significant(e.value, self.digits).startswith("-")
        if paren and negative:
            inner = self.parens(inner)
        marker = " data-paren" if paren else ""
        return (
            f'<mrow class="gn-num" data-name="{escape(e.ref)}" '
            f'data-value="{escape(repr(float(e.value)))}"{marker}>{inner}</mrow>'
        )

    def format(self, e: Expr, *, lead: bool = False) -> str:
        """``lead``: a negative number this formula begins with needs brackets (live mode,
        where a number that names its value brackets itself; see ``operand``)."""
        if isinstance(e, Num):
            if self.live and e.ref is not None:
                return self.live_number(e, paren=lead)
            return self.number(e.value)
        if isinstance(e, Sym):
            return self.symbol(e)
        if isinstance(e, Matrix):
            return self.matrix(e)
        if isinstance(e, Partial):
            top = f"<mrow><mo>∂</mo>{self.format(e.top)}</mrow>"
            bottom = f"<mrow><mo>∂</mo>{self.format(e.bottom)}</mrow>"
            return f"<mfrac>{top}{bottom}</mfrac>"
        if isinstance(e, Add):
            parts = [
                self.operand(t, negative_parens=k > 0, lead=lead and k == 0)
                for k, t in enumerate(e.terms)
            ]
            return "<mrow>" + "<mo>+</mo>".join(parts) + "</mrow>"
        if isinstance(e, Sub):
            left = self.operand(e.left, lead=lead)
            right = self.operand(e.right, negative_parens=True)
            return f"<mrow>{left}<mo>{MINUS}</mo>{right}</mrow>"
        if isinstance(e, Mul):
            parts = [
                self.operand(f, negative_parens=k > 0, tight=True, lead=lead and k == 0)
                for k, f in enumerate(e.factors)
            ]
            return "<mrow>" + "<mo>·</mo>".join(parts) + "</mrow>"
        if isinstance(e, Hadamard):
            left = self.operand(e.left, tight=True, lead=lead)
            right = self.operand(e.right, tight=True)
            return f"<mrow>{left}<mo>⊙</mo>{right}</mrow>"
        if isinstance(e, Div):
            # A fraction bar groups by itself: no parentheses needed above or below it.
            return f"<mfrac>{self.bare(e.top)}{self.bare(e.bottom)}</mfrac>"
        if isinstance(e, Neg):
            arg = self.operand(e.arg, negative_parens=True, tight=True)
            return f"<mrow><mo>{MINUS}</mo>{arg}</mrow>"
        if isinstance(e, Pow):
            base = self.operand(e.base, negative_parens=True, tight=True)
            return f"<msup>{base}<mn>{e.exponent}</mn></msup>"
        if isinstance(e, Call):
            args = "<mo>,</mo>".join(self.format(a) for a in e.args)
            return f"<mrow><mi>{_t(e.name)}</mi>{self.parens(args)}</mrow>"
        if isinstance(e, Group):
            return self.parens(self.format(e.body))
        if isinstance(e, Cond):
            then, test, otherwise = (self.format(x) for x in (e.then, e.test, e.otherwise))
            return (
                f"<mrow>{then}<mtext> if </mtext>{test}<mo>&gt;</mo><mn>0</mn>"
                f"<mtext> else </mtext>{otherwise}</mrow>"
            )
        raise TypeError(f"cannot format {e!r}")

    def bare(self, e: Expr) -> str:
        """A fraction's numerator or denominator: a ``Group`` loses its parentheses."""
        return self.format(e.body if isinstance(e, Group) else e)

    def parens(self, body: str) -> str:
        return f"<mrow><mo>(</mo>{body}<mo>)</mo></mrow>"

    def operand(
        self, e: Expr, *, negative_parens: bool = False, tight: bool = False, lead: bool = False
    ) -> str:
        """An operand, in parentheses where the reader would misread it otherwise.

        In live mode a formula that begins with a number naming its value leaves the
        brackets to that number (``lead``), whose sign may change after an edit.
        """
        compound = (Add, Sub, Cond) + ((Mul, Hadamard) if tight else ())
        if isinstance(e, compound) or (isinstance(e, Neg) and tight):
            return self.parens(self.format(e))
        if (negative_parens or lead) and self.leads_live(e):
            return self.format(e, lead=True)
        text = self.format(e)
        if negative_parens and self.starts_negative(e):
            return self.parens(text)
        return text

    def leads_live(self, e: Expr) -> bool:
        """Whether, in live mode, the formula as written begins with a number naming its value."""
        if not self.live:
            return False
        if isinstance(e, Num):
            return e.ref is not None
        if isinstance(e, Mul):
            return self.leads_live(e.factors[0])
        if isinstance(e, Add):
            return self.leads_live(e.terms[0])
        if isinstance(e, Sub | Hadamard):
            return self.leads_live(e.left)
        return False

    def starts_negative(self, e: Expr) -> bool:
        """Whether the formula as written begins with a minus sign."""
        if isinstance(e, Num):
            return format_significant(e.value, self.digits).startswith("-")
        if isinstance(e, Neg):
            return True
        if isinstance(e, Mul):
            return self.starts_negative(e.factors[0])
        if isinstance(e, Add):
            return self.starts_negative(e.terms[0])
        if isinstance(e, Sub | Hadamard):
            return self.starts_negative(e.left)
        return False

    def symbol(self, e: Sym) -> str:
        base = f"<mi>{_t(e.base)}</mi>"
        if e.sub is not None:
            base = f"<msub>{base}<mi>{_t(e.sub)}</mi></msub>"
        if e.updated:
            base = f"<msup>{base}<mo>+</mo></msup>"
        return base

    def matrix(self, e: Matrix) -> str:
        if e.base in ("X", "T"):
            body = f"<mi>{_t(e.base)}</mi>"
        elif e.base == "f'":
            net = f"<msup><mi>net</mi><mrow><mo>(</mo><mn>{e.layer}</mn><mo>)</mo></mrow></msup>"
            body = f"<mrow><msup><mi>f</mi><mo>′</mo></msup>{self.parens(net)}</mrow>"
        else:
            updated = e.base.endswith("+")
            name = e.base[:-1] if updated else e.base
            plus = "<mo>+</mo>" if updated else ""
            layer = f"<mrow><mo>(</mo><mn>{e.layer}</mn><mo>)</mo>{plus}</mrow>"
            body = f"<msup><mi>{_t(name)}</mi>{layer}</msup>"
        if e.transpose:
            body = f"<msup>{body}<mi>T</mi></msup>"
        return body
