"""The one network builder and its layer rules, shared by every reader."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.activations import get_activation
from glassnet.engine import forward
from glassnet.errors import GlassnetError
from glassnet.losses import get_loss
from glassnet.network import LayerSpec, Network, build_network, check_activation, check_loss

SIGMOID, SOFTMAX = get_activation("sigmoid"), get_activation("softmax")


def specs(*activations, columns=(2, 2)):
    return [LayerSpec(np.ones((2, n_in)), act, bias=0.1) for act, n_in in zip(activations, columns)]


@pytest.mark.parametrize(
    ("build", "field", "detail"),
    [
        (lambda: build_network(specs(SOFTMAX, SIGMOID), loss="mse"), "layers[0].activation",
         "softmax is for the output layer only, not a hidden layer"),
        (lambda: build_network(specs(SIGMOID, SIGMOID), loss="cross_entropy"), "loss",
         "loss 'cross_entropy' needs a 'softmax' output layer, got 'sigmoid'"),
        (lambda: build_network(specs(SIGMOID, SIGMOID, columns=(2, 3)), loss="mse"),
         "layers[1].weights", "expected 2 columns (one per neuron of layers[0]), got 3"),
        (lambda: build_network([LayerSpec(np.ones((2, 2)), SIGMOID, bias=[1, 2, 3])], loss="mse"),
         "layers[0].bias", "must be a number or 2 values, got shape (3,)"),
        (lambda: build_network([LayerSpec(np.ones((0, 2)), SIGMOID)], loss="mse"),
         "layers[0].weights", "must be a non-empty matrix (n_neurons, n_inputs), got shape (0, 2)"),
        (lambda: build_network(specs(SIGMOID), loss="mse", batch_reduction="median"),
         "batch_reduction", "expected one of mean, sum, got 'median'"),
    ],
)  # fmt: skip
def test_every_mistake_names_its_field(build, field, detail):
    with pytest.raises(GlassnetError) as error:
        build()
    assert (error.value.field, error.value.detail) == (field, detail)


def test_the_builder_gives_the_networks_numbers_in_its_dtype():
    network = build_network(specs(SIGMOID, SOFTMAX), loss="cross_entropy", dtype=np.float32)
    assert isinstance(network, Network) and network.dtype == np.float32
    # out_h = sigmoid(0.1 + 0.1) for both; softmax of two equal nets is 1/2 each.
    out = forward(network, network.check_inputs([[0.05, 0.05]]))[-1].out
    np.testing.assert_allclose(out, [[0.5, 0.5]])


def test_the_rules_alone():
    check_activation(SOFTMAX, 1, 2)  # the output layer may be softmax
    with pytest.raises(GlassnetError, match="output layer only"):
        check_activation(SOFTMAX, 0, 2)
    check_loss(get_loss("binary_cross_entropy"), SIGMOID)
    check_loss(get_loss("mse"), SOFTMAX)  # any output for a loss that requires none
    with pytest.raises(GlassnetError, match="needs a 'sigmoid' output layer"):
        check_loss(get_loss("binary_cross_entropy"), SOFTMAX)
