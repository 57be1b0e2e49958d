"""``glassnet grade``: every student's answers checked against their own variant."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from glassnet.atomic import write_text_atomic
from glassnet.errors import GlassnetError
from glassnet.teach.grade import grade_class, gradebook_csv, read_answers
from glassnet.teach.spec import read_spec
from glassnet.teach.summary import MISSING_PLOT, plot_summary, summary_md
from glassnet.teach.variants import Exercise


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade a class's answers: score, first wrong step and named mistake per student",
        description=(
            "Check each student's answers against their own variant of SPEC.toml with "
            "glassnet check, and write a gradebook (student, score, first_wrong, mistake, one "
            "column per asked quantity, problems) and a class summary beside it (summary.md, "
            "summary.png with the plot extra). A bad row is reported in the gradebook and on "
            "stderr, and the others are graded. Exit status: 0 done, 1 done but some rows were "
            "bad, 2 a mistake in the spec, the roster or the options."
        ),
    )
    parser.add_argument("spec", metavar="SPEC.toml", help="the exercise spec")
    parser.add_argument(
        "answers",
        metavar="ANSWERS",
        help="a CSV (a student column, one column per asked quantity) or a folder of <id>.toml "
        "claims files",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="gradebook.csv", help="the gradebook to write"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = read_spec(args.spec)
    exercise = Exercise(spec)
    answers, file_problems = read_answers(args.answers, exercise)
    variants = exercise.draw_class()
    grades = grade_class(exercise, variants, answers)
    output = Path(args.output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GlassnetError(f"cannot make the folder: {error}", source=str(output.parent)) from None
    write_text_atomic(output, gradebook_csv(grades, exercise.asked))
    folder = output.parent
    write_text_atomic(folder / "summary.md", summary_md(spec.title, grades, exercise.asked))
    if plot_summary(grades, exercise.asked, folder / "summary.png") is None:
        print(f"glassnet: {MISSING_PLOT}", file=sys.stderr)
    for problem in file_problems:
        print(f"glassnet: {args.answers}: {problem}", file=sys.stderr)
    bad = [g for g in grades if g.problems]
    for grade in bad:
        for problem in grade.problems:
            print(f"glassnet: {args.answers}: {grade.student}: {problem}", file=sys.stderr)
    graded = sum(g.graded for g in grades)
    print(f"{graded} students graded: {output}, {folder / 'summary.md'}")
    return 1 if bad or file_problems else 0
