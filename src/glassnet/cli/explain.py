"""``glassnet explain``: a worked example, every number of one update."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from glassnet.cli.train import _positive_int
from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.render.json import render_json
from glassnet.render.text import render_text

FORMATS = {"text": render_text, "json": render_json}


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
        "--digits", type=_positive_int, default=9, help="significant digits shown (default 9)"
    )
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    explanation = explain_example(load_example(args.example))
    if args.format == "json":
        sys.stdout.write(render_json(explanation))
    else:
        sys.stdout.write(render_text(explanation, digits=args.digits))
    return 0
