"""Activation functions, each paired with its derivative.

Every activation maps a layer's net input to its output, ``out = f(net)``, and
knows ``dout/dnet``. The engine, the explanation and the CLI all read the one
registry here, ``ACTIVATIONS``; an unknown name lists the valid ones.

>>> import numpy as np
>>> act = get_activation("sigmoid")
>>> float(act.forward(np.array(0.0)))
0.5
>>> float(act.derivative(np.array(0.0), np.array(0.5)))
0.25
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from glassnet.errors import GlassnetError
from glassnet.formula import ONE, Add, Call, Cond, Div, Expr, Group, Mul, Neg, Num, Pow, Sub

Array = NDArray[np.floating]


class Activation:
    """An elementwise activation ``out = f(net)`` and its derivative ``f'(net)``.

    Subclasses set ``name``, ``formula`` and ``derivative_formula`` (plain text,
    in the notation the explanations print) and implement ``forward`` and
    ``derivative``.
    """

    name: str = ""
    formula: str = ""
    derivative_formula: str = ""
    #: True when ``dout_j/dnet_i`` is zero for ``i != j``.
    elementwise: bool = True

    def forward(self, net: Array) -> Array:
        raise NotImplementedError

    def derivative(self, net: Array, out: Array) -> Array:
        """``dout/dnet`` for each neuron; gets both, so each uses the cheaper one."""
        raise NotImplementedError

    def backward(self, net: Array, out: Array, grad_out: Array) -> Array:
        """``dE/dnet`` from ``dE/dout``; shapes ``(n_samples, n_neurons)``."""
        return grad_out * self.derivative(net, out)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        """``f(net)`` as a formula; ``layer_nets`` are the layer's net inputs (for softmax)."""
        raise NotImplementedError

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        """``dout/dnet`` as a formula in ``net`` or ``out``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "1 / (1 + exp(-net))"
    derivative_formula = "out * (1 - out)"

    def forward(self, net: Array) -> Array:
        # exp(-|net|) never overflows; the two branches are the same function.
        e = np.exp(-np.abs(net))
        return np.where(net >= 0, 1 / (1 + e), e / (1 + e))

    def derivative(self, net: Array, out: Array) -> Array:
        return out * (1 - out)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Div(ONE, Group(Add((ONE, Call("exp", (Neg(net),))))))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Mul((out, Group(Sub(ONE, out))))


class Tanh(Activation):
    name = "tanh"
    formula = "tanh(net)"
    derivative_formula = "1 - out^2"

    def forward(self, net: Array) -> Array:
        return np.tanh(net)

    def derivative(self, net: Array, out: Array) -> Array:
        return 1 - out * out

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Call("tanh", (net,))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Sub(ONE, Pow(out, 2))


class ReLU(Activation):
    name = "relu"
    formula = "max(0, net)"
    derivative_formula = "1 if net > 0 else 0"

    def forward(self, net: Array) -> Array:
        return np.maximum(net, 0)

    def derivative(self, net: Array, out: Array) -> Array:
        return (net > 0).astype(net.dtype)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Call("max", (Num(0.0), net))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Cond(ONE, net, Num(0.0))


class LeakyReLU(Activation):
    name = "leaky_relu"
    derivative_formula = "1 if net > 0 else slope"

    def __init__(self, slope: float = 0.01):
        self.slope = float(slope)
        self.formula = f"net if net > 0 else {self.slope:g} * net"
        self.derivative_formula = f"1 if net > 0 else {self.slope:g}"

    def forward(self, net: Array) -> Array:
        return np.where(net > 0, net, self.slope * net)

    def derivative(self, net: Array, out: Array) -> Array:
        return np.where(net > 0, 1.0, self.slope).astype(net.dtype)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Cond(net, net, Mul((Num(self.slope), net)))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Cond(ONE, net, Num(self.slope))

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope!r})"


class Identity(Activation):
    name = "identity"
    formula = "net"
    derivative_formula = "1"

    def forward(self, net: Array) -> Array:
        return net.copy()

    def derivative(self, net: Array, out: Array) -> Array:
        return np.ones_like(net)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return net

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return ONE


class Softmax(Activation):
    """``out_j = exp(net_j) / sum_k exp(net_k)``, for an output layer only.

    Its Jacobian is ``dout_j/dnet_i = out_j * ([i == j] - out_i)``, so ``backward``
    computes ``dE/dnet = out * (dE/dout - sum(dE/dout * out))`` without forming it.
    """

    name = "softmax"
    formula = "exp(net_j) / sum_k exp(net_k)"
    derivative_formula = "out_j * ([i == j] - out_i)"
    elementwise = False

    def forward(self, net: Array) -> Array:
        with np.errstate(over="ignore"):  # a spread past the float range gives -inf: exp is 0
            shifted = net - net.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, net: Array, out: Array) -> Array:
        """The diagonal of the Jacobian, ``out * (1 - out)``; ``backward`` uses all of it."""
        return out * (1 - out)

    def backward(self, net: Array, out: Array, grad_out: Array) -> Array:
        return out * (grad_out - (grad_out * out).sum(axis=-1, keepdims=True))

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Div(Call("exp", (net,)), Group(Add(tuple(Call("exp", (n,)) for n in layer_nets))))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Mul((out, Group(Sub(ONE, out))))


ACTIVATIONS: dict[str, Callable[..., Activation]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
    "softmax": Softmax,
}


def get_activation(name: str | Activation, *, slope: float | None = None) -> Activation:
    """Resolve an activation by name; ``slope`` applies to ``leaky_relu`` only."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise GlassnetError(
            f"unknown activation {name!r}; expected one of {', '.join(sorted(ACTIVATIONS))}"
        )
    if name == "leaky_relu":
        return LeakyReLU(0.01 if slope is None else slope)
    return ACTIVATIONS[name]()
