"""glassnet <-> torch.nn.Sequential: the same outputs both ways, to 1e-6 in float32."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from glassnet.activations import get_activation
from glassnet.engine import backward, forward
from glassnet.errors import GlassnetError
from glassnet.examples import load_example
from glassnet.init import init_network
from glassnet.network import Layer, Network
from glassnet.torch_interop import from_torch, to_torch

CASES = [
    (["relu", "softmax"], "cross_entropy"),
    (["tanh", "sigmoid", "sigmoid"], "binary_cross_entropy"),
    ([get_activation("leaky_relu", slope=0.1), "identity"], "mse"),
    (["sigmoid", "relu", "tanh", "softmax"], "cross_entropy"),
]


@pytest.mark.parametrize(("activations", "loss"), CASES)
def test_to_torch_gives_the_same_outputs_in_float32(activations, loss):
    sizes = [7, 16, 9, 5, 4][: len(activations) + 1]
    net = init_network(sizes, activations, loss=loss, rng=0, bias=0.1)
    x = np.random.default_rng(1).normal(size=(50, 7)).astype(np.float32)
    model = to_torch(net)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    assert theirs.dtype == np.float32
    np.testing.assert_allclose(forward(net, x)[-1].out, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("activations", "loss"), CASES)
def test_round_trip_is_exact(activations, loss):
    sizes = [3, 6, 5, 4, 2][: len(activations) + 1]
    net = init_network(sizes, activations, loss=loss, rng=2)
    back = from_torch(to_torch(net), loss=loss)
    assert back.sizes == net.sizes and back.dtype == np.float32
    for a, b in zip(net.layers, back.layers):
        assert a.activation.name == b.activation.name
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    assert back.layers[0].activation.__dict__ == net.layers[0].activation.__dict__


def test_from_torch_gives_the_same_outputs_and_gradients():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(6, 10),
        nn.Tanh(),
        nn.Linear(10, 8),
        nn.LeakyReLU(0.2),
        nn.Linear(8, 3),
        nn.Softmax(dim=1),
    )
    net = from_torch(model)
    assert net.loss.name == "cross_entropy" and net.sizes == [6, 10, 8, 3]
    x = torch.randn(20, 6)
    labels = torch.randint(0, 3, (20,))
    out = forward(net, x.numpy())[-1].out
    np.testing.assert_allclose(out, model(x).detach().numpy(), atol=1e-6)
    # The gradients of glassnet's backward pass are torch.autograd's, to float32 rounding.
    logits = model[:-1](x)
    nn.functional.cross_entropy(logits, labels).backward()
    passes = forward(net, x.numpy())
    grads = backward(net, passes, np.eye(3, dtype=np.float32)[labels.numpy()])
    for g, linear in zip(grads, [model[0], model[2], model[4]]):
        np.testing.assert_allclose(g.grad_weights, linear.weight.grad.numpy(), atol=1e-6)
        np.testing.assert_allclose(g.grad_bias, linear.bias.grad.numpy(), atol=1e-6)


def test_float64_and_bias_kinds():
    mazur = load_example("mazur").network  # float64, shared frozen biases
    model = to_torch(mazur)
    assert model[0].weight.dtype == torch.float64 and not model[0].bias.requires_grad
    x = np.array([[0.05, 0.10]])
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, [[0.751365069552316, 0.772928465321463]], rtol=1e-14)
    back = from_torch(model, loss="half_sse")
    assert back.layers[0].bias.tolist() == [0.35, 0.35] and not back.layers[0].train_bias
    no_bias = Network([Layer([[1.0, 2.0]], "identity", bias=None)], loss="mse")
    assert to_torch(no_bias)[0].bias is None
    assert from_torch(to_torch(no_bias)).layers[0].bias is None


def test_linear_without_activation_is_identity():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    net = from_torch(model)
    assert [layer.activation.name for layer in net.layers] == ["identity", "identity"]
    assert net.loss.name == "mse"


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (nn.Sequential(nn.ReLU(), nn.Linear(2, 2)), "model[0]: expected Linear first, got ReLU"),
        (nn.Sequential(nn.Linear(2, 2), nn.ELU()), "model[1]: ELU is not supported"),
        (nn.Sequential(nn.Linear(2, 2), nn.GELU()), "model[1]: GELU(approximate='none')"),
        (nn.Sequential(nn.Linear(2, 2), nn.Softplus(beta=2)), "model[1]: Softplus(beta=2"),
        (nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh()), "model[2]: two activations"),
        (nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)), "softmax over dim 0"),
        (nn.Sequential(nn.Linear(2, 2).half()), "expected float32 or float64 weights"),
    ],
)
def test_unsupported_models(model, message):
    with pytest.raises(GlassnetError) as info:
        from_torch(model)
    assert message in str(info.value)


def test_missing_torch_is_a_one_line_hint():
    code = "import sys; sys.modules['torch'] = None; import glassnet.torch_interop"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ImportError: glassnet.torch_interop needs PyTorch: pip install 'glassnet[torch]'"
    )


def test_torch_is_not_imported_by_glassnet():
    code = (
        "import sys, glassnet, glassnet.training, glassnet.cli, glassnet.persistence; "
        "print('torch' in sys.modules, 'sklearn' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]
