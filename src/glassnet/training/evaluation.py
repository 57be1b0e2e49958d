"""What a network makes of data: ``predict``, ``evaluate``, the predicted labels and
the confusion matrix, and the checks every array passes on its way in
(``check_features``, ``Targets.of``).

The checks are the boundary of the training side: the trainer, ``evaluate``,
``predict`` and the CLI's ``evaluate``/``predict`` commands all take their
arrays through them, so a bad array gets the same one-line message everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.engine import forward
from glassnet.errors import GlassnetError
from glassnet.network import Network

Array = NDArray[np.floating]

#: Samples per forward pass when evaluating (memory, not arithmetic, sets this).
EVAL_BATCH = 2048
#: Rows per block when checking the features for NaN (bounds the temporary mask).
CHECK_ROWS = 4096


@dataclass
class Evaluation:
    """Mean per-sample ``loss``, ``accuracy`` (labels only) and the ``outputs``."""

    loss: float
    accuracy: float | None
    outputs: Array


def predict(network: Network, X: ArrayLike, *, batch_size: int = EVAL_BATCH) -> Array:
    """The output layer's ``out`` ``(n_samples, n_outputs)``, computed ``batch_size`` at a time."""
    x = check_features(network, X)
    out = np.empty((x.shape[0], network.n_outputs), dtype=network.dtype)
    for lo in range(0, x.shape[0], batch_size):
        out[lo : lo + batch_size] = forward(network, x[lo : lo + batch_size])[-1].out
    return out


def evaluate(
    network: Network, X: ArrayLike, y: ArrayLike, *, batch_size: int = EVAL_BATCH
) -> Evaluation:
    """Loss and accuracy of ``network`` on ``X`` ``(n, n_inputs)`` with labels or targets ``y``."""
    x = check_features(network, X)
    return evaluate_targets(network, x, Targets.of(network, y, x.shape[0]), batch_size)


def evaluate_targets(
    network: Network, x: Array, targets: Targets, batch_size: int = EVAL_BATCH
) -> Evaluation:
    """``evaluate`` of checked features and targets (``check_features``, ``Targets.of``)."""
    outputs = np.empty((x.shape[0], network.n_outputs), dtype=network.dtype)
    total = 0.0
    for lo in range(0, x.shape[0], batch_size):
        hi = min(lo + batch_size, x.shape[0])
        last = forward(network, x[lo:hi])[-1]
        t = targets.rows(slice(lo, hi))
        total += float(network.loss.terms(last.net, last.out, t).sum(dtype=np.float64))
        outputs[lo:hi] = last.out
    accuracy = None
    if targets.labels is not None:
        accuracy = float(np.mean(predicted_labels(outputs) == targets.labels))
    return Evaluation(total / max(x.shape[0], 1), accuracy, outputs)


def predicted_labels(outputs: Array) -> NDArray[np.int64]:
    """The class of each row: the largest output, or ``out > 0.5`` for a single output."""
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0.5).astype(np.int64)
    return np.argmax(outputs, axis=1).astype(np.int64)


def confusion_matrix(labels: ArrayLike, predicted: ArrayLike, n_classes: int) -> NDArray[np.int64]:
    """``matrix[t, p]``: how many samples of true class t were predicted as class p."""
    t = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.int64)
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


def check_features(network: Network, X: ArrayLike, *, field: str = "X") -> Array:
    """``X`` as a C-contiguous array of the network's dtype, shape ``(n, n_inputs)``."""
    x = np.asarray(X)
    if x.ndim == 1:
        x = x.reshape(1, -1) if x.shape[0] == network.n_inputs else x.reshape(-1, 1)
    if x.ndim != 2:
        raise GlassnetError(f"expected a 2-D array (n_samples, n_features), got {x.ndim}-D")
    if x.shape[1] != network.n_inputs:
        raise GlassnetError(
            f"the data has {x.shape[1]} features but the network has {network.n_inputs} "
            "inputs; make the first layer's size match the data",
            field=field,
        )
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise GlassnetError(f"expected numbers, got dtype {x.dtype}", field=field)
    # A memory-mapped float32 X of a float32 network stays mapped: no copy, and the
    # finiteness check reads it a block of rows at a time.
    x = np.ascontiguousarray(x, dtype=network.dtype)
    for lo in range(0, x.shape[0], CHECK_ROWS):
        block = x[lo : lo + CHECK_ROWS]
        # A finite sum of squares means every value is finite (NaN and inf
        # propagate); only one that is not (an overflow, or a bad value) needs the
        # element-wise check. np.dot runs in BLAS, 25% faster than block.sum().
        flat = block.reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):
            squares = float(np.dot(flat, flat))
        if not math.isfinite(squares) and not np.isfinite(block).all():
            row = lo + int(np.argwhere(~np.isfinite(block))[0][0])
            raise GlassnetError(f"NaN or infinite value in row {row}", field=field)
    return x


def input_range(X: ArrayLike) -> list[float]:
    """``[min, max]`` of all values of ``X``, ``[]`` for no samples."""
    x = np.asarray(X)
    if x.size == 0:
        return []
    return [float(np.min(x)), float(np.max(x))]


@dataclass
class Targets:
    """What the loss compares against: for classification the integer ``labels``
    ``(n,)``, otherwise the target ``values`` ``(n, n_outputs)``.

    Labels are never expanded for all samples at once (for many samples and
    classes a one-hot matrix would outweigh the data): ``rows`` builds the
    targets of the rows at hand — one-hot rows for a network with several
    outputs, 0/1 for a single (sigmoid) output.
    """

    values: Array | None
    labels: NDArray[np.int64] | None
    n_outputs: int
    dtype: np.dtype[np.floating]

    def rows(self, select: slice | NDArray[np.integer]) -> Array:
        """The target values of the rows ``select`` (a slice, or row indices)."""
        if self.labels is None:
            assert self.values is not None
            return self.values[select]
        return self.expand(self.labels[select])

    def first(self, rows: int) -> Targets:
        """The targets of the first ``rows`` samples (views, no copy)."""
        values = None if self.values is None else self.values[:rows]
        labels = None if self.labels is None else self.labels[:rows]
        return Targets(values, labels, self.n_outputs, self.dtype)

    def expand(self, labels: NDArray[np.integer], out: Array | None = None) -> Array:
        """Target values for ``labels``: one-hot rows, or a 0/1 column for one output."""
        m = len(labels)
        out = np.empty((m, self.n_outputs), self.dtype) if out is None else out[:m]
        if self.n_outputs == 1:
            out[:, 0] = labels
        else:
            out.fill(0)
            out[np.arange(m), labels] = 1
        return out

    @classmethod
    def of(cls, network: Network, y: ArrayLike, n_samples: int, *, field: str = "y") -> Targets:
        t = np.asarray(y)
        if t.shape[:1] != (n_samples,):
            raise GlassnetError(
                f"expected {n_samples} targets (one per sample), got {t.shape}", field=field
            )
        n_out = network.n_outputs
        if t.ndim == 1 and np.issubdtype(t.dtype, np.integer):
            n_classes = max(n_out, 2)
            if t.size and (t.min() < 0 or t.max() >= n_classes):
                bad = t[(t < 0) | (t >= n_classes)][0]
                raise GlassnetError(
                    f"label {bad} is outside 0…{n_classes - 1}: the network has {n_out} "
                    f"output{'s' if n_out > 1 else ''}; make the output layer's size match "
                    "the number of classes",
                    field=field,
                )
            return cls(None, t.astype(np.int64, copy=False), n_out, network.dtype)
        if not np.issubdtype(t.dtype, np.number):
            raise GlassnetError(f"expected numbers, got dtype {t.dtype}", field=field)
        values = t.reshape(n_samples, -1) if t.ndim == 1 else t
        if values.ndim != 2 or values.shape[1] != n_out:
            raise GlassnetError(
                f"the targets have {values[0].size if len(values) else 0} values per sample but "
                f"the network has {n_out} outputs",
                field=field,
            )
        values = np.ascontiguousarray(values, dtype=network.dtype)
        if not np.isfinite(values).all():
            raise GlassnetError("NaN or infinite target", field=field)
        return cls(values, None, n_out, network.dtype)
