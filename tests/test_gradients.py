"""Backpropagation's gradients agree with central finite differences of the batch loss.

For random networks (``strategies.cases``: depth 1-4, widths 1-8, every activation, loss,
bias mode and batch reduction, 1-5 samples) every entry of every layer's ``grad_weights`` and
``grad_bias`` is compared with central differences ``(E(p + h) - E(p - h)) / 2h`` for
h = 1e-6 and 2e-6, extrapolated (Richardson) to remove their h^2 error. E is the batch loss
glassnet computes (its forward pass and loss), evaluated in extended precision
(``np.longdouble``) so a difference quotient keeps about 13 significant digits instead of 10.

The tolerance is ``|grad - fd| < 1e-6 * |fd| + floor``, a relative error of 1e-6 except for
gradients too small to be told apart from these two sources of error, which make the floor:

- ``1000 * eps * scale(grad)``: the rounding error of the engine's float64 gradient, with
  ``scale(grad)`` the magnitude of the terms it is made of (``strategies.error_scales``);
- ``noise = 100 * eps * (scale(E) + max(E(p + h), E(p - h))) / h`` bounds the rounding error
  of the difference quotient itself (eps of the extended type, ``scale(E)`` the magnitude of
  the loss's terms at p).

ReLU and leaky ReLU are not differentiable at net = 0, so cases with a net input of those
within 1e-3 of 0 are skipped (a step of 1e-6 cannot cross the kink then).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given

from glassnet.engine import EXACT, Variant, backprop, forward
from glassnet.network import Network
from strategies import (
    ROUNDING,
    Case,
    LayerSpec,
    cases,
    clear_of_kinks,
    error_scales,
    records_from_trace,
    relative_error,
)

STEP = 1e-6
RTOL = 1e-6
FD_DTYPE = np.longdouble
FD_ROUNDING = 100 * np.finfo(FD_DTYPE).eps / STEP


def batch_loss(network: Network, inputs: Any, targets: Any) -> Any:
    """The batch loss E as the engine defines it: the mean (or sum) of the samples' losses."""
    last = forward(network, inputs)[-1]
    sample_losses = network.loss.terms(last.net, last.out, targets).sum(axis=1)
    return sample_losses.mean() if network.batch_reduction == "mean" else sample_losses.sum()


Gradients = list[tuple[np.ndarray, np.ndarray | None]]


def central_differences(case: Case) -> tuple[Gradients, Gradients]:
    """``(dE/dW, dE/db)`` per layer by central differences in ``FD_DTYPE``, and their noise.

    Each derivative is Richardson's combination of the central quotients with steps h and
    2h, whose truncation error is O(h^4) instead of O(h^2): a single quotient's error,
    ``h^2 / 6 * d3E/dp3``, can exceed 1e-6 of a gradient that cancels to zero by symmetry
    (a softmax output layer with equal outputs). The noise of one quotient is
    ``100 * eps * max(E(p + h), E(p - h)) / h`` (every loss here is >= 0): the rounding
    error of the two losses divided by the step. A shared bias is one number, so its
    quotient is the derivative with respect to that one number.
    """
    network = case.network(FD_DTYPE)
    x = np.asarray(case.inputs, dtype=FD_DTYPE)
    t = np.asarray(case.targets, dtype=FD_DTYPE)

    def quotient(param: np.ndarray, index: tuple[int, ...], step: float) -> tuple[Any, Any]:
        original = param[index]
        param[index] = original + step
        plus, up = batch_loss(network, x, t), param[index]
        param[index] = original - step
        minus, down = batch_loss(network, x, t), param[index]
        param[index] = original
        return (plus - minus) / (up - down), FD_ROUNDING * max(plus, minus) * STEP / step

    def derivative(param: np.ndarray, index: tuple[int, ...]) -> tuple[float, float]:
        d1, noise1 = quotient(param, index, STEP)
        d2, noise2 = quotient(param, index, 2 * STEP)
        # Richardson: D(h) = g + c h^2 + O(h^4), so (4 D(h) - D(2h)) / 3 = g + O(h^4).
        return float((4 * d1 - d2) / 3), float((4 * noise1 + noise2) / 3)

    def differentiate(param: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pairs = [derivative(param, index) for index in np.ndindex(param.shape)]
        quotients, noise = (np.array(column).reshape(param.shape) for column in zip(*pairs))
        return quotients, noise

    grads: Gradients = []
    noises: Gradients = []
    for layer in network.layers:
        grad_w, noise_w = differentiate(layer.weights)
        grad_b, noise_b = (None, None) if layer.bias is None else differentiate(layer.bias)
        grads.append((grad_w, grad_b))
        noises.append((noise_w, noise_b))
    return grads, noises


def gradient_errors(case: Case, *, variant: Variant = EXACT) -> dict[str, float]:
    """Per gradient array, the relative error of the engine's gradient against ``fd``."""
    trace = backprop(case.network(), case.inputs, case.targets, case.learning_rate, variant=variant)
    scales = error_scales(
        records_from_trace(trace),
        loss=case.loss,
        reduction=case.batch_reduction,
        targets=case.targets,
        learning_rate=case.learning_rate,
    )
    loss_noise = FD_ROUNDING * float(scales["loss"])
    errors = {}
    differences, noises = central_differences(case)
    for k, layer in enumerate(trace.layers):
        (fd_w, fd_b), (noise_w, noise_b) = differences[k], noises[k]
        pairs: list[tuple[str, Any, np.ndarray, Any]] = [
            ("grad_weights", layer.grad_weights, fd_w, noise_w)
        ]
        if fd_b is not None:
            pairs.append(("grad_bias", layer.grad_bias, fd_b, noise_b))
        for name, grad, fd, noise in pairs:
            assert grad is not None, f"layers[{k}].{name} is missing"
            grad = np.asarray(grad)
            assert grad.shape == fd.shape, f"layers[{k}].{name}: {grad.shape} vs {fd.shape}"
            assert np.all(np.isfinite(grad)), f"layers[{k}].{name}: {grad}"
            floor = ROUNDING * np.asarray(scales[name][k]) + loss_noise + noise
            errors[f"layers[{k}].{name}"] = relative_error(grad, fd, rtol=RTOL, floor=floor)
    return errors


@pytest.mark.slow
@given(cases())
def test_gradients_match_central_differences(case: Case) -> None:
    assume(clear_of_kinks(case))
    errors = gradient_errors(case)
    worst = max(errors, key=errors.__getitem__)
    assert errors[worst] < RTOL, f"{worst}: relative error {errors[worst]:.3g} >= {RTOL:g}"


@given(cases(max_layers=2, max_width=3, max_samples=2))
def test_the_reference_loss_is_the_engines_loss(case: Case) -> None:
    """The extended-precision E the differences use is the loss the engine reports."""
    trace = backprop(case.network(), case.inputs, case.targets, case.learning_rate)
    reference = batch_loss(case.network(FD_DTYPE), case.inputs, case.targets)
    scales = error_scales(
        records_from_trace(trace),
        loss=case.loss,
        reduction=case.batch_reduction,
        targets=case.targets,
        learning_rate=case.learning_rate,
    )
    floor = ROUNDING * scales["loss"]
    assert relative_error(trace.loss, float(reference), rtol=1e-12, floor=floor) < 1e-12


def mazur_case() -> Case:
    """Mazur's 2-2-2 network: shared biases, frozen (they still have gradients)."""
    hidden = LayerSpec(
        np.array([[0.15, 0.20], [0.25, 0.30]]), "sigmoid", None, np.array(0.35), False
    )
    output = LayerSpec(
        np.array([[0.40, 0.45], [0.50, 0.55]]), "sigmoid", None, np.array(0.60), False
    )
    return Case((hidden, output), "half_sse", "mean", np.array([[0.05, 0.10]]),
                np.array([[0.01, 0.99]]), 0.5)  # fmt: skip


def test_central_differences_reproduce_mazur_w1() -> None:
    # worked-examples.md, Mazur: w1 = 0.15 becomes 0.149780716132763 with learning rate 0.5.
    expected = (0.15 - 0.149780716132763) / 0.5
    assert abs(central_differences(mazur_case())[0][0][0][0, 0] - expected) < 1e-9 * expected


@pytest.mark.parametrize(
    "variant",
    [
        Variant(gradient_scale=1 + 2e-6),
        Variant(derivative_at_output=True),
        Variant(shared_bias_from_first=True),
    ],
    ids=["gradients 2e-6 too large", "derivative at out", "shared bias from first neuron"],
)
def test_the_check_catches_known_mistakes(variant: Variant) -> None:
    case = mazur_case()
    assert max(gradient_errors(case).values()) < RTOL
    assert max(gradient_errors(case, variant=variant).values()) > RTOL
