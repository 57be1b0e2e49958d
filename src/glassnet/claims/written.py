"""Numbers as written in a claim, and the rule by which a computed value agrees with one.

**Precision.** A claim is compared at the decimals it was written with, the
place of its last digit: ``0.35891648`` has 8, ``0.40`` has 2, ``2`` has 0, and
``3.5085e-05`` has 9 (it is 0.000035085: 4 digits after the mantissa's point,
shifted 5 places by the exponent), ``1.2e3`` has -2 (hundreds). A TOML float
loses its trailing zeros (``0.40`` is read as 0.4), so such claims are written
as strings, ``"0.40"``.

**Agreement.** A claim agrees when the exact value, rounded *or* truncated to
the claim's decimals, equals it. The exact value is a float64 result; two
correct float64 computations done in a different order may differ in their last
digits, so differences below ``REL_TOL`` of the value (or ``ABS_TOL``) are not
held against a claim: a claim written with more than about 12 significant
digits is compared at 12.

>>> w = parse_number("0.45187")
>>> w.decimals, agreement(0.451878125424104, w)
(5, 'truncated')
>>> agreement(0.451878125424104, parse_number("0.4518")) is None
False
>>> agreement(0.451878125424104, parse_number("0.4520")) is None
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

#: Relative difference forgiven as float64 noise (see the module docstring).
REL_TOL = Decimal("1e-12")
#: Absolute difference forgiven as float64 noise.
ABS_TOL = Decimal("1e-15")

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Written:
    """A number as written: its text, its exact value, its decimals (place of the last digit)."""

    text: str
    value: Decimal
    decimals: int

    @property
    def unit(self) -> Decimal:
        """One unit in the last written place: ``10 ** -decimals``."""
        return Decimal(1).scaleb(-self.decimals)


def parse_number(value: Any) -> Written:
    """A claimed value: a TOML number, or a string holding one (which keeps trailing zeros).

    Raises ``ValueError`` describing what it got. A Unicode minus ``−`` is read as ``-``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {_kind(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        text = repr(value)
    elif isinstance(value, int):
        text = str(value)
    else:
        text = value.strip().replace("\u2212", "-")
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"expected a number, got {_kind(value)}")
    number = Decimal(text)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return Written(text, number, -exponent)


def agreement(exact: float, written: Written) -> str | None:
    """How ``exact`` agrees with a claim: ``"rounded"``, ``"truncated"``, both, or ``None``.

    Rounded: ``|exact - claim| <= unit / 2``. Truncated (toward zero): ``exact``
    lies in ``[claim, claim + unit)`` for a positive claim, ``(claim - unit, claim]``
    for a negative one, ``(-unit, unit)`` for zero. Both widened by the float64
    tolerance ``REL_TOL``/``ABS_TOL``.
    """
    if not math.isfinite(exact):
        return None
    x, c, unit = Decimal(exact), written.value, written.unit
    slack = max(abs(x), abs(c)) * REL_TOL + ABS_TOL
    ways = []
    if abs(x - c) <= unit / 2 + slack:
        ways.append("rounded")
    low, high = (c, c + unit) if c > 0 else (c - unit, c) if c < 0 else (-unit, unit)
    if low - slack <= x <= high + slack:
        ways.append("truncated")
    return " and ".join(ways) or None


def at_precision(exact: float, decimals: int) -> str:
    """``exact`` rounded to ``decimals`` (the place of a claim's last digit), as text.

    >>> at_precision(0.291027773694, 9), at_precision(1234.5, -2)
    ('0.291027774', '1200')
    """
    if not math.isfinite(exact):
        return str(exact)
    with localcontext() as context:
        context.prec = 400
        return f"{Decimal(exact).quantize(Decimal(1).scaleb(-decimals)):f}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"the value {value!r}"
