"""The built-in problems: exact layouts, seeds, and scikit-learn's make_moons as a reference."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from glassnet.data import moons, spirals, xor
from glassnet.errors import GlassnetError


def test_xor():
    ds = xor()
    assert ds.X.dtype == np.float32
    assert ds.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert ds.y.tolist() == [0, 1, 1, 0] and ds.classes == [0, 1]


@pytest.mark.parametrize(("make", "counts"), [(spirals, [51, 50]), (moons, [50, 51])])
def test_seeded_and_reproducible(make, counts):
    a, b, c = make(101, 0.1, 7), make(101, 0.1, 7), make(101, 0.1, 8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (101, 2) and a.X.dtype == np.float32
    assert a.class_counts().tolist() == counts  # moons splits 101 as make_moons does
    assert 0 < a.y[:20].sum() < 20  # shuffled, not 51 zeros then 50 ones


def test_spirals_without_noise_are_each_others_half_turn():
    ds = spirals(200, 0.0, 3)
    by_class = [ds.X[ds.y == k].astype(np.float64) for k in (0, 1)]
    radius = [np.hypot(p[:, 0], p[:, 1]) for p in by_class]
    order = [np.argsort(r) for r in radius]
    # Turning class 0 by half a circle gives class 1, point for point along the arm.
    np.testing.assert_allclose(-by_class[0][order[0]], by_class[1][order[1]], atol=1e-6)
    np.testing.assert_allclose(np.sort(radius[0]), np.linspace(0.1, 1.0, 100), atol=1e-6)
    # 1.5 turns: the point at t = 1 sits at angle 3π, i.e. (-1, 0) for class 0.
    np.testing.assert_allclose(by_class[0][order[0][-1]], [-1.0, 0.0], atol=1e-6)


def test_default_spirals_are_separable():
    ds = spirals()
    assert ds.n_samples == 400
    accuracy = cross_val_score(KNeighborsClassifier(5), ds.X, ds.y, cv=5).mean()
    assert accuracy >= 0.95


def test_moons_match_scikit_learn_without_noise():
    ds = moons(9, 0.0, 0)
    X_ref, y_ref = make_moons(9, noise=0.0, shuffle=False)
    ours = sorted(zip(ds.y.tolist(), ds.X.tolist()))
    theirs = sorted(zip(y_ref.tolist(), X_ref.astype(np.float32).tolist()))
    assert [label for label, _ in ours] == [label for label, _ in theirs]
    np.testing.assert_allclose([p for _, p in ours], [p for _, p in theirs], atol=1e-7)


@pytest.mark.parametrize("make", [spirals, moons])
def test_noise_is_gaussian_with_the_requested_spread(make):
    # The same seed shuffles the same way at every noise level, so the difference is the noise.
    clean, noisy = make(4000, 0.0, 1), make(4000, 0.2, 1)
    np.testing.assert_array_equal(clean.y, noisy.y)
    residual = (noisy.X - clean.X).astype(np.float64)
    # 8000 draws: the sample std is within 3% of 0.2 with overwhelming probability.
    assert abs(residual.std() - 0.2) < 0.006
    assert abs(residual.mean()) < 0.01


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, 0.1, 0), "n_samples must be >= 2, got 1"),
        ((10.5, 0.1, 0), "n_samples must be a whole number, got 10.5"),
        ((10, -0.1, 0), "noise must be >= 0, got -0.1"),
        ((10, float("nan"), 0), "noise must be a number, got nan"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(GlassnetError, match=message):
        spirals(*args)
