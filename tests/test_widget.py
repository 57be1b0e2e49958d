"""The Jupyter widget (``glassnet.widget.LiveView``) on the Python side: the page it sends,
the edits it gets back (``fragment``) and the example they make; without the extra, a hint.

``view.example`` is ``glassnet.live.apply_fragment(original, fragment)``. These tests watch
that function (``stand_in`` below records its calls) to test the widget's side of the
contract (which example and which text it passes, what it does with the result or the
error); the fragment format itself is glassnet.live's own tests' (tests/test_live.py).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import glassnet
from glassnet import live
from glassnet.errors import GlassnetError
from glassnet.example import Example
from glassnet.examples import load_example
from glassnet.render.html import render_fragment
from glassnet.render.html.page import _asset
from glassnet.widget import LiveView, split_fragment

# Mazur's tutorial (shared/reference/worked-examples.md): w5 = 0.40, dE/dw5 = 0.082167040564231.
MAZUR_W5, MAZUR_GRAD_W5 = 0.40, 0.082167040564231


REAL_APPLY_FRAGMENT = live.apply_fragment


class Spy:
    """``glassnet.live.apply_fragment`` itself, recording every call, so the tests see what
    the widget passed."""

    def __init__(self) -> None:
        self.calls: list[tuple[Example, str]] = []

    def apply_fragment(self, example: Example, text: str) -> Example:
        self.calls.append((example, text))
        return REAL_APPLY_FRAGMENT(example, text)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy()
    monkeypatch.setattr(live, "apply_fragment", spy.apply_fragment)
    # (the widget looks the function up in glassnet.live when it needs it)
    return spy


def sent_messages(view: LiveView) -> list[dict[str, Any]]:
    """Every state update the widget sends to the notebook from now on."""
    messages: list[dict[str, Any]] = []
    view.comm.send = lambda data, buffers=None, **_: messages.append(data)
    return messages


def test_the_page_is_split_into_style_view_and_script() -> None:
    explanation = glassnet.load_example("mazur")
    page = render_fragment(glassnet.explanation.explain_example(explanation))
    parts = split_fragment(page)
    assert parts["css"] == _asset("glassnet.css")
    assert f"<style>{parts['css']}</style>\n{parts['html']}\n<script>{parts['js']}</script>\n" == (
        page
    )
    assert parts["html"].startswith(f'<div class="glassnet" id="{parts["id"]}" ')
    assert parts["html"].endswith("</script></div>")  # its data is inside the view's <div>
    assert f'window.glassnetSteps || {{}})["{parts["id"]}"] = g.step' in parts["js"]
    assert parts["js"].endswith(_asset("glassnet.js"))
    with pytest.raises(RuntimeError, match="not <style>, one <div>, <script>"):
        split_fragment("<div>no style</div>")


def test_the_widget_sends_the_page_of_the_example() -> None:
    example = load_example("mazur")
    view = LiveView(example)
    assert view.original is example and view.example is example and view.fragment == ""
    assert view._css == _asset("glassnet.css")
    assert view._html.startswith(f'<div class="glassnet" id="{view._id}" data-gn-keys="local"')
    assert "0.35891648" in view._html  # w5+, as the engine computes it, in the static view
    assert f'["{view._id}"] = g.step' in view._js
    assert view._esm == _asset("widget.js")
    # Two views have different ids, so two widgets in one notebook do not clash.
    assert LiveView(example)._id != view._id
    # Jupyter shows it as the widget; its text names the example.
    bundle, _ = view._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
    assert bundle["text/plain"] == "LiveView('A Step by Step Backpropagation Example')"


def test_edits_in_the_view_make_the_edited_example(stand_in: Spy) -> None:
    example = load_example("mazur")
    view = LiveView(example)
    # What the notebook does when the view sends its fragment after an edit.
    view.set_state({"fragment": "eta=0.1"})
    assert view.fragment == "eta=0.1"
    edited = view.example
    assert stand_in.calls[-1] == (example, "eta=0.1")  # always from the original
    assert edited.learning_rate == 0.1 and view.original is example
    w5 = edited.step().layers[1].new_weights[0, 0]
    assert w5 == pytest.approx(MAZUR_W5 - 0.1 * MAZUR_GRAD_W5, rel=1e-12)
    assert repr(view) == "LiveView('A Step by Step Backpropagation Example', fragment='eta=0.1')"
    # Back to no edits (the view's Reset): the original itself, without asking glassnet.live.
    calls = len(stand_in.calls)
    view.set_state({"fragment": ""})
    assert view.example is example and len(stand_in.calls) == calls


def test_edits_from_python_go_to_the_view(stand_in: Spy) -> None:
    view = LiveView(load_example("mazur"))
    messages = sent_messages(view)
    view.fragment = "#eta=0.25"  # as copied from a page's URL
    assert view.fragment == "eta=0.25" and view.example.learning_rate == 0.25
    assert [m["state"] for m in messages] == [{"fragment": "eta=0.25"}]
    # A malformed fragment is refused when it is set, with glassnet.live's one line.
    with pytest.raises(GlassnetError, match="w99"):
        view.fragment = "w99=1"
    assert view.fragment == "eta=0.25" and len(messages) == 1


def test_a_view_can_start_with_edits(stand_in: Spy) -> None:
    example = load_example("mazur")
    view = LiveView(example, fragment="eta=0.2")
    assert view.fragment == "eta=0.2" and view.example.learning_rate == 0.2
    assert stand_in.calls[-1] == (example, "eta=0.2")
    with pytest.raises(GlassnetError, match="w99"):
        LiveView(example, fragment="w99=0.3")


def test_another_example_redraws_the_view_without_edits(stand_in: Spy) -> None:
    view = LiveView(load_example("mazur"))
    view.fragment = "eta=0.1"
    first_id = view._id
    messages = sent_messages(view)
    hill = load_example("hill")
    view.example = hill
    assert view.original is hill and view.example is hill and view.fragment == ""
    assert "Part 2 - Gradient descent and backpropagation" in view._html
    assert view._id != first_id and f'["{view._id}"] = g.step' in view._js
    # One message: the view never sees the new page with the old page's edits.
    assert len(messages) == 1 and messages[0]["method"] == "update"
    assert {"_html", "_js", "_id", "fragment"} <= set(messages[0]["state"])
    assert messages[0]["state"]["fragment"] == ""


def test_bad_arguments_say_what_was_expected() -> None:
    with pytest.raises(TypeError, match=r"LiveView needs an Example \(.*\), got str$"):
        LiveView("mazur")  # type: ignore[arg-type]
    with pytest.raises(GlassnetError, match="`digits` must be an integer >= 1, got 0"):
        LiveView(load_example("mazur"), digits=0)
    view = LiveView(load_example("hill"), digits=4)
    # w5+ = 0.70487559046914 shown to 4 digits (data-value keeps the full double).
    assert "<mn>0.7049</mn>" in view._html and "<mn>0.70487559" not in view._html
    with pytest.raises(TypeError, match=r"LiveView\.example must be an Example, got NoneType"):
        view.example = None  # type: ignore[assignment]


def test_the_practitioner_api_has_the_widget() -> None:
    assert glassnet.LiveView is LiveView
    assert "LiveView" not in glassnet.__all__  # a star import must not need the extra


WITHOUT_ANYWIDGET = """
import sys
sys.modules["anywidget"] = None  # as if the jupyter extra were not installed
import glassnet
from glassnet.examples import load_example
html = load_example("mazur")._repr_html_()
assert 'class="glassnet"' in html and "0.35891648" in html, "the static view stays"
for ask in ("import glassnet.widget", "glassnet.LiveView"):
    try:
        exec(ask)
    except ImportError as error:
        print(error)
"""


def test_without_the_extra_the_static_view_stays_and_the_widget_says_what_to_install() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_ANYWIDGET], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    hint = "glassnet.widget needs anywidget: pip install 'glassnet[jupyter]'"
    assert done.stdout.splitlines() == [hint, hint]
