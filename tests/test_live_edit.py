"""Editing the live page (``assets/edit.js``) in a real headless Chromium.

Pages of random networks (every activation, loss, bias mode, batch reduction, batches of
1 to 4, up to 5 neurons a layer) and of the three built-in examples are opened with random
edits in their URL fragment; every value the page then shows (``data-value``) must equal the
Python engine's value for the same edited example, ``glassnet.live.apply_fragment(example,
fragment)`` (for the built-in examples through ``glassnet explain edited.toml --format json``),
to 1e-12 relative with ``test_live_page``'s absolute floor. The page writes the same fragment
as ``glassnet.live.fragment_of`` and refuses the same malformed fragments as
``apply_fragment`` (the table of ``live_fragments.py``), with a notice and the file's values.
Also: bad input typed into a field is refused in place; keyboard-only editing; the diagram's
values open a field; Reset; Download gives the file ``glassnet.live.toml_of`` writes; a
non-finite result shows as the static page shows it; the page at 390×844.

Run alone with ``python -m pytest tests/test_live_edit.py -m browser``.
"""

from __future__ import annotations

import json
import math
import random
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.cli import main
from glassnet.errors import GlassnetError
from glassnet.example import Example, parse_example
from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.live import apply_fragment, fragment_of, js_number, toml_of
from glassnet.render.html import render_html
from glassnet.render.json import explanation_to_dict
from live_fragments import BATCH, FRAGMENTS, switches
from strategies import Case, cases
from test_browser import window
from test_live import example_of, random_fragment
from test_live_page import TEXTS, equal

pytestmark = pytest.mark.browser

#: What the page reports of itself: the generated step's values (as String(x), so that
#: non-finite ones survive JSON), every data-name's data-value, the fragment, the notice.
REPORT = """() => {
  const root = document.querySelector('.glassnet');
  const view = window.glassnetViews[root.id];
  const notice = root.querySelector('.gn-notice');
  return {
    values: Object.fromEntries(Object.entries(view.values).map(([k, x]) => [k, String(x)])),
    shown: Array.from(root.querySelectorAll('[data-name]'))
                .map(e => [e.dataset.name, e.dataset.value]),
    fragment: view.fragment(),
    problem: view.problem,
    notice: notice.hidden ? '' : notice.textContent,
    hash: location.hash,
    choices: !!view.data.choices,
  };
}"""


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    with window(browser, 1280, 900) as ctx:
        yield ctx


class Page:
    """A page opened with a fragment; it may load its own file and nothing else."""

    def __init__(self, context: Any, path: Path, fragment: str = ""):
        self.url = path.resolve().as_uri()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self.route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url + ("#" + fragment if fragment else ""))

    def route(self, route: Any) -> None:
        if route.request.url.split("#")[0] == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def report(self) -> dict[str, Any]:
        return dict(self.page.evaluate(REPORT))

    def load(self, fragment: str) -> tuple[bool, dict[str, Any]]:
        ok = self.page.evaluate(
            "(f) => window.glassnetViews[document.querySelector('.glassnet').id].load(f)",
            fragment,
        )
        return bool(ok), self.report()

    def close(self) -> None:
        assert self.blocked == []
        assert self.errors == []
        self.page.close()


def values(example: Example) -> dict[str, Any]:
    return dict(explanation_to_dict(explain_example(example))["values"])


def assert_shows(report: dict[str, Any], reference: dict[str, Any], *, switched: bool) -> None:
    """The page's values are the engine's for the edited example, and so is every element.

    An activation switched to softmax (or away from it) changes which values exist; the
    elements of values the edited example does not have are not compared."""
    page = {name: float(text) for name, text in report["values"].items()}
    assert set(page) == set(reference)
    wrong = {n: (v, reference[n]) for n, v in page.items() if not equal(v, reference[n])}
    assert wrong == {}
    for name, text in report["shown"]:
        if name in page:
            assert text == report["values"][name], name
        else:
            assert switched, f"{name} is on the page but not among the step's values"


def page_of(example: Example, path: Path) -> tuple[Path, bool]:
    """The example's page, and whether its generated step takes a choice (``data.choices``)."""
    html = render_html(explain_example(example))
    path.write_text(html, encoding="utf-8")
    data = re.search(r'<script type="application/json" class="gn-data">(.*?)</script>', html, re.S)
    assert data is not None
    return path, bool(json.loads(data.group(1)).get("choices"))


@settings(
    max_examples=52,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=5, max_samples=4), seed=st.integers(0, 2**32))
def test_random_networks_with_random_edits_equal_engine(
    context: Any, tmp_path_factory: pytest.TempPathFactory, case: Case, seed: int
) -> None:
    example = example_of(case)
    path, choices = page_of(example, tmp_path_factory.mktemp("edit") / "case.html")
    rng = random.Random(seed)
    fragment = random_fragment(example, rng, switch=choices)
    edited = apply_fragment(example, fragment)
    page = Page(context, path, fragment)
    try:
        report = page.report()
        assert report["notice"] == "" and report["problem"] == ""
        assert_shows(report, values(edited), switched=switches(fragment))
        # The page writes the fragment glassnet.live writes for the same edit.
        assert report["fragment"] == fragment_of(edited, example)
        # A second edit, through view.load, from the file's values again.
        second = random_fragment(example, rng, switch=choices)
        ok, report = page.load(second)
        assert ok
        assert_shows(report, values(apply_fragment(example, second)), switched=switches(second))
    finally:
        page.close()


@pytest.mark.parametrize("name", ["mazur", "hill", "lamsal"])
def test_examples_with_random_edits_equal_explain_of_the_edited_file(
    context: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / f"{name}.html"
    assert main(["explain", name, "--format", "html", "-o", str(path)]) == 0
    choices = '"choices": {' in path.read_text(encoding="utf-8")
    example = load_example(name)
    rng = random.Random(name)
    for k in range(4):
        fragment = random_fragment(example, rng, switch=choices)
        edited_file = tmp_path / f"edited{k}.toml"
        edited_file.write_text(toml_of(apply_fragment(example, fragment), example), "utf-8")
        assert main(["explain", str(edited_file), "--format", "json"]) == 0
        reference = json.loads(capsys.readouterr().out)["values"]
        page = Page(context, path, fragment)
        try:
            assert_shows(page.report(), reference, switched=switches(fragment))
        finally:
            page.close()


def test_fragment_table_as_glassnet_live(context: Any, tmp_path: Path) -> None:
    """Each fragment of the shared table: accepted with the same values as
    ``apply_fragment``, or refused for the same key with the same message (the page leaves
    out the list of targets a loss refuses), a notice, and the file's values."""
    examples = {
        name: parse_example(BATCH) if name == "batch" else load_example(name)
        for name in ("mazur", "hill", "lamsal", "batch")
    }
    for name, example in examples.items():
        path, choices = page_of(example, tmp_path / f"{name}.html")
        own = values(example)
        page = Page(context, path)
        try:
            for row_name, fragment, refused, _ in FRAGMENTS:
                if row_name != name:
                    continue
                ok, report = page.load(fragment)
                if switches(fragment) and not choices:
                    # Without a step that takes a choice, the page keeps the file's
                    # activations and loss.
                    assert not ok and re.match(r"(act\d+|loss): ", report["problem"])
                    continue
                if refused is None:
                    assert ok, (fragment, report["problem"])
                    edited = apply_fragment(example, fragment)
                    assert_shows(report, values(edited), switched=switches(fragment))
                    assert report["notice"] == ""
                    assert report["fragment"] == fragment_of(edited, example)
                    continue
                assert not ok, fragment
                with pytest.raises(GlassnetError) as error:
                    apply_fragment(example, fragment)
                message = str(error.value).removeprefix("fragment: ")
                problem = report["problem"]
                assert problem.startswith(f"{refused}: " if refused else "'"), (fragment, problem)
                assert problem == message or (
                    message.startswith(problem) and ", got [" in message
                ), (problem, message)
                assert problem in report["notice"]
                assert_shows(report, own, switched=False)
        finally:
            page.close()


def test_malformed_fragment_in_the_address(context: Any, tmp_path: Path) -> None:
    example = load_example("mazur")
    path, _ = page_of(example, tmp_path / "mazur.html")
    page = Page(context, path, "w5=0.3&oops=1")
    try:
        report = page.report()
        assert report["notice"] == (
            "The link's edits were not applied (oops: unknown name; expected a given value's "
            "name, act1…act2 or loss); showing the file's values."
        )
        assert_shows(report, values(example), switched=False)
        assert report["hash"] == "#w5=0.3&oops=1"  # kept, so the link can be fixed
        # A new fragment typed into the address is applied.
        page.page.evaluate("() => { location.hash = 'w6=0.25'; }")
        page.page.wait_for_function("() => !document.querySelector('.gn-notice').textContent")
        assert_shows(page.report(), values(apply_fragment(example, "w6=0.25")), switched=False)
    finally:
        page.close()


def test_javascript_numbers_are_js_number(context: Any, tmp_path: Path) -> None:
    """``glassnet.live.js_number`` writes what Chromium's ``String(x)`` writes."""
    path, _ = page_of(load_example("mazur"), tmp_path / "mazur.html")
    rng = random.Random(7)
    table = [0.1, 1e-7, 1e-6, 1e21, 1e20, 123.0, 5e-324, 1.7976931348623157e308, 2.0**-1074]
    table += [rng.uniform(-1e3, 1e3) for _ in range(500)]
    table += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(2000)]
    table = [v for v in table if math.isfinite(v) and v != 0]
    page = Page(context, path)
    try:
        texts = page.page.evaluate(
            "(vs) => vs.map(v => String(Number(v)))", [repr(v) for v in table]
        )
        assert [js_number(v) for v in table] == texts
    finally:
        page.close()


def given_value(page: Any, name: str) -> str:
    return str(page.get_attribute(f'.gn-all [data-name="{name}"]', "data-value"))


def test_bad_input_is_refused_in_place(context: Any, tmp_path: Path) -> None:
    path, _ = page_of(load_example("mazur"), tmp_path / "mazur.html")
    page = Page(context, path)
    p = page.page
    try:
        p.click('.gn-all [data-name="w5"]')
        field = p.locator(".gn-edit-input")
        assert field.input_value() == "0.4"
        for text in ["", "abc", "1e400", "NaN", "Infinity", "-Infinity", "0x10", "1,5", "inf"]:
            field.fill(text)
            p.keyboard.press("Enter")
            assert p.inner_text(".gn-edit-msg") == f"expected a finite number, got '{text}'"
            assert field.get_attribute("aria-invalid") == "true"
            assert given_value(p, "w5") == "0.4"
            assert p.evaluate("() => location.hash") == ""
        p.keyboard.press("Escape")
        assert p.locator(".gn-edit-input").count() == 0
        assert p.evaluate("() => document.activeElement.dataset.name") == "w5"
        p.click('.gn-all [data-name="eta"]')
        p.locator(".gn-edit-input").fill("-0.5")
        p.keyboard.press("Enter")
        assert p.inner_text(".gn-edit-msg") == "expected a number > 0, got '-0.5'"
        p.locator(".gn-edit-input").fill(" 2.5 ")  # spaces around a number are fine
        p.keyboard.press("Enter")
        assert given_value(p, "eta") == "2.5"
        assert p.evaluate("() => location.hash") == "#eta=2.5"
    finally:
        page.close()
    path, _ = page_of(parse_example(BATCH), tmp_path / "batch.html")
    page = Page(context, path)
    p = page.page
    try:
        p.click('.gn-all [data-name="target_o1[2]"]')
        p.locator(".gn-edit-input").fill("0.5")
        p.keyboard.press("Enter")
        assert p.inner_text(".gn-edit-msg") == "cross_entropy needs targets >= 0 that sum to 1"
        assert given_value(p, "target_o1[2]") == "0.25"
        # Leaving the field cancels the edit.
        p.click("h1")
        assert p.locator(".gn-edit-input").count() == 0
        assert given_value(p, "target_o1[2]") == "0.25"
    finally:
        page.close()


def test_keyboard_only_edit_reset_and_focus(context: Any, tmp_path: Path) -> None:
    example = load_example("mazur")
    path, _ = page_of(example, tmp_path / "mazur.html")
    page = Page(context, path)
    p = page.page
    try:
        for _ in range(80):
            p.keyboard.press("Tab")
            if p.evaluate("() => document.activeElement.dataset.name") == "w5":
                break
        else:
            pytest.fail("Tab never reached w5 under Given")
        outline = p.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none")
        p.keyboard.press("Enter")
        assert p.evaluate("() => document.activeElement.className") == "gn-edit-input"
        p.keyboard.type("0.3")  # the old value is selected: typing replaces it
        p.keyboard.press("Enter")
        assert p.evaluate("() => document.activeElement.dataset.name") == "w5"
        report = page.report()
        assert report["hash"] == "#w5=0.3"
        assert_shows(report, values(apply_fragment(example, "w5=0.3")), switched=False)
        # Space opens it too; Escape leaves the value as it was.
        p.keyboard.press(" ")
        p.keyboard.type("9")
        p.keyboard.press("Escape")
        assert given_value(p, "w5") == "0.3"
        # Reset, by keyboard: the file's values and no fragment.
        p.focus(".gn-reset")
        p.keyboard.press("Enter")
        report = page.report()
        assert report["hash"] == "" and report["fragment"] == ""
        assert_shows(report, values(example), switched=False)
    finally:
        page.close()


def test_diagram_values_open_a_field(context: Any, tmp_path: Path) -> None:
    example = load_example("mazur")
    path, _ = page_of(example, tmp_path / "mazur.html")
    page = Page(context, path)
    p = page.page
    try:
        clicks = [
            ('svg.gn-diagram .gn-wlabel[data-id="w1.0.0"] [data-f="v"]', "w5", "0.3"),
            ('svg.gn-diagram [data-id="x0"] [data-f="v"]', "i1", "0.2"),
            ('svg.gn-diagram [data-id="n1.1"] [data-f="t"]', "target_o2", "0.5"),
            ('svg.gn-diagram [data-id="b1"] [data-f="v"]', "b2", "-1"),
        ]
        for selector, name, text in clicks:
            p.click(selector)
            assert p.inner_text(".gn-edit-name") == f"{name} ="
            if name in ("w5", "b2"):  # a weight's or bias's derivation opens too, as before
                param = {"w5": "w1.0.0", "b2": "b1"}[name]
                assert p.get_attribute(".glassnet", "data-gn-param") == param
            p.locator(".gn-edit-input").fill(text)
            p.keyboard.press("Enter")
            assert given_value(p, name) == text
        fragment = "i1=0.2&target_o2=0.5&w5=0.3&b2=-1"
        report = page.report()
        assert report["hash"] == "#" + fragment
        assert_shows(report, values(apply_fragment(example, fragment)), switched=False)
        # A click on the weight's name opens its derivation only.
        p.click('svg.gn-diagram .gn-wlabel[data-id="w1.0.0"] .gn-name')
        assert p.get_attribute(".glassnet", "data-gn-param") == "w1.0.0"
        assert p.locator(".gn-edit-input").count() == 0
    finally:
        page.close()


def test_download_round_trip(
    context: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example("mazur")
    path = tmp_path / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "-o", str(path)]) == 0
    fragment = "w5=0.3&i1=-1.5e-7&eta=0.1&target_o1=123"
    page = Page(context, path, fragment)
    try:
        with page.page.expect_download() as info:
            page.page.click(".gn-download")
        download = info.value
        assert download.suggested_filename == "mazur-edited.toml"
        saved = tmp_path / "saved.toml"
        download.save_as(saved)
        text = saved.read_text(encoding="utf-8")
        edited = apply_fragment(example, fragment)
        assert text == toml_of(edited, example)
        assert main(["explain", str(saved), "--format", "json"]) == 0
        reference = json.loads(capsys.readouterr().out)["values"]
        assert_shows(page.report(), reference, switched=False)
    finally:
        page.close()


def test_non_finite_results_show_as_the_static_page(
    context: Any, browser: Any, tmp_path: Path
) -> None:
    """Weights near the float range: net_o1 overflows to ∞; the page's texts are those of
    the static page of the edited example."""
    example = load_example("mazur")
    path, _ = page_of(example, tmp_path / "mazur.html")
    fragment = "w5=1.7e308&w6=1.7e308&w7=-1.7e308&w8=-1.7e308"
    edited = apply_fragment(example, fragment)
    # NumPy warns of the overflow in the engine's matmul (filterwarnings = error); the
    # overflow is the point here.
    with np.errstate(over="ignore", invalid="ignore"):
        static_path, _ = page_of(edited, tmp_path / "edited.html")
        reference = values(edited)
    static = browser.new_context(java_script_enabled=False)
    try:
        sp = static.new_page()
        sp.goto(static_path.resolve().as_uri())
        python_texts = dict(sp.evaluate(TEXTS))
    finally:
        static.close()
    assert "=∞" in python_texts.values()
    page = Page(context, path, fragment)
    try:
        assert_shows(page.report(), reference, switched=False)
        assert dict(page.page.evaluate(TEXTS)) == python_texts
    finally:
        page.close()


def test_phone_screen(browser: Any, tmp_path: Path) -> None:
    """At 390×844 the fields fit the screen; the screenshots are for a person to look at."""
    path, _ = page_of(load_example("mazur"), tmp_path / "mazur.html")
    with window(browser, 390, 844) as phone:
        page = Page(phone, path, "w5=0.3")
        p = page.page
        try:
            p.click('svg.gn-diagram .gn-wlabel[data-id="w1.0.1"] [data-f="v"]')
            box = p.locator(".gn-edit-box").bounding_box()
            assert box is not None and box["width"] <= 390
            p.screenshot(path=tmp_path / "phone-diagram.png")
            p.keyboard.press("Escape")
            p.click('.gn-all [data-name="i2"]')
            p.locator(".gn-edit-input").fill("abc")
            p.keyboard.press("Enter")
            p.locator(".gn-edit-input").scroll_into_view_if_needed()
            box = p.locator(".gn-edit-box").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
            width = p.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390
            p.screenshot(path=tmp_path / "phone-given.png")
        finally:
            page.close()


def with_choices(html: str, example: Example) -> str:
    """The page with ``data.choices`` in the shape the generated step's switches give it
    (``glassnet.fast.javascript.choices`` without its target rules), for the switches' controls
    alone: the numbers of a switched page are compared where the page itself carries them."""
    from glassnet.fast.javascript import choices as allowed

    listed = allowed(example.network)
    choices = {"acts": listed["acts"], "losses": listed["losses"]}
    found = re.search(r'(<script type="application/json" class="gn-data">)(.*?)(</script>)', html)
    assert found is not None
    data = json.loads(found.group(2))
    data["choices"] = choices
    text = json.dumps(data).replace("<", "\\u003c")
    return html[: found.start(2)] + text + html[found.end(2) :]


def test_activation_and_loss_switches(context: Any, tmp_path: Path) -> None:
    example = load_example("mazur")
    path = tmp_path / "mazur.html"
    path.write_text(with_choices(render_html(explain_example(example)), example), "utf-8")
    page = Page(context, path, "w5=0.3")
    p = page.page
    try:
        options = p.evaluate(
            "() => Array.from(document.querySelectorAll('select[data-choice]'))"
            ".map(s => [s.dataset.choice, s.value, Array.from(s.options).map(o => o.value)])"
        )
        assert options == [
            ["act1", "sigmoid", ["sigmoid", "tanh", "relu", "leaky_relu", "identity",
                                 "softplus", "gelu"]],
            ["act2", "sigmoid", ["sigmoid", "tanh", "relu", "leaky_relu", "identity",
                                 "softmax", "softplus", "gelu"]],
            ["loss", "half_sse", ["half_sse", "sse", "mse", "binary_cross_entropy"]],
        ]  # fmt: skip
        p.select_option('select[data-choice="act2"]', "softmax")
        p.select_option('select[data-choice="loss"]', "cross_entropy")
        p.select_option('select[data-choice="act1"]', "tanh")
        fragment = "w5=0.3&act1=tanh&act2=softmax&loss=cross_entropy"
        assert page.report()["hash"] == "#" + fragment
        assert fragment_of(apply_fragment(example, fragment), example) == fragment
        assert p.evaluate("() => window.glassnetViews.gn.state.acts") == ["tanh", "softmax"]
        # Cross-entropy needs a softmax output: switching the output away is refused.
        p.select_option('select[data-choice="act2"]', "relu")
        assert "switch the loss first" in p.inner_text(".gn-choice-msg")
        assert p.input_value('select[data-choice="act2"]') == "softmax"
        assert page.report()["hash"] == "#" + fragment
        # Targets that cross-entropy refuses: the loss switch is refused in place.
        p.select_option('select[data-choice="loss"]', "mse")
        p.click('.gn-all [data-name="target_o1"]')
        p.locator(".gn-edit-input").fill("0.5")
        p.keyboard.press("Enter")
        p.select_option('select[data-choice="loss"]', "cross_entropy")
        assert p.inner_text(".gn-choice-msg") == (
            "loss: cross_entropy needs targets >= 0 that sum to 1"
        )
        assert p.input_value('select[data-choice="loss"]') == "mse"
        p.click(".gn-reset")
        assert p.evaluate(
            "() => Array.from(document.querySelectorAll('select[data-choice]')).map(s => s.value)"
        ) == ["sigmoid", "sigmoid", "half_sse"]
        assert page.report()["hash"] == "" and p.inner_text(".gn-choice-msg") == ""
    finally:
        page.close()
