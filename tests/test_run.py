"""glassnet.run through ``glassnet train CONFIG.toml``: divergence, warnings, one-class data,
the trained input range, memory, broken files with training flags, ``-q``, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from glassnet.optimizers import SGD
from glassnet.persistence import load_model
from glassnet.progress import LineProgress
from glassnet.training import memory_needed
from train_helpers import run


def write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet: error: "), err
    return lines[0]


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


def test_cli_full_batch_divergence_is_exit_2_and_writes_nothing(tmp_path, capsys):
    config = write(tmp_path, SPIRALS_FULL_BATCH.format(epochs=1, rate="1e38"))
    out = tmp_path / "out"
    line = one_line_error(*run(capsys, "train", config, "-o", out, "-q")[::2])
    assert "training diverged: the loss became nan at epoch 1, batch 1 of 1 (after its update)" \
        in line  # fmt: skip
    assert "the learning rate (1e+38) is probably too large" in line
    assert line.endswith("; no checkpoint was saved")
    assert not (out / "model.json").exists() and not (out / "checkpoint.json").exists()


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


def test_one_class_is_refused_at_training_time(tmp_path, capsys):
    (tmp_path / "one.csv").write_text("a,b,label\n0,0,1\n1,1,1\n")
    config = write(tmp_path, '[data]\ntrain = { format = "csv", path = "one.csv" }\n')
    out = tmp_path / "out"
    line = one_line_error(*run(capsys, "train", config, "-o", out)[::2])
    assert line == (f"glassnet: error: {config}: data.train: the training data has one class "
                    "(1); a classifier needs samples of at least two classes")  # fmt: skip
    assert not out.exists()


def test_a_trained_model_records_its_input_range(tmp_path, capsys):
    text = XOR.replace("[training]", '[training]\n').replace(
        'train = { format = "xor" }', 'train = { format = "spirals", n_samples = 100 }\n'
        'scale = "minmax"')
    assert run(capsys, "train", write(tmp_path, text), "-o", tmp_path / "out", "-q")[0] == 0
    model = load_model(tmp_path / "out" / "model.json")
    assert model.metadata["input_range"] == [0.0, 1.0]  # minmax: exactly 0 to 1
    checkpoint = load_model(tmp_path / "out" / "checkpoint.json")
    assert checkpoint.metadata["input_range"] == [0.0, 1.0]


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


def test_a_network_too_big_for_memory_is_refused_before_allocating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("glassnet.training.resources.available_memory", lambda: 23_400_000_000)
    text = XOR.replace("hidden = [4]", "hidden = [100000, 100000]")

    def no_allocation(*args, **kwargs):
        raise AssertionError("the network was built")

    monkeypatch.setattr("glassnet.training_file.TrainingConfig.build_network", no_allocation)
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


def test_memory_error_is_one_line(tmp_path, capsys, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("glassnet.training.Trainer.fit", out_of_memory)
    line = one_line_error(*run(capsys, "train", write(tmp_path, XOR), "-o", tmp_path / "o")[::2])
    assert line == ("glassnet: error: out of memory while training; make the network or the "
                    "batch smaller")  # fmt: skip


@pytest.mark.parametrize(
    "flags", [["--resume"], ["-o", "out"], ["-q"], ["--epochs", "2"], ["--threads", "1"], []]
)
def test_a_syntax_error_is_reported_whatever_the_flags(tmp_path, capsys, flags):
    path = write(tmp_path, '[data]\ntrain = { format = "xor" }\n[training]\nepochs = = 2\n',
                 name="t.toml")  # fmt: skip
    line = one_line_error(*run(capsys, "train", path, *flags)[::2])
    assert line.startswith(f"glassnet: error: {path}: TOML syntax error: ")
    assert "line 4" in line


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


def test_run_training_file_returns_its_outcome(tmp_path):
    """The function behind ``glassnet train CONFIG.toml``: what it says as it goes, the
    history, the test figures of the model it wrote, and the files, in the order written."""
    from glassnet.run import RunOptions, run_training_file

    spirals = 'train = { format = "spirals", n_samples = 100 }\ntest_fraction = 0.2'
    text = XOR.replace('train = { format = "xor" }', spirals)
    said: list[str] = []
    out = tmp_path / "out"
    options = RunOptions(output=out, progress="quiet", say=said.append)
    outcome = run_training_file(write(tmp_path, text), options)
    assert not outcome.interrupted and outcome.notes == []
    assert outcome.output == out and outcome.checkpoint == out / "checkpoint.json"
    assert [r.epoch for r in outcome.history.records] == [1, 2, 3]
    assert outcome.written == [out / "model.json", out / "history.json", out / "history.csv"]
    assert said[-1] == f"test: loss {outcome.test.loss:.4f}  accuracy " \
        f"{100 * outcome.test.accuracy:.2f}% (20 samples)"  # fmt: skip
    assert said[1].startswith("network: 2-4-2 (tanh, softmax), loss cross_entropy, 22 parameters")
    saved = load_model(out / "model.json")
    history = json.loads((out / "history.json").read_text())
    assert history["test"]["loss"] == outcome.test.loss
    assert history["epochs"][-1]["loss"] == outcome.history.records[-1].loss
    for on_disk, trained in zip(saved.network.layers, outcome.network.layers):
        assert on_disk.weights.tolist() == trained.weights.tolist()


def test_run_options_override_the_file(tmp_path):
    from glassnet.run import RunOptions, run_training_file

    options = RunOptions(output=tmp_path / "o", epochs=2, progress="quiet")
    outcome = run_training_file(write(tmp_path, XOR), options)
    assert len(outcome.history.records) == 2 and outcome.test is None
