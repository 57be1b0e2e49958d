"""Optimizers: how a parameter moves given its gradient.

Each optimizer is a small class with its settings, state built from the
parameters on the first ``step``, and one update method. With ``g = grad + λ p``
(L2 weight decay ``λ``, applied to weights only, never to biases):

- ``SGD``:      ``v = μ v + g``; ``p -= lr · v`` (``μ = 0``: plain gradient descent;
  ``nesterov=True``: ``p -= lr · (g + μ v)``);
- ``AdaGrad``:  ``s += g²``; ``p -= lr · g / (sqrt(s) + ε)``  (Duchi et al., 2011);
- ``RMSProp``:  ``s = ρ s + (1 − ρ) g²``; ``p -= lr · g / (sqrt(s) + ε)``  (Hinton, 2012);
- ``Adam``:     ``m = β1 m + (1 − β1) g``; ``v = β2 v + (1 − β2) g²``;
  ``p -= lr · m̂ / (sqrt(v̂) + ε)`` with ``m̂ = m / (1 − β1^t)``, ``v̂ = v / (1 − β2^t)``
  (Kingma & Ba, 2015); ``decoupled_weight_decay=True`` is AdamW: ``p -= lr · λ p``
  instead of adding ``λ p`` to ``g`` (Loshchilov & Hutter, 2019).

The formulas and defaults are PyTorch's (``torch.optim``), so the two can be
compared number for number. Updates are in place and keep the parameters'
dtype: scalars are Python floats, which never upcast a float32 array.

>>> import numpy as np
>>> p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
>>> SGD(0.1).step([p], [g], decay=[False])
>>> p
array([0.95, 2.1 ])
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from glassnet.errors import GlassnetError
from glassnet.registry import build
from glassnet.validate import check_number

Array = NDArray[np.floating]


class Optimizer:
    """Settings, per-parameter state, and ``step(params, grads)``.

    ``params`` and ``grads`` are lists of arrays in the same order;
    ``decay[i]`` says whether weight decay applies to ``params[i]``.
    """

    name: ClassVar[str] = ""
    #: Names of the per-parameter state arrays.
    slots: tuple[str, ...] = ()
    #: True when weight decay shrinks the parameters directly instead of adding to ``g``.
    decoupled = False

    def __init__(self, learning_rate: float, *, weight_decay: float = 0.0):
        self.learning_rate = check_number("learning_rate", learning_rate, low=0.0, low_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)
        #: ``state[slot][i]`` belongs to ``params[i]``.
        self.state: dict[str, list[Array]] = {}
        #: Number of updates done.
        self.t = 0
        self._scratch: list[Array] = []
        self._decay_buffers: list[Array] = []

    @classmethod
    def setting_names(cls) -> list[str]:
        """The names ``__init__`` takes, e.g. ``["learning_rate", "momentum", …]``."""
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def settings(self) -> dict[str, Any]:
        """The constructor arguments, e.g. ``{"learning_rate": 0.1, "momentum": 0.9}``."""
        return {"learning_rate": self.learning_rate, "weight_decay": self.weight_decay}

    def step(
        self,
        params: Sequence[Array],
        grads: Sequence[Array],
        *,
        decay: Sequence[bool] | None = None,
    ) -> None:
        """Move every ``params[i]`` (in place) by its gradient ``grads[i]``."""
        if len(params) != len(grads):
            raise GlassnetError(f"expected one gradient per parameter, got {len(grads)}")
        if not self._scratch:
            self._allocate(params)
        self.t += 1
        decay = decay if decay is not None else [True] * len(params)
        for i, (p, g) in enumerate(zip(params, grads)):
            if decay[i] and self.weight_decay != 0.0 and not self.decoupled:
                buf = self._decay_buffers[i]
                np.multiply(p, self.weight_decay, out=buf)
                g = np.add(buf, g, out=buf)
            self.update(i, p, g)

    def _allocate(self, params: Sequence[Array]) -> None:
        self._scratch = [np.empty_like(p) for p in params]
        self._decay_buffers = [np.empty_like(p) for p in params]
        for slot in self.slots:
            self.state.setdefault(slot, [np.zeros_like(p) for p in params])

    def update(self, i: int, p: Array, g: Array) -> None:
        """Update ``p`` (parameter ``i``) in place from its gradient ``g``."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """``{"t": …, "slots": {slot: [arrays]}}``, for checkpoints."""
        return {"t": self.t, "slots": {k: [a.copy() for a in v] for k, v in self.state.items()}}

    def load_state_dict(self, state: dict[str, Any], params: Sequence[Array]) -> None:
        """Restore what ``state_dict`` returned, checking shapes against ``params``."""
        self.t = int(state["t"])
        slots = state.get("slots", {})
        for slot in self.slots:
            if slot not in slots:
                if self.t:
                    raise GlassnetError(f"optimizer state: missing {slot!r}")
                continue
            arrays = slots[slot]
            if len(arrays) != len(params) or any(
                np.shape(a) != p.shape for a, p in zip(arrays, params)
            ):
                raise GlassnetError(f"optimizer state: {slot!r} does not match the parameters")
            self.state[slot] = [np.array(a, dtype=p.dtype) for a, p in zip(arrays, params)]
        self._allocate(params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    ``v = μ v + g``; ``p -= lr · v``, or ``p -= lr · (g + μ v)`` with ``nesterov``.
    """

    name = "sgd"

    def __init__(
        self,
        learning_rate: float = 0.01,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ):
        super().__init__(learning_rate, weight_decay=weight_decay)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise GlassnetError("nesterov needs momentum > 0, got 0")
        self.slots = ("velocity",) if self.momentum else ()

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "momentum": self.momentum, "nesterov": self.nesterov}

    @property
    def plain(self) -> bool:
        """True for plain gradient descent (no momentum, no weight decay): ``p -= lr · g``."""
        return self.momentum == 0.0 and self.weight_decay == 0.0

    def step_scaled(self, params: Sequence[Array], steps: Sequence[Array]) -> None:
        """Plain SGD given the steps ``lr · g`` already (a training loop folded ``lr`` in).

        ``p -= step`` in place: one pass over each parameter instead of two.
        """
        if not self.plain:
            raise GlassnetError("step_scaled is for plain SGD (momentum 0, weight_decay 0)")
        self.t += 1
        for p, step in zip(params, steps):
            np.subtract(p, step, out=p)

    def update(self, i: int, p: Array, g: Array) -> None:
        lr, mu = self.learning_rate, self.momentum
        buf = self._scratch[i]
        if mu == 0.0:
            np.multiply(g, lr, out=buf)
        else:
            v = self.state["velocity"][i]
            np.multiply(v, mu, out=v)
            np.add(v, g, out=v)
            if self.nesterov:
                np.multiply(v, mu, out=buf)
                np.add(buf, g, out=buf)
                np.multiply(buf, lr, out=buf)
            else:
                np.multiply(v, lr, out=buf)
        np.subtract(p, buf, out=p)


class AdaGrad(Optimizer):
    """``s += g²``; ``p -= lr · g / (sqrt(s) + ε)``."""

    name = "adagrad"
    slots = ("sum_squares",)

    def __init__(
        self, learning_rate: float = 0.01, *, epsilon: float = 1e-10, weight_decay: float = 0.0
    ):
        super().__init__(learning_rate, weight_decay=weight_decay)
        self.epsilon = check_number("epsilon", epsilon, low=0.0, low_open=True)

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "epsilon": self.epsilon}

    def update(self, i: int, p: Array, g: Array) -> None:
        s, buf = self.state["sum_squares"][i], self._scratch[i]
        _add_square(s, g, 1.0, buf)
        _step_scaled(p, g, s, self.learning_rate, self.epsilon, buf)


class RMSProp(Optimizer):
    """``s = ρ s + (1 − ρ) g²``; ``p -= lr · g / (sqrt(s) + ε)``."""

    name = "rmsprop"
    slots = ("mean_squares",)

    def __init__(
        self,
        learning_rate: float = 0.01,
        *,
        rho: float = 0.99,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(learning_rate, weight_decay=weight_decay)
        self.rho = check_number("rho", rho, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, low=0.0, low_open=True)

    def settings(self) -> dict[str, Any]:
        return {**super().settings(), "rho": self.rho, "epsilon": self.epsilon}

    def update(self, i: int, p: Array, g: Array) -> None:
        s, buf = self.state["mean_squares"][i], self._scratch[i]
        np.multiply(s, self.rho, out=s)
        _add_square(s, g, 1.0 - self.rho, buf)
        _step_scaled(p, g, s, self.learning_rate, self.epsilon, buf)


class Adam(Optimizer):
    """``m = β1 m + (1 − β1) g``; ``v = β2 v + (1 − β2) g²``; ``p -= lr · m̂ / (sqrt(v̂) + ε)``.

    Computed as PyTorch does: ``p -= (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)``.
    """

    name = "adam"
    slots = ("m", "v")

    def __init__(
        self,
        learning_rate: float = 0.001,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
    ):
        super().__init__(learning_rate, weight_decay=weight_decay)
        self.beta1 = check_number("beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_number("beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, low=0.0, low_open=True)
        self.decoupled = bool(decoupled_weight_decay)

    def settings(self) -> dict[str, Any]:
        return {
            **super().settings(),
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "decoupled_weight_decay": self.decoupled,
        }

    def step(
        self,
        params: Sequence[Array],
        grads: Sequence[Array],
        *,
        decay: Sequence[bool] | None = None,
    ) -> None:
        if self.decoupled and self.weight_decay:
            shrink = 1.0 - self.learning_rate * self.weight_decay
            for p, d in zip(params, decay if decay is not None else [True] * len(params)):
                if d:
                    np.multiply(p, shrink, out=p)
        super().step(params, grads, decay=decay)

    def update(self, i: int, p: Array, g: Array) -> None:
        m, v, buf = self.state["m"][i], self.state["v"][i], self._scratch[i]
        b1, b2 = self.beta1, self.beta2
        np.multiply(m, b1, out=m)
        np.multiply(g, 1.0 - b1, out=buf)
        np.add(m, buf, out=m)
        np.multiply(v, b2, out=v)
        _add_square(v, g, 1.0 - b2, buf)
        step_size = self.learning_rate / (1.0 - b1**self.t)
        np.sqrt(v, out=buf)
        np.divide(buf, math.sqrt(1.0 - b2**self.t), out=buf)
        np.add(buf, self.epsilon, out=buf)
        np.divide(m, buf, out=buf)
        np.multiply(buf, step_size, out=buf)
        np.subtract(p, buf, out=p)


def _add_square(s: Array, g: Array, factor: float, buf: Array) -> None:
    """``s += factor · g²``, using ``buf``."""
    np.multiply(g, g, out=buf)
    if factor != 1.0:
        np.multiply(buf, factor, out=buf)
    np.add(s, buf, out=s)


def _step_scaled(p: Array, g: Array, s: Array, lr: float, eps: float, buf: Array) -> None:
    """``p -= lr · g / (sqrt(s) + eps)``, using ``buf``."""
    np.sqrt(s, out=buf)
    np.add(buf, eps, out=buf)
    np.divide(g, buf, out=buf)
    np.multiply(buf, lr, out=buf)
    np.subtract(p, buf, out=p)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def get_optimizer(name: str, **settings: Any) -> Optimizer:
    """An optimizer by name with its settings, e.g. ``get_optimizer("sgd", momentum=0.9)``.

    ``"momentum"`` and ``"nesterov"`` are accepted as names for ``SGD`` with those
    settings (momentum 0.9 unless given); ``"adamw"`` for ``Adam`` with decoupled decay.
    """
    aliases: dict[str, tuple[str, dict[str, Any]]] = {
        "momentum": ("sgd", {"momentum": 0.9}),
        "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
        "adamw": ("adam", {"decoupled_weight_decay": True}),
    }
    if name in aliases:
        name, defaults = aliases[name]
        settings = {**defaults, **settings}
    return build("optimizer", name, OPTIMIZERS, settings, also=aliases)
