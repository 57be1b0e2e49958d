"""Every activation against torch.autograd, its formula trees, its declarations, and softplus
and gelu (added by editing only ``activations.py``) through every part of glassnet."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional

from glassnet import engine
from glassnet.activations import ACTIVATIONS, GELU, Softplus, get_activation
from glassnet.cli import main
from glassnet.errors import GlassnetError
from glassnet.example import parse_example
from glassnet.fast import codegen, compiled, full_batch, native
from glassnet.formula import Num, evaluate
from glassnet.init import init_network, resolve
from glassnet.network import Layer, Network
from glassnet.optimizers import SGD
from glassnet.persistence import load_model, save_model
from glassnet.practice import random_example
from glassnet.quiz import questions, run_quiz
from glassnet.torch_interop import from_torch, to_torch
from glassnet.training import Trainer, predict

ELEMENTWISE = sorted(name for name, cls in ACTIVATIONS.items() if cls.elementwise)
#: Net inputs from saturation to the kinks, as the engine meets them.
NETS = np.array([-800.0, -50.0, -20.5, -3.0, -0.7, -1e-3, 0.0, 1e-3, 0.7, 3.0, 20.5, 50.0, 800.0])


def torch_reference(name: str, net: torch.Tensor) -> torch.Tensor:
    """Each activation from torch's own functions (independent of glassnet's formulas)."""
    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": functional.relu,
        "leaky_relu": lambda x: functional.leaky_relu(x, negative_slope=0.01),
        "identity": lambda x: x,
        "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),  # exact log(1 + e^x)
        "gelu": lambda x: functional.gelu(x, approximate="tanh"),
    }
    return functions[name](net)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_and_derivative_match_torch_autograd(name):
    act = get_activation(name)
    net = torch.tensor(NETS, dtype=torch.float64, requires_grad=True)
    out = torch_reference(name, net)
    (grad,) = torch.autograd.grad(out.sum(), net)
    ours = act.forward(NETS)
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(act.derivative(NETS, ours), grad.numpy(), rtol=1e-12, atol=1e-15)


def test_gelu_is_torch_gelu_tanh_and_softplus_is_log_1_plus_exp():
    x = np.linspace(-12, 12, 97)
    gelu = nn.GELU(approximate="tanh")(torch.tensor(x)).numpy()
    # 1 + tanh cancels for negative x: the two tanh's last bits show as eps * |x| absolute.
    np.testing.assert_allclose(GELU().forward(x), gelu, rtol=1e-14, atol=1e-14)
    # By hand: softplus(0) = log 2, its derivative sigmoid(0) = 1/2; gelu(1) from the definition.
    assert Softplus().forward(np.array(0.0)) == pytest.approx(np.log(2.0), rel=1e-15)
    assert Softplus().derivative(np.array(0.0), np.array(np.log(2.0))) == 0.5
    by_hand = 0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * (1 + 0.044715)))
    assert GELU().forward(np.array(1.0)) == pytest.approx(by_hand, rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_huge_net_inputs_stay_finite_without_warnings(name, dtype):
    """pytest turns any overflow or invalid-value warning into an error."""
    big = float(np.finfo(dtype).max) / 4
    net = np.array([[-big, -1e30, -1e5, 1e5, 1e30, big]], dtype=dtype)
    act = get_activation(name)
    out = act.forward(net)
    derivative = act.derivative(net, out)
    assert out.dtype == dtype and derivative.dtype == dtype
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(derivative))
    if name == "softplus":
        np.testing.assert_allclose(out[0, 3:], net[0, 3:])  # log(1 + e^x) = x far right
        assert np.all(out[0, :3] == 0) and np.all(derivative[0, :3] == 0)
    if name == "gelu":
        np.testing.assert_array_equal(out[0, 3:], net[0, 3:])
        np.testing.assert_array_equal(derivative[0], [0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_formula_trees_are_the_engines_numbers(name):
    """``check`` recomputes claims and the compiled path runs from these trees."""
    act = get_activation(name)
    for net in NETS:
        out = float(act.forward(np.array(net)))
        assert evaluate(act.out_formula(Num(net), (Num(net),))) == pytest.approx(out, rel=1e-13)
        derivative = float(act.derivative(np.array(net), np.array(out)))
        tree = act.derivative_expr(Num(net), Num(out))
        assert evaluate(tree) == pytest.approx(derivative, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_compiled_python_form_of_the_trees_is_finite_far_out(name):
    act = get_activation(name)
    namespace = {"exp": math.exp, "tanh": math.tanh, "log": compiled._log, "inf": math.inf}
    for net in (-800.0, 800.0):
        code = codegen.render(act.out_formula(Num(net), (Num(net),)))
        assert eval(code, namespace) == pytest.approx(float(act.forward(np.array(net))), rel=1e-15)


def test_declarations():
    assert [n for n, c in ACTIVATIONS.items() if c.output_only] == ["softmax"]
    assert [n for n, c in ACTIVATIONS.items() if c.mask_derivative] == ["relu"]
    assert ACTIVATIONS["softmax"].paired_loss == "cross_entropy"
    assert ACTIVATIONS["sigmoid"].paired_loss == "binary_cross_entropy"
    he = sorted(n for n, c in ACTIVATIONS.items() if c.auto_init == "he_uniform")
    assert he == ["gelu", "leaky_relu", "relu", "softplus"]
    assert resolve("auto", "gelu").method == "he_uniform"
    assert resolve("auto", "tanh").method == "glorot_uniform"
    with pytest.raises(GlassnetError, match=r"^only leaky_relu has a slope$"):
        get_activation("gelu", slope=0.1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_torch_module_computes_the_same_and_converts_back(name):
    act = get_activation(name)
    module = act.to_torch(nn)
    net = np.linspace(-19, 19, 24).reshape(4, 6)  # inside Softplus's threshold of 20
    torch_out = module(torch.tensor(net)).numpy()
    np.testing.assert_allclose(act.forward(net), torch_out, rtol=1e-14, atol=1e-300)
    back = type(act).from_torch(module)
    assert repr(back) == repr(act)


def softplus_gelu_network():
    return Network(
        [
            Layer([[0.15, 0.20], [0.25, -0.30], [0.4, 0.1]], "softplus", bias=0.35),
            Layer([[0.40, 0.45, -0.2], [0.50, -0.55, 0.3]], "gelu", bias=[0.60, -0.2]),
        ],
        loss="half_sse",
    )


def test_compiled_and_c_training_match_backprop():
    network = softplus_gelu_network()
    x = np.array([[0.05, 0.10], [1.0, -2.0]])
    t = np.array([[0.01, 0.99], [0.5, 0.2]])
    assert compiled.compile_network(network, 2) is not None
    result = full_batch.train(network, x, t, 0.3, 50)
    expected = network
    for _ in range(50):
        expected = engine.backprop(expected, x, t, 0.3, detailed=False).network_after
    for a, b in zip(result.network.layers, expected.layers):
        np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a.bias, b.bias, rtol=1e-12, atol=1e-14)
    assert native.enabled()
    params = compiled.parameters(network)
    python = compiled._python_loop(network, 2, None)
    assert python is not None
    c_loop = native.build(network, 2, [None])[None]
    a = python(params, x.tolist(), t.tolist(), 0.3, 300, None)
    b = c_loop(params, x.tolist(), t.tolist(), 0.3, 300)
    assert a[0] == b[0] == 300
    np.testing.assert_array_equal(a[1], b[1])


EXAMPLE = """
title = "softplus and gelu"
loss = "half_sse"
learning_rate = 0.5

[[layers]]
activation = "softplus"
weights = [[0.15, 0.20], [0.25, -0.30]]
bias = 0.35

[[layers]]
activation = "gelu"
weights = [[0.40, 0.45], [0.50, -0.55]]
bias = [0.60, -0.2]

[[samples]]
input = [0.05, 0.10]
target = [0.01, 0.99]
"""


@pytest.mark.parametrize("fmt", ["text", "json", "md", "latex", "html"])
def test_explain_every_format(tmp_path, capsys, fmt):
    path = tmp_path / "sg.toml"
    path.write_text(EXAMPLE)
    assert main(["explain", str(path), "--format", fmt]) == 0
    shown = capsys.readouterr().out
    out_o1 = float(engine.forward(parse_example(EXAMPLE).network, [[0.05, 0.10]])[-1].out[0, 0])
    if fmt == "json":
        assert str(out_o1) in shown  # every array of the update, at full precision
        assert '"gelu"' in shown and '"softplus"' in shown
        return
    if fmt == "text":
        assert f"= {out_o1:.9g}\n" in shown
    assert "tanh" in shown and "log" in shown  # gelu's and softplus's formulas


def test_check_judges_claims_of_softplus_and_gelu(tmp_path, capsys):
    example = parse_example(EXAMPLE)
    trace = engine.backprop(example.network, example.inputs, example.targets, 0.5)
    out_h1 = float(trace.layers[0].out[0, 0])
    out_o2 = float(trace.layers[1].out[0, 1])
    right = tmp_path / "right.toml"
    right.write_text(EXAMPLE + f'\n[claims]\nout_h1 = "{out_h1:.9f}"\nout_o2 = "{out_o2:.9f}"\n')
    assert main(["check", str(right)]) == 0
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(EXAMPLE + f'\n[claims]\nout_o2 = "{out_o2 + 0.01:.9f}"\n')
    assert main(["check", str(wrong)]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("activation", ["softplus", "gelu"])
def test_quiz_asks_and_accepts_the_engines_values(activation):
    example = random_example(3, activation=activation, output_activation=activation)
    steps = questions(engine_explanation(example))
    answers = iter(repr(float(step.value)) for step in steps)
    score = run_quiz(example, ask=lambda prompt: next(answers), say=lambda text: None)
    assert score.right == len(steps)


def engine_explanation(example):
    from glassnet.explanation import explain_example

    return explain_example(example)


def test_training_persistence_and_torch_interop(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (64, 3))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    network = init_network(
        [3, 8, 6, 2], ["gelu", "softplus", "softmax"], loss="cross_entropy", rng=1,
        dtype=np.float64,
    )  # fmt: skip
    trainer = Trainer(network, SGD(0.2), epochs=30, batch_size=16, seed=0, progress="quiet")
    history = trainer.fit(x, y)
    assert history.records[-1].loss < 0.9 * history.records[0].loss
    path = save_model(tmp_path / "model.json", network)
    loaded = load_model(path).network
    assert [layer.activation.name for layer in loaded.layers] == ["gelu", "softplus", "softmax"]
    np.testing.assert_array_equal(predict(loaded, x), predict(network, x))
    model = to_torch(network)
    assert [type(m).__name__ for m in model][1::2] == ["GELU", "Softplus", "Softmax"]
    with torch.no_grad():
        torch_out = model(torch.tensor(x)).numpy()
    np.testing.assert_allclose(torch_out, predict(network, x), rtol=1e-12)
    back = from_torch(model)
    np.testing.assert_allclose(predict(back, x), predict(network, x), rtol=1e-15)


@pytest.mark.parametrize("hidden", ["softplus", "gelu"])
def test_one_mini_batch_step_is_backprops_update(hidden):
    """The trainer's fused mini-batch step (softmax + cross-entropy, these hidden layers)
    against one ``engine.backprop`` update of the same batch."""
    network = init_network(
        [5, 6, 4, 3], [hidden, hidden, "softmax"], loss="cross_entropy", rng=2, dtype=np.float64
    )
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, (8, 5))
    labels = rng.integers(0, 3, 8)
    expected = engine.backprop(network, x, np.eye(3)[labels], 0.3, detailed=False).network_after
    Trainer(network, SGD(0.3), epochs=1, batch_size=8, shuffle=False, progress="quiet").fit(
        x, labels
    )
    for got, want in zip(network.layers, expected.layers):
        np.testing.assert_allclose(got.weights, want.weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got.bias, want.bias, rtol=1e-12, atol=1e-15)
