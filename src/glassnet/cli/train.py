"""``glassnet train``: repeat an example's update and watch the loss fall."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from glassnet.examples import load_example


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="repeat an example's update N times and show the loss falling",
        description="Repeat the update of a worked example N times on its samples.",
    )
    parser.add_argument("example", help="a built-in example name or a path to a .toml file")
    parser.add_argument(
        "--steps", type=_positive_int, default=1000, help="number of updates (default 1000)"
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument(
        "--digits", type=_positive_int, default=9, help="significant digits shown (default 9)"
    )
    parser.set_defaults(run=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def report_steps(steps: int, rows: int = 10) -> list[int]:
    """About ``rows`` step numbers from 1 to ``steps``, spaced evenly on a log scale."""
    if steps <= rows:
        return list(range(1, steps + 1))
    picked = {round(math.exp(math.log(steps) * k / (rows - 1))) for k in range(rows)}
    return sorted(picked | {1, steps})


def run(args: argparse.Namespace) -> int:
    example = load_example(args.example)
    result = example.train(args.steps)
    if args.format == "json":
        payload = {
            "steps": args.steps,
            "loss": result.loss,
            "outputs": result.outputs.tolist(),
        }
        print(json.dumps(payload, indent=2))
        return 0
    d = args.digits
    initial = example.step().loss
    print(f"{example.title} ({example.source})")
    print(f"{args.steps} updates, learning rate {example.learning_rate:g}, "
          f"loss {example.network.loss.name}\n")  # fmt: skip
    print(f"{'step':>8}  {'loss':>{d + 7}}")
    print(f"{0:>8}  {initial:>{d + 7}.{d}g}")
    for step in report_steps(args.steps):
        print(f"{step:>8}  {result.losses[step - 1]:>{d + 7}.{d}g}")
    names = example.network.names
    last = len(example.network.layers) - 1
    print("\noutputs after the last update:")
    for s, row in enumerate(result.outputs):
        label = f"sample {s + 1}: " if len(result.outputs) > 1 else ""
        values = ", ".join(f"{names.neuron(last, j)} = {v:.{d}g}" for j, v in enumerate(row))
        print(f"  {label}{values}")
    return 0
