"""Run the benchmark suite: every contender side by side, interleaved, in its own process.

    python -m benchmarks              # tiny, mnist-epoch at 1 and 2 threads, explain, check,
                                      # exercises
                                      # (~5 minutes)
    python -m benchmarks --mnist-98   # also the race to 98% test accuracy, 5 rounds (+2.5 min)
    python -m benchmarks --quick      # 3 rounds instead of 5, for a smoke test
    python -m benchmarks --only search   # a 16-trial MNIST search: 2 Dask workers vs one
                                         # process at each --threads count (at most 3
                                         # rounds, some minutes each)

Each round runs every contender once, in a fresh subprocess, in an order that
rotates from round to round; a contender warms up inside its process before
the timed run. Times are medians over the rounds with their min and max; a
ratio is the median over rounds of ``glassnet time / contender time`` in the
same round (paired, so the machine's drift cancels). Peak memory is each
process's VmHWM (the largest over rounds). All processes of a comparison get
the same BLAS thread count (OMP/OpenBLAS/MKL variables and
``torch.set_num_threads``): mnist-epoch runs once per count in ``--threads``
(default ``1,2``: one core, and both cores of the 2-core machine it was tuned
on), with the GEMM ceiling measured at that count; tiny, explain and check run at
the smallest count, mnist-98 at the largest. check (``glassnet check`` of wrong
figures after 1,000,000 updates, the slowest claims there are, with an empty
cache of compiled C loops) runs at most 3 rounds.

Writes ``benchmarks/results/latest.json`` and ``latest.md`` and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.mnist_epoch import SIZES, flops_per_sample
from benchmarks.tiny import CONTENDERS as TINY
from benchmarks.tiny import EXPECTED_LOSS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BATCHES = (32, 128, 512)
EPOCH_CONTENDERS = ("glassnet", "pytorch", "sklearn")
N_TRAIN = 60_000


def child(args: list[str], threads: int, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m benchmarks.<args>`` and return its ``RESULT`` line."""
    env = dict(os.environ, **(extra_env or {}))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{args[0]}", *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"benchmarks.{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def rotate(items: list[str], k: int) -> list[str]:
    k %= len(items)
    return items[k:] + items[:k]


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def paired(times: list[float], reference: list[float]) -> float:
    """Median over rounds of ``reference[r] / times[r]``: glassnet's time over this one's."""
    return statistics.median(g / t for g, t in zip(reference, times))


def bench_tiny(rounds: int, threads: int, log: Any) -> dict[str, Any]:
    names = list(TINY)
    times: dict[str, list[float]] = {n: [] for n in names}
    losses: dict[str, float] = {}
    rss: dict[str, float] = {n: 0.0 for n in names}
    for r in range(rounds):
        for name in rotate(names, r):
            res = child(["tiny", name], threads)
            times[name].append(res["seconds"])
            losses[name] = res["loss"]
            rss[name] = max(rss[name], res["peak_rss_mb"])
        log(f"tiny: round {r + 1}/{rounds} done")
    out = {}
    for name in names:
        per_update = [t / 10_000 * 1e6 for t in times[name]]
        out[name] = {
            "us_per_update": spread(per_update),
            "glassnet_over_this": paired(times[name], times["glassnet"]),
            "loss": losses[name],
            "loss_ok": abs(losses[name] - EXPECTED_LOSS) < 5e-12,
            "peak_rss_mb": rss[name],
        }
    return out


def bench_epoch(rounds: int, threads: int, log: Any) -> dict[str, Any]:
    names = list(EPOCH_CONTENDERS)
    times: dict[str, dict[int, list[float]]] = {n: {b: [] for b in BATCHES} for n in names}
    accuracy: dict[str, dict[int, float]] = {n: {} for n in names}
    rss: dict[str, float] = {n: 0.0 for n in names}
    ceilings: list[float] = []
    products: list[Any] = []
    batches = ",".join(str(b) for b in BATCHES)
    for r in range(rounds):
        for name in rotate([*names, "gemm"], r):
            if name == "gemm":
                res = child(["mnist_epoch", "gemm"], threads)
                ceilings.append(res["gflops_per_s"])
                products = res["products"]
                continue
            res = child(["mnist_epoch", name, "--batches", batches], threads)
            for b in BATCHES:
                times[name][b].append(res["seconds"][str(b)])
                accuracy[name][b] = res["accuracy"][str(b)]
            rss[name] = max(rss[name], res["peak_rss_mb"])
        log(f"mnist-epoch ({threads_label(threads)}): round {r + 1}/{rounds} done")
    flops = flops_per_sample(SIZES) * N_TRAIN
    ceiling = statistics.median(ceilings)
    out: dict[str, Any] = {
        "threads": threads,
        "flops": flops,
        "gemm_ceiling_gflops_per_s": spread(ceilings),
        "gemm_products": products,
        "floor_seconds": flops / (ceiling * 1e9),
        "contenders": {},
    }
    for name in names:
        entry: dict[str, Any] = {"peak_rss_mb": rss[name]}
        for b in BATCHES:
            ts = times[name][b]
            entry[str(b)] = {
                "seconds": spread(ts),
                "glassnet_over_this": paired(ts, times["glassnet"][b]),
                "fraction_of_ceiling": statistics.median(
                    flops / (c * 1e9) / t for c, t in zip(ceilings, ts)
                ),
                "train_accuracy": accuracy[name][b],
            }
        out["contenders"][name] = entry
    return out


def bench_explain(rounds: int, threads: int, log: Any) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="glassnet-bench-"))
    from benchmarks.explain import write_mnist_example

    mnist_toml = work / "mnist-784-128-10.toml"
    write_mnist_example(mnist_toml)
    cases = [(ex, fmt) for ex in ("mazur", "lamsal", "hill") for fmt in ("text", "json", "html")]
    cases += [(str(mnist_toml), fmt) for fmt in ("text", "json", "html")]
    times: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    rss: dict[str, float] = {}
    for r in range(rounds):
        for ex, fmt in cases:
            key = f"{'mnist-784-128-10' if ex == str(mnist_toml) else ex} {fmt}"
            res = child(["explain", ex, fmt, str(work / f"out.{fmt}")], threads)
            times.setdefault(key, []).append(res["seconds"])
            sizes[key] = res["bytes"]
            rss[key] = max(rss.get(key, 0.0), res["peak_rss_mb"])
        log(f"explain: round {r + 1}/{rounds} done")
    return {
        key: {"seconds": spread(times[key]), "bytes": sizes[key], "peak_rss_mb": rss[key]}
        for key in times
    }


def bench_exercises(rounds: int, threads: int, log: Any) -> dict[str, Any]:
    """``glassnet exercises`` for a class of 300, every format but the PDFs, once a round."""
    runs = []
    for r in range(rounds):
        work = Path(tempfile.mkdtemp(prefix="glassnet-bench-"))
        runs.append(child(["exercises", str(work)], threads))
        log(f"exercises: round {r + 1}/{rounds} done")
    return {
        "students": 300,
        "seconds": spread([res["seconds"] for res in runs]),
        "cpu_seconds": spread([res["cpu_seconds"] for res in runs]),
        "files": runs[-1]["files"],
        "peak_rss_mb": max(res["peak_rss_mb"] for res in runs),
    }


def bench_check(rounds: int, threads: int, log: Any) -> dict[str, Any]:
    """``glassnet check`` with wrong @1,000,000 figures, once per example per round.

    Each run starts with an empty cache of C loops (``glassnet.fast.native``), so it
    includes compiling them: the first check of an example on a machine.
    """
    from benchmarks.check import wrong_claims

    work = Path(tempfile.mkdtemp(prefix="glassnet-bench-"))
    examples = ["mazur", "lamsal", "hill"]
    for example in examples:
        (work / f"{example}.toml").write_text(wrong_claims(example))
    runs: dict[str, list[dict[str, Any]]] = {ex: [] for ex in examples}
    for r in range(rounds):
        for ex in rotate(examples, r):
            # an empty cache of built C loops: the time includes the compiler (the worst case)
            cache = tempfile.mkdtemp(prefix="cache-", dir=work)
            runs[ex].append(
                child(["check", ex, str(work / f"{ex}.toml")], threads, {"GLASSNET_CACHE": cache})
            )
        log(f"check: round {r + 1}/{rounds} done")
    out: dict[str, Any] = {}
    for ex in examples:
        out[ex] = {
            "seconds": spread([run["seconds"] for run in runs[ex]]),
            "cpu_seconds": spread([run["cpu_seconds"] for run in runs[ex]]),
            "status": max(run["status"] for run in runs[ex]),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs[ex]),
        }
    return out


def bench_search(rounds: int, thread_counts: list[int], log: Any) -> dict[str, Any]:
    """A 16-trial MNIST search on 2 local Dask workers vs the same trials one after
    another in one process (``benchmarks/search.py``) with each BLAS thread count of
    ``thread_counts``; a speed-up is the median over rounds of sequential time / Dask
    time, paired within each round."""
    counts = sorted(set(thread_counts))
    names = ["dask", *(f"sequential-{t}" for t in counts)]
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for r in range(rounds):
        for name in rotate(names, r):
            if name == "dask":  # the workers pin their own BLAS; the count is the client's
                runs[name].append(child(["search", "dask"], max(counts)))
            else:
                runs[name].append(child(["search", "sequential"], int(name.split("-")[1])))
        times = ", ".join(f"{n} {runs[n][-1]['seconds']:.1f} s" for n in names)
        log(f"search: round {r + 1}/{rounds} done ({times})")
    out: dict[str, Any] = {"contenders": {}, "speedup": {}, "max_val_loss_difference": {}}
    for name in names:
        out["contenders"][name] = {
            "seconds": spread([run["seconds"] for run in runs[name]]),
            "failed": max(run["failed"] for run in runs[name]),
            "best_val_accuracy": max(runs[name][-1]["val_accuracy"]),
            "tree_peak_rss_mb": max(run["tree_peak_rss_mb"] for run in runs[name]),
            "process_peak_rss_mb": max(run["peak_rss_mb"] for run in runs[name]),
        }
    dask = runs["dask"]
    for name in names[1:]:
        out["speedup"][name] = paired(
            [run["seconds"] for run in dask], [run["seconds"] for run in runs[name]]
        )
        # With another BLAS thread count than the workers' (1 on 2 cores), a large product
        # may round differently: then the figures agree closely, not bit for bit.
        out["max_val_loss_difference"][name] = max(
            abs(a - b) for a, b in zip(dask[-1]["val_loss"], runs[name][-1]["val_loss"])
        )
    return out


def worst_check(check: dict[str, Any]) -> tuple[str, float]:
    """The example whose check took longest (by median wall time) and that time."""
    example = max(check, key=lambda ex: check[ex]["seconds"]["median"])
    return example, check[example]["seconds"]["median"]


def bench_mnist98(rounds: int, threads: int, log: Any) -> dict[str, Any]:
    names = ["glassnet", "pytorch"]
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for r in range(rounds):
        for name in rotate(names, r):
            runs[name].append(child(["mnist98", name], threads))
        log(
            f"mnist-98: round {r + 1}/{rounds} done (glassnet {runs['glassnet'][-1]['seconds']:.1f}"
            f" s, pytorch {runs['pytorch'][-1]['seconds']:.1f} s)"
        )
    out: dict[str, Any] = {"threads": threads}
    for name in names:
        epochs = [run["epochs"] for run in runs[name]]
        out[name] = {
            "seconds": spread([run["seconds"] for run in runs[name]]),
            # None when a run never reached the target
            "epochs": None if None in epochs else statistics.median(epochs),
            "final_accuracy": statistics.median(run["final_accuracy"] for run in runs[name]),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs[name]),
        }
    out["glassnet_over_pytorch"] = paired(
        [run["seconds"] for run in runs["pytorch"]], [run["seconds"] for run in runs["glassnet"]]
    )
    return out


def threads_label(threads: int) -> str:
    return f"{threads} BLAS thread{'s' if threads > 1 else ''}"


def versions() -> dict[str, str]:
    import numpy
    import sklearn
    import torch

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "cpus": str(os.cpu_count()),
        "machine": platform.machine(),
    }


def fmt_spread(s: dict[str, float], digits: int = 3) -> str:
    return f"{s['median']:.{digits}g} ({s['min']:.{digits}g}–{s['max']:.{digits}g})"


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        f"# glassnet benchmarks — {meta['date']}",
        "",
        f"`{meta['command']}` · {meta['rounds']} rounds, interleaved, each contender in its own "
        f"process after a warm-up · the same BLAS thread count for every contender of a "
        f"table · "
        f"Python {meta['versions']['python']}, NumPy {meta['versions']['numpy']}, "
        f"PyTorch {meta['versions']['torch']}, scikit-learn {meta['versions']['sklearn']}, "
        f"{meta['versions']['cpus']} CPUs · total {meta['seconds']:.0f} s",
        "",
        "Times: median (min–max). Ratio: glassnet's time ÷ the contender's, median of the "
        "per-round ratios (< 1: glassnet is faster).",
        "",
        "## tiny: 10,000 per-sample updates of Mazur's 2-2-2 network",
        "",
        "| contender | µs per update | glassnet ÷ this | E after 10,000 | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for name, r in results["tiny"].items():
        ok = "✓" if r["loss_ok"] else "✗"
        lines.append(
            f"| {name} | {fmt_spread(r['us_per_update'])} | {r['glassnet_over_this']:.3f} | "
            f"{r['loss']:.6e} {ok} | {r['peak_rss_mb']:.0f} |"
        )
    for e in results["mnist_epoch"].values():
        lines += [
            "",
            f"## mnist-epoch, {threads_label(e['threads'])}: one epoch of 784-128-10 (ReLU, "
            "softmax + cross-entropy, SGD, float32)",
            "",
            f"{e['flops'] / 1e9:.2f} GFLOP per epoch; measured float32 GEMM ceiling of the step's "
            f"products (batch 128, best layout of each) "
            f"{fmt_spread(e['gemm_ceiling_gflops_per_s'])} GFLOP/s, a floor of "
            f"{e['floor_seconds']:.3f} s.",
            "",
            "| contender | batch | seconds | glassnet ÷ this | % of GEMM ceiling | peak RSS MB |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in e["contenders"].items():
            for b in BATCHES:
                c = r[str(b)]
                lines.append(
                    f"| {name} | {b} | {fmt_spread(c['seconds'])} | "
                    f"{c['glassnet_over_this']:.2f} | {100 * c['fraction_of_ceiling']:.0f}% | "
                    f"{r['peak_rss_mb']:.0f} |"
                )
    if "mnist_98" in results:
        m = results["mnist_98"]
        lines += [
            "",
            f"## mnist-98, {threads_label(m['threads'])}: the documented recipe "
            "(784-512-256-10) until 98% test accuracy",
            "",
            "| contender | seconds | epochs | test accuracy | glassnet ÷ this | peak RSS MB |",
            "|---|---|---|---|---|---|",
        ]
        for name in ("glassnet", "pytorch"):
            r = m[name]
            ratio = 1.0 if name == "glassnet" else m["glassnet_over_pytorch"]
            lines.append(
                f"| {name} | {fmt_spread(r['seconds'])} | {r['epochs']} | "
                f"{r['final_accuracy']:.4f} | {ratio:.2f} | {r['peak_rss_mb']:.0f} |"
            )
    lines += [
        "",
        "## explain: `glassnet explain` (whole command, imports included)",
        "",
        "| example | format | seconds | output bytes | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for key, r in results["explain"].items():
        ex, fmt = key.rsplit(" ", 1)
        lines.append(
            f"| {ex} | {fmt} | {fmt_spread(r['seconds'])} | {r['bytes']:,} | "
            f"{r['peak_rss_mb']:.0f} |"
        )
    if "check" in results:
        lines += [
            "",
            "## check: `glassnet check` with wrong figures after 1,000,000 updates "
            "(every mistake of the catalogue trained that far)",
            "",
            "| example | seconds | CPU seconds | exit status | peak RSS MB |",
            "|---|---|---|---|---|",
        ]
        for ex, r in results["check"].items():
            lines.append(
                f"| {ex} | {fmt_spread(r['seconds'])} | {fmt_spread(r['cpu_seconds'])} | "
                f"{r['status']} | {r['peak_rss_mb']:.0f} |"
            )
    if "exercises" in results:
        r = results["exercises"]
        lines += [
            "",
            f"## exercises: `glassnet exercises` for a class of {r['students']}, every format "
            "but the PDFs (whole command, imports included)",
            "",
            "| seconds | CPU seconds | files | peak RSS MB |",
            "|---|---|---|---|",
            f"| {fmt_spread(r['seconds'])} | {fmt_spread(r['cpu_seconds'])} | {r['files']} | "
            f"{r['peak_rss_mb']:.0f} |",
        ]
    if "search" in results:
        m = results["search"]
        lines += [
            "",
            "## search: 16 MNIST trials (784-128-10, 2 epochs each), 2 local Dask workers vs "
            "one process",
            "",
            "| contender | seconds | speed-up of Dask | best val_accuracy | max val_loss "
            "difference to Dask | peak RSS MB, all processes | peak RSS MB, main process |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in m["contenders"].items():
            speedup = m["speedup"].get(name)
            difference = m["max_val_loss_difference"].get(name)
            lines.append(
                f"| {name} | {fmt_spread(r['seconds'])} | "
                f"{'' if speedup is None else f'{speedup:.2f}'} | {r['best_val_accuracy']:.4f} | "
                f"{'' if difference is None else f'{difference:.2g}'} | "
                f"{r['tree_peak_rss_mb']:.0f} | {r['process_peak_rss_mb']:.0f} |"
            )
    lines += ["", "## acceptance", ""]
    for check in results["acceptance"]:
        lines.append(f"- {'✓' if check['met'] else '✗'} {check['target']}: {check['value']}")
    return "\n".join(lines) + "\n"


def acceptance(results: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []

    def add(target: str, met: bool, value: str) -> None:
        checks.append({"target": target, "met": bool(met), "value": value})

    for e in results.get("mnist_epoch", {}).values():
        c, at = e["contenders"], f"({threads_label(e['threads'])})"
        g128 = c["glassnet"]["128"]
        for name, label in (("pytorch", "PyTorch"), ("sklearn", "scikit-learn")):
            ratio = c[name]["128"]["glassnet_over_this"]
            add(f"mnist-epoch b128 ≤ 0.6 × {label} {at}", ratio <= 0.6, f"{ratio:.2f}")
        add(
            f"mnist-epoch b128 ≥ 70% of the GEMM ceiling {at}",
            g128["fraction_of_ceiling"] >= 0.7,
            f"{100 * g128['fraction_of_ceiling']:.0f}%",
        )
        for b in (32, 512):
            ratio = c["pytorch"][str(b)]["glassnet_over_this"]
            add(f"mnist-epoch b{b} ≤ 1.0 × PyTorch {at}", ratio <= 1.0, f"{ratio:.2f}")
        add(
            f"mnist-epoch peak memory ≤ PyTorch's {at}",
            c["glassnet"]["peak_rss_mb"] <= c["pytorch"]["peak_rss_mb"],
            f"{c['glassnet']['peak_rss_mb']:.0f} MB vs {c['pytorch']['peak_rss_mb']:.0f} MB",
        )
    t = results.get("tiny", {})
    if t:
        add(
            "tiny ≤ 0.1 × PyTorch autograd",
            t["torch-autograd-sgd"]["glassnet_over_this"] <= 0.1,
            f"{t['torch-autograd-sgd']['glassnet_over_this']:.4f}",
        )
        add(
            "tiny ≤ 1.0 × pure-Python per-neuron",
            t["python-per-neuron"]["glassnet_over_this"] <= 1.0,
            f"{t['python-per-neuron']['glassnet_over_this']:.2f}",
        )
        add(
            "tiny: every contender reaches E = 3.510188e-05",
            all(r["loss_ok"] for r in t.values()),
            ", ".join(f"{n} {r['loss']:.7e}" for n, r in t.items()),
        )
    if "mnist_98" in results:
        m = results["mnist_98"]
        add(
            "mnist-98 in less wall time than PyTorch",
            m["glassnet"]["epochs"] is not None and m["glassnet_over_pytorch"] < 1.0,
            f"{m['glassnet_over_pytorch']:.2f} ({m['glassnet']['seconds']['median']:.1f} s vs "
            f"{m['pytorch']['seconds']['median']:.1f} s)",
        )
    if "check" in results:
        example, seconds = worst_check(results["check"])
        add(
            "check of wrong @1,000,000 claims under 10 s (worst example)",
            seconds < 10 and all(r["status"] == 1 for r in results["check"].values()),
            f"{seconds:.1f} s ({example})",
        )
    if "exercises" in results:
        seconds = results["exercises"]["seconds"]["median"]
        add(
            "exercises: 300 variants, every format but PDF, under 10 s",
            seconds < 10,
            f"{seconds:.1f} s",
        )
    add(
        "suite under 10 minutes",
        results["meta"]["seconds"] < 600,
        f"{results['meta']['seconds']:.0f} s",
    )
    return checks


def thread_counts(text: str) -> list[int]:
    """``--threads``: comma-separated positive thread counts."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected thread counts like 1,2, got {text!r}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 5")
    parser.add_argument("--mnist-98", action="store_true", help="also race to 98%% test accuracy")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5, --quick 3)")
    parser.add_argument(
        "--threads",
        type=thread_counts,
        default=[1, 2],
        help="BLAS thread counts to compare mnist-epoch at, e.g. 1,2 (default)",
    )
    parser.add_argument(
        "--only",
        choices=["tiny", "mnist-epoch", "explain", "check", "exercises", "search"],
        action="append",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="directory for latest.*")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 5)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    only = set(args.only or ["tiny", "mnist-epoch", "explain", "check", "exercises"])
    results: dict[str, Any] = {}
    if "tiny" in only:
        results["tiny"] = bench_tiny(rounds, min(args.threads), log)
    if "mnist-epoch" in only:
        results["mnist_epoch"] = {
            str(t): bench_epoch(rounds, t, log) for t in sorted(set(args.threads))
        }
    if "explain" in only:
        results["explain"] = bench_explain(rounds, min(args.threads), log)
    if "check" in only:
        # some seconds a run: at most 3 rounds
        results["check"] = bench_check(min(rounds, 3), min(args.threads), log)
    if "exercises" in only:
        results["exercises"] = bench_exercises(min(rounds, 3), min(args.threads), log)
    if args.mnist_98:
        results["mnist_98"] = bench_mnist98(rounds, max(args.threads), log)
    if "search" in only:
        # some minutes a round: at most 3 rounds; not in the default suite
        results["search"] = bench_search(min(rounds, 3), args.threads, log)
    command = "python -m benchmarks" + (" " + " ".join(argv if argv is not None else sys.argv[1:]))
    results["meta"] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": command.strip(),
        "rounds": rounds,
        "threads": args.threads,
        "versions": versions(),
        "seconds": time.perf_counter() - started,
    }
    results["acceptance"] = acceptance(results)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    if {"tiny", "mnist-epoch", "explain"} <= only:
        table = markdown(results)
        (args.output / "latest.md").write_text(table)
        print(table)
    else:
        print(json.dumps(results, indent=2))
    return 0
