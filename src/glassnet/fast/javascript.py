"""One exact update of a small network as JavaScript, from the explanations' formulas.

The HTML page recomputes every number it shows in the browser, for the file's
network or for the learner's edit of it (numbers, each layer's activation, the
loss). It does not carry a second, hand-written backpropagation: this module
writes the code, with ``codegen.Generator``'s names and parameter order, from the
formula trees the explanation prints (``Activation.out_formula``,
``Activation.derivative_expr``, ``Loss.term_expr``, ``Loss.grad_expr``,
``Loss.combined_expr``), rendered as JavaScript by ``render_js``. For one sample
``s``, layer ``l`` and neuron ``j`` it computes, and names by their ``glassnet
check`` names (``net_h1``, ``dE/dout_o1``, ``delta_o1``, ``dE/dw5``, ``w5+``,
``E_total+``, …)::

    net = w_j0 * in_0 + … + b_j        out = out_formula(net)
    E_j = term_expr(out, t)            E_total = reduce_s sum_j E_j
    dE/dout = grad_expr(out, t) (output) or sum_k δ_k w_kj (hidden, one share per k)
    dout/dnet = derivative_expr(net, out)          δ = dE/dout * dout/dnet
    dE/dw = δ * in (per sample), reduce_s           w+ = w - η dE/dw

What the page gets (``live_functions``; ``step_function`` and ``train_function``
give each alone)::

    step(p, X, T, eta, choice)         -> {check name: number}
    train(p, X, T, eta, steps, choice) -> {done, p, losses, bad}

``p`` holds the parameters in ``compiled.parameters`` order, ``X`` and ``T`` the
samples' inputs and targets (arrays of arrays), ``eta`` the learning rate, and
``choice = {acts: [registry name per layer], loss: registry name}`` the
activations and the loss (omitted, or either key omitted: the file's). ``train``
runs ``steps`` full-batch updates and returns the updates applied, the
parameters after them, the loss after each, and the non-finite loss that
stopped training (that update is not applied), else 0.

**Switching.** Every activation a layer may take and every loss is written
once, as small generated functions: ``{f: out_formula(n), d: derivative_expr(n,
o)}`` per elementwise activation, ``{e: term_expr(o, t), g: grad_expr(o, t)}``
per loss, and for a loss paired with its output activation
(``Loss.requires_activation``) also ``c: combined_expr(o, t)``, its stable term
``s`` and the activation it needs. The straight-line step calls them per layer.
At the output the structural case is picked at run time from ``choice``:

- elementwise output, unpaired loss: ``δ = dE/dout * dout/dnet``;
- softmax output (not elementwise), unpaired loss: ``out`` from the net inputs
  minus their maximum (as ``Softmax.forward``; softmax does not change under the
  shift) and ``δ`` through its Jacobian as ``Softmax.backward`` does:
  ``δ_j = out_j (dE/dout_j - sum_k dE/dout_k out_k)``;
- a paired loss: its terms from the net input, as ``Loss.terms`` computes them
  (in ``term_expr`` each ``log(out)`` is the log-softmax ``z_j - log(sum_k exp
  z_k)``, a cross-entropy term with target 0 is 0; for sigmoid ``log(out) =
  -softplus(-net)`` and ``log(1 - out) = -softplus(net)``), and ``δ`` is
  ``combined_expr`` with ``out`` times the sum of the sample's targets when they
  must sum to 1 (``Loss.grad_net``: they do only to rounding), else times 1 (exact).

The names a step returns are the names ``glassnet explain`` gives the edited
example: with a softmax output there is no ``dout_o1/dnet_o1`` and the last
hidden layer's shares are ``dE/dnet_o1*dnet_o1/dout_h1`` instead of
``dE_o1/dout_h1``; a paired loss changes no name (the explanation still shows
``dE/dout`` and ``dout/dnet`` of a sigmoid output beside the combined ``δ``).

**Which choices.** ``choices(network)`` lists what the network's own validation
allows (``network.check_activation``, ``network.check_loss``), for the page's
data: each layer may take every registry activation allowed there (softmax only
on the output layer), and each output activation every loss whose required
activation is it or none (``cross_entropy`` needs softmax,
``binary_cross_entropy`` sigmoid). A layer switched to its file's activation gets
the file's settings (``leaky_relu``'s slope); to another activation, that
activation's defaults (slope 0.01). ``with_choice`` builds that network in Python.
Losses that accept only some targets (``Loss.bad_target``) are listed with their
rule in ``TARGET_RULES``: the page must refuse such a loss for targets that break it,
as ``glassnet explain`` refuses the file.

**Exactness.** The code follows ``engine.backprop`` (the exact method, no
``Variant``) operation for operation, so its numbers equal the engine's to the
last bit or two (``Math.exp``, ``Math.tanh`` and ``Math.log1p`` may differ from
NumPy's in the last bit, and NumPy's BLAS may sum in another order).
``log(1 + u)`` is ``Math.log1p(u)``, as NumPy's ``logaddexp`` (softplus).
``Math.exp`` gives ``Infinity`` past the float range and ``Math.log``
``-Infinity`` at 0 and ``NaN`` below, as NumPy does, so a diverging step shows the
same non-finite numbers as the static page. The generated code contains no
``eval`` and no ``new Function``: it is plain functions in the page's hashed
script.

Every network the explanation shows neuron by neuron is covered: every
activation and loss, bias modes ``neuron``/``shared``/``none``, trained or
frozen biases, mean or sum over a batch. Not covered: ``Variant`` (the mistakes
of ``glassnet check``) and matrix form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from glassnet.activations import (
    ACTIVATIONS,
    Activation,
    Sigmoid,
    Softmax,
    Softplus,
    get_activation,
)
from glassnet.errors import GlassnetError
from glassnet.fast.codegen import Dialect, Generator, UnsupportedError, render
from glassnet.fast.compiled import MAX_SAMPLES, MAX_WIDTH, MAX_WORK
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
from glassnet.losses import LOSSES, SUM_TOLERANCE, get_loss
from glassnet.network import Layer, Network, check_activation, check_loss

__all__ = [
    "TARGET_RULES",
    "UnsupportedError",
    "activation_options",
    "choices",
    "js_string",
    "live_functions",
    "losses_for",
    "render_js",
    "step_function",
    "train_function",
    "trainable",
    "with_choice",
]


def _target_rules() -> dict[str, dict[str, float]]:
    """The targets each loss accepts, from its declarations (``Loss.target_low``,
    ``target_high``, ``targets_sum_to_one``: what ``Loss.bad_target`` checks): every target
    ``>= min`` (and ``<= max``), and a sample's targets summing to ``sum`` within ``tol``."""
    rules: dict[str, dict[str, float]] = {}
    for name, make in LOSSES.items():
        loss = make()
        rule: dict[str, float] = {}
        if loss.target_low is not None:
            rule["min"] = loss.target_low
        if loss.target_high is not None:
            rule["max"] = loss.target_high
        if loss.targets_sum_to_one:
            rule.update(sum=1.0, tol=SUM_TOLERANCE)
        if rule:
            rules[name] = rule
    return rules


#: The targets a loss accepts, where ``Loss.bad_target`` refuses some (``_target_rules``).
TARGET_RULES: dict[str, dict[str, float]] = _target_rules()


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


def choices(network: Network) -> dict[str, Any]:
    """The activations each layer may take and the losses each output activation allows.

    ``{"acts": [[names for layer 1], …], "losses": {output activation: [losses]},
    "targets": {loss: rule}}``: exactly what ``network.check_activation`` and
    ``network.check_loss`` accept, and ``TARGET_RULES`` for the losses listed.
    """
    options = activation_options(network)
    losses = {name: losses_for(act) for name, act in options[-1].items()}
    listed = {loss for names in losses.values() for loss in names}
    return {
        "acts": [list(allowed) for allowed in options],
        "losses": losses,
        "targets": {loss: rule for loss, rule in TARGET_RULES.items() if loss in listed},
    }


def with_choice(network: Network, acts: Sequence[str], loss: str) -> Network:
    """``network`` with each layer's activation and the loss switched as the page does.

    A layer keeps its own activation object (and settings) when ``acts`` names it,
    else gets the named activation's defaults. ``GlassnetError`` for a choice the
    network does not allow.
    """
    options = activation_options(network)
    if len(acts) != len(options):
        raise GlassnetError(f"expected {len(options)} activations, got {len(acts)}", field="acts")
    layers = []
    for index, (layer, name, allowed) in enumerate(zip(network.layers, acts, options)):
        if name not in allowed:
            raise GlassnetError(
                f"expected one of {', '.join(allowed)}, got {name!r}",
                field=f"layers[{index}].activation",
            )
        layers.append(
            Layer(
                layer.weights,
                allowed[name],
                bias=layer.bias,
                train_bias=layer.train_bias,
                dtype=layer.weights.dtype,
            )
        )
    return Network(layers, loss=loss, batch_reduction=network.batch_reduction, names=network.names)


def trainable(network: Network, n_samples: int) -> bool:
    """Whether the page gets a training loop: the sizes ``glassnet train`` compiles
    (``fast.compiled.supports``) for any activations and loss, in float64."""
    if network.dtype != np.float64 or not 1 <= n_samples <= MAX_SAMPLES:
        return False
    shapes = [layer.weights.shape for layer in network.layers]
    if any(max(shape) > MAX_WIDTH for shape in shapes):
        return False
    return sum(n_out * n_in for n_out, n_in in shapes) * n_samples <= MAX_WORK


def live_functions(network: Network, n_samples: int, *, train: bool = True) -> str:
    """A JavaScript expression for ``{step: …, train: …}`` (``train`` null unless asked).

    Both share one copy of the generated activation and loss functions; see the
    module docstring for how to call them.
    """
    generator = _Live(network, n_samples)
    step = generator.step()
    loop = generator.loop() if train else "null"
    return generator.module(f"{{step: {step}, train: {loop}}}")


def step_function(network: Network, n_samples: int) -> tuple[str, list[str]]:
    """``function (p, X, T, eta, choice)`` as a JavaScript expression, and the names it
    returns values of for the file's own activations and loss.

    The function returns an object from ``glassnet check`` names to numbers: every
    scalar value of the explanation (``explain --format json``'s ``values``).
    """
    generator = _Live(network, n_samples)
    step = generator.step()
    return generator.module(step), generator.names_for(generator.own_shifted)


def train_function(network: Network, n_samples: int) -> str:
    """``function (p, X, T, eta, steps, choice)``: ``steps`` full-batch updates, as JavaScript.

    The lines of ``codegen.Generator``'s training loop (which ``glassnet train`` runs
    as Python or C), with the output's structural cases of the step; it returns
    ``{done, p, losses, bad}`` (module docstring).
    """
    generator = _Live(network, n_samples)
    return generator.module(generator.loop())


def activation_options(network: Network) -> list[dict[str, Activation]]:
    """Per layer, the activations it may take, by registry name (see ``with_choice``)."""
    n_layers = len(network.layers)
    result = []
    for index, layer in enumerate(network.layers):
        allowed = {}
        for name in ACTIVATIONS:
            act = layer.activation if layer.activation.name == name else get_activation(name)
            try:
                check_activation(act, index, n_layers)
            except GlassnetError:
                continue
            allowed[name] = act
        result.append(allowed)
    return result


def losses_for(output: Activation) -> list[str]:
    """The losses an output layer of activation ``output`` allows (``network.check_loss``)."""
    allowed = []
    for name in LOSSES:
        try:
            check_loss(get_loss(name), output)
        except GlassnetError:
            continue
        allowed.append(name)
    return allowed


def _function(args: str, expr: Expr) -> str:
    return f"function ({args}) {{ return {render_js(expr)}; }}"


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


class _Live(Generator):
    """``codegen.Generator``'s names: the library of activations and losses, the step with
    every value named, and the training loop, each switched at run time by ``choice``."""

    def __init__(self, network: Network, n_samples: int):
        super().__init__(network, n_samples, None)
        self.network = network
        self.n_in = network.layers[0].weights.shape[1]
        self.batch = n_samples > 1
        self.options = activation_options(network)
        # the one activation that is not elementwise, whose Jacobian the step writes out
        shifted = [act for act in self.options[-1].values() if not act.elementwise]
        if len(shifted) > 1 or not all(isinstance(act, Softmax) for act in shifted):
            raise UnsupportedError("the only non-elementwise activation covered is softmax")
        self.softmax = shifted[0] if shifted else None
        self.own_shifted = not network.layers[-1].activation.elementwise
        self.named = False  # writing the step (values named) or the loop
        self.lines: list[str] = []
        self.depth = 1
        self.vars: dict[str, None] = {}
        self.names: list[tuple[str, bool | None]] = []  # (name, softmax output or None: both)
        self.shifted: bool | None = None  # the output branch being written

    def render(self, expr: Expr) -> str:
        return render_js(expr)

    def names_for(self, shifted: bool) -> list[str]:
        """The names the step returns when the output is (not) softmax."""
        names = (name for name, when in self.names if when is None or when == shifted)
        return list(dict.fromkeys(names))

    # -- writing ------------------------------------------------------------

    def put(self, line: str) -> None:
        self.lines.append("  " * self.depth + line)

    def let(self, var: str, code: str, *names: str) -> None:
        """``var = code``, recorded under the check ``names`` in the step."""
        self.vars[var] = None
        self.put(f"{var} = {code};")
        for name in names:
            self.name(name, var)

    def name(self, name: str, var: str) -> None:
        if self.named:
            self.names.append((name, self.shifted))
            self.put(f"R[{js_string(name)}] = {var};")

    def either(self, if_shifted: str, otherwise: str, var: str) -> None:
        """``var`` named one way with a softmax output, the other way without."""
        if self.named:
            self.names += [(if_shifted, True), (otherwise, False)]
            self.put(f"R[sm ? {js_string(if_shifted)} : {js_string(otherwise)}] = {var};")

    @contextmanager
    def arm(self, head: str, shifted: bool | None = None) -> Iterator[None]:
        """One arm of an ``if``: ``head`` is ``if (…) {``, ``} else if (…) {`` or ``} else {``."""
        self.put(head)
        self.depth += 1
        outer = self.shifted
        self.shifted = outer if shifted is None else shifted
        try:
            yield
        finally:
            self.shifted = outer
            self.depth -= 1

    def sfx(self, s: int) -> str:
        return f"[{s + 1}]" if self.batch else ""

    def neuron(self, li: int, j: int) -> str:
        return self.network.names.node(li, j)

    # -- the library --------------------------------------------------------

    def module(self, value: str) -> str:
        """``value`` (a function or an object of them) with the library in its scope."""
        return "\n".join(["(function () {", *self.library(), f"return {value};", "})()"])

    def library(self) -> list[str]:
        """Each activation a layer may take and each loss, once; ``pick`` reads ``choice``."""
        lines: list[str] = []
        ids: dict[str, str] = {}
        tables = []
        for allowed in self.options:
            entries = []
            for name, act in allowed.items():
                if repr(act) not in ids:
                    ids[repr(act)] = f"A{len(ids)}"
                    lines.append(f"var {ids[repr(act)]} = {self.activation_object(act)};")
                entries.append(f"{js_string(name)}: {ids[repr(act)]}")
            tables.append("{" + ", ".join(entries) + "}")
        lines.append("var ACTS = [" + ", ".join(tables) + "];")
        lines.append("var LOSSES = {")
        lines += [f"  {js_string(name)}: {self.loss_object(name)}," for name in LOSSES]
        lines.append("};")
        own = ", ".join(js_string(layer.activation.name) for layer in self.layers)
        lines += [
            "function pick(choice) {",
            f"  var acts = choice && choice.acts ? choice.acts : [{own}];",
            f"  var loss = choice && choice.loss ? choice.loss : {js_string(self.loss.name)};",
            "  var has = Object.prototype.hasOwnProperty, a = [], l;",
            f"  if (acts.length !== {len(self.layers)}) {{",
            f'    throw new Error("glassnet: choice.acts must name {len(self.layers)} '
            'activations, got " + acts.length);',
            "  }",
            f"  for (l = 0; l < {len(self.layers)}; l += 1) {{",
            "    if (!has.call(ACTS[l], acts[l])) {",
            '      throw new Error("glassnet: layer " + (l + 1) + " cannot take activation " + '
            "acts[l]);",
            "    }",
            "    a.push(ACTS[l][acts[l]]);",
            "  }",
            '  if (!has.call(LOSSES, loss)) { throw new Error("glassnet: unknown loss " + loss); }',
            "  var L = LOSSES[loss], out = acts[acts.length - 1];",
            "  if (L.r && L.r !== out) {",
            '    throw new Error("glassnet: loss " + loss + " needs a " + L.r + '
            '" output layer, got " + out);',
            "  }",
            "  return {a: a, l: L};",
            "}",
        ]
        return lines

    def activation_object(self, act: Activation) -> str:
        """``{f: out(n), d: dout/dnet(n, o)}``; softmax is written where it is used."""
        if not act.elementwise:
            return "{shifted: 1}"
        n, o = Sym("n"), Sym("o")
        return (
            f"{{f: {_function('n', act.out_formula(n, (n,)))}, "
            f"d: {_function('n, o', act.derivative_expr(n, o))}}}"
        )

    def loss_object(self, name: str) -> str:
        """``{e: term(o, t), g: dE/dout(o, t)}``, and for a paired loss ``c`` (combined δ),
        ``s`` (the stable term), ``u`` (scale out by the targets' sum) and ``r`` (its output)."""
        loss = get_loss(name)
        o, t = Sym("o"), Sym("t")
        term = loss.term_expr(o, t, self.n_out)
        parts = [
            f"e: {_function('o, t', term)}",
            f"g: {_function('o, t', loss.grad_expr(o, t, self.n_out))}",
        ]
        paired = loss.requires_activation
        if paired is not None:
            parts += [
                f"c: {_function('o, t', loss.combined_expr(o, t))}",
                f"u: {1 if loss.targets_sum_to_one else 0}",
                f"r: {js_string(paired)}",
            ]
            act = get_activation(paired)
            if not act.elementwise:  # log-softmax from the shifted net inputs; 0 · log(0) is 0
                stable = _subst(term, {Call("log", (o,)): Sub(Sym("z"), Sym("lse"))})
                parts.append(f"s: {_function('z, lse, t', Cond(stable, t, Num(0.0)))}")
            elif isinstance(act, Sigmoid):  # log(out) = -softplus(-n), log(1-out) = -softplus(n)
                n, softplus = Sym("n"), Softplus()
                stable = _subst(
                    term,
                    {
                        Call("log", (o,)): Neg(softplus.out_formula(Neg(n), ())),
                        Call("log", (Group(Sub(ONE, o)),)): Neg(softplus.out_formula(n, ())),
                    },
                )
                parts.append(f"s: {_function('n, t', stable)}")
            else:
                raise UnsupportedError(f"no stable form of {name} with {paired}")
        return "{" + ", ".join(parts) + "}"

    def prologue(self) -> list[str]:
        """The chosen functions in local names (``F{l}``, ``D{l}``, ``LE``, …), ``sm``, ``pr``."""
        last = self.last
        acts = ", ".join(
            f"F{li} = C.a[{li}].f, D{li} = C.a[{li}].d" for li in range(len(self.layers))
        )
        return [
            "  var C = pick(choice);",
            f"  var sm = C.a[{last}].shifted ? 1 : 0, pr = C.l.r ? 1 : 0, U = C.l.u;",
            f"  var {acts};",
            "  var LE = C.l.e, LG = C.l.g, LS = C.l.s, LC = C.l.c;",
        ]

    # -- the step -----------------------------------------------------------

    def step(self) -> str:
        """``function (p, X, T, eta, choice)`` returning every value by its check name."""
        names = self.network.names
        self.named, self.lines, self.vars, self.names, self.depth = True, [], {}, [], 1
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
        self.backward_pass()
        self.forward_pass("a", updated=True)
        self.loss_lines("a", updated=True)
        return "\n".join(
            [
                "function (p, X, T, eta, choice) {",
                *self.prologue(),
                "  var R = {};",
                "  var " + ", ".join(self.vars) + ";",
                *self.lines,
                "  return R;",
                "}",
            ]
        )

    # -- the training loop --------------------------------------------------

    def loop(self) -> str:
        """``codegen.Generator``'s loop: the forward pass that measures a step's loss is the
        next step's forward pass; a non-finite loss stops it before that update."""
        self.named, self.vars, self.depth = False, {}, 1
        self.lines = []
        self.forward_pass("", updated=False)
        self.loss_lines("", updated=False)
        first = self.lines
        self.lines, self.depth = [], 2
        self.backward_pass()
        self.forward_pass("", updated=True)
        self.loss_lines("", updated=True)
        body = self.lines
        unpack = [f"  var {name} = p[{k}];" for k, name in enumerate(self.params)]
        for s in self.samples:
            unpack += [f"  var x{s}_{i} = X[{s}][{i}];" for i in range(self.n_in)]
            unpack += [f"  var t{s}_{k} = T[{s}][{k}];" for k in range(self.n_out)]
        return "\n".join(
            [
                "function (p, X, T, eta, steps, choice) {",
                *self.prologue(),
                *unpack,
                "  var " + ", ".join(self.vars) + ";",
                "  var losses = [], bad = 0, step;",
                *first,
                "  for (step = 0; step < steps; step += 1) {",
                *body,
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

    # -- the passes ---------------------------------------------------------

    def forward_pass(self, pre: str, *, updated: bool) -> None:
        """net and out of every neuron (variables prefixed ``pre``; ``updated``: new parameters)."""
        p = self.new if updated else (lambda name: name)
        for s in self.samples:
            for li, layer in enumerate(self.layers):
                n_j, n_i = layer.weights.shape
                sources = [
                    f"x{s}_{i}" if li == 0 else f"{pre}o{li - 1}_{s}_{i}" for i in range(n_i)
                ]
                for j in range(n_j):
                    total = " + ".join(f"{p(self.w(li, j, i))} * {sources[i]}" for i in range(n_i))
                    bias = f" + {p(self.b(li, j))}" if layer.bias is not None else ""
                    name = [] if updated else [f"net_{self.neuron(li, j)}{self.sfx(s)}"]
                    self.let(f"{pre}n{li}_{s}_{j}", f"({total}){bias}", *name)
                if li == self.last and self.softmax is not None:
                    with self.arm("if (sm) {"):
                        self.softmax_lines(pre, s)
                    with self.arm("} else {"):
                        self.out_lines(pre, li, s)
                    self.put("}")
                else:
                    self.out_lines(pre, li, s)
                for j in range(n_j):
                    o = self.neuron(li, j)
                    if updated:
                        name = [f"out_{o}+{self.sfx(s)}"] if li == self.last else []
                    else:
                        name = [f"out_{o}{self.sfx(s)}"]
                    for key in name:
                        self.name(key, f"{pre}o{li}_{s}_{j}")

    def out_lines(self, pre: str, li: int, s: int) -> None:
        """``out = f(net)`` of an elementwise layer, through the chosen ``F{li}``."""
        for j in range(self.layers[li].weights.shape[0]):
            self.let(f"{pre}o{li}_{s}_{j}", f"F{li}({pre}n{li}_{s}_{j})")

    def softmax_lines(self, pre: str, s: int) -> None:
        """Softmax's ``out_formula`` at the net inputs minus their maximum, as the engine."""
        assert self.softmax is not None
        li, n_j = self.last, self.n_out
        top: Expr = Sym(f"{pre}n{li}_{s}_0")
        for j in range(1, n_j):
            top = Call("max", (top, Sym(f"{pre}n{li}_{s}_{j}")))
        self.let(f"{pre}m{li}_{s}", self.render(top))
        for j in range(n_j):
            self.let(f"{pre}z{li}_{s}_{j}", f"{pre}n{li}_{s}_{j} - {pre}m{li}_{s}")
        zs = tuple(Sym(f"{pre}z{li}_{s}_{j}") for j in range(n_j))
        for j in range(n_j):
            self.let(f"{pre}o{li}_{s}_{j}", self.render(self.softmax.out_formula(zs[j], zs)))

    def loss_lines(self, pre: str, *, updated: bool) -> None:
        """Each output's term (unpaired: ``LE(out, t)``; paired: ``LS``, stable), the sums."""
        plus, li = "+" if updated else "", self.last
        for s in self.samples:
            terms = [f"{pre}E{s}_{k}" for k in range(self.n_out)]
            with self.arm("if (!pr) {"):
                for k, var in enumerate(terms):
                    self.let(var, f"LE({pre}o{li}_{s}_{k}, t{s}_{k})")
            if self.softmax is not None:
                with self.arm("} else if (sm) {"):
                    exps = " + ".join(f"Math.exp({pre}z{li}_{s}_{k})" for k in range(self.n_out))
                    self.let(f"{pre}lse{s}", f"Math.log(({exps}))")
                    for k, var in enumerate(terms):
                        self.let(var, f"LS({pre}z{li}_{s}_{k}, {pre}lse{s}, t{s}_{k})")
            with self.arm("} else {"):
                for k, var in enumerate(terms):
                    self.let(var, f"LS({pre}n{li}_{s}_{k}, t{s}_{k})")
            self.put("}")
            if not updated:
                for k, var in enumerate(terms):
                    self.name(f"E_{self.neuron(li, k)}{self.sfx(s)}", var)
            sample = [f"E_total{plus}{self.sfx(s)}"] if self.batch else []
            self.let(f"{pre}L{s}", "(" + " + ".join(terms) + ")", *sample)
        total = "(" + " + ".join(f"{pre}L{s}" for s in self.samples) + ")"
        if self.loss_mean:
            total += f" / {float(len(self.samples))!r}"
        self.let(f"{pre}loss", total, f"E_total{plus}")

    def backward_pass(self) -> None:
        """Output layer first: deltas, gradients and the update of each layer."""
        for li in range(self.last, -1, -1):
            n_j, n_i = self.layers[li].weights.shape
            for s in self.samples:
                if li == self.last:
                    self.output_deltas(s)
                else:
                    for j in range(n_j):
                        self.hidden_delta(li, j, s)
            for j in range(n_j):
                for i in range(n_i):
                    self.weight_lines(li, j, i)
            self.bias_lines(li)
            self.update_lines(li)

    def output_deltas(self, s: int) -> None:
        """``dE/dout``, ``dout/dnet`` and ``δ`` of every output for sample s, by structure."""
        li, n_j, sfx = self.last, self.n_out, self.sfx(s)
        o = [f"o{li}_{s}_{j}" for j in range(n_j)]
        n = [f"n{li}_{s}_{j}" for j in range(n_j)]
        t = [f"t{s}_{j}" for j in range(n_j)]
        d = [f"d{li}_{s}_{j}" for j in range(n_j)]
        names = [self.neuron(li, j) for j in range(n_j)]

        def grads() -> None:
            for j in range(n_j):
                self.let(f"g{li}_{s}_{j}", f"LG({o[j]}, {t[j]})", f"dE/dout_{names[j]}{sfx}")

        def slopes() -> None:
            for j in range(n_j):
                self.let(f"f{li}_{s}_{j}", f"D{li}({n[j]}, {o[j]})",
                         f"dout_{names[j]}/dnet_{names[j]}{sfx}")  # fmt: skip

        if self.named:  # the explanation shows dE/dout (and dout/dnet) in every case
            grads()
            if self.softmax is None:
                slopes()
            else:
                with self.arm("if (!sm) {", shifted=False):
                    slopes()
                self.put("}")
        with self.arm("if (pr) {"):
            # Loss.grad_net: out times the targets' sum where they sum to 1 (times 1 is exact)
            self.let(f"u{s}", f"U ? ({' + '.join(t)}) : 1.0")
            for j in range(n_j):
                self.let(d[j], f"LC({o[j]} * u{s}, {t[j]})")
        if self.softmax is not None:
            with self.arm("} else if (sm) {", shifted=True):
                if not self.named:
                    grads()
                # Softmax.backward: out_j (dE/dout_j - sum_k dE/dout_k out_k)
                g = [f"g{li}_{s}_{j}" for j in range(n_j)]
                dot = " + ".join(f"({g[k]} * {o[k]})" for k in range(n_j))
                for j in range(n_j):
                    self.let(d[j], f"({o[j]} * ({g[j]} - ({dot})))")
        with self.arm("} else {", shifted=False if self.softmax is not None else None):
            if not self.named:
                grads()
                slopes()
            for j in range(n_j):
                self.let(d[j], f"g{li}_{s}_{j} * f{li}_{s}_{j}")
        self.put("}")
        for j in range(n_j):
            self.name(f"delta_{names[j]}{sfx}", d[j])

    def hidden_delta(self, li: int, j: int, s: int) -> None:
        """A hidden neuron's ``dE/dout`` (one share per neuron above), ``dout/dnet`` and ``δ``."""
        n, sfx = self.neuron(li, j), self.sfx(s)
        n_k = self.layers[li + 1].weights.shape[0]
        products = [f"d{li + 1}_{s}_{k} * {self.w(li + 1, k, j)}" for k in range(n_k)]
        if self.named:
            shares = []
            for k in range(n_k):
                var, m = f"c{li}_{s}_{k}_{j}", self.neuron(li + 1, k)
                self.let(var, products[k])
                chained = f"dE/dnet_{m}*dnet_{m}/dout_{n}{sfx}"
                if li + 1 == self.last and self.softmax is not None:
                    self.either(chained, f"dE_{m}/dout_{n}{sfx}", var)
                elif li + 1 == self.last:
                    self.name(f"dE_{m}/dout_{n}{sfx}", var)
                else:
                    self.name(chained, var)
                shares.append(var)
            products = shares
        self.let(f"g{li}_{s}_{j}", "(" + " + ".join(products) + ")", f"dE/dout_{n}{sfx}")
        self.let(
            f"f{li}_{s}_{j}", f"D{li}(n{li}_{s}_{j}, o{li}_{s}_{j})", f"dout_{n}/dnet_{n}{sfx}"
        )
        self.let(f"d{li}_{s}_{j}", f"g{li}_{s}_{j} * f{li}_{s}_{j}", f"delta_{n}{sfx}")

    def weight_lines(self, li: int, j: int, i: int) -> None:
        """``dnet/dw``, each sample's ``dE/dw`` and the batch's."""
        names = self.network.names
        w, n = names.weight(li, j, i), self.neuron(li, j)
        var = self.w(li, j, i)
        per_sample = []
        for s in self.samples:
            source = self.inp(li, s, i)
            product = f"d{li}_{s}_{j} * {source}"
            if self.named:
                self.name(f"dnet_{n}/d{w}{self.sfx(s)}", source)
                self.let(f"q{var}_{s}", product, f"dE/d{w}{self.sfx(s)}")
                product = f"q{var}_{s}"
            per_sample.append(product)
        if self.batch:
            self.let(f"g{var}", "(" + " + ".join(per_sample) + ")" + self.scale, f"dE/d{w}")
        else:
            self.let(f"g{var}", per_sample[0])

    def bias_lines(self, li: int) -> None:
        """Each sample's ``dE/db`` and the batch's, trained or frozen (as the explanation)."""
        layer = self.layers[li]
        if layer.bias is None or not (self.named or self.trains_bias(li)):
            return
        names = self.network.names
        n_j = layer.weights.shape[0]
        shared = layer.bias.ndim == 0
        for s in self.samples if self.named else ():
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
