"""*check*: ``glassnet check`` on wrong training figures, the slowest claims it judges.

``wrong_claims(EXAMPLE)`` is a claims table of wrong figures after 1,000,000
updates (the most a claim may ask for): the loss, the last layer's first weight
and the first output. No update count is larger and no claim agrees, so check
trains the example 1,000,000 updates with the stated method and with every
mistake of the catalogue.

``python -m benchmarks.check EXAMPLE CLAIMS`` runs ``glassnet check EXAMPLE CLAIMS``
in this process (imports included, as a user would run it) and prints a
``RESULT`` line with the wall and CPU seconds (this process's; the C compiler
runs in a child process, in the wall time only), the exit status (1: claims
disagree) and the peak memory.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

#: The most updates a ``NAME@N`` claim may ask for (``glassnet.claims.keys.MAX_STEPS``).
STEPS = 1_000_000


def wrong_claims(example: str) -> str:
    """A ``[claims]`` table of wrong ``@1000000`` figures for a built-in example."""
    from glassnet.claims import Quantities
    from glassnet.claims.keys import MAX_STEPS
    from glassnet.examples import load_example

    assert MAX_STEPS == STEPS
    layout = Quantities(load_example(example)).layout
    last = max(layer for layer, _, _ in layout.parameters.values())
    weight = next(
        name for name, (layer, _, i) in layout.parameters.items() if layer == last and i is not None
    )
    # Each in (0, 1) where the true figures are not: the loss is near 0 and the
    # outputs near their targets after a million updates; the weights are larger.
    claims = {
        f"E_total@{STEPS}": "0.5",
        f"{weight}@{STEPS}": "0.123",
        f"out_{layout.outputs[0]}@{STEPS}": "0.5",
    }
    return "[claims]\n" + "".join(f'"{name}" = "{value}"\n' for name, value in claims.items())


def main() -> None:
    from benchmarks.common import emit

    example, claims = sys.argv[1], Path(sys.argv[2])
    started, cpu = time.perf_counter(), time.process_time()
    from glassnet.cli import main as cli

    status = cli(["check", example, str(claims), "--format", "json"])
    emit(
        {
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
            "status": status,
        }
    )


if __name__ == "__main__":
    main()
