"""The ``[data]`` section of a training file: sources, splits and scaling → ``Splits``.

::

    [data]
    train = { format = "mnist", path = "../shared/data/mnist", split = "train" }
    test = { format = "mnist", path = "../shared/data/mnist", split = "test" }
    validation_fraction = 0.1      # or: validation = { format = …, … }
    scale = "divide:255"           # standard | minmax | divide:NUMBER | none

Order of work: load the sources; carve ``test_fraction`` (if no ``test``
table) and then ``validation_fraction`` out of the training data, seeded and
stratified; fit the scaling on what remains for training; apply it to every
split. ``docs/data.md`` documents every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassnet.data.dataset import Dataset
from glassnet.data.preprocess import Preprocessor, split
from glassnet.data.sources import load_source
from glassnet.errors import GlassnetError, did_you_mean

DATA_KEYS = {
    "train", "validation", "test", "validation_fraction", "test_fraction", "scale", "stratify",
}  # fmt: skip
# Seed streams of the two splits, so changing one fraction does not reshuffle the other.
TEST_STREAM, VALIDATION_STREAM = 0x7E57, 0x7A11D


@dataclass
class Splits:
    """Preprocessed training, validation and test sets, and the fitted ``preprocessor``."""

    train: Dataset
    validation: Dataset | None
    test: Dataset | None
    preprocessor: Preprocessor

    @property
    def n_features(self) -> int:
        return self.train.n_features

    @property
    def classes(self) -> list[Any] | None:
        return self.train.classes

    @property
    def task(self) -> str:
        return self.train.task

    def summary(self) -> str:
        """One line per split, e.g. ``train: 54000 samples × 784 features, 10 classes``."""
        lines = []
        for label, dataset in (("train", self.train), ("validation", self.validation),
                               ("test", self.test)):  # fmt: skip
            if dataset is not None:
                kind = (f"{dataset.n_classes} classes" if dataset.classes is not None
                        else f"{dataset.n_targets} targets")  # fmt: skip
                lines.append(f"{label}: {dataset.n_samples} samples × {dataset.n_features} "
                             f"features, {kind}")  # fmt: skip
        lines.append(f"scaling: {self.preprocessor!r}")
        return "\n".join(lines)


def from_config(table: Any, *, base_dir: str | Path, source: str, seed: int) -> Splits:
    """Build the ``Splits`` a ``[data]`` table describes.

    ``base_dir`` is the folder relative paths start from (the config file's);
    ``source`` names the config file in errors
    (``train.toml: data.train.path: no such file: …``); ``seed`` seeds the splits,
    ``limit`` subsets and generated problems.
    """

    def fail(field: str, message: str) -> GlassnetError:
        return GlassnetError(message, source=source, field=f"data.{field}" if field else "data")

    if not isinstance(table, dict):
        raise fail("", "expected a [data] table")
    for key in table:
        if key not in DATA_KEYS:
            hint = did_you_mean(key, sorted(DATA_KEYS))
            raise fail(key, f"unknown key{hint} (expected one of {', '.join(sorted(DATA_KEYS))})")
    if "train" not in table:
        raise fail("train", 'missing; e.g. train = { format = "csv", path = "train.csv" }')
    for key in ("validation", "test"):
        if key in table and f"{key}_fraction" in table:
            raise fail(f"{key}_fraction", f"give data.{key} or data.{key}_fraction, not both")
    stratify = table.get("stratify", True)
    if not isinstance(stratify, bool):
        raise fail("stratify", f"expected true or false, got {stratify!r}")
    scale = table.get("scale", "none")
    if not isinstance(scale, str):
        raise fail("scale", f'expected a string such as "standard", got {scale!r}')
    preprocessor = Preprocessor.parse(scale, source=source, field="data.scale")

    def load(key: str, split_name: str | None) -> Dataset | None:
        if key not in table:
            return None
        dataset = load_source(table[key], base_dir=base_dir, source=source, field=f"data.{key}",
                              seed=seed, default_split=split_name)  # fmt: skip
        return dataset

    train = load("train", "train")
    assert train is not None
    # A validation table must say which MNIST split it means: "train" would repeat data.train.
    validation = _align(load("validation", None), train, fail, "validation")
    test = _align(load("test", "test"), train, fail, "test")

    def carve(dataset: Dataset, key: str, stream: int, label: str) -> tuple[Dataset, Dataset]:
        fraction = table[key]
        try:
            return split(dataset, fraction, seed=(seed, stream), stratify=stratify,
                         names=(dataset.name, f"{dataset.name} ({label})"))  # fmt: skip
        except GlassnetError as error:
            raise fail(key, error.detail) from None

    if "test_fraction" in table:
        train, test = carve(train, "test_fraction", TEST_STREAM, "test")
    if "validation_fraction" in table:
        train, validation = carve(train, "validation_fraction", VALIDATION_STREAM, "validation")
    try:
        preprocessor.fit(train.X)
    except GlassnetError as error:
        raise fail("scale", error.detail) from None
    return Splits(
        train=preprocessor.apply(train),
        validation=None if validation is None else preprocessor.apply(validation),
        test=None if test is None else preprocessor.apply(test),
        preprocessor=preprocessor,
    )


def _align(dataset: Dataset | None, train: Dataset, fail: Any, key: str) -> Dataset | None:
    """Check ``dataset`` against the training set and give it the training class order."""
    if dataset is None:
        return None
    if dataset.n_features != train.n_features:
        raise fail(key, f"expected {train.n_features} features like data.train, got "
                   f"{dataset.n_features}")  # fmt: skip
    if dataset.task != train.task:
        raise fail(key, f"is {dataset.task} data but data.train is {train.task} data")
    if train.classes is None:
        if dataset.n_targets != train.n_targets:
            raise fail(key, f"expected {train.n_targets} targets like data.train, got "
                       f"{dataset.n_targets}")  # fmt: skip
        return dataset
    if dataset.classes == train.classes:
        return dataset
    try:
        return dataset.with_classes(train.classes)
    except GlassnetError as error:
        raise fail(key, f"{error.detail} of data.train") from None
