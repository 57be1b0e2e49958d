"""The explanation per layer in matrix form, for networks too large to show neuron by neuron."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glassnet.explanation.model import E_TOTAL, ETA, Block, Section, Step
from glassnet.formula import (
    Add,
    Div,
    Expr,
    Hadamard,
    Matrix,
    Mul,
    Num,
    Partial,
    Sub,
    Sym,
)

if TYPE_CHECKING:
    from glassnet.trace import Trace


class MatrixBuilder:
    """The same sections per layer in matrix form, for large networks."""

    def __init__(self, trace: Trace):
        self.trace = trace
        self.network = trace.network

    def sections(self) -> list[Section]:
        t = self.trace
        n_layers = len(t.layers)
        X = Matrix("X", 0)
        given = Section("given", "Given", intro="matrices: rows are samples, W[j][i] row = neuron")
        given.blocks.append(
            Block(
                "the batch",
                [
                    Step("X", X, None, None, t.inputs),
                    Step("T", Matrix("T", 0), None, None, t.targets),
                ],
            )
        )
        forward = Section("forward", "Forward pass")
        backward = Section("backward", "Backward pass")
        update = Section(
            "update",
            "Update",
            intro=f"η = {t.learning_rate:g}",
            intro_math=((ETA, Num(t.learning_rate)),),
        )
        for lt in t.layers:
            k = lt.index + 1
            W, b = Matrix("W", k), Matrix("b", k)
            given.blocks.append(
                Block(f"layer {k}", [Step(f"W_layer{k}", W, None, None, lt.weights)])
            )
            inputs = X if k == 1 else Matrix("out", k - 1)
            net_formula: Expr = Mul((inputs, Matrix("W", k, transpose=True)))
            if lt.bias is not None:
                given.blocks[-1].steps.append(Step(f"b_layer{k}", b, None, None, lt.bias))
                net_formula = Add((net_formula, b))
            act = self.network.layers[lt.index].activation
            forward.blocks.append(
                Block(
                    f"layer {k} ({act.name})",
                    [
                        Step(f"net_layer{k}", Matrix("net", k), net_formula, None, lt.net),
                        Step(
                            f"out_layer{k}",
                            Matrix("out", k),
                            None,
                            None,
                            lt.out,
                            note=f"out = {act.formula}, "
                            + ("element by element" if act.elementwise else "row by row"),
                        ),
                    ],
                )
            )
        error = Section("error", "Error", intro=f"loss: {self.network.loss.name}")
        error.blocks.append(
            Block(
                "per sample and for the batch",
                [
                    Step("E_total[s]", Sym("E", "total[s]"), None, None, t.sample_losses),
                    Step(
                        "E_total",
                        E_TOTAL,
                        None,
                        None,
                        t.loss,
                        note=f"the {self.network.batch_reduction} over the batch",
                    ),
                ],
            )
        )
        for lt in reversed(t.layers):
            k = lt.index + 1
            if lt.combined:
                delta_formula: Expr = Sub(Matrix("out", k), Matrix("T", 0))
            elif k == n_layers:
                # Row s of δ is sample s's own ∂E_total[s]/∂net: no 1/n of a mean in it.
                loss = E_TOTAL if t.n_samples == 1 else Sym("E", "total[s]")
                delta_formula = Hadamard(Partial(loss, Matrix("out", k)), Matrix("f'", k))
            else:
                delta_formula = Hadamard(
                    Mul((Matrix("δ", k + 1), Matrix("W", k + 1))), Matrix("f'", k)
                )
            steps = [Step(f"delta_layer{k}", Matrix("δ", k), delta_formula, None, lt.delta)]
            inputs = Matrix("X", 0) if k == 1 else Matrix("out", k - 1)
            grad: Expr = Mul((Matrix("δ", k, transpose=True), inputs))
            if self.network.batch_reduction == "mean":
                grad = Div(grad, Num(t.n_samples))
            steps.append(
                Step(
                    f"dE/dW_layer{k}", Partial(E_TOTAL, Matrix("W", k)), grad, None, lt.grad_weights
                )
            )
            if lt.grad_bias is not None:
                steps.append(
                    Step(
                        f"dE/db_layer{k}",
                        Partial(E_TOTAL, Matrix("b", k)),
                        None,
                        None,
                        lt.grad_bias,
                    )
                )
            backward.blocks.append(Block(f"layer {k}", steps))
            upd = [
                Step(
                    f"W_layer{k}+",
                    Matrix("W+", k),
                    Sub(Matrix("W", k), Mul((ETA, Partial(E_TOTAL, Matrix("W", k))))),
                    None,
                    lt.new_weights,
                )
            ]
            if lt.new_bias is not None:
                note = "" if lt.trains_bias else "frozen: not updated"
                upd.append(
                    Step(f"b_layer{k}+", Matrix("b+", k), None, None, lt.new_bias, note=note)
                )
            update.blocks.append(Block(f"layer {k}", upd))
        after = Section("after", "After the update")
        after.blocks.append(
            Block(
                "the error",
                [
                    Step(
                        "E_total+",
                        Sym("E", "total", updated=True),
                        None,
                        None,
                        t.loss_after,
                    ),
                ],
            )
        )
        return [given, forward, error, backward, update, after]
