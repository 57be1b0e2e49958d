"""Straight-line Python for tiny networks, generated from the explanations' formulas.

A 2-2-2 network trained one sample at a time spends nearly all its time in
NumPy's per-call overhead (about 1 µs per ufunc). For such networks
``engine.train`` runs a function generated here instead: every net input,
output, delta, gradient and update of every neuron written out as one line of
arithmetic on Python floats, inside one loop over the steps.

The lines are not a second copy of the mathematics: each activation and loss
contributes the formula trees its explanation prints
(``Activation.out_formula``, ``Activation.derivative_expr``,
``Loss.grad_expr``, ``Loss.term_expr``), rendered here as Python instead of
text. For one sample ``s``, layer ``l`` and neuron ``j``::

    n = w_j0 * in_0 + w_j1 * in_1 + … + b_j          o = out_formula(n)
    e = grad_expr(o, t)  (output)   or   sum_k d_k^(l+1) * w_kj^(l+1)   (hidden)
    d = e * derivative_expr(n, o)
    g_ji = (sum_s d_sj * in_si) / n_samples           w_ji <- w_ji - eta * g_ji

``exp`` is guarded (``inf`` past 709 instead of ``OverflowError``), so a
diverging run ends with a non-finite loss exactly like the NumPy engine.
Results agree with ``engine.backprop`` to rounding (about 1e-15).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.formula import Add, Call, Cond, Div, Expr, Group, Mul, Neg, Num, Pow, Sub, Sym
from glassnet.network import Network

#: Largest layer width and sample count the generated code is used for.
MAX_WIDTH = 16
MAX_SAMPLES = 16
#: Largest ``n_samples * (number of weights)`` the generated code is used for.
MAX_WORK = 512
#: ``exp`` argument above which the guarded ``exp`` gives ``inf``.
EXP_LIMIT = 709.0

Compiled = Callable[..., tuple[int, list[float], list[float], list[list[float]], float]]
_CACHE: dict[tuple[Any, ...], Compiled | None] = {}


class UnsupportedError(Exception):
    """The network has a part the generated code does not cover."""


def supports(network: Network, n_samples: int) -> bool:
    """Whether ``compile_network`` covers ``network`` trained on ``n_samples`` samples.

    Float64 parameters, elementwise activations, a loss that needs no paired
    output activation, and a network small enough that Python floats beat NumPy.
    """
    if network.dtype != np.float64 or network.loss.requires_activation is not None:
        return False
    if n_samples > MAX_SAMPLES or n_samples < 1:
        return False
    weights = 0
    for layer in network.layers:
        if not layer.activation.elementwise:
            return False
        n_out, n_in = layer.weights.shape
        if n_out > MAX_WIDTH or n_in > MAX_WIDTH:
            return False
        weights += n_out * n_in
    return weights * n_samples <= MAX_WORK


def _signature(network: Network, n_samples: int) -> tuple[Any, ...]:
    layers = tuple(
        (
            layer.weights.shape,
            repr(layer.activation),
            None if layer.bias is None else layer.bias.ndim,
            layer.train_bias,
        )
        for layer in network.layers
    )
    return (layers, repr(network.loss), network.batch_reduction, n_samples)


def compile_network(network: Network, n_samples: int) -> Compiled | None:
    """The generated training loop for ``network``'s structure (cached by structure).

    ``None`` when a formula has no Python form (then ``engine.train`` uses NumPy).

    Call it as ``run(params, X, T, eta, steps, on_step)`` with ``params`` the flat
    list of ``parameters(network)``, ``X`` and ``T`` nested lists of floats. It
    returns ``(done, params, losses, outputs, bad)``: the number of updates
    applied, the parameters after them, the loss after each, the outputs after
    the last, and the non-finite loss that stopped training (``done < steps``;
    that update is not applied).
    """
    key = _signature(network, n_samples)
    if key not in _CACHE:
        try:
            source = generate(network, n_samples)
        except (UnsupportedError, NotImplementedError):
            _CACHE[key] = None
            return None
        namespace: dict[str, Any] = {"exp": math.exp, "tanh": math.tanh, "inf": math.inf}
        namespace["log"] = _log
        exec(compile(source, "<glassnet.compiled>", "exec"), namespace)
        _CACHE[key] = namespace["run"]
    return _CACHE[key]


def _log(value: float) -> float:
    if value > 0.0:
        return math.log(value)
    return -math.inf if value == 0.0 else math.nan


def parameters(network: Network) -> list[float]:
    """Every weight (row by row) and bias of every layer, as the generated code orders them."""
    values: list[float] = []
    for layer in network.layers:
        values.extend(float(v) for v in layer.weights.ravel())
        if layer.bias is not None:
            values.extend(float(v) for v in np.atleast_1d(layer.bias))
    return values


def set_parameters(network: Network, values: list[float]) -> None:
    """Write ``values`` (in ``parameters`` order) into ``network``'s arrays."""
    at = 0
    for layer in network.layers:
        size = layer.weights.size
        layer.weights = np.array(values[at : at + size], dtype=np.float64).reshape(
            layer.weights.shape
        )
        at += size
        if layer.bias is not None:
            size = layer.bias.size
            layer.bias = np.array(values[at : at + size], dtype=np.float64).reshape(
                layer.bias.shape
            )
            at += size


def render(expr: Expr) -> str:
    """``expr`` as a Python expression on floats (symbols are variable names)."""
    if isinstance(expr, Sym):
        return expr.base
    if isinstance(expr, Num):
        return repr(float(expr.value))
    if isinstance(expr, Group):
        return render(expr.body)
    if isinstance(expr, Add):
        return "(" + " + ".join(render(t) for t in expr.terms) + ")"
    if isinstance(expr, Mul):
        return "(" + " * ".join(render(f) for f in expr.factors) + ")"
    if isinstance(expr, Sub):
        return f"({render(expr.left)} - {render(expr.right)})"
    if isinstance(expr, Div):
        return f"({render(expr.top)} / {render(expr.bottom)})"
    if isinstance(expr, Neg):
        return f"(-{render(expr.arg)})"
    if isinstance(expr, Pow) and 1 <= expr.exponent <= 4:
        base = render(expr.base)
        return "(" + " * ".join([base] * expr.exponent) + ")"
    if isinstance(expr, Cond):
        return f"({render(expr.then)} if {render(expr.test)} > 0.0 else {render(expr.otherwise)})"
    if isinstance(expr, Call) and len(expr.args) == 1 and expr.name in ("exp", "tanh", "log"):
        arg = render(expr.args[0])
        if expr.name == "exp":
            # inf past the float range, as NumPy; NaN stays NaN.
            return f"(inf if {arg} > {EXP_LIMIT!r} else exp({arg}))"
        return f"{expr.name}({arg})"
    if isinstance(expr, Call) and expr.name == "max" and len(expr.args) == 2:
        a, b = (render(arg) for arg in expr.args)
        return f"({a} if {a} >= {b} else {b})"  # NaN in b propagates, as np.maximum
    raise UnsupportedError(f"no Python form for {expr!r}")


def generate(network: Network, n_samples: int) -> str:
    """The source of ``run`` for ``network``'s structure; see ``compile_network``."""
    layers = network.layers
    loss = network.loss
    n_out = network.n_outputs
    mean = network.batch_reduction == "mean"
    samples = range(n_samples)
    scale = f" * {1.0 / n_samples!r}" if mean and n_samples > 1 else ""

    def w(li: int, j: int, i: int) -> str:
        return f"w{li}_{j}_{i}"

    def b(li: int, j: int) -> str:
        bias = layers[li].bias
        return f"b{li}" if bias is not None and bias.ndim == 0 else f"b{li}_{j}"

    def inp(li: int, s: int, i: int) -> str:
        return f"x{s}_{i}" if li == 0 else f"o{li - 1}_{s}_{i}"

    params: list[str] = []
    trained: list[str] = []  # parameters the update changes
    for li, layer in enumerate(layers):
        n_j, n_i = layer.weights.shape
        names = [w(li, j, i) for j in range(n_j) for i in range(n_i)]
        params += names
        trained += names
        if layer.bias is not None:
            biases = [b(li, 0)] if layer.bias.ndim == 0 else [b(li, j) for j in range(n_j)]
            params += biases
            if layer.train_bias:
                trained += biases

    def forward(indent: str) -> list[str]:
        lines = []
        for s in samples:
            for li, layer in enumerate(layers):
                n_j, n_i = layer.weights.shape
                nets = tuple(Sym(f"n{li}_{s}_{j}") for j in range(n_j))
                for j in range(n_j):
                    total = " + ".join(f"{w(li, j, i)} * {inp(li, s, i)}" for i in range(n_i))
                    bias = f" + {b(li, j)}" if layer.bias is not None else ""
                    lines.append(f"{indent}n{li}_{s}_{j} = ({total}){bias}")
                for j in range(n_j):
                    out = render(layer.activation.out_formula(nets[j], nets))
                    lines.append(f"{indent}o{li}_{s}_{j} = {out}")
        last = len(layers) - 1
        sample_losses = []
        for s in samples:
            terms = [
                render(loss.term_expr(Sym(f"o{last}_{s}_{k}"), Sym(f"t{s}_{k}"), n_out))
                for k in range(n_out)
            ]
            sample_losses.append("(" + " + ".join(terms) + ")")
        reduced = "(" + " + ".join(sample_losses) + ")"
        if mean:
            reduced += f" / {float(n_samples)!r}"
        lines.append(f"{indent}loss = {reduced}")
        return lines

    def backward(indent: str) -> list[str]:
        lines = []
        last = len(layers) - 1
        for s in samples:
            for li in range(last, -1, -1):
                layer = layers[li]
                n_j = layer.weights.shape[0]
                for j in range(n_j):
                    o, n = Sym(f"o{li}_{s}_{j}"), Sym(f"n{li}_{s}_{j}")
                    if li == last:
                        e = render(loss.grad_expr(o, Sym(f"t{s}_{j}"), n_out))
                    else:
                        above = layers[li + 1].weights.shape[0]
                        e = (
                            "("
                            + " + ".join(
                                f"d{li + 1}_{s}_{k} * {w(li + 1, k, j)}" for k in range(above)
                            )
                            + ")"
                        )
                    derivative = render(layer.activation.derivative_expr(n, o))
                    lines.append(f"{indent}d{li}_{s}_{j} = {e} * {derivative}")
        for li, layer in enumerate(layers):
            n_j, n_i = layer.weights.shape
            for j in range(n_j):
                for i in range(n_i):
                    total = " + ".join(f"d{li}_{s}_{j} * {inp(li, s, i)}" for s in samples)
                    lines.append(f"{indent}g{w(li, j, i)} = ({total}){scale}")
            if layer.bias is not None and layer.train_bias:
                per_neuron = [
                    "(" + " + ".join(f"d{li}_{s}_{j}" for s in samples) + f"){scale}"
                    for j in range(n_j)
                ]
                if layer.bias.ndim == 0:
                    lines.append(f"{indent}g{b(li, 0)} = " + " + ".join(per_neuron))
                else:
                    for j in range(n_j):
                        lines.append(f"{indent}g{b(li, j)} = {per_neuron[j]}")
        return lines

    last = len(layers) - 1
    out = [
        "def run(params, X, T, eta, steps, on_step):",
        f"    {', '.join(params)}, = params",
    ]
    for s in samples:
        n_in = layers[0].weights.shape[1]
        out.append(f"    {', '.join(f'x{s}_{i}' for i in range(n_in))}, = X[{s}]")
        out.append(f"    {', '.join(f't{s}_{k}' for k in range(n_out))}, = T[{s}]")
    out += forward("    ")
    out += ["    losses = []", "    append = losses.append", "    done = 0", "    bad = 0.0"]
    out += ["    for step in range(steps):"]
    out += backward("        ")
    # The new parameters under their own names, so a diverged step can be dropped.
    old = ", ".join(trained)
    out.append(f"        {', '.join('u' + p for p in trained)}, = {old},")
    for p in trained:
        out.append(f"        {p} = {p} - eta * g{p}")
    out += forward("        ")
    out += [
        "        if not (loss - loss == 0.0):",
        "            bad = loss",
        f"            {old}, = {', '.join('u' + p for p in trained)},",
        "            break",
        "        append(loss)",
        "        done = step + 1",
        "        if on_step is not None:",
        "            on_step(done, loss)",
    ]
    outputs = ", ".join(
        "[" + ", ".join(f"o{last}_{s}_{k}" for k in range(n_out)) + "]" for s in samples
    )
    out.append(f"    return done, [{', '.join(params)}], losses, [{outputs}], bad")
    return "\n".join(out) + "\n"
