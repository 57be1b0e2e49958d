"""glassnet.losses: each loss's terms and gradients against torch.autograd, its formula trees
against its NumPy functions, and what it declares."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glassnet.activations import get_activation
from glassnet.formula import Num, evaluate
from glassnet.losses import LOSSES, get_loss

RNG = np.random.default_rng(7)
NET = RNG.normal(scale=2.0, size=(4, 3))


def targets(name: str, n_outputs: int) -> np.ndarray:
    if name == "cross_entropy":
        return np.eye(n_outputs)[RNG.integers(0, n_outputs, 4)]
    if name == "binary_cross_entropy":
        return RNG.integers(0, 2, (4, n_outputs)).astype(float)
    return RNG.normal(size=(4, n_outputs))


def outputs(name: str, net: np.ndarray) -> np.ndarray:
    loss = get_loss(name)
    activation = get_activation(loss.requires_activation or "sigmoid")
    return activation.forward(net)


def torch_terms(name: str, net: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample losses written from their definitions."""
    n = net.shape[1]
    if name == "cross_entropy":
        return -(target * torch.log_softmax(net, dim=1)).sum(dim=1)
    out = torch.sigmoid(net)
    if name == "binary_cross_entropy":
        return -(target * torch.log(out) + (1 - target) * torch.log(1 - out)).sum(dim=1)
    squared = ((target - out) ** 2).sum(dim=1)
    return {"half_sse": 0.5 * squared, "sse": squared, "mse": squared / n}[name]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_terms_and_gradients_are_torch_autograds(name):
    loss = get_loss(name)
    t = targets(name, 3)
    out = outputs(name, NET)
    net_t = torch.tensor(NET, requires_grad=True)
    target_t = torch.tensor(t)
    expected = torch_terms(name, net_t, target_t)
    # terms are per output (E_j); a sample's loss is their sum
    per_sample = loss.terms(NET, out, t).sum(axis=1)
    np.testing.assert_allclose(per_sample, expected.detach().numpy(), rtol=1e-12)
    expected.sum().backward()
    assert net_t.grad is not None
    dE_dnet = net_t.grad.numpy()
    if loss.requires_activation:
        # the combined dE/dnet, which the loss owns with its activation
        np.testing.assert_allclose(loss.grad_net(NET, out, t), dE_dnet, rtol=1e-10, atol=1e-14)
    else:
        # dE/dout · f'(net) by the chain rule, through the sigmoid used above
        dout_dnet = get_activation("sigmoid").derivative(NET, out)
        np.testing.assert_allclose(loss.grad_out(out, t) * dout_dnet, dE_dnet, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_the_formula_trees_say_what_the_functions_compute(name):
    loss = get_loss(name)
    t = targets(name, 3)[0]
    out = outputs(name, NET)[0]
    terms = loss.terms(NET[:1], out[None], t[None])[0]
    for k, (o, y) in enumerate(zip(out, t)):
        tree = evaluate(loss.term_expr(Num(float(o)), Num(float(y)), 3))
        assert tree == pytest.approx(terms[k], rel=1e-12, abs=1e-15)
    grads = loss.grad_out(out[None], t[None])[0]
    for k, (o, y) in enumerate(zip(out, t)):
        assert evaluate(loss.grad_expr(Num(float(o)), Num(float(y)), 3)) == pytest.approx(
            grads[k], rel=1e-12
        )


def test_what_the_losses_declare():
    assert get_loss("cross_entropy").requires_activation == "softmax"
    assert get_loss("cross_entropy").fused_with == "softmax"
    assert get_loss("binary_cross_entropy").requires_activation == "sigmoid"
    assert all(get_loss(n).requires_activation is None for n in ("half_sse", "sse", "mse"))
    assert get_loss("cross_entropy").bad_target([0.5, 0.25]) is not None  # does not sum to 1
    assert get_loss("cross_entropy").bad_target([0.0, 1.0]) is None
