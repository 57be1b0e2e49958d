"""``glassnet exercises``: every student's variant, and the files each platform reads.

``write_exercises(spec, folder)`` writes, all from the same variants:

- ``variants/<id>.toml``: each student's example file (``glassnet explain``/``check`` read it);
- ``answer-key.csv``: the exact value of every asked quantity, one row per student;
- ``moodle.xml`` (Moodle Cloze), ``gift.txt`` (GIFT), ``canvas/`` (QTI, by text2qti),
  ``prairielearn/`` (a question folder), ``gradescope/`` (an autograder),
  ``latex/`` (question sheets, worked solutions, the answer-key table), as ``formats`` asks.

Nothing in them depends on the time or the machine: the same spec and roster give
byte-identical files. Every file is written atomically.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from glassnet.teach.answer_key import answer_key_csv
from glassnet.teach.example_file import example_toml
from glassnet.teach.gift import gift
from glassnet.teach.gradescope import exercise_json, run_autograder, setup_sh
from glassnet.teach.latex import answer_key, compile_pdf, question_sheet, solution
from glassnet.teach.moodle import moodle_xml
from glassnet.teach.output import Output
from glassnet.teach.prairielearn import info_json, question_html, server_py
from glassnet.teach.qti import parse_template, student_package
from glassnet.teach.questions import questions
from glassnet.teach.spec import Spec
from glassnet.teach.variants import Exercise, Variant

#: The formats ``--format`` may pick, in the order they are written.
FORMATS = ("latex", "moodle", "gift", "canvas", "prairielearn", "gradescope")


def write_exercises(
    spec: Spec, folder: str | Path, formats: Sequence[str] = FORMATS, *, pdf: bool = False
) -> list[Path]:
    """Draw the class and write the variants, the answer key and ``formats``; the paths written.

    ``pdf`` also compiles the LaTeX files with pdflatex.
    """
    exercise = Exercise(spec)
    variants = exercise.draw_class()
    out = Output(Path(folder))
    write_variants(out, spec, variants)
    out.text("answer-key.csv", answer_key_csv(variants, exercise.asked))
    for name in FORMATS:
        if name in formats:
            WRITERS[name](out, exercise, variants, pdf)
    return out.written


def write_variants(out: Output, spec: Spec, variants: list[Variant]) -> None:
    for variant in variants:
        comment = (
            f"{spec.title}: the variant of student {variant.student}\n"
            f"drawn by glassnet exercises (seed {spec.seed}, draw {variant.attempt})"
        )
        out.text(f"variants/{variant.student}.toml", example_toml(variant.example, comment=comment))


def _moodle(out: Output, exercise: Exercise, variants: list[Variant], pdf: bool) -> None:
    out.text("moodle.xml", moodle_xml(exercise.spec, variants, exercise.asked))


def _gift(out: Output, exercise: Exercise, variants: list[Variant], pdf: bool) -> None:
    out.text("gift.txt", gift(exercise.spec, variants, exercise.asked))


def _latex(out: Output, exercise: Exercise, variants: list[Variant], pdf: bool) -> None:
    spec, asked = exercise.spec, exercise.asked
    files = [out.text("latex/answer-key.tex", answer_key(spec, variants, asked))]
    for v in variants:
        files.append(out.text(f"latex/{v.student}-questions.tex", question_sheet(spec, v, asked)))
        files.append(out.text(f"latex/{v.student}-solution.tex", solution(spec, v, asked)))
    if pdf:
        out.written += [compile_pdf(tex) for tex in files]


def _canvas(out: Output, exercise: Exercise, variants: list[Variant], pdf: bool) -> None:
    spec, asked = exercise.spec, exercise.asked
    if not variants:
        return
    labels = [q.label for q in questions(variants[0], asked, spec.ask)]
    quiz = parse_template(spec, labels)
    for variant in variants:
        out.data(f"canvas/{variant.student}.zip", student_package(quiz, spec, variant, asked))


def _prairielearn(out: Output, exercise: Exercise, variants: list[Variant], pdf: bool) -> None:
    spec = exercise.spec
    if not variants:
        return
    folder = f"prairielearn/{slug(spec.title)}"
    out.text(f"{folder}/info.json", info_json(spec))
    out.text(f"{folder}/question.html", question_html(spec, variants[0], exercise.asked))
    out.text(f"{folder}/server.py", server_py(spec))


def _gradescope(out: Output, exercise: Exercise, variants: list[Variant], pdf: bool) -> None:
    out.text("gradescope/setup.sh", setup_sh()).chmod(0o755)
    out.text("gradescope/run_autograder", run_autograder()).chmod(0o755)
    out.text("gradescope/exercise.json", exercise_json(exercise.spec, exercise.asked))
    for variant in variants:
        text = (out.folder / "variants" / f"{variant.student}.toml").read_bytes()
        out.data(f"gradescope/variants/{variant.student}.toml", text)


def slug(title: str) -> str:
    """A folder name from a title: ``Homework 3: backprop`` -> ``homework-3-backprop``."""
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())) or "exercise"


Writer = Callable[[Output, Exercise, list[Variant], bool], None]

WRITERS: dict[str, Writer] = {
    "latex": _latex,
    "moodle": _moodle,
    "gift": _gift,
    "canvas": _canvas,
    "prairielearn": _prairielearn,
    "gradescope": _gradescope,
}
