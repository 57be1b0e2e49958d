"""``glassnet.live``: the live page's fragments, the edited example and its TOML file.

The fragment rules are checked on the table of ``live_fragments.py``, which the Chromium
test of the page (``test_live_edit.py``) runs through the page's script too. The edited
example is checked against the example file edited by hand: the same engine numbers.
"""

from __future__ import annotations

import math
import random
import re
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassnet.errors import GlassnetError
from glassnet.example import Example, parse_example
from glassnet.examples import load_example
from glassnet.explanation import explain_example
from glassnet.fast.compiled import parameters
from glassnet.live import (
    NUMBER,
    apply_fragment,
    fragment_of,
    js_number,
    slots,
    target_rules,
    toml_of,
)
from glassnet.losses import LOSSES
from glassnet.render.json import explanation_to_dict
from live_fragments import BATCH, FRAGMENTS
from strategies import Case, cases
from test_browser import EXAMPLES


def example_named(name: str) -> Example:
    return parse_example(BATCH, source="batch.toml") if name == "batch" else load_example(name)


def values(example: Example) -> dict[str, Any]:
    """The engine's values of one update of ``example``, by check name."""
    return dict(explanation_to_dict(explain_example(example))["values"])


def shown(example: Example, key: str) -> Any:
    """A given value, an activation (``act1``) or the loss of ``example``."""
    if key == "loss":
        return example.network.loss.name
    if key.startswith("act"):
        return example.network.layers[int(key[3:]) - 1].activation.name
    return values(example)[key]


@pytest.mark.parametrize(("name", "fragment", "refused", "expected"), FRAGMENTS)
def test_fragment_table(
    name: str, fragment: str, refused: str | None, expected: dict[str, Any]
) -> None:
    example = example_named(name)
    if refused is not None:
        with pytest.raises(GlassnetError) as error:
            apply_fragment(example, fragment)
        assert error.value.source == "fragment"
        assert (error.value.field or "") == refused
        assert "\n" not in str(error.value)
        return
    edited = apply_fragment(example, fragment)
    for key, value in expected.items():
        got = shown(edited, key)
        assert got == value and (not isinstance(value, float) or repr(got) == repr(value)), key
    # The original is not changed, and the edit reads back from its own fragment.
    assert parameters(example.network) == parameters(example_named(name).network)
    again = apply_fragment(example, fragment_of(edited, example))
    assert values(again).keys() == values(edited).keys()
    assert fragment_of(again, example) == fragment_of(edited, example)


def test_malformed_fragment_messages() -> None:
    mazur = load_example("mazur")
    expected = {
        "w5=abc": "fragment: w5: expected a finite number, got 'abc'",
        "eta=0": "fragment: eta: expected a number > 0, got '0'",
        "w5=1&w5=2": "fragment: w5: given twice",
        "w5": "fragment: 'w5': expected name=value",
        "act1=softmax": "fragment: act1: expected one of sigmoid, tanh, relu, leaky_relu, "
        "identity, softplus, gelu, got 'softmax'",
        "loss=cross_entropy": "fragment: loss: expected one of half_sse, sse, mse, "
        "binary_cross_entropy with a sigmoid output layer, got 'cross_entropy'",
        "w99=1": "fragment: w99: unknown name; expected a given value's name, act1…act2 or loss",
        "loss=binary_cross_entropy&target_o1=2": "fragment: target_o1: binary_cross_entropy "
        "needs targets in [0, 1], got [2.0, 0.99]",
    }
    for fragment, message in expected.items():
        with pytest.raises(GlassnetError) as error:
            apply_fragment(mazur, fragment)
        assert str(error.value) == message


def hand_edited(text: str, edits: dict[str, str]) -> str:
    """An example file's text with ``key = value`` lines replaced (the first of each)."""
    for pattern, replacement in edits.items():
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
        assert count == 1, pattern
    return text


def test_edited_example_equals_the_hand_edited_file() -> None:
    """The fragment's example explains to exactly the numbers of the file edited by hand."""
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8")
    by_hand = hand_edited(
        text,
        {
            r"^learning_rate = 0.5$": "learning_rate = 0.1",
            r"^input = \[0.05, 0.10\]$": "input = [0.2, 0.10]",
            r"^weights = \[\[0.40, 0.45\],": "weights = [[0.3, 0.45],",
            r'^loss = "half_sse"$': 'loss = "mse"',
        },
    )
    # The output layer's activation: the second `activation = "sigmoid"`.
    head, tail = by_hand.split("# output layer", 1)
    by_hand = head + "# output layer" + tail.replace('"sigmoid"', '"tanh"', 1)
    reference = values(parse_example(by_hand))
    edited = apply_fragment(load_example("mazur"), "w5=0.3&i1=0.2&eta=0.1&act2=tanh&loss=mse")
    assert values(edited) == reference


def test_switched_activation_keeps_or_drops_its_settings() -> None:
    batch = example_named("batch")
    kept = apply_fragment(batch, "w1=1")
    assert kept.network.layers[0].activation.slope == 0.2  # type: ignore[attr-defined]
    other = apply_fragment(batch, "act1=tanh")
    back = apply_fragment(batch, "act1=leaky_relu")
    assert other.network.layers[0].activation.name == "tanh"
    assert back.network.layers[0].activation.slope == 0.2  # type: ignore[attr-defined]
    assert "slope" not in toml_of(other, batch)
    assert "slope = 0.2" in toml_of(back, batch)


def test_js_number_is_javascripts_string() -> None:
    """ECMAScript's Number::toString layout (the page test compares it with Chromium's)."""
    table = [
        (0.1, "0.1"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1.5e-6, "0.0000015"),
        (123.0, "123"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.25e21, "1.25e+21"),
        (-0.0, "-0"),
        (0.0, "0"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-1234.5678, "-1234.5678"),
        (2**53, "9007199254740992"),
    ]
    assert [(v, js_number(v)) for v, _ in table] == table
    rng = random.Random(14)
    for _ in range(5000):
        v = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        if math.isfinite(v):
            text = js_number(v)
            assert float(text) == v and re.fullmatch(NUMBER, text), v


def test_target_rules_are_bad_target() -> None:
    """The page's data for each loss's targets refuses exactly what ``Loss.bad_target`` does."""
    rules = target_rules()
    assert set(rules) == {"cross_entropy", "binary_cross_entropy"}
    rng = random.Random(3)
    rows = [[0.25, 0.75], [1.0, 0.0], [0.5, 0.6], [-0.1, 1.1], [1.0 + 1e-10, -1e-10], [0.3] * 3]
    rows += [[1 / 3, 1 / 3, 1 / 3], [0.1 + 0.2, 0.7], [2.0, -1.0], [0.0, 1.0 + 2e-9]]
    rows += [[rng.choice([0.0, 0.5, 1.0, rng.uniform(-0.5, 1.5)]) for _ in range(3)]]
    for name in LOSSES:
        loss = LOSSES[name]()
        rule = rules.get(name)
        for row in rows:
            if rule is None:
                assert loss.bad_target(row) is None
                continue
            low, high = rule["low"], rule["high"]
            ok = all((low is None or t >= low) and (high is None or t <= high) for t in row)
            if rule["sum"]:
                ok = ok and abs(sum(row) - 1) <= rule["tol"]  # type: ignore[operator]
            assert (loss.bad_target(row) is None) == ok, (name, row)


def example_of(case: Case) -> Example:
    return Example(
        network=case.network(),
        inputs=case.inputs,
        targets=case.targets,
        learning_rate=case.learning_rate,
        title='A "random" network\twith \\ and ☃',
    )


def random_fragment(example: Example, rng: random.Random, *, switch: bool = True) -> str:
    """Random edits of ``example``: numbers, and activations and the loss when ``switch``.

    Targets are drawn so that the loss accepts them (a probability row for
    cross-entropy, values in [0, 1] for binary cross-entropy)."""
    network = example.network
    n = len(example.inputs)
    loss = network.loss.name
    parts = {}
    given = [s for s in slots(network, n) if s.kind != "t"]
    for slot in rng.sample(given, min(len(given), rng.randint(1, 6))):
        value = rng.uniform(1e-3, 5) if slot.kind == "eta" else rng.uniform(-3, 3)
        if rng.random() < 0.2:
            value = float(f"{value:.2g}")
        parts[slot.name] = js_number(value)
    if rng.random() < 0.5:
        s = rng.randrange(n)
        row = [rng.random() for _ in range(network.n_outputs)]
        if loss == "cross_entropy":
            row = [t / sum(row) for t in row]
        elif loss != "binary_cross_entropy":
            row = [t * 4 - 2 for t in row]
        for slot in slots(network, n):
            if slot.kind == "t" and slot.sample == s:
                parts[slot.name] = js_number(row[slot.index])
    text = "&".join(f"{k.replace(' ', '%20')}={v}" for k, v in parts.items())
    if switch:
        from glassnet.fast.javascript import choices

        allowed = choices(network)
        acts = [layer.activation.name for layer in network.layers]
        for k in range(len(acts) - 1):
            if rng.random() < 0.3:
                acts[k] = rng.choice(allowed["acts"][k])
                text += f"&act{k + 1}={acts[k]}"
        if loss not in ("cross_entropy", "binary_cross_entropy") and rng.random() < 0.4:
            options = [a for a in allowed["acts"][-1] if loss in allowed["losses"][a]]
            acts[-1] = rng.choice(options)
            text += f"&act{len(acts)}={acts[-1]}"
            losses = [x for x in allowed["losses"][acts[-1]] if x in ("half_sse", "sse", "mse")]
            text += f"&loss={rng.choice(losses)}"
    return text


@settings(max_examples=40, deadline=None)
@given(case=cases(max_layers=3, max_width=4, max_samples=3), seed=st.integers(0, 2**32))
def test_random_edits_round_trip(case: Case, seed: int) -> None:
    """fragment_of and the TOML file give back the edited example, value for value."""
    example = example_of(case)
    edited = apply_fragment(example, random_fragment(example, random.Random(seed)))
    fragment = fragment_of(edited, example)
    again = apply_fragment(example, fragment)
    assert fragment_of(again, example) == fragment
    assert parameters(again.network) == parameters(edited.network)
    assert np.array_equal(again.inputs, edited.inputs)
    assert np.array_equal(again.targets, edited.targets)
    read = parse_example(toml_of(edited, example), source="edited.toml")
    assert read.title == example.title
    assert fragment_of(read, example) == fragment
    assert parameters(read.network) == parameters(edited.network)
    assert [layer.activation.name for layer in read.network.layers] == [
        layer.activation.name for layer in edited.network.layers
    ]
    assert read.network.loss.name == edited.network.loss.name
    assert read.learning_rate == edited.learning_rate
    assert values(read) == values(edited)
