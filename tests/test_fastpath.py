"""The fast paths against the engine's own ``backprop``: the generated straight-line code
for tiny networks (``glassnet.compiled``), the preallocated mini-batch step
(``engine.BatchStep``) and training from a memory-mapped X."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import compiled, engine, native
from glassnet.check import catalogue
from glassnet.engine import BatchStep, Variant, backprop, backward, forward, train
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.examples import load_example
from glassnet.init import init_network
from glassnet.network import Layer, Network
from glassnet.optimizers import SGD
from glassnet.training import Trainer, check_features


def repeated_backprop(network, x, t, lr, steps, variant=engine.EXACT):
    """``steps`` updates through ``backprop`` (the traced path), and each loss after."""
    losses = []
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence shows in the loss
            trace = backprop(network, x, t, lr, detailed=False, variant=variant)
        losses.append(trace.loss_after)
        if not np.isfinite(trace.loss_after):
            break
        network = trace.network_after
    return network, np.array(losses)


def assert_networks_close(a, b, tol=1e-12):
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_allclose(la.weights, lb.weights, rtol=tol, atol=tol)
        if la.bias is not None:
            np.testing.assert_allclose(la.bias, lb.bias, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["mazur", "lamsal", "hill"])
def test_examples_take_the_compiled_path_and_match_backprop(name):
    ex = load_example(name)
    x = np.atleast_2d(ex.inputs)
    assert compiled.supports(ex.network, x.shape[0])
    assert compiled.compile_network(ex.network, x.shape[0]) is not None
    result = train(ex.network, ex.inputs, ex.targets, ex.learning_rate, 25)
    expected, losses = repeated_backprop(ex.network, ex.inputs, ex.targets, ex.learning_rate, 25)
    assert_networks_close(result.network, expected)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "value, decimals",
    [
        *[(0.0025, 3), (2.675, 2), (-0.105, 2), (0.5, 0), (1.5, 0), (-2.5, 0), (123456.5, -1)],
        # past 2**51 once scaled (the slow branch), and inf
        *[(3.0e12 + 0.5, 2), (7.1e15, 3), (np.inf, 2), (-np.inf, 4), (1e300, 6)],
    ],
)
def test_generated_rounding_is_numpys(value, decimals):
    """Python's round(0.0025, 3) is 0.003; NumPy's, and the generated code's, 0.002."""
    rounded = eval(
        compiled.round_code("value", decimals), {"value": value, "_rint": compiled._rint}
    )
    assert rounded == np.round(value, decimals)
    assert np.round(0.0025, 3) != round(0.0025, 3)  # the two roundings do differ


def test_mazur_reaches_the_published_loss_after_10000_updates():
    ex = load_example("mazur")
    result = train(ex.network, ex.inputs, ex.targets, ex.learning_rate, 10_000)
    # Mazur's step-by-step tutorial: 0.0000351085 after 10,000 rounds (measured before the
    # 10,000th update is applied); after it, 3.510188e-05.
    assert result.loss == pytest.approx(3.510188e-05, rel=1e-6)


def small_network(activations, loss, bias, train_bias, reduction, seed):
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 2]
    layers = []
    for k, act in enumerate(activations):
        w = rng.normal(0, 0.8, (sizes[k + 1], sizes[k]))
        b = (
            None
            if bias is None
            else (0.1 * (k + 1) if bias == "shared" else rng.normal(0, 0.3, sizes[k + 1]))
        )
        layers.append(Layer(w, act, bias=b, train_bias=train_bias))
    return Network(layers, loss=loss, batch_reduction=reduction)


CASES = [
    (("tanh", "sigmoid"), "half_sse", "per_neuron", True, "mean"),
    (("relu", "identity"), "mse", "shared", True, "sum"),
    (("leaky_relu", "tanh"), "sse", None, True, "mean"),
    (("sigmoid", "sigmoid"), "half_sse", "shared", False, "mean"),
    (("identity", "relu"), "mse", "per_neuron", False, "sum"),
]


@pytest.mark.parametrize("n_samples", [1, 3])
@pytest.mark.parametrize("case", CASES)
def test_generated_code_matches_backprop(case, n_samples):
    activations, loss, bias, train_bias, reduction = case
    network = small_network(activations, loss, bias, train_bias, reduction, seed=n_samples)
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, (n_samples, 3))
    t = rng.uniform(0.05, 0.95, (n_samples, 2))
    assert compiled.compile_network(network, n_samples) is not None
    result = train(network, x, t, 0.3, 40)
    expected, losses = repeated_backprop(network, x, t, 0.3, 40)
    assert_networks_close(result.network, expected)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.outputs, forward(expected, x)[-1].out, rtol=1e-12, atol=1e-15)


#: Every switch of ``Variant`` on its own, and two together (mistake 1 reads the new
#: weights that mistakes 6 and 7 make, so the combination tests the order of the lines).
VARIANTS = [
    Variant(hidden_deltas_after_update=True),
    Variant(derivative_at_output=True),
    Variant(gradient_scale=2.0),
    Variant(gradient_scale=0.5),
    Variant(flip_bias_training=True),
    Variant(shared_bias_from_first=True),
    Variant(update_sign=1.0),
    *(Variant(round_decimals=k) for k in (2, 3, 4, 5, 6)),
    Variant(learning_rate_power=2),
    Variant(learning_rate_power=0),
    Variant(flip_batch_reduction=True),
    Variant(hidden_deltas_after_update=True, update_sign=1.0, round_decimals=4),
    Variant(derivative_at_output=True, flip_bias_training=True, shared_bias_from_first=True),
]


def assert_same_training(network, x, t, lr, steps, variant):
    """The generated code for ``variant`` against ``steps`` calls of ``backprop(variant=...)``.

    To 1e-12 relative, not bit for bit: NumPy's sigmoid is ``e / (1 + e)`` with
    ``e = exp(-|net|)`` where the generated line is ``1 / (1 + exp(-net))``, and BLAS
    may fuse a multiply-add, so single values differ in the last bit or two.

    The reference runs with row-major weights. A rounding variant (mistake 7) can meet
    an exact decimal tie, where that last bit decides the rounded value: hill rounded
    to 2 decimals reaches -0.07 * 0.78 + 0.12 * -0.42 = -0.105 at update 13. NumPy's
    matmul with the default column-major weights rounds it to -0.1, with row-major
    weights (like the generated code, one product at a time) to -0.11.
    """
    network = network.copy()
    for layer in network.layers:
        layer.weights = np.ascontiguousarray(layer.weights)
    n = np.atleast_2d(x).shape[0]
    assert compiled.compile_network(network, n, variant) is not None
    expected, losses = repeated_backprop(network, x, t, lr, steps, variant)
    diverged = np.flatnonzero(~np.isfinite(losses))
    if diverged.size:  # both stop before the first non-finite loss, with the same network
        with pytest.raises(TrainingDivergedError, match=f"at step {diverged[0] + 1};") as error:
            train(network, x, t, lr, steps, variant=variant)
        before, _ = repeated_backprop(network, x, t, lr, int(diverged[0]), variant)
        assert_networks_close(error.value.network, before)
        return
    result = train(network, x, t, lr, steps, variant=variant)
    assert_networks_close(result.network, expected)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.outputs, forward(expected, x)[-1].out, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["mazur", "lamsal", "hill"])
def test_every_catalogued_mistake_trains_compiled_like_backprop(name):
    ex = load_example(name)
    compiled.prepare(ex.network, 1, [m.variant for m in catalogue(ex)])  # one compiler run
    for mistake in catalogue(ex):
        assert_same_training(
            ex.network, ex.inputs, ex.targets, ex.learning_rate, 300, mistake.variant
        )


@pytest.mark.parametrize("n_samples", [1, 3])
@pytest.mark.parametrize("case", CASES)
def test_every_variant_trains_compiled_like_backprop_on_small_networks(case, n_samples):
    activations, loss, bias, train_bias, reduction = case
    network = small_network(activations, loss, bias, train_bias, reduction, seed=n_samples)
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, (n_samples, 3))
    t = rng.uniform(0.05, 0.95, (n_samples, 2))
    compiled.prepare(network, n_samples, VARIANTS)  # one compiler run
    for variant in VARIANTS:
        assert_same_training(network, x, t, 0.3, 40, variant)


def test_generated_code_is_the_explanations_formulas():
    ex = load_example("mazur")
    source = compiled.generate(ex.network, 1)
    # Sigmoid's out_formula 1 / (1 + exp(-net)) with the guarded exp, its derivative
    # out * (1 - out), and half_sse's gradient -(target - out).
    assert "o0_0_0 = (1.0 / (1.0 + (inf if (-n0_0_0) > 709.0 else exp((-n0_0_0)))))" in source
    assert "(o1_0_0 * (1.0 - o1_0_0))" in source
    assert "(-(t0_0 - o1_0_0))" in source


def test_large_nets_do_not_overflow_and_match_numpy():
    # |net| of several thousand: math.exp would raise OverflowError unguarded.
    layers = [
        Layer([[3000.0, -2000.0], [-4000.0, 1.0]], "sigmoid", bias=0.5),
        Layer([[2.0, -3.0]], "sigmoid", bias=0.1),
    ]
    network = Network(layers, loss="half_sse")
    x, t = np.array([[1.0, 1.0]]), np.array([[0.3]])
    result = train(network, x, t, 0.5, 5)
    expected, losses = repeated_backprop(network, x, t, 0.5, 5)
    assert_networks_close(result.network, expected)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12)


def test_divergence_stops_at_the_same_step_as_numpy(monkeypatch):
    layers = [
        Layer([[1.0, 0.5], [0.2, -0.4]], "identity", bias=0.0),
        Layer([[1.0, 1.0]], "identity"),
    ]
    network = Network(layers, loss="sse")
    x, t = np.array([[2.0, 3.0]]), np.array([[1.0]])
    with pytest.raises(TrainingDivergedError) as fast:
        train(network, x, t, 5.0, 2000)
    monkeypatch.setattr(compiled, "supports", lambda *a: False)
    with pytest.raises(TrainingDivergedError) as slow:
        train(network, x, t, 5.0, 2000)
    assert str(fast.value).split(" at step ")[1] == str(slow.value).split(" at step ")[1]
    assert_networks_close(fast.value.network, slow.value.network, tol=1e-9)


def test_wide_float32_or_softmax_networks_keep_numpy():
    assert not compiled.supports(
        init_network([784, 128, 10], ["relu", "softmax"], loss="cross_entropy"), 1
    )
    net32 = init_network([2, 2, 2], ["sigmoid", "sigmoid"], rng=0, dtype=np.float32)
    assert not compiled.supports(net32, 1)
    soft = init_network(
        [2, 3, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0, dtype=np.float64
    )
    assert not compiled.supports(soft, 1)
    assert engine.Variant() == engine.EXACT


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_batch_step_matches_forward_backward(hidden, order):
    """Same gradients with the default column-major weights and with row-major ones
    (a user may assign ``layer.weights`` any array); each gradient in its matrix's layout."""
    network = init_network(
        [20, 16, 12, 5], [hidden, hidden, "softmax"], loss="cross_entropy", rng=3, dtype=np.float64
    )
    for layer in network.layers:
        assert layer.weights.flags.f_contiguous
        layer.weights = np.asarray(layer.weights, order=order)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (9, 20))
    labels = rng.integers(0, 5, 9)
    t = np.eye(5)[labels]
    step = BatchStep(network, 16)
    assert step.fused
    summed, correct = step.run(x, labels)
    passes = forward(network, x)
    grads = backward(network, passes, t)
    expected_grads = []
    for g in grads:
        expected_grads += [g.grad_weights, g.grad_bias]
    assert len(step.grads) == len(expected_grads)
    for got, want in zip(step.grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert all(grad.flags[f"{order}_CONTIGUOUS"] for grad in step.grad_weights)
    last = passes[-1]
    assert summed == pytest.approx(network.loss.terms(last.net, last.out, t).sum(), rel=1e-12)
    assert correct == int((last.out.argmax(axis=1) == labels).sum())


def test_batch_step_shared_and_frozen_bias():
    layers = [
        Layer(np.full((4, 3), 0.1) + np.arange(12).reshape(4, 3) / 30, "relu", bias=0.2),
        Layer(
            np.arange(12).reshape(3, 4) / 17 - 0.3,
            "softmax",
            bias=[0.1, 0.0, -0.1],
            train_bias=False,
        ),
    ]
    network = Network(layers, loss="cross_entropy")
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1]])
    labels = np.array([2, 0])
    step = BatchStep(network, 4)
    step.run(x, labels)
    grads = backward(network, forward(network, x), np.eye(3)[labels])
    # weights 0, shared bias 0, weights 1 (the frozen bias 1 is not trained)
    want = [grads[0].grad_weights, grads[0].grad_bias, grads[1].grad_weights]
    assert [g.shape for g in step.grads] == [w.shape for w in want]
    for got, w in zip(step.grads, want):
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-15)


def test_trainer_on_a_memory_mapped_x_does_not_copy_it(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (300, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    net_a = init_network([6, 8, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    assert np.shares_memory(check_features(net_a, mapped), mapped)
    net_b = init_network([6, 8, 2], ["relu", "softmax"], loss="cross_entropy", rng=0)
    Trainer(net_a, SGD(0.1), epochs=3, batch_size=32, seed=1, progress="quiet").fit(mapped, y)
    Trainer(net_b, SGD(0.1), epochs=3, batch_size=32, seed=1, progress="quiet").fit(X, y)
    for la, lb in zip(net_a.layers, net_b.layers):
        np.testing.assert_array_equal(la.weights, lb.weights)


def test_plain_sgd_trainer_matches_forward_backward_updates():
    """The fused step with the learning rate folded in, against the engine's own
    forward/backward and ``p -= lr * g``, batch by batch (float64, one epoch)."""
    rng = np.random.default_rng(2)
    X = rng.normal(0, 1, (70, 6))
    y = rng.integers(0, 3, 70)
    fast = init_network(
        [6, 9, 3], ["relu", "softmax"], loss="cross_entropy", rng=4, dtype=np.float64
    )
    ref = fast.copy()
    optimizer = SGD(0.2)
    assert optimizer.plain
    Trainer(fast, optimizer, epochs=1, batch_size=16, seed=5, progress="quiet").fit(X, y)
    assert optimizer.t == 5
    perm = np.random.default_rng(5).permutation(70)
    for lo in range(0, 70, 16):
        idx = perm[lo : lo + 16]
        grads = backward(ref, forward(ref, X[idx]), np.eye(3)[y[idx]])
        for layer, g in zip(ref.layers, grads):
            layer.weights -= 0.2 * g.grad_weights
            layer.bias -= 0.2 * g.grad_bias
    assert_networks_close(fast, ref)


def test_step_scaled_is_for_plain_sgd_only():
    p = np.array([1.0, 2.0])
    SGD(0.1).step_scaled([p], [np.array([0.5, -1.0])])
    np.testing.assert_array_equal(p, [0.5, 3.0])
    with pytest.raises(GlassnetError, match="step_scaled is for plain SGD"):
        SGD(0.1, momentum=0.9).step_scaled([p], [p])


def assert_same_bits(network, x, t, lr, steps, variants):
    """The Python loop and the C loop of each variant (``compile_network`` picks between
    them) give equal results, not just close ones: the same IEEE operations in the
    same order. One compiler run for all the variants."""
    x, t = np.atleast_2d(x), np.atleast_2d(t)
    variants = [None if v == engine.EXACT else v for v in variants]
    c_loops = native.build(network, x.shape[0], variants)
    params = compiled.parameters(network)
    for variant in variants:
        python = compiled._python_loop(network, x.shape[0], variant)
        eta = lr ** (variant or engine.EXACT).learning_rate_power
        with np.errstate(over="ignore", invalid="ignore"):
            a = python(params, x.tolist(), t.tolist(), eta, steps, None)
            b = c_loops[variant](params, x.tolist(), t.tolist(), eta, steps)
        assert a[0] == b[0]  # as many updates (fewer when the loss became non-finite)
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(a[2], b[2])
        if a[0] == steps:
            np.testing.assert_array_equal(a[3], b[3])


@pytest.mark.parametrize("name", ["mazur", "lamsal", "hill"])
def test_the_c_loop_gives_the_python_loops_bits(name):
    """Same lines, same IEEE operations in the same order: equal, not just close."""
    assert native.enabled()
    ex = load_example(name)
    variants = [engine.EXACT, *(m.variant for m in catalogue(ex)), *VARIANTS]
    assert_same_bits(ex.network, ex.inputs, ex.targets, ex.learning_rate, 5000, variants)


@pytest.mark.parametrize("n_samples", [1, 3])
@pytest.mark.parametrize("case", CASES)
def test_the_c_loop_gives_the_python_loops_bits_on_small_networks(case, n_samples):
    activations, loss, bias, train_bias, reduction = case
    network = small_network(activations, loss, bias, train_bias, reduction, seed=n_samples)
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, (n_samples, 3))
    t = rng.uniform(0.05, 0.95, (n_samples, 2))
    assert_same_bits(network, x, t, 0.3, 500, [engine.EXACT, *VARIANTS])


def test_c_libraries_are_built_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_CACHE", str(tmp_path / "cache"))
    ex = load_example("lamsal")
    variants = [None, Variant(round_decimals=3)]
    first = native.build(ex.network, 1, variants)
    assert set(first) == set(variants)
    (library,) = (tmp_path / "cache").glob("*.so")
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700

    def no_compiler(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(native.subprocess, "run", no_compiler)
    again = native.build(ex.network, 1, variants)
    x, t = ex.inputs.tolist(), ex.targets.tolist()
    params = compiled.parameters(ex.network)
    a, b = first[None](params, x, t, 0.6, 100), again[None](params, x, t, 0.6, 100)
    np.testing.assert_array_equal(a[2], b[2])
    assert list((tmp_path / "cache").glob("*.so")) == [library]


def test_without_a_compiler_training_runs_the_python_loop(monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-glassnet")
    monkeypatch.setattr(compiled, "_NATIVE", {})
    monkeypatch.setattr(compiled, "NATIVE_STEPS", 10)
    assert not native.enabled()
    ex = load_example("hill")
    assert_same_training(ex.network, ex.inputs, ex.targets, 0.1, 50, Variant(update_sign=1.0))
    assert list(compiled._NATIVE.values()) == [None]  # tried, and fell back


def test_long_training_runs_the_c_loop(monkeypatch):
    monkeypatch.setattr(compiled, "_NATIVE", {})
    monkeypatch.setattr(compiled, "NATIVE_STEPS", 2000)
    ex = load_example("hill")
    variant = Variant(derivative_at_output=True)
    short = train(ex.network, ex.inputs, ex.targets, 0.1, 1999, variant=variant)
    assert compiled._NATIVE == {}  # fewer updates: the Python loop, no compiler
    long = train(ex.network, ex.inputs, ex.targets, 0.1, 2000, variant=variant)
    assert next(iter(compiled._NATIVE.values())) is not None
    np.testing.assert_array_equal(long.losses[:1999], short.losses)


def test_a_progress_callback_gets_every_step_from_the_python_loop():
    ex = load_example("mazur")
    seen = []
    result = train(ex.network, ex.inputs, ex.targets, 0.5, 30, on_step=lambda k, e: seen.append(e))
    assert len(seen) == 30
    np.testing.assert_array_equal(seen, result.losses)
    np.testing.assert_array_equal(
        result.losses, train(ex.network, ex.inputs, ex.targets, 0.5, 30).losses
    )
