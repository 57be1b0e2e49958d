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

**Judged only when precise enough.** ``0`` "agrees" with −0.2 truncated, and
``1`` with 1.106: a claim with too few digits cannot be wrong, so it is judged
only when it carries at least ``min_digits`` significant digits (``MIN_DIGITS``,
3, by default), or when it is the exact value as written (``judged``).
Significant digits are counted in the text as written: leading zeros do not
count, trailing ones do (``0.0120`` has 3, ``1200`` has 4, ``3.5085e-05`` has
5), and a zero (``0``, ``0.000``) has none. *Exact* means the written number is
the exact value up to float64 noise (the ``REL_TOL``/``ABS_TOL`` below): a
learning rate of 0.1 claimed as ``0.1`` is judged, Lamsal's net input ``0.41``
(0.41000000000000003 in float64) too, and ``0`` for a gradient that is zero.

**Range.** Any decimal number is read, ``1e1000000`` and a hundred digits
included (the arithmetic runs in a ``decimal`` context wide enough for them);
exponents beyond ±10¹⁵ are refused as not a number one could mean.

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
from datetime import date, datetime, time
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation, localcontext
from typing import Any

#: Relative difference forgiven as float64 noise (see the module docstring).
REL_TOL = Decimal("1e-12")
#: Absolute difference forgiven as float64 noise.
ABS_TOL = Decimal("1e-15")
#: Significant digits a claim needs to be judged, unless it is the exact value.
MIN_DIGITS = 3
#: The largest exponent (of the leading digit) a claim may have, either way.
MAX_EXPONENT = 10**15
#: Digits kept in the arithmetic of comparisons: far beyond the tolerances, and a
#: claim's exponent may be anything up to ``MAX_EXPONENT``.
CONTEXT = Context(prec=60, Emax=MAX_EMAX, Emin=MIN_EMIN)
#: The most significant digits ``at_precision`` writes (float64 carries 17).
MAX_SHOWN = 40

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
        return Decimal(1).scaleb(-self.decimals, CONTEXT)

    @property
    def significant(self) -> int:
        """Significant digits as written: ``0.0120`` has 3, ``1200`` 4, a zero none."""
        return 0 if self.value.is_zero() else len(self.value.as_tuple().digits)

    def exactly(self, exact: float) -> bool:
        """Whether this is ``exact`` itself, up to float64 noise (``REL_TOL``, ``ABS_TOL``)."""
        if not math.isfinite(exact):
            return False
        x = Decimal(exact)
        with localcontext(CONTEXT):
            return abs(x - self.value) <= abs(x) * REL_TOL + ABS_TOL


def parse_number(value: Any) -> Written:
    """A claimed value: a TOML number, or a string holding one (which keeps trailing zeros).

    Raises ``ValueError`` describing what it got. A Unicode minus ``−`` is read as ``-``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number or a string holding one, got {_kind(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        text = repr(value)
    elif isinstance(value, int):
        text = _int_text(value)
    else:
        text = value.strip().replace("\u2212", "-")
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"expected a number, got {_kind(value)}")
    try:
        number = Decimal(text)
    except InvalidOperation:  # an exponent beyond what decimal can hold at all
        number = Decimal("Infinity")
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or abs(number.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"expected a number with an exponent within ±10^15, got {_short(text)}")
    return Written(text, number, -exponent)


def judged(exact: float, written: Written, min_digits: int = MIN_DIGITS) -> bool:
    """Whether a claim says enough to be judged: ``min_digits`` significant digits, or exact.

    >>> judged(0.3775, parse_number("0")), judged(0.1, parse_number("0.1"))
    (False, True)
    """
    return written.significant >= min_digits or written.exactly(exact)


def interval(written: Written) -> tuple[Decimal, Decimal]:
    """The exact values a claim agrees with (before the float64 slack): rounded or truncated.

    ``[c - unit/2, c + unit)`` for a positive claim, ``(c - unit, c + unit/2]`` for
    a negative one, ``(-unit, unit)`` for zero.
    """
    c, unit = written.value, written.unit
    with localcontext(CONTEXT) as context:
        context.prec = max(context.prec, len(c.as_tuple().digits) + 2)  # exact ends
        if c > 0:
            return c - unit / 2, c + unit
        if c < 0:
            return c - unit, c + unit / 2
        return -unit, unit


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
    ways = []
    with localcontext(CONTEXT):
        slack = max(abs(x), abs(c)) * REL_TOL + ABS_TOL
        if abs(x - c) <= unit / 2 + slack:
            ways.append("rounded")
        low, high = (c, c + unit) if c > 0 else (c - unit, c) if c < 0 else (-unit, unit)
        if low - slack <= x <= high + slack:
            ways.append("truncated")
    return " and ".join(ways) or None


def at_precision(exact: float, decimals: int) -> str:
    """``exact`` rounded to ``decimals`` (the place of a claim's last digit), as text.

    At most ``MAX_SHOWN`` significant digits: a claim written with a hundred
    decimals does not get a hundred-digit answer.

    >>> at_precision(0.291027773694, 9), at_precision(1234.5, -2)
    ('0.291027774', '1200')
    """
    if not math.isfinite(exact):
        return str(exact)
    value = Decimal(exact)
    decimals = min(decimals, MAX_SHOWN - 1 - value.adjusted())
    with localcontext(CONTEXT) as context:
        context.prec = MAX_SHOWN + 1
        return f"{value.quantize(Decimal(1).scaleb(-decimals)):f}"


def _int_text(value: int) -> str:
    """``str(value)``, which Python refuses beyond 4300 digits: such a claim is out of range."""
    try:
        return str(value)
    except ValueError:
        raise ValueError(
            "expected a number with an exponent within ±10^15, got a "
            "whole number of more than 4300 digits"
        ) from None


def _short(text: str) -> str:
    """``text`` quoted, shortened in the middle when long."""
    return repr(text if len(text) <= 40 else f"{text[:18]}…{text[-18:]}")


def _kind(value: Any) -> str:
    if isinstance(value, datetime | date | time):
        what = "date and time" if isinstance(value, datetime) else type(value).__name__
        return f"a TOML {what} {value.isoformat()}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {_short(value)}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"the value {value!r}"
