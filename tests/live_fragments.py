"""One table of URL fragments, well-formed and malformed, for ``glassnet.live`` and the page.

``tests/test_live.py`` applies each with ``glassnet.live.apply_fragment``, and
``tests/test_live_edit.py`` opens the page of the same example with it, so the Python and
the JavaScript side of the fragment rules are checked on the same cases.

A row is ``(example, fragment, refused, expected)``: ``refused`` is the key a malformed
fragment is refused for (``""`` for a part that is not ``name=value`` or not decodable),
``None`` when it is accepted; ``expected`` gives some given values (by check name), the
activations (``act1``…) and the loss after it. A row that switches an activation or the
loss needs pages whose generated step takes a choice (``data.choices``).
"""

from __future__ import annotations

from typing import Any

#: A batch of two samples with every kind of key: names that need percent-encoding,
#: per-neuron and shared biases, a leaky ReLU with its own slope, softmax and cross-entropy.
BATCH = """\
title = "A batch to edit"
loss = "cross_entropy"
learning_rate = 0.3
batch_reduction = "sum"
input_names = ["a b", "c&d"]

[[layers]]
activation = "leaky_relu"
slope = 0.2
weights = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
bias = [0.1, 0.2, 0.3]

[[layers]]
activation = "softmax"
weights = [[0.1, 0.2, 0.3], [-0.1, -0.2, -0.3]]
bias = 0.05

[[samples]]
input = [1.0, 2.0]
target = [1.0, 0.0]

[[samples]]
input = [-1.0, 0.5]
target = [0.25, 0.75]
"""

FRAGMENTS: list[tuple[str, str, str | None, dict[str, Any]]] = [
    # Accepted.
    ("mazur", "", None, {"w5": 0.4, "eta": 0.5}),
    ("mazur", "#w5=0.3&i1=0.2&eta=0.1", None, {"w5": 0.3, "i1": 0.2, "eta": 0.1}),
    ("mazur", "w5=-0&b2=-2.5E+2&w1=1e-7", None, {"w5": 0.0, "b2": -250.0, "w1": 1e-7}),
    ("mazur", "w5=.5&w6=5.&target_o2=0.25&", None, {"w5": 0.5, "w6": 5.0, "target_o2": 0.25}),
    ("mazur", "w5=1e300", None, {"w5": 1e300}),
    ("mazur", "act2=tanh&loss=mse", None, {"act2": "tanh", "loss": "mse"}),
    ("mazur", "act1=relu", None, {"act1": "relu"}),
    ("mazur", "act2=softmax", None, {"act2": "softmax", "loss": "half_sse"}),
    ("mazur", "act2=softmax&loss=cross_entropy", None, {"loss": "cross_entropy"}),
    ("hill", "x1=0.5&target_L2=0.3&w7=-1", None, {"x1": 0.5, "target_L2": 0.3, "w7": -1.0}),
    ("hill", "loss=binary_cross_entropy", None, {"loss": "binary_cross_entropy"}),
    ("lamsal", "w3=0.125&eta=2", None, {"w3": 0.125, "eta": 2.0}),
    ("batch", "a%20b%5B2%5D=3", None, {"a b[2]": 3.0}),
    ("batch", "a%20b[2]=3&c%26d[1]=-1", None, {"a b[2]": 3.0, "c&d[1]": -1.0}),
    ("batch", "target_o1[2]=0.5&target_o2[2]=0.5", None, {"target_o1[2]": 0.5}),
    ("batch", "act1=tanh", None, {"act1": "tanh"}),
    ("batch", "loss=mse", None, {"loss": "mse"}),
    # Refused: the key, and what was expected.
    ("mazur", "w99=1", "w99", {}),
    ("mazur", "I1=0.2", "I1", {}),
    ("mazur", "w5=abc", "w5", {}),
    ("mazur", "w5=", "w5", {}),
    ("mazur", "w5=1e400", "w5", {}),
    ("mazur", "w5=NaN", "w5", {}),
    ("mazur", "w5=Infinity", "w5", {}),
    ("mazur", "w5=inf", "w5", {}),
    ("mazur", "w5=0x10", "w5", {}),
    ("mazur", "w5=%201", "w5", {}),
    ("mazur", "w5=1_0", "w5", {}),
    ("mazur", "eta=0", "eta", {}),
    ("mazur", "eta=-1", "eta", {}),
    ("mazur", "w5=1&w5=2", "w5", {}),
    ("mazur", "w5", "", {}),
    ("mazur", "w5%=1", "", {}),
    ("mazur", "w5=%FF", "", {}),
    ("mazur", "act3=tanh", "act3", {}),
    ("mazur", "act0=tanh", "act0", {}),
    ("mazur", "act1=softmax", "act1", {}),
    ("mazur", "act1=Sigmoid", "act1", {}),
    ("mazur", "loss=cross_entropy", "loss", {}),
    ("mazur", "loss=foo", "loss", {}),
    ("mazur", "loss=binary_cross_entropy&target_o1=2", "target_o1", {}),
    ("hill", "target_L1=1.5&loss=binary_cross_entropy", "target_L1", {}),
    ("batch", "target_o1[2]=0.5", "target_o1[2]", {}),
    ("batch", "target_o1[1]=-0.5&target_o2[1]=1.5", "target_o1[1]", {}),
    ("batch", "a%20b=1", "a b", {}),
    ("batch", "a%20b[3]=1", "a b[3]", {}),
    ("batch", "act2=sigmoid", "loss", {}),
]


def switches(fragment: str) -> bool:
    """Whether a fragment switches an activation or the loss."""
    return any(part.startswith(("act", "loss=")) for part in fragment.lstrip("#").split("&"))
