"""Preprocessing fitted on the training split: feature scaling, one-hot targets, splits.

Every scaling is one rule with different fitted numbers::

    X_scaled = (X - offset) / scale            (per feature)

=============  ==========================  ===============================
``kind``       ``offset``                  ``scale``
=============  ==========================  ===============================
``standard``   mean of the training data   standard deviation (ddof=0)
``minmax``     minimum                     maximum - minimum
``divide``     0                           a fixed number, e.g. 255
``none``       0                           1
=============  ==========================  ===============================

A feature that is constant in the training data gets ``scale = 1`` (it would
divide by zero), as scikit-learn's scalers do. ``fit`` sees only the training
split; validation and test data are transformed with the training numbers.

>>> import numpy as np
>>> pre = Preprocessor("minmax").fit(np.array([[0, 10], [4, 30]], dtype=np.float32))
>>> pre.transform(np.array([[2, 20]], dtype=np.float32)).tolist()
[[0.5, 0.5]]
>>> Preprocessor.from_dict(pre.to_dict()).to_dict() == pre.to_dict()
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.data.dataset import Dataset, Features
from glassnet.errors import GlassnetError

KINDS = ("standard", "minmax", "divide", "none")
FORMAT_VERSION = 1
CHUNK_ROWS = 65536


class Preprocessor:
    """Feature scaling ``(X - offset_) / scale_``, fitted by ``fit`` on training data.

    Parameters
    ----------
    kind : {"standard", "minmax", "divide", "none"}
    divisor : float, for ``kind="divide"``
    """

    def __init__(self, kind: str = "none", *, divisor: float | None = None):
        if kind not in KINDS:
            raise GlassnetError(f"expected one of {', '.join(KINDS)}, got {kind!r}", field="kind")
        if (kind == "divide") != (divisor is not None):
            raise GlassnetError("a divisor goes with kind 'divide' and only with it",
                                field="divisor")  # fmt: skip
        if divisor is not None and not (math.isfinite(divisor) and divisor > 0):
            raise GlassnetError(f"must be a number > 0, got {divisor!r}", field="divisor")
        self.kind = kind
        self.divisor = None if divisor is None else float(divisor)
        self.offset_: Features | None = None
        self.scale_: Features | None = None

    @classmethod
    def parse(cls, text: str, *, source: str | None = None, field: str = "scale") -> Preprocessor:
        """From the config spelling: ``standard``, ``minmax``, ``divide:255`` or ``none``."""
        kind, _, argument = str(text).partition(":")
        if kind == "divide":
            try:
                divisor = float(argument)
            except ValueError:
                raise GlassnetError(f"expected divide:NUMBER such as divide:255, got {text!r}",
                                    source=source, field=field) from None  # fmt: skip
            if not (math.isfinite(divisor) and divisor > 0):
                raise GlassnetError(f"the divisor must be > 0, got {argument}", source=source,
                                    field=field)  # fmt: skip
            return cls("divide", divisor=divisor)
        if kind not in KINDS or argument:
            raise GlassnetError(
                f"expected one of standard, minmax, divide:NUMBER, none; got {text!r}",
                source=source,
                field=field,
            )
        return cls(kind)

    @property
    def fitted(self) -> bool:
        return self.offset_ is not None

    @property
    def n_features(self) -> int | None:
        """Features it was fitted on; ``None`` for ``divide``/``none``, which fit any width."""
        return None if self.offset_ is None or self.offset_.ndim == 0 else len(self.offset_)

    def fit(self, X: ArrayLike) -> Preprocessor:
        """Compute ``offset_`` and ``scale_`` from training features (n_samples, n_features)."""
        x = _matrix(X)
        if self.kind in ("standard", "minmax") and len(x) == 0:
            raise GlassnetError(f"cannot fit {self.kind} scaling on 0 samples")
        if self.kind == "standard":
            offset, spread = _mean_std(x)
        elif self.kind == "minmax":
            offset, high = _min_max(x)
            spread = high - offset
        else:
            offset, spread = np.zeros(()), np.full((), self.divisor or 1.0)
        if self.kind in ("standard", "minmax"):
            spread = np.where(spread > 0, spread, 1.0)
        self.offset_ = np.asarray(offset, dtype=np.float32)
        self.scale_ = np.asarray(spread, dtype=np.float32)
        return self

    def transform(self, X: ArrayLike, *, field: str = "X") -> Features:
        """``(X - offset_) / scale_`` as a new float32 array (n_samples, n_features)."""
        if self.offset_ is None or self.scale_ is None:
            raise GlassnetError("call fit before transform", field="preprocessor")
        x = _matrix(X)
        expected = self.n_features
        if expected is not None and x.shape[1] != expected:
            raise GlassnetError(
                f"expected {expected} features (as in the training data), got {x.shape[1]}",
                field=field,
            )
        if self.kind == "none":
            return np.array(x, dtype=np.float32)
        out: Features = np.subtract(x, self.offset_, dtype=np.float32)
        np.divide(out, self.scale_, out=out)
        return out

    def inverse_transform(self, X: ArrayLike) -> Features:
        """``X * scale_ + offset_``: back to the units of the data."""
        if self.offset_ is None or self.scale_ is None:
            raise GlassnetError("call fit before inverse_transform", field="preprocessor")
        out: Features = np.multiply(_matrix(X), self.scale_, dtype=np.float32)
        np.add(out, self.offset_, out=out)
        return out

    def apply(self, dataset: Dataset) -> Dataset:
        """``dataset`` with transformed features (targets and names unchanged).

        With ``kind="none"`` it is ``dataset`` itself, so a memory map stays on disk.
        """
        if self.kind == "none" and self.fitted:
            return dataset
        return Dataset(self.transform(dataset.X, field=dataset.name or "X"), dataset.y,
                       classes=dataset.classes, name=dataset.name,
                       feature_names=dataset.feature_names,
                       target_names=dataset.target_names)  # fmt: skip

    # -- a plain dict, for model files ----------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and lists, JSON-ready; ``from_dict`` reads it back exactly."""
        data: dict[str, Any] = {"format": FORMAT_VERSION, "kind": self.kind}
        if self.divisor is not None:
            data["divisor"] = self.divisor
        if self.kind in ("standard", "minmax") and self.offset_ is not None:
            assert self.scale_ is not None
            # float32 -> Python float is exact, and JSON keeps every digit of a float.
            data["offset"] = [float(v) for v in self.offset_]
            data["scale"] = [float(v) for v in self.scale_]
        return data

    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None) -> Preprocessor:
        """The inverse of ``to_dict``; a malformed dict raises naming the field."""

        def fail(field: str, message: str) -> GlassnetError:
            return GlassnetError(message, source=source, field=f"preprocessing.{field}")

        if not isinstance(data, dict):
            raise GlassnetError("expected a table", source=source, field="preprocessing")
        if data.get("format") != FORMAT_VERSION:
            raise fail("format", f"expected {FORMAT_VERSION}, got {data.get('format')!r}")
        kind = data.get("kind")
        if kind not in KINDS:
            raise fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        divisor = data.get("divisor")
        if kind == "divide" and not _is_number(divisor):
            raise fail("divisor", f"expected a number > 0, got {divisor!r}")
        try:
            pre = cls(kind, divisor=divisor if kind == "divide" else None)
        except GlassnetError as error:
            raise fail("divisor", error.detail) from None
        if kind in ("standard", "minmax"):
            offset = _numbers(data.get("offset"), fail, "offset")
            scale = _numbers(data.get("scale"), fail, "scale", length=len(offset))
            if not all(v > 0 for v in scale):
                raise fail("scale", "every value must be > 0")
            pre.offset_ = np.array(offset, dtype=np.float32)
            pre.scale_ = np.array(scale, dtype=np.float32)
            return pre
        return pre.fit(np.empty((0, 0), dtype=np.float32))

    def __repr__(self) -> str:
        argument = f", divisor={self.divisor:g}" if self.divisor is not None else ""
        return f"Preprocessor({self.kind!r}{argument})"


def one_hot(y: ArrayLike, n_classes: int) -> Features:
    """Class indices ``(n_samples,)`` as rows of a float32 identity: ``(n_samples, n_classes)``.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    labels = np.asarray(y)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise GlassnetError(f"expected class indices (n_samples,), got {labels.dtype} "
                            f"{labels.shape}", field="y")  # fmt: skip
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise GlassnetError(
            f"class indices must be 0 to {n_classes - 1}, got {labels.min()} to {labels.max()}",
            field="y",
        )
    out = np.zeros((len(labels), n_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def split(
    dataset: Dataset,
    fraction: float,
    *,
    seed: int | Sequence[int],
    stratify: bool = True,
    names: tuple[str, str] | None = None,
) -> tuple[Dataset, Dataset]:
    """Split off a seeded random ``fraction`` of the samples: ``(rest, part)``.

    With ``stratify`` (classification only) each class gives the same share,
    rounded so the part has ``round(fraction * n_samples)`` samples in all.
    Both keep the samples' original order. ``seed`` is anything
    ``numpy.random.default_rng`` takes (an int, or a tuple of ints).
    """
    n = dataset.n_samples
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not (
        0 < fraction < 1
    ):  # fmt: skip
        raise GlassnetError(f"must be > 0 and < 1, got {fraction!r}", field="fraction")
    size = round(fraction * n)
    if size < 1 or size > n - 1:
        raise GlassnetError(
            f"a fraction of {fraction} of {n} samples leaves one side empty", field="fraction"
        )
    rng = np.random.default_rng(seed)
    if stratify and dataset.classes is not None:
        chosen = _stratified(dataset.y, dataset.n_classes, size, rng)
    else:
        chosen = rng.choice(n, size=size, replace=False)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    rest_name, part_name = names or (dataset.name, dataset.name)
    return (
        dataset.subset(np.flatnonzero(~mask), name=rest_name),
        dataset.subset(np.flatnonzero(mask), name=part_name),
    )


def _stratified(
    y: NDArray[np.int64], n_classes: int, size: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """``size`` indices, each class's share as near ``size / n`` of it as the total allows."""
    counts = np.bincount(y, minlength=n_classes)
    exact = counts * (size / len(y))
    take = np.floor(exact).astype(np.int64)
    # Largest remainders first; ties go to the lower class index (stable sort).
    order = np.argsort(-(exact - take), kind="stable")
    take[order[: size - int(take.sum())]] += 1
    chosen = [rng.permutation(np.flatnonzero(y == k))[: take[k]] for k in range(n_classes)]
    return np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)


def _matrix(X: ArrayLike) -> NDArray[Any]:
    x = X if isinstance(X, np.ndarray) else np.asarray(X, dtype=np.float32)
    if x.ndim != 2:
        raise GlassnetError(f"expected shape (n_samples, n_features), got {x.shape}", field="X")
    return x


def _mean_std(x: NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column means and standard deviations in float64, two passes over row chunks."""
    total = np.zeros(x.shape[1])
    for start in range(0, len(x), CHUNK_ROWS):
        total += x[start : start + CHUNK_ROWS].sum(axis=0, dtype=np.float64)
    mean = total / len(x)
    squares = np.zeros(x.shape[1])
    for start in range(0, len(x), CHUNK_ROWS):
        deviation = x[start : start + CHUNK_ROWS].astype(np.float64) - mean
        squares += np.einsum("ij,ij->j", deviation, deviation)
    return mean, np.sqrt(squares / len(x))


def _min_max(x: NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    low = np.full(x.shape[1], np.inf)
    high = np.full(x.shape[1], -np.inf)
    for start in range(0, len(x), CHUNK_ROWS):
        block = x[start : start + CHUNK_ROWS]
        np.minimum(low, block.min(axis=0), out=low)
        np.maximum(high, block.max(axis=0), out=high)
    return low, high


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _numbers(value: Any, fail: Any, field: str, *, length: int | None = None) -> Sequence[float]:
    if not isinstance(value, list) or not value or not all(_is_number(v) for v in value):
        raise fail(field, "expected a non-empty list of finite numbers")
    if length is not None and len(value) != length:
        raise fail(field, f"expected {length} numbers (one per feature), got {len(value)}")
    return value
