"""The trace: a plain record of every number one update computed.

The engine fills it in; renderers only format it (``glassnet.render.json.trace_to_dict``
is the trace as JSON-ready data), and nothing here imports them. Arrays have the samples
first: ``net[s, j]`` is neuron j's net input for sample s. A layer's weights
are ``W[j, i]`` (row j = neuron j, column i = the layer's input i).

Per sample and layer (``LayerTrace``):

- ``inputs`` (the previous layer's ``out``), ``net = inputs @ W.T + b``, ``out = f(net)``;
- ``net_terms[s, j, i] = W[j, i] * inputs[s, i]``: the products summed in ``net``;
- ``dE_dout``: ``dE/dout`` of the sample's own loss; for a hidden layer it is
  ``sum_k dE_dout_terms[s, k, j]``, with
  ``dE_dout_terms[s, k, j] = delta_next[s, k] * W_next[k, j]``;
- ``dout_dnet``: the activation's derivative (``None`` for softmax, whose
  Jacobian is not diagonal);
- ``delta = dE/dnet``: ``dE_dout * dout_dnet``, or the loss's combined form;
- ``grad_weights_per_sample[s, j, i] = delta[s, j] * inputs[s, i]``.

Over the batch (the update uses these):

- ``grad_weights = reduce_s grad_weights_per_sample`` (mean or sum);
- ``grad_bias``: per neuron ``reduce_s delta``; shared: the sum over the layer's neurons;
- ``step_weights = learning_rate * grad_weights``, ``new_weights = weights - step_weights``;
  a frozen bias keeps its value but still reports ``grad_bias``.

The ``*_terms`` and ``*_per_sample`` arrays are recorded only for networks small
enough to explain neuron by neuron (``detailed``); they are ``None`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from glassnet import display

if TYPE_CHECKING:
    from glassnet.example import Example
    from glassnet.network import Network

Array = NDArray[np.floating]

#: Layers wider than this are explained per layer in matrix form.
MAX_NEURONS_SHOWN = 12
#: Batches larger than this are explained in matrix form.
MAX_SAMPLES_SHOWN = 12


def is_small(network: Network, n_samples: int) -> bool:
    """Whether a network and batch are small enough to explain neuron by neuron."""
    return max(network.sizes) <= MAX_NEURONS_SHOWN and n_samples <= MAX_SAMPLES_SHOWN


@dataclass
class LayerTrace:
    """What one layer computed in one update; see the module docstring."""

    index: int
    weights: Array
    bias: Array | None
    trains_bias: bool
    inputs: Array
    net: Array
    out: Array
    dE_dout: Array
    dout_dnet: Array | None
    delta: Array
    #: True when ``delta`` came from the loss's combined ``dE/dnet`` formula.
    combined: bool
    grad_weights: Array
    grad_bias: Array | None
    step_weights: Array
    step_bias: Array | None
    new_weights: Array
    new_bias: Array | None
    net_terms: Array | None = None
    dE_dout_terms: Array | None = None
    grad_weights_per_sample: Array | None = None
    grad_bias_per_sample: Array | None = None


@dataclass
class Trace:
    """One forward pass, backward pass and update, and the loss after it.

    ``network`` is the network before the update, ``network_after`` after it.
    ``loss_terms[s, j]`` is output j's share of sample s's loss; ``sample_losses``
    their sums; ``loss`` the batch loss (mean or sum of ``sample_losses``).
    """

    network: Network
    network_after: Network
    inputs: Array
    targets: Array
    learning_rate: float
    layers: list[LayerTrace]
    loss_terms: Array
    sample_losses: Array
    loss: float
    #: Every layer's ``out`` in the forward pass with the updated parameters (first layer
    #: first); the last is ``outputs_after``.
    outs_after: list[Array]
    sample_losses_after: Array
    loss_after: float
    detailed: bool
    variant: Any = None
    #: The worked example updated, when the trace is of one: its title names the page.
    example: Example | None = None

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def outputs(self) -> Array:
        return self.layers[-1].out

    @property
    def outputs_after(self) -> Array:
        """The output layer's ``out`` after the update, on the same inputs."""
        return self.outs_after[-1]

    def _repr_html_(self) -> str:
        """Jupyter shows a trace as the page of its update (``glassnet.render.notebook``)."""
        return display.show(self, "html")

    def _repr_markdown_(self) -> str:
        """Jupyter's Markdown view, where HTML is not shown."""
        return display.show(self, "markdown")
