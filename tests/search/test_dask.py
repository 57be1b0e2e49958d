"""``glassnet search`` on real Dask clusters, all on 127.0.0.1: the embedded LocalCluster
(2 worker processes), a scheduler and workers started as processes (``dask scheduler`` +
``dask worker``) reached through ``--cluster``, a worker killed mid-search, Ctrl-C and
``--resume``. Every trial's figures are compared with the same trials trained one after
another in this process: the same seed gives the same settings and the same results
whatever the number of workers, and wherever a trial ran.

Kept small (spirals of a few hundred points, a 600-image MNIST slice, few epochs); no test
asserts a time. Every process a test starts is stopped by a finalizer.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from threadpoolctl import threadpool_limits

import shared
from glassnet.cli import main
from glassnet.persistence import load_model
from glassnet.run import load_data
from glassnet.search import read_search
from glassnet.search.runner import SearchOptions, run_search
from glassnet.search.trial import run_trial
from glassnet.training import evaluate

SPIRALS = """
title = "spirals search"

[data]
train = {{ format = "spirals", n_samples = 400, noise = 0.1 }}
validation_fraction = 0.25
scale = "standard"

[network]
hidden = [16]
activation = "tanh"

[training]
epochs = {epochs}
batch_size = 16
seed = 0

[optimizer]
name = "adam"
learning_rate = 0.01

[output]
plot = false

[search]
trials = 6
seed = 1
metric = "val_accuracy"

[search.parameters]
"optimizer.learning_rate" = {{ log_uniform = [1e-3, 1e-1] }}
"network.hidden" = [[8], [16]]
"training.batch_size" = {{ choice = [16, 32] }}
"""

MNIST_SLICE = f"""
[data]
train = {{ format = "mnist", path = "{shared.MNIST}", split = "train", limit = 600 }}
validation_fraction = 0.25
scale = "divide:255"

[network]
hidden = [16]
activation = "relu"

[training]
epochs = 2
batch_size = 32
seed = 0

[optimizer]
name = "sgd"
learning_rate = 0.1
momentum = 0.9

[search.parameters]
"optimizer.learning_rate" = [0.01, 0.1, 0.3]
"network.hidden" = [[8], [16]]
"""

pytestmark = pytest.mark.slow

#: The figures that must not depend on where or when a trial ran.
SAME = ("trial", "settings", "status", "epochs", "stopped", "val_loss", "val_accuracy", "reason")


def write(folder: Path, text: str, name: str = "search.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def figures(result) -> dict:
    data = result if isinstance(result, dict) else result.to_dict()
    return {k: data[k] for k in SAME}


#: The BLAS threads of each worker of a 2-worker local search on this machine.
SHARE = max(1, (os.cpu_count() or 1) // 2)


def sequential(path: Path, blas_threads: int = SHARE) -> dict[int, dict]:
    """Every trial of the search at ``path`` trained one after another in this process,
    with the BLAS thread count of a worker of a 2-worker search on this machine (OpenBLAS
    may split a large product differently over more threads, and so round it differently)."""
    search = read_search(path)
    results = {}
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        for trial in search.trials():
            config = search.config_for(trial.settings)
            result = run_trial(trial.trial, trial.settings, search.document_for(trial.settings),
                               str(path), load_data(config))  # fmt: skip
            results[trial.trial] = figures(result)
    return results


def csv_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "search.csv", newline="") as f:
        return list(csv.DictReader(f))


def recorded(out: Path) -> dict[int, dict]:
    """search.json's trials by number; each number once."""
    import json

    trials = json.loads((out / "search.json").read_text())["trials"]
    numbers = [t["trial"] for t in trials]
    assert len(numbers) == len(set(numbers))
    return {t["trial"]: figures(t) for t in trials}


@pytest.fixture(scope="module")
def spirals(tmp_path_factory):
    """The spirals search file and its trials trained in this process (the reference)."""
    folder = tmp_path_factory.mktemp("spirals")
    path = write(folder, SPIRALS.format(epochs=30))
    return path, sequential(path)


@pytest.fixture(scope="module")
def slow_spirals(tmp_path_factory):
    """A search whose trials train longer (a trial is surely running when a test stops a
    worker or the search), and its reference results."""
    folder = tmp_path_factory.mktemp("slow")
    path = write(folder, SPIRALS.format(epochs=80))
    return path, sequential(path)


def check_best(out: Path, path: Path, expected: dict[int, dict]) -> None:
    """best/model.json is the trial with the highest val_accuracy (ties: the lower number),
    and scores that accuracy on the validation split."""
    best = max(expected.values(), key=lambda t: (t["val_accuracy"], -t["trial"]))
    model = load_model(out / "best" / "model.json")
    info = model.metadata["search"]
    assert (info["trial"], info["settings"]) == (best["trial"], best["settings"])
    search = read_search(path)
    splits = load_data(search.config_for(best["settings"]))
    assert splits.validation is not None
    again = evaluate(model.network, splits.validation.X, splits.validation.y)
    assert again.accuracy == best["val_accuracy"]


def test_local_cluster_spirals_same_results_as_in_process(spirals, tmp_path):
    path, expected = spirals
    out = tmp_path / "out"
    seen = []
    outcome = run_search(path, SearchOptions(output=out, workers=2, on_trial=seen.append))
    assert outcome.complete and not outcome.interrupted and outcome.ran == 6
    assert recorded(out) == expected
    rows = csv_rows(out)
    assert [int(r["trial"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert {r["status"] for r in rows} == {"ok"}
    # the trials ran in the worker processes, not here
    assert all(not r["worker"].endswith(f":{os.getpid()}") for r in rows)
    assert sorted(r.trial for r in seen) == [1, 2, 3, 4, 5, 6]
    check_best(out, path, expected)


def test_one_worker_gives_the_same_settings_and_results(spirals, tmp_path):
    path, expected = spirals
    outcome = run_search(path, SearchOptions(output=tmp_path / "one", workers=1))
    assert outcome.complete
    assert recorded(tmp_path / "one") == expected


def test_local_cluster_mnist_slice_through_the_cli(tmp_path, capsys):
    path = write(tmp_path, MNIST_SLICE + "[search]\nworkers = 2\n", "mnist.toml")
    out = tmp_path / "out"
    code = main(["search", str(path), "--output", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == "search: 6 trials (grid), metric val_accuracy (max)"
    assert lines[1] == ("running 6 trials on a local Dask cluster: 2 worker processes, "
                        f"{SHARE} BLAS thread{'s' if SHARE > 1 else ''} each")  # fmt: skip
    assert lines[2].split() == ["trial", "optimizer.learning_rate", "network.hidden", "epochs",
                                "val_loss", "val_acc", "seconds"]  # fmt: skip
    table = lines[3:9]
    assert sorted(int(line.split()[0]) for line in table) == [1, 2, 3, 4, 5, 6]
    assert recorded(out) == sequential(path)
    assert lines[9].startswith("best: trial ")
    check_best(out, path, recorded(out))


@pytest.fixture
def dask_processes(tmp_path):
    """A ``dask scheduler`` and a ``dask worker`` (2 processes) on 127.0.0.1, as separate
    processes; yields the scheduler's address and process. The port is the system's pick
    (``--port 0``, read back from the scheduler file)."""
    started: list[subprocess.Popen] = []
    log = open(tmp_path / "dask.log", "w")  # noqa: SIM115 (closed by the finalizer)

    def start(*args: str) -> None:
        command = [sys.executable, "-m", "dask", *args]
        started.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True))  # fmt: skip

    file = tmp_path / "scheduler.json"
    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(file))  # fmt: skip
        start("worker", "--scheduler-file", str(file), "--host", "127.0.0.1", "--nworkers",
              "2", "--nthreads", "1", "--no-dashboard", "--local-directory",
              str(tmp_path / "w"))  # fmt: skip
        with Client(scheduler_file=str(file), timeout=120, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address, started[0]
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def test_a_scheduler_started_as_a_process_through_cluster(spirals, tmp_path, capsys,
                                                          dask_processes):  # fmt: skip
    path, expected = spirals
    address = dask_processes[0]
    out = tmp_path / "out"
    code = main(["search", str(path), "--cluster", address, "-o", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert f"running 6 trials on the Dask scheduler at {address}" in stdout
    assert recorded(out) == expected
    assert all(not r["worker"].endswith(f":{os.getpid()}") for r in csv_rows(out))


def test_a_scheduler_that_goes_away_loses_only_the_running_trials(
    slow_spirals, tmp_path, capsys, dask_processes, monkeypatch
):
    import glassnet.search.runner

    path, expected = slow_spirals
    address, scheduler = dask_processes

    def stop_the_scheduler(result) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(scheduler.pid, signal.SIGKILL)

    real = glassnet.search.runner.SearchOptions

    def options(**settings):
        return real(**{**settings, "on_trial": stop_the_scheduler})

    monkeypatch.setattr(glassnet.search.runner, "SearchOptions", options)
    out = tmp_path / "out"
    code = main(["search", str(path), "--cluster", address, "-o", str(out), "-q"])
    err = capsys.readouterr().err
    kept = recorded(out)
    assert code == 1 and 1 <= len(kept) < 6
    assert all(kept[k] == expected[k] for k in kept)
    assert err == (
        f"glassnet: {6 - len(kept)} trials were lost (did the Dask scheduler go away?); "
        f"{len(kept)} of 6 finished; run the rest with: glassnet search {path} --resume "
        f"--cluster {address} --output {out}\n"
    )


def test_an_unreachable_scheduler_is_one_line(spirals, tmp_path, capsys, monkeypatch):
    import glassnet.search.runner

    monkeypatch.setattr(glassnet.search.runner, "CONNECT_TIMEOUT", 1)
    path, _ = spirals
    code = main(["search", str(path), "--cluster", "tcp://127.0.0.1:9", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("glassnet: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert err.count("\n") == 1


@pytest.fixture
def local_cluster():
    """A LocalCluster of 2 worker processes on 127.0.0.1 that the test can reach into."""
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.CRITICAL)  # fmt: skip
    client = Client(cluster, set_as_default=False)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


def test_a_worker_killed_mid_search_has_its_trial_run_elsewhere(
    slow_spirals, tmp_path, local_cluster
):
    cluster, client = local_cluster
    path, expected = slow_spirals
    killed: list[str] = []

    def kill_a_busy_worker(result) -> None:
        if killed:
            return
        busy = [worker for worker, keys in client.processing().items() if keys]
        pids = client.run(os.getpid)
        killed.append(busy[0])
        os.kill(pids[busy[0]], signal.SIGKILL)

    out = tmp_path / "out"
    options = SearchOptions(output=out, cluster=cluster.scheduler_address,
                            on_trial=kill_a_busy_worker)  # fmt: skip
    outcome = run_search(path, options)
    assert killed and outcome.complete and outcome.ran == 6
    rows = csv_rows(out)
    assert [int(r["trial"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert {r["status"] for r in rows} == {"ok"}
    assert recorded(out) == expected


def test_interrupted_then_resumed_runs_only_the_missing_trials(spirals, tmp_path):
    path, expected = spirals
    out = tmp_path / "out"

    def interrupt_after_two(result) -> None:
        if len(list(out.glob("search.json"))) and len(recorded(out)) == 2:
            raise KeyboardInterrupt  # what Ctrl-C raises in the client

    first = run_search(path, SearchOptions(output=out, workers=2, on_trial=interrupt_after_two))
    assert first.interrupted and first.finished == 2
    kept = recorded(out)
    assert len(kept) == 2 and all(kept[k] == expected[k] for k in kept)
    assert len(csv_rows(out)) == 2
    with pytest.raises(Exception, match="holds an earlier search; add --resume"):
        run_search(path, SearchOptions(output=out, workers=2))
    ran = []
    second = run_search(path, SearchOptions(output=out, workers=2, resume=True,
                                            on_trial=ran.append))  # fmt: skip
    assert second.complete and second.ran == 4
    assert sorted(r.trial for r in ran) == sorted(set(expected) - set(kept))
    assert recorded(out) == expected
    check_best(out, path, expected)


def test_ctrl_c_on_the_command_line_then_resume(slow_spirals, tmp_path):
    """SIGINT to the process group, as a terminal's Ctrl-C sends it (the local workers get
    it too): exit 130, the finished trials kept; ``--resume`` completes the search."""
    slow, expected = slow_spirals
    out = tmp_path / "out"
    command = [sys.executable, "-m", "glassnet", "search", str(slow), "-o", str(out),
               "--workers", "2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        while not (out / "search.csv").is_file() or len(csv_rows(out)) < 1:
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        stderr = process.communicate(timeout=120)[1]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == 130, stderr
    finished = len(csv_rows(out))
    assert 1 <= finished <= 6
    assert stderr.splitlines()[-1] == (
        f"glassnet: interrupted; {finished} of 6 trials finished (in {out / 'search.csv'}); "
        f"resume with: glassnet search {slow} --resume --output {out}"
    )
    before = recorded(out)
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{finished} finished before, {6 - finished} to run" in resumed.stdout.splitlines()[0]
    after = recorded(out)
    assert sorted(after) == [1, 2, 3, 4, 5, 6]
    assert all(after[k] == before[k] for k in before)
    assert after == expected
