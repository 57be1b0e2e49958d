"""The fit loop: epochs of shuffled mini-batches through the engine.

Each epoch draws a permutation of the samples from a seeded generator, cuts it
into batches of ``batch_size`` (the last may be smaller) and, per batch::

    summed, correct = step.run(x, t)                 # forward and backward (``step.py``)
    optimizer.step(params, step.grads)               # W <- W - lr · (…)

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

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.batches import Batches, gather_ahead
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.network import Network
from glassnet.optimizers import SGD, Optimizer
from glassnet.progress import Progress, make_progress
from glassnet.schedules import Constant, Cosine, Schedule
from glassnet.training.evaluation import (
    EVAL_BATCH,
    Targets,
    check_features,
    evaluate_targets,
    input_range,
)
from glassnet.training.history import (
    EarlyStopping,
    EpochRecord,
    History,
    describe_position,
    exploded,
    explosion_warning,
    improves,
)
from glassnet.training.resources import blas_threads, check_memory, memory_needed
from glassnet.training.step import Step, batch_step

if TYPE_CHECKING:
    from glassnet.training.checkpoint import Checkpointer

Array = NDArray[np.floating]

#: At least this many training rows (at most ``EVAL_BATCH``, and at least a batch)
#: measure the loss of the parameters after an epoch's last update; see ``Trainer._probe``.
PROBE_ROWS = 256


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
    seed : int or sequence of ints, optional
        Seeds the shuffling (``numpy.random.default_rng(seed)``); a sequence such
        as ``(seed, stream)`` gives a stream of its own for one seed.
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
        seed: int | Sequence[int] | None = None,
        shuffle: bool = True,
        early_stopping: EarlyStopping | None = None,
        checkpoint: Checkpointer | None = None,
        progress: Progress | str = "auto",
        on_batch: Callable[[int, int, float], None] | None = None,
        threads: int | None = None,
    ):
        self.network = network
        self.optimizer = optimizer if optimizer is not None else SGD(0.01)
        self.epochs = positive_int("epochs", epochs)
        self.batch_size = positive_int("batch_size", batch_size)
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
        self.threads = None if threads is None else positive_int("threads", threads)
        self.state = TrainerState()
        self._best_params: list[Array] | None = None
        self._stop_requested = False
        self._step: Step | None = None
        self._step_labels = False
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
        x, targets, val = self._checked_inputs(X, y, validation)
        self.network.input_range = input_range(x)
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

    def _checked_inputs(
        self, X: ArrayLike, y: ArrayLike, validation: tuple[ArrayLike, ArrayLike] | None
    ) -> tuple[Array, Targets, tuple[Array, Targets] | None]:
        """``fit``'s arrays through the input checks: features, targets, validation data."""
        x = check_features(self.network, X)
        targets = Targets.of(self.network, y, x.shape[0])
        if x.shape[0] == 0:
            raise GlassnetError("no training samples", field="X")
        val = None
        if validation is not None:
            vx = check_features(self.network, validation[0], field="validation X")
            val = (vx, Targets.of(self.network, validation[1], vx.shape[0], field="validation y"))
        if self.early_stopping is not None and val is None:
            raise GlassnetError("early stopping needs validation data")
        return x, targets, val

    def _run_epoch(self, x: Array, targets: Targets, val: tuple[Array, Targets] | None) -> bool:
        """One epoch (or the rest of one); False when training must stop."""
        state = self.state
        epoch = state.epoch + 1
        perm = self._epoch_order(x.shape[0])
        self.optimizer.learning_rate = self.schedule(state.epoch, self.base_rate)
        # Where to fall back to after a divergence: the parameters this call started
        # from, checked (finite, with a finite loss) when they were reached.
        good = self._copy_params()
        started = time.perf_counter() - state.epoch_seconds
        sums = self._run_batches(x, targets, perm, good, epoch, started)
        if sums is None:
            return False
        # A batch's loss is measured before its update, so nothing above has seen the
        # parameters the last update made: check them before anything keeps them.
        self._check_parameters(good, epoch, self._n_batches)
        loss_sum, correct, seen = sums
        record = EpochRecord(
            epoch=epoch,
            loss=loss_sum / seen,
            accuracy=correct / seen if targets.labels is not None else None,
            val_loss=None,
            val_accuracy=None,
            learning_rate=self.optimizer.learning_rate,
            seconds=0.0,
        )
        if val is not None:
            self._validate(record, val, good)
        record.seconds = time.perf_counter() - started
        state.epoch, state.batch, state.sums, state.epoch_seconds = epoch, 0, (0.0, 0, 0), 0.0
        state.history.records.append(record)
        self.progress.epoch(record)
        return self._end_epoch(record, good)

    def _epoch_order(self, n: int) -> NDArray[np.integer]:
        """The epoch's order of the ``n`` samples; a resumed epoch replays its shuffle."""
        state = self.state
        if state.batch == 0:
            state.epoch_rng = dict(self.rng.bit_generator.state)
        else:
            self.rng.bit_generator.state = dict(state.epoch_rng or {})
        return self.rng.permutation(n) if self.shuffle else np.arange(n)

    def _run_batches(
        self,
        x: Array,
        targets: Targets,
        perm: NDArray[np.integer],
        good: list[Array],
        epoch: int,
        started: float,
    ) -> tuple[float, int, int] | None:
        """The epoch's batches from ``state.batch`` on, in the order ``perm``.

        Returns the loss sum, correct labels and samples seen over the epoch, or
        None when a stop was requested before its last batch.
        """
        state, optimizer = self.state, self.optimizer
        n_batches, bs = self._n_batches, min(self.batch_size, x.shape[0])
        labels = targets.labels
        step = self._batch_step(bs, labels=labels is not None)
        params, decay = self.parameters()
        # Plain SGD: the step folds the learning rate into its gradients, so the
        # update is one subtraction (``SGD.step_scaled``).
        plain = isinstance(optimizer, SGD) and optimizer.plain
        factor = optimizer.learning_rate if plain else 1.0
        # The rows each batch needs: features, and labels or target values.
        target_rows = labels if labels is not None else targets.values
        assert target_rows is not None
        arrays: list[NDArray[Any]] = [x, target_rows]
        loss_sum, correct, seen = state.sums
        with Batches(arrays, bs, ahead=gather_ahead(arrays, bs)) as batches:
            for b, (xb, tb) in batches.epoch(perm, start=state.batch):
                m = xb.shape[0]
                summed, batch_correct = step.run(xb, tb, factor=factor)
                batch_loss = summed / m
                if not math.isfinite(batch_loss):
                    self._restore_params(good)
                    self._diverged(epoch, b + 1, n_batches, f"the loss became {batch_loss}")
                if plain:
                    assert isinstance(optimizer, SGD)
                    optimizer.step_scaled(params, step.grads)
                else:
                    optimizer.step(params, step.grads, decay=decay)
                loss_sum, correct, seen = loss_sum + summed, correct + batch_correct, seen + m
                accuracy = correct / seen if labels is not None else None
                self.progress.batch(epoch, b + 1, loss_sum / seen, accuracy)
                if self.on_batch is not None:
                    self.on_batch(epoch, b + 1, batch_loss)
                if self._stop_requested and b + 1 < n_batches:
                    state.batch, state.sums = b + 1, (loss_sum, correct, seen)
                    state.epoch_seconds = time.perf_counter() - started
                    self._interrupted(good)
                    return None
        return loss_sum, correct, seen

    def _validate(self, record: EpochRecord, val: tuple[Array, Targets], good: list[Array]) -> None:
        """Measure the epoch's parameters on the validation data into ``record``."""
        result = evaluate_targets(self.network, val[0], val[1], EVAL_BATCH)
        record.val_loss, record.val_accuracy = result.loss, result.accuracy
        if not math.isfinite(result.loss):
            self._restore_params(good)
            n_batches = self._n_batches
            self._diverged(
                record.epoch,
                n_batches,
                n_batches,
                f"the validation loss became {result.loss}",
                after_update=True,
            )

    def _end_epoch(self, record: EpochRecord, good: list[Array]) -> bool:
        """Judge the finished epoch, save a checkpoint when due; False to stop."""
        state, epoch = self.state, record.epoch
        keep_going = self._early_stopping(record, self._exploded(record))
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
            return evaluate_targets(self.network, x, targets, EVAL_BATCH).loss

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
        """Whether the epoch's training loss exploded (``history.exploded``); the first
        time, say so (a warning in the progress output and in ``history.warnings``)."""
        state = self.state
        initial = state.initial_loss
        if initial is None or not exploded(record.loss, initial):
            return False
        if not state.history.warnings:
            text = explosion_warning(record, initial)
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

    def _batch_step(self, batch_size: int, *, labels: bool) -> Step:
        """The batch step for this network and batch size, built once and reused."""
        cached = self._step
        if (
            cached is None
            or cached.network is not self.network
            or cached.batch_size != batch_size
            or self._step_labels != labels
        ):
            cached = self._step = batch_step(self.network, batch_size, labels=labels)
            self._step_labels = labels
        return cached

    def _early_stopping(self, record: EpochRecord, exploded: bool = False) -> bool:
        """Track the best epoch (lowest validation loss); False when ``early_stopping``
        says to stop. An exploded epoch is never the best."""
        state, rule = self.state, self.early_stopping
        if record.val_loss is None:
            return True
        min_delta = rule.min_delta if rule else 0.0
        if not exploded and improves(record.val_loss, state.best_loss, min_delta):
            state.best_loss, state.wait = record.val_loss, 0
            state.history.best_epoch = record.epoch
            if rule is not None and rule.restore_best:
                self._best_params = self._copy_params()
            return True
        state.wait += 1
        if rule is not None and state.wait >= rule.patience:
            state.history.stopped = "early_stopping"
            self.progress.message(rule.message(state.history.best_epoch))
            return False
        return True

    def _finish(self) -> None:
        rule = self.early_stopping
        if rule is not None and rule.restore_best and self._best_params is not None:
            self._restore_params(self._best_params)

    def _diverged(
        self, epoch: int, batch: int, n_batches: int, what: str, *, after_update: bool = False
    ) -> NoReturn:
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
        error.network = self.network
        error.epoch, error.batch = epoch, batch
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


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or ``GlassnetError``: ``epochs must be >= 1, got 0``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise GlassnetError(f"{name} must be a whole number, got {value!r}")
    if value < 1:
        raise GlassnetError(f"{name} must be >= 1, got {value}")
    return int(value)
