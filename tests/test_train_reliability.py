"""Training reliability (issue 11): divergence after an epoch's last update, exploding losses,
one-class data, inputs outside the trained range, memory, broken files with training flags,
``-q``, and the one count of where a stopped run is."""

from __future__ import annotations

import io
import json
import math
import os
import re
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import shared
from glassnet.cli import main
from glassnet.data import spirals
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.init import init_network
from glassnet.optimizers import SGD, Adam
from glassnet.persistence import load_checkpoint, load_model, save_model
from glassnet.progress import LineProgress
from glassnet.schedules import Schedule
from glassnet.training import (
    EVAL_BATCH,
    Checkpointer,
    EarlyStopping,
    EpochRecord,
    Trainer,
    available_memory,
    evaluate,
    fit,
    memory_needed,
)

MNIST = shared.MNIST


def write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet: error: "), err
    return lines[0]


def params(network):
    out = []
    for layer in network.layers:
        out.append(layer.weights.copy())
        if layer.bias is not None:
            out.append(np.array(layer.bias, copy=True))
    return out


def spiral_net(activation="relu", hidden=(32, 32), rng=0):
    sizes = [2, *hidden, 2]
    return init_network(
        sizes, [activation] * len(hidden) + ["softmax"], loss="cross_entropy", rng=rng
    )


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


# -- 3: divergence after the last update of an epoch ---------------------------------------


SPIRALS_FULL_BATCH = """
[data]
train = {{ format = "spirals" }}
[network]
hidden = [32, 32]
[training]
epochs = {epochs}
batch_size = 400
[optimizer]
learning_rate = {rate}
[output]
plot = false
"""


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


def test_cli_full_batch_divergence_is_exit_2_and_writes_nothing(tmp_path, capsys):
    config = write(tmp_path, SPIRALS_FULL_BATCH.format(epochs=1, rate="1e38"))
    out = tmp_path / "out"
    line = one_line_error(*run(capsys, "train", config, "-o", out, "-q")[::2])
    assert "training diverged: the loss became nan at epoch 1, batch 1 of 1 (after its update)" \
        in line  # fmt: skip
    assert "the learning rate (1e+38) is probably too large" in line
    assert line.endswith("; no checkpoint was saved")
    assert not (out / "model.json").exists() and not (out / "checkpoint.json").exists()


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


def test_a_non_finite_validation_loss_is_a_divergence():
    data = spirals(100, seed=0)
    net = spiral_net(hidden=(8,))
    far = data.X * np.float32(1e38)  # finite, but overflows the first layer
    with pytest.raises(TrainingDivergedError, match=r"the validation loss became inf at "
                       r"epoch 1, batch 2 of 2 \(after its update\)"):  # fmt: skip
        fit(net, data.X, data.y, validation=(far, data.y), optimizer=SGD(0.1), epochs=2,
            batch_size=50, progress="quiet")  # fmt: skip


# -- 3: a loss that explodes but stays finite ----------------------------------------------


def exploding_run(progress=None):
    data = spirals(400, seed=0)
    net = spiral_net("tanh")
    start = spiral_net("tanh")
    stream = io.StringIO()
    history = fit(net, data.X, data.y, optimizer=Adam(1e6), epochs=5, batch_size=32, seed=0,
                  progress=LineProgress(stream) if progress is None else progress)  # fmt: skip
    before = evaluate(start, data.X[:256], data.y[:256]).loss
    return history, before, stream.getvalue()


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


def test_cli_history_json_has_the_warning(tmp_path, capsys):
    text = SPIRALS_FULL_BATCH.format(epochs=5, rate="1e6").replace(
        "batch_size = 400", "batch_size = 32").replace("[optimizer]", '[optimizer]\nname = "adam"')
    text = text.replace("hidden = [32, 32]", 'hidden = [32, 32]\nactivation = "tanh"')
    out = tmp_path / "out"
    code, _, err = run(capsys, "train", write(tmp_path, text), "-o", out, "--progress", "lines")
    assert code == 0, err
    warnings = json.loads((out / "history.json").read_text())["warnings"]
    assert len(warnings) == 1 and "the learning rate (1e+06) is probably too high" in warnings[0]
    assert f"warning: {warnings[0]}" in err.splitlines()


@pytest.mark.parametrize("recipe", ["xor", "spirals", "moons"])
def test_the_recipes_do_not_warn(tmp_path, capsys, recipe):
    path = Path(__file__).resolve().parents[1] / "recipes" / f"{recipe}.toml"
    code, _, err = run(capsys, "train", path, "-o", tmp_path / "out", "--progress", "lines")
    assert code == 0, err
    assert "warning" not in err
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    assert history["warnings"] == []


def test_an_mnist_slice_does_not_warn():
    from glassnet.data import load_mnist

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


# -- 4: data with a single class -------------------------------------------------------------


def test_one_class_is_refused_at_training_time(tmp_path, capsys):
    (tmp_path / "one.csv").write_text("a,b,label\n0,0,1\n1,1,1\n")
    config = write(tmp_path, '[data]\ntrain = { format = "csv", path = "one.csv" }\n')
    out = tmp_path / "out"
    line = one_line_error(*run(capsys, "train", config, "-o", out)[::2])
    assert line == (f"glassnet: error: {config}: data.train: the training data has one class "
                    "(1); a classifier needs samples of at least two classes")  # fmt: skip
    assert not out.exists()


# -- 5: inputs outside the range a model was trained on -------------------------------------


XOR = """
[data]
train = { format = "xor" }
[network]
hidden = [4]
activation = "tanh"
[training]
epochs = 3
batch_size = 4
[output]
plot = false
"""


def test_a_trained_model_records_its_input_range(tmp_path, capsys):
    text = XOR.replace("[training]", '[training]\n').replace(
        'train = { format = "xor" }', 'train = { format = "spirals", n_samples = 100 }\n'
        'scale = "minmax"')
    assert run(capsys, "train", write(tmp_path, text), "-o", tmp_path / "out", "-q")[0] == 0
    model = load_model(tmp_path / "out" / "model.json")
    assert model.metadata["input_range"] == [0.0, 1.0]  # minmax: exactly 0 to 1
    checkpoint = load_model(tmp_path / "out" / "checkpoint.json")
    assert checkpoint.metadata["input_range"] == [0.0, 1.0]


def test_evaluate_and_predict_warn_about_inputs_far_outside_the_trained_range(
    tmp_path, capsys
):
    """A model trained on pixels scaled to 0–1, saved without its preprocessing, fed raw
    0–255 pixels: both commands warn (one line), and still answer."""
    data = spirals(200, seed=0)
    net = spiral_net(hidden=(8,))
    X = (data.X - data.X.min()) / (data.X.max() - data.X.min())
    fit(net, X, data.y, optimizer=SGD(0.5), epochs=5, batch_size=20, progress="quiet")
    rows = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X * 255, data.y))
    (tmp_path / "raw.csv").write_text("a,b,label\n" + rows + "\n")
    (tmp_path / "raw-features.csv").write_text("a,b\n" + "\n".join(
        f"{a},{b}" for a, b in X * 255) + "\n")  # fmt: skip
    low, high = float(X.min()), float(X.max())
    save_model(tmp_path / "m.json", net, classes=[0, 1],
               metadata={"input_range": [low, high]})  # fmt: skip
    code, out, err = run(capsys, "evaluate", tmp_path / "m.json", tmp_path / "raw.csv")
    assert code == 0 and "accuracy:" in out
    assert err == (f"glassnet: warning: {tmp_path / 'raw.csv'}: the inputs range from 0 to 255 "
                   "but the model was trained on inputs from 0 to 1; the model has no saved "
                   "preprocessing: scale the inputs as in training, or save the model with its "
                   "preprocessing\n")  # fmt: skip
    code, out, err = run(capsys, "predict", tmp_path / "m.json", tmp_path / "raw-features.csv")
    assert code == 0 and out.startswith("prediction\n") and out.count("\n") == 201
    assert err.startswith("glassnet: warning: ") and "from 0 to 255" in err
    # Inputs as trained (and a little beyond: within 3 widths of the range) are quiet.
    near = np.clip(X * 3 - 0.5, -2.9, 3.9)
    (tmp_path / "near.csv").write_text("a,b\n" + "\n".join(
        f"{a},{b}" for a, b in near) + "\n")  # fmt: skip
    code, _, err = run(capsys, "predict", tmp_path / "m.json", tmp_path / "near.csv")
    assert (code, err) == (0, "")
    (tmp_path / "scaled.csv").write_text("a,b,label\n" + "\n".join(
        f"{a},{b},{c}" for (a, b), c in zip(X, data.y)) + "\n")  # fmt: skip
    code, _, err = run(capsys, "evaluate", tmp_path / "m.json", tmp_path / "scaled.csv")
    assert (code, err) == (0, "")


def test_a_model_saved_from_python_records_what_fit_saw(tmp_path, capsys):
    """The README's old mistake: trained on scaled inputs, saved with neither preprocessing
    nor metadata. fit records the range on the network; save_model writes it; evaluate warns."""
    data = spirals(100, seed=1)
    net = spiral_net(hidden=(4,))
    X = (data.X - data.X.min()) / (data.X.max() - data.X.min())
    assert net.input_range is None
    fit(net, X, data.y, optimizer=SGD(0.5), epochs=1, batch_size=20, progress="quiet")
    assert net.input_range == [float(X.astype(np.float32).min()), float(X.astype(np.float32).max())]
    save_model(tmp_path / "m.json", net, classes=[0, 1])
    assert load_model(tmp_path / "m.json").metadata["input_range"] == net.input_range
    rows = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X * 255, data.y))
    (tmp_path / "raw.csv").write_text("a,b,label\n" + rows + "\n")
    code, _, err = run(capsys, "evaluate", tmp_path / "m.json", tmp_path / "raw.csv")
    assert code == 0 and "the model has no saved preprocessing" in err
    # Metadata given by the caller wins.
    save_model(tmp_path / "n.json", net, metadata={"input_range": [-1.0, 1.0]})
    assert load_model(tmp_path / "n.json").metadata["input_range"] == [-1.0, 1.0]


def test_cli_trained_model_warns_only_when_the_data_is_not_what_it_was_trained_on(
    tmp_path, capsys
):
    text = """
[data]
train = { format = "spirals", n_samples = 200 }
[network]
hidden = [8]
[training]
epochs = 2
[output]
plot = false
"""
    assert run(capsys, "train", write(tmp_path, text), "-o", tmp_path / "out", "-q")[0] == 0
    model = tmp_path / "out" / "model.json"
    code, _, err = run(capsys, "evaluate", model, "spirals")
    assert (code, err) == (0, "")
    low, high = load_model(model).metadata["input_range"]
    far = high + 3.5 * (high - low)
    (tmp_path / "far.csv").write_text(f"a,b\n0,0\n{far},0\n")
    code, _, err = run(capsys, "predict", model, tmp_path / "far.csv")
    assert code == 0
    assert "(after its preprocessing); are these the same kind of data?" in err


def test_the_readme_example_saves_its_preprocessing():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("## Training on real data")[1].split("```python\n")[1].split("```")[0]
    assert "save_model(" in block
    save = block[block.index("save_model("):]
    assert "preprocessing=scale.to_dict()" in save
    assert "scale.transform(train.X)" in block and "scale.transform(test.X)" in block


# -- 6: memory ------------------------------------------------------------------------------


def test_memory_needed_by_hand():
    # sizes 2-3-2: P = 3·3 + 4·2 = 17 parameters, widths W = 5, batch 4, 10 samples:
    # 17·5 copies + 5·(3·4 + 2·10) + 3·4·2 = 85 + 160 + 24 = 269 values of 4 bytes.
    sgd = memory_needed([2, 3, 2], itemsize=4, batch_size=4, n_samples=10, optimizer=SGD(0.1))
    assert sgd == 269 * 4
    # Momentum keeps one more copy of the parameters, Adam two, the best epoch's one.
    momentum = SGD(0.1, momentum=0.9)
    assert memory_needed([2, 3, 2], itemsize=4, batch_size=4, n_samples=10,
                         optimizer=momentum) == (269 + 17) * 4  # fmt: skip
    assert memory_needed([2, 3, 2], itemsize=8, batch_size=4, n_samples=10, optimizer=Adam(0.1),
                         keep_best=True) == (269 + 3 * 17) * 8  # fmt: skip
    # The evaluation chunk is at most EVAL_BATCH rows.
    many = memory_needed([2, 3, 2], itemsize=4, batch_size=4, n_samples=10**6, optimizer=SGD(1))
    assert many == (85 + 5 * (12 + 2 * EVAL_BATCH) + 24) * 4


def test_memory_needed_covers_what_training_allocates():
    """The estimate against what NumPy allocates while training (tracemalloc sees NumPy's
    arrays): within a factor of two of the peak, for a network its parameters dominate."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 50)).astype(np.float32)
    y = rng.integers(0, 2, 64)
    net = init_network([50, 300, 300, 2], ["relu", "relu", "softmax"], loss="cross_entropy",
                       rng=0)  # fmt: skip
    held = sum(p.nbytes for p in params(net))
    estimate = memory_needed(net.sizes, itemsize=4, batch_size=8, n_samples=64,
                             optimizer=Adam(0.01))  # fmt: skip
    tracemalloc.start()
    try:
        fit(net, X, y, optimizer=Adam(0.01), epochs=2, batch_size=8, progress="quiet")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert estimate / 2 <= peak + held <= estimate * 2, (estimate, peak + held)


def test_available_memory_is_at_most_the_physical_memory():
    available = available_memory()
    assert available is not None and available > 0
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert available <= total


def test_a_network_too_big_for_memory_is_refused_before_allocating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("glassnet.training.resources.available_memory", lambda: 23_400_000_000)
    text = XOR.replace("hidden = [4]", "hidden = [100000, 100000]")

    def no_allocation(*args, **kwargs):
        raise AssertionError("the network was built")

    monkeypatch.setattr("glassnet.config.TrainingConfig.build_network", no_allocation)
    out = tmp_path / "out"
    line = one_line_error(*run(capsys, "train", write(tmp_path, text), "-o", out)[::2])
    # P = 3·100000 + 100001·100000 + 100001·2 = 10_000_600_002 parameters, 5 copies
    # (SGD without momentum); widths 200002 · (3·4 + 2·4) rows; 3·4·2 input values.
    values = 10_000_600_002 * 5 + 200_002 * 20 + 24
    needed = memory_needed([2, 100000, 100000, 2], itemsize=4, batch_size=4, n_samples=4,
                           optimizer=SGD(0.01))  # fmt: skip
    assert needed == values * 4 == 200_028_000_296
    assert line == ("glassnet: error: the network needs 200.0 GB; this machine has 23.4 GB "
                    "available; make the layers or the batch smaller")  # fmt: skip
    assert not out.exists()


def test_trainer_refuses_training_that_cannot_fit(monkeypatch):
    monkeypatch.setattr("glassnet.training.resources.available_memory", lambda: 1000)
    data = spirals(100, seed=0)
    net = spiral_net(hidden=(8,))
    before = params(net)
    with pytest.raises(GlassnetError, match=r"^training this network needs 0\.0 GB; this "
                       r"machine has 0\.0 GB available"):  # fmt: skip
        fit(net, data.X, data.y, optimizer=SGD(0.1), epochs=1, progress="quiet")
    for a, b in zip(params(net), before):
        assert np.array_equal(a, b)


def test_memory_error_is_one_line(tmp_path, capsys, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("glassnet.training.Trainer.fit", out_of_memory)
    line = one_line_error(*run(capsys, "train", write(tmp_path, XOR), "-o", tmp_path / "o")[::2])
    assert line == ("glassnet: error: out of memory while training; make the network or the "
                    "batch smaller")  # fmt: skip


# -- 9: a broken training file with training flags ------------------------------------------


@pytest.mark.parametrize(
    "flags", [["--resume"], ["-o", "out"], ["-q"], ["--epochs", "2"], ["--threads", "1"], []]
)
def test_a_syntax_error_is_reported_whatever_the_flags(tmp_path, capsys, flags):
    path = write(tmp_path, '[data]\ntrain = { format = "xor" }\n[training]\nepochs = = 2\n',
                 name="t.toml")  # fmt: skip
    line = one_line_error(*run(capsys, "train", path, *flags)[::2])
    assert line.startswith(f"glassnet: error: {path}: TOML syntax error: ")
    assert "line 4" in line


# -- 11: -q prints nothing but errors -------------------------------------------------------


def test_quiet_says_nothing_about_a_missing_matplotlib(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    text = XOR.replace("plot = false", "plot = true")
    code, out, err = run(capsys, "train", write(tmp_path, text), "-o", tmp_path / "out", "-q")
    assert (code, out, err) == (0, "", "")
    assert not (tmp_path / "out" / "history.png").exists()


def test_quiet_still_reports_errors(tmp_path, capsys):
    config = write(tmp_path, SPIRALS_FULL_BATCH.format(epochs=1, rate="1e38"))
    code, out, err = run(capsys, "train", config, "-o", tmp_path / "out", "-q")
    assert code == 2 and out == "" and err.startswith("glassnet: error: training diverged")


# -- 12: one count of where a stopped run is ------------------------------------------------


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


def test_cli_stop_and_resume_messages_agree(tmp_path, capsys, monkeypatch):
    """SIGINT after batch 3 of epoch 2 (as Ctrl-C would), then --resume: both name the same
    epoch and batch."""

    class Interrupting(LineProgress):
        def batch(self, epoch, batch, loss, accuracy):
            if (epoch, batch) == (2, 3):
                os.kill(os.getpid(), signal.SIGINT)

    import glassnet.progress

    real = glassnet.progress.make_progress
    monkeypatch.setattr(glassnet.progress, "make_progress",
                        lambda mode="auto", stream=None: Interrupting())  # fmt: skip
    text = XOR.replace('format = "xor"', 'format = "spirals", n_samples = 100').replace(
        "epochs = 3\nbatch_size = 4", "epochs = 3\nbatch_size = 16")
    config = write(tmp_path, text)
    out = tmp_path / "out"
    code, _, err = run(capsys, "train", config, "-o", out)
    assert code == 130
    assert f"stopped after epoch 2, batch 3 of 7; checkpoint saved to {out / 'checkpoint.json'}" \
        in err.splitlines()  # fmt: skip
    monkeypatch.setattr(glassnet.progress, "make_progress", real)
    code, stdout, err = run(capsys, "train", config, "-o", out, "--resume", "--progress", "lines")
    assert code == 0, err
    assert f"resuming from {out / 'checkpoint.json'} (after epoch 2, batch 3 of 7)" \
        in stdout.splitlines()  # fmt: skip
