"""Model files: exact round trips, readable JSON, checked arrays, atomic writes, clear errors."""

from __future__ import annotations

import hashlib
import io
import json
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from glassnet.activations import get_activation
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.init import init_network
from glassnet.network import Layer, Network
from glassnet.persistence import (
    INLINE_MAX,
    arrays_path,
    load_checkpoint,
    load_model,
    remove_litter,
    save_checkpoint,
    save_model,
)
from glassnet.training import COLUMNS


def assert_same_network(a: Network, b: Network) -> None:
    assert a.sizes == b.sizes and a.loss.name == b.loss.name and a.dtype == b.dtype
    assert a.batch_reduction == b.batch_reduction
    for la, lb in zip(a.layers, b.layers):
        assert la.activation.name == lb.activation.name
        assert la.weights.dtype == lb.weights.dtype
        assert np.array_equal(la.weights, lb.weights)
        assert la.bias_mode == lb.bias_mode and la.train_bias == lb.train_bias
        if la.bias is not None:
            assert np.array_equal(la.bias, lb.bias)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_model_is_one_readable_json_file(tmp_path, dtype):
    net = init_network([2, 3, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0, dtype=dtype)
    path = save_model(tmp_path / "xor.json", net, classes=["no", "yes"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.json"]
    document = json.loads(path.read_text())
    assert document["format"] == "glassnet-model" and document["version"] == 1
    layer = document["network"]["layers"][0]
    assert layer["activation"] == "tanh" and layer["bias"] == "neuron"
    assert np.array_equal(np.array(layer["weights"], dtype=dtype), net.layers[0].weights)
    # One row of the weight matrix per line.
    assert "[\n" in path.read_text() and path.read_text().count("\n") < 60
    model = load_model(path)
    assert_same_network(model.network, net)
    assert model.classes == ["no", "yes"]


def test_float32_written_as_shortest_decimals(tmp_path):
    layer = Layer(np.array([[0.1, 1 / 3]]), "identity", bias=[0.2], dtype=np.float32)
    save_model(tmp_path / "m.json", Network([layer], loss="mse"))
    text = (tmp_path / "m.json").read_text()
    assert "[0.1, 0.33333334]" in text and "[0.2]" in text


def test_large_arrays_go_to_npz_with_a_checksum(tmp_path):
    net = init_network([784, 40, 10], ["relu", "softmax"], loss="cross_entropy", rng=0)
    path = save_model(tmp_path / "mnist.json", net, preprocessing={"kind": "divide"})
    document = json.loads(path.read_text())
    # The arrays file is named by the first 12 hex digits of its SHA-256.
    npz = f"mnist.{document['arrays']['sha256'][:12]}.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["mnist.json", npz])
    assert arrays_path(path) == tmp_path / npz
    assert hashlib.sha256((tmp_path / npz).read_bytes()).hexdigest() == document["arrays"]["sha256"]
    ref = document["network"]["layers"][0]["weights"]
    assert ref == {"array": "layers.0.weights", "shape": [40, 784], "dtype": "float32"}
    assert isinstance(document["network"]["layers"][1]["weights"], dict)  # 400 > INLINE_MAX
    assert isinstance(document["network"]["layers"][0]["bias_values"], list)  # 40 values
    assert len(document["arrays"]["sha256"]) == 64
    assert INLINE_MAX < 40 * 784
    model = load_model(path)
    assert_same_network(model.network, net)
    assert model.preprocessing == {"kind": "divide"}


def test_worked_examples_round_trip(tmp_path):
    for name in ("mazur", "hill", "lamsal"):
        net = load_example(name).network
        assert_same_network(load_model(save_model(tmp_path / f"{name}.json", net)).network, net)
    mazur = load_model(tmp_path / "mazur.json").network
    assert mazur.layers[0].bias_mode == "shared" and not mazur.layers[0].train_bias


def test_leaky_slope_no_bias_and_sum_reduction(tmp_path):
    net = Network(
        [
            Layer([[1.0, -2.0]], get_activation("leaky_relu", slope=0.2), bias=None),
            Layer([[0.5]], "identity", bias=[0.1]),
        ],
        loss="half_sse",
        batch_reduction="sum",
    )
    model = load_model(save_model(tmp_path / "m.json", net))
    assert_same_network(model.network, net)
    assert model.network.layers[0].activation.slope == 0.2


def test_preprocessing_arrays_and_metadata(tmp_path):
    offset = np.arange(300, dtype=np.float32)
    pre = {"kind": "standard", "offset": offset, "scale": [1.0, 2.0]}
    net = init_network([2, 2], ["softmax"], loss="cross_entropy", rng=0)
    path = save_model(tmp_path / "m.json", net, preprocessing=pre, metadata={"epochs": 3})
    model = load_model(path)
    assert np.array_equal(model.preprocessing["offset"], offset)
    assert model.preprocessing["scale"] == [1.0, 2.0]
    assert model.metadata == {"epochs": 3}


def saved(tmp_path, big=True):
    sizes = [784, 40, 10] if big else [2, 3, 2]
    net = init_network(sizes, ["relu", "softmax"], loss="cross_entropy", rng=0)
    return save_model(tmp_path / "model.json", net)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_text(p.read_text()[:200]), "not a valid model file (corrupted or"),
        (lambda p: p.write_text("[1, 2]"), "not a glassnet model file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff"), "not a valid model file"),
        (lambda p: arrays_path(p).write_bytes(arrays_path(p).read_bytes()[:5000]),
         "npz does not match its checksum"),
        (lambda p: arrays_path(p).unlink(), "arrays.file: cannot read"),
        (lambda p: p.write_text(p.read_text().replace('"relu"', '"relux"')),
         "network.layers[0].activation: unknown activation 'relux'"),
        (lambda p: p.write_text(p.read_text().replace('"version": 1', '"version": 7')),
         "format version 7 is not supported"),
        (lambda p: p.write_text(p.read_text().replace("[40, 784]", "[41, 784]")),
         "weights: the arrays file holds float32 (40, 784), the JSON says float32 (41, 784)"),
        (lambda p: p.write_text(p.read_text().replace('"n_inputs": 40', '"n_inputs": 4')),
         "network.layers[1].weights: expected shape (10, 4), got (10, 40)"),
    ],
)  # fmt: skip
def test_damaged_files_are_one_line_errors(tmp_path, damage, message):
    path = saved(tmp_path)
    damage(path)
    with pytest.raises(GlassnetError) as info:
        load_model(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(path))


def test_inline_damage(tmp_path):
    path = saved(tmp_path, big=False)
    document = json.loads(path.read_text())
    document["network"]["layers"][0]["weights"][1] = [1.0]
    path.write_text(json.dumps(document))
    with pytest.raises(GlassnetError, match=r"weights: expected numbers in shape \(3, 2\)"):
        load_model(path)
    document["network"]["layers"][0]["weights"] = "abc"
    path.write_text(json.dumps(document))
    with pytest.raises(GlassnetError, match="weights: expected numbers"):
        load_model(path)


def test_pickled_arrays_are_refused(tmp_path):
    """An .npz holding an object array (a pickle) is rejected, never unpickled."""
    import hashlib
    import io

    path = saved(tmp_path)
    buffer = io.BytesIO()
    np.savez(buffer, **{"layers.0.weights": np.array([{"evil": 1}], dtype=object)})
    data = buffer.getvalue()
    arrays_path(path).write_bytes(data)
    document = json.loads(path.read_text())
    document["arrays"]["sha256"] = hashlib.sha256(data).hexdigest()
    path.write_text(json.dumps(document))
    with pytest.raises(GlassnetError, match=r"not a valid \.npz file"):
        load_model(path)


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = saved(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("glassnet.persistence.to_json", broken)
    net = init_network([784, 40, 10], ["relu", "softmax"], loss="cross_entropy", rng=1)
    with pytest.raises(OSError, match="disk full"):
        save_model(path, net)
    # No temporary files are left behind, and the JSON still reads.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)
    assert path.read_bytes() == before["model.json"]


def test_model_is_not_a_checkpoint(tmp_path):
    with pytest.raises(GlassnetError, match="not a glassnet checkpoint file"):
        load_checkpoint(saved(tmp_path))


def test_npz_is_a_zip_of_plain_npy(tmp_path):
    path = saved(tmp_path)
    with zipfile.ZipFile(arrays_path(path)) as archive:
        assert sorted(archive.namelist()) == ["layers.0.weights.npy", "layers.1.weights.npy"]


# -- crash safety (issue 11) ------------------------------------------------------------


def big_net(seed):
    return init_network([20, 64, 3], ["relu", "softmax"], loss="cross_entropy", rng=seed)


def test_a_kill_between_the_two_renames_leaves_a_loadable_model(tmp_path):
    """The issue's reproduction: SIGKILL once the arrays are written, before the JSON."""
    script = f"""
import os, signal, glassnet.persistence as P
from glassnet.init import init_network as n
os.chdir({str(tmp_path)!r})
P.save_model("m.json", n([20, 64, 3], ["relu", "softmax"], loss="cross_entropy", rng=1))
P.write_text_atomic = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
P.save_model("m.json", n([20, 64, 3], ["relu", "softmax"], loss="cross_entropy", rng=2))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    # Two arrays files: the old one the JSON names, the new one nothing names yet.
    assert len(list(tmp_path.glob("m.*.npz"))) == 2
    assert_same_network(load_model(tmp_path / "m.json").network, big_net(1))
    # The next save removes the orphan.
    save_model(tmp_path / "m.json", big_net(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["m.json", arrays_path(tmp_path / "m.json").name]
    )
    assert_same_network(load_model(tmp_path / "m.json").network, big_net(3))


def test_a_save_with_the_same_arrays_keeps_their_file(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1), metadata={"run": 1})
    first = arrays_path(path)
    save_model(path, big_net(1), metadata={"run": 2})
    assert arrays_path(path) == first and first.is_file()
    assert load_model(path).metadata == {"run": 2}
    save_model(path, big_net(2))
    assert not first.exists() and arrays_path(path).is_file()


def test_litter_of_killed_saves_is_removed_and_nothing_else(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    kept = arrays_path(path)
    litter = [
        ".m.json.ab12cd_9.part",
        ".m.0123456789ab.npz.zz99yy88.part",
        "m.0123456789ab.npz",
        "m.fedcba987654.npz",
    ]
    others = [
        "m.npz",  # not a name glassnet gives (any more): may be the user's
        "m.0123456789AB.npz",
        "mm.0123456789ab.npz",
        "m.0123456789ab.npz.bak",
        ".m.json.part",
        ".other.json.ab12cd_9.part",
        "notes.txt",
    ]
    for name in litter + others:
        (tmp_path / name).write_bytes(b"x")
    assert sorted(p.name for p in remove_litter(path)) == sorted(litter)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, "m.json", kept.name])
    assert_same_network(load_model(path).network, big_net(1))


def test_litter_keeps_every_arrays_file_while_the_json_is_unreadable(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    (tmp_path / "m.0123456789ab.npz").write_bytes(b"x")
    (tmp_path / ".m.json.abcdefgh.part").write_bytes(b"x")
    path.write_text("{ damaged")
    assert [p.name for p in remove_litter(path)] == [".m.json.abcdefgh.part"]
    assert len(list(tmp_path.glob("m.*.npz"))) == 2


def test_a_model_saved_with_a_fixed_arrays_name_is_replaced_cleanly(tmp_path):
    """Models saved before content-named arrays name ``NAME.npz``; a re-save removes it."""
    path = save_model(tmp_path / "m.json", big_net(1))
    old = arrays_path(path)
    old.rename(tmp_path / "m.npz")
    path.write_text(path.read_text().replace(old.name, "m.npz"))
    assert_same_network(load_model(path).network, big_net(1))
    save_model(path, big_net(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.json", arrays_path(path).name])


def test_a_checkpoint_resave_after_a_kill(tmp_path):
    net = big_net(1)
    state = {"epoch": 1, "batch": 0, "arrays": {"optimizer.m": [np.ones((64, 20))]}}
    path = save_checkpoint(tmp_path / "checkpoint.json", net, state)
    (tmp_path / "checkpoint.0123456789ab.npz").write_bytes(b"orphan")
    (tmp_path / ".checkpoint.json.k1l2m3n4.part").write_bytes(b"{")
    save_checkpoint(path, net, {**state, "epoch": 2})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["checkpoint.json", arrays_path(path).name])


# -- hostile model files (issue 11) ------------------------------------------------------


def rewrite(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def one_line_error(path, reader=load_model):
    with pytest.raises(GlassnetError) as info:
        reader(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e400, "n_inputs: expected a whole number >= 1, got inf"),
        (-3, "n_inputs: expected a whole number >= 1, got -3"),
        (2.5, "n_inputs: expected a whole number >= 1, got 2.5"),
        ("20", "n_inputs: expected a whole number >= 1, got '20'"),
        (True, "n_inputs: expected a whole number >= 1, got True"),
    ],
)
def test_layer_sizes_must_be_whole_numbers(tmp_path, value, expected):
    path = save_model(tmp_path / "m.json", big_net(1))
    text = path.read_text().replace('"n_inputs": 20', f'"n_inputs": {json.dumps(value)}', 1)
    path.write_text(text.replace("Infinity", "1e400"))
    assert "network.layers[0]." + expected in one_line_error(path)


def test_deep_nesting_in_metadata(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    text = path.read_text().replace(
        '"metadata": {}', '"metadata": ' + "[" * 100_000 + "]" * 100_000
    )
    path.write_text(text)
    assert one_line_error(path).endswith(
        "nested too deeply (more than 64 levels of arrays and tables)"
    )
    # Deep but within Python's recursion limit: still refused, before anything walks it.
    path.write_text(text.replace("[" * 100_000 + "]" * 100_000, "[" * 500 + "]" * 500))
    assert "nested too deeply" in one_line_error(path)


def npy_header(shape, dtype="<f4"):
    """A version 1.0 ``.npy`` header claiming ``shape``, padded as NumPy pads it."""
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def replace_arrays(path, members):
    """Swap the model's arrays file for a zip of ``members`` and update the checksum."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    arrays_path(path).write_bytes(data)
    rewrite(path, lambda d: d["arrays"].update(sha256=hashlib.sha256(data).hexdigest()))


def test_an_npz_header_claiming_terabytes_is_refused_before_reading(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    huge = npy_header((10**6, 10**6)) + bytes(16)
    replace_arrays(path, {"layers.0.weights.npy": huge})
    message = one_line_error(path)
    assert "npz is not a valid .npz file: member 'layers.0.weights': the header claims " in message
    assert "(4,000,000,000,000 bytes of data), the file holds 16 bytes after the header" in message
    # The JSON agreeing with the header changes nothing: the data is not there.
    rewrite(path, lambda d: d["network"]["layers"][0].update(n_inputs=10**6, n_neurons=10**6))
    assert "the header claims float32 (1000000, 1000000)" in one_line_error(path)


def test_an_npz_header_that_disagrees_with_the_json_is_refused_before_reading(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    with zipfile.ZipFile(arrays_path(path)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["layers.0.weights.npy"] = npy_header((32, 40)) + bytes(32 * 40 * 4)
    replace_arrays(path, members)
    assert one_line_error(path).endswith(
        "network.layers[0].weights: the arrays file holds float32 (32, 40), "
        "the JSON says float32 (64, 20)"
    )
    members["layers.0.weights.npy"] = npy_header((64, 20), "<i4") + bytes(64 * 20 * 4)
    replace_arrays(path, members)
    assert one_line_error(path).endswith("expected float32 or float64 numbers, got int32")


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (npy_header((-1, 20)), "the header claims a negative size (-1, 20)"),
        (b"\x93NUMPY\x01\x00\xff\xff{", "not a valid .npy header"),
        (b"PK\x03\x04junk", "not a valid .npy header (the magic string is not correct"),
        (npy_header("(" * 300 + ")" * 300), "not a valid .npy header"),
    ],
)
def test_malformed_npy_headers(tmp_path, member, expected):
    path = save_model(tmp_path / "m.json", big_net(1))
    replace_arrays(path, {"layers.0.weights.npy": member})
    assert expected in one_line_error(path)


def test_a_compressed_member_is_refused(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(arrays_path(path)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, source.read(name))
    data = buffer.getvalue()
    arrays_path(path).write_bytes(data)
    rewrite(path, lambda d: d["arrays"].update(sha256=hashlib.sha256(data).hexdigest()))
    assert "is compressed; glassnet writes them stored" in one_line_error(path)


def test_a_model_file_with_a_byte_order_mark_reads(tmp_path):
    path = save_model(tmp_path / "m.json", big_net(1))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert_same_network(load_model(path).network, big_net(1))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.update(epoch=-1), "training.epoch: expected a whole number >= 0, got -1"),
        (lambda t: t.update(sums=[0.0, 1]), "training.sums: expected [loss sum, correct, seen]"),
        (lambda t: t["epoch_rng"].update(state="x"), "training.epoch_rng: not a valid PCG64 state"),
        (lambda t: t.update(epoch_rng={"bit_generator": "Evil"}), "training.epoch_rng: expected"),
        (lambda t: t["optimizer"].update(t=1e400), "training.optimizer: expected {name, t,"),
        (lambda t: t["history"]["epochs"].append({"epoch": 1}), "training.history.epochs[0]"),
        (lambda t: t.update(finished="no"), "training.finished: expected true or false, got 'no'"),
    ],
)  # fmt: skip
def test_damaged_training_state_is_one_line(tmp_path, change, expected):
    state = {
        "epoch": 1, "batch": 0, "epoch_rng": np.random.default_rng(0).bit_generator.state,
        "sums": [0.0, 0, 0], "epoch_seconds": 0.0,
        "history": {"stopped": "completed", "best_epoch": None, "epochs": []},
        "best_loss": None, "wait": 0, "finished": False,
        "optimizer": {"name": "sgd", "t": 0, "settings": {}}, "arrays": {},
    }  # fmt: skip
    path = save_checkpoint(tmp_path / "c.json", big_net(1), state)
    load_checkpoint(path)
    rewrite(path, lambda d: change(d["training"]))
    path.write_text(path.read_text().replace("Infinity", "1e400"))

    def read(path):  # as the trainer reads it, with the history's columns
        return load_checkpoint(path, history_columns=COLUMNS)

    assert expected in one_line_error(path, read)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["1.5", 2.0], r"weights: expected numbers in shape \(3, 2\)"),
        ([True, 2.0], r"weights: expected numbers in shape \(3, 2\)"),
        ([None, 2.0], r"weights: expected numbers in shape \(3, 2\)"),
        ([1e300, 2.0], r"weights: a value is out of the float32 range"),
    ],
)
def test_inline_arrays_hold_only_numbers(tmp_path, row, expected):
    path = saved(tmp_path, big=False)
    rewrite(path, lambda d: d["network"]["layers"][0]["weights"].__setitem__(1, row))
    with pytest.raises(GlassnetError, match=expected):
        load_model(path)
