"""``glassnet.engine``: the reference forward pass, backward pass and update.

Its gradients are checked against central differences in ``test_gradients.py`` and
against ``torch.autograd`` in ``test_torch_autograd.py``; the worked examples'
published numbers in ``test_reference.py``. Here: the engine's own pieces agree
with each other, with Mazur's numbers (``shared/reference/worked-examples.md``) and
with the arithmetic of the trace's recorded products.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.engine import (
    EXACT,
    Variant,
    backprop,
    backward,
    forward,
    layer_updates,
    step_settings,
)
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.init import init_network


def test_mazur_one_update() -> None:
    """Mazur's tutorial: E_total, delta_o1, dE/dw5 and the new w5 and w1."""
    ex = load_example("mazur")
    before = [layer.weights.copy() for layer in ex.network.layers]
    trace = backprop(ex.network, ex.inputs, ex.targets, ex.learning_rate)
    assert trace.loss == pytest.approx(0.2983711087600027, rel=1e-14)
    assert trace.layers[1].delta[0, 0] == pytest.approx(0.138498561628557, rel=1e-12)
    assert trace.layers[1].grad_weights[0, 0] == pytest.approx(0.082167040564231, rel=1e-12)
    assert trace.layers[1].new_weights[0, 0] == pytest.approx(0.358916479717885, rel=1e-14)
    assert trace.layers[0].new_weights[0, 0] == pytest.approx(0.149780716132763, rel=1e-14)
    assert trace.loss_after == pytest.approx(0.29102777369359933, rel=1e-14)
    for layer, weights in zip(ex.network.layers, before):  # the network is not changed
        np.testing.assert_array_equal(layer.weights, weights)


def test_mazur_hidden_deltas_after_the_update() -> None:
    """Mistake 1 reproduces the tutorial's published error after one update."""
    ex = load_example("mazur")
    variant = Variant(hidden_deltas_after_update=True)
    trace = backprop(ex.network, ex.inputs, ex.targets, ex.learning_rate, variant=variant)
    assert trace.loss_after == pytest.approx(0.29102792390544197, rel=1e-14)
    # The hidden layer's dE/dout goes through the output layer's *new* weights.
    output = trace.layers[1]
    np.testing.assert_allclose(trace.layers[0].dE_dout, output.delta @ output.new_weights)
    np.testing.assert_allclose(
        trace.layers[0].dE_dout_terms.sum(axis=1), trace.layers[0].dE_dout, rtol=1e-15
    )


@pytest.mark.parametrize(
    ("activations", "loss", "reduction"),
    [
        (["tanh", "softmax"], "cross_entropy", "mean"),
        (["relu", "sigmoid"], "binary_cross_entropy", "sum"),
        (["leaky_relu", "identity"], "mse", "mean"),
    ],
)
@pytest.mark.parametrize(
    "variant",
    [EXACT, Variant(derivative_at_output=True, gradient_scale=2.0, round_decimals=6)],
)
def test_backward_is_the_gradients_of_the_update(activations, loss, reduction, variant) -> None:
    """``backward`` and ``layer_updates`` (which backprop uses) walk the same chain rule."""
    net = init_network(
        [4, 5, 3], activations, loss=loss, rng=1, dtype=np.float64, batch_reduction=reduction
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4))
    t = np.eye(3)[rng.integers(0, 3, 6)]
    passes = forward(net, x, rounder=variant.rounder())
    grads = backward(net, passes, t, reduction=reduction, variant=variant)
    reduction, eta = step_settings(net, 0.1, variant)
    traces = layer_updates(net, passes, t, reduction, eta, variant)
    for g, trace in zip(grads, traces, strict=True):
        np.testing.assert_array_equal(g.delta, trace.delta)
        np.testing.assert_array_equal(g.grad_weights, trace.grad_weights)
        np.testing.assert_array_equal(g.grad_bias, trace.grad_bias)
        r = variant.rounder()
        np.testing.assert_array_equal(trace.new_weights, r(trace.weights - r(eta * g.grad_weights)))


def test_the_recorded_products_sum_to_what_the_engine_computed() -> None:
    ex = load_example("hill")
    trace = backprop(ex.network, ex.inputs, ex.targets, ex.learning_rate, detailed=True)
    for k, layer in enumerate(trace.layers):
        bias = 0.0 if layer.bias is None else layer.bias
        np.testing.assert_allclose(layer.net_terms.sum(axis=2) + bias, layer.net, rtol=1e-15)
        reduce = np.mean if trace.network.batch_reduction == "mean" else np.sum
        np.testing.assert_allclose(
            reduce(layer.grad_weights_per_sample, axis=0), layer.grad_weights, rtol=1e-15
        )
        if k + 1 < len(trace.layers):
            np.testing.assert_allclose(layer.dE_dout_terms.sum(axis=1), layer.dE_dout, rtol=1e-15)
        else:
            assert layer.dE_dout_terms is None
    plain = backprop(ex.network, ex.inputs, ex.targets, ex.learning_rate, detailed=False)
    assert plain.layers[0].net_terms is None and plain.layers[0].dE_dout_terms is None


def test_variant_defaults_are_the_stated_method() -> None:
    assert Variant() == EXACT
    assert step_settings(load_example("mazur").network, 0.5, Variant(learning_rate_power=2)) == (
        "mean",
        0.25,
    )


def test_targets_of_the_wrong_shape_are_named() -> None:
    ex = load_example("mazur")
    with pytest.raises(GlassnetError, match=r"expected shape \(1, 2\), got \(1, 3\)"):
        backprop(ex.network, ex.inputs, [[0.1, 0.2, 0.3]], 0.5)
