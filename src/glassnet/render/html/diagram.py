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

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from glassnet.render.html.labels import LINE, MARGIN, Box, Wanted, place_labels, text_width
from glassnet.render.mathml import format_decimal
from glassnet.trace import MAX_NEURONS_SHOWN

if TYPE_CHECKING:
    from glassnet.network import Network

#: Decimals of the values written on the diagram (the panels show ``digits``).
DIAGRAM_DIGITS = 4

# A value set on the diagram: (element id, field, text, number for colour/width, is new,
# the sample it belongs to or -1 for every sample); a value of the explanation that the
# page's script shows again after an edit also has its check name and the text before
# the number (``E = `` before E_o1's): ``glassnet.js`` rebuilds the text from them.
DiagramSet = (
    tuple[str, str, str, float | None, int, int]
    | tuple[str, str, str, float | None, int, int, str, str]
)


def parameter_sets(
    kind: str, layer: int, value: ArrayLike, digits: int, new: int
) -> list[DiagramSet]:
    """The diagram values of layer ``layer``'s weights (``kind`` "W") or bias (``kind`` "b")."""
    value = np.asarray(value)
    if kind == "W":
        return [
            (f"w{layer}.{j}.{i}", "v", format_decimal(v, digits), float(v), new, -1)
            for (j, i), v in np.ndenumerate(value)
        ]
    if value.ndim == 0:
        return [(f"b{layer}", "v", format_decimal(float(value), digits), float(value), new, -1)]
    return [
        (f"b{layer}.{j}", "v", format_decimal(v, digits), float(v), new, -1)
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
    box: Box | None = None  # the label's background, room for its longest text
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
    #: The longest text each (element id, field) shows at any step or slider position.
    longest: dict[tuple[str, str], str] = field(default_factory=dict)
    box_w: float = 112.0
    bias_w: float = 92.0

    BOX_H = 66
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

    def shown_labels(self, ids: Iterable[str]) -> list[str]:
        """The hidden weight labels to show with ``ids`` lit: in order, each clear of those
        already chosen (a whole layer's labels cannot all fit)."""
        hidden = {e.id: e.box for e in self.edges if not e.show_label and e.box is not None}
        chosen: list[tuple[str, Box]] = []
        for element in ids:
            box = hidden.get(element)
            if box is not None and not any(box.overlaps(b, MARGIN) for _, b in chosen):
                chosen.append((element, box))
        return [element for element, _ in chosen]

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

    def fit(self, sets: Iterable[DiagramSet]) -> None:
        """Lay the diagram out again, with room for the longest text each element will show."""
        for element, name, text, *_ in sets:
            key = (element, name)
            if text_width(text, 17) > text_width(self.longest.get(key, ""), 17):
                self.longest[key] = text
        if not self.aggregated:
            self.layout_neurons()

    def longest_width(self, ids: Iterable[str], name: str, size: float) -> float:
        return max((text_width(self.longest.get((i, name), ""), size) for i in ids), default=0.0)

    def layout_neurons(self) -> None:
        """Columns of neurons, widened until every weight label has a free place on its line."""
        sizes = self.network.sizes
        gaps = [
            max(200, 100 * n_in) if n_in * n_out <= 9 else 150
            for n_in, n_out in itertools.pairwise(sizes)
        ]
        for _ in range(60):
            crowded = self.try_layout(gaps)
            if crowded is None:
                return
            gaps[crowded] += 40

    def try_layout(self, gaps: list[int]) -> int | None:
        """Lays out with these gaps between columns; the first gap too narrow for its labels."""
        self.nodes, self.edges, self.ids = [], [], {}
        network, names = self.network, self.network.names
        sizes, n_layers = network.sizes, len(network.layers)
        per_neuron_bias = any(layer.bias_mode == "neuron" for layer in network.layers)
        shared_bias = any(layer.bias_mode == "shared" for layer in network.layers)
        self.size_boxes()
        row_gap = 100 + (30 if per_neuron_bias else 0)
        most = max(sizes)
        top = 46 + (44 if per_neuron_bias else 0)
        xs = [20 + self.box_w / 2]
        for gap in gaps:
            xs.append(xs[-1] + self.box_w + gap)

        def y(column: int, j: int) -> float:
            return top + self.BOX_H / 2 + (most - sizes[column]) * row_gap / 2 + j * row_gap

        for i in range(sizes[0]):
            self.add_node(Node(f"x{i}", names.input(i), "input", xs[0], y(0, i)))
        for k in range(n_layers):
            kind = "output" if k == n_layers - 1 else "hidden"
            for j in range(sizes[k + 1]):
                self.add_node(Node(f"n{k}.{j}", names.neuron(k, j), kind, xs[k + 1], y(k + 1, j)))
        bias_y = y(0, 0) + (most - 1) * row_gap + 92
        half = self.box_w / 2
        for k in range(n_layers):
            n_in, n_out = sizes[k], sizes[k + 1]
            labelled = n_in * n_out <= 9
            wanted = []
            for j in range(n_out):
                dst = (xs[k + 1] - half, y(k + 1, j))
                for i in range(n_in):
                    src = (xs[k] + half, y(k, i))
                    w = names.weight(k, j, i)
                    edge = Edge(
                        f"w{k}.{j}.{i}",
                        w,
                        f"{w}: {names.node(k - 1, i)} → {names.neuron(k, j)}",
                        *src,
                        *dst,
                        label=None,
                        param=f"w{k}.{j}.{i}",
                        show_label=labelled,
                    )
                    self.add_edge(edge)
                    # Labels of one source's lines prefer the same fraction of the way,
                    # staggered from source to source so that crossing lines' labels part;
                    # hidden labels (shown a neuron's worth at a time) prefer the middle.
                    prefer = 0.5 if n_in == 1 or not labelled else 0.28 + 0.44 * i / (n_in - 1)
                    text = f"{w} {self.longest.get((edge.id, 'v'), '')}"
                    size = (text_width(text, 15) + 8, 15 * LINE + 2)
                    wanted.append(Wanted(edge.id, src, dst, *size, prefer))
            placed = place_labels(
                wanted, xs[k] + half, xs[k + 1] - half, _all if labelled else _same_end
            )
            if placed is None:
                return k
            for edge in self.edges[-len(wanted) :]:
                edge.box = placed[edge.id]
                edge.label = ((edge.box.x0 + edge.box.x1) / 2, (edge.box.y0 + edge.box.y1) / 2)
            self.add_biases(k, xs, y, bias_y)
        side = self.longest_width(self.output_ids(), "t", 14)
        side = max(side, self.longest_width(self.output_ids(), "e", 14))
        total = text_width(self.longest.get(("E", "v"), ""), 17)
        self.width = max(xs[-1] + half + 10 + side + 12, total + 30)
        bottom = y(0, 0) + (most - 1) * row_gap + self.BOX_H / 2
        self.height = (bias_y + self.BIAS_H / 2 if shared_bias else bottom) + 16
        return None

    def size_boxes(self) -> None:
        """Neuron and bias boxes wide enough for their names and their longest values."""
        network, names = self.network, self.network.names
        sizes, n_layers = network.sizes, len(network.layers)
        labels = [names.input(i) for i in range(sizes[0])]
        labels += [names.neuron(k, j) for k in range(n_layers) for j in range(sizes[k + 1])]
        ids = [*self.input_ids()]
        ids += [f"n{k}.{j}" for k in range(n_layers) for j in range(sizes[k + 1])]
        bias_names = [names.bias(k, j) for k in range(n_layers) for j in range(sizes[k + 1])]
        bias_ids = [e for e, _ in self.longest if e.startswith("b")]
        bias = max(
            self.longest_width(bias_ids, "v", 17),
            max(text_width(b, 17) for b in [*bias_names, names.bias(0)]),
        )
        self.bias_w = max(92.0, bias + 16)
        widest = max(
            self.longest_width(ids, "v", 17),
            self.longest_width(ids, "d", 14),
            max(text_width(n, 17) for n in labels),
        )
        self.box_w = max(112.0, widest + 16, self.bias_w)

    def add_biases(
        self, k: int, xs: list[float], y: Callable[[int, int], float], bias_y: float
    ) -> None:
        """Layer ``k``'s bias: one box under the column before it, or one above each neuron."""
        names, half = self.network.names, self.box_w / 2
        layer = self.network.layers[k]
        n_out = self.network.sizes[k + 1]
        if layer.bias_mode == "shared":
            b = names.bias(k)
            self.add_node(Node(f"b{k}", b, "bias", xs[k], bias_y))
            for j in range(n_out):
                self.edges.append(
                    Edge(
                        f"b{k}>{j}",
                        b,
                        f"{b} → {names.neuron(k, j)}",
                        xs[k] + self.bias_w / 2,
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
                    box=Box.around(
                        (xs[k] + xs[k + 1]) / 2, cy - 16, text_width(f"W({k + 1})", 15) + 8, 20
                    ),
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


def _all(a: str, b: str) -> bool:
    """Labels that are always shown must all stay clear of each other."""
    return True


def _same_end(a: str, b: str) -> bool:
    """Labels shown a neuron's worth at a time: those of one source's or one target's lines."""
    _, j1, i1 = a.split(".")
    _, j2, i2 = b.split(".")
    return j1 == j2 or i1 == i2
