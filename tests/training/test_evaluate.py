"""glassnet.training.evaluation: predict, the confusion matrix, the checks of features and
targets, and the input range a trained network records (and evaluate/predict warn about)."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.data import spirals
from glassnet.engine import forward
from glassnet.errors import GlassnetError
from glassnet.init import init_network
from glassnet.optimizers import SGD
from glassnet.persistence import load_model, save_model
from glassnet.training import Targets, check_features, confusion_matrix, fit, predict
from train_helpers import blobs, run, spiral_net


def test_predict_and_confusion_matrix():
    X, _ = blobs()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    out = predict(net, X, batch_size=7)
    np.testing.assert_allclose(out, forward(net, net.check_inputs(X))[-1].out, rtol=1e-5, atol=1e-7)
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
