"""CSV files: one sample per line, numeric features, one target column (or several).

Read with the standard library's ``csv`` module and converted with NumPy in
blocks of rows, so a bad cell is found and named without slowing down good
files. Every mistake is reported as ``FILE: line N, column C ("name"): ...``;
lines are numbered from 1 as in an editor (the header is line 1), columns from
1 as in a spreadsheet.

Header detection: unless ``header`` is given, the first line is a header when
none of its cells is a number.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "or.csv"
>>> _ = path.write_text("a,b,label\\n0,0,no\\n0,1,yes\\n1,1,yes\\n")
>>> ds = load_csv(path, target="label")
>>> ds.X.tolist(), ds.y.tolist(), ds.classes
([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0, 1, 1], ['no', 'yes'])
"""

from __future__ import annotations

import csv
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.data.dataset import (
    Dataset,
    Features,
    Label,
    check_task,
    declared_classes,
    normalize_label,
    sorted_labels,
)
from glassnet.errors import GlassnetError

Column = int | str
BLOCK_ROWS = 8192


def load_csv(
    path: str | Path,
    *,
    target: Column | Sequence[Column] = -1,
    header: bool | None = None,
    classes: Sequence[Any] | None = None,
    task: str = "auto",
    delimiter: str = ",",
    name: str | None = None,
) -> Dataset:
    """Read a CSV file into a ``Dataset``; every column but the target is a feature.

    Parameters
    ----------
    target : column name, 0-based index (negative counts from the end), or a list
        The target column (default the last). A list makes a regression
        data set with one target per column.
    header : bool, optional
        Whether line 1 holds column names; detected when not given.
    classes : list, optional
        The class labels in order; a label outside them is an error.
    task : {"auto", "classification", "regression"}
        ``auto``: declared ``classes``, whole-number or non-numeric targets
        mean classification; other numbers mean regression.
    """
    source = str(path)
    check_task(task, source=source)
    targets = [target] if isinstance(target, int | str) else list(target)
    if not targets:
        raise GlassnetError("expected at least one target column", source=source, field="target")
    if len(targets) > 1 and (task == "classification" or classes is not None):
        raise GlassnetError("classification takes one target column", source=source, field="target")

    def pick(table: _Table) -> tuple[list[int], list[int]]:
        target_cols = [table.column(t) for t in targets]
        if len(set(target_cols)) != len(target_cols):
            raise GlassnetError("a target column is listed twice", source=source, field="target")
        feature_cols = [c for c in range(table.width) if c not in target_cols]
        if not feature_cols:
            raise GlassnetError("no feature columns besides the target", source=source)
        return feature_cols, target_cols

    table = _read(Path(path), header=header, delimiter=delimiter, pick=pick)
    names = table.names
    y: NDArray[Any]
    if len(targets) == 1 and _is_classification(table.target_cells()[:, 0], task, classes):
        y, labels = table.labels(classes)
        target_names = None
    else:
        y, labels = table.numeric_targets(), None
        target_names = [table.label(c) for c in table.target_cols] if names else None
    return Dataset(
        table.features(),
        y,
        classes=labels,
        name=name or Path(path).stem,
        feature_names=[names[c] for c in table.feature_cols] if names else None,
        target_names=target_names,
    )


def load_csv_features(
    path: str | Path, *, header: bool | None = None, delimiter: str = ","
) -> tuple[Features, list[str] | None]:
    """Read a CSV file of features only (e.g. inputs to predict): ``(X, column names)``."""

    def pick(table: _Table) -> tuple[list[int], list[int]]:
        return list(range(table.width)), []

    table = _read(Path(path), header=header, delimiter=delimiter, pick=pick)
    return table.features(), table.names


def _is_classification(cells: NDArray[np.str_], task: str, classes: object) -> bool:
    if task != "auto":
        return task == "classification"
    if classes is not None:
        return True
    try:
        values = cells.astype(np.float64)
    except ValueError:
        return True  # labels such as "setosa"
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


class _Table:
    """A CSV file read block by block: float32 features, target cells kept as text."""

    def __init__(self, source: str, names: list[str] | None, width: int):
        self.source = source
        self.names = names
        self.width = width
        self.feature_cols: list[int] = []
        self.target_cols: list[int] = []
        self.lines: list[NDArray[np.int64]] = []
        self.feature_blocks: list[Features] = []
        self.target_blocks: list[NDArray[np.str_]] = []

    # -- columns and places -----------------------------------------------------

    def column(self, key: Column) -> int:
        """A column's 0-based position from its name or index."""
        if isinstance(key, bool) or not isinstance(key, int | str):
            raise GlassnetError(
                f"expected a column name or number, got {key!r}", source=self.source,
                field="target",
            )  # fmt: skip
        if isinstance(key, str):
            if self.names is None:
                raise GlassnetError(
                    f"column {key!r} asked for by name, but the file has no header line; "
                    "give the column's 0-based index instead",
                    source=self.source,
                    field="target",
                )
            if key not in self.names:
                raise GlassnetError(
                    f"no column {key!r}; the columns are {', '.join(self.names)}",
                    source=self.source,
                    field="target",
                )
            return self.names.index(key)
        if not -self.width <= key < self.width:
            raise GlassnetError(
                f"column index {key} is out of range for {self.width} columns "
                f"(0 to {self.width - 1}, or -1 for the last)",
                source=self.source,
                field="target",
            )
        return key % self.width

    def label(self, col: int) -> str:
        return self.names[col] if self.names else f"column {col + 1}"

    def where(self, line: int, col: int) -> str:
        named = f' ("{self.names[col]}")' if self.names else ""
        return f"line {line}, column {col + 1}{named}"

    # -- reading ----------------------------------------------------------------

    def add(self, rows: list[list[str]], lines: list[int]) -> None:
        features = _pick(rows, self.feature_cols)
        self.feature_blocks.append(self._numbers(features, lines, self.feature_cols))
        targets = _pick(rows, self.target_cols)
        self.target_blocks.append(
            np.char.strip(np.array(targets, dtype=str).reshape(len(rows), -1))
        )
        self.lines.append(np.array(lines, dtype=np.int64))

    def _numbers(self, cells: Sequence[Sequence[str]], lines: Sequence[int],
                 cols: list[int]) -> Features:  # fmt: skip
        """``cells`` as float32, naming the first cell that is not a finite number."""
        try:
            # NumPy parses each string as float() does, but without a Python loop.
            with np.errstate(over="ignore"):  # 1e39 becomes inf, reported just below
                block = np.array(cells, dtype=np.float32).reshape(len(cells), len(cols))
        except ValueError:
            raise self._bad_text(cells, lines, cols) from None
        finite = np.isfinite(block)
        if not finite.all():
            r, c = (int(v) for v in np.argwhere(~finite)[0])
            text = str(cells[r][c]).strip()
            value = float(text)
            if math.isnan(value):
                what = "NaN (a missing value)"
            else:
                what = "infinite" if math.isinf(value) else "too large for float32"
            raise GlassnetError(
                f"{self.where(lines[r], cols[c])}: {text!r} is {what}; expected a finite number",
                source=self.source,
            )
        return block

    def _bad_text(self, cells: Sequence[Sequence[str]], lines: Sequence[int],
                  cols: list[int]) -> Exception:  # fmt: skip
        for r, row in enumerate(cells):
            for c, text in enumerate(row):
                if not _is_number(text):
                    stripped = str(text).strip()
                    problem = (
                        f"expected a number, got {stripped!r}"
                        if stripped
                        else "empty cell (a missing value); expected a number"
                    )
                    return GlassnetError(
                        f"{self.where(lines[r], cols[c])}: {problem}", source=self.source
                    )
        return AssertionError("NumPy rejected a cell that float() accepts")

    # -- results ------------------------------------------------------------------

    def features(self) -> Features:
        return np.concatenate(self.feature_blocks)

    def target_cells(self) -> NDArray[np.str_]:
        return np.concatenate(self.target_blocks)

    def numeric_targets(self) -> Features:
        cells = self.target_cells().tolist()
        lines = np.concatenate(self.lines).tolist()
        return self._numbers(cells, lines, self.target_cols)

    def labels(self, classes: Sequence[Any] | None) -> tuple[NDArray[np.int64], list[Label]]:
        """The target column as indices into the class labels."""
        col = self.target_cols[0]
        cells = self.target_cells()[:, 0]
        lines = np.concatenate(self.lines)
        unique, inverse = np.unique(cells, return_inverse=True)
        inverse = inverse.reshape(-1)
        found = [normalize_label(v) for v in unique.tolist()]
        for k, text in enumerate(unique.tolist()):
            if not text:
                line = int(lines[np.flatnonzero(inverse == k)[0]])
                raise GlassnetError(f"{self.where(line, col)}: empty label", source=self.source)
        if classes is None:
            order = sorted_labels(found)
        else:
            order = declared_classes(classes, source=self.source)
            known = set(order)
            # Report the earliest line with an undeclared label, not the first in sort order.
            bad = [k for k, label in enumerate(found) if label not in known]
            if bad:
                rows = np.flatnonzero(np.isin(inverse, bad))
                row = int(rows[0])
                shown = ", ".join(repr(c) for c in order)
                raise GlassnetError(
                    f"{self.where(int(lines[row]), col)}: label "
                    f"{found[int(inverse[row])]!r} is not one of the declared classes [{shown}]",
                    source=self.source,
                )
        position = {label: k for k, label in enumerate(order)}
        mapping = np.array([position[label] for label in found], dtype=np.int64)
        return mapping[inverse], order


def _read(
    path: Path,
    *,
    header: bool | None,
    delimiter: str,
    pick: Callable[[_Table], tuple[list[int], list[int]]],
) -> _Table:
    source = str(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise GlassnetError(
            f"must be one character, got {delimiter!r}", source=source, field="delimiter"
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            return _parse(_records(file, delimiter, source), source, header, pick)
    except FileNotFoundError:
        raise GlassnetError("no such file", source=source) from None
    except IsADirectoryError:
        raise GlassnetError("is a directory, expected a CSV file", source=source) from None
    except UnicodeDecodeError as error:
        raise GlassnetError(
            f"not UTF-8 text ({error.reason} at byte {error.start})", source=source
        ) from None
    except OSError as error:
        raise GlassnetError(f"cannot read: {error.strerror}", source=source) from None


def _records(file: Any, delimiter: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on."""
    reader = csv.reader(file, delimiter=delimiter, strict=True)
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise GlassnetError(f"line {reader.line_num}: {error}", source=source) from None


def _parse(
    records: Iterator[tuple[int, list[str]]],
    source: str,
    header: bool | None,
    pick: Callable[[_Table], tuple[list[int], list[int]]],
) -> _Table:
    first = next(records, None)
    if first is None:
        raise GlassnetError("the file is empty", source=source)
    first_line, first_row = first
    if header is None:
        header = not any(_is_number(cell) for cell in first_row)
    width = len(first_row)
    table = _Table(source, [cell.strip() for cell in first_row] if header else None, width)
    table.feature_cols, table.target_cols = pick(table)
    rows: list[list[str]] = [] if header else [first_row]
    lines: list[int] = [] if header else [first_line]
    for line, row in records:
        if len(row) != width:
            raise GlassnetError(
                f"line {line}: expected {width} columns like line {first_line}, got {len(row)}",
                source=source,
            )
        rows.append(row)
        lines.append(line)
        if len(rows) == BLOCK_ROWS:
            table.add(rows, lines)
            rows, lines = [], []
    if rows:
        table.add(rows, lines)
    if not table.lines:
        raise GlassnetError("no data lines after the header", source=source)
    return table


def _pick(rows: list[list[str]], cols: list[int]) -> list[Sequence[str]]:
    """The cells of ``cols`` from every row (a slice when the columns are a run)."""
    if not cols:
        return [[] for _ in rows]
    first, last = cols[0], cols[-1]
    if cols == list(range(first, last + 1)):
        return [row[first : last + 1] for row in rows]
    if len(cols) == 1:
        return [[row[first]] for row in rows]
    get = operator.itemgetter(*cols)
    return [get(row) for row in rows]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
