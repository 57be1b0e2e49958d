"""Optimizers: hand-worked updates, torch.optim number for number, state round trips."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glassnet.errors import GlassnetError
from glassnet.optimizers import SGD, AdaGrad, Adam, RMSProp, get_optimizer


def test_sgd_by_hand():
    # p - lr * g = [1 - 0.1 * 0.5, 2 - 0.1 * (-1)] = [0.95, 2.1]
    p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    SGD(0.1).step([p], [g])
    np.testing.assert_allclose(p, [0.95, 2.1], rtol=0, atol=1e-15)


def test_momentum_by_hand():
    # mu = 0.9, lr = 0.1, g = 1 every step:
    # v1 = 1, p1 = 1 - 0.1 = 0.9; v2 = 0.9 * 1 + 1 = 1.9, p2 = 0.9 - 0.19 = 0.71
    p = np.array([1.0])
    opt = SGD(0.1, momentum=0.9)
    opt.step([p], [np.array([1.0])])
    assert p[0] == pytest.approx(0.9, abs=1e-15)
    opt.step([p], [np.array([1.0])])
    assert p[0] == pytest.approx(0.71, abs=1e-15)


def test_nesterov_by_hand():
    # v1 = 1, step = g + mu v1 = 1.9, p1 = 1 - 0.19 = 0.81
    # v2 = 0.9 + 1 = 1.9, step = 1 + 0.9 * 1.9 = 2.71, p2 = 0.81 - 0.271 = 0.539
    p = np.array([1.0])
    opt = SGD(0.1, momentum=0.9, nesterov=True)
    opt.step([p], [np.array([1.0])])
    assert p[0] == pytest.approx(0.81, abs=1e-15)
    opt.step([p], [np.array([1.0])])
    assert p[0] == pytest.approx(0.539, abs=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # After one step m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
    p = np.array([1.0, -1.0, 0.5])
    g = np.array([3.0, -0.02, 1e-3])
    Adam(0.01, epsilon=1e-8).step([p], [g])
    expected = np.array([1.0, -1.0, 0.5]) - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_adagrad_by_hand():
    # s = 4, p = 1 - 0.5 * 2 / (2 + eps); then s = 4 + 1 = 5, p -= 0.5 * 1 / (sqrt(5) + eps)
    p = np.array([1.0])
    opt = AdaGrad(0.5, epsilon=1e-10)
    opt.step([p], [np.array([2.0])])
    opt.step([p], [np.array([1.0])])
    expected = 1 - 0.5 * 2 / (2 + 1e-10) - 0.5 / (np.sqrt(5) + 1e-10)
    assert p[0] == pytest.approx(expected, abs=1e-15)


TORCH_CASES = [
    (lambda: SGD(0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    (lambda: SGD(0.1, momentum=0.9), lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    (
        lambda: SGD(0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
    ),
    (
        lambda: AdaGrad(0.3, weight_decay=0.001),
        lambda ps: torch.optim.Adagrad(ps, lr=0.3, weight_decay=0.001),
    ),
    (
        lambda: RMSProp(0.01, rho=0.9, epsilon=1e-7),
        lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-7),
    ),
    (
        lambda: Adam(0.01, beta1=0.8, beta2=0.99, weight_decay=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
    ),
    (
        lambda: Adam(0.01, weight_decay=0.1, decoupled_weight_decay=True),
        lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    ),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("ours", "theirs"), TORCH_CASES)
def test_matches_torch(ours, theirs, dtype):
    """Seven steps on a weight matrix (decayed) and a bias (not decayed) with random gradients."""
    rng = np.random.default_rng(1)
    params = [rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=3).astype(dtype)]
    torch_params = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    groups = [
        {"params": [torch_params[0]]},
        {"params": [torch_params[1]], "weight_decay": 0.0},
    ]
    opt, reference = ours(), theirs(groups)
    for _ in range(7):
        grads = [rng.normal(size=p.shape).astype(dtype) for p in params]
        opt.step(params, grads, decay=[True, False])
        for tp, g in zip(torch_params, grads):
            tp.grad = torch.tensor(g)
        reference.step()
    tol = 1e-12 if dtype == np.float64 else 1e-6
    for p, tp in zip(params, torch_params):
        assert p.dtype == dtype
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_state_round_trip_continues_exactly(name):
    rng = np.random.default_rng(0)
    start = [rng.normal(size=(4, 3)).astype(np.float32), np.float32(0.5) * np.ones(4, np.float32)]
    grads = [[rng.normal(size=p.shape).astype(np.float32) for p in start] for _ in range(6)]

    straight = [p.copy() for p in start]
    opt = get_optimizer(name, learning_rate=0.05)
    for g in grads:
        opt.step(straight, g)

    resumed = [p.copy() for p in start]
    first = get_optimizer(name, learning_rate=0.05)
    for g in grads[:3]:
        first.step(resumed, g)
    second = get_optimizer(name, learning_rate=0.05)
    second.load_state_dict(first.state_dict(), resumed)
    for g in grads[3:]:
        second.step(resumed, g)
    for a, b in zip(straight, resumed):
        assert np.array_equal(a, b)


def test_float32_stays_float32_and_in_place():
    p = np.ones((2, 2), dtype=np.float32)
    before = p
    Adam(0.1, weight_decay=0.5).step([p], [np.full((2, 2), 0.25, np.float32)])
    assert p is before and p.dtype == np.float32


def test_weight_decay_only_where_asked():
    # Zero gradient: only decay moves a parameter, p -= lr * wd * p.
    w, b = np.array([1.0]), np.array([1.0])
    SGD(0.1, weight_decay=0.5).step([w, b], [np.zeros(1), np.zeros(1)], decay=[True, False])
    assert w[0] == pytest.approx(0.95) and b[0] == 1.0


def test_shared_bias_scalar_parameter():
    p = np.array(0.5)
    SGD(0.1, momentum=0.5).step([p], [np.float64(1.0)])
    assert p.shape == () and float(p) == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(-1), "learning_rate must be > 0, got -1"),
        (lambda: SGD(0.1, momentum=1.5), "momentum must be >= 0 and < 1, got 1.5"),
        (lambda: SGD(0.1, nesterov=True), "nesterov needs momentum > 0"),
        (lambda: Adam(0.1, beta1=1.0), "beta1 must be >= 0 and < 1, got 1.0"),
        (lambda: RMSProp(0.1, epsilon=0), "epsilon must be > 0, got 0"),
        (lambda: AdaGrad(float("nan")), "learning_rate must be finite"),
        (lambda: get_optimizer("adamm"), "unknown optimizer 'adamm'; did you mean 'adam'?"),
        (
            lambda: get_optimizer("sgd", momentun=0.9),
            "unknown setting 'momentun' for optimizer 'sgd'; did you mean 'momentum'?",
        ),
    ],
)
def test_errors_name_the_setting(make, message):
    with pytest.raises(GlassnetError) as info:
        make()
    assert message in str(info.value)


def test_aliases_are_settings_of_one_class():
    assert isinstance(get_optimizer("momentum", learning_rate=0.1), SGD)
    nesterov = get_optimizer("nesterov", learning_rate=0.1)
    assert isinstance(nesterov, SGD) and nesterov.nesterov and nesterov.momentum == 0.9
    adamw = get_optimizer("adamw")
    assert isinstance(adamw, Adam) and adamw.decoupled
