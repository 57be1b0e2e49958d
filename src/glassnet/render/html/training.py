"""Training with ``--steps N``: the loss after each update as a curve, and a slider over them.

Every number is read from the traces: the state after ``u`` updates is the
network, outputs and loss that trace ``u`` started from (``network_after`` of
the last trace for the final state).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.render.html.diagram import DIAGRAM_DIGITS, DiagramSet, parameter_sets
from glassnet.render.html.drawing import draw
from glassnet.render.html.escape import esc
from glassnet.render.html.walk import Walk
from glassnet.render.mathml import format_decimal, format_significant
from glassnet.trace import MAX_NEURONS_SHOWN

if TYPE_CHECKING:
    from glassnet.network import Network
    from glassnet.trace import Trace

#: The slider has at most this many positions; longer training is subsampled evenly.
MAX_SLIDER_POINTS = 201
#: The loss curve has at most this many points.
MAX_CURVE_POINTS = 1000


def spread(n: int, most: int) -> list[int]:
    """Up to ``most`` evenly spaced indices of ``range(n)``, always the first and the last.

    >>> spread(5, 3)
    [0, 2, 4]
    """
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


class Training:
    """The training view of ``history`` (one trace per update, at least one)."""

    def __init__(
        self,
        history: Sequence[Trace],
        walk: Walk,
        scales: dict[str, float],
        *,
        digits: int,
        prefix: str,
    ):
        self.history = list(history)
        self.walk = walk
        self.diagram = walk.diagram
        self.scales = scales
        self.digits = digits
        self.prefix = prefix
        #: The slider's positions: numbers of updates done.
        self.points = spread(len(self.history) + 1, MAX_SLIDER_POINTS)
        self.curve, self.marks = self.loss_curve()
        self.captions = [self.caption(u) for u in self.points] if self.marks else []
        self.sets = None
        if self.marks and not self.diagram.aggregated:
            self.sets = [self.point_sets(u) for u in self.points]

    def after(self, updates: int) -> tuple[Network, list[np.ndarray], float]:
        """The network, every layer's outputs and the loss after ``updates`` updates."""
        if updates < len(self.history):
            trace = self.history[updates]
            return trace.network, [lt.out for lt in trace.layers], trace.loss
        trace = self.history[-1]
        return trace.network_after, trace.outs_after, trace.loss_after

    def caption(self, updates: int) -> str:
        _, outs, loss = self.after(updates)
        outputs = outs[-1]
        text = (
            f"{updates} update{'' if updates == 1 else 's'}: E_total = "
            f"{format_significant(loss, self.digits)}"
        )
        if self.diagram.aggregated and outputs.shape[1] <= MAX_NEURONS_SHOWN:
            values = ", ".join(format_decimal(v, DIAGRAM_DIGITS) for v in outputs[0])
            text += f"; outputs of sample 1: {values}"
        return text

    def point_sets(self, updates: int) -> list[DiagramSet]:
        """The mini diagram after ``updates`` updates: parameters, every neuron's output for
        sample 1, and E_total."""
        network, outs, loss = self.after(updates)
        digits = min(self.digits, DIAGRAM_DIGITS)
        total = f"E_total = {format_decimal(loss, digits)}"
        sets: list[DiagramSet] = [("E", "v", total, loss, 0, -1)]
        for k, layer in enumerate(network.layers):
            sets += parameter_sets("W", k, layer.weights, digits, 0)
            if layer.bias is not None:
                sets += parameter_sets("b", k, layer.bias, digits, 0)
            for j, v in enumerate(outs[k][0]):
                sets.append((f"n{k}.{j}", "v", format_decimal(v, digits), float(v), 0, 0))
        return sets

    def html(self) -> str:
        if not self.marks:
            return ""
        p = self.prefix
        n = len(self.history)
        last = len(self.points) - 1
        mini = intro = ""
        if self.sets is not None:
            samples = self.walk.trace.n_samples
            which = "the sample" if samples == 1 else f"sample 1 of {samples}"
            intro = (
                f'<p class="gn-sample-note">Each neuron shows its output for {which}; '
                "lines and boxes show the weights and biases after the chosen update.</p>"
            )
            sets = self.walk.sample_sets(0) + self.sets[-1]
            values = {(e, f): (t, v, w) for e, f, t, v, w, *_ in sets}
            mini = draw(
                self.diagram,
                values,
                self.scales,
                label="The network after the updates chosen with the slider",
                css_class="gn-diagram gn-mini",
            )
        note = (
            ""
            if len(self.points) == n + 1
            else (f" The slider shows {len(self.points)} of the {n + 1} states, evenly spaced.")
        )
        return (
            f'<section class="gn-training" aria-labelledby="{p}-tr">'
            f'<h2 id="{p}-tr">Training: {n} update{"s" if n > 1 else ""}</h2>'
            f"<p>The error E_total after each update of the same samples.{note}</p>"
            f'<div class="gn-scroll">{self.curve}</div>'
            f'<div class="gn-slider"><label for="{p}-slider">Show the network after</label>'
            f'<input class="gn-js" hidden type="range" id="{p}-slider" min="0" max="{last}" '
            f'value="{last}" step="1" aria-valuetext="{esc(self.captions[-1])}">'
            f'<output for="{p}-slider" class="gn-slider-text">{esc(self.captions[-1])}</output>'
            f'</div>{intro}<div class="gn-scroll">{mini}</div></section>'
        )

    def data(self) -> dict[str, Any] | None:
        """What the slider's script needs: a caption, a marker position and values per point."""
        if not self.marks:
            return None
        return {
            "caption": self.captions,
            "cx": [m[0] for m in self.marks],
            "cy": [m[1] for m in self.marks],
            "sets": self.sets,
        }

    def loss_curve(self) -> tuple[str, list[tuple[float, float]]]:
        """The loss after 0…N updates as an SVG line, and the slider points' positions."""
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
            f"{x},{y}" for x, y in (xy(k, losses[k]) for k in spread(n + 1, MAX_CURVE_POINTS))
        )
        marks = [xy(k, losses[k]) for k in self.points]
        grid = []
        for frac in (0.0, 0.5, 1.0):
            _, y = xy(0, top * frac)
            grid.append(
                f'<line class="gn-grid" x1="{left}" y1="{y}" x2="{w - right}" y2="{y}"/>'
                f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">'
                f"{esc(format_decimal(top * frac, DIAGRAM_DIGITS))}</text>"
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
