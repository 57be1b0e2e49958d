"""``glassnet exercises``: every answer is the value ``glassnet explain`` gives the variant.

Three classes of 30 (``conftest.SPECS``): the answer key, every Moodle Cloze blank and every
GIFT answer are compared with ``glassnet explain variants/<id>.toml --format json``'s
``values``, run in-process on the written file; the outputs are byte-identical on a rerun; the
variants are distinct and well-posed; a new student changes no one else's variant.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from exercise_specs import SPECS
from glassnet.claims import Quantities, agreement, at_precision, parse_number
from glassnet.cli import main
from glassnet.example import read_example
from glassnet.teach.latex import at_digits, compile_pdf
from glassnet.teach.qti import template
from glassnet.teach.questions import questions
from glassnet.teach.spec import read_spec
from glassnet.teach.variants import Exercise, fingerprint, problems, student_seed
from glassnet.teach.variants import Variant as StudentVariant

FORMATS: list[str] = []  # every format
# Moodle's Cloze NUMERICAL blank: =value:tolerance#feedback with } # ~ / " \ escaped.
BLANK = re.compile(
    r'\{1:NUMERICAL:=(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)#((?:[^\\{}#~/"]|\\[\\}#~/"])*)\}'
)


def generate(spec: Path, out: Path, *extra: str) -> None:
    assert main(["exercises", str(spec), "-o", str(out), *FORMATS, *extra]) == 0


@pytest.fixture(scope="module")
def classes(specs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {}
    for name, spec in specs.items():
        out = tmp_path_factory.mktemp(name)
        generate(spec, out)
        folders[name] = out
    return folders


def explained(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    """``glassnet explain PATH --format json``'s values, run in-process."""
    capsys.readouterr()
    assert main(["explain", str(path), "--format", "json"]) == 0
    values: dict[str, float] = json.loads(capsys.readouterr().out)["values"]
    return values


def answer_key(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "answer-key.csv").read_text())))


@pytest.mark.parametrize("name", ["mazur", "softmax", "batch"])
def test_every_answer_is_explains_value(
    name: str, classes: dict[str, Path], specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = classes[name]
    spec = read_spec(specs[name])
    asked = Exercise(spec).asked
    key_rows = {row["student"]: row for row in answer_key(out)}
    assert list(key_rows) == spec.students == [str(k) for k in range(1, 31)]
    moodle = moodle_answers(out / "moodle.xml")
    gift = gift_answers(out / "gift.txt")
    for student in spec.students:
        values = explained(out / "variants" / f"{student}.toml", capsys)
        canvas = canvas_answers(out / "canvas" / f"{student}.zip")
        for number, key in enumerate(asked):
            exact = values[key]
            assert float(key_rows[student][key]) == exact, (student, key)
            low, equal, high = canvas[number]
            assert float(equal) == exact and equal == moodle[student][number][0]
            assert (float(low), float(high)) == (
                exact - float(tol_of(moodle, student, number)),
                exact + float(tol_of(moodle, student, number)),
            )
            value, tol, feedback = moodle[student][number]
            assert float(value) == exact, (student, key)
            assert float(gift[student][key][0]) == exact
            assert gift[student][key][1] == tol
            # The tolerance accepts every answer at the asked precision, rounded or truncated.
            digits = spec.ask.digits
            written = parse_number(at_precision(exact, digits - 1 - _exponent(exact)))
            assert agreement(exact, written) and abs(float(written.value) - exact) <= float(tol)
            if spec.ask.tolerance is None:
                assert float(tol) == 10.0 ** (_exponent(exact) - digits + 1)
            else:
                assert float(tol) == pytest.approx(abs(exact) * spec.ask.tolerance, rel=1e-15)
            # The feedback is the explanation's step with the numbers: it ends in the value.
            assert feedback.replace("\\/", "/").split(" = ")[-1].split(" ")[0] == _nine(exact)


def tol_of(moodle: dict[str, list[tuple[str, str, str]]], student: str, number: int) -> str:
    return moodle[student][number][1]


BOUNDS = ("vargte", "varequal", "varlte")


def canvas_answers(path: Path) -> list[tuple[str, str, str]]:
    """Each numerical question's lower bound, exact value and upper bound, in order."""
    with zipfile.ZipFile(path) as package:
        name = next(n for n in package.namelist() if re.fullmatch(r"(\w+)/\1\.xml", n))
        root = etree.fromstring(package.read(name))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    found = []
    for item in root.iterfind(".//q:item", ns):
        kind = item.find(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", ns)
        assert kind is not None and kind.text == "numerical_question"
        bounds = [item.findtext(f".//q:{tag}", namespaces=ns) for tag in BOUNDS]
        assert all(isinstance(b, str) for b in bounds)
        found.append((str(bounds[0]), str(bounds[1]), str(bounds[2])))
    return found


def test_canvas_is_what_text2qti_writes(
    classes: dict[str, Path], specs: dict[str, Path], tmp_path: Path
) -> None:
    """text2qti's own command on the template gives the same package, but for what is set per
    student: title, description, feedback, the answer bounds and the identifiers."""
    spec = read_spec(specs["softmax"])
    exercise = Exercise(spec)
    variant = exercise.draw_class()[0]
    labels = [q.label for q in questions(variant, exercise.asked, spec.ask)]
    (tmp_path / "quiz.txt").write_text(template(spec, labels))
    subprocess.run(
        [sys.executable, "-c", "from text2qti.cmdline import main; main()", "quiz.txt"],
        cwd=tmp_path,
        check=True,
    )

    def normalized(path: Path) -> list[tuple[str, str]]:
        with zipfile.ZipFile(path) as package:
            members = [(n, package.read(n).decode()) for n in package.namelist()]
        subs = [
            (r"[0-9a-f]{64}", "ID"),
            (r'(<var(?:equal|gte|lte) respident="response1">)[^<]*', r"\1N"),
            (r"<title>[^<]*</title>", "<title/>"),
            (r'(<assessment ident="\w+" title=")[^"]*', r"\1T"),
            (
                r"<description>.*?</description>",
                "<description/>",
            ),
            (r'<mattext texttype="text/html">(?!&lt;p&gt;What is)[^<]*</mattext>', "<feedback/>"),
        ]
        result = []
        for name, text in members:
            for pattern, replacement in subs:
                text = re.sub(pattern, replacement, text, flags=re.S)
            result.append((re.sub(r"[0-9a-f]{64}", "ID", name), text))
        return result

    ours = normalized(classes["softmax"] / "canvas" / f"{variant.student}.zip")
    assert ours == normalized(tmp_path / "quiz.zip")
    with zipfile.ZipFile(classes["softmax"] / "canvas" / f"{variant.student}.zip") as package:
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in package.infolist())


def _exponent(value: float) -> int:
    return parse_number(repr(abs(value))).value.adjusted()


def _nine(value: float) -> str:
    from glassnet.render.text import format_number

    return format_number(value, 9)


def moodle_answers(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Per student (the question's idnumber), each blank's value, tolerance and feedback."""
    root = etree.parse(str(path)).getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    assert questions[0].findtext("category/text").startswith("$course$/top/")
    found = {}
    for question in questions[1:]:
        assert question.get("type") == "cloze"
        text = question.findtext("questiontext/text")
        # Every { opens a well-formed blank: nothing else in the text looks like one.
        blanks = BLANK.findall(text)
        assert text.count("{1:") == len(blanks) == text.count("{")
        found[question.findtext("idnumber")] = blanks
    return found


def gift_answers(path: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """Per student (the category), each question's key, value and tolerance."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    student = ""
    for line in path.read_text().splitlines():
        if line.startswith("$CATEGORY: "):
            student = line.rsplit("/", 1)[1]
            found[student] = {}
        elif line.startswith("::"):
            match = re.fullmatch(r"::(\S+) \d+ (.+?)::.* \{#(-?[\d.]+):([\d.]+)\}", line)
            assert match and match[1] == student
            key = match[2].replace("\\", "")
            found[student][key] = (match[3], match[4])
    return found


@pytest.mark.parametrize("name", ["mazur", "softmax", "batch"])
def test_variants_distinct_and_well_posed(
    name: str, classes: dict[str, Path], specs: dict[str, Path]
) -> None:
    spec = read_spec(specs[name])
    asked = Exercise(spec).asked
    seen = set()
    for student in spec.students:
        example = read_example(classes[name] / "variants" / f"{student}.toml")
        variant = StudentVariant(student, example, 0, Quantities(example))
        assert problems(variant, asked, spec.ask) == []
        seen.add(fingerprint(example))
    assert len(seen) == len(spec.students)


def test_rerun_is_byte_identical(
    classes: dict[str, Path], specs: dict[str, Path], tmp_path: Path
) -> None:
    generate(specs["batch"], tmp_path)
    first = {
        p.relative_to(classes["batch"]): p.read_bytes()
        for p in classes["batch"].rglob("*")
        if p.is_file()
    }
    again = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first.keys() == again.keys() and first == again


def test_a_new_student_changes_no_one_else(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("ada\nbob\ncyd\n")
    (tmp_path / "b.csv").write_text("zed\nada\nnew\ncyd\nbob\n")
    base = '[ask]\nquantities = ["forward", "w5+"]\nseed = 3\n'
    for roster in ("a", "b"):
        (tmp_path / f"{roster}.toml").write_text(
            f'seed = 3\nstudents = "{roster}.csv"\n[ask]\nquantities = ["forward", "w5+"]\n'
        )
        generate(tmp_path / f"{roster}.toml", tmp_path / roster)
    del base
    for student in ("ada", "bob", "cyd"):
        a = (tmp_path / "a" / "variants" / f"{student}.toml").read_bytes()
        assert a == (tmp_path / "b" / "variants" / f"{student}.toml").read_bytes()
    assert (tmp_path / "a/variants/ada.toml").read_bytes() != (
        tmp_path / "a/variants/bob.toml"
    ).read_bytes()


def test_the_seed_changes_every_variant() -> None:
    assert student_seed(1, "ada") != student_seed(2, "ada") != student_seed(1, "ada", 1)
    assert student_seed(1, "ada") == student_seed(1, "ada")
    assert student_seed(1, "ada") < 2**128


@pytest.mark.parametrize("name", ["mazur", "batch"])
def test_latex_answer_key_and_solutions(
    name: str, classes: dict[str, Path], specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every cell of the LaTeX answer key, and every solution's answer, is explain's value at
    the asked digits."""
    out = classes[name]
    spec = read_spec(specs[name])
    asked = Exercise(spec).asked
    tables = (out / "latex" / "answer-key.tex").read_text().split(r"\begin{longtable}")[1:]
    cells: dict[str, list[str]] = {s: [] for s in spec.students}
    for table in tables:
        for line in table.split(r"\endhead")[1].split(r"\end{longtable}")[0].strip().splitlines():
            student, *values = line.removesuffix(r" \\").split(" & ")
            cells[student] += [v.strip("$") for v in values]
    for student in spec.students[:10]:
        values = explained(out / "variants" / f"{student}.toml", capsys)
        expected = [at_digits(values[k], spec.ask.digits) for k in asked]
        assert cells[student] == expected
        for key, text in zip(asked, expected, strict=True):
            assert float(text) == pytest.approx(values[key], rel=10.0 ** (1 - spec.ask.digits))
        sheet = (out / "latex" / f"{student}-questions.tex").read_text()
        assert sheet.count(r"\rule{5cm}") == len(asked)
        worked = (out / "latex" / f"{student}-solution.tex").read_text()
        answers = worked.split("The answers")[1]
        assert [
            row.split(" & ")[1].split("$")[1] for row in answers.splitlines() if " & " in row
        ] == expected


def test_pdfs_compile(tmp_path: Path) -> None:
    """A class of two: question sheets, solutions and the answer key compile with pdflatex,
    and compile again to the same bytes."""
    spec = tmp_path / "spec.toml"
    spec.write_text(SPECS["softmax"].replace("count = 30", "count = 2"))
    assert (
        main(["exercises", str(spec), "-o", str(tmp_path / "out"), "--format", "latex", "--pdf"])
        == 0
    )
    pdfs = sorted(p.name for p in (tmp_path / "out" / "latex").glob("*.pdf"))
    assert pdfs == [
        "1-questions.pdf",
        "1-solution.pdf",
        "2-questions.pdf",
        "2-solution.pdf",
        "answer-key.pdf",
    ]
    first = (tmp_path / "out" / "latex" / "answer-key.pdf").read_bytes()
    assert first.startswith(b"%PDF")
    assert compile_pdf(tmp_path / "out" / "latex" / "answer-key.tex").read_bytes() == first
    assert not list((tmp_path / "out" / "latex").glob("*.log"))


def test_equal_by_structure_or_by_a_given_one(tmp_path: Path) -> None:
    """E_total = E_o1 with one output is the network's structure: not degenerate. An input
    of exactly 1 makes ∂E/∂w1 = δ_h1 to the last digit, by chance: degenerate."""
    path = tmp_path / "spec.toml"
    path.write_text(
        'seed = 4\ncount = 1\n[network]\nshape = "2-2-1"\n'
        '[ask]\nquantities = ["E_o1", "E_total", "delta_h1", "dE/dw1"]\n'
    )
    spec = read_spec(path)
    exercise = Exercise(spec)
    variant = exercise.draw_class()[0]
    values = variant.values(exercise.asked)
    assert values["E_o1"] == values["E_total"]
    assert problems(variant, exercise.asked, spec.ask) == []
    example = variant.example
    example.inputs[0, 0] = 1.0
    ones = StudentVariant("1", example, 0, Quantities(example))
    assert ones.values(["delta_h1"]) == {"delta_h1": ones.values(["dE/dw1"])["dE/dw1"]}
    found = problems(ones, exercise.asked, spec.ask)
    assert len(found) == 1 and found[0].startswith("delta_h1 and dE/dw1 are both ")
