"""The training loop of a tiny network as straight-line code, from the explanations' formulas.

``glassnet.fast.compiled`` runs these lines as Python, ``glassnet.fast.native``
as C. They are not a second copy of the mathematics: each activation and loss
contributes the formula trees its explanation prints
(``Activation.out_formula``, ``Activation.derivative_expr``,
``Loss.grad_expr``, ``Loss.term_expr``), rendered here as code instead of
text. For one sample ``s``, layer ``l`` and neuron ``j``::

    n = w_j0 * in_0 + w_j1 * in_1 + … + b_j          o = out_formula(n)
    e = grad_expr(o, t)  (output)   or   sum_k d_k^(l+1) * w_kj^(l+1)   (hidden)
    d = e * derivative_expr(n, o)
    g_ji = (sum_s d_sj * in_si) / n_samples           w_ji <- w_ji - eta * g_ji

These are ``engine.forward``, ``engine.backward`` and the update of
``engine.backprop`` fused into one loop over the steps; the forward pass that
measures a step's loss is the next step's forward pass. ``exp`` is guarded
(``inf`` past 709 instead of ``OverflowError``), so a diverging run ends with a
non-finite loss exactly like the NumPy engine.

Every ``engine.Variant`` (the mistakes ``glassnet check`` tries) is generated
too: each switch changes a few lines where ``engine.backward`` and
``engine.backprop`` make it (a factor on ``dE/dout``, the new weights read by
the layer below, ``+`` for ``-``, every value wrapped in ``np.round``'s
arithmetic, ...). A run that reaches a fixed point, every parameter unchanged
by an update, as rounded variants do, stops there: the rest is the same loss.

Pinned to ``engine.backprop`` by ``tests/fast/test_compiled.py`` (every
variant, random networks, to about 1e-15).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glassnet.engine import EXACT, Variant
from glassnet.formula import Add, Call, Cond, Div, Expr, Group, Mul, Neg, Num, Pow, Sub, Sym
from glassnet.network import Network

#: ``exp`` argument above which the guarded ``exp`` gives ``inf``.
EXP_LIMIT = 709.0

#: ``run(params, X, T, eta, steps, on_step) -> (done, params, losses, outputs, bad)``
Compiled = Callable[..., tuple[int, list[float], Any, list[list[float]], float]]


class UnsupportedError(Exception):
    """The network has a part the generated code does not cover."""


#: 1.5 * 2**52: ``(y + RINT) - RINT`` is ``rint(y)`` (round half to even) for ``|y| < 2**51``.
RINT = 6755399441055744.0
RINT_LIMIT = 2251799813685248.0


def round_code(code: str, decimals: int) -> str:
    """``np.round(code, decimals)`` as a Python expression, step for step as NumPy does it.

    NumPy scales by ``f = 10**decimals``, rounds half to even (``rint``) and scales
    back: ``rint(value * f) / f`` (for negative decimals ``rint(value / f) * f``).
    Python's ``round(value, decimals)`` rounds the decimal expansion instead and
    differs: 0.0025 to 3 decimals is 0.003 there, 0.002 here (2.5 rounds to even),
    and 2.675 to 2 is 2.67 there, 2.68 here. ``rint`` is the add-and-subtract of
    ``RINT``, no call; past ``RINT_LIMIT`` (and for inf and NaN) the function ``rint``
    does it (``_rint`` in the generated code).
    One difference: ``rint(-0.3)`` is -0.0 and this gives 0.0, the same number.
    """
    factor = repr(float(10 ** abs(decimals)))
    scale, unscale = ("*", "/") if decimals >= 0 else ("/", "*")
    return (
        f"((((_y + {RINT!r}) - {RINT!r}) if -{RINT_LIMIT!r} < (_y := ({code}) {scale} {factor})"
        f" < {RINT_LIMIT!r} else _rint(_y)) {unscale} {factor})"
    )


def rint(value: float) -> float:
    if value - value == 0.0:
        return math.copysign(round(value), value)
    return value  # inf and NaN, as np.rint



@dataclass(frozen=True)
class Dialect:
    """How one target language writes what the formula trees need; ``render`` does the rest.

    ``number`` writes a float literal, ``cond(test, then, otherwise)`` the formula
    trees' ``then if test > 0 else otherwise``, ``call(name, argument, render)`` a
    one-argument function (``exp``, ``tanh``, ``log``), ``larger(a, b)`` ``max(a, b)``
    with NaN in ``b`` propagating as ``np.maximum`` does.
    """

    name: str
    number: Callable[[float], str]
    cond: Callable[[str, str, str], str]
    call: Callable[[str, Expr, Callable[[Expr], str]], str]
    larger: Callable[[str, str], str]


def _python_number(value: float) -> str:
    return repr(value)  # inf and nan are names bound in the generated module


def _python_call(name: str, arg: Expr, r: Callable[[Expr], str]) -> str:
    if name == "exp":
        # inf past the float range, as NumPy (and C's exp); NaN stays NaN.
        return f"(inf if {r(arg)} > {EXP_LIMIT!r} else exp({r(arg)}))"
    return f"{name}({r(arg)})"


def _c_number(value: float) -> str:
    if not math.isfinite(value):
        raise UnsupportedError(f"no C form for {value}")
    return repr(value)


PYTHON = Dialect(
    "Python",
    _python_number,
    lambda test, then, otherwise: f"({then} if {test} > 0.0 else {otherwise})",
    _python_call,
    lambda a, b: f"({a} if {a} >= {b} else {b})",
)
C = Dialect(
    "C",
    _c_number,
    lambda test, then, otherwise: f"({test} > 0.0 ? {then} : {otherwise})",
    lambda name, arg, r: f"{name}({r(arg)})",  # C's exp is inf past the float range
    lambda a, b: f"({a} >= {b} ? {a} : {b})",
)


def render(expr: Expr, dialect: Dialect = PYTHON) -> str:
    """``expr`` as an expression on doubles in ``dialect`` (symbols are variable names)."""

    def r(e: Expr) -> str:
        return render(e, dialect)

    if isinstance(expr, Sym):
        return expr.base
    if isinstance(expr, Num):
        return dialect.number(float(expr.value))
    if isinstance(expr, Group):
        return r(expr.body)
    if isinstance(expr, Add):
        return "(" + " + ".join(r(t) for t in expr.terms) + ")"
    if isinstance(expr, Mul):
        return "(" + " * ".join(r(f) for f in expr.factors) + ")"
    if isinstance(expr, Sub):
        return f"({r(expr.left)} - {r(expr.right)})"
    if isinstance(expr, Div):
        return f"({r(expr.top)} / {r(expr.bottom)})"
    if isinstance(expr, Neg):
        return f"(-{r(expr.arg)})"
    if isinstance(expr, Pow) and 1 <= expr.exponent <= 4:
        # repeated products, as NumPy squares
        return "(" + " * ".join([r(expr.base)] * expr.exponent) + ")"
    if isinstance(expr, Cond):
        return dialect.cond(r(expr.test), r(expr.then), r(expr.otherwise))
    if isinstance(expr, Call) and len(expr.args) == 1 and expr.name in ("exp", "tanh", "log"):
        return dialect.call(expr.name, expr.args[0], r)
    if isinstance(expr, Call) and expr.name == "max" and len(expr.args) == 2:
        a, b = (r(arg) for arg in expr.args)
        return dialect.larger(a, b)
    raise UnsupportedError(f"no {dialect.name} form for {expr!r}")


def generate(network: Network, n_samples: int, variant: Variant | None = None) -> str:
    """The Python source of ``run`` for ``network``'s structure and ``variant``.

    ``glassnet.fast.compiled.compile_network`` executes it; its docstring says how to call ``run``.

    Each switch of ``variant`` (``glassnet.engine.Variant``) is one small change
    to the generated lines, made where ``engine.backward``/``engine.update`` make it.
    """
    return Generator(network, n_samples, variant).source()


class Generator:
    """Writes ``run``'s lines: one forward pass, one backward pass, one update, the loop."""

    #: Whether the lines are C (``glassnet.fast.native``) rather than Python.
    c = False

    def __init__(self, network: Network, n_samples: int, variant: Variant | None):
        self.layers = network.layers
        self.loss = network.loss
        self.n_out = network.n_outputs
        self.variant = v = variant or EXACT
        self.samples = range(n_samples)
        self.last = len(self.layers) - 1
        self.rounding = v.round_decimals is not None
        # The gradients are reduced with the variant's reduction, the loss with the network's.
        mean_gradients = (network.batch_reduction == "mean") != v.flip_batch_reduction
        self.scale = f" * {1.0 / n_samples!r}" if mean_gradients and n_samples > 1 else ""
        self.loss_mean = network.batch_reduction == "mean" and n_samples > 1
        self.params: list[str] = []
        self.trained: list[str] = []  # the parameters an update changes
        for li, layer in enumerate(self.layers):
            n_j, n_i = layer.weights.shape
            names = [self.w(li, j, i) for j in range(n_j) for i in range(n_i)]
            self.params += names
            self.trained += names
            if layer.bias is not None:
                biases = list(dict.fromkeys(self.b(li, j) for j in range(n_j)))
                self.params += biases
                if self.trains_bias(li):
                    self.trained += biases

    # -- names --------------------------------------------------------------

    def w(self, li: int, j: int, i: int) -> str:
        return f"w{li}_{j}_{i}"

    def b(self, li: int, j: int) -> str:
        bias = self.layers[li].bias
        return f"b{li}" if bias is not None and bias.ndim == 0 else f"b{li}_{j}"

    def inp(self, li: int, s: int, i: int) -> str:
        return f"x{s}_{i}" if li == 0 else f"o{li - 1}_{s}_{i}"

    def new(self, param: str) -> str:
        """The name of ``param`` after the update (``param`` itself when it is not trained)."""
        return "v" + param if param in self.trained else param

    def trains_bias(self, li: int) -> bool:
        layer = self.layers[li]
        return layer.bias is not None and layer.train_bias != self.variant.flip_bias_training

    def render(self, expr: Expr) -> str:
        return render(expr, C if self.c else PYTHON)

    def r(self, code: str) -> str:
        """``code`` rounded, when the variant rounds every computed value (mistake 7)."""
        decimals = self.variant.round_decimals
        return code if decimals is None else round_code(code, decimals)

    # -- the passes ---------------------------------------------------------

    def forward(self, indent: str, *, rounded: bool, updated: bool) -> list[str]:
        """net and out of every neuron; the loss too unless ``rounded``.

        ``updated`` reads the parameters' new names; ``rounded`` is the variant's
        rounded forward pass that the next update's gradients start from.
        """
        r = self.r if rounded else (lambda code: code)
        p = self.new if updated else (lambda name: name)
        lines = []
        for s in self.samples:
            for li, layer in enumerate(self.layers):
                n_j, n_i = layer.weights.shape
                nets = tuple(Sym(f"n{li}_{s}_{j}") for j in range(n_j))
                for j in range(n_j):
                    total = " + ".join(
                        f"{p(self.w(li, j, i))} * {self.inp(li, s, i)}" for i in range(n_i)
                    )
                    bias = f" + {p(self.b(li, j))}" if layer.bias is not None else ""
                    lines.append(f"{indent}n{li}_{s}_{j} = {r(f'({total}){bias}')}")
                for j in range(n_j):
                    out = self.render(layer.activation.out_formula(nets[j], nets))
                    lines.append(f"{indent}o{li}_{s}_{j} = {r(out)}")
        if not rounded:
            lines.append(f"{indent}loss = {self.loss_line()}")
        return lines

    def loss_line(self) -> str:
        sample_losses = []
        for s in self.samples:
            terms = [
                self.render(
                    self.loss.term_expr(Sym(f"o{self.last}_{s}_{k}"), Sym(f"t{s}_{k}"), self.n_out)
                )
                for k in range(self.n_out)
            ]
            sample_losses.append("(" + " + ".join(terms) + ")")
        reduced = "(" + " + ".join(sample_losses) + ")"
        return reduced + (f" / {float(len(self.samples))!r}" if self.loss_mean else "")

    def backward(self, indent: str) -> list[str]:
        """Every delta and gradient and each layer's new parameters, output layer first."""
        lines = []
        for li in range(self.last, -1, -1):
            for s in self.samples:
                lines += [indent + line for line in self.deltas(li, s)]
            lines += [indent + line for line in self.gradients(li)]
            lines += [indent + line for line in self.update(li)]
        return lines

    def deltas(self, li: int, s: int) -> list[str]:
        """``d = dE/dout * f'(net)`` for layer ``li``, sample ``s``."""
        layer, v, r = self.layers[li], self.variant, self.r
        lines = []
        n_j = layer.weights.shape[0]
        for j in range(n_j):
            o, n = Sym(f"o{li}_{s}_{j}"), Sym(f"n{li}_{s}_{j}")
            if li == self.last:
                e = self.render(self.loss.grad_expr(o, Sym(f"t{s}_{j}"), self.n_out))
                if v.gradient_scale != 1.0:  # mistake 3
                    e = f"({e} * {float(v.gradient_scale)!r})"
            else:
                # mistake 1 backpropagates through the layer above's new weights
                above = self.new if v.hidden_deltas_after_update else (lambda name: name)
                n_k = self.layers[li + 1].weights.shape[0]
                e = (
                    "("
                    + " + ".join(
                        f"d{li + 1}_{s}_{k} * {above(self.w(li + 1, k, j))}" for k in range(n_k)
                    )
                    + ")"
                )
            if v.derivative_at_output:  # mistake 2: f'(out), with out = f(out) in its formula
                outs = tuple(Sym(f"o{li}_{s}_{k}") for k in range(n_j))
                lines.append(
                    f"f{li}_{s}_{j} = {self.render(layer.activation.out_formula(o, outs))}"
                )
                n, o = o, Sym(f"f{li}_{s}_{j}")
            derivative = self.render(layer.activation.derivative_expr(n, o))
            lines.append(f"d{li}_{s}_{j} = {r(f'{r(e)} * {r(derivative)}')}")
        return lines

    def gradients(self, li: int) -> list[str]:
        """``g = reduce_s d * in`` for every weight and trained bias of layer ``li``."""
        layer, r, scale = self.layers[li], self.r, self.scale
        n_j, n_i = layer.weights.shape
        lines = []
        for j in range(n_j):
            for i in range(n_i):
                total = " + ".join(f"d{li}_{s}_{j} * {self.inp(li, s, i)}" for s in self.samples)
                lines.append(f"g{self.w(li, j, i)} = {r(f'({total}){scale}')}")
        if not self.trains_bias(li):
            return lines
        assert layer.bias is not None
        per_neuron = [
            "(" + " + ".join(f"d{li}_{s}_{j}" for s in self.samples) + f"){scale}"
            for j in range(n_j)
        ]
        if layer.bias.ndim == 0:
            # mistake 5 takes the first neuron's share instead of the sum
            shared = per_neuron[:1] if self.variant.shared_bias_from_first else per_neuron
            lines.append(f"g{self.b(li, 0)} = {r(' + '.join(shared))}")
        else:
            lines += [f"g{self.b(li, j)} = {r(per_neuron[j])}" for j in range(n_j)]
        return lines

    def update(self, li: int) -> list[str]:
        """``new = p - eta * g`` (``+`` for mistake 6) for layer ``li``'s trained parameters."""
        sign = "-" if self.variant.update_sign < 0 else "+"
        lines = []
        for p in self.trained:
            if p.startswith((f"w{li}_", f"b{li}_")) or p == f"b{li}":
                step = self.r(f"eta * g{p}")
                lines.append(f"v{p} = {self.r(f'{p} {sign} {step}')}")
        return lines

    def source(self) -> str:
        n_in = self.layers[0].weights.shape[1]
        old = ", ".join(self.trained)
        new = ", ".join(self.new(p) for p in self.trained)
        lines = [
            "def run(params, X, T, eta, steps, on_step):",
            f"    {', '.join(self.params)}, = params",
        ]
        for s in self.samples:
            lines.append(f"    {', '.join(f'x{s}_{i}' for i in range(n_in))}, = X[{s}]")
            lines.append(f"    {', '.join(f't{s}_{k}' for k in range(self.n_out))}, = T[{s}]")
        if not self.rounding:
            # the forward pass that measures a step's loss is the next step's forward pass
            lines += self.forward("    ", rounded=False, updated=False)
        lines += ["    losses = []", "    append = losses.append", "    done = 0", "    bad = 0.0"]
        lines.append("    for step in range(steps):")
        if self.rounding:
            lines += self.forward("        ", rounded=True, updated=False)
        lines += self.backward("        ")
        lines += [
            # A fixed point (every parameter unchanged) repeats forever: the rest of
            # the steps have the last loss. (Checked every 1024 steps: cheap, and
            # rounded variants stop changing within a few thousand.)
            f"        if step & 1023 == 1023 and on_step is None and ({new},) == ({old},):",
            "            losses.extend([loss] * (steps - step))",
            "            done = steps",
            "            break",
        ]
        lines += self.forward("        ", rounded=False, updated=True)
        lines += [
            # a diverged update is dropped: the old names still hold the parameters before it
            "        if not (loss - loss == 0.0):",
            "            bad = loss",
            "            break",
            f"        {old}, = {new},",
            "        append(loss)",
            "        done = step + 1",
            "        if on_step is not None:",
            "            on_step(done, loss)",
        ]
        outputs = ", ".join(
            "[" + ", ".join(f"o{self.last}_{s}_{k}" for k in range(self.n_out)) + "]"
            for s in self.samples
        )
        lines.append(f"    return done, [{', '.join(self.params)}], losses, [{outputs}], bad")
        return "\n".join(lines) + "\n"
