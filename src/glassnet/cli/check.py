"""``glassnet check``: compare claimed values with the exact ones, find the first wrong step.

Exit status 0 when every claim agrees, 1 when some disagree or are too coarse
to judge, 2 for an error (an unknown name, a value that is not a number, a file
that cannot be read).
"""

from __future__ import annotations

import argparse
from typing import Any

from glassnet.check import check, read_claims
from glassnet.claims import MIN_DIGITS
from glassnet.cli.arguments import nonnegative_int
from glassnet.examples import load_example
from glassnet.render.check import render_json, render_text


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="compare claimed values with the exact ones and name the likely mistake",
        description=(
            "Compare each claimed value of an example with the exact one, at the precision the "
            "claim was written with; single out the first wrong step, show what follows from it, "
            "and try a catalogue of known mistakes that would reproduce the claims. A claim with "
            "fewer than 3 significant digits is judged only if it is exact. "
            "Exit status: 0 every claim agrees, 1 some disagree or are too coarse, 2 error."
        ),
    )
    parser.add_argument("example", help="a built-in example name or a path to a .toml file")
    parser.add_argument(
        "claims",
        nargs="?",
        help="a TOML file with a [claims] table (default: the example's own [claims])",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument(
        "--min-digits",
        type=nonnegative_int,
        metavar="N",
        help=f"significant digits a claim needs to be judged, unless it is exact (default: the "
        f"claims file's min_digits, else {MIN_DIGITS}; 0 judges every claim)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    example = load_example(args.example)
    min_digits = args.min_digits
    if args.claims:
        claims, in_file = read_claims(args.claims)
        min_digits = in_file if min_digits is None else min_digits
        report = check(example, claims, source=args.claims, min_digits=_or_default(min_digits))
    else:
        report = check(example, min_digits=_or_default(min_digits))
    print((render_json if args.format == "json" else render_text)(report), end="")
    return 1 if report.n_disagree or report.n_coarse else 0


def _or_default(min_digits: int | None) -> int:
    return MIN_DIGITS if min_digits is None else min_digits
