"""The fit loop's steps (``glassnet.fast.fused``) against ``engine.backward``: the fused
softmax + cross-entropy step, the generic step and ``lean_backward``, and training through
them from a memory-mapped X."""

from __future__ import annotations

import numpy as np
import pytest
from repeated import assert_networks_close

from glassnet.engine import backward, forward
from glassnet.errors import GlassnetError
from glassnet.fast.fused import FusedStep, GenericStep, batch_step, lean_backward
from glassnet.init import init_network
from glassnet.network import Layer, Network
from glassnet.optimizers import SGD
from glassnet.training import Trainer, check_features, predicted_labels


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_batch_step_matches_forward_backward(hidden, order):
    """Same gradients with the default column-major weights and with row-major ones
    (a user may assign ``layer.weights`` any array); each gradient in its matrix's layout."""
    network = init_network(
        [20, 16, 12, 5], [hidden, hidden, "softmax"], loss="cross_entropy", rng=3, dtype=np.float64
    )
    for layer in network.layers:
        assert layer.weights.flags.f_contiguous
        layer.weights = np.asarray(layer.weights, order=order)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (9, 20))
    labels = rng.integers(0, 5, 9)
    t = np.eye(5)[labels]
    assert FusedStep.fits(network)
    step = FusedStep(network, 16)
    summed, correct = step.run(x, labels)
    passes = forward(network, x)
    grads = backward(network, passes, t)
    expected_grads = []
    for g in grads:
        expected_grads += [g.grad_weights, g.grad_bias]
    assert len(step.grads) == len(expected_grads)
    for got, want in zip(step.grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert all(grad.flags[f"{order}_CONTIGUOUS"] for grad in step.grad_weights)
    last = passes[-1]
    assert summed == pytest.approx(network.loss.terms(last.net, last.out, t).sum(), rel=1e-12)
    assert correct == int((last.out.argmax(axis=1) == labels).sum())


def test_batch_step_shared_and_frozen_bias():
    layers = [
        Layer(np.full((4, 3), 0.1) + np.arange(12).reshape(4, 3) / 30, "relu", bias=0.2),
        Layer(
            np.arange(12).reshape(3, 4) / 17 - 0.3,
            "softmax",
            bias=[0.1, 0.0, -0.1],
            train_bias=False,
        ),
    ]
    network = Network(layers, loss="cross_entropy")
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1]])
    labels = np.array([2, 0])
    step = FusedStep(network, 4)
    step.run(x, labels)
    grads = backward(network, forward(network, x), np.eye(3)[labels])
    # weights 0, shared bias 0, weights 1 (the frozen bias 1 is not trained)
    want = [grads[0].grad_weights, grads[0].grad_bias, grads[1].grad_weights]
    assert [g.shape for g in step.grads] == [w.shape for w in want]
    for got, w in zip(step.grads, want):
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-15)


def test_trainer_on_a_memory_mapped_x_does_not_copy_it(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (300, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    net_a = init_network([6, 8, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    assert np.shares_memory(check_features(net_a, mapped), mapped)
    net_b = init_network([6, 8, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    Trainer(net_a, SGD(0.1), epochs=3, batch_size=32, seed=1, progress="quiet").fit(mapped, y)
    Trainer(net_b, SGD(0.1), epochs=3, batch_size=32, seed=1, progress="quiet").fit(X, y)
    for la, lb in zip(net_a.layers, net_b.layers):
        np.testing.assert_array_equal(la.weights, lb.weights)


def test_plain_sgd_trainer_matches_forward_backward_updates():
    """The fused step with the learning rate folded in, against the engine's own
    forward/backward and ``p -= lr * g``, batch by batch (float64, one epoch)."""
    rng = np.random.default_rng(2)
    X = rng.normal(0, 1, (70, 6))
    y = rng.integers(0, 3, 70)
    fast = init_network(
        [6, 9, 3], ["relu", "softmax"], loss="cross_entropy", rng=4, dtype=np.float64
    )
    ref = fast.copy()
    optimizer = SGD(0.2)
    assert optimizer.plain
    Trainer(fast, optimizer, epochs=1, batch_size=16, seed=5, progress="quiet").fit(X, y)
    assert optimizer.t == 5
    perm = np.random.default_rng(5).permutation(70)
    for lo in range(0, 70, 16):
        idx = perm[lo : lo + 16]
        grads = backward(ref, forward(ref, X[idx]), np.eye(3)[y[idx]])
        for layer, g in zip(ref.layers, grads):
            layer.weights -= 0.2 * g.grad_weights
            layer.bias -= 0.2 * g.grad_bias
    assert_networks_close(fast, ref)


def test_step_scaled_is_for_plain_sgd_only():
    p = np.array([1.0, 2.0])
    SGD(0.1).step_scaled([p], [np.array([0.5, -1.0])])
    np.testing.assert_array_equal(p, [0.5, 3.0])
    with pytest.raises(GlassnetError, match="step_scaled is for plain SGD"):
        SGD(0.1, momentum=0.9).step_scaled([p], [p])


@pytest.mark.parametrize(
    ("activations", "loss", "reduction"),
    [
        (["tanh", "softmax"], "cross_entropy", "mean"),
        (["relu", "sigmoid"], "binary_cross_entropy", "mean"),
        (["sigmoid", "identity"], "mse", "mean"),
        (["leaky_relu", "sigmoid"], "half_sse", "sum"),
    ],
)
def test_lean_backward_gives_backwards_gradients(activations, loss, reduction):
    """``lean_backward`` (the generic step's) against the engine's ``backward``."""
    rng = np.random.default_rng(0)
    net = init_network(
        [4, 5, 3], activations, loss=loss, rng=1, dtype=np.float64, batch_reduction=reduction
    )
    x = rng.normal(size=(6, 4))
    t = np.eye(3)[rng.integers(0, 3, 6)] if loss == "cross_entropy" else rng.random((6, 3))
    passes = forward(net, x)
    full = backward(net, passes, t)
    lean = lean_backward(net, passes, t)
    for a, b in zip(full, lean):
        np.testing.assert_allclose(b.grad_weights, a.grad_weights, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(b.grad_bias, a.grad_bias, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize(
    ("activations", "loss", "labels"),
    [
        (["tanh", "sigmoid"], "binary_cross_entropy", True),  # one output: a 0/1 column
        (["relu", "softmax"], "mse", True),  # softmax without cross-entropy: not fused
        (["leaky_relu", "identity"], "mse", False),  # target rows
    ],
)
def test_generic_step_matches_forward_backward(activations, loss, labels):
    """The generic step: the loss, the correct count and ``factor`` times the gradients of
    ``forward``/``backward``, in ``Trainer.parameters`` order."""
    n_out = 1 if loss == "binary_cross_entropy" else 3
    net = init_network([4, 5, n_out], activations, loss=loss, rng=2, dtype=np.float64)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 4))
    y = rng.integers(0, max(n_out, 2), 7) if labels else rng.random((7, n_out))
    t = (y[:, None] if n_out == 1 else np.eye(n_out)[y]) if labels else y
    expand = fit_loop_expand(n_out) if labels else None
    step = batch_step(net, 16, expand=expand, predict=predicted_labels)
    assert isinstance(step, GenericStep)
    summed, correct = step.run(x, y, factor=0.5)
    passes = forward(net, x)
    last = passes[-1]
    assert summed == pytest.approx(net.loss.terms(last.net, last.out, t).sum(), rel=1e-12)
    assert correct == (int((predicted_labels(last.out) == y).sum()) if labels else 0)
    want = [g for grads in backward(net, passes, t) for g in (grads.grad_weights, grads.grad_bias)]
    assert len(step.grads) == len(want)
    for got, w in zip(step.grads, want):
        np.testing.assert_allclose(got, 0.5 * w, rtol=1e-12, atol=1e-15)


def fit_loop_expand(n_outputs):
    """``Targets.expand`` of the fit loop, for ``n_outputs`` outputs."""
    from glassnet.training import Targets

    return Targets(None, None, n_outputs, np.dtype(np.float64)).expand


def test_batch_step_fuses_only_softmax_cross_entropy_on_labels():
    soft = init_network([3, 4, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    expand = fit_loop_expand(3)
    assert isinstance(batch_step(soft, 8, expand=expand), FusedStep)
    assert isinstance(batch_step(soft, 8), GenericStep)  # target rows, not labels
    sig = init_network([3, 4, 3], ["relu", "sigmoid"], loss="mse", rng=0)
    assert not FusedStep.fits(sig)
    assert isinstance(batch_step(sig, 8, expand=expand), GenericStep)
    with pytest.raises(ValueError, match="softmax output"):
        FusedStep(sig, 8)


def test_generic_step_shared_and_frozen_bias():
    """A shared bias's gradient is a 0-d number; a frozen bias has none in ``grads``."""
    layers = [
        Layer(np.arange(12).reshape(4, 3) / 20 - 0.2, "tanh", bias=0.2),
        Layer(np.arange(8).reshape(2, 4) / 9 - 0.4, "sigmoid", bias=[0.1, -0.1], train_bias=False),
    ]
    network = Network(layers, loss="half_sse", batch_reduction="sum")
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1]])
    t = np.array([[0.2, 0.9], [0.7, 0.1]])
    step = GenericStep(network, 4)
    step.run(x, t, factor=0.5)
    grads = backward(network, forward(network, x), t)
    want = [grads[0].grad_weights, grads[0].grad_bias, grads[1].grad_weights]
    assert [np.shape(g) for g in step.grads] == [np.shape(w) for w in want]
    for got, w in zip(step.grads, want):
        np.testing.assert_allclose(got, 0.5 * w, rtol=1e-13, atol=1e-16)
