"""The three classes of the teacher's tests (``tests/teach``): 30 students each."""

SPECS = {
    # Mazur's network: 2-2-2 sigmoid, half_sse, one bias per layer shared and frozen.
    "mazur": """
title = "Mazur's network"
instructions = "Work out one update by hand; give 4 significant digits."
seed = 2026
count = 30
[network]
shape = "2-2-2"
activation = "sigmoid"
loss = "half_sse"
bias = "shared"
train_bias = false
learning_rate = 0.5
[ask]
quantities = ["forward", "E_total", "deltas", "gradients of w1-w4", "updated weights", "E_total+"]
digits = 4
""",
    # 2-3-2 tanh hidden layer, softmax output, cross-entropy.
    "softmax": """
title = "Softmax and cross-entropy"
seed = 11
count = 30
[network]
shape = [2, 3, 2]
activations = ["tanh", "softmax"]
loss = "cross_entropy"
bias = "neuron"
learning_rate = 0.25
[numbers]
weights = [-1.5, 1.5]
[ask]
quantities = ["forward", "E_total", "deltas", "gradients", "w1+", "b4+"]
digits = 3
""",
    # 3-2-1 with per-neuron trained biases and a batch of two samples.
    "batch": """
title = "A batch of two"
seed = 5
count = 30
[network]
shape = "3-2-1"
bias = "neuron"
train_bias = true
samples = 2
learning_rate = 0.5
[ask]
quantities = [
    "out_o1[1]", "out_o1[2]", "E_total", "delta_o1[1]", "delta_h1[2]", "dE/dw7", "dE/db3",
    "updates of w7, w8, b3", "E_total+",
]
digits = 4
tolerance = 0.001
""",
}
