"""``glassnet quiz``: work out an update yourself, one value at a time, with feedback."""

from __future__ import annotations

import argparse
from typing import Any

from glassnet.activations import ACTIVATIONS
from glassnet.claims import MIN_DIGITS
from glassnet.cli.arguments import nonnegative_int, positive_int
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.losses import LOSSES
from glassnet.practice import BIAS_MODES, parse_shape, random_example
from glassnet.quiz import run_quiz
from glassnet.terminal import printable

HIDDEN = sorted(name for name, cls in ACTIVATIONS.items() if not cls.output_only)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "quiz",
        help="practice: type each value of an update, get the formula when it is wrong",
        description=(
            "Ask for every value of one update in computation order. Answers count at the "
            "precision you type them, with at least 3 significant digits unless exact; a wrong "
            "one gets the formula with the numbers filled in. "
            "? shows an answer, q or Ctrl-D stops and prints the score."
        ),
    )
    parser.add_argument(
        "example", nargs="?", help="a built-in example name or a path to a .toml file"
    )
    practice = parser.add_argument_group("a fresh random example instead (--seed)")
    practice.add_argument(
        "--seed", type=nonnegative_int, help="make a random example from this seed (>= 0)"
    )
    practice.add_argument(
        "--shape", default="2-2-2", help="inputs, then each layer's neurons (default 2-2-2)"
    )
    practice.add_argument(
        "--activation", choices=HIDDEN, default="sigmoid", help="hidden layers (default sigmoid)"
    )
    practice.add_argument(
        "--output-activation",
        choices=sorted(ACTIVATIONS),
        help="output layer (default: what the loss needs, else --activation)",
    )
    practice.add_argument("--loss", choices=sorted(LOSSES), default="half_sse")
    practice.add_argument("--bias", choices=BIAS_MODES, default="neuron")
    practice.add_argument(
        "--samples", type=positive_int, default=1, help="samples in the batch (default 1)"
    )
    parser.add_argument(
        "--digits", type=positive_int, default=9, help="significant digits shown (default 9)"
    )
    parser.add_argument(
        "--min-digits",
        type=nonnegative_int,
        default=MIN_DIGITS,
        metavar="N",
        help=f"significant digits an answer needs to be judged, unless it is exact "
        f"(default {MIN_DIGITS}; 0 judges every answer)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.example is None) == (args.seed is None):
        raise GlassnetError("give an example to quiz on, or --seed N for a fresh random one")
    if args.seed is not None:
        example = random_example(
            args.seed,
            shape=parse_shape(args.shape),
            activation=args.activation,
            output_activation=args.output_activation,
            loss=args.loss,
            samples=args.samples,
            bias=args.bias,
        )
    else:
        example = load_example(args.example)

    def say(text: str) -> None:
        print(text, flush=True)

    def ask(prompt: str) -> str:
        # On a terminal, input() writes its prompt straight to the tty, past sys.stdout.
        return input(printable(prompt))

    run_quiz(example, ask=ask, say=say, digits=args.digits, min_digits=args.min_digits)
    return 0
