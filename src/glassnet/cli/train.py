"""``glassnet train``: repeat an example's update, or train from a training file.

- ``glassnet train EXAMPLE --steps N``: repeat a worked example's update N times
  and watch the loss fall;
- ``glassnet train CONFIG.toml``: train on real data as a training file
  (a TOML file with a ``[data]`` table, ``docs/training.md``) says; writes the
  model, the history (JSON, CSV and a PNG plot) and checkpoints to the output
  folder (``glassnet.run`` does the work). ``--resume`` continues from the last
  checkpoint.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from glassnet import jsonfile
from glassnet.cli.arguments import positive_int
from glassnet.errors import GlassnetError
from glassnet.examples import load_example

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network: repeat an example's update, or follow a training file",
        description=(
            "Repeat the update of a worked example N times on its samples, or train on real "
            "data as a training file (a .toml file with a [data] table) describes."
        ),
    )
    parser.add_argument(
        "example",
        help="a built-in example name, an example .toml file, or a training file",
    )
    examples = parser.add_argument_group("worked examples")
    examples.add_argument(
        "--steps", type=positive_int, default=None, help="number of updates (default 1000)"
    )
    examples.add_argument("--format", choices=["text", "json"], default=None)
    examples.add_argument(
        "--digits", type=positive_int, default=None, help="significant digits shown (default 9)"
    )
    files = parser.add_argument_group("training files")
    files.add_argument(
        "--resume", action="store_true", help="continue from the checkpoint in the output folder"
    )
    files.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="output folder (default: the file's output.directory, else runs/NAME)",
    )
    files.add_argument("--epochs", type=positive_int, default=None, help="override training.epochs")
    files.add_argument(
        "--threads", type=positive_int, default=None, help="override training.threads"
    )
    files.add_argument("-q", "--quiet", action="store_true", help="no progress reports")
    files.add_argument(
        "--progress",
        choices=["auto", "bar", "lines"],
        default="auto",
        help="a progress bar, one line per epoch, or auto: a bar on a terminal",
    )
    parser.set_defaults(run=run)


def report_steps(steps: int, rows: int = 10) -> list[int]:
    """About ``rows`` step numbers from 1 to ``steps``, spaced evenly on a log scale."""
    if steps <= rows:
        return list(range(1, steps + 1))
    picked = {round(math.exp(math.log(steps) * k / (rows - 1))) for k in range(rows)}
    return sorted(picked | {1, steps})


def run(args: argparse.Namespace) -> int:
    from glassnet.tomlfile import read_toml

    # A .toml file that cannot be read is reported as it is (a syntax error, say),
    # before any flag is judged by what kind of file it might have been.
    path = Path(args.example)
    if path.suffix == ".toml" and path.is_file() and isinstance(read_toml(path).get("data"), dict):
        for flag, value in (
            ("--steps", args.steps),
            ("--format", args.format),
            ("--digits", args.digits),
        ):
            if value is not None:
                raise GlassnetError(f"{flag} is for worked examples, not training files")
        return run_training_file(args)
    for flag, given in (
        ("--resume", args.resume),
        ("--output", args.output),
        ("--epochs", args.epochs),
        ("--quiet", args.quiet),
        ("--threads", args.threads),
    ):
        if given:
            if args.example.endswith(".toml"):
                read_toml(args.example)  # a file that cannot be read says why, not this
            raise GlassnetError(
                f"{flag} is for training files (a .toml file with a [data] "
                f"table), not worked examples"
            )
    return run_example(args)


def run_example(args: argparse.Namespace) -> int:
    steps = args.steps if args.steps is not None else 1000
    example = load_example(args.example)
    result = example.train(steps)
    if args.format == "json":
        payload = {
            "steps": steps,
            "loss": result.loss,
            "outputs": result.outputs.tolist(),
        }
        print(jsonfile.dumps(payload, indent=2))
        return 0
    d = args.digits if args.digits is not None else 9
    initial = example.step().loss
    print(f"{example.title} ({example.source})")
    print(
        f"{steps} updates, learning rate {example.learning_rate:g}, "
        f"loss {example.network.loss.name}\n"
    )
    print(f"{'step':>8}  {'loss':>{d + 7}}")
    print(f"{0:>8}  {initial:>{d + 7}.{d}g}")
    for step in report_steps(steps):
        print(f"{step:>8}  {result.losses[step - 1]:>{d + 7}.{d}g}")
    names = example.network.names
    last = len(example.network.layers) - 1
    print("\noutputs after the last update:")
    for s, row in enumerate(result.outputs):
        label = f"sample {s + 1}: " if len(result.outputs) > 1 else ""
        values = ", ".join(f"{names.neuron(last, j)} = {v:.{d}g}" for j, v in enumerate(row))
        print(f"  {label}{values}")
    return 0


# -- training files ------------------------------------------------------------


def run_training_file(args: argparse.Namespace) -> int:
    """Train as the file says (``glassnet.run``); 130 after Ctrl-C."""
    from glassnet.run import RunOptions
    from glassnet.run import run_training_file as run_file

    options = RunOptions(
        output=Path(args.output) if args.output else None,
        resume=args.resume,
        epochs=args.epochs,
        threads=args.threads,
        progress="quiet" if args.quiet else args.progress,
        say=_silent if args.quiet else print,
    )
    outcome = run_file(args.example, options)
    if outcome.interrupted:
        again = f"glassnet train {args.example} --resume"
        if args.output:
            again += f" --output {args.output}"
        saved = f"checkpoint saved to {outcome.checkpoint}"
        print(f"glassnet: interrupted; {saved}; resume with: {again}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        for note in outcome.notes:
            print(note, file=sys.stderr)
        print("wrote " + ", ".join(str(p) for p in outcome.written))
    return 0


def _silent(text: str) -> None:
    """What a quiet run says as it goes: nothing."""
