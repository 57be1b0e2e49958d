"""What every benchmark child process shares: peak memory, the result line, MNIST."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MNIST = Path(os.environ.get("GLASSNET_MNIST", ROOT.parent / "shared" / "data" / "mnist"))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(result: dict[str, Any]) -> None:
    """Print the child's result as the last line of stdout, with its peak memory."""
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


def mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``X`` float32 in [0, 1] ``(n, 784)`` and labels int64, read from the IDX files.

    Every contender loads the data this same way (no glassnet import), so peak
    memory compares the training, not the loaders.
    """
    import gzip

    prefix = "train" if split == "train" else "t10k"
    with gzip.open(MNIST / f"{prefix}-images-idx3-ubyte.gz", "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    X = np.empty((raw.size // 784, 784), dtype=np.float32)
    np.multiply(raw.reshape(-1, 784), np.float32(1 / 255), out=X)
    del raw
    with gzip.open(MNIST / f"{prefix}-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)
    return X, y
