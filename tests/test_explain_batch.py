"""A two-sample, per-neuron-bias example, checked against plain scalar arithmetic.

The reference below is written out neuron by neuron with ``math`` only, the way a
student would compute it by hand, independently of the NumPy engine.
"""

from __future__ import annotations

import math

import pytest

from glassnet.example import parse_example
from glassnet.explanation import explain_example
from glassnet.render.text import render_text

TOML = """
loss = "half_sse"
learning_rate = 0.5
[[layers]]
activation = "sigmoid"
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = [0.35, 0.30]
[[layers]]
activation = "sigmoid"
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
[[samples]]
input = [0.05, 0.10]
target = [0.01, 0.99]
[[samples]]
input = [0.50, -0.20]
target = [0.90, 0.10]
"""

W1 = [[0.15, 0.20], [0.25, 0.30]]
B1 = [0.35, 0.30]
W2 = [[0.40, 0.45], [0.50, 0.55]]
B2 = 0.60
SAMPLES = [([0.05, 0.10], [0.01, 0.99]), ([0.50, -0.20], [0.90, 0.10])]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def by_hand() -> dict[str, float]:
    values: dict[str, float] = {}
    grads_w2 = [[0.0, 0.0], [0.0, 0.0]]
    grads_w1 = [[0.0, 0.0], [0.0, 0.0]]
    grad_b2 = 0.0
    losses = []
    for s, (x, t) in enumerate(SAMPLES, start=1):
        h = [sigmoid(sum(W1[j][i] * x[i] for i in range(2)) + B1[j]) for j in range(2)]
        o = [sigmoid(sum(W2[k][j] * h[j] for j in range(2)) + B2) for k in range(2)]
        losses.append(sum(0.5 * (t[k] - o[k]) ** 2 for k in range(2)))
        delta_o = [-(t[k] - o[k]) * o[k] * (1 - o[k]) for k in range(2)]
        delta_h = [
            sum(delta_o[k] * W2[k][j] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)
        ]
        values[f"out_h1[{s}]"] = h[0]
        values[f"out_o2[{s}]"] = o[1]
        values[f"delta_o1[{s}]"] = delta_o[0]
        values[f"delta_h2[{s}]"] = delta_h[1]
        values[f"E_total[{s}]"] = losses[-1]
        for k in range(2):
            for j in range(2):
                grads_w2[k][j] += delta_o[k] * h[j] / 2
        for j in range(2):
            for i in range(2):
                grads_w1[j][i] += delta_h[j] * x[i] / 2
        grad_b2 += sum(delta_o) / 2
        values[f"dE/dw5[{s}]"] = delta_o[0] * h[0]
    values["E_total"] = sum(losses) / 2
    values["dE/dw5"] = grads_w2[0][0]
    values["dE/dw4"] = grads_w1[1][1]
    values["dE/db3"] = grad_b2  # the shared output bias: sum of its neurons' deltas
    values["w5+"] = W2[0][0] - 0.5 * grads_w2[0][0]
    values["w4+"] = W1[1][1] - 0.5 * grads_w1[1][1]
    return values


def test_batch_values_match_hand_arithmetic() -> None:
    explanation = explain_example(parse_example(TOML))
    for key, expected in by_hand().items():
        assert explanation.step(key).value == pytest.approx(expected, rel=1e-12, abs=1e-15), key


def test_batch_text_marks_each_sample() -> None:
    text = render_text(explain_example(parse_example(TOML)))
    assert "  ∂E_total[2]/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in text
    assert "∂E_total/∂w5 = (∂E_total[1]/∂w5 + ∂E_total[2]/∂w5) / 2" in text
    assert "E_total = (E_total[1] + E_total[2]) / 2" in text
    assert "b3: bias of o1, o2" in text
