"""No control character from a file reaches the terminal as an instruction."""

from __future__ import annotations

import io
import json
import sys

import pytest

from glassnet.cli import main
from glassnet.examples import example_text
from glassnet.init import init_network
from glassnet.persistence import save_model
from glassnet.progress import make_progress
from glassnet.terminal import EscapingStream, escaped_output, printable, raw

# Retitle the window, ring the bell, clear the screen; a one-character CSI; a
# right-to-left override; a carriage return that would overwrite the line.
HOSTILE = "x\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e\r!"
ESCAPED = "x\\x1b]0;pwned\\x07\\x1b[2J\\u009b31m\\u202e\\x0d!"
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]


def assert_clean(text: str) -> None:
    bad = [c for c in CONTROLS if c in text and c not in "\n\t"]
    assert not bad, f"raw control characters {bad!r} in {text!r}"
    assert "\u202e" not in text


def test_printable_escapes_every_control_character_and_keeps_layout():
    assert printable(HOSTILE) == ESCAPED
    assert printable("δ_o1 = 0.1\tok\n") == "δ_o1 = 0.1\tok\n"
    assert printable("\x00") == "\\x00" and printable("\x7f") == "\\u007f"
    every = "".join(CONTROLS)
    assert_clean(printable(every))


def test_the_u_escape_of_a_c1_control_is_valid_json():
    # JSON output goes through the same stream: json.dumps writes C0 controls as
    # \u00NN itself and leaves C1 raw, which printable() then writes as \u00NN.
    text = printable(json.dumps({"label": "a\x9bb"}, ensure_ascii=False))
    assert json.loads(text) == {"label": "a\x9bb"}


def test_escaped_output_wraps_and_restores_the_streams():
    before = sys.stdout, sys.stderr
    with escaped_output():
        assert isinstance(sys.stdout, EscapingStream) and raw(sys.stdout) is before[0]
        with escaped_output():  # nested: one layer, not two
            assert raw(sys.stdout) is before[0] and not isinstance(sys.stdout.raw, EscapingStream)
    assert (sys.stdout, sys.stderr) == before


def hostile_example(tmp_path):
    source = example_text("mazur")
    source = source.replace(
        'title = "A Step by Step Backpropagation Example"',
        'title = "\\u001b]0;pwned\\u0007\\u001b[2J"',
    ).replace('neuron_names = ["o1", "o2"]', 'neuron_names = ["o\\u009b1", "o\\r2"]')
    source = source[: source.index("[claims]")] + '[claims]\n"out_o\\u009b1" = "0.7514"\n'
    path = tmp_path / "hostile.toml"
    path.write_text(source)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "{ex}"],
        ["explain", "{ex}", "--format", "md"],
        ["check", "{ex}"],
        ["check", "{ex}", "--format", "json"],
        ["train", "{ex}", "--steps", "3"],
    ],
)
def test_commands_on_a_hostile_example(tmp_path, capsys, argv):
    ex = hostile_example(tmp_path)
    code = main([a.format(ex=ex) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert_clean(out + err)
    assert "pwned" in out + err  # shown, not obeyed
    if "json" in argv:
        json.loads(out)


def test_quiz_prompts_and_answers_are_escaped(tmp_path, capsys, monkeypatch):
    ex = hostile_example(tmp_path)
    prompts: list[str] = []

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        raise EOFError

    monkeypatch.setattr("builtins.input", fake_input)
    assert main(["quiz", str(ex)]) == 0
    out, err = capsys.readouterr()
    assert_clean(out + err + "".join(prompts))
    assert "\\x1b]0;pwned" in out


def test_predict_and_errors_escape_class_labels_and_names(tmp_path, capsys):
    network = init_network([2, 3, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0)
    model = save_model(tmp_path / "m.json", network, classes=["a\x1b[2J", "b\x07"])
    inputs = tmp_path / "in.csv"
    inputs.write_text("0,0\n1,1\n0,1\n5,-5\n-5,5\n")
    assert main(["predict", str(model), str(inputs)]) == 0
    out, err = capsys.readouterr()
    assert_clean(out + err)
    assert "a\\x1b[2J" in out or "b\\x07" in out

    bad = tmp_path / "bad\x1b[2J.toml"
    bad.write_text("title = 1\n")
    assert main(["explain", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert_clean(out + err) and "bad\\x1b[2J.toml" in err


def test_data_info_escapes_feature_names_and_labels(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a\x1b[2J,b,label\n0,0,x\x07\n1,1,y\x1b]0;t\x07\n")
    assert main(["data", "info", str(data)]) == 0
    out, err = capsys.readouterr()
    assert_clean(out + err)
    assert "a\\x1b[2J" in out


def test_progress_bar_keeps_its_own_control_sequences_but_escapes_messages():
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    progress = make_progress("bar", EscapingStream(stream))
    progress.message("class \x1b]0;pwned\x07")
    progress.close()
    assert "class \\x1b]0;pwned\\x07" in stream.getvalue()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("net_h1", "net_h1"),
        ("net_\x00h1", "net_\\x00h1"),
        ("\x1b[2J", "\\x1b[2J"),  # clear screen: shown, not obeyed
        ("a\rb", "a\\x0db"),  # a carriage return would overwrite the start of the line
        ("\x7f", "\\u007f"),
        ("\x85\x9b", "\\u0085\\u009b"),  # C1: next line, control sequence introducer
        ("line\nnext\tcell", "line\nnext\tcell"),  # newline and tab stay
        ("δ_o1 ∂E/∂w5 η 日本 \u00a0", "δ_o1 ∂E/∂w5 η 日本 \u00a0"),  # printable Unicode stays
        ("back\\slash", "back\\slash"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
