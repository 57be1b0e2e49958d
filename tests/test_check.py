"""``glassnet check``: the three tutorials' published values, consequences, the diagnosis.

The tutorials' values are in the built-in examples' ``[claims]`` tables; which of them
the stated method gives, and which mistake gives the others, is worked out
independently in ``shared/reference/worked-examples.md``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from glassnet.check import Report, catalogue, check, combine
from glassnet.claims import Quantities
from glassnet.cli import main
from glassnet.engine import EXACT, Variant
from glassnet.example import Example
from glassnet.examples import load_example
from glassnet.practice import random_example

MAZUR_WRONG = ["dE_o2/dout_h1", "E_total+", "out_o1@10000", "out_o2@10000", "E_total@10000"]
MAZUR_BY_MISTAKE_1 = ["E_total+", "out_o1@10000", "out_o2@10000", "E_total@10000"]
HILL_FORWARD = ["out_h1", "out_L1", "out_L2", "E_L1", "E_L2", "E_total", "dE/dout_L1"]
HILL_UPDATED = ["w1+", "w2+", "w3+", "w4+", "w5+", "w6+", "w7+", "w8+"]
HILL_UPDATED += ["b1+", "b2+", "b3+", "b4+", "out_L1+", "out_L2+", "E_total+"]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["check", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def statuses(data: dict) -> dict[str, dict]:
    return {claim["name"]: claim for claim in data["claims"]}


# -- the three tutorials --------------------------------------------------------


def test_mazur(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "mazur")
    assert code == 1
    claims = statuses(data)
    # The per-weight updates agree with the stated method ...
    for name in ("w1+", "w2+", "w3+", "w4+", "w5+", "w6+", "w7+", "w8+"):
        assert claims[name]["agrees"], name
    # ... the error after one update and the 10,000-round figures do not.
    assert [c["name"] for c in data["claims"] if not c["agrees"]] == MAZUR_WRONG
    assert claims["E_total+"]["claimed"] == "0.291027924"
    assert claims["E_total+"]["exact"] == pytest.approx(0.29102777369359933, rel=1e-12)
    assert claims["E_total@10000"]["exact"] == pytest.approx(3.510187782978851e-05, rel=1e-9)
    assert claims["out_o1@10000"]["exact"] == pytest.approx(0.015913620443550665, rel=1e-9)
    assert claims["out_o2@10000"]["exact"] == pytest.approx(0.9840642735146238, rel=1e-9)
    # ∂E_o2/∂out_h1 = -0.019049118258… is printed -0.019049119: one unit off.
    assert data["first_wrong"] == "dE_o2/dout_h1"
    assert claims["dE_o2/dout_h1"]["last_digit"]
    assert claims["E_total+"]["status"] == "wrong"  # every w+ it comes from agrees
    assert claims["E_total@10000"]["follows_from"] == ["out_o1@10000", "out_o2@10000"]
    # Mistake 1 reproduces the error after one update and the 10,000-round figures.
    [diagnosis] = data["diagnosis"]
    assert [m["number"] for m in diagnosis["mistakes"]] == [1]
    assert diagnosis["mistakes"][0]["variant"] == {"hidden_deltas_after_update": True}
    assert diagnosis["reproduces"] == MAZUR_BY_MISTAKE_1
    assert diagnosis["misses"] == ["dE_o2/dout_h1"]
    # Under mistake 1 the hidden layer's step-by-step values would change: the tutorial's
    # text follows its stated method, its final figures do not.
    hidden = ["dE_o1/dout_h1", "dE/dout_h1", "dE/dw1", "w1+", "w2+", "w3+", "w4+"]
    assert diagnosis["breaks"] == hidden
    values = diagnosis["values"]
    assert values["E_total+"] == pytest.approx(0.29102792390544197, rel=1e-12)
    assert values["E_total@10000"] == pytest.approx(3.5084786296312774e-05, rel=1e-9)
    assert values["out_o1@10000"] == pytest.approx(0.0159121963260343, rel=1e-9)
    assert values["out_o2@10000"] == pytest.approx(0.9840657344856291, rel=1e-9)
    assert data["unexplained"] == ["dE_o2/dout_h1"]
    assert data["summary"] == {"claims": 32, "agree": 27, "disagree": 5, "too_coarse": 0}


@pytest.fixture(scope="module")
def hill() -> Report:
    return check(load_example("hill"))


def test_hill(hill: Report) -> None:
    verdicts = {v.claim.key: v for v in hill.verdicts}
    for name in HILL_FORWARD:
        assert verdicts[name].agrees, name  # the forward pass and the cost agree
    for name in HILL_UPDATED:
        assert not verdicts[name].agrees, name  # every updated parameter, and after
    # σ'(O_L1) = 0.220793265944315 is where it goes wrong: out(1 - out) is 0.204946…
    assert hill.first_wrong == "dout_L1/dnet_L1"
    assert verdicts["dout_L1/dnet_L1"].exact == pytest.approx(0.204946782435219, rel=1e-12)
    assert verdicts["w5+"].status == "follows"
    assert verdicts["w5+"].follows_from == ("dout_L1/dnet_L1",)
    assert verdicts["w6+"].follows_from == ("delta_L2",)
    # Mistake 2 reproduces every disagreeing value and keeps the agreeing ones.
    [diagnosis] = hill.diagnoses
    assert [m.number for m in diagnosis.mistakes] == [2]
    assert diagnosis.clean
    assert sorted(diagnosis.reproduces) == sorted(
        v.claim.key for v in hill.verdicts if not v.agrees
    )
    assert diagnosis.values["w5+"] == pytest.approx(0.70525257108356, rel=1e-13)
    assert diagnosis.values["b2+"] == pytest.approx(0.4516011008157175, rel=1e-13)
    assert diagnosis.values["E_total+"] == pytest.approx(0.1839862418540884, rel=1e-13)


def test_hill_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "hill"]) == 1
    out = capsys.readouterr().out
    assert "29 claims from hill (built-in): 8 agree, 21 disagree" in out
    lines = {line.split()[1] if line.startswith("  ✗") else line.split()[0]: line
             for line in out.splitlines()[4:33]}  # fmt: skip
    assert lines["dout_L1/dnet_L1"].startswith("  ✗ ")
    assert "0.220793265944315" in lines["dout_L1/dnet_L1"]
    assert "0.20494678243521858" in lines["dout_L1/dnet_L1"]
    assert lines["dout_L1/dnet_L1"].endswith("FIRST WRONG STEP")
    assert lines["w5+"].endswith("follows from dout_L1/dnet_L1")
    assert lines["out_h1"].endswith("agrees") and not lines["out_h1"].startswith("  ✗")
    assert "mistake 2: the activation's derivative evaluated at the output" in out
    assert "reproduces all 21 disagreeing claims at their precision, and keeps the 8" in out


def test_lamsal(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "lamsal")
    assert code == 0
    # net_h1 = 0.41 has two significant digits but is exact (0.41000000000000003 in float64).
    assert data["summary"] == {"claims": 32, "agree": 32, "disagree": 0, "too_coarse": 0}
    assert data["first_wrong"] is None and data["diagnosis"] == []
    claims = statuses(data)
    # Published to 5 decimals, truncated rather than rounded.
    assert claims["w5+"]["how"] == "truncated"  # 0.451878… published 0.45187
    assert claims["dE/dw7"]["how"] == "truncated"  # -0.0176065… published -0.01760
    assert claims["dE/dw7"]["decimals"] == 5
    assert main(["check", "lamsal"]) == 0
    assert "Every claim agrees at the precision it was written with." in capsys.readouterr().out


# -- first wrong step and consequences ------------------------------------------


def test_consequences_follow_the_computation() -> None:
    ex = load_example("mazur")
    claims = {
        "out_h1": "0.5934",  # wrong: 0.593269…
        "net_o1": "1.1059",  # agrees: the error did not reach net_o1 ...
        "out_o1": "0.7515",  # ... so this wrong value is a new wrong step
        "E_o1": "0.2750",  # follows from out_o1
        "dout_h1/dnet_h1": "0.24128",  # follows from out_h1: 0.5934 · (1 − 0.5934) = 0.241276
        "dE/dw1": "0.000439",  # agrees
        "w1+": "0.1500",  # wrong, but dE/dw1 agrees: new
        "E_total+": "0.2920",  # wrong: follows from w1+, and (through w5+, unclaimed) the rest
    }
    report = check(ex, claims)
    verdicts = {v.claim.key: v for v in report.verdicts}
    assert report.first_wrong == "out_h1"
    assert verdicts["out_h1"].status == "first wrong step"
    assert verdicts["net_o1"].agrees
    assert verdicts["out_o1"].status == "wrong"
    assert verdicts["E_o1"].follows_from == ("out_o1",)
    assert verdicts["dout_h1/dnet_h1"].follows_from == ("out_h1",)
    assert verdicts["w1+"].status == "wrong"
    assert verdicts["E_total+"].follows_from == ("out_h1", "out_o1", "w1+")


def test_a_consequence_must_follow_from_the_claimed_values() -> None:
    # δ_o1 = (out_o1 − target_o1) · out_o1 · (1 − out_o1); from out_o1 = 0.76 that is
    # 0.75 · 0.76 · 0.24 = 0.1368 (the exact value is 0.138498562).
    ex = load_example("mazur")
    report = check(ex, {"out_o1": "0.760", "delta_o1": "0.137"})
    assert [v.status for v in report.verdicts] == ["first wrong step", "follows"]
    report = check(ex, {"out_o1": "0.760", "delta_o1": "5.00"})
    delta = report.verdicts[1]
    assert delta.status == "wrong" and delta.against == ("out_o1",)
    assert delta.recomputed == pytest.approx(0.75 * 0.76 * 0.24, rel=1e-12)
    # Within the written precision of out_o1 (rounded or truncated: 0.7595 … 0.761) δ_o1
    # runs from 0.751 · 0.761 · 0.239 = 0.136591 to 0.7495 · 0.7595 · 0.2405 = 0.136904;
    # a claim of δ_o1 stands for 0.13655 … 0.1367 (0.1366) up to 0.13685 … 0.1370 (0.1369).
    cases = [("0.1366", "follows"), ("0.1369", "follows"), ("0.1364", "wrong"), ("0.1371", "wrong")]
    for claim, status in cases:
        report = check(ex, {"out_o1": "0.760", "delta_o1": claim})
        assert report.verdicts[1].status == status, claim
    # A claimed δ_o1 stands for ∂E/∂out_o1 · ∂out_o1/∂net_o1 in ∂E/∂w5 = δ_o1 · out_h1.
    out_h1 = 0.5932699921071872
    assert f"{0.150 * out_h1:.4f}" == "0.0890"
    report = check(ex, {"out_o1": "0.7600", "delta_o1": "0.150", "dE/dw5": "0.0890"})
    assert [v.status for v in report.verdicts] == ["first wrong step", "wrong", "follows"]
    assert report.verdicts[2].follows_from == ("out_o1", "delta_o1")
    report = check(ex, {"delta_o1": "0.150", "dE/dw5": "0.0950"})
    assert report.verdicts[1].status == "wrong"
    assert report.verdicts[1].recomputed == pytest.approx(0.150 * out_h1, rel=1e-12)
    assert report.verdicts[1].recomputed_from == ("delta_o1",)


def test_a_batch_gradient_is_recomputed_from_the_claimed_sample_gradients() -> None:
    # Mean reduction: dE/dw5 = (dE/dw5[1] + dE/dw5[2]) / 2, each sample's own gradient.
    ex = random_example(3, shape=(2, 2, 2), samples=2)
    quantities = Quantities(ex)
    second = quantities.values(["dE/dw5[2]"])["dE/dw5[2]"]
    mean = (0.0300 + second) / 2
    consistent = f"{mean:.5f}"
    report = check(ex, {"dE/dw5[1]": "0.0300", "dE/dw5": consistent})
    assert report.verdicts[1].follows_from == ("dE/dw5[1]",)
    report = check(ex, {"dE/dw5[1]": "0.0300", "dE/dw5": f"{mean + 0.001:.5f}"})
    assert report.verdicts[1].status == "wrong"
    assert report.verdicts[1].recomputed == pytest.approx(mean, rel=1e-12)


def test_unclaimed_steps_on_the_way_are_recomputed_too() -> None:
    # ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · out_h1, the first two from the claimed out_o1:
    # 0.75 · (0.76 · 0.24) · 0.5932699921 = 0.0811593.
    ex = load_example("mazur")
    report = check(ex, {"out_o1": "0.760", "dE/dw5": "5.00"})
    assert report.verdicts[1].status == "wrong"
    assert report.verdicts[1].recomputed == pytest.approx(0.75 * 0.76 * 0.24 * 0.5932699921071872)
    report = check(ex, {"out_o1": "0.760", "dE/dw5": "0.0812"})
    assert report.verdicts[1].follows_from == ("out_o1",)
    # The error after the update has no formula (it is the forward pass again): following
    # the computation is all that is asked.
    report = check(ex, {"w5+": "0.400", "E_total+": "5.00"})
    assert report.verdicts[1].follows_from == ("w5+",)
    assert report.verdicts[1].recomputed is None


def test_a_wrong_given_value_spoils_what_comes_after() -> None:
    claims = {"w5": "0.410", "net_o1": "1.111837", "w1+": "0.1497807"}
    report = check(load_example("mazur"), claims)
    verdicts = {v.claim.key: v for v in report.verdicts}
    assert report.first_wrong == "w5"
    assert verdicts["net_o1"].follows_from == ("w5",)
    assert verdicts["w1+"].agrees
    assert report.diagnoses == []  # no mistake of the method changes a given value


# -- the catalogue, on random networks --------------------------------------------


def claims_for(example: Example, variant: Variant, style: str) -> dict[str, str]:
    """Every value of one update as the engine gives it with ``variant``, written down."""
    quantities = Quantities(example)
    keys = [step.key for step in quantities.steps]
    values = quantities.values(keys, variant)
    if style == "fixed":
        return {key: f"{value:.8f}" for key, value in values.items()}
    return {key: f"{value:.7e}" for key, value in values.items()}


def named(report: Report) -> set[tuple[int, ...]]:
    return {tuple(m.number for m in d.mistakes) for d in report.diagnoses if d.clean}


# (mistake number, engine switch, example options, seeds)
CATALOGUE_CASES = [
    (1, Variant(hidden_deltas_after_update=True), {}),
    (2, Variant(derivative_at_output=True), {"activation": "tanh"}),
    (3, Variant(gradient_scale=2.0), {}),
    (3, Variant(gradient_scale=0.5), {"loss": "sse"}),
    (4, Variant(flip_bias_training=True), {}),
    (4, Variant(flip_bias_training=True), {"bias": "shared", "train_bias": False}),
    (5, Variant(shared_bias_from_first=True), {"bias": "shared", "shape": (2, 3, 2)}),
    (6, Variant(update_sign=1.0), {}),
    *[(7, Variant(round_decimals=k), {}) for k in (2, 3, 4, 5, 6)],
    (8, Variant(learning_rate_power=2), {}),
    (8, Variant(learning_rate_power=0), {}),
    (9, Variant(flip_batch_reduction=True), {"samples": 3}),
]


@pytest.mark.parametrize(("number", "variant", "options"), CATALOGUE_CASES)
@pytest.mark.parametrize("seed", [11, 12])
def test_each_mistake_is_named(
    number: int, variant: Variant, options: dict[str, object], seed: int
) -> None:
    options = {"shape": (2, 2, 2), "learning_rate": 0.3, **options}
    example = random_example(seed, **options)  # type: ignore[arg-type]
    style = "fixed" if seed % 2 else "scientific"
    report = check(example, claims_for(example, variant, style), source="test")
    assert report.n_disagree > 0
    assert (number,) in named(report)
    [diagnosis] = [d for d in report.diagnoses if d.mistakes[0].variant == variant]
    assert diagnosis.clean
    # ... and correct claims name nothing.
    correct = check(example, claims_for(example, EXACT, style), source="test")
    assert correct.n_disagree == 0 and correct.diagnoses == []


def test_every_catalogue_entry_is_tested() -> None:
    example = random_example(0, bias="shared", samples=2, learning_rate=0.3)
    tested = {variant for _, variant, _ in CATALOGUE_CASES}
    assert {m.variant for m in catalogue(example)} <= tested
    assert sorted({m.number for m in catalogue(example)}) == list(range(1, 10))


def test_two_mistakes_at_once() -> None:
    example = random_example(5, shape=(2, 2, 2), learning_rate=0.3, samples=2)
    mistakes = {m.number: m for m in catalogue(example)}
    both = combine(mistakes[2], mistakes[9])
    assert both == replace(EXACT, derivative_at_output=True, flip_batch_reduction=True)
    report = check(example, claims_for(example, both, "fixed"), source="test")
    assert named(report) == {(2, 9)}
    assert combine(mistakes[3], mistakes[3]) is None


def test_a_mistake_that_changes_nothing_here_is_not_tried() -> None:
    # No bias: mistakes 4 and 5 cannot matter; one sample: nor can 9; η = 1: nor can 8.
    example = random_example(1, bias="none", learning_rate=1.0)
    assert {m.number for m in catalogue(example)} == {1, 2, 3, 6, 7}


# -- the command line ---------------------------------------------------------------


def test_claims_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claims = tmp_path / "homework.toml"
    claims.write_text('[claims]\nnew_w5 = "0.35891648"\n"dE/dw5" = 0.0821\n', encoding="utf-8")
    assert main(["check", "mazur", str(claims)]) == 0
    out = capsys.readouterr().out
    assert f"2 claims from {claims}: 2 agree, 0 disagree" in out
    claims.write_text('[claims]\n"w5+" = "0.3589"\n"E_total+" = 0.2911\n', encoding="utf-8")
    code, data = run_json(capsys, "mazur", str(claims))
    assert code == 1
    assert data["claims_from"] == str(claims)
    assert [c["name"] for c in data["claims"]] == ["w5+", "E_total+"]


def test_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "hill")
    assert code == 1
    assert set(data) == {
        "example", "claims_from", "min_digits", "summary", "first_wrong", "claims", "diagnosis",
        "unexplained",
    }  # fmt: skip
    assert set(data["claims"][0]) == {
        "name", "written_as", "claimed", "decimals", "exact", "agrees", "how", "status",
        "follows_from", "does_not_follow_from", "recomputed", "recomputed_from", "last_digit",
    }  # fmt: skip
    [diagnosis] = data["diagnosis"]
    assert set(diagnosis) == {"kind", "mistakes", "reproduces", "misses", "breaks", "values"}
    assert diagnosis["kind"] == "clean"
    assert diagnosis["mistakes"][0]["variant"] == {"derivative_at_output": True}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[claims]\n"w9+" = 0.3\n', "claims.\"w9+\": unknown quantity 'w9+'; did you mean 'w8+'"),
        ('[claims]\n"w5+" = "abc"\n', "claims.\"w5+\": expected a number, got the string 'abc'"),
        ('[claims]\n"out_o1[2]" = 0.5\n', "but the example has 1 sample"),
        ('[claims]\n"E_total@0" = 0.5\n', "updates are counted from 1"),
        ("[claimz]\nw5 = 1\n", "unknown key 'claimz': a claims file holds one [claims] table"),
        ("claims = 3\n", "claims: expected a [claims] table"),
        ("[claims]\nw5 = \n", "TOML syntax error"),
        ("[claims]\n", "no claims to check"),
    ],
)
def test_bad_claims_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["check", "mazur", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"glassnet: error: {path}")
    assert message in line


def test_bad_claims_in_an_example_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (Path(__file__).parents[1] / "src/glassnet/examples/lamsal.toml").read_text("utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text.replace('"w5+" = "0.45187"', '"w5++" = "0.45187"'), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"glassnet: error: {path}: claims.\"w5++\": unknown quantity 'w5++'")


def test_missing_claims_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "mazur", "no/such/claims.toml"]) == 2
    assert capsys.readouterr().err == "glassnet: error: no/such/claims.toml: no such file\n"


# -- too coarse to judge, and claims that used to crash ------------------------------


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_coarse_claim_is_not_judged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # dE/dw5 = -0.200 would agree with "0" truncated; 0 says nothing.
    path = write(tmp_path, '[claims]\nnet_h1 = "0"\nout_h1 = "0.593"\neta = "0.5"\n')
    code, data = run_json(capsys, "mazur", path)
    assert code == 1  # not every claim agrees
    claims = statuses(data)
    assert claims["net_h1"]["status"] == "too coarse"
    assert claims["net_h1"]["agrees"] is None and claims["net_h1"]["how"] is None
    assert claims["out_h1"]["status"] == "agrees"
    assert claims["eta"]["status"] == "agrees"  # 0.5 is exact: one digit is enough
    assert data["summary"] == {"claims": 3, "agree": 2, "disagree": 0, "too_coarse": 1}
    assert data["min_digits"] == 3 and data["first_wrong"] is None
    assert main(["check", "mazur", path]) == 1
    out = capsys.readouterr().out
    assert "3 claims from" in out and "2 agree, 0 disagree, 1 too coarse to judge" in out
    assert "? net_h1    0        0.378     too coarse to judge (give at least 3 significant" in out
    assert "Every claim judged agrees; 1 too coarse to judge" in out


def test_a_coarse_claim_does_not_stop_the_trail() -> None:
    # out_o1 = 0.8 is not judged, as if it were not claimed; from out_h1 = 0.6 the forward
    # pass gives net_o1 = 0.4·0.6 + 0.45·0.596884378 + 0.6 = 1.108597970, out_o1 =
    # 0.751867637 and E_o1 = ½(0.01 − out_o1)² = 0.275183796 (exactly 0.274811083): 0.2752
    # follows, 0.300 does not.
    ex = load_example("mazur")
    report = check(ex, {"out_h1": "0.600", "out_o1": "0.8", "E_o1": "0.2752"})
    verdicts = {v.claim.key: v for v in report.verdicts}
    assert not verdicts["out_o1"].judged
    assert verdicts["E_o1"].follows_from == ("out_h1",)  # through the unjudged out_o1
    assert report.n_disagree == 2 and report.n_coarse == 1
    report = check(ex, {"out_h1": "0.600", "out_o1": "0.8", "E_o1": "0.300"})
    e_o1 = report.verdicts[2]
    assert e_o1.status == "wrong" and e_o1.against == ("out_h1",)
    assert e_o1.recomputed == pytest.approx(0.275183796, abs=1e-9)


def test_min_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[claims]\nout_o1 = "0.75"\n')
    assert main(["check", "mazur", path]) == 1
    assert main(["check", "mazur", path, "--min-digits", "2"]) == 0
    path = write(tmp_path, 'min_digits = 2\n[claims]\nout_o1 = "0.75"\n')
    assert main(["check", "mazur", path]) == 0
    assert main(["check", "mazur", path, "--min-digits", "3"]) == 1  # the option wins
    capsys.readouterr()
    code, data = run_json(capsys, "mazur", path, "--min-digits", "0")
    assert code == 0 and data["min_digits"] == 0


@pytest.mark.parametrize("value", ["-1", "2.5", "true", '"3"'])
def test_bad_min_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    path = write(tmp_path, f'min_digits = {value}\n[claims]\nout_o1 = "0.751"\n')
    assert main(["check", "mazur", path]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"glassnet: error: {path}: min_digits: `min_digits` must be a whole")


def test_the_issues_example_in_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[claims]\nout_o1 = "0.760"\ndelta_o1 = "5.00"\n')
    assert main(["check", "mazur", path]) == 1
    out = capsys.readouterr().out
    assert (
        "delta_o1  5.00     0.13850   wrong: does not follow from out_o1 "
        "(recomputed from the claimed out_o1 it would be 0.1368)"
    ) in out


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ('"1e1000000"', "too coarse"),
        ('"1.00e1000000"', "first wrong step"),
        ('"1e-1000000"', "too coarse"),
        ('"-1.00e-1000000"', "first wrong step"),
        ('"0.377600000000000000000000000000"', "first wrong step"),  # 31 significant digits
        ('"0.377500000000000000000000000000"', "agrees"),
        ('"' + "9" * 400 + '"', "first wrong step"),
        ("1e308", "too coarse"),
        ("-1.23e-300", "first wrong step"),
    ],
)
def test_huge_tiny_and_long_claims_are_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, status: str
) -> None:
    path = write(tmp_path, f"[claims]\nnet_h1 = {value}\n")
    code, data = run_json(capsys, "mazur", path)
    assert code == (0 if status == "agrees" else 1)
    assert data["claims"][0]["status"] == status
    assert main(["check", "mazur", path]) == code  # the text report too
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1979-05-27", "expected a number or a string holding one, got a TOML date 1979-05-27"),
        ("07:32:00", "got a TOML time 07:32:00"),
        ('"1e99999999999999999999"', "expected a number with an exponent within ±10^15"),
        ("nan", "expected a finite number, got nan"),
    ],
)
def test_claims_that_used_to_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    path = write(tmp_path, f"[claims]\nnet_h1 = {value}\n")
    assert main(["check", "mazur", path]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"glassnet: error: {path}: claims.net_h1: ")
    assert message in line


def test_control_characters_in_a_name_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[claims]\n"net_\\u0000h1\\u001b[2J" = "0.3775"\n')
    assert main(["check", "mazur", path]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f'glassnet: error: {path}: claims."net_\\x00h1\\x1b[2J": unknown')
    assert "\x00" not in line and "\x1b" not in line


def test_a_report_with_nothing_judged_says_so(tmp_path, capsys):
    path = write(tmp_path, '[claims]\nnet_h1 = "0"\nout_h1 = "0.6"\n')
    assert main(["check", "mazur", path]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith(
        "No claim could be judged: 2 too coarse to judge (give at least 3 significant digits, "
        "or the exact value)."
    )
