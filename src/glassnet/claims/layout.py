"""Where each named thing of a small network is: parameters, outputs, inputs, samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glassnet.network import Network


@dataclass
class Layout:
    """Names by place: ``parameters`` maps ``w5`` to ``(layer, j, i)``.

    A bias has ``i = None`` (``b1`` to ``(layer, j, None)``); ``outputs`` and
    ``inputs`` are the neuron and input names in order; ``n_samples`` the rows of X.
    """

    parameters: dict[str, tuple[int, int, int | None]] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    n_samples: int = 1


def layout_of(network: Network, n_samples: int) -> Layout:
    """The names of ``network``'s parameters, outputs and inputs, in the network's order."""
    names = network.names
    last = len(network.layers) - 1
    layout = Layout(
        outputs=[names.neuron(last, j) for j in range(network.n_outputs)],
        inputs=[names.input(i) for i in range(network.n_inputs)],
        n_samples=n_samples,
    )
    for index, layer in enumerate(network.layers):
        for j in range(layer.n_neurons):
            for i in range(layer.n_inputs):
                layout.parameters[names.weight(index, j, i)] = (index, j, i)
        if layer.bias is not None:
            for j in range(1 if layer.bias.ndim == 0 else layer.n_neurons):
                layout.parameters[names.bias(index, j)] = (index, j, None)
    return layout
