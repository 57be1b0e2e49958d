"""The widget's JavaScript (``render/assets/widget.js``) in a real headless Chromium.

No Jupyter here: a small harness page imports the widget's ES module, as anywidget does, and
calls its ``render`` with a fake anywidget model (``get``/``set``/``on``/``off``/
``save_changes``; ``set`` fires ``change:<name>`` as Backbone does, for every display of the
model). The model's state is what ``glassnet.widget.LiveView`` sends from Python.

``view.fragment()`` and ``view.load(text)`` come from edit.js, which is not on this branch:
the script gets a STAND-IN plugin (``STAND_IN`` below) that knows only ``eta``, so these tests
check the widget's side: the view runs and is live, edits reach the model, the model's
fragment reaches the view, and the numbers shown are the engine's for that learning rate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from glassnet.example import Example
from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.init import init_network
from glassnet.render.html import render_fragment
from glassnet.render.html.page import _asset
from glassnet.widget import LiveView, split_fragment
from test_browser import launched, window

pytestmark = pytest.mark.browser

ORIGIN = "https://widget.test"
RTOL = 1e-12

#: STAND-IN for edit.js (not on this branch): view.fragment() and view.load(text), eta only.
STAND_IN = """/* STAND-IN for edit.js, test only */
(window.glassnetPlugins = window.glassnetPlugins || []).push(function (view) {
  if (!view.live) { return; }  // as edit.js: no generated step, no edits
  view.fragment = function () {
    return view.state.eta === view.file.eta ? "" : "eta=" + view.state.eta;
  };
  view.load = function (text) {  // the file's values with the fragment's edits
    var found = /^(?:eta=(.+))?$/.exec(text), state = view.copyState(view.file);
    if (found && found[1]) { state.eta = Number(found[1]); }
    view.notice(found ? "" : "malformed: " + text);  // and the file's values, as edit.js
    view.set(state);
    return !!found;
  };
});
"""

#: The fake anywidget model, and a render that keeps each display's element and cleanup.
HARNESS = """async () => {
  const widget = (await import("/widget.js")).default;
  window.models = [];
  window.displays = [];
  window.makeModel = function (state) {
    const handlers = {};
    const model = {
      saved: [],
      get: (name) => state[name],
      on: (event, fn) => { (handlers[event] = handlers[event] || []).push(fn); },
      off: (event, fn) => {
        handlers[event] = (handlers[event] || []).filter((f) => f !== fn);
      },
      set: (name, value) => {
        if (state[name] === value) { return; }
        state[name] = value;
        (handlers["change:" + name] || []).slice().forEach((fn) => fn());
      },
      setMany: (values) => {  // Python's one message: every value first, then the events
        const changed = Object.keys(values).filter((name) => state[name] !== values[name]);
        Object.assign(state, values);
        changed.forEach((name) => (handlers["change:" + name] || []).forEach((fn) => fn()));
      },
      save_changes: () => { model.saved.push(state.fragment); },
    };
    window.models.push(model);
    return window.models.length - 1;
  };
  window.display = function (m, attach) {
    const el = document.createElement("div");
    el.className = "cell";
    const cleanup = widget.render({ model: window.models[m], el: el });
    if (attach) { document.body.appendChild(el); }
    window.displays.push({ el: el, cleanup: cleanup });
    return window.displays.length - 1;
  };
  window.rootOf = (d) => window.displays[d].el.querySelector(".glassnet");
  window.viewOf = (d) => (window.glassnetViews || {})[window.rootOf(d).id];
  window.w5 = (d) => Number(window.rootOf(d).querySelector('.gn-all [data-name="w5+"]')
                                  .dataset.value);
  window.report = function (d) {
    const root = window.rootOf(d);
    return {
      id: root.id,
      ready: root.getAttribute("data-gn-ready"),
      live: !!window.viewOf(d) && window.viewOf(d).live,
      named: root.querySelectorAll("[data-name]").length,
      stale: root.querySelectorAll("[data-name]:not([data-gn-live])").length,
      status: root.querySelector(".gn-status").textContent,
      controls: !root.querySelector(".gn-controls").hidden,
      notice: root.querySelector(".gn-notice").hidden ? "" : root.querySelector(".gn-notice")
                                                                   .textContent,
      marked: root.dataset.stalePlugin || "",
    };
  };
}"""


def state_of(view: LiveView) -> dict[str, str]:
    """The model state Python sends (the traits the ESM reads), with the edit.js stand-in
    registered in the script before glassnet.js, where edit.js will be."""
    return {
        "_css": view._css,
        "_html": view._html,
        "_js": STAND_IN + view._js,
        "_id": view._id,
        "fragment": view.fragment,
    }


def engine_w5(eta: float) -> float:
    """w5 after Mazur's update with learning rate ``eta``, from the Python engine."""
    example = dataclasses.replace(load_example("mazur"), learning_rate=eta)
    return float(example.step().layers[1].new_weights[0, 0])


def wide_example() -> Example:
    """A 2-13-1 network: shown in matrix form (more than 12 neurons), without a live step."""
    network = init_network([2, 13, 1], ["sigmoid", "sigmoid"], loss="half_sse", rng=0)
    return Example(network, np.array([[0.1, 0.2]]), np.array([[0.5]]), 0.5, title="wide")


def close(shown: float, reference: float) -> bool:
    return abs(shown - reference) <= RTOL * abs(reference)


class Harness:
    """An empty page at ORIGIN serving the widget's module; every other request is refused."""

    def __init__(self, context: Any, csp: str | None = None):
        self.requests: list[str] = []
        self.errors: list[str] = []
        headers = {"Content-Security-Policy": csp} if csp else {}
        self.page = context.new_page()

        def route(route: Any) -> None:
            url = route.request.url
            if url == f"{ORIGIN}/":
                route.fulfill(
                    body="<!DOCTYPE html><title>h</title>",
                    headers=headers,
                    content_type="text/html",
                )
            elif url == f"{ORIGIN}/widget.js":
                route.fulfill(body=_asset("widget.js"), content_type="text/javascript")
            else:
                route.abort()

        self.page.route("**/*", route)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(f"{ORIGIN}/")
        self.page.evaluate(HARNESS)

    def model(self, state: dict[str, str]) -> int:
        return int(self.page.evaluate("(state) => window.makeModel(state)", state))

    def display(self, model: int, attach: bool = True) -> int:
        return int(self.page.evaluate("([m, a]) => window.display(m, a)", [model, attach]))

    def wait_live(self, display: int) -> None:
        self.page.wait_for_function(
            "(d) => { const v = window.viewOf(d); return !!v && v.live; }", arg=display
        )

    def report(self, display: int) -> dict[str, Any]:
        return dict(self.page.evaluate("(d) => window.report(d)", display))

    def w5(self, display: int) -> float:
        return float(self.page.evaluate("(d) => window.w5(d)", display))

    def js(self, source: str, arg: Any = None) -> Any:
        return self.page.evaluate(source, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


def assert_live(report: dict[str, Any], steps: int) -> None:
    """The view's own script ran for it: every value rewritten by the generated step."""
    assert report["ready"] == "1" and report["live"] and report["controls"]
    assert report["named"] > 0 and report["stale"] == 0
    assert report["status"].startswith(f"Step 1 of {steps}: ")
    assert report["notice"] == ""


def test_the_widget_runs_the_view_and_syncs_the_fragment(browser: Any, tmp_path: Path) -> None:
    mazur, hill = LiveView(load_example("mazur")), LiveView(load_example("hill"))
    with window(browser, 1280, 800) as context:
        h = Harness(context)
        # An earlier view's plugin left in window.glassnetPlugins is not called again.
        h.js("""() => (window.glassnetPlugins = window.glassnetPlugins || []).push(
                  (view) => { view.root.dataset.stalePlugin = "called"; })""")
        m = h.model(state_of(mazur))
        # Rendered into a cell not in the page yet: the script waits for it.
        first = h.display(m, attach=False)
        assert h.js("(d) => window.rootOf(d).getAttribute('data-gn-ready')", first) == "wait"
        h.js("(d) => document.body.appendChild(window.displays[d].el)", first)
        h.wait_live(first)
        report = h.report(first)
        assert_live(report, 35)
        assert report["id"].startswith(mazur._id + "-w") and report["marked"] == ""
        assert close(h.w5(first), engine_w5(0.5))  # Mazur's learning rate

        # The same model shown again, and another widget: three views, none clashing.
        hm = h.model(state_of(hill))
        again, other = h.display(m), h.display(hm)
        h.wait_live(again)
        h.wait_live(other)
        assert_live(h.report(again), 35)
        assert h.report(other)["status"].startswith("Step 1 of ")
        ids = {h.report(d)["id"] for d in (first, again, other)}
        assert len(ids) == 3 and h.js("() => document.querySelectorAll('.glassnet').length") == 3
        h.js("(d) => window.rootOf(d).querySelector('[data-go=next]').click()", again)
        assert h.report(again)["status"].startswith("Step 2 of 35")
        assert h.report(first)["status"].startswith("Step 1 of 35")

        # An edit in one view (the stand-in's view.set) goes to the model, saved once, and
        # from there to the other display of the same model.
        h.js(
            """(d) => { const v = window.viewOf(d); const s = v.copyState(v.state);
                        s.eta = 0.25; v.set(s); }""",
            first,
        )
        assert h.js("(m) => [models[m].get('fragment'), models[m].saved]", m) == [
            "eta=0.25",
            ["eta=0.25"],
        ]
        for d in (first, again):
            assert close(h.w5(d), engine_w5(0.25))

        # Python sets the fragment: both views show it; nothing is sent back.
        h.js("(m) => models[m].set('fragment', 'eta=0.1')", m)
        for d in (first, again):
            assert close(h.w5(d), engine_w5(0.1))
        # No edits (Python's fragment ""): the file's numbers again.
        h.js("(m) => models[m].set('fragment', '')", m)
        for d in (first, again):
            assert close(h.w5(d), engine_w5(0.5))
        assert h.js("(m) => models[m].saved", m) == ["eta=0.25"]
        # A fragment the view refuses (Python's and the page's rules disagree): the view says
        # so and shows the file's values, and Python gets the fragment of what it shows.
        h.js("(m) => models[m].set('fragment', 'eta=0.3')", m)
        h.js("(m) => models[m].set('fragment', 'w99=1')", m)
        assert "w99" in h.report(first)["notice"]
        assert close(h.w5(first), engine_w5(0.5))
        assert h.js("(m) => [models[m].get('fragment'), models[m].saved]", m) == [
            "",
            ["eta=0.25", ""],
        ]

        # A widget made with a fragment opens with it.
        opened = h.display(h.model({**state_of(mazur), "fragment": "eta=0.4"}))
        h.wait_live(opened)
        assert close(h.w5(opened), engine_w5(0.4))
        assert h.js("(d) => window.viewOf(d).state.eta", opened) == 0.4

        # Python shows another example (view.example = ...): the display redraws, live.
        old = h.report(other)["id"]
        hill.example = load_example("mazur")
        h.js("([m, s]) => models[m].setMany(s)", [hm, state_of(hill)])
        h.wait_live(other)
        assert_live(h.report(other), 35)
        assert h.js("(id) => id in window.glassnetViews", old) is False

        # Drawn again before its first script ran: the second drawing is the view.
        quick = h.js(
            "([m, s]) => { const d = window.display(m, true); models[m].setMany(s); return d; }",
            [h.model(state_of(LiveView(load_example("lamsal")))), state_of(mazur)],
        )
        h.wait_live(quick)
        assert_live(h.report(quick), 35)

        # A view that takes no edits (matrix form: no generated step, so edit.js leaves it
        # alone): a fragment from Python is refused on the view and undone.
        wide = LiveView(wide_example())
        assert f'["{wide._id}"] = function' not in wide._js
        plain = h.model(state_of(wide))
        fixed = h.display(plain)
        h.page.wait_for_function("(d) => !!window.viewOf(d)", arg=fixed)
        assert h.report(fixed)["ready"] == "1" and not h.report(fixed)["live"]
        h.js("(m) => models[m].set('fragment', 'eta=0.3')", plain)
        assert h.report(fixed)["notice"] == (
            "This view cannot show edits, so these were not applied: eta=0.3"
        )
        assert h.js("(m) => [models[m].get('fragment'), models[m].saved]", plain) == ["", [""]]

        # Closing a display forgets its view.
        gone = h.report(again)["id"]
        h.js("(d) => window.displays[d].cleanup()", again)
        assert (
            h.js("(id) => id in window.glassnetViews || id in window.glassnetSteps", gone) is False
        )
        h.js("() => window.scrollTo(0, 0)")
        h.page.screenshot(path=tmp_path / "widget.png")
        assert h.errors == []
        assert h.requests == [f"{ORIGIN}/", f"{ORIGIN}/widget.js"]


def test_another_views_script_does_not_start_the_widgets_view(browser: Any) -> None:
    """The notebook's static display of another example runs its script (glassnet.js starts
    every view in the document not started yet) while the widget's own script has not run:
    the widget's view waits for its own, and both end up live."""
    static = split_fragment(render_fragment(explain_example(load_example("lamsal"))))
    with window(browser, 1280, 800) as context:
        h = Harness(context)
        m = h.model(state_of(LiveView(load_example("mazur"))))
        widget = h.js(
            """([m, html, js]) => {
                 const d = window.display(m, true);  // its script is fetched, not run yet
                 const cell = document.createElement("div");
                 cell.innerHTML = html;
                 document.body.appendChild(cell);
                 const script = document.createElement("script");
                 script.textContent = js;  // runs now, as the notebook runs a cell's script
                 document.body.appendChild(script);
                 return d;
               }""",
            [m, static["html"], static["js"]],
        )
        h.wait_live(widget)
        assert_live(h.report(widget), 35)
        assert h.js("(id) => window.glassnetViews[id].live", static["id"]) is True
        assert h.errors == []


@pytest.mark.parametrize(
    ("csp", "runs"),
    [
        # No inline scripts but blob: ones (anywidget itself needs them): the view runs.
        ("default-src 'none'; script-src 'self' blob:; style-src 'unsafe-inline'", True),
        # Not even blob: (anywidget could not load a widget there): the static view stays.
        ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'", False),
    ],
)
def test_under_a_strict_csp(browser: Any, csp: str, runs: bool) -> None:
    with window(browser, 1280, 800) as context:
        h = Harness(context, csp)
        d = h.display(h.model(state_of(LiveView(load_example("mazur")))))
        if runs:
            h.wait_live(d)
            assert_live(h.report(d), 35)
            assert h.errors == []
            return
        h.page.wait_for_function(
            "(d) => !window.rootOf(d).querySelector('.gn-notice').hidden", arg=d
        )
        report = h.report(d)
        assert report["notice"].startswith("This notebook did not run the view's script")
        # The static view: the file's numbers as Python wrote them, no controls.
        assert report["stale"] == report["named"] > 0 and not report["controls"]
        assert close(h.w5(d), engine_w5(0.5))
        assert [e for e in h.errors if "Content Security Policy" not in e] == []
