"""Answer mode of the live page (``assets/answer.js``) in a real headless Chromium.

- The page's judge (``glassnetJudge.judge``) gives the verdict of every case of the table
  that ``tests/test_judging_table.py`` checks against ``glassnet check``
  (``tests/data/judging_cases.json``), and the verdict ``glassnet check`` gives on a few
  thousand answers written near the edges of the rule (rounded, truncated, one unit off, in
  every notation) for random doubles.
- On Mazur's page: the toggle is reached with Tab and pressed with Enter; no asked value can
  be read anywhere while it is unanswered, at any stop of the step controls (the list, the
  panels' copies, the diagram); right, wrong, too coarse, not a number and ``?`` are marked
  in the list and the panels' copies, the first wrong step in page order, the progress
  counts; answers stay while navigating, and an edit (``view.set``) judges them again.
- On every question of the three examples and of random networks (per-sample names of a
  batch included), the value as the page shows it is judged right, and one unit off in its
  last digit wrong.
- At 390×844 the mode, with a wrong answer's message open, does not scroll sideways.

Run alone with ``python -m pytest tests/test_live_answer.py -m browser``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from glassnet.engine import backprop
from glassnet.explanation import explain
from glassnet.render.html import render_html
from strategies import Case, cases
from test_browser import Watched, window, write_page
from test_judging_table import check_verdict, judging_cases

pytestmark = pytest.mark.browser

OUT_H1 = 0.5932699921071872  # Mazur's out_h1


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    with window(browser, 1280, 800) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def mazur(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page(tmp_path_factory.mktemp("answer") / "mazur.html", "mazur")


JUDGE_ALL = """(rows) => rows.map(r => window.glassnetJudge.judge(r[0], Number(r[1]), r[2]))"""


def test_page_judge_gives_the_tables_verdicts(context: Any, mazur: Path) -> None:
    page = Watched(context, mazur)
    cases = judging_cases()
    rows = [[c["text"], c["exact"], c.get("min_digits", 3)] for c in cases]
    got = page.page.evaluate(JUDGE_ALL, rows)
    differ = [(c, v) for c, v in zip(cases, got, strict=True) if v != c["verdict"]]
    assert differ == []
    page.assert_clean()
    page.page.close()


def near_edges(rng: random.Random) -> Iterator[tuple[str, float, int]]:
    """Answers around a random double's rounded and truncated forms, in several notations."""
    for _ in range(600):
        magnitude = rng.choice([1e-320, 1e-300, 1e-20, 1e-5, 1e-3, 0.1, 1.0, 10.0, 1e5, 1e300])
        exact = rng.choice([-1, 1]) * rng.random() * magnitude
        if rng.random() < 0.05:
            exact = rng.choice([0.0, -0.0, 0.75, 1e-16, 0.9999, 99.95])
        places = rng.randint(0, 18) - Decimal(exact).adjusted() if exact else rng.randint(0, 6)
        unit = Decimal(1).scaleb(-places)
        base = Decimal(exact).quantize(unit, rounding=rng.choice(["ROUND_HALF_EVEN", "ROUND_DOWN"]))
        for step in (-1, 0, 0, 1):
            claim = base + step * unit
            text = rng.choice([f"{claim:f}", f"{claim:e}", f"{claim:E}", f"{claim:+f}"])
            if rng.random() < 0.1:
                text = f" {text.replace('-', '−')}\t"
            yield text, exact, rng.choice([3, 3, 3, 0, 5])


def test_page_judge_agrees_with_check_near_the_edges(context: Any, mazur: Path) -> None:
    rows = list(near_edges(random.Random(14)))
    expected = [check_verdict(text, exact, least) for text, exact, least in rows]
    assert len(set(expected)) == 3  # agrees, disagrees and too coarse all occur
    page = Watched(context, mazur)
    got = page.page.evaluate(JUDGE_ALL, [[t, repr(x), m] for t, x, m in rows])
    differ = [(row, e, g) for row, e, g in zip(rows, expected, got, strict=True) if e != g]
    assert differ == []
    page.assert_clean()
    page.page.close()


# In one call: every stop of the step controls shown in turn; at each, the texts a reader can
# see that hold an asked value (in the list, the panels, the diagram), but those equal to a
# given value or to the value of a key in skip.
LEAKS = """(skip) => {
  const view = window.glassnetViews.gn, root = view.root;
  const bar = root.querySelector('.gn-answerbar');
  const asked = JSON.parse(bar.dataset.questions).map(q => q[0]);
  const seen = el => el.checkVisibility({visibilityProperty: true});
  const given = new Set(Array.from(root.querySelectorAll('[data-kind="given"] [data-name]'))
    .map(e => view.format(Number(e.dataset.value))));
  const baseTexts = new Set(view.data.base.map(e => e[2]));
  const revealed = new Set(skip.map(key => view.format(view.values[key])));
  const leaks = [];
  const numbers = text => (text.match(/-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?/g) || []);
  for (let i = 0; i < view.data.stops.length; i += 1) {
    view.go(i);
    const text = ['.gn-all', '.gn-current-body', '.gn-derivation-body']
      .map(s => root.querySelector(s).innerText.replace(/\\u2212/g, '-')).join(' ');
    const tokens = new Set(numbers(text));
    for (const key of asked) {
      const shown = view.format(view.values[key]);
      if (given.has(shown) || revealed.has(shown)) { continue; }
      if (tokens.has(shown)) { leaks.push([i, key, shown]); }
    }
    for (const f of root.querySelectorAll('svg.gn-diagram:not(.gn-mini) [data-f]')) {
      if (f.textContent && seen(f) && !baseTexts.has(f.textContent)) {
        leaks.push([i, 'diagram', f.textContent]);
      }
    }
  }
  view.go(0);
  return leaks;
}"""

STATE = """(key) => {
  const root = window.glassnetViews.gn.root;
  const seen = el => !!el && el.checkVisibility({visibilityProperty: true});
  return Array.from(root.querySelectorAll('li.gn-step[data-key]'))
    .filter(li => li.dataset.key === key)
    .map(li => ({
      where: li.closest('.gn-all') ? 'list' : 'panel',
      classes: Array.from(li.classList).filter(c => c.startsWith('gn-ans')).sort().join(' '),
      value: seen(li.querySelector('.gn-value')),
      numbers: Array.from(li.querySelectorAll('.gn-ans-numbers')).map(seen),
      input: (li.querySelector('.gn-answer-input') || {}).value,
      inputShown: seen(li.querySelector('.gn-answer-input')),
      message: (li.querySelector('.gn-answer-msg') || {}).textContent,
    }));
}"""


def answer(page: Any, key: str, text: str, where: str = ".gn-all") -> None:
    """Types ``text`` into the answer box of ``key`` (in the list, or a panel) and presses Enter."""
    box = page.locator(f'{where} li.gn-step[data-key="{key}"] .gn-answer-input').first
    box.fill(text)
    box.press("Enter")


def state(page: Any, key: str) -> list[dict[str, Any]]:
    return list(page.evaluate(STATE, key))


def listed(page: Any, key: str) -> dict[str, Any]:
    return next(s for s in state(page, key) if s["where"] == "list")


def progress(page: Any) -> str:
    return str(page.locator(".gn-answer-progress").text_content())


def test_answer_mode_on_mazur(context: Any, mazur: Path) -> None:
    watched = Watched(context, mazur)
    page = watched.page
    toggle = page.locator(".gn-answer-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    # Keyboard: Tab reaches the toggle (after the diagram's and the panels' controls), Enter
    # presses it; the focus shows.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('gn-answer-toggle')"):
            break
    else:
        pytest.fail("Tab never reached the Answer mode toggle")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    assert listed(page, "net_h1")["value"] and not listed(page, "net_h1")["inputShown"]
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert progress(page) == "0 right of 0 answered; 56 values in all"

    # Nothing asked can be read, at any stop; the given values can.
    assert page.evaluate(LEAKS, []) == []
    first = listed(page, "out_h1")
    assert first["value"] is False and first["numbers"] == [False] and first["inputShown"]
    assert page.locator('[data-kind="given"] [data-name="w1"]').is_visible()

    # Right: value and numbers revealed. Wrong: numbers only, marked first wrong step.
    answer(page, "net_h1", "0.3775")
    assert listed(page, "net_h1") == {
        "where": "list", "classes": "gn-ans-right", "value": True, "numbers": [True],
        "input": "0.3775", "inputShown": True, "message": "✓ right",
    }  # fmt: skip
    answer(page, "out_h1", "0.600")
    wrong = listed(page, "out_h1")
    assert wrong["classes"] == "gn-ans-first gn-ans-wrong"
    assert (wrong["value"], wrong["numbers"]) == (False, [True])
    assert wrong["message"].startswith("✗ first wrong step: not 0.600")
    box = page.locator('.gn-all li[data-key="out_h1"] .gn-answer-input')
    assert box.get_attribute("aria-invalid") == "true"
    # A later wrong step is wrong, not first; an earlier one takes the mark.
    answer(page, "net_o1", "1.00")
    assert listed(page, "net_o1")["classes"] == "gn-ans-wrong"
    answer(page, "net_h2", "0.4")
    assert listed(page, "net_h2")["classes"] == "gn-ans-coarse"
    assert listed(page, "net_h2")["message"].startswith("too coarse to judge")
    answer(page, "out_h2", "0,597")
    assert listed(page, "out_h2")["classes"] == "gn-ans-nan"
    assert progress(page) == "1 right of 3 answered; 56 values in all. First wrong step: out_h1"
    answer(page, "out_h1", "0.59327")  # corrected: the first wrong step moves on
    assert listed(page, "out_h1")["classes"] == "gn-ans-right"
    assert listed(page, "net_o1")["classes"] == "gn-ans-first gn-ans-wrong"
    answer(page, "E_total", "?")
    assert listed(page, "E_total")["classes"] == "gn-ans-shown"
    assert listed(page, "E_total")["value"]
    assert progress(page) == (
        "2 right of 3 answered; 56 values in all; 1 shown. First wrong step: net_o1"
    )
    answer(page, "E_total", "")  # emptied: unanswered again
    assert listed(page, "E_total")["classes"] == "" and not listed(page, "E_total")["value"]

    # The step controls copy the step, answer and marks included, into "This step"; an
    # answer typed there is the list's answer too, and answers stay while navigating.
    view_go = "(i) => window.glassnetViews.gn.go(i)"
    stops = page.evaluate("() => window.glassnetViews.gn.data.stops.map(s => s.t)")
    at_o1 = stops.index("Forward pass · o1")
    page.evaluate(view_go, at_o1)
    panel = [s for s in state(page, "net_o1") if s["where"] == "panel"]
    assert panel and panel[0]["classes"] == "gn-ans-first gn-ans-wrong"
    assert panel[0]["input"] == "1.00" and panel[0]["message"].startswith("✗ first wrong step")
    answer(page, "out_o1", "0.751", where=".gn-current-body")
    assert listed(page, "out_o1")["classes"] == "gn-ans-right"
    assert listed(page, "out_o1")["input"] == "0.751"
    page.evaluate(view_go, len(stops) - 1)
    page.evaluate(view_go, 0)
    assert listed(page, "out_o1")["classes"] == "gn-ans-right"
    assert listed(page, "net_o1")["classes"] == "gn-ans-first gn-ans-wrong"

    # An edit judges every answer again against the new values: with i1 = 0.06,
    # net_h1 = 0.15·0.06 + 0.2·0.1 + 0.35 = 0.379, so 0.3775 is now the first wrong step.
    page.evaluate(
        """() => { const v = window.glassnetViews.gn, s = v.copyState(v.file);
                   s.X[0][0] = 0.06; v.set(s); }"""
    )
    assert listed(page, "net_h1")["classes"] == "gn-ans-first gn-ans-wrong"
    answer(page, "net_h1", "0.379")
    assert listed(page, "net_h1")["classes"] == "gn-ans-right"
    page.evaluate("() => { const v = window.glassnetViews.gn; v.set(v.file); }")
    assert listed(page, "net_h1")["classes"] == "gn-ans-first gn-ans-wrong"
    answer(page, "net_h1", "0.3775")

    # Off: every value shows, the boxes hide; on again: the answers are still there.
    toggle.click()
    assert listed(page, "out_h2")["value"] and not listed(page, "out_h2")["inputShown"]
    toggle.click()
    assert listed(page, "out_o1")["classes"] == "gn-ans-right"
    # Revealed: the right answers, and the values the numbers of an answered step hold:
    # out_h2 (not a number so far) in the wrong net_o1's, net_o1 (wrong) in the right
    # out_o1's. No other value can be read.
    answered = ["net_h1", "out_h1", "out_o1", "out_h2", "net_o1"]
    assert page.evaluate(LEAKS, answered) == []
    watched.assert_clean()
    page.close()


# Every question, answered with the value as the page shows it (view.format: right) and one
# unit off in its last digit (wrong); returns the verdict classes that differ from that.
ALL_QUESTIONS = """() => {
  const view = window.glassnetViews[Object.keys(window.glassnetViews)[0]];
  const root = view.root;
  root.querySelector('.gn-answer-toggle').click();
  const asked = JSON.parse(root.querySelector('.gn-answerbar').dataset.questions).map(q => q[0]);
  const byKey = {};
  root.querySelectorAll('.gn-all li.gn-step[data-key]')
    .forEach(li => { byKey[li.dataset.key] = li; });
  const send = (li, text) => {
    const input = li.querySelector('.gn-answer-input');
    input.value = text;
    input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
    return Array.from(li.classList).filter(c => c.startsWith('gn-ans-')).sort().join(' ');
  };
  const odd = [];
  for (const key of asked) {
    const value = view.values[key], li = byKey[key];
    if (!li || !li.querySelector('.gn-answer-input')) {
      odd.push([key, 'no answer box']);
      continue;
    }
    if (!isFinite(value)) { continue; }
    // The text shown, or where its trailing zeros were trimmed below 3 significant digits
    // (0.9999999997 shows as 1, which check calls too coarse), the 9 digits it rounds to.
    const digits = view.format(value).replace(/^-|e.*$/g, '').replace('.', '').replace(/^0+/, '');
    const shown = digits.length >= 3 ? view.format(value) : value.toPrecision(9);
    const right = send(li, shown);
    if (right !== 'gn-ans-right') { odd.push([key, shown, right]); }
    // Below 1e-6, five units in the 9th digit are within the absolute slack (ABS_TOL, 1e-15).
    if (Math.abs(value) < 1e-6) { continue; }
    const last = shown.search(/\\d(?=(e.*)?$)/);
    const bumped = shown.slice(0, last) + ((Number(shown[last]) + 5) % 10) + shown.slice(last + 1);
    const wrong = send(li, bumped);
    if (!wrong.includes('gn-ans-wrong') && !wrong.includes('gn-ans-coarse')) {
      odd.push([key, bumped, wrong]);
    }
    send(li, '');
  }
  return [asked.length, odd];
}"""


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_every_question_of_the_examples(context: Any, tmp_path: Path, name: str) -> None:
    page = Watched(context, write_page(tmp_path / f"{name}.html", name))
    count, odd = page.page.evaluate(ALL_QUESTIONS)
    assert count > 50 and odd == []
    page.assert_clean()
    page.page.close()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=4, max_samples=3))
def test_every_question_of_random_networks(
    context: Any, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    explanation = explain(backprop(case.network(), case.inputs, case.targets, case.learning_rate))
    path = tmp_path_factory.mktemp("answer") / "case.html"
    path.write_text(render_html(explanation), encoding="utf-8")
    page = Watched(context, path)
    count, odd = page.page.evaluate(ALL_QUESTIONS)
    assert count > 0 and odd == []
    page.assert_clean()
    page.page.close()


def test_answer_mode_on_a_phone(browser: Any, mazur: Path) -> None:
    with window(browser, 390, 844) as ctx:
        watched = Watched(ctx, mazur)
        page = watched.page
        page.locator(".gn-answer-toggle").focus()
        page.keyboard.press("Enter")
        answer(page, "net_h1", "0.3775")
        answer(page, "out_h1", "0.6000000000000000000000000000000000000000001")
        assert listed(page, "out_h1")["classes"] == "gn-ans-first gn-ans-wrong"
        width, window_width = watched.overflow()
        assert width == window_width
        box = page.locator('.gn-all li[data-key="out_h2"] .gn-answer-input')
        box.focus()
        bounds = box.bounding_box()
        assert bounds is not None and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390
        assert bounds["height"] >= 44  # a touch target
        watched.assert_clean()
        page.close()
