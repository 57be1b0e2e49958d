"""*search*: a 16-trial MNIST search (784-128-10, 2 epochs each) on 2 local Dask workers,
and the same 16 trials one after another in one process.

``python -m benchmarks.search dask|sequential`` writes the training file below (54,000
training images, 6,000 for validation; 16 random trials of learning rate and batch size,
seed 0) and runs it: ``dask`` is ``glassnet search`` as the command runs it (an embedded
LocalCluster of 2 worker processes, 1 BLAS thread each on a 2-core machine; the time
includes starting the cluster and scattering the data); ``sequential`` loads the data once
and trains the same trials with ``glassnet.search.trial.run_trial`` in this process, with
the BLAS threads the environment gives it (``python -m benchmarks`` runs it with 1, as each
worker has on 2 cores, and with 2, what one would do without Dask). The clock runs from the start to
the last trial's result. Memory is the peak of the summed resident memory of the process
and all its children (the workers), sampled every 20 ms, beside this process's own VmHWM.
Prints a ``RESULT`` line with the seconds, the memory and every trial's validation figures.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import MNIST, emit

TRIALS = 16
CONFIG = f"""
[data]
train = {{ format = "mnist", path = "{MNIST}", split = "train" }}
validation_fraction = 0.1
scale = "divide:255"

[network]
hidden = [128]
activation = "relu"

[training]
epochs = 2
batch_size = 128
seed = 0

[optimizer]
name = "sgd"
learning_rate = 0.05
momentum = 0.9

[output]
plot = false

[search]
trials = {TRIALS}
seed = 0
metric = "val_accuracy"
workers = 2

[search.parameters]
"optimizer.learning_rate" = {{ log_uniform = [0.01, 0.3] }}
"training.batch_size" = {{ choice = [64, 128, 256] }}
"""


class TreeMemory:
    """Samples the summed RSS of this process and its descendants; ``peak_mb`` the largest."""

    def __init__(self, every: float = 0.02):
        import psutil

        self.process = psutil.Process()
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a process that just ended
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def with_dask(path: Path, out: Path) -> list[dict[str, Any]]:
    from glassnet.search.runner import SearchOptions, run_search

    outcome = run_search(path, SearchOptions(output=out, fresh=True))
    if not outcome.complete:
        raise RuntimeError(f"the search finished {outcome.finished} of {outcome.total} trials")
    return [outcome.results[k].to_dict() for k in sorted(outcome.results)]


def in_sequence(path: Path, out: Path) -> list[dict[str, Any]]:
    from glassnet.run import load_data
    from glassnet.search import read_search
    from glassnet.search.trial import run_trial

    search = read_search(path)
    trials = search.trials()
    splits = load_data(search.config_for(trials[0].settings))  # the same data for every trial
    results = []
    for trial in trials:
        document = search.document_for(trial.settings)
        results.append(run_trial(trial.trial, trial.settings, document, str(path), splits))
    return [r.to_dict() for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("contender", choices=["dask", "sequential"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="glassnet-bench-search-"))
    path = work / "search.toml"
    path.write_text(CONFIG)
    run = with_dask if args.contender == "dask" else in_sequence
    with TreeMemory() as memory:
        started = time.perf_counter()
        results = run(path, work / "out")
        seconds = time.perf_counter() - started
    failed = [r for r in results if r["status"] != "ok"]
    emit(
        {
            "contender": args.contender,
            "seconds": seconds,
            "trials": len(results),
            "failed": len(failed),
            "tree_peak_rss_mb": round(memory.peak_mb, 1),
            "val_accuracy": [r["val_accuracy"] for r in results],
            "val_loss": [r["val_loss"] for r in results],
        }
    )


if __name__ == "__main__":
    main()
