"""An exercise spec (``SPEC.toml``): the network, how its numbers are drawn, what is asked, who.

Documented key by key in ``docs/exercises.md``. ``read_spec`` validates
everything once, here at the boundary; a mistake is one line naming the file,
the field and what was expected (``spec.toml: ask.digits: must be >= 3, got 2``).

>>> spec = parse_spec('seed = 1\\ncount = 2\\n[ask]\\nquantities = ["forward"]', source="s")
>>> spec.students, spec.network.shape, spec.ask.digits
(['1', '2'], [2, 2, 2], 4)
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassnet.activations import ACTIVATIONS, get_activation
from glassnet.claims import MIN_DIGITS
from glassnet.errors import GlassnetError
from glassnet.losses import LOSSES, get_loss
from glassnet.network import check_activation, check_loss
from glassnet.practice import BIAS_MODES, Ranges
from glassnet.tomlfile import parse_toml, read_text
from glassnet.trace import MAX_NEURONS_SHOWN, MAX_SAMPLES_SHOWN
from glassnet.validate import Fields, describe

TOP_KEYS = {"title", "instructions", "seed", "students", "count", "network", "numbers", "ask"}
NETWORK_KEYS = {
    "shape",
    "activation",
    "output_activation",
    "activations",
    "loss",
    "bias",
    "train_bias",
    "learning_rate",
    "samples",
}
NUMBER_KEYS = {"decimals", "weights", "biases", "inputs", "targets"}
ASK_KEYS = {"quantities", "digits", "tolerance", "smallest", "saturation"}
#: A student id: what a file name and a spreadsheet cell can both hold.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
#: The most students one class may have.
MAX_STUDENTS = 100_000


@dataclass(frozen=True)
class NetworkSpec:
    """The network every variant shares: sizes, activation per layer, loss, biases, η."""

    shape: list[int]
    activations: list[str]
    loss: str
    bias: str = "neuron"
    train_bias: bool = True
    learning_rate: float = 0.5
    samples: int = 1


@dataclass(frozen=True)
class AskSpec:
    """What is asked and how precisely.

    ``digits``: the significant digits an answer needs (fewer is *too coarse*);
    ``tolerance``: a platform's tolerance as a fraction of the value, ``None``
    for one unit in the last asked digit; ``smallest``: asked values of smaller
    magnitude are degenerate; ``saturation``: an activation derivative below it
    is a saturated neuron.
    """

    quantities: list[str]
    digits: int = 4
    tolerance: float | None = None
    smallest: float = 1e-4
    saturation: float = 0.01


@dataclass(frozen=True)
class Spec:
    """One exercise for one class: ``variants.draw_class(spec)`` gives every student's numbers."""

    title: str
    instructions: str
    seed: int
    students: list[str]
    network: NetworkSpec
    numbers: Ranges
    ask: AskSpec
    path: str = "<spec>"
    #: The spec as written (for the PrairieLearn and Gradescope folders, which redraw).
    data: dict[str, Any] = field(default_factory=dict)


def read_spec(path: str | Path) -> Spec:
    """Read and validate ``SPEC.toml``; a roster file is read relative to it."""
    text = read_text(path)
    return parse_spec(text, source=str(path), folder=Path(path).parent)


def parse_spec(text: str, *, source: str = "<spec>", folder: Path | None = None) -> Spec:
    """Parse and validate the TOML text of a spec (``folder`` holds its roster file)."""
    data = parse_toml(text, source=source)
    return _Parser(source, folder or Path(".")).spec(data)


def read_roster(path: Path, *, source: str) -> list[str]:
    """Student ids, one per row (the first column; a header row ``student``/``id`` is skipped)."""
    text = read_text(path)
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    if rows and rows[0][0].strip().lower() in ("student", "id", "student id", "student_id"):
        rows = rows[1:]
    ids = [row[0].strip() for row in rows]
    where = str(path)
    if not ids:
        raise GlassnetError("expected one student id per row, got no rows", source=where)
    for number, student in enumerate(ids, 1):
        _check_id(student, GlassnetError, where, f"row {number}")
    _check_unique(ids, where)
    if len(ids) > MAX_STUDENTS:
        raise GlassnetError(f"at most {MAX_STUDENTS} students, got {len(ids)}", source=where)
    return ids


def _check_id(student: str, error: type[GlassnetError], source: str, where: str) -> None:
    if not STUDENT_ID.fullmatch(student):
        raise error(
            f"a student id is letters, digits and . _ @ + - (starting with a letter or digit, at "
            f"most 100), got {student!r}",
            source=source,
            field=where,
        )


def _check_unique(ids: list[str], source: str) -> None:
    seen: set[str] = set()
    for student in ids:
        if student in seen:
            raise GlassnetError(f"student id {student!r} is listed twice", source=source)
        seen.add(student)


class _Parser(Fields):
    """Builds a ``Spec`` from parsed TOML, naming the field of any mistake."""

    def __init__(self, source: str, folder: Path):
        super().__init__(source)
        self.folder = folder

    def spec(self, data: dict[str, Any]) -> Spec:
        self.keys(data, TOP_KEYS, "")
        if "seed" not in data:
            raise self.fail("seed", "missing; a spec needs a seed (a whole number >= 0)")
        seed = self.integer(data["seed"], "seed", minimum=0)
        if "ask" not in data:
            raise self.fail("ask", "missing; a spec needs an [ask] table with quantities")
        network = self.network(self.table(data, "network"))
        return Spec(
            title=self.text(data.get("title", "Backpropagation exercise"), "title"),
            instructions=self.text(data.get("instructions", ""), "instructions"),
            seed=seed,
            students=self.students(data),
            network=network,
            numbers=self.numbers(self.table(data, "numbers")),
            ask=self.ask(self.table(data, "ask")),
            path=self.source,
            data=data,
        )

    def students(self, data: dict[str, Any]) -> list[str]:
        if ("students" in data) == ("count" in data):
            raise self.fail(
                "students",
                'give either students = "roster.csv" (one id per row) or count = N',
            )
        if "count" in data:
            count = self.integer(data["count"], "count")
            if count > MAX_STUDENTS:
                raise self.fail("count", f"must be <= {MAX_STUDENTS}, got {count}")
            return [str(k) for k in range(1, count + 1)]
        value = data["students"]
        if isinstance(value, list):
            ids = []
            for k, student in enumerate(value):
                text = self.text(student, f"students[{k}]")
                _check_id(text, GlassnetError, self.source, f"students[{k}]")
                ids.append(text)
            if not ids:
                raise self.fail("students", "expected one or more student ids")
            _check_unique(ids, self.source)
            return ids
        roster = self.text(value, "students")
        return read_roster(self.folder / roster, source=self.source)

    def network(self, table: dict[str, Any]) -> NetworkSpec:
        self.keys(table, NETWORK_KEYS, "network")
        shape = self.shape(table.get("shape", [2, 2, 2]))
        loss = self.choice(table.get("loss", "half_sse"), sorted(LOSSES), "network.loss")
        activations = self.activations(table, len(shape) - 1, loss)
        samples = self.integer(table.get("samples", 1), "network.samples")
        if samples > MAX_SAMPLES_SHOWN:
            raise self.fail("network.samples", f"must be <= {MAX_SAMPLES_SHOWN}, got {samples}")
        return NetworkSpec(
            shape=shape,
            activations=activations,
            loss=loss,
            bias=self.choice(table.get("bias", "neuron"), list(BIAS_MODES), "network.bias"),
            train_bias=self.boolean(table.get("train_bias", True), "network.train_bias"),
            learning_rate=self.number(
                table.get("learning_rate", 0.5), "network.learning_rate", low=0, low_open=True
            ),
            samples=samples,
        )

    def shape(self, value: Any) -> list[int]:
        where = "network.shape"
        if isinstance(value, str):
            parts = value.replace("x", "-").split("-")
            value = [int(p) for p in parts] if all(p.isdigit() for p in parts) else value
        if not isinstance(value, list) or len(value) < 2:
            raise self.fail(
                where, f'expected sizes like [2, 2, 2] or "2-2-2", got {describe(value)}'
            )
        sizes = [self.integer(n, f"{where}[{k}]") for k, n in enumerate(value)]
        for k, n in enumerate(sizes):
            if n > MAX_NEURONS_SHOWN:
                raise self.fail(
                    f"{where}[{k}]",
                    f"must be <= {MAX_NEURONS_SHOWN} (a larger layer is not worked by hand), "
                    f"got {n}",
                )
        return sizes

    def activations(self, table: dict[str, Any], n_layers: int, loss: str) -> list[str]:
        """One activation per layer: ``activations``, or ``activation``/``output_activation``."""
        if "activations" in table:
            if "activation" in table or "output_activation" in table:
                raise self.fail(
                    "network.activations",
                    "give activations (one per layer) or activation/output_activation, not both",
                )
            value = table["activations"]
            if not isinstance(value, list) or len(value) != n_layers:
                raise self.fail(
                    "network.activations",
                    f"expected a list of {n_layers} names (one per layer), got {describe(value)}",
                )
            named = [(name, f"network.activations[{k}]") for k, name in enumerate(value)]
        else:
            hidden = table.get("activation", "sigmoid")
            last = table.get("output_activation", get_loss(loss).requires_activation or hidden)
            last_where = (
                "network.output_activation"
                if "output_activation" in table
                else ("network.activation")
            )
            named = [(hidden, "network.activation")] * (n_layers - 1) + [(last, last_where)]
        names = []
        for k, (name, where) in enumerate(named):
            names.append(self.choice(name, sorted(ACTIVATIONS), where))
            try:
                check_activation(get_activation(name), k, n_layers)
            except GlassnetError as error:
                raise self.fail(where, error.detail) from None
        try:
            check_loss(get_loss(loss), get_activation(names[-1]))
        except GlassnetError as error:
            raise self.fail(named[-1][1], error.detail) from None
        return names

    def numbers(self, table: dict[str, Any]) -> Ranges:
        self.keys(table, NUMBER_KEYS, "numbers")
        default = Ranges()
        decimals = self.integer(table.get("decimals", default.decimals), "numbers.decimals")
        if decimals > 6:
            raise self.fail("numbers.decimals", f"must be <= 6 (worked by hand), got {decimals}")
        ranges = {
            key: self.range(table.get(key, getattr(default, key)), f"numbers.{key}")
            for key in ("weights", "biases", "inputs", "targets")
        }
        return Ranges(decimals=decimals, **ranges)

    def range(self, value: Any, where: str) -> tuple[float, float]:
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(where, f"expected [low, high], got {describe(value)}")
        low, high = (self.number(v, f"{where}[{k}]") for k, v in enumerate(value))
        if not low < high:
            raise self.fail(where, f"expected low < high, got [{low}, {high}]")
        return low, high

    def ask(self, table: dict[str, Any]) -> AskSpec:
        self.keys(table, ASK_KEYS, "ask")
        value = table.get("quantities")
        if not isinstance(value, list) or not value:
            raise self.fail(
                "ask.quantities",
                'expected a list of names or groups, like ["forward", "deltas", "w5+"], got '
                + describe(value),
            )
        quantities = [self.text(q, f"ask.quantities[{k}]") for k, q in enumerate(value)]
        digits = self.integer(table.get("digits", 4), "ask.digits", minimum=MIN_DIGITS)
        if digits > 12:
            raise self.fail("ask.digits", f"must be <= 12 (float64 noise beyond), got {digits}")
        tolerance = None
        if "tolerance" in table:
            tolerance = self.number(table["tolerance"], "ask.tolerance", low=0, low_open=True)
        return AskSpec(
            quantities=quantities,
            digits=digits,
            tolerance=tolerance,
            smallest=self.number(table.get("smallest", 1e-4), "ask.smallest", low=0),
            saturation=self.number(table.get("saturation", 0.01), "ask.saturation", low=0),
        )
