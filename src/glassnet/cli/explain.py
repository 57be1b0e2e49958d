"""``glassnet explain``: a worked example, every number of one update."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from glassnet.atomic import write_text_atomic
from glassnet.cli.arguments import positive_int
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.render import FORMATS, render_as
from glassnet.render.wrap import DEFAULT_WIDTH, terminal_width


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show every number of one backpropagation update",
        description=(
            "Show one update of a worked example: the forward pass, the error, every "
            "chain-rule factor of the backward pass, the updated parameters and the error after."
        ),
    )
    parser.add_argument("example", help="a built-in example name or a path to a .toml file")
    parser.add_argument(
        "--digits", type=positive_int, default=9, help="significant digits shown (default 9)"
    )
    parser.add_argument(
        "--format",
        choices=list(FORMATS),
        default="text",
        help=(
            "text: for the terminal (default); json: every array of the update "
            "(docs/json.md); md: Markdown with math; latex: a document for pdflatex; "
            "html: one offline page with the network diagram"
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=(
            "write to FILE (atomically) instead of stdout; text goes to a file 80 columns "
            "wide, to the screen as wide as the terminal ($COLUMNS if set, 80 when piped)"
        ),
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help="html: also show N steps of training (a loss curve and a slider)",
    )
    parser.set_defaults(run=run)


def render(
    name: str,
    example_arg: str,
    *,
    digits: int,
    steps: int | None = None,
    width: int | None = DEFAULT_WIDTH,
) -> str:
    """The explanation of an example in one format, as text (``width``: text lines at most)."""
    example = load_example(example_arg)
    explanation = explain_example(example)
    if steps is not None and name != "html":
        raise GlassnetError(f"--steps goes with --format html, not {name}")
    history = None if steps is None else example.traces(steps)
    return render_as(name, explanation, digits=digits, width=width, history=history)


def run(args: argparse.Namespace) -> int:
    width = DEFAULT_WIDTH if args.output else terminal_width()
    text = render(args.format, args.example, digits=args.digits, steps=args.steps, width=width)
    if args.output:
        write_text_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
