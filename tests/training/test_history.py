"""glassnet.training.history: the records and their CSV, early stopping, and the warning about
a loss that explodes but stays finite."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from glassnet.data import load_mnist, spirals
from glassnet.init import init_network
from glassnet.optimizers import SGD, Adam
from glassnet.progress import LineProgress
from glassnet.schedules import Step
from glassnet.training import EarlyStopping, EpochRecord, Trainer, evaluate, fit
from train_helpers import MNIST, assert_same, blobs, params, spiral_net


def exploding_run(progress=None):
    data = spirals(400, seed=0)
    net = spiral_net("tanh")
    start = spiral_net("tanh")
    stream = io.StringIO()
    history = fit(net, data.X, data.y, optimizer=Adam(1e6), epochs=5, batch_size=32, seed=0,
                  progress=LineProgress(stream) if progress is None else progress)  # fmt: skip
    before = evaluate(start, data.X[:256], data.y[:256]).loss
    return history, before, stream.getvalue()


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


def test_an_exploding_loss_is_warned_about_once():
    history, before, output = exploding_run()
    assert history.stopped == "completed"
    losses = history.column("loss")
    first = next(i for i, loss in enumerate(losses) if loss > 10 * before)
    assert all(loss <= 10 * before for loss in losses[:first])
    text = (f"epoch {first + 1}: the training loss rose from {before:.2g} (before training) to "
            f"{losses[first]:.2g}: the learning rate (1e+06) is probably too high")  # fmt: skip
    assert history.warnings == [text]
    assert history.to_dict()["warnings"] == [text]
    assert output.count("warning: ") == 1 and f"warning: {text}\n" in output
    assert re.search(r"rose from 0\.\d+ \(before training\) to \d\.\de\+\d\d", text), text


def test_an_mnist_slice_does_not_warn():

    images = load_mnist(MNIST, "test")  # the smaller file: quicker to read
    X, y = images.X[:2000] / np.float32(255), images.y[:2000]
    net = init_network([784, 64, 10], ["relu", "softmax"], loss="cross_entropy", rng=0)
    history = fit(net, X, y, optimizer=SGD(0.1, momentum=0.9), epochs=3, batch_size=64,
                  seed=0, progress="quiet")  # fmt: skip
    assert history.warnings == [] and history.records[-1].accuracy > 0.8


def test_early_stopping_counts_an_exploded_epoch_as_no_improvement():
    trainer = Trainer(spiral_net(), SGD(0.1), early_stopping=EarlyStopping(patience=2),
                      progress="quiet")  # fmt: skip
    trainer.state.best_loss = 1.0

    def record(epoch, val_loss):
        return EpochRecord(epoch, 50.0, None, val_loss, None, 0.1, 0.0)

    # A lower validation loss in an epoch whose training loss exploded: no improvement.
    assert trainer._early_stopping(record(1, 0.5), exploded=True)
    assert (trainer.state.best_loss, trainer.state.wait) == (1.0, 1)
    assert not trainer._early_stopping(record(2, 0.4), exploded=True)
    assert trainer.state.history.stopped == "early_stopping"
    # The same figures without the explosion are an improvement.
    calm = Trainer(spiral_net(), SGD(0.1), early_stopping=EarlyStopping(patience=2),
                   progress="quiet")  # fmt: skip
    calm.state.best_loss = 1.0
    assert calm._early_stopping(record(1, 0.5), exploded=False)
    assert (calm.state.best_loss, calm.state.wait) == (0.5, 0)


def test_the_explosion_rule_by_hand():
    """More than 10 times the loss before training explodes; 10 times exactly does not; an
    unknown, zero or non-finite loss before training judges nothing."""
    from glassnet.training.history import EXPLOSION_FACTOR, EpochRecord, exploded, explosion_warning

    assert EXPLOSION_FACTOR == 10.0
    assert exploded(6.9300001, 0.693) and not exploded(6.93, 0.693)
    assert not exploded(float("nan"), 0.693)
    assert exploded(float("inf"), 0.693)
    for initial in (None, 0.0, float("nan"), float("inf")):
        assert not exploded(1e30, initial)
    record = EpochRecord(3, 2900.0, 0.3, None, None, 1000.0, 1.0)
    assert explosion_warning(record, 1.1) == (
        "epoch 3: the training loss rose from 1.1 (before training) to 2.9e+03: "
        "the learning rate (1000) is probably too high"
    )


def test_improvement_and_position_by_hand():
    from glassnet.training.history import EarlyStopping, describe_position, improves

    assert improves(5.0, None, 0.1)  # the first epoch is the best so far
    assert improves(0.89, 1.0, 0.1) and not improves(0.9, 1.0, 0.1)
    assert EarlyStopping(patience=3).message(7) == (
        "early stopping: no improvement of val_loss for 3 epochs; best epoch 7"
    )
    assert describe_position(3, 0, 422) == "epoch 3"
    assert describe_position(3, 17, 422) == "epoch 4, batch 17 of 422"
