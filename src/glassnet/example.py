"""Worked-example files: a network and the samples of one update, in TOML.

The format is documented in ``docs/example-format.md``. ``parse_example``
validates everything once, here at the boundary, and reports the first mistake
as ``FILE: FIELD: what was expected, got what``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet import display
from glassnet.activations import SETTINGS
from glassnet.engine import EXACT, Variant, backprop
from glassnet.errors import GlassnetError
from glassnet.fast.full_batch import TrainResult, train
from glassnet.losses import LOSSES, Loss
from glassnet.names import Names, bias_counts
from glassnet.network import BATCH_REDUCTIONS, LayerSpec, Network, build_network
from glassnet.tomlfile import parse_toml, read_text
from glassnet.trace import Trace
from glassnet.validate import Fields, describe

Array = NDArray[np.floating]

TOP_KEYS = {
    "title",
    "source",
    "url",
    "description",
    "loss",
    "learning_rate",
    "batch_reduction",
    "input_names",
    "layers",
    "samples",
    "claims",
}
LAYER_KEYS = {
    "activation",
    "weights",
    "bias",
    "train_bias",
    *SETTINGS,
    "neuron_names",
    "weight_names",
    "bias_names",
}
SAMPLE_KEYS = {"input", "target"}


@dataclass
class Example:
    """A network, the samples of one update, and the learning rate.

    ``inputs`` has shape ``(n_samples, n_inputs)``, ``targets``
    ``(n_samples, n_outputs)``. ``claims`` holds the file's ``[claims]`` table
    as written, for ``glassnet check``.
    """

    network: Network
    inputs: Array
    targets: Array
    learning_rate: float
    title: str = ""
    source: str = ""
    url: str = ""
    description: str = ""
    path: str = ""
    claims: dict[str, Any] = field(default_factory=dict)

    def step(self, *, variant: Variant = EXACT) -> Trace:
        """One update on the example's samples, recorded in a ``Trace``."""
        trace = backprop(
            self.network, self.inputs, self.targets, self.learning_rate, variant=variant
        )
        trace.example = self
        return trace

    def traces(self, steps: int, *, variant: Variant = EXACT) -> list[Trace]:
        """The traces of ``steps`` successive updates; trace k holds update k + 1."""
        traces = []
        network = self.network
        for _ in range(steps):
            trace = backprop(
                network, self.inputs, self.targets, self.learning_rate, variant=variant
            )
            trace.example = self
            traces.append(trace)
            network = trace.network_after
        return traces

    def _repr_html_(self) -> str:
        """Jupyter shows an example as the page of its update (``glassnet.render.notebook``)."""
        return display.show(self, "html")

    def _repr_markdown_(self) -> str:
        """Jupyter's Markdown view, where HTML is not shown."""
        return display.show(self, "markdown")

    def train(self, steps: int, *, variant: Variant = EXACT, **kwargs: Any) -> TrainResult:
        """``steps`` updates on the example's samples; see ``glassnet.fast.full_batch.train``."""
        return train(
            self.network,
            self.inputs,
            self.targets,
            self.learning_rate,
            steps,
            variant=variant,
            **kwargs,
        )


def read_example(path: str | Path) -> Example:
    """Read and validate an example file."""
    return parse_example(read_text(path), source=str(path))


def parse_example(text: str, *, source: str = "<string>") -> Example:
    """Parse and validate the TOML text of an example."""
    return _Parser(source).example(parse_toml(text, source=source))


class _Parser(Fields):
    """Builds an ``Example`` from parsed TOML, naming the field of any mistake."""

    def example(self, data: dict[str, Any]) -> Example:
        self.keys(data, TOP_KEYS, "")
        for key in ("loss", "learning_rate", "layers", "samples"):
            if key not in data:
                raise self.fail(
                    key,
                    "missing; every example needs loss, learning_rate, [[layers]] and [[samples]]",
                )
        loss = self.choice(data["loss"], sorted(LOSSES), "loss")
        learning_rate = self.number(data["learning_rate"], "learning_rate", low=0, low_open=True)
        reduction = self.choice(
            data.get("batch_reduction", "mean"),
            list(BATCH_REDUCTIONS),
            "batch_reduction",
        )
        layer_tables = self.tables(data["layers"], "layers")
        layers = [
            self.layer(table, index, len(layer_tables)) for index, table in enumerate(layer_tables)
        ]
        network = self.network(layers, loss, reduction)
        network.names = self.names(data, layer_tables, network)
        inputs, targets = self.samples(data["samples"], network)
        text_fields = {}
        for key in ("title", "source", "url", "description"):
            text_fields[key] = self.text(data.get(key, ""), key)
        claims = data.get("claims", {})
        if not isinstance(claims, dict):
            raise self.fail("claims", f"expected a table, got {describe(claims)}")
        return Example(
            network=network,
            inputs=inputs,
            targets=targets,
            learning_rate=learning_rate,
            path=self.source,
            claims=claims,
            **text_fields,
        )

    def network(self, layers: list[LayerSpec], loss: str, reduction: str) -> Network:
        try:
            return build_network(layers, loss=loss, batch_reduction=reduction)
        except GlassnetError as error:
            raise self.fail(error.field or "", error.detail) from None

    def layer(self, table: dict[str, Any], index: int, n_layers: int) -> LayerSpec:
        where = f"layers[{index}]"
        self.keys(table, LAYER_KEYS, where)
        for key in ("activation", "weights"):
            if key not in table:
                raise self.fail(f"{where}.{key}", "missing")
        activation = self.activation(table, where, index, n_layers)
        weights = self.matrix(table["weights"], f"{where}.weights")
        bias = None
        if "bias" in table:
            bias = self.bias(table["bias"], weights.shape[0], f"{where}.bias")
        train_bias = table.get("train_bias", True)
        if not isinstance(train_bias, bool):
            raise self.fail(f"{where}.train_bias", f"expected true or false, got {train_bias!r}")
        return LayerSpec(
            weights,
            activation,
            bias=bias,
            train_bias=train_bias,
        )

    def samples(self, value: Any, network: Network) -> tuple[Array, Array]:
        inputs: list[list[float]] = []
        targets: list[list[float]] = []
        for index, table in enumerate(self.tables(value, "samples")):
            where = f"samples[{index}]"
            self.keys(table, SAMPLE_KEYS, where)
            for key, size, rows in (
                ("input", network.n_inputs, inputs),
                ("target", network.n_outputs, targets),
            ):
                if key not in table:
                    raise self.fail(f"{where}.{key}", "missing")
                rows.append(self.vector(table[key], size, f"{where}.{key}"))
            self.check_target(targets[-1], network.loss, f"{where}.target")
        return np.array(inputs), np.array(targets)

    def check_target(self, target: list[float], loss: Loss, where: str) -> None:
        problem = loss.bad_target(target)
        if problem:
            raise self.fail(where, problem)

    def names(self, data: dict[str, Any], tables: list[dict[str, Any]], network: Network) -> Names:
        sizes = network.sizes
        names = Names(sizes=sizes, bias_counts=bias_counts(network))
        if "input_names" in data:
            names.inputs = self.strings(data["input_names"], sizes[0], "input_names")
        for index, table in enumerate(tables):
            where = f"layers[{index}]"
            n_out, n_in = sizes[index + 1], sizes[index]
            if "neuron_names" in table:
                names.neurons[index] = self.strings(
                    table["neuron_names"], n_out, f"{where}.neuron_names"
                )
            if "weight_names" in table:
                rows = table["weight_names"]
                if not isinstance(rows, list) or len(rows) != n_out:
                    raise self.fail(
                        f"{where}.weight_names",
                        f"expected {n_out} rows of {n_in} names",
                    )
                names.weights[index] = [
                    self.strings(row, n_in, f"{where}.weight_names[{j}]")
                    for j, row in enumerate(rows)
                ]
            if "bias_names" in table:
                mode = network.layers[index].bias_mode
                value = table["bias_names"]
                if mode == "shared" and isinstance(value, str):
                    names.biases[index] = value
                elif mode == "neuron":
                    names.biases[index] = self.strings(value, n_out, f"{where}.bias_names")
                else:
                    expected = {
                        "shared": "one name (the bias is shared)",
                        "none": "nothing: the layer has no bias",
                    }[mode]
                    raise self.fail(f"{where}.bias_names", f"expected {expected}")
        seen: dict[str, int] = {}
        for name in names.all_names():
            seen[name] = seen.get(name, 0) + 1
        repeated = sorted(name for name, count in seen.items() if count > 1)
        if repeated:
            raise self.fail("names", f"every name must be unique, repeated: {', '.join(repeated)}")
        return names
