"""TOML files at the boundary: a byte-order mark is accepted, deep nesting is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassnet.cli import main
from glassnet.examples import example_text

BOM = b"\xef\xbb\xbf"
DEEP = "[" * 5000 + "]" * 5000
TOO_DEEP = "nested too deeply (more than 64 levels of arrays and tables)"
TRAINING = """
[data]
train = { format = "xor" }

[network]
hidden = [2]

[training]
epochs = 1
batch_size = 4
"""


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, path: Path, message: str) -> None:
    assert code == 2
    assert err == f"glassnet: error: {path}: {message}\n"


def test_example_and_claims_files_may_start_with_a_bom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = tmp_path / "mazur.toml"
    example.write_bytes(BOM + example_text("mazur").encode())
    claims = tmp_path / "claims.toml"
    claims.write_bytes(BOM + b'[claims]\nnet_h1 = "0.3775"\nout_o1 = "0.75136507"\n')
    code, out, err = run(capsys, "check", example, claims)
    assert (code, err) == (0, "")
    assert f"2 claims from {claims}" in out and "Every claim agrees" in out


def test_a_training_file_may_start_with_a_bom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "xor.toml"
    config.write_bytes(BOM + TRAINING.encode())
    code, _, err = run(capsys, "train", config, "-o", tmp_path / "out", "-q")
    assert code == 0, err
    assert (tmp_path / "out" / "model.json").is_file()


@pytest.mark.parametrize("where", ["value", "inline table", "array of tables"])
def test_deep_nesting_is_one_line_in_every_toml_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    deep = {
        "value": f"x = {DEEP}\n",
        "inline table": "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n",
        "array of tables": "x = " + "[{a = " * 3000 + "1" + "}]" * 3000 + "\n",
    }[where]
    example = tmp_path / "example.toml"
    example.write_text(deep + example_text("mazur"))
    assert_one_line_error(*run(capsys, "explain", example)[::2], example, TOO_DEEP)
    claims = tmp_path / "claims.toml"
    claims.write_text("[claims]\n" + deep)
    assert_one_line_error(*run(capsys, "check", "mazur", claims)[::2], claims, TOO_DEEP)
    config = tmp_path / "run.toml"
    config.write_text(deep + TRAINING)
    code, _, err = run(capsys, "train", config, "-o", tmp_path / "out")
    assert_one_line_error(code, err, config, TOO_DEEP)


def test_nesting_within_the_limit_reaches_the_field_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = tmp_path / "claims.toml"
    claims.write_text("[claims]\nnet_h1 = " + "[" * 60 + "]" * 60 + "\n")
    code, _, err = run(capsys, "check", "mazur", claims)
    assert code == 2 and err.count("\n") == 1 and "nested too deeply" not in err
