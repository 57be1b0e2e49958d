"""A ``[claims]`` table: each name resolved to its quantity, each value read as written.

::

    [claims]
    net_h1 = 0.3775
    "w5+" = "0.35891648"            # names with / + @ [ ] need quotes in TOML
    "E_total@10000" = "0.000035085"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glassnet.claims.written import Written, parse_number
from glassnet.errors import GlassnetError
from glassnet.terminal import printable

if TYPE_CHECKING:
    from glassnet.claims.quantities import Quantities


@dataclass(frozen=True)
class Claim:
    """One claim: the canonical ``key`` of its quantity, the name as written, the value."""

    key: str
    name: str
    number: Written


def parse_claims(table: dict[str, Any], quantities: Quantities, *, source: str) -> list[Claim]:
    """Validate a ``[claims]`` table; the claims in computation order.

    Every mistake is a ``GlassnetError`` naming ``source`` and the claim.
    """
    claims: dict[str, Claim] = {}
    for name, value in table.items():
        where = f"claims.{toml_key(name)}"
        try:
            key = quantities.resolve(name)
        except ValueError as error:
            raise GlassnetError(str(error), source=source, field=where) from None
        try:
            number = parse_number(value)
        except ValueError as error:
            hint = ""
            if isinstance(value, dict):
                hint = ' (quote names with "." in TOML, like "w5+" = "0.3589")'
            raise GlassnetError(f"{error}{hint}", source=source, field=where) from None
        if key in claims:
            raise GlassnetError(
                f"{key!r} is claimed twice (also as {claims[key].name!r})",
                source=source,
                field=where,
            )
        claims[key] = Claim(key, name, number)
    return sorted(claims.values(), key=lambda c: quantities.rank(c.key))


def toml_key(name: str) -> str:
    """``name`` as a TOML key, quoted when it must be, on one line with control characters
    escaped."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\t", "\\t")):
        name = name.replace(char, escape)
    return f'"{printable(name)}"'
