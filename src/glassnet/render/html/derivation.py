"""Each parameter's derivation: the blocks of its chain rule and its update step.

Clicking a weight or bias on the diagram shows the deltas of every neuron it
reaches (for every sample of a batch), its gradient, and its update; in matrix
form a layer's weight matrix shows the deltas of its layer and the layers after.
"""

from __future__ import annotations

from typing import Any

from glassnet.render.html.walk import Walk, sample_suffix


def param_names(walk: Walk) -> list[tuple[str, str]]:
    """``(id, name)`` of every weight and bias (every layer in matrix form)."""
    network = walk.network
    if walk.by_layer:
        return [(f"W{k}", f"layer {k + 1}") for k in range(len(network.layers))]
    names = network.names
    result = []
    for k, layer in enumerate(network.layers):
        n_out, n_in = layer.weights.shape
        result += [
            (f"w{k}.{j}.{i}", names.weight(k, j, i)) for j in range(n_out) for i in range(n_in)
        ]
        if layer.bias_mode == "shared":
            result.append((f"b{k}", names.bias(k)))
        elif layer.bias_mode == "neuron":
            result += [(f"b{k}.{j}", names.bias(k, j)) for j in range(n_out)]
    return result


def derivations(walk: Walk) -> dict[str, dict[str, Any]]:
    """For each parameter: the blocks and the update step of its chain rule, and its highlight."""
    steps = walk.steps
    result = {}
    for pid, name in param_names(walk):
        blocks, keys = derivation(walk, pid)
        ordered = sorted(set(blocks), key=lambda b: int(b.rsplit("b", 1)[1]))
        update = [steps.step_id_of_key[k] for k in keys if k in steps.step_id_of_key]
        touched = [s for b in ordered for s in steps.block_steps(b)]
        touched += [steps.step_of_key[k] for k in keys if k in steps.step_of_key]
        result[pid] = {
            "name": name,
            "blocks": ordered,
            "steps": update,
            "hl": walk.highlight(touched),
        }
    return result


def derivation(walk: Walk, pid: str) -> tuple[list[str], list[str]]:
    """Block ids of a parameter's chain rule, and the keys of its update step."""
    network, names, trace = walk.network, walk.network.names, walk.trace
    block_of_key = walk.steps.block_of_key
    n_layers = len(network.layers)
    if pid.startswith("W"):
        layer = int(pid[1:])
        blocks = [
            block_of_key[f"delta_layer{k + 1}"]
            for k in range(layer, n_layers)
            if f"delta_layer{k + 1}" in block_of_key
        ]
        update = [f"W_layer{layer + 1}+"]
        if f"b_layer{layer + 1}+" in walk.steps.step_of_key:
            update.append(f"b_layer{layer + 1}+")
        return blocks, update
    parts = [int(x) for x in pid[1:].split(".")]
    layer = parts[0]
    if pid.startswith("w"):
        j, i = parts[1], parts[2]
        own = [j]
        name = names.weight(layer, j, i)
    else:
        own = [parts[1]] if len(parts) > 1 else list(range(network.sizes[layer + 1]))
        name = names.bias(layer, own[0])
    neurons = [(layer, j) for j in own]
    for k in range(layer + 1, n_layers):
        neurons += [(k, j) for j in range(network.sizes[k + 1])]
    blocks = []
    for k, j in neurons:
        for s in range(trace.n_samples):
            key = f"delta_{names.neuron(k, j)}{sample_suffix(s, trace.n_samples)}"
            if key in block_of_key:
                blocks.append(block_of_key[key])
    if f"dE/d{name}" in block_of_key:
        blocks.append(block_of_key[f"dE/d{name}"])
    return blocks, [f"{name}+"]
