"""Activation functions: each one declares everything the package asks of it.

Every activation maps a layer's net input to its output, ``out = f(net)``, and
knows ``dout/dnet``. Besides the arithmetic each class states, as attributes,
what the rest of glassnet needs to know about it, so adding an activation means
adding one class here and one line to ``ACTIVATIONS``:

- ``out_formula``/``derivative_expr``: the formula trees the explanations print,
  ``glassnet check`` recomputes and the compiled fast path turns into code;
- ``formula``: the same in one line of plain text (matrix-form notes);
- ``elementwise``: ``dout_j/dnet_i`` is zero for ``i != j`` (softmax is not);
- ``output_only``: may not be a hidden layer (checked by ``network.check_activation``);
- ``paired_loss``: the loss whose ``dE/dnet`` with this output is ``out - target``;
- ``mask_derivative``: ``f'(net)`` is the 0/1 mask ``net > 0`` and ``f(net) = net * mask``,
  so the fused mini-batch step keeps the mask from the forward pass;
- ``auto_init``: the weight initialiser ``init = "auto"`` picks (He for ReLU-like);
- ``torch_name``/``to_torch``/``from_torch``: the equivalent ``torch.nn`` module;
- ``settings``: the numbers a file may give it (``slope`` of ``leaky_relu``).

>>> import numpy as np
>>> act = get_activation("sigmoid")
>>> float(act.forward(np.array(0.0)))
0.5
>>> float(act.derivative(np.array(0.0), np.array(0.5)))
0.25
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from glassnet.errors import GlassnetError
from glassnet.formula import ONE, Add, Call, Cond, Div, Expr, Group, Mul, Neg, Num, Pow, Sub

Array = NDArray[np.floating]

HALF = Num(0.5)


class Activation:
    """An activation ``out = f(net)``, its derivative ``f'(net)`` and what it declares.

    Subclasses set ``name`` and ``formula`` and implement ``forward``,
    ``derivative``, ``out_formula`` and ``derivative_expr``; the other class
    attributes (see the module docstring) have the defaults of a plain
    elementwise function.
    """

    name: ClassVar[str] = ""
    #: ``f(net)`` in one line of plain text, in the notation of the explanations.
    formula: str = ""
    #: True when ``dout_j/dnet_i`` is zero for ``i != j``.
    elementwise: ClassVar[bool] = True
    #: True when it may only be the output layer's activation.
    output_only: ClassVar[bool] = False
    #: The loss made for this output: with it, ``dE/dnet = out - target``.
    paired_loss: ClassVar[str | None] = None
    #: True when ``f'(net)`` is the mask ``net > 0`` and ``f(net) = net * mask``.
    mask_derivative: ClassVar[bool] = False
    #: The ``glassnet.init`` method that ``init = "auto"`` uses for this layer.
    auto_init: ClassVar[str] = "glorot_uniform"
    #: The name of the equivalent module class in ``torch.nn``.
    torch_name: ClassVar[str] = ""
    #: Constructor arguments a file may set (numbers), e.g. ``("slope",)``.
    settings: ClassVar[tuple[str, ...]] = ()

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

    def setting_values(self) -> dict[str, float]:
        """The values of ``settings``, as a model file stores them."""
        return {key: float(getattr(self, key)) for key in self.settings}

    def to_torch(self, nn: Any) -> Any:
        """The equivalent module, built from the ``torch.nn`` namespace passed in.

        (Passed in so that this module never imports PyTorch, an optional extra.)
        """
        return getattr(nn, self.torch_name)()

    @classmethod
    def from_torch(cls, module: Any) -> Activation:
        """This activation for a ``torch.nn`` module of class ``torch_name``.

        ``GlassnetError`` when the module's settings make it another function.
        """
        return cls()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "1 / (1 + exp(-net))"
    paired_loss = "binary_cross_entropy"
    torch_name = "Sigmoid"

    def forward(self, net: Array) -> Array:
        return _sigmoid(net)

    def derivative(self, net: Array, out: Array) -> Array:
        return out * (1 - out)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Div(ONE, Group(Add((ONE, Call("exp", (Neg(net),))))))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Mul((out, Group(Sub(ONE, out))))


def _sigmoid(net: Array) -> Array:
    # exp(-|net|) never overflows; the two branches are the same function.
    e = np.exp(-np.abs(net))
    return np.where(net >= 0, 1 / (1 + e), e / (1 + e))


class Tanh(Activation):
    name = "tanh"
    formula = "tanh(net)"
    torch_name = "Tanh"

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
    mask_derivative = True
    auto_init = "he_uniform"
    torch_name = "ReLU"

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
    auto_init = "he_uniform"
    torch_name = "LeakyReLU"
    settings = ("slope",)

    def __init__(self, slope: float = 0.01):
        self.slope = float(slope)
        self.formula = f"net if net > 0 else {self.slope:g} * net"

    def forward(self, net: Array) -> Array:
        return np.where(net > 0, net, self.slope * net)

    def derivative(self, net: Array, out: Array) -> Array:
        return np.where(net > 0, 1.0, self.slope).astype(net.dtype)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Cond(net, net, Mul((Num(self.slope), net)))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Cond(ONE, net, Num(self.slope))

    def to_torch(self, nn: Any) -> Any:
        return nn.LeakyReLU(self.slope)

    @classmethod
    def from_torch(cls, module: Any) -> Activation:
        return cls(float(module.negative_slope))

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope!r})"


class Identity(Activation):
    name = "identity"
    formula = "net"
    torch_name = "Identity"

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
    elementwise = False
    output_only = True
    paired_loss = "cross_entropy"
    torch_name = "Softmax"

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

    def to_torch(self, nn: Any) -> Any:
        return nn.Softmax(dim=-1)

    @classmethod
    def from_torch(cls, module: Any) -> Activation:
        if module.dim not in (-1, 1):
            raise GlassnetError(f"softmax over dim {module.dim}; expected dim=-1 or 1")
        return cls()


class Softplus(Activation):
    """``out = log(1 + exp(net))``, a smooth ReLU whose derivative is ``sigmoid(net)``.

    The formula is written in the form that never overflows, the same function on
    both sides of the kink-free ``net = 0``: ``net + log(1 + exp(-net))`` for
    ``net > 0`` (``exp(-net)`` is at most 1), ``log(1 + exp(net))`` otherwise; so
    the compiled fast path, which runs this tree, stays finite for any finite net.
    ``torch.nn.Softplus()`` computes the same function (it returns ``net`` itself
    past ``net = 20``, where the two differ by less than ``exp(-20) = 2e-9``).
    """

    name = "softplus"
    formula = "log(1 + exp(net))"
    auto_init = "he_uniform"
    torch_name = "Softplus"

    def forward(self, net: Array) -> Array:
        return np.logaddexp(0.0, net)

    def derivative(self, net: Array, out: Array) -> Array:
        return _sigmoid(net)

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        def log1p_exp(x: Expr) -> Expr:
            return Call("log", (Add((ONE, Call("exp", (x,)))),))

        return Cond(Add((net, log1p_exp(Neg(net)))), net, log1p_exp(net))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        return Div(ONE, Group(Add((ONE, Call("exp", (Neg(net),))))))

    def to_torch(self, nn: Any) -> Any:
        return nn.Softplus(beta=1.0, threshold=20.0)

    @classmethod
    def from_torch(cls, module: Any) -> Activation:
        if float(module.beta) != 1.0 or float(module.threshold) != 20.0:
            raise GlassnetError(
                f"Softplus(beta={module.beta}, threshold={module.threshold}) is not supported; "
                "expected beta=1, threshold=20"
            )
        return cls()


#: GELU's tanh approximation: ``sqrt(2 / pi)`` and the cubic's coefficient.
GELU_SCALE = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715
#: Past this |net| the tanh is exactly ±1 in float64 (and float32), so clipping the
#: net to it inside the tanh changes no value but keeps ``net³`` and ``net²`` finite.
GELU_CLIP = 100.0


class GELU(Activation):
    """``out = net/2 (1 + tanh(s (net + c net³)))``, ``s = sqrt(2/pi)``, ``c = 0.044715``.

    The tanh approximation of the Gaussian error linear unit, exactly
    ``torch.nn.GELU(approximate="tanh")``. With ``t`` the tanh and ``u`` its
    argument, ``dout/dnet = (1 + t)/2 + net/2 (1 - t²) s (1 + 3c net²)``.
    """

    name = "gelu"
    formula = "0.5 net (1 + tanh(0.797885 (net + 0.044715 net^3)))"
    auto_init = "he_uniform"
    torch_name = "GELU"

    def forward(self, net: Array) -> Array:
        return 0.5 * net * (1 + self._tanh(net))

    def derivative(self, net: Array, out: Array) -> Array:
        z = np.clip(net, -GELU_CLIP, GELU_CLIP)  # where 1 - t² is 0 anyway
        t = self._tanh(net)
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_SCALE * (1 + 3 * GELU_CUBIC * z * z)

    @staticmethod
    def _tanh(net: Array) -> Array:
        z = np.clip(net, -GELU_CLIP, GELU_CLIP)
        return np.tanh(GELU_SCALE * (z + GELU_CUBIC * z * z * z))

    @staticmethod
    def _tanh_expr(net: Expr) -> Expr:
        inner = Group(Add((net, Mul((Num(GELU_CUBIC), Pow(net, 3))))))
        return Call("tanh", (Mul((Num(GELU_SCALE), inner)),))

    def out_formula(self, net: Expr, layer_nets: tuple[Expr, ...]) -> Expr:
        return Mul((HALF, net, Group(Add((ONE, self._tanh_expr(net))))))

    def derivative_expr(self, net: Expr, out: Expr) -> Expr:
        t = self._tanh_expr(net)
        return Add(
            (
                Mul((HALF, Group(Add((ONE, t))))),
                Mul(
                    (
                        HALF,
                        net,
                        Group(Sub(ONE, Pow(t, 2))),
                        Num(GELU_SCALE),
                        Group(Add((ONE, Mul((Num(3 * GELU_CUBIC), Pow(net, 2)))))),
                    )
                ),
            )
        )

    def to_torch(self, nn: Any) -> Any:
        return nn.GELU(approximate="tanh")

    @classmethod
    def from_torch(cls, module: Any) -> Activation:
        if module.approximate != "tanh":
            raise GlassnetError(
                f"GELU(approximate={module.approximate!r}) is not supported; "
                "expected approximate='tanh'"
            )
        return cls()


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax, Softplus, GELU)
}

#: Every setting some activation takes (keys a layer table may have).
SETTINGS = sorted({key for cls in ACTIVATIONS.values() for key in cls.settings})


def get_activation(name: str | Activation, **settings: float | None) -> Activation:
    """Resolve an activation by name; a setting left ``None`` keeps its default.

    >>> get_activation("leaky_relu", slope=0.2)
    LeakyReLU(slope=0.2)
    >>> get_activation("relu", slope=0.2)
    Traceback (most recent call last):
    glassnet.errors.GlassnetError: only leaky_relu has a slope
    """
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise GlassnetError(
            f"unknown activation {name!r}; expected one of {', '.join(sorted(ACTIVATIONS))}"
        )
    given = {key: value for key, value in settings.items() if value is not None}
    for key in given:
        problem = setting_problem(name, key)
        if problem:
            raise GlassnetError(problem)
    return ACTIVATIONS[name](**given)


def setting_problem(name: str, key: str) -> str | None:
    """Why activation ``name`` takes no setting ``key`` (``None`` when it does)."""
    if key in ACTIVATIONS[name].settings:
        return None
    owners = [n for n, cls in sorted(ACTIVATIONS.items()) if key in cls.settings]
    return f"only {' and '.join(owners) or 'no activation'} has a {key}"
