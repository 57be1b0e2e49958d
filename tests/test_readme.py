"""The README and the docs say what the commands do: examples that run as written."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from glassnet.cli import main
from shared import MNIST

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "docs").glob("*.md")}


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def claims_example() -> str:
    (block,) = [b for b in code_blocks(README, "toml") if b.startswith("[claims]")]
    return block


def test_the_claims_example_agrees_as_the_text_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    homework = tmp_path / "homework.toml"
    homework.write_text(claims_example(), encoding="utf-8")
    assert main(["check", "mazur", str(homework)]) == 0
    out = capsys.readouterr().out
    assert "Every claim agrees at the precision it was written with." in out
    assert "Saved as `homework.toml`, these four claims all agree" in README
    assert len(tomllib.loads(claims_example())["claims"]) == 4
    # The change the text suggests makes that claim the first wrong step.
    assert '(say `"w5+" = "0.35992"`)' in README
    homework.write_text(claims_example().replace('"0.35892"', '"0.35992"'), encoding="utf-8")
    assert main(["check", "mazur", str(homework)]) == 1
    (line,) = [x for x in capsys.readouterr().out.splitlines() if "w5+" in x]
    assert "FIRST WRONG STEP" in line


def test_the_mnist_commands_read_the_data_where_it_is() -> None:
    # Every MNIST path of the README, relative to the repository root, is the shared copy
    # that the recipes (relative to their own folder) and the tests read.
    paths = set(re.findall(r"[\w./-]*mnist(?=[\"' ])", README.replace("recipes/mnist.toml", "")))
    paths = {p for p in paths if "/" in p and not p.startswith("runs/")}
    assert paths == {"../shared/data/mnist"}
    assert (ROOT / "../shared/data/mnist").resolve() == MNIST.resolve()
    for recipe in ("mnist", "fashion-mnist"):
        text = (ROOT / "recipes" / f"{recipe}.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)["data"]
        for split in ("train", "test"):
            folder = (ROOT / "recipes" / data[split]["path"]).resolve()
            assert folder == (ROOT / f"../shared/data/{recipe}").resolve()
        # The fetch command in the recipe's comment writes to that folder.
        (fetch,) = re.findall(r"^#\s+glassnet data fetch \S+ --to (\S+)", text, flags=re.M)
        assert (ROOT / fetch).resolve() == (ROOT / f"../shared/data/{recipe}").resolve()


def test_predict_input_is_described() -> None:
    assert "`new.csv` holds the images to classify, one per line: 784 raw pixel values" in README
    # The command that writes new.csv comes before the command that reads it.
    (block,) = [b for b in code_blocks(README, "bash") if "glassnet predict" in b]
    assert block.index("np.savetxt('new.csv'") < block.index("glassnet predict")


def test_commands_of_a_block_write_different_files() -> None:
    for block in code_blocks(README, "bash"):
        outputs = re.findall(r"^\S.*?(?:-o|--to) (\S+)", block, flags=re.M)
        assert len(outputs) == len(set(outputs)), outputs


def test_paths_the_readme_names_exist() -> None:
    spans = re.findall(r"`([\w./-]+)`", README)
    paths = [s for s in spans if re.match(r"(src|docs|recipes|tests|benchmarks|scripts)/", s)]
    assert "src/glassnet/trace.py" in paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_the_screenshot_command_says_what_it_needs() -> None:
    i = README.index("To make the screenshot again")
    assert "pytest" in README[i : i + 300]
    assert "import pytest" in (ROOT / "tests" / "test_browser.py").read_text(encoding="utf-8")


def resolve(dotted: str) -> object:
    """The module or attribute a dotted name such as ``glassnet.render.text.render_text`` is."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            found: ModuleType | object = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attribute in parts[k:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


@pytest.mark.parametrize("name", ["README.md", *sorted(DOCS)])
def test_every_glassnet_name_in_the_docs_exists(name: str) -> None:
    text = README if name == "README.md" else DOCS[name]
    for dotted in re.findall(r"`(glassnet(?:\.\w+)+)", text):
        resolve(dotted)  # raises for a name that does not exist


def test_the_terminal_excerpt_is_what_explain_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # as piped: 80 columns
    (excerpt,) = [b for b in code_blocks(README, "text") if "w5: h1 → o1" in b]
    assert main(["explain", "mazur"]) == 0
    shown = capsys.readouterr().out
    for part in excerpt.split("...\n"):
        assert part in shown, part
