"""``glassnet grade``: every student's answers checked against their own variant.

Answers come as a CSV (a ``student`` column and one column per asked quantity,
headed by its check name or any spelling ``glassnet check`` accepts, as a course
platform exports them) or as a folder of claims files ``<id>.toml``. Each
student's answers are judged by ``glassnet check`` on that student's variant,
with ``ask.digits`` as the significant digits an answer needs: an answer agrees
when the exact value rounded or truncated to its written decimals equals it; one
with fewer digits is *too coarse*. ``check`` names the first wrong step and the
catalogue's mistake that reproduces the wrong answers.

A bad row (an unknown student, a value that is not a number, a file that cannot
be read) is reported in that row's ``problems`` and does not stop the others.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassnet.check import TOO_COARSE, Report, check
from glassnet.claims import parse_number
from glassnet.errors import GlassnetError
from glassnet.teach.variants import Exercise, Variant
from glassnet.tomlfile import read_text, read_toml

RIGHT, WRONG, COARSE, MISSING, NOT_A_NUMBER = (
    "right",
    "wrong",
    TOO_COARSE,
    "missing",
    "not a number",
)
#: Headers a CSV's student column may have (case and spaces aside).
STUDENT_HEADERS = ("student", "id", "student id", "student_id", "username", "sid")


@dataclass
class Answers:
    """One student's answers by check name, as written, and what was wrong with the row."""

    student: str
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class Grade:
    """One row of the gradebook."""

    student: str
    status: dict[str, str]
    first_wrong: str = ""
    mistake: str = ""
    problems: list[str] = field(default_factory=list)
    graded: bool = True

    @property
    def right(self) -> int:
        return sum(s == RIGHT for s in self.status.values())

    @property
    def score(self) -> float:
        """Right answers over asked quantities."""
        return self.right / len(self.status) if self.status else 0.0


# -- reading answers ----------------------------------------------------------


def read_answers(path: str | Path, exercise: Exercise) -> tuple[list[Answers], list[str]]:
    """The answers in ``path`` (a CSV or a folder of claims files), and problems of the
    whole file (an unknown column), which are not any one student's."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path, exercise), []
    return _read_csv(path, exercise)


def _resolve(name: str, exercise: Exercise) -> str:
    """The check name of a column or claim; ``ValueError`` if it names nothing of the network."""
    return exercise.quantities.resolve(name)


def _read_csv(path: Path, exercise: Exercise) -> tuple[list[Answers], list[str]]:
    rows = list(csv.reader(io.StringIO(read_text(path))))
    if not rows:
        raise GlassnetError("expected a header row with a student column", source=str(path))
    header = [h.strip() for h in rows[0]]
    normalized = [" ".join(h.lower().split()) for h in header]
    student_column = next((k for k, h in enumerate(normalized) if h in STUDENT_HEADERS), None)
    if student_column is None:
        raise GlassnetError(
            f"expected a column headed {STUDENT_HEADERS[0]!r} (the student ids), got "
            f"{', '.join(repr(h) for h in header) or 'no columns'}",
            source=str(path),
        )
    columns: dict[int, str] = {}
    file_problems = []
    for k, name in enumerate(header):
        if k == student_column or not name:
            continue
        try:
            key = _resolve(name, exercise)
        except ValueError as error:
            file_problems.append(f"column {name!r} ignored: {error}")
            continue
        if key not in exercise.asked:
            file_problems.append(f"column {name!r} ignored: {key} is not asked")
        elif key in columns.values():
            file_problems.append(f"column {name!r} ignored: a second column for {key}")
        else:
            columns[k] = key
    missing = [key for key in exercise.asked if key not in columns.values()]
    answers = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        student = row[student_column].strip() if student_column < len(row) else ""
        entry = Answers(student or f"(row {number})")
        if not student:
            entry.problems.append(f"row {number}: no student id")
        for k, key in columns.items():
            if k < len(row) and row[k].strip():
                entry.values[key] = row[k].strip()
        if missing:
            entry.problems.append(f"no column for {', '.join(missing)}")
        answers.append(entry)
    return answers, file_problems


def _read_folder(folder: Path, exercise: Exercise) -> list[Answers]:
    """Claims files ``<id>.toml``, each with one ``[claims]`` table."""
    answers = []
    for path in sorted(folder.glob("*.toml")):
        entry = Answers(path.stem)
        answers.append(entry)
        try:
            data = read_toml(path)
        except GlassnetError as error:
            entry.problems.append(str(error))
            continue
        claims = data.get("claims")
        if not isinstance(claims, dict):
            entry.problems.append(f"{path}: expected a [claims] table")
            continue
        for name, value in claims.items():
            try:
                key = _resolve(name, exercise)
            except ValueError as error:
                entry.problems.append(f"{name!r} ignored: {error}")
                continue
            if key in exercise.asked:
                entry.values[key] = value
            else:
                entry.problems.append(f"{name!r} ignored: {key} is not asked")
    return answers


# -- grading ------------------------------------------------------------------


def grade_one(exercise: Exercise, variant: Variant, answers: Answers) -> Grade:
    """Check one student's answers on their variant (``glassnet.check``)."""
    status = {key: MISSING for key in exercise.asked}
    problems = list(answers.problems)
    claims = {}
    for key, value in answers.values.items():
        try:
            parse_number(value)
        except ValueError as error:
            status[key] = NOT_A_NUMBER
            problems.append(f"{key}: {error}")
            continue
        claims[key] = value
    grade = Grade(answers.student, status, problems=problems)
    if not claims:
        return grade
    report = check(
        variant.example,
        claims,
        source=f"answers of {answers.student}",
        min_digits=exercise.spec.ask.digits,
    )
    for verdict in report.verdicts:
        status[verdict.claim.key] = (
            RIGHT if verdict.agrees else COARSE if not verdict.judged else WRONG
        )
    grade.first_wrong = report.first_wrong or ""
    grade.mistake = mistake_name(report)
    return grade


def mistake_name(report: Report) -> str:
    """The catalogue's description of the diagnosed mistake (two joined by ``and``; rival
    diagnoses by ``or``), or ``""`` when none reproduces the wrong answers."""
    names = [" and ".join(m.description for m in d.mistakes) for d in report.diagnoses]
    return " or ".join(dict.fromkeys(names))


def grade_class(exercise: Exercise, variants: list[Variant], answers: list[Answers]) -> list[Grade]:
    """One grade per student of the roster (in its order), then one per unknown student."""
    by_student: dict[str, Answers] = {}
    extra: list[Grade] = []
    for entry in answers:
        if entry.student in by_student:
            extra.append(_bad(entry, "answers given twice; the first ones are graded", exercise))
        elif entry.student not in exercise.spec.students:
            extra.append(_bad(entry, "not on the roster", exercise))
        else:
            by_student[entry.student] = entry
    grades = []
    for variant in variants:
        entry = by_student.get(variant.student, Answers(variant.student))
        grades.append(grade_one(exercise, variant, entry))
    return grades + extra


def _bad(entry: Answers, why: str, exercise: Exercise) -> Grade:
    status = {key: MISSING for key in exercise.asked}
    return Grade(entry.student, status, problems=[f"{entry.student!r}: {why}"], graded=False)


def gradebook_csv(grades: list[Grade], asked: list[str]) -> str:
    """``student,score,first_wrong,mistake,KEY…,problems``: one row per grade."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "score", "first_wrong", "mistake", *asked, "problems"])
    for g in grades:
        score = format(g.score, ".4g") if g.graded else ""
        writer.writerow(
            [g.student, score, g.first_wrong, g.mistake, *(g.status[k] for k in asked),
             "; ".join(g.problems)]
        )  # fmt: skip
    return out.getvalue()
