"""Mini-batch gathering (``glassnet.batches``): the same rows with and without the
helper thread, and the same training either way."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import batches as batches_module
from glassnet.batches import Batches, gather_ahead
from glassnet.init import init_network
from glassnet.optimizers import SGD
from glassnet.training import Trainer, loop


@pytest.mark.parametrize("ahead", [False, True])
def test_every_batch_holds_the_permuted_rows(ahead):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(103, 7)).astype(np.float32)
    labels = rng.integers(0, 5, 103)
    targets = rng.normal(size=(103, 3))
    perm = rng.permutation(103)
    seen = []
    with Batches([x, labels, targets], 10, ahead=ahead) as batches:
        for b, (xb, lb, tb) in batches.epoch(perm):
            idx = perm[b * 10 : (b + 1) * 10]
            np.testing.assert_array_equal(xb, x[idx])
            np.testing.assert_array_equal(lb, labels[idx])
            np.testing.assert_array_equal(tb, targets[idx])
            seen.append(b)
    assert seen == list(range(11))  # the last batch has 3 rows


@pytest.mark.parametrize("ahead", [False, True])
def test_an_epoch_resumes_at_its_batch_and_may_be_left_early(ahead):
    x = np.arange(40.0).reshape(20, 2)
    perm = np.arange(20)[::-1]
    with Batches([x], 4, ahead=ahead) as batches:
        firsts = []
        for b, (xb,) in batches.epoch(perm, start=2):
            firsts.append(xb[0, 0])
            if b == 3:
                break
        assert firsts == [x[perm[8], 0], x[perm[12], 0]]
        again = [b for b, _ in batches.epoch(perm)]  # the helper is still usable
    assert again == [0, 1, 2, 3, 4]


def test_gather_ahead_needs_one_blas_thread_several_cores_and_big_batches(monkeypatch):
    big = [np.zeros((10, 784), np.float32)]
    monkeypatch.setattr(batches_module.os, "cpu_count", lambda: 2)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        assert gather_ahead(big, 128)
        assert not gather_ahead(big, 8)  # 25 KB a batch: the thread would cost more
        monkeypatch.setattr(batches_module.os, "cpu_count", lambda: 1)
        assert not gather_ahead(big, 128)
    monkeypatch.setattr(batches_module.os, "cpu_count", lambda: 2)
    with threadpool_limits(limits=2, user_api="blas"):
        assert not gather_ahead(big, 128)


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_training_is_identical_with_the_helper_thread(monkeypatch, output):
    """The fused softmax step and the generic path give bit-identical weights either way."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 12)).astype(np.float32)
    n_out = 4 if output == "softmax" else 1
    y = rng.integers(0, n_out if output == "softmax" else 2, 300)
    loss = "cross_entropy" if output == "softmax" else "binary_cross_entropy"
    results = []
    for ahead in (False, True):
        monkeypatch.setattr(loop, "gather_ahead", lambda arrays, size, a=ahead: a)
        net = init_network([12, 8, n_out], ["relu", output], loss=loss, rng=0, dtype=np.float32)
        history = Trainer(net, SGD(0.1), epochs=3, batch_size=32, seed=5, progress="quiet").fit(
            x, y
        )
        results.append((net, history.column("loss")))
    (a, loss_a), (b, loss_b) = results
    assert loss_a == loss_b
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_array_equal(la.weights, lb.weights)
        np.testing.assert_array_equal(la.bias, lb.bias)


class FailingArray(np.ndarray):
    """Rows that cannot be read (as a memory-mapped file on a lost disk)."""

    def take(self, *args, **kwargs):
        raise OSError("the file behind the array is gone")


def test_an_error_on_the_helper_thread_reaches_the_training_loop():
    import threading

    x = np.zeros((10, 2)).view(FailingArray)
    before = threading.active_count()
    with Batches([x], 4, ahead=True) as batches, pytest.raises(OSError, match="is gone"):
        for _ in batches.epoch(np.arange(10)):
            pass
    assert threading.active_count() == before  # the helper thread has ended
