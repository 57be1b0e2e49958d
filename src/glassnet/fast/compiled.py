"""Training tiny networks fast: the generated straight-line loop of ``glassnet.fast.codegen``.

A 2-2-2 network trained one sample at a time spends nearly all its time in
NumPy's per-call overhead (about 1 µs per ufunc). For such networks
``glassnet.fast.full_batch.train`` runs a function generated from the
explanations' formula trees instead (``glassnet.fast.codegen``): every net
input, output, delta, gradient and update of every neuron written out as one
line of arithmetic on Python floats, inside one loop over the steps. It fuses
``engine.forward``, ``engine.backward`` and the update of ``engine.backprop``,
for every ``engine.Variant``. Results agree with ``engine.backprop`` to rounding
(about 1e-15); ``tests/fast/test_compiled.py`` pins them.

For ``NATIVE_STEPS`` updates or more the same lines run as C
(``glassnet.fast.native``), which gives the same bits some 50 times faster:
``glassnet check`` trains every mistake of its catalogue up to 1,000,000 updates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.engine import EXACT, Variant
from glassnet.fast.codegen import Compiled, UnsupportedError, generate, rint
from glassnet.network import Network

#: Largest layer width and sample count the generated code is used for.
MAX_WIDTH = 16
MAX_SAMPLES = 16
#: Largest ``n_samples * (number of weights)`` the generated code is used for.
MAX_WORK = 512
#: Updates from which training runs the C loop: fewer take less time in Python
#: than the compiler needs (a few tenths of a second, once; the library is kept).
NATIVE_STEPS = 100_000
_CACHE: dict[tuple[Any, ...], Compiled | None] = {}  # by (structure, variant)
_NATIVE: dict[tuple[Any, ...], Compiled | None] = {}  # the same loops as C


def supports(network: Network, n_samples: int) -> bool:
    """Whether ``compile_network`` covers ``network`` trained on ``n_samples`` samples.

    Float64 parameters, elementwise activations, a loss that needs no paired
    output activation, and a network small enough that Python floats beat NumPy.
    """
    if network.dtype != np.float64 or network.loss.requires_activation is not None:
        return False
    if n_samples > MAX_SAMPLES or n_samples < 1:
        return False
    weights = 0
    for layer in network.layers:
        if not layer.activation.elementwise:
            return False
        n_out, n_in = layer.weights.shape
        if n_out > MAX_WIDTH or n_in > MAX_WIDTH:
            return False
        weights += n_out * n_in
    return weights * n_samples <= MAX_WORK


def _signature(network: Network, n_samples: int) -> tuple[Any, ...]:
    layers = tuple(
        (
            layer.weights.shape,
            repr(layer.activation),
            None if layer.bias is None else layer.bias.ndim,
            layer.train_bias,
        )
        for layer in network.layers
    )
    return (layers, repr(network.loss), network.batch_reduction, n_samples)


def compile_network(
    network: Network, n_samples: int, variant: Variant | None = None
) -> Compiled | None:
    """The generated training loop for ``network``'s structure and ``variant`` (cached by both).

    ``None`` when a formula has no Python form (then ``full_batch.train`` uses NumPy).

    Call it as ``run(params, X, T, eta, steps, on_step)`` with ``params`` the flat
    list of ``parameters(network)``, ``X`` and ``T`` nested lists of floats and
    ``eta`` the learning rate after the variant's ``learning_rate_power``. It
    returns ``(done, params, losses, outputs, bad)``: the number of updates
    applied, the parameters after them, the loss after each, the outputs after
    the last, and the non-finite loss that stopped training (``done < steps``;
    that update is not applied). For ``NATIVE_STEPS`` or more, without ``on_step``,
    it runs the same lines as C when a compiler is at hand (``glassnet.fast.native``):
    bit for bit the same, some 50 times faster.
    """
    variant = _plain(variant)
    python = _python_loop(network, n_samples, variant)
    if python is None:
        return None
    key = (_signature(network, n_samples), variant)

    def run(
        params: list[float], X: Any, T: Any, eta: float, steps: int, on_step: Any
    ) -> tuple[int, list[float], Any, list[list[float]], float]:
        if on_step is None and steps >= NATIVE_STEPS:
            if key not in _NATIVE:
                prepare(network, n_samples, [variant])
            c_loop = _NATIVE[key]
            if c_loop is not None:
                return c_loop(params, X, T, eta, steps, None)
        return python(params, X, T, eta, steps, on_step)

    return run


def prepare(network: Network, n_samples: int, variants: Sequence[Variant | None]) -> None:
    """Build the C loops of all ``variants`` at once (one compiler run), for ``compile_network``.

    ``glassnet check`` calls it with its catalogue before training the mistakes.
    """
    # Imported here: ctypes and subprocess would cost every ``import glassnet`` time.
    from glassnet.fast import native

    signature = _signature(network, n_samples)
    wanted = list(dict.fromkeys(_plain(v) for v in variants))
    wanted = [v for v in wanted if (signature, v) not in _NATIVE]
    if not wanted or not supports(network, n_samples):
        return
    built = native.build(network, n_samples, wanted) if native.enabled() else {}
    for v in wanted:
        _NATIVE[(signature, v)] = built.get(v)


def _plain(variant: Variant | None) -> Variant | None:
    """``None`` for the stated method, so it has one cache entry."""
    return None if variant is None or variant == EXACT else variant


def _python_loop(network: Network, n_samples: int, variant: Variant | None) -> Compiled | None:
    """The Python ``run`` for ``network`` and ``variant``, generated and executed once."""
    key = (_signature(network, n_samples), variant)
    if key not in _CACHE:
        try:
            source = generate(network, n_samples, variant)
        except (UnsupportedError, NotImplementedError):
            _CACHE[key] = None
            return None
        namespace: dict[str, Any] = {"exp": math.exp, "tanh": math.tanh, "inf": math.inf}
        namespace["log"] = _log
        namespace["_rint"] = rint
        exec(compile(source, "<glassnet.fast.compiled>", "exec"), namespace)
        _CACHE[key] = namespace["run"]
    return _CACHE[key]


def _log(value: float) -> float:
    if value > 0.0:
        return math.log(value)
    return -math.inf if value == 0.0 else math.nan


def parameters(network: Network) -> list[float]:
    """Every weight (row by row) and bias of every layer, as the generated code orders them."""
    values: list[float] = []
    for layer in network.layers:
        values.extend(float(v) for v in layer.weights.ravel())
        if layer.bias is not None:
            values.extend(float(v) for v in np.atleast_1d(layer.bias))
    return values


def set_parameters(network: Network, values: list[float]) -> None:
    """Write ``values`` (in ``parameters`` order) into ``network``'s arrays."""
    at = 0
    for layer in network.layers:
        size = layer.weights.size
        layer.weights = np.array(values[at : at + size], dtype=np.float64).reshape(
            layer.weights.shape
        )
        at += size
        if layer.bias is not None:
            size = layer.bias.size
            layer.bias = np.array(values[at : at + size], dtype=np.float64).reshape(
                layer.bias.shape
            )
            at += size


