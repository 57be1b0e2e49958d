"""Helpers shared by the training tests (tests/training/, test_run.py)."""

from __future__ import annotations

import numpy as np

import shared
from glassnet.cli import main
from glassnet.init import init_network

MNIST = shared.MNIST


def params(network):
    out = []
    for layer in network.layers:
        out.append(layer.weights.copy())
        if layer.bias is not None:
            out.append(np.array(layer.bias, copy=True))
    return out


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


def blobs(n=120, n_features=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    centers = rng.normal(scale=2.0, size=(n_classes, n_features))
    X = (centers[y] + rng.normal(size=(n, n_features))).astype(np.float32)
    return X, y


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def spiral_net(activation="relu", hidden=(32, 32), rng=0):
    sizes = [2, *hidden, 2]
    return init_network(
        sizes, [activation] * len(hidden) + ["softmax"], loss="cross_entropy", rng=rng
    )
