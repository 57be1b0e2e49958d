"""The layout of the network diagram: where each input, neuron, bias and weight goes.

Ids are made from positions only (``n0.1`` is neuron 1 of layer 0, ``w1.0.1`` its
weight from input 1, ``b0`` a shared bias, ``b0.1`` neuron 1's own), never from
names, which are user text. Networks with a layer wider than ``MAX_NEURONS_SHOWN``
get one box per layer (``X``, ``L0``…) joined by their weight matrices (``W0``…).

The values written on the diagram are ``DiagramSet`` tuples; the page fills them
in before the script runs, and the script replaces them step by step.
``drawing`` turns the layout and the values into SVG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from glassnet.render.mathml import format_decimal
from glassnet.trace import MAX_NEURONS_SHOWN

if TYPE_CHECKING:
    from glassnet.network import Network

#: Decimals of the values written on the diagram (the panels show ``digits``).
DIAGRAM_DIGITS = 4

# A value set on the diagram: (element id, field, text, number for colour/width, is new).
DiagramSet = tuple[str, str, str, float | None, int]


def parameter_sets(
    kind: str, layer: int, value: ArrayLike, digits: int, new: int
) -> list[DiagramSet]:
    """The diagram values of layer ``layer``'s weights (``kind`` "W") or bias (``kind`` "b")."""
    value = np.asarray(value)
    if kind == "W":
        return [
            (f"w{layer}.{j}.{i}", "v", format_decimal(v, digits), float(v), new)
            for (j, i), v in np.ndenumerate(value)
        ]
    if value.ndim == 0:
        return [(f"b{layer}", "v", format_decimal(float(value), digits), float(value), new)]
    return [
        (f"b{layer}.{j}", "v", format_decimal(v, digits), float(v), new)
        for j, v in enumerate(value)
    ]


@dataclass
class Node:
    id: str
    name: str
    kind: str  # "input", "hidden", "output", "bias" or "layer"
    x: float
    y: float
    lines: tuple[str, ...] = ()


@dataclass
class Edge:
    id: str
    name: str
    title: str
    x1: float
    y1: float
    x2: float
    y2: float
    label: tuple[float, float] | None
    param: str
    dashed: bool = False
    show_label: bool = True
    target: str = ""  # a bias's line: the neuron it feeds
    note: str = ""  # a second line under the line (a layer's shape)


@dataclass
class Diagram:
    """Where each input, neuron, bias and weight is drawn, and the ids the page uses."""

    network: Network
    aggregated: bool
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # name -> id
    width: float = 0.0
    height: float = 0.0

    BOX_W = 112
    BOX_H = 66
    BIAS_W = 92
    BIAS_H = 46

    @classmethod
    def of(cls, network: Network) -> Diagram:
        diagram = cls(network, aggregated=max(network.sizes) > MAX_NEURONS_SHOWN)
        if diagram.aggregated:
            diagram.layout_layers()
        else:
            diagram.layout_neurons()
        return diagram

    def layer_ids(self, layer: int) -> list[str]:
        """Everything a matrix-form step about ``layer`` (0-based) touches."""
        if self.aggregated:
            return [f"L{layer}", f"W{layer}"]
        sizes = self.network.sizes
        ids = [f"n{layer}.{j}" for j in range(sizes[layer + 1])]
        ids += [f"w{layer}.{j}.{i}" for j in range(sizes[layer + 1]) for i in range(sizes[layer])]
        biases = [
            n.id for n in self.nodes if n.kind == "bias" and n.id.split(".")[0] == f"b{layer}"
        ]
        return ids + biases + [e.id for e in self.edges if e.param.split(".")[0] == f"b{layer}"]

    def input_ids(self) -> list[str]:
        return ["X"] if self.aggregated else [f"x{i}" for i in range(self.network.sizes[0])]

    def output_ids(self) -> list[str]:
        last = len(self.network.layers) - 1
        return (
            [f"L{last}"]
            if self.aggregated
            else [f"n{last}.{j}" for j in range(self.network.sizes[-1])]
        )

    # -- layout -----------------------------------------------------------

    def layout_neurons(self) -> None:
        network, names = self.network, self.network.names
        sizes, n_layers = network.sizes, len(network.layers)
        per_neuron_bias = any(layer.bias_mode == "neuron" for layer in network.layers)
        shared_bias = any(layer.bias_mode == "shared" for layer in network.layers)
        row_gap = 100 + (30 if per_neuron_bias else 0)
        most = max(sizes)
        top = 46 + (44 if per_neuron_bias else 0)
        gaps = []
        for k in range(n_layers):
            n_in, n_out = sizes[k], sizes[k + 1]
            gaps.append(max(200, 100 * n_in) if n_in * n_out <= 9 else 150)
        xs = [20 + self.BOX_W / 2]
        for gap in gaps:
            xs.append(xs[-1] + self.BOX_W + gap)

        def y(column: int, j: int) -> float:
            return top + self.BOX_H / 2 + (most - sizes[column]) * row_gap / 2 + j * row_gap

        for i in range(sizes[0]):
            self.add_node(Node(f"x{i}", names.input(i), "input", xs[0], y(0, i)))
        for k in range(n_layers):
            kind = "output" if k == n_layers - 1 else "hidden"
            for j in range(sizes[k + 1]):
                self.add_node(Node(f"n{k}.{j}", names.neuron(k, j), kind, xs[k + 1], y(k + 1, j)))
        bias_y = y(0, 0) + (most - 1) * row_gap + 92
        half = self.BOX_W / 2
        for k in range(n_layers):
            n_in, n_out = sizes[k], sizes[k + 1]
            labelled = n_in * n_out <= 9
            for j in range(n_out):
                dst = (xs[k + 1] - half, y(k + 1, j))
                for i in range(n_in):
                    src = (xs[k] + half, y(k, i))
                    # Labels of one source's lines sit at the same fraction of the way,
                    # staggered from source to source so that crossing lines' labels part.
                    t = 0.5 if n_in == 1 else 0.28 + 0.44 * i / (n_in - 1)
                    w = names.weight(k, j, i)
                    self.add_edge(
                        Edge(
                            f"w{k}.{j}.{i}",
                            w,
                            f"{w}: {names.node(k - 1, i)} → {names.neuron(k, j)}",
                            *src,
                            *dst,
                            label=(src[0] + t * (dst[0] - src[0]), src[1] + t * (dst[1] - src[1])),
                            param=f"w{k}.{j}.{i}",
                            show_label=labelled,
                        )
                    )
            layer = network.layers[k]
            if layer.bias_mode == "shared":
                b = names.bias(k)
                self.add_node(Node(f"b{k}", b, "bias", xs[k], bias_y))
                for j in range(n_out):
                    self.edges.append(
                        Edge(
                            f"b{k}>{j}",
                            b,
                            f"{b} → {names.neuron(k, j)}",
                            xs[k] + self.BIAS_W / 2,
                            bias_y,
                            xs[k + 1] - half,
                            y(k + 1, j),
                            label=None,
                            param=f"b{k}",
                            dashed=True,
                            target=names.neuron(k, j),
                        )
                    )
            elif layer.bias_mode == "neuron":
                for j in range(n_out):
                    b = names.bias(k, j)
                    cx, box_top = xs[k + 1], y(k + 1, j) - self.BOX_H / 2
                    self.add_node(Node(f"b{k}.{j}", b, "bias", cx, box_top - 34))
                    self.edges.append(
                        Edge(
                            f"b{k}.{j}>{j}",
                            b,
                            f"{b} → {names.neuron(k, j)}",
                            cx,
                            box_top - 34 + self.BIAS_H / 2,
                            cx,
                            box_top,
                            label=None,
                            param=f"b{k}.{j}",
                            dashed=True,
                            target=names.neuron(k, j),
                        )
                    )
        self.width = xs[-1] + half + 150
        bottom = y(0, 0) + (most - 1) * row_gap + self.BOX_H / 2
        self.height = (bias_y + self.BIAS_H / 2 if shared_bias else bottom) + 16

    def layout_layers(self) -> None:
        network, names = self.network, self.network.names
        sizes = network.sizes
        box_w, gap, cy = 170, 190, 100
        xs = [20 + box_w / 2 + c * (box_w + gap) for c in range(len(sizes))]
        self.add_node(Node("X", "inputs", "input", xs[0], cy, (f"{sizes[0]} inputs",)))
        for k, layer in enumerate(network.layers):
            kind = "output" if k == len(network.layers) - 1 else "hidden"
            lines = (f"{sizes[k + 1]} neurons", layer.activation.name)
            self.add_node(Node(f"L{k}", names.layer(k), kind, xs[k + 1], cy, lines))
            bias = "" if layer.bias_mode == "none" else f" + b({k + 1})"
            self.edges.append(
                Edge(
                    f"W{k}",
                    f"W({k + 1})",
                    f"layer {k + 1}: weights {sizes[k + 1]} × {sizes[k]}",
                    xs[k] + box_w / 2,
                    cy,
                    xs[k + 1] - box_w / 2,
                    cy,
                    label=((xs[k] + xs[k + 1]) / 2, cy - 16),
                    param=f"W{k}",
                    note=f"{sizes[k + 1]} × {sizes[k]}{bias}",
                )
            )
        self.width = xs[-1] + box_w / 2 + 20
        self.height = 170

    def add_node(self, node: Node) -> None:
        self.nodes.append(node)
        if not self.aggregated:
            self.ids[node.name] = node.id

    def add_edge(self, edge: Edge) -> None:
        self.edges.append(edge)
        self.ids[edge.name] = edge.id
