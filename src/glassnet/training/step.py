"""One mini-batch's forward and backward pass, behind one interface for the fit loop.

``batch_step(network, batch_size, labels=...)`` gives the step for a network:
``glassnet.fast.fused.FusedStep`` when it covers the network (softmax with
cross-entropy on integer labels), else ``glassnet.fast.fused.GenericStep``
(``engine.forward`` and ``lean_backward``). Both have the interface of ``Step``::

    summed, correct = step.run(x, t, factor=f)   # loss summed over the batch, correct labels
    optimizer.step(params, step.grads)           # f · dE/dW, f · dE/db, in Trainer order

This is the fit loop's one seam to the fast paths.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from glassnet.fast import fused
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


def batch_step(network: Network, batch_size: int, *, labels: bool) -> Step:
    """The step for ``network`` and batches of up to ``batch_size`` samples: fused when
    it can be (integer ``labels``, and a network ``FusedStep`` covers), else generic."""
    if not labels:
        return fused.GenericStep(network, batch_size)
    targets = Targets(None, None, network.n_outputs, network.dtype)

    def expand(y: NDArray[np.integer], out: Array) -> Array:
        return targets.expand(y, out=out)

    return fused.batch_step(network, batch_size, expand=expand, predict=predicted_labels)
