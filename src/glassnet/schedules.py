"""Learning-rate schedules: the learning rate of each epoch.

A schedule maps the epoch number ``e`` (0 for the first epoch) and the base
learning rate ``lr0`` to the rate used for every update of that epoch:

- ``constant``:    ``lr0``;
- ``step``:        ``lr0 · γ^floor(e / step_size)``  (PyTorch ``StepLR``);
- ``exponential``: ``lr0 · γ^e``  (PyTorch ``ExponentialLR``);
- ``cosine``:      ``lr_min + (lr0 − lr_min) · (1 + cos(π e / T)) / 2``, ``T = epochs``
  (Loshchilov & Hutter, 2017, without restarts; PyTorch ``CosineAnnealingLR``).

A schedule is a pure function of the epoch, so a resumed run uses the same
rates as an uninterrupted one.

>>> [round(Step(step_size=2, gamma=0.5)(e, 0.1), 3) for e in range(5)]
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from glassnet.errors import GlassnetError
from glassnet.registry import build
from glassnet.validate import check_number


class Schedule:
    """``schedule(epoch, base_rate)`` is the learning rate of ``epoch`` (0-based)."""

    name: ClassVar[str] = ""

    def __call__(self, epoch: int, base_rate: float) -> float:
        raise NotImplementedError

    @classmethod
    def setting_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]  # type: ignore[arg-type]

    def settings(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Constant(Schedule):
    """``lr0`` every epoch."""

    name: ClassVar[str] = "constant"

    def __call__(self, epoch: int, base_rate: float) -> float:
        return base_rate


@dataclass(frozen=True)
class Step(Schedule):
    """``lr0 · gamma^floor(epoch / step_size)``."""

    name: ClassVar[str] = "step"
    step_size: int = 10
    gamma: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.step_size, bool) or not isinstance(self.step_size, int):
            raise GlassnetError(f"step_size must be a whole number, got {self.step_size!r}")
        if self.step_size < 1:
            raise GlassnetError(f"step_size must be >= 1, got {self.step_size}")
        _check_gamma(self.gamma)

    def __call__(self, epoch: int, base_rate: float) -> float:
        return base_rate * self.gamma ** (epoch // self.step_size)


@dataclass(frozen=True)
class Exponential(Schedule):
    """``lr0 · gamma^epoch``."""

    name: ClassVar[str] = "exponential"
    gamma: float = 0.95

    def __post_init__(self) -> None:
        _check_gamma(self.gamma)

    def __call__(self, epoch: int, base_rate: float) -> float:
        return base_rate * self.gamma**epoch


@dataclass(frozen=True)
class Cosine(Schedule):
    """``min_rate + (lr0 − min_rate) · (1 + cos(π · epoch / epochs)) / 2``.

    ``epochs`` is the length of the cycle; ``None`` means the run's number of
    epochs (the trainer fills it in).
    """

    name: ClassVar[str] = "cosine"
    epochs: int | None = None
    min_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.epochs is not None and (
            isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1
        ):
            raise GlassnetError(f"epochs must be a whole number >= 1, got {self.epochs!r}")
        check_number("min_rate", self.min_rate, low=0.0)

    def __call__(self, epoch: int, base_rate: float) -> float:
        if self.epochs is None:
            raise GlassnetError("cosine schedule: epochs is not set")
        e = min(epoch, self.epochs)
        return (
            self.min_rate
            + (base_rate - self.min_rate) * (1 + math.cos(math.pi * e / self.epochs)) / 2
        )


def _check_gamma(gamma: float) -> None:
    check_number("gamma", gamma, low=0.0, low_open=True, high=1.0)


SCHEDULES: dict[str, type[Schedule]] = {
    "constant": Constant,
    "step": Step,
    "exponential": Exponential,
    "cosine": Cosine,
}


def get_schedule(name: str, **settings: Any) -> Schedule:
    """A schedule by name, e.g. ``get_schedule("step", step_size=5, gamma=0.5)``."""
    return build("schedule", name, SCHEDULES, settings)
