"""Claims: numbers as written, the agreement rule, and the names quantities are claimed by."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from glassnet.check import check
from glassnet.claims import (
    Quantities,
    agreement,
    at_precision,
    judged,
    parse_claims,
    parse_number,
)
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.practice import random_example

# Lamsal's w5+ after the update, computed independently in reference/worked-examples.md.
W5_LAMSAL = 0.451878125424104


@pytest.fixture(scope="module")
def mazur() -> Quantities:
    return Quantities(load_example("mazur"))


# -- numbers as written -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals"),
    [
        ("0.35891648", 8),
        ("0.511301270", 9),  # the trailing zero counts: it was written
        ("0.40", 2),
        ("-0.01760", 5),
        ("2", 0),
        (2, 0),
        (0.25, 2),
        ("3.5085e-05", 9),  # 0.000035085: 4 mantissa decimals shifted by 5
        ("3.5085E-5", 9),
        ("35085e-9", 9),
        ("1.2e3", -2),  # hundreds
        ("+0.5", 1),
        ("\u22120.127", 3),  # a Unicode minus, as tutorials print it
        (" 0.3775 ", 4),
    ],
)
def test_decimals_are_the_place_of_the_last_digit(value: object, decimals: int) -> None:
    assert parse_number(value).decimals == decimals


def test_a_toml_float_loses_its_trailing_zeros() -> None:
    # That is why claims like 0.511301270 are written as strings.
    assert parse_number(0.511301270).decimals == 8
    assert parse_number("0.511301270").decimals == 9


@pytest.mark.parametrize("value", ["abc", "", "0.5.1", "1e", "--1", "0x10", True, [1], {"a": 1}])
def test_not_a_number(value: object) -> None:
    with pytest.raises(ValueError, match="expected a number"):
        parse_number(value)


def test_infinite_float() -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_number(float("inf"))


def test_a_toml_date_or_time_is_named_as_such() -> None:
    with pytest.raises(ValueError) as error:
        parse_number(date(1979, 5, 27))
    assert str(error.value) == (
        "expected a number or a string holding one, got a TOML date 1979-05-27"
    )
    with pytest.raises(ValueError, match="got a TOML date and time 1979-05-27T07:32:00"):
        parse_number(datetime(1979, 5, 27, 7, 32))
    with pytest.raises(ValueError, match="got a TOML time 07:32:00"):
        parse_number(time(7, 32))


@pytest.mark.parametrize(
    ("value", "decimals"),
    [("1e1000000", -1000000), ("1e-1000000", 1000000), ("0.3776" + "0" * 30, 34), (10**300, 0)],
)
def test_any_exponent_and_length_is_read(value: object, decimals: int) -> None:
    assert parse_number(value).decimals == decimals


@pytest.mark.parametrize("value", ["1e99999999999999999999", "1e-10000000000000000"])
def test_an_exponent_beyond_reason_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="expected a number with an exponent within ±10\\^15"):
        parse_number(value)


# -- too coarse to judge -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("0.3775", 4),
        ("0.0120", 3),  # leading zeros do not count, a written trailing zero does
        ("1200", 4),
        ("3.5085e-05", 5),
        ("1e1000000", 1),
        ("-0.19", 2),
        ("0", 0),  # a zero has no significant digit
        ("0.000", 0),
        ("-0.0", 0),
    ],
)
def test_significant_digits_as_written(text: str, digits: int) -> None:
    assert parse_number(text).significant == digits


@pytest.mark.parametrize(
    ("exact", "claim", "judge"),
    [
        (0.3775, "0", False),  # agrees truncated, says nothing
        (1.10590596705977, "1", False),
        (0.5932699921071872, "0.6", False),
        (-0.2, "0", False),
        (0.3775, "0.378", True),
        (0.3775, "0.400", True),  # judged (and wrong)
        (0.1, "0.1", True),  # exactly the value, as written
        (0.1, "0.10", True),
        (0.41000000000000003, "0.41", True),  # 0.1·0.1 + 0.3·0.5 + 0.25 in float64
        (0.5, "0.5", True),
        (0.0, "0", True),  # a gradient that is exactly zero
        (0.0, "0.000", True),
        (1e-17, "0", True),  # zero up to float64 noise (ABS_TOL)
        (0.5, "0.4", False),
        (0.0, "1e-10", False),
        (float("nan"), "0", False),
    ],
)
def test_judged_with_three_digits_or_exact(exact: float, claim: str, judge: bool) -> None:
    assert judged(exact, parse_number(claim)) is judge


def test_min_digits_is_a_setting() -> None:
    assert judged(0.3775, parse_number("0.38"), 2)
    assert not judged(0.3775, parse_number("0.378"), 4)
    assert judged(0.3775, parse_number("0"), 0)


# -- the agreement rule -------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "how"),
    [
        ("0.45187", "truncated"),  # 0.451878… truncated; rounded it would be 0.45188
        ("0.45188", "rounded"),
        ("0.4518", "truncated"),
        ("0.4519", "rounded"),  # 0.451878 rounds to 0.4519 at 4 decimals
        ("0.452", "rounded"),
        ("0.451", "truncated"),
        ("0.45", "rounded and truncated"),
        ("0.5", "rounded"),
        ("0", "rounded and truncated"),
        ("4.5187812e-1", "truncated"),
        ("4.5187813e-1", "rounded"),
    ],
)
def test_agrees_rounded_or_truncated(claim: str, how: str) -> None:
    assert agreement(W5_LAMSAL, parse_number(claim)) == how


@pytest.mark.parametrize("claim", ["0.45189", "0.45186", "0.4520", "0.4517", "0.46", "-0.45187"])
def test_disagrees(claim: str) -> None:
    assert agreement(W5_LAMSAL, parse_number(claim)) is None


def test_negative_values_truncate_toward_zero() -> None:
    exact = -0.017606525909155426  # Lamsal's dE/dw7, published -0.01760
    assert agreement(exact, parse_number("-0.01760")) == "truncated"
    assert agreement(exact, parse_number("-0.01761")) == "rounded"
    assert agreement(exact, parse_number("-0.01759")) is None
    assert agreement(exact, parse_number("0.01760")) is None


def test_scientific_notation_is_compared_at_its_decimals() -> None:
    exact = 3.5084786296312774e-05  # Mazur's 10,000-step error under mistake 1
    assert agreement(exact, parse_number("3.5085e-05")) == "rounded"
    assert agreement(exact, parse_number("0.000035085")) == "rounded"
    assert agreement(exact, parse_number("3.5084e-05")) == "truncated"
    assert agreement(exact, parse_number("3.5086e-05")) is None
    # The correct 3.510187782978851e-05 is not 3.5085e-05 at 9 decimals.
    assert agreement(3.510187782978851e-05, parse_number("3.5085e-05")) is None


def test_integers_and_negative_decimals() -> None:
    assert agreement(2.0, parse_number(2)) == "rounded and truncated"
    assert agreement(2.6, parse_number("2")) == "truncated"
    assert agreement(2.6, parse_number("3")) == "rounded"
    assert agreement(1249.0, parse_number("1.2e3")) == "rounded and truncated"
    assert agreement(1251.0, parse_number("1.2e3")) == "truncated"
    assert agreement(1351.0, parse_number("1.2e3")) is None


def test_float64_noise_is_not_held_against_a_claim() -> None:
    # Hill prints C = 0.19374977898811957 from Java doubles; float64 here gives
    # 0.19374977898812 (2.2e-15 relative apart): beyond what float64 settles.
    assert agreement(0.19374977898812, parse_number("0.19374977898811957")) is not None
    # A difference in the 12th significant digit is not noise.
    assert agreement(0.19374977898912, parse_number("0.19374977898811957")) is None


def test_not_finite_never_agrees() -> None:
    assert agreement(float("nan"), parse_number("0.5")) is None
    assert agreement(float("inf"), parse_number("1e308")) is None


def test_huge_and_long_claims_compare_without_error() -> None:
    assert agreement(0.3775, parse_number("1e1000000")) is None
    assert agreement(0.3775, parse_number("1e-1000000")) is None
    # within 1e-15 of zero: float64 noise
    assert agreement(0.0, parse_number("1e-1000000")) == "rounded and truncated"
    assert agreement(0.3775, parse_number("0.3776" + "0" * 30)) is None
    assert agreement(0.3775, parse_number("0.3775" + "0" * 500)) is not None
    assert agreement(0.3775, parse_number("-" + "9" * 500)) is None


def test_at_precision() -> None:
    assert at_precision(0.29102777369359933, 9) == "0.291027774"
    assert at_precision(-0.019049118258278114, 9) == "-0.019049118"
    assert at_precision(1249.0, -2) == "1200"
    assert Decimal(at_precision(3.5e-05, 9)) == Decimal("0.000035000")
    # Far past float64's digits or far above the value: 40 significant digits, or 0.
    assert at_precision(0.3775, 1000000) == at_precision(0.3775, 40)
    assert len(at_precision(0.3775, 1000000)) == len("0.") + 40
    assert at_precision(0.3775, -1000000) == "0"


# -- names --------------------------------------------------------------------


def test_every_step_of_the_explanation_is_claimable(mazur: Quantities) -> None:
    keys = [step.key for step in mazur.explanation.steps()]
    assert [mazur.resolve(key) for key in keys] == keys
    for key in ("net_h1", "out_o1", "E_o1", "E_total", "dE/dout_o1", "dout_o1/dnet_o1"):
        assert key in keys
    for key in ("delta_o1", "dE_o1/dout_h1", "dnet_o1/dw5", "dE/dw5", "dE/db1", "w5+"):
        assert key in keys
    for key in ("out_o1+", "E_total+", "w5", "i1", "target_o1", "eta"):
        assert key in keys


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("new_w5", "w5+"),
        ("w5_new", "w5+"),
        ("w5_after", "w5+"),
        ("E_total_after", "E_total+"),
        ("loss", "E_total"),
        ("loss_after", "E_total+"),
        ("loss@20", "E_total@20"),
        ("E_total@1", "E_total+"),  # one canonical name for each quantity
        ("w5@1", "w5+"),
        ("out_o1@1", "out_o1+"),
        ("E_o1+", "E_o1@1"),  # not a step of the explanation: a training figure
        ("out_o1[1]", "out_o1"),  # the one sample of a one-sample example
        ("∂E/∂w5", "dE/dw5"),
        ("dE_total/dw5", "dE/dw5"),
        ("δ_o1", "delta_o1"),
        ("out_o1@10000", "out_o1@10000"),
        ("w5@300", "w5@300"),
    ],
)
def test_aliases_resolve_to_one_canonical_name(mazur: Quantities, name: str, key: str) -> None:
    assert mazur.resolve(name) == key


def test_lamsal_spelling(mazur: Quantities) -> None:
    lamsal = Quantities(load_example("lamsal"))
    assert lamsal.resolve("sum_h1") == "net_h1"
    assert lamsal.resolve("output_o2") == "out_o2"


def test_per_sample_names() -> None:
    ex = random_example(3, shape=(2, 2, 2), samples=2)
    q = Quantities(ex)
    assert q.resolve("out_h1[2]") == "out_h1[2]"
    assert q.resolve("out_o1+[2]") == "out_o1+[2]"
    assert q.resolve("out_o1[2]+") == "out_o1+[2]"
    assert q.resolve("out_o1_after[2]") == "out_o1+[2]"
    assert q.resolve("dE/dw1") == "dE/dw1"  # the batch gradient
    assert q.resolve("dE/dw1[1]") == "dE/dw1[1]"  # one sample's share
    assert q.resolve("E_total@5") == "E_total@5"
    assert q.resolve("E_total@5[2]") == "E_total@5[2]"
    assert q.resolve("out_o2@5[1]") == "out_o2@5[1]"
    with pytest.raises(
        ValueError, match=r"each of the 2 samples: name one, out_h1\[1\] … out_h1\[2\]"
    ):
        q.resolve("out_h1")
    with pytest.raises(ValueError, match=r"out_o1@5\[1\] … out_o1@5\[2\]"):
        q.resolve("out_o1@5")
    with pytest.raises(ValueError, match="about sample 3, but the example has 2 samples"):
        q.resolve("out_h1[3]")
    with pytest.raises(ValueError, match="about sample 0"):
        q.resolve("out_h1[0]")
    with pytest.raises(ValueError, match=r"one value for every sample; drop \[s\]"):
        q.resolve("w1@5[1]")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("w9+", "unknown quantity 'w9+'; did you mean 'w8+', 'w7+', 'w6+'?"),
        ("out_o3", "unknown quantity 'out_o3'; did you mean 'out_o2', 'out_o1'"),
        ("dE/dw10", "did you mean 'dE/dw1'"),
        ("E_total@0", "updates are counted from 1"),
        ("E_total@-3", "updates are counted from 1"),
        ("w5@2000000", "at most 1000000 updates"),
        ("out_o1[2]", "about sample 2, but the example has 1 sample"),
        ("E_total@10[2]", "about sample 2, but the example has 1 sample"),
        ("", "expected the name of a quantity"),
    ],
)
def test_names_beyond_the_example(mazur: Quantities, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        mazur.resolve(name)


def test_claims_are_sorted_in_computation_order(mazur: Quantities) -> None:
    table = {"E_total@10": 1, "w1+": 1, "out_o1@10": 1, "net_h1": 1, "w5@10": 1, "E_total+": 1}
    keys = [c.key for c in parse_claims(table, mazur, source="t.toml")]
    assert keys == ["net_h1", "w1+", "E_total+", "w5@10", "out_o1@10", "E_total@10"]


# -- errors name the file and the claim ----------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"w9+": 0.3}, "t.toml: claims.\"w9+\": unknown quantity 'w9+'; did you mean 'w8+'"),
        ({"w5+": "abc"}, "t.toml: claims.\"w5+\": expected a number, got the string 'abc'"),
        ({"net_h1": True}, "expected a number or a string holding one, got the boolean true"),
        ({"net_h1": [1, 2]}, "net_h1: expected a number or a string holding one, got a list of 2"),
        ({"out_o1[2]": 0.5}, "about sample 2, but the example has 1 sample"),
        ({"new_w5": "0.3589", "w5+": "0.3589"}, "'w5+' is claimed twice (also as 'new_w5')"),
    ],
)
def test_bad_claims(mazur: Quantities, table: dict[str, object], message: str) -> None:
    with pytest.raises(GlassnetError) as error:
        parse_claims(table, mazur, source="t.toml")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_no_claims() -> None:
    ex = load_example("mazur")
    with pytest.raises(GlassnetError, match="no claims to check"):
        check(ex, {})


# -- values -------------------------------------------------------------------


def test_training_values_match_the_reference(mazur: Quantities) -> None:
    # reference/worked-examples.md: after one update and after 10,000.
    values = mazur.values(["E_total+", "E_total@1000", "w5+", "w5@2"])
    assert values["E_total+"] == pytest.approx(0.29102777369359933, rel=1e-12)
    assert values["w5+"] == pytest.approx(0.358916479717885, rel=1e-12)
    # w5@2 continues from w5+, by one more update of the engine.
    second = load_example("mazur")
    second.network = second.step().network_after
    assert values["w5@2"] == pytest.approx(second.step().network_after.layers[1].weights[0, 0])
    # Training in two legs (1000, then more) is the same as in one.
    assert mazur.values(["E_total@1500"])["E_total@1500"] == pytest.approx(
        load_example("mazur").train(1500).loss, rel=1e-12
    )


def test_dependencies_follow_the_formulas(mazur: Quantities) -> None:
    parents = mazur.parents([1, 100])
    assert parents["net_h1"] == {"w1", "w2", "i1", "i2", "b1"}
    assert parents["dE_o2/dout_h1"] == {"delta_o2", "w7"}
    assert parents["dE/dout_h1"] == {"dE_o1/dout_h1", "dE_o2/dout_h1"}
    # dE/dw5 = dE/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5, and that product is δ_o1 · out_h1.
    assert parents["dE/dw5"] == {"dE/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5", "delta_o1"}
    assert parents["w1+"] == {"w1", "eta", "dE/dw1"}
    assert parents["b1+"] == {"b1"}  # frozen
    assert {"w1+", "w8+", "b2+", "i1"} <= parents["out_o1+"]
    assert parents["w5@100"] >= {"w1+", "w5+", "b1+"}
    assert parents["E_total@100"] == {"E_o1@100", "E_o2@100"}
    assert parents["out_o1@100"] >= {"w5@100", "i2"}
