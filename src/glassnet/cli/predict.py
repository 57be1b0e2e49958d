"""``glassnet predict MODEL INPUT.csv``: a saved model's predictions for new samples.

INPUT.csv holds features only, one sample per line (a header line is
detected). The model's saved preprocessing is applied first. The output is
CSV: a ``prediction`` column (the class label, or ``output_1…`` for a
regression model), and with ``--probabilities`` one ``p_CLASS`` column per
class. ``-o FILE`` writes it atomically; nothing is written on an error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from glassnet.errors import GlassnetError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="predictions of a saved model for the samples of a CSV file",
        description="Predict with a saved model: read features from a CSV file, write one "
        "prediction per line as CSV.",
    )
    parser.add_argument("model", help="a model .json file (or a checkpoint)")
    parser.add_argument("input", help="a CSV file of features, one sample per line")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )
    parser.add_argument(
        "--probabilities", action="store_true", help="also write each class's output"
    )
    parser.set_defaults(run=run)


def predictions_csv(model: Any, X: Any, *, probabilities: bool = False) -> str:
    """The CSV text of ``model``'s predictions for features ``X`` (already preprocessed)."""
    from glassnet.training import predict, predicted_labels

    outputs = predict(model.network, X)
    if model.classes is None:
        columns = [f"output_{k + 1}" for k in range(outputs.shape[1])]
        rows = [[repr(float(v)) for v in row] for row in outputs]
    else:
        labels = predicted_labels(outputs)
        columns = ["prediction"]
        rows = [[str(model.classes[k])] for k in labels]
        if probabilities:
            if outputs.shape[1] == 1:
                outputs = _two_columns(outputs)
            columns += [f"p_{c}" for c in model.classes]
            rows = [row + [f"{float(v):.6g}" for v in out] for row, out in zip(rows, outputs)]
    return "\n".join(",".join(r) for r in [columns, *rows]) + "\n"


def _two_columns(outputs: Any) -> Any:
    import numpy as np

    return np.column_stack([1 - outputs[:, 0], outputs[:, 0]])


def run(args: argparse.Namespace) -> int:
    from glassnet.atomic import write_text_atomic
    from glassnet.cli.evaluate import warn_if_outside_range
    from glassnet.data import Preprocessor, load_csv_features
    from glassnet.persistence import load_model

    model = load_model(args.model)
    X, _ = load_csv_features(args.input)
    if model.preprocessing is not None:
        pre = Preprocessor.from_dict(model.preprocessing, source=str(model.path))
        n = pre.n_features
        if n is not None and X.shape[1] != n:
            raise GlassnetError(
                f"expected {n} features per line (as the model was trained on), got {X.shape[1]}",
                source=args.input,
            )
        X = pre.transform(X, field=args.input)
    if X.shape[1] != model.network.n_inputs:
        raise GlassnetError(
            f"expected {model.network.n_inputs} features per line (the model's "
            f"inputs), got {X.shape[1]}",
            source=args.input,
        )
    warn_if_outside_range(model, X, args.input)
    text = predictions_csv(model, X, probabilities=args.probabilities)
    if args.output:
        write_text_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
