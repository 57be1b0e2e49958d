"""The live page as a Jupyter widget whose edits come back to Python.

``LiveView(example)`` shows the same view as the notebook display of an example
(``render.html.render_fragment``), as an anywidget: edit a weight, an input or
the learning rate in the view, and ``view.example`` is the edited example::

    import glassnet as gn

    view = gn.LiveView(gn.load_example("mazur"))
    view                  # the view; edit w5 in it
    view.fragment         # 'w5=0.3': the edits, as in the page's URL fragment
    view.example          # the edited Example (glassnet.live.apply_fragment)
    view.fragment = "eta=0.1"            # edits from Python show in the view
    view.example = gn.load_example("hill")   # shows another example

The view's edits are kept as one string, ``fragment`` (the page's URL-fragment
form, ``w5=0.3&eta=0.1&act2=tanh``, see docs/html.md), which is the only state
that goes back and forth; the example is rebuilt from it with
``glassnet.live.apply_fragment(original, fragment)``. The view itself is the
page's own HTML and script: Python splits ``render_fragment``'s output into its
style, body and script, and ``render/assets/widget.js`` puts them into the
notebook and connects the page's view (``window.glassnetViews``) to the widget.

Needs the ``jupyter`` extra: ``pip install 'glassnet[jupyter]'``. Without it the
records still display as the static view (``glassnet.render.notebook``).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

try:
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - exercised by the missing-extra test in a subprocess
    raise ImportError("glassnet.widget needs anywidget: pip install 'glassnet[jupyter]'") from None

from glassnet.errors import GlassnetError
from glassnet.example import Example
from glassnet.explanation import explain_example
from glassnet.render.html import render_fragment

__all__ = ["LiveView"]

#: ``render_fragment``'s output: its style, the view's ``<div>``, then its script.
_FRAGMENT = re.compile(
    r"<style>(?P<css>.*?)</style>\n(?P<html>.*)\n<script>(?P<js>.*)</script>\n", re.DOTALL
)
#: The view's root element and its id (unique per render; every element id starts with it).
_ROOT = re.compile(r'<div class="glassnet" id="(?P<id>[A-Za-z][\w-]*)"')


def split_fragment(fragment: str) -> dict[str, str]:
    """``render_fragment``'s output as the widget's parts: ``css``, ``html``, ``js``, ``id``.

    The script must be run by the widget (a script inserted as HTML does not run);
    ``id`` is the view's root id, which the widget makes unique per display.
    """
    whole = _FRAGMENT.fullmatch(fragment)
    root = _ROOT.match(whole.group("html")) if whole else None
    if whole is None or root is None:
        raise RuntimeError("render_fragment's output is not <style>, one <div>, <script>")
    return {**whole.groupdict(), "id": root.group("id")}


def _module_source() -> str:
    return resources.files("glassnet.render").joinpath("assets", "widget.js").read_text("utf-8")


class LiveView(anywidget.AnyWidget):
    """The live view of ``example``'s update in a notebook; ``example`` is the edited one.

    ``fragment`` holds the edits made in the view (``""``: none); set it to edit
    from Python. ``original`` is the example the view was made with (its Reset
    goes back to it); assigning ``example`` shows another one.

    >>> from glassnet.examples import load_example
    >>> view = LiveView(load_example("mazur"))
    >>> view.fragment, view.original.title
    ('', 'A Step by Step Backpropagation Example')
    """

    _esm = _module_source()  # (anywidget makes it a synced trait)
    # The page, split in three (split_fragment): the widget inserts the first two and runs
    # the third; _id is the view's root id in them.
    _css = traitlets.Unicode("").tag(sync=True)
    _html = traitlets.Unicode("").tag(sync=True)
    _js = traitlets.Unicode("").tag(sync=True)
    _id = traitlets.Unicode("").tag(sync=True)
    #: The edits, in the page's URL-fragment form (no leading ``#``).
    fragment = traitlets.Unicode("").tag(sync=True)

    def __init__(self, example: Example, *, digits: int = 9, **kwargs: Any) -> None:
        if not isinstance(example, Example):
            raise TypeError(
                f"LiveView needs an Example (glassnet.load_example or read_example), "
                f"got {type(example).__name__}"
            )
        if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
            raise GlassnetError(f"`digits` must be an integer >= 1, got {digits!r}")
        self._digits = digits
        self._original = example
        super().__init__(**{**self._parts(example), **kwargs})

    @property
    def original(self) -> Example:
        """The example the view was made with: what the view shows without edits."""
        return self._original

    @property
    def example(self) -> Example:
        """The example as edited in the view: ``apply_fragment(original, fragment)``."""
        if not self.fragment:
            return self._original
        from glassnet.live import apply_fragment

        edited: Example = apply_fragment(self._original, self.fragment)
        return edited

    @example.setter
    def example(self, example: Example) -> None:
        """Show ``example`` instead, without edits (it becomes ``original``)."""
        if not isinstance(example, Example):
            raise TypeError(f"LiveView.example must be an Example, got {type(example).__name__}")
        parts = self._parts(example)
        # One message: the view gets the new page and its empty edits together (and redraws
        # once every part of it has arrived).
        with self.hold_sync():
            self._original = example
            self.fragment = ""
            for name, value in parts.items():
                setattr(self, name, value)

    @traitlets.validate("fragment")
    def _check_fragment(self, proposal: dict[str, Any]) -> str:
        """One leading ``#`` (a URL's) is dropped; a malformed fragment is refused here,
        with ``apply_fragment``'s one-line message, rather than when ``example`` is read."""
        text = str(proposal["value"])
        text = text.removeprefix("#")
        if text:
            from glassnet.live import apply_fragment

            apply_fragment(self._original, text)
        return text

    def _parts(self, example: Example) -> dict[str, str]:
        page = render_fragment(explain_example(example), digits=self._digits)
        return {f"_{key}": value for key, value in split_fragment(page).items()}

    def __repr__(self) -> str:
        title = self._original.title or "untitled example"
        edits = f", fragment={self.fragment!r}" if self.fragment else ""
        return f"LiveView({title!r}{edits})"
