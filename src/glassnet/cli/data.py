"""``glassnet data``: fetch MNIST / Fashion-MNIST, and describe a data set.

``glassnet data fetch mnist --to DIR [--mirror URL]`` downloads the four files,
checks each against its published md5 and writes it atomically; a corrupted
download is deleted and reported (exit status 2).
``glassnet data info PATH-or-NAME`` prints shapes, classes and value ranges.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.data import SETS, Dataset, fetch, load, load_mnist
from glassnet.data.synthetic import GENERATORS


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "data",
        help="fetch MNIST or Fashion-MNIST, or describe a data set",
        description="Fetch the standard image data sets, or describe a data set.",
    )
    commands = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND",
                                     parser_class=type(parser))  # fmt: skip
    commands.required = True

    get = commands.add_parser(
        "fetch",
        help="download MNIST or Fashion-MNIST, checksums verified",
        description="Download the four IDX files of a data set into a folder. Each file is "
        "checked against its published md5 and written atomically; files already there "
        "with the right checksum are kept.",
    )
    get.add_argument("name", choices=sorted(SETS), help="which data set")
    get.add_argument("--to", required=True, metavar="DIR", help="folder to write the files to")
    get.add_argument(
        "--mirror",
        metavar="URL",
        help="base URL the file names are appended to (default: "
        + "; ".join(f"{name}: {s.mirror}" for name, s in SETS.items())
        + ")",
    )
    get.add_argument("--quiet", action="store_true", help="print nothing but errors")
    get.set_defaults(run=run_fetch)

    info = commands.add_parser(
        "info",
        help="shapes, classes and value ranges of a data set",
        description="Describe a data set: a folder of MNIST-style IDX files, a .csv or .npz "
        f"file, or a built-in problem ({', '.join(GENERATORS)}).",
    )
    info.add_argument("source", metavar="PATH-or-NAME")
    info.add_argument("--target", help="CSV target column: a name or 0-based index (default: "
                      "the last)")  # fmt: skip
    info.set_defaults(run=run_info)


def run_fetch(args: argparse.Namespace) -> int:
    report = None if args.quiet else print
    fetch(args.name, args.to, mirror=args.mirror, report=report)
    return 0


def run_info(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {}
    if args.target is not None:
        target = args.target
        options["target"] = int(target) if target.lstrip("-").isdigit() else target
    if Path(args.source).is_dir():
        for split in ("train", "test"):
            describe(load_mnist(args.source, split))
    else:
        describe(load(args.source, **options))
    return 0


def describe(dataset: Dataset) -> None:
    """Print a few lines about ``dataset``."""
    X = dataset.X
    print(f"{dataset.name}: {dataset.n_samples} samples × {dataset.n_features} features, "
          f"{dataset.task}")  # fmt: skip
    if len(X):
        print(f"  X: {X.dtype}, min {X.min():.6g}, max {X.max():.6g}, mean "
              f"{X.mean(dtype=np.float64):.6g}")  # fmt: skip
    if dataset.feature_names:
        print(f"  features: {_short(dataset.feature_names)}")
    if dataset.classes is not None:
        counts = dataset.class_counts()
        listed = ", ".join(f"{label} ({count})" for label, count in zip(dataset.classes, counts))
        print(f"  {dataset.n_classes} classes (samples): {listed}")
    else:
        names = dataset.target_names or [f"target {k + 1}" for k in range(dataset.n_targets)]
        for k, name in enumerate(names):
            column = dataset.y[:, k]
            print(f"  {name}: min {column.min():.6g}, max {column.max():.6g}, mean "
                  f"{column.mean(dtype=np.float64):.6g}")  # fmt: skip


def _short(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")
