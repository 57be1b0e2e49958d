"""glassnet.training.loop: the fit loop against the engine's and torch's numbers, XOR, spirals,
MNIST, reproducibility, the reported loss, divergence, and the trainer's settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from glassnet.data import load_mnist, spirals, xor
from glassnet.engine import backprop
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.examples import load_example
from glassnet.init import init_network
from glassnet.optimizers import SGD, Adam
from glassnet.training import Checkpointer, EarlyStopping, Trainer, evaluate, fit
from train_helpers import MNIST, assert_same, blobs, params, spiral_net


def torch_update(network, X, y, rate):
    """One full-batch SGD update of a ReLU/softmax ``network`` in place, the gradients by
    torch autograd in float64, the step in the network's float32."""
    tensors = [
        (torch.tensor(layer.weights, dtype=torch.float64, requires_grad=True),
         torch.tensor(layer.bias, dtype=torch.float64, requires_grad=True))
        for layer in network.layers
    ]  # fmt: skip
    h = torch.tensor(X, dtype=torch.float64)
    for index, (w, b) in enumerate(tensors):
        h = h @ w.T + b
        if index < len(tensors) - 1:
            h = torch.relu(h)
    torch.nn.functional.cross_entropy(h, torch.tensor(y)).backward()
    for layer, (w, b) in zip(network.layers, tensors):
        assert w.grad is not None and b.grad is not None
        layer.weights[...] = layer.weights - np.float32(rate) * w.grad.numpy().astype(np.float32)
        layer.bias[...] = layer.bias - np.float32(rate) * b.grad.numpy().astype(np.float32)


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_one_full_batch_step_is_the_engines_update(name):
    """One epoch of one batch with plain SGD is exactly backprop's update, bit for bit."""
    example = load_example(name)
    trace = backprop(example.network, example.inputs, example.targets, example.learning_rate)
    network = example.network.copy()
    n = example.inputs.shape[0]
    fit(
        network,
        example.inputs,
        example.targets,
        optimizer=SGD(example.learning_rate),
        epochs=1,
        batch_size=n,
        shuffle=False,
        progress="quiet",
    )
    assert_same(params(network), params(trace.network_after))


def test_minibatch_momentum_matches_torch():
    """Three epochs of shuffled mini-batches with Nesterov momentum and L2, against torch."""
    X, y = blobs()
    net = init_network(
        [5, 8, 3], ["tanh", "softmax"], loss="cross_entropy", rng=3, dtype=np.float64
    )
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    ).double()
    with torch.no_grad():
        for linear, layer in zip([model[0], model[2]], net.layers):
            linear.weight.copy_(torch.tensor(layer.weights))
            linear.bias.copy_(torch.tensor(layer.bias))
    decay = [model[0].weight, model[2].weight]
    no_decay = [model[0].bias, model[2].bias]
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": 1e-3}, {"params": no_decay, "weight_decay": 0.0}],
        lr=0.05,
        momentum=0.9,
        nesterov=True,
    )
    Xt, yt = torch.tensor(X.astype(np.float64)), torch.tensor(y)
    rng = np.random.default_rng(11)  # the trainer's shuffling: one permutation per epoch
    for _ in range(3):
        perm = rng.permutation(len(X))
        for lo in range(0, len(X), 32):  # 120 = 3 batches of 32 and one of 24
            idx = perm[lo : lo + 32]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    fit(
        net,
        X,
        y,
        optimizer=SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
        epochs=3,
        batch_size=32,
        seed=11,
        progress="quiet",
    )
    for linear, layer in zip([model[0], model[2]], net.layers):
        np.testing.assert_allclose(layer.weights, linear.weight.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(layer.bias, linear.bias.detach().numpy(), rtol=1e-12)


def test_xor_solved_from_a_seeded_random_start():
    data = xor()
    net = init_network([2, 4, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0)
    history = fit(
        net,
        data.X,
        data.y,
        optimizer=SGD(0.5, momentum=0.9),
        epochs=200,
        batch_size=4,
        seed=0,
        progress="quiet",
    )
    result = evaluate(net, data.X, data.y)
    assert result.accuracy == 1.0
    assert np.argmax(result.outputs, axis=1).tolist() == [0, 1, 1, 0]
    assert result.loss < 0.01 and history.records[-1].loss < history.records[0].loss


def test_xor_with_one_sigmoid_output():
    data = xor()
    net = init_network([2, 4, 1], ["tanh", "sigmoid"], loss="binary_cross_entropy", rng=1)
    fit(
        net,
        data.X,
        data.y,
        optimizer=Adam(0.05),
        epochs=300,
        batch_size=4,
        seed=1,
        progress="quiet",
    )
    assert evaluate(net, data.X, data.y).accuracy == 1.0


def test_spirals_separated():
    data = spirals(400, noise=0.05, seed=0)
    net = init_network([2, 64, 64, 2], ["relu", "relu", "softmax"], loss="cross_entropy", rng=0)
    fit(
        net,
        data.X,
        data.y,
        optimizer=Adam(0.01),
        epochs=150,
        batch_size=32,
        seed=0,
        progress="quiet",
    )
    assert evaluate(net, data.X, data.y).accuracy >= 0.95


def test_mnist_subset():
    train, test = load_mnist(MNIST, "train"), load_mnist(MNIST, "test")
    X, y = train.X[:3000] / 255, train.y[:3000]
    net = init_network([784, 64, 10], ["relu", "softmax"], loss="cross_entropy", rng=0)
    history = fit(
        net,
        X,
        y,
        optimizer=SGD(0.1, momentum=0.9),
        epochs=5,
        batch_size=64,
        seed=0,
        validation=(test.X[:1000] / 255, test.y[:1000]),
        progress="quiet",
    )
    assert net.dtype == np.float32
    assert all(p.dtype == np.float32 for p in params(net))
    assert history.records[-1].val_accuracy > 0.88
    assert history.records[-1].loss < history.records[0].loss


def test_same_seed_same_numbers_other_seed_other_numbers():
    X, y = blobs()

    def run(seed):
        net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
        history = fit(
            net, X, y, optimizer=Adam(0.01), epochs=3, batch_size=16, seed=seed, progress="quiet"
        )
        return params(net), history.column("loss")

    (a, la), (b, lb), (c, lc) = run(5), run(5), run(6)
    assert_same(a, b)
    assert la == lb
    assert not np.array_equal(a[0], c[0]) and la != lc


def test_training_loss_is_the_mean_of_the_batches_before_their_updates():
    X, y = blobs(n=64)
    net = init_network([5, 4, 3], ["tanh", "softmax"], loss="cross_entropy", rng=0)
    before = evaluate(net, X, y)
    # One batch of everything: the epoch's loss is the loss before the update.
    history = fit(net, X, y, optimizer=SGD(0.1), epochs=1, batch_size=64, progress="quiet")
    assert history.records[0].loss == pytest.approx(before.loss, rel=1e-6)
    assert history.records[0].accuracy == before.accuracy


def test_sum_reduction_reports_per_sample_loss():
    X, y = blobs(n=32)
    net = init_network(
        [5, 4, 3], ["tanh", "softmax"], loss="cross_entropy", rng=0, batch_reduction="sum"
    )
    before = evaluate(net, X, y)
    history = fit(net, X, y, optimizer=SGD(0.01), epochs=1, batch_size=32, progress="quiet")
    assert history.records[0].loss == pytest.approx(before.loss, rel=1e-6)


def test_divergence_stops_with_epoch_batch_and_learning_rate(tmp_path):
    X, y = blobs()
    targets = np.eye(3, dtype=np.float32)[y] * 1e3
    net = init_network([5, 16, 3], ["relu", "identity"], loss="mse", rng=0)
    checkpoint = Checkpointer(tmp_path / "checkpoint.json", every=1)
    trainer = Trainer(
        net, SGD(0.02), epochs=50, batch_size=16, seed=0, checkpoint=checkpoint, progress="quiet"
    )
    with pytest.raises(TrainingDivergedError) as info:
        trainer.fit(X, targets)
    message = str(info.value)
    epoch, batch = info.value.epoch, info.value.batch
    assert f"at epoch {epoch}, batch {batch} of 8" in message
    assert "learning rate (0.02) is probably too large" in message
    assert "\n" not in message
    assert all(np.isfinite(p).all() for p in params(net))
    if epoch > 1:
        assert f"last good checkpoint is {tmp_path / 'checkpoint.json'}" in message
        resumed = init_network([5, 16, 3], ["relu", "identity"], loss="mse", rng=0)
        again = Trainer(resumed, SGD(0.02), epochs=50, batch_size=16, seed=0, progress="quiet")
        Checkpointer(tmp_path / "checkpoint.json").load(again)
        assert again.state.epoch == epoch - 1
        assert all(np.isfinite(p).all() for p in params(resumed))


def test_divergence_in_the_first_batch():
    X, _ = blobs()
    X[:] *= 1e30
    net = init_network([5, 4, 3], ["relu", "identity"], loss="mse", rng=0)
    with pytest.raises(TrainingDivergedError, match="at epoch 1, batch 1 of 1"):
        fit(
            net,
            X,
            np.zeros((len(X), 3)),
            optimizer=SGD(1e10),
            epochs=3,
            batch_size=200,
            progress="quiet",
        )


def test_fit_again_after_an_interruption_continues():
    X, y = blobs()
    net_a = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    fit(net_a, X, y, optimizer=Adam(0.01), epochs=2, batch_size=16, seed=0, progress="quiet")
    net_b = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    trainer = Trainer(
        net_b,
        Adam(0.01),
        epochs=2,
        batch_size=16,
        seed=0,
        progress="quiet",
        on_batch=lambda e, b, loss: trainer.request_stop() if (e, b) == (1, 2) else None,
    )
    assert trainer.fit(X, y).stopped == "interrupted"
    trainer.on_batch = None
    assert trainer.fit(X, y).stopped == "completed"
    assert_same(params(net_a), params(net_b))


def test_trainer_setting_errors():
    net = init_network([2, 3, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    with pytest.raises(GlassnetError, match="batch_size must be >= 1, got 0"):
        Trainer(net, batch_size=0)
    with pytest.raises(GlassnetError, match="early stopping needs validation data"):
        fit(
            net,
            np.zeros((4, 2)),
            np.zeros(4, int),
            early_stopping=EarlyStopping(),
            progress="quiet",
        )
    with pytest.raises(GlassnetError, match="patience must be >= 1, got 0"):
        EarlyStopping(patience=0)


@pytest.mark.parametrize(
    ("activations", "loss"),
    [
        (["relu", "softmax"], "cross_entropy"),
        (["leaky_relu", "sigmoid"], "binary_cross_entropy"),
        (["sigmoid", "identity"], "mse"),
        (["tanh", "sigmoid"], "half_sse"),
    ],
)
def test_float32_end_to_end(activations, loss):
    """No float64 sneaks into a float32 step (a float64 scalar would upcast whole arrays)."""
    from glassnet.engine import forward
    from glassnet.fast.fused import lean_backward

    net = init_network([4, 5, 3], activations, loss=loss, rng=0)
    x = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    t = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    passes = forward(net, x)
    grads = lean_backward(net, passes, t)
    arrays = [a for p in passes for a in (p.net, p.out)]
    arrays += [a for g in grads for a in (g.delta, g.grad_weights, g.grad_bias)]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    fit(net, x, t, optimizer=Adam(0.01, weight_decay=0.1), epochs=2, batch_size=4,
        progress="quiet")  # fmt: skip
    assert {p.dtype for p in params(net)} == {np.dtype(np.float32)}


def test_full_batch_divergence_after_the_only_update_is_caught(tmp_path):
    data = spirals(400, seed=0)
    X, y = data.X, data.y
    net = spiral_net()
    initial = params(net)
    # The reference: that update by torch, whose parameters are all finite (up to 1e37)
    # while their loss is not.
    reference = spiral_net()
    torch_update(reference, X, y, 1e38)
    assert all(np.isfinite(p).all() for p in params(reference))
    with np.errstate(all="ignore"):
        assert not math.isfinite(evaluate(reference, X, y).loss)

    checkpoint = Checkpointer(tmp_path / "checkpoint.json")
    trainer = Trainer(net, SGD(1e38), epochs=1, batch_size=400, checkpoint=checkpoint,
                      progress="quiet")  # fmt: skip
    with pytest.raises(TrainingDivergedError) as info:
        trainer.fit(X, y)
    message = str(info.value)
    assert "the loss became nan at epoch 1, batch 1 of 1 (after its update)" in message
    assert message.endswith("; no checkpoint was saved")
    assert (info.value.epoch, info.value.batch) == (1, 1)
    assert trainer.state.history.stopped == "diverged"
    for kept, start in zip(params(net), initial):
        assert np.array_equal(kept, start)
    assert not (tmp_path / "checkpoint.json").exists()


def test_a_non_finite_validation_loss_is_a_divergence():
    data = spirals(100, seed=0)
    net = spiral_net(hidden=(8,))
    far = data.X * np.float32(1e38)  # finite, but overflows the first layer
    with pytest.raises(TrainingDivergedError, match=r"the validation loss became inf at "
                       r"epoch 1, batch 2 of 2 \(after its update\)"):  # fmt: skip
        fit(net, data.X, data.y, validation=(far, data.y), optimizer=SGD(0.1), epochs=2,
            batch_size=50, progress="quiet")  # fmt: skip


def test_a_divergence_carries_the_network_and_where():
    X, y = blobs(n=60)
    net = init_network([5, 4, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    with pytest.raises(TrainingDivergedError) as info:
        fit(net, X, y, optimizer=SGD(1e30), epochs=3, batch_size=20, seed=0, progress="quiet")
    error = info.value
    assert error.network is net
    assert f"at epoch {error.epoch}, batch {error.batch} of 3" in str(error)
    assert all(np.isfinite(p).all() for p in params(net))


def test_a_seed_may_be_a_sequence_of_ints():
    """``(seed, stream)`` as the CLI passes it: reproducible, and another stream than ``seed``."""
    X, y = blobs(n=60)

    def run_with(seed):
        net = init_network([5, 4, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
        return fit(net, X, y, optimizer=SGD(0.1), epochs=2, batch_size=8, seed=seed,
                   progress="quiet").column("loss")  # fmt: skip

    assert run_with((3, 1)) == run_with((3, 1)) == run_with([3, 1])
    assert run_with((3, 1)) != run_with(3)
