"""Validators for values read from user files, naming the file and field of any mistake.

Example files, training files and claims share them, so a mistake reads the same
everywhere: ``FILE: FIELD: what was expected, got what``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.activations import ACTIVATIONS, SETTINGS, Activation, get_activation, setting_problem
from glassnet.errors import GlassnetError, did_you_mean
from glassnet.network import check_activation


def describe(value: Any) -> str:
    """A short description of a TOML value, for error messages."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def range_problem(
    number: float,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> str | None:
    """``"must be > 0"`` (or ``"must be >= 0 and < 1"``: every bound given) when ``number``
    is outside the range, else ``None``. The one range check of the package."""
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if not (below or above):
        return None
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {high:g}")
    return "must be " + " and ".join(bounds)


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float, or a ``GlassnetError`` like "learning_rate must be > 0, got -1".

    For settings given in Python (optimizers, schedules, initialisers); values read
    from files go through ``Fields.number``, which names the file and field too.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise GlassnetError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise GlassnetError(f"{name} must be finite, got {value!r}")
    problem = range_problem(number, low=low, high=high, low_open=low_open, high_open=high_open)
    if problem:
        raise GlassnetError(f"{name} {problem}, got {value!r}")
    return number


def check_positive(name: str, value: Any) -> float:
    """``check_number`` for a number that must be > 0 (a learning rate, a gain)."""
    return check_number(name, value, low=0.0, low_open=True)


def numbers(count: int) -> str:
    return f"{count} number" if count == 1 else f"{count} numbers"


class Fields:
    """Checks of one file's values; each failure is a ``GlassnetError`` naming ``source``."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str) -> GlassnetError:
        return GlassnetError(message, source=self.source, field=where or None)

    def keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                raise self.fail(
                    name,
                    f"unknown key{did_you_mean(key, allowed)} "
                    f"(expected one of {', '.join(sorted(allowed))})",
                )

    def table(self, data: dict[str, Any], key: str, *, where: str | None = None) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where or key, f"expected a table, got {describe(value)}")
        return value

    def tables(self, value: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, f"expected one or more [[{where}]] tables")
        return value

    def choice(self, value: Any, options: list[str], where: str) -> str:
        if value not in options:
            raise self.fail(
                where,
                f"expected one of {', '.join(options)}, got {value!r}"
                f"{did_you_mean(str(value), options)}",
            )
        return str(value)

    def integer(self, value: Any, where: str, *, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected a whole number, got {describe(value)}")
        if value < minimum:
            raise self.fail(where, f"must be >= {minimum}, got {value}")
        return value

    def number(self, value: Any, where: str, **bounds: Any) -> float:
        """A finite number; ``bounds`` are ``range_problem``'s (``low=0, low_open=True``)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {describe(value)}")
        try:
            number = float(value)
        except OverflowError:  # a TOML integer beyond the float range
            number = math.inf
        if not math.isfinite(number):
            shown = (
                repr(value)
                if isinstance(value, float)
                else f"an integer of {len(str(value))} digits"
            )
            raise self.fail(where, f"expected a finite number, got {shown}")
        problem = range_problem(number, **bounds)
        if problem:
            raise self.fail(where, f"{problem}, got {value!r}")
        return number

    def activation(
        self, table: dict[str, Any], where: str, index: int, n_layers: int
    ) -> Activation:
        """Layer ``index``'s ``activation`` with its settings (``slope``) and layer rule.

        ``where`` names the layer table (``layers[0]``); every example file,
        training file and generated layer is read through this one check.
        """
        name = self.choice(table.get("activation"), sorted(ACTIVATIONS), f"{where}.activation")
        settings: dict[str, float | None] = {}
        for key in SETTINGS:
            if key in table:
                problem = setting_problem(name, key)
                if problem:
                    raise self.fail(f"{where}.{key}", problem)
                settings[key] = self.number(table[key], f"{where}.{key}")
        activation = get_activation(name, **settings)
        try:
            check_activation(activation, index, n_layers)
        except GlassnetError as error:
            raise self.fail(f"{where}.activation", error.detail) from None
        return activation

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {describe(value)}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, got {describe(value)}")
        return value

    def vector(self, value: Any, size: int, where: str) -> list[float]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of {numbers(size)}, got {describe(value)}")
        if len(value) != size:
            raise self.fail(where, f"expected {numbers(size)}, got {len(value)}")
        return [self.number(v, f"{where}[{i}]") for i, v in enumerate(value)]

    def matrix(self, value: Any, where: str) -> NDArray[np.float64]:
        """A list of equally long rows of finite numbers (one row per neuron)."""
        if not isinstance(value, list) or not value or not isinstance(value[0], list):
            raise self.fail(
                where, f"expected a list of rows (one per neuron), got {describe(value)}"
            )
        width = len(value[0])
        if width == 0:
            raise self.fail(where, "expected rows of one or more numbers, got an empty row")
        rows = []
        for j, row in enumerate(value):
            if not isinstance(row, list) or len(row) != width:
                got = f"{len(row)}" if isinstance(row, list) else describe(row)
                raise self.fail(
                    f"{where}[{j}]", f"expected {numbers(width)} like the first row, got {got}"
                )
            rows.append([self.number(v, f"{where}[{j}][{i}]") for i, v in enumerate(row)])
        return np.array(rows, dtype=np.float64)

    def bias(self, value: Any, n_neurons: int, where: str) -> float | list[float]:
        """A number (one bias shared by the layer) or one number per neuron."""
        if isinstance(value, list):
            return self.vector(value, n_neurons, where)
        return self.number(value, where)

    def strings(self, value: Any, size: int, where: str) -> list[str]:
        if (
            not isinstance(value, list)
            or len(value) != size
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise self.fail(where, f"expected a list of {size} non-empty names")
        return list(value)
