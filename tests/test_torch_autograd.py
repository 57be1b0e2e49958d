"""Every number of one update agrees with the same update built in torch, in float64.

For random networks (``strategies.cases``) the network is rebuilt with ``torch.nn.Linear``
(whose ``weight`` has glassnet's W[j][i] orientation), torch's activations and torch's own
losses (``mse_loss``, ``cross_entropy`` with probability targets, binary cross-entropy from
``softplus``, all from ``torch.nn.functional``), and torch.autograd computes:

- the gradients of the batch loss (mean or sum of the samples' losses) for every weight and
  bias, a shared bias being one scalar parameter;
- each sample's ``delta = dE_s/dnet`` and ``dE_s/dout``, by differentiating the sum of the
  samples' own losses with respect to the ``net`` and ``out`` tensors (a sample's loss depends
  on its own row only);
- the update ``W - lr * grad`` (frozen biases unchanged) and the loss after it.

The gradients of ``lean_backward``, which the fit loop's generic step uses, are compared too.

The tolerance is ``|glassnet - torch| < 1e-10 * |torch| + floor``: a relative error of 1e-10,
except that two correct float64 implementations may differ by their rounding error
``floor = 1000 * eps * scale`` (``strategies.error_scales``; it matters where a value is
made of terms that cancel, e.g. ``1 - tanh(net)^2`` of a saturated neuron).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from torch.nn import functional

from glassnet.engine import EXACT, Variant, backprop, forward
from glassnet.fast.fused import LeanGradients, lean_backward
from glassnet.trace import Trace
from strategies import (
    KINKED,
    ROUNDING,
    Case,
    LayerRecord,
    LayerSpec,
    cases,
    error_scales,
    relative_error,
)
from torch_reference import activate

RTOL = 1e-10


@dataclass
class TorchUpdate:
    """What torch computed for one update of a ``Case``, as NumPy arrays."""

    records: list[LayerRecord]
    delta: list[np.ndarray]
    sample_losses: np.ndarray
    loss: float
    grad_weights: list[np.ndarray]
    grad_bias: list[np.ndarray | None]
    new_weights: list[np.ndarray]
    new_bias: list[np.ndarray | None]
    after: list[LayerRecord]
    outputs_after: np.ndarray
    loss_after: float


class TorchNetwork(torch.nn.Module):
    """A ``Case``'s network in torch: ``nn.Linear`` layers, a shared bias a scalar parameter."""

    def __init__(self, case: Case):
        super().__init__()
        self.specs = case.layers
        self.linears = torch.nn.ModuleList()
        self.shared = torch.nn.ParameterList()
        for spec in case.layers:
            n_neurons, n_inputs = spec.weights.shape
            linear = torch.nn.Linear(
                n_inputs, n_neurons, bias=spec.bias_mode == "neuron", dtype=torch.float64
            )
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(spec.weights))
                if linear.bias is not None:
                    linear.bias.copy_(torch.from_numpy(spec.bias))
            self.linears.append(linear)
            shared = spec.bias if spec.bias is not None and spec.bias.ndim == 0 else np.array(0.0)
            self.shared.append(torch.nn.Parameter(torch.tensor(float(shared), dtype=torch.float64)))

    def forward(self, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """``(inputs, net, out)`` per layer."""
        passes = []
        for spec, linear, shared in zip(self.specs, self.linears, self.shared):
            net = linear(x)
            if spec.bias_mode == "shared":
                net = net + shared
            out = activate(spec, net)
            passes.append((x, net, out))
            x = out
        return passes

    def parameters_of(self, index: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Layer ``index``'s weight and bias parameters (``None`` for no bias)."""
        spec, linear = self.specs[index], self.linears[index]
        assert isinstance(linear, torch.nn.Linear)
        if spec.bias_mode == "shared":
            return linear.weight, self.shared[index]
        return linear.weight, linear.bias


def sample_losses(loss: str, net: torch.Tensor, out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Each sample's loss, from torch's own loss functions."""
    if loss == "half_sse":
        return 0.5 * functional.mse_loss(out, t, reduction="none").sum(dim=-1)
    if loss == "sse":
        return functional.mse_loss(out, t, reduction="none").sum(dim=-1)
    if loss == "mse":
        return functional.mse_loss(out, t, reduction="none").mean(dim=-1)
    if loss == "cross_entropy":  # from the logits, with probability targets
        return functional.cross_entropy(net, t, reduction="none")
    assert loss == "binary_cross_entropy"
    # -[t log(sigmoid(net)) + (1 - t) log(1 - sigmoid(net))] in its logits form. Not
    # binary_cross_entropy_with_logits: it computes log(1 + exp(-|net|)) with log, not
    # log1p, so for a saturated output (net = -16, t = 0) its loss is off by 3e-9
    # relative. threshold=50: above it softplus(x) = x exactly in float64.
    terms = t * functional.softplus(-net, threshold=50)
    terms = terms + (1 - t) * functional.softplus(net, threshold=50)
    return terms.sum(dim=-1)


def records(case: Case, passes: Any, dE_dout: Any, weights: Any, biases: Any) -> list[LayerRecord]:
    return [
        LayerRecord(
            weights=w,
            bias=b,
            train_bias=spec.train_bias,
            activation=spec.activation,
            slope=spec.slope,
            inputs=x.detach().numpy(),
            net=net.detach().numpy(),
            out=out.detach().numpy(),
            dE_dout=None if g is None else g.numpy(),
        )
        for spec, (x, net, out), g, w, b in zip(case.layers, passes, dE_dout, weights, biases)
    ]


def torch_update(case: Case) -> TorchUpdate:
    model = TorchNetwork(case)
    x = torch.from_numpy(case.inputs)
    t = torch.from_numpy(case.targets)
    passes = model(x)
    net, out = passes[-1][1], passes[-1][2]
    losses = sample_losses(case.loss, net, out, t)
    loss = losses.mean() if case.batch_reduction == "mean" else losses.sum()

    nets = [p[1] for p in passes]
    outs = [p[2] for p in passes]
    # Sample s's loss depends on row s only, so d(sum of losses)/dnet row s is s's own delta.
    per_sample = torch.autograd.grad(
        losses.sum(), nets + outs, retain_graph=True, allow_unused=True
    )
    deltas, dE_dout = per_sample[: len(nets)], per_sample[len(nets) :]
    params = [model.parameters_of(k) for k in range(len(case.layers))]
    flat = [p for pair in params for p in pair if p is not None]
    grads = iter(torch.autograd.grad(loss, flat))

    grad_weights: list[np.ndarray] = []
    new_weights: list[np.ndarray] = []
    grad_bias: list[np.ndarray | None] = []
    new_bias: list[np.ndarray | None] = []
    for spec, (weight, bias) in zip(case.layers, params):
        gw = next(grads)
        grad_weights.append(gw.numpy())
        with torch.no_grad():
            weight -= case.learning_rate * gw
        new_weights.append(weight.detach().numpy().copy())
        if bias is None:
            grad_bias.append(None)
            new_bias.append(None)
            continue
        gb = next(grads)
        grad_bias.append(gb.numpy())
        if spec.train_bias:
            with torch.no_grad():
                bias -= case.learning_rate * gb
        new_bias.append(bias.detach().numpy().copy())

    with torch.no_grad():
        passes_after = model(x)
        losses_after = sample_losses(case.loss, passes_after[-1][1], passes_after[-1][2], t)
        loss_after = losses_after.mean() if case.batch_reduction == "mean" else losses_after.sum()
    before = records(
        case, passes, dE_dout, [s.weights for s in case.layers], [s.bias for s in case.layers]
    )
    return TorchUpdate(
        records=before,
        delta=[d.numpy() for d in deltas],
        sample_losses=losses.detach().numpy(),
        loss=float(loss.detach()),
        grad_weights=grad_weights,
        grad_bias=grad_bias,
        new_weights=new_weights,
        new_bias=new_bias,
        after=records(case, passes_after, [None] * len(passes), new_weights, new_bias),
        outputs_after=passes_after[-1][2].numpy(),
        loss_after=float(loss_after),
    )


def compare(
    case: Case, trace: Trace, ref: TorchUpdate, lean: list[LeanGradients] | None = None
) -> dict[str, float]:
    """The relative error (with its rounding floor) of every quantity, by name.

    ``lean`` are the gradients of ``lean_backward``, the fit loop's generic step.
    """
    scales = error_scales(
        ref.records,
        loss=case.loss,
        reduction=case.batch_reduction,
        targets=case.targets,
        learning_rate=case.learning_rate,
        after=ref.after,
    )
    errors: dict[str, float] = {}

    def check(name: str, computed: Any, reference: Any, scale: Any) -> None:
        assert (computed is None) == (reference is None), f"{name}: {computed} vs {reference}"
        if reference is not None:
            floor = ROUNDING * np.asarray(scale)
            errors[name] = relative_error(computed, reference, rtol=RTOL, floor=floor)

    check("loss", trace.loss, ref.loss, scales["loss"])
    check("sample_losses", trace.sample_losses, ref.sample_losses, scales["sample_losses"])
    check("loss_after", trace.loss_after, ref.loss_after, scales["loss_after"])
    check("outputs_after", trace.outputs_after, ref.outputs_after, scales["outputs_after"])
    for k, layer in enumerate(trace.layers):
        rec = ref.records[k]
        check(f"layers[{k}].net", layer.net, rec.net, scales["net"][k])
        check(f"layers[{k}].out", layer.out, rec.out, scales["out"][k])
        check(f"layers[{k}].delta", layer.delta, ref.delta[k], scales["delta"][k])
        if rec.dE_dout is not None:  # None: the loss is computed from the net input
            check(f"layers[{k}].dE_dout", layer.dE_dout, rec.dE_dout, scales["dE_dout"][k])
        for name in ("grad_weights", "grad_bias", "new_weights", "new_bias"):
            check(f"layers[{k}].{name}", getattr(layer, name), getattr(ref, name)[k],
                  scales[name][k])  # fmt: skip
        after = trace.network_after.layers[k]
        check(f"network_after.layers[{k}].weights", after.weights, ref.new_weights[k],
              scales["new_weights"][k])  # fmt: skip
        check(f"network_after.layers[{k}].bias", after.bias, ref.new_bias[k],
              scales["new_bias"][k])  # fmt: skip
        if lean is not None:
            check(f"lean[{k}].grad_weights", lean[k].grad_weights, ref.grad_weights[k],
                  scales["grad_weights"][k])  # fmt: skip
            check(f"lean[{k}].grad_bias", lean[k].grad_bias, ref.grad_bias[k],
                  scales["grad_bias"][k])  # fmt: skip
    return errors


def same_branches(trace: Trace, ref: TorchUpdate) -> bool:
    """Whether every ReLU-type net input has the same sign in both (rounding can flip ~0)."""
    return all(
        np.array_equal(np.sign(layer.net), np.sign(rec.net))
        for spec, layer, rec in zip(trace.network.layers, trace.layers, ref.records)
        if spec.activation.name in KINKED
    )


def update_errors(case: Case, *, variant: Variant = EXACT) -> tuple[dict[str, float], bool]:
    """The errors of ``compare``, and whether both took the same side of every kink."""
    network = case.network()
    trace = backprop(network, case.inputs, case.targets, case.learning_rate, variant=variant)
    lean = lean_backward(network, forward(network, trace.inputs), trace.targets)
    ref = torch_update(case)
    return compare(case, trace, ref, lean), same_branches(trace, ref)


@pytest.mark.slow
@given(cases())
def test_update_matches_torch_autograd(case: Case) -> None:
    errors, same = update_errors(case)
    forward_errors = {k: v for k, v in errors.items() if k.endswith((".net", ".out"))}
    assert max(forward_errors.values()) < RTOL, forward_errors
    assume(same)
    worst = max(errors, key=errors.__getitem__)
    assert errors[worst] < RTOL, f"{worst}: relative error {errors[worst]:.3g} >= {RTOL:g}"


def mazur_case() -> Case:
    """Mazur's network with a tanh hidden layer (shared bias, trained) and two samples."""
    hidden = LayerSpec(np.array([[0.15, 0.20], [0.25, 0.30]]), "tanh", None, np.array(0.35), True)
    output = LayerSpec(
        np.array([[0.40, 0.45], [0.50, 0.55]]), "sigmoid", None, np.array(0.60), False
    )
    inputs = np.array([[0.05, 0.10], [0.3, -0.2]])
    targets = np.array([[0.01, 0.99], [0.5, 0.5]])
    return Case((hidden, output), "half_sse", "mean", inputs, targets, learning_rate=0.5)


@pytest.mark.parametrize(
    "variant, wrong",
    [
        (Variant(gradient_scale=1 + 1e-9), "layers[1].grad_weights"),
        (Variant(shared_bias_from_first=True), "layers[0].grad_bias"),
        (Variant(flip_batch_reduction=True), "layers[0].grad_weights"),
        (Variant(hidden_deltas_after_update=True), "layers[0].delta"),
        (Variant(flip_bias_training=True), "layers[1].new_bias"),
    ],
)
def test_the_comparison_catches_known_mistakes(variant: Variant, wrong: str) -> None:
    errors, same = update_errors(mazur_case())
    assert same and max(errors.values()) < RTOL, errors
    errors, _ = update_errors(mazur_case(), variant=variant)
    assert errors[wrong] > RTOL, errors


@pytest.mark.parametrize("activation, slope", [("relu", None), ("leaky_relu", 0.2)])
def test_kinks_take_torchs_branch_at_exactly_zero(activation: str, slope: float | None) -> None:
    """At net = 0 exactly both use the negative side's derivative (0, or the slope)."""
    hidden = LayerSpec(np.array([[1.0, -1.0], [0.5, 0.0]]), activation, slope, None, True)
    output = LayerSpec(np.array([[0.7, -0.3]]), "identity", None, np.array([0.1]), True)
    case = Case((hidden, output), "sse", "sum", np.array([[0.5, 0.5], [0.0, 2.0]]),
                np.array([[1.0], [-1.0]]), 0.1)  # fmt: skip
    trace = backprop(case.network(), case.inputs, case.targets, case.learning_rate)
    assert trace.layers[0].net[0, 0] == 0.0 and trace.layers[0].net[1, 1] == 0.0
    errors, same = update_errors(case)
    assert same and max(errors.values()) < RTOL, errors
