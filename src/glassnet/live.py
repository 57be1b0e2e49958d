"""The live page's edits as data: URL fragments, the edited example, and its TOML file.

The HTML page (``render/assets/edit.js``) lets a learner edit every given value in
place (each input, target, weight, bias and the learning rate), switch each layer's
activation and the loss, and keeps the edits in the URL fragment, written with
``glassnet check``'s names::

    mazur.html#w5=0.3&i1=0.2&eta=0.1&act2=tanh&loss=mse

=============  ==========================================================
key            value
=============  ==========================================================
``i1``         an input (a batch: ``i1[2]`` for sample 2, from 1)
``target_o1``  a target (a batch: ``target_o1[2]``)
``w5``, ``b1`` a weight or bias, by its name in the explanation
``eta``        the learning rate, a number > 0
``act1``       the activation of weight layer 1 (the first hidden layer); the
               output layer is ``act{n_layers}``
``loss``       the loss
=============  ==========================================================

A number is written in decimal (``0.3``, ``-1.5e-7``; the grammar ``NUMBER``) and
must be finite; ``-0`` reads as 0. Keys and values are percent-decoded (``i1%5B2%5D`` is ``i1[2]``);
a ``+`` stays a plus. Only the values that differ from the file's are written,
numbers as JavaScript's ``String(x)`` writes them (the shortest text that reads
back as the same double; ``js_number``), so ``fragment_of`` here and the page's
``view.fragment()`` write the same text.

This module is the Python side of the same rules (``apply_fragment``,
``fragment_of``), used by the tests and the Jupyter widget; ``edit_data`` is what
the page's script gets of them: the given values' names and places, the number
grammar, each loss's target rule (``Loss.target_low``, ``target_high``,
``targets_sum_to_one``), and the template of the example file that *Download*
fills in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.example import Example
from glassnet.fast.compiled import parameters
from glassnet.fast.javascript import activation_options, losses_for
from glassnet.losses import LOSSES, SUM_TOLERANCE, get_loss
from glassnet.network import Layer, Network

__all__ = [
    "NUMBER",
    "Slot",
    "apply_fragment",
    "edit_data",
    "fill_template",
    "fragment_of",
    "js_number",
    "slots",
    "target_rules",
    "toml_of",
    "toml_template",
]

#: A number as the page and a fragment accept it: decimal, optional sign and exponent.
#: (Python's ``float`` also reads ``inf``, ``1_0`` and spaces; JavaScript's ``Number``
#: ``0x10`` and ``""``: neither is a number here.)
NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER)
_ACT = re.compile(r"act([1-9][0-9]*)")
#: Characters a fragment's key keeps unencoded: ``encodeURIComponent``'s, and ``[]``.
_KEY_SAFE = "!*'()[]"

#: A piece of the TOML template: literal text, or ``["n", name]`` (the number named),
#: ``["a", layer, kept]`` (the layer's activation; ``kept``, its settings, follow when it
#: is the file's), ``["l"]`` (the loss).
Piece = str | list[Any]


@dataclass(frozen=True)
class Slot:
    """One given value: its check name, where it is (``kind`` ``x`` input ``X[sample][index]``,
    ``t`` target ``T[sample][index]``, ``p`` parameter ``p[index]`` in ``compiled.parameters``
    order, ``eta``), and the diagram element that shows it (``data-id``; the input and output
    nodes show the sample the diagram shows)."""

    name: str
    kind: str
    sample: int
    index: int
    diagram: str

    def row(self) -> list[Any]:
        return [self.name, self.kind, self.sample, self.index, self.diagram]


def slots(network: Network, n_samples: int) -> list[Slot]:
    """Every given value in the order of ``glassnet explain --format json``'s ``values``."""
    names, sizes = network.names, network.sizes
    last = len(network.layers) - 1
    result = []
    for s in range(n_samples):
        mark = f"[{s + 1}]" if n_samples > 1 else ""
        for i in range(sizes[0]):
            result.append(Slot(names.input(i) + mark, "x", s, i, f"x{i}"))
        for j in range(sizes[-1]):
            result.append(Slot(f"target_{names.neuron(last, j)}{mark}", "t", s, j, f"n{last}.{j}"))
    at = 0
    for k, layer in enumerate(network.layers):
        for j in range(layer.n_neurons):
            for i in range(layer.n_inputs):
                result.append(Slot(names.weight(k, j, i), "p", -1, at, f"w{k}.{j}.{i}"))
                at += 1
        if layer.bias is not None:
            if layer.bias.ndim == 0:
                result.append(Slot(names.bias(k), "p", -1, at, f"b{k}"))
                at += 1
            else:
                for j in range(layer.n_neurons):
                    result.append(Slot(names.bias(k, j), "p", -1, at, f"b{k}.{j}"))
                    at += 1
    result.append(Slot("eta", "eta", -1, 0, ""))
    return result


def target_rules() -> dict[str, dict[str, float | bool | None]]:
    """Each loss's rule for one sample's targets, as ``Loss.bad_target`` applies it."""
    rules: dict[str, dict[str, float | bool | None]] = {}
    for name, make in LOSSES.items():
        loss = make()
        if loss.target_low is None and loss.target_high is None and not loss.targets_sum_to_one:
            continue
        rules[name] = {
            "low": loss.target_low,
            "high": loss.target_high,
            "sum": loss.targets_sum_to_one,
            "tol": SUM_TOLERANCE,
        }
    return rules


# -- numbers as JavaScript writes them ------------------------------------------------


def js_number(value: float) -> str:
    """``String(value)`` of JavaScript for a finite double (but ``-0`` for negative zero).

    The shortest digits that read back as ``value`` (Python's ``repr`` finds the same),
    laid out by ECMAScript's Number::toString: plain from 1e-6 up to 1e21, else
    ``1.5e+300`` / ``1e-7``.
    """
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    text = repr(abs(float(value)))
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        head = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if value < 0 else "") + body


def _toml_number(value: float) -> str:
    """A TOML float that reads back as ``value``: ``js_number``, with ``.0`` on an integer."""
    text = js_number(value)
    return text + ".0" if re.fullmatch(r"-?[0-9]+", text) else text


# -- fragments ------------------------------------------------------------------------


def _decode(part: str) -> str:
    """``decodeURIComponent``: ``%XX`` escapes of UTF-8 bytes; a bad escape is an error."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", part):
        raise GlassnetError(f"'{part}': a % must start an escape such as %5B", source="fragment")
    try:
        return unquote(part, errors="strict")
    except UnicodeDecodeError:
        raise GlassnetError(
            f"'{part}': its escapes are not UTF-8 text", source="fragment"
        ) from None


def _encode_key(key: str) -> str:
    return quote(key, safe=_KEY_SAFE)


def _pairs(text: str) -> list[tuple[str, str]]:
    """The ``key=value`` pairs of a fragment (a leading ``#`` and empty parts are skipped)."""
    pairs = []
    for part in text.removeprefix("#").split("&"):
        if not part:
            continue
        key, equals, value = part.partition("=")
        if not equals:
            raise GlassnetError(f"'{part}': expected name=value", source="fragment")
        pairs.append((_decode(key), _decode(value)))
    return pairs


def _fail(key: str, message: str) -> GlassnetError:
    return GlassnetError(message, source="fragment", field=key)


def _number(key: str, text: str, *, positive: bool = False) -> float:
    value = float(text) if _NUMBER.fullmatch(text) else math.nan
    if not math.isfinite(value):
        raise _fail(key, f"expected a finite number, got '{text}'")
    if positive and not value > 0:
        raise _fail(key, f"expected a number > 0, got '{text}'")
    return value + 0.0  # -0 reads as 0, as the page's state (JSON) keeps it


@dataclass
class _State:
    """The numbers and choices of an example, as the page holds them (``view.state``)."""

    p: list[float]
    X: list[list[float]]
    T: list[list[float]]
    eta: float
    acts: list[str]
    loss: str

    @classmethod
    def of(cls, example: Example) -> _State:
        network = example.network
        return cls(
            parameters(network),
            example.inputs.tolist(),
            example.targets.tolist(),
            float(example.learning_rate),
            [layer.activation.name for layer in network.layers],
            network.loss.name,
        )

    def get(self, slot: Slot) -> float:
        if slot.kind == "x":
            return self.X[slot.sample][slot.index]
        if slot.kind == "t":
            return self.T[slot.sample][slot.index]
        if slot.kind == "p":
            return self.p[slot.index]
        return self.eta

    def put(self, slot: Slot, value: float) -> None:
        if slot.kind == "x":
            self.X[slot.sample][slot.index] = value
        elif slot.kind == "t":
            self.T[slot.sample][slot.index] = value
        elif slot.kind == "p":
            self.p[slot.index] = value
        else:
            self.eta = value


def apply_fragment(example: Example, text: str) -> Example:
    """``example`` with the edits of a URL fragment (module docstring) applied.

    The result is a new example (the original is not changed) without claims. A
    malformed fragment is a ``GlassnetError`` of one line naming the key and what was
    expected, e.g. ``fragment: w5: expected a finite number, got 'abc'``; the page shows
    the same rule's refusal as its notice.
    """
    network = example.network
    table = {slot.name: slot for slot in slots(network, len(example.inputs))}
    state = _State.of(example)
    n_layers = len(network.layers)
    seen: set[str] = set()
    for key, value in _pairs(text):
        if key in seen:
            raise _fail(key, "given twice")
        seen.add(key)
        act = _ACT.fullmatch(key)
        if key in table:
            state.put(table[key], _number(key, value, positive=key == "eta"))
        elif act and int(act.group(1)) <= n_layers:
            index = int(act.group(1)) - 1
            allowed = activation_options(network)[index]
            if value not in allowed:
                raise _fail(key, f"expected one of {', '.join(allowed)}, got '{value}'")
            state.acts[index] = value
        elif key == "loss":  # checked with the output activation, once all are read
            state.loss = value
        else:
            raise _fail(
                key, f"unknown name; expected a given value's name, act1…act{n_layers} or loss"
            )
    return _example(example, state, table)


def _example(example: Example, state: _State, table: dict[str, Slot]) -> Example:
    network = example.network
    options = activation_options(network)
    allowed = losses_for(options[-1][state.acts[-1]])
    if state.loss not in allowed:
        raise _fail(
            "loss",
            f"expected one of {', '.join(allowed)} with a {state.acts[-1]} output layer, "
            f"got '{state.loss}'",
        )
    loss = get_loss(state.loss)
    for s, row in enumerate(state.T):
        problem = loss.bad_target(row)
        if problem:
            first = next(slot for slot in table.values() if slot.kind == "t" and slot.sample == s)
            raise _fail(first.name, problem)
    # Built as a reader builds a file's layers (``Layer`` lays the arrays out as it does), so
    # the engine sums in the same order as for the example file of these numbers.
    layers, at = [], 0
    for layer, name, allowed_here in zip(network.layers, state.acts, options, strict=True):
        size = layer.weights.size
        weights = np.array(state.p[at : at + size]).reshape(layer.weights.shape)
        at += size
        bias = None
        if layer.bias is not None:
            bias = np.array(state.p[at : at + layer.bias.size]).reshape(layer.bias.shape)
            at += layer.bias.size
        # the file's activation (with its settings) when it is chosen, else name's defaults
        activation = allowed_here[name]
        layers.append(Layer(weights, activation, bias=bias, train_bias=layer.train_bias))
    edited = Network(
        layers, loss=loss, batch_reduction=network.batch_reduction, names=network.names
    )
    return Example(
        network=edited,
        inputs=np.array(state.X, dtype=np.float64),
        targets=np.array(state.T, dtype=np.float64),
        learning_rate=state.eta,
        title=example.title,
        source=example.source,
        url=example.url,
        description=example.description,
        path=example.path,
    )


def fragment_of(edited: Example, original: Example) -> str:
    """The fragment (without ``#``) that ``apply_fragment(original, …)`` turns into ``edited``.

    Only the values that differ from ``original``'s are written (a double and its
    negative zero differ), in the order of ``slots``, then ``act1…`` and ``loss``.
    """
    table = slots(original.network, len(original.inputs))
    now, was = _State.of(edited), _State.of(original)
    parts = []
    for slot in table:
        a, b = now.get(slot), was.get(slot)
        if a != b or math.copysign(1.0, a) != math.copysign(1.0, b):
            parts.append(f"{_encode_key(slot.name)}={js_number(a)}")
    for k, (act, own) in enumerate(zip(now.acts, was.acts, strict=True)):
        if act != own:
            parts.append(f"act{k + 1}={act}")
    if now.loss != was.loss:
        parts.append(f"loss={now.loss}")
    return "&".join(parts)


# -- the example file -----------------------------------------------------------------


def _toml_string(text: str) -> str:
    """A TOML basic string: quote, backslash and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _strings(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


class _Template:
    """Collects the pieces of the template, merging adjacent text."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def text(self, text: str) -> None:
        if self.pieces and isinstance(self.pieces[-1], str):
            self.pieces[-1] += text
        else:
            self.pieces.append(text)

    def slot(self, piece: list[Any]) -> None:
        self.pieces.append(piece)

    def numbers(self, names: Sequence[str]) -> None:
        self.text("[")
        for k, name in enumerate(names):
            if k:
                self.text(", ")
            self.slot(["n", name])
        self.text("]")


def toml_template(example: Example) -> list[Piece]:
    """The example file of ``example`` (docs/example-format.md) with a slot for every value
    an edit may change; ``fill_template`` (or the page's script) fills them in."""
    network, names = example.network, example.network.names
    by_place = {(s.kind, s.sample, s.index): s.name for s in slots(network, len(example.inputs))}
    out = _Template()
    out.text(
        "# Edited on glassnet's live page; `glassnet explain` of this file shows its numbers.\n"
    )
    for key in ("title", "source", "url", "description"):
        value = getattr(example, key)
        if value:
            out.text(f"{key} = {_toml_string(value)}\n")
    out.text("loss = ")
    out.slot(["l"])
    out.text("\nlearning_rate = ")
    out.slot(["n", "eta"])
    out.text(f"\nbatch_reduction = {_toml_string(network.batch_reduction)}\n")
    if names.inputs is not None:
        out.text(f"input_names = {_strings(names.inputs)}\n")
    at = 0
    for k, layer in enumerate(network.layers):
        out.text("\n[[layers]]\nactivation = ")
        settings = "".join(
            f"\n{key} = {_toml_number(value)}"
            for key, value in layer.activation.setting_values().items()
        )
        out.slot(["a", k, settings])
        out.text("\nweights = [")
        for j in range(layer.n_neurons):
            out.text(", " if j else "")
            out.numbers(
                [by_place["p", -1, at + j * layer.n_inputs + i] for i in range(layer.n_inputs)]
            )
        out.text("]\n")
        at += layer.weights.size
        if names.weights[k] is not None:
            rows = ", ".join(_strings(row) for row in names.weights[k] or [])
            out.text(f"weight_names = [{rows}]\n")
        if names.neurons[k] is not None:
            out.text(f"neuron_names = {_strings(names.neurons[k] or [])}\n")
        if layer.bias is not None:
            out.text("bias = ")
            if layer.bias.ndim == 0:
                out.slot(["n", by_place["p", -1, at]])
            else:
                out.numbers([by_place["p", -1, at + j] for j in range(layer.n_neurons)])
            out.text("\n")
            at += layer.bias.size
            explicit = names.biases[k]
            if explicit is not None:
                shown = _toml_string(explicit) if isinstance(explicit, str) else _strings(explicit)
                out.text(f"bias_names = {shown}\n")
            out.text(f"train_bias = {'true' if layer.train_bias else 'false'}\n")
    for s in range(len(example.inputs)):
        out.text("\n[[samples]]\ninput = ")
        out.numbers([by_place["x", s, i] for i in range(network.n_inputs)])
        out.text("\ntarget = ")
        out.numbers([by_place["t", s, j] for j in range(network.n_outputs)])
        out.text("\n")
    return out.pieces


def fill_template(template: list[Piece], edited: Example, original: Example) -> str:
    """The TOML text of ``edited`` from ``original``'s template, as the page's *Download*
    writes it (numbers by ``js_number``, an integer-valued one with ``.0``)."""
    table = {s.name: s for s in slots(original.network, len(original.inputs))}
    state, own = _State.of(edited), _State.of(original)
    out = []
    for piece in template:
        if isinstance(piece, str):
            out.append(piece)
        elif piece[0] == "n":
            out.append(_toml_number(state.get(table[piece[1]])))
        elif piece[0] == "a":
            name = state.acts[piece[1]]
            out.append(_toml_string(name) + (piece[2] if name == own.acts[piece[1]] else ""))
        else:
            out.append(_toml_string(state.loss))
    return "".join(out)


def toml_of(edited: Example, original: Example) -> str:
    """``edited`` (``apply_fragment(original, …)``) as an example file, as *Download* gives it."""
    return fill_template(toml_template(original), edited, original)


def download_name(example: Example) -> str:
    """The downloaded file's name: the example's file name with ``-edited``."""
    path = example.path.removesuffix(" (built-in)")  # how load_example names a built-in one
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(path).stem).strip("-.") if path else ""
    return f"{stem or 'example'}-edited.toml"


def edit_data(example: Example) -> dict[str, Any]:
    """What the page's ``edit.js`` needs, as JSON (``data.edit``)."""
    network = example.network
    return {
        "slots": [slot.row() for slot in slots(network, len(example.inputs))],
        "layers": [network.names.layer(k) for k in range(len(network.layers))],
        "acts": [layer.activation.name for layer in network.layers],
        "loss": network.loss.name,
        "number": NUMBER,
        "rules": target_rules(),
        "toml": toml_template(example),
        "file": download_name(example),
    }
