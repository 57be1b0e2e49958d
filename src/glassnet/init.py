"""Initial weights: explicit values, uniform and normal ranges, Glorot/Xavier and He.

A layer with ``fan_in`` inputs and ``fan_out`` neurons gets a weight matrix of
shape ``(fan_out, fan_in)``, drawn from a seeded ``numpy.random.Generator``:

- ``glorot_uniform`` (``xavier_uniform``): ``U(-a, a)``, ``a = sqrt(6 / (fan_in + fan_out))``;
- ``glorot_normal`` (``xavier_normal``): ``N(0, s²)``, ``s = sqrt(2 / (fan_in + fan_out))``;
- ``he_uniform``: ``U(-a, a)``, ``a = sqrt(6 / fan_in)``;
- ``he_normal``: ``N(0, s²)``, ``s = sqrt(2 / fan_in)``;
- ``uniform``: ``U(low, high)``; ``normal``: ``N(mean, std²)``;
- ``constant``: every weight is ``value``.

Glorot & Bengio (2010) keep the variance of activations and gradients equal
across sigmoid/tanh layers; He et al. (2015) double it for ReLU, which zeroes
half its inputs. ``auto`` picks what the layer's activation declares
(``Activation.auto_init``): He for ReLU-like layers (relu, leaky_relu,
softplus, gelu), Glorot otherwise. Values are drawn in float64 and then cast, so a seed gives
the same network (up to rounding) in any dtype.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> W = init_weights("he_uniform", 4, 3, rng)
>>> W.shape, bool(np.all(np.abs(W) <= np.sqrt(6 / 4)))
((3, 4), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.activations import Activation, get_activation
from glassnet.errors import GlassnetError, did_you_mean
from glassnet.network import Layer, Network
from glassnet.validate import check_number, check_positive

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Init:
    """How to draw a weight matrix: a method and its settings.

    ``low``/``high`` are for ``uniform``, ``mean``/``std`` for ``normal``,
    ``value`` for ``constant``; ``gain`` multiplies the Glorot and He scales.
    """

    method: str = "auto"
    low: float = -0.05
    high: float = 0.05
    mean: float = 0.0
    std: float = 0.05
    value: float = 0.0
    gain: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in METHODS and self.method != "auto":
            options = ["auto", *sorted(METHODS)]
            hint = did_you_mean(self.method, options)
            raise GlassnetError(
                f"unknown init {self.method!r}{hint} (expected one of {', '.join(options)})"
            )
        if self.method == "uniform" and not self.low < self.high:
            raise GlassnetError(f"init low must be < high, got {self.low} and {self.high}")
        if self.method == "normal":
            check_number("init std", self.std, low=0.0)
        check_positive("init gain", self.gain)


def _glorot_uniform(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    a = spec.gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))


def _glorot_normal(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    s = spec.gain * math.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, s, size=(fan_out, fan_in))


def _he_uniform(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    a = spec.gain * math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_out, fan_in))


def _he_normal(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    s = spec.gain * math.sqrt(2.0 / fan_in)
    return rng.normal(0.0, s, size=(fan_out, fan_in))


def _uniform(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    return rng.uniform(spec.low, spec.high, size=(fan_out, fan_in))


def _normal(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    return rng.normal(spec.mean, spec.std, size=(fan_out, fan_in))


def _constant(spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    return np.full((fan_out, fan_in), spec.value)


Method = Callable[[Init, int, int, np.random.Generator], Array]

METHODS: dict[str, Method] = {
    "glorot_uniform": _glorot_uniform,
    "xavier_uniform": _glorot_uniform,
    "glorot_normal": _glorot_normal,
    "xavier_normal": _glorot_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
    "uniform": _uniform,
    "normal": _normal,
    "constant": _constant,
}


def resolve(spec: str | Init, activation: str | Activation) -> Init:
    """The spec with ``auto`` replaced by the activation's ``auto_init`` (He for ReLU-like)."""
    init = Init(spec) if isinstance(spec, str) else spec
    if init.method != "auto":
        return init
    return Init(get_activation(activation).auto_init, gain=init.gain)


def init_weights(
    spec: str | Init,
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    *,
    activation: str | Activation = "sigmoid",
    dtype: type[np.floating[Any]] = np.float64,
) -> Array:
    """A weight matrix of shape ``(fan_out, fan_in)`` drawn as ``spec`` says."""
    if fan_in < 1 or fan_out < 1:
        raise GlassnetError(f"a layer needs >= 1 input and neuron, got {fan_in} and {fan_out}")
    init = resolve(spec, activation)
    return METHODS[init.method](init, fan_in, fan_out, rng).astype(dtype)


def init_network(
    sizes: Sequence[int],
    activations: Sequence[str | Activation],
    *,
    loss: str = "half_sse",
    init: str | Init | Sequence[str | Init] = "auto",
    bias: float | None = 0.0,
    rng: np.random.Generator | int | None = None,
    dtype: type[np.floating[Any]] = np.float32,
    **network_options: Any,
) -> Network:
    """A fresh network with ``sizes = [n_inputs, n_hidden…, n_outputs]``.

    ``activations`` has one entry per layer (``len(sizes) - 1``); ``init`` is one
    spec for every layer or one per layer. Biases start at ``bias`` (one per
    neuron), or are left out with ``bias=None``.

    >>> net = init_network([2, 3, 1], ["tanh", "sigmoid"], rng=0)
    >>> net.sizes, net.dtype
    ([2, 3, 1], dtype('float32'))
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise GlassnetError(f"sizes must be >= 2 positive numbers, got {sizes}")
    n_layers = len(sizes) - 1
    if len(activations) != n_layers:
        raise GlassnetError(
            f"expected {n_layers} activations (one per layer), got {len(activations)}"
        )
    specs = [init] * n_layers if isinstance(init, str | Init) else list(init)
    if len(specs) != n_layers:
        raise GlassnetError(f"expected {n_layers} init specs (one per layer), got {len(specs)}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    layers = []
    for index in range(n_layers):
        fan_in, fan_out = sizes[index], sizes[index + 1]
        weights = init_weights(
            specs[index], fan_in, fan_out, generator, activation=activations[index], dtype=dtype
        )
        layer_bias = None if bias is None else np.full(fan_out, bias, dtype=dtype)
        layers.append(Layer(weights, activations[index], bias=layer_bias, dtype=dtype))
    return Network(layers, loss=loss, **network_options)
