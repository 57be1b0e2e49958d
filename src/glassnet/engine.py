"""Forward pass, backpropagation and the gradient-descent update, in matrix form.

For a batch ``x`` of shape ``(n_samples, n_inputs)`` each layer computes::

    net = x @ W.T + b          out = f(net)

and backpropagation, from the output layer down::

    delta_L = dE/dout * f'(net)          (or the loss's combined dE/dnet)
    dE/dout_l = delta_{l+1} @ W_{l+1}     delta_l = dE/dout_l * f'(net_l)
    grad_W = reduce_s delta.T @ x         grad_b = reduce_s delta

with ``reduce_s`` the mean over samples (or the sum, ``batch_reduction="sum"``).
Every gradient uses the parameters as they were before the update, then
``W <- W - learning_rate * grad_W``.

``Variant`` switches reproduce known mistakes of hand calculations, for
``glassnet check``; the default, ``EXACT``, is the method as stated.

This is the reference a learner reads, with no speed switches. The fast paths
(``glassnet.fast``) fuse these same formulas and are pinned to ``backprop`` by
tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.errors import GlassnetError
from glassnet.network import Layer, Network
from glassnet.trace import LayerTrace, Trace, is_small

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Variant:
    """Switches of the engine; each reproduces one known mistake when turned on.

    hidden_deltas_after_update
        A layer's weights are updated before the layer below computes its
        deltas, so those use the new weights.
    derivative_at_output
        The activation's derivative is evaluated at the neuron's output,
        ``f'(out)``, instead of at its net input (for sigmoid: ``σ(out)(1 − σ(out))``).
    gradient_scale
        A factor on ``dE/dout``: 2 when the ½ of ``half_sse`` is dropped, 0.5
        when one is added.
    shared_bias_from_first
        A shared bias takes the gradient of its first neuron instead of the sum.
    update_sign
        -1 subtracts the step (correct); +1 adds it.
    round_decimals
        Every computed value is rounded to this many decimals before it is used.
    learning_rate_power
        1 (correct); 2 applies the learning rate twice; 0 not at all.
    flip_bias_training
        Frozen biases are trained and trained ones frozen.
    flip_batch_reduction
        A batch's gradients are summed instead of averaged, or the reverse.
    """

    hidden_deltas_after_update: bool = False
    derivative_at_output: bool = False
    gradient_scale: float = 1.0
    shared_bias_from_first: bool = False
    update_sign: float = -1.0
    round_decimals: int | None = None
    learning_rate_power: int = 1
    flip_bias_training: bool = False
    flip_batch_reduction: bool = False

    def rounder(self) -> Callable[[Array], Array]:
        if self.round_decimals is None:
            return lambda a: a
        decimals = self.round_decimals
        return lambda a: np.round(a, decimals)


EXACT = Variant()


@dataclass
class LayerForward:
    """One layer's forward pass: its ``inputs``, ``net`` and ``out``."""

    inputs: Array
    net: Array
    out: Array


def forward(
    network: Network, inputs: Array, *, rounder: Callable[[Array], Array] | None = None
) -> list[LayerForward]:
    """Run ``inputs`` (n_samples, n_inputs) through every layer."""
    r = rounder or (lambda a: a)
    passes = []
    x = inputs
    for layer in network.layers:
        net: Array = x @ layer.weights.T
        if layer.bias is not None:
            net += layer.bias
        net = r(net)
        out = r(layer.activation.forward(net))
        passes.append(LayerForward(x, net, out))
        x = out
    return passes


def batch_loss(network: Network, net: Array, out: Array, targets: Array) -> tuple[Array, Array]:
    """Per-output loss terms ``(n_samples, n_outputs)`` and per-sample losses."""
    terms = network.loss.terms(net, out, targets)
    return terms, terms.sum(axis=1)


def reduce_samples(values: Array, reduction: str) -> Array:
    """``reduce_s values``: the mean over samples (axis 0), or the sum."""
    return values.mean(axis=0) if reduction == "mean" else values.sum(axis=0)


@dataclass
class LayerGradients:
    """What backpropagation computed for one layer; see ``glassnet.trace``."""

    dE_dout: Array
    dout_dnet: Array | None
    delta: Array
    combined: bool
    grad_weights: Array
    grad_bias: Array | None


def backward(
    network: Network,
    passes: list[LayerForward],
    targets: Array,
    *,
    reduction: str | None = None,
    variant: Variant = EXACT,
) -> list[LayerGradients]:
    """Backpropagate from the output layer down; one entry per layer, first layer first.

    ``dE/dout`` of the output layer comes from the loss; each layer's
    ``layer_gradients`` turns its ``dE/dout`` into ``delta`` and the gradients,
    and ``dE/dout_l = delta_{l+1} @ W_{l+1}`` carries it to the layer below.
    """
    r = variant.rounder()
    reduction = reduction or network.batch_reduction
    dE_dout = output_dE_dout(network, passes[-1], targets, variant)
    result = []
    for index in reversed(range(len(network.layers))):
        grads = layer_gradients(network, index, passes[index], dE_dout, targets, reduction, variant)
        result.append(grads)
        if index > 0:
            dE_dout = r(grads.delta @ network.layers[index].weights)
    return result[::-1]


def output_dE_dout(
    network: Network, last: LayerForward, targets: Array, variant: Variant = EXACT
) -> Array:
    """``dE/dout`` of the output layer: the loss's derivative (times the variant's scale)."""
    r = variant.rounder()
    return r(network.loss.grad_out(last.out, targets) * variant.gradient_scale)


def layer_gradients(
    network: Network,
    index: int,
    fwd: LayerForward,
    dE_dout: Array,
    targets: Array,
    reduction: str,
    variant: Variant = EXACT,
) -> LayerGradients:
    """Layer ``index``'s ``delta`` and gradients from its ``dE/dout``::

        delta = dE/dout * f'(net)        (the output layer of a paired loss: its dE/dnet)
        grad_W = reduce_s delta.T @ x    grad_b = reduce_s delta
    """
    r = variant.rounder()
    layer = network.layers[index]
    act = layer.activation
    combined = index == len(network.layers) - 1 and network.loss.requires_activation is not None
    dout_dnet = None
    if act.elementwise:
        at = (fwd.out, act.forward(fwd.out)) if variant.derivative_at_output else (fwd.net, fwd.out)
        dout_dnet = r(act.derivative(*at))
    if combined:
        delta = network.loss.grad_net(fwd.net, fwd.out, targets) * variant.gradient_scale
    elif dout_dnet is not None:
        delta = dE_dout * dout_dnet
    else:
        delta = act.backward(fwd.net, fwd.out, dE_dout)
    delta = r(delta)
    scale = 1.0 / targets.shape[0] if reduction == "mean" else 1.0
    # (x.T @ delta).T is delta.T @ x in the weights' own column-major layout, so
    # the update is a contiguous subtraction; the transposes are BLAS flags.
    grad_weights: Array = r((fwd.inputs.T @ delta).T * scale)
    grad_bias = None
    if layer.bias is not None:
        per_neuron = delta.sum(axis=0) * scale
        if layer.bias.ndim == 0:
            shared = per_neuron[:1] if variant.shared_bias_from_first else per_neuron
            grad_bias = r(shared.sum())
        else:
            grad_bias = r(per_neuron)
    return LayerGradients(dE_dout, dout_dnet, delta, combined, grad_weights, grad_bias)


def backprop(
    network: Network,
    inputs: ArrayLike,
    targets: ArrayLike,
    learning_rate: float,
    *,
    variant: Variant = EXACT,
    detailed: bool | None = None,
) -> Trace:
    """One gradient-descent update on a batch, recorded in a ``Trace``.

    ``network`` is not changed; the updated network is ``trace.network_after``.
    ``detailed`` records the per-neuron products the explanations show; by
    default it is on for networks small enough to explain neuron by neuron.

    >>> from glassnet.examples import load_example
    >>> ex = load_example("mazur")
    >>> trace = backprop(ex.network, ex.inputs, ex.targets, ex.learning_rate)
    >>> round(trace.loss, 9), round(trace.loss_after, 9)
    (0.298371109, 0.291027774)
    """
    x = network.check_inputs(inputs)
    t = check_targets(network, targets, x.shape[0])
    if detailed is None:
        detailed = is_small(network, x.shape[0])
    r = variant.rounder()
    reduction, eta = step_settings(network, learning_rate, variant)
    passes = forward(network, x, rounder=r)
    loss_terms, sample_losses = batch_loss(network, passes[-1].net, passes[-1].out, t)
    layer_traces = layer_updates(network, passes, t, reduction, eta, variant)
    if detailed:
        _record_products(layer_traces, variant)

    after = network.copy()
    for layer, trace in zip(after.layers, layer_traces):
        layer.weights = trace.new_weights
        layer.bias = trace.new_bias
    after_passes = forward(after, x)
    _, sample_losses_after = batch_loss(after, after_passes[-1].net, after_passes[-1].out, t)
    return Trace(
        network=network,
        network_after=after,
        inputs=x,
        targets=t,
        learning_rate=float(learning_rate),
        layers=layer_traces,
        loss_terms=loss_terms,
        sample_losses=sample_losses,
        loss=float(reduce_samples(sample_losses, reduction)),
        outs_after=[p.out for p in after_passes],
        sample_losses_after=sample_losses_after,
        loss_after=float(reduce_samples(sample_losses_after, network.batch_reduction)),
        detailed=detailed,
        variant=variant,
    )


def _record_products(traces: list[LayerTrace], variant: Variant) -> None:
    """Record the per-neuron products the explanations show: ``*_terms``, ``*_per_sample``."""
    for index, trace in enumerate(traces):
        trace.net_terms = trace.weights[None, :, :] * trace.inputs[:, None, :]
        trace.grad_weights_per_sample = trace.delta[:, :, None] * trace.inputs[:, None, :]
        if trace.bias is not None:
            shared = trace.bias.ndim == 0
            trace.grad_bias_per_sample = trace.delta.sum(axis=1) if shared else trace.delta
        if index + 1 < len(traces):
            above = traces[index + 1]
            through = above.new_weights if variant.hidden_deltas_after_update else above.weights
            trace.dE_dout_terms = above.delta[:, :, None] * through[None, :, :]


def update(
    layer: Layer,
    index: int,
    fwd: LayerForward,
    grads: LayerGradients,
    eta: float,
    variant: Variant = EXACT,
) -> LayerTrace:
    """A layer's gradient-descent step, ``new = old - eta * grad``, in a ``LayerTrace``."""
    r = variant.rounder()
    step_weights = r(eta * grads.grad_weights)
    new_weights = r(layer.weights + variant.update_sign * step_weights)
    step_bias = None
    new_bias = None if layer.bias is None else layer.bias.copy()
    trains_bias = layer.train_bias != variant.flip_bias_training
    if layer.bias is not None and grads.grad_bias is not None:
        step_bias = r(eta * grads.grad_bias)
        if trains_bias:
            new_bias = r(layer.bias + variant.update_sign * step_bias)
    return LayerTrace(
        index=index,
        weights=layer.weights,
        bias=layer.bias,
        trains_bias=trains_bias,
        inputs=fwd.inputs,
        net=fwd.net,
        out=fwd.out,
        dE_dout=grads.dE_dout,
        dout_dnet=grads.dout_dnet,
        delta=grads.delta,
        combined=grads.combined,
        grad_weights=grads.grad_weights,
        grad_bias=grads.grad_bias,
        step_weights=step_weights,
        step_bias=step_bias,
        new_weights=new_weights,
        new_bias=new_bias,
    )


def layer_updates(
    network: Network,
    passes: list[LayerForward],
    targets: Array,
    reduction: str,
    eta: float,
    variant: Variant = EXACT,
) -> list[LayerTrace]:
    """``backward`` with each layer's ``update`` as soon as its gradients are known.

    The layer below backpropagates through the weights of the forward pass; with
    ``variant.hidden_deltas_after_update`` (mistake 1) through the updated ones.
    """
    r = variant.rounder()
    dE_dout = output_dE_dout(network, passes[-1], targets, variant)
    traces = []
    for index in reversed(range(len(network.layers))):
        layer = network.layers[index]
        grads = layer_gradients(network, index, passes[index], dE_dout, targets, reduction, variant)
        trace = update(layer, index, passes[index], grads, eta, variant)
        traces.append(trace)
        if index > 0:
            through = trace.new_weights if variant.hidden_deltas_after_update else layer.weights
            dE_dout = r(grads.delta @ through)
    return traces[::-1]


def step_settings(
    network: Network, learning_rate: float, variant: Variant = EXACT
) -> tuple[str, float]:
    """The batch reduction and the learning rate an update uses, after the variant's switches."""
    reduction = network.batch_reduction
    if variant.flip_batch_reduction:
        reduction = "sum" if reduction == "mean" else "mean"
    return reduction, float(learning_rate) ** variant.learning_rate_power


def check_targets(network: Network, targets: ArrayLike, n_samples: int) -> Array:
    """``targets`` as an array ``(n_samples, n_outputs)`` of the network's dtype, or an error."""
    t = np.asarray(targets, dtype=network.dtype)
    if t.ndim == 1:
        t = t[None, :]
    if t.shape != (n_samples, network.n_outputs):
        raise GlassnetError(
            f"expected shape ({n_samples}, {network.n_outputs}), got {t.shape}",
            field="targets",
        )
    return t


