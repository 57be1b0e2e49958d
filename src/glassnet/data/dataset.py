"""``Dataset``: the samples a network learns from, and how targets become labels.

A data set is a feature matrix ``X`` of shape ``(n_samples, n_features)``
(float32) and targets ``y``:

- classification: ``y`` of shape ``(n_samples,)``, int64, an index into
  ``classes``, so ``classes[y[s]]`` is sample s's label;
- regression: ``y`` of shape ``(n_samples, n_targets)``, float32, and
  ``classes`` is ``None``.

>>> import numpy as np
>>> ds = Dataset(np.zeros((3, 2), np.float32), np.array([1, 0, 1]), classes=["no", "yes"])
>>> ds.task, ds.n_classes, ds.labels()
('classification', 2, ['yes', 'no', 'yes'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.errors import GlassnetError

Features = NDArray[np.float32]
Label = int | str
Task = Literal["classification", "regression"]
TASKS = ("auto", "classification", "regression")


@dataclass
class Dataset:
    """Features ``X`` (n_samples, n_features) and targets ``y``; see the module docstring.

    ``X`` may be a read-only memory map (``np.load(..., mmap_mode="r")``); it is
    never copied here.
    """

    X: Features
    y: NDArray[Any]
    classes: list[Label] | None = None
    name: str = ""
    feature_names: list[str] | None = None
    target_names: list[str] | None = None

    def __post_init__(self) -> None:
        where = self.name or "data set"
        if not isinstance(self.X, np.ndarray) or self.X.dtype != np.float32 or self.X.ndim != 2:
            got = f"{self.X.dtype} {self.X.shape}" if isinstance(self.X, np.ndarray) else "?"
            raise GlassnetError(
                f"X must be a float32 (n_samples, n_features) array, got {got}", source=where
            )
        n = self.X.shape[0]
        self.y = np.asarray(self.y)
        if self.classes is not None:
            self.classes = list(self.classes)
            if self.y.dtype.kind not in "iu" or self.y.shape != (n,):
                raise GlassnetError(
                    f"y must be {n} integer class indices, got {self.y.dtype} {self.y.shape}",
                    source=where,
                )
            self.y = self.y.astype(np.int64, copy=False)
            if n and (self.y.min() < 0 or self.y.max() >= len(self.classes)):
                raise GlassnetError(
                    f"y must index into the {len(self.classes)} classes, got values from "
                    f"{self.y.min()} to {self.y.max()}",
                    source=where,
                )
        else:
            if self.y.ndim == 1:
                self.y = self.y[:, None]
            if self.y.dtype.kind not in "fiu" or self.y.ndim != 2 or self.y.shape[0] != n:
                raise GlassnetError(
                    f"y must be ({n}, n_targets) numbers, got {self.y.dtype} {self.y.shape}",
                    source=where,
                )
            self.y = self.y.astype(np.float32, copy=False)
        if self.feature_names is not None and len(self.feature_names) != self.n_features:
            raise GlassnetError(
                f"expected {self.n_features} feature names, got {len(self.feature_names)}",
                source=where,
            )

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def task(self) -> Task:
        return "regression" if self.classes is None else "classification"

    @property
    def n_classes(self) -> int:
        """The number of classes; 0 for regression."""
        return 0 if self.classes is None else len(self.classes)

    @property
    def n_targets(self) -> int:
        """Network outputs needed: one per class, or one per regression target."""
        return self.n_classes if self.classes is not None else int(self.y.shape[1])

    def __len__(self) -> int:
        return self.n_samples

    def labels(self) -> list[Label]:
        """Each sample's class label, ``classes[y[s]]`` (classification only)."""
        if self.classes is None:
            raise GlassnetError("a regression data set has no class labels", source=self.name)
        return [self.classes[i] for i in self.y.tolist()]

    def class_counts(self) -> NDArray[np.int64]:
        """How many samples each class has, in the order of ``classes``."""
        return np.bincount(self.y, minlength=self.n_classes).astype(np.int64)

    def subset(self, indices: ArrayLike, *, name: str | None = None) -> Dataset:
        """The samples at ``indices`` (a copy in memory, also for a memory map)."""
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(
            np.ascontiguousarray(self.X[idx]),
            self.y[idx],
            classes=self.classes,
            name=self.name if name is None else name,
            feature_names=self.feature_names,
            target_names=self.target_names,
        )

    def with_classes(self, classes: Sequence[Label]) -> Dataset:
        """The same samples with ``y`` re-indexed into ``classes`` (a superset of ours).

        Used to give a test set the class order of the training set.
        """
        if self.classes is None:
            raise GlassnetError("a regression data set has no classes", source=self.name)
        position = {label: k for k, label in enumerate(classes)}
        missing = [label for label in self.classes if label not in position]
        if missing:
            raise GlassnetError(
                f"labels {', '.join(map(repr, missing[:5]))} are not among the classes "
                f"{_short(list(classes))}",
                source=self.name,
            )
        mapping = np.array([position[label] for label in self.classes], dtype=np.int64)
        y = mapping[self.y] if len(mapping) else self.y
        return Dataset(
            self.X,
            y,
            classes=list(classes),
            name=self.name,
            feature_names=self.feature_names,
            target_names=self.target_names,
        )

    def __repr__(self) -> str:
        kind = (
            f"{self.n_classes} classes"
            if self.classes is not None
            else (f"{self.n_targets} targets")
        )
        return f"Dataset({self.name!r}, {self.n_samples} × {self.n_features}, {kind})"


def normalize_label(value: Any) -> Label:
    """A class label as ``int`` when it is a whole number (``"3"``, ``3.0``), else a string.

    So a label ``"3"`` in a CSV file matches ``classes = [3]`` in a config file.
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else str(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if np.isfinite(number) and number.is_integer():
        return int(number)
    return text


def sorted_labels(labels: Sequence[Label]) -> list[Label]:
    """The distinct labels: numbers first in numeric order, then strings alphabetically."""
    distinct = set(labels)
    numbers = sorted(v for v in distinct if isinstance(v, int))
    texts = sorted(v for v in distinct if isinstance(v, str))
    return [*numbers, *texts]


def check_task(task: str, *, source: str | None = None, field: str | None = "task") -> str:
    if task not in TASKS:
        raise GlassnetError(
            f"expected one of {', '.join(TASKS)}, got {task!r}", source=source, field=field
        )
    return task


def targets_from_array(
    values: NDArray[Any],
    *,
    task: str = "auto",
    classes: Sequence[Any] | None = None,
    source: str,
) -> tuple[NDArray[Any], list[Label] | None]:
    """Turn an array of targets into ``(y, classes)`` for a ``Dataset``.

    ``task="auto"``: integer arrays (and declared ``classes``) are class labels,
    float arrays regression targets. A label outside declared ``classes`` is an
    error naming the sample.
    """
    check_task(task, source=source)
    if (
        classes is not None
        or task == "classification"
        or (task == "auto" and values.dtype.kind in "iuUSb")
    ):
        if values.ndim != 1:
            raise GlassnetError(
                f"class labels must be one per sample, got shape {values.shape}", source=source
            )
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise GlassnetError(f"sample {bad}: label is {values[bad]}", source=source)
        unique, inverse = np.unique(values, return_inverse=True)
        found = [normalize_label(v) for v in unique.tolist()]
        if classes is None:
            order = sorted_labels(found)
        else:
            order = declared_classes(classes, source=source)
            unknown = [k for k, label in enumerate(found) if label not in set(order)]
            if unknown:
                bad = int(np.flatnonzero(np.isin(inverse, unknown))[0])  # the earliest sample
                raise GlassnetError(
                    f"sample {bad}: label {found[int(inverse.reshape(-1)[bad])]!r} is not one of "
                    f"the declared classes {_short(order)}",
                    source=source,
                )
        position = {label: k for k, label in enumerate(order)}
        mapping = np.array([position[label] for label in found], dtype=np.int64)
        return mapping[inverse.reshape(-1)], order
    if values.dtype.kind not in "fiu":
        raise GlassnetError(
            f"regression targets must be numbers, got {values.dtype}", source=source
        )
    y = values.astype(np.float32)
    y = y[:, None] if y.ndim == 1 else y.reshape(len(y), -1)
    finite = np.isfinite(y)
    if not finite.all():
        bad = int(np.argwhere(~finite)[0][0])
        raise GlassnetError(f"sample {bad}: target is not a finite number", source=source)
    return y, None


def declared_classes(
    classes: Sequence[Any], *, source: str | None = None, field: str | None = "classes"
) -> list[Label]:
    """Validate a declared list of class labels (unique, at least two)."""
    if isinstance(classes, str) or not isinstance(classes, Sequence) or len(classes) < 2:
        raise GlassnetError(
            "expected a list of two or more class labels", source=source, field=field
        )
    order = [normalize_label(c) for c in classes]
    if len(set(order)) != len(order):
        repeated = sorted({str(c) for c in order if order.count(c) > 1})
        raise GlassnetError(
            f"every class must be listed once, repeated: {', '.join(repeated)}",
            source=source,
            field=field,
        )
    return order


def check_features(X: NDArray[Any], *, source: str, chunk_rows: int = 65536) -> None:
    """Reject NaN and infinite features, naming the first bad sample and feature.

    Reads ``X`` in chunks so a memory map is checked without loading it whole.
    """
    for start in range(0, X.shape[0], chunk_rows):
        block = X[start : start + chunk_rows]
        finite = np.isfinite(block)
        if not finite.all():
            s, j = (int(v) for v in np.argwhere(~finite)[0])
            raise GlassnetError(
                f"sample {start + s}, feature {j}: {block[s, j]} is not a finite number",
                source=source,
            )


def _short(values: list[Any], limit: int = 10) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}]"
