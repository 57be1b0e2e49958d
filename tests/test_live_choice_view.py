"""A switched activation or loss on the live page: no formula shown with another choice's numbers.

The steps were written by Python for the file's activations and loss. After a switch the
generated step computes the new choice's values, but the formulas (``σ(net) = 1/(1+e^-net)``)
are the file's: the page hides every formula and numbers part outside *Given*, hides the
steps the new choice does not have, names the new activations and loss in the header, and
says why; switching back shows everything again.

Run alone with ``python -m pytest tests/test_live_choice_view.py -m browser``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glassnet.cli import main
from test_browser import Watched, launched, window

pytestmark = pytest.mark.browser

#: What the page shows of its steps: per visible step of *Every step*, the key, whether a
#: part other than the left-hand side and the value is visible, and the value's text.
VISIBLE = """() => {
  const root = document.querySelector('.glassnet');
  const seen = el => el.checkVisibility({visibilityProperty: true});
  return {
    switched: root.classList.contains('gn-switched'),
    note: seen(root.querySelector('.gn-switch-note')),
    header: root.querySelector('.gn-network').textContent,
    steps: Array.from(root.querySelectorAll('.gn-all .gn-block:not(.gn-given) li.gn-step'))
      .filter(seen)
      .map(li => [
        li.dataset.key,
        Array.from(li.querySelectorAll('.gn-eq > .gn-part:not(:first-child):not(.gn-value)'))
          .some(seen),
        li.querySelector('.gn-value') ? li.querySelector('.gn-value').textContent : null,
      ]),
  };
}"""


@pytest.fixture(scope="module")
def context() -> Iterator[Any]:
    with launched() as chromium, window(chromium, 1280, 800) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def mazur(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("choice") / "mazur.html"
    assert main(["explain", "mazur", "--format", "html", "-o", str(path)]) == 0
    return path


def test_a_switch_hides_the_files_formulas_and_says_so(context: Any, mazur: Path) -> None:
    page = Watched(context, mazur)
    before = page.page.evaluate(VISIBLE)
    assert not before["switched"] and not before["note"]
    assert "hidden layer sigmoid, output layer sigmoid; loss half_sse" in before["header"]
    assert sum(formula for _, formula, _ in before["steps"]) > 40

    assert page.page.evaluate(
        "() => window.glassnetViews.gn.load("
        "'act2=softmax&loss=cross_entropy&target_o1=0.25&target_o2=0.75')"
    )
    after = page.page.evaluate(VISIBLE)
    assert after["switched"] and after["note"]
    assert "hidden layer sigmoid, output layer softmax; loss cross_entropy" in after["header"]
    keys = [key for key, _, _ in after["steps"]]
    # No formula anywhere, and no step the softmax output does not have (its dout/dnet).
    assert not any(formula for _, formula, _ in after["steps"])
    assert "dout_o1/dnet_o1" not in keys and "net_h1" in keys and "w5+" in keys
    values = page.page.evaluate("() => window.glassnetViews.gn.values")
    assert "dout_o1/dnet_o1" not in values
    assert page.page.evaluate("() => window.glassnetViews.gn.load('')")
    again = page.page.evaluate(VISIBLE)
    assert again == before
    page.assert_clean()
