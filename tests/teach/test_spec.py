"""SPEC.toml and the roster: a mistake is one line naming the file, the field, what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassnet.cli import main
from glassnet.teach.spec import read_spec

GOOD = 'seed = 1\ncount = 3\n[ask]\nquantities = ["w5+"]\n'


def run_exercises(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    code = main(["exercises", str(spec), "-o", str(tmp_path / "out"), "--format", "gift"])
    return code, capsys.readouterr().err


def test_defaults(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(GOOD)
    spec = read_spec(path)
    assert spec.students == ["1", "2", "3"]
    assert spec.network.shape == [2, 2, 2]
    assert spec.network.activations == ["sigmoid", "sigmoid"]
    assert (spec.ask.digits, spec.ask.tolerance, spec.numbers.decimals) == (4, None, 2)


def test_roster_file(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("student\nada\nbob.smith@uni.edu\n\ncyd-3\n")
    path = tmp_path / "spec.toml"
    path.write_text(GOOD.replace("count = 3", 'students = "roster.csv"'))
    assert read_spec(path).students == ["ada", "bob.smith@uni.edu", "cyd-3"]


def test_cross_entropy_gets_softmax(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(GOOD + '[network]\nloss = "cross_entropy"\nactivation = "tanh"\n')
    assert read_spec(path).network.activations == ["tanh", "softmax"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count = 3\n[ask]\nquantities = ['w5+']\n", "spec.toml: seed: missing"),
        (GOOD + "colour = 1\n", "spec.toml: colour: unknown key"),
        (
            GOOD.replace("count = 3", 'count = 3\nstudents = "r.csv"'),
            "spec.toml: students: give either",
        ),
        (GOOD + "[network]\nshape = '2-a-2'\n", "spec.toml: network.shape: expected sizes like"),
        (GOOD + "[network]\nloss = 'mse2'\n", "spec.toml: network.loss: expected one of"),
        (
            GOOD + "[network]\nloss = 'cross_entropy'\noutput_activation = 'sigmoid'\n",
            "spec.toml: network.output_activation: loss 'cross_entropy' needs a 'softmax'",
        ),
        (
            GOOD + "[network]\nactivations = ['softmax', 'sigmoid']\n",
            "spec.toml: network.activations[0]: softmax is for the output layer only",
        ),
        (
            GOOD + "[network]\nlearning_rate = -1\n",
            "spec.toml: network.learning_rate: must be > 0, got -1",
        ),
        (
            GOOD + "[numbers]\nweights = [1, -1]\n",
            "spec.toml: numbers.weights: expected low < high, got [1.0, -1.0]",
        ),
        (
            GOOD.replace('["w5+"]', '["w5+"]\ndigits = 2'),
            "spec.toml: ask.digits: must be >= 3, got 2",
        ),
        (
            GOOD.replace('["w5+"]', '["w9+"]'),
            "spec.toml: ask.quantities[0]: unknown quantity 'w9+'",
        ),
        (
            GOOD.replace('["w5+"]', '["gradients of w1-w12"]'),
            "spec.toml: ask.quantities[0]: unknown parameter 'w9'",
        ),
        (
            GOOD.replace('["w5+"]', '["deltas of w1-w2"]'),
            "spec.toml: ask.quantities[0]: only gradients, updates",
        ),
        (
            GOOD.replace('["w5+"]', "[]"),
            "spec.toml: ask.quantities: expected a list of names or groups",
        ),
        ("seed = 1\ncount = 3\n", "spec.toml: ask: missing"),
        ("seed = [", "spec.toml: TOML syntax error"),
    ],
)
def test_spec_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    code, err = run_exercises(tmp_path, text, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("glassnet: error: ") and str(tmp_path / expected.split(":")[0]) in err
    assert expected.split(": ", 1)[1] in err


@pytest.mark.parametrize(
    ("roster", "expected"),
    [
        ("ada\nbob smith\n", "roster.csv: row 2: a student id is letters, digits"),
        ("ada\nada\n", "roster.csv: student id 'ada' is listed twice"),
        ("student\n", "roster.csv: expected one student id per row, got no rows"),
    ],
)
def test_roster_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], roster: str, expected: str
) -> None:
    (tmp_path / "roster.csv").write_text(roster)
    code, err = run_exercises(
        tmp_path, GOOD.replace("count = 3", 'students = "roster.csv"'), capsys
    )
    assert code == 2 and err.count("\n") == 1
    assert f"{tmp_path / 'roster.csv'}: {expected.split(': ', 1)[1]}" in err


def test_missing_roster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_exercises(tmp_path, GOOD.replace("count = 3", 'students = "no.csv"'), capsys)
    assert code == 2 and err == f"glassnet: error: {tmp_path / 'no.csv'}: no such file\n"


def test_too_tight_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A learning rate so small that no update moves a weight beyond the tolerance of w5+.
    text = GOOD + "[network]\nlearning_rate = 1e-9\n"
    monkeypatch.setattr("glassnet.teach.variants.MAX_ATTEMPTS", 20)
    code, err = run_exercises(tmp_path, text, capsys)
    assert code == 2 and err.count("\n") == 1
    assert "no well-posed variant for student '1' in 20 draws" in err
    assert "w5 moves by" in err
