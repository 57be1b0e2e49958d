"""Training files: every recipe parses, networks are built as written, mistakes are named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glassnet.errors import GlassnetError
from glassnet.optimizers import SGD, Adam
from glassnet.schedules import Cosine
from glassnet.training_file import is_training_config, parse_config, read_config

RECIPES = Path(__file__).resolve().parents[1] / "recipes"

MINIMAL = """
[data]
train = { format = "xor" }
"""


def config(text: str, name: str = "run.toml"):
    return parse_config(text, path=Path("/somewhere") / name)


@pytest.mark.parametrize("path", sorted(RECIPES.glob("*.toml")), ids=lambda p: p.name)
def test_recipes_parse(path):
    cfg = read_config(path)
    assert cfg.epochs >= 1 and cfg.data
    assert is_training_config(path)


def test_defaults():
    cfg = config(MINIMAL)
    assert (cfg.epochs, cfg.batch_size, cfg.seed, cfg.shuffle) == (10, 32, 0, True)
    assert isinstance(cfg.build_optimizer(), SGD) and cfg.build_schedule() is None
    net = cfg.build_network(2, 2, task="classification")
    assert net.sizes == [2, 2] and net.layers[-1].activation.name == "softmax"
    assert net.loss.name == "cross_entropy" and net.dtype == np.float32


def test_hidden_layers_optimizer_and_schedule():
    cfg = config(
        MINIMAL
        + """validation_fraction = 0.5

[network]
hidden = [8, 4]
activation = "tanh"
init = { method = "uniform", low = -0.1, high = 0.1 }

[training]
epochs = 3
seed = 7
early_stopping = { patience = 2 }

[optimizer]
name = "adamw"
learning_rate = 0.003
weight_decay = 0.01

[schedule]
name = "cosine"
min_rate = 0.0001
"""
    )
    net = cfg.build_network(2, 3, task="classification")
    assert net.sizes == [2, 8, 4, 3]
    assert [layer.activation.name for layer in net.layers] == ["tanh", "tanh", "softmax"]
    assert all(np.abs(layer.weights).max() <= 0.1 for layer in net.layers)
    opt = cfg.build_optimizer()
    assert isinstance(opt, Adam) and opt.decoupled and opt.weight_decay == 0.01
    assert cfg.build_schedule() == Cosine(min_rate=0.0001)
    assert cfg.early_stopping is not None and cfg.early_stopping.patience == 2
    # The seed fixes the initial weights.
    again = cfg.build_network(2, 3, task="classification")
    assert np.array_equal(again.layers[0].weights, net.layers[0].weights)


def test_early_stopping_needs_validation():
    with pytest.raises(GlassnetError) as info:
        config(MINIMAL.replace("[data]", "[training]\nearly_stopping = {}\n[data]"))
    assert "training.early_stopping: needs validation data" in str(info.value)


def test_explicit_weights_are_used_as_written():
    cfg = config(
        MINIMAL
        + """
[[network.layers]]
activation = "sigmoid"
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
train_bias = false

[[network.layers]]
activation = "softmax"
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = [0.6, 0.7]
"""
    )
    net = cfg.build_network(2, 2, task="classification")
    np.testing.assert_allclose(net.layers[0].weights, [[0.15, 0.20], [0.25, 0.30]], rtol=1e-7)
    assert net.layers[0].bias_mode == "shared" and not net.layers[0].train_bias
    assert net.layers[1].bias.tolist() == pytest.approx([0.6, 0.7])


def test_regression_defaults_to_identity_and_mse():
    net = config(MINIMAL + '[network]\nhidden = [4]\nactivation = "relu"\n').build_network(
        3, 2, task="regression"
    )
    assert net.layers[-1].activation.name == "identity" and net.loss.name == "mse"


def test_two_classes_with_one_sigmoid_output():
    cfg = config(
        MINIMAL
        + """
[[network.layers]]
neurons = 4
activation = "tanh"
[[network.layers]]
neurons = 1
activation = "sigmoid"
"""
    )
    net = cfg.build_network(2, 2, task="classification")
    assert net.sizes == [2, 4, 1] and net.loss.name == "binary_cross_entropy"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[trainig]\nepochs = 2\n", "run.toml: trainig: unknown key; did you mean 'training'?"),
        ("[training]\nepoch = 2\n", "training.epoch: unknown key; did you mean 'epochs'?"),
        ("[training]\nepochs = 0\n", "training.epochs: must be >= 1, got 0"),
        ("[training]\nbatch_size = 1.5\n", "training.batch_size: expected a whole number"),
        ("[training]\nthreads = 0\n", "training.threads: must be >= 1, got 0"),
        ("[network]\nhiden = [3]\n", "network.hiden: unknown key; did you mean 'hidden'?"),
        ('[network]\nactivation = "rellu"\n', "did you mean 'relu'?"),
        ('[network]\ninit = "he_unifrom"\n', "network.init: expected one of"),
        ("[optimizer]\nname = 'adma'\n", "optimizer.name: unknown optimizer 'adma'; did you mean"),
        (
            "[optimizer]\nname = 'sgd'\nmomentun = 0.9\n",
            "optimizer.momentun: unknown key; did you mean 'momentum'?",
        ),
        ("[optimizer]\nname = 'adam'\nmomentum = 0.9\n", "optimizer.momentum: unknown key"),
        ("[optimizer]\nlearning_rate = -1\n", "optimizer: learning_rate must be > 0, got -1"),
        ("[schedule]\nname = 'step'\ngama = 0.5\n", "schedule.gama: unknown key; did you mean"),
        ("[output]\nplot = 'yes'\n", "output.plot: expected true or false"),
        ("[[network.layers]]\nneurons = 3\n", "network.layers[0].activation: missing"),
        ("title = 3\n", "title: expected a string"),
        ("[training\n", "TOML syntax error"),
    ],
)
def test_mistakes_are_named(text, message):
    with pytest.raises(GlassnetError) as info:
        config(text + MINIMAL if text.startswith("title") else MINIMAL + text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_data_table():
    with pytest.raises(GlassnetError, match="data: missing; a training file needs a"):
        config("[training]\nepochs = 1\n")


@pytest.mark.parametrize(
    ("layers", "n_features", "n_outputs", "message"),
    [
        (
            '[[network.layers]]\nactivation = "relu"\nweights = [[1.0, 2.0, 3.0]]\n'
            '[[network.layers]]\nactivation = "softmax"\nweights = [[1.0], [2.0]]\n',
            2,
            2,
            "network.layers[0].weights: expected 2 columns (the data has 2 features), got 3",
        ),
        (
            '[[network.layers]]\nneurons = 4\nactivation = "relu"\n'
            '[[network.layers]]\nneurons = 3\nactivation = "softmax"\n',
            2,
            10,
            "network.layers[1].neurons: the output layer needs 10 neurons (the data has 10 "
            "classes), got 3",
        ),
        (
            '[[network.layers]]\nactivation = "softmax"\nweights = [[1.0, 2.0]]\n',
            2,
            3,
            "network.layers[0].weights: the output layer needs 3 weights rows",
        ),
        (
            '[[network.layers]]\nneurons = 4\nactivation = "softmax"\n'
            '[[network.layers]]\nactivation = "softmax"\n',
            2,
            3,
            "network.layers[0].activation: softmax is for the output layer only",
        ),
    ],
)
def test_network_and_data_size_mismatch(layers, n_features, n_outputs, message):
    cfg = config(MINIMAL + layers)
    with pytest.raises(GlassnetError) as info:
        cfg.build_network(n_features, n_outputs, task="classification")
    assert message in str(info.value)


def test_worked_example_is_not_a_training_file(tmp_path):
    from glassnet.examples import example_text

    path = tmp_path / "mazur.toml"
    path.write_text(example_text("mazur"))
    assert not is_training_config(path)
    assert not is_training_config(tmp_path / "missing.toml")
