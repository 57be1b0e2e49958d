"""``.npz`` archives and ``.npy`` pairs, including memory maps and refused pickles."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.data import load_npy, load_npz
from glassnet.errors import GlassnetError


def test_npz_with_integer_labels(tmp_path):
    X = np.arange(12, dtype=np.int16).reshape(4, 3)
    path = tmp_path / "set.npz"
    np.savez(path, X=X, y=np.array([7, 3, 7, 5]))
    ds = load_npz(path)
    assert ds.X.dtype == np.float32
    np.testing.assert_array_equal(ds.X, X.astype(np.float32))
    assert ds.classes == [3, 5, 7] and ds.y.tolist() == [2, 0, 2, 1]
    assert ds.name == "set"


def test_npz_custom_names_string_labels_and_regression(tmp_path):
    path = tmp_path / "named.npz"
    features = np.array([[0.5, 1.0], [2.0, -3.0]], dtype=np.float64)
    np.savez(path, inputs=features, kinds=np.array(["dog", "cat"]), price=np.array([1.5, 2.5]))
    ds = load_npz(path, x="inputs", y="kinds")
    assert ds.classes == ["cat", "dog"] and ds.y.tolist() == [1, 0]
    reg = load_npz(path, x="inputs", y="price")
    assert reg.task == "regression" and reg.y.tolist() == [[1.5], [2.5]]
    assert reg.y.dtype == np.float32


def test_npy_pair_memory_mapped(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 5)).astype(np.float32)
    y = rng.integers(0, 4, size=100)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    ds = load_npy(tmp_path / "X.npy", tmp_path / "y.npy", mmap=True)
    assert isinstance(ds.X, np.memmap) and str(ds.X.filename) == str(tmp_path / "X.npy")
    assert not ds.X.flags.writeable
    np.testing.assert_array_equal(ds.X, X)
    assert ds.classes == [0, 1, 2, 3] and ds.y.tolist() == y.tolist()
    batch = ds.subset([5, 0])
    np.testing.assert_array_equal(batch.X, X[[5, 0]])
    assert not isinstance(batch.X, np.memmap)


@pytest.mark.parametrize(
    ("arrays", "options", "message"),
    [
        (
            {"X": np.zeros((2, 2)), "y": np.array([0, 1, 0])},
            {},
            "set.npz: y: expected 2 targets (one per sample of the features), got shape (3,)",
        ),
        ({"X": np.zeros((2, 2))}, {}, "set.npz: no array 'y' in the archive (it holds X)"),
        (
            {"X": np.zeros(3), "y": np.zeros(3)},
            {},
            "set.npz: X: features must be 2-D (n_samples, n_features), got shape (3,)",
        ),
        (
            {"X": np.array([[1.0, np.nan], [0, 0]]), "y": np.array([0, 1])},
            {},
            "set.npz: X: sample 0, feature 1: nan is not a finite number",
        ),
        (
            {"X": np.zeros((3, 1)), "y": np.array([0, 1, 2])},
            {"classes": [0, 1]},
            "set.npz: y: sample 2: label 2 is not one of the declared classes [0, 1]",
        ),
        (
            # Two undeclared labels: the message names the earliest sample, not label 3.
            {"X": np.zeros((5, 1)), "y": np.array([0, 1, 9, 3, 0])},
            {"classes": [0, 1]},
            "set.npz: y: sample 2: label 9 is not one of the declared classes [0, 1]",
        ),
        (
            {"X": np.zeros((2, 1)), "y": np.array([0.5, np.inf])},
            {},
            "set.npz: y: sample 1: target is not a finite number",
        ),
        (
            {"X": np.array([["a"], ["b"]]), "y": np.array([0, 1])},
            {},
            "set.npz: X: features must be numbers, got <U1",
        ),
        (
            {"X": np.zeros((2, 1)), "y": np.array([0, 1])},
            {"task": "guess"},
            "task: expected one of auto, classification, regression, got 'guess'",
        ),
    ],
)
def test_npz_bad_input_messages(tmp_path, arrays, options, message):
    path = tmp_path / "set.npz"
    np.savez(path, **arrays)
    with pytest.raises(GlassnetError) as info:
        load_npz(path, **options)
    assert message in str(info.value)


def test_pickled_object_arrays_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, X=np.array([[1, 2]], dtype=object), y=np.array([0]))
    with pytest.raises(GlassnetError, match=r"evil.npz: not a readable .npy/.npz file .*pickle"):
        load_npz(path)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.array([0]))
    with pytest.raises(GlassnetError, match=r"obj.npy: not a readable .npy file .*pickle"):
        load_npy(tmp_path / "obj.npy", tmp_path / "y.npy")


def test_wrong_kinds_of_file(tmp_path):
    np.save(tmp_path / "X.npy", np.zeros((2, 2), dtype=np.float64))
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    with pytest.raises(GlassnetError, match=r"X.npy: expected an .npz archive, got a single array"):
        load_npz(tmp_path / "X.npy")
    with pytest.raises(GlassnetError, match=r"X.npy: a memory-mapped feature file must hold "
                       r"float32, got float64"):  # fmt: skip
        load_npy(tmp_path / "X.npy", tmp_path / "y.npy", mmap=True)
    (tmp_path / "junk.npz").write_bytes(b"not an archive at all")
    with pytest.raises(GlassnetError, match=r"junk.npz: not a readable"):
        load_npz(tmp_path / "junk.npz")
    with pytest.raises(GlassnetError, match=r"none.npz: no such file"):
        load_npz(tmp_path / "none.npz")
    truncated = tmp_path / "cut.npy"
    truncated.write_bytes((tmp_path / "X.npy").read_bytes()[:-5])
    with pytest.raises(GlassnetError, match=r"cut.npy: not a readable .npy file"):
        load_npy(truncated, tmp_path / "y.npy")


def test_nan_in_a_memory_map_is_found_past_the_first_chunk(tmp_path):
    from glassnet.data import dataset

    X = np.ones((10, 3), dtype=np.float32)
    X[7, 2] = np.inf
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.zeros(10, dtype=np.int64))
    with pytest.raises(GlassnetError, match=r"X.npy: sample 7, feature 2: inf is not a finite"):
        load_npy(tmp_path / "X.npy", tmp_path / "y.npy", mmap=True)
    with pytest.raises(GlassnetError, match=r"sample 7, feature 2"):
        dataset.check_features(X, source="x", chunk_rows=3)
    ok = load_npy(tmp_path / "X.npy", tmp_path / "y.npy", mmap=True, check_finite=False)
    assert ok.n_samples == 10
