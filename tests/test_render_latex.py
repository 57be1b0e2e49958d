"""LaTeX: a document that pdflatex compiles, with the tutorials' numbers, names and figure.

The compile tests need ``pdflatex`` and ``pdftotext``; ``bash scripts/test`` installs them.
They fail (never skip) when the tools are missing, so a green run always includes them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.engine import backprop
from glassnet.example import parse_example
from glassnet.explanation import Explanation, explain, explain_example
from glassnet.formula import Mul, Neg, Num, Pow, Sub, Sym
from glassnet.network import Layer, Network
from glassnet.render.latex import render_latex
from glassnet.render.tex import TexFormatter, escape_latex_text
from glassnet.trace import Trace
from test_text_wrap import SOFTMAX_BATCH

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ("mazur", "hill", "lamsal")

# Numbers each tutorial publishes (or the reference page verifies), as the documents print them
# with 9 significant digits.
KEY_NUMBERS = {
    "mazur": [
        "0.593269992",  # out_h1
        "0.298371109",  # E_total
        "0.0821670406",  # ∂E_total/∂w5
        "0.35891648",  # w5+
        "0.149780716",  # w1+
        "0.291027774",  # E_total after the update
    ],
    "hill": ["0.193749779", "0.70487559"],  # the cost C = 0.19374978, w5+
    "lamsal": ["0.249089541", "0.451878125"],  # E_total, w5+
}

#: Every character that LaTeX or Markdown treats specially, in names and texts of a user file.
SPECIAL_NAMES = ["a_b", "c$d", "e%f", "g&h", "i#j", "k{l}", "m~n", "o^p", "q\\r", "s t"]
HOSTILE_DESCRIPTION = (
    'Specials: _ $ % & # { } ~ ^ \\ -- "q" `t` ^^5c é δ 中 \\def\\x{y} $$x$$ '
    "1. *a* [a](javascript:b) <b>"
)
HOSTILE_TOML = r"""
title = "<script>alert(1)</script>"
source = '\input{/etc/passwd}'
url = "javascript:alert(1)"
description = DESCRIPTION
loss = "half_sse"
learning_rate = 0.5
input_names = ['a_b', 'c$d']

[[layers]]
activation = "sigmoid"
weights = [[0.1, -0.2], [0.3, 0.4]]
neuron_names = ['e%f', 'g&h']
weight_names = [['i#j', 'k{l}'], ['m~n', 'o^p']]
bias = [0.1, 0.2]
bias_names = ['q\r', 's t']

[[layers]]
activation = "sigmoid"
weights = [[0.5, 0.6]]
neuron_names = ['<script>x</script>']
weight_names = [['\input{/etc/passwd}', '^^5cinput']]
bias = 0.3
bias_names = "δ中"

[[samples]]
input = [1, 2]
target = [0.5]
"""
HOSTILE_TOML = HOSTILE_TOML.replace("DESCRIPTION", json.dumps(HOSTILE_DESCRIPTION))


def render(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["explain", *args]) == 0
    return capsys.readouterr().out


def hostile_file(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE_TOML, encoding="utf-8")
    return path


def mnist_sized() -> tuple[Trace, float]:
    """A 784-128-10 network and one sample, with the loss computed here independently."""
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(0, 0.05, (128, 784)), rng.normal(0, 0.1, (10, 128))
    b1, b2 = rng.normal(0, 0.1, 128), rng.normal(0, 0.1, 10)
    network = Network(
        [Layer(w1, "relu", bias=b1), Layer(w2, "softmax", bias=b2)], loss="cross_entropy"
    )
    x, target = rng.random((1, 784)), np.eye(10)[[3]]
    hidden = np.maximum(0.0, x @ w1.T + b1)
    z = (hidden @ w2.T + b2)[0]
    loss = -(z[3] - z.max() - np.log(np.exp(z - z.max()).sum()))
    return backprop(network, x, target, 0.1), float(loss)


def every_formula() -> list[Trace]:
    """Traces that use every activation and loss, batches, and numbers needing an exponent."""
    rng = np.random.default_rng(2)
    deep = Network(
        [
            Layer(rng.normal(0, 1, (3, 2)), "tanh", bias=[0.1, 0.2, -0.3]),
            Layer(rng.normal(0, 1, (3, 3)), "relu", bias=0.1),
            Layer(rng.normal(0, 1, (3, 3)), "leaky_relu"),
            Layer(rng.normal(0, 1, (3, 3)), "softmax", bias=np.zeros(3)),
        ],
        loss="cross_entropy",
    )
    binary = Network(
        [
            Layer(rng.normal(0, 1, (2, 2)), "identity", bias=[0.1, 0.2]),
            Layer(rng.normal(0, 1, (1, 2)), "sigmoid", bias=0.0),
        ],
        loss="binary_cross_entropy",
        batch_reduction="sum",
    )
    tiny = Network([Layer([[1e-6, -2e-7]], "identity")], loss="mse")
    jacobian = Network([Layer(rng.normal(0, 1, (3, 2)), "softmax")], loss="sse")
    return [
        backprop(deep, rng.normal(size=(1, 2)), np.eye(3)[[2]], 0.3),
        backprop(binary, rng.normal(size=(3, 2)), [[1.0], [0.0], [1.0]], 0.3),
        backprop(tiny, [[3e5, -1e5]], [[-2e6]], 0.3),
        backprop(jacobian, [[0.5, -1.0]], [[0.2, 0.3, 0.5]], 0.3),
    ]


def mnist_explanation() -> tuple[Explanation, float]:
    trace, loss = mnist_sized()
    return explain(trace), loss


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} is not installed: run `bash scripts/test`, which installs TeX "
            "(texlive-latex-base, texlive-latex-recommended, texlive-pictures, lmodern), "
            "poppler-utils and pandoc"
        )
    return path


def compile_latex(tex: str, folder: Path) -> tuple[str, str, str]:
    """Compile a document with pdflatex; the PDF's text, the log and the recorded file list."""
    pdflatex, pdftotext = require("pdflatex"), require("pdftotext")
    (folder / "doc.tex").write_text(tex, encoding="utf-8")
    result = subprocess.run(
        [
            pdflatex,
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            "-recorder",
            "doc.tex",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
        check=False,
    )
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-3000:]
    subprocess.run([pdftotext, "doc.pdf", "doc.txt"], cwd=folder, check=True, timeout=120)
    text = (folder / "doc.txt").read_text(encoding="utf-8")
    files = (folder / "doc.fls").read_text(encoding="utf-8", errors="replace")
    return text, log, files


def assert_clean_log(log: str) -> None:
    # Nothing runs off the page, and only outline fonts are used (no bitmap fonts that
    # pdflatex would have to generate with METAFONT).
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)
    assert not re.search(r"\.\d+pk\b", log)
    # One pdflatex run makes the complete PDF: nothing asks for a second run.
    rerun = r"Rerun to get|Label\(s\) may have changed|There were undefined references"
    assert not re.search(rerun, log), re.findall(rf".*(?:{rerun}).*", log)


# -- golden files and numbers --------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_matches_the_reviewed_golden_file(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # To update after a reviewed change (see docs/rendering.md):
    #   glassnet explain NAME --format latex -o tests/golden/NAME.tex
    expected = (GOLDEN / f"{name}.tex").read_text(encoding="utf-8")
    assert render([name, "--format", "latex"], capsys) == expected


def test_mazur_document_has_the_tutorial_steps(capsys: pytest.CaptureFixture[str]) -> None:
    tex = render(["mazur", "--format", "latex"], capsys)
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert "{\\LARGE A Step by Step Backpropagation Example\\par}" in tex
    assert "\\url{https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/}" in tex
    # The chain rule, one row each for the formula, the numbers and the result.
    assert (
        "\\frac{\\partial E_{total}}{\\partial w_{5}} &= \\frac{\\partial E_{total}}{\\partial "
        "out_{o1}} \\cdot \\frac{\\partial out_{o1}}{\\partial net_{o1}} \\cdot "
        "\\frac{\\partial net_{o1}}{\\partial w_{5}} \\\\\n"
        "&= 0.74136507 \\cdot 0.186815602 \\cdot 0.593269992 \\\\\n"
        "&= 0.0821670406"
    ) in tex
    # A negative factor is parenthesised.
    assert (
        "w_{7}^{+} &= w_{7} - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial w_{7}} = " in tex
    )
    assert "= 0.5 - 0.5 \\cdot \\left(-0.0226025405\\right) = 0.51130127" in tex
    assert "b_{2}^{+} &= b_{2} = 0.6 \\quad \\text{(frozen: the bias is not updated)}" in tex
    # Sections in the terminal's order.
    order = [tex.index(f"\\section*{{{s}}}") for s in ("Given", "Forward pass", "Error")]
    order += [tex.index(f"\\section*{{{s}}}") for s in ("Backward pass", "Update")]
    assert order == sorted(order) and tex.index("After the update") > order[-1]


def test_mazur_figure_draws_every_neuron_and_weight(capsys: pytest.CaptureFixture[str]) -> None:
    tex = render(["mazur", "--format", "latex"], capsys)
    figure = tex[tex.index("\\begin{tikzpicture}") : tex.index("\\end{tikzpicture}")]
    for node, name in [("n0-0", "i1"), ("n0-1", "i2"), ("n1-0", "h1"), ("n2-1", "o2")]:
        assert re.search(rf"\({node}\) at \([^)]*\) \{{\${name}\$\}}", figure), node
    weights = {"w_{1}": 0.15, "w_{2}": 0.2, "w_{3}": 0.25, "w_{4}": 0.3}
    weights |= {"w_{5}": 0.4, "w_{6}": 0.45, "w_{7}": 0.5, "w_{8}": 0.55}
    for weight, value in weights.items():
        assert f"{{${weight} = {value:g}$}}" in figure
    # w5 goes from h1 to o1, w6 from h2 to o1 (Mazur's names).
    assert re.search(r"\(n1-0\) -- node\[[^]]*\] \{\$w_\{5\} = 0.4\$\} \(n2-0\)", figure)
    assert re.search(r"\(n1-1\) -- node\[[^]]*\] \{\$w_\{6\} = 0.45\$\} \(n2-0\)", figure)
    assert "$b_{1} = 0.35$ (shared)" in figure
    assert figure.count("\\draw[->]") == 8


@pytest.mark.parametrize("name", EXAMPLES)
def test_compiles_with_pdflatex_and_shows_the_key_numbers(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, log, _ = compile_latex(render([name, "--format", "latex"], capsys), tmp_path)
    assert_clean_log(log)
    for number in KEY_NUMBERS[name]:
        assert number in text, number
    assert "Forward pass" in text and "Backward pass" in text and "After the update" in text


def test_headings_and_introductions_are_math(capsys: pytest.CaptureFixture[str]) -> None:
    tex = render(["mazur", "--format", "latex"], capsys)
    assert (
        "\\subsection*{o1: $\\delta_{o1} = \\frac{\\partial E_{total}}{\\partial net_{o1}}$}" in tex
    )
    assert (
        "loss: half{\\ttfamily\\char95}sse, "
        "$E_{j} = 0.5 \\cdot {\\left(target_{j} - out_{j}\\right)}^{2}$"
    ) in tex
    assert (
        "each parameter p moves against its gradient: "
        "$p^{+} = p - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial p}$"
    ) in tex
    # Only the loss's name has an underscore printed as text; no formula is written as text.
    assert tex.count("{\\ttfamily\\char95}") == 2  # the header's and the Error section's
    assert "\\ensuremath{\\partial}" not in tex and "\\ensuremath{\\delta}" not in tex


def test_a_network_too_large_for_labels_has_a_clean_figure_and_a_weight_table(
    tmp_path: Path,
) -> None:
    explanation = explain_example(parse_example(SOFTMAX_BATCH))
    tex = render_latex(explanation)
    figure = tex[tex.index("\\begin{tikzpicture}") : tex.index("\\end{tikzpicture}")]
    # Edges without labels, neurons without bias labels.
    assert "node[weight" not in figure and "label=" not in figure
    assert figure.count("\\draw[->]") == 3 * 4 + 4 * 3 + 3 * 2
    table = tex[tex.index("\\begin{table}") : tex.index("\\end{table}")]
    trace = explanation.trace
    for lt in trace.layers:
        for (j, i), value in np.ndenumerate(lt.weights):
            name = trace.network.names.weight(lt.index, j, i)
            assert f"$w_{{{name[1:]}}} = {value:g}$" in table, name
    assert "$b_{7} = -0.07$" in table
    # One pdflatex run: a complete PDF whose table shows the numbers.
    text, log, _ = compile_latex(tex, tmp_path)
    assert_clean_log(log)
    assert "Table 1" in text and "w24 = −0.4" in text and "b7 = −0.07" in text


def test_a_deep_network_of_small_layers_gets_the_weight_table_too(tmp_path: Path) -> None:
    # 2-2-2-2-2: few edges between two layers, but columns too close for the labels.
    layer = '[[layers]]\nactivation = "tanh"\nweights = [[0.1, -0.2], [0.3, 0.4]]\nbias = 0.1\n'
    toml = 'loss = "sse"\nlearning_rate = 0.1\n' + layer * 4
    toml += "[[samples]]\ninput = [1.0, 2.0]\ntarget = [0.5, -0.5]\n"
    tex = render_latex(explain_example(parse_example(toml)))
    assert "node[weight" not in tex and "\\begin{table}" in tex
    assert tex.count("$b_{4} = 0.1$ (shared)") == 2  # the output layer's two rows
    _, log, _ = compile_latex(tex, tmp_path)
    assert_clean_log(log)


def test_small_networks_keep_their_labelled_figure(capsys: pytest.CaptureFixture[str]) -> None:
    for name in EXAMPLES:
        tex = render([name, "--format", "latex"], capsys)
        assert "\\begin{table}" not in tex
        assert tex.count("node[weight") == 8, name


def test_digits_option(capsys: pytest.CaptureFixture[str]) -> None:
    tex = render(["mazur", "--format", "latex", "--digits", "4"], capsys)
    assert "out_{h1} &= \\frac{1}{1 + e^{-net_{h1}}} = \\frac{1}{1 + e^{-0.3775}} = 0.5933" in tex
    assert "= 0.4 - 0.5 \\cdot 0.08217 = 0.3589" in tex


def test_output_file_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mazur.tex"
    assert render(["mazur", "--format", "latex", "-o", str(path)], capsys) == ""
    assert path.read_text(encoding="utf-8") == (GOLDEN / "mazur.tex").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", range(4))
def test_every_activation_and_loss_compiles(case: int, tmp_path: Path) -> None:
    trace = every_formula()[case]
    tex = render_latex(explain(trace))
    text, log, _ = compile_latex(tex, tmp_path)
    assert_clean_log(log)
    # 1.44000046e+34 prints as 1.44000046 × 10^34.
    mantissa, _, exponent = f"{trace.loss_after:.9g}".partition("e")
    shown = mantissa + (f" × 10{int(exponent)}" if exponent else "")
    assert shown in text.replace("−", "-"), shown


# -- escaping ----------------------------------------------------------------------


def test_user_text_is_printed_never_executed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tex = render([str(hostile_file(tmp_path)), "--format", "latex"], capsys)
    assert "\\input{" not in tex and "^^5c" not in tex and "\\def\\x" not in tex
    text, log, files = compile_latex(tex, tmp_path)
    # pdflatex never opened the file (the recorder lists every file read).
    assert "/etc/passwd" not in files
    assert "(/etc/passwd" not in log
    # pdftotext writes an accented letter as the letter and a combining accent.
    flat = unicodedata.normalize("NFC", " ".join(text.split()))
    assert "<script>alert(1)</script>" in flat
    assert "\\input{/etc/passwd}" in flat
    assert "javascript:alert(1)" in flat
    # Every special character prints as itself; a CJK character the default fonts
    # lack prints as its code point.
    expected = " ".join(HOSTILE_DESCRIPTION.replace("中", "[U+4E2D]").split())
    assert expected in flat
    # Names in the equations, e.g. the given values: "a_b = 1, c$d = 2".
    for name in [*SPECIAL_NAMES, "\\input{/etc/passwd}", "^^5cinput", "<script>x</script>"]:
        assert name in flat, name


def test_escape_latex_text() -> None:
    assert escape_latex_text("50% & $5") == "50\\% \\& {\\ttfamily\\char36}5"
    assert escape_latex_text("\\input{x}") == "\\textbackslash{}input\\{x\\}"
    assert escape_latex_text("é ß δ Ω 中") == (
        "\\'{e} \\ss{} \\ensuremath{\\delta} \\ensuremath{\\Omega} {\\ttfamily[U+4E2D]}"
    )
    assert escape_latex_text("a--b\nc\x00") == "a-{}-b c "


def test_names_in_math_are_escaped() -> None:
    fmt = TexFormatter(9, target="latex")
    assert fmt(Sym("out", "a_b")) == "out_{\\text{a{\\ttfamily\\char95}b}}"
    assert fmt(Sym("\\input{x}")) == "\\text{\\textbackslash{}input\\{x\\}}"
    markdown = TexFormatter(9, target="markdown")
    assert markdown(Sym("out", "<b>&")) == "out_{\\mathrm{\\lt{}b\\gt{}\\&}}"


# -- the formula tree ----------------------------------------------------------------


def test_formatter_parenthesises_and_nests_correctly() -> None:
    fmt = TexFormatter(9)
    assert fmt(Mul((Num(0.5), Num(-0.0226025405)))) == "0.5 \\cdot \\left(-0.0226025405\\right)"
    assert fmt(Sub(Num(0.4), Num(-2.0))) == "0.4 - \\left(-2\\right)"
    assert fmt(Neg(Num(-0.35))) == "-\\left(-0.35\\right)"
    # A superscripted base is braced, so that TeX sees no double superscript.
    assert fmt(Pow(Sym("w5", updated=True), 2)) == "{w_{5}^{+}}^{2}"
    assert fmt(Pow(Num(-3.0), 2)) == "{\\left(-3\\right)}^{2}"
    assert fmt(Num(1.5e-05)) == "1.5 \\times 10^{-5}"
    assert fmt(Mul((Num(2.0), Num(1.5e-05)))) == "2 \\cdot \\left(1.5 \\times 10^{-5}\\right)"
    with pytest.raises(ValueError, match="`digits` must be >= 1, got 0"):
        TexFormatter(0)


# -- matrix form -------------------------------------------------------------------


def test_mnist_sized_network_is_summarised_and_compiles(tmp_path: Path) -> None:
    explanation, loss = mnist_explanation()
    assert explanation.matrix_form
    tex = render_latex(explanation)
    # The requirement is < 2 MB; a summarised document is a few kilobytes.
    assert len(tex.encode("utf-8")) < 50_000
    assert "W^{(1)} &= \\begin{pmatrix}" in tex and "[128 \\times 784]" in tex
    assert "\\cdots" in tex and "\\vdots" in tex and "\\ddots" in tex
    # The layer figure: boxes and the weight matrices' shapes.
    assert "{$128 \\times 784$}" in tex and "{$10 \\times 128$}" in tex
    text, log, _ = compile_latex(tex, tmp_path)
    assert_clean_log(log)
    shown = re.search(r"E_\{total\} &= ([0-9.]+)", tex)
    assert shown is not None and float(shown[1]) == pytest.approx(loss, rel=1e-8)
    assert shown[1] in text
    assert "128 × 784" in text
