"""The reference the fast paths are pinned to: ``backprop`` step after step."""

from __future__ import annotations

import numpy as np

from glassnet.engine import EXACT, backprop


def repeated_backprop(network, x, t, lr, steps, variant=EXACT):
    """``steps`` updates through ``backprop`` (the traced path), and each loss after."""
    losses = []
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence shows in the loss
            trace = backprop(network, x, t, lr, detailed=False, variant=variant)
        losses.append(trace.loss_after)
        if not np.isfinite(trace.loss_after):
            break
        network = trace.network_after
    return network, np.array(losses)


def assert_networks_close(a, b, tol=1e-12):
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_allclose(la.weights, lb.weights, rtol=tol, atol=tol)
        if la.bias is not None:
            np.testing.assert_allclose(la.bias, lb.bias, rtol=tol, atol=tol)

