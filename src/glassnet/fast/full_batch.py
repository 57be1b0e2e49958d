"""Repeated full-batch gradient descent: ``train``, ``backprop`` step after step without copies.

Each step is ``engine.backprop``'s update (``engine.layer_updates``: ``backward``
and ``new = old - eta * grad`` per layer, with every ``Variant``), on one
working network whose layers take each update's new arrays; the forward pass
that measures the loss after an update is reused as the next update's forward
pass. Tiny float64 networks run the generated straight-line loop of
``glassnet.fast.compiled`` instead (the same formulas, fused into one loop).
``Example.train`` and ``glassnet check``'s ``NAME@N`` claims use it.

Pinned to ``engine.backprop`` by ``tests/fast/test_full_batch.py`` (``train``
against repeated ``backprop``, for every variant, NumPy and generated loops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.engine import (
    EXACT,
    Variant,
    batch_loss,
    check_targets,
    forward,
    layer_updates,
    reduce_samples,
    step_settings,
)
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.fast import compiled
from glassnet.fast.codegen import Compiled
from glassnet.network import Network

Array = NDArray[np.floating]


@dataclass
class TrainResult:
    """The loss after each update of ``train`` and the outputs after the last."""

    network: Network
    losses: Array
    outputs: Array

    @property
    def loss(self) -> float:
        return float(self.losses[-1])


def train(
    network: Network,
    inputs: ArrayLike,
    targets: ArrayLike,
    learning_rate: float,
    steps: int,
    *,
    variant: Variant = EXACT,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Repeat the full-batch update ``steps`` times; ``network`` is not changed.

    ``losses[k]`` is the loss after update k + 1. Stops with ``TrainingDivergedError``
    (keeping the last good network in ``error.network``) if the loss becomes
    NaN or infinite.
    """
    if steps < 1:
        raise GlassnetError(f"steps must be >= 1, got {steps}")
    x = network.check_inputs(inputs)
    t = check_targets(network, targets, x.shape[0])
    r = variant.rounder()
    reduction, eta = step_settings(network, learning_rate, variant)
    current = network.copy()
    if compiled.supports(current, x.shape[0]):
        run = compiled.compile_network(current, x.shape[0], None if variant == EXACT else variant)
        if run is not None:
            return _train_compiled(run, current, x, t, eta, steps, on_step)
    layers = current.layers
    losses = np.empty(steps)
    passes = after_passes = forward(current, x, rounder=r)
    # Overflow shows up as a non-finite loss, reported below with the step; NumPy's
    # warnings on the way there would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            new = layer_updates(current, passes, t, reduction, eta, variant)
            before = [(layer.weights, layer.bias) for layer in layers]
            for layer, trace in zip(layers, new):
                layer.weights, layer.bias = trace.new_weights, trace.new_bias
            after_passes = forward(current, x)
            last = after_passes[-1]
            _, sample_losses = batch_loss(current, last.net, last.out, t)
            loss_after = float(reduce_samples(sample_losses, network.batch_reduction))
            if not np.isfinite(loss_after):
                for layer, (weights, bias) in zip(layers, before):
                    layer.weights, layer.bias = weights, bias
                raise diverged(current, loss_after, step + 1)
            losses[step] = loss_after
            if on_step is not None:
                on_step(step + 1, loss_after)
            if variant.round_decimals is None:
                passes = after_passes
            else:
                passes = forward(current, x, rounder=r)
    return TrainResult(network=current, losses=losses, outputs=after_passes[-1].out)


def diverged(network: Network, loss: float, step: int) -> TrainingDivergedError:
    """The error ``train`` raises when update ``step`` makes the loss ``loss`` non-finite.

    It keeps the last good ``network``, the ``step`` (counted from 1) and the ``loss``.
    """
    error = TrainingDivergedError(f"loss became {loss} at step {step}; try a smaller learning_rate")
    error.network = network
    error.step = step
    error.loss = loss
    return error


def _train_compiled(
    run: Compiled,
    current: Network,
    x: Array,
    t: Array,
    eta: float,
    steps: int,
    on_step: Callable[[int, float], None] | None,
) -> TrainResult:
    """``train`` for tiny networks: the generated straight-line loop of ``fast.compiled``."""
    done, params, losses, outputs, bad = run(
        compiled.parameters(current), x.tolist(), t.tolist(), eta, steps, on_step
    )
    compiled.set_parameters(current, params)
    if done < steps:
        raise diverged(current, bad, done + 1)
    return TrainResult(network=current, losses=np.asarray(losses), outputs=np.array(outputs))
