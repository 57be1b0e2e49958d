"""The ``glassnet`` command line.

Each command is a module in this package with ``add_parser(subparsers)`` and
``run(args) -> int``; ``COMMANDS`` lists them in the order ``--help`` shows.
A ``GlassnetError`` (a user mistake) becomes one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from glassnet import __version__
from glassnet.errors import GlassnetError
from glassnet.terminal import escaped_output

COMMANDS = [
    "examples",
    "explain",
    "train",
    "search",
    "data",
    "evaluate",
    "predict",
    "check",
    "quiz",
    "exercises",
    "grade",
]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="glassnet",
        description="Neural networks you can see through: every number of backpropagation.",
        epilog=(
            "Start with `glassnet explain mazur`; `glassnet COMMAND --help` tells more. "
            "Exit status: 0 done, 1 claims disagree (check), 2 a mistake in the input."
        ),
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"glassnet.cli.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if argv is None:
        argv = sys.argv[1:]
    if not argv:  # a bare `glassnet`: say what there is, not just what is missing
        parser.print_help()
        return EXIT_USAGE
    # Names, titles and labels come from files: no control character in them reaches
    # the terminal as an instruction (see glassnet.terminal).
    with escaped_output():
        args = parser.parse_args(argv)
        try:
            code: int = args.run(args)
        except GlassnetError as error:
            print(f"glassnet: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("glassnet: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
