"""Model files: exact round trips, readable JSON, checked arrays, atomic writes, clear errors."""

from __future__ import annotations

import hashlib
import json
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
    save_model,
)


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
