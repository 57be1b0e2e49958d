"""``glassnet evaluate MODEL DATA``: accuracy, loss and confusion matrix of a saved model.

DATA is what ``glassnet data info`` reads: a folder of MNIST-style IDX files
(``--split`` picks train or test), a ``.csv`` or ``.npz`` file, or a built-in
problem. The model's saved preprocessing is applied first, and its classes
give the order of the confusion matrix (rows: true class, columns: predicted).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import jsonfile
from glassnet.errors import GlassnetError

#: Inputs farther than this many times the training inputs' spread beyond their
#: range are "far outside" it (see ``range_warning``).
FAR = 3.0


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="accuracy, loss and confusion matrix of a saved model on a data set",
        description="Evaluate a saved model on labelled data: a folder of MNIST-style IDX "
        "files, a .csv or .npz file, or a built-in problem (xor, spirals, moons).",
    )
    parser.add_argument("model", help="a model .json file (or a checkpoint)")
    parser.add_argument("data", help="a data folder, file, or built-in problem name")
    parser.add_argument(
        "--split",
        choices=["train", "test"],
        default="test",
        help="which split of an MNIST-style folder (default test)",
    )
    parser.add_argument(
        "--target", help="CSV target column: a name or 0-based index (default: the last)"
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(run=run)


def load_labelled(
    model: Any, data: str, *, split: str = "test", target: str | None = None
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Features (preprocessed as the model's were) and targets of ``data``, checked."""
    from glassnet.data import Preprocessor, load

    options: dict[str, Any] = {}
    if target is not None:
        if Path(data).suffix.lower() != ".csv":
            raise GlassnetError("--target is for CSV files", source=data)
        options["target"] = int(target) if target.lstrip("-").isdigit() else target
    dataset = load(data, split=split, **options)
    network = model.network
    if model.classes is not None:
        if dataset.classes is None:
            raise GlassnetError(
                "the model is a classifier but the data has numeric targets (regression)",
                source=data,
            )
        dataset = dataset.with_classes(model.classes)
    elif dataset.classes is not None and dataset.n_classes != network.n_outputs:
        raise GlassnetError(
            f"the data has {dataset.n_classes} classes but the model has "
            f"{network.n_outputs} outputs",
            source=data,
        )
    X = dataset.X
    if model.preprocessing is not None:
        pre = Preprocessor.from_dict(model.preprocessing, source=str(model.path))
        X = pre.transform(X, field=data)
    if X.shape[1] != network.n_inputs:
        raise GlassnetError(
            f"the data has {X.shape[1]} features but the model expects {network.n_inputs}",
            source=data,
        )
    return X, dataset.y


def range_warning(model: Any, X: Any, source: str) -> str | None:
    """A warning when the inputs ``X`` (preprocessed as the model's were) lie far
    outside the range the model was trained on (``metadata.input_range``), else None.

    Far: more than ``FAR`` (3) times the training range's width beyond either end.
    Unscaled inputs, the usual mistake, are off by far more (MNIST's pixels are
    0–255 against 0–1 after ``divide:255``: 254 widths; unstandardized features in
    the hundreds against ±3), while a test set's outliers rarely are. Nothing is
    said when the model does not record its training range.
    """
    recorded = model.metadata.get("input_range") if isinstance(model.metadata, dict) else None
    if not (isinstance(recorded, list) and len(recorded) == 2):
        return None
    try:
        low, high = float(recorded[0]), float(recorded[1])
    except (TypeError, ValueError):
        return None
    from glassnet.training import input_range

    seen = input_range(X)
    if not seen:
        return None
    width = high - low if high > low else max(abs(low), abs(high), 1.0)
    if low - FAR * width <= seen[0] and seen[1] <= high + FAR * width:
        return None
    message = (
        f"{source}: the inputs range from {seen[0]:.4g} to {seen[1]:.4g} but the model was "
        f"trained on inputs from {low:.4g} to {high:.4g}"
    )
    if model.preprocessing is None:
        message += (
            "; the model has no saved preprocessing: scale the inputs as in training, or save "
            "the model with its preprocessing"
        )
    else:
        message += " (after its preprocessing); are these the same kind of data?"
    return message


def warn_if_outside_range(model: Any, X: Any, source: str) -> None:
    """Print ``range_warning`` (if any) on stderr as ``glassnet: warning: …``."""
    warning = range_warning(model, X, source)
    if warning is not None:
        print(f"glassnet: warning: {warning}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from glassnet.persistence import load_model
    from glassnet.training import confusion_matrix, evaluate, predicted_labels

    model = load_model(args.model)
    X, y = load_labelled(model, args.data, split=args.split, target=args.target)
    warn_if_outside_range(model, X, args.data)
    result = evaluate(model.network, X, y)
    report: dict[str, Any] = {
        "samples": int(X.shape[0]),
        "loss": result.loss,
        "accuracy": result.accuracy,
    }
    if model.classes is not None:
        classes = model.classes
        matrix = confusion_matrix(y, predicted_labels(result.outputs), len(classes))
        report["classes"] = classes
        report["confusion_matrix"] = matrix.tolist()
    if args.format == "json":
        print(jsonfile.dumps(report, indent=2))
        return 0
    print(f"samples:  {report['samples']}")
    print(f"loss:     {result.loss:.6g} ({model.network.loss.name})")
    if result.accuracy is not None:
        correct = round(result.accuracy * X.shape[0])
        print(f"accuracy: {100 * result.accuracy:.2f}% ({correct} of {X.shape[0]})")
    if model.classes is not None:
        print("\nconfusion matrix (rows: true class, columns: predicted class):")
        print(format_matrix(report["confusion_matrix"], [str(c) for c in model.classes]))
    return 0


def format_matrix(matrix: list[list[int]], labels: list[str]) -> str:
    """A square table with the class labels along both edges."""
    width = max(len(str(v)) for row in matrix for v in row)
    width = max(width, *(len(label) for label in labels))
    head = max(len(label) for label in labels)
    lines = [" " * head + "  " + " ".join(f"{label:>{width}}" for label in labels)]
    for label, row in zip(labels, matrix):
        lines.append(f"{label:>{head}}  " + " ".join(f"{v:>{width}}" for v in row))
    return "\n".join(lines)
