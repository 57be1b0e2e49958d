"""Mini-batches gathered by index into reused buffers, optionally one batch ahead.

A training loop asks for the rows ``perm[b * size:(b + 1) * size]`` of its
arrays (the features, and the labels or targets) for every batch ``b``. The
rows are gathered with ``np.take(..., out=buffer, mode="clip")`` into buffers
allocated once: no allocation per batch, and a memory-mapped ``X`` is read a
batch at a time.

Gathering 128 shuffled MNIST rows (400 KB scattered over 188 MB) takes about
70 µs, a tenth of a one-thread training step, and it waits on memory rather
than on arithmetic. With ``ahead=True`` the next batch is gathered on a helper
thread while the current one trains (``np.take`` and BLAS both release the
GIL), into a second set of buffers. ``Trainer`` turns it on when NumPy's BLAS
runs on one thread of a machine with more cores (``gather_ahead``): the step
then takes the time of its arithmetic alone. With BLAS on every core the helper
would only compete with it, so it stays off.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Below this many gathered bytes per batch a helper thread costs more than it saves.
AHEAD_MIN_BYTES = 64 * 1024


class Batches:
    """The rows of ``arrays`` batch by batch, in the order of a permutation.

    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> with Batches([x, y], batch_size=2) as batches:
    ...     for b, (xb, yb) in batches.epoch(np.array([4, 0, 3, 1, 2])):
    ...         print(b, xb.tolist(), yb.tolist())
    0 [[8.0, 9.0], [0.0, 1.0]] [4, 0]
    1 [[6.0, 7.0], [2.0, 3.0]] [3, 1]
    2 [[4.0, 5.0]] [2]

    The arrays yielded for a batch are views of the buffers: valid until the
    next batch is asked for.
    """

    def __init__(self, arrays: Sequence[NDArray[Any]], batch_size: int, *, ahead: bool = False):
        self.arrays = list(arrays)
        self.batch_size = batch_size
        self.ahead = ahead
        sets = 2 if ahead else 1
        self._buffers = [
            [np.empty((batch_size, *a.shape[1:]), a.dtype) for a in self.arrays]
            for _ in range(sets)
        ]
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="glassnet-batches") if ahead else None

    def __enter__(self) -> Batches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper thread (after the gather it may be doing)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def epoch(
        self, perm: NDArray[np.integer], start: int = 0
    ) -> Iterator[tuple[int, list[NDArray[Any]]]]:
        """``(b, [rows of each array])`` for every batch ``b`` from ``start`` on."""
        size = self.batch_size
        n_batches = -(-len(perm) // size)
        pending: Future[list[NDArray[Any]]] | None = None
        for b in range(start, n_batches):
            if pending is None:
                rows = self._gather(self._buffers[0], perm[b * size : (b + 1) * size])
            else:
                rows = pending.result()
                pending = None
            if self._pool is not None and b + 1 < n_batches:
                after = perm[(b + 1) * size : (b + 2) * size]
                pending = self._pool.submit(self._gather, self._buffers[(b + 1) % 2], after)
            yield b, rows
        if pending is not None:  # the loop was left early: let the helper finish
            pending.result()

    def _gather(self, buffers: list[NDArray[Any]], idx: NDArray[np.integer]) -> list[NDArray[Any]]:
        m = len(idx)
        rows = []
        for array, buffer in zip(self.arrays, buffers):
            # mode="clip": the indices come from a permutation, and with out= the
            # default mode="raise" goes through a hidden temporary (twice as slow).
            np.take(array, idx, axis=0, out=buffer[:m], mode="clip")
            rows.append(buffer[:m])
        return rows


def gather_ahead(arrays: Sequence[NDArray[Any]], batch_size: int) -> bool:
    """Whether gathering one batch ahead on a helper thread should pay off here.

    Yes when a batch is large enough, the machine has more than one core and
    NumPy's BLAS is limited to one thread (``threadpoolctl`` tells; without it,
    no).
    """
    batch_bytes = sum(batch_size * a[:1].nbytes for a in arrays)
    if batch_bytes < AHEAD_MIN_BYTES or (os.cpu_count() or 1) < 2:
        return False
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return False
    blas = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return bool(blas) and all(pool.get("num_threads") == 1 for pool in blas)
