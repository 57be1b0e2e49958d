"""HTML: one self-contained page to click through a worked example, offline.

``render_html(explanation)`` returns a complete document: an SVG diagram of the
network, step controls (buttons and the arrow keys) that walk the explanation
block by block while the diagram highlights what each step touches, a
derivation panel that shows a weight's or bias's whole chain rule when it is
clicked, every step as MathML, and with ``history`` (the traces of successive
updates, ``--steps N``) a loss curve and a slider over the steps.

Everything is inline (CSS and JavaScript from ``assets/``, the data as JSON) and
a Content-Security-Policy allows nothing else, so the page makes no request of
any kind. Without JavaScript (a notebook that strips scripts) the diagram and
every step are still there: the script only adds the walk, the clicks and the
slider. ``render_fragment`` is the same view as one ``<div>`` for Jupyter.

Renderers format; they do not calculate. Every number comes from a step or a
trace; the only arithmetic here is layout (coordinates, line widths and shades
scaled from a value, the loss curve's axes).

Networks with a layer wider than ``MAX_NEURONS_SHOWN`` are drawn one box per
layer; their explanation is already in matrix form, shown as summarised tables.

>>> from glassnet.examples import load_example
>>> from glassnet.explanation import explain_example
>>> page = render_html(explain_example(load_example("mazur")))
>>> page.startswith("<!DOCTYPE html>") and "0.082167041" in page
True
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.explanation import Block, Explanation, Section, Step
from glassnet.render.mathml import MathMLFormatter, format_decimal
from glassnet.render.text import TextFormatter
from glassnet.trace import MAX_NEURONS_SHOWN

if TYPE_CHECKING:
    from glassnet.network import Network
    from glassnet.trace import Trace

#: Decimals of the values written on the diagram (the panels show ``digits``).
DIAGRAM_DIGITS = 4
#: Decimals of the entries of matrix-form tables.
TABLE_DIGITS = 6
#: The slider has at most this many positions; longer training is subsampled evenly.
MAX_SLIDER_POINTS = 201
#: The loss curve has at most this many points.
MAX_CURVE_POINTS = 1000
#: Matrix-form tables show this many rows and columns at each end.
EDGE_ITEMS = 3

# A value set on the diagram: (element id, field, text, number for colour/width, is new).
DiagramSet = tuple[str, str, str, float | None, int]


def render_html(
    explanation: Explanation, *, digits: int = 9, history: Sequence[Trace] | None = None
) -> str:
    """The explanation as a complete, self-contained HTML document."""
    page = _Page(explanation, digits=digits, history=history, prefix="gn", keys="page")
    css, js = _asset("glassnet.css"), _asset("glassnet.js")
    title = explanation.title or "One backpropagation update"
    csp = (
        "default-src 'none'; "
        f"script-src '{_sha256(js)}'; style-src '{_sha256(css)}'; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)} · glassnet</title>\n"
        f"<style>{css}</style>\n</head>\n<body>\n"
        f"{page.body()}\n<script>{js}</script>\n</body>\n</html>\n"
    )


def render_fragment(
    explanation: Explanation, *, digits: int = 9, history: Sequence[Trace] | None = None
) -> str:
    """The same view as one ``<div>`` with its style and script, for a notebook cell.

    The arrow keys step only while the focus is inside the view, so several
    views in one notebook do not all move at once.
    """
    prefix = "gn" + uuid.uuid4().hex[:8]
    page = _Page(explanation, digits=digits, history=history, prefix=prefix, keys="local")
    return (
        f"<style>{_asset('glassnet.css')}</style>\n{page.body()}\n"
        f"<script>{_asset('glassnet.js')}</script>\n"
    )


def notebook_markdown(explanation: Explanation, *, digits: int = 9) -> str:
    """Markdown for notebooks that do not show HTML; plain text in a code block without it."""
    try:
        from glassnet.render.markdown import render_markdown
    except ImportError:
        from glassnet.render.text import render_text

        return "```text\n" + render_text(explanation, digits=digits) + "```\n"
    return str(render_markdown(explanation, digits=digits))


def edge_width(value: float, scale: float) -> float:
    """A connection's line width from its weight (``width`` in ``glassnet.js``)."""
    return round(1.0 + 5.0 * min(1.0, abs(value) / scale), 2)


def node_shade(value: float, scale: float) -> float:
    """A neuron's fill opacity from its output (``shade`` in ``glassnet.js``)."""
    return round(0.08 + 0.47 * min(1.0, abs(value) / scale), 3)


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>`` and ``&`` become ``\\u003c``…

    NaN and infinities (a diverged update) become ``null``: their text is already in the labels.
    """
    text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _asset(name: str) -> str:
    return resources.files("glassnet.render").joinpath("assets", name).read_text("utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _scalar(value: object) -> bool:
    return not isinstance(value, np.ndarray) or value.ndim == 0


# -- the diagram -------------------------------------------------------------


@dataclass
class _Node:
    id: str
    name: str
    kind: str  # "input", "hidden", "output", "bias" or "layer"
    x: float
    y: float
    lines: tuple[str, ...] = ()


@dataclass
class _Edge:
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
class _Diagram:
    """Where each input, neuron, bias and weight is drawn, and the ids the page uses.

    Ids are made from positions only (``n0.1`` is neuron 1 of layer 0, ``w1.0.1``
    its weight from input 1), never from names, which are user text.
    """

    network: Network
    aggregated: bool
    nodes: list[_Node] = field(default_factory=list)
    edges: list[_Edge] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # name -> id
    width: float = 0.0
    height: float = 0.0

    BOX_W = 112
    BOX_H = 66
    BIAS_W = 92
    BIAS_H = 46

    @classmethod
    def of(cls, network: Network) -> _Diagram:
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
            self.add_node(_Node(f"x{i}", names.input(i), "input", xs[0], y(0, i)))
        for k in range(n_layers):
            kind = "output" if k == n_layers - 1 else "hidden"
            for j in range(sizes[k + 1]):
                self.add_node(_Node(f"n{k}.{j}", names.neuron(k, j), kind, xs[k + 1], y(k + 1, j)))
        bias_y = y(0, 0) + (most - 1) * row_gap + 92
        half = self.BOX_W / 2
        for k in range(n_layers):
            n_in, n_out = sizes[k], sizes[k + 1]
            labelled = n_in * n_out <= 9
            for j in range(n_out):
                dst = (xs[k + 1] - half, y(k + 1, j))
                source_name = names.node(k - 1, 0)
                for i in range(n_in):
                    src = (xs[k] + half, y(k, i))
                    # Labels of one source's lines sit at the same fraction of the way,
                    # staggered from source to source so that crossing lines' labels part.
                    t = 0.5 if n_in == 1 else 0.28 + 0.44 * i / (n_in - 1)
                    w = names.weight(k, j, i)
                    source_name = names.node(k - 1, i)
                    self.add_edge(
                        _Edge(
                            f"w{k}.{j}.{i}",
                            w,
                            f"{w}: {source_name} → {names.neuron(k, j)}",
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
                self.add_node(_Node(f"b{k}", b, "bias", xs[k], bias_y))
                for j in range(n_out):
                    self.edges.append(
                        _Edge(
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
                    self.add_node(_Node(f"b{k}.{j}", b, "bias", cx, box_top - 34))
                    self.edges.append(
                        _Edge(
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
        self.add_node(_Node("X", "inputs", "input", xs[0], cy, (f"{sizes[0]} inputs",)))
        for k, layer in enumerate(network.layers):
            kind = "output" if k == len(network.layers) - 1 else "hidden"
            lines = (f"{sizes[k + 1]} neurons", layer.activation.name)
            self.add_node(_Node(f"L{k}", names.layer(k), kind, xs[k + 1], cy, lines))
            bias = "" if layer.bias_mode == "none" else f" + b({k + 1})"
            self.edges.append(
                _Edge(
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

    def add_node(self, node: _Node) -> None:
        self.nodes.append(node)
        if not self.aggregated:
            self.ids[node.name] = node.id

    def add_edge(self, edge: _Edge) -> None:
        self.edges.append(edge)
        self.ids[edge.name] = edge.id

    # -- drawing ----------------------------------------------------------

    def svg(
        self,
        values: dict[tuple[str, str], tuple[str, float | None, int]],
        scales: dict[str, float],
        *,
        label: str,
        css_class: str,
    ) -> str:
        """The diagram with ``values[(id, field)] = (text, number, new)`` filled in."""

        def field(element: str, name: str) -> str:
            return _e(values.get((element, name), ("", None, 0))[0])

        def number(element: str) -> float | None:
            return values.get((element, "v"), ("", None, 0))[1]

        def new(element: str) -> str:
            return " gn-new" if values.get((element, "v"), ("", None, 0))[2] else ""

        out = [
            f'<svg class="{css_class}" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'role="group" aria-label="{_e(label)}">'
        ]
        out.append(
            f'<g data-id="E"><text class="gn-total" x="{self.width - 10:.0f}" y="22" '
            f'text-anchor="end" data-f="v">{field("E", "v")}</text></g>'
        )
        for edge in self.edges:
            value = number(edge.param if edge.dashed else edge.id)
            sign = "gn-neg" if value is not None and value < 0 else "gn-pos"
            width = edge_width(value, scales["w"]) if value is not None else 1.5
            dash = ' stroke-dasharray="6 5"' if edge.dashed else ""
            coords = f'x1="{edge.x1:.1f}" y1="{edge.y1:.1f}" x2="{edge.x2:.1f}" y2="{edge.y2:.1f}"'
            out.append(
                f'<g class="gn-edge {sign}" data-id="{edge.id}" data-param="{edge.param}">'
                f"<title>{_e(edge.title)}</title>"
                f'<line class="gn-hit" {coords}/>'
                f'<line class="gn-line" {coords} stroke-width="{width}"{dash}/></g>'
            )
        for edge in self.edges:
            if edge.label is None:
                continue
            lx, ly = edge.label
            hidden = "" if edge.show_label else " gn-auto"
            out.append(
                f'<g class="gn-wlabel{hidden}{new(edge.id)}" data-id="{edge.id}" '
                f'data-param="{edge.param}"><text x="{lx:.1f}" y="{ly + 5:.1f}" '
                f'text-anchor="middle"><tspan class="gn-name">{_e(edge.name)}</tspan> '
                f'<tspan data-f="v">{field(edge.id, "v")}</tspan></text>'
                + (
                    f'<text class="gn-small" x="{lx:.1f}" y="{ly + 40:.1f}" '
                    f'text-anchor="middle">{_e(edge.note)}</text>'
                    if edge.note
                    else ""
                )
                + "</g>"
            )
        for node in self.nodes:
            out.append(self.node_svg(node, values, scales, field, new))
        out.append("</svg>")
        return "".join(out)

    def node_svg(
        self, node: _Node, values: Any, scales: dict[str, float], field: Any, new: Any
    ) -> str:
        value = values.get((node.id, "v"), ("", None, 0))[1]
        sign = "gn-neg" if value is not None and value < 0 else "gn-pos"
        shade = node_shade(value, scales["v"]) if value is not None else 0.0
        param = f' data-param="{node.id}"' if node.kind == "bias" else ""
        head = (
            f'<g class="gn-node gn-{node.kind} {sign}{new(node.id)}" data-id="{node.id}"{param}>'
            f"<title>{_e(node.name)}</title>"
        )
        x, y = node.x, node.y
        if node.kind == "bias":
            w, h = self.BIAS_W, self.BIAS_H
            return (
                f'{head}<rect class="gn-box" x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" '
                f'width="{w}" height="{h}" rx="8"/>'
                f'<text class="gn-name" x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                f"{_e(node.name)}</text>"
                f'<text x="{x:.1f}" y="{y + 15:.1f}" text-anchor="middle" data-f="v">'
                f"{field(node.id, 'v')}</text></g>"
            )
        if node.lines:  # a whole layer
            w, h = 170, 96
            texts = [
                f'<text class="gn-name" x="{x}" y="{y - 18}" text-anchor="middle">'
                f"{_e(node.name)}</text>"
            ]
            for k, line in enumerate(node.lines):
                texts.append(
                    f'<text x="{x}" y="{y + 4 + 20 * k}" text-anchor="middle">{_e(line)}</text>'
                )
            return (
                f'{head}<rect class="gn-box" x="{x - w / 2}" y="{y - h / 2}" width="{w}" '
                f'height="{h}" rx="12"/>{"".join(texts)}</g>'
            )
        w, h = self.BOX_W, self.BOX_H
        parts = [
            head,
            f'<rect class="gn-box" x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" '
            f'height="{h}" rx="12"/>',
            f'<rect class="gn-fill" x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" '
            f'height="{h}" rx="12" fill-opacity="{shade}"/>',
            f'<text class="gn-name" x="{x:.1f}" y="{y - 12:.1f}" text-anchor="middle">'
            f"{_e(node.name)}</text>",
            f'<text x="{x:.1f}" y="{y + 8:.1f}" text-anchor="middle" data-f="v">'
            f"{field(node.id, 'v')}</text>",
            f'<text class="gn-small" x="{x:.1f}" y="{y + 26:.1f}" text-anchor="middle" '
            f'data-f="d">{field(node.id, "d")}</text>',
        ]
        if node.kind == "output":
            tx = x + w / 2 + 10
            parts.append(
                f'<text class="gn-small" x="{tx:.1f}" y="{y - 6:.1f}" data-f="t">'
                f"{field(node.id, 't')}</text>"
                f'<text class="gn-small" x="{tx:.1f}" y="{y + 14:.1f}" data-f="e">'
                f"{field(node.id, 'e')}</text>"
            )
        parts.append("</g>")
        return "".join(parts)


# -- the page ----------------------------------------------------------------


@dataclass
class _Stop:
    """One position of the step controls: a block, or one step of it."""

    title: str
    block: str
    steps: list[str] | None
    highlight: list[str]
    sets: list[DiagramSet]


class _Page:
    """Builds the view of one explanation; ``prefix`` keeps its element ids unique."""

    def __init__(
        self,
        explanation: Explanation,
        *,
        digits: int,
        history: Sequence[Trace] | None,
        prefix: str,
        keys: str,
    ):
        self.explanation = explanation
        self.trace = explanation.trace
        self.network = explanation.trace.network
        self.digits = digits
        self.history = list(history) if history else None
        self.prefix = prefix
        self.keys = keys
        self.math = MathMLFormatter(digits)
        self.text = TextFormatter(digits)
        self.diagram = _Diagram.of(self.network)
        self.block_ids: dict[int, str] = {}
        self.step_ids: dict[int, str] = {}
        self.block_of_key: dict[str, str] = {}
        self.step_of_key: dict[str, Step] = {}
        self.step_id_of_key: dict[str, str] = {}
        self.assign_ids()
        self.value_keys = self.diagram_keys()

    def assign_ids(self) -> None:
        n_block = n_step = 0
        for section in self.explanation.sections:
            for block in section.blocks:
                self.block_ids[id(block)] = f"{self.prefix}-b{n_block}"
                n_block += 1
                for step in block.steps:
                    sid = f"{self.prefix}-s{n_step}"
                    n_step += 1
                    self.step_ids[id(step)] = sid
                    self.block_of_key.setdefault(step.key, self.block_ids[id(block)])
                    self.step_of_key.setdefault(step.key, step)
                    self.step_id_of_key.setdefault(step.key, sid)

    def body(self) -> str:
        data = self.data()
        p = self.prefix
        return (
            f'<div class="glassnet" id="{p}" data-gn-keys="{self.keys}" lang="en">'
            f"{self.header()}"
            f'<div class="gn-layout">{self.figure()}{self.panels()}</div>'
            f"{self.training()}{self.all_steps()}"
            '<footer class="gn-foot"><p>Made with glassnet. This page works offline: it loads '
            "nothing. Numbers are rounded to "
            f"{self.digits} decimals in the steps and {min(self.digits, DIAGRAM_DIGITS)} on the "
            "diagram.</p></footer>"
            f'<script type="application/json" class="gn-data">{script_json(data)}</script>'
            "</div>"
        )

    # -- header -----------------------------------------------------------

    def header(self) -> str:
        ex, network, trace = self.explanation, self.network, self.trace
        title = ex.title or "One backpropagation update"
        credit = _e(ex.source)
        if ex.url:
            link = (
                f'<a href="{_e(ex.url)}" rel="noopener noreferrer">{_e(ex.url)}</a>'
                if re.match(r"https?://", ex.url)
                else _e(ex.url)
            )
            credit = f"{credit} — {link}" if credit else link
        layers = ", ".join(
            f"{network.names.layer(k)} {layer.activation.name}"
            for k, layer in enumerate(network.layers)
        )
        sizes = "-".join(str(n) for n in network.sizes)
        samples = f"{trace.n_samples} sample{'s' if trace.n_samples > 1 else ''}"
        lines = [
            '<header class="gn-head">',
            '<p class="gn-kicker">glassnet · a worked example of backpropagation</p>',
            f'<h1 class="gn-title">{_e(title)}</h1>',
        ]
        if credit:
            lines.append(f'<p class="gn-credit">{credit}</p>')
        if ex.description:
            lines.append(f'<p class="gn-description">{_e(ex.description)}</p>')
        lines.append(
            f'<p class="gn-network">network {sizes}: {_e(layers)}; loss {_e(network.loss.name)}, '
            f"{network.batch_reduction} over {samples}; learning rate η = "
            f"{format_decimal(trace.learning_rate, self.digits)}</p>"
        )
        if ex.matrix_form:
            lines.append(
                '<p class="gn-note">Too large to show neuron by neuron: each layer is shown in '
                "matrix form (first and last rows and columns) and the diagram has one box per "
                "layer.</p>"
            )
        lines.append("</header>")
        return "".join(lines)

    # -- the diagram and the panels ---------------------------------------

    def figure(self) -> str:
        p = self.prefix
        values = self.static_values()
        svg = self.diagram.svg(
            values,
            self.scales(),
            label="The network: inputs on the left, the outputs on the right",
            css_class="gn-diagram",
        )
        if self.diagram.aggregated:
            legend = "One box per layer; click a layer's weights for its derivation in matrix form."
        else:
            legend = (
                "Blue: positive, orange: negative; a thicker line is a larger weight. Click a "
                "weight or bias for its derivation."
            )
        return (
            f'<section class="gn-figure" aria-labelledby="{p}-fig">'
            f'<h2 id="{p}-fig">The network</h2>'
            f'<div class="gn-scroll">{svg}</div><p class="gn-legend">{legend}</p>'
            '<div class="gn-controls gn-js" hidden>'
            '<button type="button" data-go="first" aria-label="First step">First</button>'
            '<button type="button" data-go="prev" aria-label="Previous step (left arrow)">'
            "◀ Back</button>"
            '<button type="button" data-go="next" aria-label="Next step (right arrow)">'
            "Next ▶</button>"
            '<button type="button" data-go="last" aria-label="Last step">Last</button>'
            f'<p class="gn-status" aria-live="polite" id="{p}-status"></p></div>'
            "</section>"
        )

    def panels(self) -> str:
        p = self.prefix
        buttons = "".join(
            f'<button type="button" data-param="{pid}" aria-pressed="false">{_e(name)}</button>'
            for pid, name in self.param_names()
        )
        return (
            '<div class="gn-panels">'
            f'<section class="gn-current gn-js" hidden aria-labelledby="{p}-cur">'
            f'<h2 id="{p}-cur">This step</h2><div class="gn-current-body"></div></section>'
            f'<section class="gn-derivation gn-js" hidden aria-labelledby="{p}-der">'
            f'<h2 id="{p}-der">Derivation of one parameter</h2>'
            "<p>Click a weight or bias on the diagram, or choose one:</p>"
            f'<div class="gn-params" role="group" aria-label="Parameters">{buttons}</div>'
            '<div class="gn-derivation-body" aria-live="polite"></div></section>'
            "</div>"
        )

    def param_names(self) -> list[tuple[str, str]]:
        """``(id, name)`` of every weight and bias (every layer in matrix form)."""
        if self.explanation.matrix_form or self.diagram.aggregated:
            return [(f"W{k}", f"layer {k + 1}") for k in range(len(self.network.layers))]
        names = self.network.names
        result = []
        for k, layer in enumerate(self.network.layers):
            n_out, n_in = layer.weights.shape
            result += [
                (f"w{k}.{j}.{i}", names.weight(k, j, i)) for j in range(n_out) for i in range(n_in)
            ]
            if layer.bias_mode == "shared":
                result.append((f"b{k}", names.bias(k)))
            elif layer.bias_mode == "neuron":
                result += [(f"b{k}.{j}", names.bias(k, j)) for j in range(n_out)]
        return result

    # -- every step as MathML ---------------------------------------------

    def all_steps(self) -> str:
        p = self.prefix
        out = [
            f'<section class="gn-all" aria-labelledby="{p}-all"><h2 id="{p}-all">Every step</h2>'
        ]
        for section in self.explanation.sections:
            out.append(self.section_html(section))
        out.append("</section>")
        return "".join(out)

    def section_html(self, section: Section) -> str:
        out = [
            f'<section class="gn-section" data-kind="{section.kind}"><h3>{_e(section.title)}</h3>'
        ]
        if section.intro:
            out.append(f'<p class="gn-intro">{_e(section.intro)}</p>')
        for block in section.blocks:
            out.append(self.block_html(block, given=section.kind == "given"))
        out.append("</section>")
        return "".join(out)

    def block_html(self, block: Block, *, given: bool) -> str:
        kind = " gn-given" if given else ""
        steps = "".join(self.step_html(step) for step in block.steps)
        return (
            f'<div class="gn-block{kind}" id="{self.block_ids[id(block)]}">'
            f'<h4>{_e(block.title)}</h4><ol class="gn-list">{steps}</ol></div>'
        )

    def step_html(self, step: Step) -> str:
        parts = [self.math(step.lhs)]
        note = f'<span class="gn-note">({_e(step.note)})</span>' if step.note else ""
        sid, key = self.step_ids[id(step)], _e(step.key)
        if not _scalar(step.value):
            value = np.asarray(step.value)
            if step.formula is not None:
                parts.append(self.math(step.formula, prefix="<mo>=</mo>"))
            shape = " × ".join(str(n) for n in value.shape)
            spans = "".join(f'<span class="gn-part">{part}</span>' for part in parts)
            return (
                f'<li class="gn-step gn-array" id="{sid}" data-key="{key}">'
                f'<div class="gn-eq">{spans}<span class="gn-shape">[{shape}]</span>{note}</div>'
                f"{self.table(value)}</li>"
            )
        rendered = [self.math.format(e) for e in (step.formula, step.numbers) if e is not None]
        value_ml = self.math.number(float(np.asarray(step.value)))
        if rendered and rendered[-1] == value_ml:
            rendered.pop()
        parts += [f"<math><mo>=</mo>{r}</math>" for r in [*rendered, value_ml]]
        spans = "".join(f'<span class="gn-part">{part}</span>' for part in parts)
        return (
            f'<li class="gn-step" id="{sid}" data-key="{key}"><div class="gn-eq">{spans}{note}'
            "</div></li>"
        )

    def table(self, value: np.ndarray) -> str:
        """A matrix summarised like NumPy prints it: the first and last rows and columns."""
        array = np.atleast_2d(value)
        rows, cols = array.shape[:2]
        digits = min(self.digits, TABLE_DIGITS)

        def picks(n: int) -> list[int | None]:
            if n <= 2 * EDGE_ITEMS + 1:
                return list(range(n))
            return [*range(EDGE_ITEMS), None, *range(n - EDGE_ITEMS, n)]

        body = []
        for r in picks(rows):
            cells = []
            for c in picks(cols):
                if r is None:
                    cells.append("<td>⋮</td>" if c is not None else "<td>⋱</td>")
                elif c is None:
                    cells.append("<td>…</td>")
                else:
                    cells.append(f"<td>{_e(format_decimal(array[r, c], digits))}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        label = f"{rows} × {cols}" if np.ndim(value) > 1 else f"{cols} values"
        return (
            f'<div class="gn-table-wrap"><table class="gn-matrix" aria-label="{label}">'
            f"{''.join(body)}</table></div>"
        )

    # -- what the diagram shows at each step ------------------------------

    def diagram_keys(self) -> dict[str, tuple[str, str, str, int]]:
        """Step key -> (element id, field, text before the value, sample or -1)."""
        keys: dict[str, tuple[str, str, str, int]] = {
            "E_total": ("E", "v", "E_total = ", -1),
            "E_total+": ("E", "v", "E_total+ = ", -1),
        }
        if self.explanation.matrix_form or self.diagram.aggregated:
            return keys
        names, sizes = self.network.names, self.network.sizes
        batch = self.trace.n_samples > 1
        last = len(self.network.layers) - 1
        for s in range(self.trace.n_samples):
            sfx = f"[{s + 1}]" if batch else ""
            for i in range(sizes[0]):
                keys[names.input(i) + sfx] = (f"x{i}", "v", "", s)
            for k in range(len(self.network.layers)):
                for j in range(sizes[k + 1]):
                    n, nid = names.neuron(k, j), f"n{k}.{j}"
                    keys[f"out_{n}{sfx}"] = (nid, "v", "", s)
                    keys[f"delta_{n}{sfx}"] = (nid, "d", "δ = ", s)
                    if k == last:
                        keys[f"target_{n}{sfx}"] = (nid, "t", "target = ", s)
                        keys[f"E_{n}{sfx}"] = (nid, "e", "E = ", s)
                        keys[f"out_{n}+{sfx}"] = (nid, "v", "", s)
        for name, element in self.diagram.ids.items():
            if element[0] in "wb":
                keys[name] = (element, "v", "", -1)
                keys[name + "+"] = (element, "v", "", -1)
        return keys

    def sets_of(self, steps: Iterable[Step]) -> list[DiagramSet]:
        """The diagram values the steps reveal; in a batch, the sample's inputs come first."""
        steps = list(steps)
        sets: list[DiagramSet] = []
        if self.trace.n_samples > 1:
            samples = {self.value_keys[s.key][3] for s in steps if s.key in self.value_keys}
            for sample in sorted(samples - {-1}):
                sets += self.sample_sets(sample)
        digits = min(self.digits, DIAGRAM_DIGITS)
        for step in steps:
            if step.key in self.value_keys and _scalar(step.value):
                element, name, before, _ = self.value_keys[step.key]
                value = float(np.asarray(step.value))
                text = before + format_decimal(value, digits)
                new = int(step.key.endswith("+") or "+[" in step.key)
                sets.append((element, name, text, value, new))
            elif not self.diagram.aggregated:
                sets += self.matrix_sets(step)
        return sets

    def sample_sets(self, sample: int) -> list[DiagramSet]:
        """The inputs and targets of one sample, read from the given section."""
        digits = min(self.digits, DIAGRAM_DIGITS)
        sets: list[DiagramSet] = []
        for key, (element, name, before, s) in self.value_keys.items():
            step = self.step_of_key.get(key)
            if s == sample and (element.startswith("x") or name == "t") and step is not None:
                value = float(np.asarray(step.value))
                sets.append((element, name, before + format_decimal(value, digits), value, 0))
        return sets

    def matrix_sets(self, step: Step) -> list[DiagramSet]:
        """Weights and biases of a small network explained in matrix form (a large batch)."""
        match = re.fullmatch(r"(W|b)_layer(\d+)(\+?)", step.key)
        if match is None or (_scalar(step.value) and match.group(1) == "W"):
            return []
        kind, layer, new = match.group(1), int(match.group(2)) - 1, int(bool(match.group(3)))
        digits = min(self.digits, DIAGRAM_DIGITS)
        value = np.asarray(step.value)
        sets: list[DiagramSet] = []
        if kind == "W":
            for (j, i), v in np.ndenumerate(value):
                sets.append((f"w{layer}.{j}.{i}", "v", format_decimal(v, digits), float(v), new))
        elif value.ndim == 0:
            sets.append((f"b{layer}", "v", format_decimal(float(value), digits), float(value), new))
        else:
            for j, v in enumerate(value):
                sets.append((f"b{layer}.{j}", "v", format_decimal(v, digits), float(v), new))
        return sets

    def highlight(self, steps: Iterable[Step]) -> list[str]:
        """The diagram ids of what the steps touch (whole layers in matrix form)."""
        ids: list[str] = []
        touched: set[str] = set()
        for step in steps:
            touched.update(step.touches)
            for name in step.touches:
                element = self.diagram.ids.get(name)
                if element is not None and element not in ids:
                    ids.append(element)
            for match in re.finditer(r"_layer(\d+)", step.key):
                ids += [i for i in self.diagram.layer_ids(int(match.group(1)) - 1) if i not in ids]
            if step.key == "X":
                ids += self.diagram.input_ids()
            elif step.key == "T":
                ids += self.diagram.output_ids()
        # A bias's dashed line lights up with the bias and the neuron it feeds.
        for edge in self.diagram.edges:
            if edge.dashed and edge.name in touched and edge.target in touched:
                ids.append(edge.id)
        return list(dict.fromkeys(ids))

    def stops(self) -> list[_Stop]:
        stops = []
        for section in self.explanation.sections:
            for block in section.blocks:
                block_id = self.block_ids[id(block)]
                if section.kind == "update" and not self.explanation.matrix_form:
                    for step in block.steps:
                        stops.append(
                            _Stop(
                                f"{section.title} · {block.title} · {self.text(step.lhs)}",
                                block_id,
                                [self.step_ids[id(step)]],
                                self.highlight([step]),
                                self.sets_of([step]),
                            )
                        )
                else:
                    stops.append(
                        _Stop(
                            f"{section.title} · {block.title}",
                            block_id,
                            None,
                            self.highlight(block.steps),
                            self.sets_of(block.steps),
                        )
                    )
        return stops

    def given_sets(self) -> list[DiagramSet]:
        """What the diagram always shows: the parameters and the first sample's values."""
        given = [s for s in self.explanation.sections if s.kind == "given"]
        steps = [step for section in given for b in section.blocks for step in b.steps]
        shared = [s for s in steps if self.value_keys.get(s.key, ("", "", "", -1))[3] == -1]
        return self.sample_sets(0) + self.sets_of(shared)

    def static_values(self) -> dict[tuple[str, str], tuple[str, float | None, int]]:
        """The diagram without the script: the given values, the forward pass and the error."""
        values: dict[tuple[str, str], tuple[str, float | None, int]] = {}
        shown = [s for s in self.explanation.sections if s.kind in ("forward", "error")]
        steps = [step for section in shown for b in section.blocks for step in b.steps]
        for element, name, text, number, new in self.given_sets() + self.sets_of(steps):
            values[(element, name)] = (text, number, new)
        return values

    def scales(self) -> dict[str, float]:
        """The largest |weight| and |neuron output| drawn: full width and full shade."""
        weights = [1e-12]
        outs = [1e-12]
        traces = [self.trace, *(self.history or [])]
        for trace in traces:
            for lt in trace.layers:
                weights += [float(np.abs(lt.weights).max()), float(np.abs(lt.new_weights).max())]
                outs.append(float(np.abs(lt.out).max()))
        return {"w": max(weights), "v": max(outs)}

    # -- derivations ------------------------------------------------------

    def params(self) -> dict[str, dict[str, Any]]:
        """For each parameter: the blocks and the update step of its chain rule."""
        result = {}
        for pid, name in self.param_names():
            blocks, keys = self.derivation(pid)
            ordered = sorted(set(blocks), key=lambda b: int(b.rsplit("b", 1)[1]))
            update = [self.step_id_of_key[k] for k in keys if k in self.step_id_of_key]
            steps = [s for b in ordered for s in self.block_steps(b)]
            steps += [self.step_of_key[k] for k in keys if k in self.step_of_key]
            result[pid] = {
                "name": name,
                "blocks": ordered,
                "steps": update,
                "hl": self.highlight(steps),
            }
        return result

    def derivation(self, pid: str) -> tuple[list[str], list[str]]:
        """Block ids of a parameter's chain rule, and the keys of its update step."""
        network, names = self.network, self.network.names
        n_layers = len(network.layers)
        if pid.startswith("W"):
            layer = int(pid[1:])
            blocks = [
                self.block_of_key[f"delta_layer{k + 1}"]
                for k in range(layer, n_layers)
                if f"delta_layer{k + 1}" in self.block_of_key
            ]
            update = [f"W_layer{layer + 1}+"]
            if f"b_layer{layer + 1}+" in self.step_of_key:
                update.append(f"b_layer{layer + 1}+")
            return blocks, update
        parts = [int(x) for x in pid[1:].split(".")]
        layer = parts[0]
        if pid.startswith("w"):
            j, i = parts[1], parts[2]
            own = [j]
            name = names.weight(layer, j, i)
        else:
            own = [parts[1]] if len(parts) > 1 else list(range(network.sizes[layer + 1]))
            name = names.bias(layer, own[0])
        neurons = [(layer, j) for j in own]
        for k in range(layer + 1, n_layers):
            neurons += [(k, j) for j in range(network.sizes[k + 1])]
        batch = self.trace.n_samples > 1
        blocks = []
        for k, j in neurons:
            for s in range(self.trace.n_samples):
                key = f"delta_{names.neuron(k, j)}{f'[{s + 1}]' if batch else ''}"
                if key in self.block_of_key:
                    blocks.append(self.block_of_key[key])
        if f"dE/d{name}" in self.block_of_key:
            blocks.append(self.block_of_key[f"dE/d{name}"])
        return blocks, [f"{name}+"]

    def block_steps(self, block_id: str) -> list[Step]:
        for section in self.explanation.sections:
            for block in section.blocks:
                if self.block_ids[id(block)] == block_id:
                    return block.steps
        return []

    # -- training ---------------------------------------------------------

    def points(self) -> list[int]:
        """The slider's positions: numbers of updates done, at most ``MAX_SLIDER_POINTS``."""
        assert self.history is not None
        return _spread(len(self.history) + 1, MAX_SLIDER_POINTS)

    def after(
        self, updates: int
    ) -> tuple[list[np.ndarray], list[np.ndarray | None], np.ndarray, float]:
        """Weights, biases, outputs and loss after ``updates`` updates, read from the traces."""
        assert self.history is not None
        if updates < len(self.history):
            trace = self.history[updates]
            net = trace.network
            return (
                [layer.weights for layer in net.layers],
                [layer.bias for layer in net.layers],
                trace.outputs,
                trace.loss,
            )
        trace = self.history[-1]
        net = trace.network_after
        return (
            [layer.weights for layer in net.layers],
            [layer.bias for layer in net.layers],
            trace.outputs_after,
            trace.loss_after,
        )

    def training(self) -> str:
        if not self.history:
            return ""
        p = self.prefix
        n = len(self.history)
        curve, marks = self.loss_curve()
        if not marks:
            return ""
        points = self.points()
        last = len(points) - 1
        captions = [self.caption(u) for u in points]
        mini = ""
        if not self.diagram.aggregated:
            sets = self.sample_sets(0) + self.point_sets(points[-1])
            values = {(e, f): (t, v, w) for e, f, t, v, w in sets}
            mini = self.diagram.svg(
                values,
                self.scales(),
                label="The network after the updates chosen with the slider",
                css_class="gn-diagram gn-mini",
            )
        note = (
            ""
            if len(points) == n + 1
            else (f" The slider shows {len(points)} of the {n + 1} states, evenly spaced.")
        )
        return (
            f'<section class="gn-training" aria-labelledby="{p}-tr">'
            f'<h2 id="{p}-tr">Training: {n} update{"s" if n > 1 else ""}</h2>'
            f"<p>The error E_total after each update of the same samples.{note}</p>"
            f'<div class="gn-scroll">{curve}</div>'
            f'<div class="gn-slider"><label for="{p}-slider">Show the network after</label>'
            f'<input class="gn-js" hidden type="range" id="{p}-slider" min="0" max="{last}" '
            f'value="{last}" step="1" aria-valuetext="{_e(captions[-1])}">'
            f'<output for="{p}-slider" class="gn-slider-text">{_e(captions[-1])}</output></div>'
            f'<div class="gn-scroll">{mini}</div></section>'
        )

    def caption(self, updates: int) -> str:
        _, _, outputs, loss = self.after(updates)
        text = (
            f"{updates} update{'' if updates == 1 else 's'}: E_total = "
            f"{format_decimal(loss, self.digits)}"
        )
        if self.diagram.aggregated and outputs.shape[1] <= MAX_NEURONS_SHOWN:
            values = ", ".join(format_decimal(v, DIAGRAM_DIGITS) for v in outputs[0])
            text += f"; outputs of sample 1: {values}"
        return text

    def point_sets(self, updates: int) -> list[DiagramSet]:
        """The mini diagram after ``updates`` updates: parameters, outputs of sample 1, E."""
        weights, biases, outputs, loss = self.after(updates)
        digits = min(self.digits, DIAGRAM_DIGITS)
        sets: list[DiagramSet] = [("E", "v", f"E_total = {format_decimal(loss, digits)}", loss, 0)]
        for k, W in enumerate(weights):
            for (j, i), v in np.ndenumerate(W):
                sets.append((f"w{k}.{j}.{i}", "v", format_decimal(v, digits), float(v), 0))
            b = biases[k]
            if b is not None and b.ndim == 0:
                sets.append((f"b{k}", "v", format_decimal(float(b), digits), float(b), 0))
            elif b is not None:
                for j, v in enumerate(b):
                    sets.append((f"b{k}.{j}", "v", format_decimal(v, digits), float(v), 0))
        last = len(weights) - 1
        for j, v in enumerate(outputs[0]):
            sets.append((f"n{last}.{j}", "v", format_decimal(v, digits), float(v), 0))
        return sets

    def loss_curve(self) -> tuple[str, list[tuple[float, float]]]:
        """The loss after 0…N updates as an SVG line, and the slider points' positions."""
        assert self.history is not None
        n = len(self.history)
        losses = [t.loss for t in self.history] + [self.history[-1].loss_after]
        finite = [v for v in losses if np.isfinite(v)]
        if not finite:
            return "", []
        top = max(finite) or 1.0
        w, h, left, right, up, down = 640, 240, 84, 16, 14, 44

        def xy(k: int, v: float) -> tuple[float, float]:
            x = left + (w - left - right) * (k / n if n else 0)
            y = up + (h - up - down) * (1 - (v if np.isfinite(v) else top) / top)
            return round(x, 1), round(y, 1)

        line = " ".join(
            f"{x},{y}" for x, y in (xy(k, losses[k]) for k in _spread(n + 1, MAX_CURVE_POINTS))
        )
        marks = [xy(k, losses[k]) for k in self.points()]
        grid = []
        for frac in (0.0, 0.5, 1.0):
            _, y = xy(0, top * frac)
            grid.append(
                f'<line class="gn-grid" x1="{left}" y1="{y}" x2="{w - right}" y2="{y}"/>'
                f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">'
                f"{_e(format_decimal(top * frac, DIAGRAM_DIGITS))}</text>"
            )
        for k in sorted({0, n // 2, n}):
            x, _ = xy(k, 0.0)
            grid.append(f'<text x="{x}" y="{h - down + 18}" text-anchor="middle">{k}</text>')
        cx, cy = marks[-1]
        first = format_decimal(losses[0], DIAGRAM_DIGITS)
        final = format_decimal(losses[-1], DIAGRAM_DIGITS)
        svg = (
            f'<svg class="gn-curve" viewBox="0 0 {w} {h}" role="img" '
            f'aria-label="Loss curve: E_total from {first} to {final} over {n} updates">'
            f'{"".join(grid)}<polyline class="gn-loss" points="{line}"/>'
            f'<circle class="gn-marker" cx="{cx}" cy="{cy}" r="6"/>'
            f'<text x="{(left + w - right) / 2}" y="{h - 6}" text-anchor="middle">updates</text>'
            f'<text x="14" y="{(up + h - down) / 2}" text-anchor="middle" '
            f'transform="rotate(-90 14 {(up + h - down) / 2})">E_total</text></svg>'
        )
        return svg, marks

    def history_data(self) -> dict[str, Any] | None:
        if not self.history:
            return None
        _, marks = self.loss_curve()
        if not marks:
            return None
        points = self.points()
        data: dict[str, Any] = {
            "caption": [self.caption(u) for u in points],
            "cx": [m[0] for m in marks],
            "cy": [m[1] for m in marks],
            "sets": None,
        }
        if not self.diagram.aggregated:
            data["sets"] = [self.point_sets(u) for u in points]
        return data

    # -- the data for the script ------------------------------------------

    def data(self) -> dict[str, Any]:
        return {
            "stops": [
                {"t": s.title, "b": s.block, "s": s.steps, "hl": s.highlight, "set": s.sets}
                for s in self.stops()
            ],
            "base": self.given_sets(),
            "params": self.params(),
            "scale": self.scales(),
            "history": self.history_data(),
        }


def _spread(n: int, most: int) -> list[int]:
    """Up to ``most`` evenly spaced indices of ``range(n)``, always the first and the last."""
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})
