"""One mini-batch's forward and backward pass, behind one interface for the fit loop.

``batch_step(network, batch_size, labels=...)`` gives the step for a network:
the fused, preallocated ``BatchStep`` when it covers the network (softmax with
cross-entropy on integer labels), else ``GenericStep`` (``forward`` and
``backward``). Both have the interface of ``Step``::

    summed, correct = step.run(x, t, factor=f)   # loss summed over the batch, correct labels
    optimizer.step(params, step.grads)           # f · dE/dW, f · dE/db, in Trainer order

This is the fit loop's one seam to the fast paths: the import of ``BatchStep``
below is the only line that names where the fused step lives.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from glassnet.engine import BatchStep, backward, forward
from glassnet.network import Network
from glassnet.training.evaluation import Targets, predicted_labels

Array = NDArray[np.floating]


class Step(Protocol):
    """A batch's forward and backward pass (see the module docstring)."""

    network: Network
    batch_size: int
    grads: list[Array]

    def run(self, x: Array, t: NDArray[Any], *, factor: float = 1.0) -> tuple[float, int]:
        """Forward and backward for ``x`` with labels or target values ``t``: fills
        ``grads`` with ``factor`` times the gradients (unless the loss is not finite)
        and returns the batch's summed loss and its number of correct labels."""
        ...


class GenericStep:
    """Any network, through ``engine.forward`` and ``engine.backward(lean=True)``.

    ``labels`` says whether ``run`` gets integer labels (expanded to one-hot
    rows, or a 0/1 column for one output, and counted when predicted right) or
    target values ``(m, n_outputs)``. When the loss is not finite it returns at
    once, without the backward pass: the loop stops there and never reads
    ``grads``.
    """

    def __init__(self, network: Network, batch_size: int, *, labels: bool):
        self.network = network
        self.batch_size = batch_size
        self.labels = labels
        self.grads: list[Array] = []
        self._targets = Targets(None, None, network.n_outputs, network.dtype)
        self._expanded = np.empty((batch_size, network.n_outputs), network.dtype)

    def run(self, x: Array, t: NDArray[Any], *, factor: float = 1.0) -> tuple[float, int]:
        network = self.network
        targets = self._targets.expand(t, out=self._expanded) if self.labels else t
        passes = forward(network, x)
        last = passes[-1]
        summed = float(network.loss.terms(last.net, last.out, targets).sum())
        correct = 0
        if self.labels:
            correct = int(np.count_nonzero(predicted_labels(last.out) == t))
        if not np.isfinite(summed):
            return summed, correct
        grads = backward(network, passes, targets, lean=True)
        self.grads = []
        for layer, g in zip(network.layers, grads):
            self.grads.append(g.grad_weights)
            if layer.bias is not None and layer.train_bias:
                assert g.grad_bias is not None
                self.grads.append(g.grad_bias)
        if factor != 1.0:
            for grad in self.grads:
                np.multiply(grad, factor, out=grad)
        return summed, correct


def batch_step(network: Network, batch_size: int, *, labels: bool) -> Step:
    """The step for ``network`` and batches of up to ``batch_size`` samples: fused when
    it can be (integer ``labels``, and a network ``BatchStep`` covers), else generic."""
    if labels:
        fused = BatchStep(network, batch_size)
        if fused.fused:
            return fused
    return GenericStep(network, batch_size, labels=labels)
