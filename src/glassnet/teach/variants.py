"""Every student's variant of an exercise: drawn from (seed, student id), well-posed, distinct.

A variant is ``glassnet.practice.random_example`` drawn from a seed derived from
the spec's ``seed`` and the student's id alone (``student_seed``), so the same
roster and seed give the same numbers, and adding a student changes no one
else's. A draw is rejected, and the next one taken (``attempt`` 1, 2, …), when an
asked value is degenerate at the asked precision (``problems``):

- a neuron is saturated: an activation derivative ``dout/dnet`` below ``saturation``;
- an asked value is smaller in magnitude than ``smallest`` (it reads as 0),
  though not 0 itself (an exact 0, from a target of 0, is judged exactly);
- an asked update barely moves its parameter: ``|p+ - p| <= tolerance(p+)``,
  so an answer that forgot the update would pass;
- two asked values are equal at the asked digits, unless they are equal by the
  network's structure (``E_total = E_o1`` with one output, ``dnet_o1/dw5 =
  out_h1``, ``∂E/∂b = δ``): values equal to float64 noise that stay equal when
  every given number is nudged (``_nudged_values``). An input of 1 makes
  ``∂E/∂w1 = δ_h1`` exactly, but not structurally: that draw is redrawn. 0
  equals 0 freely.

A variant whose given numbers equal an earlier student's (roster order) is
redrawn too, so the variants of a class are distinct.

>>> from glassnet.teach.spec import parse_spec
>>> spec = parse_spec('seed = 7\\ncount = 3\\n[ask]\\nquantities = ["w5+"]', source="s")
>>> [v.student for v in draw_class(spec)]
['1', '2', '3']
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from glassnet.claims import Quantities
from glassnet.errors import GlassnetError
from glassnet.example import Example
from glassnet.explanation import Step
from glassnet.network import Layer, Network
from glassnet.practice import random_example
from glassnet.teach.spec import AskSpec, Spec

#: Draws tried for one student before the spec is declared too tight.
MAX_ATTEMPTS = 1000
#: The groups ``ask.quantities`` may name, and what each holds.
GROUPS = {
    "forward": "every net input and output of the forward pass",
    "error": "every output's error and the loss",
    "backward": "every value of the backward pass",
    "deltas": "every δ",
    "gradients": "every parameter's gradient (of the batch)",
    "updates": "every trained parameter after the update",
    "updated weights": "every weight after the update",
    "updated biases": "every trained bias after the update",
    "after": "the outputs and the loss after the update",
}
#: Groups that ``of w1-w4`` may narrow to some parameters.
BY_PARAMETER = ("gradients", "updates", "updated weights", "updated biases")


@dataclass
class Variant:
    """One student's example, the draw it took, and the values of everything it shows."""

    student: str
    example: Example
    attempt: int
    quantities: Quantities = field(repr=False)
    #: What the formats derive from the variant more than once (``questions.questions``).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def steps(self) -> dict[str, Step]:
        """Every scalar step of the explanation by its key."""
        return {s.key: s for s in self.quantities.steps}

    def values(self, keys: list[str]) -> dict[str, float]:
        """The exact value of each key (the engine's, as ``glassnet explain`` shows)."""
        return self.quantities.values(keys)

    def given(self) -> dict[str, float]:
        """The given values (inputs, targets, parameters, η) by name, in the explanation's order."""
        return {
            step.key: float(step.value)
            for step in self.quantities.steps
            if self.quantities.section[step.key] == "given"
        }


def student_seed(seed: int, student: str, attempt: int = 0) -> int:
    """A 128-bit seed from the spec's seed, the student id and the attempt (SHA-256)."""
    text = f"glassnet exercises\0{seed}\0{student}\0{attempt}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


def draw(spec: Spec, student: str, attempt: int = 0) -> Variant:
    """Student ``student``'s draw number ``attempt`` (not checked for well-posedness)."""
    net = spec.network
    example = random_example(
        student_seed(spec.seed, student, attempt),
        shape=net.shape,
        activations=net.activations,
        loss=net.loss,
        samples=net.samples,
        bias=net.bias,
        train_bias=net.train_bias,
        learning_rate=net.learning_rate,
        ranges=spec.numbers,
    )
    example.title = spec.title
    example.source = f"glassnet exercises, seed {spec.seed}, student {student}"
    example.description = ""
    example.path = f"variants/{student}.toml"
    return Variant(student, example, attempt, Quantities(example))


class Exercise:
    """A spec with its asked quantities resolved; draws well-posed, distinct variants."""

    def __init__(self, spec: Spec):
        self.spec = spec
        # Every variant has the same quantities: one draw resolves the names.
        self.quantities = draw(spec, "\0probe", 0).quantities
        self.asked = asked_keys(spec, self.quantities)

    def variant(self, student: str, taken: set[bytes] | None = None) -> Variant:
        """The first well-posed draw for ``student`` whose numbers are not in ``taken``."""
        why = ""
        for attempt in range(MAX_ATTEMPTS):
            variant = draw(self.spec, student, attempt)
            found = problems(variant, self.asked, self.spec.ask)
            if found:
                why = found[0]
                continue
            if taken is not None:
                key = fingerprint(variant.example)
                if key in taken:
                    why = "the same numbers as an earlier student"
                    continue
                taken.add(key)
            return variant
        raise GlassnetError(
            f"no well-posed variant for student {student!r} in {MAX_ATTEMPTS} draws (the last: "
            f"{why}); widen the [numbers] ranges, lower ask.digits or ask.smallest",
            source=self.spec.path,
        )

    def draw_class(self) -> list[Variant]:
        """Every student's variant, in roster order, all distinct."""
        taken: set[bytes] = set()
        return [self.variant(student, taken) for student in self.spec.students]


def draw_class(spec: Spec) -> list[Variant]:
    """Every student's well-posed, distinct variant, in roster order."""
    return Exercise(spec).draw_class()


def fingerprint(example: Example) -> bytes:
    """The given numbers of an example, to tell two variants apart."""
    parts = [example.inputs, example.targets, np.array([example.learning_rate])]
    for layer in example.network.layers:
        parts.append(layer.weights)
        if layer.bias is not None:
            parts.append(np.atleast_1d(layer.bias))
    return b"".join(np.ascontiguousarray(p, dtype=np.float64).tobytes() for p in parts)


# -- what is asked ------------------------------------------------------------


def asked_keys(spec: Spec, quantities: Quantities) -> list[str]:
    """``ask.quantities`` as check names (``glassnet.claims``), groups expanded, in
    computation order, each once."""
    keys: list[str] = []
    for k, entry in enumerate(spec.ask.quantities):
        where = f"ask.quantities[{k}]"
        try:
            found = _expand(entry, quantities)
        except ValueError as error:
            raise GlassnetError(str(error), source=spec.path, field=where) from None
        if not found:
            raise GlassnetError(
                f"{entry!r} names no quantity of this network", source=spec.path, field=where
            )
        keys += [key for key in found if key not in keys]
    return sorted(keys, key=quantities.rank)


def _expand(entry: str, quantities: Quantities) -> list[str]:
    """One entry of ``ask.quantities``: a group (``deltas``, ``gradients of w1-w4``) or a name."""
    text = " ".join(entry.strip().split())
    group, _, which = text.partition(" of ")
    group = group.lower()
    if group in GROUPS:
        params = _parameters(which, quantities) if which else None
        if params is not None and group not in BY_PARAMETER:
            raise ValueError(
                f"only {', '.join(BY_PARAMETER)} can be narrowed with 'of', got {entry!r}"
            )
        return _group(group, params, quantities)
    return [quantities.resolve(text)]


def _parameters(text: str, quantities: Quantities) -> set[str]:
    """``w1-w4``, ``w1–w4``, ``w5, w7, b2``: parameter names of the network."""
    names = list(quantities.layout.parameters)
    chosen: set[str] = set()
    for part in re.split(r"\s*,\s*", text.strip()):
        match = re.fullmatch(r"([A-Za-z_]+)(\d+)\s*[-–]\s*(?:\1)?(\d+)", part)
        if match:
            stem, low, high = match[1], int(match[2]), int(match[3])
            span = [f"{stem}{n}" for n in range(low, high + 1)]
        else:
            span = [part]
        for name in span:
            if name not in names:
                raise ValueError(
                    f"unknown parameter {name!r} in {text!r}; this network has {', '.join(names)}"
                )
        chosen.update(span)
    return chosen


def _group(group: str, params: set[str] | None, quantities: Quantities) -> list[str]:
    """The keys of a group, in computation order."""
    layout = quantities.layout.parameters
    weights = {name for name, (_, _, i) in layout.items() if i is not None}
    keys = []
    for step in quantities.steps:
        key, section = step.key, quantities.section[step.key]
        if section == "given" or "frozen" in step.note:
            continue
        if group in ("forward", "error", "backward", "after"):
            wanted = section == group
        elif group == "deltas":
            wanted = key.startswith("delta_")
        elif group == "gradients":
            wanted = key.startswith("dE/d") and key[4:] in layout
        else:  # updates, updated weights, updated biases
            name = key.removesuffix("+")
            kinds = {"updates": set(layout), "updated weights": weights}
            chosen = kinds.get(group, set(layout) - weights)
            wanted = section == "update" and name in chosen
        if wanted and params is not None:
            wanted = _parameter_of(key) in params
        if wanted:
            keys.append(key)
    return keys


def _parameter_of(key: str) -> str:
    """``w5`` for ``dE/dw5`` and ``w5+``."""
    return key.removeprefix("dE/d").removesuffix("+")


# -- well-posed ---------------------------------------------------------------


def tolerance(value: float, ask: AskSpec) -> float:
    """The absolute tolerance a platform gets for ``value``: ``ask.tolerance · |value|``, or
    one unit in the last asked digit (``10^(e - digits + 1)`` for ``value = m·10^e``)."""
    if ask.tolerance is not None:
        return abs(value) * ask.tolerance
    exponent = Decimal(repr(abs(value))).adjusted() if value else 0
    return float(Decimal(1).scaleb(exponent - ask.digits + 1))


def at_digits(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, as text (``5.930e-01``)."""
    return f"{value:.{digits - 1}e}"


def problems(variant: Variant, asked: list[str], ask: AskSpec) -> list[str]:
    """What makes a variant ill-posed (see the module doc); empty when it is well-posed."""
    q = variant.quantities
    every = q.values([s.key for s in q.steps])
    found = []
    for key, value in every.items():
        if not math.isfinite(value):
            found.append(f"{key} is not finite")
        elif key.startswith("dout_") and "/dnet_" in key and abs(value) < ask.saturation:
            found.append(f"{key} = {value:.3g}: a saturated neuron")
    values = q.values(asked)
    for key in asked:
        value = values[key]
        # An exact 0 (a target of 0 under cross-entropy) is judged exactly: not degenerate.
        if q.section.get(key) != "given" and 0 < abs(value) < ask.smallest:
            found.append(f"{key} = {value:.3g} is below ask.smallest = {ask.smallest}")
        if key.endswith("+") or key.startswith("dE/d"):
            name = _parameter_of(key)
            after = f"{name}+"
            frozen = after in q.index and "frozen" in q.steps[q.index[after]].note
            if name in q.layout.parameters and after in every and not frozen:
                move = abs(every[after] - every[name])
                if move <= tolerance(every[after], ask):
                    found.append(f"{name} moves by {move:.3g}, within the tolerance of {after}")
    rounded: dict[str, str] = {}
    nudged: dict[str, float] | None = None
    for key in asked:
        if values[key] == 0:
            continue
        text = at_digits(values[key], ask.digits)
        for other, seen in rounded.items():
            if seen != text:
                continue
            if _identical(values[key], values[other]):
                # equal by the computation, or by a given 1 (∂E/∂w1 = δ_h1 when i1 = 1)?
                nudged = nudged if nudged is not None else _nudged_values(variant, asked)
                if _identical(nudged[key], nudged[other]):
                    continue
            found.append(f"{other} and {key} are both {text} at {ask.digits} digits")
        rounded[key] = text
    return found


def _nudged_values(variant: Variant, asked: list[str]) -> dict[str, float]:
    """The asked values with every weight, bias and input moved a little (and the targets,
    unless they are one-hot): what is still equal is equal by the network's structure."""
    ex = variant.example

    def nudge(values: np.ndarray, salt: float) -> np.ndarray:
        steps = np.sin(np.arange(1, values.size + 1) * 12.9898 + salt).reshape(values.shape)
        return values + 1e-3 * steps

    layers = []
    for k, layer in enumerate(ex.network.layers):
        bias = None if layer.bias is None else nudge(layer.bias, 100.0 + k)
        bias_value = float(bias) if bias is not None and bias.ndim == 0 else bias
        weights = nudge(layer.weights, float(k))
        layers.append(
            Layer(weights, layer.activation, bias=bias_value, train_bias=layer.train_bias)
        )
    network = Network(
        layers,
        loss=ex.network.loss.name,
        batch_reduction=ex.network.batch_reduction,
        names=ex.network.names,
    )
    one_hot = ex.network.loss.targets_sum_to_one
    targets = ex.targets if one_hot else nudge(ex.targets, 200.0)
    copy = Example(network, nudge(ex.inputs, 300.0), targets, ex.learning_rate)
    return Quantities(copy).values(asked)


def _identical(a: float, b: float) -> bool:
    """Equal up to float64 noise: equal by the computation (``E_total = E_o1``,
    ``dnet_o1/dw5 = out_h1``), never by chance, so not a degenerate pair."""
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
