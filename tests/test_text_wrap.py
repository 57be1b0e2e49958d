"""Terminal text wrapped to the width: never wider, never inside a number or a name.

"Joining gives back the unwrapped text" is checked exactly: each unwrapped line is its first
wrapped line, then each continuation line with its indentation replaced by the whitespace the
break removed, and a break removes whitespace only where the unwrapped line has some.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from glassnet.cli import main
from glassnet.example import parse_example
from glassnet.examples import load_example
from glassnet.explanation import Explanation, explain_example
from glassnet.render.text import render_text
from glassnet.render.wrap import mark, terminal_width, unmarked, wrap_marked

# Three inputs, tanh and relu hidden layers, a softmax output, three samples.
SOFTMAX_BATCH = """
title = "A 3-4-3-2 softmax batch"
loss = "cross_entropy"
learning_rate = 0.1
[[layers]]
activation = "tanh"
weights = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.15, 0.25, -0.35]]
bias = [0.01, -0.02, 0.03, 0.04]
[[layers]]
activation = "relu"
weights = [[0.2, -0.1, 0.4, 0.3], [0.5, 0.6, -0.2, 0.1], [-0.3, 0.2, 0.7, -0.4]]
bias = [0.05, 0.06, -0.07]
[[layers]]
activation = "softmax"
weights = [[0.3, -0.5, 0.2], [-0.4, 0.6, 0.1]]
bias = [0.1, -0.1]
[[samples]]
input = [0.5, -1.25, 2.0]
target = [1, 0]
[[samples]]
input = [-0.3, 0.8, 0.1]
target = [0, 1]
[[samples]]
input = [1.1, 0.4, -0.9]
target = [1, 0]
"""

#: What a continuation line may start with: an operator the renderer breaks at, or (given
#: values, words) the next item.
OPERATOR = re.compile(r"[=+·⊙-] ")


def explanation(name: str) -> Explanation:
    example = parse_example(SOFTMAX_BATCH) if name == "softmax-batch" else load_example(name)
    return explain_example(example)


def rejoin(wrapped: list[str], unwrapped: list[str]) -> None:
    """Assert that ``wrapped`` joins back into ``unwrapped`` exactly, line by line."""
    lines = iter(wrapped)
    for whole in unwrapped:
        first = next(lines)
        assert whole.startswith(first), (whole, first)
        rest = whole[len(first) :]
        while rest:
            continuation = next(lines)
            indent = len(continuation) - len(continuation.lstrip(" "))
            assert indent >= 0 and continuation.strip(), continuation
            gap = len(rest) - len(rest.lstrip(" "))
            assert gap > 0, f"broken inside a word: {first!r} / {continuation!r}"
            assert rest[gap:].startswith(continuation[indent:]), (rest, continuation)
            rest = rest[gap + len(continuation) - indent :]
    assert next(lines, None) is None


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal", "softmax-batch"])
def test_no_line_is_wider_than_80_and_joining_gives_the_unwrapped_text(name: str) -> None:
    explained = explanation(name)
    wrapped = render_text(explained, width=80).splitlines()
    unwrapped = render_text(explained, width=None).splitlines()
    too_wide = [line for line in wrapped if len(line) > 80]
    assert too_wide == []
    assert len(wrapped) > len(unwrapped)  # there was something to wrap
    rejoin(wrapped, unwrapped)


def test_long_steps_continue_under_their_first_equals_sign() -> None:
    lines = render_text(explanation("softmax-batch"), width=80).splitlines()
    start = lines.index("  net_h2_1[1] = w13 · out_h1_1 + w14 · out_h1_2 + w15 · out_h1_3")
    assert lines[start + 1 : start + 6] == [
        "              + w16 · out_h1_4 + b5 · 1",
        "              = 0.2 · 0.721132254 + (-0.1 · (-0.928168308)) + 0.4 · 0.44624361",
        "              + 0.3 · (-0.715078396) + 0.05 · 1",
        "              = 0.251017207",
        "  out_h2_1[1] = max(0, net_h2_1) = max(0, 0.251017207) = 0.251017207",
    ]


def test_continuation_lines_of_steps_start_with_an_operator() -> None:
    text = render_text(explanation("softmax-batch"), width=80)
    body = text.split("== Forward pass ==", 1)[1]
    for line in body.splitlines():
        if line.startswith("   "):
            assert OPERATOR.match(line.lstrip()), line


def test_mazur_first_forward_step_breaks_at_equals_signs_not_in_a_number() -> None:
    lines = render_text(explanation("mazur"), width=80).splitlines()
    start = lines.index("  net_h1 = w1 · i1 + w2 · i2 + b1 · 1")
    assert lines[start + 1 : start + 3] == [
        "         = 0.15 · 0.05 + 0.2 · 0.1 + 0.35 · 1",
        "         = 0.3775",
    ]


def test_a_narrow_terminal_wraps_narrower() -> None:
    explained = explanation("mazur")
    wrapped = render_text(explained, width=50).splitlines()
    unwrapped = render_text(explained, width=None).splitlines()
    # Only the URL has no place to break.
    assert [line for line in wrapped if len(line) > 50] == [
        "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/"
    ]
    rejoin(wrapped, unwrapped)


def test_wrap_breaks_at_the_shallowest_marks_first() -> None:
    equals, plus, times, inner = mark(0, " = "), mark(1, " + "), mark(2, " · "), mark(3, " + ")
    formula = f"a1{times}b1{plus}a2{times}b2{plus}(c{inner}d)"
    line = f"  y{equals}{formula}{equals}42"
    assert unmarked(line) == "  y = a1 · b1 + a2 · b2 + (c + d) = 42"
    assert wrap_marked(line, 38, 4) == [unmarked(line)]
    assert wrap_marked(line, 37, 4) == ["  y = a1 · b1 + a2 · b2 + (c + d)", "    = 42"]
    assert wrap_marked(line, 20, 4) == [
        "  y = a1 · b1",
        "    + a2 · b2",
        "    + (c + d)",
        "    = 42",
    ]
    assert wrap_marked(line, 12, 4) == [
        "  y = a1",
        "    · b1",
        "    + a2",
        "    · b2",
        "    + (c",
        "    + d)",
        "    = 42",
    ]
    assert wrap_marked(line, None, 4) == [unmarked(line)]


def test_the_cli_wraps_to_columns_and_a_file_to_80(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert terminal_width() == 60
    assert main(["explain", "mazur"]) == 0
    shown = capsys.readouterr().out
    assert shown == render_text(explanation("mazur"), width=60)
    assert max(len(line) for line in shown.splitlines() if "://" not in line) <= 60
    out = tmp_path / "mazur.txt"
    assert main(["explain", "mazur", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_text(explanation("mazur"), width=80)


def test_piped_output_is_80_wide_without_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_width() == 80  # pytest's captured stdout is not a terminal
    monkeypatch.setenv("COLUMNS", "not a number")
    assert terminal_width() == 80


def test_names_holding_the_mark_characters_are_shown_escaped() -> None:
    # The wrapper's own marks are control characters; a name from a file may hold them too.
    example = parse_example(
        'loss = "sse"\nlearning_rate = 0.1\ninput_names = ["a\\u001fb", "c\\u001ed"]\n'
        '[[layers]]\nactivation = "identity"\nweights = [[0.5, 0.25]]\n'
        "[[samples]]\ninput = [1.0, 2.0]\ntarget = [2.0]\n"
    )
    explained = explain_example(example)
    text = render_text(explained, width=30)
    assert "  a\\x1fb = 1   c\\x1ed = 2" in text
    assert "  net_o1 = w1 · a\\x1fb" in text
    # (Headings keep the raw characters: the terminal's output stream escapes those.)
    assert not [line for line in text.splitlines() if " = " in line and "\x1f" in line]
    rejoin(text.splitlines(), render_text(explained, width=None).splitlines())


@pytest.mark.parametrize("name", ["mazur", "softmax-batch"])
def test_every_width_from_40_columns_is_kept_and_joins_back(name: str) -> None:
    explained = explanation(name)
    unwrapped = render_text(explained, width=None).splitlines()
    for width in range(40, 121, 3):
        wrapped = render_text(explained, width=width).splitlines()
        # Only a URL has no place to break.
        assert [x for x in wrapped if len(x) > width and "://" not in x] == [], width
        rejoin(wrapped, unwrapped)
