"""glassnet.training.step: the batch step the fit loop takes, fused or generic."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.init import init_network


def torch_gradients(net, x, labels):
    """dE/dW, dE/db of the mean cross-entropy (softmax output) or binary cross-entropy
    (one sigmoid output), by torch.autograd in float64; and the summed loss."""
    import torch

    params = []
    h = torch.tensor(x, dtype=torch.float64)
    for index, layer in enumerate(net.layers):
        w = torch.tensor(layer.weights, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(layer.bias, dtype=torch.float64, requires_grad=True)
        params += [w, b]
        h = h @ w.T + b
        if index < len(net.layers) - 1:
            h = torch.tanh(h)
    target = torch.tensor(labels)
    if net.n_outputs == 1:
        terms = torch.nn.functional.binary_cross_entropy_with_logits(
            h[:, 0], target.double(), reduction="none"
        )
    else:
        terms = torch.nn.functional.cross_entropy(h, target, reduction="none")
    terms.mean().backward()
    return float(terms.detach().sum()), [p.grad.numpy() for p in params]


@pytest.mark.parametrize(("n_out", "output", "loss"), [
    (3, "softmax", "cross_entropy"), (1, "sigmoid", "binary_cross_entropy")])  # fmt: skip
@pytest.mark.parametrize("factor", [1.0, 0.25])
def test_the_step_gives_torchs_gradients_times_the_factor(n_out, output, loss, factor):
    """Softmax with cross-entropy takes the fused step, one sigmoid output the generic one;
    both return the summed loss and the correct labels of the batch before any update."""
    from glassnet.fast.fused import GenericStep
    from glassnet.training import predict, predicted_labels
    from glassnet.training.step import batch_step

    rng = np.random.default_rng(3)
    net = init_network([4, 5, n_out], ["tanh", output], loss=loss, rng=2, dtype=np.float64)
    x = rng.normal(size=(7, 4))
    labels = rng.integers(0, max(n_out, 2), 7)
    step = batch_step(net, 8, labels=True)
    assert isinstance(step, GenericStep) == (n_out == 1)  # softmax: the fused step
    summed, correct = step.run(x, labels, factor=factor)
    expected_sum, expected_grads = torch_gradients(net, x, labels)
    assert summed == pytest.approx(expected_sum, rel=1e-12)
    assert correct == int(np.sum(predicted_labels(predict(net, x)) == labels))
    assert len(step.grads) == len(expected_grads) == 4
    for got, want in zip(step.grads, expected_grads):
        np.testing.assert_allclose(got, factor * want.reshape(got.shape), rtol=1e-10, atol=1e-14)


def test_the_generic_step_takes_target_values():
    """Regression targets (no labels): the summed half squared error, 0 correct, and the
    gradients of backprop's mean over the batch."""
    from glassnet.engine import backward, forward
    from glassnet.fast.fused import GenericStep
    from glassnet.training.step import batch_step

    rng = np.random.default_rng(4)
    net = init_network([3, 4, 2], ["relu", "identity"], loss="mse", rng=1, dtype=np.float64)
    x, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    step = batch_step(net, 5, labels=False)
    assert isinstance(step, GenericStep)
    summed, correct = step.run(x, t)
    out = forward(net, x)[-1].out
    assert correct == 0
    assert summed == pytest.approx(float(np.sum(np.mean((out - t) ** 2, axis=1))), rel=1e-12)
    grads = backward(net, forward(net, x), t)
    expected = [a for g in grads for a in (g.grad_weights, g.grad_bias)]
    for got, want in zip(step.grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_a_non_finite_loss_skips_the_backward_pass():
    """The loop stops at a non-finite loss before it reads the gradients: none are made."""
    from glassnet.fast.fused import GenericStep

    net = init_network([2, 3, 1], ["tanh", "identity"], loss="mse", rng=0, dtype=np.float64)
    step = GenericStep(net, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        summed, _ = step.run(np.ones((2, 2)), np.array([[np.inf], [0.0]]))
    assert not np.isfinite(summed)
    assert step.grads == []
