"""Run a training file: everything ``glassnet train CONFIG.toml`` does, as one function.

>>> outcome = run_training_file("xor.toml", RunOptions(output=Path("runs/xor")))  # doctest: +SKIP
>>> outcome.interrupted, outcome.written                                         # doctest: +SKIP
(False, [PosixPath('runs/xor/model.json'), ...])

In order: read the file (``docs/training.md``), load and split the data, refuse
a network that cannot fit in memory before allocating it, build network,
optimizer and trainer, resume from the output folder's checkpoint if asked,
train, measure on the test split, and write the model, the history (JSON and
CSV) and its plot. The lines a user reads as the run goes (the data, the
network, the test figures) go to ``RunOptions.say``; progress goes to the
progress reporter; mistakes are ``GlassnetError``. The CLI only parses
arguments, calls ``run_training_file`` and turns its ``Outcome`` into output
and an exit status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import glassnet.progress
from glassnet import jsonfile
from glassnet.atomic import remove_partial, write_text_atomic
from glassnet.data import Splits, from_config
from glassnet.errors import GlassnetError
from glassnet.network import Network
from glassnet.optimizers import Optimizer
from glassnet.persistence import arrays_path, remove_litter, save_model
from glassnet.progress import Progress
from glassnet.render.plot import MISSING, plot_history
from glassnet.schedules import Schedule
from glassnet.training import (
    Checkpointer,
    Evaluation,
    History,
    Trainer,
    check_memory,
    evaluate,
    memory_needed,
)
from glassnet.training_file import DTYPES, SHUFFLE_STREAM, TrainingConfig, read_config


def _silent(text: str) -> None:
    """Says nothing (``RunOptions.say`` of a quiet run)."""


@dataclass(frozen=True)
class RunOptions:
    """How to run a training file; every field overrides what the file says.

    ``output``: the folder for model, history and checkpoint (default: the
    file's ``output.directory``, else ``runs/NAME``); ``resume``: continue from
    its checkpoint; ``epochs``, ``threads``: override ``training.epochs`` and
    ``training.threads``; ``progress``: auto, bar, lines or quiet; ``say``:
    receives each line for the user as the run goes (``print``, or silence).
    """

    output: Path | None = None
    resume: bool = False
    epochs: int | None = None
    threads: int | None = None
    progress: str = "auto"
    say: Callable[[str], None] = _silent


@dataclass
class Outcome:
    """How a run ended: its ``history``, the trained ``network``, the ``output``
    folder and its ``checkpoint``, the ``test`` figures (None without a test
    split or after an interruption), the files ``written`` (none after an
    interruption), and ``notes`` for the user (a plot that was skipped)."""

    history: History
    network: Network
    output: Path
    checkpoint: Path
    test: Evaluation | None = None
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        """Stopped by Ctrl-C: the checkpoint holds the run; nothing else was written."""
        return self.history.stopped == "interrupted"


def run_training_file(path: str | Path, options: RunOptions | None = None) -> Outcome:
    """Train as the training file at ``path`` says and write its results (see the module)."""
    options = options if options is not None else RunOptions()
    say = options.say
    config = read_config(path)
    splits = load_data(config)
    train = splits.train
    optimizer, schedule = config.build_optimizer(), config.build_schedule()
    _check_memory(config, splits, optimizer)
    try:
        network = config.build_network(train.n_features, train.n_targets, task=train.task)
    except MemoryError:
        raise GlassnetError("out of memory while building the network; make it smaller") from None
    out = options.output or config.output_directory or Path("runs") / config.path.stem
    checkpoint_path = out / "checkpoint.json"
    if options.resume and not checkpoint_path.is_file():
        raise GlassnetError(f"no checkpoint to resume from in {out}; run without --resume to start")
    # Trainer.fit records the range of the (preprocessed) training inputs on the
    # network; save_model adds it to this metadata.
    metadata: dict[str, Any] = {
        "title": config.title,
        "config": config.path.name,
        "seed": config.seed,
    }
    model_info = {
        "classes": splits.classes,
        "preprocessing": splits.preprocessor.to_dict(),
        "metadata": metadata,
    }
    checkpointer = Checkpointer(
        checkpoint_path, every=config.checkpoint_every, model_info=model_info
    )
    trainer = build_trainer(
        config,
        network,
        optimizer,
        schedule,
        epochs=options.epochs,
        checkpoint=checkpointer,
        progress=glassnet.progress.make_progress(options.progress),
        threads=options.threads,
    )
    say(splits.summary())
    say(f"network: {describe_network(network)}")
    say(f"optimizer: {optimizer!r}" + (f", schedule {trainer.schedule!r}" if schedule else ""))
    if options.resume:
        checkpointer.load(trainer)
        say(f"resuming from {checkpoint_path} (after {trainer.position(train.n_samples)})")
    out.mkdir(parents=True, exist_ok=True)
    clean_output(out)
    outcome = Outcome(fit_splits(trainer, splits), network, out, checkpoint_path)
    if outcome.interrupted:
        return outcome
    results = _test(outcome, splits, say)
    metadata.update(epochs=trainer.state.epoch, stopped=outcome.history.stopped, test=results)
    outcome.written = _write_results(out, network, outcome.history, results, model_info)
    if config.plot:
        plot = plot_history(outcome.history, out / "history.png")
        if plot is not None:
            outcome.written.append(plot)
        else:
            outcome.notes.append(MISSING)
    return outcome


def load_data(config: TrainingConfig) -> Splits:
    """The file's data, split; a classifier's training data must have two classes."""
    splits = from_config(
        config.data, base_dir=config.path.parent, source=config.source, seed=config.seed
    )
    train = splits.train
    if train.classes is not None and len(train.classes) < 2:
        raise config.fail(
            "data.train",
            f"the training data has one class ({train.classes[0]!r}); a classifier needs "
            "samples of at least two classes",
        )
    return splits


def build_trainer(
    config: TrainingConfig,
    network: Network,
    optimizer: Optimizer,
    schedule: Schedule | None,
    *,
    epochs: int | None = None,
    checkpoint: Checkpointer | None = None,
    progress: Progress | str = "quiet",
    threads: int | None = None,
) -> Trainer:
    """The ``Trainer`` the file's ``[training]`` table describes; ``epochs`` and
    ``threads`` override the file's. ``glassnet search`` trains its trials with it too."""
    return Trainer(
        network,
        optimizer,
        epochs=epochs or config.epochs,
        batch_size=config.batch_size,
        schedule=schedule,
        seed=(config.seed, SHUFFLE_STREAM),
        shuffle=config.shuffle,
        early_stopping=config.early_stopping,
        checkpoint=checkpoint,
        progress=progress,
        threads=threads or config.threads,
    )


def fit_splits(trainer: Trainer, splits: Splits) -> History:
    """``trainer.fit`` on the training split (and the validation split, if any)."""
    validation = None
    if splits.validation is not None:
        validation = (splits.validation.X, splits.validation.y)
    try:
        return trainer.fit(splits.train.X, splits.train.y, validation=validation)
    except MemoryError:
        raise GlassnetError("out of memory while training; make the network or the batch "
                            "smaller") from None  # fmt: skip


def _test(outcome: Outcome, splits: Splits, say: Callable[[str], None]) -> dict[str, Any] | None:
    """Measure the trained network on the test split into ``outcome.test``; the figures
    as the model's metadata and history.json keep them (None without a test split)."""
    if splits.test is None:
        return None
    test = outcome.test = evaluate(outcome.network, splits.test.X, splits.test.y)
    line = f"test: loss {test.loss:.4f}"
    if test.accuracy is not None:
        line += f"  accuracy {100 * test.accuracy:.2f}%"
    say(f"{line} ({splits.test.n_samples} samples)")
    return {"loss": test.loss, "accuracy": test.accuracy, "samples": splits.test.n_samples}


def _write_results(
    out: Path,
    network: Network,
    history: History,
    results: dict[str, Any] | None,
    model_info: dict[str, Any],
) -> list[Path]:
    """Write model.json (and its arrays), history.json and history.csv into ``out``."""
    written = [save_model(out / "model.json", network, **model_info)]
    arrays = arrays_path(out / "model.json")
    if arrays is not None:
        written.append(arrays)
    document = {**history.to_dict(), "test": results}
    write_text_atomic(out / "history.json", jsonfile.dumps(document, indent=2) + "\n")
    write_text_atomic(out / "history.csv", history.to_csv())
    return [*written, out / "history.json", out / "history.csv"]


def _check_memory(config: TrainingConfig, splits: Splits, optimizer: Optimizer) -> None:
    """Refuse a network that cannot fit in memory before allocating any of it."""
    train = splits.train
    sizes = config.layer_sizes(train.n_features, train.n_targets, task=train.task)
    early = config.early_stopping
    needed = memory_needed(
        sizes,
        itemsize=np.dtype(DTYPES[config.network.get("dtype", "float32")]).itemsize,
        batch_size=min(config.batch_size, train.n_samples),
        n_samples=train.n_samples,
        optimizer=optimizer,
        keep_best=early is not None and early.restore_best,
    )
    check_memory(needed)


def clean_output(out: Path) -> None:
    """Remove what runs killed in ``out`` left: temporary files, arrays no JSON names."""
    for name in ("checkpoint.json", "model.json"):
        remove_litter(out / name)
    for name in ("history.json", "history.csv", "history.png"):
        remove_partial(out / name)


def describe_network(network: Network) -> str:
    """``784-128-10 (relu, softmax), loss cross_entropy, 101,770 parameters``."""
    sizes = "-".join(str(n) for n in network.sizes)
    activations = ", ".join(layer.activation.name for layer in network.layers)
    n_params = sum(
        layer.weights.size + (0 if layer.bias is None else layer.bias.size)
        for layer in network.layers
    )
    return f"{sizes} ({activations}), loss {network.loss.name}, {n_params:,} parameters"
