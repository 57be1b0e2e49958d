"""TeX math for formula trees, shared by the Markdown and the LaTeX renderers.

``TexFormatter`` writes a formula as TeX math (``\\frac{\\partial E_{total}}{\\partial
w_{5}}``, ``\\cdot``, ``\\left(…\\right)``); ``equation_rows`` lays a step out as the
rows of an aligned environment, one ``=`` per row when the step is too long for
one line. Both formats share the mathematics and differ in how they make user
text safe:

- ``target="markdown"``: names that are not plain letters and digits go into
  ``\\mathrm{…}`` with every TeX-significant character escaped, and ``<`` ``>``
  become ``\\lt`` ``\\gt`` so that no Markdown or HTML processor sees a tag;
- ``target="latex"``: such names go into ``\\text{…}`` escaped by
  ``escape_latex_text``, which also makes any Unicode safe for ``pdflatex``.

Names come from user files, so nothing a user writes is ever read as a TeX
command: ``\\input{/etc/passwd}`` as a name prints those characters.

>>> from glassnet.formula import Mul, Partial, Sym
>>> TexFormatter()(Partial(Sym("E", "total"), Sym("w5")))
'\\\\frac{\\\\partial E_{total}}{\\\\partial w_{5}}'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from glassnet.explanation import Step
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
from glassnet.render.text import TextFormatter, format_number

Target = Literal["markdown", "latex"]

#: Characters of plain text (as the terminal shows a step) that fit on one row of a page.
ROW_WIDTH = 88
#: Arrays show at most this many rows and columns; larger ones show their corners.
MAX_SHOWN = 10
#: How many leading and trailing rows or columns a summarised array shows.
EDGE_ITEMS = 3
#: Arrays with more entries than this are summarised, as NumPy does when printing.
SUMMARY_THRESHOLD = 36

SIMPLE_NAME = re.compile(r"[A-Za-z0-9]+(\[[A-Za-z0-9]+\])?")
LETTERS_DIGITS = re.compile(r"([A-Za-z]+)([0-9]+)")

GREEK_COMMANDS = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
    "phi", "chi", "psi", "omega",
}  # fmt: skip
CAPITAL_GREEK_COMMANDS = {
    "gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi", "psi", "omega",
}  # fmt: skip

#: Known functions and the TeX operators that typeset them.
OPERATORS = {"log": r"\log", "ln": r"\ln", "tanh": r"\tanh", "max": r"\max", "min": r"\min"}

#: Special characters of LaTeX text. Characters that the default OT1 fonts lack or
#: draw as something else are taken from the typewriter font, so that the PDF's text
#: holds the character itself.
LATEX_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "$": r"{\ttfamily\char36}",
    "_": r"{\ttfamily\char95}",
    "^": r"{\ttfamily\char94}",
    "~": r"{\ttfamily\char126}",
    '"': r"{\ttfamily\char34}",
    "`": r"{\ttfamily\char18}",
}
#: Unicode characters of the explanations' own text, and a few common ones.
LATEX_UNICODE = {
    "δ": r"\ensuremath{\delta}",
    "η": r"\ensuremath{\eta}",
    "∂": r"\ensuremath{\partial}",
    "→": r"\ensuremath{\rightarrow}",
    "·": r"\ensuremath{\cdot}",
    "⊙": r"\ensuremath{\odot}",
    "ᵀ": r"\ensuremath{^{\top}}",
    "²": r"\ensuremath{^{2}}",
    "×": r"\ensuremath{\times}",
    "−": r"\ensuremath{-}",
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "…": r"\ldots{}",
    "ß": r"\ss{}",
    "æ": r"\ae{}",
    "Æ": r"\AE{}",
    "œ": r"\oe{}",
    "Œ": r"\OE{}",
    "ø": r"\o{}",
    "Ø": r"\O{}",
    "ł": r"\l{}",
    "Ł": r"\L{}",
    "\u00a0": "~",
}
#: Combining accents that the default fonts can put on an ASCII letter.
LATEX_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0308": '"',
    "\u0304": "=",
    "\u0307": ".",
    "\u030a": "r",
    "\u0306": "u",
    "\u030c": "v",
    "\u030b": "H",
    "\u0327": "c",
}

#: Special characters of TeX math, for names in Markdown math (MathJax, KaTeX).
MATH_ESCAPES = {
    "\\": r"\backslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "~": r"\sim{}",
    "^": r"\hat{}",
    "<": r"\lt{}",
    ">": r"\gt{}",
    "|": r"\vert{}",
    " ": r"\ ",
}


def greek_command(char: str) -> str | None:
    """``\\alpha`` for ``α``, ``\\Omega`` for ``Ω``; None for other characters."""
    try:
        words = unicodedata.name(char).split()
    except ValueError:
        return None
    if len(words) != 4 or words[0] != "GREEK" or words[2] != "LETTER":
        return None
    letter = words[3].lower()
    if words[1] == "SMALL" and letter in GREEK_COMMANDS:
        return "\\" + letter
    if words[1] == "CAPITAL" and letter in CAPITAL_GREEK_COMMANDS:
        return "\\" + letter.capitalize()
    return None


def escape_latex_char(char: str) -> str:
    """One character as LaTeX text that ``pdflatex`` prints as that character."""
    if char in LATEX_TEXT_ESCAPES:
        return LATEX_TEXT_ESCAPES[char]
    if " " <= char <= "~":
        return char
    if char in LATEX_UNICODE:
        return LATEX_UNICODE[char]
    if unicodedata.category(char).startswith(("C", "Z")):
        return " "
    greek = greek_command(char)
    if greek:
        return rf"\ensuremath{{{greek}}}"
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and base.isalpha() and marks and all(m in LATEX_ACCENTS for m in marks):
        text = {"i": r"\i", "j": r"\j"}.get(base, base)
        for mark in marks:
            text = f"\\{LATEX_ACCENTS[mark]}{{{text}}}"
        return text
    # Anything else would stop pdflatex: show the code point instead.
    return rf"{{\ttfamily[U+{ord(char):04X}]}}"


def escape_latex_text(text: str) -> str:
    """User text as LaTeX text: every special character printed, never interpreted.

    >>> escape_latex_text(r"\\input{/etc/passwd} 50% & δ")
    '\\\\textbackslash{}input\\\\{/etc/passwd\\\\} 50\\\\% \\\\& \\\\ensuremath{\\\\delta}'
    """
    out = []
    for k, char in enumerate(text):
        piece = escape_latex_char(char)
        # "--" and "---" would become dashes, and "?`" "!`" inverted marks.
        if char == "-" and text[k + 1 : k + 2] == "-":
            piece = "-{}"
        out.append(piece)
    return "".join(out)


def escape_math_text(text: str) -> str:
    """User text as the body of ``\\mathrm{…}`` in Markdown math."""
    out = []
    for char in text:
        if char in MATH_ESCAPES:
            out.append(MATH_ESCAPES[char])
        elif unicodedata.category(char).startswith(("C", "Z")):
            out.append(r"\ ")
        else:
            out.append(char)
    return "".join(out)


def rich_tex(parts: Rich, fmt: TexFormatter, escape: Callable[[str], str]) -> str:
    """Words and formulas (a heading, an introduction): words through ``escape``, each
    equation as inline math ``$lhs = rhs$``."""
    return "".join(
        escape(part) if isinstance(part, str) else "$" + " = ".join(map(fmt, part)) + "$"
        for part in parts
    )


def tex_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, as TeX math: ``1.5 \\times 10^{-5}``."""
    text = format_number(value, digits)
    if text.endswith("inf"):
        return text.replace("inf", r"\infty")
    if text == "nan":
        return r"\mathrm{NaN}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def paren(text: str) -> str:
    return rf"\left({text}\right)"


class TexFormatter:
    """Formats a formula tree as TeX math, for Markdown (MathJax, KaTeX) or LaTeX."""

    def __init__(self, digits: int = 9, *, target: Target = "latex"):
        if digits < 1:
            raise ValueError(f"`digits` must be >= 1, got {digits}")
        self.digits = digits
        self.target = target
        self.text = TextFormatter(digits)

    def __call__(self, expr: Expr) -> str:
        return self.format(expr)

    # -- leaves -----------------------------------------------------------

    def number(self, value: float) -> str:
        return tex_number(value, self.digits)

    def literal(self, text: str) -> str:
        """Any user text, printed as it is, inside math."""
        if self.target == "markdown":
            return rf"\mathrm{{{escape_math_text(text)}}}"
        return rf"\text{{{escape_latex_text(text)}}}"

    def name(self, text: str, *, split: bool = False) -> str:
        """A name in math: ``w5`` (with ``split``: ``w_{5}``), ``δ`` as ``\\delta``."""
        if len(text) == 1 and greek_command(text):
            return str(greek_command(text))
        match = LETTERS_DIGITS.fullmatch(text)
        if split and match:
            return f"{match[1]}_{{{match[2]}}}"
        if SIMPLE_NAME.fullmatch(text):
            return text
        return self.literal(text)

    def symbol(self, e: Sym) -> str:
        if e.sub is None:
            text = self.name(e.base, split=True)
        else:
            text = f"{self.name(e.base)}_{{{self.name(e.sub)}}}"
        return text + ("^{+}" if e.updated else "")

    def matrix(self, e: Matrix) -> str:
        """``W^{(2)}``, ``W^{(2)+}``, ``X^{\\top}``, ``f'(net^{(1)})``."""
        if e.base == "f'":
            return rf"f'\left(net^{{({e.layer})}}\right)"
        updated = e.base.endswith("+")
        base = e.base[:-1] if updated else e.base
        sup = "" if base in ("X", "T") else f"({e.layer})"
        sup += ("+" if updated else "") + (r"\top" if e.transpose else "")
        return self.name(base) + (f"^{{{sup}}}" if sup else "")

    # -- the tree ---------------------------------------------------------

    def format(self, e: Expr) -> str:
        if isinstance(e, Num):
            return self.number(e.value)
        if isinstance(e, Sym):
            return self.symbol(e)
        if isinstance(e, Matrix):
            return self.matrix(e)
        if isinstance(e, Partial):
            return rf"\frac{{\partial {self.format(e.top)}}}{{\partial {self.format(e.bottom)}}}"
        if isinstance(e, Add):
            return " + ".join(self.operand(t, negative_parens=k > 0) for k, t in enumerate(e.terms))
        if isinstance(e, Sub):
            return f"{self.operand(e.left)} - {self.operand(e.right, negative_parens=True)}"
        if isinstance(e, Mul):
            return r" \cdot ".join(
                self.operand(f, negative_parens=k > 0, tight=True) for k, f in enumerate(e.factors)
            )
        if isinstance(e, Hadamard):
            left, right = (self.operand(x, tight=True) for x in (e.left, e.right))
            return rf"{left} \odot {right}"
        if isinstance(e, Div):
            return rf"\frac{{{self.unwrapped(e.top)}}}{{{self.unwrapped(e.bottom)}}}"
        if isinstance(e, Neg):
            return "-" + self.operand(e.arg, negative_parens=True, tight=True)
        if isinstance(e, Pow):
            return f"{{{self.power_base(e.base)}}}^{{{e.exponent}}}"
        if isinstance(e, Call):
            return self.call(e)
        if isinstance(e, Group):
            return paren(self.format(e.body))
        if isinstance(e, Cond):
            then, test, otherwise = (self.format(x) for x in (e.then, e.test, e.otherwise))
            return rf"{then} \text{{ if }} {test} > 0 \text{{ else }} {otherwise}"
        raise TypeError(f"cannot format {e!r}")

    def operand(self, e: Expr, *, negative_parens: bool = False, tight: bool = False) -> str:
        """An operand, in parentheses where the reader would misread it otherwise.

        The same rule as the text formatter's, except that a fraction needs none.
        """
        text = self.format(e)
        compound = (Add, Sub, Cond) + ((Mul, Hadamard) if tight else ())
        if isinstance(e, compound) or (isinstance(e, Neg) and tight):
            return paren(text)
        if negative_parens and text.startswith("-"):
            return paren(text)
        if tight and isinstance(e, Num) and r"\times" in text:
            return paren(text)
        return text

    def unwrapped(self, e: Expr) -> str:
        """Without a Group's parentheses: a fraction's bar or a function's own group it."""
        return self.format(e.body if isinstance(e, Group) else e)

    def power_base(self, e: Expr) -> str:
        text = self.format(e)
        atomic = isinstance(e, Sym | Matrix | Group) or (
            isinstance(e, Num) and not text.startswith("-") and r"\times" not in text
        )
        return text if atomic else paren(text)

    def call(self, e: Call) -> str:
        # The function's own parentheses group a single argument already.
        args = ", ".join(self.unwrapped(a) for a in e.args)
        if e.name == "exp" and len(e.args) == 1:
            return f"e^{{{args}}}"
        if e.name in OPERATORS:
            return OPERATORS[e.name] + paren(args)
        return rf"\operatorname{{{self.name(e.name)}}}" + paren(args)

    # -- arrays -----------------------------------------------------------

    def array(self, values: NDArray[np.floating], room: int = ROW_WIDTH) -> str:
        """A matrix as ``pmatrix``, only its corners when large (formatting, not maths).

        Like the text renderer's ``format_array``: 6 significant digits at most, all
        rows and columns of a small array, the first and last ``EDGE_ITEMS`` of a
        large one; fewer columns when they would not fit ``room`` characters.
        """
        array = np.atleast_1d(values)
        array = array.reshape(-1, array.shape[-1])
        n_rows, n_cols = array.shape
        summarise = array.size > SUMMARY_THRESHOLD
        digits = min(self.digits, 6)
        rows = picks(n_rows, EDGE_ITEMS if summarise or n_rows > MAX_SHOWN else None)
        shown = [r for r in rows if r is not None]

        def width(c: int | None) -> int:
            if c is None:
                return 5
            texts = (format_number(array[r, c], digits) for r in shown)
            return max(len(t) + (3 if "e" in t else 0) for t in texts) + 2

        edges: list[int | None] = [] if summarise or n_cols > MAX_SHOWN else [None]
        edges += list(range(EDGE_ITEMS, 0, -1))
        for edge in edges:
            cols = picks(n_cols, edge)
            if sum(width(c) for c in cols) <= room:
                break
        lines = []
        for r in rows:
            cells = []
            for c in cols:
                if r is None:
                    cells.append(r"\ddots" if c is None else r"\vdots")
                elif c is None:
                    cells.append(r"\cdots")
                else:
                    cells.append(tex_number(array[r, c], digits))
            lines.append(" & ".join(cells))
        return r"\begin{pmatrix}" + r" \\ ".join(lines) + r"\end{pmatrix}"


def picks(n: int, edge: int | None) -> list[int | None]:
    """The indices shown of an axis of length n: all, or ``edge`` at each end around None."""
    if edge is None or n <= 2 * edge + 1:
        return list(range(n))
    return [*range(edge), None, *range(n - edge, n)]


def shape_text(values: NDArray[np.floating]) -> str:
    """``[128 \\times 784]``: the shape of an array, as the text renderer shows it."""
    return "[" + r" \times ".join(str(n) for n in values.shape) + "]"


# -- steps as rows of an aligned environment ---------------------------------

Row = tuple[str, str]


def is_array(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0


def shown_parts(step: Step, fmt: TexFormatter) -> list[Expr]:
    """The formula and the numbers of a step, without numbers that only repeat the value."""
    parts = [p for p in (step.formula, step.numbers) if p is not None]
    if parts and fmt(parts[-1]) == fmt.number(float(step.shown)):
        parts.pop()
    return parts


def plain_width(step: Step, fmt: TexFormatter) -> int:
    """How long a scalar step is on one line of plain text: a measure of its printed width."""
    texts = [fmt.text(p) for p in (step.lhs, *shown_parts(step, fmt))]
    return len(" = ".join([*texts, format_number(float(step.shown), fmt.digits)]))


def equation_rows(step: Step, fmt: TexFormatter, width: int = ROW_WIDTH) -> list[Row]:
    """``lhs = formula = numbers = value`` as ``(left, right)`` rows of an alignment.

    ``right`` starts with ``=`` (or, when a long sum continues, ``\\quad +``).
    A step whose plain text fits ``width`` is one row; a longer one gets a row
    each for the formula, the numbers and the value, and a sum too long for one
    row continues on the next. Matrix-form steps show the array's corners and shape.
    """
    lhs = fmt(step.lhs)
    if is_array(step.value):
        assert isinstance(step.value, np.ndarray)
        shape = shape_text(step.value)
        room = width - len(fmt.text(step.lhs)) - len(shape) - 4
        shown = rf"{fmt.array(step.value, room)} \quad {shape}"
        if step.formula is None:
            return [(lhs, f"= {shown}")]
        return [(lhs, f"= {fmt(step.formula)}"), ("", f"= {shown}")]
    parts = shown_parts(step, fmt)
    value = fmt.number(float(step.shown))
    if plain_width(step, fmt) <= width:
        return [(lhs, "= " + " = ".join([*(fmt(p) for p in parts), value]))]
    rows: list[Row] = []
    room = max(width - len(fmt.text(step.lhs)) - 3, width // 2)
    for part in parts:
        pieces = split_long(part, fmt, room)
        rows.append(("" if rows else lhs, f"= {pieces[0]}"))
        rows += [("", rf"\quad {piece}") for piece in pieces[1:]]
    rows.append(("", f"= {value}"))
    return rows


def split_long(e: Expr, fmt: TexFormatter, room: int) -> list[str]:
    """A formula as one or more pieces of about ``room`` plain-text characters.

    Only sums are split (``a + b`` / ``+ c + d``), and a sum over a number
    (``(a + b`` / ``+ c) / n``), which is how long formulas arise: a neuron with
    many inputs, a bias shared by many neurons, a batch of many samples.
    """
    body, bottom = e, None
    if isinstance(e, Div) and isinstance(e.top, Group) and isinstance(e.top.body, Add):
        body, bottom = e.top.body, e.bottom
    if not isinstance(body, Add) or len(fmt.text(e)) <= room:
        return [fmt(e)]
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for k, term in enumerate(body.terms):
        tex = fmt.operand(term, negative_parens=k > 0)
        size = len(fmt.text.operand(term, negative_parens=k > 0)) + 3
        if current and used + size > room:
            pieces.append(" ".join(current))
            current, used = [], 0
        current.append(tex if k == 0 else f"+ {tex}")
        used += size
    pieces.append(" ".join(current))
    if bottom is not None:
        # \left( cannot span rows; fractions need the taller fixed size.
        big = "bigg" if any(r"\frac" in piece for piece in pieces) else "big"
        pieces[0] = rf"\{big}l(" + pieces[0]
        pieces[-1] += rf"\{big}r) / {fmt.operand(bottom, tight=True)}"
    return pieces
