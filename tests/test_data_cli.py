"""``glassnet data info``, and the public API of ``glassnet.data``."""

from __future__ import annotations

import doctest
import importlib

import pytest

import glassnet.data
import shared
from glassnet.cli import main

MODULES = ["arrays", "config", "csv", "dataset", "download", "idx", "mnist", "preprocess",
           "sources", "synthetic"]  # fmt: skip


def test_info_on_a_folder(capsys):
    assert main(["data", "info", str(shared.MNIST)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "mnist/train: 60000 samples × 784 features, classification"
    assert out[1] == "  X: float32, min 0, max 255, mean 33.3184"
    assert out[2].startswith("  10 classes (samples): 0 (5923), 1 (6742), 2 (5958)")
    assert out[3] == "mnist/test: 10000 samples × 784 features, classification"


def test_info_on_csv_and_builtin(tmp_path, capsys):
    (tmp_path / "houses.csv").write_text("rooms,area,price\n3,70,2.5\n5,120,4.5\n")
    assert main(["data", "info", str(tmp_path / "houses.csv")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "houses: 2 samples × 2 features, regression",
        "  X: float32, min 3, max 120, mean 49.5",
        "  features: rooms, area",
        "  price: min 2.5, max 4.5, mean 3.5",
    ]
    assert main(["data", "info", str(tmp_path / "houses.csv"), "--target", "0"]) == 0
    assert "2 classes (samples): 3 (1), 5 (1)" in capsys.readouterr().out
    assert main(["data", "info", "xor"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "  2 classes (samples): 0 (2), 1 (2)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["data", "info", "spiral"],
            "glassnet: error: spiral: no such file or folder, and not "
            "a built-in problem; did you mean 'spirals'? (xor, spirals, moons)\n",
        ),
        (
            ["data", "info", "{tmp}/x.csv"],
            "glassnet: error: {tmp}/x.csv: line 3, column 1 "
            "(\"a\"): expected a number, got 'one'\n",
        ),
        (
            ["data", "info", "{tmp}/x.txt"],
            "glassnet: error: {tmp}/x.txt: cannot tell the format from the name",
        ),
        (["data"], "glassnet data: error: the following arguments are required: SUBCOMMAND\n"),
        (
            ["data", "fetch", "emnist", "--to", "x"],
            "glassnet data fetch: error: argument name: invalid choice: 'emnist'",
        ),
    ],
)
def test_errors_are_one_line_with_status_2(tmp_path, capsys, argv, message):
    (tmp_path / "x.csv").write_text("a,b\n1,0\none,1\n")
    (tmp_path / "x.txt").write_text("1,2\n")
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(message.format(tmp=tmp_path)), err
    assert err.count("\n") == 1


def test_all_is_sorted_and_complete():
    names = glassnet.data.__all__

    def isort_style(name: str) -> tuple[int, str]:  # as ruff's RUF022: CONSTANTS, Classes, rest
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert names == sorted(names, key=isort_style)
    for name in names:
        assert getattr(glassnet.data, name) is not None
    public = {n for n in vars(glassnet.data) if not n.startswith("_")} - set(MODULES) - {
        "annotations"}  # fmt: skip
    assert public == set(names)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"glassnet.data.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
