"""``glassnet train CONFIG.toml``, ``glassnet evaluate`` and ``glassnet predict``, in-process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import shared
from glassnet.cli import main
from glassnet.persistence import arrays_path, load_model

MNIST = shared.MNIST

XOR = """
title = "XOR"

[data]
train = { format = "xor" }

[network]
hidden = [4]
activation = "tanh"

[training]
epochs = 150
batch_size = 4
seed = 0

[optimizer]
name = "sgd"
learning_rate = 0.5
momentum = 0.9
"""

MNIST_SMALL = f"""
[data]
train = {{ format = "mnist", path = "{MNIST}", split = "train", limit = 1500 }}
test = {{ format = "mnist", path = "{MNIST}", split = "test", limit = 500 }}
validation_fraction = 0.2
scale = "divide:255"

[network]
hidden = [32]
activation = "relu"

[training]
epochs = 4
batch_size = 50
seed = 3

[optimizer]
name = "adam"
learning_rate = 0.002

[schedule]
name = "step"
step_size = 1
gamma = 0.8
"""


def write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_train_xor_writes_model_history_and_plot(tmp_path, capsys):
    config = write(tmp_path, XOR)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "train", config, "-o", out_dir, "--progress", "lines")
    assert code == 0, err
    assert "network: 2-4-2 (tanh, softmax), loss cross_entropy, 22 parameters" in out
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == [
        "checkpoint.json",
        "history.csv",
        "history.json",
        "history.png",
        "model.json",
    ]
    assert (out_dir / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = (out_dir / "history.csv").read_text().splitlines()
    assert len(csv) == 151 and csv[-1].startswith("150,")
    assert err.count("\n") == 150 and "epoch 150/150  loss " in err
    history = json.loads((out_dir / "history.json").read_text())
    assert history["stopped"] == "completed" and len(history["epochs"]) == 150
    model = load_model(out_dir / "model.json")
    assert model.classes == [0, 1]
    assert model.metadata["epochs"] == 150 and model.metadata["config"] == "run.toml"

    code, out, err = run(capsys, "evaluate", out_dir / "model.json", "xor")
    assert code == 0, err
    assert "accuracy: 100.00% (4 of 4)" in out
    assert out.splitlines()[-3:] == ["   0 1", "0  2 0", "1  0 2"]
    code, out, _ = run(capsys, "evaluate", out_dir / "model.json", "xor", "--format", "json")
    assert json.loads(out)["confusion_matrix"] == [[2, 0], [0, 2]]


def test_quiet_prints_nothing(tmp_path, capsys):
    config = write(tmp_path, XOR.replace("epochs = 150", "epochs = 3"))
    code, out, err = run(capsys, "train", config, "-o", tmp_path / "out", "--quiet")
    assert (code, out, err) == (0, "", "")


def test_default_output_folder_is_runs_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path, XOR.replace("epochs = 150", "epochs = 2"), name="xor.toml")
    assert run(capsys, "train", config, "-q")[0] == 0
    assert (tmp_path / "runs" / "xor" / "model.json").is_file()
    text = XOR.replace("epochs = 150", "epochs = 2") + '\n[output]\ndirectory = "elsewhere"\n'
    sub = tmp_path / "sub"
    sub.mkdir()
    assert run(capsys, "train", write(sub, text), "-q")[0] == 0
    assert (sub / "elsewhere" / "model.json").is_file()  # relative to the file


def test_missing_matplotlib_is_a_one_line_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    config = write(tmp_path, XOR.replace("epochs = 150", "epochs = 2"))
    code, _, err = run(capsys, "train", config, "-o", tmp_path / "out", "--progress", "lines")
    assert code == 0
    hints = [line for line in err.splitlines() if "matplotlib" in line]
    assert hints == ["history.png skipped: matplotlib is missing; pip install 'glassnet[plot]'"]
    assert not (tmp_path / "out" / "history.png").exists()


def test_resume_after_two_of_four_epochs_gives_identical_arrays(tmp_path, capsys):
    """The acceptance test: 4 epochs straight, or 2 and then --resume to 4: the same arrays."""
    config = write(tmp_path, MNIST_SMALL)
    assert run(capsys, "train", config, "-o", tmp_path / "straight", "-q")[0] == 0
    assert run(capsys, "train", config, "-o", tmp_path / "resumed", "-q", "--epochs", "2")[0] == 0
    code, out, err = run(capsys, "train", config, "-o", tmp_path / "resumed", "--resume",
                         "--progress", "lines")  # fmt: skip
    assert code == 0, err
    assert "resuming from" in out and "(after epoch 2)" in out
    assert [line[:11] for line in err.splitlines()] == ["epoch 3/4  ", "epoch 4/4  "]
    npz_a = arrays_path(tmp_path / "straight" / "model.json")
    npz_b = arrays_path(tmp_path / "resumed" / "model.json")
    assert npz_a is not None and npz_b is not None
    # Arrays files are named by content: the same arrays, the same name and bytes.
    assert npz_a.name == npz_b.name and npz_a.read_bytes() == npz_b.read_bytes()
    with np.load(npz_a) as a, np.load(npz_b) as b:
        assert a.files == b.files == ["layers.0.weights", "layers.1.weights"]
        for name in a.files:
            assert np.array_equal(a[name], b[name])
    a = load_model(tmp_path / "straight" / "model.json").network
    b = load_model(tmp_path / "resumed" / "model.json").network
    for la, lb in zip(a.layers, b.layers):
        assert np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
    h1 = json.loads((tmp_path / "straight" / "history.json").read_text())
    h2 = json.loads((tmp_path / "resumed" / "history.json").read_text())
    for r1, r2 in zip(h1["epochs"], h2["epochs"]):
        assert (r1["loss"], r1["val_loss"]) == (r2["loss"], r2["val_loss"])
    assert h1["test"] == h2["test"]

    # The model evaluates on the full MNIST test set with the saved scaling.
    code, out, err = run(capsys, "evaluate", tmp_path / "straight" / "model.json", MNIST)
    assert code == 0, err
    assert "samples:  10000" in out
    accuracy = float(out.split("accuracy: ")[1].split("%")[0])
    assert accuracy > 80


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint_and_says_how_to_resume(tmp_path):
    config = write(tmp_path, MNIST_SMALL.replace("epochs = 4", "epochs = 30"))
    out_dir = tmp_path / "out"
    command = [sys.executable, "-m", "glassnet", "train", str(config), "-o", str(out_dir),
               "--progress", "lines"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()
    assert first.startswith("epoch 1/30"), first
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "stopping after this batch" in rest
    last = rest.strip().splitlines()[-1]
    assert last.startswith("glassnet: interrupted; checkpoint saved to ")
    assert last.endswith(f"resume with: glassnet train {config} --resume --output {out_dir}")
    assert (out_dir / "checkpoint.json").is_file() and not (out_dir / "model.json").exists()
    done = subprocess.run([*command[:-2], "-q", "--resume", "--epochs", "3"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out_dir / "model.json").is_file()


def test_predict_writes_labels_and_probabilities(tmp_path, capsys):
    config = write(tmp_path, XOR)
    assert run(capsys, "train", config, "-o", tmp_path / "out", "-q")[0] == 0
    inputs = tmp_path / "inputs.csv"
    inputs.write_text("x1,x2\n0,0\n0,1\n1,0\n1,1\n")
    model = tmp_path / "out" / "model.json"
    code, out, _ = run(capsys, "predict", model, inputs)
    assert code == 0 and out == "prediction\n0\n1\n1\n0\n"
    target = tmp_path / "predictions.csv"
    code, out, _ = run(capsys, "predict", model, inputs, "--probabilities", "-o", target)
    assert code == 0 and out == ""
    lines = target.read_text().splitlines()
    assert lines[0] == "prediction,p_0,p_1" and len(lines) == 5
    p = [float(v) for v in lines[2].split(",")[1:]]
    assert lines[2].startswith("1,") and p[1] > 0.95 and sum(p) == pytest.approx(1, abs=1e-5)


def test_predict_with_the_wrong_number_of_features(tmp_path, capsys):
    assert run(capsys, "train", write(tmp_path, XOR), "-o", tmp_path / "out", "-q")[0] == 0
    inputs = tmp_path / "inputs.csv"
    inputs.write_text("1,2,3\n4,5,6\n")
    target = tmp_path / "predictions.csv"
    code, _, err = run(capsys, "predict", tmp_path / "out" / "model.json", inputs, "-o", target)
    line = one_line_error(code, err)
    assert "inputs.csv: expected 2 features per line (the model's inputs), got 3" in line
    assert not target.exists()


def test_corrupted_model_is_exit_2(tmp_path, capsys):
    assert run(capsys, "train", write(tmp_path, XOR), "-o", tmp_path / "out", "-q")[0] == 0
    model = tmp_path / "out" / "model.json"
    model.write_text(model.read_text()[:300])
    target = tmp_path / "p.csv"
    (tmp_path / "in.csv").write_text("0,1\n")
    for argv in (("evaluate", model, "xor"), ("predict", model, tmp_path / "in.csv", "-o", target)):
        line = one_line_error(*run(capsys, *argv)[::2])
        assert "model.json: not a valid model file (corrupted or truncated JSON" in line
    assert not target.exists()


def test_evaluate_on_data_of_another_shape(tmp_path, capsys):
    assert run(capsys, "train", write(tmp_path, XOR), "-o", tmp_path / "out", "-q")[0] == 0
    data = tmp_path / "three.csv"
    data.write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n")
    line = one_line_error(*run(capsys, "evaluate", tmp_path / "out" / "model.json", data)[::2])
    assert "three.csv: the data has 3 features but the model expects 2" in line
    data.write_text("a,b,label\n1,2,0\n4,5,7\n")
    line = one_line_error(*run(capsys, "evaluate", tmp_path / "out" / "model.json", data)[::2])
    assert "7" in line and "not among the classes" in line


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("hidden = [4]", "hiden = [4]"), "run.toml: network.hiden: unknown key; did you mean"),
        (
            ('hidden = [4]\nactivation = "tanh"', '[[network.layers]]\nactivation = "tanh"\n'
             "weights = [[1.0, 2.0, 3.0]]\n[[network.layers]]\nactivation = \"softmax\"\n"),
            "network.layers[0].weights: expected 2 columns (the data has 2 features), got 3",
        ),
        (('format = "xor"', 'format = "csv", path = "missing.csv"'), "data.train.path: no such"),
    ],
)  # fmt: skip
def test_config_mistakes_are_exit_2_without_output(tmp_path, capsys, change, message):
    config = write(tmp_path, XOR.replace(*change))
    line = one_line_error(*run(capsys, "train", config, "-o", tmp_path / "out")[::2])
    assert message in line
    assert not (tmp_path / "out").exists()


def test_divergence_is_exit_2_and_keeps_the_last_checkpoint(tmp_path, capsys):
    text = """
[data]
train = { format = "moons", n_samples = 200 }
[network]
hidden = [16]
activation = "relu"
output_activation = "identity"
loss = "mse"
[training]
epochs = 30
batch_size = 20
[optimizer]
learning_rate = 40.0
"""
    out = tmp_path / "out"
    line = one_line_error(*run(capsys, "train", write(tmp_path, text), "-o", out, "-q")[::2])
    assert "training diverged: the loss became" in line
    assert "at epoch " in line and ", batch " in line
    assert "the learning rate (40) is probably too large" in line
    assert not (out / "model.json").exists()
    if "last good checkpoint" in line:
        assert load_model(out / "checkpoint.json").network.sizes == [2, 16, 2]


def test_resume_without_a_checkpoint(tmp_path, capsys):
    line = one_line_error(
        *run(capsys, "train", write(tmp_path, XOR), "-o", tmp_path / "o", "--resume")[::2]
    )
    assert "no checkpoint to resume from in" in line


def test_flags_of_the_other_mode_are_refused(tmp_path, capsys):
    line = one_line_error(*run(capsys, "train", "mazur", "--resume")[::2])
    assert "--resume is for training files" in line
    line = one_line_error(*run(capsys, "train", write(tmp_path, XOR), "--steps", "5")[::2])
    assert "--steps is for worked examples, not training files" in line


def test_worked_example_mode_is_unchanged(capsys):
    code, out, _ = run(capsys, "train", "mazur", "--steps", "10000")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "A Step by Step Backpropagation Example (Matt Mazur, 2015)"
    assert lines[1] == "10000 updates, learning rate 0.5, loss half_sse"
    assert lines[-4] == "   10000    3.51018778e-05"
    assert lines[-1] == "  o1 = 0.0159136204, o2 = 0.984064274"


def test_interrupt_exit_status_constant():
    from glassnet.cli.train import EXIT_INTERRUPTED

    assert EXIT_INTERRUPTED == 128 + signal.SIGINT == 130
    assert os.name == "posix"
