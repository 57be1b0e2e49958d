"""The generated straight-line loops for tiny networks (``glassnet.fast.compiled``, from
``glassnet.fast.codegen``, as C by ``glassnet.fast.native``) against ``engine.backprop``:
every built-in example, small random networks, every ``Variant``; C and Python bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from repeated import assert_networks_close, repeated_backprop

from glassnet import engine
from glassnet.check import catalogue
from glassnet.engine import Variant, forward
from glassnet.errors import TrainingDivergedError
from glassnet.examples import load_example
from glassnet.fast import codegen, compiled, native
from glassnet.fast.full_batch import train
from glassnet.network import Layer, Network


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
        codegen.round_code("value", decimals), {"value": value, "_rint": codegen.rint}
    )
    assert rounded == np.round(value, decimals)
    assert np.round(0.0025, 3) != round(0.0025, 3)  # the two roundings do differ



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
    source = codegen.generate(ex.network, 1)
    # Sigmoid's out_formula 1 / (1 + exp(-net)) with the guarded exp, its derivative
    # out * (1 - out), and half_sse's gradient -(target - out).
    assert "o0_0_0 = (1.0 / (1.0 + (inf if (-n0_0_0) > 709.0 else exp((-n0_0_0)))))" in source
    assert "(o1_0_0 * (1.0 - o1_0_0))" in source
    assert "(-(t0_0 - o1_0_0))" in source





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
