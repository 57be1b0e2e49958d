"""A small formula tree that every renderer formats in its own notation.

The explanation writes each step as ``lhs = formula = numbers = value``; the
formula and the numbers are the same tree with symbols or numbers at the
leaves. Activations and losses build their own formulas (``Activation.out_formula``,
``Loss.term_formula``), so the text, Markdown, LaTeX and HTML renderers show the
same mathematics without knowing any of it.

>>> f = Mul((Num(0.5), Group(Sub(Sym("target", "o1"), Sym("out", "o1")))))
>>> isinstance(f, Expr)
True
"""

from __future__ import annotations

from dataclasses import dataclass


class Expr:
    """A node of a formula."""


@dataclass(frozen=True)
class Num(Expr):
    """A number, formatted by the renderer (significant digits are its choice)."""

    value: float


@dataclass(frozen=True)
class Sym(Expr):
    """A symbol such as ``net_h1``: ``base`` with an optional subscript.

    ``updated`` marks a parameter's value after the update (``w5+``).
    Names from example files are user text: renderers must escape them.
    """

    base: str
    sub: str | None = None
    updated: bool = False


@dataclass(frozen=True)
class Partial(Expr):
    """The partial derivative ``∂top/∂bottom``."""

    top: Expr
    bottom: Expr


@dataclass(frozen=True)
class Add(Expr):
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Sub(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Mul(Expr):
    factors: tuple[Expr, ...]


@dataclass(frozen=True)
class Div(Expr):
    top: Expr
    bottom: Expr


@dataclass(frozen=True)
class Neg(Expr):
    arg: Expr


@dataclass(frozen=True)
class Pow(Expr):
    base: Expr
    exponent: int


@dataclass(frozen=True)
class Call(Expr):
    """A named function: ``exp``, ``log``, ``tanh``, ``max``."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Group(Expr):
    """Parentheses the formula needs: ``(target - out)``."""

    body: Expr


@dataclass(frozen=True)
class Cond(Expr):
    """``then if test > 0 else otherwise``: the kink of ReLU and leaky ReLU."""

    then: Expr
    test: Expr
    otherwise: Expr


@dataclass(frozen=True)
class Matrix(Expr):
    """A layer's whole array in matrix form, named like ``W^(2)``; ``transpose`` marks ``ᵀ``."""

    base: str
    layer: int
    transpose: bool = False


@dataclass(frozen=True)
class Hadamard(Expr):
    """The element-wise product ``a ⊙ b`` of matrix form."""

    left: Expr
    right: Expr


ONE = Num(1.0)
TWO = Num(2.0)
HALF = Num(0.5)
