"""PrairieLearn: a question folder whose every variant is drawn by glassnet.

``prairielearn/<name>/`` holds ``info.json``, ``question.html`` (one
``pl-number-input`` per asked quantity, compared at the asked significant
digits) and ``server.py`` with the spec written in. PrairieLearn calls
``generate(data)``, which draws the variant of ``data["variant_seed"]`` (as the
variant of a student named ``pl<seed>``: well-posed like every other) and sets
the given values and the correct answers; ``grade(data)`` runs ``glassnet
check`` on the answers as typed and adds the first wrong step and the named
mistake to ``data["feedback"]``. PrairieLearn's course image needs glassnet
installed (``pip install glassnet``).
"""

from __future__ import annotations

import html
import json
import pprint
import uuid
from pathlib import Path
from typing import Any

from glassnet.check import check
from glassnet.claims import parse_number
from glassnet.teach.grade import mistake_name
from glassnet.teach.questions import given, questions
from glassnet.teach.spec import Spec, _Parser
from glassnet.teach.variants import Exercise, Variant

#: The namespace of the question's UUID (version 5, from the spec's title and seed).
NAMESPACE = uuid.UUID("6f0d3e43-1c55-4c55-9a53-6c1f2b0e7a11")


def answer_name(number: int) -> str:
    """The ``answers-name`` of question ``number`` (from 1): ``q01``."""
    return f"q{number:02d}"


def spec_from_data(data: dict[str, Any]) -> Spec:
    """The spec written into ``server.py``, for one student at a time (no roster)."""
    table = {k: v for k, v in data.items() if k not in ("students", "count")}
    return _Parser("server.py", Path(".")).spec({**table, "count": 1})


def _variant(spec_data: dict[str, Any], data: dict[str, Any]) -> tuple[Exercise, Variant]:
    exercise = Exercise(spec_from_data(spec_data))
    return exercise, exercise.variant(f"pl{int(data['variant_seed'])}")


def generate(spec_data: dict[str, Any], data: dict[str, Any]) -> None:
    """PrairieLearn's ``generate``: the given values in ``params``, the answers in
    ``correct_answers`` (exact values; the element compares at the asked digits)."""
    exercise, variant = _variant(spec_data, data)
    items = ", ".join(f"{html.escape(g.label)} = {g.text}" for g in given(variant))
    data["params"]["given"] = items
    data["params"]["student"] = variant.student
    for number, q in enumerate(questions(variant, exercise.asked, exercise.spec.ask), 1):
        data["correct_answers"][answer_name(number)] = q.value


def grade(spec_data: dict[str, Any], data: dict[str, Any]) -> None:
    """PrairieLearn's ``grade``: ``glassnet check`` on the answers as typed; the first wrong
    step and the named mistake in ``data["feedback"]["glassnet"]``. Scores are the elements'."""
    exercise, variant = _variant(spec_data, data)
    raw = data.get("raw_submitted_answers", {})
    claims = {}
    for number, key in enumerate(exercise.asked, 1):
        text = str(raw.get(answer_name(number), "")).strip()
        try:
            parse_number(text)
        except ValueError:
            continue
        claims[key] = text
    data.setdefault("feedback", {})
    if not claims:
        data["feedback"]["glassnet"] = "No answers to check."
        return
    report = check(variant.example, claims, source="answers", min_digits=exercise.spec.ask.digits)
    data["feedback"]["glassnet"] = feedback_text(
        report.first_wrong, mistake_name(report), report.n_coarse
    )


def feedback_text(first_wrong: str | None, mistake: str, coarse: int) -> str:
    """One paragraph: the first wrong step and the likely mistake, or that all is right."""
    parts = []
    if first_wrong is None:
        parts.append("Every answer given agrees with the exact value.")
    else:
        parts.append(f"The first wrong step is {first_wrong}.")
        parts.append(
            f"Likely mistake: {mistake}." if mistake else "No known mistake reproduces it."
        )
    if coarse:
        parts.append(f"{coarse} answers have too few significant digits to be judged.")
    return " ".join(parts)


def info_json(spec: Spec) -> str:
    """PrairieLearn's ``info.json``: a v3 question with a UUID fixed by the title and seed."""
    info = {
        "uuid": str(uuid.uuid5(NAMESPACE, f"{spec.title}\0{spec.seed}")),
        "title": spec.title,
        "topic": "Backpropagation",
        "tags": ["glassnet", "backpropagation"],
        "type": "v3",
    }
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def question_html(spec: Spec, variant: Variant, asked: list[str]) -> str:
    """``question.html``: the panel with the given values, one number input per question,
    and glassnet's feedback in the submission panel."""
    lines = ["<pl-question-panel>"]
    if spec.instructions:
        lines.append(f"  <p>{html.escape(spec.instructions)}</p>")
    lines += [
        "  <p>Given: {{{params.given}}}.</p>",
        f"  <p>Give each value to {spec.ask.digits} significant digits.</p>",
        "</pl-question-panel>",
        "",
    ]
    for number, q in enumerate(questions(variant, asked, spec.ask), 1):
        label = html.escape(f"{q.label} =", quote=True)
        lines.append(
            f'<pl-number-input answers-name="{answer_name(number)}" comparison="sigfig" '
            f'digits="{spec.ask.digits}" label="{label}"></pl-number-input>'
        )
    lines += [
        "",
        "<pl-submission-panel>",
        "  {{#feedback.glassnet}}<p>{{feedback.glassnet}}</p>{{/feedback.glassnet}}",
        "</pl-submission-panel>",
    ]
    return "\n".join(lines) + "\n"


def server_py(spec: Spec) -> str:
    """``server.py``: the spec written in, ``generate`` and ``grade`` calling glassnet."""
    return f'''"""PrairieLearn question {spec.title!r}: each variant drawn by glassnet exercises."""

from glassnet.teach import prairielearn

SPEC = {pprint.pformat(spec.data, width=88, sort_dicts=True)}


def generate(data):
    prairielearn.generate(SPEC, data)


def grade(data):
    prairielearn.grade(SPEC, data)
'''
