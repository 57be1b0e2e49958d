"""The fit loop: epochs of shuffled mini-batches through the engine.

Each epoch draws a permutation of the samples from a seeded generator, cuts it
into batches of ``batch_size`` (the last may be smaller) and, per batch::

    passes = engine.forward(network, x)              # net, out per layer
    grads  = engine.backward(network, passes, t)     # dE/dW, dE/db per layer
    optimizer.step(params, grads)                    # W <- W - lr · (…)

with the learning rate of the epoch from the schedule. The same seed gives the
same numbers, and a run resumed from a checkpoint ends with exactly the
parameters of an uninterrupted one: the checkpoint holds the parameters, the
optimizer's state, the generator's state at the start of the epoch, and how
far into the epoch training got.

The loss and accuracy an epoch reports for the training set are averages over
its batches, each measured in the forward pass before that batch's update (as
Keras does); validation figures are measured after the epoch. Losses are per
sample (the mean of the samples' losses), whatever ``batch_reduction`` says.
L2 weight decay is not part of the reported loss.

>>> import numpy as np
>>> from glassnet.init import init_network
>>> from glassnet.optimizers import SGD
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
>>> y = np.array([0, 1, 1, 0])
>>> net = init_network([2, 8, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0)
>>> history = fit(net, X, y, optimizer=SGD(0.5, momentum=0.9), epochs=200, batch_size=4,
...               seed=0, progress="quiet")
>>> history.records[-1].accuracy
1.0
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.batches import Batches, gather_ahead
from glassnet.engine import forward
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.fast.fused import FusedStep, lean_backward
from glassnet.network import Network
from glassnet.optimizers import SGD, Optimizer
from glassnet.progress import Progress, make_progress
from glassnet.schedules import Constant, Cosine, Schedule

Array = NDArray[np.floating]

#: Samples per forward pass when evaluating (memory, not arithmetic, sets this).
EVAL_BATCH = 2048
#: Rows per block when checking the features for NaN (bounds the temporary mask).
CHECK_ROWS = 4096
#: At least this many training rows (at most ``EVAL_BATCH``, and at least a batch)
#: measure the loss of the parameters after an epoch's last update; see ``Trainer._probe``.
PROBE_ROWS = 256
#: An epoch whose training loss is more than this many times the loss before training
#: has exploded; see ``Trainer._exploded``.
EXPLOSION_FACTOR = 10.0


@dataclass
class EpochRecord:
    """One epoch's figures; ``epoch`` counts from 1. ``None`` where not measured."""

    epoch: int
    loss: float
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    learning_rate: float
    seconds: float


COLUMNS = [f.name for f in fields(EpochRecord)]


@dataclass
class History:
    """Per-epoch records and how training ended.

    ``stopped`` is ``"completed"``, ``"early_stopping"``, ``"interrupted"`` or
    ``"diverged"``; ``best_epoch`` is the epoch with the lowest validation loss
    (when there is validation data); ``warnings`` what the user should know
    about the run (a loss that exploded).
    """

    records: list[EpochRecord] = field(default_factory=list)
    stopped: str = "completed"
    best_epoch: int | None = None
    warnings: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        """One column, e.g. ``history.column("val_loss")``."""
        return [getattr(r, name) for r in self.records]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stopped": self.stopped,
            "best_epoch": self.best_epoch,
            "warnings": list(self.warnings),
            "epochs": [{c: getattr(r, c) for c in COLUMNS} for r in self.records],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        return cls(
            records=[EpochRecord(**r) for r in data["epochs"]],
            stopped=data["stopped"],
            best_epoch=data["best_epoch"],
            warnings=[str(w) for w in data.get("warnings", [])],
        )

    def to_csv(self) -> str:
        """The records as CSV text, one row per epoch; empty cells where not measured."""
        lines = [",".join(COLUMNS)]
        for r in self.records:
            values = [getattr(r, c) for c in COLUMNS]
            lines.append(",".join("" if v is None else repr(v) for v in values))
        return "\n".join(lines) + "\n"


@dataclass
class EarlyStopping:
    """Stop when the validation loss has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best`` the network ends with the parameters of its best epoch.
    An epoch whose training loss exploded (``Trainer._exploded``) counts as no
    improvement, whatever its validation loss.
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int):
            raise GlassnetError(f"patience must be a whole number, got {self.patience!r}")
        if self.patience < 1:
            raise GlassnetError(f"patience must be >= 1, got {self.patience}")
        if not self.min_delta >= 0:
            raise GlassnetError(f"min_delta must be >= 0, got {self.min_delta}")


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
    return _evaluate(network, x, Targets.of(network, y, x.shape[0]), batch_size)


def _evaluate(network: Network, x: Array, targets: Targets, batch_size: int) -> Evaluation:
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


@dataclass
class TrainerState:
    """Where a run is: what a checkpoint holds besides parameters and optimizer state.

    ``epoch`` epochs are complete and ``batch`` batches of the next one
    (``describe_position`` says it the one way the user reads it); ``epoch_rng``
    is the shuffling generator's state at the start of that epoch; ``sums`` the
    running loss sum, correct count and samples seen in it.
    """

    epoch: int = 0
    batch: int = 0
    epoch_rng: dict[str, Any] | None = None
    sums: tuple[float, int, int] = (0.0, 0, 0)
    epoch_seconds: float = 0.0
    history: History = field(default_factory=History)
    best_loss: float | None = None
    wait: int = 0
    finished: bool = False
    #: The loss before training (see ``Trainer._exploded``); None when unknown.
    initial_loss: float | None = None


class Trainer:
    """Trains ``network`` in place with mini-batch gradient descent.

    Parameters
    ----------
    network : Network
    optimizer : Optimizer, default ``SGD(0.01)``
    epochs : int
        The total number of epochs; ``fit`` trains until that many are done.
    batch_size : int
    schedule : Schedule, optional
        The learning rate of each epoch, from the optimizer's ``learning_rate``.
    seed : int, optional
        Seeds the shuffling (``numpy.random.default_rng(seed)``).
    shuffle : bool
    early_stopping : EarlyStopping, optional
        Needs validation data.
    checkpoint : Checkpointer, optional
        Saves a checkpoint every N epochs, on Ctrl-C, and at the end.
    progress : Progress or str
        A reporter, or a mode for ``make_progress``: auto, bar, lines, quiet.
    on_batch : callable, optional
        ``on_batch(epoch, batch, loss)`` after every batch (1-based numbers).
    threads : int, optional
        Threads for NumPy's BLAS while training (needs ``threadpoolctl``). On a
        machine other programs keep busy, 1 is often much faster than the default.
    """

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer | None = None,
        *,
        epochs: int = 10,
        batch_size: int = 32,
        schedule: Schedule | None = None,
        seed: int | None = None,
        shuffle: bool = True,
        early_stopping: EarlyStopping | None = None,
        checkpoint: Checkpointer | None = None,
        progress: Progress | str = "auto",
        on_batch: Callable[[int, int, float], None] | None = None,
        threads: int | None = None,
    ):
        self.network = network
        self.optimizer = optimizer if optimizer is not None else SGD(0.01)
        self.epochs = _positive_int("epochs", epochs)
        self.batch_size = _positive_int("batch_size", batch_size)
        schedule = schedule if schedule is not None else Constant()
        if isinstance(schedule, Cosine) and schedule.epochs is None:
            schedule = Cosine(epochs=self.epochs, min_rate=schedule.min_rate)
        self.schedule = schedule
        self.base_rate = self.optimizer.learning_rate
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.shuffle = bool(shuffle)
        self.early_stopping = early_stopping
        self.checkpoint = checkpoint
        self.progress = make_progress(progress) if isinstance(progress, str) else progress
        self.on_batch = on_batch
        self.threads = None if threads is None else _positive_int("threads", threads)
        self.state = TrainerState()
        self._best_params: list[Array] | None = None
        self._stop_requested = False
        self._step: FusedStep | None = None
        self._last_out: Array = np.empty((0, 0))
        #: The first rows of the training data and their targets (see ``_probe_loss``).
        self._probe: tuple[Array, Targets] | None = None
        self._n_batches = 0

    # -- parameters ---------------------------------------------------------

    def parameters(self) -> tuple[list[Array], list[bool]]:
        """The trained arrays (weights, then each trained bias) and whether each decays."""
        params: list[Array] = []
        decay: list[bool] = []
        for layer in self.network.layers:
            params.append(layer.weights)
            decay.append(True)
            if layer.bias is not None and layer.train_bias:
                params.append(layer.bias)
                decay.append(False)
        return params, decay

    def _copy_params(self) -> list[Array]:
        return [p.copy(order="K") for p in self.parameters()[0]]  # keep each layout

    def _restore_params(self, saved: list[Array]) -> None:
        for p, s in zip(self.parameters()[0], saved):
            np.copyto(p, s)

    def request_stop(self) -> None:
        """Stop after the current batch (what Ctrl-C does)."""
        self._stop_requested = True

    def position(self, n_samples: int) -> str:
        """How far the run is, e.g. ``epoch 3`` or ``epoch 4, batch 17 of 422``."""
        n_batches = math.ceil(n_samples / min(self.batch_size, max(n_samples, 1)))
        return describe_position(self.state.epoch, self.state.batch, n_batches)

    # -- the loop -----------------------------------------------------------

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        *,
        validation: tuple[ArrayLike, ArrayLike] | None = None,
    ) -> History:
        """Train until ``epochs`` epochs are done (or early stopping, Ctrl-C, divergence).

        ``X`` has shape ``(n_samples, n_inputs)``; ``y`` integer labels ``(n_samples,)``
        or targets ``(n_samples, n_outputs)``. Calling ``fit`` again after an
        interruption continues where it stopped.
        """
        x = check_features(self.network, X)
        targets = Targets.of(self.network, y, x.shape[0])
        if x.shape[0] == 0:
            raise GlassnetError("no training samples", field="X")
        self.network.input_range = input_range(x)
        val = None
        if validation is not None:
            vx = check_features(self.network, validation[0], field="validation X")
            val = (vx, Targets.of(self.network, validation[1], vx.shape[0], field="validation y"))
        if self.early_stopping is not None and val is None:
            raise GlassnetError("early stopping needs validation data")
        state = self.state
        fresh = state.epoch == 0 and state.batch == 0
        if fresh and self.optimizer.t == 0:
            self._check_memory(x.shape[0])
        rows = min(x.shape[0], EVAL_BATCH, max(PROBE_ROWS, self.batch_size))
        self._probe = (x[:rows], targets.first(rows))
        if fresh:
            initial = self._probe_loss()
            state.initial_loss = initial if math.isfinite(initial) else None
        if state.finished and (state.epoch >= self.epochs or state.history.stopped != "completed"):
            self._finish()
            return state.history
        state.finished = False
        state.history.stopped = "completed"
        self._stop_requested = False
        n_batches = self._n_batches = math.ceil(x.shape[0] / self.batch_size)
        self.progress.start(epochs=self.epochs, batches=n_batches, first_epoch=state.epoch)
        try:
            # Overflow shows as a non-finite loss, which stops training with a clear
            # message; NumPy's warnings on the way there would only be noise.
            with (
                self._interrupt_handler(),
                np.errstate(over="ignore", invalid="ignore"),
                blas_threads(self.threads),
            ):
                while state.epoch < self.epochs:
                    if not self._run_epoch(x, targets, val):
                        break
        finally:
            self.progress.close()
        if state.history.stopped == "interrupted":
            return state.history
        state.finished = True
        self._finish()
        return state.history

    def _run_epoch(self, x: Array, targets: Targets, val: tuple[Array, Targets] | None) -> bool:
        """One epoch (or the rest of one); False when training must stop."""
        state, network, optimizer = self.state, self.network, self.optimizer
        n, bs = x.shape[0], min(self.batch_size, x.shape[0])
        n_batches = math.ceil(n / bs)
        if state.batch == 0:
            state.epoch_rng = dict(self.rng.bit_generator.state)
        else:
            self.rng.bit_generator.state = dict(state.epoch_rng or {})
        perm = self.rng.permutation(n) if self.shuffle else np.arange(n)
        optimizer.learning_rate = self.schedule(state.epoch, self.base_rate)
        params, decay = self.parameters()
        # Where to fall back to after a divergence: the parameters this call started
        # from, checked (finite, with a finite loss) when they were reached.
        good = self._copy_params()
        labels = targets.labels
        loss_sum, correct, seen = state.sums
        started = time.perf_counter() - state.epoch_seconds
        epoch = state.epoch + 1
        # Softmax + cross-entropy on labels: the preallocated, fused step (same
        # gradients); any other network takes forward/backward below.
        step = self._batch_step(bs) if labels is not None else None
        plain = isinstance(optimizer, SGD) and optimizer.plain
        rate = optimizer.learning_rate
        # The rows each batch needs: features, and labels or target values.
        target_rows = labels if labels is not None else targets.values
        assert target_rows is not None
        arrays: list[NDArray[Any]] = [x, target_rows]
        expanded = np.empty((bs, network.n_outputs), network.dtype)  # labels' targets
        with Batches(arrays, bs, ahead=gather_ahead(arrays, bs)) as batches:
            for b, rows in batches.epoch(perm, start=state.batch):
                xb, m = rows[0], rows[0].shape[0]
                if step is not None:
                    lb = rows[1]
                    summed, batch_correct = step.run(xb, lb, factor=rate if plain else 1.0)
                    batch_loss = summed / m
                    if not math.isfinite(batch_loss):
                        self._restore_params(good)
                        self._diverged(epoch, b + 1, n_batches, f"the loss became {batch_loss}")
                    if plain:
                        assert isinstance(optimizer, SGD)
                        optimizer.step_scaled(params, step.grads)
                    else:
                        optimizer.step(params, step.grads, decay=decay)
                    loss_sum += summed
                    seen += m
                    correct += batch_correct
                else:
                    tb = rows[1] if labels is None else targets.expand(rows[1], out=expanded)
                    batch_loss = self._generic_batch(
                        xb, tb, good, epoch, b, n_batches, params, decay
                    )
                    loss_sum += batch_loss * m
                    seen += m
                    if labels is not None:
                        predicted = predicted_labels(self._last_out)
                        correct += int(np.count_nonzero(predicted == rows[1]))
                acc = correct / seen if labels is not None else None
                self.progress.batch(epoch, b + 1, loss_sum / seen, acc)
                if self.on_batch is not None:
                    self.on_batch(epoch, b + 1, batch_loss)
                if self._stop_requested and b + 1 < n_batches:
                    state.batch, state.sums = b + 1, (loss_sum, correct, seen)
                    state.epoch_seconds = time.perf_counter() - started
                    self._interrupted(good)
                    return False
        # A batch's loss is measured before its update, so nothing above has seen the
        # parameters the last update made: check them before anything keeps them.
        self._check_parameters(good, epoch, n_batches)
        record = EpochRecord(
            epoch=epoch,
            loss=loss_sum / seen,
            accuracy=correct / seen if labels is not None else None,
            val_loss=None,
            val_accuracy=None,
            learning_rate=optimizer.learning_rate,
            seconds=0.0,
        )
        if val is not None:
            result = _evaluate(network, val[0], val[1], EVAL_BATCH)
            record.val_loss, record.val_accuracy = result.loss, result.accuracy
            if not math.isfinite(result.loss):
                self._restore_params(good)
                self._diverged(
                    epoch, n_batches, n_batches, f"the validation loss became {result.loss}",
                    after_update=True,
                )
        record.seconds = time.perf_counter() - started
        state.epoch, state.batch, state.sums, state.epoch_seconds = epoch, 0, (0.0, 0, 0), 0.0
        state.history.records.append(record)
        self.progress.epoch(record)
        exploded = self._exploded(record)
        keep_going = self._early_stopping(record, exploded)
        if not keep_going:
            state.finished = True
        if self.checkpoint is not None and (
            not keep_going
            or epoch == self.epochs
            or self.checkpoint.due(epoch)
            or self._stop_requested
        ):
            self._save_checkpoint()
        if self._stop_requested and keep_going and epoch < self.epochs:
            self._interrupted(good)
            return False
        return keep_going

    def _params_finite(self) -> bool:
        """Whether every parameter is finite (NaN and inf make the sum of squares non-finite)."""
        for p in self.parameters()[0]:
            flat = p.ravel(order="K")  # each array's own layout: no copy
            if not math.isfinite(float(np.dot(flat, flat))) and not np.isfinite(p).all():
                return False
        return True

    def _probe_loss(self) -> float:
        """The mean loss of the current parameters on the first rows of the training data.

        ``PROBE_ROWS`` rows (a whole batch if larger, at most ``EVAL_BATCH``): one
        forward pass (under 0.2% of an MNIST epoch of 784-512-256-10 at batch 128)
        that tells whether parameters that are finite still overflow (weights of
        1e36 make ``net`` infinite and the loss NaN).
        """
        assert self._probe is not None
        x, targets = self._probe
        with np.errstate(all="ignore"):
            return _evaluate(self.network, x, targets, EVAL_BATCH).loss

    def _check_parameters(self, good: list[Array], epoch: int, batch: int) -> None:
        """Stop with ``TrainingDivergedError`` (back at ``good``) unless the parameters
        after batch ``batch`` of ``epoch`` are finite and so is their loss."""
        if not self._params_finite():
            what = "a parameter became infinite or NaN"
        else:
            loss = self._probe_loss()
            if math.isfinite(loss):
                return
            what = f"the loss became {loss}"
        self._restore_params(good)
        self._diverged(epoch, batch, self._n_batches, what, after_update=True)

    def _exploded(self, record: EpochRecord) -> bool:
        """Whether the epoch's training loss exploded: it is more than ``EXPLOSION_FACTOR``
        (10) times the loss before training. The first time, say so (a warning in the
        progress output and in ``history.warnings``).

        The loss before training is that of the initial parameters on the first
        rows of the data (``_probe_loss``): what a network that has learned nothing
        scores, ln 2 = 0.69 for two balanced classes and a small initialisation.
        Training that works stays below it after the first epoch, give or take
        noise of some tens of per cent (the spirals, XOR and MNIST recipes and
        tests never come near 10 times). Ten times the untrained loss means the
        updates threw the network far from anything it started with, while the
        loss stayed finite so nothing else stops the run: the signature of a
        learning rate that is too high (tanh or Adam at 1e6 reach 1e7 to 6e19 and
        end at chance). A run that started from a perfect fit (loss 0) is not judged.
        """
        state = self.state
        initial = state.initial_loss
        if initial is None or not math.isfinite(initial) or initial <= 0:
            return False
        if not record.loss > EXPLOSION_FACTOR * initial:
            return False
        if not state.history.warnings:
            text = (
                f"epoch {record.epoch}: the training loss rose from {initial:.2g} (before "
                f"training) to {record.loss:.2g}: the learning rate "
                f"({record.learning_rate:g}) is probably too high"
            )
            state.history.warnings.append(text)
            self.progress.message(f"warning: {text}")
        return True

    def _check_memory(self, n_samples: int) -> None:
        """Refuse (one line) to start when training cannot fit in memory.

        The parameters exist already; the rest of ``memory_needed`` does not yet.
        """
        network = self.network
        keep_best = self.early_stopping is not None and self.early_stopping.restore_best
        needed = memory_needed(
            network.sizes,
            itemsize=network.dtype.itemsize,
            batch_size=min(self.batch_size, n_samples),
            n_samples=n_samples,
            optimizer=self.optimizer,
            keep_best=keep_best,
        )
        held = sum(p.nbytes for p in self.parameters()[0])
        check_memory(needed - held, "training this network")

    def _batch_step(self, batch_size: int) -> FusedStep | None:
        """The fused step for this network and batch size, built once and reused."""
        cached = self._step
        if (
            cached is not None
            and cached.network is self.network
            and cached.batch_size == batch_size
        ):
            return cached
        if not FusedStep.fits(self.network):
            return None
        step = FusedStep(self.network, batch_size)
        self._step = step
        return step

    def _generic_batch(
        self,
        xb: Array,
        tb: Array,
        good: list[Array],
        epoch: int,
        b: int,
        n_batches: int,
        params: list[Array],
        decay: list[bool],
    ) -> float:
        """One batch (features ``xb``, targets ``tb``) through ``forward`` and
        ``backward``; returns its mean loss."""
        network, m = self.network, xb.shape[0]
        passes = forward(network, xb)
        last = passes[-1]
        batch_loss = float(network.loss.terms(last.net, last.out, tb).sum()) / m
        if not math.isfinite(batch_loss):
            self._restore_params(good)
            self._diverged(epoch, b + 1, n_batches, f"the loss became {batch_loss}")
        grads = lean_backward(network, passes, tb)
        step_grads: list[Array] = []
        for layer, g in zip(network.layers, grads):
            step_grads.append(g.grad_weights)
            if layer.bias is not None and layer.train_bias:
                assert g.grad_bias is not None
                step_grads.append(g.grad_bias)
        self.optimizer.step(params, step_grads, decay=decay)
        self._last_out = last.out
        return batch_loss

    def _early_stopping(self, record: EpochRecord, exploded: bool = False) -> bool:
        state, rule = self.state, self.early_stopping
        if record.val_loss is None:
            return True
        if not exploded and (
            state.best_loss is None
            or record.val_loss < state.best_loss - (rule.min_delta if rule else 0.0)
        ):
            state.best_loss, state.wait = record.val_loss, 0
            state.history.best_epoch = record.epoch
            if rule is not None and rule.restore_best:
                self._best_params = self._copy_params()
            return True
        state.wait += 1
        if rule is not None and state.wait >= rule.patience:
            state.history.stopped = "early_stopping"
            self.progress.message(
                f"early stopping: no improvement of val_loss for {rule.patience} epochs; "
                f"best epoch {state.history.best_epoch}"
            )
            return False
        return True

    def _finish(self) -> None:
        rule = self.early_stopping
        if rule is not None and rule.restore_best and self._best_params is not None:
            self._restore_params(self._best_params)

    def _diverged(
        self, epoch: int, batch: int, n_batches: int, what: str, *, after_update: bool = False
    ) -> None:
        """Stop: ``what`` happened at batch ``batch`` of ``epoch`` (in its forward pass,
        or ``after_update``). Says which checkpoint, if any, is good to go back to."""
        self.state.history.stopped = "diverged"
        kept = ""
        checkpoint = self.checkpoint
        if checkpoint is not None:
            if checkpoint.last_saved is not None and checkpoint.last_position is not None:
                done, in_epoch = checkpoint.last_position
                where = describe_position(done, in_epoch, n_batches)
                kept = f"; the last good checkpoint is {checkpoint.last_saved} (after {where})"
            else:
                kept = "; no checkpoint was saved"
        when = " (after its update)" if after_update else ""
        error = TrainingDivergedError(
            f"training diverged: {what} at epoch {epoch}, batch {batch} of {n_batches}{when}; "
            f"the learning rate ({self.optimizer.learning_rate:g}) is probably too large, try "
            f"a smaller one{kept}"
        )
        error.network = self.network  # type: ignore[attr-defined]
        error.epoch, error.batch = epoch, batch  # type: ignore[attr-defined]
        raise error

    def _interrupted(self, good: list[Array]) -> None:
        """Stopped on request where ``state`` says; the checkpoint is saved there (a
        Ctrl-C that came after an epoch's save was decided still gets one)."""
        state = self.state
        state.history.stopped = "interrupted"
        message = f"stopped after {describe_position(state.epoch, state.batch, self._n_batches)}"
        checkpoint = self.checkpoint
        if checkpoint is not None:
            if checkpoint.last_position != (state.epoch, state.batch):
                if state.batch:  # an epoch's end has been checked already
                    self._check_parameters(good, state.epoch + 1, state.batch)
                self._save_checkpoint()
            message += f"; checkpoint saved to {checkpoint.path}"
        self.progress.message(message)

    def _save_checkpoint(self) -> None:
        assert self.checkpoint is not None
        self.checkpoint.save(self)

    @contextmanager
    def _interrupt_handler(self) -> Iterator[None]:
        """Ctrl-C asks to stop after the current batch; a second Ctrl-C stops at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum: int, frame: Any) -> None:
            self.request_stop()
            self.progress.message("stopping after this batch (Ctrl-C again to abort)")
            signal.signal(signal.SIGINT, previous)

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    # -- checkpoints --------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything but the network's parameters needed to continue this run exactly.

        Arrays (optimizer state, best parameters) are under ``"arrays"``; the
        rest is JSON-ready.
        """
        s = self.state
        arrays: dict[str, list[Array]] = {
            f"optimizer.{k}": v for k, v in self.optimizer.state_dict()["slots"].items()
        }
        if self._best_params is not None:
            arrays["best_params"] = self._best_params
        return {
            "epoch": s.epoch,
            "batch": s.batch,
            "epoch_rng": s.epoch_rng if s.batch else self.rng.bit_generator.state,
            "sums": list(s.sums),
            "epoch_seconds": s.epoch_seconds,
            "history": s.history.to_dict(),
            "best_loss": s.best_loss,
            "wait": s.wait,
            "finished": s.finished,
            "initial_loss": s.initial_loss,
            "optimizer": {
                "name": self.optimizer.name,
                "t": self.optimizer.t,
                "settings": self.optimizer.settings(),
            },
            "arrays": arrays,
        }

    def load_state_dict(self, data: dict[str, Any]) -> None:
        """Continue from ``state_dict()`` (the network's parameters are restored separately)."""
        params = self.parameters()[0]
        arrays = data.get("arrays", {})
        slots = {
            k.removeprefix("optimizer."): v for k, v in arrays.items() if k.startswith("optimizer.")
        }
        self.optimizer.load_state_dict({"t": data["optimizer"]["t"], "slots": slots}, params)
        history = History.from_dict(data["history"])
        loss_sum, correct, seen = data["sums"]
        self.state = TrainerState(
            epoch=int(data["epoch"]),
            batch=int(data["batch"]),
            epoch_rng=data["epoch_rng"],
            sums=(float(loss_sum), int(correct), int(seen)),
            epoch_seconds=float(data.get("epoch_seconds", 0.0)),
            history=history,
            best_loss=data["best_loss"],
            wait=int(data["wait"]),
            finished=bool(data["finished"]),
            initial_loss=data.get("initial_loss"),
        )
        self.rng.bit_generator.state = data["epoch_rng"]
        best = arrays.get("best_params")
        self._best_params = (
            [np.array(a, dtype=p.dtype) for a, p in zip(best, params)]
            if (best is not None)
            else None
        )
        if self._best_params is not None and any(
            a.shape != p.shape for a, p in zip(self._best_params, params)
        ):
            raise GlassnetError("checkpoint: best_params do not match the network")


class Checkpointer:
    """Saves the run to ``path`` (JSON plus arrays) every ``every`` epochs.

    ``model_info`` (classes, preprocessing, …) is saved with the network so a
    checkpoint is also a usable model file.
    """

    def __init__(
        self, path: str | Path, *, every: int = 1, model_info: dict[str, Any] | None = None
    ):
        self.path = Path(path)
        self.every = _positive_int("checkpoint every", every) if every else 0
        self.model_info = model_info or {}
        self.last_saved: Path | None = None
        #: ``(epochs done, batches of the next)`` of the last checkpoint saved or loaded.
        self.last_position: tuple[int, int] | None = None

    def due(self, epoch: int) -> bool:
        return bool(self.every) and epoch % self.every == 0

    def save(self, trainer: Trainer) -> None:
        from glassnet.persistence import save_checkpoint

        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(self.path, trainer.network, trainer.state_dict(), **self.model_info)
        self.last_saved = self.path
        self.last_position = (trainer.state.epoch, trainer.state.batch)

    def load(self, trainer: Trainer) -> None:
        """Restore ``trainer`` (network parameters included) from the checkpoint file."""
        from glassnet.persistence import load_checkpoint

        network, state = load_checkpoint(self.path)
        restore_parameters(trainer.network, network)
        trainer.load_state_dict(state)
        self.last_saved = self.path
        self.last_position = (trainer.state.epoch, trainer.state.batch)


def restore_parameters(network: Network, saved: Network) -> None:
    """Copy ``saved``'s parameters into ``network`` (same sizes and biases), in place."""
    if saved.sizes != network.sizes:
        raise GlassnetError(
            f"the checkpoint's network has sizes {saved.sizes}, this run's {network.sizes}"
        )
    for index, (layer, other) in enumerate(zip(network.layers, saved.layers)):
        if layer.bias_mode != other.bias_mode:
            raise GlassnetError(f"layers[{index}].bias differs between checkpoint and run")
        np.copyto(layer.weights, other.weights)
        if layer.bias is not None and other.bias is not None:
            np.copyto(layer.bias, other.bias)


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


def describe_position(epochs_done: int, batch: int, n_batches: int) -> str:
    """Where a run is, the one way every message says it: ``epoch 3`` when 3 epochs
    are done, ``epoch 4, batch 17 of 422`` when 17 batches of the 4th are."""
    if batch:
        return f"epoch {epochs_done + 1}, batch {batch} of {n_batches}"
    return f"epoch {epochs_done}"


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


def fit(
    network: Network,
    X: ArrayLike,
    y: ArrayLike,
    *,
    validation: tuple[ArrayLike, ArrayLike] | None = None,
    **settings: Any,
) -> History:
    """Train ``network`` in place; ``settings`` are ``Trainer``'s. Returns the history."""
    return Trainer(network, **settings).fit(X, y, validation=validation)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise GlassnetError(f"{name} must be a whole number, got {value!r}")
    if value < 1:
        raise GlassnetError(f"{name} must be >= 1, got {value}")
    return int(value)
