"""After an edit every number on the page is the generated step's, written as Python writes it.

``view.set(state)`` (``assets/glassnet.js``) runs the step generated from the formula
trees on the edited numbers; the page then shows the new values everywhere: each step's
value, every number inside the formulas (``net_h1 = … = 0.15·0.05 + …``, which carry
their check name, ``Num.ref``), the diagram's labels, line widths and shades at every
stop of the step controls, the learning rate in the header, and the panels' copies.

The reference is Python's page of the *edited* example: a real headless Chromium opens
the page of the file, edits it with ``glassnetViews[id].set``, and

- every ``data-value`` equals the Python engine's value for the edited example (1e-12
  relative, ``equal`` of test_live_page);
- the list of every step and the header read exactly as Python's page of the edited
  example, number for number; a text may differ only where the two doubles differ in
  rounding noise (``equal`` but not bitwise), or where Python calls the edited example's
  value rounding noise and shows 0 (the page, which cannot judge a new sum, shows the
  exact double: see ``shown`` in glassnet.js), and then it reads as the page's double;
- the diagram at every stop shows the labels, line widths, shades and signs that
  Python's data for the edited example gives (the labels formatted by ``format_decimal``,
  widths and shades by ``edge_width``/``node_shade`` with the edited example's scale);
- nothing is logged to the console.

Run alone with ``python -m pytest tests/test_live_numbers.py -m browser``.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from glassnet.engine import backprop
from glassnet.example import Example, parse_example
from glassnet.examples import load_example
from glassnet.explanation import Explanation, explain, explain_example
from glassnet.fast.compiled import parameters, set_parameters
from glassnet.render.html import render_html
from glassnet.render.html.drawing import edge_width, node_shade
from glassnet.render.json import explanation_to_dict
from glassnet.render.mathml import MINUS, format_decimal, format_significant
from strategies import Case, cases
from test_browser import Watched, window
from test_live_page import equal
from test_rounding_noise import NOISY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    with window(browser, 1280, 900) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def static(browser: Any) -> Iterator[Any]:
    """A context without JavaScript: the page as Python wrote it."""
    ctx = browser.new_context(java_script_enabled=False)
    try:
        yield ctx
    finally:
        ctx.close()


# -- the edits ------------------------------------------------------------------------------


def edit(rng: random.Random, p: list[float], x: Any, t: Any, eta: float, *, targets: bool):
    """New numbers: every parameter and input redrawn (so that a number left as the file's
    anywhere shows; about half of them change sign, so brackets around negative numbers
    move), the learning rate scaled, targets nudged where the loss accepts any target."""
    p = [rng.uniform(-1.5, 1.5) for _ in p]
    x = [[rng.uniform(-2, 2) for _ in row] for row in x]
    if targets:
        t = [[v + rng.uniform(-0.3, 0.3) for v in row] for row in t]
    return p, x, t, eta * rng.uniform(0.3, 3.0)


def edited_trace_explanation(network: Any, p, x, t, eta) -> Explanation:
    network = copy.deepcopy(network)
    set_parameters(network, p)
    return explain(backprop(network, np.array(x), np.array(t), eta))


def edited_example(example: Example, p, x, t, eta) -> Example:
    example = copy.deepcopy(example)
    set_parameters(example.network, p)
    example.inputs, example.targets = np.array(x), np.array(t)
    example.learning_rate = eta
    return example


# -- reading the pages --------------------------------------------------------------------

#: Every element with a check name: name, double, whether the script wrote it, its text, its
#: kind (a step's value, a number in a formula, the header's η) and its bracket marker.
NAMED = """(roots) => Array.from(document.querySelectorAll(
    roots.split(',').map(r => r.trim() + ' [data-name]').join(', '))).map(e => [
    e.dataset.name, e.dataset.value || '', e.dataset.gnLive || '', e.textContent,
    e.classList.contains('gn-value') ? 'value' :
        (e.namespaceURI === 'http://www.w3.org/1998/Math/MathML' ? 'math' : 'html'),
    e.hasAttribute('data-paren'), e.hasAttribute('data-noise')])"""

#: The text of the list of every step and of the header, each named number replaced by
#: its name: what must not change at all between the edited page and Python's.
SKELETON = """() => ['.gn-head', '.gn-all'].map(s => {
    const copy = document.querySelector(s).cloneNode(true);
    copy.querySelectorAll('[data-name]').forEach(
        e => { e.textContent = '<' + e.dataset.name + '>'; });
    return copy.textContent; }).join('\\n')"""

#: The diagram at every stop of the step controls: the text of every field, and the line
#: widths, shades and signs.
DIAGRAM = """() => {
    const view = Object.values(window.glassnetViews)[0];
    const svg = view.root.querySelector('svg.gn-diagram:not(.gn-mini)');
    const stops = [];
    for (let k = 0; k < view.data.stops.length; k += 1) {
        view.go(k);
        stops.push({
            texts: Array.from(svg.querySelectorAll('[data-f]')).map(f =>
                [f.closest('[data-id]').dataset.id, f.dataset.f, f.textContent]),
            lines: Array.from(svg.querySelectorAll('.gn-edge')).map(g =>
                [g.dataset.id, g.dataset.param, Number(g.querySelector('.gn-line')
                    .getAttribute('stroke-width')), g.classList.contains('gn-neg')]),
            fills: Array.from(svg.querySelectorAll('.gn-node .gn-fill')).map(f =>
                [f.closest('[data-id]').dataset.id, Number(f.getAttribute('fill-opacity')),
                 f.closest('.gn-node').classList.contains('gn-neg')]),
        });
    }
    view.go(0);
    return {stops: stops, values: view.values};
}"""


def page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" class="gn-data">(.*?)</script>', html, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def expected_text(kind: str, value: float, paren: bool, digits: int) -> str:
    """How Python writes a number of this kind (``MathMLFormatter``, the header's η)."""
    text = format_significant(value, digits)
    if kind == "html":
        return text
    text = text.replace("-", MINUS, 1) if text.startswith("-") else text
    if kind == "value":
        return "=" + text
    return f"({text})" if paren and text.startswith(MINUS) else text


def python_named(static: Any, path: Path, root: str) -> list[list[Any]]:
    page = static.new_page()
    try:
        page.goto(path.resolve().as_uri())
        return list(page.evaluate(NAMED, root))
    finally:
        page.close()


def python_skeleton(static: Any, path: Path) -> str:
    page = static.new_page()
    try:
        page.goto(path.resolve().as_uri())
        return str(page.evaluate(SKELETON))
    finally:
        page.close()


# -- the diagram Python's data gives ------------------------------------------------------


def expected_diagram(data: dict[str, Any]) -> list[dict[tuple[str, str], list[Any]]]:
    """For each stop: (element id, field) -> [text, value, name, text before the value] after
    the stops up to it (name and text before it "" for an unnamed value), for
    the sample the diagram shows then (``paint`` in glassnet.js, on Python's data)."""
    shown = []
    sample = 0
    for k, stop in enumerate(data["stops"]):
        if stop["sm"] >= 0:
            sample = stop["sm"]
        latest: dict[tuple[str, str], list[Any]] = {}
        for entry in data["base"] + [e for s in data["stops"][: k + 1] for e in s["set"]]:
            if entry[5] < 0 or entry[5] == sample:
                latest[(entry[0], entry[1])] = [entry[2], entry[3], *(entry[6:] or ["", ""])]
        shown.append(latest)
    return shown


def assert_diagram_as_python(
    live: dict[str, Any], data: dict[str, Any], noise: set[str], digits: int
) -> None:
    """The page's diagram at each stop is what Python's data of the edited example shows.

    Where the page's double and the engine's are ``equal`` but not the same (rounding
    noise of a cancelling sum, which ABS_FLOOR allows), the label may read as the page's
    double; a value Python calls rounding noise of the edited example is left out (the page
    shows its exact double: see ``shown`` in glassnet.js)."""
    scale, values = data["scale"], live["values"]
    expected = expected_diagram(data)
    assert len(live["stops"]) == len(expected)
    blank = ["", None, "", ""]

    def text_ok(text: str, want: list[Any]) -> bool:
        py_text, py_value, name, before = want
        if text == py_text:
            return True
        mine = values.get(name)
        return (
            mine is not None
            and py_value is not None
            and equal(mine, py_value)
            and text == before + format_decimal(mine, digits)
        )

    def near(value: float, name: str) -> list[float]:
        """The value, and the page's own double where it is ``equal`` to it."""
        mine = values.get(name)
        return [value] + ([mine] if mine is not None and equal(mine, value) else [])

    for k, (stop, want) in enumerate(zip(live["stops"], expected, strict=True)):
        wrong = [
            (i, f, text, want.get((i, f), blank))
            for i, f, text in stop["texts"]
            if want.get((i, f), blank)[2] not in noise
            and not text_ok(text, want.get((i, f), blank))
        ]
        assert wrong == [], f"stop {k}"
        for element, param, width, negative in stop["lines"]:
            _, value, name, _ = want.get((param, "v"), blank)
            if value is not None and name not in noise:
                widths = [edge_width(v, scale["w"]) for v in near(value, name)]
                assert width in widths and negative == (value < 0), (k, element)
        for element, opacity, negative in stop["fills"]:
            _, value, name, _ = want.get((element, "v"), blank)
            if name in noise:
                continue
            shades = (
                [0.0] if value is None else [node_shade(v, scale["v"]) for v in near(value, name)]
            )
            assert opacity in shades, (k, element)
            if value is not None:
                assert negative == (value < 0), (k, element)


# -- the check ------------------------------------------------------------------------------


def assert_named_numbers(
    page: Any, reference: dict[str, Any], noise: set[str], digits: int
) -> None:
    """Every number with a check name on the page (steps, panels, header) is the engine's
    value for the edit and is written as its own double is written; this step and the
    derivation panel show some."""
    named = page.evaluate(NAMED, ".glassnet")
    panels = page.evaluate(
        """() => ['.gn-current-body', '.gn-derivation-body'].map(
                s => document.querySelectorAll(s + ' [data-name]').length)"""
    )
    assert named and min(panels) > 0
    wrong = []
    for name, value, live, text, kind, paren, _ in named:
        ok = live == "1" and equal(float(value), reference[name])
        texts = [expected_text(kind, float(value), paren, digits)]
        if name in noise:  # rounding noise that the edit left as it was shows as 0
            texts.append(expected_text(kind, 0.0, paren, digits))
        if not ok or text not in texts:
            wrong.append((name, value, reference.get(name), text))
    assert wrong == []


def assert_edit_shows_python_page(
    context: Any,
    static: Any,
    tmp: Path,
    original: Explanation,
    edited: Explanation,
    state: dict[str, Any],
) -> None:
    """Opens ``original``'s page, shows ``state`` with ``view.set`` (with a derivation open),
    and compares every number with Python's page of ``edited``."""
    digits = 9
    before, after = tmp / "original.html", tmp / "edited.html"
    before.write_text(render_html(original, digits=digits), encoding="utf-8")
    html = render_html(edited, digits=digits)
    after.write_text(html, encoding="utf-8")
    reference = explanation_to_dict(edited)["values"]
    page = Watched(context, before)
    try:
        # A derivation chosen, then the edit: the panels are copied again from the steps.
        page.page.evaluate(
            """(state) => {
                const view = Object.values(window.glassnetViews)[0];
                view.go(Math.floor(view.data.stops.length / 2));
                view.root.querySelector('.gn-params [data-param]').click();
                view.set(Object.assign(view.copyState(view.file), state));
            }""",
            state,
        )
        python = python_named(static, after, ".gn-head, .gn-all")
        noise = {row[0] for row in python if row[4] == "value" and row[6]}
        assert_named_numbers(page.page, reference, noise, digits)
        assert page.page.evaluate(
            "() => document.querySelector('.glassnet').getAttribute('data-gn-param')"
        )
        # Back to the file's numbers and to the edit again after a step of the controls,
        # which leaves the derivation panel as it was: it follows as well.
        page.page.evaluate(
            """(state) => {
                const view = Object.values(window.glassnetViews)[0];
                view.set(view.file);
                view.go(0);
                view.set(Object.assign(view.copyState(view.file), state));
            }""",
            state,
        )
        assert_named_numbers(page.page, reference, noise, digits)
        # The structure and every number read as on Python's page of the edited example.
        assert page.page.evaluate(SKELETON) == python_skeleton(static, after)
        mine = page.page.evaluate(NAMED, ".gn-head, .gn-all")
        assert [r[0] for r in mine] == [r[0] for r in python]
        differ = []
        for (name, value, _, text, kind, paren, _n), row in zip(mine, python, strict=True):
            if text == row[3]:
                continue
            # Apart only in the rounding of two doubles apart by noise, or where Python
            # calls the edited example's value rounding noise and shows 0.
            if (name in noise or float(value) != reference[name]) and text == expected_text(
                kind, float(value), paren, digits
            ):
                continue
            differ.append((name, text, row[3]))
        assert differ == []
        # The diagram at every stop.
        assert_diagram_as_python(page.page.evaluate(DIAGRAM), page_data(html), noise, 4)
        page.assert_clean()
    finally:
        page.page.close()


def state_of(p, x, t, eta) -> dict[str, Any]:
    return {"p": p, "X": x, "T": t, "eta": eta}


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_an_edit_of_a_built_in_example_shows_python_page_of_the_edit(
    context: Any, static: Any, tmp_path: Path, name: str
) -> None:
    example = load_example(name)
    rng = random.Random(name)
    p, x, t, eta = edit(
        rng,
        parameters(example.network),
        example.inputs.tolist(),
        example.targets.tolist(),
        example.learning_rate,
        targets=True,
    )
    edited = edited_example(example, p, x, t, eta)
    assert_edit_shows_python_page(
        context,
        static,
        tmp_path,
        explain_example(example),
        explain_example(edited),
        state_of(p, x, t, eta),
    )


def test_an_edit_of_the_learning_rate_only(context: Any, static: Any, tmp_path: Path) -> None:
    """Only the update and after it change; the forward pass's rounding noise (Python's
    flag for the same sums) still shows as 0."""
    example = parse_example(NOISY)
    eta = 0.125
    edited = edited_example(
        example,
        parameters(example.network),
        example.inputs.tolist(),
        example.targets.tolist(),
        eta,
    )
    original = explain_example(example)
    assert original.step("net_h1[1]").noise and explain_example(edited).step("net_h1[1]").noise
    state = state_of(
        parameters(example.network), example.inputs.tolist(), example.targets.tolist(), eta
    )
    assert_edit_shows_python_page(
        context, static, tmp_path, original, explain_example(edited), state
    )


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=4, max_samples=3))
def test_an_edit_of_a_random_network_shows_python_page_of_the_edit(
    context: Any, static: Any, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    network = case.network()
    original = explain(backprop(network, case.inputs, case.targets, case.learning_rate))
    assert not original.matrix_form
    rng = random.Random(repr(case))
    p, x, t, eta = edit(
        rng,
        parameters(network),
        case.inputs.tolist(),
        case.targets.tolist(),
        case.learning_rate,
        targets=case.loss in ("mse", "sse", "half_sse"),
    )
    edited = edited_trace_explanation(network, p, x, t, eta)
    assert_edit_shows_python_page(
        context,
        static,
        tmp_path_factory.mktemp("edit"),
        original,
        edited,
        state_of(p, x, t, eta),
    )


def decimal_table() -> list[float]:
    """Doubles whose diagram label is easy to get wrong: exact ties at every number of
    decimals (0.125, 2.5, 0.03125), both sides of every power of ten and of the switch to
    significant digits, negatives, -0, subnormals, the largest double, and random ones."""
    rng = random.Random(14)
    table = [0.0, -0.0, 0.125, -0.125, 2.5, 3.5, -2.5, 0.03125, 0.00625, 1.00005, 0.99995]
    table += [0.5, 1.5, 0.15625, 999999.5, 1e6, -1e6, 5e-324, 1.7976931348623157e308]
    table += [0.1, 1 / 3, -2 / 3, 123456.78125, 0.0009765625, 9.99995, 99.99995]
    for e in range(-20, 22):
        for base in (1.0, 9.9999, 9.99995, 5.0):
            v = base * 10.0**e
            table += [v, -v, math.nextafter(v, 0), math.nextafter(v, math.inf)]
    for _ in range(3000):
        table.append(rng.uniform(-100, 100))
        table.append(rng.uniform(-1, 1) * 10.0 ** rng.randint(-20, 20))
        table.append(rng.randint(-(2**20), 2**20) / 2 ** rng.randint(0, 30))
    return [v for v in table if math.isfinite(v)]


@pytest.mark.parametrize("digits", [1, 2, 3, 4])
def test_diagram_labels_format_as_python(context: Any, tmp_path: Path, digits: int) -> None:
    """``glassnetDecimal`` (the script's port of ``format_decimal``) on a table of doubles;
    NaN and the infinities as well, which Python's JSON cannot carry, passed by name."""
    path = tmp_path / "mazur.html"
    path.write_text(render_html(explain_example(load_example("mazur"))), encoding="utf-8")
    table = decimal_table()
    page = Watched(context, path)
    try:
        texts = page.page.evaluate(
            "([values, digits]) => values.map(v => window.glassnetDecimal(Number(v), digits))",
            [[repr(v) for v in table] + ["NaN", "Infinity", "-Infinity"], digits],
        )
        wanted = [format_decimal(v, digits) for v in table]
        wanted += [format_decimal(v, digits) for v in (math.nan, math.inf, -math.inf)]
        wrong = [
            (v, a, b) for v, a, b in zip([*table, 0, 0, 0], texts, wanted, strict=True) if a != b
        ]
        assert wrong == []
        page.assert_clean()
    finally:
        page.page.close()


def test_a_name_the_step_no_longer_computes_is_marked_stale(context: Any, tmp_path: Path) -> None:
    """If the state shown has no value for a name (a step of another activation or loss),
    its elements keep their text, lose data-gn-live and are marked gn-stale; the file's
    numbers again make them live."""
    path = tmp_path / "mazur.html"
    path.write_text(render_html(explain_example(load_example("mazur"))), encoding="utf-8")
    page = Watched(context, path)
    try:
        marks = page.page.evaluate(
            """() => {
                const view = window.glassnetViews.gn, step = view.step;
                const marks = () => Array.from(document.querySelectorAll('[data-name="net_h1"]'))
                    .map(e => [e.classList.contains('gn-stale'), e.dataset.gnLive || '']);
                view.step = (state) => {
                    const values = step(state);
                    delete values.net_h1;
                    return values;
                };
                view.set(view.file);
                const stale = marks();
                view.step = step;
                view.set(view.file);
                return [stale, marks()];
            }"""
        )
        stale, live = marks
        assert len(stale) == 2 and all(m == [True, ""] for m in stale)  # the value, out_h1's
        assert all(m == [False, "1"] for m in live)
        page.assert_clean()
    finally:
        page.page.close()
