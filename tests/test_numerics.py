"""Numerical safety: saturated activations and losses, and training that diverges.

pytest turns warnings into errors, so every test here also asserts that NumPy raised no
overflow or invalid-value warning on the way. Expected values come from ``math``, computed
one number at a time with the textbook stable formulas.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from glassnet.activations import get_activation
from glassnet.cli import main
from glassnet.engine import backprop, forward
from glassnet.errors import TrainingDivergedError
from glassnet.fast.full_batch import train
from glassnet.losses import get_loss
from glassnet.network import Layer, Network

HUGE = 1e308


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)  # 0.0 below about -745, without an error
    return e / (1 + e)


def softplus(x: float) -> float:
    """``log(1 + exp(x))``."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def softmax(row: list[float]) -> list[float]:
    top = max(row)
    e = [math.exp(x - top) for x in row]  # x - top may be -inf: exp gives 0
    total = math.fsum(e)
    return [v / total for v in e]


def log_softmax(row: list[float]) -> list[float]:
    top = max(row)
    lse = top + math.log(math.fsum(math.exp(x - top) for x in row))
    return [x - lse for x in row]


def assert_close(actual: np.ndarray, expected: list[float], rtol: float) -> None:
    """Equal within ``rtol`` relative (exactly equal where ``expected`` is 0 or 1)."""
    actual = np.asarray(actual, dtype=np.float64).ravel()
    assert np.all(np.isfinite(actual)), actual
    for a, e in zip(actual, expected, strict=True):
        assert abs(a - e) <= rtol * abs(e), f"{a!r} != {e!r}"


# -- activations -------------------------------------------------------------------------

SIGMOID_INPUTS = [-HUGE, -1e3, -745.0, -700.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1e3, HUGE]


def test_sigmoid_float64_saturates_without_warnings() -> None:
    net = np.array(SIGMOID_INPUTS)
    out = get_activation("sigmoid").forward(net)
    assert out.dtype == np.float64
    # 1e-15: a few units in the last place (exp is not correctly rounded everywhere).
    assert_close(out, [sigmoid(x) for x in SIGMOID_INPUTS], rtol=1e-15)
    assert out[0] == 0.0 and out[-1] == 1.0
    assert 0 < out[3] < 1e-303  # sigmoid(-700) = 9.86e-305: a number, not 0
    derivative = get_activation("sigmoid").derivative(net, out)
    assert np.all(np.isfinite(derivative)) and np.all(derivative >= 0)


def test_sigmoid_float32_saturates_without_warnings() -> None:
    inputs = [-1e30, -80.0, -1.0, 0.0, 1.0, 80.0, 1e30]
    out = get_activation("sigmoid").forward(np.array(inputs, dtype=np.float32))
    assert out.dtype == np.float32
    # sigmoid(-80) = 1.8e-35 is a normal float32; 1e-6 is a few float32 units.
    assert_close(out, [sigmoid(x) for x in inputs], rtol=1e-6)
    assert out[0] == 0.0 and out[-1] == 1.0


def test_tanh_saturates_without_warnings() -> None:
    out = get_activation("tanh").forward(np.array([-HUGE, -1e3, 1e3, HUGE]))
    assert out.tolist() == [-1.0, -1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "row",
    [
        [1e3, -1e3, 0.0],
        [1e3, 999.0, 0.0],
        [-1e3, -1e3, -1e3],
        [HUGE, HUGE],
        [-HUGE, -HUGE, -HUGE],
        [1e300, -1e300, 0.0],
        [HUGE, -HUGE],  # the spread overflows: HUGE - (-HUGE) is inf
        [HUGE, 0.0, -HUGE],
    ],
)
def test_softmax_float64_saturates_without_warnings(row: list[float]) -> None:
    out = get_activation("softmax").forward(np.array([row]))
    assert_close(out, softmax(row), rtol=1e-15)
    assert math.isclose(float(out.sum()), 1.0, rel_tol=1e-15)


@pytest.mark.parametrize("row", [[1e30, -1e30, 0.0], [1e30, 1e30], [-1e30, 0.0]])
def test_softmax_float32_saturates_without_warnings(row: list[float]) -> None:
    out = get_activation("softmax").forward(np.array([row], dtype=np.float32))
    assert out.dtype == np.float32
    assert_close(out, softmax(row), rtol=1e-7)


# -- losses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, target",
    [
        ([1e3, -1e3, 0.0], [0.0, 1.0, 0.0]),  # loss 2000: the output is 0 in float64
        ([1e3, -1e3, 0.0], [1.0, 0.0, 0.0]),
        ([1e3, -1e3, 0.0], [0.2, 0.5, 0.3]),
        ([-800.0, 800.0], [1.0, 0.0]),
        ([1e300, -1e300], [0.5, 0.5]),  # loss 1e300: finite
        ([HUGE, -HUGE], [1.0, 0.0]),  # loss 0, though log(out_2) is -inf
    ],
)
def test_cross_entropy_of_saturated_softmax(row: list[float], target: list[float]) -> None:
    net = np.array([row])
    out = get_activation("softmax").forward(net)
    terms = get_loss("cross_entropy").terms(net, out, np.array([target]))
    expected = [-t * v if t else 0.0 for t, v in zip(target, log_softmax(row))]
    assert_close(terms, expected, rtol=1e-15)


@pytest.mark.parametrize(
    "net", [-HUGE, -1e3, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e3, HUGE]
)
@pytest.mark.parametrize("target", [0.0, 0.3, 1.0])
def test_binary_cross_entropy_of_saturated_sigmoid(net: float, target: float) -> None:
    nets = np.array([[net]])
    out = get_activation("sigmoid").forward(nets)
    terms = get_loss("binary_cross_entropy").terms(nets, out, np.array([[target]]))
    expected = target * softplus(-net) + (1 - target) * softplus(net)
    assert_close(terms, [expected], rtol=1e-15)


def test_saturated_softmax_cross_entropy_update() -> None:
    """A whole update through a saturated output: finite loss, gradient out - target."""
    network = Network([Layer([[1e3], [-1e3]], "softmax")], loss="cross_entropy")
    trace = backprop(network, [[1.0]], [[0.0, 1.0]], 0.1)
    assert trace.loss == 2000.0
    assert trace.layers[0].delta.tolist() == [[1.0, -1.0]]
    assert trace.layers[0].grad_weights.tolist() == [[1.0], [-1.0]]
    assert trace.network_after.layers[0].weights.tolist() == [[1e3 - 0.1], [-1e3 + 0.1]]


def test_saturated_sigmoid_binary_cross_entropy_update() -> None:
    network = Network([Layer([[1e3]], "sigmoid", bias=0.0)], loss="binary_cross_entropy")
    trace = backprop(network, [[1.0]], [[0.0]], 0.5)
    assert trace.loss == 1000.0  # softplus(1000)
    assert trace.layers[0].delta.tolist() == [[1.0]]
    assert trace.layers[0].grad_bias == 1.0
    assert trace.loss_after == 999.5 - 0.5  # weights and bias each stepped by 0.5


# -- divergence ---------------------------------------------------------------------------


def diverging_step(weight: float, learning_rate: float) -> tuple[int, float]:
    """For ``y = w x`` with x = 1, t = 0, half_sse: the step whose loss is first infinite,
    and the weight before it. Plain Python floats: w <- w - lr * w."""
    for step in range(1, 1000):
        new = weight - learning_rate * weight
        if not math.isfinite(0.5 * new * new):
            return step, weight
        weight = new
    raise AssertionError("does not diverge")


def test_train_stops_when_the_loss_becomes_infinite() -> None:
    network = Network([Layer([[1.0]], "identity")], loss="half_sse")
    learning_rate = 1e10 + 1  # w <- -1e10 w; the loss 0.5 w^2 overflows at w = 1e160
    step, last_weight = diverging_step(1.0, learning_rate)
    assert step == 16
    with pytest.raises(TrainingDivergedError, match=rf"\binf\b.* at step {step}\b") as caught:
        train(network, [[1.0]], [[0.0]], learning_rate, 100)
    good = caught.value.network  # type: ignore[attr-defined]
    assert math.isclose(float(good.layers[0].weights[0, 0]), last_weight, rel_tol=1e-12)
    last = forward(good, np.array([[1.0]]))[-1]
    assert math.isfinite(float(good.loss.terms(last.net, last.out, np.array([[0.0]])).sum()))
    assert "learning_rate" in str(caught.value)


def test_train_stops_when_the_loss_becomes_nan() -> None:
    # One step of 1.7e308 * [-2, 2] overflows both weights, to +inf and -inf; the third
    # sample's net input is then inf - inf.
    network = Network([Layer([[0.0, 0.0]], "identity")], loss="half_sse")
    inputs, targets = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[6.0], [-6.0], [0.0]]
    with pytest.raises(TrainingDivergedError, match=r"\bnan\b.* at step 1\b") as caught:
        train(network, inputs, targets, 1.7e308, 5)
    good = caught.value.network  # type: ignore[attr-defined]
    assert good.layers[0].weights.tolist() == [[0.0, 0.0]]


def test_cli_train_reports_divergence_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "diverges.toml"
    path.write_text(
        'loss = "half_sse"\nlearning_rate = 10000000001.0\n'
        '[[layers]]\nactivation = "identity"\nweights = [[1.0]]\n'
        "[[samples]]\ninput = [1.0]\ntarget = [0.0]\n"
    )
    assert main(["train", str(path), "--steps", "100"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert "at step 16" in captured.err
