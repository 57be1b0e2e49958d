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

from dataclasses import dataclass, field

import numpy as np


class Expr:
    """A node of a formula."""


@dataclass(frozen=True)
class Num(Expr):
    """A number, formatted by the renderer (significant digits are its choice).

    ``ref`` is the ``glassnet check`` name of the value the number shows (``w5``,
    ``out_h1``, ``delta_o1[2]``) when it is one of the explanation's values, so that
    the live HTML page can show the value its generated step computes after an edit.
    It does not take part in comparisons: ``Num(0.4, "w5") == Num(0.4)``.
    """

    value: float
    ref: str | None = field(default=None, compare=False)


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


#: The functions ``evaluate`` knows, as the engine computes them (NumPy, float64).
FUNCTIONS = {"exp": np.exp, "log": np.log, "tanh": np.tanh}


def evaluate(expr: Expr) -> float:
    """The value of a formula whose leaves are numbers (the explanation's ``numbers`` tree).

    Float64 arithmetic as the engine does it: ``exp`` past the float range is
    ``inf``, ``log`` of a negative number ``nan``; ``Cond`` takes ``then`` when
    ``test > 0``. ``ValueError`` for a leaf that is not a number.

    >>> evaluate(Mul((HALF, Pow(Group(Sub(Num(0.01), Num(0.75))), 2))))
    0.2738
    """
    with np.errstate(all="ignore"):
        return float(_value(expr))


def _value(e: Expr) -> np.float64:
    if isinstance(e, Num):
        return np.float64(e.value)
    if isinstance(e, Group):
        return _value(e.body)
    if isinstance(e, Add):
        return np.sum([_value(t) for t in e.terms], dtype=np.float64)
    if isinstance(e, Mul):
        return np.prod([_value(f) for f in e.factors], dtype=np.float64)
    if isinstance(e, Sub):
        return _value(e.left) - _value(e.right)
    if isinstance(e, Div):
        return _value(e.top) / _value(e.bottom)
    if isinstance(e, Neg):
        return -_value(e.arg)
    if isinstance(e, Pow):
        return _value(e.base) ** e.exponent
    if isinstance(e, Cond):
        return _value(e.then) if _value(e.test) > 0 else _value(e.otherwise)
    if isinstance(e, Call) and e.name in FUNCTIONS and len(e.args) == 1:
        return np.float64(FUNCTIONS[e.name](_value(e.args[0])))
    if isinstance(e, Call) and e.name == "max" and len(e.args) == 2:
        return np.maximum(_value(e.args[0]), _value(e.args[1]))
    raise ValueError(f"cannot evaluate {e!r}")
