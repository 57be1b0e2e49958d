"""The benchmark suite's own arithmetic: FLOP counts, paired ratios, the acceptance
list, the check benchmark's claims, the command line (the timed runs themselves are
`python -m benchmarks`)."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import run
from benchmarks.check import wrong_claims
from benchmarks.mnist_epoch import flops_per_sample, gemm_ceiling


def test_one_mnist_epoch_is_24_55_gflop():
    # forward 784*128 + 128*10 multiply-adds, the same again for the weight
    # gradients, and 128*10 for the hidden layer's dE/dout; 2 FLOPs each
    assert flops_per_sample((784, 128, 10)) == 2 * (2 * (784 * 128 + 128 * 10) + 128 * 10)
    assert flops_per_sample((784, 128, 10)) * 60_000 == 24_545_280_000


def test_paired_ratio_is_the_median_of_per_round_ratios():
    # rounds where the machine was slow for both cancel out
    assert run.paired([2.0, 4.0, 1.0], reference=[1.0, 2.0, 1.0]) == 0.5


@pytest.mark.parametrize("text, counts", [("1", [1]), ("1,2", [1, 2]), ("2,1,2", [2, 1, 2])])
def test_thread_counts(text, counts):
    assert run.thread_counts(text) == counts


@pytest.mark.parametrize("text", ["", "0", "1,x", "-1"])
def test_bad_thread_counts(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected thread counts like 1,2"):
        run.thread_counts(text)


def epoch_results(threads, glassnet_over_pytorch, fraction):
    def entry(ratio, frac=0.5, rss=300.0):
        per_batch = {"glassnet_over_this": ratio, "fraction_of_ceiling": frac}
        return {"32": per_batch, "128": per_batch, "512": per_batch, "peak_rss_mb": rss}

    return {
        "threads": threads,
        "contenders": {
            "glassnet": entry(1.0, fraction, rss=250.0),
            "pytorch": entry(glassnet_over_pytorch),
            "sklearn": entry(0.7),
        },
    }


def test_acceptance_is_judged_at_every_thread_count():
    tiny = {
        name: {"glassnet_over_this": ratio, "loss_ok": True, "loss": 3.510188e-05}
        for name, ratio in [
            ("glassnet", 1.0),
            ("python-per-neuron", 0.3),
            ("torch-autograd-sgd", 0.01),
        ]
    }
    results = {
        "tiny": tiny,
        "mnist_epoch": {"1": epoch_results(1, 0.55, 0.75), "2": epoch_results(2, 0.65, 0.5)},
        "mnist_98": {
            "threads": 2,
            "glassnet": {"seconds": {"median": 12.0}, "epochs": 8},
            "pytorch": {"seconds": {"median": 15.0}, "epochs": 8},
            "glassnet_over_pytorch": 0.81,  # paired: not 12 / 15
        },
        "meta": {"seconds": 300.0},
    }
    checks = {c["target"]: c for c in run.acceptance(results)}
    assert checks["mnist-epoch b128 ≤ 0.6 × PyTorch (1 BLAS thread)"]["met"]
    assert checks["mnist-epoch b128 ≤ 0.6 × PyTorch (1 BLAS thread)"]["value"] == "0.55"
    assert not checks["mnist-epoch b128 ≤ 0.6 × PyTorch (2 BLAS threads)"]["met"]
    assert not checks["mnist-epoch b128 ≤ 0.6 × scikit-learn (1 BLAS thread)"]["met"]
    assert checks["mnist-epoch b128 ≥ 70% of the GEMM ceiling (1 BLAS thread)"]["met"]
    assert not checks["mnist-epoch b128 ≥ 70% of the GEMM ceiling (2 BLAS threads)"]["met"]
    assert checks["mnist-epoch peak memory ≤ PyTorch's (2 BLAS threads)"]["met"]
    assert checks["tiny ≤ 1.0 × pure-Python per-neuron"]["met"]
    assert checks["suite under 10 minutes"]["met"]
    mnist_98 = checks["mnist-98 in less wall time than PyTorch"]
    assert mnist_98["met"]
    assert mnist_98["value"] == "0.81 (12.0 s vs 15.0 s)"


def test_gemm_ceiling_times_each_product_at_its_best_layout():
    result = gemm_ceiling(batch=16, repeats=3)
    names = [p["product"] for p in result["products"]]
    assert names == ["x @ W1.T", "h @ W2.T", "d2.T @ h", "d2 @ W2", "d1.T @ x"]
    assert all(p["gflops_per_s"] > 0 for p in result["products"])
    assert result["gflops_per_s"] > 0


def check_results(mazur, hill, status=1):
    def entry(seconds):
        spread = {"median": seconds, "min": seconds, "max": seconds, "n": 1}
        return {"seconds": spread, "cpu_seconds": spread, "status": status, "peak_rss_mb": 60.0}

    return {"mazur": entry(mazur), "hill": entry(hill), "lamsal": entry(1.0)}


@pytest.mark.parametrize(
    "mazur, hill, status, met, value",
    [
        (6.0, 9.5, 1, True, "9.5 s (hill)"),
        (10.2, 9.5, 1, False, "10.2 s (mazur)"),
        (6.0, 9.5, 2, False, "9.5 s (hill)"),  # an error is not a judged claims file
    ],
)
def test_check_acceptance_is_the_worst_example(mazur, hill, status, met, value):
    results = {"check": check_results(mazur, hill, status), "meta": {"seconds": 100.0}}
    checks = {c["target"]: c for c in run.acceptance(results)}
    judged = checks["check of wrong @1,000,000 claims under 10 s (worst example)"]
    assert (judged["met"], judged["value"]) == (met, value)
    assert list(checks) == [
        "check of wrong @1,000,000 claims under 10 s (worst example)",
        "suite under 10 minutes",
    ]


def test_check_benchmark_claims_are_wrong_training_figures_at_the_largest_count():
    import tomllib

    from glassnet.check import check
    from glassnet.examples import load_example

    claims = tomllib.loads(wrong_claims("hill"))["claims"]
    assert claims == {"E_total@1000000": "0.5", "w5@1000000": "0.123", "out_L1@1000000": "0.5"}
    # hill's w5 (h1 -> L1) is 0.7 before training: the names are hill's own
    report = check(load_example("hill"), {"w5": "0.7", "out_L1": "0.712257432295742"})
    assert report.n_disagree == 0
