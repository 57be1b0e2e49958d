"""Convert between a glassnet ``Network`` and a PyTorch ``torch.nn.Sequential``.

Each glassnet layer ``out = f(x @ W.T + b)`` becomes ``nn.Linear`` (whose
``weight`` is ``W``, shape ``(n_neurons, n_inputs)``, and ``bias`` is ``b``)
followed by the activation's module, which each activation declares
(``Activation.torch_name``, ``to_torch``, ``from_torch``)::

    sigmoid -> nn.Sigmoid    tanh -> nn.Tanh      relu -> nn.ReLU
    leaky_relu -> nn.LeakyReLU(slope)             identity -> nn.Identity
    softmax -> nn.Softmax(dim=-1)                 softplus -> nn.Softplus()
    gelu -> nn.GELU(approximate="tanh")

A bias shared by a layer's neurons becomes one bias per neuron with that
value (the outputs are the same; converted back it stays per neuron). The
loss is not part of a ``Sequential``: ``from_torch`` takes it as an argument,
by default the one that goes with the output activation.

Needs the ``torch`` extra: ``pip install 'glassnet[torch]'``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised by the missing-extra test in a subprocess
    raise ImportError(
        "glassnet.torch_interop needs PyTorch: pip install 'glassnet[torch]'"
    ) from None

from glassnet.activations import ACTIVATIONS, Activation, get_activation
from glassnet.errors import GlassnetError
from glassnet.network import LayerSpec, Network, build_network

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def to_torch(network: Network) -> nn.Sequential:
    """An ``nn.Sequential`` computing the same outputs as ``network``, in its dtype.

    >>> from glassnet.examples import load_example
    >>> model = to_torch(load_example("mazur").network)
    >>> [type(m).__name__ for m in model]
    ['Linear', 'Sigmoid', 'Linear', 'Sigmoid']
    """
    dtype = TORCH_DTYPES.get(np.dtype(network.dtype))
    if dtype is None:
        raise GlassnetError(f"expected a float32 or float64 network, got {network.dtype}")
    modules: list[nn.Module] = []
    for layer in network.layers:
        linear = nn.Linear(
            layer.n_inputs, layer.n_neurons, bias=layer.bias is not None, dtype=dtype
        )
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weights))
            if layer.bias is not None:
                linear.bias.copy_(torch.tensor(np.broadcast_to(layer.bias, (layer.n_neurons,))))
                linear.bias.requires_grad_(layer.train_bias)
        modules += [linear, layer.activation.to_torch(nn)]
    return nn.Sequential(*modules)


def _activation(module: nn.Module, index: int) -> Activation:
    """The activation whose ``torch_name`` is the module's class (exactly that class)."""
    for cls in ACTIVATIONS.values():
        if type(module) is getattr(nn, cls.torch_name):
            try:
                return cls.from_torch(module)
            except GlassnetError as error:
                raise GlassnetError(error.detail, field=f"model[{index}]") from None
    expected = ", ".join(cls.torch_name for cls in ACTIVATIONS.values())
    raise GlassnetError(
        f"{type(module).__name__} is not supported; expected Linear followed by one of {expected}",
        field=f"model[{index}]",
    )


def from_torch(
    model: nn.Module, *, loss: str | None = None, batch_reduction: str = "mean"
) -> Network:
    """The glassnet ``Network`` of a ``Sequential`` of ``Linear`` and activation modules.

    ``loss`` defaults to the loss paired with an output-only activation
    (``cross_entropy`` after a softmax) and ``mse`` otherwise.
    The network has the dtype of the model's weights (float32 or float64).
    """
    modules = list(model.children()) if isinstance(model, nn.Sequential) else [model]
    layers: list[tuple[Any, Activation | None]] = []
    for index, module in enumerate(modules):
        if isinstance(module, nn.Linear):
            layers.append((module, None))
        elif not layers:
            raise GlassnetError(
                f"expected Linear first, got {type(module).__name__}", field=f"model[{index}]"
            )
        elif layers[-1][1] is not None:
            raise GlassnetError(
                f"two activations in a row ({type(module).__name__})", field=f"model[{index}]"
            )
        else:
            layers[-1] = (layers[-1][0], _activation(module, index))
    if not layers:
        raise GlassnetError("the model has no Linear layers")
    built = []
    for linear, activation in layers:
        weight = linear.weight.detach().cpu().numpy()
        dtype = weight.dtype
        if dtype not in (np.float32, np.float64):
            raise GlassnetError(f"expected float32 or float64 weights, got {dtype}")
        bias = None if linear.bias is None else linear.bias.detach().cpu().numpy().copy()
        train_bias = True if linear.bias is None else bool(linear.bias.requires_grad)
        built.append(
            LayerSpec(weight.copy(), activation or get_activation("identity"), bias, train_bias)
        )
    last = built[-1].activation
    if loss is None:
        # A softmax output only classifies; a sigmoid one may also be a regression in [0, 1].
        loss = last.paired_loss if last.output_only and last.paired_loss else "mse"
    # One dtype for the network: the first layer's (a model mixing them is cast to it).
    dtype = np.asarray(built[0].weights).dtype
    return build_network(built, loss=loss, batch_reduction=batch_reduction, dtype=dtype)
