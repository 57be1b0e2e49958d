"""``glassnet check``: compare claimed values with the exact ones, find the first wrong step.

Exit status 0 when every claim agrees, 1 when some disagree, 2 for an error
(an unknown name, a value that is not a number, a file that cannot be read).
"""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from decimal import Decimal
from typing import Any

from glassnet.check import Diagnosis, Report, Verdict, check
from glassnet.claims import at_precision
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.tomlfile import read_toml

WIDTH = 100
#: Significant digits a float64 value carries.
FLOAT_DIGITS = 17


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="compare claimed values with the exact ones and name the likely mistake",
        description=(
            "Compare each claimed value of an example with the exact one, at the precision the "
            "claim was written with; single out the first wrong step, show what follows from it, "
            "and try a catalogue of known mistakes that would reproduce the claims. "
            "Exit status: 0 every claim agrees, 1 some disagree, 2 error."
        ),
    )
    parser.add_argument("example", help="a built-in example name or a path to a .toml file")
    parser.add_argument(
        "claims",
        nargs="?",
        help="a TOML file with a [claims] table (default: the example's own [claims])",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(run=run)


def read_claims(path: str) -> dict[str, Any]:
    """The ``[claims]`` table of a claims file."""
    data = read_toml(path)
    extra = sorted(set(data) - {"claims"})
    if extra:
        raise GlassnetError(
            f"unknown key {extra[0]!r}: a claims file holds one [claims] table", source=path
        )
    claims = data.get("claims")
    if not isinstance(claims, dict):
        raise GlassnetError("expected a [claims] table", source=path, field="claims")
    return claims


def run(args: argparse.Namespace) -> int:
    example = load_example(args.example)
    if args.claims:
        report = check(example, read_claims(args.claims), source=args.claims)
    else:
        report = check(example)
    if args.format == "json":
        print(json.dumps(_finite(report.to_dict()), indent=2, ensure_ascii=False))
    else:
        print(render_text(report), end="")
    return 1 if report.n_disagree else 0


def _finite(data: Any) -> Any:
    """``data`` with NaN and infinities as ``null``, which JSON can hold."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


# -- text ---------------------------------------------------------------------


def render_text(report: Report) -> str:
    """The report for a terminal: every claim in computation order, then the diagnosis."""
    ex = report.example
    lines = []
    heading = " — ".join(x for x in (ex.title, ex.source) if x)
    if heading:
        lines.append(heading)
    n, bad = len(report.verdicts), report.n_disagree
    lines.append(
        f"{n} claim{'s' if n != 1 else ''} from {report.source}: {n - bad} agree, {bad} disagree"
    )
    lines.append("")
    name_width = max(len("quantity"), *(len(v.claim.key) for v in report.verdicts))
    claim_width = max(len("claimed"), *(len(v.claim.number.text) for v in report.verdicts))
    exact_width = max(max(len(show_exact(v)) for v in report.verdicts), 5)
    lines.append(f"    {'quantity':<{name_width}}  {'claimed':<{claim_width}}  exact")
    for v in report.verdicts:
        mark = "  " if v.agrees else "✗ "
        lines.append(
            f"  {mark}{v.claim.key:<{name_width}}  {v.claim.number.text:<{claim_width}}  "
            f"{show_exact(v):<{exact_width}}  {status_text(v)}".rstrip()
        )
    lines += ["", *diagnosis_text(report)]
    return "\n".join(lines) + "\n"


def show_exact(v: Verdict) -> str:
    """The exact value, three digits past the claim's precision (as far as float64 carries)."""
    written = v.claim.number
    if not math.isfinite(v.exact):
        return str(v.exact)
    if "e" in written.text.lower():
        mantissa = written.text.lower().split("e")[0]
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{v.exact:.{min(digits + 3, FLOAT_DIGITS - 1)}e}"
    exponent = Decimal(repr(v.exact)).as_tuple().exponent
    assert isinstance(exponent, int)
    return at_precision(v.exact, max(min(written.decimals + 3, -exponent), 0))


def status_text(v: Verdict) -> str:
    if v.agrees:
        return "agrees" if v.how and "rounded" in v.how else f"agrees ({v.how})"
    text = {
        "first wrong step": "FIRST WRONG STEP",
        "wrong": "wrong: does not follow from an earlier disagreement",
    }.get(v.status, f"follows from {', '.join(v.follows_from)}")
    if v.last_digit:
        text += " (one unit off in the last digit)"
    return text


def diagnosis_text(report: Report) -> list[str]:
    bad = report.n_disagree
    if not bad:
        return ["Every claim agrees at the precision it was written with."]
    lines = ["Diagnosis (the catalogue of known mistakes: docs/check.md)"]
    diagnoses = report.diagnoses
    if not diagnoses:
        lines.append("  No mistake in the catalogue reproduces any of the disagreeing claims.")
        return lines
    if not diagnoses[0].complete:
        lines.append(
            f"  No mistake in the catalogue reproduces all {bad} disagreeing claims; the closest:"
        )
    by_key = {v.claim.key: v for v in report.verdicts}
    for d in diagnoses:
        lines += _wrap(f"{_names(d)}: {' and '.join(m.description for m in d.mistakes)}", "  ")
        lines += _wrap(_what_it_does(d, by_key, bad, len(report.verdicts) - bad), "    ")
    unexplained = report.unexplained
    if unexplained and not diagnoses[0].complete:
        slips = [k for k in unexplained if by_key[k].last_digit]
        text = f"Nothing in the catalogue reproduces {', '.join(unexplained)}"
        rounded = "(a value rounded before it was used?)"
        if slips == unexplained and len(slips) == 1:
            text += f", which is one unit off in its last digit {rounded}"
        elif slips:
            text += f"; one unit off in the last digit: {', '.join(slips)} {rounded}"
        lines += _wrap(text + ".", "  ")
    return lines


def _names(d: Diagnosis) -> str:
    numbers = [str(m.number) for m in d.mistakes]
    return f"mistake {numbers[0]}" if len(numbers) == 1 else f"mistakes {' and '.join(numbers)}"


def _what_it_does(d: Diagnosis, by_key: dict[str, Verdict], bad: int, good: int) -> str:
    def shown(key: str) -> str:
        value = d.values.get(key, math.nan)
        decimals = by_key[key].claim.number.decimals + 2
        return f"{key} = {at_precision(value, decimals) if math.isfinite(value) else value}"

    if d.complete:
        text = f"reproduces all {bad} disagreeing claims at their precision"
    else:
        text = f"reproduces {len(d.reproduces)} of the {bad} disagreeing claims"
        text += f" ({', '.join(shown(k) for k in d.reproduces)})"
        text += f", but not {', '.join(shown(k) for k in d.misses)}"
    if not d.breaks:
        return text + (f", and keeps the {good} that agree." if good else ".")
    text += f"; it would also change {len(d.breaks)} that agree ({', '.join(d.breaks)})"
    return text + ": the claims look worked out in two different ways."


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False
    )
