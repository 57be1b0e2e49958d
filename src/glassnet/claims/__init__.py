"""Claims: numbers someone states for an example, by the names the explanation prints.

A claim names one quantity of an example and gives its value as it was written::

    [claims]
    net_h1 = 0.3775
    "w5+" = "0.35891648"            # names with / + @ [ ] need quotes in TOML
    "E_total@10000" = "0.000035085"

One module per concept:

- ``written``: a number as written, its decimals, and the agreement rule
  (rounded *or* truncated to the claim's decimals, with float64 slack); a
  claim is judged only with ``MIN_DIGITS`` significant digits or when exact.
- ``table``: a ``[claims]`` table, validated into ``Claim`` records.
- ``names``: the grammar of claimable names (``w5+``, ``E_total@100``,
  ``out_o1[2]``) and the friendly spellings ``ALIASES``.
- ``layout``: where each named parameter, output and input of a network is.
- ``quantities``: every quantity of one example: canonical name, order, value.
- ``dependencies``: what each quantity is computed from.
- ``recompute``: a step's formula evaluated with claimed values for its parents.

>>> from glassnet.examples import load_example
>>> q = Quantities(load_example("mazur"))
>>> [c.key for c in parse_claims({"new_w5": "0.3589", "net_h1": 0.3775}, q, source="t")]
['net_h1', 'w5+']
>>> agreement(q.values(["w5+"])["w5+"], parse_number("0.3589"))
'rounded and truncated'
"""

from glassnet.claims.keys import ALIASES, MAX_STEPS
from glassnet.claims.quantities import Quantities
from glassnet.claims.table import Claim, parse_claims
from glassnet.claims.written import (
    ABS_TOL,
    CONTEXT,
    MIN_DIGITS,
    REL_TOL,
    Written,
    agreement,
    at_precision,
    interval,
    judged,
    parse_number,
)

__all__ = [
    "ABS_TOL",
    "ALIASES",
    "CONTEXT",
    "MAX_STEPS",
    "MIN_DIGITS",
    "REL_TOL",
    "Claim",
    "Quantities",
    "Written",
    "agreement",
    "at_precision",
    "interval",
    "judged",
    "parse_claims",
    "parse_number",
]
