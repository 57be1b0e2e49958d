"""``glassnet search CONFIG.toml``: train the trials a ``[search]`` table describes, on Dask.

Prints one table row per trial as it finishes (trial, settings, epochs, the
validation figures, seconds), and writes ``search.csv``, ``search.json`` and
the best trial's ``best/model.json`` to the output folder as it goes
(``glassnet.search.runner`` does the work). Exit status: 0 when at least one
trial trained, 1 when every trial failed or trials were lost with the Dask
scheduler (``--resume`` runs those), 2 for a mistake in the input (or Dask
missing), 130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glassnet import jsonfile
from glassnet.cli.arguments import positive_int
from glassnet.errors import GlassnetError

if TYPE_CHECKING:
    from glassnet.search.runner import SearchOutcome
    from glassnet.search.space import Search
    from glassnet.search.trial import TrialResult

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Exit status when no trial trained.
EXIT_ALL_FAILED = 1
INSTALL_HINT = "glassnet search needs Dask: pip install 'glassnet[search]'"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "search",
        help="try many settings of a training file (its [search] table), on Dask",
        description=(
            "Train every trial of a training file's [search] table as a Dask task: on a "
            "local cluster of one worker process per core, or on a running Dask scheduler "
            "(--cluster). Results stream into OUTPUT/search.csv and search.json; the best "
            "trial's model goes to OUTPUT/best/model.json."
        ),
    )
    parser.add_argument("config", help="a training file with a [search] table")
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: the file's "
        "search.cluster, else a local cluster)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="worker processes of the local cluster (default: search.workers, else one per core)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="output folder (default: the file's output.directory, else runs/NAME)",
    )
    again = parser.add_mutually_exclusive_group()
    again.add_argument(
        "--resume", action="store_true", help="run only the trials search.json does not hold yet"
    )
    again.add_argument(
        "--fresh", action="store_true", help="discard an earlier search in the output folder"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the best trial")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from glassnet.search.runner import SearchOptions, run_search
    except ImportError:
        raise GlassnetError(INSTALL_HINT) from None
    from glassnet.search.space import read_search

    search = read_search(args.config)  # a mistake in the file is reported before Dask starts
    if args.workers and (args.cluster or search.cluster):
        raise GlassnetError("--workers is for the local cluster; a cluster's workers are "
                            "started with `dask worker`")  # fmt: skip
    table = Table(search)
    options = SearchOptions(
        output=Path(args.output) if args.output else None,
        resume=args.resume,
        fresh=args.fresh,
        cluster=args.cluster,
        workers=args.workers,
        say=_silent if args.quiet else print,
        on_trial=_ignore if args.quiet else table.row,
    )
    outcome = run_search(args.config, options)
    return report(outcome, args)


def report(outcome: SearchOutcome, args: argparse.Namespace) -> int:
    """The last lines: where the results are, the best trial; the exit status."""
    search, out = outcome.search, outcome.output
    best = outcome.best
    if best is not None:
        settings = ", ".join(f"{k} = {value_text(v)}" for k, v in best.settings.items())
        value = best.metric(search.metric)
        print(f"best: trial {best.trial}, {search.metric} {value:.6g} ({settings}); model "
              f"{out / 'best' / 'model.json'}")  # fmt: skip
    if outcome.interrupted:
        print(f"glassnet: interrupted; {outcome.finished} of {outcome.total} trials finished "
              f"(in {out / 'search.csv'}); resume with: {resume_command(args)}",
              file=sys.stderr)  # fmt: skip
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"wrote {out / 'search.csv'}, {out / 'search.json'}")
    if outcome.lost:
        print(f"glassnet: {outcome.lost} trials were lost (did the Dask scheduler go away?); "
              f"{outcome.finished} of {outcome.total} finished; run the rest with: "
              f"{resume_command(args)}", file=sys.stderr)  # fmt: skip
        return EXIT_ALL_FAILED
    if best is None:
        print(f"glassnet: no trial trained; the reasons are in {out / 'search.csv'}",
              file=sys.stderr)  # fmt: skip
        return EXIT_ALL_FAILED
    return 0


def resume_command(args: argparse.Namespace) -> str:
    again = f"glassnet search {args.config} --resume"
    if args.cluster:
        again += f" --cluster {args.cluster}"
    if args.output:
        again += f" --output {args.output}"
    return again


class Table:
    """The live table: a header, then one row per trial as it finishes."""

    def __init__(self, search: Search):
        self.keys = search.keys
        self.width = {k: max(len(k), 10) for k in self.keys}
        self.digits = max(len(str(len(search.trials()))), len("trial"))
        self.started = False

    def header(self) -> str:
        cells = [f"{'trial':>{self.digits}}", *(f"{k:<{self.width[k]}}" for k in self.keys)]
        cells += [f"{'epochs':>6}", f"{'val_loss':>9}", f"{'val_acc':>8}", f"{'seconds':>8}"]
        return "  ".join(cells)

    def row(self, result: TrialResult) -> None:
        if not self.started:
            print(self.header())
            self.started = True
        cells = [f"{result.trial:>{self.digits}}"]
        cells += [f"{value_text(result.settings.get(k)):<{self.width[k]}}" for k in self.keys]
        if result.ok:
            accuracy = result.val_accuracy
            cells += [
                f"{result.epochs:>6}",
                f"{number(result.val_loss):>9}",
                f"{'' if accuracy is None else f'{100 * accuracy:.2f}%':>8}",
                f"{result.seconds:>8.1f}",
            ]
        else:
            cells.append(f"failed: {result.reason}")
        print("  ".join(cells).rstrip(), flush=True)


def value_text(value: Any) -> str:
    """A setting as the table shows it: floats to 4 significant digits, lists as JSON."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | dict | bool) or value is None:
        return jsonfile.dumps(value)
    return str(value)


def number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _silent(text: str) -> None:
    """What a quiet search says as it goes: nothing."""


def _ignore(result: TrialResult) -> None:
    """A quiet search prints no row per trial."""
