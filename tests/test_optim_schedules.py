"""Learning-rate schedules against torch.optim.lr_scheduler and hand arithmetic."""

from __future__ import annotations

import math

import pytest
import torch

from glassnet.errors import GlassnetError
from glassnet.schedules import Constant, Cosine, Exponential, Step, get_schedule


def torch_rates(make_scheduler, epochs: int, base: float) -> list[float]:
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=base)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(epochs):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (Step(step_size=3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
        (Exponential(gamma=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
        (
            Cosine(epochs=10, min_rate=0.001),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        ),
    ],
)
def test_matches_torch(ours, theirs):
    expected = torch_rates(theirs, 10, 0.1)
    assert [ours(e, 0.1) for e in range(10)] == pytest.approx(expected, rel=1e-12)


def test_by_hand():
    assert Constant()(7, 0.3) == 0.3
    assert Step(step_size=2, gamma=0.1)(5, 1.0) == pytest.approx(0.01)  # floor(5/2) = 2
    assert Exponential(gamma=0.5)(3, 0.8) == pytest.approx(0.1)  # 0.8 / 8
    # Halfway through a cosine cycle the rate is halfway between lr0 and the floor.
    assert Cosine(epochs=4, min_rate=0.0)(2, 0.2) == pytest.approx(0.1)
    assert Cosine(epochs=4)(0, 0.2) == 0.2
    assert Cosine(epochs=4)(9, 0.2) == pytest.approx(0.0, abs=1e-18)
    assert math.isclose(Cosine(epochs=3)(1, 1.0), (1 + math.cos(math.pi / 3)) / 2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Step(step_size=0), "step_size must be >= 1, got 0"),
        (lambda: Exponential(gamma=1.5), "gamma must be > 0 and <= 1, got 1.5"),
        (lambda: get_schedule("cosin"), "unknown schedule 'cosin'; did you mean 'cosine'?"),
        (
            lambda: get_schedule("step", gama=0.5),
            "unknown setting 'gama' for schedule 'step'; did you mean 'gamma'?",
        ),
    ],
)
def test_errors(make, message):
    with pytest.raises(GlassnetError) as info:
        make()
    assert message in str(info.value)
