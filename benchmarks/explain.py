"""*explain*: time and output size of ``glassnet explain``.

``python -m benchmarks.explain EXAMPLE FORMAT OUTPUT`` runs the command in this
process (imports included, as a user would run it) and prints a ``RESULT``
line with the seconds, the output's size in bytes and the peak memory.
``write_mnist_example(path)`` writes an MNIST-sized worked example (784-128-10,
ReLU, softmax + cross-entropy, one real training image), which glassnet
explains in matrix form.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import emit, mnist


def write_mnist_example(path: Path) -> None:
    """A TOML worked example of a 784-128-10 network on the first MNIST training image."""
    import tomli_w

    rng = np.random.default_rng(0)
    X, y = mnist("train")
    w1 = rng.normal(0, np.sqrt(2 / 784), (128, 784)).round(6)
    w2 = rng.normal(0, np.sqrt(2 / 138), (10, 128)).round(6)
    target = np.zeros(10)
    target[y[0]] = 1.0
    data = {
        "title": "MNIST-sized network (784-128-10), one image",
        "loss": "cross_entropy",
        "learning_rate": 0.05,
        "layers": [
            {"activation": "relu", "weights": w1.tolist(), "bias": [0.0] * 128},
            {"activation": "softmax", "weights": w2.tolist(), "bias": [0.0] * 10},
        ],
        "samples": [{"input": X[0].astype(float).round(6).tolist(), "target": target.tolist()}],
    }
    path.write_bytes(tomli_w.dumps(data).encode())


def main() -> None:
    example, fmt, output = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    started = time.perf_counter()
    from glassnet.cli import main as cli

    status = cli(["explain", example, "--format", fmt, "-o", str(output)])
    seconds = time.perf_counter() - started
    emit({"seconds": seconds, "bytes": output.stat().st_size, "status": status})


if __name__ == "__main__":
    main()
