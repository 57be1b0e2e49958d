"""The ``[search]`` table of a training file: what to vary, how many trials, what to optimise.

::

    [search]
    trials = 20                 # random trials; leave out for the whole grid
    seed = 0                    # seeds the draws (the training seed stays training.seed)
    metric = "val_accuracy"     # or "val_loss", on the file's validation split
    # workers = 4               # local worker processes (default: one per core)
    # cluster = "tcp://10.0.0.5:8786"   # a running Dask scheduler instead

    [search.parameters]         # dotted training-file keys
    "optimizer.learning_rate" = { log_uniform = [1e-3, 1e-1] }
    "network.hidden" = [[32], [64], [128]]          # a list: grid values
    "training.batch_size" = { choice = [32, 64, 128] }
    "optimizer.momentum" = { uniform = [0.0, 0.95] }
    "training.epochs" = { int_uniform = [5, 20] }

Without ``trials`` every parameter must be a list and the trials are the whole
grid (the product of the lists, the last key varying fastest). With ``trials =
N``, N trials are drawn; a list then counts as ``choice``. Trial ``i`` draws
from its own stream ``numpy.random.default_rng((seed, i))``, so the first N
trials of a search with more trials are the same N: the settings depend on
``seed`` and the table only, never on the workers or the order trials finish.

Every mistake is one line naming the file and the field:
``run.toml: search.parameters.optimizer.learning_rat: unknown key; did you mean
'learning_rate'? …``.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.data.config import DATA_KEYS
from glassnet.errors import GlassnetError, did_you_mean
from glassnet.optimizers import OPTIMIZERS
from glassnet.schedules import SCHEDULES
from glassnet.tomlfile import parse_toml, read_text
from glassnet.training_file import (
    NETWORK_KEYS,
    OUTPUT_KEYS,
    TRAINING_KEYS,
    TrainingConfig,
    config_from_document,
)

SEARCH_KEYS = {"parameters", "trials", "seed", "metric", "workers", "cluster"}
#: The validation figure each metric reads, and whether larger is better.
METRICS = {"val_accuracy": "max", "val_loss": "min"}
DISTRIBUTIONS = ("choice", "int_uniform", "log_uniform", "uniform")
#: A grid larger than this is surely a mistake (a list where a distribution was meant).
MAX_TRIALS = 100_000
EXAMPLE = '"optimizer.learning_rate" = { log_uniform = [1e-3, 1e-1] }'


def _settings_of(registry: dict[str, Any]) -> set[str]:
    return {"name"} | {name for cls in registry.values() for name in cls.setting_names()}


#: The keys each searchable table has; deeper keys (``data.train.limit``) are checked
#: when a trial's training file is.
SECTIONS: dict[str, set[str]] = {
    "data": DATA_KEYS,
    "network": NETWORK_KEYS,
    "training": TRAINING_KEYS,
    "optimizer": _settings_of(OPTIMIZERS),
    "schedule": _settings_of(SCHEDULES),
    "output": OUTPUT_KEYS,
}


@dataclass(frozen=True)
class Parameter:
    """One searched key: ``grid`` or ``choice`` of ``values``, or a distribution over
    ``values = (low, high)``."""

    key: str
    kind: str
    values: tuple[Any, ...]

    def draw(self, rng: np.random.Generator) -> Any:
        """One value: ``log_uniform`` is ``exp(U(ln low, ln high))``; ``int_uniform``
        includes both ends."""
        if self.kind in ("grid", "choice"):
            return self.values[int(rng.integers(len(self.values)))]
        low, high = self.values
        if self.kind == "int_uniform":
            return int(rng.integers(low, high + 1))
        if self.kind == "log_uniform":
            return float(math.exp(rng.uniform(math.log(low), math.log(high))))
        return float(rng.uniform(low, high))

    def to_dict(self) -> Any:
        """As the ``[search]`` table wrote it: a list, or ``{kind: values}``."""
        values = list(self.values)
        return values if self.kind == "grid" else {self.kind: values}


@dataclass(frozen=True)
class Trial:
    """Trial number ``trial`` (from 1) and its ``settings``: dotted key → value."""

    trial: int
    settings: dict[str, Any]


@dataclass
class Search:
    """A training file with a ``[search]`` table: the file without that table
    (``document``), the ``parameters``, and how the search runs."""

    path: Path
    document: dict[str, Any]
    parameters: list[Parameter]
    n_random: int | None
    seed: int
    metric: str
    workers: int | None
    cluster: str | None

    @property
    def source(self) -> str:
        return str(self.path)

    @property
    def goal(self) -> str:
        """``max`` or ``min``: which way the metric improves."""
        return METRICS[self.metric]

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    def trials(self) -> list[Trial]:
        """Every trial of the search, numbered from 1 (see the module for the order)."""
        if self.n_random is None:
            grid = itertools.product(*(p.values for p in self.parameters))
            return [Trial(i + 1, dict(zip(self.keys, values))) for i, values in enumerate(grid)]
        trials = []
        for i in range(1, self.n_random + 1):
            rng = np.random.default_rng((self.seed, i))
            trials.append(Trial(i, {p.key: p.draw(rng) for p in self.parameters}))
        return trials

    def document_for(self, settings: dict[str, Any]) -> dict[str, Any]:
        """The training file with ``settings`` applied (a copy; ``document`` is unchanged)."""
        return apply(self.document, settings)

    def config_for(self, settings: dict[str, Any]) -> TrainingConfig:
        """The validated training file of a trial; a bad value is ``GlassnetError``
        naming the file and the key (``run.toml: optimizer.learning_rate: …``)."""
        return config_from_document(self.document_for(settings), path=self.path)

    def better(self, value: float, than: float | None) -> bool:
        """Whether metric ``value`` beats ``than`` (None: nothing yet)."""
        if than is None:
            return True
        return value > than if self.goal == "max" else value < than

    def describe(self) -> dict[str, Any]:
        """What search.json records about the search itself."""
        return {
            "config": self.path.name,
            "metric": self.metric,
            "goal": self.goal,
            "seed": self.seed,
            "trials": self.n_random,
            "parameters": {p.key: p.to_dict() for p in self.parameters},
        }


def apply(document: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``document`` with each dotted key of ``settings`` set, making
    the tables on the way when missing (``optimizer.momentum`` in a file without it)."""
    result = copy.deepcopy(document)
    for key, value in settings.items():
        *tables, last = key.split(".")
        table = result
        for name in tables:
            table = table.setdefault(name, {})
        table[last] = copy.deepcopy(value)
    return result


def read_search(path: str | Path) -> Search:
    """Read a training file and its ``[search]`` table; every mistake is one line."""
    return parse_search(read_text(path), path=path)


def parse_search(text: str, *, path: str | Path = "<string>") -> Search:
    """Parse the TOML ``text`` of a training file with a ``[search]`` table."""
    path = Path(path)
    source = str(path)
    data = parse_toml(text, source=source)
    if "search" not in data:
        raise GlassnetError(
            f"no [search] table; add one with [search.parameters] such as {EXAMPLE} "
            "(docs/training.md, searching)",
            source=source,
        )
    table = data.pop("search")
    # The file without its search must be a good training file: say so once, now.
    config_from_document(data, path=path, text=text)
    return _SearchReader(source).read(path, data, table)


class _SearchReader:
    """Validates a ``[search]`` table; errors name the file and ``search.KEY``."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, field: str, message: str) -> GlassnetError:
        return GlassnetError(message, source=self.source, field=f"search.{field}" if field else
                             "search")  # fmt: skip

    def read(self, path: Path, document: dict[str, Any], table: Any) -> Search:
        if not isinstance(table, dict):
            raise self.fail("", f"expected a [search] table, got {table!r}")
        for key in table:
            if key not in SEARCH_KEYS:
                hint = did_you_mean(key, SEARCH_KEYS)
                raise self.fail(key, f"unknown key{hint} (expected one of "
                                f"{', '.join(sorted(SEARCH_KEYS))})")  # fmt: skip
        parameters = self.parameters(table.get("parameters"))
        n_random = self.whole(table, "trials", None, 1)
        if n_random is None:
            self.check_grid(parameters)
        elif n_random > MAX_TRIALS:
            raise self.fail("trials", f"must be <= {MAX_TRIALS}, got {n_random}")
        metric = table.get("metric", "val_accuracy")
        if metric not in METRICS:
            raise self.fail("metric", f"expected one of {', '.join(METRICS)}, got {metric!r}")
        self.check_validation(document, parameters)
        cluster = table.get("cluster")
        if cluster is not None and (not isinstance(cluster, str) or not cluster.strip()):
            raise self.fail("cluster", 'expected a scheduler address such as '
                            f'"tcp://10.0.0.5:8786", got {cluster!r}')  # fmt: skip
        seed = self.whole(table, "seed", 0, 0)
        assert seed is not None
        return Search(
            path=path,
            document=document,
            parameters=parameters,
            n_random=n_random,
            seed=seed,
            metric=metric,
            workers=self.whole(table, "workers", None, 1),
            cluster=cluster,
        )

    def whole(self, table: dict[str, Any], key: str, default: int | None, least: int) -> int | None:
        value = table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, got {value!r}")
        if value < least:
            raise self.fail(key, f"must be >= {least}, got {value}")
        return value

    def parameters(self, table: Any) -> list[Parameter]:
        if table is None:
            raise self.fail("parameters", f"missing; e.g. [search.parameters] {EXAMPLE}")
        if not isinstance(table, dict) or not table:
            raise self.fail("parameters", f"expected a table of dotted keys such as {EXAMPLE}")
        found: list[Parameter] = []
        self.collect(table, "", found)
        return found

    def collect(self, table: dict[str, Any], prefix: str, found: list[Parameter]) -> None:
        """Flatten ``[search.parameters]``: ``optimizer.learning_rate = {…}``, a
        ``[search.parameters.optimizer]`` table and ``"optimizer.learning_rate"``
        are the same key."""
        for name, value in table.items():
            key = f"{prefix}{name}"
            if isinstance(value, dict) and not set(value) & set(DISTRIBUTIONS):
                self.collect(value, f"{key}.", found)
                continue
            self.check_key(key)
            found.append(self.parameter(key, value))

    def check_key(self, key: str) -> None:
        where = f"parameters.{key}"
        parts = key.split(".")
        if len(parts) < 2 or not all(parts):
            raise self.fail(where, "expected a dotted training-file key such as "
                            "optimizer.learning_rate")  # fmt: skip
        section, name = parts[0], parts[1]
        if section not in SECTIONS:
            hint = did_you_mean(section, SECTIONS)
            raise self.fail(where, f"{section!r} is not a table of the training file{hint} "
                            f"(expected one of {', '.join(sorted(SECTIONS))})")  # fmt: skip
        if name not in SECTIONS[section]:
            hint = did_you_mean(name, SECTIONS[section])
            raise self.fail(where, f"unknown key{hint} (expected one of "
                            f"{', '.join(sorted(SECTIONS[section]))})")  # fmt: skip

    def parameter(self, key: str, value: Any) -> Parameter:
        where = f"parameters.{key}"
        if isinstance(value, list):
            if not value:
                raise self.fail(where, "expected one or more values, got []")
            return Parameter(key, "grid", tuple(value))
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(where, "expected a list of values or one distribution such as "
                            f"{{ log_uniform = [1e-3, 1e-1] }} (one of {', '.join(DISTRIBUTIONS)})"
                            f", got {value!r}")  # fmt: skip
        [(kind, values)] = value.items()
        where = f"{where}.{kind}"
        if kind == "choice":
            if not isinstance(values, list) or not values:
                raise self.fail(where, f"expected a list of one or more values, got {values!r}")
            return Parameter(key, kind, tuple(values))
        return Parameter(key, kind, self.bounds(kind, values, where))

    def bounds(self, kind: str, values: Any, where: str) -> tuple[Any, Any]:
        """``[low, high]`` of a distribution: numbers (whole for ``int_uniform``,
        positive for ``log_uniform``), ``low < high`` (``<=`` for whole numbers)."""
        whole = kind == "int_uniform"
        wanted = "whole numbers" if whole else "numbers"
        number = int if whole else int | float
        if (
            not isinstance(values, list)
            or len(values) != 2
            or any(isinstance(v, bool) or not isinstance(v, number) for v in values)
            or not all(math.isfinite(v) for v in values)
        ):
            raise self.fail(where, f"expected [low, high], two {wanted}, got {values!r}")
        low, high = values
        if (high < low) if whole else (high <= low):
            relation = "<=" if whole else "<"
            raise self.fail(where, f"expected low {relation} high, got {values!r}")
        if kind == "log_uniform" and low <= 0:
            raise self.fail(where, f"expected low > 0 (a log scale), got {values!r}")
        return (low, high) if whole else (float(low), float(high))

    def check_grid(self, parameters: list[Parameter]) -> None:
        for p in parameters:
            if p.kind != "grid":
                raise self.fail(
                    f"parameters.{p.key}",
                    f"a {p.kind} distribution needs a number of random trials: add "
                    "search.trials (without it the search is the grid of the lists)",
                )
        size = math.prod(len(p.values) for p in parameters)
        if size > MAX_TRIALS:
            raise self.fail("parameters", f"the grid has {size:,} trials, more than "
                            f"{MAX_TRIALS:,}; add search.trials to draw some of them")  # fmt: skip

    def check_validation(self, document: dict[str, Any], parameters: list[Parameter]) -> None:
        """The metric is measured on the validation split: the file (or the search) must
        give one."""
        keys = {"validation", "validation_fraction"}
        if keys & set(document.get("data", {})):
            return
        if any(p.key in ("data.validation", "data.validation_fraction") for p in parameters):
            return
        raise self.fail("metric", "is measured on validation data: add data.validation_fraction "
                        "(or data.validation) to the training file")  # fmt: skip
