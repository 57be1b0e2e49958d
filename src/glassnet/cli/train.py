"""``glassnet train``: repeat an example's update, or train from a training file.

- ``glassnet train EXAMPLE --steps N``: repeat a worked example's update N times
  and watch the loss fall;
- ``glassnet train CONFIG.toml``: train on real data as a training file
  (a TOML file with a ``[data]`` table, ``docs/training.md``) says; writes the
  model, the history (JSON, CSV and a PNG plot) and checkpoints to the output
  folder. ``--resume`` continues from the last checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.cli.arguments import positive_int
from glassnet.errors import GlassnetError
from glassnet.examples import load_example

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network: repeat an example's update, or follow a training file",
        description=(
            "Repeat the update of a worked example N times on its samples, or train on real "
            "data as a training file (a .toml file with a [data] table) describes."
        ),
    )
    parser.add_argument(
        "example",
        help="a built-in example name, an example .toml file, or a training file",
    )
    examples = parser.add_argument_group("worked examples")
    examples.add_argument(
        "--steps", type=positive_int, default=None, help="number of updates (default 1000)"
    )
    examples.add_argument("--format", choices=["text", "json"], default=None)
    examples.add_argument(
        "--digits", type=positive_int, default=None, help="significant digits shown (default 9)"
    )
    files = parser.add_argument_group("training files")
    files.add_argument(
        "--resume", action="store_true", help="continue from the checkpoint in the output folder"
    )
    files.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="output folder (default: the file's output.directory, else runs/NAME)",
    )
    files.add_argument("--epochs", type=positive_int, default=None, help="override training.epochs")
    files.add_argument(
        "--threads", type=positive_int, default=None, help="override training.threads"
    )
    files.add_argument("-q", "--quiet", action="store_true", help="no progress reports")
    files.add_argument(
        "--progress",
        choices=["auto", "bar", "lines"],
        default="auto",
        help="a progress bar, one line per epoch, or auto: a bar on a terminal",
    )
    parser.set_defaults(run=run)


def report_steps(steps: int, rows: int = 10) -> list[int]:
    """About ``rows`` step numbers from 1 to ``steps``, spaced evenly on a log scale."""
    if steps <= rows:
        return list(range(1, steps + 1))
    picked = {round(math.exp(math.log(steps) * k / (rows - 1))) for k in range(rows)}
    return sorted(picked | {1, steps})


def run(args: argparse.Namespace) -> int:
    from glassnet.tomlfile import read_toml

    # A .toml file that cannot be read is reported as it is (a syntax error, say),
    # before any flag is judged by what kind of file it might have been.
    path = Path(args.example)
    if path.suffix == ".toml" and path.is_file() and isinstance(read_toml(path).get("data"), dict):
        for flag, value in (
            ("--steps", args.steps),
            ("--format", args.format),
            ("--digits", args.digits),
        ):
            if value is not None:
                raise GlassnetError(f"{flag} is for worked examples, not training files")
        return run_training_file(args)
    for flag, given in (
        ("--resume", args.resume),
        ("--output", args.output),
        ("--epochs", args.epochs),
        ("--quiet", args.quiet),
        ("--threads", args.threads),
    ):
        if given:
            if args.example.endswith(".toml"):
                read_toml(args.example)  # a file that cannot be read says why, not this
            raise GlassnetError(
                f"{flag} is for training files (a .toml file with a [data] "
                f"table), not worked examples"
            )
    return run_example(args)


def run_example(args: argparse.Namespace) -> int:
    steps = args.steps if args.steps is not None else 1000
    example = load_example(args.example)
    result = example.train(steps)
    if args.format == "json":
        payload = {
            "steps": steps,
            "loss": result.loss,
            "outputs": result.outputs.tolist(),
        }
        print(json.dumps(payload, indent=2))
        return 0
    d = args.digits if args.digits is not None else 9
    initial = example.step().loss
    print(f"{example.title} ({example.source})")
    print(
        f"{steps} updates, learning rate {example.learning_rate:g}, "
        f"loss {example.network.loss.name}\n"
    )
    print(f"{'step':>8}  {'loss':>{d + 7}}")
    print(f"{0:>8}  {initial:>{d + 7}.{d}g}")
    for step in report_steps(steps):
        print(f"{step:>8}  {result.losses[step - 1]:>{d + 7}.{d}g}")
    names = example.network.names
    last = len(example.network.layers) - 1
    print("\noutputs after the last update:")
    for s, row in enumerate(result.outputs):
        label = f"sample {s + 1}: " if len(result.outputs) > 1 else ""
        values = ", ".join(f"{names.neuron(last, j)} = {v:.{d}g}" for j, v in enumerate(row))
        print(f"  {label}{values}")
    return 0


# -- training files ------------------------------------------------------------


def run_training_file(args: argparse.Namespace) -> int:
    """Train as the file says; write model, history and plot; 130 after Ctrl-C."""
    from glassnet.config import SHUFFLE_STREAM, read_config
    from glassnet.data import from_config
    from glassnet.persistence import arrays_path, save_model
    from glassnet.progress import make_progress
    from glassnet.training import Checkpointer, Trainer, evaluate

    config = read_config(args.example)
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
    optimizer, schedule = config.build_optimizer(), config.build_schedule()
    _check_memory(config, splits, optimizer)
    try:
        network = config.build_network(train.n_features, train.n_targets, task=train.task)
    except MemoryError:
        raise GlassnetError("out of memory while building the network; make it smaller") from None
    out = (
        Path(args.output)
        if args.output
        else (config.output_directory or Path("runs") / config.path.stem)
    )
    checkpoint_path = out / "checkpoint.json"
    if args.resume and not checkpoint_path.is_file():
        raise GlassnetError(f"no checkpoint to resume from in {out}; run without --resume to start")
    # Trainer.fit records the range of the (preprocessed) training inputs on the
    # network; save_model adds it to this metadata.
    metadata: dict[str, Any] = {
        "title": config.title,
        "config": config.path.name,
        "seed": config.seed,
    }
    classes, preprocessing = splits.classes, splits.preprocessor.to_dict()
    model_info = {"classes": classes, "preprocessing": preprocessing, "metadata": metadata}
    checkpointer = Checkpointer(
        checkpoint_path, every=config.checkpoint_every, model_info=model_info
    )
    progress = make_progress("quiet" if args.quiet else args.progress)
    trainer = Trainer(
        network,
        optimizer,
        epochs=args.epochs or config.epochs,
        batch_size=config.batch_size,
        schedule=schedule,
        seed=(config.seed, SHUFFLE_STREAM),
        shuffle=config.shuffle,
        early_stopping=config.early_stopping,
        checkpoint=checkpointer,
        progress=progress,
        threads=args.threads or config.threads,
    )
    say = print if not args.quiet else (lambda *a, **k: None)
    say(splits.summary())
    say(f"network: {_describe(network)}")
    say(f"optimizer: {optimizer!r}" + (f", schedule {trainer.schedule!r}" if schedule else ""))
    if args.resume:
        checkpointer.load(trainer)
        say(f"resuming from {checkpoint_path} (after {trainer.position(train.n_samples)})")
    out.mkdir(parents=True, exist_ok=True)
    clean_output(out)
    validation = None
    if splits.validation is not None:
        validation = (splits.validation.X, splits.validation.y)
    try:
        history = trainer.fit(train.X, train.y, validation=validation)
    except MemoryError:
        raise GlassnetError("out of memory while training; make the network or the batch "
                            "smaller") from None  # fmt: skip
    if history.stopped == "interrupted":
        again = f"glassnet train {args.example} --resume"
        if args.output:
            again += f" --output {args.output}"
        print(
            f"glassnet: interrupted; checkpoint saved to {checkpoint_path}; resume with: {again}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    results: dict[str, Any] = {}
    if splits.test is not None:
        test = evaluate(network, splits.test.X, splits.test.y)
        results = {"loss": test.loss, "accuracy": test.accuracy, "samples": splits.test.n_samples}
        line = f"test: loss {test.loss:.4f}"
        if test.accuracy is not None:
            line += f"  accuracy {100 * test.accuracy:.2f}%"
        say(f"{line} ({splits.test.n_samples} samples)")
    metadata.update(epochs=trainer.state.epoch, stopped=history.stopped, test=results or None)
    written = [
        save_model(
            out / "model.json",
            network,
            classes=classes,
            preprocessing=preprocessing,
            metadata=metadata,
        )
    ]
    arrays = arrays_path(out / "model.json")
    if arrays is not None:
        written.append(arrays)
    from glassnet.atomic import write_text_atomic

    document = {**history.to_dict(), "test": results or None}
    write_text_atomic(out / "history.json", json.dumps(document, indent=2) + "\n")
    write_text_atomic(out / "history.csv", history.to_csv())
    written += [out / "history.json", out / "history.csv"]
    if config.plot:
        plot = plot_history(history, out / "history.png", quiet=args.quiet)
        if plot is not None:
            written.append(plot)
    say("wrote " + ", ".join(str(p) for p in written))
    return 0


def _check_memory(config: Any, splits: Any, optimizer: Any) -> None:
    """Refuse a network that cannot fit in memory before allocating any of it."""
    from glassnet.config import DTYPES
    from glassnet.training import check_memory, memory_needed

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
    from glassnet.atomic import remove_partial
    from glassnet.persistence import remove_litter

    for name in ("checkpoint.json", "model.json"):
        remove_litter(out / name)
    for name in ("history.json", "history.csv", "history.png"):
        remove_partial(out / name)


def _describe(network: Any) -> str:
    sizes = "-".join(str(n) for n in network.sizes)
    activations = ", ".join(layer.activation.name for layer in network.layers)
    n_params = sum(
        layer.weights.size + (0 if layer.bias is None else layer.bias.size)
        for layer in network.layers
    )
    return f"{sizes} ({activations}), loss {network.loss.name}, {n_params:,} parameters"


def plot_history(history: Any, path: Path, *, quiet: bool = False) -> Path | None:
    """Loss and accuracy per epoch as a PNG; ``None`` (and a hint unless ``quiet``)
    without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if not quiet:
            print(
                "history.png skipped: matplotlib is missing; pip install 'glassnet[plot]'",
                file=sys.stderr,
            )
        return None
    from glassnet.atomic import atomic_path

    epochs = history.column("epoch")
    has_accuracy = any(v is not None for v in history.column("accuracy"))
    fig, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(10 if has_accuracy else 5, 4))
    axes = list(axes) if has_accuracy else [axes]
    panels = [("loss", "val_loss", "loss")]
    if has_accuracy:
        panels.append(("accuracy", "val_accuracy", "accuracy"))
    marker = "o" if len(epochs) <= 30 else None
    for ax, (train_key, val_key, label) in zip(axes, panels):
        ax.plot(epochs, history.column(train_key), marker=marker, label="train")
        val = history.column(val_key)
        if any(v is not None for v in val):
            ax.plot(epochs, val, marker=marker, label="validation")
        if history.best_epoch is not None:
            ax.axvline(history.best_epoch, color="grey", linestyle=":", label="best epoch")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    with atomic_path(path) as temporary:
        fig.savefig(temporary, format="png", dpi=100)
    plt.close(fig)
    return path
