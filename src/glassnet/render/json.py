"""JSON: the trace as one object, for other tools. The schema is in ``docs/json.md``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.jsonfile import dumps

if TYPE_CHECKING:
    from glassnet.explanation import Explanation
    from glassnet.trace import LayerTrace, Trace


def _plain(value: Any) -> Any:
    """NumPy arrays and scalars as lists and floats (a shared bias as one number)."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _layer(trace: Trace, lt: LayerTrace) -> dict[str, Any]:
    network = trace.network
    layer = network.layers[lt.index]
    entry: dict[str, Any] = {
        "activation": layer.activation.name,
        "bias_mode": layer.bias_mode,
        "train_bias": lt.trains_bias,
        "weights": _plain(lt.weights),
        "bias": _plain(lt.bias),
        "grad_weights": _plain(lt.grad_weights),
        "grad_bias": _plain(lt.grad_bias),
        "new_weights": _plain(lt.new_weights),
        "new_bias": _plain(lt.new_bias),
    }
    if trace.detailed:
        names = network.names
        n_out, n_in = lt.weights.shape
        entry["names"] = {
            "neurons": [names.neuron(lt.index, j) for j in range(n_out)],
            "weights": [[names.weight(lt.index, j, i) for i in range(n_in)] for j in range(n_out)],
            "bias": None
            if lt.bias is None
            else names.bias(lt.index)
            if lt.bias.ndim == 0
            else [names.bias(lt.index, j) for j in range(n_out)],
        }
    return entry


def trace_to_dict(trace: Trace) -> dict[str, Any]:
    """The trace as plain data: lists of rows in the ``W[j][i]`` orientation."""
    network = trace.network
    samples = []
    for s in range(trace.n_samples):
        samples.append(
            {
                "input": _plain(trace.inputs[s]),
                "target": _plain(trace.targets[s]),
                "loss": _plain(trace.sample_losses[s]),
                "loss_after": _plain(trace.sample_losses_after[s]),
                "outputs_after": _plain(trace.outputs_after[s]),
                "layers": [
                    {
                        "net": _plain(lt.net[s]),
                        "out": _plain(lt.out[s]),
                        "dE_dout": _plain(lt.dE_dout[s]),
                        "dout_dnet": None if lt.dout_dnet is None else _plain(lt.dout_dnet[s]),
                        "delta": _plain(lt.delta[s]),
                    }
                    for lt in trace.layers
                ],
            }
        )
    data: dict[str, Any] = {
        "sizes": network.sizes,
        "loss_function": network.loss.name,
        "batch_reduction": network.batch_reduction,
        "learning_rate": trace.learning_rate,
        "loss": trace.loss,
        "loss_after": trace.loss_after,
        "layers": [_layer(trace, lt) for lt in trace.layers],
        "samples": samples,
    }
    if trace.detailed:
        data["input_names"] = [network.names.input(i) for i in range(network.n_inputs)]
    return data


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The trace, the example's title and source, and every shown value by its key."""
    data: dict[str, Any] = {
        "title": explanation.title,
        "source": explanation.source,
        **trace_to_dict(explanation.trace),
    }
    if not explanation.matrix_form:
        data["values"] = {step.key: _plain(step.value) for step in explanation.steps()}
    return data


def render_json(explanation: Explanation) -> str:
    return dumps(explanation_to_dict(explanation), indent=2) + "\n"
