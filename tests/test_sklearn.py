"""glassnet.sklearn: scikit-learn's own estimator checks, Pipeline, GridSearchCV, partial_fit."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_moons, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from glassnet.init import init_network
from glassnet.optimizers import Adam
from glassnet.sklearn import MLPClassifier, MLPRegressor
from glassnet.training import fit

# check_estimator skips these only when optional packages or settings are missing here
# (pandas for the DataFrame checks, SCIPY_ARRAY_API=1 for the array-API check); they test
# input containers, not the estimator's numbers, and are not skipped when those are present.
ENVIRONMENT_SKIPS = {
    "check_array_api_input",
    "check_classifier_data_not_an_array",
    "check_regressor_data_not_an_array",
    "check_dataframe_column_names_consistency",
}


def run_checks(estimator):
    results = check_estimator(estimator, on_fail=None, on_skip=None)
    failed = {r["check_name"]: str(r["exception"]) for r in results if r["status"] == "failed"}
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert failed == {}
    assert skipped <= ENVIRONMENT_SKIPS
    assert len(results) > 40


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_check_estimator_small(cls):
    run_checks(cls((16,), epochs=30))


@pytest.mark.slow
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_check_estimator_defaults(cls):
    run_checks(cls())


def test_init_only_stores_and_params_round_trip():
    clf = MLPClassifier((8, 4), optimizer="sgd", learning_rate=0.1, random_state=3)
    params = clf.get_params()
    assert params["hidden_layer_sizes"] == (8, 4) and params["optimizer"] == "sgd"
    assert not [k for k in vars(clf) if k.endswith("_")]
    clf.set_params(learning_rate=0.5, epochs=7)
    assert clf.learning_rate == 0.5 and clone(clf).get_params() == clf.get_params()


def test_same_numbers_as_glassnet_fit():
    """The estimator is the Trainer: same seed streams, same float32 arrays."""
    X, y = make_blobs(120, n_features=4, centers=3, random_state=0)
    X = X.astype(np.float32)
    clf = MLPClassifier((6,), optimizer="adam", learning_rate=0.01, batch_size=16, epochs=5,
                        random_state=7).fit(X, y)  # fmt: skip
    seed = int(np.random.RandomState(7).randint(np.iinfo(np.int32).max))
    net = init_network([4, 6, 3], ["relu", "softmax"], loss="cross_entropy",
                       rng=np.random.default_rng([seed, 1]))  # fmt: skip
    history = fit(net, X, y, optimizer=Adam(0.01), epochs=5, batch_size=16, seed=[seed, 2],
                  progress="quiet")  # fmt: skip
    assert clf.network_.dtype == np.float32
    for a, b in zip(clf.network_.layers, net.layers):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    assert clf.loss_curve_ == history.column("loss") and clf.n_iter_ == 5


def test_classifier_labels_probabilities_and_score():
    X, y = make_moons(200, noise=0.1, random_state=0)
    labels = np.array(["left", "right"])[y]
    clf = MLPClassifier((16,), learning_rate=0.01, epochs=100, random_state=0).fit(X, labels)
    assert clf.classes_.tolist() == ["left", "right"]
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {"left", "right"}
    assert clf.score(X, labels) > 0.95
    again = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(again.predict_proba(X), proba)


def test_pipeline_and_grid_search():
    X, y = make_moons(150, noise=0.15, random_state=1)
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier(epochs=40, learning_rate=0.01, random_state=0)
    )
    grid = GridSearchCV(
        pipe, {"mlpclassifier__hidden_layer_sizes": [(2,), (32,)]}, cv=3, n_jobs=1
    ).fit(X, y)
    assert grid.best_params_ == {"mlpclassifier__hidden_layer_sizes": (32,)}
    assert grid.best_score_ > 0.9
    assert grid.score(X, y) > 0.9


def test_partial_fit_is_one_epoch_at_a_time():
    X, y = make_blobs(90, n_features=3, centers=3, random_state=2)
    X = X.astype(np.float32)
    whole = MLPClassifier((5,), epochs=3, batch_size=30, random_state=1).fit(X, y)
    parts = MLPClassifier((5,), epochs=3, batch_size=30, random_state=1)
    for _ in range(3):
        parts.partial_fit(X, y, classes=[0, 1, 2])
    assert parts.n_iter_ == 3 and parts.loss_curve_ == whole.loss_curve_
    for a, b in zip(whole.network_.layers, parts.network_.layers):
        assert np.array_equal(a.weights, b.weights)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)


def test_regressor_one_and_several_targets():
    X, y = make_regression(200, n_features=3, noise=1.0, random_state=0)
    y = y / y.std()
    reg = MLPRegressor((32,), epochs=60, learning_rate=0.01, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (200,) and reg.score(X, y) > 0.95
    Y = np.column_stack([y, -2 * y])
    reg = MLPRegressor((32,), epochs=60, learning_rate=0.01, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 2) and reg.score(X, Y) > 0.95
    assert reg.partial_fit(X, Y).n_iter_ == 61


def test_early_stopping():
    X, y = make_blobs(300, n_features=2, centers=3, cluster_std=3.0, random_state=0)
    clf = MLPClassifier((64,), epochs=500, learning_rate=0.01, early_stopping=True,
                        patience=3, random_state=0).fit(X, y)  # fmt: skip
    assert clf.n_iter_ < 500 and clf.history_.stopped == "early_stopping"
    assert clf.best_epoch_ == clf.n_iter_ - 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be whole numbers >= 1"),
        ({"optimizer": "adamm"}, "unknown optimizer 'adamm'; did you mean 'adam'?"),
        ({"learning_rate": -1.0}, "learning_rate must be > 0, got -1.0"),
        ({"activation": "sigmoidd"}, "unknown activation 'sigmoidd'"),
        ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ],
)
def test_bad_settings_raise_value_error_in_fit(params, message):
    clf = MLPClassifier(**params)  # __init__ accepts anything, as scikit-learn requires
    with pytest.raises(ValueError) as info:
        clf.fit([[0.0], [1.0]], [0, 1])
    assert message in str(info.value)


def test_missing_scikit_learn_is_a_one_line_hint():
    code = "import sys; sys.modules['sklearn'] = None; import glassnet.sklearn"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ImportError: glassnet.sklearn needs scikit-learn: pip install 'glassnet[sklearn]'"
    )
