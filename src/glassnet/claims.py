"""Claims: numbers someone states for an example, by the names the explanation prints.

A claim names one quantity of an example and gives its value as it was written::

    [claims]
    net_h1 = 0.3775
    "w5+" = "0.35891648"            # names with / + @ [ ] need quotes in TOML
    "E_total@10000" = "0.000035085"

**Names.** Every value the explanation shows is claimed by its step key (see
``glassnet.explanation``): ``net_h1``, ``out_o1``, ``E_o1``, ``E_total``,
``dE/dout_o1``, ``dout_o1/dnet_o1``, ``delta_o1``, ``dE_o1/dout_h1``,
``dnet_o1/dw5``, ``dE/dw5``, ``dE/db1``, ``w5+``, ``out_o1+``, ``E_total+`` and
the given ``w5``, ``i1``, ``target_o1``, ``eta``; with several samples the
per-sample ones end in ``[s]``, counting from 1. Training adds ``NAME@N``, the
value after N updates, for parameters (``w5@100``), outputs (``out_o1@100``),
output errors (``E_o1@100``) and the loss (``E_total@100``); ``NAME@1`` is the
explanation's ``NAME+``. A few friendly spellings are accepted and mean the
canonical name (``ALIASES``): ``new_w5``, ``w5_new`` and ``w5_after`` are ``w5+``.

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

import difflib
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.engine import EXACT, Variant, batch_loss, forward, train
from glassnet.errors import GlassnetError
from glassnet.explanation import Explanation, explain
from glassnet.formula import Expr, Partial, Sym

if TYPE_CHECKING:
    from glassnet.example import Example
    from glassnet.network import Network

#: Relative difference forgiven as float64 noise (see the module docstring).
REL_TOL = Decimal("1e-12")
#: Absolute difference forgiven as float64 noise.
ABS_TOL = Decimal("1e-15")
#: The most updates a ``NAME@N`` claim may ask for.
MAX_STEPS = 1_000_000

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SAMPLE = re.compile(r"^(?P<base>.+?)\[(?P<s>\d+)\]$")
#: A name: its base, then ``+`` or ``@N`` (after N updates), then ``[s]`` (a sample);
#: ``out_o1[2]+`` is read as ``out_o1+[2]``.
_NAME = re.compile(r"(?P<base>.+?)(?P<mark>\+|@-?\d+)?(?:\[(?P<s>\d+)\])?(?P<late>\+)?")


# -- numbers as written -------------------------------------------------------


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


# -- claims -------------------------------------------------------------------


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
        where = f"claims.{_toml_key(name)}"
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


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'


# -- the vocabulary of quantities ---------------------------------------------

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


@dataclass
class _Layout:
    """Where each named thing of a small network is: parameters, outputs, samples."""

    parameters: dict[str, tuple[int, int, int | None]] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    n_samples: int = 1


class Quantities:
    """Every claimable quantity of one example: names, order, values, dependencies.

    ``resolve(name)`` gives a quantity's canonical key; ``rank(key)`` its place
    in computation order; ``values(keys, variant)`` the values the engine
    computes (with a ``Variant``, under one of the known mistakes);
    ``parents(keys)`` what each quantity is computed from.

    >>> from glassnet.examples import load_example
    >>> q = Quantities(load_example("mazur"))
    >>> q.resolve("new_w5"), q.resolve("E_total@1"), q.resolve("out_o1@10000")
    ('w5+', 'E_total+', 'out_o1@10000')
    """

    def __init__(self, example: Example):
        self.example = example
        self.explanation: Explanation = explain(example.step(), example)
        self.steps = [s for s in self.explanation.steps() if np.ndim(s.value) == 0]
        self.index = {step.key: k for k, step in enumerate(self.steps)}
        self.section = {
            step.key: section.kind
            for section in self.explanation.sections
            for block in section.blocks
            for step in block.steps
        }
        self.layout = _layout(example.network, example.inputs.shape[0])
        self._step_values: dict[Variant, dict[str, float]] = {}
        self._trained: dict[tuple[Variant, int], dict[str, float]] = {}
        self._networks: dict[tuple[Variant, int], Network] = {}

    # -- names ------------------------------------------------------------

    @property
    def batch(self) -> bool:
        return self.layout.n_samples > 1

    def trained_bases(self) -> list[str]:
        """The names ``NAME@N`` can be formed from: parameters, outputs, errors, the loss."""
        outs = [f"out_{o}" for o in self.layout.outputs]
        errors = [f"E_{o}" for o in self.layout.outputs]
        return [*self.layout.parameters, *outs, *errors, "E_total"]

    def resolve(self, name: str) -> str:
        """The canonical key of a claimed name; ``ValueError`` says what is wrong with it."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("expected the name of a quantity")
        name = name.strip().replace("∂", "d").replace("δ_", "delta_").replace("dE_total/", "dE/")
        for candidate in (name, *self._aliases(name)):
            key = self._canonical(candidate)
            if key is not None:
                return key
        raise ValueError(self._unknown(name))

    def _aliases(self, name: str) -> list[str]:
        base, sample = name, ""
        match = _SAMPLE.match(name)
        if match:
            base, sample = match["base"], f"[{match['s']}]"
        found = []
        for pattern, replacement in ALIASES:
            new, count = re.subn(pattern, replacement, base)
            if count:
                # "out_o1_after[2]" -> "out_o1+[2]": the sample goes last, as in the explanation.
                found.append(new + sample)
        return found

    def _canonical(self, name: str) -> str | None:
        """The key ``name`` means, or ``None``; ``ValueError`` for a name beyond the example."""
        match = _NAME.fullmatch(name)
        if match is None or (match["mark"] and match["late"]):
            return None
        base, sample = match["base"], int(match["s"]) if match["s"] else None
        mark = match["mark"] or match["late"] or ""
        if not mark:
            return self._step_key(base, sample, name)
        steps = 1 if mark == "+" else int(mark[1:])
        if steps == 1:
            key = self._step_key(base + "+", sample, name)
            if key is not None:
                return key
        return self._trained_key(base, steps, sample, name)

    def _step_key(self, base: str, sample: int | None, name: str) -> str | None:
        """A step of the explanation: ``base``, or ``base[s]`` when it is per sample."""
        n = self.layout.n_samples
        per_sample = f"{base}[1]" in self.index
        if not per_sample and base not in self.index:
            return None
        if sample is None:
            if base in self.index:
                return base
            raise ValueError(
                f"{name!r} is computed for each of the {n} samples: name one, "
                f"{base}[1] … {base}[{n}]"
            )
        self._check_sample(sample, name)
        if per_sample:
            return f"{base}[{sample}]"
        if n == 1:
            return base  # "out_o1[1]" of a one-sample example is "out_o1"
        raise ValueError(f"{name!r}: {base} is one value for the whole batch; drop [{sample}]")

    def _check_sample(self, sample: int, name: str) -> None:
        n = self.layout.n_samples
        if not 1 <= sample <= n:
            samples = "1 sample" if n == 1 else f"{n} samples"
            raise ValueError(f"{name!r} is about sample {sample}, but the example has {samples}")

    def _trained_key(self, base: str, steps: int, sample: int | None, name: str) -> str | None:
        """``base@steps`` (with ``[s]`` when per sample), checked against the example."""
        if base not in self.trained_bases():
            return None
        if steps < 1:
            raise ValueError(
                f"{name!r}: updates are counted from 1 ({base}@1, also written {base}+, is the "
                f"value after the first update; {base} without @ is the value before it)"
            )
        if steps > MAX_STEPS:
            raise ValueError(f"{name!r}: at most {MAX_STEPS} updates can be claimed")
        if sample is not None:
            self._check_sample(sample, name)
            if base in self.layout.parameters:
                raise ValueError(f"{name!r}: a parameter is one value for every sample; drop [s]")
            if not self.batch:
                sample = None
        elif self.batch and base != "E_total" and base not in self.layout.parameters:
            n = self.layout.n_samples
            raise ValueError(
                f"{name!r} is computed for each of the {n} samples: name one, "
                f"{base}@{steps}[1] … {base}@{steps}[{n}]"
            )
        return self.trained_key(base, steps, sample)

    def _unknown(self, name: str) -> str:
        vocabulary = [s.key for s in self.steps]
        vocabulary += [f"{base}@N" for base in self.trained_bases()]
        stem = re.sub(r"@\d+", "@N", name)
        close = difflib.get_close_matches(stem, vocabulary, n=3, cutoff=0.6)
        if not close:
            close = difflib.get_close_matches(stem, vocabulary, n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return (
            f"unknown quantity {name!r}{hint} (names are the keys `glassnet explain` shows; "
            "see docs/check.md)"
        )

    # -- order ------------------------------------------------------------

    def rank(self, key: str) -> tuple[int, ...]:
        """A sort key: computation order, steps of the explanation first, then by update."""
        if key in self.index:
            return (0, self.index[key])
        base, steps, sample = _split_trained(key)
        names = list(self.layout.parameters)
        if base in names:
            return (1, steps, 0, 0, 0, names.index(base))
        if base == "E_total" and sample is None:
            return (1, steps, 2, 0, 0, 0)
        outputs = self.layout.outputs
        kind = 0 if base.startswith("out_") else 1 if base != "E_total" else 2
        j = outputs.index(base.split("_", 1)[1]) if kind < 2 else 0
        return (1, steps, 1, sample or 0, kind, j)

    # -- values -----------------------------------------------------------

    def values(self, keys: list[str], variant: Variant = EXACT) -> dict[str, float]:
        """The value of each key as the engine computes it with ``variant``.

        ``NAME@N`` keys train the example for N updates (``glassnet.engine.train``);
        a ``TrainingDivergedError`` propagates.
        """
        result: dict[str, float] = {}
        step_keys = [k for k in keys if k in self.index]
        if step_keys:
            step_values = self._steps_of(variant)
            result.update({k: step_values[k] for k in step_keys})
        trained = [k for k in keys if k not in self.index]
        for steps in sorted({_split_trained(k)[1] for k in trained}):
            level = self._trained_level(variant, steps)
            for key in trained:
                if _split_trained(key)[1] == steps:
                    result[key] = level[key]
        return result

    def step_levels(self, keys: list[str]) -> list[int]:
        """The update counts N of the ``NAME@N`` keys among ``keys``."""
        return sorted({_split_trained(k)[1] for k in keys if k not in self.index})

    def _steps_of(self, variant: Variant) -> dict[str, float]:
        if variant not in self._step_values:
            if variant == EXACT:
                explanation = self.explanation
            else:
                explanation = explain(self.example.step(variant=variant), self.example)
            self._step_values[variant] = {
                s.key: float(s.value) for s in explanation.steps() if np.ndim(s.value) == 0
            }
        return self._step_values[variant]

    def _trained_level(self, variant: Variant, steps: int) -> dict[str, float]:
        """Every ``NAME@steps`` value under ``variant``; continues from the nearest level done."""
        if (variant, steps) not in self._trained:
            done = [n for (v, n) in self._networks if v == variant and n < steps]
            start = max(done, default=0)
            ex = self.example
            network = self._networks[(variant, start)] if start else ex.network
            result = train(
                network, ex.inputs, ex.targets, ex.learning_rate, steps - start, variant=variant
            )
            self._networks[(variant, steps)] = result.network
            self._trained[(variant, steps)] = self._read_network(result.network, steps)
        return self._trained[(variant, steps)]

    def _read_network(self, network: Network, steps: int) -> dict[str, float]:
        """Parameters, outputs, errors and the loss of a trained network, by ``NAME@steps`` key."""
        ex = self.example
        passes = forward(network, ex.inputs)
        terms, sample_losses = batch_loss(network, passes[-1].net, passes[-1].out, ex.targets)
        values: dict[str, float] = {}
        for name, (layer, j, i) in self.layout.parameters.items():
            lay = network.layers[layer]
            if i is not None:
                value = lay.weights[j, i]
            else:
                assert lay.bias is not None
                value = lay.bias if lay.bias.ndim == 0 else lay.bias[j]
            values[self.trained_key(name, steps, None)] = float(value)
        for s in range(self.layout.n_samples):
            sample = s + 1 if self.batch else None
            for j, o in enumerate(self.layout.outputs):
                values[self.trained_key(f"out_{o}", steps, sample)] = float(passes[-1].out[s, j])
                values[self.trained_key(f"E_{o}", steps, sample)] = float(terms[s, j])
            values[self.trained_key("E_total", steps, sample)] = float(sample_losses[s])
        reduce = np.mean if network.batch_reduction == "mean" else np.sum
        values[self.trained_key("E_total", steps, None)] = float(reduce(sample_losses))
        return values

    def trained_key(self, base: str, steps: int, sample: int | None) -> str:
        """The canonical key of ``base`` after ``steps`` updates (``w5+`` for ``w5@1``)."""
        suffix = f"[{sample}]" if sample is not None else ""
        if steps == 1 and f"{base}+{suffix}" in self.index:
            return f"{base}+{suffix}"
        return f"{base}@{steps}{suffix}"

    # -- dependencies -----------------------------------------------------

    def parents(self, levels: list[int]) -> dict[str, set[str]]:
        """What each quantity is computed from, directly: key -> keys.

        For the explanation's steps, the quantities its formula names (``w5+``
        comes from ``w5``, ``eta`` and ``dE/dw5``); the outputs after the update
        come from every updated parameter and the sample's inputs. ``NAME@N``
        values come from all parameters after the previous level of ``levels``.
        """
        graph: dict[str, set[str]] = {}
        for step in self.steps:
            if step.formula is not None:
                sample = _SAMPLE.match(step.key)
                suffix = f"[{sample['s']}]" if sample else ""
                found = {
                    k
                    for k in (self._formula_key(e, suffix) for e in _leaves(step.formula))
                    if k is not None and k in self.index and k != step.key
                }
                # dE/dout_n · dout_n/dnet_n is δ_n, whether or not the formula says so.
                for k in list(found):
                    if k.startswith("dE/dout_"):
                        n = k[len("dE/dout_") : len(k) - len(suffix)]
                        delta = f"delta_{n}{suffix}"
                        if f"dout_{n}/dnet_{n}{suffix}" in found and delta != step.key:
                            found.add(delta)
                graph[step.key] = found
        updated = [k for k in self.index if self.section.get(k) == "update"]
        for step in self.steps:
            if self.section.get(step.key) == "after":
                graph[step.key] = self._after_parents(step.key, updated)
        previous = {name: self.trained_key(name, 1, None) for name in self.layout.parameters}
        for steps in levels:
            if steps > 1:
                current = {name: f"{name}@{steps}" for name in self.layout.parameters}
                graph.update({key: set(previous.values()) for key in current.values()})
                previous = current
            for key, parents in self._level_parents(steps, previous).items():
                graph.setdefault(key, parents)
        return graph

    def _after_parents(self, key: str, updated: list[str]) -> set[str]:
        sample = _SAMPLE.match(key)
        suffix = f"[{sample['s']}]" if sample else ""
        base = sample["base"] if sample else key
        targets = {f"target_{o}{suffix}" for o in self.layout.outputs}
        if base.startswith("out_"):
            return set(updated) | {f"{i}{suffix}" for i in self.layout.inputs}
        if suffix or not self.batch:
            return {f"out_{o}+{suffix}" for o in self.layout.outputs} | targets
        return {f"E_total+[{s + 1}]" for s in range(self.layout.n_samples)}

    def _level_parents(self, steps: int, params: dict[str, str]) -> dict[str, set[str]]:
        """Outputs, errors and loss after ``steps`` updates, from the parameters ``params``."""
        graph: dict[str, set[str]] = {}
        totals = set()
        for s in range(self.layout.n_samples):
            sample = s + 1 if self.batch else None
            suffix = f"[{sample}]" if sample else ""
            inputs = {f"{i}{suffix}" for i in self.layout.inputs}
            errors = set()
            for o in self.layout.outputs:
                out = self.trained_key(f"out_{o}", steps, sample)
                error = self.trained_key(f"E_{o}", steps, sample)
                graph[out] = set(params.values()) | inputs
                graph[error] = {out, f"target_{o}{suffix}"}
                errors.add(error)
            total = self.trained_key("E_total", steps, sample)
            graph[total] = errors
            totals.add(total)
        if self.batch:
            graph[self.trained_key("E_total", steps, None)] = totals
        return graph

    def _formula_key(self, e: Expr, suffix: str) -> str | None:
        """The key of the quantity a leaf of a formula stands for, if it has one."""
        if isinstance(e, Partial):
            top, bottom = e.top, e.bottom
            if not (isinstance(top, Sym) and isinstance(bottom, Sym)):
                return None
            if bottom.sub is None:  # with respect to a parameter
                if top.base == "E" and top.sub == "total":
                    return f"dE/d{bottom.base}{suffix}"
                if top.base == "E" and top.sub and top.sub.startswith("total["):
                    return f"dE/d{bottom.base}{top.sub[5:]}"
                if top.base == "net":
                    return f"dnet_{top.sub}/d{bottom.base}{suffix}"
                return None
            if top.base == "E" and top.sub == "total":
                return f"{'dE/dout' if bottom.base == 'out' else 'delta'}_{bottom.sub}{suffix}"
            if top.base == "E":
                return f"dE_{top.sub}/dout_{bottom.sub}{suffix}"
            return f"d{top.base}_{top.sub}/d{bottom.base}_{bottom.sub}{suffix}"
        if not isinstance(e, Sym) or e.updated:
            return None
        if e.sub is None:
            if e.base == "η":
                return "eta"
            return e.base + suffix if e.base in self.layout.inputs else e.base
        if e.base == "δ":
            return f"delta_{e.sub}{suffix}"
        if e.base == "E" and e.sub.startswith("total["):
            return f"E_{e.sub}"
        return f"{e.base}_{e.sub}{suffix}"


def _leaves(e: Expr) -> list[Expr]:
    """The symbols and partial derivatives of a formula (a partial is one leaf)."""
    if isinstance(e, Sym | Partial):
        return [e]
    found: list[Expr] = []
    for value in vars(e).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, Expr):
                found += _leaves(item)
    return found


def _split_trained(key: str) -> tuple[str, int, int | None]:
    """``("out_o1", 100, 2)`` for ``out_o1@100[2]``; ``X+`` counts as ``X@1``."""
    sample = None
    match = _SAMPLE.match(key)
    if match:
        key, sample = match["base"], int(match["s"])
    if key.endswith("+"):
        return key[:-1], 1, sample
    base, _, steps = key.rpartition("@")
    return base, int(steps), sample


def _layout(network: Network, n_samples: int) -> _Layout:
    names = network.names
    last = len(network.layers) - 1
    layout = _Layout(
        outputs=[names.neuron(last, j) for j in range(network.n_outputs)],
        inputs=[names.input(i) for i in range(network.n_inputs)],
        n_samples=n_samples,
    )
    for index, layer in enumerate(network.layers):
        for j in range(layer.n_neurons):
            for i in range(layer.n_inputs):
                layout.parameters[names.weight(index, j, i)] = (index, j, i)
        if layer.bias is not None:
            for j in range(1 if layer.bias.ndim == 0 else layer.n_neurons):
                layout.parameters[names.bias(index, j)] = (index, j, None)
    return layout
