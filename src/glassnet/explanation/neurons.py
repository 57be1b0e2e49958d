"""The explanation neuron by neuron and weight by weight, for small networks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from glassnet.explanation.model import E_TOTAL, ETA, UPDATE_RULE, Block, Rich, Section, Step
from glassnet.formula import (
    ONE,
    Add,
    Div,
    Expr,
    Group,
    Mul,
    Num,
    Partial,
    Sub,
    Sym,
)

if TYPE_CHECKING:
    from glassnet.names import Names
    from glassnet.network import Network
    from glassnet.trace import LayerTrace, Trace


class NeuronBuilder:
    """Steps neuron by neuron, weight by weight, for small networks."""

    def __init__(self, trace: Trace):
        self.trace = trace
        self.network: Network = trace.network
        self.names: Names = trace.network.names
        self.n_layers = len(trace.layers)
        self.batch = trace.n_samples > 1

    # -- symbols ----------------------------------------------------------

    def suffix(self, s: int) -> str:
        return f"[{s + 1}]" if self.batch else ""

    def out_target(self, s: int, j: int) -> tuple[Num, Num]:
        """Output neuron j's output and target for sample s, as numbers naming their values."""
        last = self.trace.layers[-1]
        o, sfx = self.neuron(last.index, j), self.suffix(s)
        return (
            Num(last.out[s, j], f"out_{o}{sfx}"),
            Num(self.trace.targets[s, j], f"target_{o}{sfx}"),
        )

    def neuron(self, layer: int, j: int) -> str:
        return self.names.node(layer, j)

    def at(self, expr: Expr, s: int) -> Expr:
        """A per-sample left-hand side, marked ``[s]`` when the batch has several samples."""
        if not self.batch:
            return expr
        mark = f"[{s + 1}]"
        if isinstance(expr, Sym):
            return (
                Sym(expr.base, (expr.sub or "") + mark, expr.updated)
                if expr.sub
                else Sym(expr.base + mark, None, expr.updated)
            )
        if isinstance(expr, Partial):
            return Partial(self.at(expr.top, s), expr.bottom)
        if isinstance(expr, Mul):  # a chain-rule product: the first factor carries the mark
            return Mul((self.at(expr.factors[0], s), *expr.factors[1:]))
        return expr

    def out_key(self, layer: int, j: int, s: int) -> str:
        """The check name of a neuron's output (an input of the network for layer -1)."""
        if layer < 0:
            return self.names.input(j) + self.suffix(s)
        return f"out_{self.neuron(layer, j)}{self.suffix(s)}"

    def out_sym(self, layer: int, j: int) -> Sym:
        """The output of a neuron, or an input of the network for layer -1."""
        if layer < 0:
            return Sym(self.names.input(j))
        return Sym("out", self.neuron(layer, j))

    def sections(self) -> list[Section]:
        sections = [
            self.given(),
            self.forward(),
            self.error(),
            self.backward(),
            self.update(),
            self.after(),
        ]
        if self.batch:
            # Per-sample steps have keys ending in [s]; their left-hand sides say so too.
            for section in sections:
                for block in section.blocks:
                    for step in block.steps:
                        if step.key.endswith("]"):
                            sample = int(step.key[step.key.rindex("[") + 1 : -1])
                            step.lhs = self.at(step.lhs, sample - 1)
        return sections

    # -- given ------------------------------------------------------------

    def given(self) -> Section:
        t, names = self.trace, self.names
        section = Section("given", "Given")
        for s in range(t.n_samples):
            block = Block(f"sample {s + 1}" if self.batch else "inputs and targets")
            for i, x in enumerate(t.inputs[s]):
                name = names.input(i)
                block.steps.append(Step(name + self.suffix(s), Sym(name), None, None, x, (name,)))
            last = self.n_layers - 1
            for j, target in enumerate(t.targets[s]):
                o = self.neuron(last, j)
                block.steps.append(
                    Step(f"target_{o}{self.suffix(s)}", Sym("target", o), None, None, target, (o,))
                )
            section.blocks.append(block)
        for lt in t.layers:
            block = Block(f"{names.layer(lt.index)}: weights and bias")
            for j in range(lt.weights.shape[0]):
                for i in range(lt.weights.shape[1]):
                    w = names.weight(lt.index, j, i)
                    block.steps.append(Step(w, Sym(w), None, None, lt.weights[j, i], (w,)))
            for b, value, note in self.biases(lt):
                block.steps.append(Step(b, Sym(b), None, None, value, (b,), note))
            section.blocks.append(block)
        section.blocks.append(
            Block("learning rate", [Step("eta", ETA, None, None, t.learning_rate)])
        )
        return section

    def biases(self, lt: LayerTrace) -> list[tuple[str, float, str]]:
        """``(name, value, note)`` of each bias parameter of a layer."""
        if lt.bias is None:
            return []
        note = "" if lt.trains_bias else "frozen: not updated"
        if lt.bias.ndim == 0:
            return [(self.names.bias(lt.index), float(lt.bias), note)]
        return [(self.names.bias(lt.index, j), float(v), note) for j, v in enumerate(lt.bias)]

    # -- forward ----------------------------------------------------------

    def forward(self) -> Section:
        t = self.trace
        section = Section("forward", "Forward pass")
        for s in range(t.n_samples):
            for lt in t.layers:
                nets = tuple(Sym("net", self.neuron(lt.index, k)) for k in range(lt.net.shape[1]))
                net_values = tuple(
                    Num(v, f"net_{self.neuron(lt.index, k)}{self.suffix(s)}")
                    for k, v in enumerate(lt.net[s])
                )
                for j in range(lt.net.shape[1]):
                    n = self.neuron(lt.index, j)
                    block = Block(f"{n}{self.sample_label(s)}")
                    block.steps.append(self.net_step(lt, s, j))
                    act = self.network.layers[lt.index].activation
                    block.steps.append(
                        Step(
                            f"out_{n}{self.suffix(s)}",
                            Sym("out", n),
                            act.out_formula(nets[j], nets),
                            act.out_formula(net_values[j], net_values),
                            lt.out[s, j],
                            (n,),
                        )
                    )
                    section.blocks.append(block)
        return section

    def sample_label(self, s: int) -> str:
        return f", sample {s + 1}" if self.batch else ""

    def net_step(self, lt: LayerTrace, s: int, j: int) -> Step:
        assert lt.net_terms is not None
        n = self.neuron(lt.index, j)
        symbols: list[Expr] = []
        numbers: list[Expr] = []
        touches = [n]
        for i in range(lt.weights.shape[1]):
            w = self.names.weight(lt.index, j, i)
            symbols.append(Mul((Sym(w), self.out_sym(lt.index - 1, i))))
            x = Num(lt.inputs[s, i], self.out_key(lt.index - 1, i, s))
            numbers.append(Mul((Num(lt.weights[j, i], w), x)))
            touches += [w, self.neuron(lt.index - 1, i)]
        if lt.bias is not None:
            b = self.names.bias(lt.index, j)
            symbols.append(Mul((Sym(b), ONE)))
            numbers.append(Mul((Num(_entry(lt.bias, j), b), ONE)))
            touches.append(b)
        return Step(
            f"net_{n}{self.suffix(s)}",
            Sym("net", n),
            Add(tuple(symbols)),
            Add(tuple(numbers)),
            lt.net[s, j],
            tuple(touches),
        )

    # -- error ------------------------------------------------------------

    def error(self) -> Section:
        t, loss = self.trace, self.network.loss
        last = t.layers[-1]
        n_out = last.out.shape[1]
        term = loss.term_expr(Sym("out", "j"), Sym("target", "j"), n_out)
        section = Section(
            "error",
            "Error",
            intro=f"loss: {loss.name}, E_j = {loss.formula}",
            intro_math=(f"loss: {loss.name}, ", (Sym("E", "j"), term)),
        )
        for s in range(t.n_samples):
            block = Block(f"sample {s + 1}" if self.batch else "the error of each output")
            terms = []
            for j in range(n_out):
                o = self.neuron(last.index, j)
                block.steps.append(
                    Step(
                        f"E_{o}{self.suffix(s)}",
                        Sym("E", o),
                        loss.term_expr(Sym("out", o), Sym("target", o), n_out),
                        loss.term_expr(*self.out_target(s, j), n_out),
                        t.loss_terms[s, j],
                        (o,),
                    )
                )
                terms.append(Sym("E", o))
            block.steps.append(
                Step(
                    f"E_total{self.suffix(s)}",
                    E_TOTAL,
                    Add(tuple(terms)),
                    Add(
                        tuple(
                            Num(v, f"E_{self.neuron(last.index, j)}{self.suffix(s)}")
                            for j, v in enumerate(t.loss_terms[s])
                        )
                    ),
                    t.sample_losses[s],
                )
            )
            section.blocks.append(block)
        if self.batch:
            section.blocks.append(
                Block(
                    "the batch",
                    [
                        Step(
                            "E_total",
                            E_TOTAL,
                            self.reduce([Sym("E", f"total[{s + 1}]") for s in range(t.n_samples)]),
                            self.reduce(
                                [
                                    Num(v, f"E_total{self.suffix(s)}")
                                    for s, v in enumerate(t.sample_losses)
                                ]
                            ),
                            t.loss,
                        )
                    ],
                )
            )
        return section

    def reduce(self, terms: list[Expr]) -> Expr:
        """The batch's mean or sum of per-sample values."""
        total = Add(tuple(terms))
        if self.network.batch_reduction == "sum":
            return total
        return Div(Group(total), Num(len(terms)))

    # -- backward ---------------------------------------------------------

    def backward(self) -> Section:
        t = self.trace
        intro, intro_math = self.backward_intro()
        section = Section("backward", "Backward pass", intro=intro, intro_math=intro_math)
        for lt in reversed(t.layers):
            for j in range(lt.out.shape[1]):
                for s in range(t.n_samples):
                    section.blocks.append(self.neuron_block(lt, j, s))
                for i in range(lt.weights.shape[1]):
                    section.blocks.append(self.weight_block(lt, j, i))
            section.blocks += self.bias_blocks(lt)
        return section

    def backward_intro(self) -> tuple[str, Rich]:
        """Why the terms of a hidden neuron's ∂E_total/∂out are named by path, when they are:
        the introduction as words, and with its formulas as formulas."""
        if all(self.per_output(layer) for layer in range(1, self.n_layers)):
            return "", ()  # no hidden layer, or Mazur's ∂E_o/∂out_h terms: nothing to explain
        last = self.network.layers[-1].activation
        out, net = Sym("out"), Sym("net")
        rich: Rich = (
            "Each term of a hidden neuron's ",
            (Partial(E_TOTAL, out),),
            " is its share through one net input of the next layer: ",
            (Mul((Partial(E_TOTAL, net), Partial(net, out))), Mul((Sym("δ"), Sym("w")))),
            ".",
        )
        if not last.elementwise:
            rich += (
                f" {last.name} couples the outputs (each output's error depends on every "
                "output's net input), so there are no per-output parts ",
                (Partial(Sym("E", "o"), out),),
                ".",
            )
        plain = (
            "Each term of a hidden neuron's ∂E_total/∂out is its share through one net input "
            "of the next layer: ∂E_total/∂net · ∂net/∂out = δ · w."
        )
        if not last.elementwise:
            plain += (
                f" {last.name} couples the outputs (each output's error depends on every "
                "output's net input), so there are no per-output parts ∂E_o/∂out."
            )
        return plain, rich

    def neuron_block(self, lt: LayerTrace, j: int, s: int) -> Block:
        n = self.neuron(lt.index, j)
        sfx = self.suffix(s)
        out, net = Sym("out", n), Sym("net", n)
        block = Block(
            f"{n}{self.sample_label(s)}: δ_{n} = ∂E_total/∂net_{n}",
            title_math=(f"{n}{self.sample_label(s)}: ", (Sym("δ", n), Partial(E_TOTAL, net))),
        )
        act = self.network.layers[lt.index].activation
        is_output = lt.index == self.n_layers - 1
        if is_output:
            loss = self.network.loss
            n_out = lt.out.shape[1]
            target = Sym("target", n)
            numbers = self.out_target(s, j)
            block.steps.append(
                Step(
                    f"dE/dout_{n}{sfx}",
                    Partial(E_TOTAL, out),
                    loss.grad_expr(out, target, n_out),
                    loss.grad_expr(*numbers, n_out),
                    lt.dE_dout[s, j],
                    (n,),
                )
            )
        else:
            block.steps += self.hidden_error_steps(lt, j, s)
        if lt.dout_dnet is not None:
            block.steps.append(
                Step(
                    f"dout_{n}/dnet_{n}{sfx}",
                    Partial(out, net),
                    act.derivative_expr(net, out),
                    act.derivative_expr(
                        Num(lt.net[s, j], f"net_{n}{sfx}"), Num(lt.out[s, j], f"out_{n}{sfx}")
                    ),
                    lt.dout_dnet[s, j],
                    (n,),
                )
            )
        delta = Sym("δ", n)
        if lt.combined:
            loss = self.network.loss
            formula = loss.combined_expr(out, Sym("target", n))
            numbers_expr: Expr | None = loss.combined_expr(*self.out_target(s, j))
            note = f"{loss.name} with {act.name}: the combined form"
        elif lt.dout_dnet is not None:
            formula = Mul((Partial(E_TOTAL, out), Partial(out, net)))
            numbers_expr = Mul(
                (
                    Num(lt.dE_dout[s, j], f"dE/dout_{n}{sfx}"),
                    Num(lt.dout_dnet[s, j], f"dout_{n}/dnet_{n}{sfx}"),
                )
            )
            note = ""
        else:
            formula = Partial(E_TOTAL, net)
            numbers_expr = None
            note = f"through the {act.name} Jacobian"
        block.steps.append(
            Step(f"delta_{n}{sfx}", delta, formula, numbers_expr, lt.delta[s, j], (n,), note)
        )
        return block

    def hidden_error_steps(self, lt: LayerTrace, j: int, s: int) -> list[Step]:
        """``dE/dout_n = sum_k δ_k · w_kj``, one term per neuron k of the next layer.

        Term k is the share of ``∂E_total/∂out_n`` that flows through ``net_k`` (see
        ``share``); the sum of the shares is ``∂E_total/∂out_n``.
        """
        assert lt.dE_dout_terms is not None
        nxt = self.trace.layers[lt.index + 1]
        n = self.neuron(lt.index, j)
        sfx = self.suffix(s)
        out = Sym("out", n)
        steps, parts, part_values = [], [], []
        for k in range(nxt.out.shape[1]):
            m = self.neuron(nxt.index, k)
            w = self.names.weight(nxt.index, k, j)
            key, lhs = self.share(nxt.index, m, n)
            steps.append(
                Step(
                    key + sfx,
                    lhs,
                    Mul((Sym("δ", m), Sym(w))),
                    Mul((Num(nxt.delta[s, k], f"delta_{m}{sfx}"), Num(nxt.weights[k, j], w))),
                    lt.dE_dout_terms[s, k, j],
                    (m, w, n),
                )
            )
            parts.append(lhs)
            part_values.append(Num(lt.dE_dout_terms[s, k, j], key + sfx))
        steps.append(
            Step(
                f"dE/dout_{n}{sfx}",
                Partial(E_TOTAL, out),
                Add(tuple(parts)),
                Add(tuple(part_values)),
                lt.dE_dout[s, j],
                (n,),
            )
        )
        return steps

    def per_output(self, layer: int) -> bool:
        """Whether each neuron m of ``layer`` has its own error E_m with ∂E_m/∂net_m = δ_m.

        True for the output layer with an elementwise activation: E_m depends on net_m
        only, so ``∂E_m/∂out_n = δ_m · w`` (Mazur's ``∂E_o1/∂out_h1``). A softmax couples
        the outputs (every E_m depends on every net), and a hidden layer has no E_m.
        """
        return layer == self.n_layers - 1 and self.network.layers[layer].activation.elementwise

    def share(self, layer: int, m: str, n: str) -> tuple[str, Expr]:
        """The claim key and the name of ``δ_m · w``, the term of ``∂E_total/∂out_n`` from m.

        ``∂E_m/∂out_n`` where that is what the term is (``per_output``); otherwise what it
        is everywhere: the share through net_m, ``∂E_total/∂net_m · ∂net_m/∂out_n``.
        """
        if self.per_output(layer):
            return f"dE_{m}/dout_{n}", Partial(Sym("E", m), Sym("out", n))
        net = Sym("net", m)
        return (
            f"dE/dnet_{m}*dnet_{m}/dout_{n}",
            Mul((Partial(E_TOTAL, net), Partial(net, Sym("out", n)))),
        )

    def weight_block(self, lt: LayerTrace, j: int, i: int) -> Block:
        assert lt.grad_weights_per_sample is not None
        w = self.names.weight(lt.index, j, i)
        n = self.neuron(lt.index, j)
        x = self.out_sym(lt.index - 1, i)
        source = self.neuron(lt.index - 1, i)
        net = Sym("net", n)
        block = Block(f"{w}: {source} → {n}")
        per_sample = []
        for s in range(self.trace.n_samples):
            sfx = self.suffix(s)
            block.steps.append(
                Step(
                    f"dnet_{n}/d{w}{sfx}",
                    Partial(net, Sym(w)),
                    x,
                    None,
                    lt.inputs[s, i],
                    (w, source),
                )
            )
            factors, values = self.delta_factors(lt, j, s)
            block.steps.append(
                Step(
                    f"dE/d{w}{sfx}",
                    Partial(E_TOTAL, Sym(w)),
                    Mul((*factors, Partial(net, Sym(w)))),
                    Mul((*values, Num(lt.inputs[s, i], f"dnet_{n}/d{w}{sfx}"))),
                    lt.grad_weights_per_sample[s, j, i],
                    (w, n, source, *self.downstream(lt.index, j)),
                )
            )
            per_sample.append(lt.grad_weights_per_sample[s, j, i])
        if self.batch:
            block.steps.append(
                Step(
                    f"dE/d{w}",
                    Partial(E_TOTAL, Sym(w)),
                    self.reduce(
                        [
                            Partial(Sym("E", f"total[{s + 1}]"), Sym(w))
                            for s in range(self.trace.n_samples)
                        ]
                    ),
                    self.reduce(
                        [Num(v, f"dE/d{w}{self.suffix(s)}") for s, v in enumerate(per_sample)]
                    ),
                    lt.grad_weights[j, i],
                    (w,),
                )
            )
        return block

    def delta_factors(self, lt: LayerTrace, j: int, s: int) -> tuple[list[Expr], list[Expr]]:
        """The chain-rule factors that make ``δ``: symbols and their values."""
        n = self.neuron(lt.index, j)
        sfx = self.suffix(s)
        out, net = Sym("out", n), Sym("net", n)
        if lt.dout_dnet is not None and not lt.combined:
            return (
                [Partial(E_TOTAL, out), Partial(out, net)],
                [
                    Num(lt.dE_dout[s, j], f"dE/dout_{n}{sfx}"),
                    Num(lt.dout_dnet[s, j], f"dout_{n}/dnet_{n}{sfx}"),
                ],
            )
        return [Sym("δ", n)], [Num(lt.delta[s, j], f"delta_{n}{sfx}")]

    def downstream(self, layer: int, j: int) -> list[str]:
        """Every neuron and weight between neuron j of ``layer`` and the outputs."""
        touched: list[str] = []
        frontier = [j]
        for nxt in range(layer + 1, self.n_layers):
            size = self.network.sizes[nxt + 1]
            for k in range(size):
                touched += [self.names.weight(nxt, k, f) for f in frontier]
                touched.append(self.neuron(nxt, k))
            frontier = list(range(size))
        return touched

    def bias_blocks(self, lt: LayerTrace) -> list[Block]:
        if lt.bias is None:
            return []
        assert lt.grad_bias_per_sample is not None and lt.grad_bias is not None
        shared = lt.bias.ndim == 0
        neurons = range(lt.out.shape[1])
        groups = [list(neurons)] if shared else [[j] for j in neurons]
        blocks = []
        for index, group in enumerate(groups):
            b = self.names.bias(lt.index, group[0])
            frozen = "" if lt.trains_bias else " (frozen)"
            block = Block(
                f"{b}{frozen}: bias of {', '.join(self.neuron(lt.index, j) for j in group)}"
            )
            per_sample = []
            for s in range(self.trace.n_samples):
                sfx = self.suffix(s)
                symbols: list[Expr] = []
                numbers: list[Expr] = []
                for j in group:
                    n = self.neuron(lt.index, j)
                    symbols.append(Mul((Sym("δ", n), Partial(Sym("net", n), Sym(b)))))
                    numbers.append(Mul((Num(lt.delta[s, j], f"delta_{n}{sfx}"), ONE)))
                value = lt.grad_bias_per_sample[s] if shared else lt.grad_bias_per_sample[s, index]
                per_sample.append(value)
                block.steps.append(
                    Step(
                        f"dE/d{b}{sfx}",
                        Partial(E_TOTAL, Sym(b)),
                        Add(tuple(symbols)) if len(symbols) > 1 else symbols[0],
                        Add(tuple(numbers)) if len(numbers) > 1 else numbers[0],
                        value,
                        (b, *[self.neuron(lt.index, j) for j in group]),
                    )
                )
            if self.batch:
                grad = lt.grad_bias if shared else lt.grad_bias[index]
                block.steps.append(
                    Step(
                        f"dE/d{b}",
                        Partial(E_TOTAL, Sym(b)),
                        self.reduce(
                            [
                                Partial(Sym("E", f"total[{s + 1}]"), Sym(b))
                                for s in range(self.trace.n_samples)
                            ]
                        ),
                        self.reduce(
                            [Num(v, f"dE/d{b}{self.suffix(s)}") for s, v in enumerate(per_sample)]
                        ),
                        grad,
                        (b,),
                    )
                )
            blocks.append(block)
        return blocks

    # -- update -----------------------------------------------------------

    def update(self) -> Section:
        t = self.trace
        section = Section(
            "update",
            "Update",
            intro="each parameter p moves against its gradient: p+ = p - η · ∂E_total/∂p",
            intro_math=("each parameter p moves against its gradient: ", UPDATE_RULE),
        )
        for lt in reversed(t.layers):
            block = Block(self.names.layer(lt.index))
            for j in range(lt.weights.shape[0]):
                for i in range(lt.weights.shape[1]):
                    w = self.names.weight(lt.index, j, i)
                    block.steps.append(
                        self.update_step(
                            w,
                            lt.weights[j, i],
                            lt.grad_weights[j, i],
                            lt.step_weights[j, i],
                            lt.new_weights[j, i],
                        )
                    )
            if lt.bias is not None:
                assert lt.grad_bias is not None and lt.step_bias is not None
                assert lt.new_bias is not None
                shared = lt.bias.ndim == 0
                for j in range(1 if shared else lt.bias.shape[0]):
                    b = self.names.bias(lt.index, j)
                    if lt.trains_bias:
                        block.steps.append(
                            self.update_step(
                                b,
                                _entry(lt.bias, j),
                                _entry(lt.grad_bias, j),
                                _entry(lt.step_bias, j),
                                _entry(lt.new_bias, j),
                            )
                        )
                    else:
                        block.steps.append(
                            Step(
                                f"{b}+",
                                Sym(b, updated=True),
                                Sym(b),
                                None,
                                _entry(lt.new_bias, j),
                                (b,),
                                "frozen: the bias is not updated",
                            )
                        )
            section.blocks.append(block)
        return section

    def update_step(self, name: str, old: float, grad: float, step: float, new: float) -> Step:
        return Step(
            f"{name}+",
            Sym(name, updated=True),
            Sub(Sym(name), Mul((ETA, Partial(E_TOTAL, Sym(name))))),
            Sub(
                Num(old, name),
                Mul((Num(self.trace.learning_rate, "eta"), Num(grad, f"dE/d{name}"))),
            ),
            new,
            (name,),
        )

    # -- after ------------------------------------------------------------

    def after(self) -> Section:
        t = self.trace
        last = t.layers[-1]
        section = Section(
            "after", "After the update", intro="the same inputs through the updated network"
        )
        for s in range(t.n_samples):
            block = Block(f"sample {s + 1}" if self.batch else "outputs")
            for j in range(t.outputs_after.shape[1]):
                o = self.neuron(last.index, j)
                block.steps.append(
                    Step(
                        f"out_{o}+{self.suffix(s)}",
                        Sym("out", o, updated=True),
                        None,
                        None,
                        t.outputs_after[s, j],
                        (o,),
                    )
                )
            if self.batch:
                block.steps.append(
                    Step(
                        f"E_total+{self.suffix(s)}",
                        Sym("E", "total", updated=True),
                        None,
                        None,
                        t.sample_losses_after[s],
                    )
                )
            section.blocks.append(block)
        section.blocks.append(
            Block(
                "the error",
                [
                    Step(
                        "E_total+",
                        Sym("E", "total", updated=True),
                        None,
                        None,
                        t.loss_after,
                    )
                ],
            )
        )
        return section


def _entry(values: NDArray[np.floating], j: int) -> float:
    """Neuron j's value of a per-neuron array, or the one value of a shared one."""
    return float(values if values.ndim == 0 else values[j])
