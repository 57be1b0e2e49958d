"""Drawing the diagram as SVG, with values written on it and lines and shades scaled from them.

``glassnet.js`` redraws the same elements step by step with the same arithmetic
(``width`` and ``shade`` there are ``edge_width`` and ``node_shade`` here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from glassnet.render.html.diagram import Diagram, Edge, Node
from glassnet.render.html.escape import esc

if TYPE_CHECKING:
    from glassnet.trace import Trace

#: The smallest scale the page draws the diagram at (a larger one scrolls in its box).
MIN_SCALE = 0.72

# What the diagram shows: values[(element id, field)] = (text, number, is new).
Values = dict[tuple[str, str], tuple[str, float | None, int]]


def edge_width(value: float, scale: float) -> float:
    """A connection's line width from its weight (``width`` in ``glassnet.js``)."""
    return round(1.0 + 5.0 * min(1.0, abs(value) / scale), 2)


def node_shade(value: float, scale: float) -> float:
    """A neuron's fill opacity from its output (``shade`` in ``glassnet.js``)."""
    return round(0.08 + 0.47 * min(1.0, abs(value) / scale), 3)


def diagram_scales(traces: Sequence[Trace]) -> dict[str, float]:
    """The largest |weight| and |neuron output| drawn: full width and full shade."""
    weights = [1e-12]
    outs = [1e-12]
    for trace in traces:
        for lt in trace.layers:
            weights += [float(np.abs(lt.weights).max()), float(np.abs(lt.new_weights).max())]
            outs.append(float(np.abs(lt.out).max()))
    return {"w": max(weights), "v": max(outs)}


def draw(
    diagram: Diagram, values: Values, scales: dict[str, float], *, label: str, css_class: str
) -> str:
    """The diagram with ``values[(id, field)] = (text, number, new)`` filled in."""
    shown = _Shown(values)
    out = [
        f'<svg class="{css_class}" viewBox="0 0 {diagram.width:.0f} {diagram.height:.0f}" '
        f'width="{diagram.width * MIN_SCALE:.0f}" height="{diagram.height * MIN_SCALE:.0f}" '
        f'role="group" aria-label="{esc(label)}">'
    ]
    out.append(
        f'<g data-id="E"><text class="gn-total" x="{diagram.width - 10:.0f}" y="22" '
        f'text-anchor="end" data-f="v">{shown.text("E")}</text></g>'
    )
    for edge in diagram.edges:
        value = shown.number(edge.param if edge.dashed else edge.id)
        width = edge_width(value, scales["w"]) if value is not None else 1.5
        dash = ' stroke-dasharray="6 5"' if edge.dashed else ""
        coords = f'x1="{edge.x1:.1f}" y1="{edge.y1:.1f}" x2="{edge.x2:.1f}" y2="{edge.y2:.1f}"'
        out.append(
            f'<g class="gn-edge {_sign(value)}" data-id="{edge.id}" '
            f'data-param="{edge.param}"><title>{esc(edge.title)}</title>'
            f'<line class="gn-hit" {coords}/>'
            f'<line class="gn-line" {coords} stroke-width="{width}"{dash}/></g>'
        )
    out += [_label(edge, edge.label, shown) for edge in diagram.edges if edge.label is not None]
    out += [_node(diagram, node, shown, scales) for node in diagram.nodes]
    out.append("</svg>")
    return "".join(out)


class _Shown:
    """Looks up ``values[(id, field)]``; what is not there is blank."""

    BLANK: tuple[str, float | None, int] = ("", None, 0)

    def __init__(self, values: Values):
        self.values = values

    def text(self, element: str, name: str = "v") -> str:
        return esc(self.values.get((element, name), self.BLANK)[0])

    def number(self, element: str) -> float | None:
        return self.values.get((element, "v"), self.BLANK)[1]

    def new(self, element: str) -> str:
        return " gn-new" if self.values.get((element, "v"), self.BLANK)[2] else ""


def _sign(value: float | None) -> str:
    return "gn-neg" if value is not None and value < 0 else "gn-pos"


def _label(edge: Edge, at: tuple[float, float], shown: _Shown) -> str:
    """A weight's name and value on its line, on a background that hides the lines under it
    (a layer's shape under it)."""
    lx, ly = at
    hidden = "" if edge.show_label else " gn-auto"
    note = (
        f'<text class="gn-small" x="{lx:.1f}" y="{ly + 40:.1f}" '
        f'text-anchor="middle">{esc(edge.note)}</text>'
        if edge.note
        else ""
    )
    back = ""
    if edge.box is not None:
        b = edge.box
        back = (
            f'<rect class="gn-lbg" x="{b.x0:.1f}" y="{b.y0:.1f}" width="{b.x1 - b.x0:.1f}" '
            f'height="{b.y1 - b.y0:.1f}" rx="4"/>'
        )
    return (
        f'<g class="gn-wlabel{hidden}{shown.new(edge.id)}" data-id="{edge.id}" '
        f'data-param="{edge.param}">{back}<text x="{lx:.1f}" y="{ly + 5:.1f}" '
        f'text-anchor="middle"><tspan class="gn-name">{esc(edge.name)}</tspan> '
        f'<tspan data-f="v">{shown.text(edge.id)}</tspan></text>{note}</g>'
    )


def _node(diagram: Diagram, node: Node, shown: _Shown, scales: dict[str, float]) -> str:
    """An input, neuron, bias or whole layer: its box, name and values."""
    value = shown.number(node.id)
    param = f' data-param="{node.id}"' if node.kind == "bias" else ""
    head = (
        f'<g class="gn-node gn-{node.kind} {_sign(value)}{shown.new(node.id)}" '
        f'data-id="{node.id}"{param}><title>{esc(node.name)}</title>'
    )
    x, y = node.x, node.y
    if node.kind == "bias":
        w, h = diagram.bias_w, diagram.BIAS_H
        return (
            f'{head}<rect class="gn-box" x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" '
            f'width="{w:.1f}" height="{h}" rx="8"/>'
            f'<text class="gn-name" x="{x:.1f}" y="{y - 5:.1f}" text-anchor="middle">'
            f"{esc(node.name)}</text>"
            f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" data-f="v">'
            f"{shown.text(node.id)}</text></g>"
        )
    if node.lines:  # a whole layer
        w, h = 170, 96
        texts = [
            f'<text class="gn-name" x="{x}" y="{y - 18}" text-anchor="middle">'
            f"{esc(node.name)}</text>"
        ]
        for k, line in enumerate(node.lines):
            texts.append(
                f'<text x="{x}" y="{y + 4 + 20 * k}" text-anchor="middle">{esc(line)}</text>'
            )
        return (
            f'{head}<rect class="gn-box" x="{x - w / 2}" y="{y - h / 2}" width="{w}" '
            f'height="{h}" rx="12"/>{"".join(texts)}</g>'
        )
    w, h = diagram.box_w, diagram.BOX_H
    shade = node_shade(value, scales["v"]) if value is not None else 0.0
    box = f'x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" height="{h}" rx="12"'
    parts = [
        head,
        f'<rect class="gn-box" {box}/>',
        f'<rect class="gn-fill" {box} fill-opacity="{shade}"/>',
        f'<text class="gn-name" x="{x:.1f}" y="{y - 13:.1f}" text-anchor="middle">'
        f"{esc(node.name)}</text>",
        f'<text x="{x:.1f}" y="{y + 8:.1f}" text-anchor="middle" data-f="v">'
        f"{shown.text(node.id)}</text>",
        f'<text class="gn-small" x="{x:.1f}" y="{y + 26:.1f}" text-anchor="middle" '
        f'data-f="d">{shown.text(node.id, "d")}</text>',
    ]
    if node.kind == "output":
        tx = x + w / 2 + 10
        parts.append(
            f'<text class="gn-small" x="{tx:.1f}" y="{y - 6:.1f}" data-f="t">'
            f"{shown.text(node.id, 't')}</text>"
            f'<text class="gn-small" x="{tx:.1f}" y="{y + 14:.1f}" data-f="e">'
            f"{shown.text(node.id, 'e')}</text>"
        )
    parts.append("</g>")
    return "".join(parts)
