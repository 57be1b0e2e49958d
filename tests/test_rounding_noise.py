"""Rounding noise shown as 0, and never more digits than a float64 has.

0.2·1 + (−0.3·0.5) + 0.1·(−1.5) + 0.1 is exactly 0 in decimals. In float64 0.1, 0.2
and 0.3 are binary fractions, and the engine's matrix product gives 2**-56 =
1.3877787807814457e-17 for it. The display formats show 0, as a learner has;
JSON and ``glassnet check`` keep the engine's value.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from glassnet.check import check
from glassnet.example import parse_example
from glassnet.explanation import explain_example
from glassnet.explanation.model import NOISE, Step, mark_noise
from glassnet.formula import Add, Mul, Num, Sym
from glassnet.render.html import render_html
from glassnet.render.json import render_json
from glassnet.render.latex import render_latex
from glassnet.render.markdown import render_markdown
from glassnet.render.mathml import format_decimal
from glassnet.render.text import format_number, render_text

# h1 is an identity neuron: sample 1 gives net_h1 = 0.2·1 + (−0.3·0.5) + 0.1·(−1.5) + 0.1,
# which out_h1 passes on to o1 and to the gradient of w7.
NOISY = """
title = "rounding noise"
loss = "half_sse"
learning_rate = 0.5
input_names = ["x1", "x2", "x3"]
[[layers]]
activation = "identity"
weights = [[0.2, -0.3, 0.1], [0.5, 0.25, -0.5]]
bias = [0.1, 0.0]
neuron_names = ["h1", "h2"]
[[layers]]
activation = "sigmoid"
weights = [[0.4, 0.6]]
bias = 0.0
neuron_names = ["o1"]
[[samples]]
input = [1.0, 0.5, -1.5]
target = [0.5]
[[samples]]
input = [0.5, 1.0, 2.0]
target = [0.3]
"""
#: |0.2·1| + |−0.3·0.5| + |0.1·(−1.5)| + |0.1|
TERMS = 0.2 + 0.15 + 0.15 + 0.1


@pytest.fixture(scope="module")
def example():
    return parse_example(NOISY)


def noise_value(example):
    value = float(example.step().layers[0].net[0, 0])
    assert abs(value) <= NOISE * TERMS  # 0, or within 8 ε of the terms' size
    return value


def test_the_noisy_net_input_is_rounding_noise_in_the_engine(example):
    explanation = explain_example(example)
    step = explanation.step("net_h1[1]")
    assert step.value == noise_value(example)
    assert step.shown == 0.0
    # passed on by the identity, and multiplied into w7's gradient for sample 1
    assert explanation.step("out_h1[1]").shown == 0.0
    assert explanation.step("dE/dw7[1]").shown == 0.0
    # a sum of real numbers is not noise: net_h2 = 0.5 + 0.125 + 0.75 + 0 = 1.375
    assert explanation.step("net_h2[1]").shown == 1.375
    assert not explanation.step("net_h2[1]").noise


@pytest.mark.parametrize(
    "render", [render_text, render_markdown, render_latex, render_html], ids=lambda r: r.__name__
)
def test_display_formats_show_0_and_never_the_noise(example, render):
    value = noise_value(example)
    # (the HTML page's data-value attributes keep the full double, as the JSON does: not shown)
    shown = re.sub(r' data-value="[^"]*"', "", render(explain_example(example), digits=9))
    assert "1.38777878" not in shown and "e-17" not in shown and "e-19" not in shown
    if value != 0.0:  # (where the matrix product happens to give exactly 0 there is no noise)
        assert f"{value:.9g}" not in shown


def test_text_shows_0_where_a_learner_has_0(example):
    text = render_text(explain_example(example))
    assert "= 0.2 · 1 + (-0.3 · 0.5) + 0.1 · (-1.5) + 0.1 · 1\n            = 0\n" in text
    assert "out_h1[1] = net_h1 = 0\n" in text
    # net_o1[1], later on (wrapped to 80 columns, one part a line)
    assert "= 0.4 · 0 + 0.6 · 1.375 + 0 · 1\n            = 0.825\n" in text


def test_json_keeps_the_exact_value(example):
    data = json.loads(render_json(explain_example(example)))
    value = noise_value(example)
    assert data["values"]["net_h1[1]"] == value
    assert data["samples"][0]["layers"][0]["net"][0] == value


@pytest.mark.parametrize("claimed", ["0", "0.0", "0.000"])
def test_a_claim_of_0_agrees_with_the_noise(example, claimed):
    report = check(example, {"net_h1[1]": claimed, "out_h1[1]": claimed})
    assert report.n_disagree == 0
    assert report.verdicts[0].exact == noise_value(example)  # compared with the exact value


def test_mark_noise_on_hand_built_steps():
    """Independent of how a machine's BLAS rounds: the steps as the builder makes them."""
    noise = 2.0**-56  # 1.3877787807814457e-17
    terms = (
        Mul((Num(0.2), Num(1.0))),
        Mul((Num(-0.3), Num(0.5))),
        Mul((Num(0.1), Num(-1.5))),
        Mul((Num(0.1), Num(1.0))),
    )
    net = Step("net_h1", Sym("net", "h1"), Add(terms), Add(terms), noise)
    out = Step("out_h1", Sym("out", "h1"), Sym("net", "h1"), Num(noise), noise)
    later = Step("net_o1", Sym("net", "o1"), None, Add((Mul((Num(0.4), Num(noise))),)), 0.3)
    # the same terms summing to 2e-15: more than 8 ε · 0.6 = 1.07e-15, a real result
    real = Step("net_h2", Sym("net", "h2"), Add(terms), Add(terms), 2e-15)
    given = Step("w1", Sym("w1"), None, None, noise)  # an input is what the example says
    mark_noise([net, out, later, real, given])
    assert (net.noise, out.noise, real.noise, given.noise) == (True, True, False, False)
    assert (net.value, net.shown) == (noise, 0.0)
    assert later.numbers == Add((Mul((Num(0.4), Num(0.0))),))
    assert 8 * np.finfo(float).eps * TERMS == pytest.approx(1.0658e-15, rel=1e-4)


@pytest.mark.parametrize(
    "value, text",
    [
        (0.05, "0.05"),  # not 0.050000000000000003
        (0.1 + 0.2, "0.30000000000000004"),  # 17 digits: that is the float
        (1 / 3, "0.3333333333333333"),  # 16 give it back exactly
        (2.0**-56, "1.3877787807814457e-17"),
        (123456.789, "123456.789"),
    ],
)
def test_thirty_digits_are_the_float64_digits_and_no_more(value, text):
    assert format_number(value, 30) == text
    assert float(format_decimal(value, 30)) == pytest.approx(value, rel=1e-12)  # 30 decimals
    assert len(format_decimal(value, 30).replace("-", "").replace(".", "").lstrip("0")) <= 17


def test_fewer_digits_round_as_before():
    assert format_number(0.298371109, 9) == "0.298371109"
    assert format_number(1 / 3, 15) == "0.333333333333333"
    assert format_decimal(0.35891647971788465, 9) == "0.35891648"


@pytest.mark.parametrize("fmt", ["text", "md", "latex", "html"])
def test_explain_with_30_digits_prints_no_number_longer_than_17_digits(fmt, tmp_path, capsys):
    from glassnet.cli import main

    out = tmp_path / f"mazur.{fmt}"
    assert main(["explain", "mazur", "--format", fmt, "--digits", "30", "-o", str(out)]) == 0
    numbers = re.findall(r"\d[\d.]*", out.read_text())
    significant = [n.replace(".", "").lstrip("0") for n in numbers if "." in n]
    assert max(len(s) for s in significant) == 17  # some value needs all 17
    assert "0.050000000000000003" not in out.read_text()
