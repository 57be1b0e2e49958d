"""PrairieLearn's server.py run in-process with a PrairieLearn-shaped ``data``, and the
Gradescope autograder run in a temporary root, on the class of Mazur's network."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lxml import html as lxml_html

from exercise_specs import SPECS
from glassnet.claims import at_precision, parse_number
from glassnet.cli import main
from glassnet.engine import Variant
from glassnet.teach.example_file import example_toml
from glassnet.teach.prairielearn import answer_name
from glassnet.teach.spec import read_spec
from glassnet.teach.variants import Exercise


def written(value: float, digits: int) -> str:
    return at_precision(value, digits - 1 - parse_number(repr(abs(value))).value.adjusted())


@pytest.fixture(scope="module")
def out(specs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("platforms")
    args = ["--format", "prairielearn", "--format", "gradescope"]
    assert main(["exercises", str(specs["mazur"]), "-o", str(folder), *args]) == 0
    return folder


def server(out: Path) -> ModuleType:
    path = out / "prairielearn" / "mazur-s-network" / "server.py"
    spec = importlib.util.spec_from_file_location("pl_server", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pl_data(seed: int) -> dict[str, Any]:
    """What PrairieLearn passes to ``generate``."""
    return {"params": {}, "correct_answers": {}, "variant_seed": seed, "options": {}}


def explained(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    capsys.readouterr()
    assert main(["explain", str(path), "--format", "json"]) == 0
    values: dict[str, float] = json.loads(capsys.readouterr().out)["values"]
    return values


def test_prairielearn_folder(out: Path, specs: dict[str, Path]) -> None:
    folder = out / "prairielearn" / "mazur-s-network"
    info = json.loads((folder / "info.json").read_text())
    assert info["type"] == "v3" and info["title"] == "Mazur's network" and len(info["uuid"]) == 36
    asked = Exercise(read_spec(specs["mazur"])).asked
    inputs = lxml_html.fromstring((folder / "question.html").read_text()).findall(
        ".//pl-number-input"
    )
    assert [i.get("answers-name") for i in inputs] == [
        answer_name(k) for k in range(1, len(asked) + 1)
    ]
    assert {(i.get("comparison"), i.get("digits")) for i in inputs} == {("sigfig", "4")}


@pytest.mark.parametrize("seed", [1, 987654321])
def test_prairielearn_generate_and_grade(
    out: Path, specs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    module = server(out)
    data = pl_data(seed)
    module.generate(data)
    exercise = Exercise(read_spec(specs["mazur"]))
    variant = exercise.variant(f"pl{seed}")
    path = tmp_path / "variant.toml"
    path.write_text(example_toml(variant.example))
    values = explained(path, capsys)
    expected = {answer_name(k): values[key] for k, key in enumerate(exercise.asked, 1)}
    assert data["correct_answers"] == expected
    assert "w1 = " in data["params"]["given"]
    # grading: right answers, then Hill's σ'(out) mistake, as typed
    right = {name: written(value, 4) for name, value in expected.items()}
    data.update(raw_submitted_answers=right, submitted_answers={}, partial_scores={}, feedback={})
    module.grade(data)
    assert data["feedback"]["glassnet"] == "Every answer given agrees with the exact value."
    hill = variant.quantities.values(exercise.asked, Variant(derivative_at_output=True))
    typed = {answer_name(k): written(hill[key], 4) for k, key in enumerate(exercise.asked, 1)}
    data.update(raw_submitted_answers=typed, feedback={})
    module.grade(data)
    text = data["feedback"]["glassnet"]
    assert text.startswith("The first wrong step is ") and "evaluated at the output" in text


def autograde(
    out: Path, root: Path, answers: str | None, metadata: dict[str, Any]
) -> dict[str, Any]:
    """Gradescope's layout in ``root``, then ``run_autograder`` as Gradescope runs it."""
    shutil.copytree(out / "gradescope", root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    if answers is not None:
        (root / "submission" / "answers.toml").write_text(answers)
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = dict(os.environ, AUTOGRADER_ROOT=str(root))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    subprocess.run(["bash", str(root / "run_autograder")], env=env, check=True)
    results: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    return results


def test_gradescope_autograder(out: Path, specs: dict[str, Path], tmp_path: Path) -> None:
    exercise = Exercise(read_spec(specs["mazur"]))
    variant = exercise.draw_class()[6]  # student 7, found by the e-mail's local part
    mistaken = variant.quantities.values(exercise.asked, Variant(hidden_deltas_after_update=True))
    claims = "".join(f'"{k}" = "{written(v, 4)}"\n' for k, v in mistaken.items())
    metadata = {"users": [{"email": "7@uni.edu", "sid": "", "name": "Seven"}]}
    results = autograde(out, tmp_path, "[claims]\n" + claims, metadata)
    assert [t["name"] for t in results["tests"]] == exercise.asked
    statuses = {t["name"]: t["output"] for t in results["tests"]}
    assert (
        results["score"]
        == sum(t["score"] for t in results["tests"])
        == list(statuses.values()).count("right")
    )
    assert all(
        t["max_score"] == 1 and t["status"] in ("passed", "failed") for t in results["tests"]
    )
    first = next(k for k in exercise.asked if statuses[k] == "wrong")
    assert f"The first wrong step is {first}." in results["output"]
    assert "already-updated next-layer weights" in results["output"]
    assert results["output"].startswith("Student 7.")


def test_gradescope_without_answers(out: Path, tmp_path: Path) -> None:
    results = autograde(out, tmp_path, None, {"users": [{"sid": "3"}]})
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("No answers.toml in the submission")


def test_gradescope_unknown_student(out: Path, tmp_path: Path) -> None:
    results = autograde(out, tmp_path, '[claims]\nnet_h1 = "0.5"\n', {"users": [{"sid": "x9"}]})
    assert results["score"] == 0
    assert "No variant for this submission (ids tried: 'x9')" in results["output"]


def test_without_text2qti_every_other_format_is_written(
    specs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "text2qti", None)  # as if the teach extra were missing
    spec = tmp_path / "spec.toml"
    spec.write_text(SPECS["mazur"].replace("count = 30", "count = 2"))
    assert main(["exercises", str(spec), "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    missing = "the Canvas format needs text2qti: pip install 'glassnet[teach]'"
    assert err == f"glassnet: canvas/ skipped: {missing}\n"
    assert not (tmp_path / "a" / "canvas").exists() and (tmp_path / "a" / "moodle.xml").exists()
    assert main(["exercises", str(spec), "-o", str(tmp_path / "b"), "--format", "canvas"]) == 2
    assert capsys.readouterr().err == (
        "glassnet: error: the Canvas format needs text2qti: pip install 'glassnet[teach]'\n"
    )
