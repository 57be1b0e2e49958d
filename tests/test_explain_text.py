"""The terminal explanation: the tutorial's quantities, names and the reviewed golden file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from glassnet.cli import main

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text as written to a pipe, 80 columns wide, whatever terminal runs the tests."""
    monkeypatch.delenv("COLUMNS", raising=False)


def explain(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["explain", *args]) == 0
    return capsys.readouterr().out


def test_mazur_matches_the_reviewed_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    # To update after a reviewed change: glassnet explain mazur > tests/golden/mazur.txt
    assert explain(["mazur"], capsys) == (GOLDEN / "mazur.txt").read_text(encoding="utf-8")


# Every quantity Mazur's tutorial shows, with its name there and its value rounded as the
# tutorial prints it (the tutorial rounds to 9 decimals).
MAZUR_QUANTITIES = [
    ("net_h1", 0.3775),
    ("out_h1", 0.593269992),
    ("out_h2", 0.596884378),
    ("net_o1", 1.105905967),
    ("out_o1", 0.75136507),
    ("out_o2", 0.772928465),
    ("E_o1", 0.274811083),
    ("E_o2", 0.023560026),
    ("E_total", 0.298371109),
    ("∂E_total/∂out_o1", 0.74136507),
    ("∂out_o1/∂net_o1", 0.186815602),
    ("∂net_o1/∂w5", 0.593269992),
    ("∂E_total/∂w5", 0.082167041),
    ("δ_o1", 0.138498562),
    ("w5+", 0.35891648),
    ("w6+", 0.408666186),
    ("w7+", 0.511301270),
    ("w8+", 0.561370121),
    ("∂E_o1/∂out_h1", 0.055399425),
    ("∂E_o2/∂out_h1", -0.019049119),
    ("∂E_total/∂out_h1", 0.036350306),
    ("∂out_h1/∂net_h1", 0.241300709),
    ("∂net_h1/∂w1", 0.05),
    ("∂E_total/∂w1", 0.000438568),
    ("w1+", 0.149780716),
    ("w2+", 0.19956143),
    ("w3+", 0.24975114),
    ("w4+", 0.29950229),
    ("E_total+", 0.291027774),
]


def shown_values(text: str, name: str) -> list[float]:
    """Every final value printed for ``name``: the number after the last ``=`` of its step."""
    values = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not line.strip().startswith(name + " ="):
            continue
        # A long step continues on lines that start with spaces and "= ".
        end = index
        while end + 1 < len(lines) and lines[end + 1].lstrip().startswith("= "):
            end += 1
        last = lines[end].split("=")[-1].split("(")[0].strip()
        values.append(float(last))
    return values


@pytest.mark.parametrize(("name", "value"), MAZUR_QUANTITIES)
def test_mazur_shows_every_tutorial_quantity(
    name: str, value: float, capsys: pytest.CaptureFixture[str]
) -> None:
    values = shown_values(explain(["mazur"], capsys), name)
    assert values, f"{name} is not shown"
    # The tutorial prints 8 or 9 decimals; glassnet 9 significant digits.
    assert any(v == pytest.approx(value, abs=6e-9) for v in values)


def test_digits_option_controls_significant_digits(capsys: pytest.CaptureFixture[str]) -> None:
    text = explain(["mazur", "--digits", "4"], capsys)
    assert "out_h1 = 1 / (1 + exp(-net_h1)) = 1 / (1 + exp(-0.3775)) = 0.5933" in text
    assert "w5+ = w5 - η · ∂E_total/∂w5 = 0.4 - 0.5 · 0.08217 = 0.3589" in text


def test_chain_rule_is_written_out_with_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    text = explain(["mazur"], capsys)
    assert "∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in text
    assert "= 0.74136507 · 0.186815602 · 0.593269992" in text
    assert "∂E_o1/∂out_h1 = δ_o1 · w5 = 0.138498562 · 0.4 = 0.0553994247" in text
    assert "b1+ = b1 = 0.35   (frozen: the bias is not updated)" in text


def test_large_network_is_shown_in_matrix_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[round(0.01 * ((3 * j + 5 * i) % 17 - 8), 2) for i in range(20)] for j in range(30)]
    out_rows = [[round(0.02 * ((j + 2 * i) % 7 - 3), 2) for i in range(30)] for j in range(3)]
    (tmp_path / "big.toml").write_text(
        f"""
loss = "cross_entropy"
learning_rate = 0.1
[[layers]]
activation = "relu"
weights = {rows}
bias = {[0.1] * 30}
[[layers]]
activation = "softmax"
weights = {out_rows}
[[samples]]
input = {[0.5] * 20}
target = [0, 1, 0]
""",
        encoding="utf-8",
    )
    text = explain([str(tmp_path / "big.toml")], capsys)
    assert "matrix form" in text
    assert "net^(1) = X · W^(1)ᵀ + b^(1)   [1 × 30]" in text
    assert "δ^(2) = out^(2) - T" in text
    assert len(text.splitlines()) < 150
    assert max(len(line) for line in text.splitlines()) <= 100
    # No neuron-by-neuron lines for 30 neurons.
    assert not re.search(r"net_h\d+ =", text)
