"""``glassnet examples``: list the built-in worked examples."""

from __future__ import annotations

import argparse
from typing import Any

from glassnet.examples import BUILTIN, load_example


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "examples",
        help="list the built-in worked examples",
        description="List the built-in worked examples; any command also takes a .toml path.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for name in BUILTIN:
        example = load_example(name)
        sizes = "-".join(str(n) for n in example.network.sizes)
        print(f"{name:8}  {example.source}: {example.title} ({sizes}, {example.network.loss.name})")
    return 0
