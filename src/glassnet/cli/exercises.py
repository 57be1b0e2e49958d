"""``glassnet exercises``: a different backpropagation exercise for every student."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from glassnet.errors import GlassnetError
from glassnet.teach import qti
from glassnet.teach.exercises import FORMATS, write_exercises
from glassnet.teach.spec import read_spec


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exercises",
        help="a variant of an exercise per student, answer keys, and course-platform files",
        description=(
            "Draw every student's variant of the exercise SPEC.toml describes (from the seed and "
            "the student id only; well-posed, all distinct), write each as DIR/variants/ID.toml, "
            "the exact answers as DIR/answer-key.csv, and the files of each --format. "
            "See docs/exercises.md."
        ),
    )
    parser.add_argument("spec", metavar="SPEC.toml", help="the exercise spec")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write")
    parser.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        help="a format to write (repeat for several; default: all)",
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also compile the LaTeX files with pdflatex"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = read_spec(args.spec)
    formats = args.format or list(FORMATS)
    if not args.format and not qti.available():  # every format there is; Canvas needs the extra
        formats.remove("canvas")
        print(f"glassnet: canvas/ skipped: {qti.MISSING}", file=sys.stderr)
    if args.pdf and "latex" not in formats:
        raise GlassnetError("--pdf compiles the LaTeX files: add --format latex")
    written = write_exercises(spec, args.output, formats, pdf=args.pdf)
    print(f"{len(spec.students)} variants of {spec.title!r}: {len(written)} files in {args.output}")
    return 0
