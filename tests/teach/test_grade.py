"""``glassnet grade`` on a simulated class: each injected mistake is named for its students.

The answers are computed by the engine itself, with the catalogue's switches
(``glassnet.engine.Variant``) for the mistakes, and written at the asked digits
as a course platform would export them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from glassnet.claims import at_precision, parse_number
from glassnet.cli import main
from glassnet.engine import EXACT, Variant
from glassnet.teach.spec import read_spec
from glassnet.teach.variants import Exercise

#: (students, how they worked, the words of check's mistake catalogue that must name it)
MISTAKES = {
    "hill": (Variant(derivative_at_output=True), "derivative evaluated at the output"),
    "mazur": (Variant(hidden_deltas_after_update=True), "already-updated next-layer weights"),
    "half": (Variant(gradient_scale=2.0), "the ½ of the loss dropped"),
}


def written(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, in positional notation."""
    return at_precision(value, digits - 1 - parse_number(repr(abs(value))).value.adjusted())


def simulated_class(spec_path: Path) -> tuple[str, dict[str, str], list[str]]:
    """The CSV of a class of 30, what each student did, and the asked keys.

    Students 1-8 are right, 9-11 coarse (2 digits), 12-15 Hill's σ'(out), 16-19 Mazur's
    immediate update, 20-23 a ½ dropped from the loss, 24-30 one slip each.
    """
    spec = read_spec(spec_path)
    exercise = Exercise(spec)
    asked = exercise.asked
    digits = spec.ask.digits
    did: dict[str, str] = {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Student", *asked])
    for variant in exercise.draw_class():
        number = int(variant.student)
        kind = (
            "right" if number <= 8 else "coarse" if number <= 11 else "hill" if number <= 15
            else "mazur" if number <= 19 else "half" if number <= 23 else "slip"
        )  # fmt: skip
        did[variant.student] = kind
        engine = MISTAKES[kind][0] if kind in MISTAKES else EXACT
        values = variant.quantities.values(asked, engine)
        row = [written(values[k], 2 if kind == "coarse" else digits) for k in asked]
        if kind == "slip":
            # one value mistyped: its digits after the first reversed, or its sign flipped
            k = number % len(asked)
            slipped = row[k].lstrip("-")
            row[k] = "-" + row[k] if slipped == row[k] else slipped
            did[variant.student] = f"slip {asked[k]}"
        writer.writerow([variant.student, *row])
    return out.getvalue(), did, asked


def read_gradebook(path: Path) -> dict[str, dict[str, str]]:
    return {row["student"]: row for row in csv.DictReader(io.StringIO(path.read_text()))}


@pytest.mark.parametrize("name", ["mazur", "batch"])
def test_grade_names_each_mistake(
    name: str, specs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, did, asked = simulated_class(specs[name])
    answers = tmp_path / "answers.csv"
    answers.write_text(text)
    book = tmp_path / "gradebook.csv"
    assert main(["grade", str(specs[name]), str(answers), "-o", str(book)]) == 0
    assert capsys.readouterr().err == ""
    rows = read_gradebook(book)
    header = book.read_text().splitlines()[0].split(",")
    assert header == ["student", "score", "first_wrong", "mistake", *asked, "problems"]
    assert list(rows) == [str(k) for k in range(1, 31)]
    for student, kind in did.items():
        row = rows[student]
        statuses = [row[k] for k in asked]
        if kind == "right":
            assert (row["score"], row["first_wrong"], row["mistake"]) == ("1", "", "")
            assert set(statuses) == {"right"}
        elif kind == "coarse":
            assert row["score"] == "0" and set(statuses) == {"too coarse"}
        elif kind in MISTAKES:
            assert MISTAKES[kind][1] in row["mistake"], (student, row)
            assert row["first_wrong"] == next(k for k in asked if row[k] == "wrong")
            assert row["score"] == format(statuses.count("right") / len(asked), ".4g")
            assert "wrong" in statuses
        else:
            slipped = kind.split(" ", 1)[1]
            assert row["first_wrong"] == slipped and row[slipped] == "wrong"
            assert statuses.count("wrong") == 1
            assert row["score"] == format((len(asked) - 1) / len(asked), ".4g")
    summary = (tmp_path / "summary.md").read_text()
    for kind in MISTAKES:
        students = sum(1 for d in did.values() if d == kind)
        line = next(ln for ln in summary.splitlines() if MISTAKES[kind][1] in ln)
        assert line.endswith(f"| {students} |")
    assert (tmp_path / "summary.png").read_bytes().startswith(b"\x89PNG")


def test_bad_rows_do_not_stop_the_others(
    specs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, _, asked = simulated_class(specs["mazur"])
    lines = text.splitlines()[:4]  # the header and students 1-3, who are right; 4-30 answer nothing
    cells = lines[2].split(",")  # student 2, right
    cells[3] = "about 0.5"
    lines[2] = ",".join(cells)
    lines.append(",".join(["zed", *lines[1].split(",")[1:]]))  # not on the roster
    lines.append(lines[1])  # student 1 twice
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n")
    book = tmp_path / "gradebook.csv"
    assert main(["grade", str(specs["mazur"]), str(answers), "-o", str(book)]) == 1
    err = capsys.readouterr().err.splitlines()
    rows = read_gradebook(book)
    assert rows["2"][asked[2]] == "not a number" and rows["2"]["score"] == format(
        (len(asked) - 1) / len(asked), ".4g"
    )
    assert f"{asked[2]}: expected a number, got the string 'about 0.5'" in rows["2"]["problems"]
    assert rows["zed"]["score"] == "" and "'zed': not on the roster" in rows["zed"]["problems"]
    listed = list(csv.DictReader(io.StringIO(book.read_text())))
    ones = [row for row in listed if row["student"] == "1"]
    assert ones[0]["score"] == "1" and ones[0]["problems"] == ""  # the first answers, graded
    assert ones[1]["score"] == "" and "answers given twice" in ones[1]["problems"]
    assert [row["student"] for row in listed] == [*map(str, range(1, 31)), "zed", "1"]
    assert rows["3"]["score"] == "1"
    assert any(
        line.endswith(f"2: {asked[2]}: expected a number, got the string 'about 0.5'")
        for line in err
    )
    assert any(line.endswith("zed: 'zed': not on the roster") for line in err)
    assert any("answers given twice" in line for line in err)


def test_a_missing_column(
    specs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, _, asked = simulated_class(specs["mazur"])
    rows = [line.split(",") for line in text.splitlines()[:3]]
    dropped = asked[-1]
    answers = tmp_path / "answers.csv"
    answers.write_text("".join(",".join(r[:-1]) + ",extra\n" for r in rows))
    book = tmp_path / "gradebook.csv"
    assert main(["grade", str(specs["mazur"]), str(answers), "-o", str(book)]) == 1
    err = capsys.readouterr().err
    graded = read_gradebook(book)
    assert (
        graded["1"][dropped] == "missing" and f"no column for {dropped}" in graded["1"]["problems"]
    )
    assert graded["1"]["score"] == format((len(asked) - 1) / len(asked), ".4g")
    assert "column 'extra' ignored: unknown quantity 'extra'" in err


def test_a_folder_of_claims_files(specs: dict[str, Path], tmp_path: Path) -> None:
    spec = read_spec(specs["softmax"])
    exercise = Exercise(spec)
    folder = tmp_path / "claims"
    folder.mkdir()
    for variant in exercise.draw_class()[:5]:
        values = variant.quantities.values(exercise.asked, Variant(gradient_scale=0.5))
        claims = "".join(f'"{k}" = "{written(v, 4)}"\n' for k, v in values.items())
        (folder / f"{variant.student}.toml").write_text("[claims]\n" + claims)
    (folder / "6.toml").write_text("[claims\n")
    book = tmp_path / "gradebook.csv"
    assert main(["grade", str(specs["softmax"]), str(folder), "-o", str(book)]) == 1
    rows = read_gradebook(book)
    for student in "12345":
        assert "a ½ added to the loss" in rows[student]["mistake"]
    assert "TOML syntax error" in rows["6"]["problems"] and rows["6"]["score"] == "0"
    assert rows["7"]["score"] == "0" and rows["7"]["problems"] == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed = 1\n", "spec.toml: ask: missing"),
        (
            'seed = 1\nstudents = "r.csv"\n[ask]\nquantities = ["w5+"]\n',
            "r.csv: row 1: a student id",
        ),
    ],
)
def test_a_malformed_spec_or_roster_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    (tmp_path / "r.csv").write_text("bad id\n")
    (tmp_path / "spec.toml").write_text(text)
    (tmp_path / "a.csv").write_text("student\n")
    code = main(
        [
            "grade",
            str(tmp_path / "spec.toml"),
            str(tmp_path / "a.csv"),
            "-o",
            str(tmp_path / "g.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"{tmp_path}/{expected}" in err
    assert not (tmp_path / "g.csv").exists()
