"""What the explanations call each input, neuron, weight and bias.

A worked example speaks its tutorial's language (``w5``, ``h1``, ``o2``); a
network without names gets the usual ones:

- inputs ``i1, i2, …``;
- neurons ``h1, h2, …`` in a single hidden layer, ``h{layer}_{j}`` when there are
  several hidden layers, and ``o1, o2, …`` in the output layer;
- weights ``w1, w2, …`` counted layer by layer, each layer row by row
  (neuron j, then its inputs i), as in Mazur's tutorial;
- biases ``b1, b2, …`` counted layer by layer: one name for a shared bias, one
  per neuron otherwise.

Defaults are computed when asked for, so a 784-128-10 network does not carry
100,000 strings around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glassnet.network import Network


@dataclass
class Names:
    """Names by position; ``None`` entries fall back to the defaults above.

    ``weights[l][j][i]`` names ``W[j][i]`` of layer ``l``; ``biases[l]`` is a
    string for a shared bias or a list for one bias per neuron.
    """

    sizes: list[int]
    bias_counts: list[int]
    inputs: list[str] | None = None
    neurons: list[list[str] | None] = field(default_factory=list)
    weights: list[list[list[str]] | None] = field(default_factory=list)
    biases: list[str | list[str] | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        n_layers = len(self.sizes) - 1
        for attr in ("neurons", "weights", "biases"):
            values = getattr(self, attr)
            setattr(self, attr, list(values) + [None] * (n_layers - len(values)))

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def input(self, i: int) -> str:
        if self.inputs is not None:
            return self.inputs[i]
        return f"i{i + 1}"

    def neuron(self, layer: int, j: int) -> str:
        explicit = self.neurons[layer]
        if explicit is not None:
            return explicit[j]
        if layer == self.n_layers - 1:
            return f"o{j + 1}"
        if self.n_layers == 2:
            return f"h{j + 1}"
        return f"h{layer + 1}_{j + 1}"

    def node(self, layer: int, j: int) -> str:
        """Layer ``-1`` is the input layer; its nodes are the inputs."""
        return self.input(j) if layer < 0 else self.neuron(layer, j)

    def weight(self, layer: int, j: int, i: int) -> str:
        explicit = self.weights[layer]
        if explicit is not None:
            return explicit[j][i]
        offset = sum(self.sizes[k] * self.sizes[k + 1] for k in range(layer))
        return f"w{offset + j * self.sizes[layer] + i + 1}"

    def bias(self, layer: int, j: int = 0) -> str:
        """The name of neuron j's bias (the shared bias's name for every j)."""
        explicit = self.biases[layer]
        if isinstance(explicit, str):
            return explicit
        if explicit is not None:
            return explicit[j]
        offset = sum(self.bias_counts[:layer])
        shared = self.bias_counts[layer] == 1 and self.sizes[layer + 1] > 1
        return f"b{offset + 1}" if shared else f"b{offset + j + 1}"

    def layer(self, layer: int) -> str:
        """A description such as ``hidden layer 1`` or ``output layer``."""
        if layer < 0:
            return "input layer"
        if layer == self.n_layers - 1:
            return "output layer"
        return "hidden layer" if self.n_layers == 2 else f"hidden layer {layer + 1}"

    def all_names(self) -> list[str]:
        """Every name, for checking that they are unique (small networks only)."""
        names = [self.input(i) for i in range(self.sizes[0])]
        for layer in range(self.n_layers):
            n_out, n_in = self.sizes[layer + 1], self.sizes[layer]
            names += [self.neuron(layer, j) for j in range(n_out)]
            names += [self.weight(layer, j, i) for j in range(n_out) for i in range(n_in)]
            if self.bias_counts[layer] == 1 and n_out > 1:
                names.append(self.bias(layer))
            elif self.bias_counts[layer]:
                names += [self.bias(layer, j) for j in range(n_out)]
        return names


def default_names(network: Network) -> Names:
    return Names(sizes=network.sizes, bias_counts=bias_counts(network))


def bias_counts(network: Network) -> list[int]:
    """How many bias parameters each layer has: 0, 1 (shared) or one per neuron."""
    counts = {"none": 0, "shared": 1}
    return [counts.get(layer.bias_mode, layer.n_neurons) for layer in network.layers]
