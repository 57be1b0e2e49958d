"""Mini-batches gathered by index into reused buffers, optionally ahead on a helper thread.

A training loop asks for the rows ``perm[b * size:(b + 1) * size]`` of its
arrays (the features, and the labels or targets) for every batch ``b``. The
rows are gathered with ``np.take(..., out=buffer, mode="clip")`` into buffers
allocated once: no allocation per batch, and a memory-mapped ``X`` is read a
batch at a time.

Gathering 128 shuffled MNIST rows (400 KB scattered over 188 MB) takes about
70 µs, a tenth of a one-thread training step, and it waits on memory rather
than on arithmetic. With ``ahead=True`` a helper thread gathers up to two
batches ahead while the current one trains (``np.take`` and BLAS both release
the GIL), into their own sets of buffers. ``Trainer`` turns it on when NumPy's
BLAS runs on one thread of a machine with more cores (``gather_ahead``). One
MNIST epoch at batch 128 then takes 0.31-0.32 s instead of 0.33-0.35 s; with
no gathering at all it would take 0.30-0.31 s (the rest is the hand-over, and
the two threads taking turns with the GIL). With BLAS on every core the helper
would only compete with it (0.25 s became 0.28 s), so it stays off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from queue import SimpleQueue
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Below this many gathered bytes per batch a helper thread costs more than it saves.
AHEAD_MIN_BYTES = 64 * 1024
#: Buffer sets when gathering ahead: the batch in use and up to two gathered ahead.
AHEAD_SLOTS = 3


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
        slots = AHEAD_SLOTS if ahead else 1
        self._buffers = [
            [np.empty((batch_size, *a.shape[1:]), a.dtype) for a in self.arrays]
            for _ in range(slots)
        ]
        self._producer: threading.Thread | None = None
        self._free: SimpleQueue[int | None] = SimpleQueue()

    def __enter__(self) -> Batches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper thread (after the gather it may be doing)."""
        if self._producer is not None:
            self._free.put(None)
            self._producer.join()
            self._producer = None

    def epoch(
        self, perm: NDArray[np.integer], start: int = 0
    ) -> Iterator[tuple[int, list[NDArray[Any]]]]:
        """``(b, [rows of each array])`` for every batch ``b`` from ``start`` on."""
        size = self.batch_size
        n_batches = -(-len(perm) // size)
        if not self.ahead:
            for b in range(start, n_batches):
                yield b, self._gather(self._buffers[0], perm[b * size : (b + 1) * size])
            return
        # The helper fills free slots in batch order and hands them over through
        # ``ready``; a slot is free again once the next batch is asked for. Simple
        # queues keep the hand-over to a few microseconds, off the step's path.
        self.close()
        ready: SimpleQueue[tuple[int, list[NDArray[Any]]] | BaseException] = SimpleQueue()
        free = self._free = SimpleQueue()
        for slot in range(len(self._buffers)):
            free.put(slot)

        def produce() -> None:
            for b in range(start, n_batches):
                slot = free.get()
                if slot is None:  # close(): the epoch was left early
                    return
                try:
                    rows = self._gather(self._buffers[slot], perm[b * size : (b + 1) * size])
                except BaseException as error:  # handed to the training loop
                    ready.put(error)
                    return
                ready.put((slot, rows))

        self._producer = threading.Thread(target=produce, name="glassnet-batches", daemon=True)
        self._producer.start()
        try:
            for b in range(start, n_batches):
                item = ready.get()
                if isinstance(item, BaseException):
                    raise item
                slot, rows = item
                yield b, rows
                free.put(slot)
        finally:
            self.close()

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
    """Whether gathering batches ahead on a helper thread should pay off here.

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
