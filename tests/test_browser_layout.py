"""The page's geometry in a real headless Chromium: labels that never collide, and the current
step in view on a laptop and on a phone.

The label test measures what Chromium drew (``getBBox`` of every text and box of the diagram)
at every stop of the step controls, for every parameter's derivation and at every slider
position, and asserts that no two texts overlap, that no text overlaps a neuron or bias box
other than its own (a neuron's name and values sit inside its box), and that everything is
inside the SVG's viewBox. Run alone with ``python -m pytest tests/test_browser_layout.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.engine import backprop
from glassnet.explanation import explain
from glassnet.network import Layer, Network
from glassnet.render.html import render_html
from test_browser import Watched, launched, window, write_page

pytestmark = pytest.mark.browser

# A 3-4-3-2 tanh network with a softmax output and a batch of three samples.
BIG = """
title = "3-4-3-2 tanh network, softmax output"
description = "Three samples, two classes."
loss = "cross_entropy"
learning_rate = 0.1

[[layers]]
activation = "tanh"
weights = [[0.2, -0.1, 0.4], [-0.3, 0.5, 0.1], [0.25, 0.3, -0.2], [0.1, -0.4, 0.35]]
bias = [0.1, -0.1, 0.0, 0.2]

[[layers]]
activation = "tanh"
weights = [[0.3, -0.2, 0.15, 0.1], [-0.5, 0.4, 0.2, -0.1], [0.15, 0.1, -0.3, 0.25]]
bias = [0.05, -0.05, 0.1]

[[layers]]
activation = "softmax"
weights = [[0.6, -0.4, 0.3], [-0.2, 0.5, 0.6]]
bias = [0.0, 0.1]

[[samples]]
input = [0.2, -0.7, 0.9]
target = [1, 0]

[[samples]]
input = [-0.5, 0.3, 0.1]
target = [0, 1]

[[samples]]
input = [0.8, 0.1, -0.4]
target = [1, 0]
"""

# The problems with one diagram's texts and boxes, measured in its own units (the viewBox's).
MEASURE = """(svg) => {
    const slack = 0.5;  // a glyph box may touch the next one
    const vb = svg.viewBox.baseVal;
    const shown = (el) => el.getClientRects().length > 0 && el.textContent.trim() !== "";
    const box = (el) => {
        const b = el.getBBox();
        return [b.x, b.y, b.x + b.width, b.y + b.height];
    };
    const overlap = (a, b) => Math.min(a[2], b[2]) - Math.max(a[0], b[0]) > slack
        && Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > slack;
    const inside = (a, b) => a[0] >= b[0] - slack && a[1] >= b[1] - slack
        && a[2] <= b[2] + slack && a[3] <= b[3] + slack;
    const frame = [vb.x, vb.y, vb.x + vb.width, vb.y + vb.height];
    const boxes = Array.from(svg.querySelectorAll(".gn-node > rect.gn-box"))
        .map((r) => ({ id: r.parentNode.dataset.id, b: box(r) }));
    const texts = Array.from(svg.querySelectorAll("text")).filter(shown).map((t) => {
        // A neuron's targets and errors are written beside its box, not in it.
        const beside = t.dataset.f === "t" || t.dataset.f === "e";
        const node = beside ? null : t.closest(".gn-node");
        const id = (node ? node.dataset.id + ":" : "") + t.textContent;
        return { id: id, own: node && node.dataset.id, b: box(t) };
    });
    const problems = [];
    texts.forEach((t, k) => {
        if (!inside(t.b, frame)) { problems.push(`${t.id} outside the viewBox`); }
        texts.slice(k + 1).forEach((u) => {
            if (overlap(t.b, u.b)) { problems.push(`${t.id} overlaps ${u.id}`); }
        });
        boxes.forEach((n) => {
            if (n.id === t.own) {
                if (!inside(t.b, n.b)) { problems.push(`${t.id} sticks out of its box`); }
            } else if (overlap(t.b, n.b)) { problems.push(`${t.id} overlaps box ${n.id}`); }
        });
    });
    boxes.forEach((n) => {
        if (!inside(n.b, frame)) { problems.push(`${n.id} outside the viewBox`); }
    });
    return problems;
}"""

# Every stop of the controls, every derivation (if asked), every slider position: the
# problems of each. The list of steps and the panels do not change the diagram's geometry;
# they are hidden to keep the walk fast on a large network.
WALK = (
    """(derivations) => {
    const measure = """
    + MEASURE
    + """;
    const main = document.querySelector("svg.gn-diagram:not(.gn-mini)");
    const status = document.querySelector(".gn-status");
    const found = [];
    document.querySelectorAll(".gn-all, .gn-panels").forEach((e) => { e.hidden = true; });
    const check = (where, svg) => measure(svg).forEach((p) => found.push(where + ": " + p));
    const next = document.querySelector("[data-go=next]");
    check(status.textContent, main);
    while (!next.disabled) {
        next.click();
        check(status.textContent, main);
    }
    if (derivations) {
        document.querySelectorAll("button[data-param]").forEach((b) => {
            b.click();
            check("derivation of " + b.textContent, main);
        });
    }
    const slider = document.querySelector("input[type=range]");
    const mini = document.querySelector("svg.gn-mini");
    if (slider && mini) {
        for (let p = 0; p <= Number(slider.max); p += 1) {
            slider.value = String(p);
            slider.dispatchEvent(new Event("input"));
            check("slider " + p, mini);
        }
    }
    return { problems: found, stops: status.textContent };
}"""
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


def walk_problems(browser: Any, path: Path, *, derivations: bool = True) -> list[str]:
    with window(browser, 1280, 800) as context:
        page = Watched(context, path)
        result = page.page.evaluate(WALK, derivations)
        page.assert_clean()
    assert result["stops"].startswith("Step ")
    return list(result["problems"])


@pytest.fixture(scope="module")
def big_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    (folder / "big.toml").write_text(BIG, encoding="utf-8")
    return write_page(folder / "big.html", str(folder / "big.toml"))


@pytest.mark.parametrize(
    "args",
    [("mazur",), ("hill",), ("lamsal",), ("mazur", "--steps", "50"), ("hill", "--steps", "7")],
    ids=["mazur", "hill", "lamsal", "mazur-steps-50", "hill-steps-7"],
)
def test_labels_never_collide_in_the_examples(
    browser: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    assert walk_problems(browser, write_page(tmp_path / "page.html", *args)) == []


def test_labels_never_collide_in_a_softmax_batch(browser: Any, big_page: Path) -> None:
    assert walk_problems(browser, big_page) == []


@st.composite
def networks(draw: st.DrawFn) -> tuple[Network, np.ndarray, np.ndarray]:
    """A network of 1 to 3 layers of 1 to 12 neurons, any bias mode, and one sample."""
    sizes = draw(st.lists(st.integers(1, 12), min_size=2, max_size=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layers = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        bias = draw(st.sampled_from(["neuron", "shared", "none"]))
        b = {"neuron": rng.normal(0, 2, n_out), "shared": rng.normal(0, 2), "none": None}[bias]
        last = k == len(sizes) - 2
        activation = "softmax" if last and n_out > 1 and draw(st.booleans()) else "tanh"
        layers.append(Layer(rng.normal(0, 3, (n_out, n_in)), activation, bias=b))
    loss = "cross_entropy" if layers[-1].activation.name == "softmax" else "half_sse"
    n_samples = 1
    inputs = rng.normal(0, 5, (n_samples, sizes[0]))
    targets = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n_samples)]
    return Network(layers, loss=loss), inputs, targets


@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=networks())
def test_labels_never_collide_on_drawn_shapes(
    browser: Any, tmp_path: Path, case: tuple[Network, np.ndarray, np.ndarray]
) -> None:
    network, inputs, targets = case
    path = tmp_path / "drawn.html"
    path.write_text(render_html(explain(backprop(network, inputs, targets, 0.5))), "utf-8")
    assert walk_problems(browser, path, derivations=False) == [], network.sizes


def test_labels_never_collide_in_the_largest_shape(browser: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    layers = [
        Layer(rng.normal(0, 3, (12, 12)), "tanh", bias=rng.normal(0, 1, 12)) for _ in range(3)
    ]
    network = Network(layers)
    path = tmp_path / "largest.html"
    inputs, targets = rng.normal(0, 5, (1, 12)), rng.uniform(0, 1, (1, 12))
    path.write_text(render_html(explain(backprop(network, inputs, targets, 0.5))), "utf-8")
    assert walk_problems(browser, path, derivations=False) == []


# -- the current step in view ---------------------------------------------------

# Where the diagram's box, the controls, "This step" and the step's first lit neuron are, and
# whether that neuron is what the window shows at its centre (not hidden under anything).
PLACES = """() => {
    const rect = (el) => {
        const r = el.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom];
    };
    const svg = document.querySelector("svg.gn-diagram:not(.gn-mini)");
    // The stop's first lit neuron: the one its step is about.
    const data = JSON.parse(document.querySelector("script.gn-data").textContent);
    const number = Number(document.querySelector(".gn-status").textContent.split(" ")[1]);
    const lit = data.stops[number - 1].hl
        .map((id) => svg.querySelector(`.gn-node[data-id="${id}"]`)).filter((el) => el);
    let node = null;
    if (lit.length) {
        const r = lit[0].querySelector("rect").getBoundingClientRect();
        const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
        const seen = hit && hit.closest(".gn-node");
        node = { id: lit[0].dataset.id, rect: rect(lit[0].querySelector("rect")),
                 seen: seen ? seen.dataset.id : null };
    }
    return {
        status: document.querySelector(".gn-status").textContent,
        view: rect(document.querySelector(".gn-view")),
        controls: rect(document.querySelector(".gn-controls")),
        current: rect(document.querySelector(".gn-current h2")),
        body: rect(document.querySelector(".gn-current-body")),
        derivation: rect(document.querySelector(".gn-derivation h2")),
        chain: rect(document.querySelector(".gn-derivation-body")),
        node: node,
        height: window.innerHeight,
        width: document.documentElement.clientWidth,
    };
}"""


def within(rect: list[float], width: float, height: float) -> bool:
    left, top, right, bottom = rect
    return left >= -0.5 and top >= -0.5 and right <= width + 0.5 and bottom <= height + 0.5


def assert_lit_neuron_seen(places: dict[str, Any]) -> None:
    """The step's first lit neuron is inside the window and is what the window shows there."""
    node = places["node"]
    if node is None:
        return
    assert within(node["rect"], places["width"], places["height"]), (places["status"], node)
    assert node["seen"] == node["id"], (places["status"], node)


@pytest.mark.parametrize("name", ["mazur", "big"])
def test_diagram_controls_and_step_in_view_at_1280x800(
    browser: Any, tmp_path: Path, big_page: Path, name: str
) -> None:
    path = big_page if name == "big" else write_page(tmp_path / "mazur.html", "mazur")
    with window(browser, 1280, 800) as context:
        page = Watched(context, path)
        for step in range(60):
            places = page.page.evaluate(PLACES)
            for part in ("view", "controls", "current"):
                assert within(places[part], 1280, 800), (step, part, places)
            # "This step" shows at least its first lines.
            assert places["body"][1] < 800 - 60, (step, places)
            assert_lit_neuron_seen(places)
            page.page.keyboard.press("ArrowRight")
        page.assert_clean()


def test_clicked_derivation_is_brought_into_view(browser: Any, tmp_path: Path) -> None:
    path = write_page(tmp_path / "mazur.html", "mazur")
    with window(browser, 1280, 800) as context:
        page = Watched(context, path)
        page.page.locator("svg.gn-diagram .gn-wlabel", has_text="w5").click()
        places = page.page.evaluate(PLACES)
        assert "Derivation of w5" in page.page.inner_text(".gn-derivation-body")
        # Its heading and the start of the chain rule, in the upper half of the window.
        assert within(places["derivation"], 1280, 800), places
        assert 0 <= places["chain"][1] < 400, places
        # The diagram stays in view beside it.
        assert within(places["view"], 1280, 800), places
        page.assert_clean()


def test_phone_keeps_the_lit_neuron_in_view(browser: Any, tmp_path: Path) -> None:
    path = write_page(tmp_path / "mazur.html", "mazur")
    with window(browser, 390, 844) as context:
        page = Watched(context, path)
        statuses = []
        for _ in range(34):
            page.page.click("[data-go=next]")
            places = page.page.evaluate(PLACES)
            statuses.append(places["status"])
            assert_lit_neuron_seen(places)
            assert within(places["controls"], 390, 844), places
        assert "Step 7 of 35: Forward pass · o1" in statuses
        assert page.overflow() == (390, 390)
        page.assert_clean()


# -- batches: one sample at a time ---------------------------------------------


def test_batch_diagram_shows_one_sample_and_switches(browser: Any, big_page: Path) -> None:
    from glassnet.examples import load_example

    example = load_example(str(big_page.with_suffix(".toml")))
    trace = backprop(example.network, example.inputs, example.targets, example.learning_rate)
    values = """() => Object.fromEntries(Array.from(document.querySelectorAll(
        'svg.gn-diagram:not(.gn-mini) [data-f]')).map(f => [
            f.closest('[data-id]').dataset.id + ':' + f.dataset.f, f.textContent]))"""
    with window(browser, 1280, 800) as context:
        page = Watched(context, big_page)
        note = page.page.locator(".gn-sample-note")
        assert note.inner_text() == "The diagram shows sample 1 of 3."
        while "Forward pass · h1_1, sample 2" not in page.state()[0]:
            page.page.keyboard.press("ArrowRight")
        assert note.inner_text() == "The diagram shows sample 2 of 3."
        shown = page.page.evaluate(values)
        # Sample 2's inputs and targets, h1_1's output for sample 2, nothing yet after it.
        assert shown["x0:v"] == "-0.5" and shown["n2.1:t"] == "target = 1"
        assert shown["n0.0:v"] == f"{trace.layers[0].out[1, 0]:.4f}".rstrip("0")
        assert shown["n2.0:v"] == "" and shown["n0.1:v"] == ""
        # The learner switches to sample 1: its values, as far as the walk has come.
        page.page.click("button[data-sample='0']")
        assert note.inner_text() == "The diagram shows sample 1 of 3."
        shown = page.page.evaluate(values)
        assert shown["x0:v"] == "0.2" and shown["n2.1:t"] == "target = 0"
        assert shown["n2.0:v"] == f"{trace.layers[2].out[0, 0]:.4f}".rstrip("0")
        assert page.page.get_attribute("button[data-sample='0']", "aria-pressed") == "true"
        page.assert_clean()


# -- MathML in display style; no light frame in dark mode ------------------------


def test_fractions_are_full_size(browser: Any, big_page: Path) -> None:
    sizes = """() => Array.from(document.querySelectorAll('.gn-all mfrac')).map(f => [
        parseFloat(getComputedStyle(f.closest('math')).fontSize),
        parseFloat(getComputedStyle(f.firstElementChild).fontSize),
        parseFloat(getComputedStyle(f.lastElementChild).fontSize),
        f.parentNode.closest('mfrac') !== null])"""
    with window(browser, 1280, 800) as context:
        page = Watched(context, big_page)
        fractions = page.page.evaluate(sizes)
        assert any(nested for *_, nested in fractions)  # the batch mean's fraction of fractions
        for math, top, bottom, _ in fractions:
            assert top == bottom == math
        page.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_frame_around_the_page(browser: Any, tmp_path: Path, scheme: str) -> None:
    path = write_page(tmp_path / "mazur.html", "mazur")
    context = browser.new_context(viewport={"width": 800, "height": 600}, color_scheme=scheme)
    try:
        page = Watched(context, path)
        frame, view, margin = page.page.evaluate(
            """() => [getComputedStyle(document.documentElement).backgroundColor,
                      getComputedStyle(document.querySelector('.glassnet')).backgroundColor,
                      getComputedStyle(document.body).margin]"""
        )
        assert frame == view and margin == "0px"
        assert view == ("rgb(20, 23, 29)" if scheme == "dark" else "rgb(255, 255, 255)")
        page.assert_clean()
    finally:
        context.close()


# -- the pictures in docs/html.md ---------------------------------------------------


def screenshots(folder: Path) -> None:
    """Mazur's page at 1280×800 and on a 390×844 phone, and the 3-4-3-2 batch page."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, launched() as chromium:
        mazur = write_page(Path(tmp) / "mazur.html", "mazur")
        (Path(tmp) / "big.toml").write_text(BIG, encoding="utf-8")
        big = write_page(Path(tmp) / "big.html", str(Path(tmp) / "big.toml"))
        shots = [
            (mazur, 1280, 800, "Forward pass · o1", "html-mazur-1280x800.png"),
            (mazur, 390, 844, "Forward pass · o1", "html-mazur-390x844.png"),
            (big, 1280, 800, "Forward pass · h2_1, sample 2", "html-batch-3-4-3-2.png"),
        ]
        for path, width, height, stop, name in shots:
            with window(chromium, width, height) as context:
                page = Watched(context, path)
                while not page.state()[0].endswith(stop):
                    page.page.click("[data-go=next]")
                page.page.wait_for_timeout(500)  # the highlight fades in
                page.page.screenshot(path=str(folder / name))
                page.assert_clean()


if __name__ == "__main__":
    import sys

    screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
