"""A worked example as a sequence of steps, for every renderer to format.

``explain(trace)`` lays out what the engine recorded, in the order the
tutorials use: the given values, the forward pass, the error, the backward pass
(every chain-rule factor), the update, and the error after it. Each ``Step`` is
``lhs = formula = numbers = value``: the formula is built by the activation or
loss that the engine used, the numbers and the value are read from the trace.
Nothing here computes a number.

Every step has a ``key``, the name by which ``glassnet check`` claims it:
``net_h1``, ``out_o1``, ``E_o1``, ``E_total``, ``dE/dout_o1``,
``dout_o1/dnet_o1``, ``delta_o1``, ``dE_o1/dout_h1`` (``dE/dnet_o1*dnet_o1/dout_h1``
where the terms of ∂E_total/∂out_h1 are shares by path, not per output), ``dnet_o1/dw5``,
``dE/dw5``, ``dE/db1``, ``w5+``, ``out_o1+``, ``E_total+``. With several
samples, per-sample quantities end in ``[s]`` (``out_h1[2]``, counting from 1)
and the batch gradients have no suffix.

Networks too large to show neuron by neuron (see ``glassnet.trace.is_small``)
get the same sections per layer in matrix form, with ``Step.value`` an array.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glassnet.explanation.matrices import MatrixBuilder
from glassnet.explanation.model import E_TOTAL, ETA, Block, Explanation, Section, Step, mark_noise
from glassnet.explanation.neurons import NeuronBuilder

if TYPE_CHECKING:
    from glassnet.example import Example
    from glassnet.trace import Trace

__all__ = [
    "ETA",
    "E_TOTAL",
    "Block",
    "Explanation",
    "Section",
    "Step",
    "explain",
    "explain_example",
]


def explain(trace: Trace, example: Example | None = None) -> Explanation:
    """Lay out a trace as an explanation; ``example`` supplies the title and source."""
    builder = MatrixBuilder(trace) if not trace.detailed else NeuronBuilder(trace)
    explanation = Explanation(
        title=example.title if example else "",
        source=example.source if example else "",
        description=example.description if example else "",
        url=example.url if example else "",
        matrix_form=not trace.detailed,
        sections=builder.sections(),
        trace=trace,
    )
    mark_noise(explanation.steps())
    return explanation


def explain_example(example: Example) -> Explanation:
    """One update of an example, explained."""
    return explain(example.step(), example)
