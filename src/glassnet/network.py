"""Fully connected feed-forward networks: layers of ``out = f(W @ x + b)``.

A layer's weights are a matrix ``W`` of shape ``(n_neurons, n_inputs)``: row j is
neuron j, column i is the layer's input i, as in ``torch.nn.Linear.weight``.
It is stored column-major (Fortran order), so the forward product ``x @ W.T``
reads a row-major ``(n_inputs, n_neurons)`` matrix: the plain layout that
OpenBLAS runs fastest (about 20% faster than the transposed one for MNIST's
first layer). The products are the same; BLAS may add their terms in another
order, so float32 training can differ in the last bits.
A layer's bias is one of three kinds:

- one per neuron: an array of shape ``(n_neurons,)``;
- one shared by the whole layer: an array of shape ``()``;
- none: ``None``.

>>> import numpy as np
>>> net = Network([Layer([[0.15, 0.20], [0.25, 0.30]], "sigmoid", bias=0.35),
...                Layer([[0.40, 0.45], [0.50, 0.55]], "sigmoid", bias=0.60)],
...               loss="half_sse")
>>> net.sizes, net.layers[0].bias_mode
([2, 2, 2], 'shared')

The network only holds the parameters: ``glassnet.engine.forward`` computes its outputs.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet.activations import Activation, get_activation
from glassnet.errors import GlassnetError
from glassnet.losses import Loss, get_loss
from glassnet.names import Names, default_names

Array = NDArray[np.floating]
BiasMode = Literal["neuron", "shared", "none"]
BATCH_REDUCTIONS = ("mean", "sum")


def check_activation(activation: Activation, index: int, n_layers: int) -> None:
    """The layer rule of ``activation`` as layer ``index`` of ``n_layers``.

    ``GlassnetError`` with field ``layers[index].activation`` for an output-only
    activation (softmax) on a hidden layer. Example files, training files, model
    files, PyTorch models and ``Network`` all apply this one check.
    """
    if activation.output_only and index != n_layers - 1:
        raise GlassnetError(
            f"{activation.name} is for the output layer only, not a hidden layer",
            field=f"layers[{index}].activation",
        )


def check_loss(loss: Loss, output: Activation) -> None:
    """The pairing rule of ``loss`` with the ``output`` layer's activation.

    ``GlassnetError`` with field ``loss`` when the loss requires another output
    activation (cross-entropy needs softmax, binary cross-entropy sigmoid).
    """
    wanted = loss.requires_activation
    if wanted is not None and output.name != wanted:
        raise GlassnetError(
            f"loss {loss.name!r} needs a {wanted!r} output layer, got {output.name!r}",
            field="loss",
        )


class Layer:
    """One fully connected layer, ``out = activation(net)`` with ``net = x @ W.T + b``.

    Parameters
    ----------
    weights : array-like of shape (n_neurons, n_inputs)
    activation : str or Activation
        A name from ``glassnet.activations.ACTIVATIONS``.
    bias : None, float, or array-like of shape (n_neurons,)
        ``None`` for no bias, a number for one bias shared by the layer, a
        sequence for one bias per neuron.
    train_bias : bool
        Whether the update changes the bias. A frozen bias still has a gradient.
    dtype : NumPy float type, default float64
    """

    def __init__(
        self,
        weights: ArrayLike,
        activation: str | Activation = "sigmoid",
        *,
        bias: ArrayLike | None = None,
        train_bias: bool = True,
        dtype: type[np.floating] | np.dtype[np.floating] = np.float64,
    ):
        self.weights: Array = np.array(weights, dtype=dtype, order="F")
        if self.weights.ndim != 2 or 0 in self.weights.shape:
            raise GlassnetError(
                f"must be a non-empty matrix (n_neurons, n_inputs), got shape {self.weights.shape}",
                field="weights",
            )
        self.activation = get_activation(activation)
        self.bias: Array | None = None if bias is None else np.array(bias, dtype=dtype)
        if self.bias is not None and self.bias.shape not in ((), (self.n_neurons,)):
            raise GlassnetError(
                f"must be a number or {self.n_neurons} values, got shape {self.bias.shape}",
                field="bias",
            )
        self.train_bias = bool(train_bias)

    @property
    def n_neurons(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_inputs(self) -> int:
        return int(self.weights.shape[1])

    @property
    def bias_mode(self) -> BiasMode:
        if self.bias is None:
            return "none"
        return "shared" if self.bias.ndim == 0 else "neuron"

    def __repr__(self) -> str:
        bias = {"none": "None", "shared": "shared", "neuron": "per neuron"}[self.bias_mode]
        frozen = "" if self.train_bias or self.bias is None else ", frozen"
        return (
            f"Layer({self.n_inputs} -> {self.n_neurons}, {self.activation.name}, "
            f"bias={bias}{frozen})"
        )


@dataclass(frozen=True)
class LayerSpec:
    """One layer as a reader found it (an example, training or model file, a PyTorch model)."""

    weights: ArrayLike
    activation: Activation
    bias: ArrayLike | None = None
    train_bias: bool = True


def build_network(
    specs: Sequence[LayerSpec],
    *,
    loss: str | Loss,
    batch_reduction: str = "mean",
    dtype: type[np.floating] | np.dtype[np.floating] = np.float64,
) -> Network:
    """The one builder behind example files, training files, model files and PyTorch models.

    Every rule is checked here, once: each layer's activation (``check_activation``),
    its weights and bias, the columns against the layer below, the loss against the
    output activation (``check_loss``), the batch reduction. A mistake is a
    ``GlassnetError`` whose ``field`` names it within the network (``layers[1].weights``,
    ``layers[0].bias``, ``loss``, ``batch_reduction``); each reader puts its file and
    table in front.
    """
    layers = []
    for index, spec in enumerate(specs):
        check_activation(spec.activation, index, len(specs))
        try:
            layer = Layer(
                spec.weights, spec.activation, bias=spec.bias, train_bias=spec.train_bias,
                dtype=dtype,
            )  # fmt: skip
        except GlassnetError as error:
            raise GlassnetError(error.detail, field=f"layers[{index}].{error.field}") from None
        layers.append(layer)
    return Network(layers, loss=loss, batch_reduction=batch_reduction)


class Network:
    """A stack of layers, a loss, and how a batch's losses are combined.

    Parameters
    ----------
    layers : sequence of Layer
        First hidden layer first; the last one is the output layer.
    loss : str or Loss, default "half_sse"
        A name from ``glassnet.losses.LOSSES``.
    batch_reduction : {"mean", "sum"}, default "mean"
        The batch loss is the mean (or sum) of the samples' losses.
    names : Names, optional
        What the explanations call each input, neuron, weight and bias;
        defaults to ``i1…``, ``h1…``, ``o1…``, ``w1…``, ``b1…``.

    Attributes
    ----------
    input_range : list of float, or None
        ``[min, max]`` of the inputs the network was last trained on, recorded by
        ``Trainer.fit`` and saved in a model's metadata, so that ``glassnet
        evaluate`` can warn about inputs far outside it (unscaled pixels, say).
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        *,
        loss: str | Loss = "half_sse",
        batch_reduction: str = "mean",
        names: Names | None = None,
    ):
        self.layers = list(layers)
        self.loss = get_loss(loss)
        self.batch_reduction = batch_reduction
        self._validate()
        self.names = names if names is not None else default_names(self)
        self.input_range: list[float] | None = None

    def _validate(self) -> None:
        if not self.layers:
            raise GlassnetError("a network needs at least one layer")
        for index, (before, after) in enumerate(zip(self.layers, self.layers[1:]), start=1):
            if after.n_inputs != before.n_neurons:
                raise GlassnetError(
                    f"expected {before.n_neurons} columns (one per neuron of "
                    f"layers[{index - 1}]), got {after.n_inputs}",
                    field=f"layers[{index}].weights",
                )
        for index, layer in enumerate(self.layers):
            check_activation(layer.activation, index, len(self.layers))
        check_loss(self.loss, self.layers[-1].activation)
        if self.batch_reduction not in BATCH_REDUCTIONS:
            raise GlassnetError(
                f"expected one of {', '.join(BATCH_REDUCTIONS)}, got {self.batch_reduction!r}",
                field="batch_reduction",
            )

    @property
    def sizes(self) -> list[int]:
        """``[n_inputs, n_hidden_1, …, n_outputs]``."""
        return [self.layers[0].n_inputs] + [layer.n_neurons for layer in self.layers]

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def dtype(self) -> np.dtype[np.floating]:
        return self.layers[0].weights.dtype

    def check_inputs(self, inputs: ArrayLike, *, field: str = "inputs") -> Array:
        x = np.asarray(inputs, dtype=self.dtype)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise GlassnetError(
                f"expected shape (n_samples, {self.n_inputs}), got {x.shape}",
                field=field,
            )
        return x

    def copy(self) -> Network:
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        layers = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{layers}], loss={self.loss.name!r})"
