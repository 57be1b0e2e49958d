"""The generated training loop of ``glassnet.fast.codegen`` as C, when a C compiler is at hand.

``glassnet check`` trains an example with the stated method and with every
mistake of its catalogue, up to 1,000,000 updates each: about 15 million
updates of a 2-2-2 network. As Python floats that is about a second per
mistake; the same lines compiled as C take a few milliseconds.

The C is not a second copy of the mathematics: it is ``codegen.Generator``'s
lines, from the same formula trees, rendered in ``codegen.C`` (``codegen.render``)
(``a ? b : c`` for a condition, plain ``exp``, which gives ``inf`` past the
float range as NumPy does) and rounded with ``rint(x * f) / f``, NumPy's own
``np.round``. The compiler gets ``-ffp-contract=off`` and no fast-math, so
every ``+``, ``*`` and ``/`` is one IEEE operation in the written order, as in
Python: the C and the Python loops give the same bits (``tests/fast/test_compiled.py`` pins
them, and through the Python loop to ``engine.backprop``).

Built libraries are cached by the hash of their source in
``$GLASSNET_CACHE`` or ``~/.cache/glassnet/native`` (a directory only its user
can write). ``GLASSNET_NATIVE=0`` turns this off; without a compiler (``$CC``
or ``cc``), or if it fails, training uses the Python loop.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.engine import Variant
from glassnet.fast.codegen import Compiled, Generator, UnsupportedError
from glassnet.network import Network

#: IEEE arithmetic in the written order: no fused multiply-add, no reassociation.
FLAGS = ["-O2", "-shared", "-fPIC", "-ffp-contract=off", "-fno-fast-math"]
_DOUBLES = ctypes.POINTER(ctypes.c_double)


class _CGenerator(Generator):
    """``codegen.Generator``'s lines as a C function ``NAME``."""

    c = True

    def r(self, code: str) -> str:
        """``np.round(code, decimals)``: ``rint(code * f) / f``, as NumPy computes it."""
        decimals = self.variant.round_decimals
        if decimals is None:
            return code
        factor = repr(float(10 ** abs(decimals)))
        if decimals >= 0:
            return f"(rint(({code}) * {factor}) / {factor})"
        return f"(rint(({code}) / {factor}) * {factor})"

    def function(self, name: str) -> str:
        """``long NAME(p, X, T, eta, steps, losses, outputs, bad)``; returns the updates done.

        ``p`` holds the parameters (``compiled.parameters`` order) and gets them
        back after training; ``losses[k]`` the loss after update k + 1; ``outputs``
        the outputs after the last update, sample by sample; ``*bad`` the
        non-finite loss that stopped training (that update is not applied).
        """
        n_in = self.layers[0].weights.shape[1]
        prologue = [] if self.rounding else self.forward("", rounded=False, updated=False)
        rounded = self.forward("", rounded=True, updated=False) if self.rounding else []
        backward = self.backward("")
        after = self.forward("", rounded=False, updated=True)
        local = sorted({line.split(" = ")[0] for line in prologue + rounded + backward + after})
        inputs = [f"x{s}_{i}" for s in self.samples for i in range(n_in)]
        targets = [f"t{s}_{k}" for s in self.samples for k in range(self.n_out)]
        same = " && ".join(f"{self.new(p)} == {p}" for p in self.trained)
        outputs = [f"o{self.last}_{s}_{k}" for s in self.samples for k in range(self.n_out)]
        return "\n".join(
            [
                f"long {name}(double *p, const double *X, const double *T, double eta, long steps,",
                "           double *losses, double *outputs, double *bad) {",
                *_unpack(self.params, "p"),
                *_unpack(inputs, "X"),
                *_unpack(targets, "T"),
                "    double " + ", ".join(local) + ";",
                "    long step;",
                *_statements(prologue, "    "),
                "    for (step = 0; step < steps; step++) {",
                *_statements(rounded + backward, "        "),
                # a fixed point (every parameter unchanged) repeats forever
                f"        if ((step & 1023) == 1023 && {same}) {{",
                "            for (long k = step; k < steps; k++) losses[k] = loss;",
                "            step = steps;",
                "            break;",
                "        }",
                *_statements(after, "        "),
                # a diverged update is dropped: the old names still hold the parameters
                "        if (!(loss - loss == 0.0)) { *bad = loss; break; }",
                *(f"        {p} = {self.new(p)};" for p in self.trained),
                "        losses[step] = loss;",
                "    }",
                *(f"    p[{k}] = {p};" for k, p in enumerate(self.params)),
                *(f"    outputs[{k}] = {o};" for k, o in enumerate(outputs)),
                "    return step;",
                "}",
            ]
        )


def _unpack(names: list[str], array: str) -> list[str]:
    return [f"    double {name} = {array}[{k}];" for k, name in enumerate(names)]


def _statements(lines: list[str], indent: str) -> list[str]:
    return [f"{indent}{line};" for line in lines]


def enabled() -> bool:
    """Whether to compile C at all: ``GLASSNET_NATIVE`` is not ``0`` and a compiler exists."""
    return os.environ.get("GLASSNET_NATIVE", "1") != "0" and _compiler() is not None


def _compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "cc"))


def build(
    network: Network, n_samples: int, variants: Sequence[Variant | None]
) -> dict[Variant | None, Compiled]:
    """One C library for every variant in ``variants``, each as a ``codegen.Compiled``.

    Empty when there is no compiler or a formula has no C form. Several variants
    compile in one run of the compiler (a catalogue's worth costs about as much
    as one).
    """
    compiler = _compiler()
    if compiler is None or not variants:
        return {}
    try:
        generators = [_CGenerator(network, n_samples, v) for v in variants]
        source = "#include <math.h>\n\n" + "\n\n".join(
            g.function(f"run{k}") for k, g in enumerate(generators)
        )
    except (UnsupportedError, NotImplementedError):
        return {}
    library = _load(compiler, source)
    if library is None:
        return {}
    n_params = len(generators[0].params)
    n_outputs = n_samples * network.n_outputs
    return {
        v: _runner(getattr(library, f"run{k}"), n_params, n_outputs, network.n_outputs)
        for k, v in enumerate(variants)
    }


def cache_dir() -> Path:
    """Where built libraries are kept: ``$GLASSNET_CACHE`` or ``~/.cache/glassnet/native``."""
    if os.environ.get("GLASSNET_CACHE"):
        return Path(os.environ["GLASSNET_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "glassnet" / "native"


def _load(compiler: str, source: str) -> ctypes.CDLL | None:
    """The library built from ``source`` (from the cache, or compiled into it)."""
    key = hashlib.sha256("\0".join([compiler, *FLAGS, source]).encode()).hexdigest()[:32]
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o022:
            return None  # a library others could have written is not loaded
        library = folder / f"{key}.so"
        if not library.exists():
            with tempfile.TemporaryDirectory(dir=folder) as work:
                c_file = Path(work) / "run.c"
                c_file.write_text(source)
                built = Path(work) / "run.so"
                run = subprocess.run(
                    [compiler, *FLAGS, "-o", str(built), str(c_file), "-lm"],
                    capture_output=True,
                    check=False,
                    timeout=120,
                )
                if run.returncode != 0:
                    return None
                os.replace(built, library)  # complete or absent, never half written
        return ctypes.CDLL(str(library))
    except (OSError, subprocess.SubprocessError):
        return None


def _runner(function: Any, n_params: int, n_outputs: int, per_sample: int) -> Compiled:
    """The C function called like ``codegen.Compiled`` (``on_step`` must be ``None``)."""
    function.argtypes = [_DOUBLES, _DOUBLES, _DOUBLES, ctypes.c_double, ctypes.c_long]
    function.argtypes += [_DOUBLES, _DOUBLES, _DOUBLES]
    function.restype = ctypes.c_long

    def run(
        params: list[float],
        X: list[list[float]],
        T: list[list[float]],
        eta: float,
        steps: int,
        on_step: Callable[[int, float], None] | None = None,
    ) -> tuple[int, list[float], Any, list[list[float]], float]:
        if on_step is not None:
            raise ValueError("the C loop reports no steps; use the Python one")
        p = np.array(params, dtype=np.float64)
        x = np.ascontiguousarray(X, dtype=np.float64)
        t = np.ascontiguousarray(T, dtype=np.float64)
        losses = np.empty(steps)
        outputs = np.empty(n_outputs)
        bad = ctypes.c_double(0.0)
        done = function(
            _pointer(p), _pointer(x), _pointer(t), eta, steps,
            _pointer(losses), _pointer(outputs), ctypes.byref(bad),
        )  # fmt: skip
        rows = outputs.reshape(-1, per_sample).tolist()
        return int(done), p.tolist(), losses[:done], rows, bad.value

    return run


def _pointer(array: np.ndarray) -> Any:
    return array.ctypes.data_as(_DOUBLES)
