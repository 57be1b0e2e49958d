"""What training asks of the machine: memory (estimated before anything is
allocated, so a network that cannot fit is refused in one line) and BLAS threads.

Its own module because two callers need it before any training starts: the
trainer on a fresh run, and ``glassnet.run`` before it even builds the network.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from glassnet.errors import GlassnetError
from glassnet.optimizers import Optimizer
from glassnet.training.evaluation import EVAL_BATCH


def memory_needed(
    sizes: Sequence[int],
    *,
    itemsize: int,
    batch_size: int,
    n_samples: int,
    optimizer: Optimizer,
    keep_best: bool = False,
) -> int:
    """Bytes that training a network of layer ``sizes`` ``[n_in, …, n_out]`` allocates
    besides the data, in the training dtype (``itemsize`` bytes a value).

    With ``P = Σ (n_in + 1) · n_out`` parameters, ``W`` the sum of the layer
    widths ``sizes[1:]`` and ``B`` the batch size::

        P · (1 parameters + 1 gradients + 1 the copy to fall back on after a divergence
             + 2 the optimizer's scratch and weight-decay buffers
             + 1 per optimizer slot (momentum 1, Adam 2) + 1 best epoch's, if kept)
        + W · (3 B for net, out, delta of a batch + 2 · min(n, EVAL_BATCH) for the
               net and out of an evaluation chunk)
        + 3 B · n_in gathered input rows (the batch in use and two ahead)

    A lower bound: temporaries of NumPy's arithmetic come on top.
    """
    params = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))
    copies = 5 + len(optimizer.slots) + (1 if keep_best else 0)
    width = sum(sizes[1:])
    values = (
        params * copies
        + width * (3 * batch_size + 2 * min(n_samples, EVAL_BATCH))
        + 3 * batch_size * sizes[0]
    )
    return values * itemsize


def available_memory() -> int | None:
    """Bytes this process can still allocate, or None when the system does not say.

    Linux's ``MemAvailable`` (``/proc/meminfo``): the kernel's estimate of what new
    allocations get without swapping, counting the page cache it can drop; not
    ``MemFree`` (which leaves that cache out) nor the physical total (which counts
    what other programs hold). A container's cgroup limit (``memory.max`` minus
    ``memory.current``) lowers it. Elsewhere the physical memory
    (``os.sysconf``), the best there is.
    """
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            return None
    return max(min(found), 0)


def check_memory(needed: int, subject: str = "the network") -> None:
    """Raise ``GlassnetError`` when ``needed`` bytes are more than ``available_memory()``:
    ``the network needs 80.0 GB; this machine has 23.4 GB available``."""
    available = available_memory()
    if available is not None and needed > available:
        raise GlassnetError(
            f"{subject} needs {needed / 1e9:.1f} GB; this machine has "
            f"{available / 1e9:.1f} GB available; make the layers or the batch smaller"
        )


@contextmanager
def blas_threads(threads: int | None) -> Iterator[None]:
    """Limit NumPy's BLAS to ``threads`` threads inside the block (``None``: no limit)."""
    if threads is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise GlassnetError("threads needs threadpoolctl: pip install threadpoolctl") from None
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
