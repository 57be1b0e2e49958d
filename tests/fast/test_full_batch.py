"""``glassnet.fast.full_batch.train`` (repeated full-batch updates) against ``engine.backprop``
step after step, on the NumPy path and the generated one, and where each is taken."""

from __future__ import annotations

import numpy as np
import pytest
from repeated import assert_networks_close, repeated_backprop

from glassnet.errors import TrainingDivergedError
from glassnet.examples import load_example
from glassnet.fast import compiled
from glassnet.fast.full_batch import train
from glassnet.init import init_network
from glassnet.network import Layer, Network


def test_mazur_reaches_the_published_loss_after_10000_updates():
    ex = load_example("mazur")
    result = train(ex.network, ex.inputs, ex.targets, ex.learning_rate, 10_000)
    # Mazur's step-by-step tutorial: 0.0000351085 after 10,000 rounds (measured before the
    # 10,000th update is applied); after it, 3.510188e-05.
    assert result.loss == pytest.approx(3.510188e-05, rel=1e-6)


def test_large_nets_do_not_overflow_and_match_numpy():
    # |net| of several thousand: math.exp would raise OverflowError unguarded.
    layers = [
        Layer([[3000.0, -2000.0], [-4000.0, 1.0]], "sigmoid", bias=0.5),
        Layer([[2.0, -3.0]], "sigmoid", bias=0.1),
    ]
    network = Network(layers, loss="half_sse")
    x, t = np.array([[1.0, 1.0]]), np.array([[0.3]])
    result = train(network, x, t, 0.5, 5)
    expected, losses = repeated_backprop(network, x, t, 0.5, 5)
    assert_networks_close(result.network, expected)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12)


def test_divergence_stops_at_the_same_step_as_numpy(monkeypatch):
    layers = [
        Layer([[1.0, 0.5], [0.2, -0.4]], "identity", bias=0.0),
        Layer([[1.0, 1.0]], "identity"),
    ]
    network = Network(layers, loss="sse")
    x, t = np.array([[2.0, 3.0]]), np.array([[1.0]])
    with pytest.raises(TrainingDivergedError) as fast:
        train(network, x, t, 5.0, 2000)
    monkeypatch.setattr(compiled, "supports", lambda *a: False)
    with pytest.raises(TrainingDivergedError) as slow:
        train(network, x, t, 5.0, 2000)
    assert str(fast.value).split(" at step ")[1] == str(slow.value).split(" at step ")[1]
    assert_networks_close(fast.value.network, slow.value.network, tol=1e-9)


def test_wide_float32_or_softmax_networks_keep_numpy():
    assert not compiled.supports(
        init_network([784, 128, 10], ["relu", "softmax"], loss="cross_entropy"), 1
    )
    net32 = init_network([2, 2, 2], ["sigmoid", "sigmoid"], rng=0, dtype=np.float32)
    assert not compiled.supports(net32, 1)
    soft = init_network(
        [2, 3, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0, dtype=np.float64
    )
    assert not compiled.supports(soft, 1)



def test_a_progress_callback_gets_every_step_from_the_python_loop():
    ex = load_example("mazur")
    seen = []
    result = train(ex.network, ex.inputs, ex.targets, 0.5, 30, on_step=lambda k, e: seen.append(e))
    assert len(seen) == 30
    np.testing.assert_array_equal(seen, result.losses)
    np.testing.assert_array_equal(
        result.losses, train(ex.network, ex.inputs, ex.targets, 0.5, 30).losses
    )
