"""glassnet.training.step: the batch step the fit loop takes, fused or generic."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.init import init_network


@pytest.mark.parametrize(
    ("activations", "loss", "reduction"),
    [
        (["tanh", "softmax"], "cross_entropy", "mean"),
        (["relu", "sigmoid"], "binary_cross_entropy", "mean"),
        (["sigmoid", "identity"], "mse", "mean"),
        (["leaky_relu", "sigmoid"], "half_sse", "sum"),
    ],
)
def test_engine_lean_backward_gives_the_same_gradients(activations, loss, reduction):
    """``backward(lean=True)`` (the training loop's) against the trace's ``backward``."""
    from glassnet.engine import backward, forward

    rng = np.random.default_rng(0)
    net = init_network(
        [4, 5, 3], activations, loss=loss, rng=1, dtype=np.float64, batch_reduction=reduction
    )
    x = rng.normal(size=(6, 4))
    t = np.eye(3)[rng.integers(0, 3, 6)] if loss == "cross_entropy" else rng.random((6, 3))
    passes = forward(net, x)
    full = backward(net, passes, t)
    lean = backward(net, passes, t, lean=True)
    for a, b in zip(full, lean):
        np.testing.assert_allclose(b.grad_weights, a.grad_weights, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(b.grad_bias, a.grad_bias, rtol=1e-13, atol=1e-16)
