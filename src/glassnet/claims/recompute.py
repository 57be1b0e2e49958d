"""A step recomputed from other values than the exact ones: does a claim follow from its parents?

The explanation writes each step twice, as a formula (``δ_o1 = ∂E/∂out_o1 ·
∂out_o1/∂net_o1``) and as the same tree with the exact numbers at its leaves.
``recompute`` walks both together: where the formula names a quantity that has
a value in ``values`` (a claim), that value replaces the exact number; then the
tree is evaluated (``glassnet.formula.evaluate``). So a claimed δ_o1 can be set
against the claimed ∂E/∂out_o1 and ∂out_o1/∂net_o1 through the one formula the
explanation prints, not a second copy of the mathematics.

A chain-rule product ``∂E/∂out_n · ∂out_n/∂net_n`` is δ_n: when δ_n has a value
and the two factors are next to each other, that value stands for both.

>>> from glassnet.examples import load_example
>>> from glassnet.claims import Quantities
>>> q = Quantities(load_example("mazur"))
>>> step = q.steps[q.index["dE/dout_o1"]]  # -(target_o1 - out_o1)
>>> r = recompute(step, {"out_o1": 0.76}, q.layout.inputs)
>>> round(r.value, 12), sorted(r.claimed), sorted(r.exact)
(0.75, ['out_o1'], ['target_o1'])
>>> r = recompute(q.steps[q.index["dE/dw5"]], {"delta_o1": 0.15}, q.layout.inputs)
>>> round(r.value, 12), sorted(r.claimed), sorted(r.exact)  # δ_o1 · out_h1
(0.088990498816, ['delta_o1'], ['dnet_o1/dw5'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glassnet.claims.dependencies import formula_key
from glassnet.claims.keys import split_sample
from glassnet.explanation.model import E_TOTAL, Step
from glassnet.formula import ONE, Expr, Mul, Num, Partial, Sym, evaluate


@dataclass(frozen=True)
class Recomputed:
    """A step's value from ``values`` where given: ``claimed`` keys read from
    ``values``, ``exact`` keys whose exact value was kept."""

    value: float
    claimed: frozenset[str]
    exact: frozenset[str]


class NotRecomputableError(Exception):
    """The step has no formula, or its formula and numbers do not line up."""


def recompute(step: Step, values: Mapping[str, float], inputs: list[str]) -> Recomputed:
    """``step`` evaluated with ``values`` put in for the quantities its formula names.

    ``inputs`` are the example's input names (per sample, unlike other given values).
    Raises ``NotRecomputableError`` for a step without formula or whose trees differ.
    """
    if step.formula is None:
        raise NotRecomputableError(f"{step.key!r} has no formula")
    _, suffix = split_sample(step.key)
    binder = _Binder(values, suffix, inputs)
    if step.numbers is None:
        # The formula is one quantity (dnet_o1/dw5 = out_h1), whose exact value is the step's.
        tree = binder.leaf(step.formula, Num(float(step.value)))
    else:
        tree = binder.bind(step.formula, step.numbers)
    value = evaluate(tree)
    return Recomputed(value, frozenset(binder.claimed), frozenset(binder.exact))


class _Binder:
    """Builds the numbers tree with claimed values at the leaves they name."""

    def __init__(self, values: Mapping[str, float], suffix: str, inputs: list[str]):
        self.values = values
        self.suffix = suffix
        self.inputs = inputs
        self.claimed: set[str] = set()
        self.exact: set[str] = set()

    def bind(self, formula: Expr, numbers: Expr) -> Expr:
        if isinstance(formula, Sym | Partial):
            return self.leaf(formula, numbers)
        if isinstance(formula, Mul) and isinstance(numbers, Num):
            # a product that names one quantity: the share ∂E_total/∂net_m · ∂net_m/∂out_n
            return self.leaf(formula, numbers)
        if type(formula) is not type(numbers):
            raise NotRecomputableError(f"{formula!r} and {numbers!r} differ")
        if isinstance(formula, Mul) and isinstance(numbers, Mul):
            return self._product(formula, numbers)
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(formula):  # type: ignore[arg-type]
            a, b = getattr(formula, f.name), getattr(numbers, f.name)
            if isinstance(a, Expr) and isinstance(b, Expr):
                changes[f.name] = self.bind(a, b)
            elif isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
                changes[f.name] = tuple(self._item(x, y) for x, y in zip(a, b, strict=True))
            elif a != b:
                raise NotRecomputableError(f"{formula!r} and {numbers!r} differ")
        return dataclasses.replace(numbers, **changes)  # type: ignore[type-var]

    def _item(self, a: object, b: object) -> object:
        if isinstance(a, Expr) and isinstance(b, Expr):
            return self.bind(a, b)
        if a != b:
            raise NotRecomputableError(f"{a!r} and {b!r} differ")
        return b

    def _product(self, formula: Mul, numbers: Mul) -> Expr:
        """A product; ``∂E/∂out_n · ∂out_n/∂net_n`` takes a claimed ``δ_n`` as one factor."""
        if len(formula.factors) != len(numbers.factors):
            raise NotRecomputableError(f"{formula!r} and {numbers!r} differ")
        factors = list(zip(formula.factors, numbers.factors, strict=True))
        bound: list[Expr] = []
        k = 0
        while k < len(factors):
            delta = self._delta(factors[k][0], factors[k + 1][0]) if k + 1 < len(factors) else None
            if delta is not None:
                self.claimed.add(delta)
                bound += [Num(self.values[delta]), ONE]
                k += 2
                continue
            bound.append(self.bind(*factors[k]))
            k += 1
        return Mul(tuple(bound))

    def _delta(self, first: Expr, second: Expr) -> str | None:
        """``delta_n`` when ``first · second`` is ``∂E/∂out_n · ∂out_n/∂net_n`` and it is given."""
        if not (isinstance(first, Partial) and isinstance(second, Partial)):
            return None
        out, net = second.top, second.bottom
        if first.top != E_TOTAL or first.bottom != out:
            return None
        if not (isinstance(out, Sym) and isinstance(net, Sym) and out.base == "out"):
            return None
        if net.base != "net" or out.sub != net.sub:
            return None
        key = f"delta_{net.sub}{self.suffix}"
        return key if key in self.values else None

    def leaf(self, formula: Expr, numbers: Expr) -> Expr:
        key = formula_key(formula, self.suffix, self.inputs)
        if key is not None and key in self.values:
            self.claimed.add(key)
            return Num(self.values[key])
        if key is not None:
            self.exact.add(key)
        return numbers
