"""glassnet.training.resources: the memory a run needs, and BLAS threads."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet.data import spirals
from glassnet.errors import GlassnetError
from glassnet.init import init_network
from glassnet.optimizers import SGD, Adam
from glassnet.training import EVAL_BATCH, Trainer, available_memory, fit, memory_needed
from train_helpers import blobs, params, spiral_net


def test_threads_limits_blas_inside_fit_only():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    seen = []
    X, y = blobs()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    before = blas_threads()
    fit(net, X, y, epochs=1, batch_size=60, threads=1, progress="quiet",
        on_batch=lambda e, b, loss: seen.append(blas_threads()))  # fmt: skip
    assert seen == [{1}, {1}]
    assert blas_threads() == before
    with pytest.raises(GlassnetError, match="threads must be >= 1, got 0"):
        Trainer(net, threads=0)


def test_memory_needed_by_hand():
    # sizes 2-3-2: P = 3·3 + 4·2 = 17 parameters, widths W = 5, batch 4, 10 samples:
    # 17·5 copies + 5·(3·4 + 2·10) + 3·4·2 = 85 + 160 + 24 = 269 values of 4 bytes.
    sgd = memory_needed([2, 3, 2], itemsize=4, batch_size=4, n_samples=10, optimizer=SGD(0.1))
    assert sgd == 269 * 4
    # Momentum keeps one more copy of the parameters, Adam two, the best epoch's one.
    momentum = SGD(0.1, momentum=0.9)
    assert memory_needed([2, 3, 2], itemsize=4, batch_size=4, n_samples=10,
                         optimizer=momentum) == (269 + 17) * 4  # fmt: skip
    assert memory_needed([2, 3, 2], itemsize=8, batch_size=4, n_samples=10, optimizer=Adam(0.1),
                         keep_best=True) == (269 + 3 * 17) * 8  # fmt: skip
    # The evaluation chunk is at most EVAL_BATCH rows.
    many = memory_needed([2, 3, 2], itemsize=4, batch_size=4, n_samples=10**6, optimizer=SGD(1))
    assert many == (85 + 5 * (12 + 2 * EVAL_BATCH) + 24) * 4


def test_memory_needed_covers_what_training_allocates():
    """The estimate against what NumPy allocates while training (tracemalloc sees NumPy's
    arrays): within a factor of two of the peak, for a network its parameters dominate."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 50)).astype(np.float32)
    y = rng.integers(0, 2, 64)
    net = init_network([50, 300, 300, 2], ["relu", "relu", "softmax"], loss="cross_entropy",
                       rng=0)  # fmt: skip
    held = sum(p.nbytes for p in params(net))
    estimate = memory_needed(net.sizes, itemsize=4, batch_size=8, n_samples=64,
                             optimizer=Adam(0.01))  # fmt: skip
    tracemalloc.start()
    try:
        fit(net, X, y, optimizer=Adam(0.01), epochs=2, batch_size=8, progress="quiet")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert estimate / 2 <= peak + held <= estimate * 2, (estimate, peak + held)


def test_available_memory_is_at_most_the_physical_memory():
    available = available_memory()
    assert available is not None and available > 0
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert available <= total


def test_trainer_refuses_training_that_cannot_fit(monkeypatch):
    monkeypatch.setattr("glassnet.training.resources.available_memory", lambda: 1000)
    data = spirals(100, seed=0)
    net = spiral_net(hidden=(8,))
    before = params(net)
    with pytest.raises(GlassnetError, match=r"^training this network needs 0\.0 GB; this "
                       r"machine has 0\.0 GB available"):  # fmt: skip
        fit(net, data.X, data.y, optimizer=SGD(0.1), epochs=1, progress="quiet")
    for a, b in zip(params(net), before):
        assert np.array_equal(a, b)
