"""The [data] section of a training file: sources, splits, scaling, and errors naming fields."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

import shared
from glassnet.data import from_config, load_source
from glassnet.errors import GlassnetError

MNIST = str(shared.MNIST)


def config(text: str) -> dict:
    return tomllib.loads(text)["data"]


def test_mnist_subset_with_validation_and_divide(tmp_path):
    table = config(f"""
        [data]
        train = {{ format = "mnist", path = "{MNIST}", limit = 2000 }}
        test = {{ format = "mnist", path = "{MNIST}", limit = 500 }}
        validation_fraction = 0.1
        scale = "divide:255"
    """)
    splits = from_config(table, base_dir=tmp_path, source="train.toml", seed=4)
    assert splits.train.n_samples == 1800 and splits.validation.n_samples == 200
    assert splits.test.n_samples == 500 and splits.test.name == "mnist/test"
    assert splits.classes == list(range(10)) and splits.n_features == 784
    for ds in (splits.train, splits.validation, splits.test):
        assert ds.X.dtype == np.float32 and ds.X.min() >= 0 and ds.X.max() <= 1
    assert splits.preprocessor.to_dict() == {"format": 1, "kind": "divide", "divisor": 255.0}
    again = from_config(table, base_dir=tmp_path, source="train.toml", seed=4)
    np.testing.assert_array_equal(again.validation.X, splits.validation.X)
    other = from_config(table, base_dir=tmp_path, source="train.toml", seed=5)
    assert not np.array_equal(other.train.y, splits.train.y)
    # Stratified: each digit keeps its share of the 2000 in the 200 validation images.
    whole = splits.train.class_counts() + splits.validation.class_counts()
    assert np.all(np.abs(splits.validation.class_counts() - whole * 0.1) < 1)
    assert "train: 1800 samples × 784 features, 10 classes" in splits.summary()


def write_csv(path, rows, header="a,b,label"):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")


def test_standard_scaling_is_fitted_on_the_training_split_only(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[5, -3], scale=[2, 0.5], size=(200, 2))
    write_csv(tmp_path / "points.csv",
              [(repr(float(a)), repr(float(b)), k % 2) for k, (a, b) in enumerate(X)])  # fmt: skip
    table = {"train": {"format": "csv", "path": "points.csv", "target": "label"},
             "validation_fraction": 0.25, "test_fraction": 0.2, "scale": "standard"}  # fmt: skip
    splits = from_config(table, base_dir=tmp_path, source="t.toml", seed=0)
    assert (splits.train.n_samples, splits.validation.n_samples, splits.test.n_samples) == (
        120, 40, 40)  # fmt: skip
    # Scaled training data has mean 0 and std 1 exactly (up to float32); the others do not.
    np.testing.assert_allclose(splits.train.X.mean(0, dtype=np.float64), 0, atol=1e-6)
    np.testing.assert_allclose(splits.train.X.std(0, dtype=np.float64), 1, atol=1e-6)
    assert np.abs(splits.validation.X.mean(0)).max() > 1e-3
    # The fitted numbers are those of the 120 training rows, recovered from the raw file.
    raw_train = splits.preprocessor.inverse_transform(splits.train.X).astype(np.float64)
    np.testing.assert_allclose(splits.preprocessor.offset_, raw_train.mean(0), rtol=1e-5)
    np.testing.assert_allclose(splits.preprocessor.scale_, raw_train.std(0), rtol=1e-5)
    assert not np.allclose(splits.preprocessor.offset_, X.mean(0), rtol=1e-4)


def test_separate_test_file_gets_the_training_class_order(tmp_path):
    write_csv(tmp_path / "train.csv", [(0, 0, "cat"), (1, 1, "dog"), (2, 2, "emu")])
    write_csv(tmp_path / "test.csv", [(0, 0, "emu"), (1, 1, "dog")])
    table = {"train": {"format": "csv", "path": "train.csv"},
             "test": {"format": "csv", "path": "test.csv"}}  # fmt: skip
    splits = from_config(table, base_dir=tmp_path, source="t.toml", seed=0)
    assert splits.test.classes == ["cat", "dog", "emu"]
    assert splits.test.y.tolist() == [2, 1] and splits.test.labels() == ["emu", "dog"]
    assert splits.validation is None
    assert splits.preprocessor.kind == "none"


def test_builtin_problems_take_the_config_seed_unless_they_have_their_own(tmp_path):
    def train(extra, seed):
        table = {"train": {"format": "spirals", "n_samples": 50, **extra}}
        return from_config(table, base_dir=tmp_path, source="t.toml", seed=seed).train

    assert np.array_equal(train({}, 1).X, train({}, 1).X)
    assert not np.array_equal(train({}, 1).X, train({}, 2).X)
    assert np.array_equal(train({"seed": 9}, 1).X, train({"seed": 9}, 2).X)
    xor = from_config({"train": {"format": "xor"}}, base_dir=tmp_path, source="t", seed=0)
    assert xor.train.y.tolist() == [0, 1, 1, 0]


def test_memory_map_survives_when_nothing_is_copied(tmp_path):
    np.save(tmp_path / "X.npy", np.ones((6, 3), dtype=np.float32))
    np.save(tmp_path / "y.npy", np.array([0, 1, 0, 1, 0, 1]))
    source = {"format": "npy", "path": "X.npy", "targets": "y.npy", "mmap": True}
    splits = from_config({"train": source}, base_dir=tmp_path, source="t", seed=0)
    assert isinstance(splits.train.X, np.memmap)
    scaled = from_config({"train": source, "scale": "minmax"}, base_dir=tmp_path, source="t",
                         seed=0)  # fmt: skip
    assert not isinstance(scaled.train.X, np.memmap) and scaled.train.X.tolist()[0] == [0, 0, 0]


def test_npz_and_idx_sources(tmp_path):
    from glassnet.data import write_idx

    np.savez(tmp_path / "d.npz", inputs=np.eye(3), labels=np.array([1, 2, 1]))
    ds = load_source({"format": "npz", "path": "d.npz", "x": "inputs", "y": "labels"},
                     base_dir=tmp_path, source="t", field="data.train")  # fmt: skip
    assert ds.classes == [1, 2] and ds.y.tolist() == [0, 1, 0]
    write_idx(tmp_path / "img-idx3-ubyte", np.arange(12, dtype=np.uint8).reshape(3, 2, 2))
    write_idx(tmp_path / "lab-idx1-ubyte", np.array([4, 7, 4], dtype=np.uint8))
    ds = load_source({"format": "idx", "images": "img-idx3-ubyte", "labels": "lab-idx1-ubyte"},
                     base_dir=tmp_path, source="t", field="data.train")  # fmt: skip
    assert ds.X.shape == (3, 4) and ds.classes == [4, 7] and ds.y.tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"train": {"format": "csv", "path": "nope.csv"}},
            "train.toml: data.train.path: no such file: {tmp}/nope.csv",
        ),
        ({"train": {"format": "csv"}}, "train.toml: data.train.path: missing"),
        (
            {"train": {"format": "parquet", "path": "x"}},
            "train.toml: data.train.format: expected one of csv, npz, npy, idx, mnist, "
            "fashion-mnist, xor, spirals, moons, got 'parquet'",
        ),
        (
            {"train": {"format": "csv", "path": "good.csv", "taget": "label"}},
            "train.toml: data.train.taget: unknown key; did you mean 'target'?",
        ),
        (
            {"trian": {"format": "xor"}},
            "train.toml: data.trian: unknown key; did you mean 'train'?",
        ),
        ({"test": {"format": "xor"}}, "train.toml: data.train: missing"),
        ({"train": "points.csv"}, "train.toml: data.train: expected a table such as"),
        (
            {
                "train": {"format": "xor"},
                "validation": {"format": "xor"},
                "validation_fraction": 0.1,
            },
            "train.toml: data.validation_fraction: give data.validation or "
            "data.validation_fraction, not both",
        ),
        (
            {"train": {"format": "xor"}, "validation_fraction": 1.5},
            "train.toml: data.validation_fraction: must be > 0 and < 1, got 1.5",
        ),
        (
            {"train": {"format": "spirals"}, "scale": "z"},
            "train.toml: data.scale: expected one of standard, minmax, divide:NUMBER, none",
        ),
        (
            {"train": {"format": "spirals"}, "scale": 255},
            'train.toml: data.scale: expected a string such as "standard", got 255',
        ),
        (
            {"train": {"format": "spirals", "noise": -1}},
            "train.toml: data.train.noise: must be a number >= 0, got -1",
        ),
        (
            {"train": {"format": "spirals", "n_samples": 1.5}},
            "train.toml: data.train.n_samples: expected a whole number, got 1.5",
        ),
        ({"train": {"format": "xor", "limit": 0}}, "train.toml: data.train.limit: must be >= 1"),
        (
            {"train": {"format": "csv", "path": "good.csv"}, "test": {"format": "xor"}},
            "train.toml: data.test: expected 3 features like data.train, got 2",
        ),
        (
            {
                "train": {"format": "csv", "path": "good.csv"},
                "test": {"format": "csv", "path": "other.csv"},
            },
            "train.toml: data.test: labels 'z' are not among the classes ['x', 'y'] of data.train",
        ),
        (
            {"train": {"format": "csv", "path": "bad.csv"}},
            'train.toml: data.train: {tmp}/bad.csv: line 3, column 2 ("b"): expected a number, '
            "got 'oops'",
        ),
        (
            {
                "train": {"format": "csv", "path": "numbers.csv", "task": "regression"},
                "test": {"format": "csv", "path": "numbers.csv"},
            },
            "train.toml: data.test: is classification data but data.train is regression data",
        ),
        (
            {"train": {"format": "mnist", "path": "good.csv"}},
            "train.toml: data.train: {tmp}/good.csv: no such folder",
        ),
        (
            {
                "train": {"format": "mnist", "path": MNIST},
                "validation": {"format": "mnist", "path": MNIST},
            },
            "train.toml: data.validation.split: missing; expected one of train, test",
        ),
        (
            {"train": {"format": "mnist", "path": MNIST, "split": "dev"}},
            "train.toml: data.train.split: expected one of train, test, got 'dev'",
        ),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, table, message):
    write_csv(tmp_path / "good.csv", [(1, 2, 3, "x"), (4, 5, 6, "y")], header="a,b,c,d")
    write_csv(tmp_path / "other.csv", [(1, 2, 3, "z"), (4, 5, 6, "y")], header="a,b,c,d")
    write_csv(tmp_path / "bad.csv", [(1, 2, 0), (3, "oops", 1)])
    write_csv(tmp_path / "numbers.csv", [(1, 2, 0), (3, 4, 1)])
    with pytest.raises(GlassnetError) as info:
        from_config(table, base_dir=tmp_path, source="train.toml", seed=0)
    text = str(info.value)
    assert text.startswith(message.format(tmp=tmp_path)), text
    assert "\n" not in text
