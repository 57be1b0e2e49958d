"""*mnist-98*: wall time and epochs until 98% test accuracy with the documented MNIST recipe.

``python -m benchmarks.mnist98 glassnet|pytorch``: ``recipes/mnist.toml`` —
784-512-256-10, ReLU, softmax + cross-entropy, batch 128, SGD with Nesterov
momentum 0.9 (learning rate 0.05), L2 weight decay 1e-4 on the weights only,
cosine schedule over 20 epochs — on 54,000 training images (the recipe holds
out 10% for validation), the test accuracy measured after every epoch.
Training stops at the first epoch with test accuracy >= 98%. The clock runs
from the network's creation to that evaluation (evaluation included for both).
PyTorch gets glassnet's initial weights, so both start from the same point.
"""

from __future__ import annotations

import argparse
import math
import time
import tomllib
from typing import Any

import numpy as np

from benchmarks.common import ROOT, emit, mnist

TARGET = 0.98


def recipe() -> dict[str, Any]:
    with open(ROOT / "recipes" / "mnist.toml", "rb") as f:
        return tomllib.load(f)


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = mnist("train")
    keep = np.random.default_rng(0).permutation(X.shape[0])[: int(X.shape[0] * 0.9)]
    keep.sort()
    Xte, yte = mnist("test")
    return np.ascontiguousarray(X[keep]), y[keep], Xte, yte


def initial_network(r: dict[str, Any]):  # type: ignore[no-untyped-def]
    from glassnet.init import init_network

    sizes = [784, *r["network"]["hidden"], 10]
    acts = [r["network"]["activation"]] * len(r["network"]["hidden"]) + ["softmax"]
    return init_network(sizes, acts, loss="cross_entropy", rng=r["training"]["seed"])


def run_glassnet(r: dict[str, Any], X, y, Xte, yte) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from glassnet.optimizers import get_optimizer
    from glassnet.schedules import get_schedule
    from glassnet.training import Trainer, evaluate

    started = time.perf_counter()
    net = initial_network(r)
    opt_settings = {k: v for k, v in r["optimizer"].items() if k != "name"}
    optimizer = get_optimizer(r["optimizer"]["name"], **opt_settings)
    schedule = get_schedule(r["schedule"]["name"])
    epochs = r["training"]["epochs"]
    trainer = Trainer(
        net,
        optimizer,
        epochs=epochs,
        batch_size=r["training"]["batch_size"],
        schedule=schedule,
        seed=r["training"]["seed"],
        progress="quiet",
    )
    accuracies = []
    for epoch in range(1, epochs + 1):
        trainer.epochs = epoch
        trainer.fit(X, y)
        accuracy = evaluate(net, Xte, yte).accuracy or 0.0
        accuracies.append(accuracy)
        if accuracy >= TARGET:
            break
    return {"seconds": time.perf_counter() - started, "accuracies": accuracies}


def run_pytorch(r: dict[str, Any], X, y, Xte, yte) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    import os

    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    start_net = initial_network(r)  # the same starting weights
    started = time.perf_counter()
    layers: list[torch.nn.Module] = []
    for k, layer in enumerate(start_net.layers):
        lin = torch.nn.Linear(layer.weights.shape[1], layer.weights.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.weights))
            lin.bias.copy_(torch.from_numpy(layer.bias))
        layers.append(lin)
        if k < len(start_net.layers) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    o = r["optimizer"]
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    opt = torch.optim.SGD(
        [
            {"params": weights, "weight_decay": o["weight_decay"]},
            {"params": biases, "weight_decay": 0.0},
        ],
        lr=o["learning_rate"],
        momentum=o["momentum"],
        nesterov=o["nesterov"],
    )
    epochs, batch = r["training"]["epochs"], r["training"]["batch_size"]
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt, Xe = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(Xte)
    torch.manual_seed(r["training"]["seed"])
    accuracies = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(Xt.shape[0])
        for lo in range(0, Xt.shape[0], batch):
            idx = perm[lo : lo + batch]
            loss = loss_fn(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        with torch.no_grad():
            predicted = torch.cat(
                [model(Xe[i : i + 2048]).argmax(1) for i in range(0, len(Xe), 2048)]
            )
        accuracy = float((predicted.numpy() == yte).mean())
        accuracies.append(accuracy)
        if accuracy >= TARGET:
            break
    return {"seconds": time.perf_counter() - started, "accuracies": accuracies}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=["glassnet", "pytorch"])
    args = parser.parse_args()
    r = recipe()
    X, y, Xte, yte = data()
    run = run_glassnet if args.contender == "glassnet" else run_pytorch
    result = run(r, X, y, Xte, yte)
    accs = result["accuracies"]
    result["epochs"] = len(accs) if accs and accs[-1] >= TARGET else None
    result["final_accuracy"] = accs[-1] if accs else math.nan
    emit(result)


if __name__ == "__main__":
    main()
