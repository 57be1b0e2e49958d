"""Gradescope: an autograder that checks each submission against that student's variant.

``gradescope/`` is the folder to zip and upload as the autograder:

- ``setup.sh`` installs glassnet when Gradescope builds the image;
- ``run_autograder`` runs ``python3 -m glassnet.teach.gradescope``;
- ``exercise.json`` (the asked quantities and digits) and ``variants/<id>.toml``.

For a submission, the student is found from Gradescope's
``submission_metadata.json`` (the roster's *sid*, else the e-mail address, else
its part before the ``@``) or from ``student = "ID"`` in the answers file; the
answers are a claims file ``answers.toml`` (one ``[claims]`` table, as
``glassnet check`` reads). ``results/results.json`` gets the score (one point
per right answer), one test per asked quantity, and an ``output`` naming the
first wrong step and the mistake. Whatever happens, a ``results.json`` is
written: a submission Gradescope cannot read is a score of 0 that says why.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> run(root)["output"].startswith("The autograder is incomplete")
True
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from glassnet import __version__
from glassnet.check import check
from glassnet.claims import Quantities, parse_number
from glassnet.errors import GlassnetError
from glassnet.example import read_example
from glassnet.teach.grade import COARSE, MISSING, NOT_A_NUMBER, RIGHT, WRONG, mistake_name
from glassnet.teach.spec import Spec
from glassnet.tomlfile import read_toml

ANSWERS = "answers.toml"


def setup_sh() -> str:
    return (
        "#!/usr/bin/env bash\n"
        "# Gradescope runs this once, when it builds the autograder's image.\n"
        "set -euo pipefail\n"
        "apt-get update && apt-get install -y python3 python3-pip\n"
        f"pip3 install 'glassnet=={__version__}'\n"
    )


def run_autograder() -> str:
    return (
        "#!/usr/bin/env bash\n"
        "# Gradescope runs this for each submission (the student's files in submission/).\n"
        'exec python3 -m glassnet.teach.gradescope "${AUTOGRADER_ROOT:-/autograder}"\n'
    )


def exercise_json(spec: Spec, asked: list[str]) -> str:
    data = {"title": spec.title, "seed": spec.seed, "asked": asked, "digits": spec.ask.digits}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def run(root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; the results."""
    try:
        results = _grade(root)
    except GlassnetError as error:
        results = {"score": 0, "output": str(error), "tests": []}
    except Exception as error:  # a results.json all the same: Gradescope shows its output
        results = {"score": 0, "output": f"The autograder failed: {error!r}", "tests": []}
    results["visibility"] = "visible"
    (root / "results").mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    (root / "results" / "results.json").write_text(text, encoding="utf-8")
    return results


def _grade(root: Path) -> dict[str, Any]:
    source = root / "source"
    try:
        exercise = json.loads((source / "exercise.json").read_text(encoding="utf-8"))
        asked: list[str] = exercise["asked"]
        digits = int(exercise["digits"])
    except (OSError, ValueError, KeyError) as error:
        raise GlassnetError(f"The autograder is incomplete: {error}") from None
    answers_path = root / "submission" / ANSWERS
    if not answers_path.exists():
        raise GlassnetError(f"No {ANSWERS} in the submission: submit your answers as {ANSWERS}")
    data = read_toml(answers_path)
    student = _student(root, data, source / "variants")
    example = read_example(source / "variants" / f"{student}.toml")
    claims_table = data.get("claims")
    if not isinstance(claims_table, dict):
        raise GlassnetError(f"{ANSWERS}: expected a [claims] table of your answers")
    status = {key: MISSING for key in asked}
    quantities = Quantities(example)
    claims = {}
    for written, value in claims_table.items():
        try:
            name = quantities.resolve(written)
        except ValueError:
            continue
        if name not in status:
            continue
        try:
            parse_number(value)
        except ValueError:
            status[name] = NOT_A_NUMBER
            continue
        claims[name] = value
    lines = [f"Student {student}."]
    if claims:
        report = check(example, claims, source=ANSWERS, min_digits=digits)
        for verdict in report.verdicts:
            judged = RIGHT if verdict.agrees else COARSE if not verdict.judged else WRONG
            status[verdict.claim.key] = judged
        if report.first_wrong:
            lines.append(f"The first wrong step is {report.first_wrong}.")
            mistake = mistake_name(report)
            lines.append(f"Likely mistake: {mistake}." if mistake else "No known mistake fits.")
    tests = [
        {
            "name": key,
            "score": 1 if status[key] == RIGHT else 0,
            "max_score": 1,
            "status": "passed" if status[key] == RIGHT else "failed",
            "output": status[key],
        }
        for key in asked
    ]
    right = sum(status[key] == RIGHT for key in asked)
    lines.append(f"{right} of {len(asked)} right (at least {digits} significant digits each).")
    return {"score": right, "output": " ".join(lines), "tests": tests}


def _student(root: Path, answers: dict[str, Any], variants: Path) -> str:
    """The submitting student's id: ``student`` in the answers, else Gradescope's metadata."""
    candidates = []
    if isinstance(answers.get("student"), str):
        candidates.append(answers["student"].strip())
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        for user in metadata.get("users", []):
            for field in ("sid", "email"):
                value = str(user.get(field) or "").strip()
                if value:
                    candidates += [value, value.split("@")[0]]
    except (OSError, ValueError, AttributeError):
        pass
    candidates = list(dict.fromkeys(candidates))
    for candidate in candidates:
        if candidate and "/" not in candidate and (variants / f"{candidate}.toml").is_file():
            return candidate
    tried = ", ".join(repr(c) for c in candidates) or "none"
    raise GlassnetError(
        f'No variant for this submission (ids tried: {tried}); add student = "YOUR ID" to {ANSWERS}'
    )


if __name__ == "__main__":
    run(Path(sys.argv[1] if len(sys.argv) > 1 else "/autograder"))
