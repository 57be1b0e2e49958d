"""One exact update of a small network as a JavaScript function, from the explanations' formulas.

The HTML page recomputes every number it shows in the browser. It does not
carry a second, hand-written backpropagation: this module writes the
function, with ``codegen.Generator``'s names and parameter order, from the
formula trees the explanation prints (``Activation.out_formula``,
``Activation.derivative_expr``, ``Loss.term_expr``, ``Loss.grad_expr``,
``Loss.combined_expr``), rendered as JavaScript by ``render_js``. For one
sample ``s``, layer ``l`` and neuron ``j`` it computes, and names by their
``glassnet check`` names (``net_h1``, ``dE/dout_o1``, ``delta_o1``, ``dE/dw5``,
``w5+``, ``E_total+``, …)::

    net = w_j0 * in_0 + … + b_j        out = out_formula(net)
    E_j = term_expr(out, t)            E_total = reduce_s sum_j E_j
    dE/dout = grad_expr(out, t) (output) or sum_k δ_k w_kj (hidden, one share per k)
    dout/dnet = derivative_expr(net, out)          δ = dE/dout * dout/dnet
    dE/dw = δ * in (per sample), reduce_s           w+ = w - η dE/dw

It follows ``engine.backprop`` (the exact method, no ``Variant``) operation for
operation, so the page's numbers equal the engine's to the last bit or two
(``Math.exp``, ``Math.tanh`` and ``Math.log1p`` may differ from NumPy's in the
last bit). Where the engine computes a value in a form that is stable in
floating point, the same tree is evaluated in that form:

- ``log(1 + u)`` is ``Math.log1p(u)``: NumPy's ``logaddexp`` (softplus) does that;
- a non-elementwise output (softmax) is evaluated at its net inputs minus their
  maximum, as ``Softmax.forward`` does (softmax does not change under the shift);
- a loss paired with its output activation (``Loss.requires_activation``) has
  its terms from the net input, as ``Loss.terms`` computes them: in
  ``term_expr`` each ``log(out)`` is the log-softmax ``z_j - log(sum_k exp z_k)``
  and, for sigmoid, ``log(out) = -softplus(-net)`` and
  ``log(1 - out) = -softplus(net)`` (``Softplus.out_formula``); a cross-entropy
  term with target 0 is 0 (0 · log 0 counts as 0);
- ``δ`` of a paired loss is ``combined_expr`` with ``out`` times the sum of the
  sample's targets (``Loss.grad_net``: the targets sum to 1 only to rounding);
- softmax with another loss backpropagates through its Jacobian as
  ``Softmax.backward`` does: ``δ_j = out_j (dE/dout_j - sum_k dE/dout_k out_k)``.

``Math.exp`` gives ``Infinity`` past the float range and ``Math.log`` ``-Infinity``
at 0 and ``NaN`` below, as NumPy does, so a diverging step shows the same
non-finite numbers as the static page. The generated code contains no ``eval``
and no ``new Function``: it is a plain function in the page's hashed script.

Every network the explanation shows neuron by neuron is covered: every
activation and loss, bias modes ``neuron``/``shared``/``none``, trained or
frozen biases, mean or sum over a batch. Not covered: ``Variant`` (the
mistakes of ``glassnet check``) and matrix form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from glassnet.activations import Softplus
from glassnet.fast.codegen import Dialect, Generator, UnsupportedError, render
from glassnet.formula import (
    ONE,
    Add,
    Call,
    Cond,
    Div,
    Expr,
    Group,
    Mul,
    Neg,
    Num,
    Pow,
    Sub,
    Sym,
)
from glassnet.network import Network

__all__ = ["UnsupportedError", "js_string", "render_js", "step_function", "train_function"]


def js_string(text: str) -> str:
    """``text`` as a JavaScript string literal that is also safe inside ``<script>``."""
    literal = json.dumps(text, ensure_ascii=True)
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _js_number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "(-Infinity)"
    # parenthesised when negative: ``--x`` would be JavaScript's decrement
    return f"({value!r})" if math.copysign(1.0, value) < 0 else repr(value)


def _js_call(name: str, arg: Expr, r: Callable[[Expr], str]) -> str:
    body = arg.body if isinstance(arg, Group) else arg
    if name == "log" and isinstance(body, Add) and len(body.terms) == 2 and body.terms[0] == ONE:
        # log(1 + u): NumPy's logaddexp (softplus) uses log1p
        return f"Math.log1p({r(body.terms[1])})"
    # Math.exp is Infinity past the float range, as NumPy's exp (no guard needed)
    return f"Math.{name}({r(arg)})"


JAVASCRIPT = Dialect(
    "JavaScript",
    _js_number,
    lambda test, then, otherwise: f"({test} > 0.0 ? {then} : {otherwise})",
    _js_call,
    lambda a, b: f"({a} >= {b} ? {a} : {b})",
)


def render_js(expr: Expr) -> str:
    """``expr`` as a JavaScript expression on doubles (symbols are variable names).

    >>> render_js(Call("log", (Add((ONE, Call("exp", (Neg(Sym("n")),)))),)))
    'Math.log1p(Math.exp((-n)))'
    """
    return render(expr, JAVASCRIPT)


def step_function(network: Network, n_samples: int) -> tuple[str, list[str]]:
    """``function (p, X, T, eta)`` as JavaScript source, and the names it returns values of.

    ``p`` holds the parameters in ``compiled.parameters`` order, ``X`` and ``T``
    the samples' inputs and targets (arrays of arrays), ``eta`` the learning rate.
    The function returns an object from ``glassnet check`` names to numbers: every
    scalar value of the explanation (``explain --format json``'s ``values``).
    """
    generator = _JSGenerator(network, n_samples)
    return generator.function(), list(generator.names)


def train_function(network: Network, n_samples: int) -> str:
    """``function (p, X, T, eta, steps)``: ``steps`` full-batch updates, as JavaScript.

    The lines of ``codegen.Generator``'s training loop, which ``glassnet train`` runs as
    Python or C (``fast.compiled``, ``fast.native``), rendered with ``render_js``. It
    returns ``{done, p, losses, bad}``: the updates applied, the parameters after them
    (``compiled.parameters`` order), the loss after each, and the non-finite loss that
    stopped training (that update is not applied), else 0. For the networks
    ``fast.compiled.supports`` (elementwise activations, no paired loss);
    ``UnsupportedError`` for the others.
    """
    if network.loss.requires_activation is not None or not all(
        layer.activation.elementwise for layer in network.layers
    ):
        raise UnsupportedError("the training loop covers elementwise activations, unpaired losses")
    return _JSGenerator(network, n_samples).loop()


def _subst(expr: Expr, table: dict[Expr, Expr]) -> Expr:
    """``expr`` with every subtree found in ``table`` replaced."""
    if expr in table:
        return table[expr]
    if isinstance(expr, Group):
        return Group(_subst(expr.body, table))
    if isinstance(expr, Add):
        return Add(tuple(_subst(t, table) for t in expr.terms))
    if isinstance(expr, Mul):
        return Mul(tuple(_subst(f, table) for f in expr.factors))
    if isinstance(expr, Sub):
        return Sub(_subst(expr.left, table), _subst(expr.right, table))
    if isinstance(expr, Div):
        return Div(_subst(expr.top, table), _subst(expr.bottom, table))
    if isinstance(expr, Neg):
        return Neg(_subst(expr.arg, table))
    if isinstance(expr, Pow):
        return Pow(_subst(expr.base, table), expr.exponent)
    if isinstance(expr, Call):
        return Call(expr.name, tuple(_subst(a, table) for a in expr.args))
    if isinstance(expr, Cond):
        return Cond(
            _subst(expr.then, table), _subst(expr.test, table), _subst(expr.otherwise, table)
        )
    return expr


class _JSGenerator(Generator):
    """``codegen.Generator``'s names, one exact step with every value named, as JavaScript."""

    def __init__(self, network: Network, n_samples: int):
        super().__init__(network, n_samples, None)
        self.network = network
        self.n_in = network.layers[0].weights.shape[1]
        self.batch = n_samples > 1
        self.lines: list[str] = []
        self.names: dict[str, str] = {}  # check name -> variable
        self.declared: set[str] = set()

    def render(self, expr: Expr) -> str:
        return render_js(expr)

    # -- writing ------------------------------------------------------------

    def let(self, var: str, code: str, *names: str) -> None:
        """``var = code``, recorded under the check ``names``."""
        keyword = "" if var in self.declared else "var "
        self.declared.add(var)
        self.lines.append(f"  {keyword}{var} = {code};")
        for name in names:
            self.name(name, var)

    def name(self, name: str, var: str) -> None:
        self.names.setdefault(name, var)
        self.lines.append(f"  R[{js_string(name)}] = {var};")

    def sfx(self, s: int) -> str:
        return f"[{s + 1}]" if self.batch else ""

    def neuron(self, li: int, j: int) -> str:
        return self.network.names.node(li, j)

    # -- the training loop --------------------------------------------------

    def loop(self) -> str:
        """``codegen.Generator``'s loop (as ``native._CGenerator.function`` writes it in C)."""
        prologue = self.forward("", rounded=False, updated=False)
        backward = self.backward("")
        after = self.forward("", rounded=False, updated=True)
        local = sorted({line.split(" = ")[0] for line in prologue + backward + after})
        unpack = [f"  var {name} = p[{k}];" for k, name in enumerate(self.params)]
        for s in self.samples:
            unpack += [f"  var x{s}_{i} = X[{s}][{i}];" for i in range(self.n_in)]
            unpack += [f"  var t{s}_{k} = T[{s}][{k}];" for k in range(self.n_out)]
        return "\n".join(
            [
                "function (p, X, T, eta, steps) {",
                *unpack,
                "  var " + ", ".join(local) + ";",
                "  var losses = [], bad = 0, step;",
                *(f"  {line};" for line in prologue),
                "  for (step = 0; step < steps; step += 1) {",
                *(f"    {line};" for line in backward + after),
                # a diverged update is dropped: the old names still hold the parameters
                "    if (!(loss - loss === 0)) { bad = loss; break; }",
                *(f"    {p} = {self.new(p)};" for p in self.trained),
                "    losses.push(loss);",
                "  }",
                f"  return {{done: step, p: [{', '.join(self.params)}],"
                " losses: losses, bad: bad};",
                "}",
            ]
        )

    # -- the step -----------------------------------------------------------

    def function(self) -> str:
        names = self.network.names
        self.lines = []
        for k, param in enumerate(self.params):
            self.let(param, f"p[{k}]")
        for li, layer in enumerate(self.layers):
            n_j, n_i = layer.weights.shape
            for j in range(n_j):
                for i in range(n_i):
                    self.name(names.weight(li, j, i), self.w(li, j, i))
            if layer.bias is not None:
                for j in range(1 if layer.bias.ndim == 0 else n_j):
                    self.name(names.bias(li, j), self.b(li, j))
        for s in self.samples:
            for i in range(self.n_in):
                self.let(f"x{s}_{i}", f"X[{s}][{i}]", names.input(i) + self.sfx(s))
            for k in range(self.n_out):
                target = f"target_{self.neuron(self.last, k)}{self.sfx(s)}"
                self.let(f"t{s}_{k}", f"T[{s}][{k}]", target)
        self.name("eta", "eta")
        self.forward_pass("", updated=False)
        self.loss_lines("", updated=False)
        for li in range(self.last, -1, -1):
            n_j, n_i = self.layers[li].weights.shape
            for s in self.samples:
                for j in range(n_j):
                    self.error_lines(li, j, s)
                for j in range(n_j):
                    self.delta_line(li, j, s)
            for j in range(n_j):
                for i in range(n_i):
                    self.weight_lines(li, j, i)
            self.bias_lines(li)
            self.update_lines(li)
        self.forward_pass("a", updated=True)
        self.loss_lines("a", updated=True)
        return "\n".join(
            ["function (p, X, T, eta) {", "  var R = {};", *self.lines, "  return R;", "}"]
        )

    def forward_pass(self, pre: str, *, updated: bool) -> None:
        """net and out of every neuron (variables prefixed ``pre``; ``updated``: new parameters)."""
        p = self.new if updated else (lambda name: name)
        for s in self.samples:
            for li, layer in enumerate(self.layers):
                n_j, n_i = layer.weights.shape
                last = li == self.last
                sources = [
                    f"x{s}_{i}" if li == 0 else f"{pre}o{li - 1}_{s}_{i}" for i in range(n_i)
                ]
                for j in range(n_j):
                    total = " + ".join(f"{p(self.w(li, j, i))} * {sources[i]}" for i in range(n_i))
                    bias = f" + {p(self.b(li, j))}" if layer.bias is not None else ""
                    name = [] if updated else [f"net_{self.neuron(li, j)}{self.sfx(s)}"]
                    self.let(f"{pre}n{li}_{s}_{j}", f"({total}){bias}", *name)
                nets = tuple(Sym(f"{pre}n{li}_{s}_{j}") for j in range(n_j))
                if not layer.activation.elementwise:
                    # the engine's shift by the maximum, which softmax does not change
                    top: Expr = nets[0]
                    for net in nets[1:]:
                        top = Call("max", (top, net))
                    self.let(f"{pre}m{li}_{s}", self.render(top))
                    for j in range(n_j):
                        self.let(f"{pre}z{li}_{s}_{j}", f"{pre}n{li}_{s}_{j} - {pre}m{li}_{s}")
                    nets = tuple(Sym(f"{pre}z{li}_{s}_{j}") for j in range(n_j))
                for j in range(n_j):
                    out = self.render(layer.activation.out_formula(nets[j], nets))
                    o = self.neuron(li, j)
                    if updated:
                        name = [f"out_{o}+{self.sfx(s)}"] if last else []
                    else:
                        name = [f"out_{o}{self.sfx(s)}"]
                    self.let(f"{pre}o{li}_{s}_{j}", out, *name)

    def term(self, pre: str, s: int, k: int) -> Expr:
        """Output k's loss term for sample s, in the engine's stable form for a paired loss."""
        loss, layer = self.loss, self.layers[self.last]
        out, target = Sym(f"{pre}o{self.last}_{s}_{k}"), Sym(f"t{s}_{k}")
        expr = loss.term_expr(out, target, self.n_out)
        if loss.requires_activation is None:
            return expr
        net = Sym(f"{pre}n{self.last}_{s}_{k}")
        if not layer.activation.elementwise:  # log-softmax from the shifted net inputs
            exps = tuple(
                Call("exp", (Sym(f"{pre}z{self.last}_{s}_{i}"),)) for i in range(self.n_out)
            )
            z = Sym(f"{pre}z{self.last}_{s}_{k}")
            stable = _subst(expr, {Call("log", (out,)): Sub(z, Call("log", (Add(exps),)))})
            return Cond(stable, target, Num(0.0))  # 0 · log(0) counts as 0
        softplus = Softplus()
        return _subst(
            expr,
            {
                Call("log", (out,)): Neg(softplus.out_formula(Neg(net), ())),
                Call("log", (Group(Sub(ONE, out)),)): Neg(softplus.out_formula(net, ())),
            },
        )

    def loss_lines(self, pre: str, *, updated: bool) -> None:
        plus = "+" if updated else ""
        for s in self.samples:
            terms = []
            for k in range(self.n_out):
                var = f"{pre}E{s}_{k}"
                name = [] if updated else [f"E_{self.neuron(self.last, k)}{self.sfx(s)}"]
                self.let(var, self.render(self.term(pre, s, k)), *name)
                terms.append(var)
            sample = [f"E_total{plus}{self.sfx(s)}"] if self.batch else []
            self.let(f"{pre}L{s}", "(" + " + ".join(terms) + ")", *sample)
        total = "(" + " + ".join(f"{pre}L{s}" for s in self.samples) + ")"
        if self.loss_mean:
            total += f" / {float(len(self.samples))!r}"
        self.let(f"{pre}loss", total, f"E_total{plus}")

    def error_lines(self, li: int, j: int, s: int) -> None:
        """``dE/dout`` (its shares for a hidden neuron) and ``dout/dnet`` of neuron j, sample s."""
        act = self.layers[li].activation
        n, sfx = self.neuron(li, j), self.sfx(s)
        o, net = Sym(f"o{li}_{s}_{j}"), Sym(f"n{li}_{s}_{j}")
        target = Sym(f"t{s}_{j}")
        if li == self.last:
            self.let(f"g{li}_{s}_{j}", self.render(self.loss.grad_expr(o, target, self.n_out)),
                     f"dE/dout_{n}{sfx}")  # fmt: skip
        else:
            above = self.layers[li + 1]
            shares = []
            for k in range(above.weights.shape[0]):
                var = f"c{li}_{s}_{k}_{j}"
                m = self.neuron(li + 1, k)
                key = (
                    f"dE_{m}/dout_{n}"
                    if li + 1 == self.last and above.activation.elementwise
                    else f"dE/dnet_{m}*dnet_{m}/dout_{n}"
                )
                self.let(var, f"d{li + 1}_{s}_{k} * {self.w(li + 1, k, j)}", key + sfx)
                shares.append(var)
            self.let(f"g{li}_{s}_{j}", "(" + " + ".join(shares) + ")", f"dE/dout_{n}{sfx}")
        if act.elementwise:
            self.let(f"f{li}_{s}_{j}", self.render(act.derivative_expr(net, o)),
                     f"dout_{n}/dnet_{n}{sfx}")  # fmt: skip

    def delta_line(self, li: int, j: int, s: int) -> None:
        """``δ`` of neuron j of layer li for sample s (after every ``dE/dout`` of its layer)."""
        n_j, act = self.layers[li].weights.shape[0], self.layers[li].activation
        o, target = Sym(f"o{li}_{s}_{j}"), Sym(f"t{s}_{j}")
        combined = li == self.last and self.loss.requires_activation is not None
        if combined:
            out: Expr = o
            if self.loss.targets_sum_to_one:  # Loss.grad_net: out times the targets' sum
                out = Mul((o, Group(Add(tuple(Sym(f"t{s}_{k}") for k in range(self.n_out))))))
            delta = self.render(self.loss.combined_expr(out, target))
        elif act.elementwise:
            delta = f"g{li}_{s}_{j} * f{li}_{s}_{j}"
        else:  # Softmax.backward: out_j (dE/dout_j - sum_k dE/dout_k out_k)
            dot = Add(
                tuple(Mul((Sym(f"g{li}_{s}_{k}"), Sym(f"o{li}_{s}_{k}"))) for k in range(n_j))
            )
            delta = self.render(Mul((o, Group(Sub(Sym(f"g{li}_{s}_{j}"), Group(dot))))))
        self.let(f"d{li}_{s}_{j}", delta, f"delta_{self.neuron(li, j)}{self.sfx(s)}")

    def weight_lines(self, li: int, j: int, i: int) -> None:
        """``dnet/dw``, each sample's ``dE/dw`` and the batch's."""
        names = self.network.names
        w, n = names.weight(li, j, i), self.neuron(li, j)
        var = self.w(li, j, i)
        per_sample = []
        for s in self.samples:
            source = f"x{s}_{i}" if li == 0 else f"o{li - 1}_{s}_{i}"
            self.name(f"dnet_{n}/d{w}{self.sfx(s)}", source)
            self.let(f"q{var}_{s}", f"d{li}_{s}_{j} * {source}", f"dE/d{w}{self.sfx(s)}")
            per_sample.append(f"q{var}_{s}")
        if self.batch:
            self.let(f"g{var}", "(" + " + ".join(per_sample) + ")" + self.scale, f"dE/d{w}")
        else:
            self.let(f"g{var}", per_sample[0])

    def bias_lines(self, li: int) -> None:
        """Each sample's ``dE/db`` and the batch's, trained or frozen (as the explanation)."""
        layer = self.layers[li]
        if layer.bias is None:
            return
        names = self.network.names
        n_j = layer.weights.shape[0]
        shared = layer.bias.ndim == 0
        for s in self.samples:
            if shared:
                total = " + ".join(f"d{li}_{s}_{j}" for j in range(n_j))
                self.let(
                    f"q{self.b(li, 0)}_{s}", f"({total})", f"dE/d{names.bias(li)}{self.sfx(s)}"
                )
            else:
                for j in range(n_j):
                    self.let(f"q{self.b(li, j)}_{s}", f"d{li}_{s}_{j}",
                             f"dE/d{names.bias(li, j)}{self.sfx(s)}")  # fmt: skip
        # the engine's order: per neuron over the samples, scaled, then (shared) over the neurons
        per_neuron = [
            "(" + " + ".join(f"d{li}_{s}_{j}" for s in self.samples) + f"){self.scale}"
            for j in range(n_j)
        ]
        if shared:
            key = [f"dE/d{names.bias(li)}"] if self.batch else []
            self.let(f"g{self.b(li, 0)}", " + ".join(per_neuron), *key)
        else:
            for j in range(n_j):
                key = [f"dE/d{names.bias(li, j)}"] if self.batch else []
                self.let(f"g{self.b(li, j)}", per_neuron[j], *key)

    def update_lines(self, li: int) -> None:
        """``p+ = p - η dE/dp`` for the trained parameters; a frozen bias keeps its value."""
        names = self.network.names
        layer = self.layers[li]
        n_j, n_i = layer.weights.shape
        for j in range(n_j):
            for i in range(n_i):
                var = self.w(li, j, i)
                self.let(f"v{var}", f"{var} - eta * g{var}", f"{names.weight(li, j, i)}+")
        if layer.bias is None:
            return
        for j in range(1 if layer.bias.ndim == 0 else n_j):
            var, name = self.b(li, j), names.bias(li, j)
            if var in self.trained:
                self.let(f"v{var}", f"{var} - eta * g{var}", f"{name}+")
            else:
                self.name(f"{name}+", var)
