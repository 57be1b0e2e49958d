"""The ``[search]`` table: parameters, the trials they make from a seed, and its mistakes;
one trial run in-process; the CSV; ``glassnet search`` without Dask. No Dask cluster here
(``test_dask.py`` has those)."""

from __future__ import annotations

import csv
import io
import math
import sys

import numpy as np
import pytest
import tomli_w

from glassnet.cli import main
from glassnet.errors import GlassnetError
from glassnet.run import RunOptions, load_data, run_training_file
from glassnet.search import apply, parse_search, read_search
from glassnet.search.runner import cell, to_csv
from glassnet.search.trial import run_trial

BASE = """
[data]
train = { format = "spirals", n_samples = 200, noise = 0.1 }
validation_fraction = 0.25
scale = "standard"

[network]
hidden = [8]
activation = "tanh"

[training]
epochs = 5
batch_size = 16
seed = 0

[optimizer]
name = "adam"
learning_rate = 0.01
"""


def search_of(table: str, base: str = BASE):
    return parse_search(base + "\n" + table, path="s.toml")


def test_a_grid_is_the_product_of_the_lists_last_key_fastest():
    s = search_of("""
[search.parameters]
"optimizer.learning_rate" = [0.1, 0.01]
"network.hidden" = [[4], [8], [16]]
""")
    trials = s.trials()
    assert [t.trial for t in trials] == [1, 2, 3, 4, 5, 6]
    assert [t.settings for t in trials[:4]] == [
        {"optimizer.learning_rate": 0.1, "network.hidden": [4]},
        {"optimizer.learning_rate": 0.1, "network.hidden": [8]},
        {"optimizer.learning_rate": 0.1, "network.hidden": [16]},
        {"optimizer.learning_rate": 0.01, "network.hidden": [4]},
    ]
    assert s.n_random is None and s.metric == "val_accuracy" and s.goal == "max"


def test_nested_tables_and_quoted_dotted_keys_are_the_same_parameter():
    quoted = search_of('[search.parameters]\n"optimizer.momentum" = { uniform = [0, 1] }\n'
                       "[search]\ntrials = 3")  # fmt: skip
    dotted = search_of("[search]\ntrials = 3\n[search.parameters]\n"
                       "optimizer.momentum = { uniform = [0, 1] }")  # fmt: skip
    table = search_of("[search]\ntrials = 3\n[search.parameters.optimizer]\n"
                      "momentum = { uniform = [0, 1] }")  # fmt: skip
    assert quoted.parameters == dotted.parameters == table.parameters
    assert quoted.trials() == dotted.trials() == table.trials()


RANDOM = """
[search]
trials = 400
seed = 7

[search.parameters]
"optimizer.learning_rate" = { log_uniform = [1e-4, 1e-1] }
"optimizer.beta1" = { uniform = [0.8, 0.99] }
"training.batch_size" = { int_uniform = [8, 12] }
"network.activation" = { choice = ["tanh", "relu"] }
"network.hidden" = [[4], [8]]
"""


def test_random_draws_stay_in_their_ranges_and_cover_them():
    trials = search_of(RANDOM).trials()
    rates = np.array([t.settings["optimizer.learning_rate"] for t in trials])
    betas = np.array([t.settings["optimizer.beta1"] for t in trials])
    sizes = [t.settings["training.batch_size"] for t in trials]
    assert rates.min() >= 1e-4 and rates.max() <= 1e-1
    assert betas.min() >= 0.8 and betas.max() <= 0.99
    # int_uniform includes both ends; choice and a list (as a choice) draw every value
    assert set(sizes) == {8, 9, 10, 11, 12}
    assert {t.settings["network.activation"] for t in trials} == {"tanh", "relu"}
    assert {tuple(t.settings["network.hidden"]) for t in trials} == {(4,), (8,)}
    # log-uniform: ln(rate) is uniform on [ln 1e-4, ln 1e-1], so each decade gets about a
    # third of the draws (a uniform draw would put 90% in the top decade)
    decades = np.histogram(np.log10(rates), bins=[-4, -3, -2, -1])[0] / len(rates)
    assert np.all(np.abs(decades - 1 / 3) < 0.08), decades
    assert all(isinstance(s, int) for s in sizes)
    assert all(isinstance(r, float) for r in rates)


def test_same_seed_same_trials_and_more_trials_keep_the_first():
    a, b = search_of(RANDOM).trials(), search_of(RANDOM).trials()
    assert a == b
    fewer = search_of(RANDOM.replace("trials = 400", "trials = 5")).trials()
    assert fewer == a[:5]
    other = search_of(RANDOM.replace("seed = 7", "seed = 8")).trials()
    assert other[0].settings != a[0].settings


def test_apply_sets_dotted_keys_on_a_copy_and_makes_missing_tables():
    document = {"optimizer": {"name": "sgd"}, "data": {"train": {"format": "xor"}}}
    changed = apply(document, {"optimizer.momentum": 0.9, "schedule.name": "cosine",
                               "data.train.limit": 3})  # fmt: skip
    assert changed == {
        "optimizer": {"name": "sgd", "momentum": 0.9},
        "data": {"train": {"format": "xor", "limit": 3}},
        "schedule": {"name": "cosine"},
    }
    assert document == {"optimizer": {"name": "sgd"}, "data": {"train": {"format": "xor"}}}


@pytest.mark.parametrize(
    "table, message",
    [
        ("[search]\nseed = 1", "s.toml: search.parameters: missing; e.g. [search.parameters] "
         '"optimizer.learning_rate" = { log_uniform = [1e-3, 1e-1] }'),
        ("[search]\ntrial = 3\n[search.parameters]\n'optimizer.momentum' = [0.5]",
         "s.toml: search.trial: unknown key; did you mean 'trials'? (expected one of cluster, "
         "metric, parameters, seed, trials, workers)"),
        ('[search.parameters]\n"optimizer.learning_rat" = [0.1]',
         "s.toml: search.parameters.optimizer.learning_rat: unknown key; did you mean "
         "'learning_rate'?"),
        ('[search.parameters]\n"optimiser.learning_rate" = [0.1]',
         "s.toml: search.parameters.optimiser.learning_rate: 'optimiser' is not a table of the "
         "training file; did you mean 'optimizer'?"),
        ('[search.parameters]\nepochs = [1, 2]',
         "s.toml: search.parameters.epochs: expected a dotted training-file key such as "
         "optimizer.learning_rate"),
        ('[search.parameters]\n"optimizer.learning_rate" = { log_uniform = [1e-3, 1e-1] }',
         "s.toml: search.parameters.optimizer.learning_rate: a log_uniform distribution needs a "
         "number of random trials: add search.trials"),
        ('[search]\ntrials = 2\n[search.parameters]\n"optimizer.learning_rate" = '
         "{ log_uniform = [0, 1] }",
         "s.toml: search.parameters.optimizer.learning_rate.log_uniform: expected low > 0 (a "
         "log scale), got [0, 1]"),
        ('[search]\ntrials = 2\n[search.parameters]\n"training.epochs" = '
         "{ int_uniform = [3, 2.5] }",
         "s.toml: search.parameters.training.epochs.int_uniform: expected [low, high], two whole "
         "numbers, got [3, 2.5]"),
        ('[search]\ntrials = 2\n[search.parameters]\n"optimizer.beta1" = { uniform = [0.9, 0.9] }',
         "s.toml: search.parameters.optimizer.beta1.uniform: expected low < high, got "
         "[0.9, 0.9]"),
        ('[search]\ntrials = 2\n[search.parameters]\n"optimizer.beta1" = { choice = [] }',
         "s.toml: search.parameters.optimizer.beta1.choice: expected a list of one or more "
         "values, got []"),
        ('[search.parameters]\n"optimizer.beta1" = 0.9',
         "s.toml: search.parameters.optimizer.beta1: expected a list of values or one "
         "distribution such as { log_uniform = [1e-3, 1e-1] }"),
        ('[search]\nmetric = "accuracy"\n[search.parameters]\n"optimizer.beta1" = [0.9]',
         "s.toml: search.metric: expected one of val_accuracy, val_loss, got 'accuracy'"),
        ('[search]\ntrials = 0\n[search.parameters]\n"optimizer.beta1" = [0.9]',
         "s.toml: search.trials: must be >= 1, got 0"),
        ('[search]\ncluster = ""\n[search.parameters]\n"optimizer.beta1" = [0.9]',
         's.toml: search.cluster: expected a scheduler address such as "tcp://10.0.0.5:8786"'),
    ],
)
def test_mistakes_are_one_line_naming_file_and_field(table, message):
    with pytest.raises(GlassnetError) as caught:
        search_of(table)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_metric_needs_a_validation_split():
    base = BASE.replace("validation_fraction = 0.25\n", "")
    with pytest.raises(GlassnetError, match=r"^s.toml: search.metric: is measured on validation "
                       r"data: add data.validation_fraction"):  # fmt: skip
        search_of('[search.parameters]\n"optimizer.beta1" = [0.9]', base)
    # unless the search sets it
    search_of('[search.parameters]\n"data.validation_fraction" = [0.2, 0.3]', base)


def test_a_file_without_search_or_with_a_bad_base_says_so():
    with pytest.raises(GlassnetError, match=r"^s.toml: no \[search\] table; add one"):
        parse_search(BASE, path="s.toml")
    with pytest.raises(GlassnetError, match=r"^s.toml: training.epochs: must be >= 1, got 0"):
        search_of('[search.parameters]\n"optimizer.beta1" = [0.9]',
                  BASE.replace("epochs = 5", "epochs = 0"))  # fmt: skip


def test_a_bad_value_fails_its_trial_only_naming_the_key():
    s = search_of('[search.parameters]\n"optimizer.learning_rate" = [0.01, -1.0]')
    good, bad = s.trials()
    s.config_for(good.settings)
    with pytest.raises(GlassnetError, match=r"^s.toml: optimizer: learning_rate must be > 0"):
        s.config_for(bad.settings)


def test_a_trial_trains_exactly_as_glassnet_train_does(tmp_path):
    # The trial's validation figures are those `glassnet train` reaches on the same file
    # with the trial's settings written into it (an independent path through the TOML).
    s = search_of('[search]\ntrials = 1\nseed = 3\n[search.parameters]\n'
                  '"optimizer.learning_rate" = { log_uniform = [1e-3, 1e-1] }\n'
                  '"network.hidden" = [[6], [12]]')  # fmt: skip
    [trial] = s.trials()
    document = s.document_for(trial.settings)
    result = run_trial(trial.trial, trial.settings, document, "s.toml",
                       load_data(s.config_for(trial.settings)))  # fmt: skip
    assert result.ok and result.epochs == 5 and result.stopped == "completed"
    path = tmp_path / "same.toml"
    path.write_text(tomli_w.dumps({**document, "output": {"plot": False}}))
    outcome = run_training_file(path, RunOptions(output=tmp_path / "out"))
    last = outcome.history.records[-1]
    assert (result.val_loss, result.val_accuracy) == (last.val_loss, last.val_accuracy)
    assert result.network is not None
    for mine, theirs in zip(result.network.layers, outcome.network.layers):
        np.testing.assert_array_equal(mine.weights, theirs.weights)


def test_a_diverging_trial_fails_with_a_one_line_reason():
    s = search_of('[search.parameters]\n"optimizer.learning_rate" = [1e38]\n'
                  '"optimizer.name" = ["sgd"]\n"network.activation" = ["relu"]')  # fmt: skip
    [trial] = s.trials()
    result = run_trial(1, trial.settings, s.document_for(trial.settings), "s.toml",
                       load_data(s.config_for(trial.settings)))  # fmt: skip
    assert result.status == "failed" and result.network is None
    assert result.reason.startswith("training diverged: ")
    assert "\n" not in result.reason


def test_early_stopping_reports_the_restored_epoch():
    base = BASE.replace("seed = 0", "seed = 0\nearly_stopping = { patience = 2 }").replace(
        "epochs = 5", "epochs = 40"
    )
    s = search_of('[search.parameters]\n"optimizer.learning_rate" = [0.3]', base)
    [trial] = s.trials()
    result = run_trial(1, trial.settings, s.document_for(trial.settings), "s.toml",
                       load_data(s.config_for(trial.settings)))  # fmt: skip
    assert result.ok
    # the metric is that of the parameters the network ends with: the best epoch's
    splits = load_data(s.config_for(trial.settings))
    from glassnet.training import evaluate

    assert splits.validation is not None and result.network is not None
    again = evaluate(result.network, splits.validation.X, splits.validation.y)
    assert math.isclose(again.loss, result.val_loss, rel_tol=1e-12)
    assert again.accuracy == result.val_accuracy


def test_csv_cells_and_rows():
    assert [cell(v) for v in (None, 0.1, 3, [64, 32], True, "tanh")] == [
        "", "0.1", "3", "[64, 32]", "true", "tanh",
    ]  # fmt: skip
    trials = [{"trial": 1, "status": "failed", "settings": {"network.hidden": [4, 2]},
               "epochs": None, "stopped": None, "val_loss": None, "val_accuracy": None,
               "seconds": 0.5, "worker": "h:1", "reason": "s.toml: x: bad, very bad"}]  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(["network.hidden"], trials))))
    assert rows == [
        ["trial", "status", "network.hidden", "epochs", "stopped", "val_loss", "val_accuracy",
         "seconds", "worker", "reason"],
        ["1", "failed", "[4, 2]", "", "", "", "", "0.5", "h:1", "s.toml: x: bad, very bad"],
    ]  # fmt: skip


def test_glassnet_train_accepts_a_file_with_a_search_table(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text(BASE + '[output]\nplot = false\n[search.parameters]\n"network.hidden" = [[4]]')
    assert main(["train", str(path), "-q", "-o", str(tmp_path / "out")]) == 0


def test_without_dask_search_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text(BASE + '[search.parameters]\n"network.hidden" = [[4]]')
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    monkeypatch.delitem(sys.modules, "glassnet.search.runner", raising=False)
    assert main(["search", str(path)]) == 2
    out, err = capsys.readouterr()
    assert err == "glassnet: error: glassnet search needs Dask: pip install 'glassnet[search]'\n"
    assert out == ""


def test_align_copies_only_the_arrays_that_are_not_aligned():
    # Dask hands workers views of received bytes, which may start at any address.
    from glassnet.search.trial import align

    s = search_of('[search.parameters]\n"network.hidden" = [[4]]')
    splits = load_data(s.config_for({}))
    train = splits.train
    raw = np.zeros(train.X.nbytes + 1, np.uint8)
    raw[1:] = np.frombuffer(train.X.tobytes(), np.uint8)
    unaligned = np.frombuffer(raw.data, np.float32, offset=1).reshape(train.X.shape)
    assert not unaligned.flags.aligned
    expected, y = train.X.copy(), train.y
    train.X = unaligned
    align(splits)
    assert train.X.flags.aligned and train.X.flags.c_contiguous
    np.testing.assert_array_equal(train.X, expected)
    assert train.y is y  # aligned already: kept, not copied


def test_workers_and_a_cluster_do_not_mix(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(BASE + '[search.parameters]\n"network.hidden" = [[4]]')
    assert main(["search", str(path), "--workers", "2", "--cluster", "tcp://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err == (
        "glassnet: error: --workers is for the local cluster; a cluster's workers are started "
        "with `dask worker`\n"
    )


def test_resume_needs_the_same_search_and_a_new_search_needs_a_free_folder(tmp_path):
    from glassnet.search.runner import Record, SearchOptions, run_search

    path = tmp_path / "s.toml"
    path.write_text(BASE + '[search.parameters]\n"network.hidden" = [[4], [8]]')
    out = tmp_path / "out"
    with pytest.raises(GlassnetError, match=r"^no search to resume in .*out \(no search.json\)"):
        run_search(path, SearchOptions(output=out, resume=True))
    search = read_search(path)
    Record(search, out, 2).open(resume=False, fresh=False)  # an empty search.json
    with pytest.raises(GlassnetError, match=r"search.json holds an earlier search; add --resume"):
        run_search(path, SearchOptions(output=out))
    path.write_text(BASE + '[search.parameters]\n"network.hidden" = [[4], [16]]')
    with pytest.raises(GlassnetError, match=r"search.json: was written by a search with other "
                       "parameters, seed or metric; run with --fresh"):  # fmt: skip
        run_search(path, SearchOptions(output=out, resume=True))
