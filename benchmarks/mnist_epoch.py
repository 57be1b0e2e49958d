"""*mnist-epoch*: one epoch of 784-128-10 (ReLU, softmax + cross-entropy, plain SGD, float32).

``python -m benchmarks.mnist_epoch CONTENDER --batches 32,128,512`` loads the
60,000 MNIST training images, and for each batch size warms up (one epoch on
the first 6,000 images) and then times one full, shuffled epoch. Also
``gemm``: the float32 matrix-multiply ceiling of this step's shapes. Prints a
``RESULT`` line with the seconds, the training accuracy and the peak memory.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.common import emit, mnist

SIZES = (784, 128, 10)
RATE = 0.05
WARMUP = 6000


def flops_per_sample(sizes: tuple[int, ...] = SIZES) -> int:
    """Multiply-adds x 2 of one sample's forward and backward pass.

    Forward ``x @ W.T`` and the weight gradients ``delta.T @ x`` of every layer,
    and ``delta @ W`` of every layer but the first (the input needs no gradient).
    """
    pairs = [a * b for a, b in itertools.pairwise(sizes)]
    return 2 * (2 * sum(pairs) + sum(pairs[1:]))


def glassnet_epoch(X: np.ndarray, y: np.ndarray, batch: int, seed: int) -> float:
    from glassnet.init import init_network
    from glassnet.optimizers import SGD
    from glassnet.training import Trainer

    net = init_network(list(SIZES), ["relu", "softmax"], loss="cross_entropy", rng=seed)
    trainer = Trainer(net, SGD(RATE), epochs=1, batch_size=batch, seed=seed, progress="quiet")
    history = trainer.fit(X, y)
    accuracy = history.records[-1].accuracy
    return float(accuracy if accuracy is not None else 0.0)


def torch_epoch_factory() -> Callable[[np.ndarray, np.ndarray, int, int], float]:
    import torch

    torch.set_num_threads(_threads())

    def epoch(X: np.ndarray, y: np.ndarray, batch: int, seed: int) -> float:
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(SIZES[0], SIZES[1]),
            torch.nn.ReLU(),
            torch.nn.Linear(SIZES[1], SIZES[2]),
        )
        opt = torch.optim.SGD(model.parameters(), lr=RATE)
        loss_fn = torch.nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        perm = torch.randperm(Xt.shape[0])
        correct = 0
        for lo in range(0, Xt.shape[0], batch):
            idx = perm[lo : lo + batch]
            xb, yb = Xt[idx], yt[idx]
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += int((out.argmax(1) == yb).sum())
        return correct / Xt.shape[0]

    return epoch


def sklearn_epoch(X: np.ndarray, y: np.ndarray, batch: int, seed: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(SIZES[1],),
        activation="relu",
        solver="sgd",
        batch_size=batch,
        learning_rate_init=RATE,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        max_iter=1,
        shuffle=True,
        random_state=seed,
        tol=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return float("nan")  # scikit-learn does not report the training accuracy of the epoch


def _threads() -> int:
    import os

    return int(os.environ.get("OMP_NUM_THREADS", "1"))


def gemm_ceiling(batch: int = 128, repeats: int = 100) -> dict[str, Any]:
    """The float32 GFLOP/s of this step's matrix multiplies at ``batch``, each at its best.

    Times the five products of a 784-128-10 step (forward ``x @ W.T`` per layer,
    ``delta.T @ x`` per layer, ``delta @ W`` of the output layer), each in every
    storage layout a library could choose (row-major or column-major operands,
    transposes passed to BLAS as flags, preallocated outputs), and keeps each
    product's fastest layout: the ceiling does not depend on glassnet's choices.
    A time is the 10th percentile of ``repeats`` calls: near the best the BLAS
    reaches, robust to a noisy neighbour (a median would lower the ceiling on a
    busy machine). The ceiling is the products' total FLOPs over their total time.
    """
    rng = np.random.default_rng(0)
    n_in, n_hid, n_out = SIZES

    def both(shape: tuple[int, int]) -> list[np.ndarray]:
        """A random matrix in row-major and in column-major storage."""
        a = rng.random(shape, dtype=np.float32)
        return [a, np.asfortranarray(a)]

    x, w1, w2 = both((batch, n_in)), both((n_hid, n_in)), both((n_out, n_hid))
    h, d2, d1 = both((batch, n_hid)), both((batch, n_out)), both((batch, n_hid))
    products = [
        ("x @ W1.T", [(a, b.T) for a in x for b in w1], (batch, n_hid)),
        ("h @ W2.T", [(a, b.T) for a in h for b in w2], (batch, n_out)),
        ("d2.T @ h", [(a.T, b) for a in d2 for b in h], (n_out, n_hid)),
        ("d2 @ W2", [(a, b) for a in d2 for b in w2], (batch, n_hid)),
        ("d1.T @ x", [(a.T, b) for a in d1 for b in x], (n_hid, n_in)),
    ]
    total_flops, total_seconds, shapes = 0, 0.0, []
    for name, layouts, shape in products:
        best = math.inf
        for (a, b), order in itertools.product(layouts, "CF"):
            out = np.empty(shape, np.float32, order=order)
            for _ in range(20):
                np.matmul(a, b, out=out)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                np.matmul(a, b, out=out)
                times.append(time.perf_counter() - t0)
            best = min(best, float(np.percentile(times, 10)))
        flops = 2 * shape[0] * shape[1] * layouts[0][0].shape[1]
        total_flops += flops
        total_seconds += best
        shapes.append({"product": name, "gflops_per_s": round(flops / best / 1e9, 1)})
    return {"gflops_per_s": total_flops / total_seconds / 1e9, "products": shapes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=["glassnet", "pytorch", "sklearn", "gemm"])
    parser.add_argument("--batches", default="32,128,512")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.contender == "gemm":
        emit(gemm_ceiling())
        return
    batches = [int(b) for b in args.batches.split(",")]
    epoch: Callable[[np.ndarray, np.ndarray, int, int], float]
    if args.contender == "glassnet":
        epoch = glassnet_epoch
    elif args.contender == "pytorch":
        epoch = torch_epoch_factory()
    else:
        epoch = sklearn_epoch
    X, y = mnist("train")
    result: dict[str, Any] = {"seconds": {}, "accuracy": {}}
    for batch in batches:
        epoch(X[:WARMUP], y[:WARMUP], batch, args.seed)  # warm-up
        started = time.perf_counter()
        accuracy = epoch(X, y, batch, args.seed)
        result["seconds"][str(batch)] = time.perf_counter() - started
        result["accuracy"][str(batch)] = accuracy
    emit(result)


if __name__ == "__main__":
    main()
