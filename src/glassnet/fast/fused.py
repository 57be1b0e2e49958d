"""One mini-batch's forward and backward pass for the fit loop: fused, or generic.

Both steps have one interface, so a fit loop calls one thing per batch::

    step = batch_step(network, batch_size, expand=..., predict=...)
    summed_loss, correct = step.run(x, y, factor=...)   # fills step.grads
    optimizer.step(params, step.grads)

``FusedStep`` fuses, for a softmax output with the cross-entropy loss, the
formulas of ``engine.forward`` and ``engine.backward`` into preallocated buffers::

    net_l = x_l @ W_l.T + b_l                 out_l = f_l(net_l)
    delta_L = (softmax(net_L) - onehot(label)) / m       (the loss's combined dE/dnet)
    dE/dout_l = delta_{l+1} @ W_{l+1}          delta_l = dE/dout_l * f_l'(net_l)
    grad_W_l = delta_l.T @ x_l                grad_b_l = ones @ delta_l

``GenericStep`` runs ``engine.forward`` and ``lean_backward`` (``engine.backward``
with the ``1/m`` of the mean folded into the output layer's delta) for any
other network. Both are pinned to ``engine.backward``/``engine.backprop`` by
``tests/fast/test_fused.py``; ``lean_backward`` to ``torch.autograd`` too, by
``tests/test_torch_autograd.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from glassnet.engine import LayerForward, forward
from glassnet.network import Layer, Network

Array = NDArray[np.floating]
#: ``expand(labels, out)``: the target rows of integer labels (one-hot, or a 0/1 column).
Expand = Callable[[NDArray[np.integer], Array], Array]
#: ``predict(outputs)``: the class of each row of the output layer's ``out``.
Predict = Callable[[Array], NDArray[np.integer]]


@dataclass
class LeanGradients:
    """One layer's gradients from ``lean_backward``; ``delta`` carries the folded ``1 / m``."""

    delta: Array
    grad_weights: Array
    grad_bias: Array | None


def lean_backward(
    network: Network, passes: list[LayerForward], targets: Array
) -> list[LeanGradients]:
    """``engine.backward``'s gradients, for training loops; first layer first.

    The same formulas, with two savings: the output layer's ``dE/dout`` is not
    computed when the loss's combined ``dE/dnet`` replaces it, and the ``1/m`` of
    a mean is folded into the output layer's delta, so every ``delta`` is already
    scaled and no extra pass over weight-sized arrays scales the gradients. The
    same gradients up to rounding; no ``Variant``.
    """
    loss, layers = network.loss, network.layers
    last = passes[-1]
    folded = 1.0 / targets.shape[0] if network.batch_reduction == "mean" else 1.0
    if loss.requires_activation is not None:
        delta = loss.grad_net(last.net, last.out, targets)
    else:
        delta = _delta(layers[-1], last, loss.grad_out(last.out, targets))
    if folded != 1.0:
        delta = delta * folded
    result = []
    for index in reversed(range(len(layers))):
        layer, fwd = layers[index], passes[index]
        grad_weights: Array = (fwd.inputs.T @ delta).T  # delta.T @ x, in W's column-major layout
        grad_bias = None
        if layer.bias is not None:
            per_neuron = delta.sum(axis=0)
            grad_bias = per_neuron.sum() if layer.bias.ndim == 0 else per_neuron
        result.append(LeanGradients(delta, grad_weights, grad_bias))
        if index > 0:
            delta = _delta(layers[index - 1], passes[index - 1], delta @ layer.weights)
    return result[::-1]


def _delta(layer: Layer, fwd: LayerForward, dE_dout: Array) -> Array:
    """``delta = dE/dout * f'(net)`` (through the Jacobian for softmax)."""
    act = layer.activation
    if act.elementwise:
        return dE_dout * act.derivative(fwd.net, fwd.out)
    return act.backward(fwd.net, fwd.out, dE_dout)


class GenericStep:
    """``FusedStep``'s interface for any network: ``engine.forward``, then ``lean_backward``.

    ``y`` in ``run`` is the target rows ``(m, n_outputs)``, or integer labels
    ``(m,)`` when the step was made with ``expand`` (which turns them into target
    rows) and ``predict`` (which reads the class from the outputs, to count the
    correct ones).
    """

    def __init__(
        self,
        network: Network,
        batch_size: int,
        *,
        expand: Expand | None = None,
        predict: Predict | None = None,
    ):
        self.network, self.batch_size = network, batch_size
        self.expand, self.predict = expand, predict
        self.targets = np.empty((batch_size, network.n_outputs), network.dtype)
        self.grads: list[Array] = []

    def run(self, x: Array, y: NDArray[np.generic], *, factor: float = 1.0) -> tuple[float, int]:
        """Forward and backward for the ``m = len(x)`` samples ``x`` with targets or labels ``y``.

        Fills ``grads`` with ``factor`` times the gradients unless the loss is not
        finite (then the loop stops, and nothing should be computed from it).
        Returns the batch's summed loss and, for labels, how many predictions equal
        them (0 for target rows), both measured before the update.
        """
        network = self.network
        labelled = y.ndim == 1
        if labelled:
            assert self.expand is not None, "labels need the step's expand"
            targets = self.expand(y.astype(np.intp, copy=False), self.targets)
        else:
            targets = y.astype(network.dtype, copy=False)
        passes = forward(network, x)
        last = passes[-1]
        summed = float(network.loss.terms(last.net, last.out, targets).sum())
        correct = 0
        if labelled and self.predict is not None:
            correct = int(np.count_nonzero(self.predict(last.out) == y))
        if not math.isfinite(summed):
            return summed, correct
        self.grads = []
        for layer, g in zip(network.layers, lean_backward(network, passes, targets)):
            self.grads.append(g.grad_weights)
            if g.grad_bias is not None and layer.train_bias:
                self.grads.append(g.grad_bias)
        if factor != 1.0:
            # Scaled after the backward pass, as an optimizer scales ``lr * g``: a
            # plain-SGD loop then subtracts the very numbers the optimizer would.
            self.grads = [grad * factor for grad in self.grads]
        return summed, correct


def batch_step(
    network: Network,
    batch_size: int,
    *,
    expand: Expand | None = None,
    predict: Predict | None = None,
) -> FusedStep | GenericStep:
    """The step a fit loop calls for each batch of up to ``batch_size`` samples.

    ``FusedStep`` when the targets are labels (``expand`` given) and the network
    ``FusedStep.fits``; ``GenericStep`` otherwise.
    """
    if expand is not None and FusedStep.fits(network):
        return FusedStep(network, batch_size)
    return GenericStep(network, batch_size, expand=expand, predict=predict)


class FusedStep:
    """One mini-batch's forward and backward pass in preallocated buffers, for training loops.

    The arithmetic of ``engine.forward`` and ``lean_backward`` for a batch of up
    to ``batch_size`` samples, written into arrays allocated once and reused by
    every batch (``out=`` everywhere, no float64 scalar ever touches a float32
    array, transposes passed to BLAS as flags)::

        net_l = x_l @ W_l.T + b_l                 out_l = f_l(net_l)
        delta_L = (softmax(net_L) - onehot(label)) / m       (fused with cross-entropy)
        dE/dout_l = delta_{l+1} @ W_{l+1}          delta_l = dE/dout_l * f_l'(net_l)
        grad_W_l = delta_l.T @ x_l                grad_b_l = ones @ delta_l

    It covers the networks ``fits`` accepts: a softmax output with the
    cross-entropy loss, elementwise hidden activations, and a mean batch
    reduction; ``batch_step`` picks ``GenericStep`` for any other. ``grads``
    (weights, then each trained bias, per layer) are the gradients of the last
    ``run``, in ``Trainer.parameters`` order.
    """

    def __init__(self, network: Network, batch_size: int):
        if not self.fits(network):
            raise ValueError("FusedStep is for a softmax output with the cross-entropy loss")
        self.network = network
        layers = network.layers
        dtype = network.dtype
        last = layers[-1]
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

    @staticmethod
    def fits(network: Network) -> bool:
        """Whether the network has the shape this step covers (see the class docstring)."""
        layers, last = network.layers, network.layers[-1]
        return (
            # the loss whose δ is out - target after this output (cross-entropy after softmax)
            network.loss.fused_with is not None
            and network.loss.fused_with == last.activation.name
            and network.batch_reduction == "mean"
            and last.n_neurons >= 2
            and all(layer.activation.elementwise for layer in layers[:-1])
        )

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
                if act.mask_derivative:
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
            if below.activation.mask_derivative:
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
