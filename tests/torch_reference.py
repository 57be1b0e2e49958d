"""torch equivalents of glassnet's activations, for the tests that check against autograd."""

from __future__ import annotations

import torch
from torch.nn import functional

from strategies import LayerSpec


def activate(spec: LayerSpec, net: torch.Tensor) -> torch.Tensor:
    if spec.activation == "sigmoid":
        return torch.sigmoid(net)
    if spec.activation == "tanh":
        return torch.tanh(net)
    if spec.activation == "relu":
        return functional.relu(net)
    if spec.activation == "leaky_relu":
        assert spec.slope is not None
        return functional.leaky_relu(net, negative_slope=spec.slope)
    if spec.activation == "softmax":
        return torch.softmax(net, dim=-1)
    if spec.activation == "softplus":  # log(1 + exp(net)) exactly (nn.Softplus is net past 20)
        return torch.logaddexp(net, torch.zeros_like(net))
    if spec.activation == "gelu":
        return functional.gelu(net, approximate="tanh")
    assert spec.activation == "identity"
    return net
