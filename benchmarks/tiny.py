"""*tiny*: 10,000 per-sample updates of Mazur's 2-2-2 network, five ways.

``python -m benchmarks.tiny CONTENDER [--updates N]`` runs one contender in this
process (a warm-up of N/10 updates, then N timed) and prints a ``RESULT`` line
with the seconds, the loss E after the last update and the peak memory.

The from-scratch contenders (per-neuron Python, PyTorch with hand-written
gradients, PyTorch autograd with ``optim.SGD``, a micrograd-style scalar
autograd) are written here for this benchmark; they share only the tutorial's
published numbers.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

from benchmarks.common import emit

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): the starting point.
INPUTS = [0.05, 0.10]
TARGETS = [0.01, 0.99]
W_HIDDEN = [[0.15, 0.20], [0.25, 0.30]]
W_OUTPUT = [[0.40, 0.45], [0.50, 0.55]]
B_HIDDEN, B_OUTPUT = 0.35, 0.60  # shared per layer, never updated
RATE = 0.5
EXPECTED_LOSS = 3.510188e-05


# -- glassnet -----------------------------------------------------------------


def glassnet_setup() -> Callable[[int], float]:
    from glassnet.examples import load_example
    from glassnet.fast.full_batch import train

    ex = load_example("mazur")
    return lambda n: train(ex.network, ex.inputs, ex.targets, ex.learning_rate, n).loss


# -- pure Python, neuron by neuron (like the tutorial's script) ---------------


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class Neuron:
    def __init__(self, weights: list[float], bias: float):
        self.weights = list(weights)
        self.bias = bias
        self.inputs: list[float] = []
        self.output = 0.0
        self.delta = 0.0

    def forward(self, inputs: list[float]) -> float:
        self.inputs = inputs
        total = self.bias
        for w, x in zip(self.weights, inputs):
            total += w * x
        self.output = _sigmoid(total)
        return self.output


class Layer:
    def __init__(self, weights: list[list[float]], bias: float):
        self.neurons = [Neuron(row, bias) for row in weights]

    def forward(self, inputs: list[float]) -> list[float]:
        return [n.forward(inputs) for n in self.neurons]


class PerNeuronNet:
    def __init__(self) -> None:
        self.hidden = Layer(W_HIDDEN, B_HIDDEN)
        self.output = Layer(W_OUTPUT, B_OUTPUT)

    def forward(self, inputs: list[float]) -> list[float]:
        return self.output.forward(self.hidden.forward(inputs))

    def train(self, inputs: list[float], targets: list[float], rate: float) -> None:
        self.forward(inputs)
        for n, t in zip(self.output.neurons, targets):
            n.delta = (n.output - t) * n.output * (1 - n.output)
        for h, n in enumerate(self.hidden.neurons):
            dE_dout = sum(o.delta * o.weights[h] for o in self.output.neurons)
            n.delta = dE_dout * n.output * (1 - n.output)
        for layer in (self.output, self.hidden):
            for n in layer.neurons:
                for i, x in enumerate(n.inputs):
                    n.weights[i] -= rate * n.delta * x

    def loss(self, inputs: list[float], targets: list[float]) -> float:
        return sum(0.5 * (t - o) ** 2 for t, o in zip(targets, self.forward(inputs)))


def python_setup() -> Callable[[int], float]:
    def run(n: int) -> float:
        net = PerNeuronNet()
        for _ in range(n):
            net.train(INPUTS, TARGETS, RATE)
        return net.loss(INPUTS, TARGETS)

    return run


# -- PyTorch, hand-written gradients -------------------------------------------


def torch_eager_setup() -> Callable[[int], float]:
    import torch

    x = torch.tensor([INPUTS], dtype=torch.float64)
    t = torch.tensor([TARGETS], dtype=torch.float64)

    def run(n: int) -> float:
        w1 = torch.tensor(W_HIDDEN, dtype=torch.float64)
        w2 = torch.tensor(W_OUTPUT, dtype=torch.float64)
        for _ in range(n):
            h = torch.sigmoid(x @ w1.T + B_HIDDEN)
            o = torch.sigmoid(h @ w2.T + B_OUTPUT)
            d2 = (o - t) * o * (1 - o)
            d1 = (d2 @ w2) * h * (1 - h)
            w2 -= RATE * (d2.T @ h)
            w1 -= RATE * (d1.T @ x)
        o = torch.sigmoid(torch.sigmoid(x @ w1.T + B_HIDDEN) @ w2.T + B_OUTPUT)
        return float((0.5 * (t - o) ** 2).sum())

    return run


# -- PyTorch autograd + optim.SGD ----------------------------------------------


def torch_autograd_setup() -> Callable[[int], float]:
    import torch

    x = torch.tensor([INPUTS], dtype=torch.float64)
    t = torch.tensor([TARGETS], dtype=torch.float64)

    def run(n: int) -> float:
        w1 = torch.tensor(W_HIDDEN, dtype=torch.float64, requires_grad=True)
        w2 = torch.tensor(W_OUTPUT, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w1, w2], lr=RATE)
        for _ in range(n):
            o = torch.sigmoid(torch.sigmoid(x @ w1.T + B_HIDDEN) @ w2.T + B_OUTPUT)
            loss = (0.5 * (t - o) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            o = torch.sigmoid(torch.sigmoid(x @ w1.T + B_HIDDEN) @ w2.T + B_OUTPUT)
            return float((0.5 * (t - o) ** 2).sum())

    return run


# -- micrograd-style scalar autograd -------------------------------------------


class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    __slots__ = ("_local", "_parents", "data", "grad")

    def __init__(self, data: float, parents: tuple[Value, ...] = (), local: tuple[float, ...] = ()):
        self.data = data
        self.grad = 0.0
        self._parents = parents
        self._local = local  # d(self)/d(parent), one per parent

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    __rmul__ = __mul__

    def __sub__(self, other: Value | float) -> Value:
        return self + (-1.0) * other

    def __rsub__(self, other: float) -> Value:
        return Value(other) + (-1.0) * self

    def square(self) -> Value:
        return Value(self.data * self.data, (self,), (2.0 * self.data,))

    def sigmoid(self) -> Value:
        s = 1.0 / (1.0 + math.exp(-self.data))
        return Value(s, (self,), (s * (1.0 - s),))

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[int] = set()

        def visit(v: Value) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for p in v._parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for p, local in zip(v._parents, v._local):
                p.grad += local * v.grad


def micrograd_setup() -> Callable[[int], float]:
    def forward(w1: list[list[Value]], w2: list[list[Value]]) -> Value:
        h = [sum((w * x for w, x in zip(row, INPUTS)), Value(B_HIDDEN)).sigmoid() for row in w1]
        o = [sum((w * x for w, x in zip(row, h)), Value(B_OUTPUT)).sigmoid() for row in w2]
        return sum(((t - oj).square() * 0.5 for t, oj in zip(TARGETS, o)), Value(0.0))

    def run(n: int) -> float:
        w1 = [[Value(w) for w in row] for row in W_HIDDEN]
        w2 = [[Value(w) for w in row] for row in W_OUTPUT]
        params = [w for row in w1 + w2 for w in row]
        for _ in range(n):
            loss = forward(w1, w2)
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.data -= RATE * p.grad
        return forward(w1, w2).data

    return run


CONTENDERS: dict[str, Callable[[], Callable[[int], float]]] = {
    "glassnet": glassnet_setup,
    "python-per-neuron": python_setup,
    "torch-eager-manual": torch_eager_setup,
    "torch-autograd-sgd": torch_autograd_setup,
    "micrograd-style": micrograd_setup,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=sorted(CONTENDERS))
    parser.add_argument("--updates", type=int, default=10_000)
    args = parser.parse_args()
    run = CONTENDERS[args.contender]()
    run(max(args.updates // 10, 1))  # warm-up
    started = time.perf_counter()
    loss = run(args.updates)
    seconds = time.perf_counter() - started
    emit({"seconds": seconds, "loss": loss, "updates": args.updates})


if __name__ == "__main__":
    main()
