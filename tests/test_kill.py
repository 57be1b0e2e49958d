"""SIGKILL at random moments: the folder always holds a loadable model, and runs resume exactly.

A child process saves a model and a checkpoint in a loop, alternating between two networks,
and is killed with SIGKILL at a random moment, again and again. After every kill the model
and the checkpoint load and hold one of the two networks exactly (never a JSON pointing at
the other network's arrays), and the next save leaves no leftovers: no ``.part`` files, no
arrays file that no JSON names. Then a ``glassnet train`` run is killed several times and
resumed with ``--resume``; its final parameters equal those of an uninterrupted run bit for
bit.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.init import init_network
from glassnet.network import Network
from glassnet.persistence import (
    arrays_path,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
)


def network(seed: int) -> Network:
    """[20, 64, 3]: 1280 weights, so the arrays go to an ``.npz`` file."""
    return init_network([20, 64, 3], ["relu", "softmax"], loss="cross_entropy", rng=seed)


NETWORKS = {seed: network(seed) for seed in (1, 2)}


def state(seed: int) -> dict:
    """A checkpoint's training state whose arrays differ between the two networks."""
    params = [a for layer in NETWORKS[seed].layers for a in (layer.weights, layer.bias)]
    return {
        "epoch": seed, "batch": 0, "epoch_rng": np.random.default_rng(seed).bit_generator.state,
        "sums": [0.0, 0, 0], "epoch_seconds": 0.0,
        "history": {"stopped": "completed", "best_epoch": None, "epochs": []},
        "best_loss": None, "wait": 0, "finished": False,
        "optimizer": {"name": "adam", "t": seed, "settings": {}},
        "arrays": {"optimizer.m": [2 * p for p in params]},
    }  # fmt: skip


def same(a: Network, b: Network) -> bool:
    return all(
        np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
        for la, lb in zip(a.layers, b.layers)
    )


def which(saved: Network) -> int:
    """The seed of the network ``saved`` equals exactly; fails when it is neither."""
    matches = [seed for seed, net in NETWORKS.items() if same(saved, net)]
    assert len(matches) == 1, "the saved network is neither of the two"
    return matches[0]


def save_forever(folder: Path, seed: int) -> None:
    """The child: save model and checkpoint, alternating networks from ``seed``, until killed."""
    try:
        while True:
            save_model(folder / "model.json", NETWORKS[seed], metadata={"seed": seed})
            save_checkpoint(folder / "checkpoint.json", NETWORKS[seed], state(seed))
            seed = 3 - seed
    finally:
        os._exit(1)


def expected_files(folder: Path) -> list[str]:
    names = ["model.json", "checkpoint.json"]
    for name in list(names):
        arrays = arrays_path(folder / name)
        assert arrays is not None
        names.append(arrays.name)
    return sorted(names)


def kill_while_saving(folder: Path, kills: int, rng: random.Random) -> dict[str, int]:
    """Kill a saving child ``kills`` times; check the folder after each kill."""
    save_model(folder / "model.json", NETWORKS[1], metadata={"seed": 1})
    save_checkpoint(folder / "checkpoint.json", NETWORKS[1], state(1))
    seen = {"litter after a kill": 0, "model 1": 0, "model 2": 0}
    seed = 1
    for _ in range(kills):
        pid = os.fork()
        if pid == 0:
            save_forever(folder, 3 - seed)  # the child's first save changes the network
        # A save takes a few milliseconds (most of it fsync), a kill lands anywhere in one.
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        # Old or new, but whole: the model and the checkpoint load, each one network exactly.
        model = load_model(folder / "model.json")
        seed = which(model.network)
        assert model.metadata == {"seed": seed}
        net, training = load_checkpoint(folder / "checkpoint.json")
        assert training["epoch"] == which(net)
        # Inline float32 arrays read back as float64 shortest decimals; the run casts them.
        expected = state(which(net))["arrays"]["optimizer.m"]
        got = training["arrays"]["optimizer.m"]
        assert all(np.array_equal(a.astype(b.dtype), b) for a, b in zip(got, expected, strict=True))
        seen[f"model {seed}"] += 1
        if sorted(p.name for p in folder.iterdir()) != expected_files(folder):
            seen["litter after a kill"] += 1
        # The next save removes what the kill left behind, and nothing the JSON names.
        save_model(folder / "model.json", model.network, metadata=model.metadata)
        save_checkpoint(folder / "checkpoint.json", net, training)
        assert sorted(p.name for p in folder.iterdir()) == expected_files(folder)
    return seen


def test_kills_while_saving_leave_a_loadable_model(tmp_path):
    seen = kill_while_saving(tmp_path, 25, random.Random(11))
    # The kills landed at different moments: both networks were found saved.
    assert seen["model 1"] and seen["model 2"], seen


@pytest.mark.slow
def test_many_kills_while_saving(tmp_path):
    seen = kill_while_saving(tmp_path, 300, random.Random(12))
    assert seen["model 1"] and seen["model 2"] and seen["litter after a kill"], seen


TRAINING = """
[data]
train = { format = "spirals", n_samples = 300, seed = 1 }
validation_fraction = 0.2

[network]
hidden = [200]
activation = "tanh"

[training]
epochs = EPOCHS
batch_size = 8
seed = 5

[optimizer]
name = "adam"
learning_rate = 0.003

[output]
plot = false
"""


def parameters(folder: Path) -> list[np.ndarray]:
    net = load_model(folder / "model.json").network
    return [a for layer in net.layers for a in (layer.weights, layer.bias)]


def kill_and_resume(tmp_path: Path, epochs: int, kills: int, rng: random.Random) -> None:
    config = tmp_path / "run.toml"
    config.write_text(TRAINING.replace("EPOCHS", str(epochs)))
    assert main(["train", str(config), "-o", str(tmp_path / "straight"), "-q"]) == 0
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "glassnet", "train", str(config), "-o", str(out), "-q"]
    killed = 0
    for _ in range(kills):
        resume = ["--resume"] if (out / "checkpoint.json").exists() else []
        process = subprocess.Popen([*command, *resume], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)  # fmt: skip
        # Wait for this run's next checkpoint, then kill at a random moment after it.
        before = (out / "checkpoint.json").stat().st_mtime_ns if resume else None
        while process.poll() is None:
            checkpoint = out / "checkpoint.json"
            if checkpoint.exists() and checkpoint.stat().st_mtime_ns != before:
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.15))
        if process.poll() is None:
            process.kill()
            killed += 1
        _, err = process.communicate(timeout=120)
        assert process.returncode in (0, -signal.SIGKILL), err
        if process.returncode == 0:
            break
        load_checkpoint(out / "checkpoint.json")  # whole after every kill
    assert killed >= 2, "the runs ended before they could be killed; give them more epochs"
    if not (out / "model.json").exists():
        done = subprocess.run([*command, "--resume"], capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
    for a, b in zip(parameters(tmp_path / "straight"), parameters(out), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    names = sorted(p.name for p in out.iterdir() if p.suffix in (".npz", ".part"))
    assert names == sorted(
        arrays_path(out / name).name for name in ("model.json", "checkpoint.json")
    ), names


def test_a_killed_run_resumes_bit_identically(tmp_path):
    kill_and_resume(tmp_path, epochs=40, kills=3, rng=random.Random(3))


@pytest.mark.slow
def test_a_run_killed_many_times_resumes_bit_identically(tmp_path):
    kill_and_resume(tmp_path, epochs=150, kills=12, rng=random.Random(4))


def test_a_run_removes_what_killed_runs_left_in_its_folder(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text(TRAINING.replace("EPOCHS", "1"))
    out = tmp_path / "out"
    out.mkdir()
    litter = [
        ".checkpoint.json.a1b2c3d4.part",
        ".checkpoint.0123456789ab.npz.a1b2c3d4.part",
        "checkpoint.0123456789ab.npz",
        ".model.json.zz_zz_zz.part",
        "model.fedcba987654.npz",
        ".history.json.a1b2c3d4.part",
        ".history.csv.a1b2c3d4.part",
    ]
    others = ["notes.txt", "model.npz", ".other.json.a1b2c3d4.part", "checkpoint.0123.npz"]
    for name in litter + others:
        (out / name).write_bytes(b"x")
    assert main(["train", str(config), "-o", str(out), "-q"]) == 0
    assert "wrote" not in capsys.readouterr().out
    arrays = [arrays_path(out / name).name for name in ("model.json", "checkpoint.json")]
    written = ["model.json", "checkpoint.json", "history.json", "history.csv"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*others, *arrays, *written])
