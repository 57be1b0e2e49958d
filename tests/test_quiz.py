"""``glassnet quiz``, driven through a pseudo-terminal, and the random practice examples."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.practice import parse_shape, random_example
from glassnet.quiz import questions, run_quiz

#: How long to wait for the quiz to print something before giving up (a deadlock guard,
#: not a timing assertion).
PATIENCE = 30


class Terminal:
    """``glassnet quiz`` running on a pseudo-terminal: type lines, read what it prints."""

    def __init__(self, *args: str):
        master, slave = os.openpty()
        env = {**os.environ, "TERM": "dumb", "INPUTRC": os.devnull}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "glassnet", "quiz", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.seen = ""
        self.read_to = 0

    def expect(self, text: str) -> str:
        """Read until ``text`` appears; what came before it since the last expect."""
        while text not in self.seen[self.read_to :]:
            ready, _, _ = select.select([self.master], [], [], PATIENCE)
            data = b""
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:  # EIO: the quiz has exited and closed the terminal
                    data = b""
            if not data:
                raise AssertionError(f"never saw {text!r}; the quiz printed:\n{self.seen}")
            self.seen += data.decode("utf-8", "replace").replace("\r\n", "\n")
        start = self.read_to
        end = self.seen.index(text, start) + len(text)
        self.read_to = end
        return self.seen[start:end]

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def end_of_input(self) -> None:
        os.write(self.master, b"\x04")  # Ctrl-D at the start of a line

    def finish(self) -> int:
        try:
            while True:
                ready, _, _ = select.select([self.master], [], [], PATIENCE)
                if not ready or not os.read(self.master, 4096):
                    break
        except OSError:
            pass
        code = self.process.wait(timeout=PATIENCE)
        os.close(self.master)
        return code


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for t in opened:
        if t.process.poll() is None:
            t.process.kill()
            t.process.wait()


def test_right_and_wrong_answers(terminal: list[Terminal]) -> None:
    t = Terminal("mazur")
    terminal.append(t)
    heading = t.expect("[1/56] net_h1 = ")
    assert "A Step by Step Backpropagation Example — Matt Mazur, 2015" in heading
    assert "i1 = 0.05   i2 = 0.1" in heading and "η = 0.5" in heading
    assert "== Forward pass ==" in heading
    t.type("0.3775")  # 0.15·0.05 + 0.2·0.1 + 0.35
    t.expect("right: net_h1 = 0.3775")
    t.expect("[2/56] out_h1 = ")
    t.type("0.700")  # out_h1 = 1 / (1 + exp(-0.3775)) = 0.593269992…
    said = t.expect("going on with out_h1 = 0.593269992")
    assert "wrong, not 0.700:" in said
    assert "out_h1 = 1 / (1 + exp(-net_h1)) = 1 / (1 + exp(-0.3775)) = 0.593269992" in said
    t.expect("[3/56] net_h2 = ")
    t.type("zero point four")
    t.expect("'zero point four' is not a number")
    t.expect("[3/56] net_h2 = ")
    t.type("0")  # 0.3925 truncated to 0 decimals, but 0 and 1 must not pass: asked again
    t.expect("too coarse to judge (give at least 3 significant digits)")
    t.expect("[3/56] net_h2 = ")
    t.type("0.392")  # 0.3925 truncated to 3 decimals: right at the precision typed
    t.expect("right: net_h2 = 0.3925")
    t.expect("[4/56] out_h2 = ")
    t.type("0.5969")  # 0.596884378 rounded
    t.expect("right: out_h2 = 0.596884378")
    t.expect("[5/56] net_o1 = ")
    t.type("1.20")  # 1.105905967: neither rounded nor truncated
    said = t.expect("going on with net_o1 = 1.10590597")
    assert "net_o1 = w5 · out_h1 + w6 · out_h2 + b2 · 1" in said
    assert "= 0.4 · 0.593269992 + 0.45 · 0.596884378 + 0.6 · 1" in said
    t.expect("[6/56] out_o1 = ")
    t.type("q")
    t.expect("score: 3 of 5 right (51 not asked)")
    assert t.finish() == 0


def test_ctrl_d_ends_with_the_score(terminal: list[Terminal]) -> None:
    t = Terminal("lamsal")
    terminal.append(t)
    t.expect("net_h1 = ")
    t.type("?")
    said = t.expect("out_h1 = ")
    assert "net_h1 = w1 · i1 + w3 · i2 + b1 · 1 = 0.1 · 0.1 + 0.3 · 0.5 + 0.25 · 1 = 0.41" in said
    t.end_of_input()
    t.expect("score: 0 of 0 right (1 shown, ")
    assert t.finish() == 0


def test_a_fresh_example_from_a_seed(terminal: list[Terminal]) -> None:
    example = random_example(4, shape=(2, 3, 1))
    hidden = example.network.layers[0]
    x = example.inputs[0]
    # By hand: net_h1 = w1·i1 + w2·i2 + b1, out_h1 = 1 / (1 + exp(-net_h1)).
    net_h1 = hidden.weights[0] @ x + hidden.bias[0]
    out_h1 = 1 / (1 + np.exp(-net_h1))
    t = Terminal("--seed", "4", "--shape", "2-3-1")
    terminal.append(t)
    heading = t.expect("net_h1 = ")
    assert "Practice example 2-3-1 — random, seed 4" in heading
    assert f"w1 = {hidden.weights[0, 0]:g}" in heading
    t.type(f"{net_h1:.6f}")
    t.expect("right: net_h1 = ")
    t.expect("out_h1 = ")
    t.type(f"{out_h1 + 0.01:.6f}")
    said = t.expect("going on with out_h1 = ")
    assert "out_h1 = 1 / (1 + exp(-net_h1))" in said
    t.end_of_input()
    t.expect("score: 1 of 2 right")
    assert t.finish() == 0


def test_quiz_needs_an_example_or_a_seed(terminal: list[Terminal]) -> None:
    t = Terminal()
    terminal.append(t)
    t.expect("glassnet: error: give an example to quiz on, or --seed N for a fresh random one")
    assert t.finish() == 2


# -- without a terminal -------------------------------------------------------------


def test_every_value_answered_right() -> None:
    example = load_example("hill")
    steps = questions(explain_example(example))
    answers = iter(f"{float(step.value):.10g}" for step in steps)
    said: list[str] = []
    score = run_quiz(example, ask=lambda prompt: next(answers), say=said.append)
    assert (score.right, score.wrong, score.remaining) == (len(steps), 0, 0)
    assert said[-1] == f"\nscore: {len(steps)} of {len(steps)} right"
    # Every computed value is asked, in computation order; the given ones are not.
    keys = [step.key for step in steps]
    assert keys[:4] == ["net_h1", "out_h1", "net_h2", "out_h2"]
    assert keys[-3:] == ["out_L1+", "out_L2+", "E_total+"]
    assert "w5" not in keys and "x1" not in keys and "w5+" in keys


def test_frozen_biases_are_not_asked() -> None:
    keys = [step.key for step in questions(explain_example(load_example("mazur")))]
    assert "b1+" not in keys and "b2+" not in keys and "w1+" in keys
    assert len(keys) == 56


def test_a_short_answer_is_right_only_at_its_precision() -> None:
    said: list[str] = []
    answers = iter(["0.4", "q"])  # net_h1 = 0.3775: 0.4 rounded to 1 decimal
    example = load_example("mazur")
    run_quiz(example, ask=lambda prompt: next(answers), say=said.append, min_digits=1)
    assert "  right to the 1 decimal you typed: net_h1 = 0.3775" in said


def quiz(answers: list[str], **options: object) -> tuple[list[str], object]:
    said: list[str] = []
    typed = iter(answers)
    score = run_quiz(
        load_example("mazur"),
        ask=lambda prompt: next(typed),
        say=said.append,
        **options,  # type: ignore[arg-type]
    )
    return said, score


def test_coarse_answers_are_never_right() -> None:
    # net_h1 = 0.3775 and out_h1 = 0.593269992: 0 and 0.4, 0.6 and 1 all agree at their
    # precision (truncated or rounded), yet say too little; each is asked again, and only
    # the answers with 3 digits count: 0.378 (0.3775 rounded), then 0.594 (wrong).
    coarse = "  too coarse to judge (give at least 3 significant digits)"
    said, score = quiz(["0", "0.4", "0.378", "0.6", "1", "0.594", "q"])
    assert said.count(coarse) == 4
    assert str(score) == "score: 1 of 2 right (54 not asked)"
    said, score = quiz(["0", "q"], min_digits=0)  # 0 judges everything, as before
    assert str(score) == "score: 1 of 1 right (55 not asked)"


def test_an_exact_answer_needs_no_more_digits() -> None:
    # Lamsal's hidden net input is 0.1 · 0.1 + 0.3 · 0.5 + 0.25 = 0.41 (float64
    # 0.41000000000000003): typed as 0.41 it is the exact value, and right.
    said: list[str] = []
    answers = iter(["0.41", "q"])
    score = run_quiz(load_example("lamsal"), ask=lambda prompt: next(answers), say=said.append)
    assert str(score) == "score: 1 of 1 right (55 not asked)"
    assert "  right: net_h1 = 0.41" in said


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("1e1000000", "0 of 0 right (56 not asked)"),  # one digit: too coarse, asked again
        ("1.00e1000000", "0 of 1 right (55 not asked)"),
        ("-1.00e-1000000", "0 of 1 right (55 not asked)"),
        ("9" * 500, "0 of 1 right (55 not asked)"),
        ("0.3775" + "0" * 500, "1 of 1 right (55 not asked)"),
    ],
)
def test_huge_tiny_and_long_answers_are_judged(answer: str, score: str) -> None:
    _, result = quiz([answer, "q"])
    assert str(result) == f"score: {score}"


def test_an_answer_beyond_any_exponent_is_not_a_number() -> None:
    said, _ = quiz(["1e99999999999999999999", "q"])
    assert any("is not a number: expected a number with an exponent within" in s for s in said)


def test_a_negative_seed_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from glassnet.cli import main

    with pytest.raises(SystemExit) as exit:
        main(["quiz", "--seed", "-5"])
    assert exit.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "glassnet quiz: error: argument --seed: must be >= 0, got -5"


def test_the_after_update_values_have_no_formula() -> None:
    example = load_example("mazur")
    steps = questions(explain_example(example))
    answers = iter(["?"] * (len(steps) - 3) + ["0.500", "?", "?"])
    said: list[str] = []
    run_quiz(example, ask=lambda prompt: next(answers), say=said.append)
    assert any(
        "out_o1+ = 0.742088111   (the same forward pass, with the updated parameters)" in s
        for s in said
    )


# -- practice examples -------------------------------------------------------------


def test_practice_examples_are_reproducible() -> None:
    a, b = random_example(9, shape=(3, 4, 2)), random_example(9, shape=(3, 4, 2))
    assert a.network.sizes == [3, 4, 2]
    for la, lb in zip(a.network.layers, b.network.layers):
        assert np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
    assert np.array_equal(a.inputs, b.inputs) and a.learning_rate == b.learning_rate
    c = random_example(10, shape=(3, 4, 2))
    assert not np.array_equal(a.network.layers[0].weights, c.network.layers[0].weights)
    # Numbers a hand calculation can use: two decimals, in range.
    weights = a.network.layers[0].weights
    assert np.array_equal(weights, np.round(weights, 2)) and np.abs(weights).max() <= 1


def test_practice_options() -> None:
    ce = random_example(1, shape=(2, 3), loss="cross_entropy", samples=4)
    assert ce.network.layers[-1].activation.name == "softmax"
    assert np.array_equal(ce.targets.sum(axis=1), np.ones(4))
    assert set(np.unique(ce.targets)) <= {0.0, 1.0}
    shared = random_example(1, bias="shared", train_bias=False)
    assert shared.network.layers[0].bias.ndim == 0 and not shared.network.layers[0].train_bias
    assert random_example(1, bias="none").network.layers[0].bias is None
    relu = random_example(1, shape=(2, 2, 2, 1), activation="relu", output_activation="identity")
    assert [layer.activation.name for layer in relu.network.layers] == [
        "relu", "relu", "identity"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bias": "some"}, "bias must be one of neuron, shared, none, got 'some'"),
        ({"samples": 0}, "samples must be 1 to 12, got 0"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"shape": (2,)}, "shape must be two or more sizes"),
        ({"learning_rate": -1.0}, "learning_rate must be > 0, got -1.0"),
        ({"activation": "softmax", "shape": (2, 2, 2)}, "is for the output layer only"),
    ],
)
def test_practice_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(GlassnetError, match=message):
        random_example(1, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["2", "2-0-1", "2-x", "2-13-1", ""])
def test_bad_shapes(text: str) -> None:
    with pytest.raises(GlassnetError, match="--shape must be sizes like 2-2-2"):
        parse_shape(text)


def test_shapes() -> None:
    assert parse_shape("2-2-2") == [2, 2, 2]
    assert parse_shape("4x3x1") == [4, 3, 1]


def test_the_quiz_introduces_the_loss_as_explain_does():
    from glassnet.examples import load_example
    from glassnet.quiz import run_quiz

    said: list[str] = []
    run_quiz(load_example("mazur"), ask=lambda prompt: "?", say=said.append)
    assert "\n== Error ==\nloss: half_sse, E_j = 0.5 · (target_j - out_j)²" in said
