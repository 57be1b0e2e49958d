"""``glassnet check``: compare claimed values with the exact ones and name the likely mistake.

``check(example)`` compares every claim (``glassnet.claims``) with the value the
engine computes and returns a ``Report``:

- **Verdicts**, in computation order. A claim agrees when the exact value,
  rounded or truncated to the decimals the claim was written with, equals it.
  A claim with fewer than ``min_digits`` significant digits (3) that is not the
  exact value as written is *too coarse to judge* (``glassnet.claims.judged``):
  neither right nor wrong, and left out of everything below.
- **The first wrong step**: the first claim that disagrees. A later
  disagreement *follows from* an earlier one when it is computed from it, directly
  or through quantities that were not claimed or that disagree too; a claimed
  value that agrees stops the trail, since the error evidently did not pass
  through it. A disagreement that follows from none is a new wrong step.
- **Consistency**: a disagreement that would follow is also recomputed from its
  *claimed* parents, through the formula the explanation shows
  (``glassnet.claims.recompute``); when no value within the parents' written
  precision gives the claim at its own, it does not follow from them: it is a
  new wrong step. When a parent on the way is not claimed (its wrong value is
  unknown) or the quantity has no formula (values after the update, ``NAME@N``),
  following the computation is all that is asked.
- **Diagnosis**: every mistake of the ``catalogue`` (a switch of the one
  engine, ``glassnet.engine.Variant``) is tried on the example; a mistake that
  reproduces every disagreeing claim at its precision, without changing any claim
  that agrees, is reported. When none does, pairs of mistakes are tried; then
  mistakes that reproduce every disagreeing claim but change some agreeing ones
  (the claims were worked out two ways); then those that reproduce the most.

>>> from glassnet.examples import load_example
>>> report = check(load_example("lamsal"))
>>> report.n_disagree, report.first_wrong
(0, None)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from glassnet.claims import (
    ABS_TOL,
    CONTEXT,
    MIN_DIGITS,
    REL_TOL,
    Claim,
    Quantities,
    Written,
    agreement,
    interval,
    judged,
    parse_claims,
)
from glassnet.claims.keys import split_trained
from glassnet.claims.recompute import NotRecomputableError, Recomputed, recompute
from glassnet.claims.table import toml_key
from glassnet.engine import EXACT, Variant
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.fast import compiled
from glassnet.terminal import printable
from glassnet.tomlfile import read_toml

if TYPE_CHECKING:
    from glassnet.example import Example

#: The decimals mistake 7 rounds intermediate values to.
ROUNDING_DECIMALS = (2, 3, 4, 5, 6)
#: The status of a claim with too few digits to be judged.
TOO_COARSE = "too coarse"


# -- the catalogue of mistakes ------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """One known mistake: its number in the catalogue, what it is, and the engine switch."""

    number: int
    description: str
    variant: Variant

    def to_dict(self) -> dict[str, Any]:
        changed = {
            f.name: getattr(self.variant, f.name)
            for f in fields(Variant)
            if getattr(self.variant, f.name) != getattr(EXACT, f.name)
        }
        return {"number": self.number, "description": self.description, "variant": changed}


def catalogue(example: Example) -> list[Mistake]:
    """The mistakes that can change this example's numbers, in catalogue order.

    1. hidden deltas from the already-updated next-layer weights;
    2. the activation's derivative evaluated at the output;
    3. the ½ of the loss dropped or added (a factor 2 in every gradient);
    4. biases updated when frozen, or frozen when trained;
    5. a shared bias's gradient from one neuron instead of summed;
    6. the update added instead of subtracted;
    7. intermediate values rounded to k decimals, k = 2 … 6;
    8. the learning rate applied twice or not at all;
    9. batch gradients summed instead of averaged, or the reverse.
    """
    network = example.network
    layers = [layer for layer in network.layers if layer.bias is not None]
    trained = {layer.train_bias for layer in layers}
    mistakes = [
        Mistake(
            1,
            "hidden deltas computed with the already-updated next-layer weights",
            Variant(hidden_deltas_after_update=True),
        ),
        Mistake(
            2,
            "the activation's derivative evaluated at the output, f'(out), instead of at the "
            "net input (for sigmoid: σ(out)(1 − σ(out)) instead of out(1 − out))",
            Variant(derivative_at_output=True),
        ),
        Mistake(
            3,
            "the ½ of the loss dropped: every gradient twice as large",
            Variant(gradient_scale=2.0),
        ),
        Mistake(
            3, "a ½ added to the loss: every gradient half as large", Variant(gradient_scale=0.5)
        ),
    ]
    if trained:
        what = {
            frozenset({False}): "biases updated although the example freezes them",
            frozenset({True}): "biases frozen although the example trains them",
        }.get(frozenset(trained), "frozen biases updated and trained biases frozen")
        mistakes.append(Mistake(4, what, Variant(flip_bias_training=True)))
    if any(layer.bias is not None and layer.bias.ndim == 0 for layer in layers):
        mistakes.append(
            Mistake(
                5,
                "a shared bias's gradient taken from its first neuron instead of summed over "
                "the neurons that share it",
                Variant(shared_bias_from_first=True),
            )
        )
    mistakes.append(
        Mistake(6, "the update added instead of subtracted: p + η·∂E/∂p", Variant(update_sign=1.0))
    )
    mistakes += [
        Mistake(7, f"intermediate values rounded to {k} decimals", Variant(round_decimals=k))
        for k in ROUNDING_DECIMALS
    ]
    if example.learning_rate != 1:
        mistakes += [
            Mistake(
                8, "the learning rate applied twice: p − η²·∂E/∂p", Variant(learning_rate_power=2)
            ),
            Mistake(8, "the learning rate left out: p − ∂E/∂p", Variant(learning_rate_power=0)),
        ]
    if example.inputs.shape[0] > 1:
        what = (
            "the batch's gradients summed instead of averaged"
            if network.batch_reduction == "mean"
            else "the batch's gradients averaged instead of summed"
        )
        mistakes.append(Mistake(9, what, Variant(flip_batch_reduction=True)))
    return mistakes


def combine(first: Mistake, second: Mistake) -> Variant | None:
    """Both mistakes at once, or ``None`` when they set the same switch."""
    changes = {}
    for f in fields(Variant):
        a, b = getattr(first.variant, f.name), getattr(second.variant, f.name)
        default = getattr(EXACT, f.name)
        if a != default and b != default:
            return None
        changes[f.name] = a if a != default else b
    return replace(EXACT, **changes)


# -- the report ---------------------------------------------------------------


@dataclass
class Verdict:
    """One claim against the exact value.

    ``status`` is ``agrees``, ``too coarse`` (not judged), ``first wrong step``,
    ``wrong`` (a new wrong step that follows from no earlier disagreement) or
    ``follows`` (from ``follows_from``). A new wrong step that the computation
    would carry from earlier disagreements, but that does not follow from its
    claimed parents, has ``recomputed``: its value from the claimed parents
    ``recomputed_from``, of which ``against`` disagree.
    """

    claim: Claim
    exact: float
    how: str | None
    status: str = "agrees"
    follows_from: tuple[str, ...] = ()
    recomputed: float | None = None
    recomputed_from: tuple[str, ...] = ()
    against: tuple[str, ...] = ()

    @property
    def judged(self) -> bool:
        """Whether the claim has the digits to be judged (``glassnet.claims.judged``)."""
        return self.status != TOO_COARSE

    @property
    def agrees(self) -> bool:
        return self.how is not None

    @property
    def disagrees(self) -> bool:
        return self.judged and self.how is None

    @property
    def last_digit(self) -> bool:
        """Whether the claim is one unit off in its last digit (rounded intermediate values?)."""
        written = self.claim.number
        if not self.disagrees or not math.isfinite(self.exact) or written.decimals < 0:
            return False
        exact = Decimal(self.exact)
        with localcontext(CONTEXT) as context:
            # Enough digits for the quantization; a claim finer than a float64's exact
            # expansion (about 1100 decimals) cannot be one unit off it.
            context.prec = max(exact.adjusted(), 0) + written.decimals + 2
            if context.prec > 1200:
                return False
            low = exact.quantize(written.unit, rounding="ROUND_DOWN")
            nearest = exact.quantize(written.unit)
            return any(abs(value - written.value) == written.unit for value in (low, nearest))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.claim.key,
            "written_as": self.claim.name,
            "claimed": self.claim.number.text,
            "decimals": self.claim.number.decimals,
            "exact": self.exact,
            "agrees": self.agrees if self.judged else None,
            "how": self.how,
            "status": self.status,
            "follows_from": list(self.follows_from),
            "does_not_follow_from": list(self.against),
            "recomputed": self.recomputed,
            "recomputed_from": list(self.recomputed_from),
            "last_digit": self.last_digit,
        }


@dataclass
class Diagnosis:
    """A mistake (or two) tried on the example, against the claims.

    ``reproduces``/``misses``: the disagreeing claims it gives at their precision, or
    not; ``breaks``: agreeing claims it would change; ``values``: what it computes
    for all of those.
    """

    mistakes: tuple[Mistake, ...]
    reproduces: list[str]
    misses: list[str]
    breaks: list[str]
    values: dict[str, float] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.misses

    @property
    def clean(self) -> bool:
        return self.complete and not self.breaks

    @property
    def kind(self) -> str:
        """``clean``, ``complete`` (but changes agreeing claims) or ``partial``."""
        return "clean" if self.clean else "complete" if self.complete else "partial"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mistakes": [m.to_dict() for m in self.mistakes],
            "reproduces": self.reproduces,
            "misses": self.misses,
            "breaks": self.breaks,
            "values": self.values,
        }


@dataclass
class Report:
    """What ``check`` found: a verdict per claim and the diagnoses."""

    example: Example
    source: str
    verdicts: list[Verdict]
    diagnoses: list[Diagnosis]
    min_digits: int = MIN_DIGITS

    @property
    def n_agree(self) -> int:
        return sum(v.agrees for v in self.verdicts)

    @property
    def n_disagree(self) -> int:
        return sum(v.disagrees for v in self.verdicts)

    @property
    def n_coarse(self) -> int:
        """Claims with too few digits to be judged."""
        return sum(not v.judged for v in self.verdicts)

    @property
    def first_wrong(self) -> str | None:
        return next((v.claim.key for v in self.verdicts if v.disagrees), None)

    @property
    def unexplained(self) -> list[str]:
        """Disagreeing claims that no reported diagnosis reproduces."""
        explained = {key for d in self.diagnoses for key in d.reproduces}
        return [v.claim.key for v in self.verdicts if v.disagrees and v.claim.key not in explained]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data; see ``docs/check.md`` for the schema."""
        ex = self.example
        return {
            "example": {"title": ex.title, "source": ex.source, "path": ex.path},
            "claims_from": self.source,
            "min_digits": self.min_digits,
            "summary": {
                "claims": len(self.verdicts),
                "agree": self.n_agree,
                "disagree": self.n_disagree,
                "too_coarse": self.n_coarse,
            },
            "first_wrong": self.first_wrong,
            "claims": [v.to_dict() for v in self.verdicts],
            "diagnosis": [d.to_dict() for d in self.diagnoses],
            "unexplained": self.unexplained,
        }


# -- checking -----------------------------------------------------------------


def read_claims(path: str) -> tuple[dict[str, Any], int | None]:
    """The ``[claims]`` table of a claims file, and its ``min_digits`` if it sets one."""
    data = read_toml(path)
    extra = sorted(set(data) - {"claims", "min_digits"})
    if extra:
        raise GlassnetError(
            f"unknown key {printable(repr(extra[0]))}: a claims file holds one [claims] table "
            "(and optionally min_digits = N)",
            source=path,
        )
    claims = data.get("claims")
    if not isinstance(claims, dict):
        raise GlassnetError("expected a [claims] table", source=path, field="claims")
    min_digits = data.get("min_digits")
    if min_digits is not None and (
        isinstance(min_digits, bool) or not isinstance(min_digits, int) or min_digits < 0
    ):
        raise GlassnetError(
            f"`min_digits` must be a whole number >= 0, got {printable(repr(min_digits))}",
            source=path,
            field="min_digits",
        )
    return claims, min_digits


def check(
    example: Example,
    claims: dict[str, Any] | None = None,
    *,
    source: str | None = None,
    min_digits: int = MIN_DIGITS,
) -> Report:
    """Check ``claims`` (a ``[claims]`` table, by default the example's own) against the engine.

    ``source`` names where the claims come from, for error messages; a claim with
    fewer than ``min_digits`` significant digits is judged only if it is exact.
    """
    table = example.claims if claims is None else claims
    source = source or example.path or "<claims>"
    if not table:
        raise GlassnetError(
            "no claims to check: add a [claims] table or give a claims file (see docs/check.md)",
            source=source,
        )
    quantities = Quantities(example)
    parsed = parse_claims(table, quantities, source=source)
    keys = [c.key for c in parsed]
    try:
        exact = quantities.values(keys)
    except TrainingDivergedError as error:
        raise _cannot_train(parsed, quantities, error, source) from None
    verdicts = [_verdict(c, exact[c.key], min_digits) for c in parsed]
    _Trail(quantities, verdicts).mark()
    return Report(example, source, verdicts, diagnose(quantities, verdicts), min_digits)


def _cannot_train(
    claims: list[Claim], quantities: Quantities, error: TrainingDivergedError, source: str
) -> GlassnetError:
    """The error for training that diverged: it names the first claim it could not reach.

    ``source: claims."E_total@1000": cannot compute: training diverged (loss became inf
    at step 3; try a smaller learning_rate)``
    """
    step = getattr(error, "step", 1)
    trained = [c for c in claims if c.key not in quantities.index]
    claim = next((c for c in trained if split_trained(c.key)[1] >= step), trained[0])
    return GlassnetError(
        f"cannot compute: training diverged ({error})",
        source=source,
        field=f"claims.{toml_key(claim.name)}",
    )


def _verdict(claim: Claim, exact: float, min_digits: int) -> Verdict:
    if not judged(exact, claim.number, min_digits):
        return Verdict(claim, exact, None, TOO_COARSE)
    return Verdict(claim, exact, agreement(exact, claim.number))


class _Trail:
    """Marks the first wrong step, new wrong steps, and what follows from which."""

    def __init__(self, quantities: Quantities, verdicts: list[Verdict]):
        self.quantities = quantities
        self.verdicts = [v for v in verdicts if v.judged]
        keys = [v.claim.key for v in verdicts]
        self.parents = quantities.parents(quantities.step_levels(keys))
        self.agreeing = {v.claim.key for v in self.verdicts if v.agrees}
        self.wrong = {v.claim.key for v in self.verdicts if not v.agrees}
        self.claimed = {v.claim.key: v.claim.number for v in self.verdicts}
        self._tainted: dict[str, bool] = {}

    def mark(self) -> None:
        roots: set[str] = set()
        for verdict in self.verdicts:
            if verdict.agrees:
                continue
            key = verdict.claim.key
            upstream = _upstream(key, self.parents, self.agreeing)
            found = tuple(v.claim.key for v in self.verdicts if v.claim.key in upstream & roots)
            recomputed = self.inconsistent(verdict) if found else None
            if found and recomputed is None:
                verdict.status, verdict.follows_from = "follows", found
                continue
            verdict.status = "wrong" if roots else "first wrong step"
            roots.add(key)
            if recomputed is not None:
                order = {v.claim.key: k for k, v in enumerate(self.verdicts)}
                used = sorted(recomputed.claimed, key=order.__getitem__)
                verdict.recomputed, verdict.recomputed_from = recomputed.value, tuple(used)
                verdict.against = tuple(k for k in used if k in self.wrong)

    def inconsistent(self, verdict: Verdict) -> Recomputed | None:
        """The claim recomputed from its claimed parents, when it does not follow from them.

        Unclaimed quantities on the way from a disagreement are recomputed too
        (δ_o1 from a claimed out_o1 through ∂E/∂out_o1 and ∂out_o1/∂net_o1).
        ``None`` when the claim follows, or when that cannot be told: no formula
        somewhere on the way (its wrong value is unknown).
        """
        key = verdict.claim.key
        values = {k: float(w.value) for k, w in self.claimed.items() if k != key}
        try:
            centre = self.derive(key, values, {})
        except NotRecomputableError:
            return None
        if not centre.claimed & self.wrong:
            return None
        if not math.isfinite(centre.value):
            return centre
        # The parents are known only to their written precision: the claim follows when
        # some values within it give the claim at its own (to first order, one at a time).
        low = high = Decimal(centre.value)
        for parent in centre.claimed:
            for end in interval(self.claimed[parent]):
                moved = self.derive(key, {**values, parent: float(end)}, {}).value
                if math.isfinite(moved):
                    change = Decimal(moved) - Decimal(centre.value)
                    low += min(change, Decimal(0))
                    high += max(change, Decimal(0))
        return None if _overlaps(low, high, verdict.claim.number) else centre

    def derive(self, key: str, values: dict[str, float], done: dict[str, Recomputed]) -> Recomputed:
        """``key`` from the claimed ``values``, and unclaimed parents downstream of a
        disagreement recomputed the same way (``done`` keeps those already recomputed
        from these ``values``); ``NotRecomputableError`` if one cannot be."""
        if key in done:
            return done[key]
        if key not in self.quantities.index:
            raise NotRecomputableError(f"{key!r} has no formula")
        step = self.quantities.steps[self.quantities.index[key]]
        inputs = self.quantities.layout.inputs
        result = recompute(step, values, inputs)
        tainted = {k for k in result.exact if self.tainted(k)}
        if tainted:
            filled, claimed = dict(values), set(result.claimed)
            for parent in tainted:
                derived = self.derive(parent, values, done)
                filled[parent] = derived.value
                claimed |= derived.claimed
            again = recompute(step, filled, inputs)
            result = Recomputed(again.value, frozenset(claimed), again.exact)
        done[key] = result
        return result

    def tainted(self, key: str) -> bool:
        """Whether a disagreement reaches ``key`` without passing through an agreeing claim."""
        if key not in self._tainted:
            self._tainted[key] = False  # the graph has no cycles; this only guards the recursion
            self._tainted[key] = any(
                parent not in self.agreeing and (parent in self.wrong or self.tainted(parent))
                for parent in self.parents.get(key, ())
            )
        return self._tainted[key]


def _overlaps(low: Decimal, high: Decimal, written: Written) -> bool:
    """Whether some value in ``[low, high]`` agrees with the claim (with the float64 slack)."""
    start, end = interval(written)
    with localcontext(CONTEXT):
        slack = max(abs(low), abs(high), abs(written.value)) * REL_TOL + ABS_TOL
        return low <= end + slack and high >= start - slack


def _upstream(key: str, parents: dict[str, set[str]], agreeing: set[str]) -> set[str]:
    """Everything ``key`` is computed from, without passing through an agreeing claim."""
    seen: set[str] = set()
    stack = list(parents.get(key, ()))
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if k not in agreeing:
            stack.extend(parents.get(k, ()))
    return seen - agreeing


# -- diagnosis ----------------------------------------------------------------


def diagnose(quantities: Quantities, verdicts: list[Verdict]) -> list[Diagnosis]:
    """The catalogue's mistakes that best account for the disagreeing claims (see module doc)."""
    if not any(v.disagrees for v in verdicts):
        return []
    trial = _Trial(quantities, verdicts)
    singles = [trial.run((m,), m.variant) for m in catalogue(quantities.example)]
    clean = [d for d in singles if d.clean]
    if clean:
        return clean
    pairs = trial.pairs(catalogue(quantities.example))
    if any(d.clean for d in pairs):
        return [d for d in pairs if d.clean]
    complete = sorted((d for d in singles + pairs if d.complete), key=lambda d: len(d.breaks))
    if complete:
        fewest = len(complete[0].breaks)
        return [d for d in complete if len(d.breaks) == fewest]
    best = max(len(d.reproduces) for d in singles)
    if best == 0:
        return []
    partial = [d for d in singles if len(d.reproduces) == best]
    fewest = min(len(d.breaks) for d in partial)
    return [d for d in partial if len(d.breaks) == fewest]


class _Trial:
    """Runs mistakes on the example and scores them against the claims.

    Training figures (``NAME@N``) are costly, so a mistake is trained only when
    it reproduces some disagreeing claim of the single update (all of them, for a
    pair), or when only training figures disagree.
    """

    def __init__(self, quantities: Quantities, verdicts: list[Verdict]):
        self.quantities = quantities
        self.verdicts = [v for v in verdicts if v.judged]
        index = quantities.index
        self.step_keys = [v.claim.key for v in self.verdicts if v.claim.key in index]
        self.trained_keys = [v.claim.key for v in self.verdicts if v.claim.key not in index]
        self.wrong_steps = [v for v in self.verdicts if v.disagrees and v.claim.key in index]
        if max(quantities.step_levels(self.trained_keys), default=0) >= compiled.NATIVE_STEPS:
            # the catalogue's C training loops, built in one run of the compiler
            ex = quantities.example
            variants = [training_variant(m.variant, ex) for m in catalogue(ex)]
            compiled.prepare(ex.network, ex.inputs.shape[0], variants)

    def run(
        self, mistakes: tuple[Mistake, ...], variant: Variant, *, pair: bool = False
    ) -> Diagnosis:
        values = self.quantities.values(self.step_keys, variant)
        hits = sum(_agrees(values[v.claim.key], v) for v in self.wrong_steps)
        if self.trained_keys:
            if pair:
                wanted = bool(self.wrong_steps) and hits == len(self.wrong_steps)
            else:
                wanted = hits > 0 or not self.wrong_steps
            if wanted:
                values.update(self._trained(variant))
        reproduces, misses, breaks = [], [], []
        for v in self.verdicts:
            key = v.claim.key
            if key not in values:
                if not v.agrees:
                    misses.append(key)
                continue
            if v.agrees:
                if not _agrees(values[key], v):
                    breaks.append(key)
            elif _agrees(values[key], v):
                reproduces.append(key)
            else:
                misses.append(key)
        shown = {k: values[k] for k in reproduces + misses + breaks if k in values}
        return Diagnosis(mistakes, reproduces, misses, breaks, shown)

    def _trained(self, variant: Variant) -> dict[str, float]:
        """The ``NAME@N`` values under ``variant`` (NaN when its training diverges).

        Trained as ``training_variant``, so mistakes that train alike train once.
        """
        try:
            return self.quantities.values(
                self.trained_keys, training_variant(variant, self.quantities.example)
            )
        except TrainingDivergedError:
            return {k: math.nan for k in self.trained_keys}

    def pairs(self, mistakes: list[Mistake]) -> list[Diagnosis]:
        """Every two mistakes that set different switches, tried together."""
        if not self.wrong_steps:
            return []
        found = []
        for first, second in itertools.combinations(mistakes, 2):
            variant = combine(first, second)
            if variant is not None:
                found.append(self.run((first, second), variant, pair=True))
        return found


def training_variant(variant: Variant, example: Example) -> Variant:
    """``variant`` without the switches that cannot change this example's training.

    A shared bias's gradient (mistake 5) matters only when that bias is trained; for
    one sample the mean and the sum are the same (mistake 9); with a learning rate
    of 1 so are η and η² (mistake 8). On mazur, whose biases are frozen, mistake 5
    trains exactly as the stated method does, so it is not trained a second time.
    """
    network = example.network
    flip = variant.flip_bias_training
    changes: dict[str, Any] = {}
    if not any(
        layer.bias is not None and layer.bias.ndim == 0 and layer.train_bias != flip
        for layer in network.layers
    ):
        changes["shared_bias_from_first"] = False
    if not any(layer.bias is not None for layer in network.layers):
        changes["flip_bias_training"] = False
    if example.inputs.shape[0] == 1:
        changes["flip_batch_reduction"] = False
    if example.learning_rate == 1:
        changes["learning_rate_power"] = 1
    return replace(variant, **changes)


def _agrees(value: float, verdict: Verdict) -> bool:
    return agreement(value, verdict.claim.number) is not None
