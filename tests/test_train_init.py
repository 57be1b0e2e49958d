"""Initialisers: the published ranges and variances, seeding, and the errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from glassnet.errors import GlassnetError
from glassnet.init import Init, init_network, init_weights, resolve

FAN_IN, FAN_OUT = 400, 300


def draw(method: str, **settings: float) -> np.ndarray:
    return init_weights(Init(method, **settings), FAN_IN, FAN_OUT, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("method", "torch_init", "bound"),
    [
        ("glorot_uniform", torch.nn.init.xavier_uniform_, math.sqrt(6 / (FAN_IN + FAN_OUT))),
        (
            "he_uniform",
            lambda t: torch.nn.init.kaiming_uniform_(t, nonlinearity="relu"),
            math.sqrt(6 / FAN_IN),
        ),
    ],
)
def test_uniform_bounds_match_torch(method, torch_init, bound):
    ours = draw(method)
    theirs = torch_init(torch.empty(FAN_OUT, FAN_IN)).numpy()
    # Both fill [-bound, bound]: the extremes of 120,000 draws come within 0.1% of it.
    for w in (ours, theirs):
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.999 * bound
    assert ours.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize(
    ("method", "torch_init", "std"),
    [
        ("glorot_normal", torch.nn.init.xavier_normal_, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (
            "he_normal",
            lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu"),
            math.sqrt(2 / FAN_IN),
        ),
    ],
)
def test_normal_std_matches_torch(method, torch_init, std):
    ours = draw(method)
    theirs = torch_init(torch.empty(FAN_OUT, FAN_IN)).numpy()
    # The standard error of a std estimate from 120,000 draws is about 0.2%.
    assert ours.std() == pytest.approx(std, rel=0.01)
    assert theirs.std() == pytest.approx(std, rel=0.01)
    assert abs(ours.mean()) < 0.01 * std


def test_explicit_ranges_and_constant():
    w = draw("uniform", low=0.1, high=0.3)
    assert w.min() >= 0.1 and w.max() < 0.3 and w.mean() == pytest.approx(0.2, abs=0.001)
    w = draw("normal", mean=1.0, std=0.5)
    assert w.mean() == pytest.approx(1.0, abs=0.01) and w.std() == pytest.approx(0.5, rel=0.01)
    assert np.all(draw("constant", value=0.25) == 0.25)


def test_auto_picks_he_for_relu_and_glorot_otherwise():
    assert resolve("auto", "relu").method == "he_uniform"
    assert resolve("auto", "leaky_relu").method == "he_uniform"
    assert resolve("auto", "tanh").method == "glorot_uniform"
    assert resolve("he_normal", "sigmoid").method == "he_normal"


def test_seeded_and_dtype_independent():
    a = init_network([3, 5, 2], ["relu", "softmax"], loss="cross_entropy", rng=7)
    b = init_network([3, 5, 2], ["relu", "softmax"], loss="cross_entropy", rng=7)
    c = init_network([3, 5, 2], ["relu", "softmax"], loss="cross_entropy", rng=8)
    d = init_network([3, 5, 2], ["relu", "softmax"], loss="cross_entropy", rng=7, dtype=np.float64)
    assert a.dtype == np.float32 and d.dtype == np.float64
    for la, lb, lc, ld in zip(a.layers, b.layers, c.layers, d.layers):
        assert np.array_equal(la.weights, lb.weights)
        assert not np.array_equal(la.weights, lc.weights)
        assert np.array_equal(la.weights, ld.weights.astype(np.float32))
        assert np.all(la.bias == 0)


def test_per_layer_specs_and_no_bias():
    net = init_network(
        [2, 3, 1], ["tanh", "sigmoid"], init=["constant", Init("constant", value=2.0)], bias=None
    )
    assert np.all(net.layers[0].weights == 0) and np.all(net.layers[1].weights == 2)
    assert net.layers[0].bias is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Init("he_unifrom"), "unknown init 'he_unifrom'; did you mean 'he_uniform'?"),
        (lambda: Init("uniform", low=1, high=0), "init low must be < high, got 1 and 0"),
        (lambda: init_network([2], []), "sizes must be >= 2 positive numbers, got [2]"),
        (lambda: init_network([2, 3], ["relu", "relu"]), "expected 1 activations"),
    ],
)
def test_errors(make, message):
    with pytest.raises(GlassnetError) as info:
        make()
    assert message in str(info.value)
