"""docs/exercises.md's worked example runs as written and prints what the page shows."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from glassnet.cli import main

DOC = (Path(__file__).resolve().parents[2] / "docs" / "exercises.md").read_text(encoding="utf-8")


def block(language: str, start: str) -> str:
    (found,) = [
        b
        for b in re.findall(rf"^```{language}\n(.*?)^```", DOC, flags=re.S | re.M)
        if b.startswith(start)
    ]
    return found


def test_the_worked_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "spec.toml").write_text(block("toml", 'title = "Homework 3'))
    (tmp_path / "roster.csv").write_text(block("csv", "student\nada"))
    (tmp_path / "answers.csv").write_text(block("csv", "student,net_h1"))
    out = tmp_path / "hw3"
    assert main(["exercises", str(tmp_path / "spec.toml"), "-o", str(out)]) == 0
    assert "30 files in" in capsys.readouterr().out and "writes 30 files" in DOC
    assert (out / "variants" / "ada.toml").read_text() == block("toml", "# Homework 3")
    (line,) = [ln for ln in DOC.splitlines() if ln.startswith("δ_o1 = {1:NUMERICAL:")]
    assert f"<li>{line}</li>" in (out / "moodle.xml").read_text()
    book = tmp_path / "gradebook.csv"
    assert (
        main(["grade", str(tmp_path / "spec.toml"), str(tmp_path / "answers.csv"), "-o", str(book)])
        == 0
    )
    rows = list(csv.reader(io.StringIO(book.read_text())))
    shown = list(csv.reader(io.StringIO(block("csv", "student,score"))))
    assert [r[:4] for r in rows] == [r[:4] for r in shown]
    assert [(r[4], r[5], r[-2]) for r in rows[1:]] == [(r[4], r[5], r[-2]) for r in shown[1:]]
    summary = (tmp_path / "summary.md").read_text()
    assert "| hidden deltas computed with the already-updated next-layer weights | 1 |" in summary
