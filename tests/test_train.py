"""The fit loop: the engine's numbers, torch's numbers, XOR, spirals, MNIST, and the run's life
(reproducibility, early stopping, divergence, Ctrl-C, checkpoints and resume)."""

from __future__ import annotations

import io
import os
import signal

import numpy as np
import pytest
import torch

import shared
from glassnet.data import load_mnist, spirals, xor
from glassnet.engine import backprop
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.examples import load_example
from glassnet.init import init_network
from glassnet.optimizers import SGD, Adam, get_optimizer
from glassnet.progress import LineProgress
from glassnet.schedules import Step
from glassnet.training import (
    Checkpointer,
    EarlyStopping,
    Targets,
    Trainer,
    check_features,
    confusion_matrix,
    evaluate,
    fit,
    predict,
)

MNIST = shared.MNIST


def params(network):
    out = []
    for layer in network.layers:
        out.append(layer.weights.copy())
        if layer.bias is not None:
            out.append(np.array(layer.bias, copy=True))
    return out


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


def blobs(n=120, n_features=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    centers = rng.normal(scale=2.0, size=(n_classes, n_features))
    X = (centers[y] + rng.normal(size=(n, n_features))).astype(np.float32)
    return X, y


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


def test_history_records_and_csv():
    X, y = blobs()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    history = fit(
        net,
        X,
        y,
        optimizer=SGD(0.1),
        epochs=4,
        batch_size=16,
        seed=0,
        schedule=Step(step_size=2, gamma=0.5),
        validation=blobs(seed=1),
        progress="quiet",
    )
    assert history.column("epoch") == [1, 2, 3, 4]
    assert history.column("learning_rate") == [0.1, 0.1, 0.05, 0.05]
    final = evaluate(net, *blobs(seed=1))
    assert history.records[-1].val_loss == pytest.approx(final.loss, rel=1e-6)
    assert history.records[-1].val_accuracy == final.accuracy
    lines = history.to_csv().splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds"
    assert len(lines) == 5 and lines[3].startswith("3,")


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


def test_early_stopping_restores_the_best_epoch():
    # Few, noisy samples and a big network: the validation loss turns up after a while.
    X, y = blobs(n=40, seed=2)
    y = (y + (np.arange(40) % 3 == 0)) % 3
    validation = blobs(n=200, seed=3)

    def network():
        return init_network([5, 64, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)

    net = network()
    history = fit(
        net,
        X,
        y,
        optimizer=Adam(0.02),
        epochs=200,
        batch_size=8,
        seed=0,
        validation=validation,
        early_stopping=EarlyStopping(patience=3),
        progress="quiet",
    )
    assert history.stopped == "early_stopping"
    best = history.best_epoch
    assert best is not None and len(history.records) == best + 3
    val = history.column("val_loss")
    assert val[best - 1] == min(val)
    # The same run stopped at the best epoch ends with the same parameters.
    again = network()
    fit(again, X, y, optimizer=Adam(0.02), epochs=best, batch_size=8, seed=0, progress="quiet")
    assert_same(params(net), params(again))


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


def run_with_checkpoints(
    tmp_path, epochs, *, optimizer="adam", stop_at=None, resume=False, hidden=7
):
    """A run of the blobs problem; ``stop_at=(epoch, batch)`` sends SIGINT after that batch."""
    X, y = blobs(n=100)
    net = init_network([5, hidden, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)

    def on_batch(epoch, batch, loss):
        if (epoch, batch) == stop_at:
            os.kill(os.getpid(), signal.SIGINT)

    checkpoint = Checkpointer(tmp_path / "checkpoint.json", every=1)
    trainer = Trainer(
        net,
        get_optimizer(optimizer, learning_rate=0.01),
        epochs=epochs,
        batch_size=16,
        seed=4,
        checkpoint=checkpoint,
        progress="quiet",
        on_batch=on_batch,
        schedule=Step(step_size=1, gamma=0.9),
        early_stopping=EarlyStopping(patience=50),
    )
    if resume:
        checkpoint.load(trainer)
    history = trainer.fit(X, y, validation=blobs(n=50, seed=9))
    return net, history


@pytest.mark.parametrize("optimizer", ["adam", "nesterov", "rmsprop", "adagrad"])
def test_resume_after_two_of_four_epochs_is_exact(tmp_path, optimizer):
    straight, full = run_with_checkpoints(tmp_path / "a", 4, optimizer=optimizer)
    (tmp_path / "b").mkdir()
    run_with_checkpoints(tmp_path / "b", 2, optimizer=optimizer)
    resumed, history = run_with_checkpoints(tmp_path / "b", 4, optimizer=optimizer, resume=True)
    assert_same(params(straight), params(resumed))
    assert history.column("loss") == full.column("loss")
    assert history.column("val_loss") == full.column("val_loss")


def test_ctrl_c_stops_after_the_batch_saves_and_resumes_exactly(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    straight, full = run_with_checkpoints(tmp_path / "a", 3)
    _, history = run_with_checkpoints(tmp_path / "b", 3, stop_at=(2, 3))
    assert history.stopped == "interrupted"
    assert len(history.records) == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    resumed, history = run_with_checkpoints(tmp_path / "b", 3, resume=True)
    assert history.stopped == "completed"
    assert_same(params(straight), params(resumed))
    assert history.column("loss") == full.column("loss")


def test_checkpoint_keeps_one_arrays_file(tmp_path):
    # 5 x 60 weights are more than persistence.INLINE_MAX, so they go to an .npz file,
    # named by its checksum; each new checkpoint removes the one before.
    run_with_checkpoints(tmp_path, 3, hidden=60)
    npz = [p.name for p in tmp_path.iterdir() if p.suffix == ".npz"]
    assert len(npz) == 1 and npz[0].startswith("checkpoint.")
    assert f'"file": "{npz[0]}"' in (tmp_path / "checkpoint.json").read_text()


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


def test_line_progress():
    X, y = blobs()
    stream = io.StringIO()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    fit(
        net,
        X,
        y,
        optimizer=SGD(0.1),
        epochs=2,
        batch_size=16,
        progress=LineProgress(stream),
        validation=blobs(seed=1),
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("epoch 2/2  loss ")
    assert "accuracy " in lines[1] and "val_loss " in lines[1] and "lr 0.1" in lines[1]


def test_predict_and_confusion_matrix():
    X, _ = blobs()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    out = predict(net, X, batch_size=7)
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-5, atol=1e-7)
    # rows: true class, columns: predicted class
    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros((4, 3)), np.zeros(4, int), "data has 3 features but the network has 2 inputs"),
        (np.zeros((4, 2)), np.array([0, 1, 2, 0]), "label 2 is outside 0…1: the network has 2"),
        (np.array([[0, 1], [np.nan, 1]]), np.zeros(2, int), "NaN or infinite value in row 1"),
        (np.zeros((4, 2)), np.zeros(3, int), "expected 4 targets (one per sample)"),
        (np.zeros((4, 2)), np.zeros((4, 3)), "targets have 3 values per sample but the network"),
    ],
)
def test_bad_data_errors(X, y, message):
    net = init_network([2, 3, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    with pytest.raises(GlassnetError) as info:
        fit(net, X, y, epochs=1, progress="quiet")
    assert message in str(info.value)


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


def test_threads_limits_blas_inside_fit_only():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    seen = []
    X, y = blobs()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    before = blas_threads()
    fit(net, X, y, epochs=1, batch_size=60, threads=1, progress="quiet",
        on_batch=lambda e, b, loss: seen.append(blas_threads()))  # fmt: skip
    assert seen == [{1}, {1}]
    assert blas_threads() == before
    with pytest.raises(GlassnetError, match="threads must be >= 1, got 0"):
        Trainer(net, threads=0)


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
    from glassnet.engine import backward, forward

    net = init_network([4, 5, 3], activations, loss=loss, rng=0)
    x = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    t = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    passes = forward(net, x)
    grads = backward(net, passes, t, lean=True)
    arrays = [a for p in passes for a in (p.net, p.out)]
    arrays += [a for g in grads for a in (g.delta, g.grad_weights, g.grad_bias)]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    fit(net, x, t, optimizer=Adam(0.01, weight_decay=0.1), epochs=2, batch_size=4,
        progress="quiet")  # fmt: skip
    assert {p.dtype for p in params(net)} == {np.dtype(np.float32)}


def test_progress_bar_reports_each_epoch():
    from glassnet.progress import BarProgress, make_progress

    X, y = blobs()
    stream = io.StringIO()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    fit(net, X, y, optimizer=SGD(0.1), epochs=2, batch_size=16, progress=BarProgress(stream))
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("epoch")]
    assert [line[:9] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert isinstance(make_progress("auto", io.StringIO()), LineProgress)  # not a terminal
    with pytest.raises(GlassnetError, match="progress must be one of"):
        make_progress("fancy")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_features_finds_the_row_in_any_block(monkeypatch, bad):
    from glassnet.training import evaluation

    monkeypatch.setattr(evaluation, "CHECK_ROWS", 4)  # rows 0-3, 4-7, 8-9
    net = init_network([3, 2, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    x = np.ones((10, 3))
    x[6, 1] = bad
    with pytest.raises(GlassnetError, match="NaN or infinite value in row 6"):
        evaluation.check_features(net, x, field="X")


def test_check_features_accepts_huge_finite_values():
    """The quick test (a sum of squares) overflows; the element-wise check then passes."""
    for dtype, value in ((np.float64, 1e200), (np.float32, 3e38)):
        net = init_network([3, 2, 2], ["relu", "softmax"], rng=0, dtype=dtype)
        x = np.full((5, 3), value, dtype)
        np.testing.assert_array_equal(check_features(net, x), x)


def test_targets_expand_labels_only_for_the_rows_at_hand():
    net = init_network([3, 4, 5], ["relu", "softmax"], loss="cross_entropy", rng=0)
    labels = np.array([4, 0, 2, 2])
    targets = Targets.of(net, labels, 4)
    assert targets.values is None  # no (n, n_classes) matrix is ever built for all samples
    np.testing.assert_array_equal(targets.rows(slice(1, 3)), [[1, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
    buffer = np.full((4, 5), 7.0, np.float32)
    rows = targets.expand(labels[[3, 0]], out=buffer)
    assert np.shares_memory(rows, buffer)
    np.testing.assert_array_equal(rows, [[0, 0, 1, 0, 0], [0, 0, 0, 0, 1]])
    single = init_network([3, 4, 1], ["relu", "sigmoid"], loss="binary_cross_entropy", rng=0)
    np.testing.assert_array_equal(
        Targets.of(single, [1, 0, 1], 3).rows(slice(0, 3)), [[1], [0], [1]]
    )
    values = Targets.of(single, np.array([[0.25], [0.5], [1.0]]), 3)
    assert values.labels is None
    np.testing.assert_array_equal(values.rows(np.array([2, 0])), [[1.0], [0.25]])
