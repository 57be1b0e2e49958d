"""Markdown: the tutorials' quantities with their names, escaping, matrix form, golden files."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from glassnet.example import parse_example
from glassnet.explanation import explain, explain_example
from glassnet.render.markdown import escape_markdown, render_markdown
from test_render_latex import (
    HOSTILE_DESCRIPTION,
    SPECIAL_NAMES,
    compile_latex,
    every_formula,
    hostile_file,
    mnist_explanation,
    render,
    require,
)
from test_text_wrap import SOFTMAX_BATCH

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ("mazur", "hill", "lamsal")

# Every quantity Mazur's tutorial shows, by the name the Markdown gives it, and its value
# rounded as the tutorial prints it (to 9 decimals).
MAZUR_QUANTITIES = [
    ("net_{h1}", 0.3775),
    ("out_{h1}", 0.593269992),
    ("out_{h2}", 0.596884378),
    ("net_{o1}", 1.105905967),
    ("out_{o1}", 0.75136507),
    ("out_{o2}", 0.772928465),
    ("E_{o1}", 0.274811083),
    ("E_{o2}", 0.023560026),
    ("E_{total}", 0.298371109),
    (r"\frac{\partial E_{total}}{\partial out_{o1}}", 0.74136507),
    (r"\frac{\partial out_{o1}}{\partial net_{o1}}", 0.186815602),
    (r"\frac{\partial net_{o1}}{\partial w_{5}}", 0.593269992),
    (r"\frac{\partial E_{total}}{\partial w_{5}}", 0.082167041),
    (r"\delta_{o1}", 0.138498562),
    ("w_{5}^{+}", 0.35891648),
    ("w_{6}^{+}", 0.408666186),
    ("w_{7}^{+}", 0.511301270),
    ("w_{8}^{+}", 0.561370121),
    (r"\frac{\partial E_{o1}}{\partial out_{h1}}", 0.055399425),
    (r"\frac{\partial E_{o2}}{\partial out_{h1}}", -0.019049119),
    (r"\frac{\partial E_{total}}{\partial out_{h1}}", 0.036350306),
    (r"\frac{\partial out_{h1}}{\partial net_{h1}}", 0.241300709),
    (r"\frac{\partial net_{h1}}{\partial w_{1}}", 0.05),
    (r"\frac{\partial E_{total}}{\partial w_{1}}", 0.000438568),
    ("w_{1}^{+}", 0.149780716),
    ("w_{2}^{+}", 0.19956143),
    ("w_{3}^{+}", 0.24975114),
    ("w_{4}^{+}", 0.29950229),
    ("E_{total}^{+}", 0.291027774),
]


def markdown(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    return render([*args, "--format", "md"], capsys)


def math_spans(text: str) -> tuple[list[str], list[str]]:
    """The ``$…$`` and ``$$…$$`` math of a Markdown text; a backslash escapes a ``$``."""
    inline: list[str] = []
    display: list[str] = []
    k, start, mode = 0, 0, ""
    while k < len(text):
        if text[k] == "\\":
            k += 2
        elif text[k] != "$":
            k += 1
        elif not mode:
            mode = "$$" if text.startswith("$$", k) else "$"
            k += len(mode)
            start = k
        elif text.startswith(mode, k):
            (display if mode == "$$" else inline).append(text[start:k])
            k += len(mode)
            mode = ""
        else:
            raise AssertionError(f"a lone $ in display math: {text[start:k]!r}")
    assert not mode, "an unclosed math span"
    return inline, display


def shown_values(md: str) -> dict[str, list[float]]:
    """The final value of every display equation, by its left side."""
    found: dict[str, list[float]] = {}
    for body in math_spans(md)[1]:
        left = body.split("=")[0].replace(r"\begin{aligned}", "").replace("&", "").strip()
        try:
            value = float(body.split("=")[-1].split(r"\end")[0])
        except ValueError:  # an array
            continue
        found.setdefault(left, []).append(value)
    return found


@pytest.mark.parametrize("name", EXAMPLES)
def test_matches_the_reviewed_golden_file(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # To update after a reviewed change (see docs/rendering.md):
    #   glassnet explain NAME --format md -o tests/golden/NAME.md
    expected = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    assert markdown([name], capsys) == expected


@pytest.mark.parametrize(("name", "value"), MAZUR_QUANTITIES)
def test_mazur_shows_every_tutorial_quantity(
    name: str, value: float, capsys: pytest.CaptureFixture[str]
) -> None:
    values = shown_values(markdown(["mazur"], capsys)).get(name)
    assert values, f"{name} is not shown"
    assert any(v == pytest.approx(value, abs=6e-9) for v in values)


def test_key_numbers_of_each_tutorial(capsys: pytest.CaptureFixture[str]) -> None:
    mazur = shown_values(markdown(["mazur"], capsys))
    assert mazur["out_{h1}"] == [0.593269992]
    assert mazur["E_{total}"] == [0.298371109]
    assert mazur[r"\frac{\partial E_{total}}{\partial w_{5}}"] == [0.0821670406]
    assert mazur["w_{5}^{+}"] == [0.35891648]
    assert mazur["w_{1}^{+}"] == [0.149780716]
    assert mazur["E_{total}^{+}"] == [0.291027774]
    hill = shown_values(markdown(["hill"], capsys))
    # Hill publishes C = 0.19374977898811957; 9 significant digits show 0.193749779.
    assert hill["E_{total}"] == [0.193749779]
    assert hill["w_{5}^{+}"] == [0.70487559]
    lamsal = shown_values(markdown(["lamsal"], capsys))
    assert lamsal["w_{5}^{+}"] == [0.451878125]
    assert lamsal["E_{total}"] == [0.249089541]


def test_formula_then_numbers_then_result(capsys: pytest.CaptureFixture[str]) -> None:
    md = markdown(["mazur"], capsys)
    assert (
        "$$\\begin{aligned}\n"
        "\\frac{\\partial E_{total}}{\\partial w_{5}} &= \\frac{\\partial E_{total}}{\\partial "
        "out_{o1}} \\cdot \\frac{\\partial out_{o1}}{\\partial net_{o1}} \\cdot "
        "\\frac{\\partial net_{o1}}{\\partial w_{5}} \\\\\n"
        "&= 0.74136507 \\cdot 0.186815602 \\cdot 0.593269992 \\\\\n"
        "&= 0.0821670406\n"
        "\\end{aligned}$$"
    ) in md
    assert (
        "$$out_{h1} = \\frac{1}{1 + e^{-net_{h1}}} = \\frac{1}{1 + e^{-0.3775}} = 0.593269992$$"
    ) in md
    assert (
        "$$\\frac{\\partial E_{o1}}{\\partial out_{h1}} = \\delta_{o1} \\cdot w_{5} = "
        "0.138498562 \\cdot 0.4 = 0.0553994247$$"
    ) in md
    # Negative numbers in a product are parenthesised.
    assert "= 0.5 - 0.5 \\cdot \\left(-0.0226025405\\right) = 0.51130127$$" in md
    assert "$$b_{2}^{+} = b_{2} = 0.6$$\n\n*frozen: the bias is not updated*" in md
    # The same order as the terminal.
    headings = re.findall(r"^## (.*)$", md, re.M)
    assert headings == [
        "Given",
        "Forward pass",
        "Error",
        "Backward pass",
        "Update",
        "After the update",
    ]
    assert md.startswith("# A Step by Step Backpropagation Example\n\nMatt Mazur, 2015 — <https")


def test_digits_option(capsys: pytest.CaptureFixture[str]) -> None:
    md = markdown(["mazur", "--digits", "4"], capsys)
    assert "$$w_{5}^{+} = w_{5} - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial w_{5}}" in md
    assert "= 0.4 - 0.5 \\cdot 0.08217 = 0.3589$$" in md


def test_renders_as_commonmark_with_balanced_math(capsys: pytest.CaptureFixture[str]) -> None:
    md = markdown(["hill"], capsys)
    inline, display = math_spans(md)
    assert len(inline) > 10 and len(display) > 40
    page = MarkdownIt("commonmark").render(md)
    assert "<h1>Part 2 - Gradient descent and backpropagation</h1>" in page
    assert page.count("<h3>") == len(re.findall(r"^### ", md, re.M))


# -- escaping ----------------------------------------------------------------------


def test_user_text_renders_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = markdown([str(hostile_file(tmp_path))], capsys)
    # A Markdown processor that passes raw HTML through still finds no tag and no link.
    page = MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<script" not in page and "<b>" not in page and "<a " not in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    paragraphs = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", page, re.S)]
    assert "\\input{/etc/passwd} — javascript:alert(1)" in paragraphs
    # Every special character of the description reads as itself.
    assert " ".join(HOSTILE_DESCRIPTION.split()) in paragraphs


def mathrm_bodies(md: str) -> list[str]:
    """The text inside every ``\\mathrm{…}``, its TeX escapes undone."""
    undo = {
        r"\backslash{}": "\\",
        r"\sim{}": "~",
        r"\hat{}": "^",
        r"\lt{}": "<",
        r"\gt{}": ">",
        r"\vert{}": "|",
        "\\ ": " ",
    }
    bodies = []
    for match in re.finditer(r"\\mathrm\{", md):
        k, depth, out = match.end(), 1, ""
        while depth:
            for escape, char in undo.items():
                if md.startswith(escape, k):
                    out, k = out + char, k + len(escape)
                    break
            else:
                if md[k] == "\\":
                    out, k = out + md[k + 1], k + 2
                    continue
                depth += {"{": 1, "}": -1}.get(md[k], 0)
                out, k = (out + md[k] if depth else out), k + 1
        bodies.append(out)
    return bodies


def test_names_in_math_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = markdown([str(hostile_file(tmp_path))], capsys)
    names = set(mathrm_bodies(md))
    for name in [*SPECIAL_NAMES, "\\input{/etc/passwd}", "<script>x</script>", "^^5cinput"]:
        assert name in names, name
    inline, display = math_spans(md)
    for math in inline + display:
        # No tag for an HTML sanitiser to remove, no TeX command from the user.
        assert "<" not in math and ">" not in math
        assert "\\input" not in math and "^^" not in math


def compile_math(md: str, folder: Path) -> tuple[str, str]:
    """Compile all math of a Markdown text with pdflatex: the PDF's text and the files read."""
    inline, display = math_spans(md)
    body = [f"${m}$\\par" for m in inline] + [f"\\[{m}\\]" for m in display]
    tex = "\n".join(
        [
            "\\documentclass{article}",
            "\\usepackage{amsmath}",
            # MathJax and KaTeX define these; LaTeX does not.
            "\\providecommand{\\lt}{<}\\providecommand{\\gt}{>}",
            "\\begin{document}",
            *(line.replace("δ", "\\delta ").replace("中", "?") for line in body),
            "\\end{document}",
        ]
    )
    text, _, files = compile_latex(tex, folder)
    return text, files


def test_markdown_math_is_valid_tex(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """All math of the hostile example compiles, without running the user's text."""
    text, files = compile_math(markdown([str(hostile_file(tmp_path))], capsys), tmp_path)
    assert "/etc/passwd" not in files
    assert "0.721497643" in text  # out of the output neuron, the last display


def test_every_formula_is_valid_tex(tmp_path: Path) -> None:
    md = "\n".join(render_markdown(explain(trace)) for trace in every_formula())
    text, _ = compile_math(md, tmp_path)
    assert "if" in text and "log" in text


def test_headings_and_introductions_are_math(capsys: pytest.CaptureFixture[str]) -> None:
    md = markdown(["mazur"], capsys)
    assert "### o1: $\\delta_{o1} = \\frac{\\partial E_{total}}{\\partial net_{o1}}$" in md
    assert (
        "loss: half\\_sse, $E_{j} = 0.5 \\cdot {\\left(target_{j} - out_{j}\\right)}^{2}$"
    ) in md
    assert (
        "each parameter p moves against its gradient: "
        "$p^{+} = p - \\eta \\cdot \\frac{\\partial E_{total}}{\\partial p}$"
    ) in md
    # No formula left as text: Greek letters and partial signs only ever as TeX commands.
    for name in EXAMPLES:
        md = markdown([name], capsys)
        assert not set("δη∂·²") & set(md), name
        assert "\\_" not in md.replace("half\\_sse", ""), name


def pandoc_pdf(md: str, folder: Path) -> str:
    """Pandoc's PDF of a Markdown file (through pdflatex, its default); the PDF's text."""
    pandoc, pdftotext = require("pandoc"), require("pdftotext")
    (folder / "doc.md").write_text(md, encoding="utf-8")
    result = subprocess.run(
        [pandoc, "doc.md", "-o", "doc.pdf"],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    subprocess.run([pdftotext, "doc.pdf", "doc.txt"], cwd=folder, check=True, timeout=120)
    return (folder / "doc.txt").read_text(encoding="utf-8")


def test_pandoc_makes_a_pdf_of_mazur(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = pandoc_pdf(markdown(["mazur"], capsys), tmp_path)
    for number in ["0.593269992", "0.298371109", "0.35891648", "0.291027774"]:
        assert number in text, number
    assert "Backward pass" in text and "δo1 =" in text  # the heading, typeset


def test_pandoc_makes_a_pdf_of_a_softmax_batch(tmp_path: Path) -> None:
    explanation = explain_example(parse_example(SOFTMAX_BATCH))
    text = pandoc_pdf(render_markdown(explanation), tmp_path)
    assert f"{explanation.trace.loss:.9g}" in text
    w24 = explanation.step("w24+").value
    assert f"{float(w24):.9g}".replace("-", "−") in text


def test_escape_markdown() -> None:
    assert escape_markdown("a_b *c* [d](e) `f` #g |h| $i$ ~j~") == (
        "a\\_b \\*c\\* \\[d\\](e) \\`f\\` \\#g \\|h\\| \\$i\\$ \\~j\\~"
    )
    assert escape_markdown("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    # Nothing at the start of a line may make a list, a heading or a quote.
    assert escape_markdown("1. item") == "1\\. item"
    assert escape_markdown("- item") == "\\- item"
    assert escape_markdown("> quote\n# heading") == "&gt; quote \\# heading"


# -- matrix form -------------------------------------------------------------------


def test_mnist_sized_network_is_summarised() -> None:
    explanation, loss = mnist_explanation()
    md = render_markdown(explanation)
    # The requirement is < 2 MB; a summarised page is a few kilobytes.
    assert len(md.encode("utf-8")) < 50_000
    assert "matrix form" in md
    assert "$$W^{(1)} = \\begin{pmatrix}" in md and "[128 \\times 784]" in md
    assert "\\cdots" in md and "\\vdots" in md and "\\ddots" in md
    assert (
        "\\frac{\\partial E_{total}}{\\partial W^{(1)}} &= \\frac{\\delta^{(1)\\top} \\cdot X}{1}"
        in md
    )
    # A one-hot target of 10 entries is shown whole: the 1 is visible.
    assert "$$T = \\begin{pmatrix}0 & 0 & 0 & 1 & 0 & 0 & 0 & 0 & 0 & 0\\end{pmatrix}" in md
    assert shown_values(md)["E_{total}"] == [pytest.approx(loss, rel=1e-8)]
    assert len(math_spans(md)[1]) > 10
