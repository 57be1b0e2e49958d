"""The grammar of claimable names: ``NAME``, ``NAME+``, ``NAME@N``, each with an optional ``[s]``.

Every value the explanation shows is claimed by its step key (see
``glassnet.explanation``): ``net_h1``, ``out_o1``, ``E_o1``, ``E_total``,
``dE/dout_o1``, ``dout_o1/dnet_o1``, ``delta_o1``, ``dE_o1/dout_h1`` (or the share
``dE/dnet_o1*dnet_o1/dout_h1``), ``dnet_o1/dw5``, ``dE/dw5``, ``dE/db1``, ``w5+``,
``out_o1+``, ``E_total+`` and
the given ``w5``, ``i1``, ``target_o1``, ``eta``; with several samples the
per-sample ones end in ``[s]``, counting from 1. Training adds ``NAME@N``, the
value after N updates, for parameters (``w5@100``), outputs (``out_o1@100``),
output errors (``E_o1@100``) and the loss (``E_total@100``); ``NAME@1`` is the
explanation's ``NAME+``. A few friendly spellings are accepted and mean the
canonical name (``ALIASES``): ``new_w5``, ``w5_new`` and ``w5_after`` are ``w5+``.
"""

from __future__ import annotations

import re

#: The most updates a ``NAME@N`` claim may ask for.
MAX_STEPS = 1_000_000

#: Friendly spellings: (pattern, replacement) applied to a name that is not a
#: canonical one; the first that gives a known name wins.
ALIASES: tuple[tuple[str, str], ...] = (
    (r"^new_(.+)$", r"\1+"),
    (r"^(.+)_new$", r"\1+"),
    (r"^(.+)_after$", r"\1+"),
    (r"^loss$", "E_total"),
    (r"^loss(\+|@.*)$", r"E_total\1"),
    (r"^loss_after$", "E_total+"),
    (r"^sum_(.+)$", r"net_\1"),
    (r"^output_(.+)$", r"out_\1"),
)

_SAMPLE = re.compile(r"^(?P<base>.+?)\[(?P<s>\d+)\]$")
#: A name: its base, then ``+`` or ``@N`` (after N updates), then ``[s]`` (a sample);
#: ``out_o1[2]+`` is read as ``out_o1+[2]``.
NAME = re.compile(r"(?P<base>.+?)(?P<mark>\+|@-?\d+)?(?:\[(?P<s>\d+)\])?(?P<late>\+)?")


def sample_suffix(sample: int | None) -> str:
    """The ``[s]`` that ends the name of a per-sample quantity; ``""`` for none."""
    return f"[{sample}]" if sample is not None else ""


def split_sample(name: str) -> tuple[str, str]:
    """``("out_o1+", "[2]")`` for ``out_o1+[2]``; ``(name, "")`` without a sample."""
    match = _SAMPLE.match(name)
    return (match["base"], f"[{match['s']}]") if match else (name, "")


def split_trained(key: str) -> tuple[str, int, int | None]:
    """``("out_o1", 100, 2)`` for ``out_o1@100[2]``; ``X+`` counts as ``X@1``."""
    sample = None
    match = _SAMPLE.match(key)
    if match:
        key, sample = match["base"], int(match["s"])
    if key.endswith("+"):
        return key[:-1], 1, sample
    base, _, steps = key.rpartition("@")
    return base, int(steps), sample


def aliases(name: str) -> list[str]:
    """What ``name`` means by each of the ``ALIASES`` that matches it, in order."""
    base, sample = split_sample(name)
    found = []
    for pattern, replacement in ALIASES:
        new, count = re.subn(pattern, replacement, base)
        if count:
            # "out_o1_after[2]" -> "out_o1+[2]": the sample goes last, as in the explanation.
            found.append(new + sample)
    return found
