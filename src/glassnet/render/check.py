"""``glassnet check``'s report for a terminal (``render_text``) and as JSON (``render_json``).

The text lists every claim in computation order with the exact value, three
digits past the claim's precision, and its status, then the diagnosis: which
mistakes of the catalogue (docs/check.md) reproduce the disagreeing claims.
"""

from __future__ import annotations

import json
import math
import textwrap
from decimal import Decimal
from typing import Any

from glassnet.check import Diagnosis, Report, Verdict
from glassnet.claims import MIN_DIGITS, Written, at_precision
from glassnet.jsonfile import finite
from glassnet.terminal import printable

WIDTH = 100
#: Significant digits a float64 value carries.
FLOAT_DIGITS = 17


def render_json(report: Report) -> str:
    """The report as JSON (``Report.to_dict``; NaN and infinities as ``null``)."""
    return json.dumps(_finite(report.to_dict()), indent=2, ensure_ascii=False) + "\n"


def _finite(data: Any) -> Any:
    """``data`` with NaN and infinities as ``null``: glassnet's one JSON policy."""
    return finite(data)


def render_text(report: Report) -> str:
    """The report for a terminal: every claim in computation order, then the diagnosis."""
    ex = report.example
    lines = []
    heading = " — ".join(x for x in (ex.title, ex.source) if x)
    if heading:
        lines.append(heading)
    n, bad, coarse = len(report.verdicts), report.n_disagree, report.n_coarse
    counts = f"{n - bad - coarse} agree, {bad} disagree"
    if coarse:
        counts += f", {coarse} too coarse to judge"
    lines.append(f"{n} claim{'s' if n != 1 else ''} from {report.source}: {counts}")
    lines.append("")
    keys = [printable(v.claim.key) for v in report.verdicts]
    texts = [_claimed(v.claim.number) for v in report.verdicts]
    name_width = max(len("quantity"), *(len(k) for k in keys))
    claim_width = max(len("claimed"), *(len(t) for t in texts))
    exact_width = max(max(len(show_exact(v)) for v in report.verdicts), 5)
    lines.append(f"    {'quantity':<{name_width}}  {'claimed':<{claim_width}}  exact")
    for v, key, text in zip(report.verdicts, keys, texts, strict=True):
        mark = "  " if v.agrees else "✗ " if v.disagrees else "? "
        lines.append(
            f"  {mark}{key:<{name_width}}  {text:<{claim_width}}  "
            f"{show_exact(v):<{exact_width}}  {status_text(v, report.min_digits)}".rstrip()
        )
    lines += ["", *diagnosis_text(report)]
    return "\n".join(lines) + "\n"


def _claimed(written: Written) -> str:
    """The claim as written, shortened in the middle past 40 characters."""
    text = written.text
    return text if len(text) <= 40 else f"{text[:18]}…{text[-18:]}"


def show_exact(v: Verdict) -> str:
    """The exact value, three digits past the claim's precision (as far as float64 carries)."""
    return shown(v.exact, v.claim.number)


def shown(value: float, written: Written) -> str:
    """``value`` to three digits past ``written``'s precision (as far as float64 carries)."""
    if not math.isfinite(value):
        return str(value)
    if "e" in written.text.lower():
        mantissa = written.text.lower().split("e")[0]
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{value:.{min(digits + 3, FLOAT_DIGITS - 1)}e}"
    exponent = Decimal(repr(value)).as_tuple().exponent
    assert isinstance(exponent, int)
    return at_precision(value, max(min(written.decimals + 3, -exponent), 0))


def status_text(v: Verdict, min_digits: int = MIN_DIGITS) -> str:
    if not v.judged:
        return f"too coarse to judge (give at least {min_digits} significant digits)"
    if v.agrees:
        return "agrees" if v.how and "rounded" in v.how else f"agrees ({v.how})"
    if v.recomputed is not None:
        parents = ", ".join(v.recomputed_from)
        value = shown(v.recomputed, v.claim.number)
        text = f"wrong: does not follow from {', '.join(v.against)} "
        text += f"(recomputed from the claimed {parents} it would be {value})"
    else:
        text = {
            "first wrong step": "FIRST WRONG STEP",
            "wrong": "wrong: does not follow from an earlier disagreement",
        }.get(v.status, f"follows from {', '.join(v.follows_from)}")
    if v.last_digit:
        text += " (one unit off in the last digit)"
    return text


def diagnosis_text(report: Report) -> list[str]:
    bad = report.n_disagree
    if not bad and report.n_coarse:
        coarse = (
            f"{report.n_coarse} too coarse to judge "
            f"(give at least {report.min_digits} significant digits, or the exact value)."
        )
        if report.n_coarse == len(report.verdicts):
            return [f"No claim could be judged: {coarse}"]
        return [f"Every claim judged agrees; {coarse}"]
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
