"""Random worked examples of a chosen shape, for practice (``glassnet quiz --seed N``).

The numbers are the kind a hand calculation uses: weights in [-1, 1] and biases
in [-0.5, 0.5] with two decimals, inputs and targets in [0, 1] with two
decimals (one-hot targets for ``cross_entropy``). The same seed and options give
the same example.

>>> ex = random_example(7, shape=(2, 3, 1))
>>> ex.network.sizes, ex.inputs.shape
([2, 3, 1], (1, 2))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.example import Example
from glassnet.losses import LOSSES, get_loss
from glassnet.network import Layer, Network
from glassnet.trace import MAX_NEURONS_SHOWN, MAX_SAMPLES_SHOWN
from glassnet.validate import check_positive

BIAS_MODES = ("neuron", "shared", "none")
#: Learning rates a practice example picks from.
LEARNING_RATES = (0.1, 0.25, 0.5)


@dataclass(frozen=True)
class Ranges:
    """Where a practice example's numbers are drawn from, uniformly, and their decimals.

    ``targets`` is not used for ``cross_entropy`` (one-hot targets).
    """

    weights: tuple[float, float] = (-1.0, 1.0)
    biases: tuple[float, float] = (-0.5, 0.5)
    inputs: tuple[float, float] = (0.0, 1.0)
    targets: tuple[float, float] = (0.0, 1.0)
    decimals: int = 2


def parse_shape(text: str) -> list[int]:
    """``"2-3-1"`` -> ``[2, 3, 1]``: inputs, then the neurons of each layer."""
    try:
        sizes = [int(part) for part in text.replace("x", "-").split("-")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or not all(1 <= n <= MAX_NEURONS_SHOWN for n in sizes):
        raise GlassnetError(
            f"--shape must be sizes like 2-2-2 (inputs, then each layer, 1 to "
            f"{MAX_NEURONS_SHOWN} each), got {text!r}"
        )
    return sizes


def random_example(
    seed: int,
    *,
    shape: Sequence[int] = (2, 2, 2),
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "half_sse",
    samples: int = 1,
    bias: str = "neuron",
    train_bias: bool = True,
    learning_rate: float | None = None,
    activations: Sequence[str] | None = None,
    ranges: Ranges | None = None,
) -> Example:
    """A fresh example: ``shape`` is ``[n_inputs, n_hidden…, n_outputs]``.

    ``output_activation`` defaults to the one ``loss`` needs (softmax for
    ``cross_entropy``), else ``activation``. ``bias`` is ``neuron``, ``shared``
    or ``none``; ``learning_rate`` defaults to one of ``LEARNING_RATES``.
    ``activations`` (one per layer) replaces ``activation`` and
    ``output_activation``; ``ranges`` replaces the default ``Ranges``. ``seed``
    may be any whole number >= 0 (``glassnet exercises`` derives 128-bit ones).
    """
    sizes = list(shape)
    if len(sizes) < 2 or not all(isinstance(n, int) and n >= 1 for n in sizes):
        raise GlassnetError(f"shape must be two or more sizes >= 1, got {sizes}")
    if not 1 <= samples <= MAX_SAMPLES_SHOWN:
        raise GlassnetError(f"samples must be 1 to {MAX_SAMPLES_SHOWN}, got {samples}")
    if bias not in BIAS_MODES:
        raise GlassnetError(f"bias must be one of {', '.join(BIAS_MODES)}, got {bias!r}")
    if loss not in LOSSES:
        raise GlassnetError(f"unknown loss {loss!r}; expected one of {', '.join(sorted(LOSSES))}")
    needed = get_loss(loss).requires_activation
    last = output_activation or needed or activation
    if activations is not None:
        if len(activations) != len(sizes) - 1:
            raise GlassnetError(
                f"activations must name one per layer ({len(sizes) - 1}), got {len(activations)}"
            )
        *_, last = activations
    per_layer = list(activations or [activation] * (len(sizes) - 2) + [last])
    ranges = ranges or Ranges()
    rng = np.random.default_rng(seed)

    def draw(low: float, high: float, size: tuple[int, ...]) -> np.ndarray:
        return np.round(rng.uniform(low, high, size), ranges.decimals)

    layers = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        b: np.ndarray | float | None = None
        if bias == "neuron":
            b = draw(*ranges.biases, (n_out,))
        elif bias == "shared":
            b = float(draw(*ranges.biases, ()))
        weights = draw(*ranges.weights, (n_out, n_in))
        layers.append(Layer(weights, per_layer[k], bias=b, train_bias=train_bias))
    network = Network(layers, loss=loss)
    inputs = draw(*ranges.inputs, (samples, sizes[0]))
    if network.loss.targets_sum_to_one:  # one class per sample
        targets = np.eye(sizes[-1])[rng.integers(0, sizes[-1], samples)]
    else:
        targets = draw(*ranges.targets, (samples, sizes[-1]))
    rate = learning_rate if learning_rate is not None else float(rng.choice(LEARNING_RATES))
    check_positive("learning_rate", rate)
    text = "-".join(str(n) for n in sizes)
    return Example(
        network=network,
        inputs=inputs,
        targets=targets,
        learning_rate=rate,
        title=f"Practice example {text}",
        source=f"random, seed {seed}",
        description=(
            f"{activation} hidden layers, {last} output, loss {loss}."
            if activations is None
            else f"{', '.join(per_layer)} layers, loss {loss}."
        ),
        path=f"practice {text} (seed {seed})",
    )
