"""An ``Example`` written back as an example file (``docs/example-format.md``).

Every number is written as Python's shortest repr of the float, which reads back
as the same float, so ``read_example`` of the text computes the same values.

>>> from glassnet.examples import load_example
>>> from glassnet.example import parse_example
>>> mazur = load_example("mazur")
>>> again = parse_example(example_toml(mazur))
>>> float(again.network.layers[1].weights[0, 0]), again.learning_rate
(0.4, 0.5)
"""

from __future__ import annotations

import json

import numpy as np
from numpy.typing import NDArray

from glassnet.example import Example


def example_toml(example: Example, *, comment: str = "") -> str:
    """The TOML text of ``example``: title, loss, η, one ``[[layers]]`` per layer, the samples.

    The network's names are the defaults an example file gets (``w1``, ``h1``, ``o1``, …);
    ``comment`` becomes the first lines, each after ``#``.
    """
    network = example.network
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    for key in ("title", "source", "url", "description"):
        text = getattr(example, key)
        if text:
            lines.append(f"{key} = {_string(text)}")
    lines += [
        f"loss = {_string(network.loss.name)}",
        f"learning_rate = {_number(example.learning_rate)}",
    ]
    if network.batch_reduction != "mean":
        lines.append(f"batch_reduction = {_string(network.batch_reduction)}")
    for layer in network.layers:
        lines += ["", "[[layers]]", f"activation = {_string(layer.activation.name)}"]
        rows = ", ".join(_vector(row) for row in layer.weights)
        lines.append(f"weights = [{rows}]")
        if layer.bias is not None:
            bias = layer.bias
            lines.append(f"bias = {_number(float(bias)) if bias.ndim == 0 else _vector(bias)}")
            lines.append(f"train_bias = {'true' if layer.train_bias else 'false'}")
    for inputs, targets in zip(example.inputs, example.targets):
        lines += ["", "[[samples]]", f"input = {_vector(inputs)}", f"target = {_vector(targets)}"]
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _number(value: float) -> str:
    return repr(float(value))


def _vector(values: NDArray[np.floating]) -> str:
    return "[" + ", ".join(_number(v) for v in values) + "]"
