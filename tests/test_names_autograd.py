"""Every derivative the explanation names is that derivative: torch.autograd says so.

For random networks (``strategies.cases``: every activation, loss, bias mode and batch
reduction, batches of 1 to 4 samples), every step of the neuron-by-neuron explanation whose
name is a derivative ``∂A/∂B`` (or a product of them, or ``δ_n``, which is ``∂E_total/∂net_n``)
is read back **from its text** (what a reader sees, ``TextFormatter``) and **from its claim
key** (what ``glassnet check`` accepts), A and B are located in a torch float64 copy of the
network, and ``dA/dB`` is computed with ``torch.autograd`` and compared with the value the
explanation shows. So are the derivatives and δ's its formulas name, against the numbers
they are shown with (the formula and numbers trees are walked side by side).

What the names mean:

- ``E_total`` is the batch loss (the mean or sum of the samples' losses); in a step about
  sample s (its key ends in ``[s]``), unmarked symbols are sample s's: ``E_total`` is
  E_total[s], sample s's own loss, ``out_h1`` its out_h1. ``E_total[s]`` is sample s's loss
  anywhere. ``E_o1`` is output o1's term of the sample's loss.
- ``∂A/∂B`` for a neuron's ``net`` or ``out`` B is the partial derivative of A as a function
  of B's whole layer (B's neighbours in its layer held fixed): torch cuts the graph there.
  For a parameter B it is the derivative with respect to that parameter.

The tolerance is a relative 1e-10, with the absolute floor of two correct float64
computations' rounding (``strategies.error_scales``, as in ``test_torch_autograd``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from torch.nn import functional

from glassnet.claims import Quantities
from glassnet.cli import main
from glassnet.engine import backprop
from glassnet.example import Example
from glassnet.examples import load_example
from glassnet.explanation import Explanation, Step, explain
from glassnet.formula import Add, Div, Expr, Group, Mul, Num, Partial, Sub, Sym
from glassnet.network import Network
from glassnet.render.text import TextFormatter, render_text
from strategies import (
    ROUNDING,
    Case,
    LayerSpec,
    cases,
    clear_of_kinks,
    error_scales,
    records_from_trace,
    relative_error,
)
from torch_reference import activate

RTOL = 1e-10
DOCS = Path(__file__).parent.parent / "docs" / "check.md"

#: One derivative: (top kind, top name, bottom kind, bottom name, sample). Kinds: top
#: ``E_total``, ``E`` (an output's loss term), ``net``, ``out``; bottom ``net``, ``out``,
#: ``param``. ``sample`` is an index from 0, or None for the batch loss.
Derivative = tuple[str, str, str, str, int | None]


# -- torch ---------------------------------------------------------------------------------


class TorchNetwork:
    """A ``Case``'s network in torch float64, differentiated by name.

    ``derivative(d)`` builds the graph anew with the layer of ``d``'s bottom (if it is a
    neuron's ``net`` or ``out``) replaced by a leaf holding the same values, and takes the
    gradient of ``d``'s top with respect to it.
    """

    def __init__(self, case: Case, network: Network):
        self.case = case
        names = network.names
        self.neurons: dict[str, tuple[int, int]] = {}
        self.params: dict[str, tuple[int, int, int | None]] = {}
        self.weights: list[torch.Tensor] = []
        self.biases: list[torch.Tensor | None] = []
        for k, spec in enumerate(case.layers):
            n_out, n_in = spec.weights.shape
            self.weights.append(torch.tensor(spec.weights, requires_grad=True))
            self.biases.append(
                None if spec.bias is None else torch.tensor(spec.bias, requires_grad=True)
            )
            for j in range(n_out):
                self.neurons[names.neuron(k, j)] = (k, j)
                for i in range(n_in):
                    self.params[names.weight(k, j, i)] = (k, j, i)
                if spec.bias is not None:
                    self.params[names.bias(k, j)] = (k, j, None)
        self.x = torch.tensor(case.inputs)
        self.t = torch.tensor(case.targets)
        self.cache: dict[tuple[Any, ...], Any] = {}

    def run(self, cut: tuple[int, str] | None) -> tuple[dict[str, Any], torch.Tensor | None]:
        """The forward pass and loss; layer ``cut = (k, "net"|"out")`` is a fresh leaf."""
        x, leaf = self.x, None
        nets, outs = [], []
        for k, (spec, w, b) in enumerate(zip(self.case.layers, self.weights, self.biases)):
            net = x @ w.T + (0.0 if b is None else b)
            if cut == (k, "net"):
                net = leaf = net.detach().requires_grad_(True)
            out = activate(spec, net)
            if cut == (k, "out"):
                out = leaf = out.detach().requires_grad_(True)
            nets.append(net)
            outs.append(out)
            x = out
        last = len(self.case.layers) - 1
        terms = loss_terms(self.case.loss, nets[-1], outs[-1], self.t, cut == (last, "out"))
        losses = terms.sum(dim=-1)
        total = losses.mean() if self.case.batch_reduction == "mean" else losses.sum()
        return {"net": nets, "out": outs, "E": terms, "sample": losses, "batch": total}, leaf

    def top(self, graph: dict[str, Any], d: Derivative) -> torch.Tensor:
        kind, name, _, _, sample = d
        if kind == "E_total":
            return graph["batch"] if sample is None else graph["sample"][sample]
        assert sample is not None, f"{d}: a per-sample quantity needs its sample"
        k, j = self.neurons[name]
        if kind == "E":
            assert k == len(self.case.layers) - 1, f"{d}: E_{name} of a hidden neuron"
            return graph["E"][sample, j]
        return graph[kind][k][sample, j]

    def derivative(self, d: Derivative) -> float:
        _, _, bottom_kind, bottom, sample = d
        if d not in self.cache:
            if bottom_kind == "param":
                k, j, i = self.params[bottom]
                graph, _ = self.run(None)
                wrt = self.weights[k] if i is not None else self.biases[k]
                assert wrt is not None
                (grad,) = torch.autograd.grad(self.top(graph, d), wrt, allow_unused=True)
                index: tuple[int, ...] = (j, i) if i is not None else () if wrt.ndim == 0 else (j,)
                self.cache[d] = 0.0 if grad is None else float(grad[index])
            else:
                assert sample is not None, f"{d}: a neuron's value is per sample"
                k, j = self.neurons[bottom]
                graph, leaf = self.run((k, bottom_kind))
                assert leaf is not None
                (grad,) = torch.autograd.grad(self.top(graph, d), leaf, allow_unused=True)
                self.cache[d] = 0.0 if grad is None else float(grad[sample, j])
        return float(self.cache[d])


def loss_terms(
    loss: str, net: torch.Tensor, out: torch.Tensor, t: torch.Tensor, from_out: bool
) -> torch.Tensor:
    """Each output's term E_o of each sample's loss (docs/example-format.md's definitions).

    The cross-entropies are taken from the net input (log-softmax, softplus) unless the
    outputs themselves are the variables (``from_out``): same values, no log of a rounded 0.
    """
    if loss == "half_sse":
        return 0.5 * (t - out) ** 2
    if loss == "sse":
        return (out - t) ** 2
    if loss == "mse":
        return (out - t) ** 2 / out.shape[-1]
    if loss == "cross_entropy":
        if from_out:
            return -torch.xlogy(t, out)
        return -t * torch.log_softmax(net, dim=-1)
    assert loss == "binary_cross_entropy"
    if from_out:
        return -(torch.xlogy(t, out) + torch.xlogy(1 - t, 1 - out))
    return t * functional.softplus(-net, threshold=50) + (1 - t) * functional.softplus(
        net, threshold=50
    )


# -- reading names -------------------------------------------------------------------------

_SAMPLE = re.compile(r"^(?P<base>.*?)(?:\[(?P<s>\d+)\])?$")


def _split_sample(text: str) -> tuple[str, int | None]:
    match = _SAMPLE.match(text)
    assert match is not None
    return match["base"], None if match["s"] is None else int(match["s"]) - 1


def _top(text: str, context: int | None) -> tuple[str, str, int | None]:
    """``E_total``, ``E_total[2]``, ``E_o1``, ``net_h1``, ``out_h1[2]`` as (kind, name, sample)."""
    base, sample = _split_sample(text)
    sample = context if sample is None else sample
    if base == "E_total":
        return "E_total", "", sample
    kind, _, name = base.partition("_")
    assert kind in ("E", "net", "out") and name, f"not a quantity: {text!r}"
    return kind, name, sample


def _bottom(text: str) -> tuple[str, str]:
    kind, _, name = text.partition("_")
    if kind in ("net", "out") and name:
        return kind, name
    return "param", text


def from_text(text: str, context: int | None) -> list[Derivative]:
    """The factors of a displayed name: ``∂E_total[1]/∂net_o1 · ∂net_o1/∂out_h1`` -> 2."""
    factors = []
    for factor in text.split(" · "):
        match = re.fullmatch(r"∂(?P<top>[^/]+)/∂(?P<bottom>[^/]+)", factor)
        assert match is not None, f"not a derivative: {factor!r} in {text!r}"
        kind, name, sample = _top(match["top"], context)
        factors.append((kind, name, *_bottom(match["bottom"]), sample))
    return factors


def from_key(key: str, n_samples: int) -> list[Derivative]:
    """The factors of a claim key: ``dE/dw5``, ``delta_o1[2]``, ``dE/dnet_o1*dnet_o1/dout_h1``."""
    base, sample = _split_sample(key)
    if sample is None and n_samples == 1:
        sample = 0
    factors = []
    for factor in base.split("*"):
        if factor.startswith("delta_"):
            factors.append(("E_total", "", "net", factor[len("delta_") :], sample))
            continue
        match = re.fullmatch(r"d(?P<top>[^/]+)/d(?P<bottom>[^/]+)", factor)
        assert match is not None, f"not a derivative: {factor!r} in {key!r}"
        top = "E_total" if match["top"] == "E" else match["top"]
        kind, name, _ = _top(top, sample)
        factors.append((kind, name, *_bottom(match["bottom"]), sample))
    return factors


def kind_of(factors: list[Derivative]) -> tuple[tuple[str, str], ...]:
    """What a name is, whatever the neurons: ``dE/dw5`` and ``dE/dw1`` are one kind."""

    def bottom(kind: str, name: str) -> str:
        return kind if kind != "param" else "bias" if name.startswith("b") else "weight"

    return tuple((f[0], bottom(f[2], f[3])) for f in factors)


# -- the check -----------------------------------------------------------------------------


@dataclass
class Named:
    """One named derivative shown with a value: where, the name as shown, its factors."""

    where: str
    shown: str
    factors: list[Derivative]
    value: float


def sample_of(step: Step, n_samples: int) -> int | None:
    """The sample a step is about (its key's ``[s]``); None for the batch."""
    _, sample = _split_sample(step.key)
    return 0 if n_samples == 1 else sample


def is_share(e: Expr) -> bool:
    return isinstance(e, Mul) and all(isinstance(f, Partial) for f in e.factors)


def formula_names(
    formula: Expr, numbers: Expr | None, value: float, fmt: TextFormatter, context: int | None
) -> list[tuple[str, list[Derivative], float]]:
    """The derivatives (and δ's) a formula names, each with the number it is shown with."""
    if not _names_something(formula):
        return []
    if isinstance(formula, Partial) or (is_share(formula) and not isinstance(numbers, Mul)):
        if numbers is None:  # the formula only restates the name: δ = ∂E_total/∂net
            numbers = Num(value)
        assert isinstance(numbers, Num), f"{fmt(formula)} shown as {numbers!r}"
        text = fmt(formula)
        return [(text, from_text(text, context), numbers.value)]
    if isinstance(formula, Sym):  # δ_n, which is ∂E_total/∂net_n
        assert isinstance(numbers, Num), f"δ_{formula.sub} shown as {numbers!r}"
        return [(fmt(formula), [("E_total", "", "net", formula.sub or "", context)], numbers.value)]
    children = _children(formula)
    assert numbers is not None, f"no numbers for {fmt(formula)}"
    other = _children(numbers)
    assert type(formula) is type(numbers) and len(children) == len(other), (
        f"{fmt(formula)} and {fmt(numbers)} differ in shape"
    )
    found = []
    for f, n in zip(children, other):
        found += formula_names(f, n, value, fmt, context)
    return found


def _children(e: Expr) -> list[Expr]:
    if isinstance(e, Add):
        return list(e.terms)
    if isinstance(e, Mul):
        return list(e.factors)
    if isinstance(e, Sub | Div):
        return [e.left, e.right] if isinstance(e, Sub) else [e.top, e.bottom]
    if isinstance(e, Group):
        return [e.body]
    return []


def _names_something(e: Expr) -> bool:
    if isinstance(e, Partial) or (isinstance(e, Sym) and e.base == "δ"):
        return True
    return any(_names_something(c) for c in _children(e))


def named_derivatives(explanation: Explanation) -> list[Named]:
    """Every derivative the explanation names, with the value it shows for it."""
    fmt = TextFormatter(17)
    n = explanation.trace.n_samples
    found = []
    for step in explanation.steps():
        context = sample_of(step, n)
        lhs = fmt(step.lhs)
        if "∂" in lhs or step.key.startswith("delta_"):
            value = float(step.value)
            if "∂" in lhs:
                found.append(Named(step.key, lhs, from_text(lhs, context), value))
            found.append(Named(step.key, f"key {step.key}", from_key(step.key, n), value))
        if step.formula is not None:
            for text, factors, value in formula_names(
                step.formula, step.numbers, float(step.value), fmt, context
            ):
                found.append(Named(step.key, f"{text} in the formula", factors, value))
    return found


def floor_of(explanation: Explanation) -> float:
    """Rounding two correct float64 computations may differ by, for the whole update."""
    t = explanation.trace
    scales = error_scales(
        records_from_trace(t),
        loss=t.network.loss.name,
        reduction=t.network.batch_reduction,
        targets=t.targets,
        learning_rate=t.learning_rate,
    )
    arrays = [np.abs(np.asarray(a)) for v in scales.values() for a in _flat(v)]
    finite = [a[np.isfinite(a)] for a in arrays]
    return ROUNDING * max(float(a.max(initial=0.0)) for a in finite)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [a for a in value if a is not None]
    return [value]


def check_names(explanation: Explanation, reference: TorchNetwork) -> set[tuple[Any, ...]]:
    """Assert every named derivative; the kinds of claim keys checked."""
    floor = floor_of(explanation)
    kinds = set()
    named = named_derivatives(explanation)
    assert named, "the explanation names no derivative"
    for item in named:
        exact = float(np.prod([reference.derivative(d) for d in item.factors]))
        error = relative_error(item.value, exact, rtol=RTOL, floor=floor)
        assert error < RTOL, (
            f"{item.where}: {item.shown} is shown as {item.value!r}, but torch.autograd gives "
            f"{exact!r} for {item.factors} (relative error {error:.3g})"
        )
        if item.shown.startswith("key "):
            kinds.add(kind_of(item.factors))
    return kinds


def explanation_of(case: Case, *, detailed: bool = True) -> Explanation:
    network = case.network()
    trace = backprop(network, case.inputs, case.targets, case.learning_rate)
    assert trace.detailed == detailed
    return explain(trace)


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.slow
@given(cases(max_width=5, max_samples=4))
def test_every_named_derivative_is_that_derivative(case: Case) -> None:
    assume(clear_of_kinks(case))
    explanation = explanation_of(case)
    check_names(explanation, TorchNetwork(case, explanation.trace.network))


def spec(weights: Any, activation: str, bias: Any = None) -> LayerSpec:
    bias = None if bias is None else np.array(bias, dtype=np.float64)
    return LayerSpec(np.array(weights, dtype=np.float64), activation, None, bias, True)


def softmax_3432(batch_reduction: str = "mean") -> Case:
    """The issue's shape: 3-4-3-2, tanh, tanh, softmax with cross-entropy, two samples."""
    layers = (
        spec(
            [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.15, -0.25, 0.35]],
            "tanh",
            [0.1, 0.2, 0.3, 0.4],
        ),
        spec([[0.2, -0.3, 0.4, 0.1], [-0.5, 0.6, 0.7, -0.2], [0.8, -0.9, 0.15, 0.3]], "tanh", 0.1),
        spec([[0.5, -0.4, 0.3], [-0.6, 0.7, 0.2]], "softmax", [0.05, -0.05]),
    )
    inputs = np.array([[0.5, -1.0, 0.25], [0.1, 0.3, -0.2]])
    targets = np.array([[1.0, 0.0], [0.0, 1.0]])
    return Case(layers, "cross_entropy", batch_reduction, inputs, targets, 0.5)


def sigmoid_bce() -> Case:
    layers = (
        spec([[0.3, -0.8], [0.6, 0.1], [-0.4, 0.9]], "relu", 0.1),
        spec([[0.7, -0.5, 0.2], [0.4, 0.3, -0.9]], "sigmoid", [0.2, -0.1]),
    )
    inputs = np.array([[0.5, 1.0], [0.9, -0.3], [0.2, 0.4]])
    targets = np.array([[1.0, 0.0], [0.25, 0.75], [0.0, 1.0]])
    return Case(layers, "binary_cross_entropy", "sum", inputs, targets, 0.1)


def case_of(example: Example) -> Case:
    layers = tuple(
        LayerSpec(
            layer.weights.copy(),
            layer.activation.name,
            None,
            None if layer.bias is None else layer.bias.copy(),
            layer.train_bias,
        )
        for layer in example.network.layers
    )
    net = example.network
    return Case(
        layers, net.loss.name, net.batch_reduction, example.inputs, example.targets,
        example.learning_rate,
    )  # fmt: skip


def documented_kinds() -> set[tuple[tuple[str, str], ...]]:
    """The kinds of the derivative names in docs/check.md's names table."""
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| name |", text.index("### Names")) :]
    table = table[: table.index("\n\n")]
    kinds = set()
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        for name in re.findall(r"`([^`]+)`", first):
            if "/" in name or name.startswith("delta_"):
                kinds.add(kind_of(from_key(name, 1)))
    return kinds


def test_names_of_fixed_examples_and_docs_cover_each_other() -> None:
    """Mazur, the issue's softmax 3-4-3-2, sigmoid + BCE: every kind of name, documented."""
    checked = set()
    for case in (
        case_of(load_example("mazur")),
        case_of(load_example("hill")),
        softmax_3432(),
        softmax_3432("sum"),
        sigmoid_bce(),
    ):
        explanation = explanation_of(case)
        checked |= check_names(explanation, TorchNetwork(case, explanation.trace.network))
    documented = documented_kinds()
    assert checked == documented, (checked - documented, documented - checked)


@given(st.sampled_from(["mean", "sum"]))
def test_softmax_terms_are_shares_through_each_net(batch_reduction: str) -> None:
    """The issue's case: no ∂E_o1/∂out_h2_1 labels, and the shares are what they say."""
    case = softmax_3432(batch_reduction)
    explanation = explanation_of(case)
    reference = TorchNetwork(case, explanation.trace.network)
    step = explanation.step("dE/dnet_o1*dnet_o1/dout_h2_1[1]")
    text = TextFormatter()(step.lhs)
    assert text == "∂E_total[1]/∂net_o1 · ∂net_o1/∂out_h2_1"
    through_o1 = reference.derivative(("E_total", "", "net", "o1", 0)) * 0.5  # w25 = 0.5
    assert relative_error(float(step.value), through_o1, rtol=RTOL) < RTOL
    # The true ∂E_o1/∂out_h2_1 is something else: the old label was false.
    per_output = reference.derivative(("E", "o1", "out", "h2_1", 0))
    assert abs(per_output - float(step.value)) > 0.01
    keys = [s.key for s in explanation.steps()]
    assert not any(re.match(r"dE_(o|h)", k) for k in keys), keys
    assert "couples the outputs" in explanation.sections[3].intro


def test_mazur_keeps_the_classic_names() -> None:
    explanation = explain(load_example("mazur").step())
    step = explanation.step("dE_o1/dout_h1")
    assert TextFormatter()(step.lhs) == "∂E_o1/∂out_h1"
    assert explanation.sections[3].intro == ""


def test_check_accepts_the_true_values_and_explains_the_per_output_name(
    tmp_path: Path,
) -> None:
    case = softmax_3432()
    explanation = explanation_of(case)
    reference = TorchNetwork(case, explanation.trace.network)
    quantities = Quantities(
        Example(explanation.trace.network, case.inputs, case.targets, case.learning_rate)
    )
    total = reference.derivative(("E_total", "", "out", "h2_1", 0))
    share = reference.derivative(("E_total", "", "net", "o2", 0)) * -0.6  # w28 = -0.6
    values = quantities.values(["dE/dout_h2_1[1]", "dE/dnet_o2*dnet_o2/dout_h2_1[1]"])
    assert relative_error(values["dE/dout_h2_1[1]"], total, rtol=RTOL) < RTOL
    assert relative_error(values["dE/dnet_o2*dnet_o2/dout_h2_1[1]"], share, rtol=RTOL) < RTOL
    assert quantities.resolve("∂E_total/∂net_o2 · ∂net_o2/∂out_h2_1[1]") == (
        "dE/dnet_o2*dnet_o2/dout_h2_1[1]"
    )
    parents = quantities.parents([])
    assert parents["dE/dout_h2_1[1]"] == {
        "dE/dnet_o1*dnet_o1/dout_h2_1[1]",
        "dE/dnet_o2*dnet_o2/dout_h2_1[1]",
    }
    assert parents["dE/dnet_o2*dnet_o2/dout_h2_1[1]"] == {"delta_o2[1]", "w28"}
    with pytest.raises(ValueError, match=r"couples the outputs.*'dE/dnet_o1\*dnet_o1/dout_h2_1"):
        quantities.resolve("dE_o1/dout_h2_1[1]")
    with pytest.raises(ValueError, match=r"h2_1 is a hidden neuron"):
        quantities.resolve("dE_h2_1/dout_h1_1[2]")


def example_file(case: Case, claims: dict[str, str]) -> str:
    """``case`` as an example file with a ``[claims]`` table (values as strings)."""
    lines = [f'loss = "{case.loss}"', f'batch_reduction = "{case.batch_reduction}"']
    lines.append(f"learning_rate = {case.learning_rate!r}")
    for layer in case.layers:
        lines += ["[[layers]]", f'activation = "{layer.activation}"']
        lines.append(f"weights = {layer.weights.tolist()!r}")
        if layer.bias is not None:
            lines.append(f"bias = {layer.bias.tolist()!r}")
    for x, t in zip(case.inputs, case.targets):
        lines += ["[[samples]]", f"input = {x.tolist()!r}", f"target = {t.tolist()!r}"]
    lines.append("[claims]")
    lines += [f'"{name}" = "{value}"' for name, value in claims.items()]
    return "\n".join(lines) + "\n"


def test_glassnet_check_agrees_with_the_true_derivatives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Claims of torch's ∂E_total/∂out_h2_1 and its shares agree; ∂E_o1/∂out_h2_1 is refused."""
    case = softmax_3432()
    reference = TorchNetwork(case, case.network())
    total = reference.derivative(("E_total", "", "out", "h2_1", 0))
    via_o1 = reference.derivative(("E_total", "", "net", "o1", 0)) * 0.5  # w25
    via_o2 = reference.derivative(("E_total", "", "net", "o2", 1)) * -0.6  # w28, sample 2
    claims = {
        "dE/dout_h2_1[1]": f"{total:.9f}",
        "dE/dnet_o1*dnet_o1/dout_h2_1[1]": f"{via_o1:.9f}",
        "∂E_total/∂net_o2 · ∂net_o2/∂out_h2_1[2]": f"{via_o2:.9f}",
    }
    path = tmp_path / "softmax.toml"
    path.write_text(example_file(case, claims), encoding="utf-8")
    assert main(["check", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in data["claims"]] == [
        "dE/dnet_o1*dnet_o1/dout_h2_1[1]",
        "dE/dout_h2_1[1]",
        "dE/dnet_o2*dnet_o2/dout_h2_1[2]",
    ]
    assert all(c["agrees"] for c in data["claims"]), data["claims"]
    assert data["first_wrong"] is None

    path.write_text(example_file(case, {"dE_o1/dout_h2_1[1]": f"{total:.9f}"}), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    error = capsys.readouterr().err
    assert "couples the outputs" in error and "'dE/dnet_o1*dnet_o1/dout_h2_1[1]'" in error


# -- matrix form ---------------------------------------------------------------------------


def matrix_derivatives(reference: TorchNetwork, key: str) -> np.ndarray:
    """What a matrix-form key names, by torch: ``dE/dW_layerK``, ``dE/db_layerK``, ``delta_layerK``.

    δ^(K)'s row s is sample s's own ∂E_total[s]/∂net^(K) (a sample's loss depends on its
    row only, so the gradient of the sum of the samples' losses has them all).
    """
    match = re.fullmatch(r"(?:dE/d(?P<param>[Wb])|delta)_layer(?P<k>\d+)", key)
    assert match is not None, f"a derivative the test does not know: {key!r}"
    k = int(match["k"]) - 1
    if match["param"] is None:
        graph, leaf = reference.run((k, "net"))
        assert leaf is not None
        (grad,) = torch.autograd.grad(graph["sample"].sum(), leaf)
        return grad.numpy()
    graph, _ = reference.run(None)
    wrt = reference.weights[k] if match["param"] == "W" else reference.biases[k]
    assert wrt is not None
    (grad,) = torch.autograd.grad(graph["batch"], wrt)
    return grad.numpy()


@pytest.mark.slow
@given(cases(max_layers=3, max_width=4, max_samples=4), st.integers(13, 16))
def test_matrix_form_names_are_those_derivatives(case: Case, n_samples: int) -> None:
    """More than 12 samples: the explanation is in matrix form; its ∂ and δ names hold too."""
    rows = np.arange(n_samples) % case.inputs.shape[0]
    case = Case(
        case.layers,
        case.loss,
        case.batch_reduction,
        case.inputs[rows],
        case.targets[rows],
        case.learning_rate,
    )
    assume(clear_of_kinks(case))
    explanation = explanation_of(case, detailed=False)
    reference = TorchNetwork(case, explanation.trace.network)
    floor = floor_of(explanation)
    fmt = TextFormatter(17)
    checked = 0
    for step in explanation.steps():
        lhs = fmt(step.lhs)
        if "∂" in lhs or step.key.startswith("delta"):
            exact = matrix_derivatives(reference, step.key)
            value = np.asarray(step.value, dtype=np.float64)
            error = relative_error(value, exact, rtol=RTOL, floor=floor)
            assert error < RTOL, f"{step.key}: {lhs} differs from torch by {error:.3g}"
            checked += 1
    assert checked >= 2 * len(case.layers)


def test_softmax_text_fits_in_100_columns() -> None:
    """The shares' long sums and the backward pass's intro wrap; nothing else moves."""
    text = render_text(explanation_of(softmax_3432()))
    assert max(len(line) for line in text.splitlines()) <= 100
    pad = " " * len("  ∂E_total[1]/∂out_h1_1")
    assert (
        "  ∂E_total[1]/∂out_h1_1 = ∂E_total/∂net_h2_1 · ∂net_h2_1/∂out_h1_1\n"
        f"{pad} + ∂E_total/∂net_h2_2 · ∂net_h2_2/∂out_h1_1\n"
        f"{pad} + ∂E_total/∂net_h2_3 · ∂net_h2_3/∂out_h1_1\n"
        f"{pad} = -0.0592726687 + (-0.087019289) + (-0.0128295976)\n"
    ) in text
    assert "== Backward pass ==\nEach term of a hidden neuron's ∂E_total/∂out is its share" in text
