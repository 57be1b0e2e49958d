"""Scaling fitted on training data, its dict form, one-hot targets and seeded splits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from glassnet.data import Dataset, Preprocessor, one_hot, split
from glassnet.errors import GlassnetError

# Training data worked by hand:
#   column 0: 1, 3, 5     mean 3,  deviations -2, 0, 2     variance 8/3   std 1.6329931618554521
#   column 1: 10, 10, 40  mean 20, deviations -10, -10, 20 variance 200   std 14.142135623730951
TRAIN = np.array([[1, 10], [3, 10], [5, 40]], dtype=np.float32)
OTHER = np.array([[3, 20], [7, 50]], dtype=np.float32)


def test_standard_scaling_by_hand():
    pre = Preprocessor("standard").fit(TRAIN)
    np.testing.assert_allclose(pre.offset_, [3, 20])
    np.testing.assert_allclose(pre.scale_, [math.sqrt(8 / 3), math.sqrt(200)], rtol=1e-7)
    out = pre.transform(OTHER)
    assert out.dtype == np.float32
    # (7 - 3) / 1.63299 = 2.4494897; (50 - 20) / 14.1421 = 2.1213203
    np.testing.assert_allclose(out, [[0, 0], [4 / math.sqrt(8 / 3), 30 / math.sqrt(200)]],
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(pre.inverse_transform(out), OTHER, rtol=1e-6)


def test_minmax_and_divide_by_hand():
    pre = Preprocessor("minmax").fit(TRAIN)  # min [1, 10], max [5, 40]
    np.testing.assert_allclose(pre.transform(OTHER), [[0.5, 1 / 3], [1.5, 4 / 3]], rtol=1e-6)
    divide = Preprocessor.parse("divide:255").fit(TRAIN)
    scaled = divide.transform(np.array([[0, 51, 255]], dtype=np.uint8))
    assert scaled.tolist() == [[0, np.float32(0.2), 1]]  # 51 / 255 = 0.2, rounded to float32
    assert divide.transform(np.array([[51]], dtype=np.uint8)).dtype == np.float32
    none = Preprocessor.parse("none").fit(TRAIN)
    np.testing.assert_array_equal(none.transform(OTHER), OTHER)


def test_constant_feature_is_left_unscaled():
    X = np.array([[2, 1], [2, 3]], dtype=np.float32)
    for kind in ("standard", "minmax"):
        pre = Preprocessor(kind).fit(X)
        assert pre.scale_[0] == 1.0
        assert pre.transform(X)[:, 0].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(("kind", "reference"), [("standard", StandardScaler),
                                                 ("minmax", MinMaxScaler)])  # fmt: skip
def test_agrees_with_scikit_learn(kind, reference, monkeypatch):
    from glassnet.data import preprocess

    monkeypatch.setattr(preprocess, "CHUNK_ROWS", 7)  # several chunks, as for a memory map
    rng = np.random.default_rng(5)
    train = (rng.normal(size=(50, 6)) * [1, 10, 100, 0.1, 3, 5] + 40).astype(np.float32)
    test = (rng.normal(size=(20, 6)) * 20).astype(np.float32)
    ours = Preprocessor(kind).fit(train).transform(test)
    theirs = reference().fit(train.astype(np.float64)).transform(test.astype(np.float64))
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-5)


def test_transform_keeps_float32_for_any_input():
    pre = Preprocessor("standard").fit(TRAIN)
    for X in (OTHER, OTHER.astype(np.float64), OTHER.astype(np.int32), OTHER.tolist()):
        assert pre.transform(X).dtype == np.float32


def test_transform_checks_the_number_of_features():
    pre = Preprocessor("standard").fit(TRAIN)
    with pytest.raises(GlassnetError, match=r"expected 2 features \(as in the training data\), "
                       r"got 3"):  # fmt: skip
        pre.transform(np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(GlassnetError, match=r"call fit before transform"):
        Preprocessor("minmax").transform(TRAIN)


@pytest.mark.parametrize("spelling", ["standard", "minmax", "divide:255", "none"])
def test_dict_round_trip_is_exact_and_json_ready(spelling):
    rng = np.random.default_rng(0)
    pre = Preprocessor.parse(spelling).fit(rng.normal(size=(30, 4)).astype(np.float32))
    data = pre.to_dict()
    assert json.loads(json.dumps(data)) == data

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return type(value) in (int, float, str)

    assert plain(data)
    back = Preprocessor.from_dict(json.loads(json.dumps(data)))
    X = rng.normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_array_equal(back.transform(X), pre.transform(X))
    assert back.to_dict() == data and back.kind == pre.kind


def test_dict_layout():
    # The example in docs/data.md: each float32 written as the float64 equal to it.
    assert Preprocessor("standard").fit(TRAIN).to_dict() == {
        "format": 1,
        "kind": "standard",
        "offset": [3.0, 20.0],
        "scale": [float(np.float32(math.sqrt(8 / 3))), float(np.float32(math.sqrt(200)))],
    }
    assert float(np.float32(math.sqrt(8 / 3))) == 1.632993221282959
    pre = Preprocessor("minmax").fit(TRAIN)
    assert pre.to_dict() == {"format": 1, "kind": "minmax", "offset": [1.0, 10.0],
                             "scale": [4.0, 30.0]}  # fmt: skip
    assert Preprocessor.parse("divide:255").fit(TRAIN).to_dict() == {
        "format": 1, "kind": "divide", "divisor": 255.0}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "model.json: preprocessing: expected a table"),
        ({"kind": "none"}, "preprocessing.format: expected 1, got None"),
        (
            {"format": 1, "kind": "zscore"},
            "preprocessing.kind: expected one of standard, minmax, divide, none, got 'zscore'",
        ),
        (
            {"format": 1, "kind": "divide", "divisor": 0},
            "preprocessing.divisor: must be a number > 0, got 0",
        ),
        ({"format": 1, "kind": "divide"}, "preprocessing.divisor: expected a number > 0, got None"),
        (
            {"format": 1, "kind": "standard", "offset": [0.0], "scale": [1.0, 2.0]},
            "preprocessing.scale: expected 1 numbers (one per feature), got 2",
        ),
        (
            {"format": 1, "kind": "standard", "offset": [0.0, "x"], "scale": [1.0, 2.0]},
            "preprocessing.offset: expected a non-empty list of finite numbers",
        ),
        (
            {"format": 1, "kind": "minmax", "offset": [0.0], "scale": [-1.0]},
            "preprocessing.scale: every value must be > 0",
        ),
    ],
)
def test_from_dict_errors(data, message):
    with pytest.raises(GlassnetError) as info:
        Preprocessor.from_dict(data, source="model.json")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zscore", "scale: expected one of standard, minmax, divide:NUMBER, none; got 'zscore'"),
        ("divide:abc", "scale: expected divide:NUMBER such as divide:255, got 'divide:abc'"),
        ("divide:0", "scale: the divisor must be > 0, got 0"),
        ("standard:2", "expected one of standard, minmax, divide:NUMBER, none; got 'standard:2'"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(GlassnetError, match=message):
        Preprocessor.parse(text)


def test_one_hot():
    assert one_hot(np.array([2, 0, 1]), 3).tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert one_hot([1], 2).dtype == np.float32
    with pytest.raises(GlassnetError, match=r"class indices must be 0 to 2, got 0 to 3"):
        one_hot([0, 3], 3)
    with pytest.raises(GlassnetError, match=r"expected class indices"):
        one_hot([0.5], 3)


def labelled(counts: list[int]) -> Dataset:
    y = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
    X = np.arange(len(y), dtype=np.float32)[:, None]  # each sample's original position
    return Dataset(X, y, classes=list(range(len(counts))), name="d")


def test_stratified_split_by_hand():
    # 70 + 30 samples, fraction 0.2: 14 + 6 go to the part, 56 + 24 stay.
    rest, part = split(labelled([70, 30]), 0.2, seed=0)
    assert part.class_counts().tolist() == [14, 6]
    assert rest.class_counts().tolist() == [56, 24]
    positions = sorted(rest.X[:, 0].tolist() + part.X[:, 0].tolist())
    assert positions == list(range(100))  # disjoint, and nothing lost
    assert part.X[:, 0].tolist() == sorted(part.X[:, 0].tolist())  # original order kept


def test_stratified_split_rounds_to_the_exact_total():
    # 10/10/10 samples, fraction 0.25: 7.5 in all → 8; shares 2.5 each: floors 2, 2, 2,
    # and the remainder goes to the first class (ties by class order).
    rest, part = split(labelled([10, 10, 10]), 0.25, seed=3)
    assert part.n_samples == 8 and part.class_counts().tolist() == [3, 3, 2]
    assert rest.n_samples == 22


def test_split_is_seeded():
    data = labelled([50, 50])
    first = split(data, 0.3, seed=1)[1].X[:, 0].tolist()
    assert split(data, 0.3, seed=1)[1].X[:, 0].tolist() == first
    assert split(data, 0.3, seed=2)[1].X[:, 0].tolist() != first
    assert split(data, 0.3, seed=(1, 5))[1].X[:, 0].tolist() != first


def test_regression_split_and_errors():
    data = Dataset(np.zeros((10, 1), np.float32), np.arange(10, dtype=np.float32))
    rest, part = split(data, 0.3, seed=0)
    assert (rest.n_samples, part.n_samples) == (7, 3) and part.task == "regression"
    for fraction in (0, 1, 1.5, -0.1, True):
        with pytest.raises(GlassnetError, match=r"fraction: must be > 0 and < 1"):
            split(data, fraction, seed=0)
    with pytest.raises(GlassnetError, match=r"a fraction of 0.01 of 10 samples leaves one side "
                       r"empty"):  # fmt: skip
        split(data, 0.01, seed=0)
