"""glassnet.training.checkpoint: resume is exact, Ctrl-C saves where it stopped, and no
checkpoint ever holds non-finite parameters."""

from __future__ import annotations

import io
import math
import os
import signal

import numpy as np
import pytest

from glassnet.data import spirals
from glassnet.errors import TrainingDivergedError
from glassnet.init import init_network
from glassnet.optimizers import SGD, get_optimizer
from glassnet.persistence import load_checkpoint, load_model
from glassnet.progress import LineProgress
from glassnet.schedules import Schedule, Step
from glassnet.training import Checkpointer, EarlyStopping, Trainer, evaluate
from train_helpers import assert_same, blobs, params, spiral_net


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


class Rates(Schedule):
    """A test schedule: the learning rate of each epoch from a list."""

    def __init__(self, rates):
        self.rates = rates

    def __call__(self, epoch, base_rate):
        return self.rates[min(epoch, len(self.rates) - 1)]


class RecordingCheckpointer(Checkpointer):
    """Loads back every checkpoint it saves, so a test can judge each one."""

    def __init__(self, path):
        super().__init__(path, every=1)
        self.saved = []

    def save(self, trainer):
        super().save(trainer)
        network, state = load_checkpoint(self.path)
        self.saved.append((network, state["epoch"], state["batch"]))


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


@pytest.mark.parametrize("batch_size", [400, 50])
def test_the_last_good_checkpoint_is_good(tmp_path, batch_size):
    """Two calm epochs, then a learning rate of 1e30: the checkpoint named is epoch 2's,
    its parameters are finite and so is their loss on all the data; the network is back
    at them."""
    data = spirals(400, seed=1)
    net = spiral_net("relu")
    checkpoint = RecordingCheckpointer(tmp_path / "checkpoint.json")
    trainer = Trainer(net, SGD(0.1), epochs=5, batch_size=batch_size, schedule=Rates(
        [0.1, 0.1, 1e30]), checkpoint=checkpoint, progress="quiet", seed=0)  # fmt: skip
    with pytest.raises(TrainingDivergedError) as info:
        trainer.fit(data.X, data.y)
    message = str(info.value)
    assert info.value.epoch == 3
    assert message.endswith(f"; the last good checkpoint is {tmp_path / 'checkpoint.json'} "
                            "(after epoch 2)")  # fmt: skip
    assert [(e, b) for _, e, b in checkpoint.saved] == [(1, 0), (2, 0)]
    saved = load_model(tmp_path / "checkpoint.json").network
    assert math.isfinite(evaluate(saved, data.X, data.y).loss)
    for a, b in zip(params(saved), params(net)):
        assert np.isfinite(a).all() and np.array_equal(a, b)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("rate", [1e2, 1e4, 1e6, 1e10, 1e20, 1e38])
def test_no_checkpoint_or_model_is_ever_not_finite(tmp_path, activation, rate):
    """Every checkpoint saved, and the network a run ends with, has finite parameters
    and a finite loss on all the (200, all probed) training samples."""
    data = spirals(200, seed=2)
    net = spiral_net(activation, hidden=(16,))
    checkpoint = RecordingCheckpointer(tmp_path / "checkpoint.json")
    trainer = Trainer(net, SGD(rate, momentum=0.9), epochs=6, batch_size=50,
                      checkpoint=checkpoint, progress="quiet", seed=0)  # fmt: skip
    try:
        trainer.fit(data.X, data.y)
    except TrainingDivergedError as error:
        if checkpoint.saved:
            assert f"(after epoch {checkpoint.saved[-1][1]})" in str(error)
        else:
            assert str(error).endswith("; no checkpoint was saved")
    with np.errstate(all="ignore"):
        for network, _, _ in checkpoint.saved:
            assert all(np.isfinite(p).all() for p in params(network))
            assert math.isfinite(evaluate(network, data.X, data.y).loss)
        assert math.isfinite(evaluate(net, data.X, data.y).loss)


def test_the_loss_before_training_survives_a_resume(tmp_path):
    data = spirals(200, seed=0)
    checkpoint = Checkpointer(tmp_path / "checkpoint.json")
    first = Trainer(spiral_net(), SGD(0.1), epochs=1, batch_size=50, checkpoint=checkpoint,
                    progress="quiet")  # fmt: skip
    first.fit(data.X, data.y)
    again = Trainer(spiral_net(), SGD(0.1), epochs=2, batch_size=50, progress="quiet")
    Checkpointer(tmp_path / "checkpoint.json").load(again)
    assert again.state.initial_loss == first.state.initial_loss
    assert again.state.initial_loss == evaluate(spiral_net(), data.X, data.y).loss


def test_stop_and_resume_name_the_same_place(tmp_path):
    data = spirals(100, seed=0)
    stream = io.StringIO()
    trainer = Trainer(spiral_net(hidden=(8,)), SGD(0.1), epochs=3, batch_size=16,
                      checkpoint=Checkpointer(tmp_path / "checkpoint.json"),
                      progress=LineProgress(stream),
                      on_batch=lambda e, b, loss: trainer.request_stop() if (e, b) == (2, 3)
                      else None)  # fmt: skip
    assert trainer.fit(data.X, data.y).stopped == "interrupted"
    assert stream.getvalue().splitlines()[-1] == (
        f"stopped after epoch 2, batch 3 of 7; checkpoint saved to {tmp_path / 'checkpoint.json'}"
    )
    again = Trainer(spiral_net(hidden=(8,)), SGD(0.1), epochs=3, batch_size=16, progress="quiet")
    Checkpointer(tmp_path / "checkpoint.json").load(again)
    assert again.position(100) == "epoch 2, batch 3 of 7"
    assert (again.state.epoch, again.state.batch) == (1, 3)


def test_stop_at_the_end_of_an_epoch_saves_that_epoch(tmp_path):
    """A stop at an epoch's end with checkpoints every 5 epochs: that epoch is saved, once,
    and the message names it."""
    data = spirals(100, seed=0)
    stream = io.StringIO()
    checkpoint = RecordingCheckpointer(tmp_path / "checkpoint.json")
    checkpoint.every = 5
    trainer = Trainer(spiral_net(hidden=(8,)), SGD(0.1), epochs=10, batch_size=50,
                      checkpoint=checkpoint, progress=LineProgress(stream),
                      on_batch=lambda e, b, loss: trainer.request_stop() if (e, b) == (2, 2)
                      else None)  # fmt: skip
    trainer.fit(data.X, data.y)
    assert stream.getvalue().splitlines()[-1].startswith("stopped after epoch 2; checkpoint")
    assert [(e, b) for _, e, b in checkpoint.saved] == [(2, 0)]


def test_a_checkpoint_that_does_not_fit_the_trainer_names_its_file(tmp_path):
    """Adam's state where momentum SGD expects its own: one line naming the checkpoint."""
    from glassnet.errors import GlassnetError
    from glassnet.optimizers import Adam

    data = spirals(40, seed=0)
    path = tmp_path / "c.json"
    trainer = Trainer(spiral_net(hidden=(4,)), Adam(0.01), epochs=1, batch_size=20,
                      checkpoint=Checkpointer(path), progress="quiet")  # fmt: skip
    trainer.fit(data.X, data.y)
    other = Trainer(spiral_net(hidden=(4,)), SGD(0.1, momentum=0.9), epochs=2, batch_size=20,
                    progress="quiet")  # fmt: skip
    with pytest.raises(GlassnetError) as error:
        Checkpointer(path).load(other)
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message
