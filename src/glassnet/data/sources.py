"""One data source, described by a table (``{format = "csv", path = "…"}``) or a path.

``load_source`` reads the tables of a training file's ``[data]`` section
(``docs/data.md`` lists every format and key); ``load`` guesses the format
from a path or takes a built-in problem's name, for ``glassnet data info``.

>>> load_source({"format": "spirals", "n_samples": 10}, base_dir=".", source="t.toml",
...             field="data.train").X.shape
(10, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.data.arrays import load_npy, load_npz
from glassnet.data.csv import load_csv
from glassnet.data.dataset import TASKS, Dataset
from glassnet.data.idx import read_idx
from glassnet.data.mnist import SPLITS, images_dataset, load_mnist
from glassnet.data.synthetic import GENERATORS, moons, spirals, xor
from glassnet.errors import GlassnetError, did_you_mean
from glassnet.npyfile import one_line

COMMON_KEYS = {"format", "limit", "name"}
FORMAT_KEYS = {
    "csv": {"path", "target", "header", "delimiter", "classes", "task"},
    "npz": {"path", "x", "y", "classes", "task"},
    "npy": {"path", "targets", "mmap", "check_finite", "classes", "task"},
    "idx": {"images", "labels"},
    "mnist": {"path", "split"},
    "fashion-mnist": {"path", "split"},
    "xor": set(),
    "spirals": {"n_samples", "noise", "turns", "seed"},
    "moons": {"n_samples", "noise", "seed"},
}
FORMATS = tuple(FORMAT_KEYS)


@dataclass
class _Table:
    """A source table, with the file and field to name in errors."""

    data: dict[str, Any]
    base_dir: Path
    source: str
    field: str

    def fail(self, key: str | None, message: str) -> GlassnetError:
        where = f"{self.field}.{key}" if key else self.field
        return GlassnetError(message, source=self.source, field=where)

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(key, sorted(allowed))
                raise self.fail(key, f"unknown key{hint} (expected one of "
                                f"{', '.join(sorted(allowed))})")  # fmt: skip

    def path(self, key: str, *, required: bool = True) -> Path:
        value = self.data.get(key)
        if value is None and not required:
            return Path()
        if not isinstance(value, str) or not value:
            raise self.fail(key, "missing" if value is None else
                            f"expected a path (a string), got {value!r}")  # fmt: skip
        try:
            path = Path(value).expanduser()
            path = path if path.is_absolute() else self.base_dir / path
            exists = path.exists()
        except (OSError, ValueError, RuntimeError) as error:  # too long, a NUL byte, no home
            raise self.fail(key, f"not a usable path: {one_line(error)}") from None
        if not exists:
            raise self.fail(key, f"no such file: {path}")
        return path

    def string(self, key: str, default: str, options: Sequence[str] | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {value!r}")
        if options is not None and value not in options:
            raise self.fail(key, f"expected one of {', '.join(options)}, got {value!r}")
        return value

    def boolean(self, key: str, default: bool | None) -> bool | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def integer(self, key: str, default: int | None, minimum: int) -> int | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, got {value!r}")
        if value < minimum:
            raise self.fail(key, f"must be >= {minimum}, got {value}")
        return value

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"expected a number, got {value!r}")
        if not math.isfinite(value) or value < minimum:
            raise self.fail(key, f"must be a number >= {minimum:g}, got {value!r}")
        return float(value)

    def classes(self) -> list[Any] | None:
        value = self.data.get("classes")
        if value is not None and (not isinstance(value, list) or len(value) < 2):
            raise self.fail("classes", "expected a list of two or more class labels")
        return value

    def column(self) -> int | str | list[int | str]:
        value = self.data.get("target", -1)
        items = value if isinstance(value, list) else [value]
        if not items or any(isinstance(v, bool) or not isinstance(v, int | str) for v in items):
            raise self.fail("target", f"expected a column name, a 0-based column index, or a "
                            f"list of them, got {value!r}")  # fmt: skip
        return value


def load_source(
    table: Any,
    *,
    base_dir: str | Path,
    source: str,
    field: str,
    seed: int = 0,
    default_split: str | None = "train",
) -> Dataset:
    """The data set a source table describes; errors name ``source`` and ``field``.

    Relative paths are relative to ``base_dir`` (the folder of the config file).
    ``seed`` seeds generated problems without their own ``seed`` and the random
    subset of ``limit``. ``default_split`` is the MNIST split used when the table
    names none (``None``: the table must name one).
    """
    if not isinstance(table, dict):
        raise GlassnetError(f"expected a table such as {{format = \"csv\", path = \"…\"}}, "
                            f"got {table!r}", source=source, field=field)  # fmt: skip
    t = _Table(table, Path(base_dir), source, field)
    kind = t.data.get("format")
    if not isinstance(kind, str) or kind not in FORMAT_KEYS:
        raise t.fail("format", f"expected one of {', '.join(FORMATS)}, got {kind!r}")
    t.check_keys(COMMON_KEYS | FORMAT_KEYS[kind])
    limit = t.integer("limit", None, minimum=1)
    name = t.string("name", "")
    try:
        dataset = _LOADERS[kind](t, seed, default_split)
    except GlassnetError as error:
        if error.source == source:
            raise
        raise GlassnetError(str(error), source=source, field=field) from None
    if name:
        dataset.name = name
    if limit is not None and limit < dataset.n_samples:
        rng = np.random.default_rng((seed, 0x11417))  # its own stream, apart from the splits
        dataset = dataset.subset(np.sort(rng.choice(dataset.n_samples, limit, replace=False)))
    return dataset


def _csv(t: _Table, seed: int, split: str | None) -> Dataset:
    return load_csv(
        t.path("path"),
        target=t.column(),
        header=t.boolean("header", None),
        classes=t.classes(),
        task=t.string("task", "auto", TASKS),
        delimiter=t.string("delimiter", ","),
    )


def _npz(t: _Table, seed: int, split: str | None) -> Dataset:
    return load_npz(t.path("path"), x=t.string("x", "X"), y=t.string("y", "y"),
                    task=t.string("task", "auto", TASKS), classes=t.classes())  # fmt: skip


def _npy(t: _Table, seed: int, split: str | None) -> Dataset:
    return load_npy(
        t.path("path"),
        t.path("targets"),
        mmap=bool(t.boolean("mmap", False)),
        check_finite=bool(t.boolean("check_finite", True)),
        task=t.string("task", "auto", TASKS),
        classes=t.classes(),
    )


def _idx(t: _Table, seed: int, split: str | None) -> Dataset:
    images, labels = t.path("images"), t.path("labels")
    return images_dataset(read_idx(images), read_idx(labels), name=images.stem,
                          source=str(images))  # fmt: skip


def _mnist(t: _Table, seed: int, split: str | None) -> Dataset:
    if split is None and "split" not in t.data:
        raise t.fail("split", f"missing; expected one of {', '.join(SPLITS)}")
    return load_mnist(t.path("path"), t.string("split", split or "", SPLITS))


def _generated(t: _Table, seed: int, split: str | None) -> Dataset:
    kind = t.data["format"]
    if kind == "xor":
        return xor()
    own_seed = t.integer("seed", seed, minimum=0)
    assert own_seed is not None
    n_samples = t.integer("n_samples", 400 if kind == "spirals" else 200, minimum=2)
    assert n_samples is not None
    noise = t.number("noise", 0.05 if kind == "spirals" else 0.1)
    if kind == "spirals":
        return spirals(n_samples, noise, own_seed, turns=t.number("turns", 1.5))
    return moons(n_samples, noise, own_seed)


_LOADERS: dict[str, Callable[[_Table, int, str | None], Dataset]] = {
    "csv": _csv,
    "npz": _npz,
    "npy": _npy,
    "idx": _idx,
    "mnist": _mnist,
    "fashion-mnist": _mnist,
    "xor": _generated,
    "spirals": _generated,
    "moons": _generated,
}


def load(path_or_name: str | Path, *, split: str = "train", **options: Any) -> Dataset:
    """A built-in problem by name (``xor``, ``spirals``, ``moons``) or a data file by path.

    The format follows the path: a folder is MNIST-style (``split`` picks train
    or test), ``.csv``, ``.npz``; ``options`` go to the loader (``target=…``).
    """
    text = str(path_or_name)
    if text in GENERATORS:
        generators: dict[str, Callable[..., Dataset]] = {
            "xor": xor, "spirals": spirals, "moons": moons}  # fmt: skip
        return generators[text](**options)
    path = Path(text)
    if path.is_dir():
        return load_mnist(path, split, **options)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path, **options)
    if suffix == ".npz":
        return load_npz(path, **options)
    if not path.exists():
        hint = did_you_mean(text, GENERATORS)
        raise GlassnetError(f"no such file or folder, and not a built-in problem{hint} "
                            f"({', '.join(GENERATORS)})", source=text)  # fmt: skip
    raise GlassnetError(
        "cannot tell the format from the name; expected a folder of MNIST-style IDX files, "
        'a .csv or an .npz file (a .npy pair needs a [data] table with format = "npy")',
        source=text,
    )
