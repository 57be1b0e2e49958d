"""CSV loading: round trips, header detection, targets, and every bad-input message."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from glassnet.data import csv as csv_module
from glassnet.data import load_csv, load_csv_features
from glassnet.errors import GlassnetError


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_round_trip_of_random_float32_values(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    labels = rng.integers(0, 3, size=50)
    path = tmp_path / "round.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["a", "b", "c", "d", "label"])
        for row, label in zip(X, labels):
            # repr of a float32 as a Python float is exact, so the round trip must be too.
            writer.writerow([repr(float(v)) for v in row] + [int(label)])
    ds = load_csv(path, target="label")
    np.testing.assert_array_equal(ds.X, X)
    assert ds.X.dtype == np.float32
    assert ds.y.dtype == np.int64
    np.testing.assert_array_equal(ds.y, labels)
    assert ds.classes == [0, 1, 2]
    assert ds.feature_names == ["a", "b", "c", "d"]
    assert ds.name == "round"
    assert ds.task == "classification" and ds.n_classes == 3


def test_header_is_detected_and_can_be_overridden(tmp_path):
    headed = write(tmp_path, "x,y,label\n1,2,0\n3,4,1\n")
    plain = write(tmp_path, "1,2,0\n3,4,1\n", "plain.csv")
    assert load_csv(headed).feature_names == ["x", "y"]
    ds = load_csv(plain)
    assert ds.feature_names is None
    assert ds.X.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    # A numeric first line read as a header on request: one data line is left.
    forced = load_csv(plain, header=True)
    assert forced.feature_names == ["1", "2"] and forced.X.tolist() == [[3.0, 4.0]]


def test_string_labels_a_middle_target_column_and_declared_order(tmp_path):
    path = write(
        tmp_path, "len,species,width\n1.5,setosa,0.25\n4.5,virginica,1.5\n3.0,setosa,1.0\n"
    )
    ds = load_csv(path, target="species")
    assert ds.X.tolist() == [[1.5, 0.25], [4.5, 1.5], [3.0, 1.0]]
    assert ds.classes == ["setosa", "virginica"] and ds.y.tolist() == [0, 1, 0]
    assert ds.labels() == ["setosa", "virginica", "setosa"]
    by_index = load_csv(path, target=1, classes=["virginica", "setosa", "versicolor"])
    assert by_index.classes == ["virginica", "setosa", "versicolor"]
    assert by_index.y.tolist() == [1, 0, 1]
    assert by_index.n_classes == 3


def test_declared_integer_classes_match_integer_cells(tmp_path):
    path = write(tmp_path, "1,2,3\n4,5,1.0\n")
    ds = load_csv(path, classes=[1, 3, 7])
    assert ds.y.tolist() == [1, 0]  # "3" is class 3 (index 1), "1.0" is class 1 (index 0)


def test_regression_targets(tmp_path):
    path = write(tmp_path, "a,b,price\n1,2,3.5\n4,5,-1.25\n")
    ds = load_csv(path)
    assert ds.task == "regression" and ds.classes is None
    assert ds.y.dtype == np.float32 and ds.y.tolist() == [[3.5], [-1.25]]
    assert ds.target_names == ["price"]
    ints = load_csv(write(tmp_path, "1,2\n3,4\n", "ints.csv"), task="regression")
    assert ints.task == "regression" and ints.y.tolist() == [[2.0], [4.0]]
    two = load_csv(path, target=["a", "price"])
    assert two.X.tolist() == [[2.0], [5.0]]
    assert two.y.tolist() == [[1.0, 3.5], [4.0, -1.25]]
    assert two.target_names == ["a", "price"]


def test_blank_lines_semicolons_quotes_and_bom(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes('\ufeffa;b;t\n\n"1.5";2;x\n\n3;4;y\n'.encode())
    ds = load_csv(path, target="t", delimiter=";")
    assert ds.feature_names == ["a", "b"]
    assert ds.X.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert ds.labels() == ["x", "y"]


def test_features_only(tmp_path):
    X, names = load_csv_features(write(tmp_path, "a,b\n1,2\n3,4\n"))
    assert names == ["a", "b"] and X.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert X.dtype == np.float32


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        (
            "a,b,c\n1,2,0\n3,abc,1\n",
            {},
            "data.csv: line 3, column 2 (\"b\"): expected a number, got 'abc'",
        ),
        ("1,2,0\n3,x4,1\n", {}, "data.csv: line 2, column 2: expected a number, got 'x4'"),
        ("a,b,c\n1,2,0\n\n3,4\n", {}, "data.csv: line 4: expected 3 columns like line 1, got 2"),
        ("a,b,c\n1,2,0\n3,4,1,9\n", {}, "data.csv: line 3: expected 3 columns like line 1, got 4"),
        (
            "a,b,c\n1,nan,0\n",
            {},
            "data.csv: line 2, column 2 (\"b\"): 'nan' is NaN (a missing "
            "value); expected a finite number",
        ),
        (
            "a,b,c\n1,,0\n",
            {},
            'data.csv: line 2, column 2 ("b"): empty cell (a missing value); expected a number',
        ),
        ("a,b,c\n-inf,1,0\n", {}, "line 2, column 1 (\"a\"): '-inf' is infinite"),
        ("a,b,c\n1e39,1,0\n", {}, "'1e39' is too large for float32"),
        (
            "a,b,c\n1,2,cat\n3,4,dog\n5,6,cow\n",
            {"classes": ["cat", "dog"]},
            "data.csv: line 4, column 3 (\"c\"): label 'cow' is not one of the declared classes "
            "['cat', 'dog']",
        ),
        ("a,b,c\n1,2,0\n3,4,\n", {}, 'data.csv: line 3, column 3 ("c"): empty label'),
        ("a,b,c\n1,2,0.5\n3,4,nan\n", {}, "line 3, column 3 (\"c\"): 'nan' is NaN"),
        ("a,b,c\n", {}, "data.csv: no data lines after the header"),
        ("\n\n", {}, "data.csv: the file is empty"),
        (
            "a,b,c\n1,2,3\n",
            {"target": "d"},
            "data.csv: target: no column 'd'; the columns are a, b, c",
        ),
        (
            "1,2,3\n",
            {"target": "c"},
            "data.csv: target: column 'c' asked for by name, but the file has no header line",
        ),
        (
            "1,2,3\n",
            {"target": 3},
            "data.csv: target: column index 3 is out of range for 3 "
            "columns (0 to 2, or -1 for the last)",
        ),
        (
            "1,2,3\n",
            {"task": "clustering"},
            "data.csv: task: expected one of auto, classification, regression, got 'clustering'",
        ),
        ("1,2,3\n", {"classes": ["a", "a"]}, "every class must be listed once, repeated: a"),
        ('1,"2\n', {}, "data.csv: line 1: unexpected end of data"),
        ("1,2\n", {"target": [0, 1]}, "no feature columns besides the target"),
    ],
)
def test_bad_input_messages(tmp_path, text, options, message):
    path = write(tmp_path, text)
    with pytest.raises(GlassnetError) as info:
        load_csv(path, **options)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(path))


def test_the_earliest_undeclared_label_is_reported(tmp_path):
    # "ant" sorts before "zebra", but "zebra" comes first in the file.
    path = write(tmp_path, "a,b,c\n1,2,cat\n1,2,zebra\n3,4,ant\n")
    with pytest.raises(GlassnetError, match=r"line 3, column 3 \(\"c\"\): label 'zebra' is not"):
        load_csv(path, classes=["cat", "dog"])


def test_errors_past_the_first_block_name_the_right_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_module, "BLOCK_ROWS", 4)
    lines = ["a,b,label"] + [f"{k},{k + 1},{k % 2}" for k in range(10)]
    lines[9] = "8,oops,0"  # the 10th line of the file
    with pytest.raises(GlassnetError, match=r'line 10, column 2 \("b"\): expected a number'):
        load_csv(write(tmp_path, "\n".join(lines) + "\n"))
    lines[9] = "8,9,0"
    ds = load_csv(write(tmp_path, "\n".join(lines) + "\n", "good.csv"))
    assert ds.n_samples == 10 and ds.X[:, 0].tolist() == list(range(10))
    assert ds.y.tolist() == [k % 2 for k in range(10)]


def test_unreadable_files(tmp_path):
    with pytest.raises(GlassnetError, match=r"missing.csv: no such file"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(GlassnetError, match=r"is a directory"):
        load_csv(tmp_path)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"a,b\n1,\xe9\n")
    with pytest.raises(GlassnetError, match=r"latin.csv: not UTF-8 text"):
        load_csv(latin)
