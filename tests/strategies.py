"""Random networks and batches for the property-based gradient tests, and their error scales.

``cases()`` draws a ``Case``: a network of 1 to 4 layers with 1 to 8 neurons each, every
activation (softmax on the output layer only, ``leaky_relu`` with a random slope), every
loss with an output activation and targets it accepts, every bias mode (per neuron, shared,
none; trained or frozen), both batch reductions, and a batch of 1 to 5 samples, in float64.
The case is plain data, so each test builds the network its own way (glassnet in any dtype,
or torch).

``error_scales(records)`` gives, for every number one update computes, the scale of its
rounding error: the magnitude of the terms that make it up, propagated to first order
through the forward and backward pass (a componentwise forward error bound,
``|computed - exact| <~ n * eps * scale``). Where nothing cancels the scale is about the
value's own magnitude; where something does (``1 - tanh(net)^2`` for a saturated neuron, a
gradient summed from terms of both signs) it is what lets two correct float64
implementations differ by more than a relative 1e-10. For example ``1 - tanh(9)^2 = 6.1e-8``,
and NumPy's and torch's ``tanh(9.0)`` differ in the last bit, so their derivatives differ by
3.6e-9 relative; the scale of that derivative is ``1 + tanh^2``. ``relative_error`` turns a
scale into the absolute floor of a relative comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from glassnet.activations import get_activation
from glassnet.network import Layer, Network

Array = NDArray[Any]

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "gelu")
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")
LOSSES = ("half_sse", "sse", "mse", "cross_entropy", "binary_cross_entropy")
#: The output activation a loss must be paired with.
REQUIRED_OUTPUT = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}
BIAS_MODES = ("neuron", "shared", "none")
KINKED = ("relu", "leaky_relu")


@dataclass(frozen=True)
class LayerSpec:
    """One layer as plain data: ``weights`` (n_neurons, n_inputs), ``bias`` () or (n_neurons,)."""

    weights: Array
    activation: str
    slope: float | None
    bias: Array | None
    train_bias: bool

    @property
    def bias_mode(self) -> str:
        if self.bias is None:
            return "none"
        return "shared" if self.bias.ndim == 0 else "neuron"

    def __repr__(self) -> str:  # full precision, so a failing case can be rebuilt by hand
        bias = None if self.bias is None else self.bias.tolist()
        return (
            f"LayerSpec(weights={self.weights.tolist()!r}, activation={self.activation!r}, "
            f"slope={self.slope!r}, bias={bias!r}, train_bias={self.train_bias!r})"
        )


@dataclass(frozen=True)
class Case:
    """A network, a batch ``inputs`` (n_samples, n_inputs) / ``targets`` and a learning rate."""

    layers: tuple[LayerSpec, ...]
    loss: str
    batch_reduction: str
    inputs: Array
    targets: Array
    learning_rate: float

    def network(self, dtype: Any = np.float64) -> Network:
        """The case as a glassnet ``Network`` whose parameters are copies in ``dtype``."""
        layers = [
            Layer(
                spec.weights,
                get_activation(spec.activation, slope=spec.slope),
                bias=spec.bias,
                train_bias=spec.train_bias,
                dtype=dtype,
            )
            for spec in self.layers
        ]
        return Network(layers, loss=self.loss, batch_reduction=self.batch_reduction)

    def __repr__(self) -> str:
        layers = "\n".join(f"    {spec!r}," for spec in self.layers)
        return (
            f"Case(loss={self.loss!r}, batch_reduction={self.batch_reduction!r}, "
            f"learning_rate={self.learning_rate!r},\n  layers=(\n{layers}\n  ),\n"
            f"  inputs={self.inputs.tolist()!r},\n  targets={self.targets.tolist()!r})"
        )


def values(
    shape: tuple[int, ...], low: float = -2.0, high: float = 2.0
) -> st.SearchStrategy[Array]:
    """float64 arrays with entries in ``[low, high]``."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def targets(draw: st.DrawFn, loss: str, n_samples: int, n_outputs: int) -> Array:
    """Targets a loss accepts: one-hot or probability rows for cross_entropy, [0, 1] for BCE."""
    if loss == "binary_cross_entropy":
        return draw(values((n_samples, n_outputs), 0.0, 1.0))
    if loss == "cross_entropy":
        rows = []
        for _ in range(n_samples):
            weights = draw(values((n_outputs,), 0.0, 1.0))
            if draw(st.booleans()) or weights.sum() == 0:
                weights = np.eye(n_outputs)[draw(st.integers(0, n_outputs - 1))]
            rows.append(weights / weights.sum())
        return np.array(rows)
    return draw(values((n_samples, n_outputs)))


@st.composite
def layer_specs(draw: st.DrawFn, n_inputs: int, n_neurons: int, activation: str) -> LayerSpec:
    slope = None
    if activation == "leaky_relu":
        slope = draw(st.floats(0.0, 1.0, allow_subnormal=False))
    bias_mode = draw(st.sampled_from(BIAS_MODES))
    bias = None
    if bias_mode == "neuron":
        bias = draw(values((n_neurons,)))
    elif bias_mode == "shared":
        bias = np.array(draw(st.floats(-2.0, 2.0, allow_subnormal=False)))
    return LayerSpec(
        weights=draw(values((n_neurons, n_inputs))),
        activation=activation,
        slope=slope,
        bias=bias,
        train_bias=draw(st.booleans()),
    )


@st.composite
def cases(draw: st.DrawFn, max_layers: int = 4, max_width: int = 8, max_samples: int = 5) -> Case:
    """A random ``Case``; see the module docstring for what varies."""
    loss = draw(st.sampled_from(LOSSES))
    n_layers = draw(st.integers(1, max_layers))
    sizes = draw(st.lists(st.integers(1, max_width), min_size=n_layers + 1, max_size=n_layers + 1))
    output = REQUIRED_OUTPUT.get(loss) or draw(st.sampled_from(OUTPUT_ACTIVATIONS))
    activations = [draw(st.sampled_from(HIDDEN_ACTIVATIONS)) for _ in range(n_layers - 1)]
    layers = tuple(
        draw(layer_specs(sizes[k], sizes[k + 1], activation))
        for k, activation in enumerate([*activations, output])
    )
    n_samples = draw(st.integers(1, max_samples))
    return Case(
        layers=layers,
        loss=loss,
        batch_reduction=draw(st.sampled_from(("mean", "sum"))),
        inputs=draw(values((n_samples, sizes[0]))),
        targets=draw(targets(loss, n_samples, sizes[-1])),
        learning_rate=draw(st.floats(1e-3, 10.0)),
    )


def clear_of_kinks(case: Case, margin: float = 1e-3) -> bool:
    """Whether every ReLU / leaky ReLU net input is at least ``margin`` away from 0."""
    x = case.inputs
    for spec in case.layers:
        net = x @ spec.weights.T + (0.0 if spec.bias is None else spec.bias)
        if spec.activation in KINKED and np.any(np.abs(net) < margin):
            return False
        x = get_activation(spec.activation, slope=spec.slope).forward(net)
    return True


# -- error scales ---------------------------------------------------------------------------


@dataclass
class LayerRecord:
    """What one layer computed, from whichever implementation is the reference.

    ``dE_dout`` is needed for the output layer only when the loss is not combined with its
    activation (it may be ``None`` otherwise).
    """

    weights: Array
    bias: Array | None
    train_bias: bool
    activation: str
    slope: float | None
    inputs: Array
    net: Array
    out: Array
    dE_dout: Array | None


def _activation_scales(activation: str, slope: float | None, net: Array, out: Array,
                       net_scale: Array) -> tuple[Array, Array | None]:  # fmt: skip
    """Scales of ``out = f(net)`` and of ``f'(net)`` (``None`` for softmax)."""
    if activation == "softmax":
        spread = (out * net_scale).sum(axis=-1, keepdims=True)
        return np.abs(out) + out * (net_scale + spread), None
    if activation == "sigmoid":
        derivative = out * (1 - out)
        out_scale = np.abs(out) + np.abs(derivative) * net_scale
        return out_scale, np.abs(1 - 2 * out) * out_scale + np.abs(out) * (1 + np.abs(out))
    if activation == "tanh":
        out_scale = np.abs(out) + (1 - out * out) * net_scale
        return out_scale, 1 + out * out + 2 * np.abs(out) * out_scale
    if activation == "softplus":  # f' = sigmoid(net), f'' = s (1 - s)
        s = get_activation("sigmoid").forward(net)
        return np.abs(out) + s * net_scale, s + s * (1 - s) * net_scale
    if activation == "gelu":
        # out = net/2 (1 + t): 1 + t cancels for negative net, so the error of t counts
        # with |net|/2; f' = (1 + t)/2 + net/2 (1 - t^2) a (1 + 3 c net^2), where 1 - t^2
        # cancels and carries the error of t times the cubic; |f'| < 1.2, |f''| < 1.
        z = np.clip(net, -100.0, 100.0)
        a, c = np.sqrt(2 / np.pi), 0.044715
        t = np.tanh(a * (z + c * z**3))
        out_scale = np.abs(out) + 0.5 * np.abs(z) * (1 + np.abs(t)) + 1.2 * net_scale
        cubic = 0.5 * np.abs(z) * (1 + t * t) * a * (1 + 3 * c * z * z)
        return out_scale, 0.5 * (1 + np.abs(t)) + cubic + net_scale
    if activation in KINKED:
        low = 0.0 if activation == "relu" else float(slope or 0.0)
        derivative = np.where(net > 0, 1.0, low)
        return np.abs(out) + np.abs(derivative) * net_scale, np.abs(derivative)
    return np.abs(out) + net_scale, np.ones_like(net)


def _forward_scales(records: list[LayerRecord], weight_scales: list[Array],
                    bias_scales: list[Array | None]) -> list[tuple[Array, Array]]:  # fmt: skip
    """``(scale of net, scale of out)`` per layer."""
    result = []
    x_scale = np.abs(records[0].inputs)
    for rec, w_scale, b_scale in zip(records, weight_scales, bias_scales):
        net_scale = x_scale @ w_scale.T + (0.0 if b_scale is None else b_scale)
        out_scale, _ = _activation_scales(rec.activation, rec.slope, rec.net, rec.out, net_scale)
        result.append((net_scale, out_scale))
        x_scale = out_scale
    return result


def _loss_scales(loss: str, net: Array, out: Array, targets: Array, net_scale: Array,
                 out_scale: Array) -> Array:  # fmt: skip
    """Scales of the per-output loss terms."""
    t = np.abs(targets)
    # The residual carries the rounding of out and target: a computed 0 may be a true 1e-28.
    r = np.abs(out - targets) + ROUNDING * (out_scale + t)
    if loss in ("half_sse", "sse", "mse"):
        factor = {"half_sse": 0.5, "sse": 1.0, "mse": 1.0 / out.shape[-1]}[loss]
        return np.asarray(factor * (2 * r * (out_scale + t) + r * r))
    if loss == "cross_entropy":
        shifted = net - net.max(axis=-1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        spread = (out * net_scale).sum(axis=-1, keepdims=True)
        return np.asarray(t * (net_scale + spread + np.abs(shifted) + log_sum))
    softplus = np.logaddexp
    return np.asarray(
        t * softplus(0, -net) + np.abs(1 - targets) * softplus(0, net) + r * net_scale
    )


def _reduce(values: Array, reduction: str) -> Array:
    return np.asarray(values.mean(axis=0) if reduction == "mean" else values.sum(axis=0))


def error_scales(
    records: list[LayerRecord],
    *,
    loss: str,
    reduction: str,
    targets: Array,
    learning_rate: float,
    after: list[LayerRecord] | None = None,
) -> dict[str, Any]:
    """The error scale of every quantity of one update (see the module docstring).

    Returns ``net``, ``out``, ``delta``, ``dE_dout`` (``None`` for an output layer whose
    loss is computed from its net input), ``grad_weights``, ``grad_bias``, ``new_weights``,
    ``new_bias`` (lists, one entry per layer), ``sample_losses``, ``loss``, and, when the
    forward pass with the updated parameters is given in ``after``, ``outputs_after`` and
    ``loss_after``.
    """
    scale = 1.0 / targets.shape[0] if reduction == "mean" else 1.0
    weight_scales = [np.abs(rec.weights) for rec in records]
    bias_scales = [None if rec.bias is None else np.abs(rec.bias) for rec in records]
    forward = _forward_scales(records, weight_scales, bias_scales)
    n_layers = len(records)
    deltas: list[Array] = [np.empty(0)] * n_layers
    g_scales: list[Array | None] = [None] * n_layers
    last, (net_scale, out_scale) = records[-1], forward[-1]
    t = np.abs(targets)
    if loss in REQUIRED_OUTPUT:
        total = t.sum(axis=-1, keepdims=True) if loss == "cross_entropy" else 1.0
        deltas[-1] = out_scale * total + t
    else:
        assert last.dE_dout is not None
        factor = {"half_sse": 1.0, "sse": 2.0, "mse": 2.0 / last.out.shape[-1]}[loss]
        g_scale = factor * (out_scale + t)
    for index in reversed(range(n_layers)):
        rec, (net_scale, out_scale) = records[index], forward[index]
        if index < n_layers - 1:
            g_scale = deltas[index + 1] @ weight_scales[index + 1]
        if index == n_layers - 1 and loss in REQUIRED_OUTPUT:
            continue
        g_scales[index] = g_scale
        _, d_scale = _activation_scales(rec.activation, rec.slope, rec.net, rec.out, net_scale)
        if d_scale is None:  # softmax: delta = out * (g - sum(g * out))
            assert rec.dE_dout is not None
            g = np.abs(rec.dE_dout)
            o = np.abs(rec.out)
            dot = (g * o).sum(axis=-1, keepdims=True)
            dot_scale = (g_scale * o + g * out_scale).sum(axis=-1, keepdims=True)
            deltas[index] = out_scale * (g + dot) + o * (g_scale + dot_scale)
        else:
            deltas[index] = g_scale * d_scale
    result: dict[str, Any] = {
        "net": [f[0] for f in forward],
        "out": [f[1] for f in forward],
        "delta": deltas,
        "dE_dout": g_scales,
        "grad_weights": [],
        "grad_bias": [],
        "new_weights": [],
        "new_bias": [],
    }
    x_scales = [np.abs(records[0].inputs)] + [f[1] for f in forward[:-1]]
    for rec, delta, x_scale in zip(records, deltas, x_scales):
        grad_w = delta.T @ x_scale * scale
        result["grad_weights"].append(grad_w)
        result["new_weights"].append(np.abs(rec.weights) + learning_rate * grad_w)
        if rec.bias is None:
            result["grad_bias"].append(None)
            result["new_bias"].append(None)
            continue
        grad_b = delta.sum(axis=0) * scale
        if rec.bias.ndim == 0:
            grad_b = grad_b.sum()
        result["grad_bias"].append(grad_b)
        step = learning_rate * grad_b if rec.train_bias else 0.0
        result["new_bias"].append(np.abs(rec.bias) + step)
    terms = _loss_scales(loss, last.net, last.out, targets, forward[-1][0], forward[-1][1])
    result["sample_losses"] = terms.sum(axis=1)
    result["loss"] = _reduce(result["sample_losses"], reduction)
    if after is not None:
        forward_after = _forward_scales(after, result["new_weights"], result["new_bias"])
        net_scale, out_scale = forward_after[-1]
        terms = _loss_scales(loss, after[-1].net, after[-1].out, targets, net_scale, out_scale)
        result["outputs_after"] = out_scale
        result["loss_after"] = _reduce(terms.sum(axis=1), reduction)
    return result


#: Rounding error two correct float64 computations may differ by, per unit of error scale:
#: ``n * eps`` with room for n = 1000 operations in a chain.
ROUNDING = 1000 * float(np.finfo(np.float64).eps)
#: Below the normal range float64 keeps no relative precision: one correct computation may
#: give a subnormal where another underflowed to 0 (NumPy's sigmoid keeps exp(-736) = 1.2e-320
#: where torch's 1 / (1 + exp(736)) gives 0), so values that small count as equal.
UNDERFLOW = float(np.finfo(np.float64).tiny)


def relative_error(computed: Any, reference: Any, *, rtol: float, floor: Any = 0.0) -> float:
    """``max |computed - reference| / (|reference| + floor / rtol)``, 0 where both are equal.

    ``error < rtol`` is ``|computed - reference| < rtol * |reference| + floor``: a relative
    error, except where the values are smaller than the absolute ``floor`` (rounding, or
    the noise of a finite difference) lets them be told apart; ``UNDERFLOW`` is always
    part of the floor.
    """
    a, b, f = (np.asarray(v, dtype=np.float64) for v in (computed, reference, floor))
    f = f + UNDERFLOW
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    diff = np.abs(a - b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff == 0, 0.0, diff / (np.abs(b) + f / rtol))
    return float(ratio.max(initial=0.0))


def records_from_trace(trace: Any) -> list[LayerRecord]:
    """``LayerRecord``s from a glassnet ``Trace`` (for tests whose reference is not torch)."""
    return [
        LayerRecord(
            weights=lt.weights,
            bias=lt.bias,
            train_bias=lt.trains_bias,
            activation=layer.activation.name,
            slope=getattr(layer.activation, "slope", None),
            inputs=lt.inputs,
            net=lt.net,
            out=lt.out,
            dE_dout=lt.dE_dout,
        )
        for layer, lt in zip(trace.network.layers, trace.layers)
    ]
