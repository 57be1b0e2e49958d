"""*exercises*: ``glassnet exercises`` for a class of 300, every format but the PDFs.

``python -m benchmarks.exercises [OUT]`` writes ``SPEC`` (Mazur's network, the
forward pass, the loss, the deltas, four gradients, the updated weights and the
loss after them: 26 questions a student) into ``OUT`` (default: a temporary
folder), runs ``glassnet exercises SPEC -o OUT/class`` in this process (imports
included, as a teacher would run it), prints the time and a ``RESULT`` line
with the wall and CPU seconds, the files written and the peak memory.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

#: The goal: a class of 300, all formats (PDF compilation aside), in under 10 s.
GOAL_SECONDS = 10.0
STUDENTS = 300
SPEC = f"""title = "Backpropagation by hand"
instructions = "Work out one update of the network by hand."
seed = 2026
count = {STUDENTS}

[network]
shape = "2-2-2"
activation = "sigmoid"
loss = "half_sse"
bias = "shared"
train_bias = false
learning_rate = 0.5

[ask]
quantities = ["forward", "E_total", "deltas", "gradients of w1-w4", "updated weights", "E_total+"]
digits = 4
"""


def main() -> None:
    from benchmarks.common import emit

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="glassnet-"))
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    started, cpu = time.perf_counter(), time.process_time()
    from glassnet.cli import main as cli

    status = cli(["exercises", str(spec), "-o", str(folder / "class")])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    files = sum(1 for p in (folder / "class").rglob("*") if p.is_file())
    print(
        f"glassnet exercises: {STUDENTS} variants, every format but PDF: {seconds:.2f} s "
        f"({cpu_seconds:.2f} s CPU; goal < {GOAL_SECONDS:.0f} s), {files} files",
        file=sys.stderr,
    )
    emit({"seconds": seconds, "cpu_seconds": cpu_seconds, "files": files, "status": status})


if __name__ == "__main__":
    main()
