"""The page's generated step and training loop with switched activations and loss.

``glassnet.fast.javascript`` writes one step ``(p, X, T, eta, choice)`` and one training
loop ``(p, X, T, eta, steps, choice)`` per network; ``choice`` switches each layer's
activation and the loss at run time among what ``choices(network)`` lists. Here the
generated JavaScript runs in a real headless Chromium (one blank page, no request
allowed), for hypothesis-drawn networks and random valid choices, and every value it
returns is compared with the Python engine's for the *edited* example, built
independently from the drawn case with the new activations and loss: the names must be
exactly the ``values`` of ``explain --format json`` and the numbers equal to 1e-12
relative (the absolute floor of ``test_live_page``: the engine's BLAS sums in its own
order). Training 1,000 updates compares with ``glassnet.fast.full_batch.train`` (what
``glassnet train`` runs) to the same tolerance, whether Python runs its generated loop
(the same formula order) or the NumPy engine (softmax, paired losses): for Mazur in every
structural case, and for random runs that are well conditioned (random networks at a
large learning rate can amplify a last-bit difference of ``exp`` to 1e-2 over 1,000
updates, as between Python's own two loops). The Python side of the choices
(``choices``, ``with_choice``, ``TARGET_RULES``) is checked against the network's own
validation without a browser.

Run alone with ``python -m pytest tests/test_live_switch.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from glassnet.activations import ACTIVATIONS, LeakyReLU
from glassnet.cli import main
from glassnet.engine import backprop
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.examples import load_example
from glassnet.explanation import explain
from glassnet.fast.compiled import parameters
from glassnet.fast.full_batch import train
from glassnet.fast.javascript import (
    TARGET_RULES,
    choices,
    live_functions,
    step_function,
    train_function,
    with_choice,
)
from glassnet.losses import LOSSES, get_loss
from glassnet.network import Layer, Network
from glassnet.render.json import explanation_to_dict
from glassnet.render.mathml import format_significant
from strategies import Case, cases
from strategies import targets as target_rows
from test_browser import EXAMPLES, Watched, window
from test_live_page import equal

# -- the choices, against the network's own validation (no browser) -------------------------


def allowed_by_network(network: Network, index: int, name: str) -> bool:
    """Whether ``Network`` accepts activation ``name`` on layer ``index`` (loss half_sse)."""
    layers = [
        Layer(layer.weights, name if k == index else "identity", bias=layer.bias)
        for k, layer in enumerate(network.layers)
    ]
    try:
        Network(layers, loss="half_sse")
    except GlassnetError:
        return False
    return True


def loss_allowed_by_network(network: Network, output: str, loss: str) -> bool:
    layers = [Layer(layer.weights, "identity") for layer in network.layers[:-1]]
    layers.append(Layer(network.layers[-1].weights, output))
    try:
        Network(layers, loss=loss)
    except GlassnetError:
        return False
    return True


@settings(max_examples=30, deadline=None)
@given(case=cases(max_layers=3, max_width=3, max_samples=1))
def test_choices_are_what_the_network_allows(case: Case) -> None:
    network = case.network()
    listed = choices(network)
    assert len(listed["acts"]) == len(network.layers)
    for index, names in enumerate(listed["acts"]):
        expected = [name for name in ACTIVATIONS if allowed_by_network(network, index, name)]
        assert names == expected
    assert list(listed["losses"]) == listed["acts"][-1]
    for output, losses in listed["losses"].items():
        assert losses == [name for name in LOSSES if loss_allowed_by_network(network, output, name)]
    assert set(listed["targets"]) <= set(TARGET_RULES)
    assert "softmax" not in listed["acts"][0] or len(network.layers) == 1
    assert "softmax" in listed["acts"][-1]


def test_choices_of_mazur() -> None:
    listed = choices(load_example("mazur").network)
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "gelu"]
    assert listed["acts"] == [hidden, [*hidden[:5], "softmax", *hidden[5:]]]
    assert listed["losses"]["sigmoid"] == ["half_sse", "sse", "mse", "binary_cross_entropy"]
    assert listed["losses"]["softmax"] == ["half_sse", "sse", "mse", "cross_entropy"]
    assert listed["losses"]["tanh"] == ["half_sse", "sse", "mse"]
    assert listed["targets"] == TARGET_RULES


def obeys(rule: dict[str, float], target: list[float]) -> bool:
    """``target`` against one of ``TARGET_RULES`` (as the page reads the rule)."""
    if any(t < rule["min"] for t in target) or any(t > rule.get("max", math.inf) for t in target):
        return False
    return "sum" not in rule or abs(sum(target) - rule["sum"]) <= rule["tol"]


@settings(max_examples=300, deadline=None)
@given(
    loss=st.sampled_from(sorted(TARGET_RULES)),
    target=st.lists(
        st.one_of(
            st.floats(-0.5, 1.5),
            st.sampled_from([0.0, 1.0, 0.5, 1e-10, -1e-10, 1 + 1e-10, 0.25, 0.75]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_target_rules_are_bad_target(loss: str, target: list[float]) -> None:
    assert obeys(TARGET_RULES[loss], target) == (get_loss(loss).bad_target(target) is None)


def test_losses_without_a_rule_accept_any_target() -> None:
    for name in LOSSES:
        if name not in TARGET_RULES:
            assert get_loss(name).bad_target([-3.0, 7.5, 1e300]) is None


def test_with_choice_keeps_the_file_settings_and_refuses_what_the_network_refuses() -> None:
    net = Network(
        [
            Layer([[0.1, 0.2]], LeakyReLU(0.3), bias=0.5, train_bias=False),
            Layer([[0.4], [0.5]], "sigmoid", bias=[0.1, 0.2]),
        ],
        loss="half_sse",
    )
    edited = with_choice(net, ["leaky_relu", "softmax"], "cross_entropy")
    assert repr(edited.layers[0].activation) == "LeakyReLU(slope=0.3)"
    assert edited.layers[0].train_bias is False and float(edited.layers[0].bias) == 0.5
    assert edited.loss.name == "cross_entropy" and edited.names is net.names
    other = with_choice(net, ["tanh", "leaky_relu"], "mse")
    assert repr(other.layers[1].activation) == "LeakyReLU(slope=0.01)"
    with pytest.raises(GlassnetError, match="softmax"):
        with_choice(net, ["softmax", "sigmoid"], "half_sse")
    with pytest.raises(GlassnetError, match="needs a 'softmax' output layer"):
        with_choice(net, ["tanh", "sigmoid"], "cross_entropy")
    with pytest.raises(GlassnetError, match="expected 2 activations, got 1"):
        with_choice(net, ["tanh"], "mse")


def test_generated_code_has_no_eval() -> None:
    network = load_example("mazur").network
    sources = [
        live_functions(network, 1),
        step_function(network, 1)[0],
        train_function(network, 1),
    ]
    for source in sources:
        assert not re.search(r"\beval\b|new\s+Function|setTimeout|fetch|XMLHttpRequest", source)


# -- the generated JavaScript in Chromium -------------------------------------------------


@pytest.fixture(scope="module")
def blank(browser: Any) -> Iterator[Any]:
    """One blank page that may load nothing and must raise no error."""
    errors: list[str] = []
    with window(browser, 800, 600) as context:
        page = context.new_page()
        page.route("**/*", lambda route: route.abort())
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
    assert errors == []


#: Runs a generated ``{step, train}`` on several choices; every number as its JavaScript
#: text (shortest round trip; ``NaN``/``Infinity`` too, which JSON cannot carry).
RUN = """(args) => {
  const g = SOURCE;
  const text = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  return args.runs.map((run) => {
    const T = run.T || args.T;
    if (run.steps === 0) { return text(g.step(args.p, args.X, T, args.eta, run.choice)); }
    const r = g.train(args.p, args.X, T, args.eta, run.steps, run.choice);
    return {done: r.done, p: r.p.map(String), losses: r.losses.map(String), bad: String(r.bad)};
  });
}"""


def run_js(page: Any, source: str, case_args: dict[str, Any], runs: list[dict[str, Any]]) -> Any:
    return page.evaluate(RUN.replace("SOURCE", source), {**case_args, "runs": runs})


def args_of(network: Network, inputs: Any, targets: Any, eta: float) -> dict[str, Any]:
    return {
        "p": parameters(network),
        "X": np.asarray(inputs).tolist(),
        "T": np.asarray(targets).tolist(),
        "eta": float(eta),
    }


def edited_case(case: Case, acts: list[str], loss: str) -> Case:
    """The drawn case with new activations and loss, built from its plain data (a layer
    switched to its own activation keeps its slope; another gets the default)."""
    layers = tuple(
        replace(spec, activation=name, slope=spec.slope if name == spec.activation else None)
        for spec, name in zip(case.layers, acts, strict=True)
    )
    return replace(case, layers=layers, loss=loss)


@st.composite
def edits(draw: st.DrawFn, case: Case) -> tuple[dict[str, Any], Case]:
    """A ``choice`` the page offers for ``case`` and the case edited to it.

    The output activation is softmax or sigmoid half the time and a paired loss is
    taken half the time it is allowed, so every structural case at the output comes up;
    the targets are the case's where the loss accepts them (half the time), else drawn
    anew for the loss, as a learner would edit them.
    """
    listed = choices(case.network())
    acts = [draw(st.sampled_from(names)) for names in listed["acts"][:-1]]
    output = draw(
        st.one_of(st.sampled_from(listed["acts"][-1]), st.sampled_from(["sigmoid", "softmax"]))
    )
    allowed = listed["losses"][output]
    paired = [name for name in allowed if get_loss(name).requires_activation is not None]
    loss = draw(
        st.one_of(st.sampled_from(allowed), st.sampled_from(paired))
        if paired
        else st.sampled_from(allowed)
    )
    targets = case.targets
    if draw(st.booleans()) or any(get_loss(loss).bad_target(list(row)) for row in targets):
        targets = draw(target_rows(loss, *targets.shape))
    choice = {"acts": [*acts, output], "loss": loss}
    return choice, replace(edited_case(case, choice["acts"], loss), targets=targets)


def assert_same_values(shown: dict[str, str], reference: dict[str, Any]) -> None:
    assert set(shown) == set(reference)
    wrong = {
        name: (text, reference[name])
        for name, text in shown.items()
        if not equal(float(text), reference[name])
    }
    assert wrong == {}


@pytest.mark.browser
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=5, max_samples=4), data=st.data())
def test_switched_step_equals_engine_of_edited_example(
    blank: Any, case: Case, data: st.DataObject
) -> None:
    network = case.network()
    picked = [data.draw(edits(case)) for _ in range(3)]
    source, own_names = step_function(network, case.inputs.shape[0])
    runs = [{"steps": 0, "choice": None}]
    runs += [
        {"steps": 0, "choice": choice, "T": edited.targets.tolist()} for choice, edited in picked
    ]
    results = run_js(
        blank,
        "{step: " + source + ", train: null}",
        args_of(network, case.inputs, case.targets, case.learning_rate),
        runs,
    )
    own = explanation_to_dict(
        explain(backprop(network, case.inputs, case.targets, case.learning_rate))
    )["values"]
    assert set(results[0]) == set(own_names)
    assert_same_values(results[0], own)
    for (_, edited), result in zip(picked, results[1:], strict=True):
        explanation = explain(
            backprop(edited.network(), edited.inputs, edited.targets, edited.learning_rate)
        )
        assert not explanation.matrix_form
        assert_same_values(result, explanation_to_dict(explanation)["values"])


# -- training ---------------------------------------------------------------------------

STEPS = 1000


def trained(network: Network, case: Case, eta: float, steps: int) -> dict[str, Any]:
    """``glassnet train``'s run (``full_batch.train``): updates done, losses, parameters."""
    try:
        result = train(network, case.inputs, case.targets, eta, steps)
    except TrainingDivergedError as diverged:
        done = diverged.step - 1  # Python counts the failed update from 1
        return {"done": done, "losses": None, "p": parameters(diverged.network)}
    return {
        "done": steps,
        "losses": [float(v) for v in result.losses],
        "p": parameters(result.network),
    }


def agree(run: dict[str, Any], reference: dict[str, Any]) -> bool:
    """Same updates done, and every loss and parameter equal (``test_live_page.equal``)."""
    if run["done"] != reference["done"]:
        return False
    pairs = list(zip(run["p"], reference["p"], strict=True))
    if reference["losses"] is not None:
        pairs += list(zip(run["losses"], reference["losses"], strict=True))
    return all(equal(float(a), b) for a, b in pairs)


def nudged(network: Network) -> Network:
    """``network`` with every parameter moved by a relative 1e-14 (about 50 ulp)."""
    copy = network.copy()
    for layer in copy.layers:
        layer.weights = layer.weights * (1 + 1e-14)
        if layer.bias is not None:
            layer.bias = layer.bias * (1 + 1e-14)
    return copy


@pytest.mark.browser
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases(max_layers=3, max_width=4, max_samples=3), data=st.data())
def test_switched_training_equals_glassnet_train(
    blank: Any, case: Case, data: st.DataObject
) -> None:
    """1,000 updates with a random choice equal ``glassnet train`` of the edited example.

    Only for runs that are well conditioned: where the same Python training from
    parameters 1e-14 apart ends within the tolerance too. (Some random networks amplify
    rounding, e.g. Python's own compiled loop and its NumPy engine end 1e-2 apart on a
    softplus-gelu-identity network; no two float64 implementations agree there.)
    """
    choice, edited = data.draw(edits(case))
    eta = min(case.learning_rate, 0.1)
    reference = trained(edited.network(), edited, eta, STEPS)
    assume(agree(trained(nudged(edited.network()), edited, eta, STEPS), reference))
    network = case.network()
    source = live_functions(network, case.inputs.shape[0])
    [run] = run_js(
        blank, source, args_of(network, case.inputs, edited.targets, eta),
        [{"steps": STEPS, "choice": choice}],
    )  # fmt: skip
    assert agree(run, reference)
    if reference["losses"] is None:
        assert not math.isfinite(float(run["bad"]))
    else:
        assert run["bad"] == "0" and len(run["losses"]) == STEPS


#: Mazur's network switched to each structural case of the output: the file's (Python's
#: compiled loop, the same formula order), a paired loss with sigmoid and with softmax,
#: softmax with an unpaired loss (Python: the NumPy engine), other elementwise ones.
MAZUR_CHOICES = [
    (["sigmoid", "sigmoid"], "half_sse"),
    (["tanh", "sigmoid"], "binary_cross_entropy"),
    (["sigmoid", "softmax"], "cross_entropy"),
    (["relu", "softmax"], "mse"),
    (["gelu", "leaky_relu"], "sse"),
    (["softplus", "tanh"], "half_sse"),
]


def edited_mazur(tmp_path: Path, acts: list[str], loss: str) -> Path:
    """mazur.toml with new activations and loss, as a learner would edit the file."""
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8")
    parts = text.split('activation = "sigmoid"')
    assert len(parts) == 3
    text = (
        parts[0] + f'activation = "{acts[0]}"' + parts[1] + f'activation = "{acts[1]}"' + parts[2]
    )
    text = text.replace('loss = "half_sse"', f'loss = "{loss}"')
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.browser
@pytest.mark.parametrize(("acts", "loss"), MAZUR_CHOICES)
def test_mazur_switched_trains_as_glassnet_train(
    blank: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], acts: list[str], loss: str
) -> None:
    mazur = load_example("mazur")
    example = load_example(str(edited_mazur(tmp_path, acts, loss)))
    assert [layer.activation.name for layer in example.network.layers] == acts
    assert example.network.loss.name == loss
    result = train(example.network, example.inputs, example.targets, example.learning_rate, STEPS)
    reference = {"done": STEPS, "losses": list(result.losses), "p": parameters(result.network)}
    source = live_functions(mazur.network, 1)
    args = args_of(mazur.network, mazur.inputs, mazur.targets, mazur.learning_rate)
    runs = [
        {"steps": STEPS, "choice": {"acts": acts, "loss": loss}},
        {"steps": 0, "choice": {"acts": acts, "loss": loss}},
    ]
    run, step = run_js(blank, source, args, runs)
    assert agree(run, reference) and run["bad"] == "0"
    trace = example.step()
    assert_same_values(step, explanation_to_dict(explain(trace))["values"])
    # what `glassnet train edited.toml --steps 1000` prints for the last update
    assert main(["train", str(tmp_path / "edited.toml"), "--steps", str(STEPS)]) == 0
    printed = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [str(STEPS), format_significant(float(run["losses"][-1]), 9)] in printed


@pytest.mark.browser
def test_mazur_page_registers_the_switchable_step(browser: Any, tmp_path: Path) -> None:
    """Under the page's CSP: the data's ``given.acts``/``given.loss``/``choices``, and the
    registered step and loop take a ``choice`` (and refuse one the network does not allow)."""
    path = tmp_path / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "-o", str(path)]) == 0
    mazur = load_example("mazur")
    edited = with_choice(mazur.network, ["tanh", "softmax"], "cross_entropy")
    reference = explanation_to_dict(
        explain(backprop(edited, mazur.inputs, mazur.targets, mazur.learning_rate))
    )["values"]
    with window(browser, 1280, 900) as context:
        page = Watched(context, path)
        data, values, done, refused = page.page.evaluate(
            """() => {
                const root = document.querySelector('.glassnet');
                const data = JSON.parse(root.querySelector('script.gn-data').textContent);
                const g = data.given, choice = {acts: ['tanh', 'softmax'], loss: 'cross_entropy'};
                const r = window.glassnetSteps[root.id](g.p, g.X, g.T, g.eta, choice);
                const t = window.glassnetTrain[root.id](g.p, g.X, g.T, g.eta, 10, choice);
                let refused = '';
                try {
                    window.glassnetSteps[root.id](g.p, g.X, g.T, g.eta,
                                                  {acts: ['softmax', 'tanh'], loss: 'mse'});
                } catch (e) { refused = e.message; }
                const text = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
                return [data, text, t.done, refused];
            }"""
        )
        page.assert_clean()
    assert data["given"]["acts"] == ["sigmoid", "sigmoid"] and data["given"]["loss"] == "half_sse"
    assert data["choices"] == choices(mazur.network)
    assert_same_values(values, reference)
    assert done == 10
    assert refused == "glassnet: layer 1 cannot take activation softmax"
