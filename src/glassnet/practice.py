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
) -> Example:
    """A fresh example: ``shape`` is ``[n_inputs, n_hidden…, n_outputs]``.

    ``output_activation`` defaults to the one ``loss`` needs (softmax for
    ``cross_entropy``), else ``activation``. ``bias`` is ``neuron``, ``shared``
    or ``none``; ``learning_rate`` defaults to one of ``LEARNING_RATES``.
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
    rng = np.random.default_rng(seed)

    def draw(low: float, high: float, size: tuple[int, ...]) -> np.ndarray:
        return np.round(rng.uniform(low, high, size), 2)

    layers = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        b: np.ndarray | float | None = None
        if bias == "neuron":
            b = draw(-0.5, 0.5, (n_out,))
        elif bias == "shared":
            b = float(draw(-0.5, 0.5, ()))
        act = last if k == len(sizes) - 2 else activation
        layers.append(Layer(draw(-1, 1, (n_out, n_in)), act, bias=b, train_bias=train_bias))
    network = Network(layers, loss=loss)
    inputs = draw(0, 1, (samples, sizes[0]))
    if network.loss.targets_sum_to_one:  # one class per sample
        targets = np.eye(sizes[-1])[rng.integers(0, sizes[-1], samples)]
    else:
        targets = draw(0, 1, (samples, sizes[-1]))
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
        description=f"{activation} hidden layers, {last} output, loss {loss}.",
        path=f"practice {text} (seed {seed})",
    )
