"""Bad example files: one line naming the file, the field and what was expected.

Each case edits a valid example, writes it to a file, and checks both doors:

- ``read_example(path)`` raises ``GlassnetError`` whose message is ``PATH: FIELD: ...`` and
  contains what was expected;
- ``glassnet train PATH --steps 1`` (in-process, ``glassnet.cli.main``) exits with status 2,
  prints nothing on stdout and exactly that message as one line on stderr, no traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from glassnet.activations import ACTIVATIONS
from glassnet.cli import main
from glassnet.errors import GlassnetError
from glassnet.example import read_example
from glassnet.losses import LOSSES

VALID = """\
title = "A small example"
loss = "half_sse"
learning_rate = 0.5

[[layers]]
activation = "sigmoid"
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
neuron_names = ["h1", "h2"]

[[layers]]
activation = "sigmoid"
weights = [[0.40, 0.45]]
bias = [0.60]

[[samples]]
input = [0.05, 0.10]
target = [0.01]
"""

NO_LAYERS = VALID[: VALID.index("[[layers]]")] + VALID[VALID.index("[[samples]]") :]
NO_SAMPLES = VALID[: VALID.index("[[samples]]")]


class Bad(NamedTuple):
    text: str
    #: What follows the file name: the field, or the TOML position, then ": ".
    field: str
    #: Pieces of what was expected (and of what was found).
    expected: tuple[str, ...]


def edit(old: str, new: str, field: str, *expected: str) -> Bad:
    assert old in VALID, old
    return Bad(VALID.replace(old, new, 1), field, expected)


BIG = "1" + "0" * 400  # an integer beyond the float range (TOML integers are unbounded here)

BAD = {
    # TOML syntax
    "unterminated string": edit('loss = "half_sse"', 'loss = "half_sse', "TOML syntax error",
                                "line 2"),
    "duplicate key": edit("learning_rate = 0.5", "learning_rate = 0.5\nlearning_rate = 0.1",
                          "TOML syntax error", "line 4"),
    # missing keys
    "missing loss": edit('loss = "half_sse"\n', "", "loss", "missing", "learning_rate"),
    "missing learning_rate": edit("learning_rate = 0.5\n", "", "learning_rate", "missing"),
    "missing layers": Bad(NO_LAYERS, "layers", ("missing", "[[layers]]")),
    "missing samples": Bad(NO_SAMPLES, "samples", ("missing", "[[samples]]")),
    "missing weights": edit("weights = [[0.40, 0.45]]\n", "", "layers[1].weights", "missing"),
    "missing activation": edit('activation = "sigmoid"\nweights = [[0.40', "weights = [[0.40",
                               "layers[1].activation", "missing"),
    "missing input": edit("input = [0.05, 0.10]\n", "", "samples[0].input", "missing"),
    "missing target": edit("target = [0.01]\n", "", "samples[0].target", "missing"),
    # shapes
    "ragged rows": edit("[0.25, 0.30]]", "[0.25]]", "layers[0].weights[1]",
                        "expected 2 numbers", "got 1"),
    "columns do not match the layer below": edit(
        "[[0.40, 0.45]]", "[[0.40, 0.45, 0.50]]", "layers[1].weights",
        "expected 2 columns", "got 3"),
    "weights not a matrix": edit("[[0.40, 0.45]]", "0.4", "layers[1].weights",
                                 "expected a list of rows"),
    "bias of the wrong length": edit("bias = [0.60]", "bias = [0.60, 0.70]", "layers[1].bias",
                                     "expected 1 number", "got 2"),
    "input of the wrong length": edit("input = [0.05, 0.10]", "input = [0.05, 0.10, 0.2]",
                                      "samples[0].input", "expected 2 numbers", "got 3"),
    "target of the wrong length": edit("target = [0.01]", "target = [0.01, 0.99]",
                                       "samples[0].target", "expected 1 number", "got 2"),
    "layers not tables": Bad(NO_LAYERS.replace("0.5\n", "0.5\nlayers = 3\n"), "layers",
                             ("expected one or more [[layers]] tables",)),
    # names from registries
    "unknown activation": edit('activation = "sigmoid"', 'activation = "sigmoidd"',
                               "layers[0].activation", "'sigmoidd'", *sorted(ACTIVATIONS)),
    "unknown loss": edit('loss = "half_sse"', 'loss = "l2"', "loss", "'l2'", *sorted(LOSSES)),
    "softmax on a hidden layer": edit('activation = "sigmoid"', 'activation = "softmax"',
                                      "layers[0].activation", "output layer only"),
    "loss needs another output": edit('loss = "half_sse"', 'loss = "cross_entropy"', "loss",
                                      "'softmax'", "'sigmoid'"),
    "unknown batch_reduction": edit("learning_rate = 0.5", 'learning_rate = 0.5\n'
                                    'batch_reduction = "avg"', "batch_reduction",
                                    "mean, sum", "'avg'"),
    "slope on sigmoid": edit("bias = 0.35", "bias = 0.35\nslope = 0.1", "layers[0].slope",
                             "leaky_relu"),
    # numbers
    "learning_rate inf": edit("learning_rate = 0.5", "learning_rate = inf", "learning_rate",
                              "finite", "inf"),
    "weight nan": edit("[[0.15, 0.20]", "[[0.15, nan]", "layers[0].weights[0][1]", "finite"),
    "shared bias inf": edit("bias = 0.35", "bias = -inf", "layers[0].bias", "finite"),
    "bias nan": edit("bias = [0.60]", "bias = [nan]", "layers[1].bias[0]", "finite"),
    "input -inf": edit("input = [0.05, 0.10]", "input = [-inf, 0.10]", "samples[0].input[0]",
                       "finite"),
    "target nan": edit("target = [0.01]", "target = [nan]", "samples[0].target[0]", "finite"),
    "float beyond the range": edit("[[0.40, 0.45]]", "[[1e400, 0.45]]", "layers[1].weights[0][0]",
                                   "finite"),
    "integer beyond the float range": edit("learning_rate = 0.5", f"learning_rate = {BIG}",
                                           "learning_rate", "finite"),
    "weight integer beyond the float range": edit("[[0.40, 0.45]]", f"[[{BIG}, 0.45]]",
                                                  "layers[1].weights[0][0]", "finite"),
    "learning_rate 0": edit("learning_rate = 0.5", "learning_rate = 0", "learning_rate",
                            "must be > 0", "got 0"),
    "learning_rate negative": edit("learning_rate = 0.5", "learning_rate = -0.5",
                                   "learning_rate", "must be > 0", "got -0.5"),
    "learning_rate a string": edit("learning_rate = 0.5", 'learning_rate = "fast"',
                                   "learning_rate", "expected a number", "'fast'"),
    "train_bias not a boolean": edit("bias = 0.35", 'bias = 0.35\ntrain_bias = "no"',
                                     "layers[0].train_bias", "true or false"),
    "binary_cross_entropy target above 1": Bad(
        VALID.replace('"half_sse"', '"binary_cross_entropy"').replace("[0.01]", "[1.5]"),
        "samples[0].target", ("[0, 1]", "1.5")),
    # unknown keys suggest the close one
    "unknown top-level key": edit("learning_rate = 0.5", "learning_rate = 0.5\nlearnig_rate = 1",
                                  "learnig_rate", "did you mean 'learning_rate'"),
    "unknown layer key": edit("bias = 0.35", "bias = 0.35\nactivaton = 'relu'",
                              "layers[0].activaton", "did you mean 'activation'"),
    "unknown sample key": edit("target = [0.01]", "target = [0.01]\ninputs = [1.0, 2.0]",
                               "samples[0].inputs", "did you mean 'input'"),
    # names
    "duplicate neuron names": edit('["h1", "h2"]', '["h1", "h1"]', "names", "unique", "h1"),
    "a neuron named like a weight": edit('["h1", "h2"]', '["h1", "w1"]', "names", "unique", "w1"),
}  # fmt: skip


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_names_field_and_expectation(message: str, path: Path, bad: Bad) -> None:
    assert message.startswith(f"{path}: {bad.field}: "), message
    for piece in bad.expected:
        assert piece in message, f"{piece!r} not in {message!r}"
    assert "\n" not in message


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_read_example_names_file_field_and_expectation(tmp_path: Path, bad: Bad) -> None:
    path = write(tmp_path, bad.text)
    with pytest.raises(GlassnetError) as caught:
        read_example(path)
    assert_names_field_and_expectation(str(caught.value), path, bad)


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_cli_reports_one_line_and_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: Bad
) -> None:
    path = write(tmp_path, bad.text)
    assert main(["train", str(path), "--steps", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.endswith("\n") and captured.err.count("\n") == 1, captured.err
    prefix = "glassnet: error: "
    assert captured.err.startswith(prefix), captured.err
    assert_names_field_and_expectation(captured.err[len(prefix) : -1], path, bad)


def test_the_valid_example_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The cases above fail because of their one edit."""
    example = read_example(write(tmp_path, VALID))
    assert example.network.sizes == [2, 2, 1]
    assert main(["train", str(tmp_path / "bad.toml"), "--steps", "1"]) == 0
    assert capsys.readouterr().err == ""


def test_integer_too_long_for_python(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """tomllib raises a plain ValueError (not TOMLDecodeError) past 4300 digits."""
    path = write(tmp_path, VALID.replace("learning_rate = 0.5", "learning_rate = 1" + "0" * 5000))
    with pytest.raises(GlassnetError, match=rf"^{path}: .*digits"):
        read_example(path)
    assert main(["train", str(path), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"glassnet: error: {path}: ") and err.count("\n") == 1, err


def test_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'loss = "\xff"\n')
    with pytest.raises(GlassnetError, match=rf"^{path}: cannot read: .*utf-8"):
        read_example(path)
    assert main(["train", str(path), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"glassnet: error: {path}: cannot read") and err.count("\n") == 1


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nowhere.toml"
    assert main(["train", str(path), "--steps", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"glassnet: error: {path}: no such file\n"


def test_unknown_builtin_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "mazr", "--steps", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.startswith("glassnet: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for piece in ("'mazr'", "did you mean 'mazur'", "mazur, hill, lamsal", ".toml"):
        assert piece in err, err
