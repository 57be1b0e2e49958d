"""Arbitrary claims and quiz answers: a verdict or one line of error, never a traceback.

``glassnet check`` reads claims from a file anyone writes, and ``glassnet quiz``
reads whatever is typed. Whatever they hold (digits by the hundred, exponents
of a million, Unicode, control characters, TOML dates, booleans, tables), the
command answers with exit status 0 or 1 and a report, or 2 and one line
``glassnet: error: FILE: claims.NAME: …``. Run in-process through
``glassnet.cli.main``.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from glassnet.claims import agreement, at_precision, interval, judged, parse_number
from glassnet.cli import main

#: Names of Mazur's example: real quantities, friendly spellings, and a few that are not.
NAMES = [
    "net_h1", "out_h1", "out_o1", "E_o1", "E_total", "dE/dout_o1", "dout_o1/dnet_o1",
    "delta_o1", "dE/dw5", "dE_o1/dout_h1", "dE/db1", "w5", "eta", "w5+", "new_w1", "out_o1+",
    "E_total+", "E_total@2", "w5@3", "∂E/∂w5", "δ_o1", "loss", "w9", "out_o1[2]", "E_total@0",
]  # fmt: skip

number_texts = st.from_regex(
    r"[+\-\u2212]?[0-9]{0,40}(\.[0-9]{0,40})?([eE][+\-]?[0-9]{1,22})?", fullmatch=True
)
#: Digits and exponents at the edges: huge and tiny, long, beyond what decimal holds.
edge_texts = st.sampled_from(
    [
        "1e1000000", "1e-1000000", "1.00e1000000", "-1.00e-1000000", "0.3776" + "0" * 26,
        "1e999999999999999999", "1e9999999999999999999999", "9" * 400, "0." + "0" * 400 + "1",
        "0", "-0", "0.000", "1", "٣.١٤", "1_000", "0x10", "nan", "inf", "", " ", "\x00", "1\x1b[2J",
    ]
)  # fmt: skip


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return ("-inf" if value < 0 else "inf") if math.isinf(value) else repr(value)


toml_values = st.one_of(
    number_texts.map(toml_string),
    edge_texts.map(toml_string),
    st.text(max_size=30).map(toml_string),
    st.floats().map(toml_float),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.booleans().map(lambda b: str(b).lower()),
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.times().map(time.isoformat),
    st.sampled_from(["[1, 2]", "{ a = 1 }", "[]", '"""0.5"""', "'0.3775'", "0.3775", "-0.0"]),
    st.text(alphabet="0123456789.eE+-_:TZ \"'[]{}", max_size=12),  # raw: often not TOML at all
)
toml_names = st.one_of(st.sampled_from(NAMES), st.text(max_size=12)).map(toml_string)


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """``glassnet ARGV`` in-process: exit status (argparse's included), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 2
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def assert_one_error_line_or_none(code: int, err: str) -> None:
    assert code in (0, 1, 2)
    if code == 2:
        [line] = err.splitlines()
        assert line.startswith("glassnet: error: ") or line.startswith("glassnet quiz: error:")
    else:
        assert err == ""


# Each check with a wrong claim tries the catalogue of mistakes and their pairs (about
# 0.3 s), hence fewer examples than the profile's.
@settings(max_examples=60)
@given(
    claims=st.lists(st.tuples(toml_names, toml_values), min_size=1, max_size=3),
    min_digits=st.sampled_from([None, "0", "3", "17"]),
    as_json=st.booleans(),
)
def test_check_any_claims(
    claims: list[tuple[str, str]], min_digits: str | None, as_json: bool
) -> None:
    text = "[claims]\n" + "".join(f"{name} = {value}\n" for name, value in claims)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.toml"
        path.write_text(text, encoding="utf-8")
        argv = ["check", "mazur", str(path)]
        argv += ["--min-digits", min_digits] if min_digits else []
        argv += ["--format", "json"] if as_json else []
        code, out, err = run(argv)
    assert_one_error_line_or_none(code, err)
    if code == 2:
        assert err.startswith(f"glassnet: error: {path}")
        assert "\x00" not in err and "\x1b" not in err
    else:
        assert out


answers = st.one_of(number_texts, edge_texts, st.text(max_size=20), st.sampled_from(["?", "q"]))


@given(typed=st.lists(answers, max_size=6))
def test_quiz_any_answers(typed: list[str]) -> None:
    lines = [t.replace("\n", " ").replace("\r", " ") for t in typed]
    code, out, err = run(["quiz", "mazur"], stdin="\n".join(lines) + "\n")
    assert_one_error_line_or_none(code, err)
    assert code == 0 and "score: " in out
    assert "\x00" not in out and "\x1b" not in out


@given(seed=st.integers(min_value=-(2**70), max_value=2**70))
@settings(max_examples=30)
def test_quiz_any_seed(seed: int) -> None:
    code, out, err = run(["quiz", "--seed", str(seed)], stdin="q\n")
    assert_one_error_line_or_none(code, err)
    assert (code == 2) == (seed < 0)
    assert (code == 0) == ("score: 0 of 0 right" in out)


@given(
    value=st.one_of(
        number_texts, edge_texts, st.text(max_size=30), st.floats(), st.integers(), st.booleans()
    ),
    exact=st.floats(),
    min_digits=st.integers(min_value=0, max_value=20),
)
def test_the_number_rules_never_raise_but_value_error(
    value: object, exact: float, min_digits: int
) -> None:
    try:
        written = parse_number(value)
    except ValueError:
        return
    how = agreement(exact, written)
    assert how in (None, "rounded", "truncated", "rounded and truncated")
    low, high = interval(written)
    assert low <= written.value <= high
    assert isinstance(judged(exact, written, min_digits), bool)
    if math.isfinite(exact):
        assert len(at_precision(exact, written.decimals)) <= 400
