"""The three tutorials' numbers, as computed independently in
``shared/reference/worked-examples.md`` for the method each tutorial states.

Each assertion names the tutorial value it checks. The values come from
``glassnet explain NAME --format json``, run in-process, so the CLI, the file
format of the built-in examples and the engine are all under test.
"""

from __future__ import annotations

import json

import pytest

from glassnet.cli import main

REL = 1e-12


def explain_json(name: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["explain", name, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def close(actual: float, expected: float, rel: float = REL) -> bool:
    return actual == pytest.approx(expected, rel=rel, abs=0)


def test_mazur(capsys: pytest.CaptureFixture[str]) -> None:
    data = explain_json("mazur", capsys)
    hidden, output = data["layers"]
    sample = data["samples"][0]
    net_h, out_h = sample["layers"][0]["net"], sample["layers"][0]["out"]
    net_o, out_o = sample["layers"][1]["net"], sample["layers"][1]["out"]
    assert close(net_h[0], 0.3775)  # net_h1
    assert close(out_h[0], 0.593269992107187)  # out_h1
    assert close(out_h[1], 0.596884378259767)  # out_h2
    assert close(net_o[0], 1.10590596705977)  # net_o1
    assert close(out_o[0], 0.751365069552316)  # out_o1
    assert close(out_o[1], 0.772928465321463)  # out_o2
    values = data["values"]
    assert close(values["E_o1"], 0.274811083, rel=1e-9)  # E_o1 (given to 9 digits)
    assert close(values["E_o2"], 0.023560026, rel=1e-7)  # E_o2 (given to 8 digits)
    assert close(data["loss"], 0.2983711087600027)  # E_total
    delta_o = sample["layers"][1]["delta"]
    assert close(delta_o[0], 0.138498561628557)  # δ_o1
    assert close(delta_o[1], -0.038098236516556)  # δ_o2
    assert close(output["grad_weights"][0][0], 0.082167040564231)  # ∂E/∂w5
    w5, w6 = output["new_weights"][0]
    w7, w8 = output["new_weights"][1]
    for got, want in [
        (w5, 0.358916479717885),
        (w6, 0.408666186076233),
        (w7, 0.511301270238738),
        (w8, 0.561370121107989),
    ]:
        assert close(got, want)
    w1, w2 = hidden["new_weights"][0]
    w3, w4 = hidden["new_weights"][1]
    for got, want in [
        (w1, 0.149780716132763),
        (w2, 0.199561432265526),
        (w3, 0.24975114363237),
        (w4, 0.299502287264739),
    ]:
        assert close(got, want)
    # The biases are frozen: they keep their values but still report gradients.
    assert hidden["new_bias"] == 0.35 and output["new_bias"] == 0.60
    assert hidden["grad_bias"] is not None and output["grad_bias"] is not None
    assert close(data["loss_after"], 0.29102777369359933)  # error after one update


def test_mazur_names_follow_the_tutorial(capsys: pytest.CaptureFixture[str]) -> None:
    data = explain_json("mazur", capsys)
    hidden, output = data["layers"]
    assert hidden["names"]["weights"] == [["w1", "w2"], ["w3", "w4"]]
    assert output["names"]["weights"] == [["w5", "w6"], ["w7", "w8"]]
    assert hidden["names"]["bias"] == "b1" and output["names"]["bias"] == "b2"
    assert close(data["values"]["dE/dw5"], 0.082167040564231)
    assert close(data["values"]["w5+"], 0.358916479717885)


def test_mazur_10000_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "mazur", "--steps", "10000", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["steps"] == 10000
    assert close(data["loss"], 3.510187782978851e-05, rel=1e-9)
    assert close(data["outputs"][0][0], 0.015913620443550665, rel=1e-9)
    assert close(data["outputs"][0][1], 0.9840642735146238, rel=1e-9)


def test_hill(capsys: pytest.CaptureFixture[str]) -> None:
    data = explain_json("hill", capsys)
    hidden, output = data["layers"]
    sample = data["samples"][0]
    out_h = sample["layers"][0]["out"]
    y = sample["layers"][1]["out"]
    assert close(out_h[0], 0.41338242108267)  # out_h1
    assert close(out_h[1], 0.934010990508781)  # out_h2
    assert close(y[0], 0.712257432295742)  # y1
    assert close(y[1], 0.533097573871501)  # y2
    assert close(data["loss"], 0.19374977898812)  # C (published 0.19374977898811957)
    delta_o = sample["layers"][1]["delta"]
    delta_h = sample["layers"][0]["delta"]
    assert close(delta_o[0], -0.117943826841272) and close(delta_o[1], 0.165819003863418)
    assert close(delta_h[0], -0.032083952482227) and close(delta_h[1], -0.004656718523818)
    # W2 = [[w5, w7], [w6, w8]], W1 = [[w1, w3], [w2, w4]] in the tutorial's names.
    (w5, w7), (w6, w8) = output["new_weights"]
    b3, b4 = output["new_bias"]
    (w1, w3), (w2, w4) = hidden["new_weights"]
    b1, b2 = hidden["new_bias"]
    for got, want in [
        (w5, 0.70487559046914),
        (w6, -0.306854666127858),
        (w7, 0.511016083053241),
        (w8, -0.115487677204365),
        (b3, 0.161794382684127),
        (b4, 0.333418099613658),
        (w1, 0.306416790496445),
        (w2, 0.200931343704764),
        (w3, -0.390374814255332),
        (w4, 0.601397015557145),
        (b1, 0.253208395248223),
        (b2, 0.450465671852382),
    ]:
        assert close(got, want)
    after = sample["outputs_after"]
    assert close(after[0], 0.7187729999291984)  # y after the update
    assert close(after[1], 0.5238074518609881)
    assert close(data["loss_after"], 0.18393989144952877)  # C after the update


def test_lamsal(capsys: pytest.CaptureFixture[str]) -> None:
    data = explain_json("lamsal", capsys)
    hidden, output = data["layers"]
    sample = data["samples"][0]
    out_h, out_o = sample["layers"][0]["out"], sample["layers"][1]["out"]
    assert close(out_h[0], 0.60108787884837) and close(out_h[1], 0.615383756391182)
    assert close(out_o[0], 0.734928612717014) and close(out_o[1], 0.779553884167756)
    assert close(data["loss"], 0.24908954146037615)  # E_total
    # W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w6], [w7, w8]] in the tutorial's names.
    (w1, w3), (w2, w4) = hidden["new_weights"]
    (w5, w6), (w7, w8) = output["new_weights"]
    for got, want in [
        (w1, 0.099335165224011),
        (w2, 0.199195856069396),
        (w3, 0.296675826120056),
        (w4, 0.39597928034698),
        (w5, 0.451878125424104),
        (w6, 0.550733626507596),
        (w7, 0.710563915545493),
        (w8, 0.810815160743284),
    ]:
        assert close(got, want)
    assert close(data["loss_after"], 0.24072490546199918)  # error after the update
    assert hidden["names"]["weights"] == [["w1", "w3"], ["w2", "w4"]]


def test_published_mistakes_are_engine_switches() -> None:
    """The variants that reproduce the tutorials' published-but-wrong figures."""
    from glassnet import Variant, load_example

    mazur = load_example("mazur").step(variant=Variant(hidden_deltas_after_update=True))
    assert close(mazur.loss_after, 0.29102792390544197)
    result = load_example("mazur").train(10000, variant=Variant(hidden_deltas_after_update=True))
    assert close(result.loss, 3.5084786296312774e-05, rel=1e-9)
    assert close(result.outputs[0, 0], 0.0159121963260343, rel=1e-9)
    hill = load_example("hill").step(variant=Variant(derivative_at_output=True))
    assert close(hill.layers[1].new_weights[0, 0], 0.70525257108356)  # published w5+
    assert close(hill.layers[0].new_bias[1], 0.4516011008157175)  # published b2+
    assert close(hill.loss_after, 0.1839862418540884)  # published sanity-check C
