"""Recomputing a step from other values: ``formula.evaluate`` and ``claims.recompute``.

The reference is the engine itself: every step's numbers tree must evaluate to the
value the engine computed, and recomputing every step from the exact values of what
it names must give that value again. Hand-worked cases check the substitution.
"""

from __future__ import annotations

import math

import pytest

from glassnet.activations import ACTIVATIONS
from glassnet.claims import Quantities
from glassnet.claims.recompute import NotRecomputableError, recompute
from glassnet.examples import load_example
from glassnet.formula import HALF, Call, Cond, Group, Matrix, Mul, Num, Pow, Sub, evaluate
from glassnet.losses import LOSSES
from glassnet.practice import random_example

EXAMPLES = [
    *[load_example(name) for name in ("mazur", "hill", "lamsal")],
    *[
        random_example(3, shape=(2, 3, 2), activation=activation, loss=loss, samples=2, bias=bias)
        for activation in sorted(a for a in ACTIVATIONS if a != "softmax")
        for loss in sorted(LOSSES)
        for bias in ("neuron", "shared")
    ],
]


@pytest.fixture(scope="module", params=range(len(EXAMPLES)))
def quantities(request: pytest.FixtureRequest) -> Quantities:
    return Quantities(EXAMPLES[request.param])


def test_the_numbers_evaluate_to_the_engines_value(quantities: Quantities) -> None:
    for step in quantities.steps:
        if step.numbers is not None:
            value = evaluate(step.numbers)
            assert math.isclose(value, float(step.value), rel_tol=1e-12, abs_tol=1e-15), step.key


def test_every_step_recomputes_from_the_exact_values(quantities: Quantities) -> None:
    exact = {step.key: float(step.value) for step in quantities.steps}
    recomputed = 0
    for step in quantities.steps:
        if step.formula is None:
            with pytest.raises(NotRecomputableError):
                recompute(step, exact, quantities.layout.inputs)
            continue
        result = recompute(step, exact, quantities.layout.inputs)
        assert math.isclose(result.value, exact[step.key], rel_tol=1e-9, abs_tol=1e-12), step.key
        recomputed += 1
    assert recomputed > len(quantities.steps) // 2


def test_evaluate_by_hand() -> None:
    assert evaluate(Mul((HALF, Pow(Group(Sub(Num(0.01), Num(0.75))), 2)))) == 0.5 * 0.74**2
    assert evaluate(Call("exp", (Num(1000.0),))) == math.inf  # as NumPy: inf, no error
    assert math.isnan(evaluate(Call("log", (Num(-1.0),))))
    assert evaluate(Cond(Num(1.0), Num(-0.5), Num(0.01))) == 0.01  # the kink: test <= 0
    assert evaluate(Call("max", (Num(0.0), Num(-2.0)))) == 0.0
    with pytest.raises(ValueError, match="cannot evaluate"):
        evaluate(Matrix("W", 1))


def test_claimed_values_replace_the_exact_ones() -> None:
    q = Quantities(load_example("mazur"))
    inputs = q.layout.inputs
    # net_o1 = w5 · out_h1 + w6 · out_h2 + b2 with out_h1 = 0.6 claimed:
    # 0.4 · 0.6 + 0.45 · 0.596884378259767 + 0.6 = 1.1085979702168952.
    result = recompute(q.steps[q.index["net_o1"]], {"out_h1": 0.6}, inputs)
    assert result.value == pytest.approx(0.4 * 0.6 + 0.45 * 0.596884378259767 + 0.6, rel=1e-15)
    assert result.claimed == {"out_h1"} and result.exact == {"w5", "w6", "out_h2", "b2"}
    # w5+ = w5 − η · ∂E/∂w5: 0.4 − 0.5 · 0.1 = 0.35.
    result = recompute(q.steps[q.index["w5+"]], {"dE/dw5": 0.1}, inputs)
    assert result.value == pytest.approx(0.35, rel=1e-15)
    # ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · out_h1: a claimed δ_o1 stands for the first two,
    # unless the factors themselves are given.
    result = recompute(q.steps[q.index["dE/dw5"]], {"delta_o1": 0.2}, inputs)
    assert result.value == pytest.approx(0.2 * 0.5932699921071872, rel=1e-15)
    factors = {"dE/dout_o1": 0.5, "dout_o1/dnet_o1": 0.3}
    result = recompute(q.steps[q.index["dE/dw5"]], factors, inputs)
    assert result.value == pytest.approx(0.5 * 0.3 * 0.5932699921071872, rel=1e-15)
    # ∂net_o1/∂w5 is out_h1 itself.
    result = recompute(q.steps[q.index["dnet_o1/dw5"]], {"out_h1": 0.61}, inputs)
    assert result.value == 0.61 and result.claimed == {"out_h1"}
