"""The walk through the steps: what the diagram highlights and shows at each stop.

Each stop of the step controls is a block (a step of the update, neuron by
neuron) with the diagram ids it touches and the values it reveals, as
``DiagramSet`` tuples. Step keys are linked to diagram elements through the
names the diagram was drawn with; in matrix form a key such as
``delta_layer2`` lights up the whole layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from glassnet.explanation import Explanation, Step
from glassnet.render.html.diagram import DIAGRAM_DIGITS, Diagram, DiagramSet, parameter_sets
from glassnet.render.html.drawing import Values
from glassnet.render.html.steps import Steps, is_scalar, steps_of
from glassnet.render.mathml import format_decimal
from glassnet.render.text import TextFormatter

# Step key -> (element id, field, text before the value, sample or -1 for every sample).
ValueKeys = dict[str, tuple[str, str, str, int]]


@dataclass
class Stop:
    """One position of the step controls: a block, or one step of it."""

    title: str
    block: str
    steps: list[str] | None
    highlight: list[str]
    sets: list[DiagramSet]

    @property
    def sample(self) -> int:
        """The sample the stop is about (the first, if several), or -1."""
        return min((s[5] for s in self.sets if s[5] >= 0), default=-1)


class Walk:
    def __init__(self, explanation: Explanation, diagram: Diagram, steps: Steps, *, digits: int):
        self.explanation = explanation
        self.trace = explanation.trace
        self.network = explanation.trace.network
        self.diagram = diagram
        self.steps = steps
        self.digits = min(digits, DIAGRAM_DIGITS)
        self.text = TextFormatter(digits)
        self.value_keys = self.diagram_keys()

    @property
    def by_layer(self) -> bool:
        """Whether steps and parameters go layer by layer (matrix form) rather than one by one."""
        return self.explanation.matrix_form or self.diagram.aggregated

    def diagram_keys(self) -> ValueKeys:
        """Step key -> (element id, field, text before the value, sample or -1)."""
        keys: ValueKeys = {
            "E_total": ("E", "v", "E_total = ", -1),
            "E_total+": ("E", "v", "E_total+ = ", -1),
        }
        if self.by_layer:
            return keys
        names, sizes = self.network.names, self.network.sizes
        last = len(self.network.layers) - 1
        for s in range(self.trace.n_samples):
            sfx = sample_suffix(s, self.trace.n_samples)
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

    # -- values -----------------------------------------------------------

    def sets_of(self, steps: Iterable[Step]) -> list[DiagramSet]:
        """The diagram values the steps reveal, each tagged with its sample (-1: every sample)."""
        sets: list[DiagramSet] = []
        for step in steps:
            if step.key in self.value_keys and is_scalar(step.value):
                element, name, before, sample = self.value_keys[step.key]
                value = float(np.asarray(step.shown))
                text = before + format_decimal(value, self.digits)
                new = int(step.key.endswith("+") or "+[" in step.key)
                sets.append((element, name, text, value, new, sample, step.key, before))
            elif not self.diagram.aggregated:
                sets += self.matrix_sets(step)
        return sets

    def sample_sets(self, sample: int) -> list[DiagramSet]:
        """The inputs and targets of one sample, read from the given section."""
        sets: list[DiagramSet] = []
        for key, (element, name, before, s) in self.value_keys.items():
            step = self.steps.step_of_key.get(key)
            if s == sample and (element.startswith("x") or name == "t") and step is not None:
                value = float(np.asarray(step.value))
                text = before + format_decimal(value, self.digits)
                sets.append((element, name, text, value, 0, sample, key, before))
        return sets

    def matrix_sets(self, step: Step) -> list[DiagramSet]:
        """Weights and biases of a small network explained in matrix form (a large batch)."""
        match = re.fullmatch(r"(W|b)_layer(\d+)(\+?)", step.key)
        if match is None or (is_scalar(step.value) and match.group(1) == "W"):
            return []
        kind, layer, new = match.group(1), int(match.group(2)) - 1, int(bool(match.group(3)))
        return parameter_sets(kind, layer, step.value, self.digits, new)

    def given_sets(self) -> list[DiagramSet]:
        """What the diagram always shows: the parameters and every sample's inputs and targets."""
        steps = steps_of(s for s in self.explanation.sections if s.kind == "given")
        shared = [s for s in steps if self.value_keys.get(s.key, ("", "", "", -1))[3] == -1]
        every = [self.sample_sets(s) for s in range(self.trace.n_samples)]
        return [x for sets in every for x in sets] + self.sets_of(shared)

    def static_values(self) -> Values:
        """The diagram without the script: the given values, the forward pass and the error,
        of the first sample."""
        shown = steps_of(s for s in self.explanation.sections if s.kind in ("forward", "error"))
        return {
            (s[0], s[1]): (s[2], s[3], s[4])
            for s in self.given_sets() + self.sets_of(shown)
            if s[5] in (-1, 0)
        }

    def live_data(self) -> dict[str, object]:
        """What the page's script needs to draw the diagram from its own values after an edit:
        the decimals of the labels, and the check names whose largest magnitude is the full
        line width and the full shade, grouped as ``diagram_scales`` takes the maxima from
        the trace: each layer's weights, its weights after the update (``w``), and its
        neurons' outputs for every sample (``v``)."""
        weights: list[list[str]] = []
        outs: list[list[str]] = []
        if not self.by_layer:
            names, sizes = self.network.names, self.network.sizes
            for k in range(len(self.network.layers)):
                layer = [
                    names.weight(k, j, i) for j in range(sizes[k + 1]) for i in range(sizes[k])
                ]
                weights += [layer, [w + "+" for w in layer]]
                outs.append(
                    [
                        f"out_{names.neuron(k, j)}{sample_suffix(s, self.trace.n_samples)}"
                        for s in range(self.trace.n_samples)
                        for j in range(sizes[k + 1])
                    ]
                )
        return {"digits": self.digits, "scale": {"w": weights, "v": outs}}

    @property
    def switches_samples(self) -> bool:
        """Whether the diagram shows a batch's samples one at a time (neuron by neuron)."""
        return self.trace.n_samples > 1 and not self.by_layer

    # -- highlights and stops ---------------------------------------------

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

    def stops(self) -> list[Stop]:
        stops = []
        for section in self.explanation.sections:
            for block in section.blocks:
                block_id = self.steps.block_ids[id(block)]
                if section.kind == "update" and not self.explanation.matrix_form:
                    stops += [
                        Stop(
                            f"{section.title} · {block.title} · {self.text(step.lhs)}",
                            block_id,
                            [self.steps.step_ids[id(step)]],
                            self.highlight([step]),
                            self.sets_of([step]),
                        )
                        for step in block.steps
                    ]
                else:
                    stops.append(
                        Stop(
                            f"{section.title} · {block.title}",
                            block_id,
                            None,
                            self.highlight(block.steps),
                            self.sets_of(block.steps),
                        )
                    )
        return stops


def sample_suffix(sample: int, n_samples: int) -> str:
    """``[2]`` after the names of sample 2's values in a batch; nothing for one sample."""
    return f"[{sample + 1}]" if n_samples > 1 else ""
