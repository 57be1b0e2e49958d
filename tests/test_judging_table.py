"""The judging rule of ``glassnet check``, pinned on one table of cases that the page shares.

``tests/data/judging_cases.json`` lists typed answers, exact doubles and the verdict:
``agrees``, ``disagrees``, ``too coarse`` (fewer than ``min_digits`` significant digits and
not the exact value) or ``not a number``. Here each case goes through what ``glassnet check``
does with one claim (``parse_number``, whose error makes the claim not a number, then
``check._verdict``); ``tests/test_live_answer.py`` gives the same table to the page's port of
the rule (``assets/answer.js``) in Chromium.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from glassnet.check import TOO_COARSE, _verdict
from glassnet.claims import MIN_DIGITS, Claim, parse_number

TABLE = Path(__file__).parent / "data" / "judging_cases.json"
ANSWER_JS = Path(__file__).parents[1] / "src" / "glassnet" / "render" / "assets" / "answer.js"
VERDICTS = ("agrees", "disagrees", "too coarse", "not a number")


def judging_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(TABLE.read_text(encoding="utf-8"))["cases"]
    return cases


def check_verdict(text: str, exact: float, min_digits: int = MIN_DIGITS) -> str:
    """What ``glassnet check`` says of ``text`` claimed for ``exact``, in the table's words."""
    try:
        number = parse_number(text)
    except ValueError:
        return "not a number"
    verdict = _verdict(Claim("x", "x", number), exact, min_digits)
    if verdict.status == TOO_COARSE:
        return "too coarse"
    return "agrees" if verdict.agrees else "disagrees"


@pytest.mark.parametrize("case", judging_cases(), ids=lambda case: ascii(case["text"])[1:-1][:40])
def test_check_gives_the_tables_verdict(case: dict[str, Any]) -> None:
    exact = float(case["exact"])
    got = check_verdict(case["text"], exact, case.get("min_digits", MIN_DIGITS))
    assert got == case["verdict"], case


def test_the_table_covers_every_verdict_and_is_well_formed() -> None:
    cases = judging_cases()
    counts = {v: sum(c["verdict"] == v for c in cases) for v in VERDICTS}
    assert min(counts.values()) >= 20, counts
    for case in cases:
        assert set(case) <= {"text", "exact", "verdict", "min_digits", "note"}, case
        assert case["verdict"] in VERDICTS, case
        # exact is a double's shortest round-trip text, which JavaScript's Number reads alike
        exact = float(case["exact"])
        assert case["exact"] == repr(exact).replace("nan", "NaN").replace("inf", "Infinity")
    texts = [(c["text"], c["exact"], c.get("min_digits")) for c in cases]
    assert len(set(texts)) == len(texts)


def test_a_wrong_answer_the_quiz_accepts_is_wrong_in_check_too() -> None:
    # The quiz judges with judged() and agreement() (glassnet.quiz): the same two functions.
    assert check_verdict("0.5934", 0.5932699921071872) == "disagrees"
    assert check_verdict("0.5933", 0.5932699921071872) == "agrees"


def js_array(name: str) -> str:
    source = ANSWER_JS.read_text(encoding="utf-8")
    found = re.search(rf"var {name} = (\[.*?\]|\".*?\"(?:\s*\+\s*\".*?\")*);", source, re.S)
    assert found, name
    return found.group(1)


def test_answer_js_reads_the_digits_python_reads() -> None:
    """answer.js's ZEROS: the digit 0 of every run of characters that ``\\d`` matches."""
    digits = [chr(cp) for cp in range(0x110000) if re.fullmatch(r"\d", chr(cp))]
    zeros = sorted({ord(ch) - unicodedata.decimal(ch) for ch in digits})
    listed = [int(x, 16) for x in re.findall(r"0x[0-9a-f]+", js_array("ZEROS"))]
    assert listed == zeros
    for zero in zeros:  # every run is ten digits, 0 to 9, that Decimal reads
        assert [parse_number(chr(zero + k)).value for k in range(10)] == list(range(10))


def test_answer_js_strips_the_whitespace_python_strips() -> None:
    """answer.js's SPACE (a character class) is exactly Python's ``str.isspace``."""
    source = "".join(re.findall(r"\"(.*?)\"", js_array("SPACE")))
    pattern = re.compile("[" + source.replace("\\\\", "\\") + "]")
    spaces = [cp for cp in range(0x110000) if chr(cp).isspace()]
    matched = [cp for cp in range(0x110000) if pattern.fullmatch(chr(cp))]
    assert matched == spaces


def test_answer_js_default_min_digits_is_checks() -> None:
    # The page passes MIN_DIGITS in data-min-digits; the judge's default is the same.
    assert re.search(rf"var MIN_DIGITS = {MIN_DIGITS};", ANSWER_JS.read_text(encoding="utf-8"))
