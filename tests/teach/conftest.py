"""The three classes of the teacher's tests: 30 students each, drawn once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from exercise_specs import SPECS


def write_spec(folder: Path, name: str, text: str | None = None) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SPECS[name] if text is None else text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("specs")
    return {name: write_spec(folder, name) for name in SPECS}
