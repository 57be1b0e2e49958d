"""The page's numbers come from the generated JavaScript step, and equal the engine's.

``glassnet.fast.javascript`` writes one exact update as a JavaScript function from the
formula trees; the page's script runs it and writes every value it computed into the
element that shows it (``data-name``: the ``glassnet check`` name, ``data-value``: the
full double). Here a real headless Chromium opens pages of random networks (every
activation, loss, bias mode, batch reduction, batches of 1 to 4, up to 5 neurons a
layer) and of the three built-in examples, reads every ``data-value``, and compares it
with the Python engine's value for the same name (the ``values`` table of
``glassnet explain --format json``).

Equal means to 1e-12 relative, with an absolute floor of ``ABS_FLOOR`` for values that
are the rounding noise of a sum that cancels (a hidden neuron's ``dE/dout`` of 1e-16
whose exact value is 0): the engine sums with BLAS (``delta @ W``), in its own order and
possibly with fused multiply-adds, the generated code from left to right, and
``Math.exp``/``Math.tanh`` may differ from NumPy's in the last bit.

Run alone with ``python -m pytest tests/test_live_page.py -m browser``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import struct
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from glassnet.cli import main
from glassnet.engine import backprop
from glassnet.errors import TrainingDivergedError
from glassnet.example import parse_example
from glassnet.examples import load_example
from glassnet.explanation import explain, explain_example
from glassnet.fast.compiled import parameters
from glassnet.fast.full_batch import train
from glassnet.render.html import render_html
from glassnet.render.json import explanation_to_dict
from glassnet.render.mathml import format_significant
from strategies import Case, cases
from test_browser import EXAMPLES, Watched, window
from test_rounding_noise import NOISY

pytestmark = pytest.mark.browser

RTOL = 1e-12
#: Rounding noise of sums that cancel: the largest seen over thousands of random networks
#: (values of order 1 to 10) is below 1e-14.
ABS_FLOOR = 1e-13
#: Mazur's page must stay below this many bytes.
MAZUR_LIMIT = 300_000


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


#: The text of each step's value in the list of every step (not the panels' copies, nor the
#: numbers inside formulas, which tests/test_live_numbers.py reads), by name.
TEXTS = """() => Object.fromEntries(Array.from(
                 document.querySelectorAll('.gn-all .gn-value[data-name]'))
                 .map(e => [e.dataset.name, e.textContent]))"""


def equal(shown: float, reference: float | None) -> bool:
    """The page's value and the engine's: both the same non-finite, or close."""
    ref = math.nan if reference is None else float(reference)
    if not (math.isfinite(shown) and math.isfinite(ref)):
        return (math.isnan(shown) and math.isnan(ref)) or shown == ref
    return abs(shown - ref) <= max(RTOL * max(abs(shown), abs(ref)), ABS_FLOOR)


def noise(shown: str, reference: float | None) -> bool:
    """Two finite values apart by more than RTOL but within ABS_FLOOR: rounding noise."""
    a, b = float(shown), math.nan if reference is None else float(reference)
    finite = math.isfinite(a) and math.isfinite(b)
    return finite and abs(a - b) > RTOL * max(abs(a), abs(b)) and abs(a - b) <= ABS_FLOOR


def page_values(context: Any, path: Path) -> tuple[dict[str, list[str]], Watched]:
    """Every ``data-name`` of the page with the ``data-value`` texts its elements carry;
    each element must have been written by the generated step (``data-gn-live``)."""
    page = Watched(context, path)
    rows = page.page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-name]'))
                 .map(e => [e.dataset.name, e.dataset.value, e.dataset.gnLive || ''])"""
    )
    values: dict[str, list[str]] = {}
    for name, value, live in rows:
        assert live == "1", f"{name}: data-value not written by the generated step"
        values.setdefault(name, []).append(value)
    return values, page


def python_texts(static: Any, path: Path) -> dict[str, str]:
    page = static.new_page()
    try:
        page.goto(path.resolve().as_uri())
        return dict(page.evaluate(TEXTS))
    finally:
        page.close()


def assert_page_equals_engine(
    context: Any, static: Any, path: Path, reference: dict[str, Any]
) -> None:
    """Every value the script wrote equals the engine's, and reads as Python wrote it."""
    values, page = page_values(context, path)
    try:
        # The text the script formatted from the generated step's double (glassnetFormat)
        # is the text Python formatted from the engine's (format_significant), except for
        # rounding noise (values apart by more than RTOL, within ABS_FLOOR), whose digits
        # are the noise's.
        live, python = page.page.evaluate(TEXTS), python_texts(static, path)
        assert set(live) == set(python)
        differ = {
            name: (live[name], python[name])
            for name in live
            if live[name] != python[name] and not noise(values[name][0], reference[name])
        }
        assert differ == {}
        assert set(values) == set(reference)
        wrong = {
            name: (texts, reference[name])
            for name, texts in values.items()
            if not all(equal(float(text), reference[name]) for text in texts)
        }
        assert wrong == {}
        page.assert_clean()
    finally:
        page.page.close()


def script_and_csp(html: str) -> tuple[str, str]:
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert script is not None and csp is not None
    return script.group(1), unescape(csp.group(1))


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=5, max_samples=4))
def test_random_networks_page_equals_engine(
    context: Any, static: Any, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    network = case.network()
    explanation = explain(backprop(network, case.inputs, case.targets, case.learning_rate))
    assert not explanation.matrix_form
    path = tmp_path_factory.mktemp("live") / "case.html"
    path.write_text(render_html(explanation), encoding="utf-8")
    reference = explanation_to_dict(explanation)["values"]
    assert_page_equals_engine(context, static, path, reference)


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_examples_page_equals_explain_json(
    context: Any, static: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["explain", name, "--format", "json"]) == 0
    reference = json.loads(capsys.readouterr().out)["values"]
    path = tmp_path / f"{name}.html"
    assert main(["explain", name, "--format", "html", "-o", str(path)]) == 0
    assert_page_equals_engine(context, static, path, reference)


def test_mazur_page_small_strict_and_without_eval(context: Any, tmp_path: Path) -> None:
    path = tmp_path / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "-o", str(path)]) == 0
    html = path.read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < MAZUR_LIMIT
    script, csp = script_and_csp(html)
    # The generated step is in the one inline script, whose hash the CSP allows; nothing else.
    assert "glassnetSteps" in script and "function (p, X, T, eta, choice)" in script
    assert f"script-src '{sha256(script)}';" in csp
    assert csp.startswith("default-src 'none'; ")
    assert re.search(r"style-src 'sha256-[^']+';", csp)
    assert not re.search(r"\beval\b|new\s+Function|setTimeout\(\s*['\"]", script)
    page = Watched(context, path)
    try:
        # The script ran under the CSP: the view is live and every value was recomputed.
        assert page.page.get_attribute("#gn", "data-gn-ready") == "1"
        stale = page.page.evaluate(
            "() => document.querySelectorAll('[data-name]:not([data-gn-live])').length"
        )
        assert stale == 0
        page.assert_clean()
    finally:
        page.page.close()


def format_table() -> list[float]:
    """Doubles whose text is easy to get wrong: exact ties (2**-14 = 6.103515625e-05 to 9
    digits rounds to even), carries, both exponent forms and their edges, -0, subnormals."""
    rng = random.Random(14)
    table = [0.0, -0.0, 2.0**-14, 1.25, 0.125, 2.5, -0.5, 1e-5, 1e-4, 0.0001234, 99999999.95]
    table += [9.9999999999, 123456789.0, 1234567890.0, 1e300, -1e-300, 5e-324, 0.1, 1 / 3]
    for _ in range(3000):
        table.append(rng.uniform(-100, 100))
        table.append(struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0])
        table.append(rng.randint(-(2**20), 2**20) / 2 ** rng.randint(0, 40))
    return [v for v in table if math.isfinite(v)]


@pytest.mark.parametrize("digits", [3, 6, 9, 15, 16, 17])
def test_page_formats_numbers_as_python(context: Any, tmp_path: Path, digits: int) -> None:
    path = tmp_path / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "-o", str(path)]) == 0
    table = format_table()
    page = Watched(context, path)
    try:
        texts = page.page.evaluate(
            "([values, digits]) => values.map(v => window.glassnetFormat(Number(v), digits))",
            [[repr(v) for v in table], digits],
        )
        wrong = [
            (v, text, format_significant(v, digits))
            for v, text in zip(table, texts, strict=True)
            if text != format_significant(v, digits)
        ]
        assert wrong == []
        page.assert_clean()
    finally:
        page.page.close()


def test_rounding_noise_shows_0_and_keeps_its_double(
    context: Any, static: Any, tmp_path: Path
) -> None:
    """net_h1[1] of this example is 1.4e-17, the noise of 0.2·1 + (−0.3·0.5) + 0.1·(−1.5) + 0.1:
    the page shows 0, as every format does, whatever the generated step's double is."""
    example = parse_example(NOISY)
    explanation = explain_example(example)
    assert explanation.step("net_h1[1]").noise
    path = tmp_path / "noisy.html"
    path.write_text(render_html(explanation), encoding="utf-8")
    assert_page_equals_engine(context, static, path, explanation_to_dict(explanation)["values"])
    page = Watched(context, path)
    try:
        text, value = page.page.evaluate(
            """() => { const e = document.querySelector('.gn-all [data-name="net_h1[1]"]');
                       return [e.textContent, e.dataset.value]; }"""
        )
        assert text == "=0"
        # The engine's BLAS sum gives 1.4e-17, the generated left-to-right sum 0 here.
        assert equal(float(value), explanation.step("net_h1[1]").value)
        page.assert_clean()
    finally:
        page.page.close()


def train_in_page(context: Any, path: Path, steps: int) -> dict[str, Any]:
    """``window.glassnetTrain`` of the page's view run on the page's own given values."""
    page = Watched(context, path)
    try:
        result = page.page.evaluate(
            """(steps) => {
                const root = document.querySelector('.glassnet');
                const g = JSON.parse(root.querySelector('script.gn-data').textContent).given;
                const r = window.glassnetTrain[root.id](g.p, g.X, g.T, g.eta, steps);
                return {done: r.done, p: r.p, losses: r.losses, bad: String(r.bad)};
            }""",
            steps,
        )
        page.assert_clean()
        return dict(result)
    finally:
        page.page.close()


@pytest.mark.parametrize("steps", [1000, 10_000])
def test_mazur_trains_in_the_page_as_glassnet_train(
    context: Any, tmp_path: Path, steps: int
) -> None:
    path = tmp_path / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "-o", str(path)]) == 0
    result = train_in_page(context, path, steps)
    example = load_example("mazur")
    trained = train(example.network, example.inputs, example.targets, example.learning_rate, steps)
    assert result["done"] == steps and result["bad"] == "0"
    assert len(result["losses"]) == steps
    assert all(equal(a, b) for a, b in zip(result["losses"], trained.losses, strict=True))
    assert all(equal(a, b) for a, b in zip(result["p"], parameters(trained.network), strict=True))
    if steps == 10_000:  # what `glassnet train mazur --steps 10000` prints
        assert f"{result['losses'][-1]:.7g}" == "3.510188e-05"


def test_training_in_the_page_stops_at_a_non_finite_loss(context: Any, tmp_path: Path) -> None:
    """η = 1e6 on a linear network: the loss overflows; the page's loop stops where the
    Python loop raises, with the parameters before that update."""
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^learning_rate = .*$", "learning_rate = 1e6", text)
    text = text.replace('"sigmoid"', '"identity"')
    source = tmp_path / "wild.toml"
    source.write_text(text, encoding="utf-8")
    path = tmp_path / "wild.html"
    assert main(["explain", str(source), "--format", "html", "-o", str(path)]) == 0
    example = load_example(str(source))
    with pytest.raises(TrainingDivergedError) as diverged:
        train(example.network, example.inputs, example.targets, example.learning_rate, 100)
    result = train_in_page(context, path, 100)
    assert result["done"] == diverged.value.step - 1  # Python counts the failed update from 1
    assert not math.isfinite(float(result["bad"]))
    assert all(
        equal(a, b) for a, b in zip(result["p"], parameters(diverged.value.network), strict=True)
    )
