"""Small built-in problems: XOR, two interleaved spirals, two moons (seeded).

Each returns a two-class ``Dataset`` with two float32 features. The same
arguments give the same numbers on every machine (``numpy.random.default_rng``).

>>> xor().X.tolist(), xor().y.tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from glassnet.data.dataset import Dataset
from glassnet.errors import GlassnetError

GENERATORS = ("xor", "spirals", "moons")


def xor() -> Dataset:
    """The four corners of the unit square; class 1 where exactly one input is 1."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return Dataset(X, np.array([0, 1, 1, 0]), classes=[0, 1], name="xor",
                   feature_names=["x1", "x2"])  # fmt: skip


def spirals(
    n_samples: int = 400, noise: float = 0.05, seed: int = 0, *, turns: float = 1.5
) -> Dataset:
    """Two interleaved spirals, ``n_samples // 2`` points each (class 0 gets any odd one).

    Along a spiral ``t`` runs evenly from 0.1 to 1; the point is::

        x = t * cos(2π·turns·t + π·k),  y = t * sin(2π·turns·t + π·k)

    for class ``k``, so class 1 is class 0 turned by half a circle. Gaussian
    noise with standard deviation ``noise`` is added to both coordinates, and
    the samples are shuffled. Arms of the two classes are ``1 / (2·turns)``
    apart, so ``noise`` well below that (the default 0.05 at 1.5 turns) keeps
    them separable.
    """
    n_samples, noise = _check(n_samples, noise, minimum=2)
    rng = np.random.default_rng(seed)
    counts = (n_samples - n_samples // 2, n_samples // 2)
    points, labels = [], []
    for k, count in enumerate(counts):
        t = np.linspace(0.1, 1.0, count)
        angle = 2 * math.pi * turns * t + math.pi * k
        points.append(np.column_stack([t * np.cos(angle), t * np.sin(angle)]))
        labels.append(np.full(count, k))
    return _finish("spirals", np.concatenate(points), np.concatenate(labels), noise, rng)


def moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles (the layout of scikit-learn's ``make_moons``).

    Class 0: ``(cos a, sin a)``; class 1: ``(1 - cos a, 0.5 - sin a)``; with ``a``
    evenly from 0 to π, ``n_samples // 2`` points in class 0 and the rest in
    class 1. Gaussian noise with standard deviation ``noise`` is added, and
    the samples are shuffled.
    """
    n_samples, noise = _check(n_samples, noise, minimum=2)
    rng = np.random.default_rng(seed)
    n_outer, n_inner = n_samples // 2, n_samples - n_samples // 2
    a_outer = np.linspace(0, math.pi, n_outer)
    a_inner = np.linspace(0, math.pi, n_inner)
    outer = np.column_stack([np.cos(a_outer), np.sin(a_outer)])
    inner = np.column_stack([1 - np.cos(a_inner), 0.5 - np.sin(a_inner)])
    labels = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    return _finish("moons", np.concatenate([outer, inner]), labels, noise, rng)


def _finish(
    name: str,
    points: NDArray[np.float64],
    labels: NDArray[np.int64],
    noise: float,
    rng: np.random.Generator,
) -> Dataset:
    # Drawn even when noise = 0, so the shuffle is the same for every noise level.
    points = points + rng.normal(scale=noise, size=points.shape)
    order = rng.permutation(len(points))
    return Dataset(points[order].astype(np.float32), labels[order], classes=[0, 1], name=name,
                   feature_names=["x1", "x2"])  # fmt: skip


def _check(n_samples: object, noise: object, *, minimum: int) -> tuple[int, float]:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise GlassnetError(f"n_samples must be a whole number, got {n_samples!r}")
    if n_samples < minimum:
        raise GlassnetError(f"n_samples must be >= {minimum}, got {n_samples}")
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not math.isfinite(noise):
        raise GlassnetError(f"noise must be a number, got {noise!r}")
    if noise < 0:
        raise GlassnetError(f"noise must be >= 0, got {noise}")
    return int(n_samples), float(noise)
