"""LaTeX for a class: a question sheet and a worked solution per student, one answer key.

- ``latex/<id>-questions.tex``: the network (the figure of ``glassnet explain
  --format latex``), the given values, and a line to fill in per asked quantity;
- ``latex/<id>-solution.tex``: the student's whole worked update (the
  explanation: formula = numbers = result, ``glassnet.render.latex``), then the
  asked answers at the asked digits;
- ``latex/answer-key.tex``: one table for the class, a row per student, the asked
  values at the asked digits, a few quantities to a table so that it fits the page.

``compile_pdf`` runs pdflatex on them, with ``SOURCE_DATE_EPOCH`` fixed so that
the same sources give the same PDFs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from glassnet.claims import at_precision
from glassnet.errors import GlassnetError
from glassnet.render.latex import PREAMBLE, render_figure, render_given, render_header, render_latex
from glassnet.render.tex import TexFormatter, escape_latex_text
from glassnet.teach.spec import Spec
from glassnet.teach.variants import Variant

#: Asked quantities per answer-key table: the student column and these fit an A4 page.
KEY_COLUMNS = 5
#: How many times pdflatex runs on one file at most (a longtable needs two).
PDFLATEX_RUNS = 3
#: Seconds pdflatex may take on one file.
PDFLATEX_TIMEOUT = 120


def at_digits(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, written out (``0.5933``)."""
    if value == 0:
        return "0"
    exponent = int(f"{abs(value):e}".split("e")[1])
    text = at_precision(value, digits - 1 - exponent)
    # rounding may carry into a new digit (0.99996 -> 1.0000): one decimal fewer then
    again = int(f"{abs(float(text)):e}".split("e")[1])
    return text if again == exponent else at_precision(value, digits - 1 - again)


def question_sheet(spec: Spec, variant: Variant, asked: list[str]) -> str:
    """The question sheet of one student: network, given values, one blank per question."""
    explanation = replace(variant.quantities.explanation, source=f"Student {variant.student}")
    fmt = TexFormatter(9, target="latex")
    steps = variant.steps
    lines = [PREAMBLE.rstrip("\n"), *render_header(explanation, fmt)]
    if spec.instructions:
        lines += ["", escape_latex_text(spec.instructions)]
    lines += ["", *render_figure(explanation, fmt)]
    given = next(s for s in explanation.sections if s.kind == "given")
    lines += ["", rf"\section*{{{escape_latex_text(given.title)}}}", *render_given(given, fmt)]
    lines += [
        "",
        r"\section*{Questions}",
        f"Give each value to {spec.ask.digits} significant digits.",
        r"\begin{enumerate}",
    ]
    for key in asked:
        label = fmt(steps[key].lhs) if key in steps else fmt.literal(key)
        lines.append(rf"\item ${label} = $ \rule{{5cm}}{{0.4pt}}\vspace{{1ex}}")
    lines += [r"\end{enumerate}", "", r"\end{document}"]
    return "\n".join(lines) + "\n"


def solution(spec: Spec, variant: Variant, asked: list[str]) -> str:
    """The worked solution of one student: the whole explanation, then the asked answers."""
    explanation = replace(
        variant.quantities.explanation,
        title=f"{spec.title}: worked solution",
        source=f"Student {variant.student}",
    )
    document = render_latex(explanation)
    answers = _answers(variant, asked, spec.ask.digits)
    end = r"\end{document}"
    return document[: document.rindex(end)] + answers + end + "\n"


def _answers(variant: Variant, asked: list[str], digits: int) -> str:
    fmt = TexFormatter(9, target="latex")
    steps = variant.steps
    values = variant.values(asked)
    rows = []
    for key in asked:
        label = fmt(steps[key].lhs) if key in steps else fmt.literal(key)
        rows.append(rf"${label}$ & ${at_digits(values[key], digits)}$ \\")
    return "\n".join(
        [
            rf"\section*{{The answers ({digits} significant digits)}}",
            # room for the fractions of the gradients' names
            r"{\renewcommand{\arraystretch}{1.8}",
            r"\begin{tabular}{ll}",
            *rows,
            r"\end{tabular}}",
            "",
            "",
        ]
    )


def answer_key(spec: Spec, variants: list[Variant], asked: list[str]) -> str:
    """The class's answer key: tables of students by asked quantities, at the asked digits."""
    fmt = TexFormatter(9, target="latex")
    steps = variants[0].steps if variants else {}
    preamble = PREAMBLE.replace(
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage{amsmath,amssymb,longtable}" + "\n" + r"\renewcommand{\arraystretch}{1.6}",
    )
    lines = [
        preamble.rstrip("\n"),
        r"\begin{center}",
        rf"{{\LARGE {escape_latex_text(spec.title)}: answer key\par}}",
        rf"{{\large seed {spec.seed}, {len(variants)} students, {spec.ask.digits} significant "
        r"digits\par}",
        r"\end{center}",
    ]
    values = {v.student: v.values(asked) for v in variants}
    for start in range(0, len(asked), KEY_COLUMNS):
        chunk = asked[start : start + KEY_COLUMNS]
        labels = [fmt(steps[k].lhs) if k in steps else fmt.literal(k) for k in chunk]
        head = " & ".join(["student", *(f"${label}$" for label in labels)]) + r" \\ \hline"
        lines += ["", rf"\begin{{longtable}}{{l{'r' * len(chunk)}}}", head, r"\endhead"]
        for v in variants:
            cells = [f"${at_digits(values[v.student][k], spec.ask.digits)}$" for k in chunk]
            lines.append(" & ".join([escape_latex_text(v.student), *cells]) + r" \\")
        lines.append(r"\end{longtable}")
    lines += ["", r"\end{document}"]
    return "\n".join(lines) + "\n"


def compile_pdf(tex: Path) -> Path:
    """``pdflatex`` on ``tex`` in its folder; the PDF's path. A failure is a ``GlassnetError``
    with the first error line of the log."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise GlassnetError("--pdf needs pdflatex (TeX Live: texlive-latex-base and friends)")
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    pdf = tex.with_suffix(".pdf")
    # A longtable's header is set apart from its rows: their column widths agree only on a
    # second run, which pdflatex asks for ("Rerun LaTeX"); a sheet without one needs one run.
    for _ in range(PDFLATEX_RUNS):
        try:
            done = subprocess.run(
                [pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                cwd=tex.parent,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=PDFLATEX_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GlassnetError(
                f"pdflatex took over {PDFLATEX_TIMEOUT} s", source=str(tex)
            ) from None
        if done.returncode != 0 or not pdf.exists():
            first = next((ln for ln in done.stdout.splitlines() if ln.startswith("!")), "failed")
            raise GlassnetError(f"pdflatex: {first}", source=str(tex))
        if "Rerun LaTeX" not in done.stdout:
            break
    for extra in (".aux", ".log", ".out"):
        tex.with_suffix(extra).unlink(missing_ok=True)
    return pdf
