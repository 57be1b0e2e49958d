"""Loss functions: each one declares everything the package asks of it.

A loss is a sum of one term per output neuron, ``E = sum_j E_j``; over a batch
the loss is the mean (or, when asked, the sum) of the samples' losses. Every
loss gives its per-output ``terms`` and ``dE/dout`` and their formula trees
(``term_expr``, ``grad_expr``); the two that belong with a particular output
activation (``requires_activation``) also give the stable combined ``dE/dnet``
(``grad_net``, ``combined_expr``). Each declares what else the package needs:
``fused_with`` (the output whose forward pass the fused mini-batch step
computes together with it), ``targets_sum_to_one`` and ``bad_target`` (the
targets it accepts).

>>> import numpy as np
>>> loss = get_loss("half_sse")
>>> out, target = np.array([[0.75]]), np.array([[0.01]])
>>> float(loss.terms(out, out, target)[0, 0])  # 1/2 (t - o)^2
0.2738
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from glassnet.errors import GlassnetError
from glassnet.formula import HALF, ONE, TWO, Add, Call, Div, Expr, Group, Mul, Neg, Num, Pow, Sub

Array = NDArray[np.floating]

#: How far from 1 the sum of a sample's targets may be when they must sum to 1
#: (``Loss.targets_sum_to_one``): decimal probabilities rarely sum to 1 exactly.
SUM_TOLERANCE = 1e-9


def _softplus(x: Array) -> Array:
    """``log(1 + exp(x))`` without overflow."""
    return np.logaddexp(0.0, x)


class Loss:
    """``E = sum_j E_j(out_j, target_j)`` for one sample.

    ``terms`` and ``grad_out`` take ``(n_samples, n_outputs)`` arrays: the output
    layer's net input, its output, and the target.
    """

    name: str = ""
    #: The per-output term, in the notation of the explanations.
    formula: str = ""
    #: The output activation this loss must be paired with, if any; with it the
    #: combined ``dE/dnet`` (``grad_net``, ``combined_expr``) is ``out - target``.
    requires_activation: str | None = None
    #: The output activation whose softmax-style forward pass the fused mini-batch
    #: step computes together with this loss and its ``dE/dnet = out - onehot(label)``
    #: (log-sum-exp of the shifted net inputs, no ``log(out)``), if any.
    fused_with: str | None = None
    #: True when a sample's targets are a distribution (>= 0, summing to 1), so a
    #: class label is a one-hot row.
    targets_sum_to_one: bool = False
    #: The least and the greatest target it accepts (``None``: no bound). With
    #: ``targets_sum_to_one`` this is what ``bad_target`` checks, and what the live
    #: page checks an edited target against (``glassnet.live.target_rules``).
    target_low: float | None = None
    target_high: float | None = None

    def bad_target(self, target: Sequence[float]) -> str | None:
        """What is wrong with one sample's ``target`` for this loss, or ``None``."""
        return None

    def terms(self, net: Array, out: Array, target: Array) -> Array:
        raise NotImplementedError

    def grad_out(self, out: Array, target: Array) -> Array:
        raise NotImplementedError

    def grad_net(self, net: Array, out: Array, target: Array) -> Array:
        """The stable combined ``dE/dnet``; only for ``requires_activation`` losses."""
        raise NotImplementedError

    def term_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        """One output's term of the loss, as a formula."""
        raise NotImplementedError

    def grad_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        """``dE/dout`` of one output, as a formula."""
        raise NotImplementedError

    def combined_expr(self, out: Expr, target: Expr) -> Expr:
        """The combined ``dE/dnet``, as a formula."""
        return Sub(out, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HalfSSE(Loss):
    name = "half_sse"
    formula = "1/2 (target - out)^2"

    def terms(self, net: Array, out: Array, target: Array) -> Array:
        return 0.5 * (target - out) ** 2

    def grad_out(self, out: Array, target: Array) -> Array:
        return -(target - out)

    def term_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Mul((HALF, Pow(Group(Sub(target, out)), 2)))

    def grad_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Neg(Group(Sub(target, out)))


class SSE(Loss):
    name = "sse"
    formula = "(out - target)^2"

    def terms(self, net: Array, out: Array, target: Array) -> Array:
        return (out - target) ** 2

    def grad_out(self, out: Array, target: Array) -> Array:
        return 2 * (out - target)

    def term_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Pow(Group(Sub(out, target)), 2)

    def grad_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Mul((TWO, Group(Sub(out, target))))


class MSE(Loss):
    name = "mse"
    formula = "(out - target)^2 / n_outputs"

    def terms(self, net: Array, out: Array, target: Array) -> Array:
        return (out - target) ** 2 / out.shape[-1]

    def grad_out(self, out: Array, target: Array) -> Array:
        return 2 * (out - target) / out.shape[-1]

    def term_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Div(Pow(Group(Sub(out, target)), 2), Num(n_outputs))

    def grad_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Div(Mul((TWO, Group(Sub(out, target)))), Num(n_outputs))


class CrossEntropy(Loss):
    """``E = -sum_j target_j log(out_j)`` with softmax outputs.

    The terms come from ``log_softmax(net)``, so a saturated output never gives
    ``log(0)``; ``dE/dnet_j = out_j sum_k target_k - target_j``, which is
    ``out - target`` for targets that sum to 1.
    """

    name = "cross_entropy"
    formula = "-target * log(out)"
    requires_activation = "softmax"
    fused_with = "softmax"
    targets_sum_to_one = True
    target_low = 0.0

    def bad_target(self, target: Sequence[float]) -> str | None:
        if min(target) < self.target_low or abs(sum(target) - 1) > SUM_TOLERANCE:
            return f"{self.name} needs targets >= 0 that sum to 1, got {list(target)}"
        return None

    def terms(self, net: Array, out: Array, target: Array) -> Array:
        with np.errstate(over="ignore"):  # a spread past the float range gives -inf: exp is 0
            shifted = net - net.max(axis=-1, keepdims=True)
        log_out = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        # 0 · log(0) counts as 0: only the outputs with a target contribute.
        return -np.multiply(target, log_out, out=np.zeros_like(log_out), where=target != 0)

    def grad_out(self, out: Array, target: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(target == 0, 0.0, -target / out)

    def grad_net(self, net: Array, out: Array, target: Array) -> Array:
        return out * target.sum(axis=-1, keepdims=True) - target

    def term_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Neg(Mul((target, Call("log", (out,)))))

    def grad_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Neg(Div(target, out))


class BinaryCrossEntropy(Loss):
    """``E = -sum_j [t_j log(out_j) + (1 - t_j) log(1 - out_j)]`` with sigmoid outputs.

    Computed from the net input, ``t softplus(-net) + (1 - t) softplus(net)``;
    ``dE/dnet = out - target``.
    """

    name = "binary_cross_entropy"
    formula = "-(target log(out) + (1 - target) log(1 - out))"
    requires_activation = "sigmoid"
    target_low = 0.0
    target_high = 1.0

    def bad_target(self, target: Sequence[float]) -> str | None:
        if not all(self.target_low <= t <= self.target_high for t in target):
            return f"{self.name} needs targets in [0, 1], got {list(target)}"
        return None

    def terms(self, net: Array, out: Array, target: Array) -> Array:
        return target * _softplus(-net) + (1 - target) * _softplus(net)

    def grad_out(self, out: Array, target: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (out - target) / (out * (1 - out))

    def grad_net(self, net: Array, out: Array, target: Array) -> Array:
        return out - target

    def term_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Neg(
            Group(
                Add(
                    (
                        Mul((target, Call("log", (out,)))),
                        Mul((Group(Sub(ONE, target)), Call("log", (Group(Sub(ONE, out)),)))),
                    )
                )
            )
        )

    def grad_expr(self, out: Expr, target: Expr, n_outputs: int) -> Expr:
        return Div(Group(Sub(out, target)), Group(Mul((out, Group(Sub(ONE, out))))))


LOSSES: dict[str, Callable[[], Loss]] = {
    "half_sse": HalfSSE,
    "sse": SSE,
    "mse": MSE,
    "cross_entropy": CrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
}


def get_loss(name: str | Loss) -> Loss:
    """Resolve a loss by name."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise GlassnetError(f"unknown loss {name!r}; expected one of {', '.join(sorted(LOSSES))}")
    return LOSSES[name]()
