"""Run a search on Dask: an embedded ``LocalCluster`` by default, a running scheduler by address.

In order: read the file and its ``[search]`` table (``glassnet.search.space``);
open the output folder, keeping the trials a previous run finished when
resuming; record at once, as failed, every trial whose settings do not make a
valid training file; load the data once per distinct ``[data]`` table and
seed, and scatter it to every worker (``broadcast``: each worker receives it
once, whatever the number of trials; workers need no data files); submit one
task per trial (``glassnet.search.trial.run_trial``); and as each finishes,
record it, rewrite ``search.csv`` and ``search.json`` atomically and, when it
is the best so far, save its model to ``best/model.json``.

The embedded cluster has one single-threaded worker process per core (or
``workers``), on 127.0.0.1 only; each pins its BLAS to its share of the cores
(``threadpoolctl``), so N trials on N cores do not oversubscribe them. On a
cluster each trial's BLAS gets one thread: a worker runs one trial per thread,
and a worker's threads are its cores. A worker that dies mid-trial is
replaced (locally, by its nanny) and the scheduler runs its trial elsewhere.
Ctrl-C stops the search; what finished is on disk, and ``resume`` runs only
the missing trials.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed import Client, Future, LocalCluster, WorkerPlugin, as_completed

from glassnet import jsonfile
from glassnet.atomic import remove_partial, write_text_atomic
from glassnet.data import Splits
from glassnet.errors import GlassnetError
from glassnet.persistence import remove_litter, save_model
from glassnet.run import load_data
from glassnet.search.space import Search, Trial, read_search
from glassnet.search.trial import FIGURES, TrialResult, failed, run_trial
from glassnet.training_file import TrainingConfig

#: Seconds to wait for a scheduler given by address before saying it cannot be reached.
CONNECT_TIMEOUT = 20
#: The state of a future Dask cancelled (the scheduler went away). A "lost" result (its
#: worker died) is not gone: the scheduler computes it again and ``result()`` waits.
GONE = {"cancelled"}


def _silent(text: str) -> None:
    """Says nothing (``SearchOptions.say`` of a quiet search)."""


def _ignore(result: TrialResult) -> None:
    """Does nothing with a finished trial."""


@dataclass(frozen=True)
class SearchOptions:
    """How to run a search; every field but the callbacks overrides the file.

    ``output``: the folder (default: the file's ``output.directory``, else
    ``runs/NAME``); ``resume``: keep the trials ``search.json`` there holds and
    run the rest; ``fresh``: discard them; ``cluster``: a Dask scheduler's
    address; ``workers``: local worker processes; ``say`` gets each line for the
    user; ``on_trial`` each finished trial, after the files are written.
    """

    output: Path | None = None
    resume: bool = False
    fresh: bool = False
    cluster: str | None = None
    workers: int | None = None
    say: Callable[[str], None] = _silent
    on_trial: Callable[[TrialResult], None] = _ignore


@dataclass
class SearchOutcome:
    """How a search ended: every trial's result so far, the best, the ``output``
    folder, how many trials there are (``total``) and how many ran this time."""

    search: Search
    output: Path
    total: int
    results: dict[int, TrialResult] = field(default_factory=dict)
    best: TrialResult | None = None
    ran: int = 0
    interrupted: bool = False
    #: Trials cancelled by Dask, not by us (the scheduler went away); not recorded.
    lost: int = 0

    @property
    def finished(self) -> int:
        return len(self.results)

    @property
    def complete(self) -> bool:
        return self.finished == self.total


def run_search(path: str | Path, options: SearchOptions | None = None) -> SearchOutcome:
    """Run the search the training file at ``path`` describes (see the module)."""
    options = options if options is not None else SearchOptions()
    search = read_search(path)
    base = search.config_for({})
    out = options.output or base.output_directory or Path("runs") / search.path.stem
    trials = search.trials()
    record = Record(search, out, len(trials))
    record.open(resume=options.resume, fresh=options.fresh)
    todo = [t for t in trials if t.trial not in record.outcome.results]
    options.say(record.plan(todo))
    outcome = record.outcome
    ready = _prepare(search, todo, record, options)
    if not ready:
        return outcome
    try:
        with _client(search, options) as (client, where):
            options.say(f"running {len(ready)} trials on {where}")
            _run(client, search, ready, record, options)
    except KeyboardInterrupt:
        outcome.interrupted = True
    return outcome


@dataclass
class _Ready:
    """A trial whose training file is valid, with the key of the data it trains on."""

    trial: Trial
    config: TrainingConfig
    data_key: str


def _prepare(
    search: Search, todo: list[Trial], record: Record, options: SearchOptions
) -> list[_Ready]:
    """The trials to submit. One whose settings make a bad training file, or whose
    data cannot be loaded, is recorded as failed here, without a worker."""
    ready = []
    for trial in todo:
        try:
            config = search.config_for(trial.settings)
        except GlassnetError as error:
            record.finish(failed(trial.trial, trial.settings, str(error)), None, options)
            continue
        key = jsonfile.dumps({"data": config.data, "seed": config.seed}, sort_keys=True)
        ready.append(_Ready(trial, config, key))
    record.splits = {}
    kept = []
    for item in ready:
        if item.data_key not in record.splits:
            try:
                record.splits[item.data_key] = load_data(item.config)
            except GlassnetError as error:
                record.splits[item.data_key] = error
        loaded = record.splits[item.data_key]
        if isinstance(loaded, GlassnetError):
            record.finish(failed(item.trial.trial, item.trial.settings, str(loaded)), None,
                          options)  # fmt: skip
        else:
            kept.append(item)
    return kept


def _run(
    client: Client, search: Search, ready: list[_Ready], record: Record, options: SearchOptions
) -> None:
    """Submit every trial and record each as it finishes (Ctrl-C cancels the rest)."""
    scattered: dict[str, Future[Splits]] = {}
    for key, splits in record.splits.items():
        if isinstance(splits, Splits) and any(item.data_key == key for item in ready):
            scattered[key] = client.scatter(splits, broadcast=True, hash=False)  # type: ignore[no-untyped-call]
    futures: dict[Future[TrialResult], _Ready] = {}
    run_id = uuid.uuid4().hex  # task keys of their own on a scheduler other searches share
    for item in ready:
        trial = item.trial
        future = client.submit(
            run_trial,
            trial.trial,
            trial.settings,
            search.document_for(trial.settings),
            str(search.path),
            scattered[item.data_key],
            key=f"glassnet-trial-{trial.trial}-{run_id}",
            pure=False,
        )
        futures[future] = item
    try:
        for future in as_completed(list(futures), loop=client.loop):  # type: ignore[no-untyped-call]
            item = futures.pop(future)
            result = _result(client, future, item.trial)
            if result is None:
                # Cancelled, not by us: the scheduler went away. Unrecorded, so --resume runs it.
                record.outcome.lost += 1
                continue
            splits = record.splits[item.data_key]
            assert isinstance(splits, Splits)
            record.finish(result, splits, options)
    finally:
        client.cancel(list(futures))  # type: ignore[no-untyped-call]


def _result(client: Client, future: Future[TrialResult], trial: Trial) -> TrialResult | None:
    """A finished future's trial result; a task that raised (a bug, or a trial that
    killed every worker it ran on) is a failed trial with the error as its reason.
    None when the trial was lost with the scheduler (its result cannot be fetched)."""
    if future.status in GONE:
        return None
    try:
        result: TrialResult = future.result()
    except Exception as error:  # the search goes on; the reason is recorded
        if future.status in GONE or client.status != "running":
            return None
        return failed(trial.trial, trial.settings, f"{type(error).__name__}: {error}")
    return result


class PinBlas(WorkerPlugin):
    """Limits a worker's BLAS (OpenBLAS, MKL, …) to ``threads`` threads for its lifetime."""

    name = "glassnet-pin-blas"

    def __init__(self, threads: int):
        self.threads = threads

    def setup(self, worker: Any) -> None:
        from threadpoolctl import threadpool_limits

        # The limit is process-wide and stays in force after this returns.
        threadpool_limits(limits=self.threads, user_api="blas")


@contextlib.contextmanager
def _client(search: Search, options: SearchOptions) -> Iterator[tuple[Client, str]]:
    """A Dask client: to the scheduler at ``cluster`` (option, else the file), or to an
    embedded ``LocalCluster`` on 127.0.0.1; closed (and the cluster shut down) on exit."""
    address = options.cluster or search.cluster
    if address is not None:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as error:
            raise GlassnetError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        with contextlib.closing(client), _quiet_dask():
            client.register_plugin(PinBlas(1))
            yield client, f"the Dask scheduler at {address}"
        return
    cores = os.cpu_count() or 1
    workers = options.workers or search.workers or cores
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_dask())  # until the cluster has closed
        stack.enter_context(contextlib.closing(cluster))
        client = Client(cluster, set_as_default=False)  # type: ignore[no-untyped-call]
        stack.enter_context(contextlib.closing(client))
        threads = max(1, cores // workers)
        client.register_plugin(PinBlas(threads))
        plural = "es" if workers > 1 else ""
        yield (
            client,
            (
                f"a local Dask cluster: {workers} worker process{plural}, "
                f"{threads} BLAS thread{'s' if threads > 1 else ''} each"
            ),
        )


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Keep Dask's log records (with their tracebacks) off the terminal inside the block.

    What they report reaches the user another way: a trial's error as its recorded
    reason, a lost scheduler as lost trials, a refused connection as one line. Records
    of a shutdown by Ctrl-C (which reaches local workers too: one process group) or of
    a scheduler that went away would only bury that line.
    """
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class Record:
    """The search's files in ``out``: search.csv, search.json and best/model.json."""

    def __init__(self, search: Search, out: Path, total: int):
        self.search = search
        self.out = out
        self.outcome = SearchOutcome(search, out, total)
        self.splits: dict[str, Splits | GlassnetError] = {}

    @property
    def json_path(self) -> Path:
        return self.out / "search.json"

    @property
    def model_path(self) -> Path:
        return self.out / "best" / "model.json"

    def open(self, *, resume: bool, fresh: bool) -> None:
        """Start, or continue the search recorded in ``out`` (``resume``)."""
        exists = self.json_path.is_file()
        if resume and fresh:
            raise GlassnetError("give --resume or --fresh, not both")
        if resume and not exists:
            raise GlassnetError(f"no search to resume in {self.out} (no search.json); run "
                                "without --resume to start")  # fmt: skip
        if exists and not resume and not fresh:
            raise GlassnetError(f"{self.json_path} holds an earlier search; add --resume to "
                                "continue it or --fresh to start over")  # fmt: skip
        self.out.mkdir(parents=True, exist_ok=True)
        for name in ("search.json", "search.csv"):
            remove_partial(self.out / name)
        (self.out / "best").mkdir(exist_ok=True)
        if resume:
            self.load()
        else:
            for path in (self.json_path, self.out / "search.csv", self.model_path):
                path.unlink(missing_ok=True)
        remove_litter(self.model_path)  # and the arrays of a model.json now gone
        self.write()

    def load(self) -> None:
        """The trials of the recorded search, which must be this search."""
        try:
            document = json.loads(self.json_path.read_text(encoding="utf-8"))
            recorded = document["search"]
            trials = [TrialResult.from_dict(t) for t in document["trials"]]
            best = document["best"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise GlassnetError(f"cannot resume: {error}", source=str(self.json_path)) from None
        mine = self.search.describe()
        if {k: recorded.get(k) for k in ("metric", "seed", "parameters")} != {
            k: mine[k] for k in ("metric", "seed", "parameters")
        }:
            raise GlassnetError(
                "was written by a search with other parameters, seed or metric; run with "
                "--fresh to start over, or --output to keep both",
                source=str(self.json_path),
            )
        settings = {t.trial: t.settings for t in self.search.trials()}
        outcome = self.outcome
        for result in trials:
            if settings.get(result.trial) == result.settings:
                outcome.results[result.trial] = result
        if best is not None and best["trial"] in outcome.results and self.model_path.is_file():
            outcome.best = outcome.results[best["trial"]]

    def plan(self, todo: list[Trial]) -> str:
        """What the search is about to do, in one line."""
        s, total = self.search, self.outcome.total
        kind = "grid" if s.n_random is None else f"random, seed {s.seed}"
        line = f"search: {total} trials ({kind}), metric {s.metric} ({s.goal})"
        done = total - len(todo)
        if done:
            best = self.outcome.best
            line += f"; {done} finished before, {len(todo)} to run"
            if best is not None:
                line += f" (best so far: trial {best.trial}, {s.metric} {best.metric(s.metric)})"
        return line

    def finish(self, result: TrialResult, splits: Splits | None, options: SearchOptions) -> None:
        """Record a finished trial: files first, then the user hears of it."""
        outcome = self.outcome
        network, result.network = result.network, None
        outcome.results[result.trial] = result
        outcome.ran += 1
        if result.ok and network is not None and splits is not None and self._beats(result):
            outcome.best = result
            self._save_best(result, network, splits)
        self.write()
        options.on_trial(result)

    def _beats(self, result: TrialResult) -> bool:
        """Whether ``result`` is the new best; an equal metric goes to the lower trial
        number, so the best does not depend on the order trials finish in."""
        metric = self.search.metric
        value = result.metric(metric)
        if value is None:
            return False
        best = self.outcome.best
        if best is None:
            return True
        current = best.metric(metric)
        if value == current:
            return result.trial < best.trial
        return self.search.better(value, current)

    def _save_best(self, result: TrialResult, network: Any, splits: Splits) -> None:
        metric = self.search.metric
        config = self.search.config_for(result.settings)
        metadata = {
            "title": config.title,
            "config": self.search.path.name,
            "seed": config.seed,
            "epochs": result.epochs,
            "stopped": result.stopped,
            "search": {
                "trial": result.trial,
                "settings": result.settings,
                "metric": metric,
                "value": result.metric(metric),
            },
        }
        self.model_path.parent.mkdir(parents=True, exist_ok=True)
        save_model(
            self.model_path,
            network,
            classes=splits.classes,
            preprocessing=splits.preprocessor.to_dict(),
            metadata=metadata,
        )

    def write(self) -> None:
        """search.json and search.csv, each atomically, trials in number order."""
        outcome = self.outcome
        trials = [outcome.results[k].to_dict() for k in sorted(outcome.results)]
        best = outcome.best
        document = {
            "search": self.search.describe(),
            "total": outcome.total,
            "finished": outcome.finished,
            "best": None if best is None else {
                "trial": best.trial,
                "settings": best.settings,
                "metric": self.search.metric,
                "value": best.metric(self.search.metric),
                "model": str(self.model_path.relative_to(self.out)),
            },
            "trials": trials,
        }  # fmt: skip
        write_text_atomic(self.json_path, jsonfile.dumps(document, indent=2) + "\n")
        write_text_atomic(self.out / "search.csv", to_csv(self.search.keys, trials))


#: search.csv's columns besides the trial number, its status and its settings.
CSV_TAIL = [*FIGURES[:1], "stopped", *FIGURES[1:], "worker", "reason"]


def to_csv(keys: list[str], trials: list[dict[str, Any]]) -> str:
    """One row per trial: ``trial, status``, one column per searched key, the figures;
    a list setting is written as JSON (``[64, 32]``); empty cells where not measured."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["trial", "status", *keys, *CSV_TAIL])
    for t in trials:
        settings = [cell(t["settings"].get(k)) for k in keys]
        writer.writerow([t["trial"], t["status"], *settings, *(cell(t[c]) for c in CSV_TAIL)])
    return text.getvalue()


def cell(value: Any) -> str:
    """A CSV cell: numbers as Python writes them exactly, lists and tables as JSON."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return jsonfile.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)
