"""*Train on this page* (``assets/train.js``) in a real headless Chromium, through its controls.

The page trains with the generated training loop (``window.glassnetTrain``) where
``glassnet train`` runs the compiled loop, and with the generated step
(``window.glassnetSteps``, one call per update) elsewhere (softmax, paired losses). Here
the buttons are pressed as a user would and the result is compared with the Python
trainer (``glassnet.fast.full_batch.train``, what ``glassnet train`` runs): the loss and
every parameter after the run, to 1e-12 relative; at a pause, every ``data-value`` of
the page against the engine's explanation of the next update from the parameters reached.

Run alone with ``python -m pytest tests/test_live_train.py -m browser -s`` (``-s`` shows
the measured time of Mazur's 10,000 updates); ``python tests/test_live_train.py`` only
measures it.
"""

from __future__ import annotations

import math
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from glassnet.cli import main
from glassnet.engine import backprop
from glassnet.errors import TrainingDivergedError
from glassnet.examples import load_example
from glassnet.explanation import explain
from glassnet.fast.compiled import parameters, set_parameters
from glassnet.fast.full_batch import train
from glassnet.network import Layer, Network
from glassnet.render.html import render_html
from glassnet.render.json import explanation_to_dict
from strategies import Case, cases
from test_browser import EXAMPLES, Watched, launched, window
from test_live_page import equal

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    with window(browser, 1280, 900) as ctx:
        yield ctx


#: The state of the section and of the view, after a run or at a pause.
STATE = """() => {
    const root = document.querySelector('.glassnet');
    const count = root.querySelector('.gn-train-count');
    return {
        updates: Number(count.dataset.gnUpdates),
        loss: count.dataset.gnLoss,
        count: count.textContent,
        message: root.querySelector('.gn-train-message').textContent,
        running: root.querySelector('.gn-train').dataset.gnRunning,
        p: window.glassnetViews[root.id].state.p,
        loop: typeof (window.glassnetTrain || {})[root.id] === 'function',
        points: root.querySelector('.gn-train-line').getAttribute('points').split(' ').length,
        label: root.querySelector('.gn-train-curve').getAttribute('aria-label'),
    };
}"""

#: Every value the page shows, by check name (each element that carries one).
VALUES = """() => Array.from(document.querySelectorAll('[data-name]'))
                 .map(e => [e.dataset.name, e.dataset.value])"""


def write(path: Path, *args: str) -> Path:
    assert main(["explain", *args, "--format", "html", "-o", str(path)]) == 0
    return path


def page_of(context: Any, path: Path) -> Watched:
    page = Watched(context, path)
    assert page.page.get_attribute(".gn-train", "hidden") is None  # shown by the script
    return page


def run(page: Watched, steps: int, speed: str = "f1000") -> dict[str, Any]:
    """Types the number of updates, picks the speed, presses Train and waits for the end."""
    page.page.fill(".gn-train-steps", str(steps))
    page.page.select_option(".gn-train-speed", speed)
    page.page.click("[data-train=run]")
    page.page.wait_for_function(
        "() => document.querySelector('.gn-train').dataset.gnRunning === '0'", timeout=120_000
    )
    return dict(page.page.evaluate(STATE))


def close(a: float, b: float, floor: float = 0.0) -> bool:
    return a == b or abs(a - b) <= max(1e-12 * max(abs(a), abs(b)), floor)


def assert_trained_as_python(
    state: dict[str, Any],
    network: Network,
    inputs: Any,
    targets: Any,
    eta: float,
    steps: int,
    *,
    floor: float = 0.0,
) -> None:
    """The page's run equals ``full_batch.train``'s: the updates made, the loss after
    them, every parameter (to 1e-12 relative, or ``floor`` times the largest parameter);
    or, if that diverges, stops at the same update."""
    try:
        trained = train(network, inputs, targets, eta, steps)
    except TrainingDivergedError as diverged:
        assert state["updates"] == diverged.step - 1, state["message"]
        assert state["message"].startswith(f"Update {diverged.step:,} gives E_total = ")
        good = parameters(diverged.network)
    else:
        assert state["updates"] == steps, state["message"]
        assert close(float(state["loss"]), trained.loss, floor), (state["loss"], trained.loss)
        good = parameters(trained.network)
    assert len(state["p"]) == len(good)
    scale = floor * max([1.0, *map(abs, good)])
    assert all(close(a, b, scale) for a, b in zip(state["p"], good, strict=True)), (
        state["p"],
        good,
    )


def test_mazur_10000_updates_end_where_glassnet_train_does(
    context: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = page_of(context, write(tmp_path / "mazur.html", "mazur"))
    elapsed = page.page.evaluate(TIMED_RUN, "f1000")  # the default speed
    state = page.page.evaluate(STATE)
    example = load_example("mazur")
    assert state["loop"]  # the generated training loop, not single steps
    assert_trained_as_python(
        state, example.network, example.inputs, example.targets, example.learning_rate, 10_000
    )
    # what `glassnet train mazur --steps 10000` prints, to its 9 digits
    assert main(["train", "mazur", "--steps", "10000"]) == 0
    last = re.search(r"(?m)^\s*10000\s+(\S+)$", capsys.readouterr().out)
    assert last is not None
    assert f"{float(state['loss']):.8e}" == f"{float(last.group(1)):.8e}" == "3.51018778e-05"
    assert f"{float(state['loss']):.7g}" == "3.510188e-05"
    assert state["count"] == "10,000 updates · E_total = 3.51018778e-05"
    assert state["message"].startswith("Done: 10,000 updates, E_total = 3.51018778e-05.")
    assert state["label"].endswith("to 3.51018778e-05, on a log scale")
    assert state["points"] == 600  # the curve's points, evenly spread over 10,001 losses
    # the step-through shows update 10,001: from the parameters after 10,000
    assert float(page.page.get_attribute(".gn-all [data-name=E_total]", "data-value") or "") == (
        float(state["loss"])
    )
    page.assert_clean()
    with capsys.disabled():
        print(f"\nMazur, 10,000 updates through the page (1,000 a frame): {elapsed:.0f} ms")


@pytest.mark.parametrize("name", ["hill", "lamsal"])
def test_examples_1000_updates_as_glassnet_train(context: Any, tmp_path: Path, name: str) -> None:
    page = page_of(context, write(tmp_path / f"{name}.html", name))
    state = run(page, 1000, speed="f100")
    example = load_example(name)
    assert_trained_as_python(
        state, example.network, example.inputs, example.targets, example.learning_rate, 1000
    )
    page.assert_clean()


def softmax_mazur(tmp_path: Path) -> Path:
    """Mazur with a softmax output and cross-entropy (a paired loss through the step's
    structural switch)."""
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8")
    text = text.replace('loss = "half_sse"', 'loss = "cross_entropy"')
    text = text.replace(
        'activation = "sigmoid"\nweights = [[0.40', 'activation = "softmax"\nweights = [[0.40'
    )
    text = text.split("[claims]")[0]
    path = tmp_path / "softmax.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_network_without_a_training_loop_trains_step_by_step(
    context: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page whose network is too large for the generated loop (javascript.trainable: the
    # sizes glassnet train compiles) still shows every neuron and trains update by update.
    monkeypatch.setattr("glassnet.render.html.page.trainable", lambda *args: False)
    source = softmax_mazur(tmp_path)
    page = page_of(context, write(tmp_path / "softmax.html", str(source)))
    state = run(page, 1000, speed="f1000")
    assert not state["loop"]
    example = load_example(str(source))
    assert example.network.layers[-1].activation.name == "softmax"
    assert_trained_as_python(
        state, example.network, example.inputs, example.targets, example.learning_rate, 1000
    )
    page.assert_clean()


def sensitivity(case: Case, steps: int) -> float:
    """How far ``steps`` updates in Python move apart when the starting parameters are 4
    units in the last place larger, relative to the parameters' size: about 1e-15 where
    gradient descent settles, up to order 1 where a large learning rate makes it chaotic
    (there no two float64 implementations can agree after many updates)."""

    def end(scale: float) -> tuple[int, list[float]]:
        network = case.network()
        set_parameters(network, [v * scale for v in parameters(network)])
        try:
            return steps, parameters(
                train(network, case.inputs, case.targets, case.learning_rate, steps).network
            )
        except TrainingDivergedError as diverged:
            return diverged.step, parameters(diverged.network)

    (n0, p0), (n1, p1) = end(1.0), end(1.0 + 2.0**-50)
    if n0 != n1:
        return math.inf
    size = max([1.0, *map(abs, p0)])
    return max((abs(a - b) for a, b in zip(p0, p1, strict=True)), default=0.0) / size


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=4, max_samples=3))
def test_random_networks_1000_updates_as_python(
    context: Any, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    """Where 1,000 updates are well conditioned (see ``sensitivity``), the page's equal
    Python's: updates made, loss, parameters (to 1e-12 relative or 1e-12 of the largest)."""
    assume(sensitivity(case, 1000) < 1e-13)
    network = case.network()
    explanation = explain(backprop(network, case.inputs, case.targets, case.learning_rate))
    path = tmp_path_factory.mktemp("train") / "case.html"
    path.write_text(render_html(explanation), encoding="utf-8")
    page = page_of(context, path)
    try:
        state = run(page, 1000, speed="f1000")
        assert_trained_as_python(
            state, case.network(), case.inputs, case.targets, case.learning_rate, 1000, floor=1e-12
        )
        page.assert_clean()
    finally:
        page.page.close()


def assert_page_shows_next_update(page: Watched, network: Network, example: Any) -> None:
    """Every data-value of the page equals the engine's explanation of one update of
    ``network`` (the parameters reached) on the example's samples."""
    with np.errstate(over="ignore", invalid="ignore"):  # the update that fails overflows
        trace = backprop(network, example.inputs, example.targets, example.learning_rate)
        reference = explanation_to_dict(explain(trace))["values"]
    shown = page.page.evaluate(VALUES)
    assert len(shown) >= 70  # Mazur's page shows 77
    wrong = [
        (name, value, reference.get(name))
        for name, value in shown
        if not equal(float(value), reference.get(name))
    ]
    assert wrong == []


def test_pause_shows_that_update_exactly(context: Any, tmp_path: Path) -> None:
    page = page_of(context, write(tmp_path / "mazur.html", "mazur"))
    page.page.fill(".gn-train-steps", "10000")
    page.page.select_option(".gn-train-speed", "f1")
    page.page.click("[data-train=run]")
    page.page.wait_for_function(
        "() => Number(document.querySelector('.gn-train-count').dataset.gnUpdates) >= 25"
    )
    page.page.click("[data-train=pause]")
    state = page.page.evaluate(STATE)
    k = state["updates"]
    assert state["running"] == "0" and 25 <= k < 10_000
    assert state["message"] == (
        f"Paused after {k} updates ({10_000 - k:,} to go: Train goes on). "
        f"The steps show update {k + 1}."
    )
    example = load_example("mazur")
    trained = train(example.network, example.inputs, example.targets, example.learning_rate, k)
    assert all(close(a, b) for a, b in zip(state["p"], parameters(trained.network), strict=True))
    assert close(float(state["loss"]), trained.loss)
    assert_page_shows_next_update(page, trained.network, example)

    # Step: one more update, and the page shows the one after it.
    page.page.click("[data-train=step]")
    state = page.page.evaluate(STATE)
    assert state["updates"] == k + 1
    after = example.network.copy()
    set_parameters(after, [float(v) for v in state["p"]])
    again = train(example.network, example.inputs, example.targets, example.learning_rate, k + 1)
    assert all(close(a, b) for a, b in zip(state["p"], parameters(again.network), strict=True))
    assert_page_shows_next_update(page, again.network, example)

    # Train goes on to the end of the run; Reset training goes back to the file's numbers.
    page.page.select_option(".gn-train-speed", "f10000")
    page.page.click("[data-train=run]")
    page.page.wait_for_function(
        "() => document.querySelector('.gn-train').dataset.gnRunning === '0'"
    )
    assert page.page.evaluate(STATE)["updates"] == 10_000
    page.page.click("[data-train=reset]")
    state = page.page.evaluate(STATE)
    assert state["updates"] == 0 and state["count"] == "0 updates · E_total = 0.298371109"
    assert state["p"] == parameters(example.network)
    assert_page_shows_next_update(page, example.network, example)
    assert page.page.is_disabled("[data-train=reset]")
    page.assert_clean()


@pytest.mark.parametrize(
    ("output", "loop"), [("identity", True), ("softmax", True), ("softmax", False)]
)
def test_a_diverging_run_stops_with_a_message(
    context: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str, loop: bool
) -> None:
    """η = 1e6 on a linear network or a linear hidden layer under softmax and cross-entropy,
    in the generated training loop or (a page without one) step by step: the loss overflows
    or becomes NaN (after 1 and 42 good updates); training stops before the update that
    gives it, keeps the parameters of the last good state and says which update."""
    if not loop:
        monkeypatch.setattr("glassnet.render.html.page.trainable", lambda *args: False)
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8").split("[claims]")[0]
    text = re.sub(r"(?m)^learning_rate = .*$", "learning_rate = 1e6", text)
    if output == "softmax":
        text = text.replace('loss = "half_sse"', 'loss = "cross_entropy"')
        text = text.replace('"sigmoid"\nweights = [[0.40', '"softmax"\nweights = [[0.40')
    text = text.replace('"sigmoid"', '"identity"')
    source = tmp_path / "wild.toml"
    source.write_text(text, encoding="utf-8")
    page = page_of(context, write(tmp_path / "wild.html", str(source)))
    state = run(page, 1000)
    example = load_example(str(source))
    with pytest.raises(TrainingDivergedError) as diverged:
        train(example.network, example.inputs, example.targets, example.learning_rate, 1000)
    n = diverged.value.step
    assert state["updates"] == n - 1 >= 1
    assert state["loop"] == loop
    assert re.fullmatch(
        rf"Update {n} gives E_total = (∞|NaN): training stopped\. The page shows the last good "
        rf"state, after {n - 1} updates?; the steps show the update that fails\.",
        state["message"],
    ), state["message"]
    good = parameters(diverged.value.network)
    assert all(close(a, b) for a, b in zip(state["p"], good, strict=True))
    assert math.isfinite(float(state["loss"]))
    # the update that fails, from the last good parameters, as the engine shows it
    assert_page_shows_next_update(page, diverged.value.network, example)
    # Train again: the same update fails again, nothing moves
    assert run(page, 1000)["updates"] == n - 1
    page.assert_clean()


def test_keyboard_only_train_pause_step(browser: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "mazur.html", "mazur")
    with window(browser, 390, 844) as ctx:
        page = page_of(ctx, path)
        keys = page.page.keyboard

        def focused() -> str:
            return str(
                page.page.evaluate(
                    "() => document.activeElement.dataset.train || document.activeElement.className"
                )
            )

        def tab_to(name: str) -> None:
            for _ in range(60):
                keys.press("Tab")
                if focused() == name:
                    return
            pytest.fail(f"Tab never reached {name}")

        tab_to("gn-train-steps")
        keys.press("Control+A")
        keys.type("500")
        tab_to("gn-train-speed")
        keys.press("Home")  # the slowest: one update a second
        assert page.page.evaluate("() => document.activeElement.value") == "s1"
        keys.press("Shift+Tab")
        keys.press("Shift+Tab")
        for _ in range(4):
            if focused() == "run":
                break
            keys.press("Shift+Tab")
        assert focused() == "run"
        outline = page.page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        keys.press("Enter")  # Train: the focus moves to Pause
        assert focused() == "pause"
        page.page.wait_for_function(
            "() => Number(document.querySelector('.gn-train-count').dataset.gnUpdates) >= 1"
        )
        keys.press("Enter")  # Pause: the focus comes back to Train
        state = page.page.evaluate(STATE)
        k = state["updates"]
        assert state["running"] == "0" and 1 <= k < 500
        assert focused() == "run"
        keys.press("Tab")  # Pause is disabled: Step is next
        assert focused() == "step"
        keys.press("Enter")
        keys.press("Enter")
        assert page.page.evaluate(STATE)["updates"] == k + 2
        keys.press("Tab")
        assert focused() == "reset"
        keys.press("Enter")
        assert page.page.evaluate(STATE)["updates"] == 0
        # a number that is not a count is refused in place
        page.page.focus(".gn-train-steps")
        keys.press("Control+A")
        keys.type("abc")
        keys.press("Enter")
        state = page.page.evaluate(STATE)
        assert state["message"] == (
            "Updates per run must be a whole number from 1 to 1,000,000, got “abc”."
        )
        assert state["running"] == "0" and state["updates"] == 0
        assert page.page.get_attribute(".gn-train-steps", "aria-invalid") == "true"
        assert page.overflow() == (390, 390)
        page.assert_clean()


def test_live_training_next_to_the_static_one(context: Any, tmp_path: Path) -> None:
    """A page made with ``--steps 50`` keeps its section of glassnet's run and its slider;
    the live section trains on its own, to the same loss."""
    page = page_of(context, write(tmp_path / "mazur50.html", "mazur", "--steps", "50"))
    caption = page.page.inner_text(".gn-slider-text")
    assert caption.startswith("50 updates: E_total = ")
    state = run(page, 50)
    assert state["count"] == caption.replace("50 updates: E_total = ", "50 updates · E_total = ")
    page.page.focus("input[type=range]")  # the static slider still works
    page.page.keyboard.press("Home")
    assert page.page.inner_text(".gn-slider-text") == "0 updates: E_total = 0.298371109"
    assert page.page.evaluate(STATE)["updates"] == 50
    page.assert_clean()


def test_no_section_without_a_generated_step() -> None:
    """Matrix form has no generated step: no training controls (nothing for them to run)."""
    network = Network(
        [
            Layer(np.full((13, 13), 0.01), "sigmoid", bias=np.zeros(13)),
            Layer(np.full((2, 13), 0.02), "sigmoid", bias=np.zeros(2)),
        ],
        loss="half_sse",
    )
    inputs = np.linspace(-1, 1, 3 * 13).reshape(3, 13)
    explanation = explain(backprop(network, inputs, np.full((3, 2), 0.5), 0.1))
    assert explanation.matrix_form
    assert 'data-train="run"' not in render_html(explanation)
    mazur = render_html(explain(backprop(*mazur_args())))
    assert mazur.count('class="gn-train gn-js" hidden') == 1
    assert mazur.count('data-train="run"') == 1


def mazur_args() -> tuple[Network, Any, Any, float]:
    example = load_example("mazur")
    return example.network, example.inputs, example.targets, example.learning_rate


#: Presses Train (10,000 updates at the given speed) and resolves with the milliseconds
#: from the press to the end of the run (the whole view set), measured in the page.
TIMED_RUN = """(speed) => new Promise((resolve) => {
    const root = document.querySelector('.glassnet');
    const section = root.querySelector('.gn-train');
    root.querySelector('.gn-train-steps').value = '10000';
    root.querySelector('.gn-train-speed').value = speed;
    const start = performance.now();
    new MutationObserver((changes, observer) => {
        if (section.dataset.gnRunning === '0') {
            observer.disconnect();
            resolve(performance.now() - start);
        }
    }).observe(section, {attributes: true});
    root.querySelector('[data-train=run]').click();
})"""

#: The generated training loop alone, 10,000 updates of the page's own numbers, in ms.
TIMED_LOOP = """() => {
    const root = document.querySelector('.glassnet');
    const g = JSON.parse(root.querySelector('script.gn-data').textContent).given;
    const start = performance.now();
    window.glassnetTrain[root.id](g.p, g.X, g.T, g.eta, 10000, g);
    return performance.now() - start;
}"""


def measure(rounds: int = 5) -> None:
    """Prints how long Mazur's 10,000 updates take in Chromium: from pressing Train to the
    end of the run (at 1,000 and 10,000 updates a frame), and the generated loop alone
    (its first call in a fresh page, then warm)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "mazur.html", "mazur")
        with launched() as chromium, window(chromium, 1280, 800) as ctx:
            for _ in range(rounds):
                times = []
                for speed in ("f1000", "f10000"):
                    page = page_of(ctx, path)
                    times.append(page.page.evaluate(TIMED_RUN, speed))
                    assert page.page.evaluate(STATE)["count"].endswith("3.51018778e-05")
                    page.page.close()
                page = page_of(ctx, path)
                cold, warm = page.page.evaluate(TIMED_LOOP), page.page.evaluate(TIMED_LOOP)
                page.page.close()
                print(
                    f"Mazur 10,000 updates: Train to the end {times[0]:.0f} ms at 1,000 a frame, "
                    f"{times[1]:.0f} ms at 10,000 a frame; the generated loop alone "
                    f"{cold:.1f} ms (first call), {warm:.1f} ms (warm)"
                )


if __name__ == "__main__":
    measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
