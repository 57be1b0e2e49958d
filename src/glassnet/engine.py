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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet import compiled
from glassnet.errors import GlassnetError, TrainingDivergedError
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


def _reduce(values: Array, reduction: str) -> Array:
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
    #: ``dE_dout_terms`` of this layer: ``delta_next[s, k] * W_next[k, j]`` (detailed only).
    dE_dout_terms: Array | None = None


def backward(
    network: Network,
    passes: list[LayerForward],
    targets: Array,
    *,
    reduction: str | None = None,
    variant: Variant = EXACT,
    detailed: bool = False,
    propagate_through: Callable[[int, LayerGradients], Array] | None = None,
    lean: bool = False,
) -> list[LayerGradients]:
    """Backpropagate from the output layer down; one entry per layer, first layer first.

    ``propagate_through(index, grads)`` returns the weights of layer ``index``
    that the layer below backpropagates through (by default the weights the
    forward pass used).

    ``lean`` is for training loops, which need only the gradients: the
    output layer's ``dE/dout`` is not computed when the combined ``dE/dnet``
    replaces it (it is left empty), and the ``1/n`` of a mean is folded into
    the output layer's delta, so every ``delta`` is ``reduce_s``-scaled and no
    extra pass over weight-sized arrays scales the gradients. Same gradients
    up to rounding; ``backprop`` and its trace never use it.
    """
    r = variant.rounder()
    reduction = reduction or network.batch_reduction
    scale = 1.0 / targets.shape[0] if reduction == "mean" else 1.0
    n_layers = len(network.layers)
    result: list[LayerGradients | None] = [None] * n_layers
    last = passes[-1]
    combined_output = network.loss.requires_activation is not None
    if lean and combined_output:
        dE_dout = last.out[:0]
    else:
        dE_dout = r(network.loss.grad_out(last.out, targets) * variant.gradient_scale)
    folded = 1.0
    if lean:
        folded, scale = scale, 1.0
        if not combined_output and folded != 1.0:
            dE_dout = dE_dout * folded
    dE_dout_terms = None
    for index in reversed(range(n_layers)):
        layer, fwd = network.layers[index], passes[index]
        act = layer.activation
        combined = index == n_layers - 1 and combined_output
        dout_dnet = None
        if act.elementwise:
            at = (
                (fwd.out, act.forward(fwd.out))
                if variant.derivative_at_output
                else (fwd.net, fwd.out)
            )
            dout_dnet = r(act.derivative(*at))
        if combined:
            delta = network.loss.grad_net(fwd.net, fwd.out, targets) * (
                variant.gradient_scale * folded
            )
        elif dout_dnet is not None:
            delta = dE_dout * dout_dnet
        else:
            delta = act.backward(fwd.net, fwd.out, dE_dout)
        delta = r(delta)
        # (x.T @ delta).T is delta.T @ x in the weights' own column-major layout, so
        # the update is a contiguous subtraction; the transposes are BLAS flags.
        grad_weights: Array = (fwd.inputs.T @ delta).T
        if scale != 1.0:
            grad_weights = grad_weights * scale
        grad_weights = r(grad_weights)
        grad_bias = None
        if layer.bias is not None:
            per_neuron = delta.sum(axis=0)
            if scale != 1.0:
                per_neuron = per_neuron * scale
            if layer.bias.ndim == 0:
                grad_bias = r(
                    per_neuron[:1].sum() if variant.shared_bias_from_first else per_neuron.sum()
                )
            else:
                grad_bias = r(per_neuron)
        grads = LayerGradients(
            dE_dout, dout_dnet, delta, combined, grad_weights, grad_bias, dE_dout_terms
        )
        result[index] = grads
        if index > 0:
            weights = (
                layer.weights if propagate_through is None else propagate_through(index, grads)
            )
            dE_dout = r(delta @ weights)
            if detailed:
                dE_dout_terms = delta[:, :, None] * weights[None, :, :]
    return [g for g in result if g is not None]


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
    t = _check_targets(network, targets, x.shape[0])
    if detailed is None:
        detailed = is_small(network, x.shape[0])
    r = variant.rounder()
    reduction, eta = _step_settings(network, learning_rate, variant)
    passes = forward(network, x, rounder=r)
    loss_terms, sample_losses = batch_loss(network, passes[-1].net, passes[-1].out, t)
    layer_traces = _layer_updates(network, passes, t, reduction, eta, variant, detailed=detailed)
    if detailed:
        for layer, trace in zip(network.layers, layer_traces):
            trace.net_terms = layer.weights[None, :, :] * trace.inputs[:, None, :]
            trace.grad_weights_per_sample = trace.delta[:, :, None] * trace.inputs[:, None, :]
            if layer.bias is not None:
                shared = layer.bias.ndim == 0
                trace.grad_bias_per_sample = trace.delta.sum(axis=1) if shared else trace.delta

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
        loss=float(_reduce(sample_losses, reduction)),
        outputs_after=after_passes[-1].out,
        sample_losses_after=sample_losses_after,
        loss_after=float(_reduce(sample_losses_after, network.batch_reduction)),
        detailed=detailed,
        variant=variant,
    )


def _update(
    layer: Layer,
    index: int,
    fwd: LayerForward,
    grads: LayerGradients,
    eta: float,
    variant: Variant,
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
        dE_dout_terms=grads.dE_dout_terms,
    )


def _layer_updates(
    network: Network,
    passes: list[LayerForward],
    targets: Array,
    reduction: str,
    eta: float,
    variant: Variant,
    *,
    detailed: bool = False,
) -> list[LayerTrace]:
    """Each layer's gradients and ``_update`` for one step, output layer first.

    With ``variant.hidden_deltas_after_update`` a layer is updated before the layer
    below backpropagates through it; otherwise through the weights of the forward pass.
    """
    updates: dict[int, LayerTrace] = {}

    def update(index: int, grads: LayerGradients) -> LayerTrace:
        if index not in updates:
            layer = network.layers[index]
            updates[index] = _update(layer, index, passes[index], grads, eta, variant)
        return updates[index]

    def propagate_through(index: int, grads: LayerGradients) -> Array:
        if variant.hidden_deltas_after_update:
            return update(index, grads).new_weights
        return network.layers[index].weights

    all_grads = backward(
        network, passes, targets, reduction=reduction, variant=variant, detailed=detailed,
        propagate_through=propagate_through,
    )  # fmt: skip
    return [update(index, grads) for index, grads in enumerate(all_grads)]


def _step_settings(network: Network, learning_rate: float, variant: Variant) -> tuple[str, float]:
    """The batch reduction and the learning rate an update uses, after the variant's switches."""
    reduction = network.batch_reduction
    if variant.flip_batch_reduction:
        reduction = "sum" if reduction == "mean" else "mean"
    return reduction, float(learning_rate) ** variant.learning_rate_power


def _check_targets(network: Network, targets: ArrayLike, n_samples: int) -> Array:
    t = np.asarray(targets, dtype=network.dtype)
    if t.ndim == 1:
        t = t[None, :]
    if t.shape != (n_samples, network.n_outputs):
        raise GlassnetError(
            f"expected shape ({n_samples}, {network.n_outputs}), got {t.shape}",
            field="targets",
        )
    return t


@dataclass
class TrainResult:
    """The loss after each update of ``train`` and the outputs after the last."""

    network: Network
    losses: Array
    outputs: Array

    @property
    def loss(self) -> float:
        return float(self.losses[-1])


def train(
    network: Network,
    inputs: ArrayLike,
    targets: ArrayLike,
    learning_rate: float,
    steps: int,
    *,
    variant: Variant = EXACT,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Repeat the full-batch update ``steps`` times; ``network`` is not changed.

    ``losses[k]`` is the loss after update k + 1. Stops with ``TrainingDivergedError``
    (keeping the last good network in ``error.network``) if the loss becomes
    NaN or infinite.
    """
    if steps < 1:
        raise GlassnetError(f"steps must be >= 1, got {steps}")
    # The arithmetic of ``backprop`` step by step, without its copies: one working
    # network whose layers take each update's new arrays, and the forward pass that
    # measures the loss after an update reused as the next update's forward pass.
    x = network.check_inputs(inputs)
    t = _check_targets(network, targets, x.shape[0])
    r = variant.rounder()
    reduction, eta = _step_settings(network, learning_rate, variant)
    current = network.copy()
    if compiled.supports(current, x.shape[0]):
        run = compiled.compile_network(current, x.shape[0], None if variant == EXACT else variant)
        if run is not None:
            return _train_compiled(run, current, x, t, eta, steps, on_step)
    layers = current.layers
    losses = np.empty(steps)
    passes = after_passes = forward(current, x, rounder=r)
    # Overflow shows up as a non-finite loss, reported below with the step; NumPy's
    # warnings on the way there would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            new = _layer_updates(current, passes, t, reduction, eta, variant)
            before = [(layer.weights, layer.bias) for layer in layers]
            for layer, trace in zip(layers, new):
                layer.weights, layer.bias = trace.new_weights, trace.new_bias
            after_passes = forward(current, x)
            last = after_passes[-1]
            _, sample_losses = batch_loss(current, last.net, last.out, t)
            loss_after = float(_reduce(sample_losses, network.batch_reduction))
            if not np.isfinite(loss_after):
                for layer, (weights, bias) in zip(layers, before):
                    layer.weights, layer.bias = weights, bias
                raise diverged(current, loss_after, step + 1)
            losses[step] = loss_after
            if on_step is not None:
                on_step(step + 1, loss_after)
            if variant.round_decimals is None:
                passes = after_passes
            else:
                passes = forward(current, x, rounder=r)
    return TrainResult(network=current, losses=losses, outputs=after_passes[-1].out)


def diverged(network: Network, loss: float, step: int) -> TrainingDivergedError:
    """The error ``train`` raises when update ``step`` makes the loss ``loss`` non-finite.

    It keeps the last good ``network``, the ``step`` (counted from 1) and the ``loss``.
    """
    error = TrainingDivergedError(f"loss became {loss} at step {step}; try a smaller learning_rate")
    error.network = network
    error.step = step
    error.loss = loss
    return error


def _train_compiled(
    run: compiled.Compiled,
    current: Network,
    x: Array,
    t: Array,
    eta: float,
    steps: int,
    on_step: Callable[[int, float], None] | None,
) -> TrainResult:
    """``train`` for tiny networks: the generated straight-line code of ``glassnet.compiled``."""
    done, params, losses, outputs, bad = run(
        compiled.parameters(current), x.tolist(), t.tolist(), eta, steps, on_step
    )
    compiled.set_parameters(current, params)
    if done < steps:
        raise diverged(current, bad, done + 1)
    return TrainResult(network=current, losses=np.asarray(losses), outputs=np.array(outputs))


class BatchStep:
    """One mini-batch's forward and backward pass in preallocated buffers, for training loops.

    The arithmetic of ``forward`` and ``backward(lean=True)`` for a batch of up
    to ``batch_size`` samples, written into arrays allocated once and reused by
    every batch (``out=`` everywhere, no float64 scalar ever touches a float32
    array, transposes passed to BLAS as flags)::

        net_l = x_l @ W_l.T + b_l                 out_l = f_l(net_l)
        delta_L = (softmax(net_L) - onehot(label)) / m       (fused with cross-entropy)
        dE/dout_l = delta_{l+1} @ W_{l+1}          delta_l = dE/dout_l * f_l'(net_l)
        grad_W_l = delta_l.T @ x_l                grad_b_l = ones @ delta_l

    ``fused`` says whether the network has the shape this covers: a softmax
    output with the cross-entropy loss, elementwise hidden activations, and a
    mean batch reduction. Otherwise the trainer keeps ``forward``/``backward``.
    ``grads`` (weights, then each trained bias, per layer) are the gradients
    of the last ``run``, in ``Trainer.parameters`` order.
    """

    def __init__(self, network: Network, batch_size: int):
        self.network = network
        layers = network.layers
        dtype = network.dtype
        last = layers[-1]
        self.fused = (
            last.activation.name == "softmax"
            and network.loss.name == "cross_entropy"
            and network.batch_reduction == "mean"
            and last.n_neurons >= 2
            and all(layer.activation.elementwise for layer in layers[:-1])
        )
        bs = self.batch_size = batch_size
        self.net = [np.empty((bs, layer.n_neurons), dtype) for layer in layers]
        self.out = [np.empty((bs, layer.n_neurons), dtype) for layer in layers]
        #: ReLU's derivative as a bool mask, net > 0, set by the forward pass and
        #: multiplied by in the backward one (``np.heaviside`` would take 40 µs for
        #: 128 x 128 where ``np.greater`` into bools takes 2).
        self.masks = [np.empty((bs, layer.n_neurons), np.bool_) for layer in layers]
        #: In each weight matrix's own layout (column-major, see ``Layer``).
        self.grad_weights = [np.empty_like(layer.weights) for layer in layers]
        self.grad_bias = [
            None if layer.bias is None else np.empty(layer.bias.shape, dtype) for layer in layers
        ]
        self.ones = np.ones(bs, dtype)
        self.rows = np.arange(bs)
        #: ``offsets[s] = s * n_outputs``: sample s's row in the flattened output.
        self.offsets = self.rows * last.n_neurons
        self.row_max = np.empty((bs, 1), dtype)
        self.row_sum = np.empty((bs, 1), dtype)
        self.picked = np.empty(bs, dtype)
        self.predicted = np.empty(bs, np.intp)
        self.grads: list[Array] = []
        for index, layer in enumerate(layers):
            self.grads.append(self.grad_weights[index])
            grad_bias = self.grad_bias[index]
            if grad_bias is not None and layer.train_bias:
                self.grads.append(grad_bias)

    def run(
        self, x: Array, labels: NDArray[np.integer], *, factor: float = 1.0
    ) -> tuple[float, int]:
        """Forward and backward for the ``m = len(x)`` samples ``x`` with integer ``labels``.

        Fills ``grads`` with ``factor`` times the gradients (a plain-SGD loop passes
        the learning rate, so the update is a single subtraction). Returns the
        batch's summed cross-entropy (as ``Loss.terms`` computes it, from
        ``log_softmax(net)``) and how many argmax predictions equal the labels,
        both measured before the update.
        """
        m = x.shape[0]
        layers = self.network.layers
        n_layers = len(layers)
        inputs = [x]
        for index, layer in enumerate(layers):
            net, out = self.net[index][:m], self.out[index][:m]
            np.matmul(inputs[-1], layer.weights.T, out=net)
            if layer.bias is not None:
                np.add(net, layer.bias, out=net)
            if index < n_layers - 1:
                act = layer.activation
                if act.name == "relu":
                    # out = net * (net > 0): the mask is ReLU's derivative, kept for
                    # the backward pass (and 25% faster than np.maximum(net, 0)).
                    mask = self.masks[index][:m]
                    np.greater(net, 0, out=mask)
                    np.multiply(net, mask, out=out)
                else:
                    np.copyto(out, act.forward(net))
                inputs.append(out)
        # Softmax in place; the loss from the same shifted values, log_softmax style.
        net, out = self.net[-1][:m], self.out[-1][:m]
        row_max, row_sum = self.row_max[:m], self.row_sum[:m]
        # (ufunc.reduce directly: np.max/np.sum add microseconds of wrapper per call)
        np.maximum.reduce(net, axis=1, keepdims=True, out=row_max)
        np.subtract(net, row_max, out=out)
        np.exp(out, out=out)
        np.add.reduce(out, axis=1, keepdims=True, out=row_sum)
        np.divide(out, row_sum, out=out)
        picked = self.picked[:m]
        at_label = self.offsets[:m] + labels  # (s, label_s) in the flattened output
        np.take(net.reshape(-1), at_label, out=picked)
        np.log(row_sum, out=row_sum)
        loss = float(np.add.reduce(row_sum, axis=None)) + float(
            np.add.reduce(row_max, axis=None) - np.add.reduce(picked)
        )
        predicted = self.predicted[:m]
        out.argmax(axis=1, out=predicted)
        correct = int(np.count_nonzero(predicted == labels))
        # delta_L = factor * (out - onehot) / m: the mean (and factor) folded into the
        # smallest array, so no weight-sized array is ever scaled.
        delta = out
        flat = delta.reshape(-1)
        flat[at_label] -= 1
        np.multiply(delta, factor / m, out=delta)
        for index in range(n_layers - 1, -1, -1):
            layer = layers[index]
            grad_weights = self.grad_weights[index]
            if grad_weights.flags.f_contiguous:
                np.matmul(inputs[index].T, delta, out=grad_weights.T)
            else:
                np.matmul(delta.T, inputs[index], out=grad_weights)
            grad_bias = self.grad_bias[index]
            if grad_bias is not None:
                if grad_bias.ndim == 0:
                    grad_bias[...] = delta.sum()
                else:
                    np.matmul(self.ones[:m], delta, out=grad_bias)
            if index == 0:
                break
            below = layers[index - 1]
            # dE/dout of the layer below overwrites its ``out``, no longer needed.
            prev_delta = self.out[index - 1][:m]
            if below.activation.name == "relu":
                np.matmul(delta, layer.weights, out=prev_delta)
                np.multiply(prev_delta, self.masks[index - 1][:m], out=prev_delta)
            else:
                derivative = below.activation.derivative(
                    self.net[index - 1][:m], self.out[index - 1][:m]
                )
                np.matmul(delta, layer.weights, out=prev_delta)
                np.multiply(prev_delta, derivative, out=prev_delta)
            delta = prev_delta
        return loss, correct
